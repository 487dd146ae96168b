"""Tests of the ZK PUSH terminal: the device's iclock requests and the operations they carry."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta, timezone, tzinfo
import gc
import hashlib
import io
import json
import re
import tarfile
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    TerminalClosedError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.model import (
    AccessEvent,
    AlarmReason,
    Authorizer,
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
    Operation,
    Privilege,
    Usage,
    User,
    UserChange,
)
from custom_components.access_terminal.protocols.zk_push import (
    Endpoint,
    Reply,
    Variant,
    ZkPushTerminal,
    commands as commands_module,
    parse_request,
    registration as registration_module,
    terminal as terminal_module,
    uploads as uploads_module,
    writes as writes_module,
)
from custom_components.access_terminal.protocols.zk_push.device import info_from_options
from custom_components.access_terminal.protocols.zk_push.users import Capabilities
from custom_components.access_terminal.protocols.zk_push.wire import (
    old_decode_time,
    parse_options,
)

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


@pytest.fixture
def device() -> Device:
    """A terminal that has not talked yet."""
    return Device()


@pytest.fixture
async def controller(device: Device) -> Device:
    """A registered Security PUSH controller (the REGISTRY options)."""
    await device.register()
    return device


@pytest.fixture
async def plain(device: Device) -> Device:
    """A registered one-door controller that announced nothing more."""
    await device.register(PLAIN)
    return device


@pytest.fixture
async def attendance(device: Device) -> Device:
    """An attendance PUSH terminal after its hand-shake."""
    reply = await device.handshake(pushver="2.4.1", language="69")
    assert reply.status == 200
    return device


# -- hand-shake ----------------------------------------------------------------------------------


async def test_unregistered_controller_gets_ok(device: Device) -> None:
    reply = await device.handshake(pushver="3.1.2")
    assert (reply.status, reply.body) == (200, b"OK")
    terminal = device.terminal
    assert terminal.variant is Variant.SECURITY
    assert terminal.registry_code is None
    # No door exists until the controller says how many it has.
    assert terminal.doors == {}
    assert device.listener.calls["seen"] == 1


async def test_registry_answers_the_code_exactly(device: Device) -> None:
    await device.handshake(pushver="3.1.2")
    reply = await device.send(Endpoint.REGISTRY, REGISTRY)
    code = device.terminal.registry_code
    assert code is not None
    assert re.fullmatch(r"[A-Za-z0-9]{10}", code)
    assert (reply.status, reply.body) == (200, f"RegistryCode={code}".encode())
    # Registering again keeps the code.
    assert (await device.send(Endpoint.REGISTRY, REGISTRY)).text == f"RegistryCode={code}"
    terminal = device.terminal
    assert terminal.options["DeviceName"] == "InBio460"
    assert "~DeviceName" not in terminal.options
    assert list(terminal.doors) == [1, 2, 3, 4]
    assert terminal.supports(Operation.OPEN_DOOR)
    assert terminal.supports(Operation.LOCKOUT)
    assert device.listener.calls["persist"] >= 2
    assert device.listener.calls["state_changed"] >= 1


async def test_registry_without_parameters_is_refused(device: Device) -> None:
    reply = await device.send(Endpoint.REGISTRY, "")
    assert (reply.status, reply.text) == (406, "registration without device parameters")
    assert device.terminal.registry_code is None


async def test_push_hands_out_the_parameters_and_a_new_session(controller: Device) -> None:
    first = controller.session
    lines = await controller.push()
    session = controller.session
    assert re.fullmatch(r"[0-9A-F]{32}", session)
    assert session != first
    assert lines == [
        *SERVER_PARAMETERS,
        f"SessionID={session}",
        "TimeoutSec=10",
        "MultiBioDataSupport=0:1:0:0:0:0:0:0:1:1",
        "MultiBioPhotoSupport=0:0:0:0:0:0:0:0:0:1",
    ]


async def test_push_takes_the_options_it_carries(plain: Device) -> None:
    reply = await plain.send(Endpoint.PUSH, "LockCount=2,Door2Drivertime=9")
    assert reply.status == 200
    assert list(plain.terminal.doors) == [1, 2]
    assert "MultiBioDataSupport" not in reply.text


async def test_push_before_registration_is_refused(device: Device) -> None:
    reply = await device.send(Endpoint.PUSH, "LockCount=2")
    assert (reply.status, reply.text) == (406, "not registered")


async def test_registered_controller_gets_its_parameters(controller: Device) -> None:
    reply = await controller.handshake(pushver="3.1.2")
    session = parse_options(reply.text)["SessionID"]
    assert session != controller.session
    assert reply.text.split("\n") == [
        "registry=ok",
        f"RegistryCode={controller.terminal.registry_code}",
        *SERVER_PARAMETERS,
        f"SessionID={session}",
        "TimeoutSec=10",
    ]
    # A controller keeps its variant even when it leaves pushver out.
    assert (await controller.handshake()).text.startswith("registry=ok")


@pytest.mark.parametrize(
    ("query", "variant"),
    [
        ({"pushver": "3.1.2"}, Variant.SECURITY),
        ({"pushver": "3"}, Variant.SECURITY),
        ({"DeviceType": "acc"}, Variant.SECURITY),
        ({"pushver": "2.4.1"}, Variant.ATTENDANCE),
        ({"pushver": "abc"}, Variant.ATTENDANCE),
        ({}, Variant.ATTENDANCE),
    ],
)
async def test_variant_detection(device: Device, query: dict[str, str], variant: Variant) -> None:
    await device.handshake(**query)
    assert device.terminal.variant is variant
    assert device.terminal.supports(Operation.LIST_USERS)
    assert device.terminal.supports(Operation.OPEN_DOOR) is (variant is Variant.SECURITY)


async def test_attendance_after_an_attlog_upload(device: Device) -> None:
    reply = await device.upload("ATTLOG", "7\t2024-05-01 08:00:00\t0\t1\t0\t0")
    assert reply.text == "OK: 1"
    assert device.terminal.variant is Variant.ATTENDANCE
    assert (await device.handshake()).text.startswith("GET OPTION FROM: ")
    assert device.terminal.variant is Variant.ATTENDANCE


async def test_attendance_terminal_operations(attendance: Device) -> None:
    terminal = attendance.terminal
    assert terminal.operations == {
        Operation.LIST_USERS,
        Operation.SET_USERS,
        Operation.DELETE_USERS,
        Operation.ENROLL,
        Operation.SET_TIME,
        Operation.REBOOT,
    }
    assert terminal.doors == {}
    assert terminal.info is not None
    assert terminal.info.doors == 0
    assert terminal.info.keepalive_interval == 10


# -- tokens --------------------------------------------------------------------------------------


async def test_token_required_once_the_terminal_sent_one(controller: Device) -> None:
    terminal, listener = controller.terminal, controller.listener
    assert (await controller.get(Endpoint.PING)).text == "OK"
    assert terminal.diagnostics()["token_required"] is False
    persists = listener.calls["persist"]
    controller.cookie = f"token={controller.token()}"
    assert (await controller.get(Endpoint.PING)).text == "OK"
    assert terminal.token_required
    assert listener.calls["persist"] == persists + 1
    controller.cookie = None
    seen = listener.calls["seen"]
    refused = await controller.upload("rtlog", RTLOG_EXAMPLE)
    assert (refused.status, refused.text) == (401, "Unauthorized")
    assert (await controller.get(Endpoint.GETREQUEST)).status == 401
    assert listener.received == []
    assert listener.calls["seen"] == seen
    # The hand-shake is never refused: it is how a terminal gets a new session.
    assert (await controller.handshake(pushver="3.1.2")).text.startswith("registry=ok")
    assert (await controller.send(Endpoint.REGISTRY, REGISTRY)).status == 200
    assert (await controller.send(Endpoint.PUSH)).status == 200
    assert (await controller.send(Endpoint.EXCHANGE, type="publickey")).status == 406


async def test_token_cookie_with_timestamp_and_upper_case(controller: Device) -> None:
    cookie = f"token={controller.token().upper()}, timestamp=1547000000"
    assert (await controller.get(Endpoint.PING, cookie=cookie)).status == 200
    assert controller.terminal.token_required


@pytest.mark.parametrize("token", ["abcdef", md5("wrong")])
async def test_stale_or_wrong_tokens_are_refused(controller: Device, token: str) -> None:
    assert await controller.ping(token) == 401
    assert not controller.terminal.token_required


async def test_tokens_before_registration_are_refused(device: Device) -> None:
    assert await device.ping(md5("x")) == 401
    # Its hand-shake is answered.
    assert (await device.handshake(pushver="3.1.2", cookie=f"token={md5('x')}")).text == "OK"


@pytest.mark.parametrize(
    ("grace", "status"), [(registration_module.SESSION_GRACE, 200), (-1.0, 401)]
)
async def test_previous_session_valid_for_a_while(
    controller: Device, monkeypatch: pytest.MonkeyPatch, grace: float, status: int
) -> None:
    # Tokens of the session before the latest push are still in flight for a while.
    monkeypatch.setattr(registration_module, "SESSION_GRACE", grace)
    old = controller.session
    await controller.push()
    assert await controller.ping(controller.token(old)) == status
    assert await controller.ping(controller.token()) == 200


# -- options and info ----------------------------------------------------------------------------


# Section 7.6's table=options example (on one line, as terminals send it).
OPTIONS_EXAMPLE = (
    "~DeviceName=ProBio,MAC=00:17:61:11:ad:4f,TransactionCount=23,~MaxAttLogCount=10,UserCount=7,"
    "~MaxUserCount=100,PhotoFunOn=1,~MaxUserPhotoCount=3000,FingerFunOn=1,FPVersion=10,"
    "~MaxFingerCount=40,FPCount=4,FaceFunOn=1,FaceVersion=7,~MaxFaceCount=2000,FaceCount=3,"
    "FvFunOn=0,FvVersion=3,~MaxFvCount=10,FvCount=0,PvFunOn=0,PvVersion=5,~MaxPvCount=,PvCount=0,"
    "Language=69,IPAddress=192.168.52.71,~Platform=ZMM220_TFT,~OEMVendor= ZKTeco Inc. ,"
    "FWVersion=Ver 8.0.4.1-20180102,PushVersion=Ver 2.0.34-20180822"
)


async def test_options_upload_tells_what_the_terminal_is(plain: Device) -> None:
    changes = plain.listener.calls["state_changed"]
    reply = await plain.upload("options", OPTIONS_EXAMPLE)
    assert (reply.status, reply.text) == (200, "OK")
    info = plain.terminal.info
    assert info is not None
    assert (info.serial, info.family) == (SERIAL, Family.ZK_PUSH)
    assert (info.model, info.manufacturer) == ("ProBio", "ZKTeco Inc.")
    assert info.firmware == "Ver 8.0.4.1-20180102"
    assert info.doors == 1
    assert info.features == {Feature.CARD, Feature.PASSWORD, Feature.FINGERPRINT, Feature.FACE}
    assert info.usage == {
        "users": Usage(7, 10000),
        "fingerprints": Usage(4, 4000),
        "faces": Usage(3, 2000),
        "palms": Usage(0, None),
        "logs": Usage(23, 100000),
    }
    assert info.keepalive_interval == 3
    assert info.release_time is None
    assert plain.listener.calls["state_changed"] == changes + 1
    # The same options again change nothing.
    await plain.upload("options", OPTIONS_EXAMPLE)
    assert plain.listener.calls["state_changed"] == changes + 1


@pytest.mark.parametrize(
    ("options", "features"),
    [
        ({}, set()),
        ({"IRTempDetectionFunOn": "1"}, {Feature.TEMPERATURE}),
        ({"MaskDetectionFunOn": "1"}, {Feature.MASK}),
        ({"IsSupportQRcode": "1"}, set()),
        ({"IsSupportQRcode": "2"}, {Feature.QR}),
        ({"IsSupportQRcode": "3"}, {Feature.QR}),
        ({"PvFunOn": "1"}, {Feature.PALM}),
        ({"MultiBioDataSupport": "0:0:0:0:0:0:0:0:1"}, {Feature.PALM}),
        ({"MultiBioDataSupport": "0:1"}, {Feature.FINGERPRINT}),
        ({"~ZKFPVersion": "10"}, {Feature.FINGERPRINT}),
        ({"FingerFunOn": "0", "ZKFPVersion": "0"}, set()),
        ({"MultiBioDataSupport": "0:0:1"}, {Feature.FACE}),
    ],
)
def test_info_features(options: dict[str, str], features: set[Feature]) -> None:
    options = {key.lstrip("~"): value for key, value in options.items()}
    caps = Capabilities.from_options(options, attendance=False)
    info = info_from_options(SERIAL, options, caps)
    assert info.features == {Feature.CARD, Feature.PASSWORD, *features}


def test_info_defaults() -> None:
    info = info_from_options(SERIAL, {}, Capabilities(attendance=True, doors=0))
    assert (info.model, info.manufacturer, info.firmware) == (None, "ZKTeco", None)
    assert info.usage == {}
    assert info.keepalive_interval == 10
    options = {"FirmVer": "AC Ver 5.7", "FWVersion": "other", "Door1Drivertime": "6"}
    info = info_from_options(SERIAL, options, Capabilities())
    assert (info.firmware, info.release_time) == ("AC Ver 5.7", 6)


@pytest.mark.parametrize(
    ("option", "minutes"),
    [
        ("8", 8 * 60),
        ("-5", -5 * 60),
        ("0", 0),
        ("330", 330),
        ("-210", -210),
        # Not a zone: the terminal is where Home Assistant is.
        ("900", 120),
        ("abc", 120),
        ("", 120),
    ],
)
async def test_rtlog_times_are_read_in_the_terminals_zone(
    plain: Device, option: str, minutes: int
) -> None:
    await plain.upload("options", f"TimeZone={option}")
    await plain.upload("rtlog", "time=2024-05-01 08:00:00\tpin=1\tevent=0\tindex=1")
    (event,) = plain.listener.events
    assert event.time == datetime(2024, 5, 1, 8, 0, tzinfo=timezone(timedelta(minutes=minutes)))


@pytest.mark.parametrize(
    ("zone", "option"),
    [
        (ZONE, "2"),
        (UTC, "0"),
        (timezone(timedelta(hours=-5)), "-5"),
        (timezone(timedelta(hours=5, minutes=30)), "330"),
        (timezone(timedelta(hours=-3, minutes=-30)), "-210"),
    ],
)
async def test_attendance_options_answer(zone: tzinfo, option: str) -> None:
    device = Device(zone=zone)
    reply = await device.handshake(pushver="2.4.1", language="69")
    assert reply.text.split("\n") == [
        f"GET OPTION FROM: {SERIAL}",
        "ATTLOGStamp=0",
        "OPERLOGStamp=0",
        "ATTPHOTOStamp=0",
        "ErrorDelay=30",
        "Delay=10",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        "TransFlag=TransData AttLog OpLog AttPhoto EnrollUser ChgUser EnrollFP ChgFP UserPic",
        f"TimeZone={option}",
        "Realtime=1",
        "Encrypt=None",
    ]


async def test_chinese_attendance_terminal_gets_gb18030(device: Device) -> None:
    await device.handshake(pushver="2.4.1", language="83")
    terminal = device.terminal
    task = asyncio.get_running_loop().create_task(
        terminal.set_users([User(user_id="5", name="张三")])
    )
    await settle()
    reply = await device.get(Endpoint.GETREQUEST)
    assert reply.body == (
        "C:1:DATA UPDATE USERINFO PIN=5\tName=张三\tPri=0\tPasswd=\tCard=\tGrp=1\t"
        "TZ=0000000000000000"
    ).encode("gb18030")
    await device.report((1, 0))
    await task


async def test_getrequest_encodes_names_for_chinese_controllers(device: Device) -> None:
    await device.register(f"{PLAIN},Language=83")
    task = asyncio.get_running_loop().create_task(
        device.terminal.set_users([User(user_id="5", name="张三")])
    )
    await settle()
    reply = await device.get(Endpoint.GETREQUEST)
    assert "Name=张三".encode("gb18030") in reply.body
    assert reply.body.decode("gb18030").startswith("C:1:DATA UPDATE user ")
    device.terminal.close()
    with pytest.raises(TerminalClosedError):
        await task


# -- records -------------------------------------------------------------------------------------


async def test_rtlog_records_reach_the_listener(plain: Device) -> None:
    body = (
        f"{RTLOG_EXAMPLE}\ntime=2024-05-01 08:00:00\tpin=42\tcardno=0\teventaddr=1\tevent=0"
        "\tinoutstatus=0\tverifytype=15\tindex=22\n"
    )
    reply = await plain.upload("rtlog", body)
    assert (reply.status, reply.text) == (200, "OK")
    first, second = plain.listener.received
    moment = datetime(2017, 1, 10, 11, 49, 32, tzinfo=ZONE)
    assert first.key == f"rtlog:21:{int(moment.timestamp())}"
    (denied,) = first.events
    assert (denied.type, denied.reason, denied.user_id) == (
        EventType.ACCESS_DENIED,
        DenyReason.UNREGISTERED,
        None,
    )
    assert (denied.time, denied.direction) == (moment, Direction.OUT)
    (granted,) = second.events
    assert (granted.type, granted.user_id, granted.methods) == (
        EventType.ACCESS_GRANTED,
        "42",
        (Method.FACE,),
    )
    assert second.record_id == 22


async def test_rtlog_sent_again_keeps_its_identity(plain: Device) -> None:
    # Telling duplicates apart is the listener's job: the records carry what it needs.
    await plain.upload("rtlog", RTLOG_EXAMPLE)
    await plain.upload("rtlog", RTLOG_EXAMPLE)
    first, second = plain.listener.received
    assert first.key == second.key
    assert first.key is not None


async def test_rtlog_of_a_forced_door_is_a_door_event_and_an_alarm(controller: Device) -> None:
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:00\tpin=0\teventaddr=3\tevent=102\tindex=5"
    )
    assert [(e.type, e.reason, e.door) for e in controller.listener.events] == [
        (EventType.DOOR_FORCED_OPEN, None, 3),
        (EventType.ALARM, AlarmReason.FORCED, 3),
    ]


async def test_rtstate_rows_inside_an_rtlog_body(controller: Device) -> None:
    body = (
        "time=2024-05-01 08:00:00\tsensor=02\trelay=01\talarm=0100000000000000\n"
        "time=2024-05-01 08:00:01\tpin=1\tevent=0\tindex=3"
    )
    assert (await controller.upload("rtlog", body)).text == "OK"
    assert len(controller.listener.received) == 1
    state = door(controller, 1)
    assert (state.is_open, state.relay_energised, state.alarms) == (
        True,
        True,
        frozenset({AlarmReason.FORCED}),
    )


async def test_rtstate_door_states(controller: Device) -> None:
    listener = controller.listener
    changes = listener.calls["state_changed"]
    body = "time=2024-05-01 08:00:00\tsensor=19\trelay=05\talarm=0002000000000000"
    assert (await controller.upload("rtstate", body)).text == "OK"
    doors = controller.terminal.doors
    assert [doors[n].is_open for n in range(1, 5)] == [False, True, False, None]
    assert [doors[n].relay_energised for n in range(1, 5)] == [True, False, True, False]
    assert doors[2].alarms == {AlarmReason.TAMPER}
    assert listener.calls["state_changed"] == changes + 1
    # Nothing new: nothing to tell.
    await controller.upload("rtstate", body.replace("08:00:00", "08:00:05"))
    assert listener.calls["state_changed"] == changes + 1
    assert listener.received == []


async def test_rtstate_keeps_what_only_commands_say(controller: Device) -> None:
    await obey(controller, controller.terminal.door_control(1, DoorAction.HOLD_OPEN))
    await obey(controller, controller.terminal.door_control(2, DoorAction.LOCKOUT))
    await controller.upload("rtstate", "time=2024-05-01 08:00:00\tsensor=01\trelay=00\talarm=00")
    doors = controller.terminal.doors
    assert (doors[1].held_open, doors[1].locked_out, doors[1].is_open) == (True, None, False)
    assert (doors[2].held_open, doors[2].locked_out) == (None, True)


async def test_door_state_from_door_events(controller: Device) -> None:
    listener = controller.listener
    changes = listener.calls["state_changed"]
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:00\tpin=0\teventaddr=2\tevent=200\tindex=1"
    )
    assert door(controller, 2).is_open is True
    assert listener.calls["state_changed"] == changes + 1
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:01\tpin=0\teventaddr=2\tevent=200\tindex=2"
    )
    assert listener.calls["state_changed"] == changes + 1
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:09\tpin=0\teventaddr=2\tevent=201\tindex=3"
    )
    assert door(controller, 2).is_open is False
    # A door the controller does not have changes nothing.
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:09\tpin=0\teventaddr=9\tevent=200\tindex=4"
    )
    assert set(controller.terminal.doors) == {1, 2, 3, 4}
    assert listener.calls["state_changed"] == changes + 2
    assert [e.type for e in listener.events] == [
        EventType.DOOR_OPENED,
        EventType.DOOR_OPENED,
        EventType.DOOR_CLOSED,
        EventType.DOOR_OPENED,
    ]


async def test_listener_failure_means_nothing_is_acknowledged(controller: Device) -> None:
    listener = controller.listener
    listener.fail = True
    reply = await controller.upload("rtlog", RTLOG_EXAMPLE)
    assert (reply.status, reply.text) == (503, "server busy, send again later")
    user = await controller.rows("user", "user uid=5 cardno= pin=4 password= name=Ann")
    assert user.status == 503
    assert listener.user_changes == []


async def test_punches_kept_when_the_listener_fails(attendance: Device) -> None:
    attendance.listener.fail = True
    punches = await attendance.upload("ATTLOG", "7\t2024-05-01 08:00:00\t0\t1", Stamp="77")
    assert (punches.status, punches.text) == (503, "server busy, send again later")
    # The terminal sends them again from the same point.
    assert "ATTLOGStamp=0" in (await attendance.handshake()).text.split("\n")


# -- table uploads -------------------------------------------------------------------------------


async def test_user_upload(controller: Device) -> None:
    # Section 10.5's example.
    body = (
        "user uid=5 cardno= pin=4 password= group=1 starttime=0 endtime=0 name= privilege=0  \n"
        "disable=0 verify=0"
    )
    reply = await controller.rows("user", body, count="1")
    assert (reply.status, reply.text) == (200, "user=1")
    assert controller.listener.user_changes == [("4", UserChange.UPDATED)]
    (event,) = controller.listener.events
    assert (event.type, event.user_id, event.detail, event.raw_code) == (
        EventType.USER_UPDATED,
        "4",
        "user changed at the terminal",
        "tabledata:user",
    )


async def test_template_uploads(controller: Device) -> None:
    # Section 10.11's example, wrapped as printed.
    biodata = (
        "biodata pin=1 no=0 index=0 valid=1 duress=0 type=8 majorver=5 minorver=0  \nformat=0\n\n"
        "tmp=apUBD+cAC44IAAEAAJfKWIBWAQQFAAAAAAAAEAcHAcQAAAA3PJc4PO4W/AxrTnYNXQ7cJ0+ObT  \n"
        "0vBE81KyGPkzSHuh7ul+wP647kWNnMTDA8WMwlanRcNTpzTjc2hzUGZ488FweSBlaN0kY2GdZeNHIVXCs\n"
    )
    assert (await controller.rows("biodata", biodata, count="1")).text == "biodata=1"
    # Two fingers of the same person: one change.
    templates = (
        "templatev10 size=4 uid=4 pin=4 fingerid=7 valid=1 template=AAAA resverd= endtag=\n"
        "templatev10 size=4 uid=3 pin=4 fingerid=6 valid=1 template=BBBB resverd= endtag="
    )
    assert (await controller.rows("templatev10", templates, count="2")).text == "templatev10=2"
    photo = "biophoto pin=9 filename=9.jpg type=9 size=4 content=AAAA"
    assert (await controller.rows("biophoto", photo, count="1")).text == "biophoto=1"
    userpic = "userpic pin=10 filename=10.jpg size=4 content=AAAA"
    assert (await controller.rows("userpic", userpic, count="1")).text == "userpic=1"
    assert controller.listener.user_changes == [
        ("1", UserChange.UPDATED),
        ("4", UserChange.UPDATED),
        ("9", UserChange.UPDATED),
        ("10", UserChange.UPDATED),
    ]
    assert {event.detail for event in controller.listener.events} == {
        "credential enrolled at the terminal"
    }


async def test_uploads_that_change_no_user(
    controller: Device, caplog: pytest.LogCaptureFixture
) -> None:
    errors = "errorlog errcode=D01E0001 errmsg= dataorigin=cmd cmdid=123 additional="
    assert (await controller.rows("errorlog", errors, count="1")).text == "errorlog=1"
    assert "reported an error: errorlog errcode=D01E0001" in caplog.text
    card = "identitycard pin=1 SN_Num=26121292460088826975 Name=Zhangsan Gender=1"
    assert (await controller.rows("identitycard", card, count="1")).text == "identitycard=1"
    terminal_row = "user uid=1 cardno= pin=0 password= name="
    assert (await controller.rows("user", terminal_row, count="1")).text == "user=1"
    authorize = "DeviceAuthorize SN=SUB1\tOnline=1\tIsAuthorize=0"
    reply = await controller.send(
        Endpoint.CDATA, authorize, type="registry", table="tabledata", tablename="DeviceAuthorize"
    )
    assert reply.text == "DeviceAuthorize=1"
    assert controller.listener.user_changes == []
    assert controller.listener.received == []


# -- attendance uploads --------------------------------------------------------------------------


async def test_attlog_punches_and_stamp(attendance: Device) -> None:
    body = "7\t2024-05-01 08:00:00\t0\t1\t0\t0\n8\t2024-05-01 08:01:00\t1\t15\t0\t0\ngarbage\n"
    reply = await attendance.upload("ATTLOG", body, Stamp="9999")
    # Unreadable lines are counted too: the terminal must not send them forever.
    assert (reply.status, reply.text) == (200, "OK: 3")
    assert [(e.user_id, e.direction) for e in attendance.listener.events] == [
        ("7", Direction.IN),
        ("8", Direction.OUT),
    ]
    assert all(record.stream == "attlog" for record in attendance.listener.received)
    assert "ATTLOGStamp=9999" in (await attendance.handshake()).text.split("\n")
    assert attendance.terminal.export_state()["stamps"] == {"ATTLOG": "9999"}


async def test_operlog_lines(attendance: Device) -> None:
    lines = [
        "USER PIN=5\tName=Ann\tPri=0\tPasswd=\tCard=\tGrp=1",
        "FP PIN=6\tFID=1\tSize=4\tValid=1\tTMP=AAAA",
        "OPLOG 6\t0\t2024-05-01 08:00:00\t7\t1\t0\t0",
        "OPLOG 9\t0\t2024-05-01 08:00:00\t8\t0\t0\t0",
        "OPLOG 4\t0\t2024-05-01 08:00:00\t0\t0\t0\t0",
        "OPLOG 5\t0\t2024-05-01 08:00:00\t11\t0\t0\t0",
        "OPLOG 7\t0\t2024-05-01 08:00:00",
        "OPLOG\t0",
        "USER PIN=0\tName=terminal",
        "FACE PIN=9\tFID=0",
        "BIODATA Pin=10\tNo=0",
        "FP FID=1",
        "something new",
    ]
    body = "\n".join(lines)
    reply = await attendance.upload("OPERLOG", body, Stamp="42")
    assert (reply.status, reply.text) == (200, "OK: 13")
    assert attendance.listener.user_changes == [
        ("5", UserChange.UPDATED),
        ("6", UserChange.UPDATED),
        ("7", UserChange.UPDATED),
        ("8", UserChange.DELETED),
        ("9", UserChange.UPDATED),
        ("10", UserChange.UPDATED),
    ]
    assert "OPERLOGStamp=42" in (await attendance.handshake()).text.split("\n")


async def test_attendance_photos_and_templates_are_counted(attendance: Device) -> None:
    photo = (
        b"PIN=7_20240501080000.jpg\nSN="
        + SERIAL.encode()
        + b"\nsize=4\nCMD=uploadphoto\x00\xff\xd8\xff\xd9"
    )
    reply = await attendance.upload("ATTPHOTO", photo, Stamp="5")
    assert (reply.status, reply.text) == (200, "OK: 1")
    templates = (
        "BIODATA Pin=5\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=5\tMinorVer=8\tTmp=AA\n"
        "BIODATA Pin=6\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=5\tMinorVer=8\tTmp=BB\n"
        "BIODATA No=0"
    )
    assert (await attendance.upload("BIODATA", templates)).text == "OK: 3"
    assert attendance.listener.user_changes == [
        ("5", UserChange.UPDATED),
        ("6", UserChange.UPDATED),
    ]
    stamps = attendance.terminal.export_state()["stamps"]
    assert stamps == {"ATTPHOTO": "5"}
    assert "ATTPHOTOStamp=5" in (await attendance.handshake()).text.split("\n")


async def test_attendance_info_in_getrequest(attendance: Device) -> None:
    listener = attendance.listener
    changes = listener.calls["state_changed"]
    info = "Ver 8.0.4.1-20180102,7,4,23,192.168.1.201,10,7,3,2"
    assert (await attendance.get(Endpoint.GETREQUEST, INFO=info)).text == "OK"
    terminal = attendance.terminal
    assert terminal.info is not None
    assert terminal.info.firmware == "Ver 8.0.4.1-20180102"
    assert terminal.info.usage == {
        "users": Usage(7, None),
        "fingerprints": Usage(4, None),
        "faces": Usage(2, None),
        "logs": Usage(23, None),
    }
    assert terminal.options["IPAddress"] == "192.168.1.201"
    assert listener.calls["state_changed"] == changes + 1
    await attendance.get(Endpoint.GETREQUEST, INFO=info)
    assert listener.calls["state_changed"] == changes + 1
    await attendance.get(Endpoint.GETREQUEST, INFO="Ver 8.0.5,8,,,")
    assert terminal.info.firmware == "Ver 8.0.5"
    assert terminal.info.usage["users"] == Usage(8, None)
    assert terminal.info.usage["fingerprints"] == Usage(4, None)


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
    assert "uploaded an unreadable record archive: not a tgz archive" in caplog.text
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
    garbage = await plain.send(Endpoint.DEVICECMD, "hello")
    assert (garbage.status, garbage.text) == (400, "no command result in the body")
    assert (await plain.send(Endpoint.DEVICECMD, "")).text == "OK"
    # A result for a command we do not know (sent before a restart, say).
    assert (await plain.report((99, 0))).text == "OK"


# -- doors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("door", "action", "duration", "text"),
    [
        (1, DoorAction.OPEN, None, "CONTROL DEVICE 01010104"),  # Door1Drivertime=4
        (2, DoorAction.OPEN, None, "CONTROL DEVICE 0102010A"),  # Door2Drivertime=10
        (3, DoorAction.OPEN, None, "CONTROL DEVICE 01030105"),  # the default
        (1, DoorAction.OPEN, 30, "CONTROL DEVICE 0101011E"),
        (4, DoorAction.OPEN, 1, "CONTROL DEVICE 01040101"),
        (1, DoorAction.OPEN, 254, "CONTROL DEVICE 010101FE"),
        (1, DoorAction.HOLD_OPEN, None, "CONTROL DEVICE 010101FF"),
        (3, DoorAction.NORMAL, None, "CONTROL DEVICE 01030100"),
        (2, DoorAction.LOCKOUT, None, "CONTROL DEVICE 06020100"),
        (4, DoorAction.RELEASE_LOCKOUT, None, "CONTROL DEVICE 06040000"),
    ],
)
async def test_door_control_texts(
    controller: Device, door: int, action: DoorAction, duration: int | None, text: str
) -> None:
    operation = controller.terminal.door_control(door, action, duration=duration)
    assert await obey(controller, operation) == [text]


async def test_door_ten_is_0a(device: Device) -> None:
    await device.register("DeviceType=acc,LockCount=10")
    assert await obey(device, device.terminal.door_control(10, DoorAction.OPEN)) == [
        "CONTROL DEVICE 010A0105"
    ]


@pytest.mark.parametrize(
    ("door", "action", "duration", "message"),
    [
        (0, DoorAction.OPEN, None, "door 0: this terminal has 4 door"),
        (5, DoorAction.OPEN, None, "door 5: this terminal has 4 door"),
        (1, DoorAction.OPEN, 0, "doors open for 1 to 254 seconds"),
        (1, DoorAction.OPEN, 255, "doors open for 1 to 254 seconds"),
        (1, DoorAction.HOLD_OPEN, 5, "only an opening takes a duration"),
        (1, DoorAction.LOCKOUT, 5, "only an opening takes a duration"),
    ],
)
async def test_door_control_refused(
    controller: Device, door: int, action: DoorAction, duration: int | None, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await controller.terminal.door_control(door, action, duration=duration)
    assert await controller.commands() == []


async def test_lockout_needs_door_locking(plain: Device) -> None:
    for action in (DoorAction.LOCKOUT, DoorAction.RELEASE_LOCKOUT):
        with pytest.raises(NotSupportedError, match=f"operation not supported: {action}"):
            await plain.terminal.door_control(1, action)
    assert await plain.commands() == []


async def test_doors_need_a_terminal_that_said_what_it_is(device: Device) -> None:
    with pytest.raises(NotSupportedError, match="open_door"):
        await device.terminal.door_control(1, DoorAction.OPEN)
    await device.handshake(pushver="2.4.1")
    with pytest.raises(NotSupportedError, match="open_door"):
        await device.terminal.door_control(1, DoorAction.OPEN)


async def test_door_modes_follow_the_commands(controller: Device) -> None:
    terminal, listener = controller.terminal, controller.listener
    changes = listener.calls["state_changed"]
    await obey(controller, terminal.door_control(1, DoorAction.HOLD_OPEN))
    assert door(controller, 1).held_open is True
    await obey(controller, terminal.door_control(1, DoorAction.HOLD_OPEN))
    assert listener.calls["state_changed"] == changes + 1
    await obey(controller, terminal.door_control(1, DoorAction.NORMAL))
    assert door(controller, 1).held_open is False
    await obey(controller, terminal.door_control(3, DoorAction.LOCKOUT))
    assert door(controller, 3).locked_out is True
    await obey(controller, terminal.door_control(3, DoorAction.RELEASE_LOCKOUT))
    assert terminal.doors[3] == DoorState(door=3, locked_out=False)
    # Opening says nothing about the modes.
    await obey(controller, terminal.door_control(2, DoorAction.OPEN))
    assert terminal.doors[2] == DoorState(door=2)
    assert listener.calls["state_changed"] == changes + 4


async def test_door_command_failure_is_readable(controller: Device) -> None:
    task, commands = await issue(
        controller, controller.terminal.door_control(1, DoorAction.HOLD_OPEN)
    )
    await controller.report((commands[0][0], -616))
    with pytest.raises(DeviceError, match="device error -616: failed to switch normal-open mode"):
        await task
    assert controller.terminal.doors[1].held_open is None


# Operations whose command must not reach the terminal late, and what their timeout says.
LATE: list[tuple[Callable[[ZkPushTerminal], Coroutine[Any, Any, object]], str]] = [
    (lambda terminal: terminal.door_control(1, DoorAction.OPEN), "door command open"),
    (lambda terminal: terminal.clear_alarm(), "alarm reset"),
    (lambda terminal: terminal.reboot(), "restart"),
    (lambda terminal: terminal.set_time(datetime.now(UTC)), "time setting"),
    (lambda terminal: terminal.start_enrollment("5", Credential.FACE), "enrollment start"),
    (lambda terminal: terminal.push_firmware(FIRMWARE), "firmware push"),
    (lambda terminal: terminal.list_users(), "user listing"),
]


@pytest.fixture
async def loop_errors() -> list[dict[str, Any]]:
    """Collect what the event loop reports as unhandled (it ends up in Home Assistant's log)."""
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: errors.append(context))
    return errors


