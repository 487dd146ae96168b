"""A Security PUSH controller's roles of people at doors: first card, super users, extended unlock.

specs/003_918f4eda729658fc.txt, "Deliver First-card Opening Information" (`firstcard`: a door,
a time zone and a PIN per row; the first of them to pass inside the zone frees the door until the
zone ends, where `Door<n>FirstCardOpenDoor` is 1), "Deliver Super User Privilege"
(`SuperAuthorize`: a PIN and a door; they pass at any time, interlock or not) and "Deliver
Extended User Information" (`extuser`: FunSwitch bit 1 keeps the door unlocked for
`ExtDoor<n>DelayDrivertime`), with their DATA DELETE forms (`*`, `Pin=`, and `DoorID=` for
first cards).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from simulator.zk_push_codec import ERR_PARAMETER, OK, kept_rows, lowered, parse_int

FIRST_CARD: Final = "firstcard"
SUPER_USERS: Final = "superauthorize"
EXTENDED_USERS: Final = "extuser"
ROLE_TABLES: Final = frozenset({FIRST_CARD, SUPER_USERS, EXTENDED_USERS})
# extuser FunSwitch bit 1: the extended unlock time.
EXTENDED_UNLOCK_BIT: Final = 1


class RoleTables:
    """The `firstcard`, `SuperAuthorize` and `extuser` tables (names in lower case)."""

    def __init__(self) -> None:
        """Start empty, as controllers come."""
        # (PIN, door) -> time zone.
        self.first_card: dict[tuple[str, int], int] = {}
        self.super_users: set[tuple[str, int]] = set()
        # PIN -> FunSwitch.
        self.extended: dict[str, int] = {}

    def update(self, name: str, fields: Mapping[str, str]) -> int:
        """Store one record; return the Appendix 1 code."""
        given = lowered(fields)
        pin = given.get("pin", "").strip()
        if not pin:
            return ERR_PARAMETER
        if name == EXTENDED_USERS:
            switch = parse_int(given.get("funswitch", "0"))
            if switch is None or switch < 0:
                return ERR_PARAMETER
            self.extended[pin] = switch
            return OK
        door = parse_int(given.get("doorid"))
        if door is None or door < 1:
            return ERR_PARAMETER
        if name == SUPER_USERS:
            self.super_users.add((pin, door))
            return OK
        zone = parse_int(given.get("timezoneid"))
        if zone is None or zone < 1:
            return ERR_PARAMETER
        self.first_card[(pin, door)] = zone
        return OK

    def delete(self, name: str, everything: bool, fields: Mapping[str, str]) -> int:
        """Delete every record (`*`), a person's (`Pin=`) or a door's first cards (`DoorID=`)."""
        given = lowered(fields)
        pin = given.get("pin")
        door = parse_int(given.get("doorid")) if name == FIRST_CARD else None
        if not everything and not pin and door is None:
            return ERR_PARAMETER

        def gone(key: tuple[str, int]) -> bool:
            return (pin is not None and key[0] == pin) or (door is not None and key[1] == door)

        if name == EXTENDED_USERS:
            self.extended = kept_rows(self.extended, everything, lambda key: key == pin)
        elif name == SUPER_USERS:
            self.super_users = set(kept_rows(dict.fromkeys(self.super_users), everything, gone))
        else:
            self.first_card = kept_rows(self.first_card, everything, gone)
        return OK

    def count(self, name: str) -> int:
        """Return how many records a table holds."""
        if name == EXTENDED_USERS:
            return len(self.extended)
        return len(self.super_users if name == SUPER_USERS else self.first_card)

    def drop_user(self, pin: str) -> None:
        """Forget a deleted user's roles."""
        self.extended.pop(pin, None)
        self.super_users = {key for key in self.super_users if key[0] != pin}
        self.first_card = {k: v for k, v in self.first_card.items() if k[0] != pin}

    def is_super(self, pin: str, door: int) -> bool:
        """Return True if `pin` is a super user of `door`."""
        return (pin, door) in self.super_users

    def first_card_zone(self, pin: str, door: int) -> int | None:
        """Return the time zone in which `pin`'s passage frees `door` (None: it does not)."""
        return self.first_card.get((pin, door))

    def extended_unlock(self, pin: str) -> bool:
        """Return True if `pin`'s doors stay unlocked for the extended time."""
        return bool(self.extended.get(pin, 0) & EXTENDED_UNLOCK_BIT)
