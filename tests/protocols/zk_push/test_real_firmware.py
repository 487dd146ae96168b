"""What real ZK firmware sends that the document does not say, with vectors of its own.

Each test is one behaviour seen in traffic captured from ZKTeco terminals (written here from its
description and the document, not copied): the terminal must be answered as it expects, or it
sends the same body again forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import gzip
import io
import tarfile
import threading

import pytest

from custom_components.access_terminal.protocols import push
from custom_components.access_terminal.protocols.model import DoorAction, EventType, UserChange
from custom_components.access_terminal.protocols.zk_push import Endpoint
from custom_components.access_terminal.protocols.zk_push.wire import event_rows, table_rows

from .helpers import Device, issue, settle


async def _pending_door_command(device: Device) -> tuple[asyncio.Task[None], int]:
    task, commands = await issue(device, device.terminal.door_control(1, DoorAction.OPEN))
    ((number, _text),) = commands
    return task, number


async def test_results_with_ids_of_the_firmwares_own(plain: Device) -> None:
    # `ID=info8487`: queries the firmware made itself, several per body, around one of ours.
    task, number = await _pending_door_command(plain)
    body = (
        "ID=info8487&Return=0&CMD=DATA\n"
        f"ID={number}&Return=0&CMD=CONTROL DEVICE\n"
        "ID=info8488&Return=0&CMD=DATA\n"
    )
    reply = await plain.send(Endpoint.DEVICECMD, body)
    assert (reply.status, reply.text) == (200, "OK")
    await asyncio.wait_for(task, 1)
    assert plain.terminal.problems.counts == {}


async def test_results_with_one_key_per_line(plain: Device) -> None:
    task, number = await _pending_door_command(plain)
    body = f"ID={number}\r\nReturn=0\r\nCMD=CONTROL DEVICE\r\nContent=done\r\nmore output\r\n"
    assert (await plain.send(Endpoint.DEVICECMD, body)).text == "OK"
    await asyncio.wait_for(task, 1)


async def test_results_posted_to_cdata_without_a_table(plain: Device) -> None:
    task, number = await _pending_door_command(plain)
    body = f"ID={number}&Return=0&CMD=CONTROL DEVICE"
    assert (await plain.send(Endpoint.CDATA, body)).text == "OK"
    await asyncio.wait_for(task, 1)


async def test_option_values_with_commas_and_padding(device: Device) -> None:
    await device.register(
        "DeviceType=acc,~DeviceName=SpeedFace-V5L,LockCount=1,"
        "~OEMVendor=ZKTECO CO., LTD.  ,FirmVer=ZAM180-NF-Ver 6.0.5, build 42"
    )
    info = device.terminal.info
    assert info is not None
    assert (info.manufacturer, info.model) == ("ZKTECO CO., LTD.", "SpeedFace-V5L")
    assert info.firmware == "ZAM180-NF-Ver 6.0.5, build 42"


async def test_attlog_rows_of_seven_to_eleven_fields(attendance: Device) -> None:
    body = (
        "1\t2024-05-01 08:00:00\t0\t1\t0\t0\t0\r\n"
        "2\t2024-05-01 08:01:00\t1\t15\t0\t0\t0\t0\r\n"
        "3\t2024-05-01 08:02:00\t0\t4\t\t0\t0\t0\t0\t\t\r\n"
        "4\t2024-05-01 08:03:00\t0\t2\t0\t0\t0\t255\t1\t36.5\t0\t\r\n"
    )
    reply = await attendance.upload("ATTLOG", body, Stamp="104")
    assert (reply.status, reply.text) == (200, "OK: 4")
    assert [event.user_id for event in attendance.listener.events] == ["1", "2", "3", "4"]
    assert attendance.terminal.problems.counts == {}


async def test_operlog_stamp_named_opstamp(attendance: Device) -> None:
    await attendance.upload("OPERLOG", "OPLOG 4\t0\t2024-05-01 08:00:00\t0\t0\t0\t0", OpStamp="77")
    reply = await attendance.handshake(pushver="2.4.1")
    assert "OPERLOGStamp=77" in reply.text.split("\n")


async def test_operlog_with_templates_over_several_lines(attendance: Device) -> None:
    # A fingerprint template wrapped over lines (CR/LF and tabs inside), an indented OPLOG line
    # (an IndexError once) and a lower-case BIODATA line.
    body = (
        "USER PIN=7\tName=Grace\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000100000000\r\n"
        "FP PIN=7\tFID=6\tSize=1184\tValid=1\tTMP=TY9TUzIxAAAD\r\n"
        "\tAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
        "  mZmZmZmZmZmZmZmZmZmZ==\r\n"
        "\tOPLOG 9\t0\t2024-05-01 08:00:00\t8\t0\t0\t0\r\n"
        "BIODATA Pin=9\tNo=0\tIndex=0\tValid=1\tType=9\tTmp=Zm9v\r\n"
    )
    reply = await attendance.upload("OPERLOG", body, Stamp="5")
    assert reply.status == 200
    assert ("7", UserChange.UPDATED) in attendance.listener.user_changes
    assert ("8", UserChange.DELETED) in attendance.listener.user_changes
    assert ("9", UserChange.UPDATED) in attendance.listener.user_changes


async def test_biodata_upload_with_lower_case_pin(attendance: Device) -> None:
    reply = await attendance.upload("BIODATA", "biodata pin=12\tno=0\ttype=9\ttmp=Zm9v\n")
    assert (reply.status, reply.text) == (200, "OK: 1")
    assert attendance.listener.user_changes == [("12", UserChange.UPDATED)]


async def test_attendance_firmware_that_says_pushver_2_4_1(device: Device) -> None:
    # 3.1.2-generation attendance firmware announces the older protocol and its device type.
    reply = await device.handshake(pushver="2.4.1", DeviceType="att", PushOptionsFlag="1")
    assert reply.text.startswith("GET OPTION FROM: ")
    assert (await device.upload("ATTLOG", "5\t2024-05-01 08:00:00\t0\t1")).text == "OK: 1"
    # It stays an attendance terminal, whatever version it names later.
    await device.handshake(pushver="3.1.2", DeviceType="att")
    assert str(device.terminal.variant) == "attendance"


async def test_door_states_sent_as_rtlog(plain: Device) -> None:
    reply = await plain.upload("rtlog", "time=2024-05-01 08:00:00\tsensor=02\trelay=00\talarm=00")
    assert reply.text == "OK"
    assert plain.terminal.doors[1].is_open is True
    assert plain.listener.events == []


def _tgz(text: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("transaction.txt")
        info.size = len(text)
        archive.addfile(info, io.BytesIO(text))
    return buffer.getvalue()


async def test_account_archive_with_a_corrupt_stream(plain: Device) -> None:
    # The gzip stream breaks in the middle: a zlib.error once, a 500 to the terminal.
    rows = "".join(
        f"pin=1\teventtype=0\tdoorid=1\ttime_second={583512660 + n}\tindex={n}\n"
        for n in range(1, 400)
    ).encode()
    archive = bytearray(_tgz(rows))
    archive[len(archive) // 2 : len(archive) // 2 + 16] = b"\xff" * 16
    reply = await plain.send(Endpoint.FILE, bytes(archive), table="transaction")
    assert (reply.status, reply.text) == (200, "OK")
    assert plain.terminal.problems.counts["record archive"] == 1


@pytest.fixture
def reader_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the thread each body (or archive) is read in."""
    threads: list[int] = []
    original = push.read_off_loop

    async def watched[T](size: int, read: Callable[[], T]) -> T:
        def run() -> T:
            threads.append(threading.get_ident())
            return read()

        return await original(size, run)

    monkeypatch.setattr(push, "read_off_loop", watched)
    monkeypatch.setattr(
        "custom_components.access_terminal.protocols.zk_push.iclock.read_off_loop", watched
    )
    return threads


