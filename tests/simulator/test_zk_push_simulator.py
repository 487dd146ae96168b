"""End-to-end tests of the ZKTeco PUSH terminal simulator against a small fake iclock server."""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib
import io
import tarfile
import time
from typing import Any

from aiohttp import web
import pytest
from pytest_aiohttp import AiohttpServer

from simulator.__main__ import build_parser
from simulator.common import jpeg_photo
from simulator.zk_push import KEY_OPENING_SECONDS, ZkPushSimulator, run_zk_push
from simulator.zk_push_codec import (
    decode_time,
    decode_timezone,
    encode_time,
    encode_timezone,
    parse_commands,
    split_fields,
    split_params,
)
from simulator.zk_push_device import SENSOR_CLOSED, SENSOR_OPEN, DoorSim, rtstate_fields
from simulator.zk_push_tables import b64
from tests.simulator import common
from tests.simulator.common import Raw, refused, wait_for

SERIAL = "DDG7012017010600049"
REGISTRY_CODE = "Uy47fxftP3"
FIRMWARE = "ZAM70-NF24VB-Ver1.0.2"


# --- the fake server ----------------------------------------------------------------------------


@dataclass
class Exchange:
    """One request the fake server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def label(self) -> str:
        name = self.path.rsplit("/", 1)[-1]
        if name == "cdata":
            if self.query.get("options") == "all":
                return "cdata?options=all"
            if "AuthType" in self.query:
                return "cdata?auth"
            if "desc" in self.query:
                return "cdata?overview"
            if self.query.get("table") == "tabledata":
                return f"cdata?tabledata={self.query.get('tablename')}"
            return f"cdata?{self.query.get('table')}"
        if name == "querydata":
            return f"querydata?{self.query.get('type')}"
        return name

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n") if self.body else []

    @property
    def token(self) -> str | None:
        cookie = self.headers.get("Cookie")
        if cookie is None:
            return None
        return dict(part.strip().split("=", 1) for part in cookie.split(";"))["token"]


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass
class FakeZk(common.ScriptedServer[Exchange]):
    """Answers as docs/zk_push.md says, records every request; scripts override by label."""

    known: set[str] = field(default_factory=lambda: {SERIAL})
    registered: set[str] = field(default_factory=set)
    sessions: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)
    attlog_stamp: str = "None"
    timezone: str = "8"
    next_id: int = 1

    async def record(self, request: web.Request) -> Exchange:
        return Exchange(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            await request.read(),
        )

    def key(self, exchange: Exchange) -> str:
        return exchange.label

    def default(self, exchange: Exchange) -> Raw:
        if exchange.method == "GET" and exchange.path in self.files:
            return Raw(self.files[exchange.path])
        if exchange.query.get("SN") not in self.known:
            return Raw("", 401)
        status, body = self.answer(exchange)
        return Raw(body, status)

    def queue(self, *texts: str) -> list[str]:
        ids = []
        for text in texts:
            ids.append(str(self.next_id))
            self.queued.append(f"C:{self.next_id}:{text}")
            self.next_id += 1
        return ids

    def labels(self) -> list[str]:
        return self.keys()

    def results(self) -> list[str]:
        return [line for exchange in self.received("devicecmd") for line in exchange.lines]

    def expected_token(self, session: int = -1) -> str:
        return md5(REGISTRY_CODE + SERIAL + self.sessions[session])

    def new_session(self) -> str:
        self.sessions.append(f"{len(self.sessions) + 1:032X}")
        return self.sessions[-1]

    def answer(self, exchange: Exchange) -> tuple[int, str | bytes]:
        query, label = exchange.query, exchange.label
        count = query.get("count", "0")
        if label == "cdata?options=all":
            if not query.get("pushver", "0").startswith(("3", "4")):
                return 200, self.attendance_options()
            if SERIAL not in self.registered:
                return 200, "OK"
            return 200, "\n".join(
                ["registry=ok", f"RegistryCode={REGISTRY_CODE}", *self.parameters()]
            )
        if label == "registry":
            self.registered.add(SERIAL)
            return 200, f"RegistryCode={REGISTRY_CODE}"
        if label == "push":
            return 200, "\n".join(self.parameters())
        if label in ("cdata?ATTLOG", "cdata?OPERLOG"):
            if label == "cdata?ATTLOG":
                self.attlog_stamp = query["Stamp"]
            return 200, f"OK: {len(exchange.lines)}"
        if label.startswith("cdata?tabledata="):
            return 200, f"{query['tablename']}={count}"
        if label.startswith("querydata"):
            return 200, f"{query['tablename']}={count}"
        if label == "getrequest":
            commands, self.queued = self.queued, []
            return 200, "\n".join(commands) or "OK"
        if label == "file" and exchange.method == "GET":
            data = self.files.get(query.get("url", ""))
            return (200, data) if data is not None else (404, "gone")
        if label == "cdata?auth":
            return 200, "AUTH=FAILED"
        return 200, "OK"

    def parameters(self) -> list[str]:
        return [
            "ServerVersion=3.1.2",
            "ServerName=Access Terminal",
            "PushProtVer=3.1.2",
            "ErrorDelay=30",
            "RequestDelay=3",
            "TransTimes=00:00;14:00",
            "TransInterval=1",
            "TransTables=User Transaction",
            "Realtime=1",
            f"SessionID={self.new_session()}",
            "TimeoutSec=10",
        ]

    def attendance_options(self) -> str:
        return "\n".join(
            [
                f"GET OPTION FROM: {SERIAL}",
                f"ATTLOGStamp={self.attlog_stamp}",
                "OPERLOGStamp=9999",
                "ATTPHOTOStamp=None",
                "ErrorDelay=30",
                "Delay=10",
                "TransTimes=00:00;14:05",
                "TransInterval=1",
                "TransFlag=TransData AttLog OpLog AttPhoto EnrollUser ChgUser EnrollFP ChgFP",
                f"TimeZone={self.timezone}",
                "Realtime=1",
                "Encrypt=None",
            ]
        )


@pytest.fixture
async def fake(aiohttp_server: AiohttpServer) -> FakeZk:
    return await common.serve(aiohttp_server, FakeZk())


MakeSimulator = Callable[..., ZkPushSimulator]


@pytest.fixture
async def make_simulator(fake: FakeZk) -> AsyncIterator[MakeSimulator]:
    def build(**options: Any) -> ZkPushSimulator:
        simulator = ZkPushSimulator(fake.url, SERIAL, **options)
        simulator.door_second = 0.01
        return simulator

    async with common.simulators(
        build, poll_interval=60.0, enroll_delay=0.01, request_timeout=2.0, seed=1
    ) as make:
        yield make


async def connected(fake: FakeZk, make_simulator: MakeSimulator, **kwargs: Any) -> ZkPushSimulator:
    """A simulator that has finished its handshake; the fake forgets that traffic."""
    simulator = make_simulator(**kwargs)
    assert await simulator.connect()
    fake.clear()
    return simulator


def returns(simulator: ZkPushSimulator) -> list[int]:
    return [int(result["Return"]) for result in simulator.results]


def events(lines: list[str]) -> list[int]:
    return [int(split_fields(line)["event"]) for line in lines]


def online(simulator: ZkPushSimulator) -> bool:
    # A function call, so that mypy does not narrow the attribute across awaits.
    return simulator.connected


def door_state(door: DoorSim) -> tuple[bool, bool, str]:
    return door.relay, door.normal_open, door.sensor


def pairs(text: str) -> dict[str, str]:
    """Read a `k=v,k=v` body (registry, table=options)."""
    return dict(item.split("=", 1) for item in text.split(","))


# --- handshake and session ----------------------------------------------------------------------


async def test_unregistered_terminal_registers_then_pushes(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(doors=2, users=2)

    assert await simulator.connect()

    assert fake.labels() == ["cdata?options=all", "registry", "push", "cdata?options"]
    hello, registry, push, options = fake.exchanges
    assert hello.method == "GET"
    assert hello.query == {"SN": SERIAL, "options": "all", "pushver": "3.1.2", "DeviceType": "acc"}
    assert hello.token is None
    assert registry.token is None
    assert push.method == "POST"
    assert push.token is None  # no session before the first push
    assert options.token == fake.expected_token()
    announced = pairs(registry.text)
    assert announced["DeviceType"] == "acc"
    assert announced["LockCount"] == "2"
    assert announced["FirmVer"] == FIRMWARE
    assert announced["DateFmtFunOn"] == "1"
    assert announced["MulCardUserFunOn"] == "0"
    assert announced["MultiBioDataSupport"] == "0:1:0:0:0:0:0:0:1:1"
    assert announced["MultiBioPhotoSupport"] == "0:0:0:0:0:0:0:0:0:1"
    assert announced["AccSupportFunList"][11] == "1"
    assert announced["TimeZone"] == "0"
    assert "~DeviceName" in announced
    reported = pairs(options.text)
    assert reported["UserCount"] == "2"
    assert reported["FaceCount"] == "2"
    assert reported["TransactionCount"] == "0"
    assert simulator.registry_code == REGISTRY_CODE
    assert simulator.session_id == fake.sessions[-1]
    assert simulator.connected
    assert not refused(simulator)
    assert simulator.options["LockCount"] == "2"


async def test_registered_terminal_skips_registry(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    fake.registered.add(SERIAL)
    simulator = make_simulator(timezone_hours=5.5)

    assert await simulator.connect()

    assert fake.labels() == ["cdata?options=all", "push", "cdata?options"]
    _, push, options = fake.exchanges
    # The push proves the session options=all handed out; later requests use the new one.
    assert push.token == fake.expected_token(0)
    assert options.token == fake.expected_token(1)
    assert simulator.token == fake.expected_token(1)
    assert "TimeZone=330" in options.text
    assert simulator.server_options["PushProtVer"] == "3.1.2"


async def test_unknown_serial_is_refused_until_added(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    fake.known.clear()
    simulator = make_simulator()

    assert not await simulator.connect()
    assert refused(simulator)
    await simulator.cycle()
    assert fake.labels() == ["cdata?options=all", "cdata?options=all"]

    fake.known.add(SERIAL)
    fake.clear()
    await simulator.cycle()

    assert not refused(simulator)
    assert fake.labels() == [
        "cdata?options=all",
        "registry",
        "push",
        "cdata?options",
        "getrequest",
        "cdata?rtstate",
    ]


async def test_registry_refusal_and_bad_push_answers(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()
    fake.script("registry", Raw("", 406), "RegistryCode=")
    fake.script("push", Raw("<html>nope</html>"))

    assert not await simulator.connect()
    assert refused(simulator)
    assert not await simulator.connect()
    assert not await simulator.connect()
    assert await simulator.connect()
    assert fake.labels().count("registry") == 3
    assert fake.labels().count("push") == 2


async def test_every_request_after_push_carries_the_token(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=1)
    simulator.queue_event(0, "1")
    simulator.add_local_user("9", "Nine")
    fake.queue("DATA COUNT user", "DATA QUERY tablename=user,fielddesc=*,filter=*")

    await simulator.cycle()

    after_push = fake.exchanges[fake.labels().index("push") + 1 :]
    assert {exchange.label for exchange in after_push} >= {
        "getrequest",
        "querydata?count",
        "querydata?tabledata",
        "devicecmd",
        "cdata?tabledata=user",
        "cdata?rtlog",
        "cdata?rtstate",
    }
    assert {exchange.token for exchange in after_push} == {fake.expected_token()}


async def test_refused_request_makes_the_terminal_connect_again(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator)
    fake.script("getrequest", Raw("bad token", 401))

    await simulator.cycle()
    assert refused(simulator)
    assert not online(simulator)
    assert fake.labels() == ["getrequest"]

    await simulator.cycle()
    assert online(simulator)
    assert fake.labels()[1:4] == ["cdata?options=all", "push", "cdata?options"]
    assert simulator.token == fake.expected_token()


# --- commands -----------------------------------------------------------------------------------


async def test_user_commands_run_and_report_in_one_devicecmd(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator)
    photo = jpeg_photo("Zoë")
    template = b64(b"face template")
    fake.queue(
        "DATA UPDATE user CardNo=123\tPin=7\tPassword=11\tGroup=1\tStartTime=0\tEndTime=0"
        "\tName=Zoë Ångström\tPrivilege=14\tDisable=1",
        "DATA UPDATE userauthorize Pin=7\tAuthorizeTimezoneId=1\tAuthorizeDoorId=1",
        f"DATA UPDATE biophoto PIN=7\tType=9\tSize={len(b64(photo))}\tContent={b64(photo)}"
        "\tFormat=0\tUrl=\tPostBackTmpFlag=0",
        "DATA UPDATE biodata Pin=7\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=5"
        f"\tMinorVer=8\tFormat=0\tTmp={template}",
        "DATA UPDATE user Pin=8\tName=Eight\nCardNo=99\tPin=9\tName=Nine",
        "DATA DELETE user Pin=8",
        "TEST HOST Address=1.2.3.4:80",
    )

    executed = await simulator.poll()

    assert len(executed) == 7
    assert executed[4] == "C:5:DATA UPDATE user Pin=8\tName=Eight\nCardNo=99\tPin=9\tName=Nine"
    assert simulator.commands == executed
    assert fake.labels() == ["getrequest", "devicecmd"]
    assert fake.received("devicecmd")[0].lines == [
        "ID=1&Return=0&CMD=DATA UPDATE",
        "ID=2&Return=0&CMD=DATA UPDATE",
        "ID=3&Return=0&CMD=DATA UPDATE",
        "ID=4&Return=0&CMD=DATA UPDATE",
        "ID=5&Return=0&CMD=DATA UPDATE",
        "ID=6&Return=0&CMD=DATA DELETE",
        "ID=7&Return=-13&CMD=TEST",
    ]
    assert simulator.results[6] == {"ID": "7", "Return": "-13", "CMD": "TEST"}
    assert simulator.users["7"] == {
        "CardNo": "123",
        "Pin": "7",
        "Password": "11",
        "Group": "1",
        "StartTime": "0",
        "EndTime": "0",
        "Name": "Zoë Ångström",
        "Privilege": "14",
        "Disable": "1",
    }
    # Rows are kept per time zone (a person may have one per zone).
    assert simulator.authorize["7"] == {
        "1": {"Pin": "7", "AuthorizeTimezoneId": "1", "AuthorizeDoorId": "1"}
    }
    assert simulator.biophotos["7"] == photo
    assert simulator.biodata[("7", 9, 0)]["Tmp"] == template
    assert simulator.biodata[("7", 9, 0)]["MajorVer"] == "5"
    assert sorted(simulator.users) == ["7", "9"]
    assert simulator.users["9"]["CardNo"] == "99"


async def test_user_update_replaces_the_record_and_checks_times(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, date_fmt=False)
    fake.queue(
        "DATA UPDATE user Pin=3\tName=Old\tDisable=1\tStartTime=20250101\tEndTime=20251231",
        "DATA UPDATE user Pin=3\tName=New",
        "DATA UPDATE user Pin=4\tStartTime=2025",
        "DATA UPDATE user Name=nobody",
    )

    await simulator.poll()

    assert returns(simulator) == [0, 0, -11, -11]
    assert simulator.users["3"]["Name"] == "New"
    assert simulator.users["3"]["Disable"] == "0"
    assert simulator.users["3"]["StartTime"] == "0"
    assert list(simulator.users) == ["3"]


async def test_deletes_cascade_and_clear_tables(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, users=3)
    assert len(simulator.biodata) == 3
    fake.queue(
        "DATA DELETE biodata Type=9 Pin=1 No=0",
        "DATA DELETE user Pin=2",
        "DATA DELETE biophoto PIN=3",
        "DATA DELETE userauthorize *",
        "DATA DELETE biodata",
    )

    await simulator.poll()

    assert returns(simulator) == [0, 0, 0, 0, -11]
    assert sorted(simulator.users) == ["1", "3"]
    assert list(simulator.biodata) == [("3", 9, 0)]
    assert list(simulator.biophotos) == ["1"]
    assert simulator.authorize == {}

    fake.queue("DATA DELETE user *")
    await simulator.poll()
    assert simulator.users == {}
    assert simulator.biodata == {}
    assert simulator.biophotos == {}


async def test_commands_fail_with_appendix_1_codes(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, users=1)
    # multimcard is a table this terminal does not have (it has holidays: see test_zk_push_access).
    fake.queue(
        "DATA UPDATE multimcard DoorID=1",
        "DATA UPDATE mulcarduser Pin=1\tCardNo=CC9932DD\tLossCardFlag=0\tCardType=1",
        "DATA UPDATE biophoto PIN=99\tType=9\tContent=AAAA\tFormat=0",
        "DATA UPDATE biophoto PIN=1\tType=9\tSize=5\tContent=AAAA\tFormat=0",
        "DATA UPDATE biodata Pin=1\tType=9\tNo=0\tTmp=!!!",
        "DATA UPDATE userauthorize Pin=1\tAuthorizeDoorId=x",
        "DATA QUERY tablename=multimcard,fielddesc=*,filter=*",
        "DATA COUNT multimcard",
        "CONTROL DEVICE 0109",
        "CONTROL DEVICE 01050105",
        "CONTROL DEVICE 07010000",
        "CONTROL DEVICE 03010000",
        "ENROLL_BIO type=4\tno=0\tpin=1",
        "ENROLL_BIO type=9\tno=x\tpin=1",
        "UPGRADE type=2,checksum=0,size=1,url=http://x/",
        "UPGRADE type=1,checksum=0,size=1",
        "ACCOUNT user MaxIndex=0",
        "ACCOUNT transaction MaxIndex=x",
        "SET OPTIONS DateTime=soon",
        "DATA DELETE transaction Pin=1",
    )

    await simulator.poll()

    assert returns(simulator) == [
        -629,
        -629,
        -27,
        -631,
        -631,
        -11,
        -629,
        -629,
        -620,
        -11,
        -708,
        -708,
        -708,
        -11,
        -708,
        -618,
        -629,
        -11,
        -11,
        -11,
    ]
    assert simulator.door_commands == []
    assert simulator.restarts == 0


async def test_multi_card_users(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    simulator = await connected(fake, make_simulator, users=1)
    fake.queue(
        "DATA UPDATE mulcarduser Pin=1\tCardNo=AA01\tLossCardFlag=0\tCardType=0",
        # What a server does for a terminal with AccSupportFunList bit 7.
        "SET OPTIONS MulCardUserFunOn=1",
    )
    await simulator.poll()
    assert returns(simulator) == [-629, 0]
    assert simulator.mul_card
    simulator.results.clear()

    fake.queue(
        "DATA UPDATE mulcarduser Pin=1\tCardNo=AA01\tLossCardFlag=0\tCardType=0",
        "DATA UPDATE mulcarduser Pin=1\tCardNo=BB02\tLossCardFlag=0\tCardType=1",
        "DATA UPDATE mulcarduser Pin=1\tCardNo=BB02\tLossCardFlag=0\tCardType=1",
        "DATA COUNT mulcarduser",
    )

    await simulator.poll()

    assert returns(simulator) == [0, 0, 0, 0]
    assert simulator.cards == {"1": ["AA01", "BB02"]}
    assert fake.received("querydata?count")[0].text == "mulcarduser=2"
    fake.queue(
        "DATA UPDATE mulcarduser Pin=1\tCardNo=AA01\tLossCardFlag=1\tCardType=0",
        "DATA DELETE mulcarduser Pin=1\tCardNo=BB02",
    )
    await simulator.poll()
    assert simulator.cards == {"1": []}


async def test_photo_by_url_and_template_post_back(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, users=1)
    photo = jpeg_photo("by url")
    fake.files["/photos/1.jpg"] = photo
    fake.queue(
        "DATA UPDATE biophoto PIN=1\tType=9\tSize=0\tContent=\tFormat=1"
        "\tUrl=/photos/1.jpg\tPostBackTmpFlag=1",
        "DATA UPDATE userpic pin=1\tsize=0\tformat=1\turl=/photos/missing.jpg",
        f"DATA UPDATE userpic pin=1\tsize={len(b64(photo))}\tformat=0\tcontent={b64(photo)}",
    )

    await simulator.poll()

    assert returns(simulator) == [0, -17, 0]
    assert simulator.biophotos["1"] == photo
    assert simulator.userpics["1"] == photo
    assert fake.labels() == [
        "getrequest",
        "1.jpg",
        "cdata?tabledata=biodata",
        "missing.jpg",
        "devicecmd",
    ]
    (post_back,) = fake.received("cdata?tabledata=biodata")
    assert post_back.query["count"] == "1"
    assert post_back.text.startswith("biodata pin=1\tno=0\tindex=0\tvalid=1\tduress=0\ttype=9")


async def test_query_and_count_upload_through_querydata(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, users=3)
    simulator.queue_event(0, "1")
    fake.queue(
        "DATA QUERY tablename=user,fielddesc=*,filter=*",
        "DATA COUNT user",
        "DATA COUNT transaction",
        "DATA COUNT biodata Type=9",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=9",
        "DATA QUERY tablename=biophoto,fielddesc=*,filter=*",
        "DATA QUERY tablename=templatev10,fielddesc=*,filter=*",
    )

    await simulator.poll()

    assert returns(simulator) == [3, 0, 0, 0, 3, 3, 0]
    assert fake.labels() == ["getrequest"] + ["querydata?tabledata"] + ["querydata?count"] * 3 + [
        "querydata?tabledata"
    ] * 3 + ["devicecmd"]
    users = fake.received("querydata?tabledata")[0]
    assert users.query == {
        "SN": SERIAL,
        "type": "tabledata",
        "cmdid": "1",
        "tablename": "user",
        "count": "3",
        "packcnt": "1",
        "packidx": "1",
    }
    first = users.lines[0]
    assert first.startswith("user uid=1\tcardno=")
    fields = split_fields(first.removeprefix("user "))
    assert list(fields) == [
        "uid",
        "cardno",
        "pin",
        "password",
        "group",
        "starttime",
        "endtime",
        "name",
        "privilege",
        "disable",
        "verify",
    ]
    assert fields["name"] == "Alice"
    assert fields["privilege"] == "14"
    counts = [exchange.text for exchange in fake.received("querydata?count")]
    assert counts == ["user=3", "transaction=1", "biodata=3"]
    photos = fake.received("querydata?tabledata")[2]
    assert photos.lines[0].startswith("biophoto pin=1\tfilename=1.jpg\ttype=9\tsize=")
    assert fake.received("querydata?tabledata")[3].lines == []


async def test_set_and_get_options(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    simulator = await connected(fake, make_simulator, timezone_hours=2)
    local = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    fake.queue(
        f"SET OPTIONS DateTime={encode_time(local)},Door1Drivertime=2",
        "GET OPTIONS FirmVer,LockCount,~SerialNumber,Door1Drivertime,NoSuchOption",
        "SET OPTIONS TimeZone=-210",
    )

    await simulator.poll()

    assert returns(simulator) == [0, 0, 0]
    expected = datetime(2030, 1, 2, 1, 4, 5, tzinfo=UTC).timestamp()
    assert abs(time.time() + simulator.clock_offset - expected) < 5
    assert simulator.options["Door1Drivertime"] == "2"
    assert simulator.timezone_hours == -3.5
    (answer,) = fake.received("querydata?options")
    assert answer.query["tablename"] == "options"
    assert answer.query["cmdid"] == "2"
    assert answer.text == f"FirmVer={FIRMWARE},LockCount=1,~SerialNumber={SERIAL},Door1Drivertime=2"


# --- doors --------------------------------------------------------------------------------------


async def test_remote_open_drives_the_relay_for_its_seconds(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator)
    door = simulator.doors[0]
    fake.queue("CONTROL DEVICE 01010103")

    await simulator.poll()

    assert returns(simulator) == [0]
    assert simulator.results[0]["CMD"] == "CONTROL DEVICE"
    assert simulator.door_commands == [("01", 1, 1, 3)]
    assert door.relay
    assert door.sensor == "open"
    assert events(simulator.pending_records) == [8, 200]
    remote = split_fields(simulator.pending_records[0])
    assert (remote["pin"], remote["eventaddr"], remote["verifytype"]) == ("0", "1", "200")

    await wait_for(lambda: not door.relay)
    assert door.sensor == "closed"
    assert events(simulator.pending_records) == [8, 200, 201]

    await simulator.cycle()
    assert fake.labels()[-2:] == ["cdata?rtlog", "cdata?rtstate"]
    assert events(fake.received("cdata?rtlog")[0].lines) == [8, 200, 201]
    state = split_fields(fake.received("cdata?rtstate")[0].text)
    assert (state["sensor"], state["relay"], state["alarm"]) == ("01", "00", "00" * 8)


async def test_hold_open_modes_lock_out_alarms_and_restart(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, doors=2)
    first, second = simulator.doors
    second.sensor = "none"
    first.alarms.add(1)
    second.alarms.update({0, 4})
    # Door 1 has a normal-open period all day (time zone 1): 04 runs it, then skips it.
    simulator.options["Door1KeepOpenTimeZone"] = "1"
    fake.queue("CONTROL DEVICE 010201FF", "CONTROL DEVICE 04010100", "CONTROL DEVICE 02000000")

    await simulator.poll()

    assert door_state(second) == (True, True, "none")
    assert door_state(first) == (True, True, "closed")
    assert first.alarms == second.alarms == set()
    assert simulator.alarms_cleared == 1
    await asyncio.sleep(0.05)
    assert door_state(second) == (True, True, "none")  # held open: no timer
    assert events(simulator.pending_records) == [8, 205, 7, 7]

    fake.queue(
        "CONTROL DEVICE 01020100",
        "CONTROL DEVICE 04010000",
        "CONTROL DEVICE 06000100",
        "CONTROL DEVICE 0101010A",
        "CONTROL DEVICE 06000000",
        "CONTROL DEVICE 03000000",
    )
    await simulator.poll()

    assert returns(simulator)[3:] == [0, 0, 0, 0, 0, 0]
    assert door_state(second) == (False, False, "none")
    assert not first.locked_out
    # Door 1 opened for 10 s falls shut when the restart drops its relay; then the controller
    # notes that it started (206).
    assert events(simulator.pending_records)[4:] == [9, 204, 233, 233, 8, 200, 234, 234, 201, 206]
    assert [command[0] for command in simulator.door_commands] == [
        "01",
        "04",
        "02",
        "01",
        "04",
        "06",
        "01",
        "06",
        "03",
    ]
    # The restart came after the results went out; relays drop and the session is gone.
    assert fake.labels()[-1] == "devicecmd"
    assert simulator.restarts == 1
    assert not online(simulator)
    assert door_state(first) == (False, False, "closed")

    fake.clear()
    await simulator.cycle()
    assert fake.labels()[:3] == ["cdata?options=all", "push", "cdata?options"]


def test_rtstate_bits() -> None:
    doors = [DoorSim(number=number) for number in range(1, 4)]
    doors[0].sensor, doors[0].relay = "open", True
    doors[1].alarms = {1}
    doors[2].sensor, doors[2].relay, doors[2].alarms = "none", True, {0, 4}

    assert rtstate_fields(doors) == ("06", "05", "0002110000000000")

    many = [DoorSim(number=number) for number in range(1, 10)]
    many[4].sensor = "open"
    many[8].relay = True
    many[8].alarms = {7}
    assert rtstate_fields(many) == ("555601", "0001", "000000000000000080")


async def test_rtstate_goes_up_when_it_changes(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    simulator = await connected(fake, make_simulator, doors=3)
    simulator.doors[0].sensor = "open"
    simulator.doors[2].alarms.add(1)

    await simulator.cycle()
    await simulator.cycle()

    assert fake.labels().count("cdata?rtstate") == 1
    state = fake.received("cdata?rtstate")[0]
    assert state.text.startswith("time=")
    assert split_fields(state.text)["sensor"] == "16"
    assert split_fields(state.text)["alarm"] == "0000020000000000"

    simulator.doors[1].relay = True
    fake.script("cdata?rtstate", "ERROR")
    await simulator.cycle()
    await simulator.cycle()
    await simulator.cycle()
    assert fake.labels().count("cdata?rtstate") == 3
    assert split_fields(fake.received("cdata?rtstate")[-1].text)["relay"] == "02"
    assert await simulator.send_state()


async def test_doorbell_and_auxiliary_inputs(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    simulator = await connected(fake, make_simulator, doors=2)
    simulator.ring_doorbell(2)
    simulator.set_aux_input(3, triggered=True)
    simulator.set_aux_input(3, triggered=False)
    await simulator.cycle()
    lines = fake.received("cdata?rtlog")[-1].lines
    assert events(lines) == [224, 226, 225]
    # The terminal writes them itself: pin 0; eventaddr is the door, then the input.
    assert [split_fields(line)["eventaddr"] for line in lines] == ["2", "3", "3"]
    assert {split_fields(line)["pin"] for line in lines} == {"0"}
    with pytest.raises(ValueError, match="no door 3"):
        simulator.ring_doorbell(3)
    with pytest.raises(ValueError, match="no auxiliary input 5"):
        simulator.set_aux_input(5, triggered=True)
    attendance = make_simulator(attendance=True)
    with pytest.raises(ValueError, match="attendance"):
        attendance.ring_doorbell()


async def test_doorbell_snapshot_and_error_log(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    """The doorbell's snapshot goes before its record, named after its time and user 0."""
    simulator = await connected(fake, make_simulator, doors=2)
    simulator.ring_doorbell(1)
    simulator.ring_doorbell(2, snapshot=False)
    simulator.report_error("D01E0001", command=7)
    await simulator.cycle()
    labels = fake.labels()
    assert labels.index("cdata?tabledata=ATTPHOTO") < labels.index("cdata?rtlog")
    (photo,) = fake.received("cdata?tabledata=ATTPHOTO")[-1].lines
    fields = split_fields(photo)
    record = split_fields(fake.received("cdata?rtlog")[-1].lines[0])
    stamp = record["time"].replace("-", "").replace(":", "").replace(" ", "")
    assert fields["pin"] == f"{stamp}-0.jpg"
    assert base64.b64decode(fields["photo"]).startswith(b"\xff\xd8")
    assert int(fields["size"]) == len(base64.b64decode(fields["photo"]))
    (error,) = fake.received("cdata?tabledata=errorlog")[-1].lines
    assert split_fields(error.removeprefix("errorlog "))["errcode"] == "D01E0001"
    assert split_fields(error)["cmdid"] == "7"


