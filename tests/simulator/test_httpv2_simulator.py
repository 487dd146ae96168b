"""End-to-end tests of the HTTPv2 terminal simulator against a small scripted fake server."""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
import functools
import gzip
import hashlib
import io
import json
import time
from typing import Any

from aiohttp import BodyPartReader, web
from PIL import Image
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.access import DoorSchedules, Interval, TimeRule
from simulator.__main__ import build_parser
from simulator.common import jpeg_photo
from simulator.httpv2 import HttpV2Simulator, run_httpv2
from tests.protocols.httpv2.helpers import make_terminal
from tests.simulator import common
from tests.simulator.common import Raw, refused, wait_for

SERIAL = "FC-8200H00000001"
KEEPALIVE = "/Device/Keepalive"
UPLOAD_SETTING = "/Device/UploadWorkSetting"
DOWNLOAD_SETTING = "/Device/DownloadWorkSetting"
REMOTE = "/Device/RemoteCommand"
ENROLL_RESULT = "/Device/RegisterIdentifyTicketResult"
SNAPSHOT = "/Device/UploadSnapshoot"
AUTHORIZATION = "/Device/RequestAuthorization"
DOWNLOAD_PEOPLE = "/People/DownloadPeopleList"
DOWNLOAD_RESULT = "/People/DownloadPeopleListResult"
DELETE_PEOPLE = "/People/DeletePeopleList"
DELETE_RESULT = "/People/DeletePeopleListResult"
PUSH_PEOPLE = "/People/PushPeople"
IDENTIFY_RECORD = "/Record/UploadIdentifyRecord"
SYSTEM_RECORD = "/Record/UploadSystemRecord"
GZIP_MAGIC = b"\x1f\x8b"
JPEG_MAGIC = b"\xff\xd8"


# --- the fake server ----------------------------------------------------------------------------


@dataclass
class Part:
    """One received multipart part, as on the wire and decoded."""

    raw: bytes
    headers: dict[str, str]
    filename: str | None

    @property
    def gzipped(self) -> bool:
        return self.headers.get("Content-Encoding") == "gzip"

    @property
    def data(self) -> bytes:
        return gzip.decompress(self.raw) if self.gzipped else self.raw

    def json(self) -> Any:
        return json.loads(self.data)

    def text(self) -> str:
        return self.data.decode()


@dataclass
class Exchange:
    """One request the fake server received."""

    path: str
    headers: dict[str, str]
    raw: bytes = b""
    parts: dict[str, Part] = field(default_factory=dict)

    def json(self) -> Any:
        body = gzip.decompress(self.raw) if self.headers.get("Content-Encoding") else self.raw
        return json.loads(body)


@dataclass
class FakeServer(common.ScriptedServer[Exchange]):
    """Records every POST and answers from per-path scripts (default `{"Success": 1}`).

    GETs fetch `files` (404 for others) and are not recorded; people pages come from `people`.
    """

    people: list[Any] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET":
            if request.path in self.files:
                return web.Response(body=self.files[request.path])
            return web.Response(status=404)
        return await super().handle(request)

    async def record(self, request: web.Request) -> Exchange:
        exchange = Exchange(request.path, dict(request.headers))
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader)
                assert part.name is not None
                raw = await part.read(decode=False)
                exchange.parts[part.name] = Part(bytes(raw), dict(part.headers), part.filename)
        else:
            exchange.raw = await request.read()
        return exchange

    def key(self, exchange: Exchange) -> str:
        return exchange.path

    def default(self, exchange: Exchange) -> dict[str, Any]:
        if exchange.path == DOWNLOAD_PEOPLE:
            return self._next_people_page(exchange.json()["Limit"])
        return {"Success": 1}

    def paths(self) -> list[str]:
        return self.keys()

    def _next_people_page(self, limit: int) -> dict[str, Any]:
        page, self.people = self.people[:limit], self.people[limit:]
        return {"Success": 1, "Count": len(page), "PeopleList": page}


@pytest.fixture
async def fake(aiohttp_server: AiohttpServer) -> FakeServer:
    # Keep request bodies as sent, so the tests see the device's own compression.
    return await common.serve(aiohttp_server, FakeServer(), auto_decompress=False)


MakeSimulator = Callable[..., HttpV2Simulator]


@pytest.fixture
async def make_simulator(fake: FakeServer) -> AsyncIterator[MakeSimulator]:
    async with common.simulators(
        functools.partial(HttpV2Simulator, fake.url, SERIAL),
        keepalive_interval=60.0,
        enroll_delay=0.01,
        release_time=0.05,
        request_timeout=2.0,
        seed=1,
    ) as make:
        yield make


async def remote(fake: FakeServer, simulator: HttpV2Simulator, command: dict[str, Any]) -> None:
    """Run one cycle whose keep-alive flags Remote and whose RemoteCommand answers command."""
    fake.script(KEEPALIVE, {"Success": 1, "Remote": 1})
    fake.script(REMOTE, {"Success": 1} | command)
    assert await simulator.keepalive_cycle() is not None


