"""Sensors: who came in last, how and when, body temperature, storage usage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTemperature, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import AccessTerminalConfigEntry
from .entity import AccessTerminalEntity, async_add_dynamic_entities
from .protocols.model import AccessEvent
from .state import FAILED, IN_SYNC, PENDING, AccessSync, TerminalState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class AccessTerminalSensorDescription(SensorEntityDescription):
    """A sensor of a terminal."""

    value_fn: Callable[[TerminalState], StateType | datetime]
    attributes_fn: Callable[[TerminalState], dict[str, Any]] | None = None
    exists_fn: Callable[[TerminalState], bool] = lambda _: True
    # Shown while the terminal is offline too (what waits for it is worth seeing then).
    available_offline: bool = False


def _sync_attributes(sync: AccessSync | None) -> dict[str, Any]:
    if sync is None:
        return {}
    return {
        "pending": sync.pending,
        "reason": sync.reason,
        "synced_at": None if sync.synced_at is None else sync.synced_at.isoformat(),
        "shortfalls": list(sync.shortfalls),
    }


def _last(state: TerminalState) -> AccessEvent | None:
    return state.last_access


def _usage(key: str, *, enabled: bool = False) -> AccessTerminalSensorDescription:
    def used(state: TerminalState) -> int | None:
        info = state.info
        return info.usage[key].used if info and key in info.usage else None

    def capacity(state: TerminalState) -> dict[str, Any]:
        info = state.info
        return {"capacity": info.usage[key].capacity if info and key in info.usage else None}

    return AccessTerminalSensorDescription(
        key=f"usage_{key}",
        translation_key=f"usage_{key}",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=enabled,
        value_fn=used,
        attributes_fn=capacity,
        exists_fn=lambda state: bool(state.info and key in state.info.usage),
    )


def _counter(key: str, unit: str | None = None) -> AccessTerminalSensorDescription:
    return AccessTerminalSensorDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=unit,
        device_class=SensorDeviceClass.DURATION if unit else None,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda state: state.info.counters.get(key) if state.info else None,
        exists_fn=lambda state: bool(state.info and key in state.info.counters),
    )


SENSORS: tuple[AccessTerminalSensorDescription, ...] = (
    AccessTerminalSensorDescription(
        key="last_user",
        translation_key="last_user",
        value_fn=lambda s: (ev.user_name or ev.user_id) if (ev := _last(s)) else None,
        attributes_fn=lambda s: {"user_id": ev.user_id if (ev := _last(s)) else None},
    ),
    AccessTerminalSensorDescription(
        key="last_method",
        translation_key="last_method",
        # The access event entity's `methods` attribute says the same.
        entity_registry_enabled_default=False,
        value_fn=lambda s: ", ".join(ev.methods) or None if (ev := _last(s)) else None,
    ),
    AccessTerminalSensorDescription(
        key="last_access",
        translation_key="last_access",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda s: ev.time if (ev := _last(s)) else None,
        attributes_fn=lambda s: {"result": str(ev.type) if (ev := _last(s)) else None},
    ),
    AccessTerminalSensorDescription(
        key="temperature",
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda s: ev.temperature if (ev := _last(s)) else None,
        # Announced by the terminal, or seen in a record (one rule for every family).
        exists_fn=lambda s: s.measures_temperature,
    ),
    AccessTerminalSensorDescription(
        key="access_sync",
        translation_key="access_sync",
        device_class=SensorDeviceClass.ENUM,
        options=[IN_SYNC, PENDING, FAILED],
        entity_category=EntityCategory.DIAGNOSTIC,
        available_offline=True,
        value_fn=lambda s: s.access_sync.state if s.access_sync else None,
        attributes_fn=lambda s: _sync_attributes(s.access_sync),
        exists_fn=lambda s: s.access_sync is not None,
    ),
    AccessTerminalSensorDescription(
        key="clock_offset",
        translation_key="clock_offset",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.clock_offset,
        # Families that read their terminal's clock (with its settings).
        exists_fn=lambda s: s.clock_offset is not None,
    ),
    _usage("users", enabled=True),
    _usage("faces"),
    _usage("fingerprints"),
    _usage("cards"),
    _usage("palms"),
    _usage("logs"),
    AccessTerminalSensorDescription(
        key="last_boot",
        translation_key="last_boot",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.info.booted_at if s.info else None,
        exists_fn=lambda s: bool(s.info and s.info.booted_at),
    ),
    _counter("days_running", UnitOfTime.DAYS),
    _counter("watchdog_resets"),
    _counter("storage_formats"),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the terminal supports (more once it reports its features)."""
    coordinator = entry.runtime_data.coordinator
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda state: (
            (description.key, partial(AccessTerminalSensor, coordinator, description))
            for description in SENSORS
            if description.exists_fn(state)
        ),
    )


class AccessTerminalSensor(AccessTerminalEntity, SensorEntity):
    """A sensor driven by a description."""

    entity_description: AccessTerminalSensorDescription

    def _showing(self) -> tuple[Any, ...]:
        return (self.available, self.native_value, self.extra_state_attributes)

    @property
    def available(self) -> bool:
        """Follow the terminal's connectivity (not the sync state: it tells of an outage)."""
        return self.entity_description.available_offline or super().available

    @property
    def native_value(self) -> StateType | datetime:
        """Return the described value."""
        return self.entity_description.value_fn(self.terminal)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the described attributes."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.terminal)
