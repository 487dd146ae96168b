"""Day zones, week zones and holidays of AiFace-class terminals (cloud WebSocket, Webserver + JSON).

specs/002_c663bad8f76a6161.txt, "Set the access parameter" (`setdevlock`): at most 8 day zones
of at most 5 sections ("HH:MM~HH:MM") and 8 week zones naming a day zone per day, Monday first;
"Set the users access parameter" (`setuserlock`): a person's week zone per door (`weekzone`,
`weekzone2`..`weekzone4`) and validity; "Set holiday parameter" (`setholiday`): at most 30
holidays, each a range of month-days with the day zone that applies on it, for everyone.
The Webserver + JSON document (000_...txt) names the same commands without their fields: its
terminals are of the same make and take the same ones.

Our reading where the document is silent: a day zone or week zone 0 means no access; day zone 1
(all day) and week zone 1 (every day) are what a terminal has before Home Assistant writes, and
are written as such. Holidays are month-days: only the coming year's are written, and the
directory compiles again every day, so a date never stands for the next year's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from .access import (
    ALL_DAY,
    AccessPlan,
    AccessProfile,
    DayIntervals,
    Notes,
    PersonPolicy,
    Shortfall,
    TimeRule,
    ZoneBook,
    door_rules,
    fit_day,
    holiday_dates,
    intersection,
    ordered_policies,
)
from .codec import optional_int, optional_str, parse_local_time
from .model import User, UserAccess

DAY_ZONES = 8
SECTIONS = 5
WEEK_ZONES = 8
HOLIDAYS = 30
NO_ACCESS = 0
ALL_DAY_ZONE = 1
ALWAYS_ZONE = 1
# Validity ends a terminal shows when nobody set one.
OPEN_START_YEAR = 2000
OPEN_END_YEAR = 2099
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def profile_of(doors: int, *, use_counts: bool) -> AccessProfile:
    """Return what an AiFace terminal with `doors` doors holds."""
    return AccessProfile(
        doors=max(doors, 1),
        time_zones=WEEK_ZONES,
        intervals_per_day=SECTIONS,
        holidays=HOLIDAYS,
        holiday_hours=True,
        per_door=doors > 1,
        cards=1,
        use_counts=use_counts,
    )


class _Zones:
    """Day zones and week zones being numbered for one terminal."""

    def __init__(self, profile: AccessProfile, notes: Notes) -> None:
        self.profile = profile
        self.notes = notes
        self.days: ZoneBook[DayIntervals] = ZoneBook(ALL_DAY_ZONE + 1, DAY_ZONES - 1)
        self.weeks: ZoneBook[tuple[int, ...]] = ZoneBook(ALWAYS_ZONE + 1, WEEK_ZONES - 1)

    def day(self, hours: DayIntervals) -> int | None:
        """Return the day zone of some hours (None: no room left)."""
        hours = fit_day(hours, self.profile, self.notes)
        if not hours:
            return NO_ACCESS
        return ALL_DAY_ZONE if hours == ALL_DAY else self.days.number(hours)

    def week(self, rule: TimeRule) -> int | None:
        """Return the week zone of a rule's week (None: no room left)."""
        days = [self.day(hours) for hours in rule.week]
        numbers = tuple(number for number in days if number is not None)
        if len(numbers) < len(days):
            return None
        if all(number == ALL_DAY_ZONE for number in numbers):
            return ALWAYS_ZONE
        return self.weeks.number(numbers)


def _holidays(rules: Sequence[TimeRule], zones: _Zones, today: date) -> list[dict[str, Any]]:
    """Return the holiday ranges: on each date, what every rule allows (one list for all)."""
    by_date: dict[date, int] = {}
    for day in holiday_dates(rules):
        hours = ALL_DAY
        for rule in rules:
            hours = intersection(hours, rule.on(day))
        if len({rule.on(day) for rule in rules}) > 1:
            zones.notes.add(Shortfall.HOLIDAYS, len(rules), 1)
        number = zones.day(hours)
        by_date[day] = NO_ACCESS if number is None else number
    ranges: list[list[Any]] = []  # [first, last, day zone]
    for day, number in sorted(by_date.items()):
        last = ranges[-1] if ranges else None
        if (
            last is not None
            and last[2] == number
            and last[1] + timedelta(days=1) == day
            and last[1].year == day.year
        ):
            last[1] = day
        else:
            ranges.append([day, day, number])
    if len(ranges) > HOLIDAYS:
        zones.notes.add(Shortfall.HOLIDAYS, len(ranges), HOLIDAYS)
    return [
        {
            "name": f"HA {first.isoformat()}",
            "startday": first.strftime("%m-%d"),
            "endday": last.strftime("%m-%d"),
            "shift": 0,
            "dayzone": number,
        }
        for first, last, number in ranges[:HOLIDAYS]
    ]


