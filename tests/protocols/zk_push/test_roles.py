"""ZK PUSH roles: first-card rows, super users and the extended unlock switch, compiled and sent."""

from __future__ import annotations

from custom_components.access_terminal.protocols.access import (
    ALWAYS,
    DoorGrant,
    DoorSchedules,
    Notes,
    PersonPolicy,
    Shortfall,
    hold_verification,
    roles_left_out,
)
from custom_components.access_terminal.protocols.zk_push import access as zk_access
from custom_components.access_terminal.protocols.zk_push.access import (
    ALWAYS_ZONE,
    compile_access,
    optional_commands,
    people_commands,
    profile_of,
    table_commands,
)
from custom_components.access_terminal.protocols.zk_push.users import Capabilities

from ..access_helpers import CLEANER, TUESDAY, hours, weekly

# Two doors, super users and the extended unlock time announced, DevID in the tables (bit 26).
ROLES = Capabilities.from_options(
    {
        "LockCount": "2",
        "SupAuthrizeFunOn": "1",
        "UserOpenDoorDelayFunOn": "1",
        "AccSupportFunList": "0" * 26 + "1",
    },
    attendance=False,
)
PLAIN = Capabilities.from_options({"LockCount": "2"}, attendance=False)
ATTENDANCE = Capabilities.from_options({"SupAuthzizeFunOn": "1"}, attendance=True)


def role_person(
    person_id: str,
    doors: set[int],
    *,
    first_card: bool = False,
    super_user: bool = False,
    **fields: object,
) -> PersonPolicy:
    rule = ALWAYS if super_user else CLEANER
    grant = DoorGrant(frozenset(doors), rule, first_card=first_card, super_user=super_user)
    return PersonPolicy(person_id=person_id, grants=(grant,), **fields)  # type: ignore[arg-type]


def test_capabilities_say_which_roles_a_controller_holds() -> None:
    """Super users by either spelling of the option or bit 16; extended unlock by its option."""
    held = (ROLES.super_authorize, ROLES.extended_unlock, ROLES.dev_id)
    assert held == (True, True, True)
    assert (PLAIN.super_authorize, PLAIN.extended_unlock) == (False, False)
    bit_16 = Capabilities.from_options({"AccSupportFunList": "0" * 16 + "1"}, attendance=False)
    assert bit_16.super_authorize
    assert not ATTENDANCE.super_authorize
    profile = profile_of(PLAIN)
    assert (profile.first_card, profile.super_users, profile.extended_unlock) == (
        True,
        False,
        False,
    )
    attendance = profile_of(ATTENDANCE)
    roles = (attendance.first_card, attendance.super_users, attendance.extended_unlock)
    assert roles == (False, False, False)


def test_first_card_rows_use_the_levels_time_zone() -> None:
    """The first-card level's schedule is numbered in the same book; its doors switched on."""
    manager = PersonPolicy(
        person_id="7",
        grants=(
            DoorGrant(frozenset({1}), CLEANER, first_card=True),
            DoorGrant(frozenset({1, 2}), weekly(tue=hours((7, 9)))),
        ),
    )
    plan = compile_access([manager], ROLES, TUESDAY)
    zones = {zone["id"]: zone["days"] for zone in plan.tables["timezones"]}
    (row,) = plan.tables["first_card"]
    assert (row["door"], row["pin"]) == (1, "7")
    assert zones[row["zone"]][2] == [[540, 720]]  # the cleaner's hours, not the merged ones
    assert row["zone"] not in dict(plan.people["7"].zones).values()
    assert plan.tables["first_card_doors"] == [{"door": 1, "on": 1}, {"door": 2, "on": 0}]
    # Emptied with the tables; written once the people are there (a row naming someone the
    # controller does not hold yet may be refused).
    assert "DATA DELETE firstcard *" in table_commands(plan.tables)
    assert not any(text.startswith("DATA UPDATE firstcard") for text in table_commands(plan.tables))
    assert people_commands(plan.tables) == [
        f"DATA UPDATE firstcard DoorID=1\tTimezoneID={row['zone']}\tPin=7\tDevID=1",
        "SET OPTIONS Door1FirstCardOpenDoor=1,Door2FirstCardOpenDoor=0",
    ]


def test_an_always_level_frees_the_door_in_time_zone_1() -> None:
    plan = compile_access(
        [PersonPolicy(person_id="7", grants=(DoorGrant(frozenset({2}), ALWAYS, first_card=True),))],
        PLAIN,
        TUESDAY,
    )
    assert plan.tables["first_card"] == [{"door": 2, "zone": ALWAYS_ZONE, "pin": "7"}]
    assert "DevID" not in people_commands(plan.tables)[0]


