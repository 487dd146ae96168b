"""Cloud WebSocket terminal (AiFace / TFS class): connects to the server and keeps the socket open.

specs/002_c663bad8f76a6161.txt: the terminal opens a WebSocket, registers (`reg`), reports each
access at once (`sendlog`, with a photo) and users enrolled at it (`senduser`), and obeys the
server's commands on the same socket (cloud_ws_device.py answers them). Logs made while it is
offline stay "new": they are pushed again after the next registration (unless told not to) and
handed out by `getnewlog`. A refused registration closes the socket; it tries again later.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from datetime import datetime
import json
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from simulator.access_rules import GRANTED
from simulator.cli import SimulatorFamily, add_common_arguments, device_options, run_demo, seconds
from simulator.cloud_ws_device import (
    DOOR_CLOSED,
    DOOR_OPENED,
    EXIT_BUTTON,
    DeviceTables,
    SimLog,
)
from simulator.common import jitter, make_rng, shorten

_LOGGER = logging.getLogger(__name__)

WEBSOCKET_PATH = "/api/access_terminal/ws"
# Logs per sendlog when the backlog is pushed after a reconnect.
BACKLOG_BATCH = 10
# The AI face terminal's verify modes (sendlog example): fingerprint, password, card, face.
_MODES = (1, 2, 3, 8, 8, 8)


def websocket_url(server: str) -> str:
    """Return the WebSocket URL: ws:// URLs as given; an http:// base gets Home Assistant's path."""
    parts = urlsplit(server)
    if parts.scheme in ("ws", "wss"):
        return server
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/") or WEBSOCKET_PATH
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


