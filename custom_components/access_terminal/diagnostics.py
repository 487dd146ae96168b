"""Diagnostics: what the integration knows of a terminal, with every secret redacted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from . import AccessTerminalConfigEntry
from .mqtt_bridge import DATA_BRIDGE, is_bridge_entry

# Keys whose values never leave Home Assistant: passwords of every kind the settings hold,
# network credentials, and (for other families) keys, templates and photos.
REDACT = {
    "password",
    "api_key",
    "upload_secret",
    "ConnectPassword",
    "MenuPassword",
    "VisitorRootPassword",
    "PasswordAlarm_Password",
    "RTSPPassword",
    "RTSPUser",
    "WIFIAPPassword",
    "WIFIAPName",
    "MQTTLoginName",
    "MQTTLoginPassword",
    "FaceFeature",
    "Fingerprints",
    "Palmveins",
    "Photo",
    "WiredMAC",
    "WIFIMAC",
}


def _is_usage(value: Any) -> bool:
    # [used, capacity]: how many passwords a terminal stores is no secret.
    return isinstance(value, list | tuple) and all(
        isinstance(item, int) or item is None for item in value
    )


def _redact_passwords(data: Any) -> Any:
    """Redact any key that mentions a password, whatever firmware named it (not usage counts)."""
    if isinstance(data, Mapping):
        return {
            key: "**REDACTED**"
            if "password" in str(key).lower() and not _is_usage(value)
            else _redact_passwords(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_redact_passwords(item) for item in data]
    return data


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: AccessTerminalConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for one terminal, or for the MQTT bridge."""
    if is_bridge_entry(entry):
        bridge = hass.data.get(DATA_BRIDGE)
        return {
            "entry": {"options": async_redact_data(dict(entry.options), REDACT | {"username"})},
            "bridge": bridge.diagnostics() if bridge is not None else None,
        }
    coordinator = entry.runtime_data.coordinator
    return {
        # Entries of the terminals we call hold their password or API key and upload secret.
        "entry": {
            "data": async_redact_data(dict(entry.data), REDACT),
            "options": dict(entry.options),
        },
        "terminal": _redact_passwords(async_redact_data(coordinator.diagnostics(), REDACT)),
    }
