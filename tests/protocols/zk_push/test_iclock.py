"""Tests of the other iclock requests: remote identification, files, queries, results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
import io
import re
import tarfile

import pytest

from custom_components.access_terminal.protocols.model import (
    AccessEvent,
    DoorAction,
    EventType,
    Method,
)
from custom_components.access_terminal.protocols.zk_push import Endpoint, uploads as uploads_module

from .helpers import PLAIN, ZONE, Device, assert_about_now, obey

# -- remote identification -----------------------------------------------------------------------


REMOTE_ROW = (
    "time=2024-05-01 08:00:00\tpin=42\tcardno=123\taddrtype=2\teventaddr=2\tevent=0"
    "\tinoutstatus=0\tverifytype=4"
)


async def test_remote_identification_opens_the_door() -> None:
    asked: list[AccessEvent] = []

    async def authorizer(event: AccessEvent) -> tuple[bool, str | None]:
        asked.append(event)
        return True, None

    device = Device(authorizer=authorizer)
    await device.register()
    reply = await device.send(Endpoint.CDATA, REMOTE_ROW, AuthType="device")
    # Door 2 opens for its Door2Drivertime (10 s = 0A).
    assert reply.text == f"AUTH=SUCCESS\r\n{REMOTE_ROW}\r\nCONTROL DEVICE 0102010A"
    (event,) = asked
    assert (event.type, event.user_id, event.door, event.card_number) == (
        EventType.ACCESS_GRANTED,
        "42",
        2,
        "123",
    )
    assert event.methods == (Method.CARD,)
    assert event.time == datetime(2024, 5, 1, 8, 0, tzinfo=ZONE)
    # The terminal logs the passage itself: nothing is delivered now.
    assert device.listener.received == []


async def test_remote_identification_without_authorizer(plain: Device) -> None:
    row = "time=2024-05-01 08:00:00\tpin=42\teventaddr=1\tevent=223"
    reply = await plain.send(Endpoint.CDATA, row, authtype="DEVICE")
    assert reply.text == f"AUTH=SUCCESS\r\n{row}\r\nCONTROL DEVICE 01010105"


@pytest.mark.parametrize("drive_time", ["0", "255", "x"])
async def test_unusable_drive_times_open_for_the_default(device: Device, drive_time: str) -> None:
    # 0 (normally closed) and 255 (normally open) are no opening times.
    await device.register(f"{PLAIN},Door1Drivertime={drive_time}")
    row = "time=2024-05-01 08:00:00\tpin=42\teventaddr=1\tevent=0"
    reply = await device.send(Endpoint.CDATA, row, AuthType="device")
    assert reply.text == f"AUTH=SUCCESS\r\n{row}\r\nCONTROL DEVICE 01010105"
    assert await obey(device, device.terminal.door_control(1, DoorAction.OPEN)) == [
        "CONTROL DEVICE 01010105"
    ]


async def test_remote_identification_refused() -> None:
    asked: list[AccessEvent] = []

    async def authorizer(event: AccessEvent) -> tuple[bool, str | None]:
        asked.append(event)
        return False, "Access denied"

    device = Device(authorizer=authorizer)
    await device.register()
    reply = await device.send(Endpoint.CDATA, REMOTE_ROW, AuthType="device")
    assert (reply.status, reply.text) == (200, f"AUTH=FAILED\r\n{REMOTE_ROW}")
    assert len(asked) == 1
    # Nobody identified (pin 0): refused without asking.
    nobody = REMOTE_ROW.replace("pin=42", "pin=0")
    assert (await device.send(Endpoint.CDATA, nobody, AuthType="device")).text == (
        f"AUTH=FAILED\r\n{nobody}"
    )
    assert len(asked) == 1


async def test_remote_identification_without_a_record(plain: Device) -> None:
    reply = await plain.send(Endpoint.CDATA, "\n", AuthType="device")
    assert (reply.status, reply.text) == (400, "remote identification without a record")


async def test_remote_identification_card_zero_is_no_card() -> None:
    """The authorizer sees no card when the terminal sends cardno=0."""
    seen: list[AccessEvent] = []

    async def authorizer(event: AccessEvent) -> tuple[bool, str | None]:
        seen.append(event)
        return True, None

    controller = Device(authorizer=authorizer)
    await controller.register()
    body = "time=2024-03-01 10:00:00\tpin=9\tcardno=0\teventaddr=1\tevent=223\tverifytype=15"
    reply = await controller.send(Endpoint.CDATA, body, AuthType="device")
    assert reply.text.startswith("AUTH=SUCCESS")
    assert seen[0].card_number is None
    assert seen[0].user_id == "9"


# -- other requests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "text"),
    [(ZONE, "+0200"), (UTC, "+0000"), (timezone(-timedelta(hours=3, minutes=30)), "-0330")],
)
async def test_rtdata_time(zone: tzinfo, text: str) -> None:
    device = Device(zone=zone)
    reply = await device.get(Endpoint.RTDATA, type="time")
    match = re.fullmatch(r"DateTime=(\d+),ServerTZ=([+-]\d{4})", reply.text)
    assert match is not None
    assert match[2] == text
    # DateTime is Greenwich time in ZK seconds.
    assert_about_now(match[1], UTC)


async def test_small_requests(plain: Device) -> None:
    assert (await plain.get(Endpoint.PING)).text == "OK"
    exchange = await plain.send(Endpoint.EXCHANGE, "PublicKey=DMCt", type="publickey")
    assert (exchange.status, exchange.text) == (406, "encryption not supported")
    assert (await plain.get(Endpoint.CDATA, type="x")).text == "OK"
    overview = "SumCount=3\nFileName=transaction.tgz\nContentType=tgz\nFileCount=1"
    assert (await plain.send(Endpoint.CDATA, overview, cmdid="5", desc="overview")).text == "OK"
    assert (await plain.upload("testdata", "type=wg\tbitscount=26")).text == "OK"


def tgz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        folder = tarfile.TarInfo("data")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


# Section 12.2.2's transaction.txt.
TRANSACTIONS = (
    b"cardno=0\tpin=0\tverified=200\tdoorid=1\teventtype=100\tinoutstate=2\ttime_second=548003687\tindex=92\n"
    b"cardno=0\tpin=0\tverified=200\tdoorid=1\teventtype=100\tinoutstate=2\ttime_second=548003688\tindex=93\n"
)


async def test_file_upload_of_account_records(plain: Device) -> None:
    reply = await plain.send(
        Endpoint.FILE, tgz({"transaction.txt": TRANSACTIONS}), cmdid="7", table="transaction"
    )
    assert (reply.status, reply.text) == (200, "OK")
    assert [record.record_id for record in plain.listener.received] == [92, 93]
    assert [record.stream for record in plain.listener.received] == ["rtlog", "rtlog"]
    assert {event.type for event in plain.listener.events} == {EventType.ALARM}


async def test_file_uploads_that_carry_no_records(
    plain: Device, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    unreadable = await plain.send(Endpoint.FILE, b"not a tgz", table="transaction")
    assert (unreadable.status, unreadable.text) == (200, "OK")
    assert "sent an unreadable record archive (invalid gzip data" in caplog.text
    assert plain.terminal.problems.counts["record archive"] == 1
    other = await plain.send(Endpoint.FILE, tgz({"a.txt": b"x"}), table="other")
    assert other.text == "OK"
    monkeypatch.setattr(uploads_module, "MAX_ARCHIVE", 100)
    big = await plain.send(
        Endpoint.FILE, tgz({"transaction.txt": TRANSACTIONS}), table="transaction"
    )
    assert big.text == "OK"
    assert "payload larger than 100 bytes" in caplog.text
    assert plain.listener.received == []
    # Firmware downloads are the view's business.
    download = await plain.send(Endpoint.FILE, method="GET", url="http://x/emfw.cfg")
    assert (download.status, download.text) == (404, "not found")


async def test_file_upload_kept_when_the_listener_fails(plain: Device) -> None:
    plain.listener.fail = True
    reply = await plain.send(
        Endpoint.FILE, tgz({"transaction.txt": TRANSACTIONS}), cmdid="7", table="transaction"
    )
    assert reply.status == 503


async def test_querydata_transaction_rows(plain: Device) -> None:
    # Section 12.1.4.3's answer (wrapped as printed) and one more record.
    body = (
        "transaction cardno=0 pin=0 verified=200 doorid=1 eventtype=100 inoutstate=2  \n"
        "time_second=548003688 index=92 sitecode=0 devid=1 sn=3383154200002\n"
        "transaction cardno=7 pin=7 verified=4 doorid=2 eventtype=0 inoutstate=0 "
        "time_second=548003690 index=93"
    )
    reply = await plain.send(
        Endpoint.QUERYDATA, body, type="tabledata", tablename="transaction", count="2"
    )
    assert (reply.status, reply.text) == (200, "transaction=2")
    assert [record.record_id for record in plain.listener.received] == [92, 93]
    assert [(e.type, e.user_id, e.door) for e in plain.listener.events] == [
        (EventType.ALARM, None, 1),
        (EventType.ACCESS_GRANTED, "7", 2),
    ]


async def test_querydata_nobody_asked_for(plain: Device) -> None:
    counted = await plain.send(
        Endpoint.QUERYDATA, "user=5", type="count", cmdid="288", tablename="user"
    )
    assert counted.status == 200
    rows = "user uid=1 cardno= pin=1 password= name=Ann"
    stray = await plain.send(
        Endpoint.QUERYDATA, rows, type="tabledata", cmdid="99", tablename="user"
    )
    assert stray.text == "user=1"
    assert plain.listener.user_changes == []


async def test_devicecmd_bodies(plain: Device) -> None:
    # Refused, a terminal posts the same body again forever: acknowledged and logged instead.
    garbage = await plain.send(Endpoint.DEVICECMD, "hello")
    assert (garbage.status, garbage.text) == (200, "OK")
    assert plain.terminal.problems.counts["command result"] == 1
    assert (await plain.send(Endpoint.DEVICECMD, "")).text == "OK"
    # A result for a command we do not know (sent before a restart, say).
    assert (await plain.report((99, 0))).text == "OK"


async def test_count_answers_are_acknowledged(controller: Device) -> None:
    """A DATA COUNT answer (type=count) gets OK, as section 12.1.3 says."""
    reply = await controller.send(
        Endpoint.QUERYDATA, "user=12", type="count", cmdid="5", tablename="user"
    )
    assert (reply.status, reply.text) == (200, "OK")
