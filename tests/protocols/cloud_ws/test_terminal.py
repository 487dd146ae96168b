"""Tests of the cloud WebSocket terminal: device frames, commands and its life cycle."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandCancelledError,
    CommandTimeoutError,
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    TerminalClosedError,
)
from custom_components.access_terminal.protocols.model import (
    AccessEvent,
    Credential,
    DenyReason,
    DoorAction,
    EventType,
    FirmwareImage,
    Method,
    Operation,
    UserChange,
)

from .helpers import (
    PHOTO,
    REG,
    SERIAL,
    SHORT,
    ZONE,
    Authorizer,
    FakeDevice,
    frame,
    make,
    settle,
)

LOG_ITEM = {"enrollid": 1, "time": "2024-05-01 08:00:00", "mode": 8}

# -- device frames -------------------------------------------------------------------------


async def test_register_answers_then_fetches_capabilities_and_new_logs() -> None:
    terminal, listener, device = make()
    device.scripts["getdevcap"] = {"result": True, "facesize": 5000, "usedface": 3}
    device.scripts["getnewlog"] = [
        {
            "result": True,
            "count": 3,
            "from": 0,
            "to": 1,
            "record": [
                {"enrollid": 1, "time": "2024-05-01 08:00:00", "mode": 8, "inout": 0, "event": 0},
                {"enrollid": 0, "time": "2024-05-01 08:00:02", "mode": 0, "inout": 1, "event": 1},
            ],
        },
        {
            "result": True,
            "count": 3,
            "from": 2,
            "to": 2,
            "record": [
                {"enrollid": 2, "time": "2024-05-01 08:01:00", "mode": 1, "inout": 1, "event": 0},
            ],
        },
    ]
    reply = await frame(terminal, **REG)
    assert reply is not None
    assert reply.document["ret"] == "reg"
    assert reply.document["result"] is True
    assert reply.document["nosenduser"] is False
    sent = datetime.strptime(reply.document["cloudtime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZONE)
    assert abs(sent - datetime.now(ZONE)) < timedelta(minutes=1)
    await settle(terminal)
    assert device.commands() == ["getdevcap", "getnewlog", "getnewlog"]
    assert [frame["stn"] for frame in device.sent[1:]] == [True, False]
    assert terminal.info is not None
    assert (terminal.info.model, terminal.info.usage["faces"].capacity) == ("tfs30", 5000)
    assert [e.type for e in listener.events] == [
        EventType.ACCESS_GRANTED,
        EventType.DOOR_OPENED,
        EventType.ACCESS_GRANTED,
    ]
    assert terminal.doors[1].is_open is True
    assert terminal.backfilled == 3
    assert terminal.diagnostics()["logs_fetched_after_reconnect"] == 3


async def test_sendlog_echoes_count_and_index_and_decides_access() -> None:
    authorizer = Authorizer()
    terminal, listener, _device = make(authorizer=authorizer)
    record = {
        "enrollid": 7,
        "time": "2024-05-01 08:00:00",
        "mode": 8,
        "inout": 1,
        "event": 0,
        "temp": 36.6,
        "image": base64.b64encode(PHOTO).decode(),
    }
    reply = await frame(terminal, cmd="sendlog", count=1, logindex=10, record=[record])
    assert reply is not None
    document = reply.document
    assert (document["ret"], document["result"], document["count"], document["logindex"]) == (
        "sendlog",
        True,
        1,
        10,
    )
    assert document["access"] == 1
    (event,) = listener.events
    assert (event.user_id, event.photo, event.temperature) == ("7", PHOTO, 36.6)
    assert authorizer.asked == [event]
    assert terminal.export_state() == {"log_index": 10}
    assert listener.calls["persist"] == 1

    authorizer.granted = False
    reply = await frame(terminal, cmd="sendlog", count="1", logindex="11", record=[record])
    assert reply is not None
    assert (reply.document["access"], reply.document["message"]) == (0, "Access denied")
    assert reply.document["logindex"] == 11


async def test_sendlog_with_unreadable_records_is_acknowledged() -> None:
    terminal, listener, _device = make()
    reply = await frame(
        terminal, cmd="sendlog", logindex=3, record=[{"enrollid": "x"}, None, {"enrollid": 0}]
    )
    assert reply is not None
    assert (reply.document["result"], reply.document["count"]) == (True, 3)
    assert listener.events == []  # a door record without an event code means nothing
    reply = await frame(terminal, cmd="sendlog", record="not a list")
    assert reply is not None
    assert (reply.document["result"], reply.document["count"]) == (True, 0)


async def test_sendlog_is_refused_when_records_cannot_be_handled() -> None:
    terminal, listener, _device = make()
    listener.fail = True
    item = {"enrollid": 1, "time": "2024-05-01 08:00:00"}
    reply = await frame(terminal, cmd="sendlog", count=1, logindex=4, record=[item])
    assert reply is not None
    assert reply.document == {"ret": "sendlog", "result": False, "reason": "server busy"}
    assert terminal.log_index is None
    reply = await frame(terminal, cmd="senduser", enrollid=1, backupnum=0)
    assert reply is not None
    assert reply.document["result"] is False


async def test_senduser_is_an_admin_event_or_ends_an_enrollment() -> None:
    terminal, listener, device = make()
    reply = await frame(
        terminal,
        cmd="senduser",
        enrollid=5,
        name="chingzou",
        backupnum=0,
        admin=0,
        record="kajgksjgaglas",
    )
    assert reply is not None
    assert (reply.document["ret"], reply.document["result"]) == ("senduser", True)
    assert "cloudtime" in reply.document
    await terminal.start_enrollment("6", Credential.FACE)
    assert device.sent[-1] == {"cmd": "adduser", "enrollid": 6, "backupnum": 50, "admin": 0}
    await frame(terminal, cmd="senduser", enrollid=6, backupnum=50, record="aGk=")
    assert [(e.type, e.user_id, e.user_name) for e in listener.events] == [
        (EventType.USER_UPDATED, "5", "chingzou"),
        (EventType.ENROLLMENT_FINISHED, "6", None),
    ]
    assert listener.user_changes == [("5", UserChange.UPDATED), ("6", UserChange.UPDATED)]
    reply = await frame(terminal, cmd="senduser", enrollid="nobody")
    assert reply is not None
    assert reply.document["result"] is True  # acknowledged, or it comes back forever
    assert len(listener.events) == 2


async def test_qr_codes_are_answered_by_the_authorizer() -> None:
    authorizer = Authorizer(granted=False)
    terminal, _listener, _device = make(authorizer=authorizer)
    reply = await frame(terminal, cmd="sendqrcode", record="123456")
    assert reply is not None
    assert reply.document == {
        "ret": "sendqrcode",
        "sn": SERIAL,
        "result": True,
        "access": 0,
        "message": "Access denied",
    }
    assert authorizer.asked[0].methods == (Method.QR,)
    terminal, _listener, _device = make()
    reply = await frame(terminal, cmd="sendqrcode")
    assert reply is not None
    assert (reply.document["access"], reply.document["message"]) == (0, "Unknown QR code")


async def test_a_qr_code_decision_names_the_holder_and_is_an_event() -> None:
    """The authorizer finds the pass of the code: the answer names them, an event tells it."""

    class PassDesk(Authorizer):
        async def __call__(self, event: AccessEvent) -> tuple[bool, str | None]:
            self.asked.append(event)
            if event.qr_code == "VISIT-42":
                event.user_id, event.user_name = "42", "Visitor"
                return True, None
            return False, "Unknown QR code"

    desk = PassDesk()
    terminal, listener, _device = make(authorizer=desk)
    reply = await frame(terminal, cmd="sendqrcode", record=" VISIT-42 ")
    assert reply is not None
    assert reply.document == {
        "ret": "sendqrcode",
        "sn": SERIAL,
        "result": True,
        "access": 1,
        "enrollid": 42,
        "username": "Visitor",
        "message": "ok",
    }
    reply = await frame(terminal, cmd="sendqrcode", record="FORGED")
    assert reply is not None
    assert (reply.document["access"], reply.document["message"]) == (0, "Unknown QR code")
    assert "enrollid" not in reply.document
    events = listener.events
    assert [(e.type, e.user_id, e.methods, e.reason) for e in events] == [
        (EventType.ACCESS_GRANTED, "42", (Method.QR,), None),
        (EventType.ACCESS_DENIED, None, (Method.QR,), DenyReason.UNREGISTERED),
    ]
    # The code is a credential: it never reaches the bus.
    assert "VISIT-42" not in str(events[0].as_dict())


@pytest.mark.parametrize("record", [None, "", "x" * 257, ["VISIT-42"], True])
async def test_an_unreadable_qr_code_is_refused_unasked(record: object) -> None:
    """No code, an empty, over-long or non-text one: refused, nobody asked, nothing recorded."""
    desk = Authorizer(granted=True)
    terminal, listener, _device = make(authorizer=desk)
    reply = await frame(terminal, cmd="sendqrcode", record=record)
    assert reply is not None
    assert (reply.document["result"], reply.document["access"]) == (True, 0)
    assert desk.asked == []
    assert listener.events == []
    assert terminal.problems.counts


async def test_a_refused_person_is_denied_by_the_server() -> None:
    """A pass the directory refuses now (used up, out of hours): server_denied, named."""

    class Refusing(Authorizer):
        async def __call__(self, event: AccessEvent) -> tuple[bool, str | None]:
            event.user_id = "9"
            return False, "Access denied (time_zone)"

    terminal, listener, _device = make(authorizer=Refusing())
    reply = await frame(terminal, cmd="sendqrcode", record=123456)
    assert reply is not None
    assert (reply.document["access"], reply.document["enrollid"]) == (0, 9)
    assert "username" not in reply.document
    (event,) = listener.events
    assert (event.type, event.reason) == (EventType.ACCESS_DENIED, DenyReason.SERVER_DENIED)


async def test_every_cmd_gets_its_ret() -> None:
    terminal, _listener, _device = make()
    reply = await frame(terminal, cmd="dance")
    assert reply is not None
    assert reply.document == {"ret": "dance", "result": False, "reason": "unknown command"}
    assert await frame(terminal, ret="getuserlist", result=True) is None  # nobody waits


# -- commands ------------------------------------------------------------------------------


async def test_answers_by_cmd_instead_of_ret_are_accepted() -> None:
    terminal, _listener, device = make()
    device.scripts["gettime"] = None
    task = asyncio.create_task(terminal.get_time())
    await asyncio.sleep(0.01)
    await frame(terminal, cmd="gettime", time="2022-11-09 19:31:49")
    assert await task == datetime(2022, 11, 9, 19, 31, 49, tzinfo=ZONE)


async def test_a_device_that_never_answers_times_out_and_frees_the_channel() -> None:
    terminal, _listener, device = make(timeout=SHORT)
    device.scripts["opendoor"] = None
    with pytest.raises(CommandTimeoutError):
        await terminal.door_control(1, DoorAction.OPEN)
    device.scripts["opendoor"] = {"result": True}
    await terminal.door_control(2, DoorAction.OPEN)
    assert device.sent[-1] == {"cmd": "opendoor", "doornum": 2}
    # The late answer of the first one finds nobody waiting.
    assert await frame(terminal, ret="opendoor", result=True) is None


async def test_one_command_in_flight() -> None:
    terminal, _listener, device = make()
    device.scripts["settime"] = None
    first = asyncio.create_task(terminal.set_time(datetime(2024, 1, 1, tzinfo=UTC)))
    second = asyncio.create_task(terminal.clear_alarm())
    await asyncio.sleep(0.02)
    assert device.commands() == ["settime"]
    assert device.sent[0]["cloudtime"] == "2024-01-01 08:00:00"
    assert terminal.diagnostics()["command_in_flight"] == "settime"
    await frame(terminal, ret="settime", result=True)
    await asyncio.gather(first, second)
    assert device.sent[1] == {"cmd": "lockctrl", "fuc": 6}


async def test_commands_wait_for_a_connection() -> None:
    terminal, _listener, device = make()
    terminal.detach(device)
    assert not terminal.connected
    task = asyncio.create_task(terminal.command("cleanlog"))
    await asyncio.sleep(0.02)
    assert device.sent == []
    terminal.attach(device)
    assert await task == {"ret": "cleanlog", "sn": SERIAL, "result": True}
    terminal.detach(device)
    terminal.command_timeout = SHORT
    assert terminal.command_timeout == SHORT
    with pytest.raises(CommandTimeoutError):
        await terminal.command("cleanlog")


async def test_a_disconnect_fails_the_command_in_flight() -> None:
    terminal, _listener, device = make()
    device.scripts["initsys"] = None
    task = asyncio.create_task(terminal.factory_reset())
    await asyncio.sleep(0.02)
    terminal.detach(device)
    with pytest.raises(CommandCancelledError):
        await task


async def test_an_open_socket_keeps_the_terminal_online() -> None:
    terminal, listener, device = make()
    await asyncio.sleep(0.01)
    assert listener.calls["seen"] == 1  # at once, then every SEEN_INTERVAL while connected
    terminal.detach(device)
    await asyncio.sleep(0.01)
    assert terminal._alive is None


async def test_a_second_socket_replaces_the_first() -> None:
    terminal, _listener, device = make()
    newer = FakeDevice(terminal)
    terminal.attach(newer)
    await asyncio.sleep(0.01)
    assert device.closed
    terminal.detach(device)  # the old socket's end does not disconnect the new one
    assert terminal.connected


async def test_refusals_are_device_errors() -> None:
    terminal, _listener, device = make()
    device.scripts["adduser"] = {"result": False, "reason": 2}
    with pytest.raises(DeviceError, match="already exists"):
        await terminal.start_enrollment("9", Credential.FINGERPRINT, 3)
    assert device.sent[-1]["backupnum"] == 3
    assert terminal.diagnostics()["enrollments_pending"] == []
    device.scripts["cleanlog"] = {"result": False}
    with pytest.raises(DeviceError, match="no reason"):
        await terminal.clean_logs()


async def test_door_control() -> None:
    terminal, listener, device = make()
    await terminal.door_control(1, DoorAction.HOLD_OPEN)
    assert device.sent[-1] == {"cmd": "lockctrl", "fuc": 1}
    assert terminal.doors[1].held_open
    await terminal.door_control(1, DoorAction.LOCKOUT)
    assert (terminal.doors[1].held_open, terminal.doors[1].locked_out) == (False, True)
    await terminal.door_control(1, DoorAction.NORMAL)
    await terminal.door_control(1, DoorAction.RELEASE_LOCKOUT)
    assert [frame["fuc"] for frame in device.sent] == [1, 2, 4, 4]
    assert listener.calls["state_changed"] == 4
    with pytest.raises(InvalidRequestError):
        await terminal.door_control(2, DoorAction.HOLD_OPEN)
    with pytest.raises(InvalidRequestError):
        await terminal.door_control(5, DoorAction.OPEN)
    with pytest.raises(NotSupportedError):
        await terminal.door_control(1, DoorAction.OPEN, duration=5)


async def test_reboot_expects_no_answer_and_firmware_is_not_supported() -> None:
    terminal, _listener, device = make(timeout=SHORT)
    await terminal.reboot()
    assert device.sent == [{"cmd": "reboot"}]
    assert not terminal.supports(Operation.PUSH_FIRMWARE)
    with pytest.raises(NotSupportedError):
        await terminal.push_firmware(FirmwareImage(data=b"x", md5="0" * 32))
    with pytest.raises(NotSupportedError):
        await terminal.request_snapshot()


async def test_enrollment_slots() -> None:
    terminal, _listener, device = make()
    await terminal.start_enrollment("1", Credential.PALM, 2)
    await terminal.start_enrollment("1", Credential.CARD)
    await terminal.start_enrollment("1", Credential.PASSWORD)
    assert [frame["backupnum"] for frame in device.sent] == [41, 11, 10]
    with pytest.raises(InvalidRequestError):
        await terminal.start_enrollment("1", Credential.CARD, 3)
    with pytest.raises(InvalidRequestError):
        await terminal.start_enrollment("abc", Credential.FACE)


# -- life cycle ----------------------------------------------------------------------------


async def test_close_fails_waiting_callers_and_closes_the_socket() -> None:
    terminal, _listener, device = make()
    device.scripts["getdevinfo"] = None
    waiting = asyncio.create_task(terminal.get_settings())
    await asyncio.sleep(0.02)
    terminal.close()
    with pytest.raises(TerminalClosedError):
        await waiting
    with pytest.raises(TerminalClosedError):
        await terminal.get_settings()
    await asyncio.sleep(0.01)
    assert device.closed
    terminal.restore_state({"log_index": "12"})
    assert terminal.log_index == 12


async def test_background_failures_are_contained(caplog: pytest.LogCaptureFixture) -> None:
    terminal, listener, device = make()
    device.scripts["getnewlog"] = [
        {"result": True, "count": 1, "from": 0, "to": 0, "record": [LOG_ITEM]}
    ]
    listener.fail = True
    await frame(terminal, **REG)
    await settle(terminal)
    assert "Could not handle records" in caplog.text
    assert "log backfill failed" not in caplog.text  # it stopped: a debug line, no traceback
    assert terminal.backfilled == 0
    terminal.spawn(_explode, "a bug")
    await asyncio.sleep(0.01)
    assert "a bug failed" in caplog.text


async def _explode() -> None:
    raise ValueError("bug")
