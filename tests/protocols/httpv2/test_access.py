"""HTTPv2 access rules: time groups, holidays and each person's own limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.access_terminal.protocols.access import (
    DoorSchedules,
    Shortfall,
    ShortfallNote,
)
from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    InvalidRequestError,
    TerminalClosedError,
)
from custom_components.access_terminal.protocols.httpv2 import Endpoint
from custom_components.access_terminal.protocols.httpv2.access import (
    ALWAYS_GROUP,
    PROFILE,
    compile_access,
    profile_of,
)
from custom_components.access_terminal.protocols.httpv2.people import people_json
from custom_components.access_terminal.protocols.model import User, UserAccess

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
from .helpers import SETTINGS, SHORT, keepalive, make_terminal, send, settle, start

NOW = datetime(2025, 1, 14, 8, 0, tzinfo=UTC)


def test_cleaner_gets_a_time_group() -> None:
    """Tuesday mornings are time group 2 (Week2, Monday first); all day is group 1."""
    plan = compile_access([person("7", ({1}, CLEANER)), always("1")], PROFILE, TUESDAY)
    assert plan.people == {
        "1": UserAccess(zones=((1, ALWAYS_GROUP),)),
        "7": UserAccess(zones=((1, 2),)),
    }
    groups = plan.tables["TimeGroups"]
    assert groups[0] == {"Num": 1} | {f"Week{day}": "00:00-23:59" for day in range(1, 8)}
    assert groups[1] == {
        "Num": 2,
        "Week1": "",
        "Week2": "09:00-11:59",
        **{f"Week{day}": "" for day in range(3, 8)},
    }
    assert plan.tables["Holidays"] == []
    assert plan.shortfalls == frozenset()


def test_holidays_keep_people_out() -> None:
    """A holiday is numbered; only the people it keeps out name it; hours on it are not held."""
    closed = with_holidays(CLEANER, HOLIDAY)
    late = with_holidays(CLEANER, HOLIDAY, hours_on=hours((10, 11)))
    wide = with_holidays(CLEANER, HOLIDAY, hours_on=hours((8, 13)))
    plan = compile_access(
        [person("7", ({1}, closed)), person("8", ({1}, late)), person("9", ({1}, wide))],
        PROFILE,
        TUESDAY,
    )
    assert plan.tables["Holidays"] == [{"Num": 1, "Date": "2025-01-21"}]
    assert plan.people["7"].holidays == (1,)
    assert plan.people["8"].holidays == (1,)  # 10-11 cannot be held: closed that day
    assert plan.people["9"].holidays == ()  # the Tuesday's 9-12 is within 8-13: narrower
    assert ShortfallNote(Shortfall.HOLIDAY_HOURS, 1, 0) in plan.shortfalls


def test_one_interval_a_day_and_the_group_capacity() -> None:
    """Two intervals keep the longer; past the terminal's groups, people are left out."""
    split = weekly(mon=hours((8, 10), (13, 18)))
    plan = compile_access(
        [person("1", ({1}, split)), person("2", ({1}, CLEANER))], profile_of(2), TUESDAY
    )
    assert set(plan.people) == {"1"}
    assert plan.tables["TimeGroups"][1]["Week1"] == "13:00-17:59"
    assert {note.kind for note in plan.shortfalls} == {Shortfall.INTERVALS, Shortfall.TIME_ZONES}
    assert profile_of(None) is PROFILE
    assert profile_of(0) is PROFILE


def test_person_fields() -> None:
    """Group, holidays, openings left and a QR code travel with the person."""
    access = UserAccess(zones=((1, 2),), holidays=(1, 3), uses=3)
    document = people_json(User(user_id="7", access=access, qr_code="pass-7"), NOW)
    assert document["Timegroup"] == 2
    assert document["Holidays"] == "1,3"
    assert document["OpenTimes"] == 3
    assert document["QRCode"] == "pass-7"
    plain = people_json(User(user_id="7"), NOW)
    assert (plain["Timegroup"], plain["OpenTimes"]) == (1, 65535)
    assert "Holidays" not in plain
    assert "QRCode" not in plain
    barred = people_json(User(user_id="7", enabled=False, access=access), NOW)
    assert barred["OpenTimes"] == 0
    with pytest.raises(InvalidRequestError, match="QR codes"):
        people_json(User(user_id="7", qr_code="x" * 128), NOW)