@pytest.mark.parametrize(("operation", "what"), LATE, ids=[what for _, what in LATE])
async def test_commands_not_taken_in_time_are_withdrawn(
    controller: Device,
    loop_errors: list[dict[str, Any]],
    operation: Callable[[ZkPushTerminal], Coroutine[Any, Any, object]],
    what: str,
) -> None:
    controller.terminal.command_timeout = SHORT
    with pytest.raises(CommandTimeoutError, match=f"did not complete {what} in time") as err:
        await operation(controller.terminal)
    assert err.value.still_queued is False
    del err  # its traceback holds the operation's frames
    # Never delivered later: a door must not open minutes after it was asked to.
    assert await controller.commands() == []
    # Nothing left behind that asyncio would report as an unhandled error.
    await settle()
    gc.collect()
    assert [context["message"] for context in loop_errors] == []


async def test_clear_alarm(controller: Device) -> None:
    assert await obey(controller, controller.terminal.clear_alarm()) == ["CONTROL DEVICE 02000000"]


async def test_clear_alarm_not_on_attendance_terminals(attendance: Device) -> None:
    with pytest.raises(NotSupportedError):
        await attendance.terminal.clear_alarm()


# -- restart, clock and options ------------------------------------------------------------------


async def test_reboot_resolves_when_the_controller_takes_it(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.reboot())
    assert [text for _, text in commands] == ["CONTROL DEVICE 03000000"]
    await settle()
    assert task.done()
    await task
    # It may restart before reporting; a late result is taken quietly.
    assert (await controller.report((commands[0][0], 0))).text == "OK"


