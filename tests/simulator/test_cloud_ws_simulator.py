"""Tests of the cloud WebSocket simulator against a scripted WebSocket server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
from typing import Any

from aiohttp import WSMsgType, web
import pytest
from pytest_aiohttp import AiohttpServer

from simulator.cloud_ws import CloudWsSimulator, run_cloud_ws, websocket_url
from simulator.cloud_ws_device import CARD, DOOR_CLOSED, DOOR_OPENED, PHOTO

from . import common

SERIAL = "ZX12345678"


class FakeServer:
    """Accepts (or refuses) registrations, acknowledges logs and sends commands."""

    def __init__(self) -> None:
        self.accept = True
        self.frames: list[dict[str, Any]] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/ws", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            self.frames.append(frame)
            name = frame.get("cmd")
            if name == "reg":
                await socket.send_json(
                    {"ret": "reg", "result": self.accept, "cloudtime": "2030-01-02 03:04:05"}
                )
            elif name == "sendlog":
                await socket.send_json(
                    {
                        "ret": "sendlog",
                        "result": True,
                        "count": frame["count"],
                        "logindex": frame["logindex"],
                    }
                )
            elif name in ("senduser", "sendqrcode"):
                await socket.send_json({"ret": name, "result": True, "access": 1})
            elif (future := self.waiting.pop(frame.get("ret", ""), None)) is not None:
                future.set_result(frame)
        return socket

    def of(self, name: str) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame.get("cmd") == name]

    async def command(self, name: str, /, **fields: Any) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[name] = future
        await self.sockets[-1].send_json({"cmd": name, **fields})
        return await asyncio.wait_for(future, 5)

    async def pages(self, name: str, key: str = "record") -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        first = True
        while True:
            page = await self.command(name, stn=first)
            first = False
            if not page[key]:
                return items
            items += page[key]


@pytest.fixture
async def server(aiohttp_server: AiohttpServer) -> FakeServer:
    fake = FakeServer()
    test_server = await aiohttp_server(fake.app())
    fake.url = str(test_server.make_url("/ws")).replace("http://", "ws://")
    return fake


@pytest.fixture
async def sim(server: FakeServer) -> AsyncIterator[CloudWsSimulator]:
    simulator = CloudWsSimulator(
        server.url, SERIAL, reconnect_delay=0.05, enroll_delay=0.01, seed=3
    )
    simulator.add_demo_users(3)
    await simulator.start()
    await asyncio.wait_for(simulator.wait_registered(), 5)
    yield simulator
    await simulator.stop()


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("ws://10.0.0.2:7788", "ws://10.0.0.2:7788"),
        ("http://10.0.0.2:8123", "ws://10.0.0.2:8123/api/access_terminal/ws"),
        ("https://ha.local/", "wss://ha.local/api/access_terminal/ws"),
        ("http://10.0.0.2:8123/custom", "ws://10.0.0.2:8123/custom"),
    ],
)
def test_websocket_url(server: str, url: str) -> None:
    assert websocket_url(server) == url


async def test_registers_with_its_capacities_and_takes_the_server_time(
    server: FakeServer, sim: CloudWsSimulator
) -> None:
    (reg,) = server.of("reg")
    assert reg["sn"] == SERIAL
    assert reg["devinfo"]["useduser"] == 3
    assert sim.tables.now().startswith("2030-01-02 03:0")


async def test_access_is_reported_with_a_photo(server: FakeServer, sim: CloudWsSimulator) -> None:
    answer = await sim.access(2, mode=8, temperature=36.6)
    assert answer is not None
    assert answer["logindex"] == 1
    (sent,) = server.of("sendlog")
    (record,) = sent["record"]
    assert (record["enrollid"], record["mode"], record["temp"]) == (2, 8, 36.6)
    assert record["image"]
    assert not sim.tables.logs[-1].new
    assert await sim.door_event(1) is not None
    assert server.of("sendlog")[-1]["record"][0]["enrollid"] == 0
    assert (await sim.scan_qr("123456") or {})["access"] == 1


async def test_obeys_user_commands_and_pages(server: FakeServer, sim: CloudWsSimulator) -> None:
    for number in range(10, 110):
        answer = await server.command(
            "setuserinfo",
            enrollid=number,
            name=f"P{number}",
            admin=0,
            backupnum=CARD,
            record=number * 7,
        )
        assert answer["result"] is True
    listed = await server.pages("getuserlist")
    numbers = {item["enrollid"] for item in listed}
    assert numbers == {1, 2, 3, *range(10, 110)}
    info = await server.command("getuserinfo", enrollid=42, backupnum=CARD)
    assert (info["name"], info["record"]) == ("P42", 294)
    assert (await server.command("getuserinfo", enrollid=42, backupnum=PHOTO))["result"] is False
    assert (await server.command("deleteuser", enrollid=42, backupnum=13))["result"] is True
    assert 42 not in sim.tables.users
    assert (await server.command("deleteuser", enrollid=42, backupnum=13))["result"] is False
    assert (await server.command("getusername", enrollid=10))["record"] == "P10"
    answer = await server.command(
        "setuserinfo",
        enrollid=5,
        name="Full",
        admin=1,
        enable=0,
        card=555,
        pwd=1234,
        starttime="2024-01-01 00:00:00",
        endtime="2030-01-01 00:00:00",
        department="HR",
    )
    assert answer["result"] is True
    user = sim.tables.users[5]
    assert (user.enabled, user.records, user.department) == (False, {11: 555, 10: 1234}, "HR")
    lock = await server.command("getuserlock", enrollid=5)
    assert lock["endtime"] == "2030-01-01 00:00:00"
    assert (await server.command("enableuser", enrollid=5, enflag=1))["result"] is True
    assert sim.tables.users[5].enabled


async def test_obeys_device_commands(server: FakeServer, sim: CloudWsSimulator) -> None:
    assert (await server.command("opendoor", doornum=2))["result"] is True
    assert (await server.command("opendoor", doornum=9))["result"] is False
    assert (await server.command("lockctrl", fuc=1))["result"] is True
    assert (sim.tables.door_commands, sim.tables.lock_modes) == ([2], [1])
    assert (await server.command("settime", cloudtime="2031-05-06 07:08:09"))["result"] is True
    assert (await server.command("gettime"))["time"].startswith("2031-05-06 07:08")
    assert (await server.command("settime", cloudtime="soon"))["result"] is False
    assert (await server.command("fly"))["result"] is False
    assert (await server.command("setdevinfo", volume=9))["result"] is True
    assert (await server.command("getdevinfo"))["volume"] == 9
    holidays = [{"name": f"h{n}", "startday": "01-01"} for n in range(12)]
    assert (await server.command("setholiday", holidays=holidays))["result"] is True
    assert len(await server.pages("getholiday", key="holidays")) == 12
    assert (await server.command("getdevcap"))["useduser"] == 3
    await server.sockets[-1].send_json({"cmd": "reboot"})
    await common.wait_for(lambda: sim.tables.reboots == 1)


async def test_remote_enrollment_ends_with_senduser(
    server: FakeServer, sim: CloudWsSimulator
) -> None:
    answer = await server.command("adduser", enrollid=77, backupnum=PHOTO, admin=0)
    assert answer["result"] is True
    await common.wait_for(lambda: bool(server.of("senduser")))
    (sent,) = server.of("senduser")
    assert (sent["enrollid"], sent["backupnum"]) == (77, PHOTO)
    again = await server.command("adduser", enrollid=77, backupnum=PHOTO)
    assert (again["result"], again["reason"]) == (False, 2)


async def test_logs_made_offline_are_pushed_after_reconnecting(
    server: FakeServer, sim: CloudWsSimulator
) -> None:
    await sim.go_offline()
    assert await sim.access(1) is None
    assert await sim.access(2) is None
    sim.go_online()
    await common.wait_for(lambda: len(server.of("sendlog")) == 1)
    assert [r["enrollid"] for r in server.of("sendlog")[0]["record"]] == [1, 2]
    assert sim.connections == 2
    # The server has seen the logs; the simulator marks them sent once it read the answer.
    await common.wait_for(lambda: not any(log.new for log in sim.tables.logs))


async def test_logs_made_offline_wait_for_getnewlog(
    server: FakeServer, sim: CloudWsSimulator
) -> None:
    sim.push_backlog = False
    await sim.go_offline()
    for number in range(60):
        await sim.access(1 + number % 3, photo=False)
    sim.go_online()
    await asyncio.wait_for(sim.wait_registered(), 5)
    first = await server.command("getnewlog", stn=True)
    assert (first["count"], first["from"], first["to"]) == (60, 0, 49)
    second = await server.command("getnewlog", stn=False)
    assert (second["from"], second["to"]) == (50, 59)
    assert (await server.command("getnewlog", stn=False))["record"] == []
    assert (await server.command("getnewlog", stn=True))["count"] == 0
    assert len(await server.pages("getalllog")) == 60
    assert server.of("sendlog") == []


def rejected(simulator: CloudWsSimulator) -> bool:
    # A function call, so that mypy does not narrow the attribute across awaits.
    return simulator.rejected


async def test_a_refused_terminal_tries_again(server: FakeServer) -> None:
    server.accept = False
    simulator = CloudWsSimulator(server.url, SERIAL, reconnect_delay=0.05)
    await simulator.start()
    try:
        await common.wait_for(lambda: len(server.of("reg")) >= 2)
        assert rejected(simulator)
        assert await simulator.access(1, photo=False) is None  # kept for later
        server.accept = True
        await asyncio.wait_for(simulator.wait_registered(), 5)
        assert not rejected(simulator)
        await common.wait_for(lambda: bool(server.of("sendlog")))
    finally:
        await simulator.stop()


async def test_random_events_without_a_server() -> None:
    simulator = CloudWsSimulator(
        common.closed_url(), SERIAL, event_interval=0.01, reconnect_delay=0.05, seed=1
    )
    simulator.add_demo_users(2)
    await simulator.start()
    await common.wait_for(lambda: len(simulator.tables.logs) >= 5)
    await simulator.stop()
    assert all(log.new for log in simulator.tables.logs)


def test_cli_arguments() -> None:
    args = common.parse_cli("cloud_ws", "--serial=AI1", "--reconnect=2", "--no-backlog")
    assert (args.serial, args.reconnect, args.no_backlog) == ("AI1", 2.0, True)
    args = common.parse_defaults("cloud_ws")
    assert (args.serial, args.reconnect, args.no_backlog) == ("ZX12345678", 5.0, False)


async def test_run_cloud_ws_stops_on_sigterm(server: FakeServer) -> None:
    args = common.parse_cli("cloud_ws")
    args.server = server.url
    await common.stops_on_sigterm(run_cloud_ws(args), lambda: bool(server.of("reg")))


async def test_someone_passing_opens_and_closes_the_door() -> None:
    """The demo's door closes after it opens (a door left open for ever looks broken)."""
    simulator = CloudWsSimulator(common.closed_url(), SERIAL, reconnect_delay=0.05, seed=1)
    simulator.door_seconds = 0.01
    await simulator.pass_door()
    assert [log.fields["event"] for log in simulator.tables.logs] == [DOOR_OPENED, DOOR_CLOSED]
