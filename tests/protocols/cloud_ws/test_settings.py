"""Cloud WebSocket settings against the simulator's tables: read, written alone, zones kept."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from custom_components.access_terminal.protocols.cloud_ws import CloudWsTerminal
from custom_components.access_terminal.protocols.errors import DeviceError
from custom_components.access_terminal.protocols.model import Operation
from custom_components.access_terminal.protocols.settings import Setting, SettingAddress
from simulator.access_rules import AiFaceZones
from simulator.cloud_ws_device import DeviceTables
from simulator.common import make_rng

from ..access_helpers import TUESDAY, always, everyone
from .helpers import REG, SERIAL, ZONE, FakeDevice, frame, make, settle

A = SettingAddress


def on_tables(device: FakeDevice) -> DeviceTables:
    """Let the simulator's tables answer every command the device gets."""
    tables = DeviceTables(SERIAL, make_rng(1))

    def answer(command: dict[str, Any]) -> dict[str, Any]:
        reply = tables.answer(command) or {}
        return {key: value for key, value in reply.items() if key not in ("ret", "sn")}

    for name in (
        "getdevinfo",
        "setdevinfo",
        "getdevlock",
        "setdevlock",
        "setholiday",
        "initsys",
        "opendoor",
        "gettime",
    ):
        device.scripts[name] = answer
    return tables


async def registered() -> tuple[CloudWsTerminal, FakeDevice, DeviceTables]:
    terminal, _listener, device = make()
    tables = on_tables(device)
    await frame(terminal, **REG)
    await settle(terminal)
    return terminal, device, tables


async def test_settings_are_read_after_the_registration_and_catch_up() -> None:
    terminal, _listener, device = make()
    tables = on_tables(device)
    reading = asyncio.create_task(terminal.read_settings())
    await asyncio.sleep(0.01)
    assert not reading.done()  # the terminal takes no command before it registered
    await frame(terminal, **REG)
    await settle(terminal)
    await asyncio.wait_for(reading, 5)
    assert device.commands()[-5:] == [
        "getdevcap",
        "getnewlog",
        "getdevinfo",
        "getdevlock",
        "gettime",
    ]
    values = terminal.setting_values
    assert values[A(Setting.UNLOCK_TIME, 1)] == tables.access.get("opendelay") == 5
    assert values[A(Setting.VOLUME)] == 60
    assert values[A(Setting.FINGERPRINTS_PER_USER)] == 3
    assert values[A(Setting.WIEGAND_OUTPUT_CONTENT)] == "user_id"
    assert set(terminal.settings) >= {Setting.UNLOCK_TIME, Setting.TAMPER_ALARM}


async def test_a_setting_is_written_alone_and_the_directory_zones_stay() -> None:
    terminal, device, tables = await registered()
    plan = terminal.compile_access([*everyone(), always("10")], TUESDAY)
    await terminal.set_access_tables(plan.tables)
    zones = (list(tables.zones.day_zones), list(tables.zones.week_zones))
    assert len(zones[0]) > 1  # the directory's hours are there

    await terminal.write_setting(A(Setting.UNLOCK_TIME, 1), 2)
    await terminal.write_setting(A(Setting.VOLUME), 80)
    assert device.sent[-2:] == [
        {"cmd": "setdevlock", "opendelay": 2},
        {"cmd": "setdevinfo", "volume": 8},
    ]
    assert (tables.zones.day_zones, tables.zones.week_zones) == zones
    assert terminal.setting_values[A(Setting.UNLOCK_TIME, 1)] == 2
    # The terminal applies it: a door it opens is released for 2 seconds.
    await terminal.command("opendoor", doornum=1)
    assert tables.releases == [(1, 2)]

    # And the directory writing its zones again keeps the settings.
    await terminal.set_access_tables(plan.tables)
    assert (tables.access.get("opendelay"), tables.settings.get("volume")) == (2, 8)
    await terminal.read_settings()
    assert terminal.setting_values[A(Setting.UNLOCK_TIME, 1)] == 2
    read_back = await terminal.get_access_settings()
    assert read_back["dayzone"] == AiFaceZones(*zones).documents()["dayzone"]


async def test_a_refused_write_changes_nothing() -> None:
    terminal, _device, tables = await registered()
    await terminal.read_settings()
    tables.access.values["opendelay"] = 7
    # A terminal that refuses: the value shown stays what was read.
    terminal_values = dict(terminal.setting_values)
    original = tables.answer

    def refuse(command: dict[str, Any]) -> dict[str, Any] | None:
        if command.get("cmd") == "setdevinfo":
            return {"ret": "setdevinfo", "sn": SERIAL, "result": False, "reason": 1}
        return original(command)

    tables.answer = refuse  # type: ignore[method-assign]
    with pytest.raises(DeviceError):
        await terminal.write_setting(A(Setting.VOLUME), 100)
    assert terminal.setting_values == terminal_values
    assert tables.settings.get("volume") == 6


async def test_the_simulator_refuses_parameters_that_are_none() -> None:
    terminal, _device, tables = await registered()
    for fields in ({"opendelay": "long"}, {"opendelay": -1}, {"volume": 11}):
        name = "setdevlock" if "opendelay" in fields else "setdevinfo"
        with pytest.raises(DeviceError):
            await terminal.command(name, **fields)
    assert (tables.access.get("opendelay"), tables.settings.get("volume")) == (5, 6)


async def test_factory_reset_initialises_the_terminal() -> None:
    terminal, device, tables = await registered()
    tables.add_demo_users(2)
    assert terminal.supports(Operation.FACTORY_RESET)
    await terminal.factory_reset()
    assert device.sent[-1] == {"cmd": "initsys"}
    assert (tables.users, tables.initializations) == ({}, 1)


async def test_the_clock_is_read_with_the_settings() -> None:
    terminal, _device, tables = await registered()
    ahead = datetime.now(ZONE) + timedelta(minutes=5)
    tables.set_time(ahead.strftime("%Y-%m-%d %H:%M:%S"))
    await terminal.read_settings()
    assert terminal.clock_offset is not None
    assert 295 <= terminal.clock_offset <= 305
