"""Who may pass where and when, in the shared model, and what a terminal can hold of it.

A directory of people (Home Assistant's) says, per person, which doors they may use and when:
weekly hours with exceptions on given dates (holidays), a validity, whether they are enabled and
how many uses a visitor pass has left. `PersonPolicy.decide` answers a passage from it exactly.

Terminals hold a coarser form: a few time zones of a few intervals a day, a holiday list, one
card... Each family compiles the policies of the people on one terminal into its own tables
(`protocols/<family>/access.py`) and says what it had to leave out (`Shortfall`). Whatever it
cannot hold, it holds narrower: a terminal never lets in someone the rule would refuse.

Times are minutes of the day in the terminal's local time; `Interval.end` is exclusive (a
schedule block 09:00-12:00 ends at 12:00). Days are numbered as `date.weekday()`: Monday 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from .model import DenyReason, UserAccess

MINUTES_PER_DAY = 24 * 60
DAYS_PER_WEEK = 7
# Holidays further ahead than this are not written (the directory reads a year of them).
HOLIDAY_HORIZON = timedelta(days=366)


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """Minutes `start` (included) to `end` (excluded) of one day."""

    start: int
    end: int

    def __post_init__(self) -> None:
        """Refuse an empty interval or one outside the day."""
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"not an interval of a day: {self.start}-{self.end}")

    @property
    def length(self) -> int:
        """Return the interval's length in minutes."""
        return self.end - self.start

    def __contains__(self, minute: object) -> bool:
        """Return True if `minute` of the day is inside."""
        return isinstance(minute, int) and self.start <= minute < self.end

    def label(self, separator: str = "-") -> str:
        """Return "HH:MM-HH:MM" with the last minute included (as terminals count an end).

        09:00-12:00 is held as "09:00-11:59": a terminal that lets in until the end of the
        minute it names lets in until 12:00, never later.
        """
        return f"{clock(self.start)}{separator}{clock(self.end - 1)}"


DayIntervals = tuple[Interval, ...]
ALL_DAY: DayIntervals = (Interval(0, MINUTES_PER_DAY),)
NEVER: DayIntervals = ()


def clock(minute: int) -> str:
    """Return "HH:MM" of a minute of the day."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def normalized(intervals: Iterable[Interval]) -> DayIntervals:
    """Return the intervals sorted, with those that overlap or touch merged."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, interval.end))
        else:
            merged.append(interval)
    return tuple(merged)


def union(first: DayIntervals, second: DayIntervals) -> DayIntervals:
    """Return the minutes in either."""
    return normalized((*first, *second))


def intersection(first: DayIntervals, second: DayIntervals) -> DayIntervals:
    """Return the minutes in both."""
    found: list[Interval] = []
    for one in first:
        for other in second:
            start, end = max(one.start, other.start), min(one.end, other.end)
            if start < end:
                found.append(Interval(start, end))
    return normalized(found)


def difference(first: DayIntervals, second: DayIntervals) -> DayIntervals:
    """Return the minutes of `first` that are not in `second`."""
    found: list[Interval] = []
    for one in normalized(first):
        start = one.start
        for other in normalized(second):
            if other.end <= start or other.start >= one.end:
                continue
            if other.start > start:
                found.append(Interval(start, other.start))
            start = max(start, other.end)
        if start < one.end:
            found.append(Interval(start, one.end))
    return tuple(found)


def covers(outer: DayIntervals, inner: DayIntervals) -> bool:
    """Return True if every minute of `inner` is in `outer`."""
    return intersection(outer, inner) == normalized(inner)


def longest(intervals: DayIntervals, count: int) -> DayIntervals:
    """Return the `count` longest intervals (in order of the day): a narrower day if fewer fit."""
    if len(intervals) <= count:
        return intervals
    kept = sorted(intervals, key=lambda interval: (-interval.length, interval.start))[:count]
    return tuple(sorted(kept))


