"""Tests of the cloud WebSocket terminal: device frames, commands, paging and the socket session."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta, timezone
import json
from typing import Any

import pytest

from custom_components.access_terminal.protocols.cloud_ws import (
    CloudWsTerminal,
    DeviceSession,
    Reply,
    channel as channel_module,
    parse_message,
)
from custom_components.access_terminal.protocols.cloud_ws.wire import encode
from custom_components.access_terminal.protocols.errors import (
    CommandCancelledError,
    CommandTimeoutError,
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    TerminalClosedError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.model import (
    AccessEvent,
    Credential,
    DoorAction,
    EventType,
    FirmwareImage,
    Method,
    Operation,
    User,
    UserChange,
)

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


_MADE: list[CloudWsTerminal] = []


@pytest.fixture(autouse=True)
async def close_terminals() -> AsyncIterator[None]:
    """Close every terminal a test made, so that no background task outlives it."""
    yield
    while _MADE:
        terminal = _MADE.pop()
        terminal.close()
        await asyncio.gather(*terminal._tasks, return_exceptions=True)


def make(
    timeout: float = 5.0, authorizer: Authorizer | None = None
) -> tuple[CloudWsTerminal, RecordingListener, FakeDevice]:
    listener = RecordingListener()
    terminal = CloudWsTerminal(
        SERIAL, listener, zone=ZONE, command_timeout=timeout, authorizer=authorizer
    )
    _MADE.append(terminal)
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
    reply = await frame(terminal, cmd="sendlog", count=1, logindex=4, record=[{"enrollid": 1}])
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
    task = asyncio.create_task(terminal.initialize())
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


# -- paging --------------------------------------------------------------------------------


def _page(start: int, size: int, count: int | None) -> dict[str, Any]:
    records = [{"enrollid": n, "admin": 0, "backupnum": 11} for n in range(start, start + size)]
    page: dict[str, Any] = {"result": True, "from": start, "to": start + size - 1}
    if count is not None:
        page["count"] = count
    return {**page, "record": records}


@pytest.mark.parametrize(
    ("pages", "asked"),
    [
        # count is the page's size: the listing ends with an empty page.
        ([_page(1, 40, 40), _page(41, 40, 40), _page(81, 25, 25), _page(0, 0, 0)], 4),
        # count is a total: the listing ends when it is reached.
        ([_page(1, 40, 105), _page(41, 40, 105), _page(81, 25, 105)], 3),
        # a terminal that sends the last page again, or refuses the next one.
        ([_page(1, 40, 40), _page(41, 40, 40), _page(81, 25, 25), _page(81, 25, 25)], 4),
        ([_page(1, 40, None), _page(41, 40, None), _page(81, 25, None), {"result": False}], 4),
    ],
)
async def test_user_listing_pages(pages: list[dict[str, Any]], asked: int) -> None:
    terminal, _listener, device = make()
    device.scripts["getuserlist"] = pages
    device.scripts["getuserinfo"] = lambda cmd: {
        "result": True,
        "enrollid": cmd["enrollid"],
        "name": f"User {cmd['enrollid']}",
        "backupnum": 11,
        "record": 1000 + cmd["enrollid"],
    }
    device.scripts["getuserlock"] = {"result": False}
    listed = await terminal.list_users(with_credentials=False)
    assert [user.user_id for user in listed] == [str(n) for n in range(1, 106)]
    assert listed[-1].name == "User 105"
    assert listed[-1].cards == ("1105",)
    assert device.commands().count("getuserlist") == asked


async def test_listing_of_some_users_with_credentials() -> None:
    terminal, _listener, device = make()
    device.scripts["getuserlist"] = [
        {
            "result": True,
            "count": 4,
            "from": 0,
            "to": 3,
            "record": [
                {"enrollid": 1, "admin": 1, "backupnum": 50},
                {"enrollid": 1, "admin": 1, "backupnum": 0},
                {"enrollid": 2, "admin": 0, "backupnum": 10},
                {"enrollid": 3, "admin": 0, "backupnum": 11},
            ],
        },
        {"result": True, "count": 0, "from": 0, "to": 0, "record": []},
    ]
    photo = base64.b64encode(PHOTO).decode()
    device.scripts["getuserinfo"] = lambda cmd: (
        {"result": True, "backupnum": 50, "record": photo}
        if cmd["backupnum"] == 50
        else {"result": False, "reason": 1}
    )
    device.scripts["getusername"] = {"result": True, "record": "Alice"}
    device.scripts["getuserlock"] = {
        "result": True,
        "starttime": "2024-01-01 00:00:00",
        "endtime": "2030-12-31 23:59:59",
    }
    (user,) = await terminal.list_users(["01"], with_credentials=True)
    assert (user.user_id, user.name, user.privilege) == ("1", "Alice", "admin")
    assert user.credentials.photo == PHOTO
    assert user.credentials.fingerprints == {}  # the read failed
    assert user.valid_until == datetime(2030, 12, 31, 23, 59, 59, tzinfo=ZONE)
    assert [c["cmd"] for c in device.sent] == [
        "getuserlist",
        "getuserlist",
        "getuserinfo",
        "getuserinfo",
        "getusername",
        "getuserlock",
    ]


async def test_listing_fails_when_the_first_page_is_refused() -> None:
    terminal, _listener, device = make()
    device.scripts["getuserlist"] = {"result": False, "reason": 1}
    with pytest.raises(DeviceError):
        await terminal.list_users()


async def test_paging_stops_at_the_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel_module, "MAX_PAGES", 3)
    terminal, _listener, device = make()
    device.scripts["getholiday"] = lambda cmd: {
        "result": True,
        "holidays": [{"name": f"h{len(device.sent)}", "startday": "01-01"}],
    }
    holidays = await terminal.get_holidays()
    assert [h["name"] for h in holidays] == ["h1", "h2", "h3"]


async def test_all_logs_between_dates_are_not_repeated() -> None:
    terminal, listener, device = make()
    records = [{"enrollid": 1, "time": "2018-11-02 08:00:00", "mode": 3, "inout": 0, "event": 0}]
    device.scripts["getalllog"] = [
        {"result": True, "count": 1, "from": 0, "to": 0, "record": records},
        {"result": True, "count": 0, "from": 0, "to": 0, "record": []},
    ]
    assert await terminal.fetch_all_logs(date(2018, 11, 1), date(2018, 12, 30)) == 1
    assert device.sent[0] == {
        "cmd": "getalllog",
        "from": "2018-11-1",
        "to": "2018-12-30",
        "stn": True,
    }
    assert len(listener.events) == 1
    listener.fail = True
    device.scripts["getalllog"] = [
        {"result": True, "count": 1, "from": 0, "to": 0, "record": records}
    ]
    with pytest.raises(CommandCancelledError):
        await terminal.fetch_all_logs()


# -- users ---------------------------------------------------------------------------------


async def test_set_users_reports_each_failure() -> None:
    terminal, _listener, device = make()
    device.scripts["setuserinfo"] = lambda cmd: {"result": cmd["enrollid"] != 2, "reason": 1}
    with pytest.raises(UserWriteError) as caught:
        await terminal.set_users(
            [
                User(user_id="1", name="A", cards=("123",)),
                User(user_id="2", name="B"),
                User(user_id="3", cards=("1", "2")),
                User(user_id="4", name="D", password="12"),
            ],
            keep_held_credentials={"4"},
        )
    assert set(caught.value.failures) == {"2", "3"}
    assert [(c["cmd"], c.get("enrollid"), c.get("backupnum")) for c in device.sent] == [
        ("setuserinfo", 1, 11),
        ("setuserinfo", 2, None),
        ("setuserinfo", 4, 10),
        ("deleteuser", 4, 11),  # user 4 may hold a card: gone now
    ]


async def test_delete_users() -> None:
    terminal, _listener, device = make()
    device.scripts["deleteuser"] = lambda cmd: {"result": cmd["enrollid"] == 1}
    with pytest.raises(UserWriteError) as caught:
        await terminal.delete_users(["1", "2"])
    assert list(caught.value.failures) == ["2"]
    assert device.sent[0] == {"cmd": "deleteuser", "enrollid": 1, "backupnum": 13}
    await terminal.delete_users(None)
    assert device.sent[-1] == {"cmd": "cleanuser"}


async def test_family_commands() -> None:
    terminal, listener, device = make()
    device.scripts["getusername"] = {"result": True, "record": "chingzou"}
    device.scripts["getuserprofile"] = {"result": True, "record": "hello"}
    device.scripts["getdevcap"] = {"result": True, "usersize": 15000, "useduser": 746}
    assert await terminal.get_user_name("1") == "chingzou"
    await terminal.enable_user("1", False)
    await terminal.set_user_names({str(n): f"N{n}" for n in range(1, 61)})
    await terminal.get_user_access("1")
    await terminal.set_user_access([{"enrollid": n, "weekzone": 1} for n in range(1, 42)])
    await terminal.delete_user_access("1")
    await terminal.delete_user_access(None)
    await terminal.clean_admins()
    await terminal.get_settings()
    await terminal.set_settings(volume=8, sleep=1)
    await terminal.get_access_settings()
    await terminal.set_access_settings(opendelay=5)
    await terminal.get_questionnaire()
    await terminal.set_questionnaire(title="inout event", items=["in", "out"])
    await terminal.set_holidays([{"name": "h", "startday": "01-01", "endday": "01-01"}])
    assert await terminal.get_profile(None) == "hello"
    await terminal.set_profile("3", "message")
    assert (await terminal.read_capabilities())["usersize"] == 15000
    assert terminal.info is not None
    assert terminal.info.usage["users"].used == 746
    assert listener.calls["state_changed"] == 1
    assert [(c["cmd"], c.get("count")) for c in device.sent if "count" in c] == [
        ("setusername", 50),
        ("setusername", 10),
        ("setuserlock", 40),
        ("setuserlock", 1),
    ]
    assert device.sent[1] == {"cmd": "enableuser", "enrollid": 1, "enflag": 0}
    assert {"cmd": "getuserprofile", "enrollid": 0} in device.sent
    with pytest.raises(InvalidRequestError):
        await terminal.set_holidays([{}] * 31)
    with pytest.raises(InvalidRequestError):
        await terminal.set_profile(None, "é" * 101)


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
    device.scripts["getnewlog"] = [_page(1, 1, 5)]
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


# -- the socket session --------------------------------------------------------------------


class FakeSocket:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = fail

    async def send(self, text: str) -> None:
        if self.fail:
            raise ConnectionResetError("gone")
        self.sent.append(json.loads(text))

    async def close(self) -> None:
        return


def session_for(
    terminal: CloudWsTerminal | None, socket: FakeSocket | None = None
) -> tuple[DeviceSession, FakeSocket, list[str]]:
    looked_up: list[str] = []

    def lookup(serial: str, host: str | None) -> CloudWsTerminal | None:
        looked_up.append(serial)
        return terminal

    socket = socket or FakeSocket()
    return DeviceSession(socket, lookup, "10.0.0.9"), socket, looked_up  # type: ignore[arg-type]


async def test_session_refuses_unknown_serials() -> None:
    session, socket, looked_up = session_for(None)
    assert not await session.receive(encode({"cmd": "reg", "sn": "ZX99"}))
    assert socket.sent == [{"ret": "reg", "result": False, "reason": "did not reg"}]
    assert looked_up == ["ZX99"]
    session, socket, looked_up = session_for(None)
    assert not await session.receive(encode({"cmd": "reg", "sn": "../../etc"}))
    assert not await session.receive(encode({"ret": "getuserlist", "result": True}))
    assert looked_up == []
    assert [frame["ret"] for frame in socket.sent] == ["reg"]


async def test_session_binds_answers_and_refuses_other_serials() -> None:
    terminal, _listener, _device = make()
    session, socket, looked_up = session_for(terminal)
    assert await session.receive(encode(REG | {"sn": SERIAL}))
    assert socket.sent[0]["ret"] == "reg"
    assert terminal._channel.connection is session.connection
    assert await session.receive(encode({"cmd": "sendlog", "sn": "OTHER", "record": []}))
    assert socket.sent[-1] == {"ret": "sendlog", "result": False, "reason": "wrong sn"}
    assert await session.receive(encode({"ret": "opendoor", "sn": "OTHER"}))
    assert await session.receive(b"\x00\x01binary")
    assert socket.sent[-1]["ret"] == "error"
    assert await session.receive(encode({"ret": "opendoor", "result": True}))
    assert looked_up == [SERIAL]
    session.closed()
    assert not terminal.connected
    terminal.close()


async def test_session_stops_when_the_socket_is_gone() -> None:
    terminal, _listener, _device = make()
    session, _socket, _ = session_for(terminal, FakeSocket(fail=True))
    assert not await session.receive(encode(REG | {"sn": SERIAL}))
    assert not await session.receive("garbage")
    terminal.close()


async def test_a_socket_that_cannot_send() -> None:
    terminal, _listener, device = make()

    async def broken(text: str) -> None:
        raise ConnectionResetError("gone")

    device.send = broken  # type: ignore[method-assign]
    with pytest.raises(CommandCancelledError, match="disconnected"):
        await terminal.reboot()
    with pytest.raises(CommandCancelledError):
        await terminal.clean_logs()
