"""A Security PUSH terminal's time rules and holidays, and its decision at a door.

specs/003_918f4eda729658fc.txt, "Deliver Time Rule" (`timezone`: three intervals a day, Sunday
first, and three for each holiday type, as `start << 16 + end` in HHMM), "Deliver Holiday"
(`holiday`: a date, its type, `Loop` 1 every year or 2 that date) and "Deliver User's Access
Control Privilege" (`userauthorize`, kept by DeviceTables: a time zone and doors per row), and
the verification modes by period (12.1.1.26-28: `DiffTimezoneVS` rows whose periods carry an
Appendix 3 mode for people and for the door, 255 for none; `DoorVSTimezone` and
`PersonalVSTimezone` point a door, or a person at a door, at a row). The decision gives the
event code the terminal writes (Appendix 2): 0 opened, 21 outside the time zone, 23 no right to
this door, 27 not registered, 29 expired, 41 wrong verification mode, 62 prohibited (disabled).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from simulator.access_rules import Span, within
from simulator.zk_push_codec import (
    ERR_PARAMETER,
    OK,
    decode_time,
    kept_rows,
    lowered,
    parse_int,
)

EVENT_OPENED: Final = 0
EVENT_OUTSIDE_TIME_ZONE: Final = 21
EVENT_NO_RIGHT: Final = 23
EVENT_NOT_REGISTERED: Final = 27
EVENT_EXPIRED: Final = 29
EVENT_WRONG_VERIFY_MODE: Final = 41
EVENT_PROHIBITED: Final = 62
DAY_NAMES: Final = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
HOLIDAY_NAMES: Final = ("Hol1", "Hol2", "Hol3")
SLOTS: Final = 3
# Time zone 1 as terminals come: every day and holiday, 00:00-23:59.
_ALL_DAY: Final = 2359
# A DiffTimezoneVS period's mode when it sets none; 0 lets any verification pass.
VS_UNCHANGED: Final = 255
VS_ANY: Final = 0
VERIFY_TABLES: Final = ("difftimezonevs", "doorvstimezone", "personalvstimezone")


def _factory_zone() -> dict[str, int]:
    return {
        f"{name}Time{slot}": _ALL_DAY if slot == 1 else 0
        for name in (*DAY_NAMES, *HOLIDAY_NAMES)
        for slot in range(1, SLOTS + 1)
    }


def decode_interval(value: int) -> Span | None:
    """Read `start << 16 + end` (HHMM each) into minutes; None for 0 (no interval)."""
    if value <= 0:
        return None
    start, end = value >> 16, value & 0xFFFF
    return (start // 100 * 60 + start % 100, end // 100 * 60 + end % 100)


class AccessTables:
    """The `timezone` and `holiday` tables."""

    def __init__(self) -> None:
        """Start as a terminal comes: time zone 1 all day, no holidays."""
        self.timezones: dict[int, dict[str, int]] = {1: _factory_zone()}
        # Date (YYYYMMDD) -> (holiday type, loop).
        self.holidays: dict[str, tuple[int, int]] = {}
        # DiffTimezoneVS rows by TimezoneID (lower-case field names); the rows pointing at them.
        self.verify_zones: dict[int, dict[str, int]] = {}
        self.door_verify: dict[int, int] = {}
        self.person_verify: dict[tuple[str, int], int] = {}

    def update_verify(self, name: str, fields: Mapping[str, str]) -> int:
        """Store a DiffTimezoneVS, DoorVSTimezone or PersonalVSTimezone record."""
        given = lowered(fields)
        zone = parse_int(given.get("timezoneid"))
        if zone is None or zone < 1:
            return ERR_PARAMETER
        if name == "difftimezonevs":
            row = {key: parse_int(value) for key, value in given.items() if key != "timezoneid"}
            if any(value is None for value in row.values()):
                return ERR_PARAMETER
            self.verify_zones[zone] = {key: value or 0 for key, value in row.items()}
            return OK
        door = parse_int(given.get("doorid"))
        if door is None or door < 1:
            return ERR_PARAMETER
        if name == "doorvstimezone":
            self.door_verify[door] = zone
            return OK
        pin = given.get("pin", "").strip()
        if not pin:
            return ERR_PARAMETER
        self.person_verify[pin, door] = zone
        return OK

    def delete_verify(self, name: str, everything: bool, fields: Mapping[str, str]) -> int:
        """Delete verification rows: all (`*`), or by TimezoneID, DoorID, PIN (and DoorID)."""
        given = lowered(fields)
        number = parse_int(given.get("timezoneid" if name == "difftimezonevs" else "doorid"))
        pin = given.get("pin", "").strip()
        if name == "personalvstimezone" and (everything or pin):
            self.person_verify = kept_rows(
                self.person_verify,
                everything,
                lambda key: key[0] == pin and number in (None, key[1]),
            )
        elif name == "difftimezonevs" and (everything or number is not None):
            self.verify_zones = kept_rows(self.verify_zones, everything, lambda key: key == number)
        elif name == "doorvstimezone" and (everything or number is not None):
            self.door_verify = kept_rows(self.door_verify, everything, lambda key: key == number)
        else:
            return ERR_PARAMETER
        return OK

    def required_verify(self, pin: str, door: int, moment: datetime) -> int | None:
        """Return the Appendix 3 mode a person must use at `door` now (None: the door's own).

        The person's row comes first; where it sets no mode now, the door's row.
        """
        for zone, field in (
            (self.person_verify.get((pin, door)), "vsuser"),
            (self.door_verify.get(door), "vsdoor"),
        ):
            row = self.verify_zones.get(zone or 0)
            if row is None:
                continue
            name = self._day_name(moment).lower()
            for slot in range(1, SLOTS + 1):
                span = decode_interval(row.get(f"{name}time{slot}", 0))
                mode = row.get(f"{name}time{slot}{field}", VS_UNCHANGED)
                if span is not None and within(moment, [span]) and mode != VS_UNCHANGED:
                    return mode
        return None

    def update(self, name: str, fields: Mapping[str, str]) -> int:
        """Store a `timezone` or `holiday` record; return the Appendix 1 code."""
        given = lowered(fields)
        if name == "timezone":
            # The document writes "Timezoneld" (a lower-case L): both are taken.
            number = parse_int(given.get("timezoneid", given.get("timezoneld")))
            if number is None or number < 1:
                return ERR_PARAMETER
            zone = dict.fromkeys(_factory_zone(), 0)
            for key in zone:
                value = parse_int(given.get(key.lower(), "0"))
                if value is None:
                    return ERR_PARAMETER
                zone[key] = value
            self.timezones[number] = zone
            return OK
        day = given.get("holiday", "").strip()
        kind = parse_int(given.get("holidaytype"))
        loop = parse_int(given.get("loop", "1"))
        if len(day) != 8 or not day.isdigit() or kind not in (1, 2, 3) or loop not in (1, 2):
            return ERR_PARAMETER
        self.holidays[day] = (kind, loop)
        return OK

    def delete(self, name: str, everything: bool, fields: Mapping[str, str]) -> int:
        """Delete holidays (`*`) or one time zone (`TimezoneId=n`)."""
        if name == "holiday":
            if everything:
                self.holidays.clear()
            else:
                self.holidays.pop(lowered(fields).get("holiday", ""), None)
            return OK
        given = lowered(fields)
        number = parse_int(given.get("timezoneid", given.get("timezoneld")))
        if everything:
            self.timezones = {1: _factory_zone()}
        elif number is None:
            return ERR_PARAMETER
        else:
            self.timezones.pop(number, None)
        return OK

    def _holiday_type(self, moment: datetime) -> int | None:
        exact = self.holidays.get(moment.strftime("%Y%m%d"))
        if exact is not None:
            return exact[0]
        month_day = moment.strftime("%m%d")
        for day, (kind, loop) in self.holidays.items():
            if loop == 1 and day[4:] == month_day:
                return kind
        return None

    def _day_name(self, moment: datetime) -> str:
        """Return the name a zone gives `moment`'s day: its holiday type's, else its weekday's."""
        kind = self._holiday_type(moment)
        return HOLIDAY_NAMES[kind - 1] if kind else DAY_NAMES[(moment.weekday() + 1) % 7]

    def spans(self, number: int, moment: datetime) -> list[Span]:
        """Return the intervals of time zone `number` that apply at `moment`."""
        zone = self.timezones.get(number)
        if zone is None:
            return []
        name = self._day_name(moment)
        found = (decode_interval(zone[f"{name}Time{slot}"]) for slot in range(1, SLOTS + 1))
        return [span for span in found if span is not None]


def _valid(value: str, moment: datetime, *, end: bool, date_fmt: bool) -> bool:
    """Return True if `moment` is inside a StartTime (`end` False) or EndTime bound."""
    number = parse_int(value) or 0
    if number == 0:
        return True
    if date_fmt:
        bound = decode_time(number)
        if bound is None:
            return False
        return moment <= bound if end else moment >= bound
    today = int(moment.strftime("%Y%m%d"))
    return today <= number if end else today >= number


def decide(
    tables: AccessTables,
    user: Mapping[str, str] | None,
    rights: Mapping[str, Mapping[str, str]],
    door: int,
    moment: datetime,
    *,
    date_fmt: bool,
    verify: int | None = None,
) -> int:
    """Return the event code of a person at `door` (their user row and rights rows).

    `verify` is the Appendix 3 mode they used (None: not checked against the rows of
    verification modes by period).
    """
    if user is None:
        return EVENT_NOT_REGISTERED
    if user.get("Disable", "0") == "1":
        return EVENT_PROHIBITED
    if not (
        _valid(user.get("StartTime", "0"), moment, end=False, date_fmt=date_fmt)
        and _valid(user.get("EndTime", "0"), moment, end=True, date_fmt=date_fmt)
    ):
        return EVENT_EXPIRED
    zones = [
        parse_int(row.get("AuthorizeTimezoneId")) or 0
        for row in rights.values()
        if (parse_int(row.get("AuthorizeDoorId")) or 0) >> (door - 1) & 1
    ]
    if not zones:
        return EVENT_NO_RIGHT
    if not any(within(moment, tables.spans(zone, moment)) for zone in zones):
        return EVENT_OUTSIDE_TIME_ZONE
    required = None if verify is None else tables.required_verify(user.get("Pin", ""), door, moment)
    if required not in (None, VS_ANY, verify):
        return EVENT_WRONG_VERIFY_MODE
    return EVENT_OPENED