@dataclass(frozen=True, slots=True)
class TimeRule:
    """When a door may be used: hours per weekday, and other hours on given dates (holidays)."""

    week: tuple[DayIntervals, ...] = (ALL_DAY,) * DAYS_PER_WEEK
    # Dates with hours of their own (a holiday without access has none).
    exceptions: Mapping[date, DayIntervals] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse a week of another length."""
        if len(self.week) != DAYS_PER_WEEK:
            raise ValueError("a week has seven days")

    def __hash__(self) -> int:
        """Hash by value (the exceptions are a mapping)."""
        return hash((self.week, tuple(sorted(self.exceptions.items()))))

    def __eq__(self, other: object) -> bool:
        """Compare by value."""
        if not isinstance(other, TimeRule):
            return NotImplemented
        return self.week == other.week and dict(self.exceptions) == dict(other.exceptions)

    def on(self, day: date) -> DayIntervals:
        """Return the hours of one date."""
        hours = self.exceptions.get(day)
        return self.week[day.weekday()] if hours is None else hours

    def allows(self, local: datetime) -> bool:
        """Return True if the rule lets someone pass at `local` (the terminal's time)."""
        minute = local.hour * 60 + local.minute
        return any(minute in interval for interval in self.on(local.date()))

    @property
    def always(self) -> bool:
        """Return True for a rule that allows every minute of every day."""
        return all(day == ALL_DAY for day in self.week) and all(
            hours == ALL_DAY for hours in self.exceptions.values()
        )

    def holidays(self) -> list[date]:
        """Return the dates whose hours differ from their weekday's, in order."""
        return sorted(d for d, hours in self.exceptions.items() if hours != self.week[d.weekday()])

    def merged_with(self, other: TimeRule) -> TimeRule:
        """Return the rule allowing what either allows."""
        days = set(self.exceptions) | set(other.exceptions)
        return TimeRule(
            week=tuple(union(a, b) for a, b in zip(self.week, other.week, strict=True)),
            exceptions={d: union(self.on(d), other.on(d)) for d in days},
        )

    def without(self, other: TimeRule) -> TimeRule:
        """Return the rule allowing what this one allows and `other` does not."""
        days = set(self.exceptions) | set(other.exceptions)
        return TimeRule(
            week=tuple(difference(a, b) for a, b in zip(self.week, other.week, strict=True)),
            exceptions={d: difference(self.on(d), other.on(d)) for d in days},
        )

    @property
    def never(self) -> bool:
        """Return True for a rule that allows no minute at all."""
        return not any(self.week) and not any(self.exceptions.values())

    def within(self, first: date, last: date) -> TimeRule:
        """Return the rule with only the exceptions from `first` to `last` (both included)."""
        return replace(
            self, exceptions={d: h for d, h in self.exceptions.items() if first <= d <= last}
        )

    def folded(self, today: date) -> TimeRule:
        """Return the week of the next seven days, holidays included, as a weekly rule.

        For terminals without holidays: each weekday takes the hours of its next date from
        `today` on, so a holiday closes its weekday until the day is over (the directory
        compiles again every day).
        """
        week = list(self.week)
        for offset in range(DAYS_PER_WEEK):
            day = today + timedelta(days=offset)
            week[day.weekday()] = self.on(day)
        return TimeRule(week=tuple(week))


ALWAYS = TimeRule()


def merged(rules: Iterable[TimeRule]) -> TimeRule | None:
    """Return the rule allowing what any of `rules` allows (None for no rule at all)."""
    result: TimeRule | None = None
    for rule in rules:
        result = rule if result is None else result.merged_with(rule)
    return result


@dataclass(frozen=True, slots=True)
class DoorGrant:
    """Doors of one terminal (1-based) and when they may be used.

    With `verify_mode` (one of `settings.VERIFY_MODES`), the person verifies by that mode at
    these doors whenever `rule` allows, even where another grant opens the same door.
    """

    doors: frozenset[int]
    rule: TimeRule = ALWAYS
    verify_mode: str | None = None
    # The first of these people to pass within `rule` frees the doors until its period ends.
    first_card: bool = False
    # These people pass at any time, even against interlock and anti-passback (`rule` is ALWAYS).
    super_user: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonPolicy:
    """What one person may do at one terminal."""

    person_id: str
    grants: tuple[DoorGrant, ...] = ()
    enabled: bool = True
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    # Uses a visitor pass has left (None: no limit).
    uses_left: int | None = None
    # The person's door stays unlocked for the door's extended unlock time (accessibility).
    extended_unlock: bool = False

    def rule_for(self, door: int) -> TimeRule | None:
        """Return when `door` may be used (None: never)."""
        return merged(grant.rule for grant in self.grants if door in grant.doors)

    def doors(self) -> list[int]:
        """Return the doors the person has rights on."""
        return sorted({door for grant in self.grants for door in grant.doors})

    def first_card_rule(self, door: int) -> TimeRule | None:
        """Return when the person's passage frees `door` (None: it never does)."""
        return merged(g.rule for g in self.grants if g.first_card and door in g.doors)

    def super_doors(self) -> list[int]:
        """Return the doors the person passes at any time, interlock and anti-passback aside.

        A super-user grant narrowed to some hours (a verification period a terminal could not
        hold, taken from its rule) is no longer "any time": its doors are left out.
        """
        return sorted(
            {
                door
                for grant in self.grants
                if grant.super_user and grant.rule.always
                for door in grant.doors
            }
        )

    def valid_at(self, moment: datetime) -> bool:
        """Return True inside the validity."""
        return (self.valid_from is None or self.valid_from <= moment) and (
            self.valid_until is None or moment < self.valid_until
        )

    def decide(self, door: int, local: datetime) -> DenyReason | None:
        """Return why a passage at `door` at `local` is refused, or None to let them in."""
        if not self.enabled:
            return DenyReason.DISABLED
        if not self.valid_at(local):
            return DenyReason.EXPIRED
        if self.uses_left is not None and self.uses_left <= 0:
            return DenyReason.PASS_USED_UP
        rule = self.rule_for(door)
        if rule is None:
            return DenyReason.DOOR_RIGHTS
        if rule.allows(local):
            return None
        if local.date() in rule.exceptions:
            return DenyReason.HOLIDAY
        return DenyReason.TIME_ZONE


class Shortfall(StrEnum):
    """What a terminal could not hold exactly (it holds a narrower rule instead)."""

    # More intervals a day than a time zone holds: the longest ones are kept.
    INTERVALS = "intervals"
    # More different rules than it has time zones: the people left over are not let in there.
    TIME_ZONES = "time_zones"
    # Hours on holidays it cannot hold: no access on those dates.
    HOLIDAY_HOURS = "holiday_hours"
    # More holidays (or holiday kinds) than it holds: the dates left over keep no access.
    HOLIDAYS = "holidays"
    # No holidays at all: Home Assistant closes a holiday's weekday in the week before it.
    NO_HOLIDAYS = "no_holidays"
    # One rule for all doors: the doors a person may not use all the time are left out.
    DOORS = "doors"
    # No schedules at all: people with one are not let in there.
    SCHEDULES = "schedules"
    # Fewer cards per person than someone has: the first ones are written.
    CARDS = "cards"
    # No validity start: the person is added when it starts.
    VALIDITY_START = "validity_start"
    # No validity end: Home Assistant removes the person when it ends.
    VALIDITY_END = "validity_end"
    # No use counts: Home Assistant counts the uses and removes the pass.
    USE_COUNTS = "use_counts"
    # No QR codes: a pass whose credential is one cannot be used there.
    QR_CODES = "qr_codes"
    # No door schedules of its own (normally-open periods): the doors stay as they are.
    FREE_OPEN = "free_open"
    # A verification mode by period it cannot hold: those periods are taken from the access
    # of the people concerned (never a weaker verification than asked).
    VERIFICATION_MODES = "verification_modes"
    # No first-card opening: a listed person's passage does not free the doors.
    FIRST_CARD = "first_card"
    # No super users: they are let in as the others, held by interlock and anti-passback.
    SUPER_USERS = "super_users"
    # No extended unlock time per person: their doors open for the normal unlock time.
    EXTENDED_UNLOCK = "extended_unlock"


@dataclass(frozen=True, slots=True, order=True)
class ShortfallNote:
    """One thing a terminal holds narrower, with how much was asked and how much it holds."""

    kind: Shortfall
    asked: int = 0
    held: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessProfile:
    """What a terminal can hold of the access policy (its family's limits, its doors)."""

    doors: int = 1
    # Week rules it keeps (time zones, time groups, week zones); 0: none (everyone always).
    time_zones: int = 0
    intervals_per_day: int = 1
    # Holiday dates it keeps; 0: no holidays (Home Assistant folds them into the week).
    holidays: int = 0
    # Whether a holiday may have hours of its own (else: no access on it).
    holiday_hours: bool = False
    # Whether a person may have a different rule per door.
    per_door: bool = False
    cards: int = 1
    validity_start: bool = True
    validity_end: bool = True
    # Whether a person can be kept but barred (else: removed while disabled).
    can_disable: bool = True
    use_counts: bool = False
    qr_codes: bool = False
    # Whether it keeps doors normally open during periods of its own (door schedules).
    free_open: bool = False
    # Whether it holds verification modes by period (of doors, of people at doors).
    verify_modes: bool = False
    # Whether it holds first-card opening, super users and a longer unlock time per person.
    first_card: bool = False
    super_users: bool = False
    extended_unlock: bool = False


# A verification demanded during a period: (mode, when).
type Demand = tuple[str, TimeRule]


@dataclass(frozen=True, slots=True)
class DoorSchedules:
    """What the door schedules of one terminal ask of its doors (1-based).

    `free_open`: when each door stays unlocked. `verify`: the verifications a door demands of
    everyone during periods (one mode a door; several are held narrower, see `hold_verification`).
    """

    free_open: Mapping[int, TimeRule] = field(default_factory=dict)
    verify: Mapping[int, tuple[Demand, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccessPlan:
    """A family's compiled form of the policies of one terminal.

    `tables` is what `Terminal.set_access_tables` writes (JSON-friendly; empty: nothing);
    `people` the access of each person it holds (people left out are not let in there).
    """

    tables: Mapping[str, Any] = field(default_factory=dict)
    people: Mapping[str, UserAccess] = field(default_factory=dict)
    shortfalls: frozenset[ShortfallNote] = frozenset()


class Notes:
    """Collects what a compilation left out, keeping the largest figures of each kind."""

    def __init__(self) -> None:
        """Start with nothing left out."""
        self._notes: dict[Shortfall, ShortfallNote] = {}

    def add(self, kind: Shortfall, asked: int = 0, held: int = 0) -> None:
        """Note that `asked` of something was wanted where `held` fit."""
        known = self._notes.get(kind)
        if known is None or asked > known.asked:
            self._notes[kind] = ShortfallNote(kind, asked, held)

    def frozen(self) -> frozenset[ShortfallNote]:
        """Return the notes."""
        return frozenset(self._notes.values())


def fit_day(hours: DayIntervals, profile: AccessProfile, notes: Notes) -> DayIntervals:
    """Return one day's hours as a time zone of `profile` holds them (the longest kept)."""
    if len(hours) > profile.intervals_per_day:
        notes.add(Shortfall.INTERVALS, len(hours), profile.intervals_per_day)
    return longest(hours, profile.intervals_per_day)


def fit_week(rule: TimeRule, profile: AccessProfile, notes: Notes) -> tuple[DayIntervals, ...]:
    """Return the weekly hours of `rule` as a time zone of `profile` holds them."""
    return tuple(fit_day(day, profile, notes) for day in rule.week)


def horizon(today: date) -> tuple[date, date]:
    """Return the first and last date a terminal is given holidays for."""
    return today, today + HOLIDAY_HORIZON


def seasonal(rule: TimeRule, profile: AccessProfile, today: date, notes: Notes) -> TimeRule:
    """Return `rule` with only the holidays to write (all folded in when none can be held)."""
    first, last = horizon(today)
    rule = rule.within(first, last)
    if profile.holidays == 0 and rule.holidays():
        notes.add(Shortfall.NO_HOLIDAYS, len(rule.holidays()))
        return rule.folded(today)
    return rule


def _per_door(
    rule_of: Callable[[int], TimeRule | None], profile: AccessProfile, today: date, notes: Notes
) -> dict[int, TimeRule]:
    rules: dict[int, TimeRule] = {}
    for door in range(1, max(profile.doors, 1) + 1):
        rule = rule_of(door)
        if rule is not None:
            rules[door] = seasonal(rule, profile, today, notes)
    return rules


def door_rules(
    policy: PersonPolicy, profile: AccessProfile, today: date, notes: Notes
) -> dict[int, TimeRule]:
    """Return the rule of each door of the terminal the person may use (holidays to write)."""
    return _per_door(policy.rule_for, profile, today, notes)


def first_card_rules(
    policy: PersonPolicy, profile: AccessProfile, today: date, notes: Notes
) -> dict[int, TimeRule]:
    """Return, per door, when the person's passage frees it (holidays to write)."""
    return _per_door(policy.first_card_rule, profile, today, notes)


def roles_left_out(policy: PersonPolicy, profile: AccessProfile, notes: Notes) -> None:
    """Note the roles of a person that `profile` does not hold (its terminal holds them narrower).

    Without first-card opening the doors are not freed; without super users they pass as the
    others do; without an extended unlock time their doors open for the normal time.
    """
    if not profile.first_card and any(grant.first_card for grant in policy.grants):
        notes.add(Shortfall.FIRST_CARD)
    if not profile.super_users and policy.super_doors():
        notes.add(Shortfall.SUPER_USERS)
    if not profile.extended_unlock and policy.extended_unlock:
        notes.add(Shortfall.EXTENDED_UNLOCK)


def common_rule(
    rules: Mapping[int, TimeRule], profile: AccessProfile, notes: Notes
) -> tuple[frozenset[int], TimeRule] | None:
    """Return one rule for a terminal without per-door rights, and the doors it is given for.

    A person whose doors have different rules keeps the doors of the most common one (the
    others are left out: never more than the rule).
    """
    if not rules:
        return None
    counts: dict[TimeRule, list[int]] = {}
    for door, rule in sorted(rules.items()):
        counts.setdefault(rule, []).append(door)
    rule, doors = max(counts.items(), key=lambda item: (len(item[1]), -item[1][0]))
    if len(counts) > 1:
        notes.add(Shortfall.DOORS, len(rules), len(doors))
    return frozenset(doors), rule


class ZoneBook[K]:
    """Numbers for distinct values (time zones, day zones), from `first`, at most `capacity`."""

    def __init__(self, first: int, capacity: int) -> None:
        """Start numbering at `first`, giving at most `capacity` numbers."""
        self.numbers: dict[K, int] = {}
        self._next = first
        self._capacity = capacity

    def number(self, value: K) -> int | None:
        """Return the value's number (a new one if there is room; None when full)."""
        known = self.numbers.get(value)
        if known is not None:
            return known
        if len(self.numbers) >= self._capacity:
            return None
        self.numbers[value] = self._next
        self._next += 1
        return self.numbers[value]


def holiday_dates(rules: Iterable[TimeRule]) -> list[date]:
    """Return every date that is a holiday of any of `rules`, in order."""
    return sorted({day for rule in rules for day in rule.holidays()})


def ordered_policies(policies: Sequence[PersonPolicy]) -> list[PersonPolicy]:
    """Return the policies in person order, so that numbers are given the same way each time."""
    return sorted(policies, key=lambda policy: (len(policy.person_id), policy.person_id))


def _single(demands: Iterable[Demand]) -> Demand | None:
    """Return the demands of one mode merged (None: none, or several modes)."""
    modes: dict[str, list[TimeRule]] = {}
    for mode, rule in demands:
        modes.setdefault(mode, []).append(rule)
    if len(modes) != 1:
        return None
    ((mode, rules),) = modes.items()
    return mode, merged(rules) or ALWAYS


def person_demand(policy: PersonPolicy, door: int) -> Demand | None:
    """Return the verification a person's grants demand at `door` (None: none, or conflicting)."""
    return _single(
        (grant.verify_mode, grant.rule)
        for grant in policy.grants
        if grant.verify_mode is not None and door in grant.doors
    )


def asks_verification(policies: Sequence[PersonPolicy], schedules: DoorSchedules) -> bool:
    """Return True if a door schedule or a person's grant demands a verification mode."""
    return bool(schedules.verify) or any(g.verify_mode for p in policies for g in p.grants)


def hold_verification(
    policies: Sequence[PersonPolicy],
    schedules: DoorSchedules,
    holds: Callable[[str, TimeRule], bool],
    notes: Notes,
) -> tuple[list[PersonPolicy], DoorSchedules]:
    """Keep the verification demands a terminal `holds`; take the others' periods from access.

    A demand it cannot hold (its mode, its hours, or a door or person asked for two modes) is
    left out, and its periods are removed from the access of the people it concerns at that
    door: they are refused then rather than let in with a weaker verification. A person's
    demand is also left out where the door demands another mode (which one a terminal applies
    is not known). Returns the policies (grants split by door) and the demands kept.
    """
    if not asks_verification(policies, schedules):
        return list(policies), schedules
    door_kept: dict[int, tuple[Demand, ...]] = {}
    door_removed: dict[int, TimeRule] = {}
    for door, demands in schedules.verify.items():
        single = _single(demands)
        if single is not None and holds(*single):
            door_kept[door] = (single,)
        elif demands:
            door_removed[door] = merged(rule for _, rule in demands) or ALWAYS
            notes.add(Shortfall.VERIFICATION_MODES)
    result: list[PersonPolicy] = []
    for policy in policies:
        grants: list[DoorGrant] = []
        for door in policy.doors():
            removed = door_removed.get(door)
            asked = [g for g in policy.grants if g.verify_mode is not None and door in g.doors]
            own = person_demand(policy, door)
            door_mode = door_kept[door][0][0] if door in door_kept else None
            kept = own is not None and holds(*own) and door_mode in (None, own[0])
            if asked and not kept:
                notes.add(Shortfall.VERIFICATION_MODES)
                lost = merged(g.rule for g in asked) or ALWAYS
                removed = lost if removed is None else removed.merged_with(lost)
            for grant in policy.grants:
                if door not in grant.doors:
                    continue
                rule = grant.rule if removed is None else grant.rule.without(removed)
                if not rule.never:
                    # `replace`: whatever else a grant carries stays with it.
                    mode = grant.verify_mode if kept else None
                    grants.append(
                        replace(grant, doors=frozenset({door}), rule=rule, verify_mode=mode)
                    )
        result.append(replace(policy, grants=tuple(grants)))
    return result, replace(schedules, verify=door_kept)
