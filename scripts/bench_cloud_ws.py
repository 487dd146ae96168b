"""What the benchmark needs for cloud WebSocket terminals (see bench_families.py).

Each terminal holds one socket: `hello` connects and registers, `record` sends one `sendlog` with
a photo and waits for its answer. The bare and floor baselines serve the same socket on their own
paths; the sync runs against the cloud simulator and replays its commands from the bare socket.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, ClientWebSocketResponse, WSMsgType, web

from custom_components.access_terminal.protocols.cloud_ws import parse_message
from custom_components.access_terminal.protocols.cloud_ws.codes import log_record
from custom_components.access_terminal.protocols.model import User
from simulator.cloud_ws import WEBSOCKET_PATH, CloudWsSimulator
from simulator.common import jpeg_photo

# Devices' local time: the zone does not matter to the figures.
_ZONE = ZoneInfo("UTC")


class CloudWsLoad:
    """A lightweight cloud terminal: one socket, `sendlog` records with a photo."""

    def __init__(self, session: ClientSession, base: str, serial: str) -> None:
        """Prepare the photo; nothing connects before the first request."""
        self.session = session
        self.url = base + WEBSOCKET_PATH
        self.serial = serial
        self.index = 0
        self.image = base64.b64encode(jpeg_photo(serial)).decode()
        self.socket: ClientWebSocketResponse | None = None
        self.answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def _ask(self, document: dict[str, Any], key: str) -> dict[str, Any]:
        assert self.socket is not None  # noqa: S101 - connected by hello()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.answers[key] = future
        await self.socket.send_str(json.dumps(document))
        return await asyncio.wait_for(future, 30)

    async def _read(self) -> None:
        assert self.socket is not None  # noqa: S101 - connected by hello()
        async for frame in self.socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            document = json.loads(frame.data)
            if "ret" in document:
                key = f"{document['ret']}:{document.get('logindex', '')}"
                if (future := self.answers.pop(key, None)) is not None:
                    future.set_result(document)
            else:  # the server's commands after a registration: nothing to report
                empty = {"count": 0, "from": 0, "to": 0, "record": []}
                await self.socket.send_str(
                    json.dumps({"ret": document["cmd"], "result": True, **empty})
                )

    async def hello(self) -> None:
        """Connect and register."""
        if self.socket is not None:
            return
        self.socket = await self.session.ws_connect(self.url)
        self.reader = asyncio.create_task(self._read())
        reply = await self._ask({"cmd": "reg", "sn": self.serial, "devinfo": {}}, "reg:")
        if reply.get("result") is not True:
            raise RuntimeError(f"registration refused: {reply}")

    async def keepalive(self) -> None:
        """Nothing: the socket's own pings keep it alive."""

    async def record(self) -> float:
        """Send one face access with its photo."""
        await self.hello()
        self.index += 1
        record = {
            "enrollid": 1 + self.index % 50,
            "time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "mode": 8,
            "inout": 0,
            "event": 0,
            "temp": 36.5,
            "image": self.image,
        }
        document = {
            "cmd": "sendlog",
            "sn": self.serial,
            "count": 1,
            "logindex": self.index,
            "record": [record],
        }
        started = time.perf_counter()
        reply = await self._ask(document, f"sendlog:{self.index}")
        if reply.get("result") is not True:
            raise RuntimeError(f"record refused: {reply}")
        return time.perf_counter() - started


@dataclass
class BareSocket:
    """What a server with nothing to do answers on the socket; it can replay commands."""

    commands: list[dict[str, Any]] = field(default_factory=list)
    replayed: asyncio.Event = field(default_factory=asyncio.Event)
    _waiting: asyncio.Future[None] | None = None
    _replaying: asyncio.Task[None] | None = None

    async def serve(
        self,
        request: web.Request,
        on_record: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> web.WebSocketResponse:
        """Answer `reg` and `sendlog`; `on_record` (the floor) gets each parsed record first."""
        socket = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024)
        await socket.prepare(request)
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            message = parse_message(frame.data)
            fields = message.fields
            if message.name == "reg":
                await socket.send_str(json.dumps({"ret": "reg", "result": True}))
                if self.commands:
                    self._replaying = asyncio.create_task(self._replay(socket))
            elif message.name == "sendlog":
                if on_record is not None:
                    received = datetime.now(UTC)
                    for item in fields.get("record") or []:
                        record = log_record(item, _ZONE, received)
                        on_record(message.serial or "", record.events[0].as_dict())
                reply = {"ret": "sendlog", "result": True, "count": fields.get("count")}
                await socket.send_str(json.dumps({**reply, "logindex": fields.get("logindex")}))
            elif self._waiting is not None and not self._waiting.done():
                self._waiting.set_result(None)
        return socket

    async def _replay(self, socket: web.WebSocketResponse) -> None:
        """Send the commands one at a time, each after the previous one's answer."""
        while self.commands:
            self._waiting = asyncio.get_running_loop().create_future()
            await socket.send_str(json.dumps(self.commands.pop(0)))
            await self._waiting
        self.replayed.set()


async def sync_cloud_ws(
    session: ClientSession,
    base: str,
    replay: BareSocket,
    sync: Callable[[list[User]], Awaitable[Any]],
    desired: list[User],
) -> dict[str, Any]:
    """Sync to a cloud simulator (one command per user), then replay them from the bare socket.

    Returns the fields of bench_families.SyncRun.
    """
    sim = CloudWsSimulator(base, "SYNC00000001", session=session, seed=1)
    await sim.start()
    await asyncio.wait_for(sim.wait_registered(), 30)
    started = time.perf_counter()
    await sync(desired)
    first = time.perf_counter() - started
    writes = [c for c in sim.tables.received if c["cmd"] in ("setuserinfo", "deleteuser")]
    desired[len(desired) // 2].name = "Renamed"
    sent_before = len(sim.tables.received)
    started = time.perf_counter()
    await sync(desired)
    second = time.perf_counter() - started
    later = sim.tables.received[sent_before:]
    await sim.stop()
    replay.commands = list(writes)
    replay.replayed.clear()
    bare_sim = CloudWsSimulator(
        f"{base}/bare{WEBSOCKET_PATH}", "BARE00000001", session=session, seed=1
    )
    await bare_sim.start()
    started = time.perf_counter()
    await asyncio.wait_for(replay.replayed.wait(), 3600)
    bare_transfer = time.perf_counter() - started
    await bare_sim.stop()
    return {
        "users_on_device": len(sim.tables.users),
        "first_sync_s": first,
        "first_sync_pages": len(writes),
        "largest_page": 1,
        "second_sync_s": second,
        "second_sync_people_sent": len({c["enrollid"] for c in later if c["cmd"] == "setuserinfo"}),
        "bare_transfer_s": bare_transfer,
    }
