"""Webserver + JSON terminals (specs/000_021a89f13c4f291f.txt): Home Assistant calls them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant

from ..protocols.model import Family, Terminal
from ..protocols.webjson import WebJsonClient, WebJsonTerminal
from .base import BuildContext, FamilySpec, PullConnection
from .pull import client_session, device_address, web_url


async def _read_serial(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    client = WebJsonClient(client_session(hass, data), device_address(data), data[CONF_PASSWORD])
    return await WebJsonTerminal.read_serial(client)


def _build(context: BuildContext) -> Terminal:
    data = context.data
    return WebJsonTerminal(
        context.serial,
        context.listener,
        session=client_session(context.hass, data),
        address=device_address(data),
        password=data[CONF_PASSWORD],
        zone=context.zone,
    )


SPEC = FamilySpec(
    family=Family.WEBJSON,
    title="Webserver + JSON",
    build=_build,
    pull=PullConnection(credential_key=CONF_PASSWORD, read_serial=_read_serial),
    configuration_url=web_url,
)
