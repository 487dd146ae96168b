"""Door locks: open = momentary opening, unlock = hold open, lock = back to normal."""

from __future__ import annotations

import asyncio

from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.protocols.model import Family
from simulator.cloud_ws import CloudWsSimulator
from simulator.httpv2 import HttpV2Simulator
from simulator.webjson import WebJsonSimulator
from simulator.zk_push import ZkPushSimulator

from .families.httpv2.device import HttpV2Device
from .helpers import bus_events, device_id, entity_id, wait_until, with_device
from .terminals import ALL_FAMILIES, CLOUD_SERIAL, HTTPV2_SERIAL, WEBJSON_SERIAL, ZK_SERIAL

HTTPV2_LOCK = entity_id("lock", HTTPV2_SERIAL, "door_lock")
# Attendance terminals (a control API terminal) have no door: no lock.
WITHOUT_DOORS = [Family.CONTROL_API]
WITH_DOORS = [family for family in ALL_FAMILIES if family not in WITHOUT_DOORS]


@pytest.mark.parametrize("family", WITH_DOORS, indirect=True)
@pytest.mark.parametrize("platforms", [[Platform.LOCK]], ids=["lock"])
@pytest.mark.usefixtures("frozen_clock", "entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    terminal_in_use: MockConfigEntry,
) -> None:
    """Every lock of every family, after the terminal was used."""
    await snapshot_platform(hass, entity_registry, snapshot, terminal_in_use.entry_id)


@pytest.mark.parametrize("family", WITHOUT_DOORS, indirect=True)
@pytest.mark.parametrize("platforms", [[Platform.LOCK]], ids=["lock"])
async def test_no_lock_without_a_door(
    entity_registry: er.EntityRegistry, terminal_in_use: MockConfigEntry
) -> None:
    assert not er.async_entries_for_config_entry(entity_registry, terminal_in_use.entry_id)


async def test_lock_modes(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    await httpv2_device.keepalive(DoorSensorStatus=1, RelayStatus=1)
    await hass.async_block_till_done()
    assert hass.states.get(HTTPV2_LOCK).state == "open"
    await httpv2_device.keepalive(KeepOpenStatus=1, RelayStatus=1)
    await hass.async_block_till_done()
    assert hass.states.get(HTTPV2_LOCK).state == "unlocked"
    await httpv2_device.keepalive(LockDoorStatus=1)
    await hass.async_block_till_done()
    lock = hass.states.get(HTTPV2_LOCK)
    assert lock is not None
    assert (lock.state, lock.attributes["locked_out"]) == ("locked", True)


async def test_lock_modes_follow_the_records(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    """A schedule's record moves the lock at once, not at the next keep-alive."""
    await httpv2_device.keepalive(RelayStatus=0)
    await httpv2_device.system_records(2, 4)  # normally open by schedule
    await hass.async_block_till_done()
    lock = hass.states.get(HTTPV2_LOCK)
    assert (lock.state, lock.attributes["held_open"]) == ("unlocked", True)
    await httpv2_device.system_records(2, 5, 10, first_id=20)  # schedule ended, locked
    await hass.async_block_till_done()
    lock = hass.states.get(HTTPV2_LOCK)
    assert (lock.state, lock.attributes["held_open"], lock.attributes["locked_out"]) == (
        "locked",
        False,
        True,
    )
    # A record from the terminal's backlog moves nothing.
    await httpv2_device.system_records(2, 11, first_id=30, date=1_600_000_000)
    await hass.async_block_till_done()
    assert hass.states.get(HTTPV2_LOCK).attributes["locked_out"] is True


@pytest.mark.usefixtures("init_integration")
async def test_httpv2_open_fires_the_relay(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    events = bus_events(hass)
    await with_device(
        hass,
        simulator,
        hass.services.async_call("lock", "open", {ATTR_ENTITY_ID: HTTPV2_LOCK}, blocking=True),
    )
    assert simulator.door_commands == [1]
    assert simulator.relay_status == 1
    assert hass.states.get(HTTPV2_LOCK).state == "open"
    # The device reports the opening as a system record: a remote_unlock door event.
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    assert "remote_unlock" in [e.data["type"] for e in events]
    await asyncio.sleep(1.1)  # the relay drops after its release time
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    assert hass.states.get(HTTPV2_LOCK).state == "locked"
    door_events = entity_id("event", HTTPV2_SERIAL, "door_events")
    assert hass.states.get(door_events).attributes["event_type"] in {
        "door_closed",
        "door_opened",
        "remote_unlock",
    }


@pytest.mark.usefixtures("init_integration")
async def test_httpv2_hold_open_and_back_to_normal(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    lock = HTTPV2_LOCK
    await with_device(
        hass,
        simulator,
        hass.services.async_call("lock", "unlock", {ATTR_ENTITY_ID: lock}, blocking=True),
    )
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    assert simulator.keep_open == 1
    assert hass.states.get(lock).state == "unlocked"
    await with_device(
        hass,
        simulator,
        hass.services.async_call("lock", "lock", {ATTR_ENTITY_ID: lock}, blocking=True),
    )
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    assert simulator.door_commands == [2, 3]
    assert hass.states.get(lock).state == "locked"


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_zk_open_door_and_states(hass: HomeAssistant, simulator: ZkPushSimulator) -> None:
    """Opening door 2 fires its relay; the door states it reports are shown per door."""
    entity = ZK_SERIAL.lower()
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            "lock", "open", {ATTR_ENTITY_ID: f"lock.{entity}_door_2_lock"}, blocking=True
        ),
    )
    assert simulator.door_commands[-1][:2] == ("01", 2)
    await asyncio.sleep(0.1)  # the relay drops after its drive time, the door closes
    simulator.doors[0].sensor = "open"
    await simulator.send_state()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{entity}_door_1").state == "on"
    assert hass.states.get(f"binary_sensor.{entity}_door_2").state == "off"

    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            "lock", "unlock", {ATTR_ENTITY_ID: f"lock.{entity}_door_1_lock"}, blocking=True
        ),
    )
    assert simulator.doors[0].normal_open
    assert hass.states.get(f"lock.{entity}_door_1_lock").attributes["held_open"] is True
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            "lock", "lock", {ATTR_ENTITY_ID: f"lock.{entity}_door_1_lock"}, blocking=True
        ),
    )
    assert not simulator.doors[0].normal_open


