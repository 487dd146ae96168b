"""Access rules of the device control interface (specs/001_0944bd5a8bd87614.txt).

"GetAcTimeZone, SetAcTimeZone": 255 day zones of 6 time ranges, written all at once;
"GetAcUserInfo, SetAcUserInfo": a person's day zone for each day of the week (`time_zone`,
seven numbers) and their validity (`valid_period`, which counts only with `use`: true).
There are no holidays: Home Assistant folds them into the coming week and compiles again
every day (see access.TimeRule.folded). A person is barred by a validity that has ended.

Our reading where the document is silent: `time_zone` starts on Sunday; a range whose end is
not after its start ("00:00"-"00:00") is no range. Day zone 0 stays all day, as terminals
come (a person written without the directory gets it every day); day zone 1 is never.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from ..access import (
    ALL_DAY,
    AccessPlan,
    AccessProfile,
    DayIntervals,
    Notes,
    PersonPolicy,
    Shortfall,
    TimeRule,
    ZoneBook,
    clock,
    door_rules,
    fit_day,
    ordered_policies,
)
from ..model import User, UserAccess

DAY_ZONES = 255
RANGES = 6
ALL_DAY_ZONE = 0
NEVER_ZONE = 1
PROFILE = AccessProfile(doors=1, time_zones=DAY_ZONES, intervals_per_day=RANGES)
_NO_RANGE = {"start": "00:00", "end": "00:00"}
_BARRED = {"use": True, "start": "2000-01-01T00:00:00", "end": "2000-01-01T00:00:00"}
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def compile_access(policies: Sequence[PersonPolicy], today: date) -> AccessPlan:
    """Compile the people of a terminal into day zones and each one's week of them.

    A rule with holidays gets day zones of its own, one per weekday: when a holiday week comes
    and goes, only those zones change, not every person who has the rule.
    """
    notes = Notes()
    book: ZoneBook[tuple[Any, ...]] = ZoneBook(NEVER_ZONE + 1, DAY_ZONES - 2)
    contents: dict[int, DayIntervals] = {}
    people: dict[str, UserAccess] = {}
    for policy in ordered_policies(policies):
        rule = policy.rule_for(1)
        if rule is None:
            continue
        week = door_rules(policy, PROFILE, today, notes)[1].week  # holidays folded in
        zones: list[int] = []
        for weekday, day in enumerate(week):
            hours = fit_day(day, PROFILE, notes)
            zone = _day_zone(book, rule, weekday, hours)
            if zone is None:
                notes.add(Shortfall.TIME_ZONES, len(book.numbers) + 2, DAY_ZONES)
                break
            contents[zone] = hours
            zones.append(zone)
        else:
            people[policy.person_id] = UserAccess(day_zones=tuple(zones))
    tables = {"zones": [_ranges(contents.get(n, ())) for n in range(DAY_ZONES)]}
    tables["zones"][ALL_DAY_ZONE] = _ranges(ALL_DAY)
    return AccessPlan(tables=tables, people=people, shortfalls=notes.frozen())


def _day_zone(
    book: ZoneBook[tuple[Any, ...]], rule: TimeRule, weekday: int, hours: DayIntervals
) -> int | None:
    """Return the day zone of a rule's weekday: its own if the rule has holidays, else shared."""
    if rule.holidays():
        return book.number((rule, weekday))
    if hours == ALL_DAY:
        return ALL_DAY_ZONE
    return NEVER_ZONE if not hours else book.number((hours,))


def _ranges(hours: DayIntervals) -> list[dict[str, str]]:
    ranges = [{"start": clock(i.start), "end": clock(i.end - 1)} for i in hours]
    return ranges + [dict(_NO_RANGE)] * (RANGES - len(ranges))


def access_payload(user: User, zone: tzinfo) -> dict[str, Any]:
    """Return the SetAcUserInfo payload of a user: their week of day zones and validity.

    Without the directory every day is day zone 0 (all day); a disabled user is barred.
    """
    week = (ALL_DAY_ZONE,) * 7 if user.access is None else user.access.day_zones
    sunday_first = [week[6], *week[:6]]
    if not user.enabled:
        period = dict(_BARRED)
    elif user.valid_from is None and user.valid_until is None:
        period = {"use": False, "start": _BARRED["start"], "end": _BARRED["end"]}
    else:
        period = {
            "use": True,
            "start": _local(user.valid_from, zone, "2000-01-01T00:00:00"),
            "end": _local(user.valid_until, zone, "2099-12-31T23:59:59"),
        }
    return {"id": user.user_id, "time_zone": sunday_first, "valid_period": period}


def _local(moment: datetime | None, zone: tzinfo, default: str) -> str:
    return default if moment is None else moment.astimezone(zone).strftime(_TIME_FORMAT)
