"""The kinds of config entries of this domain, told apart here and nowhere else.

Most entries are terminals; one may be the MQTT bridge, and one the access directory. Code that
treats them differently asks `kind_of` and matches on every kind (`assert_never` lets mypy find a
forgotten one).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import BRIDGE_KIND, CONF_BRIDGE, DOMAIN
from .directory.const import CONF_DIRECTORY

if TYPE_CHECKING:
    from .coordinator import AccessTerminalConfigEntry


class EntryKind(StrEnum):
    """What a config entry of this domain stands for."""

    TERMINAL = "terminal"
    MQTT_BRIDGE = "mqtt_bridge"
    DIRECTORY = "directory"


def kind_of(entry: ConfigEntry[Any]) -> EntryKind:
    """Return the kind of `entry` (the bridge's and the directory's are marked in their data)."""
    if entry.data.get(CONF_BRIDGE) == BRIDGE_KIND:
        return EntryKind.MQTT_BRIDGE
    if entry.data.get(CONF_DIRECTORY) is True:
        return EntryKind.DIRECTORY
    return EntryKind.TERMINAL


def as_terminal_entry(entry: ConfigEntry[Any]) -> AccessTerminalConfigEntry | None:
    """Return `entry` typed as a terminal's entry, or None for an entry of another kind."""
    if kind_of(entry) is not EntryKind.TERMINAL:
        return None
    return cast("AccessTerminalConfigEntry", entry)


def terminal_entry_of_device(
    hass: HomeAssistant, device: DeviceEntry
) -> AccessTerminalConfigEntry | None:
    """Return the terminal entry a device belongs to (loaded or not; None: not a terminal)."""
    for entry_id in device.config_entries:
        entry = hass.config_entries.async_get_entry(entry_id)
        terminal = None if entry is None or entry.domain != DOMAIN else as_terminal_entry(entry)
        if terminal is not None:
            return terminal
    return None


def loaded_terminal_entries(hass: HomeAssistant) -> list[AccessTerminalConfigEntry]:
    """Return the entries of every loaded terminal."""
    return [
        terminal
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        if (terminal := as_terminal_entry(entry)) is not None
    ]
