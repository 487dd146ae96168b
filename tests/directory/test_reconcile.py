"""Terminals converge: schedule edits, terminals back online, drift, restarts, uses, templates."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, cast

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Credential, Family
from custom_components.access_terminal.state import FAILED, IN_SYNC, PENDING
from simulator import access_rules as outcome
from simulator.control_api import ControlApiSimulator
from simulator.httpv2 import HttpV2Simulator
from simulator.webjson import WebJsonSimulator

from ..helpers import bus_events, device_id, poll, registered_entity_id
from ..terminals import AddTerminal, TerminalKit
from .conftest import Converge
from .helpers import (
    CLEANER_SCHEDULE,
    SCHEDULES,
    TUESDAY,
    act,
    at,
    directory_entry,
    edit_schedules,
    sync_of,
)

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")


async def give_cleaner_mornings(hass: HomeAssistant, serial: str, **person: Any) -> None:
    """Level "Mornings" (schedule.cleaner) on the terminal's door 1, and person 7 with it."""
    await act(
        hass,
        "set_access_level",
        name="Mornings",
        doors=[{"device_id": device_id(hass, serial)}],
        schedule="schedule.cleaner",
    )
    await act(
        hass, "set_person", person_id="7", name="Cleaner", access_levels=["Mornings"], **person
    )


@pytest.fixture
async def cleaner(
    hass: HomeAssistant,
    tuesday: FrozenDateTimeFactory,
    schedules: None,
    simulator: Any,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """The cleaner has Tuesday mornings at the terminal, which holds them."""
    await give_cleaner_mornings(hass, simulator.serial)
    await converge((init_integration, simulator))


async def away(hass: HomeAssistant, simulator: WebJsonSimulator) -> None:
    """Take the terminal off the network until Home Assistant notices."""
    await simulator.go_away()
    await poll(hass)


def verify(sim: WebJsonSimulator | ControlApiSimulator, person: str, moment: str) -> str:
    sim.set_clock(dt_util.parse_datetime(moment) or dt_util.utcnow())
    return sim.verify(person)


@pytest.mark.usefixtures("cleaner")
@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_editing_the_schedule_changes_the_terminal(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """The cleaner's hours move to the afternoon: the terminal follows, nothing else done."""
    assert verify(simulator, "7", at(TUESDAY, 10)) == outcome.GRANTED
    afternoons = {**CLEANER_SCHEDULE, "tuesday": [{"from": "13:00:00", "to": "16:00:00"}]}
    await edit_schedules(hass, {**SCHEDULES, "cleaner": afternoons})
    await converge((init_integration, simulator))
    assert verify(simulator, "7", at(TUESDAY, 10)) == outcome.TIME_ZONE
    assert verify(simulator, "7", at(TUESDAY, 14)) == outcome.GRANTED

    # An edit that leaves the state alone is found by the periodic reading.
    evenings = {**CLEANER_SCHEDULE, "tuesday": [{"from": "13:00:00", "to": "17:00:00"}]}
    await edit_schedules(hass, {**SCHEDULES, "cleaner": evenings})
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await converge((init_integration, simulator))
    assert verify(simulator, "7", at(TUESDAY, 16, 30)) == outcome.GRANTED


@pytest.mark.usefixtures("cleaner")
@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_a_terminal_offline_converges_when_it_returns(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Changed while the terminal is away: pending (the sensor says so), sent on its return."""
    await away(hass, simulator)
    assert not init_integration.runtime_data.coordinator.online
    await act(hass, "set_person", person_id="7", enabled=False)
    await hass.async_block_till_done()
    sync = sync_of(init_integration)
    assert sync is not None
    assert (sync.state, sync.pending, sync.reason) == (PENDING, 1, "the terminal is offline")
    sensor = hass.states.get(
        registered_entity_id(hass, "sensor", init_integration.data["serial"], "access_sync")
    )
    assert sensor is not None
    assert (sensor.state, sensor.attributes["pending"]) == ("pending", 1)
    assert simulator.users["7"].enabled  # nothing reached it

    await simulator.come_back()
    await poll(hass)
    await converge((init_integration, simulator))
    assert not simulator.users["7"].enabled


@pytest.mark.usefixtures("cleaner")
@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_read_back_repairs_a_user_deleted_at_the_terminal(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Someone deletes the cleaner in the terminal's menu: the daily read-back puts them back."""
    del simulator.users["7"]
    assert verify(simulator, "7", at(TUESDAY, 10)) == outcome.UNREGISTERED
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=24, minutes=1))
    await converge((init_integration, simulator))
    assert verify(simulator, "7", at(TUESDAY, 10)) == outcome.GRANTED


@pytest.mark.usefixtures("cleaner")
@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_pending_work_survives_a_restart(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """A change made while the terminal is away is sent after Home Assistant restarts."""
    await away(hass, simulator)
    await act(hass, "delete_person", person_id="7")
    for entry in (directory, init_integration):
        assert await hass.config_entries.async_unload(entry.entry_id)
    await simulator.come_back()
    for entry in (init_integration, directory):
        assert await hass.config_entries.async_setup(entry.entry_id)
    await converge((init_integration, simulator))
    assert "7" not in simulator.users


@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_a_terminal_that_fails_says_why_and_becomes_a_repair(
    hass: HomeAssistant,
    tuesday: FrozenDateTimeFactory,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
) -> None:
    """A terminal that never picks its work up: failed with the reason; later a repair issue."""
    init_integration.runtime_data.coordinator.terminal.command_timeout = 0.05
    entry = directory_entry()  # (set up after the timeout: its first run sends the tables)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    directory = cast("DirectoryConfigEntry", entry)
    await give_cleaner_mornings(hass, simulator.serial)
    for _ in range(200):  # (the terminal's own long poll is a background task: not awaited)
        await hass.async_block_till_done()
        if (sync_of(init_integration) or _NONE).state == FAILED:
            break
        await asyncio.sleep(0.02)
    sync = sync_of(init_integration)
    assert sync is not None
    assert sync.reason is not None
    assert "did not" in sync.reason or "waits" in sync.reason
    registry = ir.async_get(hass)
    issue = f"out_of_sync_{simulator.serial}"
    assert registry.async_get_issue(DOMAIN, issue) is None
    tuesday.tick(timedelta(minutes=61))  # the clock, and the minute's check that reads it
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1))
    await hass.async_block_till_done()
    found = registry.async_get_issue(DOMAIN, issue)
    assert found is not None
    assert found.translation_placeholders is not None
    assert found.translation_placeholders["serial"] == simulator.serial

    # It calls in again and takes everything: in sync, and the issue is gone.
    init_integration.runtime_data.coordinator.terminal.command_timeout = 30
    directory.runtime_data.reconciler.request_all()
    for _ in range(20):
        await simulator.keepalive_cycle()
        await hass.async_block_till_done()
        if (sync_of(init_integration) or _NONE).state == IN_SYNC:
            break
    assert (sync_of(init_integration) or _NONE).state == IN_SYNC
    assert registry.async_get_issue(DOMAIN, issue) is None