async def test_account_archive_that_inflates_to_much_more(
    plain: Device, reader_threads: list[int]
) -> None:
    # A small archive of zeros inflating far beyond the limit: refused while inflating, off the
    # event loop.
    threads = reader_threads
    bomb = gzip.compress(b"\0" * (17 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 64 * 1024
    reply = await plain.send(Endpoint.FILE, bomb, table="transaction")
    assert (reply.status, reply.text) == (200, "OK")
    assert plain.terminal.problems.counts["record archive"] == 1
    assert threads
    assert threading.get_ident() not in threads


async def test_transaction_rows_with_an_absurd_time(plain: Device) -> None:
    # time_second=99999999999999999: an OverflowError once (only ValueError was caught).
    body = (
        "transaction cardno=0\tpin=1\tverified=1\tdoorid=1\teventtype=0\tinoutstate=0\t"
        "time_second=99999999999999999\tindex=1\n"
        "transaction cardno=0\tpin=2\tverified=1\tdoorid=1\teventtype=0\tinoutstate=0\t"
        "time_second=583512660\tindex=2\n"
    )
    reply = await plain.rows("transaction", body, cmdid="9")
    assert (reply.status, reply.text) == (200, "transaction=2")
    assert [event.user_id for event in plain.listener.events] == ["2"]
    assert plain.terminal.problems.counts["transaction"] == 1


def test_wrapped_rows_are_joined_whole() -> None:
    # Rows of many continuation lines are joined once (not copied again for every line).
    lines = "\n".join(f"\tchunk{n}=AAAA" for n in range(20_000))
    (row,) = event_rows(f"time=2024-05-01 08:00:00\tevent=0\n{lines}")
    assert row.count("\t") == 20_001
    (user,) = table_rows(f"user uid=1\tpin=1\n{lines}", "user")
    assert user.endswith("chunk19999=AAAA")


async def test_large_bodies_are_read_off_the_event_loop(
    plain: Device, reader_threads: list[int]
) -> None:
    threads = reader_threads
    body = "".join(
        f"time=2024-05-01 08:00:00\tpin={n}\tevent=0\tindex={n}\teventaddr=1\n"
        for n in range(1, 3000)
    )
    assert len(body) > push.OFF_LOOP_BYTES
    reply = await plain.upload("rtlog", body)
    assert reply.text == "OK"
    assert len(plain.listener.events) == 2999
    assert threading.get_ident() not in threads
    small = await plain.upload("rtlog", "time=2024-05-01 08:00:00\tpin=1\tevent=0\tindex=5000")
    assert small.text == "OK"
    assert threads.count(threading.get_ident()) == 1  # a small body is read at once
    await settle()
    assert {event.type for event in plain.listener.events} == {EventType.ACCESS_GRANTED}
