"""Tests of the work an HTTPv2 terminal fetches: remote commands and the clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
import time
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    InvalidRequestError,
    NotSupportedError,
)
from custom_components.access_terminal.protocols.httpv2 import Endpoint, Reply
from custom_components.access_terminal.protocols.model import (
    DoorAction,
    Family,
    FirmwareImage,
    Operation,
)

from .helpers import SHORT, keepalive, make_terminal, remote, send, settle, start

# -- remote commands -------------------------------------------------------------------------


async def test_door_control_resolves_when_the_device_fetches_it() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.door_control(1, DoorAction.OPEN))
    await settle()
    assert not task.done()
    assert (await keepalive(terminal)).get("Remote") == 1
    assert await remote(terminal) == {"Success": 1, "Opendoor": 1}
    await task
    assert "Remote" not in await keepalive(terminal)
    assert await remote(terminal) == {"Success": 1}


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (DoorAction.OPEN, 1),
        (DoorAction.HOLD_OPEN, 2),
        (DoorAction.NORMAL, 3),
        (DoorAction.LOCKOUT, 4),
        (DoorAction.RELEASE_LOCKOUT, 5),
    ],
)
async def test_door_control_codes(action: DoorAction, code: int) -> None:
    terminal, _ = make_terminal()
    task = start(terminal.door_control(1, action))
    await settle()
    assert (await remote(terminal))["Opendoor"] == code
    await task


async def test_commands_merged_into_one_reply() -> None:
    terminal, _ = make_terminal()
    door = start(terminal.door_control(1, DoorAction.OPEN))
    restart = start(terminal.reboot())
    await settle()
    assert await remote(terminal) == {"Success": 1, "Opendoor": 1, "Restart": 1}
    await door
    await restart


async def test_colliding_commands_in_separate_replies_in_order() -> None:
    terminal, _ = make_terminal()
    first = start(terminal.door_control(1, DoorAction.OPEN))
    await settle()
    second = start(terminal.door_control(1, DoorAction.LOCKOUT))
    await settle()
    third = start(terminal.clear_alarm())
    await settle()
    assert await remote(terminal) == {"Success": 1, "Opendoor": 1}
    await first
    assert not second.done()
    assert (await keepalive(terminal)).get("Remote") == 1
    assert await remote(terminal) == {"Success": 1, "Opendoor": 4, "Closealarm": 1}
    await second
    await third
    assert "Remote" not in await keepalive(terminal)


async def test_timed_out_command_is_never_delivered() -> None:
    terminal, _ = make_terminal(command_timeout=SHORT)
    with pytest.raises(CommandTimeoutError) as info:
        await terminal.door_control(1, DoorAction.OPEN)
    assert info.value.still_queued is False
    # The device comes back later: no stale door opening.
    assert "Remote" not in await keepalive(terminal)
    assert await remote(terminal) == {"Success": 1}
    # A later command goes through on its own.
    task = start(terminal.reboot())
    await settle()
    assert (await keepalive(terminal)).get("Remote") == 1
    assert await remote(terminal) == {"Success": 1, "Restart": 1}
    await task


async def test_timed_out_command_skipped_when_fetched_before_keepalive() -> None:
    terminal, _ = make_terminal(command_timeout=SHORT)
    with pytest.raises(CommandTimeoutError):
        await terminal.door_control(1, DoorAction.OPEN)
    assert await remote(terminal) == {"Success": 1}


async def test_cancelled_caller_command_is_not_delivered() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.door_control(1, DoorAction.OPEN))
    await settle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await remote(terminal) == {"Success": 1}


async def test_door_control_refusals() -> None:
    terminal, _ = make_terminal()
    with pytest.raises(InvalidRequestError):
        await terminal.door_control(2, DoorAction.OPEN)
    with pytest.raises(NotSupportedError):
        await terminal.door_control(1, DoorAction.OPEN, duration=5)
    assert "Remote" not in await keepalive(terminal)


def test_operations() -> None:
    terminal, _ = make_terminal()
    assert terminal.supports(Operation.OPEN_DOOR)
    assert not terminal.supports(Operation.TIMED_OPEN)
    assert terminal.family is Family.HTTPV2
    assert terminal.downloads_firmware


async def test_push_firmware() -> None:
    terminal, _ = make_terminal()
    firmware = FirmwareImage(
        data=b"x", md5="613d870ca99edf074bee4387bab09070", version="8.47", url="http://h/fw.bin"
    )
    task = start(terminal.push_firmware(firmware))
    await settle()
    assert (await remote(terminal))["PushSoftware"] == {
        "SoftwareURL": "http://h/fw.bin",
        "SoftwareMD5": "613D870CA99EDF074BEE4387BAB09070",
        "SoftwareVer": "8.47",
    }
    await task
    with pytest.raises(InvalidRequestError):
        await terminal.push_firmware(FirmwareImage(data=b"x", md5="00"))


async def test_snapshot() -> None:
    terminal, listener = make_terminal()
    task = start(terminal.request_snapshot())
    await settle()
    assert (await remote(terminal))["Snapshoot"] == 1
    await task
    reply = await send(terminal, Endpoint.UPLOAD_SNAPSHOT, photo=b"\xff\xd8snap")
    assert reply.payload == {"Success": 1}
    assert listener.snapshots == [b"\xff\xd8snap"]
    await send(terminal, Endpoint.UPLOAD_SNAPSHOT)
    assert listener.snapshots == [b"\xff\xd8snap"]


# -- time ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "zone"),
    [
        (timedelta(hours=8), 8),
        (timedelta(0), 0),
        (timedelta(hours=-5), -5),
        (timedelta(hours=5, minutes=30), None),
    ],
)
async def test_set_time(offset: timedelta, zone: int | None) -> None:
    terminal, _ = make_terminal()
    now = datetime(2024, 6, 17, 12, 0, tzinfo=timezone(offset))
    task = start(terminal.set_time(now))
    await settle()
    assert (await keepalive(terminal)).get("SyncParameter") == 1
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    # The time is taken when the device fetches it; `now` only says which time zone.
    delivered = reply.payload.pop("SystemTime")
    assert abs(delivered - time.time()) < 5
    expected: dict[str, Any] = {"Success": 1}
    if zone is not None:
        expected["TimeZone"] = zone
    assert reply.payload == expected
    await task
    assert "SyncParameter" not in await keepalive(terminal)
    assert await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING) == Reply({"Success": 1})


async def test_set_time_timeout_still_sets_the_right_time_later() -> None:
    terminal, _ = make_terminal(command_timeout=SHORT)
    with pytest.raises(CommandTimeoutError) as info:
        await terminal.set_time(datetime(2024, 6, 17, 12, 0, tzinfo=UTC))
    assert info.value.still_queued is True
    await asyncio.sleep(1.1)  # the device calls late
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    assert abs(reply.payload["SystemTime"] - time.time()) < 1
