"""A scripted cloud terminal at the far end of the socket, and what it sends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta, timezone
import json
from typing import Any

from custom_components.access_terminal.protocols.cloud_ws import (
    CloudWsTerminal,
    Reply,
    parse_message,
)
from custom_components.access_terminal.protocols.cloud_ws.wire import encode
from custom_components.access_terminal.protocols.model import AccessEvent

from ..common import RecordingListener

SERIAL = "ZX12345678"
ZONE = timezone(timedelta(hours=8))
SHORT = 0.05
PHOTO = b"\xff\xd8photo"

# How a scripted device answers a command: a fixed answer, a list used in turn, a function, or
# None (it never answers).
Script = dict[str, Any] | list[dict[str, Any]] | Callable[[dict[str, Any]], dict[str, Any]] | None


class FakeDevice:
    """A socket whose far end answers our commands from scripts, as a terminal would."""

    def __init__(self, terminal: CloudWsTerminal) -> None:
        self.terminal = terminal
        self.sent: list[dict[str, Any]] = []
        self.scripts: dict[str, Script] = {
            "getdevcap": {"result": False, "reason": 1},
            "getnewlog": {"result": True, "count": 0, "from": 0, "to": 0, "record": []},
        }
        self.closed = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def commands(self) -> list[str]:
        return [frame["cmd"] for frame in self.sent]

    async def send(self, text: str) -> None:
        frame = json.loads(text)
        self.sent.append(frame)
        if "cmd" not in frame:
            return  # a reply to the device
        script = self.scripts.get(frame["cmd"], {"result": True})
        if isinstance(script, list):
            answer = script.pop(0) if script else None
        elif callable(script):
            answer = script(frame)
        else:
            answer = script
        if answer is not None:
            document = {"ret": frame["cmd"], "sn": SERIAL, **answer}
            task = asyncio.create_task(self.terminal.handle(parse_message(encode(document))))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        self.closed = True


class Authorizer:
    def __init__(self, granted: bool = True) -> None:
        self.granted = granted
        self.asked: list[AccessEvent] = []

    async def __call__(self, event: AccessEvent) -> tuple[bool, str | None]:
        self.asked.append(event)
        return self.granted, None if self.granted else "Access denied"


# Every terminal a test made, closed after it (conftest.py).
MADE: list[CloudWsTerminal] = []


def make(
    timeout: float = 5.0, authorizer: Authorizer | None = None
) -> tuple[CloudWsTerminal, RecordingListener, FakeDevice]:
    listener = RecordingListener()
    terminal = CloudWsTerminal(
        SERIAL, listener, zone=ZONE, command_timeout=timeout, authorizer=authorizer
    )
    MADE.append(terminal)
    device = FakeDevice(terminal)
    terminal.attach(device)
    return terminal, listener, device


async def frame(terminal: CloudWsTerminal, **fields: Any) -> Reply | None:
    reply = await terminal.handle(parse_message(encode({"sn": SERIAL, **fields})))
    if reply is not None and reply.then is not None:
        reply.then()
    return reply


async def settle(terminal: CloudWsTerminal) -> None:
    """Let the background work after a registration finish."""
    for _ in range(200):
        await asyncio.sleep(0)
    backfill = terminal._backfill
    if backfill is not None:
        await asyncio.wait_for(backfill, 5)


REG = {
    "cmd": "reg",
    "cpushn": "123456789",
    "devinfo": {
        "modelname": "tfs30",
        "usersize": 3000,
        "fpsize": 3000,
        "cardsize": 3000,
        "useduser": 10,
        "firmware": "th600w v6.1",
        "time": "2016-03-25 13:49:30",
    },
}


def page(start: int, size: int, count: int | None) -> dict[str, Any]:
    """Return a listing page of `size` users from `start`, each with a card; `count` as sent."""
    records = [{"enrollid": n, "admin": 0, "backupnum": 11} for n in range(start, start + size)]
    fields: dict[str, Any] = {"result": True, "from": start, "to": start + size - 1}
    if count is not None:
        fields["count"] = count
    return {**fields, "record": records}
