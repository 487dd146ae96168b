"""The walkthrough, end to end on every family: the terminals enforce, Home Assistant or not.

A cleaner may use the back door on Tuesdays 09:00-12:00 but not on a holiday; someone is
disabled; a visitor pass expires at 11:00. The simulators decide from what Home Assistant wrote
into them, so the outcomes below are the terminals' own, and stay the same once Home Assistant
is stopped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from simulator import access_rules as outcome
from simulator.cloud_ws import CloudWsSimulator
from simulator.control_api import ControlApiSimulator
from simulator.httpv2 import HttpV2Simulator
from simulator.httpv2_access import (
    RECORD_EXPIRED,
    RECORD_FACE,
    RECORD_HOLIDAY,
    RECORD_NO_OPENINGS,
    RECORD_OUTSIDE_TIME_GROUP,
    RECORD_UNREGISTERED,
)
from simulator.webjson import WebJsonSimulator
from simulator.zk_push import ZkPushSimulator
from simulator.zk_push_access import (
    EVENT_EXPIRED,
    EVENT_NO_RIGHT,
    EVENT_NOT_REGISTERED,
    EVENT_OPENED,
    EVENT_OUTSIDE_TIME_ZONE,
    EVENT_PROHIBITED,
)

from ..helpers import bus_events, device_id, entity_id, poll, registered_entity_id
from ..terminals import ALL_FAMILIES, Simulator, TerminalKit
from .conftest import Converge
from .helpers import HOLIDAY, TUESDAY, act, at

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")

_ZK = {
    EVENT_OPENED: outcome.GRANTED,
    EVENT_OUTSIDE_TIME_ZONE: outcome.TIME_ZONE,
    EVENT_NO_RIGHT: outcome.DOOR_RIGHTS,
    EVENT_EXPIRED: outcome.EXPIRED,
    EVENT_PROHIBITED: outcome.DISABLED,
    EVENT_NOT_REGISTERED: outcome.UNREGISTERED,
}
_HTTPV2 = {
    RECORD_FACE: outcome.GRANTED,
    RECORD_OUTSIDE_TIME_GROUP: outcome.TIME_ZONE,
    RECORD_HOLIDAY: outcome.HOLIDAY,
    RECORD_EXPIRED: outcome.EXPIRED,
    RECORD_NO_OPENINGS: outcome.USED_UP,
    RECORD_UNREGISTERED: outcome.UNREGISTERED,
}


async def present(sim: Simulator, person: str, door: int, moment: str) -> str:
    """Let a person identify at a door at `moment` (the terminal's clock); return its decision."""
    sim.set_clock(datetime.fromisoformat(moment))
    if isinstance(sim, ZkPushSimulator):
        return _ZK[sim.verify(person, door)]
    if isinstance(sim, HttpV2Simulator):
        return _HTTPV2[sim.verify(int(person))]
    if isinstance(sim, CloudWsSimulator):
        return await sim.verify(int(person), door=door)
    if isinstance(sim, WebJsonSimulator | ControlApiSimulator):
        return sim.verify(person)
    raise AssertionError(sim)


def local_time_is_utc(sim: Simulator) -> None:
    """Put the terminal in Home Assistant's time zone, UTC (as the sync_time action would)."""
    if isinstance(sim, HttpV2Simulator):
        sim.settings["TimeZone"] = 0


async def report(hass: HomeAssistant, sim: Simulator) -> None:
    """Let the terminal report what happened (the next call, or the next poll)."""
    if isinstance(sim, HttpV2Simulator):
        await sim.keepalive_cycle()
    elif isinstance(sim, ZkPushSimulator):
        await sim.cycle()
    elif isinstance(sim, WebJsonSimulator | ControlApiSimulator):
        await poll(hass)
    await hass.async_block_till_done()


async def walkthrough(
    hass: HomeAssistant, kit: TerminalKit[Any], entry: MockConfigEntry, *, visitor: bool = True
) -> int:
    """Give the cleaner Tuesday mornings at the back door; someone disabled; a pass (visitor).

    Returns the back door (door 2 of a two-door controller, else the terminal's door).
    """
    terminal = device_id(hass, kit.serial)
    doors = entry.runtime_data.coordinator.data.door_numbers or [1]
    back = int(doors[-1])
    await act(
        hass,
        "set_access_level",
        name="Back door mornings",
        doors=[{"device_id": terminal, "door": back}],
        schedule="schedule.cleaner",
        holiday_dates=[HOLIDAY.isoformat()],
    )
    await act(
        hass,
        "set_access_level",
        name="Everywhere",
        doors=[{"device_id": terminal, "door": door} for door in doors],
    )
    await act(
        hass, "set_person", person_id="7", name="Cleaner", access_levels=["Back door mornings"]
    )
    await act(
        hass, "set_person", person_id="8", name="Gone", enabled=False, access_levels=["Everywhere"]
    )
    if visitor:
        created = await act(
            hass,
            "create_pass",
            name="Visitor",
            access_levels=["Everywhere"],
            valid_until=at(TUESDAY, 11),
            person_id="9",
        )
        assert created["person_id"] == "9"
    return back


async def stop_home_assistant(hass: HomeAssistant) -> None:
    """Unload every entry: nothing of Home Assistant decides any more."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
async def test_the_terminal_enforces_the_directory(
    hass: HomeAssistant,
    kit: TerminalKit[Any],
    simulator: Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Tuesday 10:00 in, 13:00 out, other doors out; disabled and expired out; HA stopped too."""
    events = bus_events(hass)
    local_time_is_utc(simulator)
    back = await walkthrough(hass, kit, init_integration)
    await converge((init_integration, simulator))
    sensor = hass.states.get(registered_entity_id(hass, "sensor", kit.serial, "access_sync"))
    assert sensor is not None
    assert sensor.state == "in_sync"
    assert sensor.attributes["pending"] == 0

    async def decisions() -> dict[str, str]:
        found = {
            "10:00": await present(simulator, "7", back, at(TUESDAY, 10)),
            "13:00": await present(simulator, "7", back, at(TUESDAY, 13)),
            "disabled": await present(simulator, "8", 1, at(TUESDAY, 10)),
            "pass at 10:00": await present(simulator, "9", 1, at(TUESDAY, 10)),
            "pass at 13:00": await present(simulator, "9", 1, at(TUESDAY, 13)),
        }
        if back != 1:
            found["front door"] = await present(simulator, "7", 1, at(TUESDAY, 10))
        return found

    running = await decisions()
    assert running["10:00"] == outcome.GRANTED
    assert running["13:00"] == outcome.TIME_ZONE
    assert running["disabled"] != outcome.GRANTED
    assert running["pass at 10:00"] == outcome.GRANTED
    assert running["pass at 13:00"] == outcome.EXPIRED
    if back != 1:
        assert running["front door"] == outcome.DOOR_RIGHTS

    # What the terminal reports names the directory person.
    await report(hass, simulator)
    cleaner = [e.data for e in events if e.data["type"] == "access_granted"]
    assert [(data["user_id"], data["person_id"], data["user_name"]) for data in cleaner] == [
        ("7", "7", "Cleaner"),
        ("9", "9", "Visitor"),
    ]

    await stop_home_assistant(hass)
    assert await decisions() == running


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
async def test_holidays_are_enforced_by_the_terminal(
    hass: HomeAssistant,
    tuesday: FrozenDateTimeFactory,
    kit: TerminalKit[Any],
    simulator: Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """The holiday Tuesday is refused, by the terminal itself once Home Assistant is stopped.

    (Terminals without holidays close the holiday's weekday in the week before it: Home
    Assistant's day here is the Monday before.)
    """
    tuesday.move_to(at(HOLIDAY - timedelta(days=1), 12))
    local_time_is_utc(simulator)
    back = await walkthrough(hass, kit, init_integration, visitor=False)
    await converge((init_integration, simulator))
    refused = await present(simulator, "7", back, at(HOLIDAY, 10))
    assert refused in (outcome.HOLIDAY, outcome.TIME_ZONE)
    await stop_home_assistant(hass)
    assert await present(simulator, "7", back, at(HOLIDAY, 10)) == refused


@pytest.mark.parametrize("family", [Family.ZK_PUSH, Family.HTTPV2], indirect=True)
async def test_refusals_reach_home_assistant_with_their_reason(
    hass: HomeAssistant,
    tuesday: FrozenDateTimeFactory,
    kit: TerminalKit[Any],
    simulator: Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Terminals that record refusals say why: time zone, door rights, holiday; and who.

    Each refusal is reported as it happens (Home Assistant's clock at the terminal's): a record
    reported hours late is a catch-up record, which names nobody on the event entity, and one
    dated days ahead of Home Assistant's clock is not read at all.
    """
    events = bus_events(hass)
    local_time_is_utc(simulator)
    back = await walkthrough(hass, kit, init_integration)
    await converge((init_integration, simulator))

    async def refused(door: int, moment: str) -> None:
        tuesday.move_to(moment)
        await present(simulator, "7", door, moment)
        await report(hass, simulator)

    await refused(back, at(TUESDAY, 13))
    await refused(back, at(HOLIDAY, 10))
    if back != 1:
        await refused(1, at(HOLIDAY + timedelta(days=7), 10))
    denied = [e.data for e in events if e.data["type"] == "access_denied"]
    assert [data["person_id"] for data in denied] == ["7"] * len(denied)
    reasons = [data["reason"] for data in denied]
    expected = ["time_zone", "holiday" if kit.family is Family.HTTPV2 else "time_zone"]
    if back != 1:
        expected.append("door_rights")
    assert reasons == expected
    state = hass.states.get(entity_id("event", kit.serial, "access"))
    assert state is not None
    assert state.attributes["person_id"] == "7"