class CloudWsSimulator:
    """One simulated terminal and its socket."""

    family = "cloud_ws"

    def __init__(
        self,
        server: str,
        serial: str,
        *,
        session: aiohttp.ClientSession | None = None,
        event_interval: float | None = None,
        seed: int | None = None,
        reconnect_delay: float = 5.0,
        enroll_delay: float = 2.0,
        answer_timeout: float = 10.0,
        push_backlog: bool = True,
    ) -> None:
        """Prepare the terminal; nothing connects before start()."""
        self.url = websocket_url(server)
        self.serial = serial
        self.event_interval = event_interval
        self.reconnect_delay = reconnect_delay
        self.enroll_delay = enroll_delay
        self.answer_timeout = answer_timeout
        self.push_backlog = push_backlog
        # How long someone passing holds the door open (None: the terminal's open delay).
        self._door_seconds: float | None = None
        self._rng = make_rng(seed)
        self.tables = DeviceTables(serial, self._rng)
        self._session = session
        self._owns_session = session is None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._wanted_online = asyncio.Event()
        self._wanted_online.set()
        self.registered = asyncio.Event()
        # True while the last registration was refused.
        self.rejected = False
        self.connections = 0
        self.log_index = 0
        self._answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # Every frame the server sent, in order (commands and answers).
        self.received: list[dict[str, Any]] = []

    @property
    def door_seconds(self) -> float:
        """Return how long a passage holds the door open: the open delay, unless a test says."""
        if self._door_seconds is not None:
            return self._door_seconds
        return float(self.tables.access.get("opendelay"))

    @door_seconds.setter
    def door_seconds(self, seconds: float) -> None:
        self._door_seconds = seconds

    # -- life cycle ------------------------------------------------------------------------

    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count."""
        self.tables.add_demo_users(count)

    async def start(self) -> None:
        """Connect (and keep connecting) in the background; make random events if enabled."""
        if self._runner is not None and not self._runner.done():
            return
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self._runner = asyncio.create_task(self._run(), name=f"cloud_ws {self.serial}")
        if self.event_interval:
            self._spawn(self._random_events())

    async def stop(self) -> None:
        """Close the socket, stop every task and close the session if this terminal made it."""
        tasks = [task for task in (self._runner, *self._tasks) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._runner = None
        if self._socket is not None:
            await self._socket.close()
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def go_offline(self) -> None:
        """Drop the connection and stay away (logs made meanwhile stay new)."""
        self._wanted_online.clear()
        if self._socket is not None:
            await self._socket.close()

    def go_online(self) -> None:
        """Connect again."""
        self._wanted_online.set()

    async def wait_registered(self) -> None:
        """Wait until the server accepted the registration (callers bound the wait)."""
        await self.registered.wait()

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        while True:
            await self._wanted_online.wait()
            try:
                await self._connect_once()
            except (aiohttp.ClientError, OSError, TimeoutError) as err:
                _LOGGER.info("%s connect to %s -> failed: %r", self.serial, self.url, err)
            if self._wanted_online.is_set():
                await asyncio.sleep(self.reconnect_delay)

    async def _connect_once(self) -> None:
        assert self._session is not None  # noqa: S101 - made in start()
        async with self._session.ws_connect(self.url, heartbeat=30) as socket:
            self._socket = socket
            self.connections += 1
            try:
                await self._send(
                    {
                        "cmd": "reg",
                        "sn": self.serial,
                        "cpushn": "123456789",
                        "devinfo": self.tables.devinfo(),
                    }
                )
                async for frame in socket:
                    if frame.type is aiohttp.WSMsgType.TEXT:
                        await self._on_frame(json.loads(frame.data))
            finally:
                self._socket = None
                self.registered.clear()
                for future in self._answers.values():
                    future.cancel()
                self._answers.clear()
                _LOGGER.info("%s disconnected", self.serial)

    async def _send(self, document: dict[str, Any]) -> None:
        if self._socket is None:
            raise ConnectionResetError("not connected")
        _LOGGER.info("%s -> %s", self.serial, shorten(json.dumps(document, ensure_ascii=False)))
        await self._socket.send_str(json.dumps(document, ensure_ascii=False))

    # -- frames from the server ------------------------------------------------------------

    async def _on_frame(self, document: dict[str, Any]) -> None:
        self.received.append(document)
        _LOGGER.info("%s <- %s", self.serial, shorten(json.dumps(document, ensure_ascii=False)))
        if "ret" in document:
            await self._on_answer(document)
            return
        answer = self.tables.answer(document)
        if answer is not None:
            await self._send(answer)
        while self.tables.enrollments:
            self._spawn(self._finish_enrollment(*self.tables.enrollments.pop(0)))

    async def _on_answer(self, document: dict[str, Any]) -> None:
        name = str(document["ret"])
        if name == "reg":
            if document.get("result") is True:
                self.rejected = False
                self.tables.set_time(document.get("cloudtime"))
                self.registered.set()
                if self.push_backlog:
                    self._spawn(self._push_backlog())
            else:
                self.rejected = True
                if self._socket is not None:
                    await self._socket.close()
            return
        key = f"{name}:{document.get('logindex', '')}" if name == "sendlog" else name
        future = self._answers.pop(key, None)
        if future is not None and not future.done():
            future.set_result(document)

    async def _request(self, document: dict[str, Any], key: str) -> dict[str, Any] | None:
        """Send a frame of ours and wait for the server's answer (None: none came)."""
        if not self.registered.is_set():
            return None
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[key] = future
        try:
            await self._send(document)
            async with asyncio.timeout(self.answer_timeout):
                return await future
        except (ConnectionError, TimeoutError, asyncio.CancelledError, RuntimeError):
            return None
        finally:
            self._answers.pop(key, None)

    # -- what happens at the terminal ------------------------------------------------------

    async def report(self, logs: list[SimLog]) -> dict[str, Any] | None:
        """Send logs (`sendlog`); they stop being new once the server acknowledged them."""
        self.log_index += 1
        document = {
            "cmd": "sendlog",
            "sn": self.serial,
            "count": len(logs),
            "logindex": self.log_index,
            "record": [log.fields for log in logs],
        }
        answer = await self._request(document, f"sendlog:{self.log_index}")
        if answer is not None and answer.get("result") is True:
            for log in logs:
                log.new = False
        return answer

    async def access(
        self,
        enroll_id: int,
        *,
        mode: int = 8,
        inout: int = 0,
        photo: bool = True,
        temperature: float | None = None,
    ) -> dict[str, Any] | None:
        """Someone identifies at the terminal; the log is reported at once if connected."""
        log = self.tables.record(
            enroll_id, mode=mode, inout=inout, photo=photo, temperature=temperature
        )
        return await self.report([log])

    def lost_access(self, enroll_id: int, *, mode: int = 8) -> dict[str, Any]:
        """Someone identifies, and the log is lost on the way (the terminal thinks it went).

        It is no new log any more: only `getalllog` hands it over again. Returns its fields.
        """
        log = self.tables.record(enroll_id, mode=mode, photo=False)
        log.new = False
        return log.fields

    def set_clock(self, moment: datetime) -> None:
        """Set the terminal's local clock to `moment`'s wall time (it runs on from there)."""
        self.tables.set_time(moment.strftime("%Y-%m-%d %H:%M:%S"))

    async def verify(self, enroll_id: int, *, door: int = 1, mode: int = 8) -> str:
        """Let a person identify: the terminal decides from its tables; a passage is logged.

        Returns "granted" or why it refused (a refusal leaves no log: the protocol's logs are
        passages).
        """
        outcome = self.tables.decide(enroll_id, door)
        if outcome == GRANTED:
            log = self.tables.record(enroll_id, mode=mode, photo=False)
            log.fields["doornum"] = door
            await self.report([log])
        return outcome

    async def door_event(self, event: int) -> dict[str, Any] | None:
        """Report a door event (a record with enrollid 0)."""
        return await self.report([self.tables.record(0, mode=0, inout=1, event=event)])

    async def scan_qr(self, code: str) -> dict[str, Any] | None:
        """Someone shows a QR code; return the server's verdict."""
        return await self._request(
            {"cmd": "sendqrcode", "sn": self.serial, "record": code}, "sendqrcode"
        )

    async def _push_backlog(self) -> None:
        backlog = [log for log in self.tables.logs if log.new]
        for start in range(0, len(backlog), BACKLOG_BATCH):
            if await self.report(backlog[start : start + BACKLOG_BATCH]) is None:
                return

    async def _finish_enrollment(self, number: int, backupnum: int) -> None:
        await asyncio.sleep(self.enroll_delay)
        await self._request(self.tables.enrolled(number, backupnum), "senduser")

    async def _random_events(self) -> None:
        assert self.event_interval is not None  # noqa: S101 - only started with one
        while True:
            await asyncio.sleep(jitter(self._rng, self.event_interval))
            users = sorted(self.tables.users)
            roll = self._rng.random()
            if users and roll < 0.8:
                await self.access(
                    self._rng.choice(users),
                    mode=self._rng.choice(_MODES),
                    inout=self._rng.randint(0, 1),
                    temperature=round(self._rng.uniform(36.0, 37.2), 1),
                )
            else:
                if self._rng.random() < 0.5:
                    await self.door_event(EXIT_BUTTON)
                self._spawn(self.pass_door())  # the terminal goes on while the door is open

    async def pass_door(self) -> None:
        """Someone goes through: the door opens, and closes after `door_seconds`."""
        await self.door_event(DOOR_OPENED)
        await asyncio.sleep(self.door_seconds)
        await self.door_event(DOOR_CLOSED)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the cloud_ws subcommand's options."""
    add_common_arguments(parser, serial="ZX12345678")
    parser.add_argument(
        "--reconnect",
        type=seconds(allow_zero=False),
        default=5.0,
        help="seconds before connecting again after a refusal or a lost socket (default 5)",
    )
    parser.add_argument(
        "--no-backlog",
        action="store_true",
        help="do not push logs made while offline: the server must fetch them (getnewlog)",
    )


async def run_cloud_ws(args: argparse.Namespace) -> None:
    """Run one cloud WebSocket terminal until interrupted."""
    simulator = CloudWsSimulator(
        **device_options(args),
        reconnect_delay=args.reconnect,
        push_backlog=not args.no_backlog,
    )
    await run_demo(simulator, args)


FAMILY = SimulatorFamily(
    name="cloud_ws",
    help="Cloud WebSocket terminal (AiFace / TFS) connected to ws://.../api/access_terminal/ws",
    add_arguments=add_arguments,
    run=run_cloud_ws,
)
