"""Snapshots a ZK terminal takes with its records (ATTPHOTO): read, checked, paired."""

from __future__ import annotations

import base64
from datetime import datetime
from types import SimpleNamespace

import pytest

from custom_components.access_terminal.protocols.fields import MAX_PICTURE
from custom_components.access_terminal.protocols.model import EventType
from custom_components.access_terminal.protocols.zk_push import snapshots

from .helpers import PLAIN, SERIAL, ZONE, Device

JPEG = b"\xff\xd8\xff\xe0" + b"picture" * 10 + b"\xff\xd9"
TAKEN = datetime(2024, 5, 1, 8, 0, 0, tzinfo=ZONE)


def row(name: str, photo: bytes | str = JPEG) -> str:
    data = photo if isinstance(photo, str) else base64.b64encode(photo).decode()
    return f"pin={name}\tsn={SERIAL}\tsize={len(JPEG)}\tphoto={data}"


def rtlog(pin: str = "0", event: int = 224, *, time: str = "2024-05-01 08:00:00") -> str:
    return (
        f"time={time}\tpin={pin}\tcardno=0\teventaddr=1\tevent={event}"
        "\tinoutstatus=2\tverifytype=200\tindex=5"
    )


def sends_photos(device: Device) -> bool:
    return device.terminal.sends_photos


async def send(device: Device, body: str) -> str:
    reply = await device.rows("ATTPHOTO", body, count="1")
    assert reply.status == 200
    return reply.text


async def test_a_snapshot_sent_first_goes_with_its_record(plain: Device) -> None:
    """A doorbell's picture comes first: the doorbell event then says it has a photo."""
    assert await send(plain, row("20240501080000-0.jpg")) == "ATTPHOTO=1"
    # Shown at once as the terminal's photo, with the time it was taken.
    assert plain.listener.photos == [(JPEG, TAKEN)]

    await plain.upload("rtlog", rtlog())
    (doorbell,) = plain.listener.events
    assert doorbell.type is EventType.DOORBELL
    assert doorbell.photo == JPEG
    assert doorbell.as_dict()["has_photo"] is True


async def test_a_snapshot_sent_after_its_record_is_shown(plain: Device) -> None:
    await plain.upload("rtlog", rtlog("7", 0))
    (passage,) = plain.listener.events
    assert passage.photo is None
    assert await send(plain, row("20240501080000-7.jpg")) == "ATTPHOTO=1"
    assert plain.listener.photos == [(JPEG, TAKEN)]


async def test_a_snapshot_goes_only_with_the_record_it_was_taken_with(plain: Device) -> None:
    """Another person, or a record far from the picture's time, does not get it."""
    await send(plain, row("20240501080000-7.jpg"))
    await plain.upload("rtlog", rtlog("8", 0))
    await plain.upload("rtlog", rtlog("7", 0, time="2024-05-01 08:00:03"))
    assert [event.photo for event in plain.listener.events] == [None, None]
    # Within two seconds (the terminal names the picture when it saves it), it does.
    await plain.upload("rtlog", rtlog("7", 0, time="2024-05-01 07:59:58"))
    assert plain.listener.events[-1].photo == JPEG


