"""The scripted ZK terminal the tests talk through, and what it announces."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta, timezone, tzinfo
import hashlib
import re
from typing import Any

from custom_components.access_terminal.protocols.model import Authorizer, DoorState, FirmwareImage
from custom_components.access_terminal.protocols.zk_push import (
    Endpoint,
    Reply,
    ZkPushTerminal,
    parse_request,
)
from custom_components.access_terminal.protocols.zk_push.wire import old_decode_time, parse_options

from ..common import RecordingListener

SERIAL = "CGXH201360001"
ZONE = timezone(timedelta(hours=2))
SHORT = 0.05  # command timeout of the tests that let a command time out
# Section 7.4's registry body, cut down: four doors, ZK-second validity, blacklist, several
# cards per user, door locking, long names, DevID, fingerprint / palm / face templates and face
# photos, door 2 opening for ten seconds.
REGISTRY = (
    "DeviceType=acc,~DeviceName=InBio460,FirmVer=AC Ver 5.7.8.3033,PushVersion=Ver 2.0.22,"
    "LockCount=4,ReaderCount=8,~MaxUserCount=50,~ZKFPVersion=10,DisableUserFunOn=1,"
    "DateFmtFunOn=1,MulCardUserFunOn=1,FingerFunOn=1,FaceFunOn=1,"
    "AccSupportFunList=0010010000000000000000000010000000,"
    "MultiBioDataSupport=0:1:0:0:0:0:0:0:1:1,MultiBioPhotoSupport=0:0:0:0:0:0:0:0:0:1,"
    "MultiBioVersion=0:10.0:0:0:0:0:0:0:1.0:5.8,Door1Drivertime=4,Door2Drivertime=10"
)
# A one-door controller that announces nothing more.
PLAIN = "DeviceType=acc,~DeviceName=F20/M,LockCount=1"
# Section 10.2's rtlog example as sent: runs of spaces, wrapped over two lines.
RTLOG_EXAMPLE = (
    "time=2017-01-10 11:49:32      pin=0      cardno=0      eventaddr=1 event=27"
    "      inoutstatus=1\n\nverifytype=0      index=21"
)


# What a registered controller is told (sections 7.1 and 7.5), before its SessionID. 3.0.1 keeps
# terminals from encrypting (Appendix 13).
SERVER_PARAMETERS = [
    "ServerVersion=3.0.1",
    "ServerName=ADMS",
    "PushProtVer=3.0.1",
    "ErrorDelay=30",
    "RequestDelay=3",
    "TransTimes=00:00;14:00",
    "TransInterval=1",
    "TransTables=User Transaction",
    "Realtime=1",
]
FIRMWARE = FirmwareImage(
    data=b"x" * 6558,
    md5="A5BF4DCD6020F408589224274AAB132D",
    version="5.8",
    url="http://ha.local:8123/api/access_terminal/firmware/abc",
)


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class Device:
    """A scripted terminal: each method is one request, answered by the ZkPushTerminal."""

    def __init__(
        self,
        *,
        authorizer: Authorizer | None = None,
        command_timeout: float = 5.0,
        zone: tzinfo = ZONE,
    ) -> None:
        self.listener = RecordingListener()
        self.terminal = ZkPushTerminal(
            SERIAL,
            self.listener,
            zone=zone,
            authorizer=authorizer,
            command_timeout=command_timeout,
        )
        self.cookie: str | None = None
        self.session = ""

    def token(self, session: str | None = None) -> str:
        """Return md5(RegistryCode + SN + SessionID) for `session` (the latest by default)."""
        return md5(f"{self.terminal.registry_code}{SERIAL}{session or self.session}")

    async def send(
        self,
        endpoint: Endpoint,
        body: str | bytes = b"",
        *,
        method: str = "POST",
        cookie: str | None = None,
        **query: str,
    ) -> Reply:
        data = body.encode() if isinstance(body, str) else body
        request = parse_request(
            endpoint, method, {"SN": SERIAL, **query}, cookie or self.cookie, data
        )
        return await self.terminal.handle(request)

    async def get(self, endpoint: Endpoint, **query: str) -> Reply:
        return await self.send(endpoint, method="GET", **query)

    async def ping(self, token: str) -> int:
        """Return the status of a ping carrying `token`."""
        return (await self.get(Endpoint.PING, cookie=f"token={token}")).status

    async def handshake(self, **query: str) -> Reply:
        return await self.get(Endpoint.CDATA, options="all", **query)

    async def register(self, body: str = REGISTRY) -> None:
        """Hand-shake, registry and push, as a Security PUSH controller does."""
        assert (await self.handshake(pushver="3.1.2")).text == "OK"
        assert (await self.send(Endpoint.REGISTRY, body)).status == 200
        await self.push()

    async def push(self) -> list[str]:
        reply = await self.send(Endpoint.PUSH)
        assert reply.status == 200
        self.session = parse_options(reply.text)["SessionID"]
        return reply.text.split("\n")

    async def upload(self, table: str, body: str | bytes, **query: str) -> Reply:
        return await self.send(Endpoint.CDATA, body, table=table, **query)

    async def rows(self, table: str, body: str, **query: str) -> Reply:
        """Upload table rows (a tabledata upload, or a query answer with `cmdid`)."""
        endpoint = Endpoint.QUERYDATA if "cmdid" in query else Endpoint.CDATA
        kind = {"type": "tabledata"} if "cmdid" in query else {"table": "tabledata"}
        return await self.send(endpoint, body, tablename=table, **kind, **query)

    async def answer_options(self, command_id: int, body: str) -> Reply:
        """Upload the options a GET OPTIONS asked for (section 12.5.2: querydata, type=options)."""
        return await self.send(
            Endpoint.QUERYDATA, body, type="options", cmdid=str(command_id), tablename="options"
        )

    async def commands(self) -> list[tuple[int, str]]:
        """Ask for commands: (id, text) of each `C:<id>:<text>` (texts may span lines)."""
        reply = await self.get(Endpoint.GETREQUEST)
        assert reply.status == 200
        if reply.text == "OK":
            return []
        found = []
        for line in re.split(r"\n(?=C:\d+:)", reply.text):
            match = re.fullmatch(r"C:(\d+):(.*)", line, re.DOTALL)
            assert match is not None, line
            found.append((int(match[1]), match[2]))
        return found

    async def report(self, *results: tuple[int, int]) -> Reply:
        body = "\n".join(f"ID={number}&Return={code}&CMD=DATA" for number, code in results)
        reply = await self.send(Endpoint.DEVICECMD, body)
        await settle()
        return reply


def door(device: Device, number: int) -> DoorState:
    """Return a door's state as the terminal reports it now."""
    return device.terminal.doors[number]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def issue[T](
    device: Device, operation: Coroutine[Any, Any, T]
) -> tuple[asyncio.Task[T], list[tuple[int, str]]]:
    """Start an operation and take the commands it queued, as the device would."""
    task = asyncio.get_running_loop().create_task(operation)
    await settle()
    return task, await device.commands()


async def obey[T](device: Device, operation: Coroutine[Any, Any, T], code: int = 0) -> list[str]:
    """Run an operation whose commands all return `code`; return the command texts."""
    task, commands = await issue(device, operation)
    if commands:
        await device.report(*((number, code) for number, _ in commands))
    await task
    return [text for _, text in commands]


def assert_about_now(seconds: str, zone: tzinfo) -> None:
    """Check that ZK seconds name the current wall-clock time of `zone`."""
    sent = old_decode_time(int(seconds), zone)
    assert sent is not None
    assert abs(sent - datetime.now(zone)) < timedelta(seconds=5)
