"""ZK PUSH access rules: time zones, holidays and door rights compiled, written and read back."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.access import (
    ALL_DAY,
    Shortfall,
    ShortfallNote,
)
from custom_components.access_terminal.protocols.errors import DeviceError
from custom_components.access_terminal.protocols.model import Operation, User, UserAccess
from custom_components.access_terminal.protocols.zk_push import access as zk_access
from custom_components.access_terminal.protocols.zk_push.access import (
    ALWAYS_ZONE,
    compile_access,
    encode_interval,
    profile_of,
    table_commands,
    timezone_record,
)
from custom_components.access_terminal.protocols.zk_push.users import (
    Capabilities,
    TableWrites,
    user_records,
)

from ..access_helpers import (
    CLEANER,
    HOLIDAY,
    TUESDAY,
    always,
    hours,
    person,
    weekly,
    with_holidays,
)
from .helpers import ZONE, Device, issue, obey, settle

TWO_DOORS = Capabilities.from_options({"LockCount": "2"}, attendance=False)
ATTENDANCE = Capabilities.from_options({}, attendance=True)


def test_cleaner_on_the_back_door() -> None:
    """Tuesday mornings at door 2 become time zone 2, and a row giving door 2 (bit 2) only."""
    plan = compile_access([person("7", ({2}, CLEANER)), always("1", {1, 2})], TWO_DOORS, TUESDAY)
    assert plan.people == {
        "1": UserAccess(zones=((1, ALWAYS_ZONE), (2, ALWAYS_ZONE))),
        "7": UserAccess(zones=((2, 2),)),
    }
    zones = {zone["id"]: zone["days"] for zone in plan.tables["timezones"]}
    assert zones[1] == [[[0, 1440]]] * 10  # every day and every holiday type, all day
    # Sunday first: Tuesday is the third day; no holiday types in use.
    assert zones[2] == [[], [], [[540, 720]], [], [], [], [], [], [], []]
    assert plan.tables["holidays"] == []
    assert plan.shortfalls == frozenset()


def test_holiday_types_and_intervals() -> None:
    """Dates on which every rule allows the same share a type; its hours are that rule's."""
    closed = with_holidays(CLEANER, HOLIDAY)
    late = with_holidays(weekly(tue=hours((9, 12))), HOLIDAY, hours_on=hours((10, 11)))
    plan = compile_access(
        [person("7", ({1}, closed)), person("8", ({1}, late)), always("9")], TWO_DOORS, TUESDAY
    )
    assert plan.tables["holidays"] == [{"date": "20250121", "type": 1}]
    zones = {zone["id"]: zone["days"] for zone in plan.tables["timezones"]}
    assert zones[plan.people["7"].zones[0][1]][7] == []  # Hol1: closed for the cleaner
    assert zones[plan.people["8"].zones[0][1]][7] == [[600, 660]]
    assert zones[ALWAYS_ZONE][7] == [[0, 1440]]


def test_more_holiday_groups_than_types_share_the_last_narrower() -> None:
    """A fourth kind of holiday shares type 3, whose hours are what all its dates allow."""
    days = [TUESDAY.replace(day=day) for day in (15, 16, 17, 18)]
    rule = weekly(**dict.fromkeys(("wed", "thu", "fri", "sat"), hours((8, 18))))
    rule = type(rule)(
        week=rule.week,
        exceptions={
            days[0]: (),
            days[1]: hours((8, 9)),
            days[2]: hours((8, 10)),
            days[3]: hours((9, 11)),
        },
    )
    plan = compile_access([person("1", ({1}, rule))], TWO_DOORS, TUESDAY)
    types = [item["type"] for item in plan.tables["holidays"]]
    assert sorted(types) == [1, 2, 3, 3]
    zone = next(z for z in plan.tables["timezones"] if z["id"] == 2)["days"]
    assert zone[9] == [[540, 600]]  # 08:00-10:00 and 09:00-11:00 share 09:00-10:00
    assert ShortfallNote(Shortfall.HOLIDAYS, 4, 3) in plan.shortfalls