async def test_reboot_of_an_attendance_terminal(attendance: Device) -> None:
    assert await obey(attendance, attendance.terminal.reboot()) == ["REBOOT"]


def assert_about_now(seconds: str, zone: tzinfo) -> None:
    """Check that ZK seconds name the current wall-clock time of `zone`."""
    sent = old_decode_time(int(seconds), zone)
    assert sent is not None
    assert abs(sent - datetime.now(zone)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("moment", "zone"),
    [
        # The moment given only names the zone: the clock is read when the controller asks.
        (datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=5))), timezone(timedelta(hours=5))),
        # Without a zone: Home Assistant's.
        (datetime(2020, 1, 1), ZONE),  # noqa: DTZ001
    ],
)
async def test_set_time_takes_the_clock_at_handout(
    controller: Device, moment: datetime, zone: tzinfo
) -> None:
    texts = await obey(controller, controller.terminal.set_time(moment))
    match = re.fullmatch(r"SET OPTIONS DateTime=(\d+)", texts[0])
    assert match is not None
    assert_about_now(match[1], zone)


async def test_set_time_of_an_attendance_terminal(attendance: Device) -> None:
    # It reads the time of every answer and the TimeZone of the options: CHECK re-reads them.
    assert await obey(attendance, attendance.terminal.set_time(datetime.now(UTC))) == ["CHECK"]


