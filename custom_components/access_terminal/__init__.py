"""The Access Terminal integration: access-control terminals as Home Assistant devices."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .const import (
    CONF_FAMILY,
    CONF_LISTEN_PORT,
    CONF_SERIAL,
    CONF_WEBSOCKET_PORT,
    DOMAIN,
    SIGNAL_TERMINAL_LOADED,
    SIGNAL_TERMINAL_REMOVED,
    SIGNAL_TERMINAL_UNLOADED,
)
from .coordinator import AccessTerminalCoordinator
from .mqtt_bridge import async_setup_bridge, async_unload_bridge, is_bridge_entry
from .protocols.model import Family
from .push import DATA_PUSH, PushRouter
from .services import async_setup_services
from .store import DeviceStore
from .views import FirmwareView, HttpV2View, LogUploadView, ZkPushView
from .websocket import DATA_WEBSOCKETS, CloudWsHub, CloudWsView

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.LOCK,
    Platform.SENSOR,
]

# Terminals are added in the UI. An `access_terminal:` in configuration.yaml only makes Home
# Assistant listen for terminals before the first one is added, so they can be discovered; with
# `websocket_port: 7788` it also opens the cloud terminals' dedicated listener.
CONFIG_SCHEMA = vol.Schema(
    {vol.Optional(DOMAIN): vol.Schema({vol.Optional(CONF_WEBSOCKET_PORT): cv.port})},
    extra=vol.ALLOW_EXTRA,
)
# Who holds a dedicated listener opened by configuration.yaml.
_YAML_HOLDER = "configuration.yaml"


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
    hub = hass.data[DATA_WEBSOCKETS] = CloudWsHub(router)
    hass.http.register_view(CloudWsView(hub))

    async def stop(_event: Event) -> None:
        await hub.async_stop()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)
    if (port := config.get(DOMAIN, {}).get(CONF_WEBSOCKET_PORT)) is not None:
        await hub.async_acquire(port, _YAML_HOLDER)
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
    port = entry.options.get(CONF_LISTEN_PORT)
    if entry.data[CONF_FAMILY] == Family.CLOUD_WS and port:
        # A taken port is logged; the terminal can still reach Home Assistant's own port.
        hub = hass.data[DATA_WEBSOCKETS]
        if await hub.async_acquire(port, entry.entry_id):
            entry.async_on_unload(partial(hub.async_release, port, entry.entry_id))
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
