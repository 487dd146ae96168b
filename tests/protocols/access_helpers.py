"""Policies the family compilers are tried with: the cleaner's Tuesday mornings and others."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from custom_components.access_terminal.protocols.access import (
    ALWAYS,
    NEVER,
    AccessPlan,
    DayIntervals,
    DoorGrant,
    Interval,
    PersonPolicy,
    TimeRule,
)
from custom_components.access_terminal.protocols.model import User
from simulator.control_api import ControlApiSimulator
from simulator.webjson import WebJsonSimulator

# A Tuesday (Home Assistant's tests freeze time on it), and the Tuesday after, a holiday.
TUESDAY = date(2025, 1, 14)
HOLIDAY = TUESDAY + timedelta(days=7)


def hours(*spans: tuple[float, float]) -> DayIntervals:
    """Return intervals from (start hour, end hour) pairs (half hours allowed)."""
    return tuple(Interval(int(start * 60), int(end * 60)) for start, end in spans)


def weekly(**days: DayIntervals) -> TimeRule:
    """Return a rule from weekday names ("tue"...) with their hours; other days closed."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return TimeRule(week=tuple(days.get(name, NEVER) for name in names))


def with_holidays(rule: TimeRule, *days: date, hours_on: DayIntervals = NEVER) -> TimeRule:
    """Return `rule` with the given dates as holidays (no access, or `hours_on`)."""
    return TimeRule(week=rule.week, exceptions=dict.fromkeys(days, hours_on))


CLEANER = weekly(tue=hours((9, 12)))


def person(person_id: str, *grants: tuple[set[int], TimeRule], **fields: object) -> PersonPolicy:
    """Return a person's policy from (doors, rule) pairs."""
    return PersonPolicy(
        person_id=person_id,
        grants=tuple(DoorGrant(frozenset(doors), rule) for doors, rule in grants),
        **fields,  # type: ignore[arg-type]
    )


def always(person_id: str, doors: set[int] | None = None, **fields: object) -> PersonPolicy:
    """Return a person allowed at any time (door 1 unless said)."""
    return person(person_id, (doors or {1}, ALWAYS), **fields)


def users_of(plan: AccessPlan, policies: list[PersonPolicy]) -> list[User]:
    """Return the users a directory writes for the people a plan holds."""
    return [
        User(
            user_id=policy.person_id,
            name=f"Person {policy.person_id}",
            enabled=policy.enabled,
            valid_from=policy.valid_from,
            valid_until=policy.valid_until,
            access=plan.people[policy.person_id],
        )
        for policy in policies
        if policy.person_id in plan.people
    ]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a moment of a date, in UTC (the simulators' own time)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# The people every family's terminal is tried with: the cleaner (Tuesday mornings, not on the
# holiday), someone disabled, and a pass that expired the day before (in any terminal's zone).
def everyone() -> list[PersonPolicy]:
    """Return the cleaner (7), a disabled person (8) and an expired pass (9)."""
    return [
        person("7", ({1}, with_holidays(CLEANER, HOLIDAY))),
        always("8", enabled=False),
        always("9", valid_until=at(TUESDAY - timedelta(days=1), 12)),
    ]


def verify_at(sim: WebJsonSimulator | ControlApiSimulator, user_id: str, moment: datetime) -> str:
    """Let a person identify at a pull terminal at `moment` (its clock); return its decision."""
    sim._clock.set(moment.timestamp())
    return sim.verify(user_id)