# --- firmware, enrollment, ACCOUNT --------------------------------------------------------------


async def test_firmware_upgrade_checks_md5_and_size(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator)
    image = b"\x7fELF firmware image" * 100
    url = "http://127.0.0.1:1/fw/emfw,v2.cfg?sig=abc"
    fake.files[url] = image
    good = hashlib.md5(image, usedforsecurity=False).hexdigest()
    fake.queue(
        f"UPGRADE type=1,checksum={'0' * 32},size={len(image)},url={url}",
        f"UPGRADE type=1,checksum={good},size={len(image) + 1},url={url}",
        f"UPGRADE type=1,checksum={good},size={len(image)},url=http://nowhere/x",
    )

    await simulator.poll()

    assert returns(simulator) == [-19, -20, -720]
    assert simulator.firmware_version == FIRMWARE
    assert simulator.restarts == 0
    assert simulator.firmware_installs[0] == {"url": url, "size": len(image), "md5_ok": False}
    assert simulator.firmware_installs[2]["size"] == 0
    download = fake.received("file")[0]
    assert download.method == "GET"
    assert download.query == {"SN": SERIAL, "url": url}
    assert download.token == fake.expected_token()

    fake.queue(f"UPGRADE type=1,checksum={good.upper()},size={len(image)},url={url}")
    await simulator.poll()

    assert returns(simulator)[-1] == 0
    assert simulator.firmware_installs[-1] == {"url": url, "size": len(image), "md5_ok": True}
    assert simulator.firmware_version == "ZAM70-NF24VB-Ver1.0.3"
    assert simulator.restarts == 1
    assert not simulator.connected
    fake.clear()
    await simulator.cycle()
    assert "FirmVer=ZAM70-NF24VB-Ver1.0.3" in fake.received("cdata?options")[0].text


