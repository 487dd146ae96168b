"""Event entities: access, door (per door), alarm and admin streams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AccessTerminalConfigEntry, AccessTerminalCoordinator
from .entity import AccessTerminalEntity, async_add_dynamic_entities, entity_unique_id
from .protocols.model import (
    OPTIONAL_EVENT_TYPES,
    AccessEvent,
    EventCategory,
    EventType,
    event_types_of,
)

PARALLEL_UPDATES = 0

# The event entity's event_type already says it. ("time" stays: it is the device's time,
# which differs from the state's when a backlog arrives after an outage.)
_NOT_SHOWN = frozenset({"type"})
# The attributes an event entity may carry: the fields of an event, less its type.
EVENT_ATTRIBUTES: tuple[str, ...] = tuple(
    key
    for key in AccessEvent(type=EventType.ALARM, time=datetime.now(UTC)).as_dict()
    if key not in _NOT_SHOWN
)


@dataclass(frozen=True, kw_only=True)
class AccessTerminalEventDescription(EventEntityDescription):
    """One event stream of the vocabulary."""

    category: EventCategory


def _stream(key: str, category: EventCategory) -> AccessTerminalEventDescription:
    return AccessTerminalEventDescription(
        key=key, translation_key=key, category=category, event_types=event_types_of(category)
    )


ACCESS_EVENTS = _stream("access", EventCategory.ACCESS)
DOOR_EVENTS = _stream("door_events", EventCategory.DOOR)
ALARM_EVENTS = _stream("alarm_events", EventCategory.ALARM)
ADMIN_EVENTS = _stream("admin_events", EventCategory.ADMIN)
STREAMS = {
    stream.category: stream for stream in (ACCESS_EVENTS, DOOR_EVENTS, ALARM_EVENTS, ADMIN_EVENTS)
}


def stream_unique_id(serial: str, category: EventCategory, door: int | None) -> str:
    """Return the unique id of the event entity of a stream (door events: of that door)."""
    key = STREAMS[category].key
    return entity_unique_id(serial, key, door if category is EventCategory.DOOR else None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the streams the terminal fills, the door stream once per door."""
    coordinator = entry.runtime_data.coordinator
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda state: (
            (description.key, partial(AccessTerminalEvent, coordinator, description))
            for description in (ACCESS_EVENTS, ALARM_EVENTS, ADMIN_EVENTS)
            if description.category in state.event_categories
        ),
    )
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda state: (
            (f"door_{door}", partial(AccessTerminalEvent, coordinator, DOOR_EVENTS, door))
            for door in state.door_numbers
            if EventCategory.DOOR in state.event_categories
        ),
    )


class AccessTerminalEvent(AccessTerminalEntity, EventEntity):
    """An event entity fed by the terminal's event stream."""

    entity_description: AccessTerminalEventDescription

    def __init__(
        self,
        coordinator: AccessTerminalCoordinator,
        description: AccessTerminalEventDescription,
        door: int | None = None,
    ) -> None:
        """Offer the stream's event types the terminal reports (a doorbell only where rung)."""
        super().__init__(coordinator, description, door)
        reported = coordinator.data.optional_event_types
        self._attr_event_types = [
            kind
            for kind in description.event_types or ()
            if EventType(kind) not in OPTIONAL_EVENT_TYPES or EventType(kind) in reported
        ]

    async def async_added_to_hass(self) -> None:
        """Listen to the terminal's events."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.events.async_subscribe(
                self.entity_description.category, self._on_event
            )
        )

    @callback
    def _on_event(self, event: AccessEvent, attributes: dict[str, Any]) -> None:
        if self.door is not None and event.door != self.door:
            return
        if str(event.type) not in self.event_types:
            # A terminal sending what it said it never sends: the bus still has the event.
            return
        # Unset fields are left out: state_attr() reads None for them either way, and every
        # attribute less makes each of these frequent state writes cheaper.
        shown = {
            key: value
            for key, value in attributes.items()
            if value is not None and key not in _NOT_SHOWN
        }
        # The plain string: the state attribute is read (and compared) as text.
        self._trigger_event(str(event.type), shown)
        self.async_write_ha_state()
