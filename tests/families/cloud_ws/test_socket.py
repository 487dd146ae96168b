"""The cloud terminals' socket: raw frames on Home Assistant's port, and dedicated listeners."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import socket
from typing import Any

from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.families.cloud_ws import DATA_WEBSOCKETS, WEBSOCKET_PATH
from custom_components.access_terminal.protocols.model import Family
from simulator.cloud_ws import CloudWsSimulator
from tests.helpers import TestClient, device_id, free_port
from tests.terminals import CLOUD_SERIAL, push_entry

ENTITY = CLOUD_SERIAL.lower()
WS_PATH = WEBSOCKET_PATH


async def reply_to(ws: ClientWebSocketResponse, name: str) -> dict[str, Any]:
    """Return the server's answer to our `name`, passing over the commands it sends meanwhile."""
    while "ret" not in (frame := await ws.receive_json(timeout=5)):
        assert "cmd" in frame
    assert frame["ret"] == name
    reply: dict[str, Any] = frame
    return reply


async def test_bad_frames_get_refusals_not_crashes(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
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
    entry = push_entry(Family.CLOUD_WS, CLOUD_SERIAL, command_timeout=0.3)
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
    hass: HomeAssistant,
    client: TestClient,
    make_simulator: Callable[..., Awaitable[CloudWsSimulator]],
) -> None:
    port = free_port()
    entry = push_entry(Family.CLOUD_WS, CLOUD_SERIAL, listen_port=port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    sim = await make_simulator(server=f"ws://127.0.0.1:{port}/")
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


async def test_lone_surrogates_keep_the_socket_open(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A lone surrogate in `cmd` (echoed back) or in `time` once closed the socket."""
    ws = await client.ws_connect(WS_PATH)
    await ws.send_json({"cmd": "reg", "sn": CLOUD_SERIAL, "devinfo": {}})
    assert (await ws.receive_json(timeout=5))["result"] is True
    await ws.send_str('{"cmd":"send\\udcfflog","sn":"' + CLOUD_SERIAL + '"}')
    reply = await reply_to(ws, "send\ufffdlog")
    assert reply["result"] is False
    time_text = '"2024-05-01 08:00:0\\ud800"'
    await ws.send_str(
        '{"cmd":"sendlog","sn":"' + CLOUD_SERIAL + '","count":1,"record":[{"enrollid":1,'
        f'"time":{time_text},"mode":8}}]}}'
    )
    reply = await reply_to(ws, "sendlog")
    assert (reply["result"], reply["count"]) == (True, 1)
    assert not ws.closed
    await ws.close()
    assert "Traceback" not in caplog.text
    problems = loaded_entry.runtime_data.coordinator.terminal.problems.counts
    assert problems == {"log record": 1}


async def test_a_door_numbered_99999999_gets_no_entity(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, client: TestClient
) -> None:
    """One sendlog with doornum 99999999 once created door_99999999: doors are 1 to 4."""
    ws = await client.ws_connect(WS_PATH)
    await ws.send_json({"cmd": "reg", "sn": CLOUD_SERIAL, "devinfo": {}})
    assert (await ws.receive_json(timeout=5))["result"] is True
    now = dt_util.now().strftime("%Y-%m-%d %H:%M:%S")
    record = {"enrollid": 0, "time": now, "event": 1, "doornum": 99999999}
    await ws.send_json({"cmd": "sendlog", "sn": CLOUD_SERIAL, "count": 1, "record": [record]})
    assert (await reply_to(ws, "sendlog"))["result"] is True
    record = {**record, "doornum": 4}
    await ws.send_json({"cmd": "sendlog", "sn": CLOUD_SERIAL, "count": 1, "record": [record]})
    assert (await reply_to(ws, "sendlog"))["result"] is True
    await ws.close()
    await hass.async_block_till_done()
    entities = er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
    doors = sorted(e.unique_id for e in entities if e.domain == "lock")
    assert doors == [f"{CLOUD_SERIAL}_door_1_lock", f"{CLOUD_SERIAL}_door_4_lock"]


async def test_a_port_that_cannot_be_opened_is_a_repair(
    hass: HomeAssistant, client: TestClient, issue_registry: ir.IssueRegistry
) -> None:
    """Shown under Repairs (not only in the log) until the options name another port."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))  # noqa: S104 - as the listener binds
        taken.listen()
        port = taken.getsockname()[1]
        entry = push_entry(Family.CLOUD_WS, CLOUD_SERIAL, listen_port=port)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, f"listen_port_taken_{port}")
    assert issue is not None
    assert (issue.translation_key, issue.translation_placeholders["port"]) == (
        "listen_port_taken",
        str(port),
    )
    hass.config_entries.async_update_entry(entry, options={**entry.options, "listen_port": 0})
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, f"listen_port_taken_{port}") is None