@pytest.mark.parametrize("family", [Family.CLOUD_WS], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_cloud_open_door_and_lock_modes(
    hass: HomeAssistant, simulator: CloudWsSimulator
) -> None:
    lock = entity_id("lock", CLOUD_SERIAL, "door_lock")
    await hass.services.async_call("lock", "unlock", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert hass.states.get(lock).state == "unlocked"
    await hass.services.async_call("lock", "lock", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert hass.states.get(lock).state == "locked"
    assert simulator.tables.lock_modes == [1, 4]
    await hass.services.async_call("lock", "open", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert simulator.tables.door_commands == [1]
    assert hass.states.get(lock).state == "open"
    await hass.services.async_call(
        DOMAIN,
        "open_door",
        {"device_id": device_id(hass, CLOUD_SERIAL), "door": 3},
        blocking=True,
    )
    assert simulator.tables.door_commands == [1, 3]


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_webjson_lock_modes(
    hass: HomeAssistant, simulator: WebJsonSimulator, init_integration: MockConfigEntry
) -> None:
    lock = entity_id("lock", WEBJSON_SERIAL, "door_lock")
    await hass.services.async_call("lock", "open", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert simulator.doors_opened == 1
    await hass.services.async_call("lock", "unlock", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert simulator.lock_mode == 1
    assert hass.states.get(lock).attributes["held_open"] is True
    await hass.services.async_call(
        DOMAIN,
        "open_door",
        {"device_id": device_id(hass, WEBJSON_SERIAL), "mode": "lockout"},
        blocking=True,
    )
    assert simulator.lock_mode == 2
    assert hass.states.get(lock).attributes["locked_out"] is True
    await hass.services.async_call("lock", "lock", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert simulator.lock_mode == 3


@pytest.mark.usefixtures("init_integration")
async def test_the_lock_shows_a_command_under_way(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    """Until the terminal's next call takes the command, the lock says what it waits for."""
    for service, under_way in (("open", "opening"), ("unlock", "unlocking"), ("lock", "locking")):
        task = hass.async_create_task(
            hass.services.async_call("lock", service, {ATTR_ENTITY_ID: HTTPV2_LOCK}, blocking=True)
        )
        await wait_until(lambda: hass.states.get(HTTPV2_LOCK).state == under_way)  # noqa: B023
        while not task.done():
            await simulator.keepalive_cycle()
            await asyncio.sleep(0.01)
        await task
        assert hass.states.get(HTTPV2_LOCK).state != under_way


async def test_a_command_not_taken_is_no_longer_under_way(
    hass: HomeAssistant, httpv2_device: HttpV2Device, loaded_entry: MockConfigEntry
) -> None:
    """The terminal does not call in time: the command is withdrawn, the lock shows it was."""
    loaded_entry.runtime_data.coordinator.terminal.command_timeout = 0.2
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "lock", "unlock", {ATTR_ENTITY_ID: HTTPV2_LOCK}, blocking=True
        )
    assert hass.states.get(HTTPV2_LOCK).state == "locked"