async def test_set_options(controller: Device) -> None:
    terminal = controller.terminal
    options = {"Door1Drivertime": "7", "Door1SensorType": "1"}
    assert await obey(controller, terminal.set_options(options)) == [
        "SET OPTIONS Door1Drivertime=7,Door1SensorType=1"
    ]
    assert terminal.options["Door1Drivertime"] == "7"
    assert terminal.info is not None
    assert terminal.info.release_time == 7


async def test_set_options_refused_by_the_terminal(controller: Device) -> None:
    task, commands = await issue(
        controller, controller.terminal.set_options({"Door1Drivertime": "7"})
    )
    await controller.report((commands[0][0], -612))
    with pytest.raises(DeviceError, match="the device failed to save the parameter"):
        await task
    assert controller.terminal.options["Door1Drivertime"] == "4"


@pytest.mark.parametrize(
    "options",
    [{"IPAddress": "1,2"}, {"a=b": "1"}, {"": "1"}, {"Name": "a\nb"}, {"Name": "a\tb"}],
)
async def test_set_options_refuses_what_the_command_cannot_carry(
    controller: Device, options: dict[str, str]
) -> None:
    with pytest.raises(InvalidRequestError, match="no commas, '=', tabs or line breaks"):
        await controller.terminal.set_options(options)
    assert await controller.commands() == []


