"""An HTTPv2 terminal's decision at its door, from its work settings and the person's fields.

specs/004_14e2b1c146f04a83.txt: the work settings hold `TimeGroups` (`Week1`..`Week7`, Monday
first, "HH:MM-HH:MM") and `Holidays` (our reading: `Num` and `Date`); a person names a
`Timegroup` (0: barred), the holidays that keep them out (`Holidays`, "1,3" or "*"), their
`ExpirationDate` and the openings left (`OpenTimes`: 65535 no limit, 0 none). The result is the
identify record type the terminal writes: 3 a face let in, 16 expired, 17 outside the time
group, 18 a holiday, 19 not registered, 21 no openings left.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from simulator.access_rules import parse_span, within
from simulator.httpv2_people import UINT32_MAX, parse_uint

RECORD_FACE: Final = 3
RECORD_EXPIRED: Final = 16
RECORD_OUTSIDE_TIME_GROUP: Final = 17
RECORD_HOLIDAY: Final = 18
RECORD_UNREGISTERED: Final = 19
RECORD_NO_OPENINGS: Final = 21
UNLIMITED: Final = 65535


def _restricted_holidays(person: Mapping[str, Any]) -> set[int] | None:
    """Return the holiday numbers keeping the person out (None: all of them)."""
    text = str(person.get("Holidays") or "").strip()
    if text == "*":
        return None
    return {number for part in text.split(",") if (number := parse_uint(part.strip(), 999))}


def _holiday_today(settings: Mapping[str, Any], moment: datetime) -> int | None:
    today = moment.date().isoformat()
    for item in settings.get("Holidays") or []:
        if isinstance(item, dict) and str(item.get("Date", "")) == today:
            return parse_uint(item.get("Num"), UINT32_MAX)
    return None


def _group_allows(settings: Mapping[str, Any], group: int, moment: datetime) -> bool:
    for item in settings.get("TimeGroups") or []:
        if isinstance(item, dict) and parse_uint(item.get("Num"), 64) == group:
            span = parse_span(item.get(f"Week{moment.weekday() + 1}"))
            return span is not None and within(moment, [span])
    return False


def decide(person: Mapping[str, Any] | None, settings: Mapping[str, Any], moment: datetime) -> int:
    """Return the record type of a person identifying at `moment` (the terminal's local time)."""
    if person is None:
        return RECORD_UNREGISTERED
    if parse_uint(person.get("OpenTimes", UNLIMITED), UNLIMITED) == 0:
        return RECORD_NO_OPENINGS
    expires = parse_uint(person.get("ExpirationDate", 0), UINT32_MAX) or 0
    if expires and moment.timestamp() > expires + _offset(settings):
        return RECORD_EXPIRED
    holiday = _holiday_today(settings, moment)
    barred = _restricted_holidays(person)
    if holiday is not None and (barred is None or holiday in barred):
        return RECORD_HOLIDAY
    group = parse_uint(person.get("Timegroup", 1), 64) or 0
    if not _group_allows(settings, group, moment):
        return RECORD_OUTSIDE_TIME_GROUP
    return RECORD_FACE


def _offset(settings: Mapping[str, Any]) -> float:
    """Return the seconds the terminal's local time is ahead of UTC (its TimeZone, hours)."""
    zone = settings.get("TimeZone")
    return float(zone) * 3600 if isinstance(zone, int | float) else 0.0


def local_now(unix_time: float, settings: Mapping[str, Any]) -> datetime:
    """Return the terminal's local wall time (labelled UTC, as the simulators keep it)."""
    return datetime.fromtimestamp(unix_time + _offset(settings), UTC)


def scheduled_open(settings: Mapping[str, Any], moment: datetime) -> bool:
    """Return True while the door is in a normally-open period (TimingOpen_timegroup)."""
    if parse_uint(settings.get("TimingOpen"), 1) != 1:
        return False
    week = settings.get("TimingOpen_timegroup")
    if not isinstance(week, dict):
        return False
    span = parse_span(week.get(f"Week{moment.weekday() + 1}"))
    return span is not None and within(moment, [span])
