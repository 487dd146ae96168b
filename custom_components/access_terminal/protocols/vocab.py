"""Device codes described as meanings in the shared vocabulary, and events built from them.

Every family has tables of its own codes (HTTPv2 record types, ZK event codes...); each entry is a
Meaning, or several (a forced door is a door event and an alarm), and `events` turns them into
AccessEvents the same way for every family.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .model import (
    EVENT_CATEGORIES,
    AccessEvent,
    AlarmReason,
    DenyReason,
    Direction,
    ErrorReason,
    EventCategory,
    EventType,
    Method,
    Reason,
)


@dataclass(slots=True, frozen=True)
class Meaning:
    """What one device code means in the vocabulary."""

    type: EventType
    detail: str
    methods: tuple[Method, ...] = ()
    reason: Reason | None = None


# How door events came about when the code does not say more.
_DEFAULT_METHODS = {
    EventType.EXIT_BUTTON: (Method.BUTTON,),
    EventType.REMOTE_UNLOCK: (Method.REMOTE,),
    EventType.REMOTE_LOCK: (Method.REMOTE,),
}


def granted(detail: str, *methods: Method) -> tuple[Meaning, ...]:
    """Describe someone let in."""
    return (Meaning(EventType.ACCESS_GRANTED, detail, methods),)


def denied(detail: str, reason: DenyReason, *methods: Method) -> tuple[Meaning, ...]:
    """Describe someone refused."""
    return (Meaning(EventType.ACCESS_DENIED, detail, methods, reason),)


def door(kind: EventType, detail: str) -> tuple[Meaning, ...]:
    """Describe something that happened at a door."""
    return (Meaning(kind, detail),)


def alarm(
    reason: AlarmReason, detail: str, door_event: EventType | None = None
) -> tuple[Meaning, ...]:
    """Describe an alarm (and, for a forced or held door, the door event that goes with it)."""
    raised = Meaning(EventType.ALARM, detail, reason=reason)
    return (raised,) if door_event is None else (Meaning(door_event, detail), raised)


def fire(detail: str) -> tuple[Meaning, ...]:
    """Describe the fire input or the fire linkage going off (its end: cleared(FIRE, ...))."""
    return (Meaning(EventType.FIRE_ALARM, detail, reason=AlarmReason.FIRE),)


def aux_input(triggered: bool, detail: str) -> tuple[Meaning, ...]:
    """Describe an auxiliary input switching on (triggered) or back off."""
    return (Meaning(EventType.AUX_INPUT_ON if triggered else EventType.AUX_INPUT_OFF, detail),)


def aux_output(switched_on: bool, detail: str) -> tuple[Meaning, ...]:
    """Describe an auxiliary output switching on or off."""
    kind = EventType.AUX_OUTPUT_ON if switched_on else EventType.AUX_OUTPUT_OFF
    return (Meaning(kind, detail),)


def device_error(reason: ErrorReason, detail: str) -> tuple[Meaning, ...]:
    """Describe something the terminal failed at."""
    return (Meaning(EventType.DEVICE_ERROR, detail, reason=reason),)


def device_status(kind: EventType, detail: str) -> tuple[Meaning, ...]:
    """Describe what the terminal reports of itself (started, reconnected, upgraded...)."""
    return (Meaning(kind, detail),)


def cleared(reason: AlarmReason, detail: str) -> tuple[Meaning, ...]:
    """Describe the end of an alarm."""
    return (Meaning(EventType.ALARM_CLEARED, detail, reason=reason),)


def admin(kind: EventType, detail: str) -> tuple[Meaning, ...]:
    """Describe a change to the users made at the device."""
    return (Meaning(kind, detail),)


def events(
    meanings: Iterable[Meaning],
    *,
    time: datetime,
    raw_code: str,
    door_number: int = 1,
    methods: tuple[Method, ...] = (),
    user_id: str | None = None,
    user_name: str | None = None,
    direction: Direction | None = None,
    card_number: str | None = None,
    temperature: float | None = None,
    mask: bool | None = None,
    record_id: str | None = None,
    photo: bytes | None = None,
) -> tuple[AccessEvent, ...]:
    """Build the events of one record.

    `methods` says how the person identified (when the record says it apart from the code);
    a code that implies its methods keeps them. Only a passage has a direction: the
    terminal's in/out flag on any other record (an enrollment, a user change) means nothing.
    """
    return tuple(
        AccessEvent(
            type=meaning.type,
            time=time,
            door=door_number,
            user_id=user_id,
            user_name=user_name,
            methods=meaning.methods or methods or _DEFAULT_METHODS.get(meaning.type, ()),
            direction=direction if EVENT_CATEGORIES[meaning.type] is EventCategory.ACCESS else None,
            card_number=card_number,
            temperature=temperature,
            mask=mask,
            reason=meaning.reason,
            record_id=record_id,
            raw_code=raw_code,
            detail=meaning.detail,
            photo=photo,
        )
        for meaning in meanings
    )