async def test_get_options(controller: Device) -> None:
    task, commands = await issue(
        controller, controller.terminal.get_options(["~MaxUserCount", "FirmVer", "Unknown"])
    )
    ((number, text),) = commands
    assert text == "GET OPTIONS ~MaxUserCount,FirmVer,Unknown"
    # Section 12.5.2: the values come by querydata, then the result.
    reply = await controller.send(
        Endpoint.QUERYDATA,
        "~MaxUserCount=100,FirmVer=AC Ver 5.8",
        type="options",
        cmdid=str(number),
        tablename="options",
        count="1",
        packcnt="1",
        packidx="1",
    )
    assert reply.status == 200
    await controller.report((number, 0))
    assert await task == {"~MaxUserCount": "100", "FirmVer": "AC Ver 5.8"}
    assert controller.terminal.options["FirmVer"] == "AC Ver 5.8"


@pytest.mark.parametrize("names", [["a,b"], [""], ["a=b"], ["a\nb"]])
async def test_get_options_refuses_what_the_command_cannot_carry(
    controller: Device, names: list[str]
) -> None:
    with pytest.raises(InvalidRequestError, match="no commas, '=', tabs or line breaks"):
        await controller.terminal.get_options(names)


async def test_options_commands_not_on_attendance_terminals(attendance: Device) -> None:
    with pytest.raises(NotSupportedError, match="set_options"):
        await attendance.terminal.set_options({"a": "1"})
    with pytest.raises(NotSupportedError, match="get_options"):
        await attendance.terminal.get_options(["a"])


# -- enrollment and firmware ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credential", "index", "text"),
    [
        (Credential.FINGERPRINT, None, "ENROLL_BIO type=1\tno=6\tpin=5\tretry=3\toverwrite=1"),
        (Credential.FINGERPRINT, 0, "ENROLL_BIO type=1\tno=0\tpin=5\tretry=3\toverwrite=1"),
        (Credential.FINGERPRINT, 9, "ENROLL_BIO type=1\tno=9\tpin=5\tretry=3\toverwrite=1"),
        (Credential.FACE, None, "ENROLL_BIO type=9\tno=0\tpin=5\tretry=3\toverwrite=1"),
        (Credential.FACE, 0, "ENROLL_BIO type=9\tno=0\tpin=5\tretry=3\toverwrite=1"),
        (Credential.PALM, None, "ENROLL_BIO type=8\tno=0\tpin=5\tretry=3\toverwrite=1"),
        (Credential.PALM, 1, "ENROLL_BIO type=8\tno=1\tpin=5\tretry=3\toverwrite=1"),
    ],
)
async def test_enrollment_texts(
    controller: Device, credential: Credential, index: int | None, text: str
) -> None:
    task, commands = await issue(
        controller, controller.terminal.start_enrollment("005", credential, index)
    )
    assert [command for _, command in commands] == [text]
    # Started once the controller took it; the outcome comes later.
    await task


async def test_enrollment_of_a_near_infrared_face(device: Device) -> None:
    await device.register(f"{PLAIN},MultiBioDataSupport=0:0:1")
    task, commands = await issue(device, device.terminal.start_enrollment("5", Credential.FACE))
    assert commands[0][1] == "ENROLL_BIO type=2\tno=0\tpin=5\tretry=3\toverwrite=1"
    await task


@pytest.mark.parametrize(
    ("credential", "index"),
    [
        (Credential.FINGERPRINT, 10),
        (Credential.FINGERPRINT, -1),
        (Credential.FACE, 1),
        (Credential.PALM, 2),
    ],
)
async def test_enrollment_index_limits(
    controller: Device, credential: Credential, index: int
) -> None:
    with pytest.raises(InvalidRequestError, match=f"index {index} is not valid for {credential}"):
        await controller.terminal.start_enrollment("5", credential, index)


async def test_enrollment_needs_the_reader(plain: Device) -> None:
    for credential in (
        Credential.FINGERPRINT,
        Credential.FACE,
        Credential.CARD,
        Credential.PASSWORD,
    ):
        with pytest.raises(
            NotSupportedError, match=f"operation not supported: enroll {credential}"
        ):
            await plain.terminal.start_enrollment("5", credential)
    with pytest.raises(InvalidRequestError, match="user id 0 is the terminal itself"):
        await plain.terminal.start_enrollment("0", Credential.FINGERPRINT)
    assert await plain.commands() == []


@pytest.mark.parametrize(
    ("credential", "code", "kind", "detail", "changes"),
    [
        (
            Credential.FINGERPRINT,
            0,
            EventType.ENROLLMENT_FINISHED,
            "fingerprint enrolled",
            [("5", UserChange.UPDATED)],
        ),
        (
            Credential.FACE,
            1,
            EventType.ENROLLMENT_FINISHED,
            "face enrolled",
            [("5", UserChange.UPDATED)],
        ),
        (
            Credential.PALM,
            -27,
            EventType.ENROLLMENT_FAILED,
            "fingerprint template for an unknown user",
            [],
        ),
    ],
)
async def test_enrollment_outcome_is_an_admin_event(
    controller: Device,
    credential: Credential,
    code: int,
    kind: EventType,
    detail: str,
    changes: list[tuple[str, UserChange]],
) -> None:
    task, commands = await issue(controller, controller.terminal.start_enrollment("5", credential))
    await task
    await controller.report((commands[0][0], code))
    (event,) = controller.listener.events
    assert (event.type, event.user_id, event.detail, event.raw_code) == (
        kind,
        "5",
        detail,
        f"enroll:{code}",
    )
    assert controller.listener.user_changes == changes


