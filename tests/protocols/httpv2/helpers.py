"""The HTTPv2 terminal the tests talk to, the listener it reports to, and requests to send."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import datetime
from typing import Any

from custom_components.access_terminal.protocols.httpv2 import (
    Endpoint,
    HttpV2Terminal,
    Reply,
    Request,
)
from custom_components.access_terminal.protocols.model import AccessEvent, Record, UserChange

SERIAL = "FC-8200H12345678"
SHORT = 0.05  # command timeout of tests that let a command time out
QUIET = 0.05  # list_quiet of the tests


class FakeListener:
    """Records everything a terminal reports; `fail` makes `records` raise."""

    def __init__(self) -> None:
        self.received: list[Record] = []
        self.fail = False
        self.seen_count = 0
        self.state_changes = 0
        self.user_changes: list[tuple[str | None, UserChange]] = []
        self.snapshots: list[bytes] = []
        self.persists = 0

    async def records(self, records: Sequence[Record]) -> Sequence[Record]:
        if self.fail:
            raise RuntimeError("database is locked")
        self.received.extend(records)
        return records  # every record is new and live here

    def seen(self) -> None:
        self.seen_count += 1

    def state_changed(self) -> None:
        self.state_changes += 1

    def user_changed(self, user_id: str | None, change: UserChange) -> None:
        self.user_changes.append((user_id, change))

    def snapshot(self, image: bytes) -> None:
        self.snapshots.append(image)

    def photo(self, image: bytes, taken: datetime) -> None:
        raise AssertionError("HTTPv2 records carry their photos")

    def persist(self) -> None:
        self.persists += 1

    async def commit(self) -> None:
        self.persists += 1

    @property
    def events(self) -> list[AccessEvent]:
        return [event for record in self.received for event in record.events]


def make_terminal(
    listener: FakeListener | None = None,
    *,
    command_timeout: float = 5.0,
    authorizer: Any = None,
) -> tuple[HttpV2Terminal, FakeListener]:
    listener = listener or FakeListener()
    terminal = HttpV2Terminal(
        SERIAL,
        listener,
        authorizer=authorizer,
        command_timeout=command_timeout,
        list_quiet=QUIET,
    )
    return terminal, listener


async def send(
    terminal: HttpV2Terminal,
    endpoint: Endpoint,
    fields: dict[str, Any] | None = None,
    *,
    document: dict[str, Any] | None = None,
    photo: bytes | None = None,
) -> Reply:
    return await terminal.handle(
        Request(endpoint, SERIAL, {"SN": SERIAL, **(fields or {})}, document, photo)
    )


async def keepalive(terminal: HttpV2Terminal, **fields: Any) -> dict[str, Any]:
    reply = await send(terminal, Endpoint.KEEPALIVE, fields)
    assert reply.status == 200
    assert reply.payload["Success"] == 1
    return reply.payload


async def remote(terminal: HttpV2Terminal) -> dict[str, Any]:
    reply = await send(terminal, Endpoint.REMOTE_COMMAND)
    assert reply.status == 200
    return reply.payload


def start[T](coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    return asyncio.get_running_loop().create_task(coro)


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


def record_detail(**overrides: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "RecordID": 120,
        "RecordType": 3,
        "RecordDate": 1718616771,
        "UserID": "1",
        "Name": "张三",
        "CardNum": "0",
        "IsEntry": 1,
        "BodyTemp": 0,
        "PhotoLen": 0,
    }
    detail.update(overrides)
    return detail


SETTINGS: dict[str, Any] = {
    "DeviceSN": SERIAL,
    "DeviceName": "Front door",
    "FirmwareVerson": "8.46",
    "Manufacturer": "ACME",
    "ReleaseTime": 3,
    "KeepaliveTime": 30,
    "HTTPClient_KeepaliveTime": 20,
    "RelayStatus": 0,
    "KeepOpenStatus": 0,
    "DoorSensorStatus": 0,
    "LockDoorStatus": 0,
    "AlarmStatus": '""',
    "PeopleStorageInfo": {
        "Person": {"Max": 20000, "Current": 12},
        "Face": {"Max": 20000, "Current": 10},
        "Card": {"Max": 20000, "Current": 3},
        "Fingerprint": {"Max": 0, "Current": 0},
        "PalmVein": {"Max": 10000, "Current": 1},
        "Pasword": {"Max": 20000, "Current": 2},
        "Admin": {"Max": 5, "Current": 1},
    },
    "RecordStorageInfo": {
        "VerifyRecord": {"Max": 1000000, "Current": 345},
        "DoorRecord": {"Max": 10000, "Current": 40},
        "RecordPhoto": {"Max": 10000, "Current": 300},
    },
    "FunctionList": {
        "BodyTemperature": True,
        "Fingerprint": False,
        "Palmvein": True,
        "Face": True,
        "QRCode": True,
        "FaceMask": False,
    },
}


def push_request(
    push_type: int, user_id: str | None, detail: dict[str, Any] | None, photo: bytes | None = None
) -> Request:
    fields: dict[str, Any] = {"SN": SERIAL, "PushType": str(push_type)}
    if user_id is not None:
        fields["UserID"] = user_id
    return Request(Endpoint.PUSH_PEOPLE, SERIAL, fields, detail, photo)
