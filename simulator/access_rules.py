"""What the simulated terminals share to enforce the access rules they were given.

A real terminal decides at the door from its own tables: the time zones, holidays, door rights,
validity and use counts its server wrote. Each simulator keeps those tables in its protocol's own
terms and decides with the helpers here, so that tests prove what a terminal does with what Home
Assistant sent (with Home Assistant stopped too), not what Home Assistant meant to send.

Terminals name the last minute of an interval ("09:00-11:59" lets in until 12:00): an interval
is a pair of minutes of the day, both included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
import copy
from dataclasses import dataclass, field
from datetime import datetime
import re
from typing import Any, Final

GRANTED: Final = "granted"
# Why a terminal refused (the integration's DenyReason values, where a protocol reports one).
TIME_ZONE: Final = "time_zone"
HOLIDAY: Final = "holiday"
DOOR_RIGHTS: Final = "door_rights"
EXPIRED: Final = "expired"
DISABLED: Final = "disabled"
USED_UP: Final = "pass_used_up"
UNREGISTERED: Final = "unregistered"

# (first minute, last minute), both included.
type Span = tuple[int, int]

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-~]\s*(\d{1,2}):(\d{2})\s*$")


def minute_of(moment: datetime) -> int:
    """Return the minute of the day of a local time."""
    return moment.hour * 60 + moment.minute


def parse_span(text: Any) -> Span | None:
    """Read "HH:MM-HH:MM" (or "~"); None for an empty or unreadable one."""
    match = _SPAN.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    return (start, end) if start <= end else None


def clock_minute(text: Any) -> int | None:
    """Read "HH:MM" into a minute of the day."""
    span = parse_span(f"{text}-{text}") if isinstance(text, str) else None
    return None if span is None else span[0]


def within(moment: datetime, spans: Iterable[Span]) -> bool:
    """Return True if the local time falls in one of the spans."""
    minute = minute_of(moment)
    return any(start <= minute <= end for start, end in spans)


@dataclass
class AiFaceZones:
    """Day zones, week zones and holidays of an AiFace-class terminal, and its decision.

    specs/002_c663bad8f76a6161.txt ("Set the access parameter", "Set the users access
    parameter", "Set holiday parameter"); the Webserver + JSON terminals take the same. Our
    reading: week zone and day zone 0 mean no access; a person without a lock has week zone 1;
    a new terminal has day zone 1 all day and week zone 1 every day.
    """

    day_zones: list[list[Span]] = field(default_factory=lambda: [[(0, 1439)]])
    week_zones: list[list[int]] = field(default_factory=lambda: [[1] * 7])
    holidays: list[dict[str, Any]] = field(default_factory=list)

    def set_zones(self, settings: Mapping[str, Any]) -> bool:
        """Take `dayzone` and `weekzone` of a `setdevlock` (those given replace, in order)."""
        days = settings.get("dayzone")
        weeks = settings.get("weekzone")
        if days is not None:
            if not isinstance(days, list) or len(days) > 8:
                return False
            for number, item in enumerate(days):
                sections = item.get("day") if isinstance(item, dict) else None
                if not isinstance(sections, list) or len(sections) > 5:
                    return False
                spans = [parse_span(s.get("section")) for s in sections if isinstance(s, dict)]
                self._put(self.day_zones, number, [span for span in spans if span], [])
        if weeks is not None:
            if not isinstance(weeks, list) or len(weeks) > 8:
                return False
            for number, item in enumerate(weeks):
                days_of_week = item.get("week") if isinstance(item, dict) else None
                if not isinstance(days_of_week, list) or len(days_of_week) != 7:
                    return False
                zones = [int(d.get("day", 0)) if isinstance(d, dict) else 0 for d in days_of_week]
                self._put(self.week_zones, number, zones, [0] * 7)
        return True

    def valid(self, settings: Mapping[str, Any]) -> bool:
        """Return True if `set_zones` would take the zones of `settings` (nothing changes)."""
        return copy.deepcopy(self).set_zones(settings)

    def documents(self) -> dict[str, Any]:
        """Return `dayzone` and `weekzone` as `getdevlock` shows them."""
        return {
            "dayzone": [
                {"day": [{"section": f"{_clock(a)}~{_clock(b)}"} for a, b in spans]}
                for spans in self.day_zones
            ],
            "weekzone": [{"week": [{"day": day} for day in week]} for week in self.week_zones],
        }

    @staticmethod
    def _put[V](table: list[V], index: int, value: V, empty: V) -> None:
        while len(table) <= index:
            table.append(empty)
        table[index] = value

    def set_holidays(self, holidays: Any) -> bool:
        """Take a `setholiday` list (at most 30)."""
        if not isinstance(holidays, list) or len(holidays) > 30:
            return False
        self.holidays = [item for item in holidays if isinstance(item, dict)]
        return True

    def _day_zone(self, number: int) -> list[Span]:
        if 1 <= number <= len(self.day_zones):
            return self.day_zones[number - 1]
        return []

    def _holiday_zone(self, moment: datetime) -> int | None:
        today = moment.strftime("%m-%d")
        for item in self.holidays:
            if str(item.get("startday", "")) <= today <= str(item.get("endday", "")):
                return int(item.get("dayzone", 0))
        return None

    def decide(self, lock: Mapping[str, Any] | None, door: int, moment: datetime) -> str:
        """Decide a passage of a person the terminal holds (enabled, with uses left).

        `lock` is the person's access parameters (`setuserlock`), if they have any.
        """
        lock = lock or {}
        start, end = lock.get("starttime"), lock.get("endtime")
        stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
        if (isinstance(start, str) and stamp < start) or (isinstance(end, str) and stamp > end):
            return EXPIRED
        key = "weekzone" if door == 1 else f"weekzone{door}"
        week = int(lock.get(key, 1))
        if not 1 <= week <= len(self.week_zones):
            return DOOR_RIGHTS
        holiday = self._holiday_zone(moment)
        if holiday is not None:
            return GRANTED if within(moment, self._day_zone(holiday)) else HOLIDAY
        day = self.week_zones[week - 1][moment.weekday()]
        return GRANTED if within(moment, self._day_zone(day)) else TIME_ZONE


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def sunday_first(values: Sequence[Any], moment: datetime) -> Any:
    """Return the value of `moment`'s weekday from a week that starts on Sunday."""
    return values[(moment.weekday() + 1) % 7]
