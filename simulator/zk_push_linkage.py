"""The ZKTeco PUSH controller's linkage rules (`inoutfun`, sections 12.1.1.11 / 12.1.2.11).

A rule says: when event `EventType` is written at `InAddr` (a door, or an auxiliary input for
the input's own events; 0 anywhere), drive `OutType` (0 a door's lock, 1 an auxiliary output)
number `OutAddr` for `OutTime` seconds (0 closed, 255 normally open). The controller applies its
rules itself, with or without a server: `fired` says which rules an event starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from simulator.zk_push_codec import ERR_PARAMETER, OK, lowered, parse_int, split_fields

OUT_LOCK: Final = 0
OUT_AUX: Final = 1
# InAddr and OutAddr: "The value ranges from 1 to 4. 0 means any position."
MAX_ADDRESS: Final = 4
MAX_OUT_TIME: Final = 255


@dataclass(frozen=True, slots=True)
class Rule:
    """One linkage rule as the controller keeps it."""

    index: int
    event: int
    place: int
    out_type: int
    output: int
    seconds: int


class LinkageTable:
    """The `inoutfun` table: rules by index."""

    def __init__(self) -> None:
        """Start without rules, as a controller comes."""
        self.rules: dict[int, Rule] = {}

    def update(self, record: dict[str, str]) -> int:
        """Store a rule (DATA UPDATE inoutfun); return the Appendix 1 code."""
        fields = lowered(record)
        values = [
            parse_int(fields.get(name))
            for name in ("index", "eventtype", "inaddr", "outtype", "outaddr", "outtime")
        ]
        index, event, place, out_type, output, seconds = values
        if (
            index is None
            or index < 1
            or event is None
            or place is None
            or not 0 <= place <= MAX_ADDRESS
            or out_type not in (OUT_LOCK, OUT_AUX)
            or output is None
            or not 1 <= output <= MAX_ADDRESS
            or seconds is None
            or not 0 <= seconds <= MAX_OUT_TIME
        ):
            return ERR_PARAMETER
        self.rules[index] = Rule(index, event, place, out_type, output, seconds)
        return OK

    def delete(self, condition: str) -> int:
        """Delete a rule (`Index=n`) or every rule (`*`); return the Appendix 1 code."""
        if condition.strip() == "*":
            self.rules.clear()
            return OK
        index = parse_int(lowered(split_fields(condition)).get("index"))
        if index is None:
            return ERR_PARAMETER
        self.rules.pop(index, None)
        return OK

    def fired(self, event: int, place: int) -> list[Rule]:
        """Return the rules event `event` written at `place` starts."""
        return [
            rule for rule in self.rules.values() if rule.event == event and rule.place in (0, place)
        ]
