"""Diagnostics: what the integration knows of a terminal, with every secret redacted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, assert_never

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .directory.entry import directory_diagnostics
from .families import FAMILIES
from .kinds import EntryKind, kind_of
from .mqtt_bridge import bridge_diagnostics

# Keys whose values never leave Home Assistant: passwords and keys of every kind, and what each
# family declares (its settings' network credentials, templates and photos).
REDACT = {"password", "api_key"}.union(*(spec.redact for spec in FAMILIES.values()))
# The bridge's options also name the broker's user.
BRIDGE_REDACT = REDACT | {"username"}


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
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> dict[str, Any]:
    """Return diagnostics for one terminal, the MQTT bridge or the access directory."""
    match kind_of(entry):
        case EntryKind.MQTT_BRIDGE:
            return {
                "entry": {"options": async_redact_data(dict(entry.options), BRIDGE_REDACT)},
                "bridge": bridge_diagnostics(entry),
            }
        case EntryKind.DIRECTORY:
            return directory_diagnostics(entry)
        case EntryKind.TERMINAL:
            coordinator = entry.runtime_data.coordinator
            return {
                # Entries of the terminals we call hold their password or API key (and secret).
                "entry": {
                    "data": async_redact_data(dict(entry.data), REDACT),
                    "options": dict(entry.options),
                },
                "terminal": _redact_passwords(async_redact_data(coordinator.diagnostics(), REDACT)),
            }
        case unknown:
            assert_never(unknown)
