"""ZK verification modes by period: DiffTimezoneVS rows, the door and person rows, narrower."""

from __future__ import annotations

from custom_components.access_terminal.protocols.access import (
    ALWAYS,
    AccessPlan,
    DoorGrant,
    DoorSchedules,
    PersonPolicy,
    Shortfall,
)
from custom_components.access_terminal.protocols.zk_push.access import (
    compile_access,
    people_commands,
    profile_of,
    table_commands,
    verify_zone_record,
)
from custom_components.access_terminal.protocols.zk_push.users import Capabilities

from ..access_helpers import CLEANER, HOLIDAY, TUESDAY, hours, weekly, with_holidays

# Two doors, verification modes by period (AccSupportFunList bit 12) and DevID (bit 26).
FUNCTIONS = "".join("1" if bit in (12, 26) else "0" for bit in range(30))
CONTROLLER = Capabilities.from_options(
    {"LockCount": "2", "AccSupportFunList": FUNCTIONS}, attendance=False
)
WITHOUT = Capabilities.from_options({"LockCount": "2"}, attendance=False)
EVENINGS = weekly(tue=hours((17, 20)))


def _everywhere(*extra: DoorGrant) -> PersonPolicy:
    return PersonPolicy(person_id="7", grants=(DoorGrant(frozenset({1, 2}), ALWAYS), *extra))


def _kinds(plan: AccessPlan) -> set[Shortfall]:
    return {note.kind for note in plan.shortfalls}


def test_controllers_say_whether_they_hold_them() -> None:
    assert CONTROLLER.verify_periods
    assert profile_of(CONTROLLER).verify_modes
    assert not profile_of(WITHOUT).verify_modes
    assert "verify_zones" not in compile_access([_everywhere()], WITHOUT, TUESDAY).tables


def test_a_door_mode_becomes_a_row_and_the_door_points_at_it() -> None:
    """Card and PIN (Appendix 3: 11) on door 2 in the cleaning hours; everyone else as set."""
    doors = DoorSchedules(verify={2: (("card_and_password", CLEANER),)})
    plan = compile_access([_everywhere()], CONTROLLER, TUESDAY, doors)
    tables = plan.tables
    assert tables["door_verify"] == [{"door": 2, "zone": 1}]
    assert tables["person_verify"] == []
    (zone,) = tables["verify_zones"]
    assert (zone["door"], zone["user"]) == (11, 255)
    record = verify_zone_record(zone)
    assert record.startswith("TimezoneID=1\tSunTime1=0\tSunTime1VSUser=255\tSunTime1VSDoor=255")
    assert f"\tTueTime1={(900 << 16) + 1159}\tTueTime1VSUser=255\tTueTime1VSDoor=11\t" in record
    assert "\tTueTime2=0\tTueTime2VSUser=255\tTueTime2VSDoor=255\t" in record
    assert record.count("\t") == 1 + 10 * 3 * 3 - 1
    # The person keeps every hour: the controller asks the verification itself.
    assert plan.people["7"].zones == ((1, 1), (2, 1))
    assert _kinds(plan) == set()
    commands = table_commands(tables)
    assert commands[-5:] == [
        "DATA DELETE PersonalVSTimezone *",
        "DATA DELETE DoorVSTimezone *",
        "DATA DELETE DiffTimezoneVS *",
        "DATA UPDATE DiffTimezoneVS " + record,
        "DATA UPDATE DoorVSTimezone DoorID=2\tTimezoneID=1\tDevID=1",
    ]


def test_a_level_mode_becomes_a_person_row() -> None:
    policy = _everywhere(DoorGrant(frozenset({1}), EVENINGS, "face_and_card"))
    plan = compile_access([policy], CONTROLLER, TUESDAY, DoorSchedules())
    assert plan.tables["person_verify"] == [{"pin": "7", "door": 1, "zone": 1}]
    (zone,) = plan.tables["verify_zones"]
    assert (zone["door"], zone["user"]) == (255, 18)
    assert "DATA DELETE PersonalVSTimezone *" in table_commands(plan.tables)
    # Written once the people are there.
    assert people_commands(plan.tables)[-1] == (
        "DATA UPDATE PersonalVSTimezone PIN=7\tDoorID=1\tTimezoneID=1\tDevID=1"
    )
    # Without schedules given, nothing but the rows is written (no normal-open periods).
    assert "keep_open" not in compile_access([policy], CONTROLLER, TUESDAY).tables


def test_the_same_demand_shares_a_row() -> None:
    doors = DoorSchedules(verify={1: (("card", CLEANER),), 2: (("card", CLEANER),)})
    plan = compile_access([_everywhere()], CONTROLLER, TUESDAY, doors)
    assert len(plan.tables["verify_zones"]) == 1
    assert [row["zone"] for row in plan.tables["door_verify"]] == [1, 1]


def test_no_demand_clears_the_rows() -> None:
    plan = compile_access([_everywhere()], CONTROLLER, TUESDAY, DoorSchedules())
    assert table_commands(plan.tables)[-3:] == [
        "DATA DELETE PersonalVSTimezone *",
        "DATA DELETE DoorVSTimezone *",
        "DATA DELETE DiffTimezoneVS *",
    ]


def _refused_in_cleaning_hours(plan: AccessPlan, door: int) -> None:
    """The person's zone at `door` leaves out Tuesday 09:00-12:00; no row is written."""
    zones = dict(plan.people["7"].zones)
    assert _kinds(plan) == {Shortfall.VERIFICATION_MODES}
    assert plan.tables["verify_zones"] == []
    (zone,) = (zone for zone in plan.tables["timezones"] if zone["id"] == zones[door])
    assert zone["days"][2] == [[0, 9 * 60], [12 * 60, 24 * 60]]  # Sunday first


def test_a_mode_without_an_appendix_3_code_is_held_narrower() -> None:
    doors = DoorSchedules(verify={2: (("face_card_and_password", CLEANER),)})
    plan = compile_access([_everywhere()], CONTROLLER, TUESDAY, doors)
    _refused_in_cleaning_hours(plan, 2)
    assert dict(plan.people["7"].zones)[1] == 1  # door 1 as it was


def test_more_periods_than_a_row_holds_are_held_narrower() -> None:
    four = weekly(tue=hours((9, 10), (11, 12), (13, 14), (15, 16)))
    doors = DoorSchedules(verify={1: (("card", four),)})
    plan = compile_access([_everywhere()], CONTROLLER, TUESDAY, doors)
    # What is left of Tuesday is five intervals: the person's zone keeps the longest three.
    assert _kinds(plan) == {Shortfall.VERIFICATION_MODES, Shortfall.INTERVALS}
    assert plan.tables["verify_zones"] == []
    assert dict(plan.people["7"].zones)[1] != 1


def test_holidays_of_a_demand_take_the_holiday_types() -> None:
    """No card and PIN on the holiday: its type's periods say so exactly."""
    doors = DoorSchedules(verify={1: (("card_and_password", with_holidays(CLEANER, HOLIDAY)),)})
    plan = compile_access([_everywhere()], CONTROLLER, TUESDAY, doors)
    assert _kinds(plan) == set()
    (zone,) = plan.tables["verify_zones"]
    assert zone["days"][7] == []  # holiday type 1: no period
    assert plan.tables["holidays"] == [{"date": HOLIDAY.strftime("%Y%m%d"), "type": 1}]
