"""End to end: the cloud WebSocket simulator against Home Assistant's real HTTP app."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
import socket
from typing import Any

from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.families.cloud_ws import DATA_WEBSOCKETS
from custom_components.access_terminal.protocols.cloud_ws import CloudWsTerminal
from simulator.cloud_ws import CloudWsSimulator
from simulator.cloud_ws_device import CARD, DOOR_OPENED, PASSWORD

from .conftest import CLOUD_SERIAL, cloud_entry
from .helpers import TestClient, bus_events, device_id

ENTITY = CLOUD_SERIAL.lower()
WS_PATH = "/api/access_terminal/ws"


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until `condition` holds (polling: the simulator and HA share the loop)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def get_users(hass: HomeAssistant, **data: Any) -> list[dict[str, Any]]:
    """Call get_users and return its users."""
    response: Any = await hass.services.async_call(
        DOMAIN, "get_users", data, blocking=True, return_response=True
    )
    users: list[dict[str, Any]] = response["users"]
    return users


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_discovery_then_registration(
    hass: HomeAssistant, client: TestClient, make_cloud_simulator: Callable[..., CloudWsSimulator]
) -> None:
    """An unknown terminal is refused and offered; once added it registers and has entities."""
    sim = make_cloud_simulator()
    await sim.start()
    await until(lambda: sim.rejected)
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["unique_id"] == CLOUD_SERIAL
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"family": "cloud_ws", "serial": CLOUD_SERIAL}
    await hass.async_block_till_done()

    await asyncio.wait_for(sim.wait_registered(), 10)
    await until(lambda: "getdevcap" in [c["cmd"] for c in sim.tables.received])
    await hass.async_block_till_done()
    assert hass.states.get(f"lock.{ENTITY}_door_lock").state == "locked"
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"
    assert hass.states.get(f"sensor.{ENTITY}_users").state == "0"
    assert hass.states.get(f"binary_sensor.{ENTITY}_alarm") is None  # no alarm status to show
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, CLOUD_SERIAL)})
    assert device is not None
    assert (device.model, device.sw_version) == ("AiFace-Mars", "ai806 v5.09")


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_access_events_with_photos_and_door_events(
    hass: HomeAssistant,
    cloud_sim: CloudWsSimulator,
    hass_client: Callable[[], Awaitable[TestClient]],
) -> None:
    events = bus_events(hass)
    answer = await cloud_sim.access(2, mode=8, inout=1, temperature=36.6)
    assert answer is not None
    assert (answer["result"], answer["logindex"], answer["access"]) == (True, 1, 1)
    await hass.async_block_till_done()
    state = hass.states.get(f"event.{ENTITY}_access")
    assert state.attributes["event_type"] == "access_granted"
    assert (state.attributes["user_id"], state.attributes["methods"]) == ("2", ["face"])
    assert (state.attributes["direction"], state.attributes["has_photo"]) == ("out", True)
    assert hass.states.get(f"sensor.{ENTITY}_body_temperature").state == "36.6"
    photo = base64.b64decode(cloud_sim.tables.logs[-1].fields["image"])
    web = await hass_client()
    response = await web.get(f"/api/image_proxy/image.{ENTITY}_last_access_photo")
    assert response.status == 200
    assert await response.read() == photo

    await cloud_sim.door_event(DOOR_OPENED)
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{ENTITY}_door").state == "on"
    door = hass.states.get(f"event.{ENTITY}_door_events")
    assert door.attributes["event_type"] == "door_opened"
    assert [e.data["type"] for e in events] == ["access_granted", "door_opened"]


async def test_qr_codes_are_refused(hass: HomeAssistant, cloud_sim: CloudWsSimulator) -> None:
    answer = await cloud_sim.scan_qr("123456")
    assert answer is not None
    assert (answer["result"], answer["access"]) == (True, 0)


async def test_open_door_and_lock_modes(hass: HomeAssistant, cloud_sim: CloudWsSimulator) -> None:
    lock = f"lock.{ENTITY}_door_lock"
    await hass.services.async_call("lock", "unlock", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert hass.states.get(lock).state == "unlocked"
    await hass.services.async_call("lock", "lock", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert hass.states.get(lock).state == "locked"
    assert cloud_sim.tables.lock_modes == [1, 4]
    await hass.services.async_call("lock", "open", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert cloud_sim.tables.door_commands == [1]
    assert hass.states.get(lock).state == "open"
    await hass.services.async_call(
        DOMAIN,
        "open_door",
        {"device_id": device_id(hass, CLOUD_SERIAL), "door": 3},
        blocking=True,
    )
    assert cloud_sim.tables.door_commands == [1, 3]


async def test_user_set_get_delete(hass: HomeAssistant, cloud_sim: CloudWsSimulator) -> None:
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
    stored = cloud_sim.tables.users[42]
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
    assert 42 not in cloud_sim.tables.users
    with pytest.raises(HomeAssistantError, match="refused some users"):
        await hass.services.async_call(
            DOMAIN, "delete_user", {**target, "user_id": ["42"]}, blocking=True
        )
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "set_user", {**target, "user_id": "abc"}, blocking=True
        )


async def test_paging_of_many_users_and_logs(
    hass: HomeAssistant, cloud_sim: CloudWsSimulator
) -> None:
    cloud_sim.add_demo_users(130)  # a card and a photo each, 40 a page: 7 pages, then empty
    target = {"device_id": device_id(hass, CLOUD_SERIAL)}
    users = await get_users(hass, **target)
    assert [u["user_id"] for u in users] == [str(n) for n in range(1, 131)]
    assert users[0]["credentials"]["photo"] is True
    listings = [c for c in cloud_sim.tables.received if c["cmd"] == "getuserlist"]
    assert [c["stn"] for c in listings] == [True] + [False] * 7

    events = bus_events(hass)
    cloud_sim.push_backlog = False
    await cloud_sim.go_offline()
    for number in range(120):
        await cloud_sim.access(1 + number % 130, photo=False)
    cloud_sim.go_online()
    await until(lambda: len(events) == 120)
    await hass.async_block_till_done()
    assert sorted(int(e.data["user_id"]) for e in events) == list(range(1, 121))
    pages = [c for c in cloud_sim.tables.received if c["cmd"] == "getnewlog"]
    assert len(pages) >= 4  # three pages of 50 and the empty one (more after a reconnect)
    assert not any(log.new for log in cloud_sim.tables.logs)


async def test_disconnect_while_events_happen_then_reconnect(
    hass: HomeAssistant, cloud_loaded: MockConfigEntry, cloud_sim: CloudWsSimulator
) -> None:
    """Logs made offline arrive once: pushed again and fetched too, each is one event."""
    events = bus_events(hass)
    terminal = cloud_loaded.runtime_data.coordinator.terminal
    await cloud_sim.access(1)
    await cloud_sim.go_offline()
    await until(lambda: not terminal.connected)
    # Records carry no number: the same person, mode and second is the same record.
    for number, mode in ((2, 1), (3, 8), (1, 3), (2, 8)):
        assert await cloud_sim.access(number, mode=mode) is None
    # Two logs the device believes unacknowledged although we had them: sent again.
    cloud_sim.tables.logs[0].new = True
    cloud_sim.go_online()
    await until(lambda: not any(log.new for log in cloud_sim.tables.logs))
    await until(lambda: sum(c["cmd"] == "getnewlog" for c in cloud_sim.tables.received) >= 2)
    await hass.async_block_till_done()
    assert [e.data["user_id"] for e in events] == ["1", "2", "3", "1", "2"]
    assert [e.data["has_photo"] for e in events] == [True] * 5

    # A restart of the connection with everything re-sent changes nothing.
    for log in cloud_sim.tables.logs:
        log.new = True
    await cloud_sim.go_offline()
    cloud_sim.go_online()
    await until(lambda: not any(log.new for log in cloud_sim.tables.logs))
    await hass.async_block_till_done()
    assert len(events) == 5


async def test_enrollment(hass: HomeAssistant, cloud_sim: CloudWsSimulator) -> None:
    events = bus_events(hass)
    await hass.services.async_call(
        DOMAIN,
        "enroll",
        {"device_id": device_id(hass, CLOUD_SERIAL), "user_id": "77", "credential": "face"},
        blocking=True,
    )
    await until(lambda: any(e.data["type"] == "enrollment_finished" for e in events))
    (event,) = events
    assert (event.data["user_id"], event.data["detail"]) == ("77", "face")
    assert 77 in cloud_sim.tables.users
    with pytest.raises(HomeAssistantError, match="already exists"):
        await hass.services.async_call(
            DOMAIN,
            "enroll",
            {"device_id": device_id(hass, CLOUD_SERIAL), "user_id": "77", "credential": "face"},
            blocking=True,
        )


async def test_firmware_push_is_refused_clearly(
    hass: HomeAssistant, cloud_sim: CloudWsSimulator
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "push_firmware",
            {"device_id": device_id(hass, CLOUD_SERIAL), "url": "http://example.invalid/fw"},
            blocking=True,
        )
    assert caught.value.translation_key == "firmware_not_supported"


async def test_sync_time_and_restart(hass: HomeAssistant, cloud_sim: CloudWsSimulator) -> None:
    target = {"device_id": device_id(hass, CLOUD_SERIAL)}
    await hass.services.async_call(DOMAIN, "sync_time", target, blocking=True)
    await hass.services.async_call(DOMAIN, "reboot", target, blocking=True)
    await until(lambda: cloud_sim.tables.reboots == 1)
    assert [c["cmd"] for c in cloud_sim.tables.received][-2:] == ["settime", "reboot"]


async def test_unload_closes_the_socket(
    hass: HomeAssistant, cloud_loaded: MockConfigEntry, cloud_sim: CloudWsSimulator
) -> None:
    connections = cloud_sim.connections
    assert await hass.config_entries.async_unload(cloud_loaded.entry_id)
    await until(lambda: cloud_sim.connections > connections and cloud_sim.rejected)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)  # known: not offered
    assert await hass.config_entries.async_setup(cloud_loaded.entry_id)
    await asyncio.wait_for(cloud_sim.wait_registered(), 10)


# -- raw sockets ---------------------------------------------------------------------------


async def reply_to(ws: ClientWebSocketResponse, name: str) -> dict[str, Any]:
    """Return the server's answer to our `name`, passing over the commands it sends meanwhile."""
    while "ret" not in (frame := await ws.receive_json(timeout=5)):
        assert "cmd" in frame
    assert frame["ret"] == name
    reply: dict[str, Any] = frame
    return reply