async def test_attendance_enrollment_is_fingerprints_only(attendance: Device) -> None:
    await attendance.upload("options", "FingerFunOn=1,FaceFunOn=1")
    terminal = attendance.terminal
    task, commands = await issue(
        attendance, terminal.start_enrollment("5", Credential.FINGERPRINT, 2)
    )
    assert [text for _, text in commands] == ["ENROLL_FP PIN=5\tFID=2\tRETRY=3\tOVERWRITE=1"]
    await task
    with pytest.raises(NotSupportedError, match="enroll face"):
        await terminal.start_enrollment("5", Credential.FACE)


async def test_push_firmware(controller: Device, caplog: pytest.LogCaptureFixture) -> None:
    task, commands = await issue(controller, controller.terminal.push_firmware(FIRMWARE))
    assert [text for _, text in commands] == [
        "UPGRADE type=1,checksum=a5bf4dcd6020f408589224274aab132d,size=6558,"
        "url=http://ha.local:8123/api/access_terminal/firmware/abc"
    ]
    await task
    await controller.report((commands[0][0], -22))
    assert "did not install the firmware: firmware for another platform (-22)" in caplog.text
    task, again = await issue(controller, controller.terminal.push_firmware(FIRMWARE))
    await task
    await controller.report((again[0][0], 0))
    assert "installed the firmware" in caplog.text


async def test_push_firmware_needs_a_url(controller: Device) -> None:
    image = FirmwareImage(data=b"x", md5="00")
    with pytest.raises(
        InvalidRequestError, match="ZK terminals download firmware: a URL is needed"
    ):
        await controller.terminal.push_firmware(image)
    with pytest.raises(NotSupportedError, match="push_firmware"):
        await Device().terminal.push_firmware(FIRMWARE)


# -- listing users -------------------------------------------------------------------------------


FACE_PHOTO = b"\xff\xd8 face \xff\xd9"
USER_ROWS = (
    "user uid=1 cardno=123 pin=1 password=12 group=1 starttime=0 endtime=0 name=Ann B "
    "privilege=14 disable=0 verify=0\n"
    "user uid=2 cardno=[15CD5B07] pin=2 password= group=1 starttime=583512660 endtime=0 "
    "name=Bo privilege=0 disable=1 verify=0"
)
MULCARD_ROWS = (
    "mulcarduser pin=1 cardno=CC9932DD losscardflag=0 cardtype=1\n"
    "mulcarduser pin=1 cardno=0000007B losscardflag=0 cardtype=0\n"
    "mulcarduser pin=1 cardno=00000001 losscardflag=1 cardtype=1"
)
FINGER_ROWS = (
    "biodata pin=1 no=6 index=0 valid=1 duress=0 type=1 majorver=10 minorver=0 format=0 tmp=FP6\n"
    "biodata pin=1 no=6 index=1 valid=1 duress=0 type=1 majorver=10 minorver=0 format=0 tmp=FP6b"
)
FACE_ROWS = (
    "biodata pin=2 no=0 index=0 valid=1 duress=0 type=9 majorver=5 minorver=8 format=0 tmp=FACE"
)
PHOTO_CONTENT = base64.b64encode(FACE_PHOTO).decode()
PHOTO_ROWS = (
    f"biophoto pin=2 filename=2.jpg type=9 size={len(PHOTO_CONTENT)} content={PHOTO_CONTENT}\n"
    "biophoto pin=1 filename=1.jpg type=2 size=4 content=AAAA"
)
# Rows of someone the user table does not have (a half-deleted person): left out.
ORPHAN_ROWS = {
    "user": "user uid=9 cardno= pin=0 password= name=terminal",
    "mulcarduser": "mulcarduser pin=3 cardno=0000007B losscardflag=0 cardtype=0",
    "biodata": "biodata pin=3 no=1 index=0 valid=1 duress=0 type=1 majorver=10 tmp=FP1",
    "biophoto": f"biophoto pin=3 filename=3.jpg type=9 size=4 content={PHOTO_CONTENT}",
}


async def answer(device: Device, commands: list[tuple[int, str]], rows: dict[str, str]) -> None:
    """Answer each DATA QUERY with the rows of its table, then report every result."""
    for number, text in commands:
        table = re.search(r"tablename=(\w+)", text)
        assert table is not None
        if body := rows.get(table[1], ""):
            reply = await device.rows(table[1], body, cmdid=str(number), packcnt="1", packidx="1")
            assert reply.text == f"{table[1]}={len(body.splitlines())}"
    await device.report(*((number, 0) for number, _ in commands))


ALL_ROWS = {
    "user": f"{USER_ROWS}\n{ORPHAN_ROWS['user']}",
    "mulcarduser": f"{MULCARD_ROWS}\n{ORPHAN_ROWS['mulcarduser']}",
    "biodata": f"{FINGER_ROWS}\n{FACE_ROWS}\n{ORPHAN_ROWS['biodata']}",
    "biophoto": f"{PHOTO_ROWS}\n{ORPHAN_ROWS['biophoto']}",
}
QUERIES = [
    "DATA QUERY tablename=user,fielddesc=*,filter=*",
    "DATA QUERY tablename=mulcarduser,fielddesc=*,filter=*",
    "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=1",
    "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=8",
    "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=9",
    "DATA QUERY tablename=biophoto,fielddesc=*,filter=Type=9",
]


async def test_list_users_reads_every_table(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users())
    assert [text for _, text in commands] == QUERIES
    await answer(controller, commands, ALL_ROWS)
    ann, bo = await task
    assert ann == User(
        user_id="1",
        name="Ann B",
        privilege=Privilege.ADMIN,
        # mulcarduser holds the cards: the main card first, lost cards left out.
        cards=("123", "3432592093"),
        password="12",
        credentials=Credentials(fingerprints={6: "1:10.0:0:0:FP6"}, origin=Family.ZK_PUSH),
    )
    assert bo == User(
        user_id="2",
        name="Bo",
        cards=("123456789",),
        valid_from=datetime(2018, 2, 27, 14, 51, tzinfo=ZONE),
        enabled=False,
        credentials=Credentials(face="9:5.8:0:0:FACE", photo=FACE_PHOTO, origin=Family.ZK_PUSH),
    )
    # Nothing left waiting.
    assert await controller.commands() == []


async def test_list_users_without_credentials_gives_presence_only(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users(with_credentials=False))
    await answer(controller, commands, ALL_ROWS)
    ann, bo = await task
    assert ann.credentials.fingerprints == {6: ""}
    assert (bo.credentials.face, bo.credentials.photo) == ("", b"")
    assert bo.credentials.summary() == {
        "face": True,
        "fingerprints": [],
        "palms": [],
        "photo": True,
    }


async def test_list_users_rows_in_several_packs(plain: Device) -> None:
    task, commands = await issue(plain, plain.terminal.list_users())
    ((number, text),) = commands
    assert text == "DATA QUERY tablename=user,fielddesc=*,filter=*"
    first, second = USER_ROWS.split("\n")
    for index, row in enumerate((first, second), 1):
        reply = await plain.rows("user", row, cmdid=str(number), packcnt="2", packidx=str(index))
        assert reply.text == "user=1"
    await plain.report((number, 2))
    assert [user.user_id for user in await task] == ["1", "2"]


async def test_list_some_users_one_query_each(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users(["2", "007"]))
    texts = [text for _, text in commands]
    assert texts == [
        "DATA QUERY tablename=user,fielddesc=*,filter=Pin=2",
        "DATA QUERY tablename=mulcarduser,fielddesc=*,filter=Pin=2",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=1\tPin=2",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=8\tPin=2",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=9\tPin=2",
        "DATA QUERY tablename=biophoto,fielddesc=*,filter=Type=9\tPin=2",
        "DATA QUERY tablename=user,fielddesc=*,filter=Pin=7",
        "DATA QUERY tablename=mulcarduser,fielddesc=*,filter=Pin=7",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=1\tPin=7",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=8\tPin=7",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=9\tPin=7",
        "DATA QUERY tablename=biophoto,fielddesc=*,filter=Type=9\tPin=7",
    ]
    # Rows of other people are left out, whatever the terminal sends.
    await answer(controller, commands[:6], ALL_ROWS)
    await answer(controller, commands[6:], {})
    (bo,) = await task
    assert bo.user_id == "2"
    assert bo.credentials.face == "9:5.8:0:0:FACE"


async def test_list_many_users_filters_a_full_listing(plain: Device) -> None:
    wanted = [str(number) for number in range(2, 23)]
    task, commands = await issue(plain, plain.terminal.list_users(wanted))
    assert [text for _, text in commands] == ["DATA QUERY tablename=user,fielddesc=*,filter=*"]
    await answer(plain, commands, {"user": USER_ROWS})
    assert [user.user_id for user in await task] == ["2"]


async def test_list_no_users_asks_nothing(plain: Device) -> None:
    assert await plain.terminal.list_users([]) == []
    assert await plain.commands() == []


async def test_list_users_ignores_a_table_the_terminal_lacks(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users())
    await controller.rows("user", USER_ROWS, cmdid=str(commands[0][0]))
    results = [(number, -629 if "mulcarduser" in text else 0) for number, text in commands]
    await controller.report(*results)
    ann, _ = await task
    # The user row's card stands when mulcarduser cannot be read.
    assert ann.cards == ("123",)