class _NoSync:
    state = None


_NONE: Any = _NoSync()


@pytest.mark.usefixtures("cleaner")
@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_online_authorization_asks_the_directory(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """A terminal asking before it opens is answered from the directory, at this moment."""
    events = bus_events(hass)
    answer = await simulator.request_authorization(3, 7)
    assert answer is not None
    assert answer["Success"] == 2  # Tuesday 10:00: yes
    await act(hass, "set_person", person_id="7", enabled=False)
    answer = await simulator.request_authorization(3, 7)
    assert answer is not None
    assert answer["Success"] == 0
    assert "disabled" in answer["Message"]
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["person_id"]) for e in events] == [
        ("access_granted", "7"),
        ("access_denied", "7"),
    ]


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_uses_counted_by_home_assistant(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """A terminal that cannot count: Home Assistant counts the passages and removes the pass."""
    await act(
        hass,
        "set_access_level",
        name="Front",
        doors=[{"device_id": device_id(hass, simulator.serial)}],
    )
    created = await act(
        hass,
        "create_pass",
        name="Plumber",
        access_levels=["Front"],
        valid_until=at(TUESDAY + timedelta(days=1), 18),
        max_uses=2,
        credential="card",
    )
    card = created["credential"]["value"]
    assert created["credential"]["type"] == "card"
    await converge((init_integration, simulator))
    pass_id = created["person_id"]
    assert str(simulator.users[pass_id].card) == card
    registry = ir.async_get(hass)
    assert registry.async_get_issue(DOMAIN, f"cannot_hold_use_counts_{simulator.serial}")
    for minute in (0, 1):  # (records of the same second are one record)
        assert verify(simulator, pass_id, at(TUESDAY, 10, minute)) == outcome.GRANTED
    await poll(hass)
    await converge((init_integration, simulator))
    assert pass_id not in simulator.users
    response = await act(hass, "get_directory")
    assert response["passes"][0]["uses"] == 2


@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_uses_counted_by_the_terminal(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """A terminal that counts is given the uses left and refuses the third passage itself."""
    simulator.settings["TimeZone"] = 0
    await act(
        hass,
        "set_access_level",
        name="Front",
        doors=[{"device_id": device_id(hass, simulator.serial)}],
    )
    created = await act(
        hass,
        "create_pass",
        name="Plumber",
        access_levels=["Front"],
        valid_until=at(TUESDAY, 18),
        max_uses=2,
        credential="qr",
    )
    await converge((init_integration, simulator))
    person = simulator.users[int(created["person_id"])]
    assert person["QRCode"] == created["credential"]["value"]
    assert person["OpenTimes"] == 2
    records = [simulator.verify(int(created["person_id"])) for _ in range(3)]
    assert records == [3, 3, 21]  # face, face, openings used up


@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_templates_enrolled_at_one_terminal_reach_the_others(
    hass: HomeAssistant,
    kit: TerminalKit[Any],
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
    add_terminal: AddTerminal,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """A face enrolled at the front terminal is written to the back one (same family)."""
    other, other_sim = await add_terminal(Family.HTTPV2, "FC-8200H00000002")
    await act(
        hass,
        "set_access_level",
        name="Both",
        doors=[
            {"device_id": device_id(hass, simulator.serial)},
            {"device_id": device_id(hass, other_sim.serial)},
        ],
    )
    await act(hass, "set_person", person_id="7", name="Cleaner", access_levels=["Both"])
    await converge((init_integration, simulator), (other, other_sim))
    assert "FaceFeature" not in other_sim.users[7]
    coordinator = init_integration.runtime_data.coordinator
    task = hass.async_create_task(coordinator.async_enroll("7", Credential.FACE, None))
    for _ in range(10):
        await simulator.keepalive_cycle()
        await hass.async_block_till_done()
        if task.done():
            break
    await task
    face = simulator.users[7]["FaceFeature"]
    harvested = directory.runtime_data.directory.store.harvested
    for _ in range(200):  # the enrolled person is read back from the terminal as it polls
        await simulator.keepalive_cycle()
        await asyncio.sleep(0.02)
        if "7" in harvested:
            break
    assert "7" in harvested
    await converge((init_integration, simulator), (other, other_sim))
    assert other_sim.users[7]["FaceFeature"] == face


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_one_change_is_one_write_where_the_person_is(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    add_terminal: AddTerminal,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """One person renamed: written once to the terminal holding them, nothing to the other."""
    other, other_sim = await add_terminal(Family.CONTROL_API)
    front = [{"device_id": device_id(hass, simulator.serial)}]
    both = [*front, {"device_id": device_id(hass, other_sim.serial)}]
    await act(hass, "set_access_level", name="Front", doors=front, schedule="schedule.cleaner")
    await act(hass, "set_access_level", name="Both", doors=both)
    for person in range(1, 21):
        levels = ["Front"] if person == 7 else ["Both"]
        await act(
            hass, "set_person", person_id=str(person), name=f"P{person}", access_levels=levels
        )
    await converge((init_integration, simulator), (other, other_sim))
    sent: dict[str, list[Any]] = {}
    for entry in (init_integration, other):
        terminal = entry.runtime_data.coordinator.terminal
        calls = sent[terminal.serial] = []
        for name in ("set_users", "delete_users", "set_access_tables"):
            real = getattr(terminal, name)

            async def spy(
                *args: Any, _real: Any = real, _name: str = name, _calls: Any = calls, **kw: Any
            ) -> Any:
                _calls.append((_name, [getattr(u, "user_id", u) for u in args[0]]))
                return await _real(*args, **kw)

            setattr(terminal, name, spy)
    await act(hass, "set_person", person_id="7", name="Cleaner")
    await converge((init_integration, simulator), (other, other_sim))
    assert sent == {simulator.serial: [("set_users", ["7"])], other_sim.serial: []}
    assert simulator.users["7"].name == "Cleaner"


@pytest.mark.usefixtures("cleaner")
@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
async def test_read_back_repairs_day_zones_changed_at_the_terminal(
    hass: HomeAssistant,
    simulator: ControlApiSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Someone widens the cleaner's day zone at the terminal: the read-back narrows it again."""
    assert verify(simulator, "7", at(TUESDAY, 18)) == outcome.TIME_ZONE
    written = [list(zone) for zone in simulator.ac_zones]
    for zone in simulator.ac_zones[1:]:
        if zone and zone[0].get("start"):
            zone[0] = {"start": "00:00", "end": "23:59"}
    assert verify(simulator, "7", at(TUESDAY, 18)) == outcome.GRANTED
    sets = simulator.commands.count("SetAcTimeZone")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=24, minutes=1))
    await converge((init_integration, simulator))
    assert "GetAcTimeZone" in simulator.commands
    assert simulator.commands.count("SetAcTimeZone") == sets + 1
    assert simulator.ac_zones == written
    assert verify(simulator, "7", at(TUESDAY, 18)) == outcome.TIME_ZONE
    # Nothing changed since: the next read-back reads and leaves them.
    gets = simulator.commands.count("GetAcTimeZone")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=48, minutes=2))
    await converge((init_integration, simulator))
    assert simulator.commands.count("GetAcTimeZone") == gets + 1
    assert simulator.commands.count("SetAcTimeZone") == sets + 1