def holds_holidays(held: Any, written: Sequence[Mapping[str, Any]]) -> bool:
    """Return True if a `getholiday` answer holds the holidays written: same days, same hours.

    Names and attendance shifts are the terminal's business; anything unreadable differs.
    """
    if not isinstance(held, list):
        return False

    def days(item: Any) -> tuple[str, str, int]:
        if not isinstance(item, Mapping):
            return ("", "", -1)
        zone = optional_int(item.get("dayzone"))
        start, end = (str(item.get(key, "")).strip() for key in ("startday", "endday"))
        return (start, end, -1 if zone is None else zone)

    return sorted(map(days, held)) == sorted(map(days, written))


def compile_access(
    policies: Sequence[PersonPolicy], profile: AccessProfile, today: date
) -> AccessPlan:
    """Compile the people of one terminal into day zones, week zones, holidays and rights."""
    notes = Notes()
    zones = _Zones(profile, notes)
    rights = {
        policy.person_id: door_rules(policy, profile, today, notes)
        for policy in ordered_policies(policies)
    }
    # Rules in the order people use them: numbers are given the same way every time.
    rules = list(dict.fromkeys(rule for doors in rights.values() for rule in doors.values()))
    week_of = {rule: zones.week(rule) for rule in rules}
    if None in week_of.values():
        notes.add(Shortfall.TIME_ZONES, len(rules), WEEK_ZONES)
    holidays = _holidays(rules, zones, today)
    uses = {policy.person_id: policy.uses_left for policy in policies}
    people: dict[str, UserAccess] = {}
    for person, doors in rights.items():
        held = {door: zone for door, rule in doors.items() if (zone := week_of[rule]) is not None}
        if not held:
            continue
        people[person] = UserAccess(
            zones=tuple((door, held.get(door, NO_ACCESS)) for door in range(1, profile.doors + 1)),
            uses=uses[person],
        )
    days = sorted(zones.days.numbers, key=zones.days.numbers.__getitem__)
    weeks = sorted(zones.weeks.numbers, key=zones.weeks.numbers.__getitem__)
    tables = {
        "dayzone": [
            {"day": [{"section": interval.label("~")} for interval in hours]}
            for hours in [ALL_DAY, *days]
        ],
        "weekzone": [
            {"week": [{"day": number} for number in week]} for week in [(ALL_DAY_ZONE,) * 7, *weeks]
        ],
        "holidays": holidays,
    }
    return AccessPlan(tables=tables, people=people, shortfalls=notes.frozen())


def _local(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).strftime(TIME_FORMAT)


def read_validity(lock: Mapping[str, Any] | None, zone: tzinfo) -> tuple[datetime | None, ...]:
    """Return (valid from, valid until) of a `getuserlock` answer; open ends are None."""
    if lock is None:
        return None, None
    start, end = (
        parse_local_time(optional_str(lock.get(key)), zone) for key in ("starttime", "endtime")
    )
    return (
        None if start is None or start.year <= OPEN_START_YEAR else start,
        None if end is None or end.year >= OPEN_END_YEAR else end,
    )


def validity_fields(user: User, zone: tzinfo) -> dict[str, str]:
    """Return `starttime` and `endtime` in the terminal's time (open ends as it shows them)."""
    return {
        "starttime": _local(user.valid_from, zone) or f"{OPEN_START_YEAR}-01-01 00:00:00",
        "endtime": _local(user.valid_until, zone) or f"{OPEN_END_YEAR}-12-31 23:59:59",
    }
