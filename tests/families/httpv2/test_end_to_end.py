"""End to end: the HTTPv2 simulator against Home Assistant's real HTTP app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from simulator.httpv2 import HttpV2Simulator
from tests.helpers import (
    TestClient,
    bus_events,
    device_id,
    registered_entity_id,
    with_device,
)
from tests.terminals import HTTPV2_SERIAL

SERIAL = HTTPV2_SERIAL
ENTITY = SERIAL.lower().replace("-", "_")


async def test_discovery_confirm_then_entities(
    hass: HomeAssistant,
    client: TestClient,
    make_simulator: Callable[..., Awaitable[HttpV2Simulator]],
) -> None:
    simulator = await make_simulator()
    reply = await simulator.keepalive_cycle()
    assert reply == {"Success": 401}
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"family": "httpv2", "serial": SERIAL}
    await hass.async_block_till_done()

    assert await simulator.keepalive_cycle() == {"Success": 1, "UploadWorkParameter": 1}
    await hass.async_block_till_done()
    assert not simulator.rejected
    assert hass.states.get(f"lock.{ENTITY}_door_lock").state == "locked"
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"
    assert hass.states.get(registered_entity_id(hass, "sensor", SERIAL, "usage_users")).state == "0"
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, SERIAL)})
    assert device is not None
    assert (device.model, device.sw_version) == ("FC-8200H", "8.46")


@pytest.mark.usefixtures("init_integration")
async def test_denied_and_door_events(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    events = bus_events(hass)
    simulator.queue_access(19, "0", photo=None)
    simulator.raise_alarm("anti")
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    kinds = [(e.data["type"], e.data["reason"]) for e in events]
    assert ("access_denied", "unregistered") in kinds
    assert hass.states.get(f"binary_sensor.{ENTITY}_tamper").state == "on"
    assert hass.states.get(f"binary_sensor.{ENTITY}_alarm").attributes["alarms"] == ["tamper"]


@pytest.mark.usefixtures("init_integration")
async def test_set_and_delete_user(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    data = {
        "device_id": device_id(hass, SERIAL),
        "user_id": "42",
        "name": "Zoë",
        "cards": ["1234567"],
        "password": "2468",
        "privilege": "admin",
    }
    await with_device(
        hass, simulator, hass.services.async_call(DOMAIN, "set_user", data, blocking=True)
    )
    assert simulator.users[42]["Name"] == "Zoë"
    assert simulator.users[42]["CardNum"] == "1234567"
    assert simulator.users[42]["AccessType"] == 1
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN,
            "delete_user",
            {"device_id": device_id(hass, SERIAL), "user_id": "42"},
            blocking=True,
        ),
    )
    assert 42 not in simulator.users


@pytest.mark.usefixtures("init_integration")
async def test_get_users_reads_the_device(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    simulator.add_demo_users(3)
    response = await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN,
            "get_users",
            {"device_id": device_id(hass, SERIAL)},
            blocking=True,
            return_response=True,
        ),
    )
    users = {user["user_id"]: user for user in response["users"]}
    assert set(users) == {"1", "2", "3"}
    assert users["1"]["name"] == simulator.users[1]["Name"]
    assert "password" not in users["1"]


@pytest.mark.usefixtures("init_integration")
async def test_same_record_twice_gives_one_event(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    events = bus_events(hass)
    simulator.queue_access(1, 1, photo=None)
    assert await simulator.upload_pending() == 1
    # The acknowledgement was lost: the device sends everything again.
    simulator.pending_records.extend(simulator.uploaded_records)
    assert await simulator.upload_pending() == 1
    await hass.async_block_till_done()
    assert len([e for e in events if e.data["type"] == "access_granted"]) == 1


async def test_restart_mid_stream_no_duplicate_no_gap(
    hass: HomeAssistant, simulator: HttpV2Simulator, init_integration: MockConfigEntry
) -> None:
    events = bus_events(hass)
    for _ in range(5):
        simulator.queue_access(3, "7", photo=None)
    assert await simulator.upload_pending() == 5

    # Home Assistant goes away: the device keeps what it records.
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    for _ in range(5):
        simulator.queue_access(3, "7", photo=None)
    assert await simulator.keepalive_cycle() == {"Success": 401}
    assert await simulator.upload_pending() == 0
    assert len(simulator.pending_records) == 5

    # Back again, with what the first run saved; the device also re-sends what it had sent.
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    simulator.pending_records[:0] = simulator.uploaded_records[-2:]
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    assert simulator.pending_records == []

    ids = [e.data["record_id"] for e in events if e.data["type"] == "access_granted"]
    assert ids == [str(n) for n in range(1, 11)]
