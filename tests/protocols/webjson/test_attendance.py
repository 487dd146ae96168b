"""Disabling, attendance records added by hand and reports of a Webserver + JSON terminal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import aiohttp
import pytest

from custom_components.access_terminal.protocols.errors import DeviceError
from custom_components.access_terminal.protocols.model import (
    AttendanceEntry,
    AttendanceKind,
    Operation,
)
from simulator.access_rules import GRANTED
from simulator.webjson import DEVICE_DISABLED, WebJsonSimulator

from ..pull_helpers import running
from .test_terminal import make_terminal

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def sim() -> AsyncIterator[WebJsonSimulator]:
    async with running(WebJsonSimulator(seed=7)) as simulator:
        simulator.add_demo_users(2)
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_disabled_terminal_recognises_nobody_until_enabled(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    assert terminal.supports(Operation.DISABLE_TERMINAL)
    assert terminal.diagnostics()["enabled"] is None  # no command reads it
    await terminal.set_enabled(False)
    assert sim.commands[-1] == "disabledevice"
    assert terminal.enabled is False
    assert terminal.diagnostics()["enabled"] is False
    assert sim.verify("1") == DEVICE_DISABLED
    assert sim.rtlog == []
    await terminal.set_enabled(True)
    assert sim.commands[-1] == "enabledevice"
    assert sim.verify("1") == GRANTED


async def test_refused_disable_keeps_what_was_known(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    sim.refusals["disabledevice"] = [3]
    with pytest.raises(DeviceError, match="busy"):
        await terminal.set_enabled(False)
    assert terminal.enabled is None
    assert sim.enabled


async def test_records_added_in_the_terminals_local_time(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    """Sent as the document shows (`id`, `event`, local `time`); the log and report count them."""
    terminal, listener = make_terminal(sim, session)  # UTC+8
    await terminal.add_attendance(
        [
            AttendanceEntry(
                user_id="1",
                time=datetime(2025, 5, 17, 0, 30, tzinfo=UTC),
                kind=AttendanceKind.CLOCK_IN,
            ),
            AttendanceEntry(user_id="1", time=datetime(2025, 5, 17, 9, 45, tzinfo=UTC)),
            AttendanceEntry(
                user_id="2",
                time=datetime(2025, 5, 18, 1, 0, tzinfo=UTC),
                kind=AttendanceKind.CUSTOM_4,
            ),
        ]
    )
    assert [(r["enrollid"], r["time"], r["event"]) for r in sim.attendance] == [
        ("1", "2025-05-17 08:30:00", 1),
        ("1", "2025-05-17 17:45:00", 0),
        ("2", "2025-05-18 09:00:00", 8),
    ]
    assert sim.rtlog == []  # the log's, not real-time records
    assert listener.received == []
    report = await terminal.attendance_report("1", date(2025, 5, 1), date(2025, 5, 31))
    assert report == {
        "enrollid": "1",
        "record": [
            {"date": "2025-05-17", "first": "08:30:00", "last": "17:45:00", "count": 2},
        ],
    }
    assert sim.commands[-1] == "getreport"


async def test_a_record_the_terminal_refuses_adds_none(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    sim.refusals["setlogs"] = [1]
    entry = AttendanceEntry(user_id="1", time=datetime(2025, 5, 17, tzinfo=UTC))
    with pytest.raises(DeviceError, match="user not found or invalid parameter"):
        await terminal.add_attendance([entry])
    assert sim.attendance == []


async def test_report_of_an_unknown_person_is_refused(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    with pytest.raises(DeviceError) as caught:
        await terminal.attendance_report("404", date(2025, 5, 1), date(2025, 5, 2))
    assert caught.value.code == 1