async def test_terminal_sends_the_settings_at_the_next_fetch() -> None:
    """The keep-alive asks the device to fetch its settings; the write ends when it does."""
    terminal, _ = make_terminal()
    before = terminal.access_profile
    assert before is None
    await send(
        terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS | {"FunctionList": {"TimeGroup": 8}}
    )
    profile = terminal.access_profile
    assert profile is not None
    assert profile.time_zones == 8
    plan = terminal.compile_access([person("7", ({1}, CLEANER))], TUESDAY)
    task = start(terminal.set_access_tables(plan.tables))
    await settle()
    assert (await keepalive(terminal)).get("SyncParameter") == 1
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    assert reply.payload["TimeGroups"] == plan.tables["TimeGroups"]
    assert reply.payload["Holidays"] == []
    await task
    assert "SyncParameter" not in await keepalive(terminal)


async def test_settings_not_fetched_stay_queued() -> None:
    """A device that does not call in time fails the write; the settings still go out."""
    terminal, _ = make_terminal(command_timeout=SHORT)
    with pytest.raises(CommandTimeoutError) as info:
        await terminal.set_access_tables({"TimeGroups": [], "Holidays": []})
    assert info.value.still_queued
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    assert reply.payload["TimeGroups"] == []
    task = start(terminal.set_access_tables({"TimeGroups": [], "Holidays": []}))
    await settle()
    terminal.close()
    with pytest.raises(TerminalClosedError):
        await task


# -- door schedules: TimingOpen ---------------------------------------------------------------

SHOP_HOURS = weekly(**dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), hours((9, 18))))


def test_door_schedule_becomes_timing_open() -> None:
    """The shop door is normally open 9 to 18 on weekdays, kept by the terminal."""
    assert PROFILE.free_open
    plan = compile_access([always("1")], PROFILE, TUESDAY, DoorSchedules({1: SHOP_HOURS}))
    assert plan.tables["TimingOpen"] == 1
    assert plan.tables["TimingOpen_mode"] == 1
    assert plan.tables["TimingOpen_timegroup"] == {
        **{f"Week{day}": "09:00-17:59" for day in range(1, 6)},
        "Week6": "",
        "Week7": "",
    }
    assert plan.shortfalls == frozenset()


def test_no_schedule_for_the_door_turns_timing_open_off() -> None:
    plan = compile_access([always("1")], PROFILE, TUESDAY, DoorSchedules())
    assert plan.tables["TimingOpen"] == 0
    assert "TimingOpen_timegroup" not in plan.tables
    # Without door schedules at all, the terminal's own TimingOpen is left alone.
    assert "TimingOpen" not in compile_access([always("1")], PROFILE, TUESDAY).tables


def test_door_schedule_holidays_and_second_intervals() -> None:
    """No holidays in TimingOpen: the coming one is folded into its weekday; one interval a day."""
    split = weekly(mon=hours((8, 12), (13, 19)), tue=hours((9, 18)), wed=hours((9, 18)))
    tomorrow = TUESDAY + timedelta(days=1)
    plan = compile_access([], PROFILE, TUESDAY, DoorSchedules({1: with_holidays(split, tomorrow)}))
    week = plan.tables["TimingOpen_timegroup"]
    assert week["Week1"] == "13:00-18:59"  # the longer of the two
    assert week["Week2"] == "09:00-17:59"
    assert week["Week3"] == ""  # tomorrow is a holiday: the door stays shut this Wednesday
    assert {note.kind for note in plan.shortfalls} == {Shortfall.INTERVALS, Shortfall.NO_HOLIDAYS}


async def test_terminal_sends_the_door_schedule_with_the_time_groups() -> None:
    terminal, _ = make_terminal()
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)
    plan = terminal.compile_access([always("1")], TUESDAY, doors=DoorSchedules({1: SHOP_HOURS}))
    task = start(terminal.set_access_tables(plan.tables))
    await settle()
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    await task
    assert reply.payload["TimingOpen"] == 1
    assert reply.payload["TimingOpen_timegroup"]["Week2"] == "09:00-17:59"
    assert terminal.diagnostics()["settings"]["TimingOpen"] == 1  # what it holds now
