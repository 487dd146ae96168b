"""Linkage rules a terminal keeps: when an event happens at a place, drive an output.

"When door 1 is forced open, sound the siren on auxiliary output 1 for 30 seconds": the terminal
applies the rule itself, with Home Assistant stopped too. A rule names its trigger by the shared
event vocabulary (each family maps the triggers it has onto its own codes), where it happens (a
door, or an auxiliary input for the input's own events; 0 anywhere), what it drives (a door's lock
or an auxiliary output) and for how long, in seconds as the `aux_output` action takes them:
0 switches off (closes), 255 holds on (normally open) until told otherwise.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .errors import InvalidRequestError, check_numbers
from .model import AlarmReason, EventType, Linkage, LinkageOutput

# Seconds of a rule's output: 0 off (closed), 1-254 that long, 255 on until told otherwise.
OUTPUT_OFF = 0
OUTPUT_HELD = 255
# An event of the vocabulary a linkage starts from, with the alarm's reason for `alarm`.
type LinkageTrigger = tuple[EventType, AlarmReason | None]
# Every trigger a linkage may start from (each family offers those it can keep).
LINKAGE_TRIGGERS: tuple[LinkageTrigger, ...] = (
    (EventType.DOOR_OPENED, None),
    (EventType.DOOR_CLOSED, None),
    (EventType.DOOR_FORCED_OPEN, None),
    (EventType.DOOR_HELD_OPEN, None),
    (EventType.EXIT_BUTTON, None),
    (EventType.DOORBELL, None),
    (EventType.AUX_INPUT_ON, None),
    (EventType.AUX_INPUT_OFF, None),
    (EventType.ALARM, AlarmReason.TAMPER),
    (EventType.ALARM, AlarmReason.DURESS),
)
# Triggers whose place is an auxiliary input rather than a door.
INPUT_TRIGGERS = frozenset({EventType.AUX_INPUT_ON, EventType.AUX_INPUT_OFF})


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkageLimits:
    """What a terminal's rules can name: its triggers, rule numbers, doors, inputs, outputs."""

    triggers: Collection[LinkageTrigger]
    rules: int
    doors: int
    aux_inputs: int
    aux_outputs: int

    def check_index(self, index: int) -> None:
        """Refuse a rule number the terminal does not have."""
        check_numbers("linkage", [index], self.rules)

    def check(self, linkage: Linkage) -> None:
        """Refuse a rule the terminal cannot hold, saying what is wrong."""
        if (linkage.trigger, linkage.reason) not in self.triggers:
            offered = ", ".join(_named(trigger) for trigger in self.triggers)
            asked = _named((linkage.trigger, linkage.reason))
            raise InvalidRequestError(f"{asked} cannot start a linkage here (it can: {offered})")
        self.check_index(linkage.index)
        if linkage.source:  # 0: anywhere
            if linkage.trigger in INPUT_TRIGGERS:
                check_numbers("auxiliary input", [linkage.source], self.aux_inputs)
            else:
                check_numbers("door", [linkage.source], self.doors)
        if linkage.output is LinkageOutput.LOCK:
            check_numbers("door", [linkage.number], self.doors)
        else:
            check_numbers("auxiliary output", [linkage.number], self.aux_outputs)
        if not OUTPUT_OFF <= linkage.seconds <= OUTPUT_HELD:
            raise InvalidRequestError(f"an output runs {OUTPUT_OFF} to {OUTPUT_HELD} seconds")


def _named(trigger: LinkageTrigger) -> str:
    kind, reason = trigger
    return str(kind) if reason is None else f"{kind} ({reason})"