async def test_bad_frames_get_refusals_not_crashes(
    hass: HomeAssistant,
    cloud_loaded: MockConfigEntry,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws = await client.ws_connect(WS_PATH)
    await ws.send_str("{not json")
    assert (await ws.receive_json(timeout=5))["ret"] == "error"
    await ws.send_bytes(b"\x00\xffbinary junk")
    assert (await ws.receive_json(timeout=5))["ret"] == "error"
    await ws.send_json({"cmd": "reg", "sn": CLOUD_SERIAL, "devinfo": "nonsense"})
    assert (await ws.receive_json(timeout=5))["result"] is True
    await ws.send_bytes(b'{"cmd":"sendlog","sn":"' + CLOUD_SERIAL.encode() + b'","record":[{}]}')
    reply = await reply_to(ws, "sendlog")
    assert reply["result"] is True
    await ws.send_json({"cmd": "sendlog", "count": 10**40, "record": [{"enrollid": 10**40}]})
    reply = await reply_to(ws, "sendlog")
    assert (reply["result"], reply["count"]) == (True, 1)
    await ws.send_str("x" * (4 * 1024 * 1024 + 1))
    closing = await ws.receive(timeout=5)
    assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    assert ws.close_code == 1009
    await ws.close()

    # Unknown and invalid serials are refused, the socket closed; a plain GET is a 400.
    other = await client.ws_connect(WS_PATH)
    await other.send_json({"cmd": "reg", "sn": "not a serial!"})
    assert (await other.receive_json(timeout=5))["result"] is False
    assert (await other.receive(timeout=5)).type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
    await other.close()
    response = await client.get(WS_PATH)
    assert response.status == 400
    assert "Traceback" not in caplog.text


async def test_a_device_that_never_answers(
    hass: HomeAssistant, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    entry = cloud_entry(command_timeout=0.3)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    ws = await client.ws_connect(WS_PATH)
    await ws.send_json({"cmd": "reg", "sn": CLOUD_SERIAL, "devinfo": {}})
    assert (await ws.receive_json(timeout=5))["result"] is True
    assert (await ws.receive_json(timeout=5))["cmd"] == "getdevcap"  # left unanswered
    target = {"device_id": device_id(hass, CLOUD_SERIAL)}
    with pytest.raises(HomeAssistantError, match="did not complete"):
        await hass.services.async_call(DOMAIN, "open_door", target, blocking=True)
    # The channel is free again: the next command goes out and its answer counts.
    task = asyncio.ensure_future(
        hass.services.async_call(DOMAIN, "open_door", target, blocking=True)
    )
    while (frame := await ws.receive_json(timeout=5))["cmd"] != "opendoor" or task.done():
        pass  # skip what the first timeouts left (the log backfill's request)
    await ws.send_json({"cmd": "opendoor", "sn": CLOUD_SERIAL, "result": True})  # cmd, not ret
    await asyncio.wait_for(task, 5)
    assert frame == {"cmd": "opendoor", "doornum": 1}
    await ws.close()
    assert "Traceback" not in caplog.text


async def test_dedicated_listener_from_options(
    hass: HomeAssistant, client: TestClient, make_cloud_simulator: Callable[..., CloudWsSimulator]
) -> None:
    port = free_port()
    entry = cloud_entry(listen_port=port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sim = make_cloud_simulator(server=f"ws://127.0.0.1:{port}/")
    await sim.start()
    await asyncio.wait_for(sim.wait_registered(), 10)
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"
    assert await hass.config_entries.async_unload(entry.entry_id)
    await sim.stop()
    async with ClientSession() as session:
        with pytest.raises(OSError):
            await session.ws_connect(f"ws://127.0.0.1:{port}/")


async def test_dedicated_listener_from_yaml(hass: HomeAssistant, socket_enabled: None) -> None:
    port = free_port()
    assert await async_setup_component(hass, DOMAIN, {DOMAIN: {"websocket_port": port}})
    async with ClientSession() as session, session.ws_connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send_json({"cmd": "reg", "sn": "AI0001"})
        assert (await ws.receive_json(timeout=5))["result"] is False
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["unique_id"] == "AI0001"
    # A port taken by another program is reported (the terminal keeps Home Assistant's port).
    hub = hass.data[DATA_WEBSOCKETS]
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # noqa: S104 - as the listener binds
        taken.listen()
        assert not await hub.async_acquire(taken.getsockname()[1], "entry")
    assert hub.ports == [port]
    await hub.async_release(port + 1, "nobody")  # nothing held there: nothing happens
    assert hub.ports == [port]


async def test_family_commands_through_the_coordinator(
    hass: HomeAssistant, cloud_loaded: MockConfigEntry, cloud_sim: CloudWsSimulator
) -> None:
    """Commands without a service are reached through the coordinator, errors translated."""
    coordinator = cloud_loaded.runtime_data.coordinator
    terminal = coordinator.terminal
    assert isinstance(terminal, CloudWsTerminal)
    holidays = [{"name": "New year", "startday": "01-01", "endday": "01-01"}]
    await coordinator.async_call(terminal.set_holidays(holidays))
    assert await coordinator.async_call(terminal.get_holidays()) == holidays
    with pytest.raises(HomeAssistantError, match="reported error 1"):
        await coordinator.async_call(terminal.get_user_name("999"))


async def test_cloud_options_and_mode_table(
    hass: HomeAssistant, cloud_loaded: MockConfigEntry, cloud_sim: CloudWsSimulator
) -> None:
    result = await hass.config_entries.options.async_init(cloud_loaded.entry_id)
    fields = {str(key) for key in result["data_schema"].schema}
    assert {"listen_port", "mode_table"} <= fields
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "offline_window": 90,
            "command_timeout": 60,
            "online_authorization": "device",
            "listen_port": 0,
            "mode_table": "log_note",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert cloud_loaded.state is ConfigEntryState.LOADED
    await asyncio.wait_for(cloud_sim.wait_registered(), 10)
    await until(lambda: cloud_sim.registered.is_set() and cloud_sim.connections >= 2)
    events = bus_events(hass)
    await cloud_sim.access(1, mode=2)
    await hass.async_block_till_done()
    assert [e.data["methods"] for e in events] == [["card"]]