def system_codes(fake: FakeServer, kind: int) -> list[int]:
    return [
        record["RecordType"]
        for exchange in fake.received(SYSTEM_RECORD)
        if exchange.json()["RecordType"] == kind
        for record in exchange.json()["Records"]
    ]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- boot and the keep-alive cycle --------------------------------------------------------------


async def test_boot_sends_keepalive_then_settings(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=3)
    await simulator.start()
    await wait_for(lambda: UPLOAD_SETTING in fake.paths())
    await simulator.stop()

    assert fake.paths()[:2] == [KEEPALIVE, UPLOAD_SETTING]
    keepalive = fake.received(KEEPALIVE)[0]
    assert keepalive.headers["Content-Type"] == "application/json"
    assert keepalive.json() == {
        "SN": SERIAL,
        "RelayStatus": 0,
        "KeepOpenStatus": 0,
        "DoorSensorStatus": 0,
        "LockDoorStatus": 0,
        "AlarmStatus": "",
    }
    settings = fake.received(UPLOAD_SETTING)[0].json()
    for key in (
        "DeviceName",
        "FaceVerson",
        "Manufacturer",
        "ProductionDate",
        "KeepaliveTime",
        "HTTPClient_KeepaliveTime",
        "SystemTime",
        "UseNTP",
        "Volume",
        "RTSPPassword",
        "WIFIAPPassword",
        "RecordStorageInfo",
    ):
        assert key in settings
    assert settings["DeviceSN"] == SERIAL
    assert settings["FirmwareVerson"] == "8.46"
    assert settings["TimeZone"] == 8
    assert settings["ReleaseTime"] == 0.05
    assert settings["MenuPassword"] == "0000"
    assert settings["AlarmStatus"] == ""
    storage = settings["PeopleStorageInfo"]
    assert storage["Person"] == {"Max": 20000, "Current": 3}
    assert storage["Face"]["Current"] == 3
    assert storage["Card"]["Current"] == 3
    assert storage["Admin"]["Current"] == 1
    assert settings["FunctionList"]["BodyTemperature"] is True
    assert settings["FunctionList"]["Fingerprint"] is False
    assert settings == simulator.settings


