"""The Access Terminal integration: access-control terminals as Home Assistant devices."""

from __future__ import annotations

from typing import Any, assert_never

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .const import DOMAIN
from .directory.entry import (
    async_remove_directory,
    async_setup_directory,
    async_unload_directory,
)
from .directory.services import async_setup_directory_services
from .families import FAMILIES
from .kinds import EntryKind, kind_of
from .mqtt_bridge import async_remove_bridge, async_setup_bridge, async_unload_bridge
from .push import DATA_PUSH, PushRouter
from .services import async_setup_services
from .terminal_entry import async_remove_terminal, async_setup_terminal, async_unload_terminal
from .views import FirmwareView

# Terminals are added in the UI. An `access_terminal:` in configuration.yaml only makes Home
# Assistant listen for terminals before the first one is added, so they can be discovered; a
# family may read keys of its own there (cloud terminals: `websocket_port: 7788`).
CONFIG_SCHEMA = vol.Schema(
    {
        vol.Optional(DOMAIN): vol.Schema(
            {key: value for spec in FAMILIES.values() for key, value in spec.yaml_schema.items()}
        )
    },
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register what terminals call, and the services, once for every terminal."""
    router = hass.data[DATA_PUSH] = PushRouter(hass)
    hass.http.register_view(FirmwareView(router.firmware))
    section = config.get(DOMAIN, {})
    for spec in FAMILIES.values():
        for view in spec.views:
            hass.http.register_view(view(router))
        if spec.async_setup is not None:
            await spec.async_setup(hass, router, section)
    async_setup_services(hass)
    async_setup_directory_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Set up one terminal, the MQTT bridge or the access directory."""
    match kind_of(entry):
        case EntryKind.TERMINAL:
            return await async_setup_terminal(hass, entry)
        case EntryKind.MQTT_BRIDGE:
            return await async_setup_bridge(hass, entry)
        case EntryKind.DIRECTORY:
            return await async_setup_directory(hass, entry)
        case unknown:
            assert_never(unknown)


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Unload a terminal (what it still had queued is saved), the bridge or the directory."""
    match kind_of(entry):
        case EntryKind.TERMINAL:
            return await async_unload_terminal(hass, entry)
        case EntryKind.MQTT_BRIDGE:
            return await async_unload_bridge(hass, entry)
        case EntryKind.DIRECTORY:
            return await async_unload_directory(hass, entry)
        case unknown:
            assert_never(unknown)


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Forget a removed entry's saved state (a terminal's, the bridge's, the directory's)."""
    match kind_of(entry):
        case EntryKind.TERMINAL:
            await async_remove_terminal(hass, entry)
        case EntryKind.MQTT_BRIDGE:
            await async_remove_bridge(hass, entry)
        case EntryKind.DIRECTORY:
            await async_remove_directory(hass, entry)
        case unknown:
            assert_never(unknown)
