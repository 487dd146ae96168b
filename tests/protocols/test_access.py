"""The shared access model: hours, rules with holidays, a person's decision, fitting a terminal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from custom_components.access_terminal.protocols.access import (
    ALL_DAY,
    ALWAYS,
    NEVER,
    AccessProfile,
    DoorGrant,
    Interval,
    Notes,
    PersonPolicy,
    Shortfall,
    ShortfallNote,
    TimeRule,
    ZoneBook,
    common_rule,
    covers,
    door_rules,
    fit_week,
    holiday_dates,
    intersection,
    longest,
    merged,
    normalized,
    ordered_policies,
    seasonal,
    union,
)
from custom_components.access_terminal.protocols.model import DenyReason

TUESDAY = date(2025, 1, 14)
MORNING = (Interval(9 * 60, 12 * 60),)


def hours(*spans: tuple[int, int]) -> tuple[Interval, ...]:
    """Return intervals from (start hour, end hour) pairs."""
    return tuple(Interval(start * 60, end * 60) for start, end in spans)


def tuesday_mornings(**exceptions: tuple[Interval, ...]) -> TimeRule:
    """Return a rule of Tuesdays 09:00-12:00, with exceptions named d_YYYYMMDD."""
    week = [NEVER] * 7
    week[1] = MORNING
    return TimeRule(
        week=tuple(week),
        exceptions={date.fromisoformat(key[2:]): value for key, value in exceptions.items()},
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a moment of a date."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_interval_bounds_and_labels() -> None:
    """An interval lies inside one day; its label names the last minute it includes."""
    with pytest.raises(ValueError, match="not an interval"):
        Interval(600, 600)
    with pytest.raises(ValueError, match="not an interval"):
        Interval(0, 24 * 60 + 1)
    morning = MORNING[0]
    assert 9 * 60 in morning
    assert 12 * 60 not in morning
    assert "9" not in morning
    assert morning.label() == "09:00-11:59"
    assert ALL_DAY[0].label("~") == "00:00~23:59"
    assert morning.length == 180


def test_interval_arithmetic() -> None:
    """Union merges what touches, intersection keeps what both allow, longest narrows."""
    assert normalized(hours((13, 14), (9, 12), (12, 13))) == hours((9, 14))
    assert union(hours((9, 10)), hours((11, 12))) == hours((9, 10), (11, 12))
    assert intersection(hours((9, 12)), hours((11, 14), (8, 9))) == hours((11, 12))
    assert covers(hours((8, 18)), hours((9, 12), (13, 14)))
    assert not covers(hours((9, 12)), hours((11, 13)))
    day = hours((6, 7), (8, 12), (13, 17), (18, 19))
    assert longest(day, 2) == hours((8, 12), (13, 17))
    assert longest(day, 4) == day


def test_rule_hours_and_holidays() -> None:
    """A rule answers by weekday, except on its dates; `folded` puts the coming week in place."""
    holiday = TUESDAY + timedelta(days=7)
    rule = tuesday_mornings(d_20250121=NEVER)
    assert rule.allows(at(TUESDAY, 10))
    assert not rule.allows(at(TUESDAY, 13))
    assert not rule.allows(at(TUESDAY, 12))  # the end is excluded
    assert not rule.allows(at(holiday, 10))
    assert rule.holidays() == [holiday]
    assert not rule.always
    assert ALWAYS.always
    # The week from Wednesday on ends with the holiday Tuesday: closed that week.
    folded = rule.folded(TUESDAY + timedelta(days=1))
    assert folded.week[1] == NEVER
    assert folded.exceptions == {}
    # A week starting on the holiday's day after keeps its Tuesdays.
    assert rule.folded(holiday + timedelta(days=1)).week[1] == MORNING
    assert rule.within(TUESDAY, TUESDAY).exceptions == {}
    # A date equal to its weekday is no holiday.
    assert tuesday_mornings(d_20250121=MORNING).holidays() == []
    with pytest.raises(ValueError, match="seven days"):
        TimeRule(week=(ALL_DAY,))


def test_rules_merge_and_compare_by_value() -> None:
    """Merged rules allow what either allows, holidays included; equal rules hash alike."""
    afternoons = TimeRule(week=(hours((14, 16)),) * 7, exceptions={TUESDAY: NEVER})
    both = tuesday_mornings().merged_with(afternoons)
    assert both.on(TUESDAY) == MORNING  # Tuesday mornings still; the afternoon's holiday
    assert both.week[1] == hours((9, 12), (14, 16))
    assert merged([]) is None
    assert merged([ALWAYS]) is ALWAYS
    assert tuesday_mornings() == tuesday_mornings()
    assert hash(tuesday_mornings()) == hash(tuesday_mornings())
    assert tuesday_mornings() != ALWAYS
    assert tuesday_mornings() != "rule"
    assert holiday_dates([afternoons, ALWAYS]) == [TUESDAY]


def test_person_decision_reasons() -> None:
    """Every refusal says why: disabled, out of validity, used up, no right, hours, holiday."""
    rule = tuesday_mornings(d_20250121=NEVER)
    person = PersonPolicy(person_id="7", grants=(DoorGrant(frozenset({1}), rule),))
    assert person.decide(1, at(TUESDAY, 10)) is None
    assert person.decide(1, at(TUESDAY, 13)) is DenyReason.TIME_ZONE
    assert person.decide(2, at(TUESDAY, 10)) is DenyReason.DOOR_RIGHTS
    assert person.decide(1, at(TUESDAY + timedelta(days=7), 10)) is DenyReason.HOLIDAY
    assert PersonPolicy(person_id="7", enabled=False).decide(1, at(TUESDAY, 10)) is (
        DenyReason.DISABLED
    )
    late = PersonPolicy(person_id="7", valid_until=at(TUESDAY, 9), grants=person.grants)
    assert late.decide(1, at(TUESDAY, 10)) is DenyReason.EXPIRED
    early = PersonPolicy(person_id="7", valid_from=at(TUESDAY, 11), grants=person.grants)
    assert early.decide(1, at(TUESDAY, 10)) is DenyReason.EXPIRED
    used = PersonPolicy(person_id="7", uses_left=0, grants=person.grants)
    assert used.decide(1, at(TUESDAY, 10)) is DenyReason.PASS_USED_UP
    assert person.doors() == [1]


def test_fitting_a_terminal() -> None:
    """A terminal keeps its number of intervals, its holidays, one rule where not per door."""
    profile = AccessProfile(doors=2, time_zones=4, intervals_per_day=1, holidays=10)
    notes = Notes()
    split = TimeRule(week=(hours((8, 10), (11, 15)),) * 7)
    assert fit_week(split, profile, notes) == (hours((11, 15)),) * 7
    assert notes.frozen() == {ShortfallNote(Shortfall.INTERVALS, 2, 1)}

    person = PersonPolicy(
        person_id="1",
        grants=(DoorGrant(frozenset({1}), ALWAYS), DoorGrant(frozenset({2}), split)),
    )
    notes = Notes()
    rules = door_rules(person, profile, TUESDAY, notes)
    assert rules == {1: ALWAYS, 2: split}
    assert common_rule(rules, profile, notes) == (frozenset({1}), ALWAYS)
    assert common_rule({}, profile, notes) is None
    assert ShortfallNote(Shortfall.DOORS, 2, 1) in notes.frozen()

    # Holidays beyond a year are not written; without holidays they are folded into the week.
    far = tuesday_mornings(d_20260120=NEVER, d_20250121=NEVER)
    assert seasonal(far, profile, TUESDAY, Notes()).holidays() == [date(2025, 1, 21)]
    none = AccessProfile(holidays=0)
    notes = Notes()
    folded = seasonal(far, none, TUESDAY + timedelta(days=1), notes)
    assert folded.week[1] == NEVER
    assert notes.frozen() == {ShortfallNote(Shortfall.NO_HOLIDAYS, 1, 0)}


def test_notes_keep_the_largest_figure() -> None:
    """A kind noted several times keeps its largest request."""
    notes = Notes()
    notes.add(Shortfall.CARDS, 2, 1)
    notes.add(Shortfall.CARDS, 3, 1)
    notes.add(Shortfall.CARDS, 2, 1)
    assert notes.frozen() == {ShortfallNote(Shortfall.CARDS, 3, 1)}


def test_zone_book_numbers_and_capacity() -> None:
    """Equal values share a number; past the capacity there is none."""
    book: ZoneBook[str] = ZoneBook(first=2, capacity=2)
    assert book.number("a") == 2
    assert book.number("b") == 3
    assert book.number("a") == 2
    assert book.number("c") is None
    people = [PersonPolicy(person_id=pid) for pid in ("10", "9", "100")]
    assert [p.person_id for p in ordered_policies(people)] == ["9", "10", "100"]