async def test_list_users_fails_when_the_user_table_fails(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users())
    await controller.report(
        *((number, -629 if "=user," in text else 0) for number, text in commands)
    )
    with pytest.raises(DeviceError, match="device error -629: incorrect table name"):
        await task
    assert controller.terminal.diagnostics()["commands_queued"] == 0


async def test_list_users_waits_while_packs_arrive(plain: Device) -> None:
    plain.terminal.command_timeout = 0.1
    task, commands = await issue(plain, plain.terminal.list_users())
    ((number, _),) = commands
    # Four packs 0.04 s apart: longer than the timeout, but the terminal keeps sending.
    for index in range(4):
        await asyncio.sleep(0.04)
        row = f"user uid={index} cardno= pin={index + 1} password= name=P{index}"
        await plain.rows("user", row, cmdid=str(number), packcnt="4", packidx=str(index + 1))
    await plain.report((number, 4))
    assert [user.name for user in await task] == ["P0", "P1", "P2", "P3"]


async def test_attendance_listing_by_operlog(attendance: Device) -> None:
    task, commands = await issue(attendance, attendance.terminal.list_users())
    ((number, text),) = commands
    assert text == "DATA QUERY USERINFO"
    body = (
        "USER PIN=5\tName=Ann\tPri=14\tPasswd=12\tCard=[15CD5B07]\tGrp=1\n"
        "USER PIN=6\tName=Bo\tPri=0\tPasswd=\tCard=\tGrp=1\n"
        "USER PIN=0\tName=terminal"
    )
    assert (await attendance.upload("OPERLOG", body)).text == "OK: 3"
    await attendance.report((number, 0))
    ann, bo = await task
    assert ann == User(
        user_id="5", name="Ann", privilege=Privilege.ADMIN, cards=("123456789",), password="12"
    )
    assert bo == User(user_id="6", name="Bo")
    # Users read back are not changes made at the terminal.
    assert attendance.listener.user_changes == []


async def test_attendance_listing_of_some_users(attendance: Device) -> None:
    task, commands = await issue(attendance, attendance.terminal.list_users(["6"]))
    assert [text for _, text in commands] == ["DATA QUERY USERINFO PIN=6"]
    await attendance.upload("OPERLOG", "USER PIN=5\tName=Ann\nUSER PIN=6\tName=Bo")
    await attendance.report((commands[0][0], 0))
    assert [user.user_id for user in await task] == ["6"]


async def test_attendance_listing_failure(attendance: Device) -> None:
    task, commands = await issue(attendance, attendance.terminal.list_users())
    await attendance.report((commands[0][0], -13))
    with pytest.raises(DeviceError, match="unknown command"):
        await task
    # After the listing, USER lines are changes made at the terminal again.
    await attendance.upload("OPERLOG", "USER PIN=5\tName=Ann")
    assert attendance.listener.user_changes == [("5", UserChange.UPDATED)]


# -- writing and deleting users ------------------------------------------------------------------


async def test_set_users_sends_every_table(controller: Device) -> None:
    persists = controller.listener.calls["persist"]
    users = [
        User(user_id="1", name="Ann", cards=("1", "2")),
        User(user_id="2", name="Bo", enabled=False),
    ]
    assert await obey(controller, controller.terminal.set_users(users)) == [
        "DATA UPDATE user CardNo=1\tPin=1\tPassword=\tGroup=1\tStartTime=0\tEndTime=0\tName=Ann\t"
        "Privilege=0\tDisable=0\n"
        "CardNo=\tPin=2\tPassword=\tGroup=1\tStartTime=0\tEndTime=0\tName=Bo\tPrivilege=0\tDisable=1",
        "DATA DELETE mulcarduser Pin=1\nPin=2",
        "DATA UPDATE mulcarduser Pin=1\tCardNo=00000001\tLossCardFlag=0\tCardType=0\n"
        "Pin=1\tCardNo=00000002\tLossCardFlag=0\tCardType=1",
        "DATA UPDATE userauthorize Pin=1\tAuthorizeTimezoneId=1\tAuthorizeDoorId=15\tDevID=1",
        "DATA DELETE userauthorize Pin=2",
    ]
    # Queued data commands are saved before anything else happens.
    assert controller.listener.calls["persist"] > persists


async def test_set_users_in_batches(plain: Device, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writes_module, "USERS_PER_BATCH", 2)
    users = [User(user_id=str(number)) for number in (1, 2, 3)]
    texts = await obey(plain, plain.terminal.set_users(users))
    assert [text.split(" ", 3)[2] for text in texts] == ["user", "userauthorize"] * 2
    assert [re.findall(r"Pin=(\d+)\tAuthorize", text) for text in texts[1::2]] == [
        ["1", "2"],
        ["3"],
    ]


async def test_set_users_splits_commands_by_size(
    plain: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes_module, "MAX_COMMAND_BYTES", 150)
    users = [User(user_id=str(number), name=f"Person {number}") for number in (1, 2, 3)]
    texts = await obey(plain, plain.terminal.set_users(users))
    assert [re.findall(r"\bPin=(\d+)", text) for text in texts] == [
        ["1"],
        ["2"],
        ["3"],
        ["1", "2"],
        ["3"],
    ]
    assert all(len(text) <= 150 for text in texts)
    # A record longer than the limit still goes, alone.
    monkeypatch.setattr(writes_module, "MAX_COMMAND_BYTES", 10)
    assert len(await obey(plain, plain.terminal.set_users(users[:2]))) == 4


async def test_set_users_names_the_users_that_failed(controller: Device) -> None:
    users = [User(user_id="1", cards=("1", "2")), User(user_id="2")]
    task, commands = await issue(controller, controller.terminal.set_users(users))
    await controller.report(
        *(
            (number, -621 if text.startswith("DATA UPDATE mulcarduser") else 0)
            for number, text in commands
        )
    )
    with pytest.raises(
        UserWriteError, match=r"1 user\(s\) not written: 1: field not supported"
    ) as err:
        await task
    assert err.value.failures == {"1": "field not supported [code -621]"}


async def test_set_users_without_result_after_three_handouts(
    plain: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commands_module, "RESEND_AFTER", 0.0)
    users = [User(user_id="1"), User(user_id="2")]
    task, commands = await issue(plain, plain.terminal.set_users(users))
    user_command, authorize = commands
    await plain.report((user_command[0], 0))
    assert await plain.commands() == [authorize]
    assert await plain.commands() == [authorize]
    assert await plain.commands() == []
    with pytest.raises(UserWriteError, match="no result after 3 tries") as err:
        await task
    assert set(err.value.failures) == {"1", "2"}


async def test_set_users_timeout_leaves_them_queued(
    plain: Device, monkeypatch: pytest.MonkeyPatch, loop_errors: list[dict[str, Any]]
) -> None:
    monkeypatch.setattr(terminal_module, "SECONDS_PER_USER", 0.0)
    plain.terminal.command_timeout = SHORT
    with pytest.raises(CommandTimeoutError, match="did not complete user update in time") as err:
        await plain.terminal.set_users([User(user_id="1")])
    assert err.value.still_queued is True
    del err
    await settle()
    gc.collect()
    assert loop_errors == []
    assert plain.terminal.diagnostics()["data_commands_queued"] == 2
    # The terminal gets them when it asks next.
    texts = [text for _, text in await plain.commands()]
    assert [text.split(" ", 3)[2] for text in texts] == ["user", "userauthorize"]
    await plain.report((1, 0), (2, 0))
    assert plain.terminal.diagnostics()["data_commands_queued"] == 0


async def test_set_users_refuses_invalid_users_before_queuing(controller: Device) -> None:
    with pytest.raises(InvalidRequestError, match="name must be on one line"):
        await controller.terminal.set_users([User(user_id="1"), User(user_id="2", name="a\tb")])
    assert await controller.commands() == []


async def test_set_users_of_an_attendance_terminal(attendance: Device) -> None:
    users = [
        User(user_id="5", name="Ann", cards=("42",)),
        User(user_id="6", privilege=Privilege.ADMIN),
    ]
    assert await obey(attendance, attendance.terminal.set_users(users)) == [
        "DATA UPDATE USERINFO PIN=5\tName=Ann\tPri=0\tPasswd=\tCard=42\tGrp=1\tTZ=0000000000000000",
        "DATA UPDATE USERINFO PIN=6\tName=\tPri=14\tPasswd=\tCard=\tGrp=1\tTZ=0000000000000000",
    ]
    with pytest.raises(InvalidRequestError, match="cannot disable a user"):
        await attendance.terminal.set_users([User(user_id="7", enabled=False)])


async def test_delete_some_users(controller: Device) -> None:
    assert await obey(controller, controller.terminal.delete_users(["1", "2"])) == [
        "DATA DELETE userauthorize Pin=1\nPin=2",
        "DATA DELETE mulcarduser Pin=1\nPin=2",
        "DATA DELETE biophoto PIN=1\nPIN=2",
        "DATA DELETE biodata Pin=1\nPin=2",
        "DATA DELETE user Pin=1\nPin=2",
    ]


async def test_delete_everyone(plain: Device) -> None:
    assert await obey(plain, plain.terminal.delete_users(None)) == [
        "DATA DELETE userauthorize *",
        "DATA DELETE user *",
    ]