async def test_enroll_bio_uploads_the_template_before_the_result(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, users=1)
    del simulator.biodata[("1", 9, 0)]
    fake.queue(
        "ENROLL_BIO type=9\tno=0\tpin=1\tretry=3\toverwrite=1",
        "ENROLL_BIO type=9\tno=0\tpin=1\tretry=3\toverwrite=0",
        "ENROLL_BIO type=1\tno=3\tpin=404\tretry=3\toverwrite=1",
        "ENROLL_BIO type=8 no=1 pin=1 retry=3 overwrite=1",
    )

    await simulator.poll()

    assert returns(simulator) == [0, -12, -27, 0]
    assert simulator.results[0]["CMD"] == "ENROLL_BIO"
    assert fake.labels() == [
        "getrequest",
        "cdata?tabledata=biodata",
        "cdata?tabledata=biodata",
        "devicecmd",
    ]
    face, palm = fake.received("cdata?tabledata=biodata")
    fields = split_fields(face.text.removeprefix("biodata "))
    assert fields | {"tmp": ""} == {
        "pin": "1",
        "no": "0",
        "index": "0",
        "valid": "1",
        "duress": "0",
        "type": "9",
        "majorver": "5",
        "minorver": "8",
        "format": "0",
        "tmp": "",
    }
    assert fields["tmp"] == simulator.biodata[("1", 9, 0)]["Tmp"]
    assert split_fields(palm.text)["type"] == "8"
    assert ("1", 8, 1) in simulator.biodata