def test_too_many_intervals_and_zones_are_held_narrower(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four intervals keep the three longest; people past the zone capacity are left out."""
    monkeypatch.setattr(zk_access, "TIME_ZONES", 2)
    busy = weekly(mon=hours((6, 7), (8, 12), (13, 17), (18, 18.5)))
    plan = compile_access(
        [person("1", ({1}, busy)), person("2", ({1}, CLEANER))], TWO_DOORS, TUESDAY
    )
    assert set(plan.people) == {"1"}
    zone = next(z for z in plan.tables["timezones"] if z["id"] == 2)["days"]
    assert zone[1] == [[360, 420], [480, 720], [780, 1020]]
    assert {note.kind for note in plan.shortfalls} == {Shortfall.INTERVALS, Shortfall.TIME_ZONES}


def test_attendance_terminals_hold_only_people_let_in_always() -> None:
    """An attendance terminal has no schedules: the cleaner is left out, and that is said."""
    plan = compile_access([person("7", ({1}, CLEANER)), always("1")], ATTENDANCE, TUESDAY)
    assert plan.people == {"1": UserAccess(zones=((1, ALWAYS_ZONE),))}
    assert plan.tables == {}
    assert {note.kind for note in plan.shortfalls} == {Shortfall.SCHEDULES}
    assert not profile_of(ATTENDANCE).can_disable
    assert profile_of(TWO_DOORS).per_door


def test_table_records_in_the_documents_form() -> None:
    """Intervals are `start << 16 + end`, the end's last minute included; 0 is none."""
    assert encode_interval(hours((9, 12))[0]) == (900 << 16) + 1159
    assert encode_interval(ALL_DAY[0]) == 2359
    assert encode_interval(None) == 0
    record = timezone_record({"id": 2, "days": [[]] * 2 + [[[540, 720]]] + [[]] * 7})
    assert record.startswith("TimezoneId=2\tSunTime1=0\tSunTime2=0\tSunTime3=0\tMonTime1=0\t")
    assert f"\tTueTime1={(900 << 16) + 1159}\tTueTime2=0\t" in record
    assert record.endswith("\tHol3Time1=0\tHol3Time2=0\tHol3Time3=0")
    commands = table_commands(
        {
            "timezones": [{"id": 2, "days": [[]] * 10}],
            "holidays": [{"date": "20250121", "type": 1}],
        }
    )
    assert commands[1:] == [
        "DATA DELETE holiday *",
        "DATA UPDATE holiday Holiday=20250121\tHolidayType=1\tLoop=2",
    ]
    assert table_commands({"timezones": [], "holidays": []})[1:] == ["DATA DELETE holiday *"]


def test_rights_are_written_whole() -> None:
    """A person with the directory's rights loses their old rows first; doors share a row."""
    user = User(user_id="7", access=UserAccess(zones=((1, 2), (2, 2), (3, 1))))
    caps = Capabilities.from_options({"LockCount": "4"}, attendance=False)
    into = TableWrites()
    user_records(user, caps, ZONE, into)
    commands = {prefix: [r for _, r in rows] for prefix, rows in into.commands()}
    assert commands["DATA DELETE userauthorize"] == ["Pin=7"]
    assert commands["DATA UPDATE userauthorize"] == [
        "Pin=7\tAuthorizeTimezoneId=1\tAuthorizeDoorId=4",
        "Pin=7\tAuthorizeTimezoneId=2\tAuthorizeDoorId=3",
    ]


async def test_terminal_writes_the_tables(controller: Device) -> None:
    """The tables go out as data commands; a refusal fails the write with its code."""
    terminal = controller.terminal
    assert terminal.supports(Operation.ACCESS_RULES)
    profile = terminal.access_profile
    assert profile is not None
    assert profile.doors == 4
    plan = terminal.compile_access([person("7", ({2}, CLEANER))], TUESDAY)
    texts = await obey(controller, terminal.set_access_tables(plan.tables))
    assert texts[0].startswith("DATA UPDATE timezone TimezoneId=1\t")
    # Nobody frees a door: the first-card table is emptied (and no door switch touched).
    assert texts[1:] == ["DATA DELETE holiday *", "DATA DELETE firstcard *"]

    task, commands = await issue(controller, terminal.set_access_tables(plan.tables))
    await controller.report((commands[0][0], -11), *((number, 0) for number, _ in commands[1:]))
    with pytest.raises(DeviceError):
        await task

    # A controller without a first-card table refuses to empty it: nothing to delete, the
    # tables are written all the same.
    task, commands = await issue(controller, terminal.set_access_tables(plan.tables))
    assert commands[-1][1] == "DATA DELETE firstcard *"
    await controller.report(*((number, 0) for number, _ in commands[:-1]), (commands[-1][0], -11))
    await task


async def test_profile_unknown_until_the_terminal_says_what_it_is(device: Device) -> None:
    """Before its hand-shake a terminal's holdings are not known."""
    assert device.terminal.access_profile is None


async def test_unused_time_zones_are_deleted(controller: Device) -> None:
    """The numbers above the last zone written go (DATA DELETE timezone), one line each."""
    terminal = controller.terminal
    plan = terminal.compile_access([person("7", ({2}, CLEANER))], TUESDAY)
    assert [zone["id"] for zone in plan.tables["timezones"]] == [1, 2]
    task, commands = await issue(controller, terminal.prune_access_tables(plan.tables))
    # First the rows naming people (none here: every door's first-card switch off).
    assert [text for _, text in commands] == [
        "SET OPTIONS " + ",".join(f"Door{door}FirstCardOpenDoor=0" for door in range(1, 5))
    ]
    await controller.report((commands[0][0], 0))
    await settle()
    ((number, text),) = await controller.commands()
    await controller.report((number, 0))
    await task
    lines = text.split("\n")
    assert lines[0] == "DATA DELETE timezone TimezoneId=3"
    assert lines[1:] == [f"TimezoneId={n}" for n in range(4, zk_access.TIME_ZONES + 1)]
    full = {"timezones": [{"id": n} for n in range(1, zk_access.TIME_ZONES + 1)]}
    assert zk_access.unused_zones_command(full) is None  # a full book leaves nothing over

    # A refusal leaves harmless zones behind (no right uses them): not a failed sync.
    # A controller without first-card opening may refuse the switch: nothing to undo either.
    task, commands = await issue(controller, terminal.prune_access_tables(plan.tables))
    await controller.report((commands[0][0], -11))
    await settle()
    commands = await controller.commands()
    assert commands[0][1].startswith("DATA DELETE timezone")
    await controller.report((commands[0][0], -11))
    await task
