"""Build the terminals Home Assistant calls (pull families) from their config entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
from homeassistant.const import (
    CONF_API_KEY,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util import dt as dt_util

from .const import CONF_FAMILY, CONF_UPLOAD_SECRET, DEFAULT_PULL_PORT, LOG_UPLOAD_PATH
from .protocols.control_api import ControlApiClient, ControlApiTerminal
from .protocols.model import Family, Terminal, TerminalListener
from .protocols.pull import DeviceAddress
from .protocols.webjson import WebJsonClient, WebJsonTerminal


def device_address(data: Mapping[str, Any]) -> DeviceAddress:
    """Return where the entry's terminal listens."""
    return DeviceAddress(
        host=str(data[CONF_HOST]).strip(),
        port=int(data.get(CONF_PORT, DEFAULT_PULL_PORT)),
        ssl=bool(data.get(CONF_SSL, False)),
    )


def _session(hass: HomeAssistant, data: Mapping[str, Any]) -> aiohttp.ClientSession:
    # Certificates are checked unless the user turned it off for a self-signed device.
    return async_get_clientsession(hass, verify_ssl=bool(data.get(CONF_VERIFY_SSL, True)))


async def async_read_serial(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    """Call the terminal described by config data and return its serial (to add it)."""
    session = _session(hass, data)
    address = device_address(data)
    if data[CONF_FAMILY] == Family.WEBJSON:
        return await WebJsonTerminal.read_serial(
            WebJsonClient(session, address, data[CONF_PASSWORD])
        )
    return await ControlApiTerminal.read_serial(
        ControlApiClient(session, address, data[CONF_API_KEY])
    )


def upload_url(hass: HomeAssistant, secret: str) -> str | None:
    """Return the URL the device's log uploader should post to (None: Home Assistant has none)."""
    try:
        base = get_url(hass, allow_external=False, allow_cloud=False)
    except NoURLAvailableError:
        return None
    return f"{base}{LOG_UPLOAD_PATH}/{secret}"


def build_pull_terminal(
    hass: HomeAssistant, serial: str, data: Mapping[str, Any], listener: TerminalListener
) -> Terminal:
    """Build the terminal of a pull-family entry."""
    session, address = _session(hass, data), device_address(data)
    zone = dt_util.get_default_time_zone()
    if data[CONF_FAMILY] == Family.WEBJSON:
        password = data[CONF_PASSWORD]
        return WebJsonTerminal(
            serial, listener, session=session, address=address, password=password, zone=zone
        )
    return ControlApiTerminal(
        serial,
        listener,
        session=session,
        address=address,
        api_key=data[CONF_API_KEY],
        zone=zone,
        upload_url=upload_url(hass, data[CONF_UPLOAD_SECRET]),
    )
