"""What the families Home Assistant calls share on this side: where the terminal listens.

The entry holds the address (CONF_HOST, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL) and the family's
credential; the config flow asks for them with `address_schema` and keeps them only once the
terminal answered (see PullConnection in base.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import aiohttp
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import voluptuous as vol

from ..protocols.pull import DeviceAddress

DEFAULT_PULL_PORT: Final = 80
SECRET_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def device_address(data: Mapping[str, Any]) -> DeviceAddress:
    """Return where the entry's terminal listens."""
    return DeviceAddress(
        host=str(data[CONF_HOST]).strip(),
        port=int(data.get(CONF_PORT, DEFAULT_PULL_PORT)),
        ssl=bool(data.get(CONF_SSL, False)),
    )


def web_url(data: Mapping[str, Any]) -> str:
    """Return the address of the terminal's own web server (its configuration pages)."""
    return device_address(data).url("/")


def client_session(hass: HomeAssistant, data: Mapping[str, Any]) -> aiohttp.ClientSession:
    """Return the session to call the terminal with."""
    # Certificates are checked unless the user turned it off for a self-signed device.
    return async_get_clientsession(hass, verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)))


def address_schema(credential_key: str) -> vol.Schema:
    """Return the form asking where a terminal listens and how to log in."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): str,
            vol.Required(CONF_PORT, default=DEFAULT_PULL_PORT): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=65535)
            ),
            vol.Required(credential_key): SECRET_SELECTOR,
            vol.Required(CONF_SSL, default=False): bool,
            vol.Required(CONF_VERIFY_SSL, default=True): bool,
        }
    )