async def test_a_waiting_snapshot_is_forgotten(
    plain: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Snapshots wait 30 seconds for their record, and only the last eight."""
    clock = [1000.0]
    monkeypatch.setattr(snapshots, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    await send(plain, row("20240501080000-0.jpg"))
    clock[0] += snapshots.WAITING_FOR + 1
    await plain.upload("rtlog", rtlog())
    assert plain.listener.events[-1].photo is None

    for number in range(snapshots.WAITING + 1):
        await send(plain, row(f"202405010801{number * 5:02}-0.jpg"))
    await plain.upload("rtlog", rtlog(time="2024-05-01 08:01:00"))
    assert plain.listener.events[-1].photo is None  # the ninth pushed the first out
    await plain.upload("rtlog", rtlog(time="2024-05-01 08:01:40"))
    assert plain.listener.events[-1].photo == JPEG


async def test_several_snapshots_in_one_upload(plain: Device) -> None:
    """Rows start at their `pin=` (with or without the table's name); base64 may wrap."""
    encoded = base64.b64encode(JPEG).decode()
    body = (
        f"ATTPHOTO {row('20240501080000-1.jpg')}\n"
        f"pin=20240501080001-2.jpg\tsn={SERIAL}\tsize=9\tphoto={encoded[:20]}\n{encoded[20:]}"
    )
    assert await send(plain, body) == "ATTPHOTO=2"
    assert [photo for photo, _ in plain.listener.photos] == [JPEG, JPEG]


@pytest.mark.parametrize(
    ("name", "photo", "why"),
    [
        ("photo.jpg", JPEG, "not a snapshot name"),
        ("", JPEG, "not a snapshot name"),
        ("20241341250000-1.jpg", JPEG, "not a snapshot name"),
        ("20240501080000-1.png", JPEG, "not a snapshot name"),
        ("20990501080000-1.jpg", JPEG, "outside the sane window"),
        ("20240501080000-1.jpg", "not base64!", "not base64"),
        ("20240501080000-1.jpg", b"GIF89a", "not a JPEG picture"),
        ("20240501080000-1.jpg", b"\xff\xd8" + b"0" * MAX_PICTURE, "larger than"),
        ("20240501080000-1.jpg", "", "missing"),
    ],
)
async def test_unreadable_snapshots_are_acknowledged_and_left_out(
    plain: Device, caplog: pytest.LogCaptureFixture, name: str, photo: bytes | str, why: str
) -> None:
    body = row(name, photo)
    if why == "missing":
        body = f"sn={SERIAL}\tsize=4\tphoto={base64.b64encode(JPEG).decode()}"
    # Sent again, it would not read better: acknowledged, counted and logged without the picture.
    assert await send(plain, body) == "ATTPHOTO=1"
    assert plain.listener.photos == []
    assert plain.terminal.problems.counts["snapshot"] == 1
    assert why in caplog.text
    assert base64.b64encode(JPEG).decode()[:12] not in caplog.text


async def test_a_terminal_that_sends_snapshots_has_a_photo(device: Device) -> None:
    """Announced (CameraOpen=1) or not, a terminal that sends snapshots gets its photo entity."""
    await device.register(PLAIN)
    assert not sends_photos(device)
    await send(device, row("20240501080000-0.jpg"))
    assert sends_photos(device)
    # Remembered with the terminal's options: restored after a restart.
    restarted = Device()
    restarted.terminal.restore_state(device.terminal.export_state())
    assert sends_photos(restarted)

    announced = Device()
    await announced.register(f"{PLAIN},CameraOpen=1")
    assert sends_photos(announced)


@pytest.mark.parametrize("name", [b"20240501080000-7.jpg", b"7_20240501080000.jpg"])
async def test_attendance_snapshots_are_shown(attendance: Device, name: bytes) -> None:
    """The attendance PUSH sends the picture as bytes after text headers and a NUL."""
    body = b"PIN=" + name + b"\nSN=" + SERIAL.encode() + b"\nCMD=uploadphoto\x00" + JPEG
    reply = await attendance.upload("ATTPHOTO", body, Stamp="5")
    assert (reply.status, reply.text) == (200, "OK: 1")
    assert attendance.listener.photos == [(JPEG, TAKEN)]


@pytest.mark.parametrize(
    "body",
    [
        b"PIN=20240501080000-7.jpg\nSN=1",
        b"PIN=nothing.jpg\x00" + JPEG,
        b"SN=1\x00" + JPEG,
        b"PIN=\x00" + JPEG,
        b"PIN=20240501080000-7.jpg\x00GIF89a",
    ],
)
async def test_unreadable_attendance_snapshots_are_counted(attendance: Device, body: bytes) -> None:
    reply = await attendance.upload("ATTPHOTO", body, Stamp="5")
    assert (reply.status, reply.text) == (200, "OK: 1")
    assert attendance.listener.photos == []
    assert attendance.terminal.problems.counts["snapshot"] == 1
