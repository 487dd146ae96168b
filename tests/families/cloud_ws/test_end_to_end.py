"""End to end: the cloud WebSocket simulator against Home Assistant's real HTTP app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from simulator.cloud_ws import CloudWsSimulator
from simulator.cloud_ws_device import CARD, PASSWORD
from tests.helpers import TestClient, bus_events, device_id, wait_until
from tests.terminals import CLOUD_SERIAL

ENTITY = CLOUD_SERIAL.lower()


async def get_users(hass: HomeAssistant, **data: Any) -> list[dict[str, Any]]:
    """Call get_users and return its users."""
    response: Any = await hass.services.async_call(
        DOMAIN, "get_users", data, blocking=True, return_response=True
    )
    users: list[dict[str, Any]] = response["users"]
    return users


async def test_discovery_then_registration(
    hass: HomeAssistant,
    client: TestClient,
    make_simulator: Callable[..., Awaitable[CloudWsSimulator]],
) -> None:
    """An unknown terminal is refused and offered; once added it registers and has entities."""
    sim = await make_simulator(users=0)
    await sim.start()
    await wait_until(lambda: sim.rejected)
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["unique_id"] == CLOUD_SERIAL
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"family": "cloud_ws", "serial": CLOUD_SERIAL}
    await hass.async_block_till_done()

    await asyncio.wait_for(sim.wait_registered(), 10)
    await wait_until(lambda: "getdevcap" in [c["cmd"] for c in sim.tables.received])
    await hass.async_block_till_done()
    assert hass.states.get(f"lock.{ENTITY}_door_lock").state == "locked"
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"
    assert hass.states.get(f"sensor.{ENTITY}_users").state == "0"
    assert hass.states.get(f"binary_sensor.{ENTITY}_alarm") is None  # no alarm status to show
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, CLOUD_SERIAL)})
    assert device is not None
    assert (device.model, device.sw_version) == ("AiFace-Mars", "ai806 v5.09")


@pytest.mark.usefixtures("init_integration")
async def test_qr_codes_are_refused(hass: HomeAssistant, simulator: CloudWsSimulator) -> None:
    answer = await simulator.scan_qr("123456")
    assert answer is not None
    assert (answer["result"], answer["access"]) == (True, 0)


@pytest.mark.usefixtures("init_integration")
async def test_user_set_get_delete(hass: HomeAssistant, simulator: CloudWsSimulator) -> None:
    target = {"device_id": device_id(hass, CLOUD_SERIAL)}
    await hass.services.async_call(
        DOMAIN,
        "set_user",
        {
            **target,
            "user_id": "0042",
            "name": "Zoë Ångström",
            "cards": ["123456789"],
            "password": "1234",
            "valid_until": "2031-01-01T00:00:00+00:00",
        },
        blocking=True,
    )
    stored = simulator.tables.users[42]
    assert stored.name == "Zoë Ångström"
    assert (stored.records[CARD], stored.records[PASSWORD]) == (123456789, 1234)
    (user,) = await get_users(hass, **target, user_id=["42"])
    assert (user["user_id"], user["name"], user["cards"]) == ("42", "Zoë Ångström", ["123456789"])
    assert user["has_password"] is True
    assert dt_util.parse_datetime(user["valid_until"]) == datetime(2031, 1, 1, tzinfo=UTC)
    assert "password" not in user
    await hass.services.async_call(
        DOMAIN, "delete_user", {**target, "user_id": ["42"]}, blocking=True
    )
    assert 42 not in simulator.tables.users
    with pytest.raises(HomeAssistantError, match="refused some users"):
        await hass.services.async_call(
            DOMAIN, "delete_user", {**target, "user_id": ["42"]}, blocking=True
        )
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "set_user", {**target, "user_id": "abc"}, blocking=True
        )


@pytest.mark.usefixtures("init_integration")
async def test_paging_of_many_users_and_logs(
    hass: HomeAssistant, simulator: CloudWsSimulator
) -> None:
    simulator.add_demo_users(130)  # a card and a photo each, 40 a page: 7 pages, then empty
    target = {"device_id": device_id(hass, CLOUD_SERIAL)}
    users = await get_users(hass, **target)
    assert [u["user_id"] for u in users] == [str(n) for n in range(1, 131)]
    assert users[0]["credentials"]["photo"] is True
    listings = [c for c in simulator.tables.received if c["cmd"] == "getuserlist"]
    assert [c["stn"] for c in listings] == [True] + [False] * 7

    events = bus_events(hass)
    simulator.push_backlog = False
    await simulator.go_offline()
    for number in range(120):
        await simulator.access(1 + number % 130, photo=False)
    simulator.go_online()
    await wait_until(lambda: len(events) == 120)
    await hass.async_block_till_done()
    assert sorted(int(e.data["user_id"]) for e in events) == list(range(1, 121))
    pages = [c for c in simulator.tables.received if c["cmd"] == "getnewlog"]
    assert len(pages) >= 4  # three pages of 50 and the empty one (more after a reconnect)
    assert not any(log.new for log in simulator.tables.logs)


async def test_disconnect_while_events_happen_then_reconnect(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: CloudWsSimulator
) -> None:
    """Logs made offline arrive once: pushed again and fetched too, each is one event."""
    events = bus_events(hass)
    terminal = init_integration.runtime_data.coordinator.terminal
    await simulator.access(1)
    await simulator.go_offline()
    await wait_until(lambda: not terminal.connected)
    # Records carry no number: the same person, mode and second is the same record.
    for number, mode in ((2, 1), (3, 8), (1, 3), (2, 8)):
        assert await simulator.access(number, mode=mode) is None
    # Two logs the device believes unacknowledged although we had them: sent again.
    simulator.tables.logs[0].new = True
    simulator.go_online()
    await wait_until(lambda: not any(log.new for log in simulator.tables.logs))
    await wait_until(lambda: sum(c["cmd"] == "getnewlog" for c in simulator.tables.received) >= 2)
    await hass.async_block_till_done()
    assert [e.data["user_id"] for e in events] == ["1", "2", "3", "1", "2"]
    assert [e.data["has_photo"] for e in events] == [True] * 5

    # A restart of the connection with everything re-sent changes nothing.
    for log in simulator.tables.logs:
        log.new = True
    await simulator.go_offline()
    simulator.go_online()
    await wait_until(lambda: not any(log.new for log in simulator.tables.logs))
    await hass.async_block_till_done()
    assert len(events) == 5


@pytest.mark.usefixtures("init_integration")
async def test_enrollment(hass: HomeAssistant, simulator: CloudWsSimulator) -> None:
    events = bus_events(hass)
    await hass.services.async_call(
        DOMAIN,
        "enroll",
        {"device_id": device_id(hass, CLOUD_SERIAL), "user_id": "77", "credential": "face"},
        blocking=True,
    )
    await wait_until(lambda: any(e.data["type"] == "enrollment_finished" for e in events))
    (event,) = events
    assert (event.data["user_id"], event.data["detail"]) == ("77", "face")
    assert 77 in simulator.tables.users
    with pytest.raises(HomeAssistantError, match="already exists"):
        await hass.services.async_call(
            DOMAIN,
            "enroll",
            {"device_id": device_id(hass, CLOUD_SERIAL), "user_id": "77", "credential": "face"},
            blocking=True,
        )


@pytest.mark.usefixtures("init_integration")
async def test_firmware_push_is_refused_clearly(
    hass: HomeAssistant, simulator: CloudWsSimulator
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "push_firmware",
            {"device_id": device_id(hass, CLOUD_SERIAL), "url": "http://example.invalid/fw"},
            blocking=True,
        )
    assert caught.value.translation_key == "firmware_not_supported"


@pytest.mark.usefixtures("init_integration")
async def test_sync_time_and_restart(hass: HomeAssistant, simulator: CloudWsSimulator) -> None:
    target = {"device_id": device_id(hass, CLOUD_SERIAL)}
    await hass.services.async_call(DOMAIN, "sync_time", target, blocking=True)
    await hass.services.async_call(DOMAIN, "reboot", target, blocking=True)
    await wait_until(lambda: simulator.tables.reboots == 1)
    assert [c["cmd"] for c in simulator.tables.received][-2:] == ["settime", "reboot"]


async def test_unload_closes_the_socket(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: CloudWsSimulator
) -> None:
    connections = simulator.connections
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await wait_until(lambda: simulator.connections > connections and simulator.rejected)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)  # known: not offered
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await asyncio.wait_for(simulator.wait_registered(), 10)
