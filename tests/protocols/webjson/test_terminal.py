"""The Webserver + JSON client and terminal against the simulator and scripted answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
import hashlib

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.errors import (
    AuthError,
    DeviceError,
    InvalidRequestError,
    ProtocolError,
    UnreachableError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.model import (
    Credential,
    Credentials,
    DenyReason,
    Direction,
    DoorAction,
    DoorState,
    EventType,
    Family,
    Feature,
    FirmwareImage,
    Method,
    Privilege,
    User,
)
from custom_components.access_terminal.protocols.pull import DeviceAddress
from custom_components.access_terminal.protocols.webjson import (
    WebJsonClient,
    WebJsonTerminal,
    terminal as terminal_module,
)
from custom_components.access_terminal.protocols.webjson.client import check_answer
from custom_components.access_terminal.protocols.webjson.records import (
    door_change_record,
    rtlog_record,
)
from simulator.webjson import WebJsonSimulator

from ..common import RecordingListener
from ..pull_helpers import FakeDevice, running, serve_fake

pytestmark = pytest.mark.usefixtures("socket_enabled")

PLUS_EIGHT = timezone(timedelta(hours=8))


@pytest.fixture
async def sim() -> AsyncIterator[WebJsonSimulator]:
    async with running(WebJsonSimulator(enroll_delay=0.05, seed=3)) as simulator:
        simulator.add_demo_users(3)
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def address(sim: WebJsonSimulator) -> DeviceAddress:
    return DeviceAddress(host=sim.host, port=sim.port)


def make_terminal(
    sim: WebJsonSimulator,
    session: aiohttp.ClientSession,
    password: str = "123456",  # noqa: S107 - the simulator's
) -> tuple[WebJsonTerminal, RecordingListener]:
    listener = RecordingListener()
    terminal = WebJsonTerminal(
        sim.serial,
        listener,
        session=session,
        address=address(sim),
        password=password,
        zone=PLUS_EIGHT,
    )
    terminal.enroll_poll = 0.02
    return terminal, listener


# --- answers and error codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cmd", "reason", "text"),
    [
        ("getuserinfo", 1, "user not found or invalid parameter"),
        ("adduser", 3, "the device is busy"),
        ("setuserinfo", 5, "no face detected in the picture"),
        ("setuserinfo", 12, "the face is already registered to another user"),
        ("upgrade", 1, "invalid parameter"),
        ("upgrade", 2, "the firmware file is too large"),
        ("upgrade", 3, "the firmware file is empty"),
        ("getlog", 77, "error 77"),
    ],
)
def test_every_documented_reason_is_readable(cmd: str, reason: int, text: str) -> None:
    with pytest.raises(DeviceError) as caught:
        check_answer(cmd, {"ret": cmd, "result": False, "reason": reason})
    assert (caught.value.code, caught.value.reason) == (reason, text)


@pytest.mark.parametrize("result", [False, 0, "false", "FAIL"])
def test_wrong_password_is_an_auth_error(result: object) -> None:
    with pytest.raises(AuthError):
        check_answer("reg", {"ret": "reg", "result": result, "reason": "2"})


def test_refusal_without_reason() -> None:
    with pytest.raises(DeviceError, match="refused the command"):
        check_answer("opendoor", {"result": False})


@pytest.mark.parametrize("answer", [[1, 2], "OK", None, {"ret": "getuserlist", "result": True}])
def test_answers_that_are_not_for_the_command(answer: object) -> None:
    with pytest.raises(ProtocolError):
        check_answer("reg", answer)


def test_answers_without_result_succeed() -> None:
    assert check_answer("gettime", {"ret": "gettime", "time": "x"}) == {
        "ret": "gettime",
        "time": "x",
    }


async def test_client_sends_password_and_fields(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake: FakeDevice = await serve_fake(aiohttp_server)
    fake.json({"ret": "opendoor", "result": True})
    client = WebJsonClient(session, fake.address, "secret")
    await client.call("opendoor", {"msg": "hi", "password": "not this"})
    assert fake.received == [{"cmd": "opendoor", "msg": "hi", "password": "secret"}]


async def test_reboot_without_answer_is_success(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    await terminal.reboot()
    assert sim.reboots == 1


async def test_reboot_refused_is_an_error(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session, password="wrong")
    with pytest.raises(AuthError):
        await terminal.reboot()


# --- polling -------------------------------------------------------------------------------


async def test_refresh_reads_info_door_and_records_once(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, listener = make_terminal(sim, session)
    sim.record("2", mode=0, event=2)
    sim.record("0", mode=3)
    await terminal.refresh()
    info = terminal.info
    assert info is not None
    assert (info.serial, info.model, info.firmware, info.family) == (
        sim.serial,
        "AiFace-Mars",
        "ai-2.3.18",
        Family.WEBJSON,
    )
    assert {Feature.FACE, Feature.FINGERPRINT, Feature.CARD} <= info.features
    assert info.usage["users"].used == 3
    assert info.usage["users"].capacity == 3000
    assert terminal.zone.utcoffset(None) == timedelta(0)  # the device's own zone
    granted, stranger = listener.events
    assert (granted.type, granted.user_id, granted.user_name) == (
        EventType.ACCESS_GRANTED,
        "2",
        "Bob",
    )
    assert (granted.methods, granted.direction) == ((Method.FINGERPRINT,), Direction.OUT)
    assert (stranger.type, stranger.reason) == (EventType.ACCESS_DENIED, DenyReason.UNREGISTERED)
    assert terminal.doors[1].is_open is True  # Bob went in
    assert sim.rtlog == []  # handed over: gone from the device
    await terminal.refresh()
    assert len(listener.events) == 2


async def test_rtlog_backlog_in_several_answers(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, listener = make_terminal(sim, session)
    for _ in range(120):
        sim.record("1")
    await terminal.refresh()
    assert len(listener.received) == 120


async def test_wrong_password_on_refresh(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session, password="nope")
    with pytest.raises(AuthError):
        await terminal.refresh()


async def test_device_away_is_unreachable(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    await sim.go_away()
    with pytest.raises(UnreachableError):
        await terminal.refresh()
    await sim.come_back()
    await terminal.refresh()
    assert terminal.info is not None


def test_rtlog_records_tolerate_odd_descriptions() -> None:
    received = datetime(2025, 5, 17, 10, 0, tzinfo=UTC)
    record = rtlog_record(
        {"id": 5, "time": "2025-05-17T09:59:00", "mode": "13", "event": "1", "temp": "36.6"},
        UTC,
        received,
    )
    (event,) = record.events
    assert (event.user_id, event.methods, event.direction) == ("5", (Method.QR,), Direction.IN)
    assert event.time == datetime(2025, 5, 17, 9, 59, tzinfo=UTC)
    assert event.temperature == 36.6
    hot = rtlog_record(
        {"enrollid": "1", "time": "2025-05-17 09:00:00", "temp": 99, "name": ["x"]}, UTC, received
    )
    assert (hot.events[0].temperature, hot.events[0].user_name) == (None, None)


@pytest.mark.parametrize(
    "item",
    [
        "text",
        None,
        # Wrong types once became "access denied: not registered" events stamped now.
        {"enrollid": [1], "time": "2025-05-17 09:00:00"},
        {"enrollid": "Bob", "time": "2025-05-17 09:00:00"},
        {"enrollid": True, "time": "2025-05-17 09:00:00"},
        {"time": "2025-05-17 09:00:00"},
        {"enrollid": 5, "time": "not a time"},
        {"enrollid": 5, "time": 1747472400},
        {"enrollid": 5},
        {"enrollid": 5, "time": "2099-05-17 09:00:00"},
    ],
)
def test_unreadable_rtlog_records(item: object) -> None:
    received = datetime(2025, 5, 17, 10, 0, tzinfo=UTC)
    with pytest.raises(ProtocolError):
        rtlog_record(item, UTC, received)


# --- doors, time ---------------------------------------------------------------------------


async def test_door_open_and_lock_modes(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    await terminal.door_control(1, DoorAction.OPEN)
    assert sim.doors_opened == 1
    await terminal.door_control(1, DoorAction.HOLD_OPEN)
    assert sim.lock_mode == 1
    assert terminal.doors[1].held_open is True
    await terminal.door_control(1, DoorAction.LOCKOUT)
    assert (sim.lock_mode, terminal.doors[1].locked_out) == (2, True)
    await terminal.door_control(1, DoorAction.RELEASE_LOCKOUT)
    assert sim.lock_mode == 3
    with pytest.raises(InvalidRequestError):
        await terminal.door_control(2, DoorAction.OPEN)


async def test_set_time_in_the_device_zone(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    await terminal.refresh()  # learns the device keeps UTC
    await terminal.set_time(datetime(2030, 1, 2, 11, 4, 5, tzinfo=PLUS_EIGHT))
    assert abs(sim._clock.now() - datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()) < 5


# --- users ---------------------------------------------------------------------------------


async def test_users_round_trip(sim: WebJsonSimulator, session: aiohttp.ClientSession) -> None:
    terminal, _listener = make_terminal(sim, session)
    for index in range(4, 121):
        sim.add_user(str(index), f"User {index}")
    listed = await terminal.list_users(with_credentials=False)
    assert len(listed) == 120  # three pages of 50
    assert listed[0].credentials.face == ""
    await terminal.set_users(
        [
            User(
                user_id="200",
                name="Zoe",
                privilege=Privilege.ADMIN,
                cards=("4455",),
                password="9999",
                enabled=False,
                credentials=Credentials(photo=b"\xff\xd8photo", fingerprints={1: "RlA="}),
            )
        ]
    )
    stored = sim.users["200"]
    assert (stored.name, stored.admin, stored.card, stored.enabled) == ("Zoe", 1, 4455, False)
    assert stored.templates[10] == "9999"
    assert stored.templates[1] == "RlA="
    (zoe,) = await terminal.list_users(["200"], with_credentials=True)
    assert zoe.credentials.photo == b"\xff\xd8photo"
    assert zoe.credentials.fingerprints == {1: "RlA="}  # found in its slot
    assert zoe.enabled is False
    assert await terminal.list_users(["999"]) == []
    await terminal.delete_users(["200", "999"])
    assert "200" not in sim.users
    await terminal.delete_users(None)
    assert sim.users == {}


async def test_user_write_failures_are_named(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    sim.refusals["setuserinfo"] = [12]
    with pytest.raises(UserWriteError) as caught:
        await terminal.set_users([User(user_id="7", name="A"), User(user_id="8", name="B")])
    assert caught.value.failures == {
        "7": "device error 12: the face is already registered to another user"
    }
    assert "8" in sim.users


def test_user_ids_are_numbers() -> None:
    terminal = WebJsonTerminal(
        "X",
        RecordingListener(),
        session=None,  # type: ignore[arg-type]
        address=DeviceAddress(host="h", port=1),
        password="",
        zone=UTC,
    )
    assert terminal.canonical_user_id(" 007 ") == "7"
    with pytest.raises(InvalidRequestError):
        terminal.canonical_user_id("A7")


# --- enrollment ----------------------------------------------------------------------------


async def test_enrollment_finishes_with_an_event(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, listener = make_terminal(sim, session)
    await terminal.start_enrollment("9", Credential.FACE)
    assert terminal.progress["enrollment"]["state"] == "pending"
    while not listener.received:
        await terminal.refresh()
    (event,) = listener.events
    assert (event.type, event.user_id, event.methods) == (
        EventType.ENROLLMENT_FINISHED,
        "9",
        (Method.FACE,),
    )
    assert 51 in sim.users["9"].templates
    assert terminal.progress["enrollment"]["state"] == "succeeded"


async def test_enrollment_timeout_is_a_failure_event(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, listener = make_terminal(sim, session)
    sim.enroll_delay = 3600
    terminal.enroll_timeout = 0.1
    await terminal.start_enrollment("9", Credential.FINGERPRINT, 3)
    while not listener.received:
        await terminal.refresh()
    (event,) = listener.events
    assert event.type is EventType.ENROLLMENT_FAILED
    assert event.detail == "not finished within 0.1 s"


async def test_enrollment_refused_when_busy(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    sim.refusals["adduser"] = [3]
    with pytest.raises(DeviceError, match="busy"):
        await terminal.start_enrollment("9", Credential.CARD)
    terminal.close()


# --- firmware ------------------------------------------------------------------------------


def image(size: int) -> FirmwareImage:
    data = bytes(index % 251 for index in range(size))
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return FirmwareImage(data=data, md5=md5, version="2.4")


async def test_firmware_reassembled_with_its_md5(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    firmware = image(100_000)  # four blocks
    await terminal.push_firmware(firmware)
    ((name, md5, data),) = sim.installed
    assert (name, md5, data) == ("firmware-2.4.pkg", firmware.md5, firmware.data)
    assert terminal.progress["firmware"] == {"md5": firmware.md5, "sent": 4, "total": 4}


async def test_interrupted_firmware_resumes(
    sim: WebJsonSimulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal, _listener = make_terminal(sim, session)
    firmware = image(100_000)
    sim.refusals["upgrade"] = []
    calls = 0
    original = terminal.client.call

    async def flaky(cmd: str, fields: object = None, **kwargs: object) -> dict[str, object]:
        nonlocal calls
        calls += 1
        if cmd == "upgrade" and calls == 3:
            await sim.go_away()
        return await original(cmd, fields, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(terminal.client, "call", flaky)
    monkeypatch.setattr(terminal_module, "BLOCK_ATTEMPTS", 1)
    with pytest.raises(UnreachableError):
        await terminal.push_firmware(firmware)
    assert terminal.progress["firmware"]["sent"] == 2
    await sim.come_back()
    await terminal.push_firmware(firmware)
    assert sim.installed[0][2] == firmware.data
    assert sim.commands.count("upgrade") == 4  # blocks 0 and 1 were not sent again


async def test_firmware_refusals_are_readable(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    sim.refusals["upgrade"] = [2]
    with pytest.raises(DeviceError, match="too large"):
        await terminal.push_firmware(image(10))
    bad = FirmwareImage(data=b"abc", md5="0" * 32)
    with pytest.raises(DeviceError, match="invalid parameter"):
        await terminal.push_firmware(bad)


def test_a_door_seen_to_change_between_polls_is_a_door_event() -> None:
    """The document has no door records: the contact's change between polls is the event."""
    seen = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    closed, opened = DoorState(door=1, is_open=False), DoorState(door=1, is_open=True)
    record = door_change_record(closed, opened, seen)
    assert record is not None
    ((event),) = record.events
    assert (event.type, event.door, event.time, event.raw_code) == (
        EventType.DOOR_OPENED,
        1,
        seen,
        "getdoorstatus:1",
    )
    record = door_change_record(opened, closed, seen)
    assert record is not None
    assert record.events[0].type is EventType.DOOR_CLOSED
    # Nothing seen to change: the first poll, no contact, or the same state.
    assert door_change_record(None, opened, seen) is None
    assert door_change_record(DoorState(door=1), opened, seen) is None
    assert door_change_record(opened, DoorState(door=1), seen) is None
    assert door_change_record(opened, opened, seen) is None
