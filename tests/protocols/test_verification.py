"""Verification modes by period in the shared model: held, or taken from people's access."""

from __future__ import annotations

from custom_components.access_terminal.protocols.access import (
    ALWAYS,
    NEVER,
    DoorGrant,
    DoorSchedules,
    Notes,
    PersonPolicy,
    Shortfall,
    TimeRule,
    difference,
    hold_verification,
    person_demand,
)

from .access_helpers import CLEANER, HOLIDAY, TUESDAY, hours, weekly, with_holidays

EVENINGS = weekly(tue=hours((17, 20)))


def _never(_mode: str, _rule: TimeRule) -> bool:
    return False


def _any(_mode: str, _rule: TimeRule) -> bool:
    return True


def _levels(*grants: DoorGrant) -> PersonPolicy:
    return PersonPolicy(person_id="7", grants=grants)


def test_difference_of_days() -> None:
    """What is left of a day once hours are taken out of it."""
    assert difference(hours((0, 24)), hours((9, 12))) == hours((0, 9), (12, 24))
    assert difference(hours((9, 12)), hours((8, 13))) == NEVER
    assert difference(hours((9, 12), (13, 18)), hours((11, 14))) == hours((9, 11), (14, 18))
    assert difference(hours((9, 12)), hours((14, 15))) == hours((9, 12))
    assert difference(NEVER, hours((9, 12))) == NEVER


def test_a_rule_without_another() -> None:
    """Weeks and holidays alike; a rule with nothing left is `never`."""
    rule = with_holidays(ALWAYS, HOLIDAY, hours_on=hours((8, 14)))
    left = rule.without(CLEANER)
    assert left.on(TUESDAY) == hours((0, 9), (12, 24))
    assert left.on(HOLIDAY) == hours((8, 9), (12, 14))  # a Tuesday too
    assert not left.never
    assert CLEANER.without(ALWAYS).never
    assert TimeRule(week=(NEVER,) * 7, exceptions={HOLIDAY: NEVER}).never


def test_nothing_asked_changes_nothing() -> None:
    policies = [_levels(DoorGrant(frozenset({1, 2}), CLEANER))]
    notes = Notes()
    held, kept = hold_verification(policies, DoorSchedules(), _never, notes)
    assert held == policies
    assert kept == DoorSchedules()
    assert notes.frozen() == frozenset()


def test_a_door_mode_not_held_is_taken_from_everyone_at_that_door() -> None:
    """Door 2 asks card and PIN in the cleaning hours: refused there then, door 1 untouched."""
    policies = [_levels(DoorGrant(frozenset({1, 2}), ALWAYS))]
    schedules = DoorSchedules(verify={2: (("card_and_password", CLEANER),)})
    notes = Notes()
    (held,), kept = hold_verification(policies, schedules, _never, notes)
    assert kept.verify == {}
    assert held.rule_for(1) == ALWAYS
    assert held.rule_for(2) == ALWAYS.without(CLEANER)
    assert {note.kind for note in notes.frozen()} == {Shortfall.VERIFICATION_MODES}


def test_a_door_mode_held_is_kept() -> None:
    policies = [_levels(DoorGrant(frozenset({1}), ALWAYS))]
    schedules = DoorSchedules(verify={1: (("card", CLEANER), ("card", EVENINGS))})
    notes = Notes()
    (held,), kept = hold_verification(policies, schedules, _any, notes)
    assert kept.verify == {1: (("card", CLEANER.merged_with(EVENINGS)),)}
    assert held.rule_for(1) == ALWAYS
    assert notes.frozen() == frozenset()


def test_two_modes_at_one_door_are_held_narrower() -> None:
    """Which of two modes applies cannot be said: both periods are refused instead."""
    policies = [_levels(DoorGrant(frozenset({1}), ALWAYS))]
    schedules = DoorSchedules(verify={1: (("card", CLEANER), ("face", EVENINGS))})
    (held,), kept = hold_verification(policies, schedules, _any, Notes())
    assert kept.verify == {}
    assert held.rule_for(1) == ALWAYS.without(CLEANER).without(EVENINGS)


def test_a_level_mode_holds_over_another_level_at_the_same_door() -> None:
    """Card by day (one level), card and PIN in the evening (another): the stricter one holds."""
    day = DoorGrant(frozenset({1}), ALWAYS)
    evening = DoorGrant(frozenset({1}), EVENINGS, "card_and_password")
    policy = _levels(day, evening)
    assert person_demand(policy, 1) == ("card_and_password", EVENINGS)
    assert person_demand(policy, 2) is None
    (held,), _ = hold_verification([policy], DoorSchedules(), _any, Notes())
    assert person_demand(held, 1) == ("card_and_password", EVENINGS)
    assert held.rule_for(1) == ALWAYS

    notes = Notes()
    (narrow,), _ = hold_verification([policy], DoorSchedules(), _never, notes)
    assert person_demand(narrow, 1) is None
    assert narrow.rule_for(1) == ALWAYS.without(EVENINGS)  # the day level loses the evening too
    assert {note.kind for note in notes.frozen()} == {Shortfall.VERIFICATION_MODES}


def test_a_level_mode_against_another_door_mode_is_held_narrower() -> None:
    """A person's face at a door that asks card: refused in the person's hours."""
    policy = _levels(DoorGrant(frozenset({1}), CLEANER.merged_with(EVENINGS), "face"))
    schedules = DoorSchedules(verify={1: (("card", CLEANER),)})
    (held,), kept = hold_verification([policy], schedules, _any, Notes())
    assert kept.verify == schedules.verify
    assert person_demand(held, 1) is None
    assert held.rule_for(1) is None  # nothing left of that level
    same = DoorSchedules(verify={1: (("face", CLEANER),)})
    (kept_too,), _ = hold_verification([policy], same, _any, Notes())
    assert person_demand(kept_too, 1) == ("face", CLEANER.merged_with(EVENINGS))


def test_two_level_modes_at_one_door_are_held_narrower() -> None:
    policy = _levels(
        DoorGrant(frozenset({1}), CLEANER, "face"),
        DoorGrant(frozenset({1, 2}), EVENINGS, "card"),
    )
    assert person_demand(policy, 1) is None
    (held,), _ = hold_verification([policy], DoorSchedules(), _any, Notes())
    assert held.rule_for(1) is None
    assert held.rule_for(2) == EVENINGS
    assert person_demand(held, 2) == ("card", EVENINGS)
