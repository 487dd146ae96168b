"""HTTPv2 access rules: time groups, holidays and a person's own limits (specs/004_...txt).

The work settings hold `TimeGroups` (`Num` 1-64, `Week1`..`Week7`, Monday first, one
"HH:MM-HH:MM" interval a day) and `Holidays`; a person (PeopleJson) names one `Timegroup`, the
holiday numbers that keep them out (`Holidays`: "1,3" or "*"), how many openings they have left
(`OpenTimes`, 65535 without limit, 0 barred) and when their rights end (`ExpirationDate`).
The document lists the holidays' key but not their fields: Home Assistant sends `Num` and
`Date` ("YYYY-MM-DD"), one date each. Time group 1 is every day, all day (the default).

A terminal has one door and no holiday hours: a holiday is a day without access. The settings
go out with the next `DownloadWorkSetting`, which the keep-alive asks for (`SyncParameter`).

A door schedule (the door normally open in periods, kept by the terminal) is `TimingOpen` 1 with
its week in `TimingOpen_timegroup` (the same `Week1`..`Week7` fields as a time group, written
inline: the document gives it no group number) and `TimingOpen_mode` 1, the document's value. It
has no holidays: a schedule's holidays are folded into the coming week, as for terminals
without holidays (the directory compiles again every day).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from ..access import (
    ALL_DAY,
    AccessPlan,
    AccessProfile,
    DayIntervals,
    DoorSchedules,
    Notes,
    PersonPolicy,
    Shortfall,
    TimeRule,
    ZoneBook,
    covers,
    door_rules,
    fit_day,
    fit_week,
    ordered_policies,
    seasonal,
)
from ..model import UserAccess
from ..push import fail_waiting

ALWAYS_GROUP = 1
TIME_GROUPS = 64  # FunctionList.TimeGroup of the document's terminal
# A holiday per date of the coming year at most (the document gives no limit).
HOLIDAYS = 367
PROFILE = AccessProfile(
    doors=1,
    time_zones=TIME_GROUPS,
    intervals_per_day=1,
    holidays=HOLIDAYS,
    holiday_hours=False,
    cards=1,
    validity_start=False,
    use_counts=True,
    qr_codes=True,
    free_open=True,
)


def profile_of(groups: int | None) -> AccessProfile:
    """Return what a terminal announcing `groups` time groups holds (64 if it does not say)."""
    if groups is None or groups < 1:
        return PROFILE
    return AccessProfile(**{**_fields(PROFILE), "time_zones": groups})


def _fields(profile: AccessProfile) -> dict[str, Any]:
    return {name: getattr(profile, name) for name in profile.__dataclass_fields__}


def _closed_on(rule: TimeRule, week: Sequence[DayIntervals], notes: Notes) -> list[date]:
    """Return the holidays a person must be kept out on, as the group's week cannot hold them.

    On a holiday whose hours cover the weekday's, the weekday's hours are narrower already.
    """
    closed = []
    for day in rule.holidays():
        hours = rule.on(day)
        if covers(hours, week[day.weekday()]):
            continue
        closed.append(day)
        if hours:
            notes.add(Shortfall.HOLIDAY_HOURS, len(hours), 0)
    return closed


def compile_access(
    policies: Sequence[PersonPolicy],
    profile: AccessProfile,
    today: date,
    doors: DoorSchedules | None = None,
) -> AccessPlan:
    """Compile the people of one terminal into time groups, holidays and their own fields.

    With `doors` (door schedules; None: leave the terminal's own as they are), the door's
    normally-open periods go with them.
    """
    notes = Notes()
    book: ZoneBook[tuple[DayIntervals, ...]] = ZoneBook(ALWAYS_GROUP + 1, profile.time_zones - 1)
    closed_days: dict[str, list[date]] = {}
    groups: dict[str, int] = {}
    for policy in ordered_policies(policies):
        rule = door_rules(policy, profile, today, notes).get(1)
        if rule is None:
            continue
        week = tuple(fit_day(day, profile, notes) for day in rule.week)
        group = ALWAYS_GROUP if week == (ALL_DAY,) * 7 else book.number(week)
        if group is None:
            notes.add(Shortfall.TIME_ZONES, len(book.numbers) + 2, profile.time_zones)
            continue
        groups[policy.person_id] = group
        closed_days[policy.person_id] = _closed_on(rule, week, notes)
    numbers = {
        day: number
        for number, day in enumerate(sorted({d for days in closed_days.values() for d in days}), 1)
    }
    uses = {policy.person_id: policy.uses_left for policy in policies}
    people = {
        person: UserAccess(
            zones=((1, group),),
            holidays=tuple(numbers[day] for day in closed_days[person]),
            uses=uses[person],
        )
        for person, group in groups.items()
    }
    tables = {
        "TimeGroups": [
            {"Num": number, **_week_fields(week)}
            for number, week in sorted(
                [(ALWAYS_GROUP, (ALL_DAY,) * 7)] + [(n, w) for w, n in book.numbers.items()]
            )
        ],
        "Holidays": [{"Num": number, "Date": day.isoformat()} for day, number in numbers.items()],
    }
    if doors is not None:
        tables.update(_timing_open(doors.free_open.get(1), profile, today, notes))
    return AccessPlan(tables=tables, people=people, shortfalls=notes.frozen())


def _timing_open(
    rule: TimeRule | None, profile: AccessProfile, today: date, notes: Notes
) -> dict[str, Any]:
    """Return the TimingOpen fields of a door schedule (None: no schedule, TimingOpen 0)."""
    if rule is None:
        return {"TimingOpen": 0}
    week = fit_week(seasonal(rule, replace(profile, holidays=0), today, notes), profile, notes)
    return {"TimingOpen": 1, "TimingOpen_mode": 1, "TimingOpen_timegroup": _week_fields(week)}


def _week_fields(week: Sequence[DayIntervals]) -> dict[str, str]:
    return {f"Week{day + 1}": hours[0].label() if hours else "" for day, hours in enumerate(week)}


class SettingsToSend:
    """Work settings waiting for the device's next DownloadWorkSetting, and who waits for them."""

    def __init__(self) -> None:
        """Start with nothing to send."""
        self._fields: dict[str, Any] = {}
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def wanted(self) -> bool:
        """Return True while settings wait for the device."""
        return bool(self._fields)

    @property
    def queued(self) -> dict[str, Any]:
        """Return the settings waiting for the device."""
        return dict(self._fields)

    def ask(self, fields: Mapping[str, Any]) -> asyncio.Future[None]:
        """Send `fields` at the next fetch (later ones replace earlier ones of the same key)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._fields.update(fields)
        self._waiters.append(future)
        return future

    def take(self) -> dict[str, Any]:
        """Return the settings to send now, and resolve the callers waiting for them."""
        fields, self._fields = self._fields, {}
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)
        return fields

    def fail_all(self, error: Exception) -> None:
        """Fail every waiting caller (the settings are still sent at the next fetch)."""
        fail_waiting(self._waiters, error)
        self._waiters = []


def person_fields(access: UserAccess | None) -> dict[str, Any]:
    """Return the PeopleJson fields of a person's access (group 1 and no holidays without)."""
    if access is None:
        return {"Timegroup": ALWAYS_GROUP}
    return {
        "Timegroup": access.zone_of(1) or ALWAYS_GROUP,
        "Holidays": ",".join(str(number) for number in access.holidays),
    }