async def test_enroll_without_unified_templates_sends_templatev10(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, users=1, multi_bio=False)
    fake.queue(
        "ENROLL_BIO type=1\tno=3\tpin=1\tretry=3\toverwrite=1",
        "ENROLL_BIO type=9\tno=0\tpin=1\tretry=3\toverwrite=1",
        f"DATA UPDATE biodata Pin=1\tType=9\tNo=0\tTmp={b64(b'x')}",
        f"DATA UPDATE templatev10 Pin=1\tFingerID=5\tSize=4\tValid=1\tTemplate={b64(b'fp')}",
        "DATA COUNT templatev10",
        "DATA DELETE templatev10 Pin=1\tFingerID=3",
    )

    await simulator.poll()

    assert returns(simulator) == [0, -708, -629, 0, 0, 0]
    (upload,) = fake.received("cdata?tabledata=templatev10")
    fields = split_fields(upload.text.removeprefix("templatev10 "))
    assert (fields["pin"], fields["fingerid"], fields["uid"]) == ("1", "3", "1")
    assert fake.received("querydata?count")[0].text == "templatev10=3"
    assert sorted(simulator.biodata) == [("1", 1, 5), ("1", 1, 6)]


async def test_account_uploads_a_transaction_tgz(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, users=2)
    simulator.queue_event(0, "1", time="2024-05-06 07:08:09")
    simulator.queue_event(27, "0", verify=4, cardno="555", inout=1, time="2024-05-06 07:08:10")
    simulator.queue_event(202, "0", door=1, verify=200, inout=2, time="2024-05-06 07:08:11")
    fake.queue("ACCOUNT transaction MaxIndex=1")

    await simulator.poll()

    assert fake.labels() == ["getrequest", "cdata?overview", "file", "devicecmd"]
    overview = fake.received("cdata?overview")[0]
    assert overview.query == {"SN": SERIAL, "cmdid": "1", "desc": "overview"}
    assert overview.lines == [
        "SumCount=2",
        "FileName=transaction.tgz",
        "ContentType=tgz",
        "FileCount=1",
    ]
    upload = fake.received("file")[0]
    assert upload.method == "POST"
    assert upload.query == {
        "SN": SERIAL,
        "cmdid": "1",
        "fileseq": "1",
        "contenttype": "tgz",
        "table": "transaction",
        "count": "2",
    }
    assert upload.body.startswith(b"\x1f\x8b")
    with tarfile.open(fileobj=io.BytesIO(upload.body), mode="r:gz") as archive:
        assert archive.getnames() == ["transaction.txt"]
        member = archive.extractfile("transaction.txt")
        assert member is not None
        lines = member.read().decode().splitlines()
    assert lines == [
        "cardno=555\tpin=0\tverified=4\tdoorid=1\teventtype=27\tinoutstate=1"
        f"\ttime_second={encode_time(datetime(2024, 5, 6, 7, 8, 10, tzinfo=UTC))}\tindex=2",
        "cardno=0\tpin=0\tverified=200\tdoorid=1\teventtype=202\tinoutstate=2"
        f"\ttime_second={encode_time(datetime(2024, 5, 6, 7, 8, 11, tzinfo=UTC))}\tindex=3",
    ]
    assert fake.results() == ["ID=1&Return=2&CMD=ACCOUNT"]

    fake.script("file", Raw("no", 500))
    fake.queue("ACCOUNT transaction StartIndex=1\tEndIndex=1", "ACCOUNT transaction *")
    await simulator.poll()
    assert returns(simulator)[1:] == [-722, 3]


