"""The Access Terminal integration: access-control terminals as Home Assistant devices."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .const import (
    CONF_SERIAL,
    DOMAIN,
    SIGNAL_TERMINAL_LOADED,
    SIGNAL_TERMINAL_REMOVED,
    SIGNAL_TERMINAL_UNLOADED,
)
from .coordinator import AccessTerminalCoordinator
from .mqtt_bridge import async_setup_bridge, async_unload_bridge, is_bridge_entry
from .push import DATA_PUSH, PushRouter
from .services import async_setup_services
from .store import DeviceStore
from .views import FirmwareView, HttpV2View, LogUploadView, ZkPushView

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.LOCK,
    Platform.SENSOR,
]

# Terminals are added in the UI. An empty `access_terminal:` in configuration.yaml only makes Home
# Assistant listen for terminals before the first one is added, so they can be discovered.
CONFIG_SCHEMA = vol.Schema({vol.Optional(DOMAIN): vol.Schema({})}, extra=vol.ALLOW_EXTRA)


@dataclass(kw_only=True, slots=True)
class AccessTerminalRuntimeData:
    """What a loaded entry holds."""

    coordinator: AccessTerminalCoordinator


type AccessTerminalConfigEntry = ConfigEntry[AccessTerminalRuntimeData]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the push endpoints and the services once for every terminal."""
    router = hass.data[DATA_PUSH] = PushRouter(hass)
    hass.http.register_view(HttpV2View(router))
    hass.http.register_view(ZkPushView(router))
    hass.http.register_view(FirmwareView(router.firmware))
    hass.http.register_view(LogUploadView(router))
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> bool:
    """Set up one terminal (or the MQTT bridge)."""
    if is_bridge_entry(entry):
        return await async_setup_bridge(hass, entry)
    store = DeviceStore(hass, entry.entry_id)
    await store.async_load()
    coordinator = AccessTerminalCoordinator(hass, entry, store)
    info = coordinator.info
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.data[CONF_SERIAL])},
        serial_number=entry.data[CONF_SERIAL],
        name=entry.title,
        manufacturer=(info.manufacturer if info else None) or "Access Terminal",
        model=info.model if info else None,
        sw_version=info.firmware if info else None,
    )
    coordinator.device_id = device.id
    if coordinator.polls:
        # A terminal we call must answer before its entities exist (else: retried later);
        # its records are read once the entities listen.
        await coordinator.async_config_entry_first_refresh()
    coordinator.async_start()
    entry.runtime_data = AccessTerminalRuntimeData(coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await coordinator.async_entities_ready()
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    async_dispatcher_send(hass, SIGNAL_TERMINAL_LOADED, coordinator)
    return True


async def _async_options_updated(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> bool:
    """Unload a terminal; what it still had queued is saved for the next start."""
    if is_bridge_entry(entry):
        return await async_unload_bridge(hass, entry)
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.coordinator.async_stop()
        async_dispatcher_send(hass, SIGNAL_TERMINAL_UNLOADED, entry.data[CONF_SERIAL])
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> None:
    """Delete the terminal's saved state, and what the MQTT bridge retained of it."""
    if is_bridge_entry(entry):
        return
    async_dispatcher_send(hass, SIGNAL_TERMINAL_REMOVED, entry.data[CONF_SERIAL])
    await DeviceStore(hass, entry.entry_id).async_remove()