async def test_delete_nobody_sends_nothing(plain: Device) -> None:
    await plain.terminal.delete_users([])
    assert await plain.commands() == []


async def test_delete_failure_names_the_users(plain: Device) -> None:
    task, commands = await issue(plain, plain.terminal.delete_users(["3"]))
    await plain.report(*((number, -12) for number, _ in commands))
    with pytest.raises(UserWriteError) as err:
        await task
    assert err.value.failures == {"3": "command execution error [code -12]"}


async def test_delete_users_of_an_attendance_terminal(attendance: Device) -> None:
    assert await obey(attendance, attendance.terminal.delete_users(["5"])) == [
        "DATA DELETE USERINFO PIN=5"
    ]


async def test_delete_everyone_on_an_attendance_terminal(attendance: Device) -> None:
    # USERINFO has no "everyone": list the users, then delete each.
    task, commands = await issue(attendance, attendance.terminal.delete_users(None))
    assert [text for _, text in commands] == ["DATA QUERY USERINFO"]
    await attendance.upload("OPERLOG", "USER PIN=5\tName=Ann\nUSER PIN=6\tName=Bo")
    await attendance.report((commands[0][0], 0))
    deletions = await attendance.commands()
    assert [text for _, text in deletions] == [
        "DATA DELETE USERINFO PIN=5",
        "DATA DELETE USERINFO PIN=6",
    ]
    await attendance.report(*((number, 0) for number, _ in deletions))
    await task


# -- life cycle ----------------------------------------------------------------------------------


async def test_close_fails_waiting_callers_and_keeps_users(controller: Device) -> None:
    terminal = controller.terminal
    door = asyncio.get_running_loop().create_task(terminal.door_control(1, DoorAction.OPEN))
    users = asyncio.get_running_loop().create_task(terminal.set_users([User(user_id="1")]))
    await settle()
    terminal.close()
    for task in (door, users):
        with pytest.raises(TerminalClosedError, match="queued users stay queued"):
            await task
    # The door command is gone; the user's commands wait for the terminal.
    assert [text.split(" ", 3)[:3] for _, text in await controller.commands()] == [
        ["DATA", "UPDATE", "user"],
        ["DATA", "DELETE", "mulcarduser"],
        ["DATA", "UPDATE", "userauthorize"],
    ]


async def test_export_and_restore_state(controller: Device) -> None:
    terminal = controller.terminal
    controller.cookie = f"token={controller.token()}"
    await controller.get(Endpoint.PING)
    terminal.command_timeout = SHORT
    with pytest.raises(CommandTimeoutError):
        await terminal.set_users([User(user_id="1")])
    saved = json.loads(json.dumps(terminal.export_state()))
    assert saved["variant"] == "security"
    assert saved["registry_code"] == terminal.registry_code
    assert saved["session"] == controller.session
    assert saved["token_required"] is True
    assert saved["options"]["DeviceName"] == "InBio460"
    assert saved["stamps"] == {}
    assert [entry[0] for entry in saved["commands"]["commands"]] == [1, 2, 3]

    restored = Device()
    restored.cookie = controller.cookie
    restored.terminal.restore_state(saved)
    again = restored.terminal
    assert again.registry_code == terminal.registry_code
    assert again.token_required
    assert list(again.doors) == [1, 2, 3, 4]
    assert again.supports(Operation.LOCKOUT)
    assert again.info == terminal.info
    # The saved session still signs requests; the queued users go out under their ids.
    assert [number for number, _ in await restored.commands()] == [1, 2, 3]
    assert (await restored.send(Endpoint.PING, cookie="token=" + md5("x"))).status == 401
    task, commands = await issue(restored, again.door_control(1, DoorAction.OPEN))
    assert commands == [(4, "CONTROL DEVICE 01010104")]
    await restored.report((4, 0))
    await task


async def test_export_and_restore_stamps(attendance: Device) -> None:
    await attendance.upload("ATTLOG", "7\t2024-05-01 08:00:00\t0\t1", Stamp="9999")
    restored = Device()
    restored.terminal.restore_state(json.loads(json.dumps(attendance.terminal.export_state())))
    assert restored.terminal.variant is Variant.ATTENDANCE
    assert "ATTLOGStamp=9999" in (await restored.handshake()).text.split("\n")


async def test_restore_ignores_unreadable_state() -> None:
    device = Device()
    device.terminal.restore_state(
        {
            "variant": "bogus",
            "registry_code": 5,
            "session": "",
            "token_required": "yes",
            "options": ["LockCount=4"],
            "stamps": "ATTLOG=1",
            "commands": [[1, "DATA UPDATE user Pin=1", 0]],
        }
    )
    terminal = device.terminal
    assert terminal.diagnostics() == {
        "variant": None,
        "registered": False,
        "token_required": False,
        "options": {},
        "stamps": {},
        "commands_queued": 0,
        "data_commands_queued": 0,
    }
    assert terminal.info is None
    device.terminal.restore_state({})
    assert (await device.handshake(pushver="3.1.2")).text == "OK"


async def test_diagnostics(controller: Device) -> None:
    terminal = controller.terminal
    task = asyncio.get_running_loop().create_task(terminal.set_users([User(user_id="1")]))
    door = asyncio.get_running_loop().create_task(terminal.door_control(1, DoorAction.OPEN))
    await settle()
    diagnostics = terminal.diagnostics()
    assert diagnostics["variant"] == "security"
    assert diagnostics["registered"] is True
    assert diagnostics["token_required"] is False
    assert diagnostics["options"]["LockCount"] == "4"
    assert (diagnostics["commands_queued"], diagnostics["data_commands_queued"]) == (4, 3)
    terminal.close()
    for pending in (task, door):
        with pytest.raises(TerminalClosedError):
            await pending


async def test_canonical_user_id(controller: Device) -> None:
    assert controller.terminal.canonical_user_id(" 007 ") == "7"
    with pytest.raises(InvalidRequestError):
        controller.terminal.canonical_user_id("0")


# -- review fixes -------------------------------------------------------------------------------


async def test_only_the_options_read_are_kept(device: Device) -> None:
    """A registration carries some fifty options; the ones nothing reads are not kept."""
    await device.register(REGISTRY + ",VerifyStyles=ff7f0000,EventTypes=BF0FE03D30,MThreshold=60")
    options = device.terminal.options
    assert {"VerifyStyles", "EventTypes", "MThreshold"}.isdisjoint(options)
    assert options["Door2Drivertime"] == "10"
    assert options["MultiBioVersion"] == "0:10.0:0:0:0:0:0:0:1.0:5.8"
    assert device.terminal.export_state()["options"] == options


async def test_get_options_returns_what_was_asked_even_if_not_kept(controller: Device) -> None:
    """GET OPTIONS answers every option asked for, kept or not."""
    task, commands = await issue(controller, controller.terminal.get_options(["~MThreshold"]))
    ((number, text),) = commands
    assert text == "GET OPTIONS ~MThreshold"
    reply = await controller.send(
        Endpoint.QUERYDATA, "~MThreshold=55", type="options", cmdid=str(number)
    )
    assert reply.text == "OK"
    await controller.report((number, 0))
    assert await task == {"~MThreshold": "55"}
    assert "MThreshold" not in controller.terminal.options


async def test_count_answers_are_acknowledged(controller: Device) -> None:
    """A DATA COUNT answer (type=count) gets OK, as section 12.1.3 says."""
    reply = await controller.send(
        Endpoint.QUERYDATA, "user=12", type="count", cmdid="5", tablename="user"
    )
    assert (reply.status, reply.text) == (200, "OK")


async def test_door_commands_wait_for_the_doors(device: Device) -> None:
    """Before a controller said which doors it has, no door command is queued."""
    await device.handshake(pushver="3.1.2")
    with pytest.raises(InvalidRequestError, match="not said yet"):
        await device.terminal.door_control(1, DoorAction.OPEN)
    assert await device.commands() == []


async def test_attendance_info_announces_fingerprints_and_faces(attendance: Device) -> None:
    """The FP and face versions of getrequest INFO say what the terminal can enroll."""
    await attendance.get(
        Endpoint.GETREQUEST, INFO="Ver 6.60 Apr 28 2017,2,1,100,192.168.1.201,10,7,0,0"
    )
    info = attendance.terminal.info
    assert info is not None
    assert {Feature.FINGERPRINT, Feature.FACE} <= info.features
    commands = await obey(
        attendance, attendance.terminal.start_enrollment("5", Credential.FINGERPRINT)
    )
    assert commands == ["ENROLL_FP PIN=5\tFID=6\tRETRY=3\tOVERWRITE=1"]


async def test_language_change_switches_the_name_encoding(attendance: Device) -> None:
    """A terminal switched to Chinese gets its names in GB18030 from its next hand-shake."""
    assert attendance.terminal.caps.encoding == "utf-8"
    await attendance.handshake(pushver="2.4.1", language="83")
    assert attendance.terminal.caps.encoding == "gb18030"


async def test_token_must_be_its_own_cookie(controller: Device) -> None:
    """`xtoken=<md5>` is not the token: a terminal that uses tokens is refused with it."""
    assert await controller.ping(controller.token()) == 200
    reply = await controller.get(Endpoint.PING, cookie=f"xtoken={controller.token()}")
    assert reply.status == 401


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
