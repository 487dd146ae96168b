"""Binary sensors: door contact per door, connectivity, alarm and tamper."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AccessTerminalConfigEntry
from .entity import AccessTerminalEntity, async_add_door_entities, async_add_dynamic_entities
from .protocols.model import AlarmReason
from .state import TerminalState

PARALLEL_UPDATES = 0


def _alarm_on(state: TerminalState, reason: AlarmReason | None) -> bool | None:
    alarms = state.alarms
    if alarms is None:
        return None
    return bool(alarms) if reason is None else reason in alarms


def _last_seen(state: TerminalState) -> dict[str, Any]:
    last_seen = state.last_seen
    return {"last_seen": None if last_seen is None else last_seen.isoformat()}


@dataclass(frozen=True, kw_only=True)
class AccessTerminalBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a terminal (or of one of its doors)."""

    value_fn: Callable[[TerminalState, int | None], bool | None]
    attributes_fn: Callable[[TerminalState], dict[str, Any]] | None = None
    exists_fn: Callable[[TerminalState], bool] = lambda _: True
    always_available: bool = False


DOOR_CONTACT = AccessTerminalBinarySensorDescription(
    key="contact",
    translation_key="door_contact",
    device_class=BinarySensorDeviceClass.DOOR,
    value_fn=lambda state, door: state.door(door or 1).is_open,
)

# Alarms belong to doors: terminals without a door (attendance terminals) have none, nor do
# families whose door status says nothing of alarms (they would stay unknown for ever).
SENSORS = (
    AccessTerminalBinarySensorDescription(
        key="connectivity",
        # No name of its own (the device class names it): the key translates its attribute.
        translation_key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state, _: state.online,
        attributes_fn=_last_seen,
        always_available=True,
    ),
    AccessTerminalBinarySensorDescription(
        key="alarm",
        translation_key="alarm",
        device_class=BinarySensorDeviceClass.SAFETY,
        value_fn=lambda state, _: _alarm_on(state, None),
        attributes_fn=lambda state: {"alarms": sorted(str(alarm) for alarm in state.alarms or ())},
        exists_fn=lambda state: state.reports_alarms,
    ),
    AccessTerminalBinarySensorDescription(
        key="tamper",
        device_class=BinarySensorDeviceClass.TAMPER,
        value_fn=lambda state, _: _alarm_on(state, AlarmReason.TAMPER),
        exists_fn=lambda state: state.reports_alarms,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the terminal's binary sensors and a door contact per door."""
    coordinator = entry.runtime_data.coordinator
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda state: (
            (description.key, partial(AccessTerminalBinarySensor, coordinator, description))
            for description in SENSORS
            if description.exists_fn(state)
        ),
    )
    async_add_door_entities(
        entry,
        async_add_entities,
        lambda door: AccessTerminalBinarySensor(coordinator, DOOR_CONTACT, door),
    )


class AccessTerminalBinarySensor(AccessTerminalEntity, BinarySensorEntity):
    """A binary sensor driven by a description."""

    entity_description: AccessTerminalBinarySensorDescription

    def _showing(self) -> tuple[Any, ...]:
        return (self.available, self.is_on, self.extra_state_attributes)

    @property
    def is_on(self) -> bool | None:
        """Return the described value."""
        return self.entity_description.value_fn(self.terminal, self.door)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the described attributes."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.terminal)

    @property
    def available(self) -> bool:
        """Connectivity is always known; the rest follows it."""
        return self.entity_description.always_available or super().available