def test_super_users_and_extended_unlock_where_the_controller_has_them() -> None:
    """Rows for the people held and enabled; none for the others; every table written anew."""
    policies = [
        role_person("1", {1, 2}, super_user=True, extended_unlock=True),
        role_person("2", {1}, super_user=True, enabled=False),  # disabled: no privilege
        role_person("3", {2}, extended_unlock=True),
    ]
    plan = compile_access(policies, ROLES, TUESDAY)
    assert plan.tables["super_users"] == [{"pin": "1", "door": 1}, {"pin": "1", "door": 2}]
    assert plan.tables["extended_unlock"] == ["1", "3"]
    assert {"DATA DELETE SuperAuthorize *", "DATA DELETE extuser *"} <= set(
        table_commands(plan.tables)
    )
    assert people_commands(plan.tables)[:2] == [
        "DATA UPDATE SuperAuthorize Pin=1\tDoorID=1\tDevID=1\nPin=1\tDoorID=2\tDevID=1",
        "DATA UPDATE extuser Pin=1\tFunSwitch=1\nPin=3\tFunSwitch=1",
    ]
    # A controller without them gets none of their commands (nor their deletions).
    plain = compile_access(policies, PLAIN, TUESDAY)
    assert "super_users" not in plain.tables
    assert "extended_unlock" not in plain.tables
    assert not any(
        "SuperAuthorize" in text or "extuser" in text for text in table_commands(plain.tables)
    )
    # Nobody left: the tables are emptied, nothing written after the people; a controller
    # without one of them may refuse to empty it (nothing to delete).
    empty = compile_access([], ROLES, TUESDAY).tables
    deletions = ["DATA DELETE firstcard *", "DATA DELETE SuperAuthorize *", "DATA DELETE extuser *"]
    assert [text for text in table_commands(empty) if text in deletions] == deletions
    off = "SET OPTIONS Door1FirstCardOpenDoor=0,Door2FirstCardOpenDoor=0"
    assert people_commands(empty) == [off]
    assert optional_commands(empty) == {*deletions, off}
    # Nobody frees a door here: its table and switches may be refused too.
    assert optional_commands(plan.tables) == {"DATA DELETE firstcard *", off}


def test_many_rows_go_in_commands_of_a_hundred() -> None:
    policies = [role_person(str(n), {1}, extended_unlock=True) for n in range(1, 151)]
    commands = people_commands(compile_access(policies, ROLES, TUESDAY).tables)
    updates = [text for text in commands if text.startswith("DATA UPDATE extuser")]
    assert [len(text.split("\n")) for text in updates] == [100, 50]


def test_a_first_card_rule_the_full_book_cannot_number_frees_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With no room for the level's zone, the door is not freed (never wider); noted."""
    monkeypatch.setattr(zk_access, "TIME_ZONES", 2)
    manager = PersonPolicy(
        person_id="7",
        grants=(
            DoorGrant(frozenset({1}), weekly(tue=hours((7, 9)))),
            DoorGrant(frozenset({2}), CLEANER, first_card=True),
        ),
    )
    plan = compile_access([manager], ROLES, TUESDAY)
    assert plan.tables["first_card"] == []
    assert plan.tables["first_card_doors"] == [{"door": 1, "on": 0}, {"door": 2, "on": 0}]
    assert Shortfall.TIME_ZONES in {note.kind for note in plan.shortfalls}


def test_roles_a_profile_lacks_are_noted() -> None:
    notes = Notes()
    policy = PersonPolicy(
        person_id="7",
        grants=(DoorGrant(frozenset({1}), ALWAYS, first_card=True, super_user=True),),
        extended_unlock=True,
    )
    roles_left_out(policy, profile_of(ATTENDANCE), notes)
    assert {note.kind for note in notes.frozen()} == {
        Shortfall.FIRST_CARD,
        Shortfall.SUPER_USERS,
        Shortfall.EXTENDED_UNLOCK,
    }
    held = Notes()
    roles_left_out(policy, profile_of(ROLES), held)
    assert held.frozen() == frozenset()


def test_a_super_user_narrowed_by_a_verification_period_is_no_super_user_there() -> None:
    """Super users pass at any time; a door whose verification period could not be held takes
    those hours from everyone there, so no "any time" row is written for it (never wider)."""
    policy = role_person("1", {1, 2}, super_user=True)
    demands = DoorSchedules(verify={1: (("face_card_and_password", CLEANER),)})
    notes = Notes()
    (narrowed,), _kept = hold_verification([policy], demands, lambda *_: False, notes)
    assert Shortfall.VERIFICATION_MODES in {note.kind for note in notes.frozen()}
    plan = compile_access([narrowed], ROLES, TUESDAY)
    assert plan.tables["super_users"] == [{"pin": "1", "door": 2}]