# --- records ------------------------------------------------------------------------------------


def test_queue_event_lines() -> None:
    simulator = ZkPushSimulator("http://127.0.0.1:1", SERIAL, timezone_hours=5.5)

    line = simulator.queue_event(
        0, "7", door=2, verify="0000000000000010", cardno="123", inout=1, mask=1, temperature=36.55
    )

    fields = split_fields(line)
    assert list(fields) == [
        "time",
        "pin",
        "cardno",
        "sitecode",
        "linkid",
        "eventaddr",
        "event",
        "inoutstatus",
        "verifytype",
        "index",
        "maskflag",
        "temperature",
        "convtemperature",
    ]
    assert fields["verifytype"] == "0000000000000010"
    assert (fields["pin"], fields["eventaddr"], fields["index"]) == ("7", "2", "1")
    assert fields["temperature"] == "36.5" or fields["temperature"] == "36.6"
    shown = datetime.strptime(fields["time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs(shown.timestamp() - 5.5 * 3600 - time.time()) < 5
    second = simulator.queue_event(27, "0", time="2024-01-01 00:00:00")
    assert second.startswith("time=2024-01-01 00:00:00\tpin=0\t")
    assert split_fields(second)["index"] == "2"
    assert "maskflag" not in second
    assert simulator.pending_records == [line, second]

    attendance = ZkPushSimulator("http://127.0.0.1:1", SERIAL, attendance=True)
    row = attendance.queue_event(pin="5", verify=1, inout=1, time="2024-01-01 08:00:00")
    assert row == "5\t2024-01-01 08:00:00\t1\t1\t0\t0\t0\t0\t0"


async def test_rtlog_goes_in_batches_and_waits_for_exactly_ok(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, users=1)
    queued = [simulator.queue_event(0, "1") for _ in range(23)]
    fake.script("cdata?rtlog", "OK: 10", "OK", Raw("busy", 503))

    assert await simulator.upload_pending() == 0
    assert await simulator.upload_pending() == 10
    assert not refused(simulator)
    assert simulator.pending_records == queued[10:]
    fake.script("cdata?rtlog", Raw("denied", 401))
    assert await simulator.upload_pending() == 0
    assert refused(simulator)
    assert not simulator.connected
    assert await simulator.upload_pending() == 13

    batches = [exchange.lines for exchange in fake.received("cdata?rtlog")]
    assert [len(batch) for batch in batches] == [10, 10, 10, 10, 10, 3]
    accepted = [batches[1], batches[4], batches[5]]
    assert [line for batch in accepted for line in batch] == queued
    assert simulator.uploaded_records == queued
    assert simulator.pending_records == []
    assert await simulator.upload_pending() == 0


async def test_local_user_is_uploaded_at_the_next_cycle(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, doors=2)
    simulator.add_local_user("42", "Zed")
    fake.script("cdata?tabledata=user", "ERROR")

    await simulator.cycle()
    await simulator.cycle()
    await simulator.cycle()

    uploads = fake.received("cdata?tabledata=user")
    assert len(uploads) == 2
    assert uploads[1].query["count"] == "1"
    assert uploads[1].text == (
        "user uid=1\tcardno=\tpin=42\tpassword=\tgroup=1\tstarttime=0\tendtime=0"
        "\tname=Zed\tprivilege=0\tdisable=0\tverify=0"
    )
    assert simulator.users["42"]["Name"] == "Zed"
    assert simulator.authorize["42"]["1"]["AuthorizeDoorId"] == "3"


async def test_remote_identification(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    simulator = await connected(fake, make_simulator, users=1)
    door = simulator.doors[0]
    record = "time=2024-01-01 00:00:00\tpin=1\tcardno=0\taddrtype=2\teventaddr=1\tevent=223"
    fake.script(
        "cdata?auth",
        f"AUTH=SUCCESS\r\n{record}\r\nCONTROL DEVICE 01010103",
        "AUTH=FAILED",
        Raw("<html>", 500),
    )

    answer = await simulator.remote_identify("1")

    assert answer.startswith("AUTH=SUCCESS")
    request = fake.received("cdata?auth")[0]
    assert request.query == {"SN": SERIAL, "AuthType": "device"}
    sent = split_fields(request.text)
    assert (sent["pin"], sent["addrtype"], sent["eventaddr"], sent["verifytype"]) == (
        "1",
        "2",
        "1",
        "15",
    )
    assert sent["cardno"] == simulator.users["1"]["CardNo"]
    assert door.relay
    assert simulator.door_commands == [("01", 1, 1, 3)]
    assert events(simulator.pending_records) == [222, 200]
    # The door closes on its own (and may say so) before the refusals: count from there.
    await wait_for(lambda: not door.relay)
    before = len(simulator.pending_records)

    assert await simulator.remote_identify("1", door=1, verify=4) == "AUTH=FAILED"
    assert await simulator.remote_identify("2") == "<html>"
    assert events(simulator.pending_records)[before:] == [44, 45]
    assert not door.relay


# --- attendance PUSH ----------------------------------------------------------------------------


async def test_attendance_handshake_records_and_commands(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    fake.timezone = "330"
    simulator = make_simulator(attendance=True, users=1)

    assert await simulator.connect()

    assert fake.labels() == ["cdata?options=all"]
    hello = fake.exchanges[0]
    assert hello.query == {"SN": SERIAL, "options": "all", "language": "69", "pushver": "2.4.1"}
    assert simulator.timezone_hours == 5.5
    assert simulator.stamps == {
        "ATTLOGStamp": "None",
        "OPERLOGStamp": "9999",
        "ATTPHOTOStamp": "None",
    }
    assert simulator.token is None

    line = simulator.queue_event(pin="1", verify=1, inout=1)
    fake.queue(
        "DATA UPDATE USERINFO PIN=5\tName=Eve\tPri=14\tPasswd=123\tCard=555\tGrp=1"
        "\tTZ=0000000000000000",
        "DATA QUERY USERINFO PIN=5",
        "ENROLL_FP PIN=5\tFID=2\tRETRY=3\tOVERWRITE=1",
        "ENROLL_FP PIN=77\tFID=2\tRETRY=3\tOVERWRITE=1",
        "DATA DELETE USERINFO PIN=1",
        "DATA UPDATE user Pin=9",
        "CONTROL DEVICE 01010105",
        "REBOOT",
    )
    fake.clear()

    await simulator.cycle()

    assert fake.labels() == [
        "getrequest",
        "cdata?OPERLOG",
        "cdata?OPERLOG",
        "devicecmd",
    ]
    assert fake.results() == [
        "ID=1&Return=0&CMD=DATA UPDATE",
        "ID=2&Return=1&CMD=DATA QUERY",
        "ID=3&Return=0&CMD=ENROLL_FP",
        "ID=4&Return=-27&CMD=ENROLL_FP",
        "ID=5&Return=0&CMD=DATA DELETE",
        "ID=6&Return=-629&CMD=DATA UPDATE",
        "ID=7&Return=-13&CMD=CONTROL DEVICE",
        "ID=8&Return=0&CMD=REBOOT",
    ]
    info = fake.exchanges[0].query["INFO"].split(",")
    assert info[:4] == [FIRMWARE, "1", "1", "1"]
    assert simulator.users == {
        "5": {
            "CardNo": "555",
            "Pin": "5",
            "Password": "123",
            "Group": "1",
            "StartTime": "0",
            "EndTime": "0",
            "Name": "Eve",
            "Privilege": "14",
            "Disable": "0",
        }
    }
    query, enroll = fake.received("cdata?OPERLOG")
    assert query.lines == [
        "USER PIN=5\tName=Eve\tPri=14\tPasswd=123\tCard=555\tGrp=1\tTZ=0000000000000000"
    ]
    assert enroll.lines[0].startswith("OPLOG 6\t0\t")
    assert enroll.lines[0].endswith("\t5\t2\t0\t0")
    assert enroll.lines[1].startswith("FP PIN=5\tFID=2\tSize=")
    assert ("5", 1, 2) in simulator.biodata
    assert simulator.restarts == 1
    assert not simulator.connected

    # Reconnecting, the terminal sends its ATTLOG with a Stamp and takes OK: N as done.
    fake.clear()
    await simulator.cycle()
    assert fake.labels() == ["cdata?options=all", "getrequest", "cdata?ATTLOG"]
    assert "INFO" in fake.exchanges[1].query
    attlog = fake.received("cdata?ATTLOG")[0]
    assert attlog.query == {"SN": SERIAL, "table": "ATTLOG", "Stamp": "1"}
    assert attlog.lines == [line]
    assert simulator.uploaded_records == [line]

    simulator.add_local_user("6", "Frank")
    await simulator.cycle()
    assert fake.received("cdata?OPERLOG")[-1].text.startswith("USER PIN=6\tName=Frank\tPri=0")
    assert "INFO" not in fake.received("getrequest")[-1].query


async def test_attendance_records_wait_for_ok_n_and_resume_after_the_stamp(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, attendance=True, users=2)
    first = simulator.queue_event(pin="1", verify=15)
    second = simulator.queue_event(pin="2", verify=2, inout=1)
    fake.script("cdata?ATTLOG", "OK", Raw("denied", 403))

    assert await simulator.upload_pending() == 0
    assert await simulator.upload_pending() == 0
    assert refused(simulator)
    assert await simulator.upload_pending() == 2
    assert [exchange.lines for exchange in fake.received("cdata?ATTLOG")] == [[first, second]] * 3
    assert fake.attlog_stamp == "2"
    assert simulator.stamps["ATTLOGStamp"] == "2"

    # A server that lost everything after stamp 1 gets the rest again.
    fake.attlog_stamp = "1"
    assert await simulator.connect()
    assert simulator.pending_records == [second]
    assert await simulator.upload_pending() == 1
    assert simulator.uploaded_records == [first, second]


# --- robustness ---------------------------------------------------------------------------------


async def test_garbage_answers_do_not_crash(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    simulator = make_simulator(users=1)
    fake.script("cdata?options=all", Raw(b"\xff\xfe\x00garbage"), Raw("", 500), "registry=ok")
    fake.script("push", "")
    assert not await simulator.connect()
    assert not await simulator.connect()
    assert not await simulator.connect()  # registry=ok, but push says nothing usable
    assert await simulator.connect()
    assert simulator.token == fake.expected_token()

    simulator.queue_event(0, "1")
    fake.script(
        "getrequest",
        Raw(
            "<html>\nC:1:DATA UPDATE\nC:2:\nC:3:CONTROL DEVICE zzzzzzzz\nC:4:SET OPTIONS"
            "\nC:5:UPGRADE type=1\nC:6:ACCOUNT\nC:7:DATA QUERY\nC:8:ENROLL_BIO"
            "\nC:9:DATA DELETE user\nC:10:GET OPTIONS\nC:11:DATA COUNT\n\xe5\x90\x8d".encode()
            + b"\nC:12:DATA UPDATE user Pin=5\tName=\xd5\xc5\xc8\xfd"
        ),
    )
    fake.script("devicecmd", "NO")
    fake.script("cdata?rtlog", Raw(b"\x00\x01"))
    fake.script("cdata?rtstate", Raw("", 502))

    await simulator.cycle()

    assert len(simulator.results) == 12
    assert all(int(result["Return"]) <= 0 for result in simulator.results)
    assert simulator.users["5"]["Name"] == "张三"
    assert len(simulator.pending_records) == 1

    # The results nobody acknowledged go again with the next ones.
    fake.queue("DATA COUNT user")
    await simulator.cycle()
    assert len(fake.received("devicecmd")[-1].lines) == 13
    assert simulator.pending_records == []


async def test_slow_and_unreachable_servers_are_retried_quietly(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    async def slow() -> web.StreamResponse:
        await asyncio.sleep(1)
        return web.Response(text="OK")

    simulator = make_simulator(request_timeout=0.1)
    fake.script("cdata?options=all", slow)
    assert not await simulator.connect()

    lonely = ZkPushSimulator(common.closed_url(), SERIAL, poll_interval=0.02)
    lonely.queue_event(0, "1")
    assert not await lonely.connect()
    assert await lonely.poll() == []
    assert await lonely.upload_pending() == 0
    assert not await lonely.send_state()
    assert await lonely.remote_identify("1") == ""
    await lonely.start()
    await wait_for(lambda: lonely.requests["/iclock/cdata"] >= 8)
    await lonely.stop()
    assert len(lonely.pending_records) == 2


async def test_background_loop_polls_and_reports_random_events(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=3, doors=2, poll_interval=0.05, event_interval=0.01)
    await simulator.start()
    await wait_for(lambda: len(simulator.uploaded_records) >= 12)
    await wait_for(lambda: simulator.requests["/iclock/getrequest"] >= 3)
    await simulator.stop()

    uploaded = [line for exchange in fake.received("cdata?rtlog") for line in exchange.lines]
    # No alarm by itself (100 is tamper): the demo's controller is not in alarm for nobody.
    assert set(events(uploaded)) <= {0, 27, 63, 200, 201, 202}
    assert 0 in events(uploaded)
    assert not any(door.alarms for door in simulator.doors)
    indexes = [int(split_fields(line)["index"]) for line in uploaded]
    assert indexes == sorted(set(indexes))
    assert fake.received("cdata?rtstate")


async def test_attendance_background_events(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    simulator = make_simulator(users=2, attendance=True, poll_interval=0.05, event_interval=0.01)
    await simulator.start()
    await wait_for(lambda: len(simulator.uploaded_records) >= 3)
    await simulator.stop()

    for line in simulator.uploaded_records:
        pin, _, status, verify, *_ = line.split("\t")
        assert pin in {"1", "2"}
        assert status in {"0", "1"}
        assert verify in {"0", "1", "2", "15", "25"}
    assert not fake.received("cdata?rtstate")


# --- codec and command line ---------------------------------------------------------------------


def test_time_and_text_codecs() -> None:
    moment = datetime(2017, 1, 10, 11, 49, 32, tzinfo=UTC)
    assert encode_time(moment) == 547213772
    assert decode_time(547213772) == moment
    assert decode_time(encode_time(datetime(2020, 2, 28, tzinfo=UTC)) + 2 * 86400) is None
    assert decode_time(-1) is None
    assert (encode_timezone(8), encode_timezone(5.5), encode_timezone(-3.5)) == ("8", "330", "-210")
    assert (decode_timezone("8"), decode_timezone("330"), decode_timezone("-210")) == (8, 5.5, -3.5)
    assert decode_timezone("x") is None
    assert split_fields("Pin=1 Name=Ann Lee Privilege=0") == {
        "Pin": "1",
        "Name": "Ann Lee",
        "Privilege": "0",
    }
    assert split_params("type=1,checksum=ab,url=http://h/fw,v2.bin?sig=1,size=9") == {
        "type": "1",
        "checksum": "ab",
        "url": "http://h/fw,v2.bin?sig=1",
        "size": "9",
    }
    assert [command.raw for command in parse_commands("OK")] == []
    assert [c.cmd_id for c in parse_commands("junk\nC:1:REBOOT\r\nC:2:DATA UPDATE user Pin=1")] == [
        "1",
        "2",
    ]


def test_cli_arguments() -> None:
    args = common.parse_cli("zk_push", "--serial=ABC123", "--doors=4", "--attendance", "--poll=2.5")
    assert (args.serial, args.doors, args.attendance, args.poll) == ("ABC123", 4, True, 2.5)
    assert args.run is run_zk_push

    defaults = common.parse_defaults("zk_push")
    assert (defaults.serial, defaults.doors, defaults.attendance, defaults.poll) == (
        SERIAL,
        1,
        False,
        3.0,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["zk_push", "--doors", "0"],
        ["zk_push", "--doors", "x"],
        ["zk_push", "--poll", "0"],
        ["zk_push", "--event-interval", "-1"],
    ],
)
def test_cli_rejects_bad_arguments(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)


async def test_run_zk_push_stops_on_sigterm(fake: FakeZk) -> None:
    args = build_parser().parse_args(
        ["zk_push", "--server", fake.url, "--users", "2", "--doors", "2", "--event-interval", "0"]
    )
    assert isinstance(args, argparse.Namespace)
    await common.stops_on_sigterm(run_zk_push(args), lambda: "getrequest" in fake.labels())

    reported = pairs(fake.received("cdata?options")[0].text)
    assert (reported["UserCount"], reported["LockCount"]) == ("2", "2")


async def test_a_door_opened_with_the_key_falls_shut(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    simulator = await connected(fake, make_simulator, doors=1)
    door = simulator.doors[0]
    simulator._panel.open_briefly(door, KEY_OPENING_SECONDS)
    assert door.sensor == SENSOR_OPEN
    await wait_for(lambda: door.sensor == SENSOR_CLOSED)
    assert events(simulator.pending_records) == [200, 201]


async def test_aux_outputs_and_interlock(fake: FakeZk, make_simulator: MakeSimulator) -> None:
    """Outputs switch on for their time, off, or not at all; an interlocked door stays shut."""
    simulator = await connected(fake, make_simulator, doors=2, aux_outputs=2)
    simulator.door_second = 100.0
    simulator.options["InterLock"] = "1"
    fake.queue(
        "CONTROL DEVICE 01020205",  # output 2 for 5 s
        "CONTROL DEVICE 010102FF",  # output 1 on
        "CONTROL DEVICE 01030205",  # no output 3
        "CONTROL DEVICE 01010105",  # door 1 opens for 5 s
        "CONTROL DEVICE 01020105",  # door 2: door 1 is open
    )
    await simulator.poll()
    assert returns(simulator) == [0, 0, -11, 0, -12]
    assert simulator.aux_on == {1, 2}
    assert simulator.doors[0].relay
    assert not simulator.doors[1].relay
    assert events(simulator.pending_records)[-1] == 25  # refused by the interlock at door 2
    fake.queue("CONTROL DEVICE 01010200", "CONTROL DEVICE 01010100", "CONTROL DEVICE 01020105")
    await simulator.poll()
    assert simulator.aux_on == {2}
    assert returns(simulator)[-1] == 0  # door 1 shut: door 2 may open
    assert simulator.doors[1].relay


async def test_normal_open_period_resumes_after_a_restart(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    """A door freed by its period falls shut at a restart and is freed again at the next cycle."""
    simulator = await connected(fake, make_simulator, doors=1)
    simulator.options["Door1KeepOpenTimeZone"] = "1"  # all day
    simulator.follow_schedules()
    assert door_state(simulator.doors[0])[0]
    fake.queue("CONTROL DEVICE 03000000")
    await simulator.poll()
    assert not door_state(simulator.doors[0])[0]
    simulator.follow_schedules()
    assert door_state(simulator.doors[0])[0]


async def test_role_tables_keep_and_forget_rows(
    fake: FakeZk, make_simulator: MakeSimulator
) -> None:
    """firstcard, SuperAuthorize and extuser: stored, counted, deleted by PIN, door or all."""
    simulator = await connected(fake, make_simulator, users=2)
    fake.queue(
        "DATA UPDATE firstcard DoorID=1\tTimezoneID=2\tPin=1\nDoorID=1\tTimezoneID=2\tPin=2",
        "DATA UPDATE SuperAuthorize Pin=1\tDoorID=1\nPin=2\tDoorID=1",
        "DATA UPDATE extuser Pin=1\tFunSwitch=1\nPin=2\tFunSwitch=2",
        "DATA UPDATE firstcard DoorID=1\tTimezoneID=0\tPin=1",
        "DATA UPDATE SuperAuthorize Pin=1\tDoorID=x",
        "DATA UPDATE extuser Pin=1\tFunSwitch=-1",
        "DATA UPDATE extuser FunSwitch=1",
        "DATA COUNT firstcard",
        "DATA DELETE firstcard",
        # Someone the controller does not hold: no row for them (as for templates).
        "DATA UPDATE SuperAuthorize Pin=99\tDoorID=1",
        "DATA UPDATE PersonalVSTimezone PIN=99\tDoorID=1\tTimezoneID=1",
    )
    await simulator.poll()
    assert returns(simulator) == [0, 0, 0, -11, -11, -11, -11, 0, -11, -27, -27]
    assert not simulator._tables.roles.is_super("99", 1)
    roles = simulator._tables.roles
    assert roles.first_card_zone("2", 1) == 2
    assert roles.is_super("2", 1)
    assert roles.extended_unlock("1")
    assert not roles.extended_unlock("2")  # the visitor bit only
    assert fake.received("querydata?count")[0].text == "firstcard=2"
    simulator.results.clear()

    fake.queue(
        "DATA DELETE firstcard Pin=1",
        "DATA DELETE SuperAuthorize Pin=1",
        "DATA DELETE extuser Pin=1",
    )
    await simulator.poll()
    assert returns(simulator) == [0, 0, 0]
    assert roles.first_card == {("2", 1): 2}
    assert roles.super_users == {("2", 1)}
    assert roles.extended == {"2": 2}
    simulator.results.clear()

    fake.queue("DATA DELETE firstcard DoorID=1", "DATA DELETE user Pin=2")
    await simulator.poll()
    assert returns(simulator) == [0, 0]
    assert roles.first_card == {}
    assert roles.super_users == set()  # a user's roles go with them
    assert roles.extended == {}