async def test_follow_ups_run_in_priority_order(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()
    fake.script(
        KEEPALIVE,
        {
            "Success": 1,
            "AddPeople": 1,
            "DeletePeople": 1,
            "SyncParameter": 1,
            "Remote": 1,
            "UploadWorkParameter": 1,
        },
    )

    reply = await simulator.keepalive_cycle()

    assert reply is not None
    assert reply["Success"] == 1
    assert fake.paths() == [
        KEEPALIVE,
        UPLOAD_SETTING,
        REMOTE,
        DOWNLOAD_SETTING,
        UPLOAD_SETTING,
        DELETE_PEOPLE,
        DOWNLOAD_PEOPLE,
    ]
    assert simulator.requests[KEEPALIVE] == 1
    assert simulator.remote_commands == []

    # The settings went up once; a plain keep-alive asks for nothing more.
    fake.clear()
    await simulator.keepalive_cycle()
    assert fake.paths() == [KEEPALIVE]


# --- people -------------------------------------------------------------------------------------


async def test_people_download_in_pages_with_result_report(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(download_limit=2)
    photo = jpeg_photo("Ann")
    fake.people = [
        {"UserID": "1", "Name": "Ann", "CardNum": "111", "Photo": b64(photo)},
        {"UserID": "2", "Name": "Ben", "CardNum": "111"},
        {"UserID": "abc", "Name": "Bad id"},
        {"UserID": "3", "Name": "Short password", "Password": "12"},
        {"UserID": "4294967296", "Name": "Too big"},
        {"UserID": 5, "Name": "Eve", "Password": "123456", "CardNum": "222"},
    ]
    fake.script(KEEPALIVE, {"Success": 1, "AddPeople": 1})

    await simulator.keepalive_cycle()

    requests = fake.received(DOWNLOAD_PEOPLE)
    assert len(requests) == 4  # three pages, then the empty one that ends the loop
    assert all(request.json() == {"SN": SERIAL, "Limit": 2} for request in requests)
    results = [exchange.json() for exchange in fake.received(DOWNLOAD_RESULT)]
    assert results == simulator.download_results
    assert [(r["SuccessCount"], r["FailCount"]) for r in results] == [(1, 1), (0, 2), (1, 1)]
    failures = [failure for result in results for failure in result["FailList"]]
    assert [(f["UserID"], f["ErrorCode"], f["RepeatID"]) for f in failures] == [
        ("2", 23, "1"),
        ("abc", 1, ""),
        ("3", 1, ""),
        ("4294967296", 1, ""),
    ]
    assert all(isinstance(failure["ErrMsg"], str) for failure in failures)
    assert sorted(simulator.users) == [1, 5]
    assert simulator.users[1]["Name"] == "Ann"
    assert simulator.users[5]["UserID"] == "5"


async def test_people_download_checks_photos_templates_and_capacity(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(capacity=2)
    fake.files["/photos/ok.jpg"] = jpeg_photo("Url")
    fake.files["/face/ok.dat"] = b64(b"face-template").encode()
    simulator.add_local_user(1, "Old name")
    fake.people = [
        {"UserID": "1", "Name": "New name", "FaceFeature": b64(b"face")},
        {"UserID": "2", "Photo": f"{fake.url}/photos/ok.jpg", "FaceFeature": "http:/x"},
        {"UserID": "3", "Photo": f"{fake.url}/photos/missing.jpg"},
        {"UserID": "4", "Photo": "not base64 !"},
        {"UserID": "5", "Photo": b64(b"x" * (400 * 1024 + 1))},
        {"UserID": "6", "FaceFeature": "@@@"},
        {"UserID": "7", "Fingerprints": [{"Num": 1, "Data": "@@@"}]},
        {"UserID": "8", "Palmveins": [{"Num": 1, "Data": "@@@"}]},
        {"UserID": "9", "FaceFeature": f"{fake.url}/face/missing.dat"},
        {"UserID": "10", "FaceFeature": f"{fake.url}/face/ok.dat", "Palmveins": []},
        {"UserID": "11", "Name": "No room"},
    ]
    fake.script(KEEPALIVE, {"Success": 1, "AddPeople": 1})

    await simulator.keepalive_cycle()

    (result,) = simulator.download_results
    codes = {failure["UserID"]: failure["ErrorCode"] for failure in result["FailList"]}
    # "http:/x" is neither a URL nor base64: a broken face template.
    assert codes == {"2": 27, "3": 2, "4": 1, "5": 3, "6": 27, "7": 28, "8": 29, "9": 4, "11": 24}
    assert result["SuccessCount"] == 2
    assert sorted(simulator.users) == [1, 10]
    assert simulator.users[1]["Name"] == "New name"


async def test_delete_people_in_pages(fake: FakeServer, make_simulator: MakeSimulator) -> None:
    simulator = make_simulator(users=5, delete_limit=2)
    fake.script(KEEPALIVE, {"Success": 1, "DeletePeople": 1})
    fake.script(
        DELETE_PEOPLE,
        {"Success": 1, "DeleteAll": 0, "DeleteCount": 2, "DeleteList": [1, 2]},
        {"Success": 1, "DeleteCount": 1, "DeleteList": ["3"]},
        {"Success": 1, "DeleteCount": 0, "DeleteList": []},
    )

    await simulator.keepalive_cycle()

    assert sorted(simulator.users) == [4, 5]
    assert all(r.json() == {"SN": SERIAL, "Limit": 2} for r in fake.received(DELETE_PEOPLE))
    assert [r.json() for r in fake.received(DELETE_RESULT)] == [
        {"SN": SERIAL, "DeleteCount": 2, "DeleteAll": 0, "DeleteList": [1, 2]},
        {"SN": SERIAL, "DeleteCount": 1, "DeleteAll": 0, "DeleteList": [3]},
    ]

    fake.script(KEEPALIVE, {"Success": 1, "DeletePeople": 1})
    fake.script(DELETE_PEOPLE, {"Success": 1, "DeleteAll": 1}, {"Success": 1})
    await simulator.keepalive_cycle()

    assert simulator.users == {}
    assert simulator.delete_results[-1] == {
        "SN": SERIAL,
        "DeleteCount": 2,
        "DeleteAll": 1,
        "DeleteList": [],
    }


async def test_push_all_people_and_query_people(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=2)

    await remote(fake, simulator, {"PushAllPeople": 1})

    pushes = fake.received(PUSH_PEOPLE)
    assert [push.parts["UserID"].text() for push in pushes] == ["1", "2"]
    for push in pushes:
        assert push.parts["SN"].text() == SERIAL
        assert push.parts["PushType"].text() == "4"
        assert push.parts["Detail"].gzipped
        assert push.parts["Photo"].data.startswith(JPEG_MAGIC)
    detail = pushes[0].parts["Detail"].json()
    assert detail["Name"] == "Alice"
    assert detail["PhotoLen"] == len(pushes[0].parts["Photo"].data)

    fake.clear()
    await remote(fake, simulator, {"QueryPeople": [2, 99]})

    known, unknown = fake.received(PUSH_PEOPLE)
    assert known.parts["Detail"].json()["UserID"] == "2"
    assert unknown.parts["UserID"].text() == "99"
    assert unknown.parts["PushType"].text() == "4"
    assert set(unknown.parts) == {"SN", "PushType", "UserID"}


async def test_people_changed_in_the_device_menu_are_pushed(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()
    simulator.add_local_user(7, "Grace", CardNum="777")
    await simulator.keepalive_cycle()

    (push,) = fake.received(PUSH_PEOPLE)
    assert push.parts["PushType"].text() == "1"
    assert push.parts["Detail"].json() == {"UserID": "7", "Name": "Grace", "CardNum": "777"}
    (record,) = fake.received(IDENTIFY_RECORD)
    assert record.parts["RecordDetail"].json()["RecordType"] == 33
    assert "Photo" not in record.parts

    fake.clear()
    simulator.remove_local_user(7)
    await simulator.keepalive_cycle()

    (push,) = fake.received(PUSH_PEOPLE)
    assert push.parts["PushType"].text() == "3"
    assert "Detail" not in push.parts
    (record,) = fake.received(IDENTIFY_RECORD)
    assert record.parts["RecordDetail"].json()["RecordType"] == 35
    assert record.parts["RecordDetail"].json()["Name"] == "Grace"


# --- remote commands ----------------------------------------------------------------------------


async def test_open_door_codes_drive_the_door(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()

    await remote(fake, simulator, {"Opendoor": 1})
    assert (simulator.relay_status, simulator.door_sensor) == (1, 1)
    await wait_for(lambda: simulator.relay_status == 0)
    assert simulator.door_sensor == 0

    await remote(fake, simulator, {"Opendoor": 2})
    assert (simulator.keep_open, simulator.relay_status) == (1, 1)
    await remote(fake, simulator, {"Opendoor": 3})
    assert (simulator.keep_open, simulator.relay_status) == (0, 0)
    await remote(fake, simulator, {"Opendoor": 4})
    assert simulator.locked == 1
    await remote(fake, simulator, {"Opendoor": 5})
    assert simulator.locked == 0
    await remote(fake, simulator, {"Opendoor": 9})

    assert simulator.door_commands == [1, 2, 3, 4, 5]
    assert [command["Opendoor"] for command in simulator.remote_commands] == [1, 2, 3, 4, 5, 9]
    keepalives = [exchange.json() for exchange in fake.received(KEEPALIVE)]
    assert keepalives[2]["KeepOpenStatus"] == 1
    assert keepalives[4]["LockDoorStatus"] == 1
    assert system_codes(fake, 2) == [1, 3, 2, 8, 9]  # open, hold open, close, lock, unlock
    assert system_codes(fake, 1) == [1, 2]  # door contact opened, then closed
    assert simulator.pending_system_records == []


async def test_close_alarm_clears_and_records_each_alarm(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()
    simulator.raise_alarm("fire")
    simulator.raise_alarm("anti")

    await remote(fake, simulator, {"Closealarm": 1})

    assert fake.received(KEEPALIVE)[0].json()["AlarmStatus"] == "fire,anti"
    assert simulator.alarms == []
    assert simulator.alarms_cleared == 1
    assert system_codes(fake, 2) == [19, 20, 26, 27]
    (batch,) = fake.received(SYSTEM_RECORD)
    assert [record["RecordID"] for record in batch.json()["Records"]] == [1, 2, 3, 4]


async def test_record_commands_snapshot_restart_and_recover(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=2)
    simulator.queue_access(3, 1)
    await simulator.keepalive_cycle()
    assert len(simulator.uploaded_records) == 1

    await remote(fake, simulator, {"RepostRecord": 1, "Snapshoot": 1, "Restart": 1})

    assert [r.parts["RecordDetail"].json()["RecordID"] for r in fake.received(IDENTIFY_RECORD)] == [
        1,
        1,
    ]
    assert [record["RecordID"] for record in simulator.uploaded_records] == [1]
    (snapshot,) = fake.received(SNAPSHOT)
    assert snapshot.parts["Photo"].data.startswith(JPEG_MAGIC)
    assert snapshot.parts["Photo"].headers["Content-Type"] == "image/jpeg"
    assert simulator.snapshots == 1
    assert simulator.restarts == 1
    assert fake.paths().count(UPLOAD_SETTING) == 2  # boot, then after the restart
    assert system_codes(fake, 2) == [28]

    await remote(fake, simulator, {"ClearRecord": 1})
    assert simulator.uploaded_records == []
    assert simulator.uploaded_system_records == []
    await remote(fake, simulator, {"Recover": 1})
    assert simulator.users == {}


async def test_enrollment_results(fake: FakeServer, make_simulator: MakeSimulator) -> None:
    simulator = make_simulator(users=2)

    await remote(fake, simulator, {"RegisterIdentifyTicket": {"RegisterType": 4, "UserID": 1}})

    (result,) = fake.received(ENROLL_RESULT)
    body = result.parts["ResultJson"].json()
    assert result.parts["ResultJson"].gzipped
    assert body["SN"] == SERIAL
    assert body["UserID"] == 1
    assert body["Result"] == 1
    assert body["UserDetail"]["FaceFeature"] == simulator.users[1]["FaceFeature"]
    assert result.parts["Photo"].data.startswith(JPEG_MAGIC)
    (push,) = fake.received(PUSH_PEOPLE)
    assert push.parts["PushType"].text() == "2"
    assert push.parts["Detail"].json()["FaceFeature"] == body["UserDetail"]["FaceFeature"]

    old_card = simulator.users[2]["CardNum"]
    await remote(fake, simulator, {"RegisterIdentifyTicket": {"RegisterType": 1, "UserID": 2}})
    await remote(fake, simulator, {"RegisterIdentifyTicket": 3, "RegisterIdentifyUserID": 2})
    await remote(fake, simulator, {"RegisterIdentifyTicket": 5, "RegisterIdentifyUserID": "1"})
    await remote(fake, simulator, {"RegisterIdentifyTicket": 2, "RegisterIdentifyUserID": 99})

    results = [exchange.parts["ResultJson"].json() for exchange in fake.received(ENROLL_RESULT)]
    assert [(r["UserID"], r["Result"]) for r in results] == [
        (1, 1),
        (2, 1),
        (2, 4),
        (1, 1),
        (99, 2),
    ]
    assert "Photo" not in fake.received(ENROLL_RESULT)[1].parts
    assert simulator.users[2]["CardNum"] != old_card
    assert simulator.users[1]["Palmveins"][0]["Num"] == 1
    assert "Password" not in simulator.users.get(99, {})
    assert results == simulator.enrollment_results


async def test_firmware_install_checks_md5(fake: FakeServer, make_simulator: MakeSimulator) -> None:
    simulator = make_simulator()
    firmware = b"firmware image" * 100
    fake.files["/fw/9.01.bin"] = firmware
    md5 = hashlib.md5(firmware, usedforsecurity=False).hexdigest()

    await remote(
        fake,
        simulator,
        {"PushSoftware": {"SoftwareURL": f"{fake.url}/fw/9.01.bin", "SoftwareMD5": "0" * 32}},
    )
    assert simulator.firmware_installs[-1]["md5_ok"] is False
    assert simulator.firmware_version == "8.46"
    assert simulator.restarts == 0

    # Upper case per the document; lower case is accepted too.
    for expected in (md5.lower(), md5.upper()):
        package = {
            "SoftwareURL": f"{fake.url}/fw/9.01.bin",
            "SoftwareMD5": expected,
            "SoftwareVer": "9.01",
        }
        await remote(fake, simulator, {"PushSoftware": package})
    assert simulator.firmware_installs[-1] == {
        "url": f"{fake.url}/fw/9.01.bin",
        "version": "9.01",
        "md5_ok": True,
        "size": len(firmware),
    }
    assert simulator.firmware_version == "9.01"
    assert simulator.restarts == 2
    assert fake.received(UPLOAD_SETTING)[-1].json()["FirmwareVerson"] == "9.01"

    await remote(fake, simulator, {"PushSoftware": {"SoftwareURL": f"{fake.url}/fw/gone"}})
    assert simulator.firmware_installs[-1]["md5_ok"] is False
    assert simulator.firmware_installs[-1]["size"] == 0


async def test_system_files_are_downloaded(fake: FakeServer, make_simulator: MakeSimulator) -> None:
    simulator = make_simulator()
    fake.files["/files/standby1.jpg"] = picture = jpeg_photo("standby")
    files = [
        {
            "FileURL": f"{fake.url}/files/standby1.jpg",
            "FileMD5": hashlib.md5(picture, usedforsecurity=False).hexdigest().upper(),
            "FileType": 1,
            "FileIndex": 1,
            "IsDelete": 0,
        },
        {"FileURL": "", "FileMD5": "", "FileType": 1, "FileIndex": 2, "IsDelete": 1},
    ]

    await remote(fake, simulator, {"PushSystemFile": files})

    assert [(f["index"], f["md5_ok"], f["deleted"]) for f in simulator.system_files] == [
        (1, True, False),
        (2, False, True),
    ]


async def test_download_work_setting_is_applied(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()
    server_time = int(time.time()) + 3600
    fake.script(KEEPALIVE, {"Success": 1, "SyncParameter": 1})
    fake.script(
        DOWNLOAD_SETTING,
        {
            "Success": 1,
            "Message": "",
            "Volume": 2,
            "TimeZone": 9,
            "ReleaseTime": 5,
            "SystemTime": server_time,
        },
    )

    await simulator.keepalive_cycle()

    assert simulator.settings["Volume"] == 2
    assert simulator.settings["TimeZone"] == 9
    assert "Success" not in simulator.settings
    assert simulator.release_time == 5
    assert abs(simulator.clock_offset - 3600) < 5
    uploaded = fake.received(UPLOAD_SETTING)[-1].json()
    assert (uploaded["Volume"], uploaded["TimeZone"], uploaded["ReleaseTime"]) == (2, 9, 5)
    assert abs(uploaded["SystemTime"] - server_time) < 5
    record = simulator.queue_access(3, None)
    assert abs(record["RecordDate"] - server_time) < 5


# --- records ------------------------------------------------------------------------------------


async def test_records_wait_while_refused_and_go_once_accepted(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=2)
    simulator.queue_access(3, 1)
    simulator.queue_access(1, 2)
    simulator.queue_system_record(2, 1)
    fake.script(KEEPALIVE, {"Success": 401}, Raw("denied", status=403))

    reply = await simulator.keepalive_cycle()
    assert reply == {"Success": 401}
    assert refused(simulator)
    assert await simulator.keepalive_cycle() is None
    assert refused(simulator)
    assert fake.paths() == [KEEPALIVE, KEEPALIVE]
    assert len(simulator.pending_records) == 2

    await simulator.keepalive_cycle()

    assert not refused(simulator)
    assert fake.paths() == [
        KEEPALIVE,
        KEEPALIVE,
        KEEPALIVE,
        UPLOAD_SETTING,
        SYSTEM_RECORD,
        IDENTIFY_RECORD,
        IDENTIFY_RECORD,
    ]
    assert [r.parts["RecordDetail"].json()["RecordID"] for r in fake.received(IDENTIFY_RECORD)] == [
        1,
        2,
    ]
    assert simulator.pending_records == []
    assert [record["RecordID"] for record in simulator.uploaded_records] == [1, 2]
    assert simulator.uploaded_system_records[0]["RecordType"] == 1


async def test_record_refused_midway_is_kept_for_the_next_cycle(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=1)
    for _ in range(3):
        simulator.queue_access(3, 1)
    fake.script(IDENTIFY_RECORD, {"Success": 1}, {"Success": 401})

    await simulator.keepalive_cycle()

    assert refused(simulator)
    assert [record["RecordID"] for record in simulator.uploaded_records] == [1]
    assert [record["RecordID"] for record in simulator.pending_records] == [2, 3]

    fake.script(IDENTIFY_RECORD, {"Success": 0})
    assert await simulator.upload_pending() == 0
    assert not refused(simulator)
    assert await simulator.upload_pending() == 2
    assert [record["RecordID"] for record in simulator.uploaded_records] == [1, 2, 3]


async def test_record_parts_are_gzipped_with_a_photo(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=1)
    queued = simulator.queue_access(3, 1, body_temp=365)

    assert await simulator.upload_pending() == 1

    (upload,) = fake.received(IDENTIFY_RECORD)
    assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert set(upload.parts) == {"SN", "RecordDetail", "Photo"}
    assert upload.parts["SN"].text() == SERIAL
    detail_part = upload.parts["RecordDetail"]
    assert detail_part.gzipped
    assert detail_part.raw.startswith(GZIP_MAGIC)
    detail = detail_part.json()
    assert detail == queued
    assert detail["UserID"] == "1"
    assert detail["Name"] == "Alice"
    assert detail["BodyTemp"] == 365
    assert isinstance(detail["RecordDate"], int)
    photo = upload.parts["Photo"]
    assert photo.filename is not None
    assert photo.filename.endswith(".jpg")
    assert photo.headers["Content-Type"] == "image/jpeg"
    assert photo.data == simulator.record_photo(1)
    assert detail["PhotoLen"] == len(photo.data)


async def test_legacy_part_names_without_gzip(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=1, legacy_part_names=True, gzip_parts=False)
    simulator.queue_access(1, 1)
    simulator.queue_access(3, 1, photo=None)

    assert await simulator.upload_pending() == 2

    with_photo, without_photo = fake.received(IDENTIFY_RECORD)
    assert set(with_photo.parts) == {"SN", "recordJson", "pic"}
    assert not with_photo.parts["recordJson"].gzipped
    detail = json.loads(with_photo.parts["recordJson"].raw)
    assert detail["CardNum"] == simulator.users[1]["CardNum"]
    assert with_photo.parts["pic"].data.startswith(JPEG_MAGIC)
    assert set(without_photo.parts) == {"SN", "recordJson"}
    assert without_photo.parts["recordJson"].json()["PhotoLen"] == 0


async def test_gzip_body_compresses_json_requests(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(gzip_body=True)

    await simulator.keepalive_cycle()

    keepalive = fake.received(KEEPALIVE)[0]
    assert keepalive.headers["Content-Encoding"] == "gzip"
    assert keepalive.headers["Content-Type"] == "application/json"
    assert keepalive.raw.startswith(GZIP_MAGIC)
    assert keepalive.json()["SN"] == SERIAL


async def test_system_records_go_in_batches_of_100_per_kind(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()
    for _ in range(150):
        simulator.queue_system_record(2, 1)
    simulator.queue_system_record(1, 1)

    assert await simulator.upload_pending() == 151

    batches = [exchange.json() for exchange in fake.received(SYSTEM_RECORD)]
    assert [(b["RecordType"], len(b["Records"])) for b in batches] == [(2, 100), (2, 50), (1, 1)]
    assert [r["RecordID"] for b in batches[:2] for r in b["Records"]] == list(range(1, 151))
    assert batches[2]["Records"][0]["RecordID"] == 1


async def test_queue_access_defaults() -> None:
    simulator = HttpV2Simulator("http://127.0.0.1:9", SERIAL, seed=3)

    nobody = simulator.queue_access()
    assert (nobody["RecordType"], nobody["UserID"], nobody["Name"]) == (19, "0", "")
    simulator.add_demo_users(2)
    somebody = simulator.queue_access(record_type=36, photo=None, record_date=1_700_000_000)
    assert somebody["UserID"] in {"1", "2"}
    assert somebody["Name"] == simulator.users[int(somebody["UserID"])]["Name"]
    assert somebody["CardNum"] == "0"
    assert (somebody["PhotoLen"], somebody["RecordDate"]) == (0, 1_700_000_000)
    assert [record["RecordID"] for record in simulator.pending_records] == [1, 2]
    await simulator.stop()


async def test_request_authorization(fake: FakeServer, make_simulator: MakeSimulator) -> None:
    simulator = make_simulator(users=1)
    fake.script(AUTHORIZATION, {"Success": 0, "Message": "Not today"}, {"Success": 1})

    assert await simulator.request_authorization(3, 1) == {"Success": 0, "Message": "Not today"}
    assert simulator.relay_status == 0
    assert await simulator.request_authorization(1, "1", photo=None) == {"Success": 1}
    assert simulator.relay_status == 1

    first, second = fake.received(AUTHORIZATION)
    assert first.parts["RecordDetail"].json()["RecordType"] == 3
    assert "Photo" in first.parts
    assert set(second.parts) == {"SN", "RecordDetail"}
    ids = [exchange.parts["RecordDetail"].json()["RecordID"] for exchange in (first, second)]
    assert ids[0] < ids[1]
    assert simulator.pending_records == []


# --- robustness ---------------------------------------------------------------------------------


async def test_garbage_answers_do_not_crash(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=2, request_timeout=0.2)

    async def too_slow() -> web.StreamResponse:
        await asyncio.sleep(1)
        return web.json_response({"Success": 1})

    fake.script(KEEPALIVE, Raw("<html>"), Raw("oops", 500), [1], too_slow)
    for _ in range(4):
        assert await simulator.keepalive_cycle() is None

    flags = {
        "Success": "1",
        "UploadWorkParameter": [],
        "Remote": "1",
        "SyncParameter": 1,
        "DeletePeople": True,
        "AddPeople": 1.0,
    }
    fake.script(KEEPALIVE, flags, flags)
    fake.script(UPLOAD_SETTING, Raw("not json"))
    fake.script(
        REMOTE,
        {
            "Success": 1,
            "Opendoor": "abc",
            "Closealarm": None,
            "QueryPeople": "x",
            "RegisterIdentifyTicket": "x",
            "PushSoftware": "x",
            "PushSystemFile": 5,
            "OpenElevatorPort": "1,2",
        },
    )
    fake.script(DOWNLOAD_SETTING, {"Success": 1, "SystemTime": "soon", "FunctionList": "x"})
    fake.script(DELETE_PEOPLE, {"Success": 1, "DeleteList": "zzz"})
    fake.script(DOWNLOAD_PEOPLE, {"Success": 1, "PeopleList": [None, "x", {"UserID": None}]})
    fake.script(DOWNLOAD_PEOPLE, {"Success": 1, "PeopleList": "abc"})

    # Upload settings answered with garbage: the cycle stops there and resumes next time.
    assert await simulator.keepalive_cycle() is not None
    assert fake.paths()[-1] == UPLOAD_SETTING
    await simulator.keepalive_cycle()

    assert simulator.door_commands == []
    assert simulator.download_results[-1]["FailCount"] == 3
    assert sorted(simulator.users) == [1, 2]
    simulator.queue_access(3, 1)
    await simulator.keepalive_cycle()
    assert simulator.pending_records == []


async def test_unreachable_server_is_retried_quietly() -> None:
    simulator = HttpV2Simulator(
        common.closed_url(), SERIAL, keepalive_interval=0.02, request_timeout=0.5
    )
    simulator.queue_access(19, "0", photo=None)

    assert await simulator.keepalive_cycle() is None
    assert await simulator.upload_pending() == 0
    assert await simulator.upload_work_setting() is False
    await simulator.start()
    await wait_for(lambda: simulator.requests[KEEPALIVE] >= 3)
    await simulator.stop()
    assert len(simulator.pending_records) == 1


async def test_background_loop_polls_and_reports_random_events(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator(users=3, keepalive_interval=0.05, event_interval=0.03)
    await simulator.start()
    await wait_for(lambda: len(simulator.uploaded_records) >= 3)
    await wait_for(lambda: simulator.requests[KEEPALIVE] >= 3)
    await simulator.stop()

    uploads = fake.received(IDENTIFY_RECORD)
    assert uploads
    for upload in uploads:
        detail = upload.parts["RecordDetail"].json()
        assert detail["RecordType"] in {1, 3, 16, 19, 36}
        assert 360 <= detail["BodyTemp"] <= 372
        assert "Photo" in upload.parts
    ids = [upload.parts["RecordDetail"].json()["RecordID"] for upload in uploads]
    assert ids == sorted(set(ids))


# --- command line and shared helpers ------------------------------------------------------------


def test_cli_arguments() -> None:
    args = common.parse_cli(
        "httpv2", "--serial=FC-8200H00000009", "--keepalive=5", "--legacy-part-names", "--gzip-body"
    )
    assert (args.serial, args.keepalive, args.legacy_part_names, args.gzip_body) == (
        "FC-8200H00000009",
        5.0,
        True,
        True,
    )
    assert args.run is run_httpv2

    defaults = common.parse_defaults("httpv2")
    assert (defaults.serial, defaults.keepalive) == ("FC-8200H00000001", 15.0)
    assert not defaults.legacy_part_names
    assert not defaults.gzip_body
    assert not defaults.no_gzip_parts


@pytest.mark.parametrize(
    "argv", [[], ["nosuchfamily"], ["httpv2", "--keepalive", "0"], ["httpv2", "--users", "x"]]
)
def test_cli_rejects_bad_arguments(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)


async def test_run_httpv2_stops_on_sigterm(fake: FakeServer) -> None:
    args = build_parser().parse_args(
        ["httpv2", "--server", fake.url, "--users", "2", "--event-interval", "0"]
    )
    assert isinstance(args, argparse.Namespace)
    await common.stops_on_sigterm(run_httpv2(args), lambda: UPLOAD_SETTING in fake.paths())

    settings = fake.received(UPLOAD_SETTING)[0].json()
    assert settings["PeopleStorageInfo"]["Person"]["Current"] == 2


def test_jpeg_photo_is_small_and_stable() -> None:
    photo = jpeg_photo("Alice")
    assert photo.startswith(JPEG_MAGIC)
    assert len(photo) < 10 * 1024
    assert photo == jpeg_photo("Alice")
    assert photo != jpeg_photo("Alice", seed=2)
    assert len(jpeg_photo("张三")) < 10 * 1024
    with Image.open(io.BytesIO(photo)) as image:
        assert image.format == "JPEG"
        assert image.size == (160, 120)


# --- work settings the terminal obeys ------------------------------------------------------------


def hours(start: int, end: int) -> tuple[Interval, ...]:
    return (Interval(start * 60, end * 60),)


def tuesday(hour: int) -> datetime:
    """Return the UTC moment of a Tuesday's local hour on the simulated terminal (TimeZone 8)."""
    return datetime(2025, 1, 14, hour, tzinfo=UTC) - timedelta(hours=8)


async def test_door_schedule_holds_the_door_open_with_the_server_down(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    """TimingOpen as Home Assistant compiles it: the door is free 9 to 18, no server needed."""
    terminal, _ = make_terminal()
    shop = TimeRule(week=(hours(9, 18),) * 5 + ((), ()))
    plan = terminal.compile_access([], date(2025, 1, 14), doors=DoorSchedules({1: shop}))
    simulator = make_simulator()
    simulator.settings.update(plan.tables)
    fake.script(KEEPALIVE, *[Raw("Home Assistant is stopped", status=503)] * 3)

    simulator.set_clock(tuesday(8))
    await simulator.keepalive_cycle()
    assert (simulator.keep_open, simulator.relay_status) == (0, 0)
    simulator.set_clock(tuesday(10))
    await simulator.keepalive_cycle()
    assert (simulator.keep_open, simulator.relay_status) == (1, 1)
    assert simulator.verify(999) == 19  # nobody verified: the door is open all the same
    assert simulator.relay_status == 1
    simulator.set_clock(tuesday(19))
    await simulator.keepalive_cycle()
    assert (simulator.keep_open, simulator.relay_status) == (0, 0)
    codes = [record["RecordType"] for record in simulator.pending_system_records]
    assert codes == [4, 5]  # the controller entered and left normally-open by itself


async def test_alarms_switched_off_are_not_raised(make_simulator: MakeSimulator) -> None:
    simulator = make_simulator()
    simulator.raise_alarm("anti")
    simulator.settings["FireAlarm"] = 0
    simulator.raise_alarm("fire")
    assert simulator.alarms == ["anti"]


async def test_elevator_ports_obey_when_elevator_control_is_on(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()
    await remote(fake, simulator, {"OpenElevatorPort": "1,2"})
    assert simulator.elevator_ports == {}  # UseElevator 0: the ports are not wired
    simulator.settings["UseElevator"] = 1
    await remote(fake, simulator, {"KeepOpenElevatorPort": "1,2,99,x"})
    await remote(fake, simulator, {"LockElevatorPort": "2"})
    assert simulator.elevator_ports == {1: "held_open", 2: "locked"}
    await remote(fake, simulator, {"CloseElevatorPort": "1", "UnlockElevatorPort": "2"})
    assert simulator.elevator_ports == {1: "normal", 2: "normal"}


async def test_keepalive_interval_is_applied(
    fake: FakeServer, make_simulator: MakeSimulator
) -> None:
    simulator = make_simulator()
    fake.script(KEEPALIVE, {"Success": 1, "SyncParameter": 1})
    fake.script(DOWNLOAD_SETTING, {"Success": 1, "KeepaliveTime": 45, "FaceThreshold": 70})
    await simulator.keepalive_cycle()
    assert simulator.keepalive_interval == 45
    assert simulator.settings["FaceThreshold"] == 70


async def test_held_open_alarm_after_its_delay(make_simulator: MakeSimulator) -> None:
    simulator = make_simulator(release_time=60.0)  # the door stays open a minute
    simulator.settings.update({"DoorLongOpenAlarm": 1, "DoorLongOpenTime": 5})
    simulator.set_clock(tuesday(10))
    simulator._pulse_relay()  # someone goes in and leaves the door open
    simulator.check_held_open()
    assert simulator.alarms == []
    simulator.set_clock(tuesday(10) + timedelta(seconds=6))
    simulator.check_held_open()
    assert simulator.alarms == ["openTimeout"]
    # Switched off, or held open on purpose: no alarm.
    simulator.alarms.clear()
    simulator.settings["DoorLongOpenAlarm"] = 0
    simulator.check_held_open()
    assert simulator.alarms == []
    simulator.settings["DoorLongOpenAlarm"] = 1
    simulator.keep_open = 1
    simulator.check_held_open()
    assert simulator.alarms == []


async def test_reentry_interval_refuses_a_second_pass(make_simulator: MakeSimulator) -> None:
    simulator = make_simulator(users=1)
    simulator.settings["OpenInterval"] = 10
    simulator.set_clock(tuesday(10))
    assert simulator.verify(1) == 3
    simulator.set_clock(tuesday(10) + timedelta(seconds=5))
    assert simulator.verify(1) == 15  # repeated verification
    simulator.set_clock(tuesday(10) + timedelta(seconds=11))
    assert simulator.verify(1) == 3
