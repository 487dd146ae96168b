"""MQTT bridge: every terminal, whatever its family, published to a broker for other hubs.

One bridge per Home Assistant, set up as its own config entry ("MQTT bridge" in the
integration's menu) whose options hold the broker and what to publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant

from .bridge import MqttBridge


@dataclass(kw_only=True, slots=True)
class MqttBridgeRuntimeData:
    """What the loaded bridge entry holds."""

    bridge: MqttBridge


type MqttBridgeConfigEntry = ConfigEntry[MqttBridgeRuntimeData]


async def async_setup_bridge(hass: HomeAssistant, entry: MqttBridgeConfigEntry) -> bool:
    """Start the bridge; it connects in the background and retries until the broker is there."""
    bridge = MqttBridge(hass, entry)
    entry.runtime_data = MqttBridgeRuntimeData(bridge=bridge)
    await bridge.async_start()
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


async def _async_options_updated(hass: HomeAssistant, entry: MqttBridgeConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_bridge(hass: HomeAssistant, entry: MqttBridgeConfigEntry) -> bool:
    """Say goodbye to the broker."""
    await entry.runtime_data.bridge.async_stop()
    return True


async def async_remove_bridge(hass: HomeAssistant, entry: MqttBridgeConfigEntry) -> None:
    """Nothing is stored for the bridge: what it retained at the broker is the broker's."""


def bridge_diagnostics(entry: MqttBridgeConfigEntry) -> dict[str, Any] | None:
    """Return the loaded bridge's state for diagnostics (None while not loaded)."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return entry.runtime_data.bridge.diagnostics()
