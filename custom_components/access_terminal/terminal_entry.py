"""Set up, unload and remove the config entry of one terminal, whatever its family."""

from __future__ import annotations

from functools import partial

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .const import (
    CONF_COMMAND_TIMEOUT,
    CONF_FAMILY,
    CONF_SERIAL,
    DEFAULT_COMMAND_TIMEOUT,
    DOMAIN,
    SIGNAL_TERMINAL_LOADED,
    SIGNAL_TERMINAL_REMOVED,
    SIGNAL_TERMINAL_UNLOADED,
)
from .coordinator import (
    AccessTerminalConfigEntry,
    AccessTerminalCoordinator,
    AccessTerminalRuntimeData,
    TerminalBuilder,
)
from .devices import device_details
from .families import BuildContext, FamilySpec, family_spec
from .protocols.model import Authorizer, Terminal, TerminalListener
from .store import DeviceStore

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.LOCK,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TEXT,
    Platform.TIME,
    Platform.UPDATE,
]


def _builder(
    hass: HomeAssistant, entry: AccessTerminalConfigEntry, spec: FamilySpec
) -> TerminalBuilder:
    """Return what builds the entry's terminal once its coordinator (the listener) exists."""

    def build(listener: TerminalListener, authorizer: Authorizer) -> Terminal:
        return spec.build(
            BuildContext(
                hass=hass,
                serial=entry.data[CONF_SERIAL],
                data=entry.data,
                options=entry.options,
                listener=listener,
                authorizer=authorizer,
                command_timeout=entry.options.get(CONF_COMMAND_TIMEOUT, DEFAULT_COMMAND_TIMEOUT),
                zone=dt_util.get_default_time_zone(),
            )
        )

    return build


async def async_setup_terminal(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> bool:
    """Set up one terminal: its state, its device, its entities, then its family's extras."""
    spec = family_spec(entry.data.get(CONF_FAMILY))
    if spec is None:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="unknown_family",
            translation_placeholders={"family": str(entry.data.get(CONF_FAMILY))},
        )
    store = DeviceStore(hass, entry.entry_id)
    await store.async_load()
    coordinator = AccessTerminalCoordinator(
        hass,
        entry,
        store,
        _builder(hass, entry, spec),
        partial(device_details, spec, entry.data),
    )
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, coordinator.serial)},
        serial_number=coordinator.serial,
        **coordinator.describe(coordinator.data.info).as_fields(),
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
    if spec.async_setup_entry is not None:
        await spec.async_setup_entry(hass, entry)
    async_dispatcher_send(hass, SIGNAL_TERMINAL_LOADED, coordinator)
    return True


async def _async_options_updated(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_terminal(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> bool:
    """Unload a terminal; what it still had queued is saved for the next start."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.coordinator.async_stop()
        async_dispatcher_send(hass, SIGNAL_TERMINAL_UNLOADED, entry.data[CONF_SERIAL])
    return unloaded


async def async_remove_terminal(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> None:
    """Delete the terminal's saved state, and what the MQTT bridge retained of it."""
    async_dispatcher_send(hass, SIGNAL_TERMINAL_REMOVED, entry.data[CONF_SERIAL])
    await DeviceStore(hass, entry.entry_id).async_remove()
