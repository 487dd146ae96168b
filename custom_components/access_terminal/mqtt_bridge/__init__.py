"""MQTT bridge: every terminal, whatever its family, published to a broker for other hubs.

One bridge per Home Assistant, set up as its own config entry ("MQTT bridge" in the
integration's menu) whose options hold the broker and what to publish.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from .bridge import MqttBridge
from .const import CONF_BRIDGE

DATA_BRIDGE: HassKey[MqttBridge] = HassKey(f"{DOMAIN}_mqtt_bridge")
BRIDGE_KIND = "mqtt"


def is_bridge_entry(entry: ConfigEntry[Any]) -> bool:
    """Return True for the bridge's entry (every other entry is a terminal)."""
    return entry.data.get(CONF_BRIDGE) == BRIDGE_KIND


async def async_setup_bridge(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Start the bridge; it connects in the background and retries until the broker is there."""
    bridge = MqttBridge(hass, entry)
    hass.data[DATA_BRIDGE] = bridge
    await bridge.async_start()
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


async def _async_options_updated(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_bridge(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Say goodbye to the broker."""
    if (bridge := hass.data.pop(DATA_BRIDGE, None)) is not None:
        await bridge.async_stop()
    return True
