"""End to end: the HTTPv2 simulator against Home Assistant's real HTTP app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from simulator.httpv2 import HttpV2Simulator

from .helpers import SERIAL, TestClient, bus_events, device_id, with_device

ENTITY = SERIAL.lower().replace("-", "_")


async def test_discovery_confirm_then_entities(
    hass: HomeAssistant, client: TestClient, make_simulator: Callable[..., HttpV2Simulator]
) -> None:
    sim = make_simulator()
    reply = await sim.keepalive_cycle()
    assert reply == {"Success": 401}
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"family": "httpv2", "serial": SERIAL}
    await hass.async_block_till_done()

    assert await sim.keepalive_cycle() == {"Success": 1, "UploadWorkParameter": 1}
    await hass.async_block_till_done()
    assert not sim.rejected
    assert hass.states.get(f"lock.{ENTITY}_door_lock").state == "locked"
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"
    assert hass.states.get(f"sensor.{ENTITY}_users").state == "0"
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, SERIAL)})
    assert device is not None
    assert (device.model, device.sw_version) == ("FC-8200H", "8.46")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_access_event_with_user_method_and_photo(
    hass: HomeAssistant,
    sim: HttpV2Simulator,
    hass_client: Callable[[], Awaitable[TestClient]],
) -> None:
    sim.add_demo_users(2)
    events = bus_events(hass)
    record = sim.queue_access(3, 2)
    assert await sim.upload_pending() == 1
    await hass.async_block_till_done()

    state = hass.states.get(f"event.{ENTITY}_access")
    assert state.attributes["event_type"] == "access_granted"
    assert state.attributes["user_id"] == "2"
    assert state.attributes["user_name"] == sim.users[2]["Name"]
    assert state.attributes["methods"] == ["face"]
    assert state.attributes["has_photo"] is True
    assert [e.data["record_id"] for e in events] == [str(record["RecordID"])]
    assert hass.states.get(f"sensor.{ENTITY}_last_user").state == sim.users[2]["Name"]
    assert hass.states.get(f"sensor.{ENTITY}_last_access_method").state == "face"

    photo = sim.record_photo(record["RecordID"])
    assert photo is not None
    assert photo.startswith(b"\xff\xd8")
    web = await hass_client()
    response = await web.get(f"/api/image_proxy/image.{ENTITY}_last_access_photo")
    assert response.status == 200
    assert await response.read() == photo


async def test_denied_and_door_events(hass: HomeAssistant, sim: HttpV2Simulator) -> None:
    events = bus_events(hass)
    sim.queue_access(19, "0", photo=None)
    sim.raise_alarm("anti")
    await sim.keepalive_cycle()
    await hass.async_block_till_done()
    kinds = [(e.data["type"], e.data["reason"]) for e in events]
    assert ("access_denied", "unregistered") in kinds
    assert hass.states.get(f"binary_sensor.{ENTITY}_tamper").state == "on"
    assert hass.states.get(f"binary_sensor.{ENTITY}_alarm").attributes["alarms"] == ["tamper"]


async def test_lock_open_fires_the_relay(hass: HomeAssistant, sim: HttpV2Simulator) -> None:
    events = bus_events(hass)
    await with_device(
        hass,
        sim,
        hass.services.async_call(
            "lock", "open", {ATTR_ENTITY_ID: f"lock.{ENTITY}_door_lock"}, blocking=True
        ),
    )
    assert sim.door_commands == [1]
    assert sim.relay_status == 1
    assert hass.states.get(f"lock.{ENTITY}_door_lock").state == "open"
    # The device reports the opening as a system record: a remote_unlock door event.
    await sim.keepalive_cycle()
    await hass.async_block_till_done()
    assert "remote_unlock" in [e.data["type"] for e in events]
    await asyncio.sleep(1.1)  # the relay drops after its release time
    await sim.keepalive_cycle()
    await hass.async_block_till_done()
    assert hass.states.get(f"lock.{ENTITY}_door_lock").state == "locked"
    assert hass.states.get(f"event.{ENTITY}_door_events").attributes["event_type"] in {
        "door_closed",
        "door_opened",
        "remote_unlock",
    }


async def test_hold_open_and_back_to_normal(hass: HomeAssistant, sim: HttpV2Simulator) -> None:
    lock = f"lock.{ENTITY}_door_lock"
    await with_device(
        hass, sim, hass.services.async_call("lock", "unlock", {ATTR_ENTITY_ID: lock}, blocking=True)
    )
    await sim.keepalive_cycle()
    await hass.async_block_till_done()
    assert sim.keep_open == 1
    assert hass.states.get(lock).state == "unlocked"
    await with_device(
        hass, sim, hass.services.async_call("lock", "lock", {ATTR_ENTITY_ID: lock}, blocking=True)
    )
    await sim.keepalive_cycle()
    await hass.async_block_till_done()
    assert sim.door_commands == [2, 3]
    assert hass.states.get(lock).state == "locked"


async def test_set_and_delete_user(hass: HomeAssistant, sim: HttpV2Simulator) -> None:
    data = {
        "device_id": device_id(hass),
        "user_id": "42",
        "name": "Zoë",
        "cards": ["1234567"],
        "password": "2468",
        "privilege": "admin",
    }
    await with_device(hass, sim, hass.services.async_call(DOMAIN, "set_user", data, blocking=True))
    assert sim.users[42]["Name"] == "Zoë"
    assert sim.users[42]["CardNum"] == "1234567"
    assert sim.users[42]["AccessType"] == 1
    await with_device(
        hass,
        sim,
        hass.services.async_call(
            DOMAIN, "delete_user", {"device_id": device_id(hass), "user_id": "42"}, blocking=True
        ),
    )
    assert 42 not in sim.users


async def test_get_users_reads_the_device(hass: HomeAssistant, sim: HttpV2Simulator) -> None:
    sim.add_demo_users(3)
    response = await with_device(
        hass,
        sim,
        hass.services.async_call(
            DOMAIN,
            "get_users",
            {"device_id": device_id(hass)},
            blocking=True,
            return_response=True,
        ),
    )
    users = {user["user_id"]: user for user in response["users"]}
    assert set(users) == {"1", "2", "3"}
    assert users["1"]["name"] == sim.users[1]["Name"]
    assert "password" not in users["1"]


async def test_same_record_twice_gives_one_event(hass: HomeAssistant, sim: HttpV2Simulator) -> None:
    events = bus_events(hass)
    sim.queue_access(1, 1, photo=None)
    assert await sim.upload_pending() == 1
    # The acknowledgement was lost: the device sends everything again.
    sim.pending_records.extend(sim.uploaded_records)
    assert await sim.upload_pending() == 1
    await hass.async_block_till_done()
    assert len([e for e in events if e.data["type"] == "access_granted"]) == 1


async def test_restart_mid_stream_no_duplicate_no_gap(
    hass: HomeAssistant, sim: HttpV2Simulator, init_integration: MockConfigEntry
) -> None:
    events = bus_events(hass)
    for _ in range(5):
        sim.queue_access(3, "7", photo=None)
    assert await sim.upload_pending() == 5

    # Home Assistant goes away: the device keeps what it records.
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    for _ in range(5):
        sim.queue_access(3, "7", photo=None)
    assert await sim.keepalive_cycle() == {"Success": 401}
    assert await sim.upload_pending() == 0
    assert len(sim.pending_records) == 5

    # Back again, with what the first run saved; the device also re-sends what it had sent.
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    sim.pending_records[:0] = sim.uploaded_records[-2:]
    await sim.keepalive_cycle()
    await hass.async_block_till_done()
    assert sim.pending_records == []

    ids = [e.data["record_id"] for e in events if e.data["type"] == "access_granted"]
    assert ids == [str(n) for n in range(1, 11)]
