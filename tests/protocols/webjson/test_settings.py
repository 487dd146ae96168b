"""Webserver + JSON settings against the simulator: read, written alone, zones kept, applied."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.access_terminal.protocols.errors import DeviceError
from custom_components.access_terminal.protocols.model import Operation
from custom_components.access_terminal.protocols.settings import Setting, SettingAddress
from custom_components.access_terminal.protocols.webjson import WebJsonTerminal
from simulator.webjson import WebJsonSimulator

from ..access_helpers import TUESDAY, always, everyone
from ..pull_helpers import running

pytestmark = pytest.mark.usefixtures("socket_enabled")

A = SettingAddress


@pytest.fixture
async def sim() -> AsyncIterator[WebJsonSimulator]:
    async with running(WebJsonSimulator(seed=3)) as simulator:
        simulator.add_demo_users(2)
        yield simulator


async def test_settings_are_read_whatever_their_spelling(
    sim: WebJsonSimulator, terminal: WebJsonTerminal
) -> None:
    await terminal.read_settings()
    values = terminal.setting_values
    assert "VOLUME" in sim.devinfo.values  # this document spells them in capitals
    assert values[A(Setting.VOLUME)] == 60
    assert values[A(Setting.UNLOCK_TIME, 1)] == 8
    assert values[A(Setting.DOOR_SENSOR_TYPE, 1)] == "none"
    assert values[A(Setting.REVERIFY_INTERVAL)] == 0
    await terminal.write_setting(A(Setting.VOLUME), 30)
    assert sim.devinfo.values["VOLUME"] == 3
    assert terminal.setting_values[A(Setting.VOLUME)] == 30


async def test_a_setting_is_written_alone_and_the_directory_zones_stay(
    sim: WebJsonSimulator, terminal: WebJsonTerminal
) -> None:
    plan = terminal.compile_access([*everyone(), always("1")], TUESDAY)
    await terminal.set_access_tables(plan.tables)
    zones = (list(sim.zones.day_zones), list(sim.zones.week_zones))
    assert len(zones[0]) > 1

    await terminal.read_settings()
    await terminal.write_setting(A(Setting.UNLOCK_TIME, 1), 1)
    await terminal.write_setting(A(Setting.TAMPER_ALARM), True)
    assert (sim.zones.day_zones, sim.zones.week_zones) == zones
    assert (sim.devlock.get("opendelay"), sim.devlock.get("tamper")) == (1, 1)

    await terminal.set_access_tables(plan.tables)
    assert (sim.devlock.get("opendelay"), sim.devlock.get("tamper")) == (1, 1)


async def test_the_unlock_time_is_how_long_the_door_opens(
    sim: WebJsonSimulator, terminal: WebJsonTerminal
) -> None:
    await terminal.write_setting(A(Setting.UNLOCK_TIME, 1), 1)
    await terminal.client.call("opendoor", {"msg": "test"})
    assert (await terminal.client.call("getdoorstatus"))["status"] == 1
    await asyncio.sleep(1.2)
    assert (await terminal.client.call("getdoorstatus"))["status"] == 0


async def test_a_refused_write_keeps_the_value_read(
    sim: WebJsonSimulator, terminal: WebJsonTerminal
) -> None:
    await terminal.read_settings()
    sim.refusals["setdevlock"] = [1]
    with pytest.raises(DeviceError):
        await terminal.write_setting(A(Setting.UNLOCK_TIME, 1), 3)
    assert terminal.setting_values[A(Setting.UNLOCK_TIME, 1)] == 8
    assert sim.devlock.get("opendelay") == 8
    with pytest.raises(DeviceError):  # the simulator refuses what is no value, as a device
        await terminal.client.call("setdevinfo", {"VOLUME": 11})
    assert sim.devinfo.get("volume") == 6


async def test_factory_reset_initialises_the_terminal(
    sim: WebJsonSimulator, terminal: WebJsonTerminal
) -> None:
    assert terminal.supports(Operation.FACTORY_RESET)
    await terminal.write_setting(A(Setting.VOLUME), 100)
    await terminal.factory_reset()
    assert (sim.users, sim.initializations) == ({}, 1)
    # The settings it restored are shown as they now are.
    assert terminal.setting_values[A(Setting.VOLUME)] == 60


async def test_the_clock_is_read_with_the_settings(terminal: WebJsonTerminal) -> None:
    await terminal.set_time(datetime.now(UTC) - timedelta(minutes=2))
    await terminal.read_settings()
    assert terminal.clock_offset is not None
    assert -125 <= terminal.clock_offset <= -115
