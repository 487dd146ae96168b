"""Tests of the HTTPv2 terminal: the server side of every endpoint and the queued operations."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime, timedelta, timezone
import gzip
import json
import time
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    AccessTerminalError,
    CommandCancelledError,
    CommandTimeoutError,
    InvalidRequestError,
    NotSupportedError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.httpv2 import (
    Endpoint,
    HttpV2Terminal,
    Reply,
    Request,
    parse_request,
)
from custom_components.access_terminal.protocols.httpv2.settings import (
    info_from_settings,
    model_from_serial,
)
from custom_components.access_terminal.protocols.model import (
    AccessEvent,
    AlarmReason,
    Credential,
    Credentials,
    DenyReason,
    DoorAction,
    EventType,
    Family,
    Feature,
    FirmwareImage,
    Method,
    Operation,
    Record,
    Usage,
    User,
    UserChange,
)

from ..common import CONTENT_TYPE, build_multipart

SERIAL = "FC-8200H12345678"
SHORT = 0.05  # command timeout of tests that let a command time out
QUIET = 0.05  # list_quiet of the tests


class FakeListener:
    """Records everything a terminal reports; `fail` makes `records` raise."""

    def __init__(self) -> None:
        self.received: list[Record] = []
        self.fail = False
        self.seen_count = 0
        self.state_changes = 0
        self.user_changes: list[tuple[str | None, UserChange]] = []
        self.snapshots: list[bytes] = []
        self.persists = 0

    async def records(self, records: Sequence[Record]) -> None:
        if self.fail:
            raise RuntimeError("database is locked")
        self.received.extend(records)

    def seen(self) -> None:
        self.seen_count += 1

    def state_changed(self) -> None:
        self.state_changes += 1

    def user_changed(self, user_id: str | None, change: UserChange) -> None:
        self.user_changes.append((user_id, change))

    def snapshot(self, image: bytes) -> None:
        self.snapshots.append(image)

    def persist(self) -> None:
        self.persists += 1

    @property
    def events(self) -> list[AccessEvent]:
        return [event for record in self.received for event in record.events]


def make_terminal(
    listener: FakeListener | None = None,
    *,
    command_timeout: float = 5.0,
    authorizer: Any = None,
) -> tuple[HttpV2Terminal, FakeListener]:
    listener = listener or FakeListener()
    terminal = HttpV2Terminal(
        SERIAL,
        listener,
        authorizer=authorizer,
        command_timeout=command_timeout,
        list_quiet=QUIET,
    )
    return terminal, listener


async def send(
    terminal: HttpV2Terminal,
    endpoint: Endpoint,
    fields: dict[str, Any] | None = None,
    *,
    document: dict[str, Any] | None = None,
    photo: bytes | None = None,
) -> Reply:
    return await terminal.handle(
        Request(endpoint, SERIAL, {"SN": SERIAL, **(fields or {})}, document, photo)
    )


async def keepalive(terminal: HttpV2Terminal, **fields: Any) -> dict[str, Any]:
    reply = await send(terminal, Endpoint.KEEPALIVE, fields)
    assert reply.status == 200
    assert reply.payload["Success"] == 1
    return reply.payload


async def remote(terminal: HttpV2Terminal) -> dict[str, Any]:
    reply = await send(terminal, Endpoint.REMOTE_COMMAND)
    assert reply.status == 200
    return reply.payload


def start[T](coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    return asyncio.get_running_loop().create_task(coro)


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


def record_detail(**overrides: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "RecordID": 120,
        "RecordType": 3,
        "RecordDate": 1718616771,
        "UserID": "1",
        "Name": "张三",
        "CardNum": "0",
        "IsEntry": 1,
        "BodyTemp": 0,
        "PhotoLen": 0,
    }
    detail.update(overrides)
    return detail


SETTINGS: dict[str, Any] = {
    "DeviceSN": SERIAL,
    "DeviceName": "Front door",
    "FirmwareVerson": "8.46",
    "Manufacturer": "ACME",
    "ReleaseTime": 3,
    "KeepaliveTime": 30,
    "HTTPClient_KeepaliveTime": 20,
    "RelayStatus": 0,
    "KeepOpenStatus": 0,
    "DoorSensorStatus": 0,
    "LockDoorStatus": 0,
    "AlarmStatus": '""',
    "PeopleStorageInfo": {
        "Person": {"Max": 20000, "Current": 12},
        "Face": {"Max": 20000, "Current": 10},
        "Card": {"Max": 20000, "Current": 3},
        "Fingerprint": {"Max": 0, "Current": 0},
        "PalmVein": {"Max": 10000, "Current": 1},
        "Pasword": {"Max": 20000, "Current": 2},
        "Admin": {"Max": 5, "Current": 1},
    },
    "RecordStorageInfo": {
        "VerifyRecord": {"Max": 1000000, "Current": 345},
        "DoorRecord": {"Max": 10000, "Current": 40},
        "RecordPhoto": {"Max": 10000, "Current": 300},
    },
    "FunctionList": {
        "BodyTemperature": True,
        "Fingerprint": False,
        "Palmvein": True,
        "Face": True,
        "QRCode": True,
        "FaceMask": False,
    },
}


# -- keep-alive and work settings ------------------------------------------------------------


async def test_keepalive_asks_for_work_settings_until_uploaded() -> None:
    terminal, listener = make_terminal()
    assert await keepalive(terminal) == {"Success": 1, "UploadWorkParameter": 1}
    assert await keepalive(terminal) == {"Success": 1, "UploadWorkParameter": 1}
    reply = await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)
    assert reply.payload == {"Success": 1}
    assert await keepalive(terminal) == {"Success": 1}
    assert listener.seen_count == 4


async def test_keepalive_flags_only_when_there_is_work() -> None:
    terminal, _ = make_terminal()
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)
    assert await keepalive(terminal) == {"Success": 1}
    tasks = [
        start(terminal.door_control(1, DoorAction.OPEN)),
        start(terminal.set_time(datetime(2024, 6, 17, 12, 0, tzinfo=UTC))),
        start(terminal.set_users([User(user_id="1"), User(user_id="2")])),
        start(terminal.delete_users(["3", "4", "5"])),
    ]
    await settle()
    assert await keepalive(terminal) == {
        "Success": 1,
        "Remote": 1,
        "SyncParameter": 1,
        "DeletePeople": 3,
        "AddPeople": 2,
    }
    terminal.close()
    for task in tasks:
        with pytest.raises(AccessTerminalError):
            await task


async def test_keepalive_delete_all_counts_as_one() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.delete_users(None))
    await settle()
    assert (await keepalive(terminal))["DeletePeople"] == 1
    terminal.close()
    with pytest.raises(AccessTerminalError):
        await task


async def test_door_state_from_keepalive() -> None:
    terminal, listener = make_terminal()
    await keepalive(
        terminal,
        RelayStatus=1,
        KeepOpenStatus=0,
        DoorSensorStatus=1,
        LockDoorStatus=0,
        AlarmStatus="fire,anti",
    )
    door = terminal.doors[1]
    assert door.is_open is True
    assert door.relay_energised is True
    assert door.held_open is False
    assert door.locked_out is False
    assert door.alarms == {AlarmReason.FIRE, AlarmReason.TAMPER}
    assert listener.state_changes == 1
    # The same state again: nothing to tell.
    await keepalive(
        terminal,
        RelayStatus=1,
        KeepOpenStatus=0,
        DoorSensorStatus=1,
        LockDoorStatus=0,
        AlarmStatus="fire,anti",
    )
    assert listener.state_changes == 1
    await keepalive(
        terminal,
        RelayStatus=0,
        KeepOpenStatus=1,
        DoorSensorStatus=0,
        LockDoorStatus=1,
        AlarmStatus="",
    )
    door = terminal.doors[1]
    assert door.is_open is False
    assert door.held_open is True
    assert door.locked_out is True
    assert door.alarms == frozenset()
    assert listener.state_changes == 2


async def test_door_state_unknown_when_not_reported() -> None:
    terminal, _ = make_terminal()
    await keepalive(terminal)
    assert terminal.doors[1].is_open is None
    assert terminal.doors[1].locked_out is None


async def test_upload_work_setting_sets_info_and_door() -> None:
    terminal, listener = make_terminal()
    settings = {**SETTINGS, "DoorSensorStatus": 1}
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, settings)
    assert terminal.info is not None
    assert terminal.info.name == "Front door"
    assert terminal.doors[1].is_open is True
    assert listener.state_changes >= 1
    settings = terminal.diagnostics()["settings"]
    assert settings["DeviceName"] == "Front door"
    assert "Success" not in settings


def test_info_from_settings() -> None:
    info = info_from_settings(SERIAL, SETTINGS)
    assert info.serial == SERIAL
    assert info.family is Family.HTTPV2
    assert info.model == "FC-8200H"
    assert info.manufacturer == "ACME"
    assert info.firmware == "8.46"
    assert info.name == "Front door"
    assert info.doors == 1
    assert info.features == {
        Feature.CARD,
        Feature.PASSWORD,
        Feature.FACE,
        Feature.PALM,
        Feature.QR,
        Feature.TEMPERATURE,
    }
    assert info.usage["users"] == Usage(12, 20000)
    assert info.usage["faces"] == Usage(10, 20000)
    assert info.usage["cards"] == Usage(3, 20000)
    assert info.usage["fingerprints"] == Usage(0, 0)
    assert info.usage["passwords"] == Usage(2, 20000)
    assert info.usage["admins"] == Usage(1, 5)
    assert info.usage["logs"] == Usage(345, 1000000)
    assert info.usage["photos"] == Usage(300, 10000)
    assert info.keepalive_interval == 20
    assert info.release_time == 3
    # What is persisted comes back the same.
    assert type(info).from_dict(json.loads(json.dumps(info.as_dict()))) == info


def test_info_from_settings_without_function_list() -> None:
    settings = {key: value for key, value in SETTINGS.items() if key != "FunctionList"}
    del settings["HTTPClient_KeepaliveTime"]
    info = info_from_settings(SERIAL, settings)
    # A reader exists where there is storage for its templates (Fingerprint Max 0: none).
    assert info.features == {Feature.CARD, Feature.PASSWORD, Feature.FACE, Feature.PALM}
    assert info.keepalive_interval == 30


def test_info_from_settings_minimal() -> None:
    info = info_from_settings("XYZ", {"PeopleStorageInfo": "junk", "FunctionList": ["x"]})
    assert info.model is None
    assert info.features == {Feature.CARD, Feature.PASSWORD}
    assert info.usage == {}
    assert info.keepalive_interval is None
    assert info.manufacturer is None
    assert info.name is None


@pytest.mark.parametrize(
    ("serial", "model"),
    [
        ("FC-8200H12345678", "FC-8200H"),
        ("FC-8380T12345678", "FC-8380T"),
        ("FC-8190H24052799", "FC-8190H"),
        ("12345678", None),
        ("ABC", None),
        ("FC-8200H123", None),
    ],
)
def test_model_from_serial(serial: str, model: str | None) -> None:
    assert model_from_serial(serial) == model


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


# -- people downloads ------------------------------------------------------------------------


async def test_set_users_full_cycle() -> None:
    terminal, listener = make_terminal()
    task = start(terminal.set_users([User(user_id="1", name="张三"), User(user_id="2")]))
    await settle()
    assert listener.persists >= 1
    assert (await keepalive(terminal))["AddPeople"] == 2
    reply = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    assert reply.payload["Success"] == 1
    assert reply.payload["PeopleCount"] == 2
    assert [p["UserID"] for p in reply.payload["PeopleList"]] == ["1", "2"]
    assert reply.payload["PeopleList"][0]["Name"] == "张三"
    assert not task.done()
    result = await send(
        terminal,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        {"SuccessCount": 2, "FailCount": 0, "FailList": []},
    )
    assert result.payload == {"Success": 1}
    await task
    # The device loops until the list is empty.
    empty = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    assert empty.payload["PeopleList"] == []
    assert "AddPeople" not in await keepalive(terminal)


async def test_set_users_in_pages_of_the_device_limit() -> None:
    terminal, _ = make_terminal()
    users = [User(user_id=str(i)) for i in range(1, 2501)]
    task = start(terminal.set_users(users))
    await settle()
    assert (await keepalive(terminal))["AddPeople"] == 2500
    pages = []
    received: list[str] = []
    # The device asks for 1000 at a time (the documented maximum; more is taken as 1000).
    for limit in (1000, 5000, 1000, 1000):
        reply = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": limit})
        people = reply.payload["PeopleList"]
        if not people:
            break
        pages.append(len(people))
        received += [person["UserID"] for person in people]
        await send(terminal, Endpoint.DOWNLOAD_PEOPLE_RESULT, {"SuccessCount": len(people)})
    assert pages == [1000, 1000, 500]
    assert received == [user.user_id for user in users]
    await task
    assert "AddPeople" not in await keepalive(terminal)


@pytest.mark.parametrize(("limit", "page"), [(None, 50), (0, 50), ("7", 7), ("junk", 50)])
async def test_download_limit(limit: object, page: int) -> None:
    terminal, _ = make_terminal()
    task = start(terminal.set_users([User(user_id=str(i)) for i in range(1, 61)]))
    await settle()
    fields = {} if limit is None else {"Limit": limit}
    reply = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, fields)
    assert len(reply.payload["PeopleList"]) == page
    terminal.close()
    with pytest.raises(AccessTerminalError):
        await task


async def test_set_users_failure_list() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.set_users([User(user_id="1"), User(user_id="2", cards=("6666",))]))
    await settle()
    await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    await send(
        terminal,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        {
            "SuccessCount": 1,
            "FailCount": 1,
            "FailList": [{"UserID": "2", "ErrorCode": 23, "RepeatID": "7", "ErrMsg": ""}],
        },
    )
    with pytest.raises(UserWriteError) as info:
        await task
    assert set(info.value.failures) == {"2"}
    reason = info.value.failures["2"]
    assert "card" in reason
    assert "7" in reason
    assert "23" in reason


async def test_set_users_failure_list_of_the_document_example_shape() -> None:
    # The document's example repeats "FailCount" for the list and sends UserID as a number.
    terminal, _ = make_terminal()
    task = start(terminal.set_users([User(user_id="1"), User(user_id="5")]))
    await settle()
    await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    await send(
        terminal,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        {"SuccessCount": 1, "FailCount": [{"UserID": 5, "ErrorCode": 24}]},
    )
    with pytest.raises(UserWriteError) as info:
        await task
    assert set(info.value.failures) == {"5"}
    assert "full" in info.value.failures["5"]


async def test_set_users_unknown_error_code_uses_device_message() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.set_users([User(user_id="1")]))
    await settle()
    await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    await send(
        terminal,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        {"FailList": [{"UserID": "1", "ErrorCode": 99, "ErrMsg": "strange"}]},
    )
    with pytest.raises(UserWriteError) as info:
        await task
    assert "strange" in info.value.failures["1"]


async def test_set_users_refuses_before_queueing() -> None:
    terminal, listener = make_terminal()
    with pytest.raises(InvalidRequestError):
        await terminal.set_users([User(user_id="1"), User(user_id="abc")])
    assert "AddPeople" not in await keepalive(terminal)
    assert terminal.export_state()["people"]["add"] == {}
    assert listener.persists == 0


async def test_set_users_timeout_still_queued() -> None:
    terminal, _ = make_terminal(command_timeout=SHORT)
    with pytest.raises(CommandTimeoutError) as info:
        await terminal.set_users([User(user_id="1")])
    assert info.value.still_queued is True
    assert (await keepalive(terminal))["AddPeople"] == 1
    reply = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 10})
    assert [p["UserID"] for p in reply.payload["PeopleList"]] == ["1"]


async def test_set_then_delete_fails_the_set() -> None:
    terminal, _ = make_terminal()
    set_task = start(terminal.set_users([User(user_id="1")]))
    await settle()
    delete_task = start(terminal.delete_users(["1"]))
    await settle()
    with pytest.raises(UserWriteError) as info:
        await set_task
    assert set(info.value.failures) == {"1"}
    payload = await keepalive(terminal)
    assert "AddPeople" not in payload
    assert payload["DeletePeople"] == 1
    reply = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 10})
    assert reply.payload["DeleteList"] == [1]
    await send(terminal, Endpoint.DELETE_PEOPLE_RESULT, {"DeleteCount": 1, "DeleteAll": 0})
    await delete_task


async def test_delete_users() -> None:
    terminal, listener = make_terminal()
    task = start(terminal.delete_users(["1", "2", "3"]))
    await settle()
    assert (await keepalive(terminal))["DeletePeople"] == 3
    reply = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 2})
    assert reply.payload == {"Success": 1, "DeleteAll": 0, "DeleteCount": 2, "DeleteList": [1, 2]}
    await send(terminal, Endpoint.DELETE_PEOPLE_RESULT, {"DeleteCount": 2, "DeleteAll": 0})
    assert not task.done()
    reply = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 2})
    assert reply.payload["DeleteList"] == [3]
    await send(terminal, Endpoint.DELETE_PEOPLE_RESULT, {"DeleteCount": 1, "DeleteAll": 0})
    await task
    reply = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 2})
    assert reply.payload["DeleteList"] == []
    assert reply.payload["DeleteAll"] == 0
    assert "DeletePeople" not in await keepalive(terminal)
    assert listener.persists >= 3


async def test_delete_all_users() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.delete_users(None))
    await settle()
    reply = await send(terminal, Endpoint.DELETE_PEOPLE)
    assert reply.payload["DeleteAll"] == 1
    assert reply.payload["DeleteList"] == []
    await send(terminal, Endpoint.DELETE_PEOPLE_RESULT, {"DeleteAll": 1})
    await task
    assert (await send(terminal, Endpoint.DELETE_PEOPLE)).payload["DeleteAll"] == 0


async def test_delete_no_users_is_a_no_op() -> None:
    terminal, _ = make_terminal()
    await asyncio.wait_for(terminal.delete_users([]), 1)
    assert "DeletePeople" not in await keepalive(terminal)


async def test_set_no_users_is_a_no_op() -> None:
    terminal, _ = make_terminal()
    await asyncio.wait_for(terminal.set_users([]), 1)
    assert "AddPeople" not in await keepalive(terminal)


async def test_delete_users_invalid_id() -> None:
    terminal, _ = make_terminal()
    with pytest.raises(InvalidRequestError):
        await terminal.delete_users(["1", "x"])
    assert "DeletePeople" not in await keepalive(terminal)


# -- user listings ---------------------------------------------------------------------------


def push_request(
    push_type: int, user_id: str | None, detail: dict[str, Any] | None, photo: bytes | None = None
) -> Request:
    fields: dict[str, Any] = {"SN": SERIAL, "PushType": str(push_type)}
    if user_id is not None:
        fields["UserID"] = user_id
    return Request(Endpoint.PUSH_PEOPLE, SERIAL, fields, detail, photo)


async def test_list_all_users() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.list_users())
    await settle()
    assert (await keepalive(terminal)).get("Remote") == 1
    assert await remote(terminal) == {"Success": 1, "PushAllPeople": 1}
    for user_id, name in (("1", "张三"), ("2", "李四")):
        reply = await terminal.handle(
            push_request(4, user_id, {"UserID": user_id, "Name": name}, b"\xff\xd8" + name.encode())
        )
        assert reply.payload == {"Success": 1}
    await keepalive(terminal)  # right after the last push: the listing may go on
    await settle()
    assert not task.done()
    await asyncio.sleep(QUIET + 0.02)
    await keepalive(terminal)  # a quiet keep-alive ends it
    users = await asyncio.wait_for(task, 1)
    assert [(u.user_id, u.name) for u in users] == [("1", "张三"), ("2", "李四")]
    assert users[0].credentials.photo == b"\xff\xd8" + "张三".encode()


async def test_list_all_users_of_an_empty_device() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.list_users())
    await settle()
    await remote(terminal)
    await asyncio.sleep(QUIET + 0.02)
    await keepalive(terminal)
    assert await asyncio.wait_for(task, 1) == []


async def test_list_users_by_ids() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.list_users(["1", "99"]))
    await settle()
    assert await remote(terminal) == {"Success": 1, "QueryPeople": [1, 99]}
    await terminal.handle(push_request(4, "1", {"UserID": "1", "Name": "a", "CardNum": "55"}))
    await settle()
    assert not task.done()
    await terminal.handle(push_request(4, "99", None))  # unknown to the device: no Detail
    users = await asyncio.wait_for(task, 1)
    assert [u.user_id for u in users] == ["1"]
    assert users[0].cards == ("55",)


async def test_list_users_by_ids_edge_cases() -> None:
    terminal, _ = make_terminal()
    assert await terminal.list_users([]) == []
    with pytest.raises(InvalidRequestError):
        await terminal.list_users(["abc"])
    assert "Remote" not in await keepalive(terminal)


async def test_list_users_times_out_when_never_fetched() -> None:
    terminal, _ = make_terminal(command_timeout=SHORT)
    with pytest.raises(CommandTimeoutError):
        await terminal.list_users()
    assert await remote(terminal) == {"Success": 1}


async def test_push_outside_a_listing_is_ignored() -> None:
    terminal, listener = make_terminal()
    reply = await terminal.handle(push_request(4, "1", {"UserID": "1"}))
    assert reply.payload == {"Success": 1}
    assert listener.user_changes == []


@pytest.mark.parametrize(
    ("push_type", "change"),
    [(1, UserChange.ADDED), (2, UserChange.UPDATED), (3, UserChange.DELETED)],
)
async def test_push_people_changes_at_the_device(push_type: int, change: UserChange) -> None:
    terminal, listener = make_terminal()
    reply = await terminal.handle(push_request(push_type, "3", {"UserID": "3", "Name": "x"}))
    assert reply.payload == {"Success": 1}
    assert listener.user_changes == [("3", change)]


async def test_push_people_user_id_from_detail_or_field() -> None:
    terminal, listener = make_terminal()
    await terminal.handle(push_request(1, None, {"UserID": "8"}))
    await terminal.handle(push_request(3, "9", None))  # a deletion comes without Detail
    assert listener.user_changes == [("8", UserChange.ADDED), ("9", UserChange.DELETED)]


async def test_push_people_through_the_wire() -> None:
    terminal, listener = make_terminal()
    detail = '{"UserID": "3", "Name": "888888", "Fingerprints": [{Num: 1, Data: "a=="}]}'
    body = build_multipart(
        [
            ("SN", SERIAL.encode(), {}),
            ("PushType", b"2", {}),
            ("UserID", b"3", {}),
            ("Detail", gzip.compress(detail.encode()), {"Content-Encoding": "gzip"}),
            ("Photo", b"\xff\xd8img", {"filename": "Photo.jpg", "Content-Type": "image/jpeg"}),
        ]
    )
    request = parse_request(Endpoint.PUSH_PEOPLE, CONTENT_TYPE, body)
    assert (await terminal.handle(request)).payload == {"Success": 1}
    assert listener.user_changes == [("3", UserChange.UPDATED)]


# -- enrollment ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credential", "index", "ticket"),
    [
        (Credential.FINGERPRINT, 3, {"RegisterType": 3, "UserID": 5, "RegisterIndex": 3}),
        (Credential.FINGERPRINT, None, {"RegisterType": 3, "UserID": 5, "RegisterIndex": 0}),
        (Credential.PALM, 2, {"RegisterType": 5, "UserID": 5, "RegisterIndex": 2}),
        (Credential.PALM, None, {"RegisterType": 5, "UserID": 5, "RegisterIndex": 1}),
        (Credential.FACE, None, {"RegisterType": 4, "UserID": 5}),
        (Credential.CARD, None, {"RegisterType": 1, "UserID": 5}),
        (Credential.PASSWORD, None, {"RegisterType": 2, "UserID": 5}),
    ],
)
async def test_start_enrollment(
    credential: Credential, index: int | None, ticket: dict[str, Any]
) -> None:
    terminal, _ = make_terminal()
    task = start(terminal.start_enrollment("5", credential, index))
    await settle()
    assert await remote(terminal) == {"Success": 1, "RegisterIdentifyTicket": ticket}
    await task


@pytest.mark.parametrize(
    ("user_id", "credential", "index"),
    [
        ("5", Credential.FINGERPRINT, 10),
        ("5", Credential.FINGERPRINT, -1),
        ("5", Credential.PALM, 0),
        ("5", Credential.PALM, 3),
        ("5", Credential.FACE, 1),
        ("5", Credential.CARD, 0),
        ("abc", Credential.FACE, None),
        ("0", Credential.FACE, None),
    ],
)
async def test_start_enrollment_invalid(
    user_id: str, credential: Credential, index: int | None
) -> None:
    terminal, _ = make_terminal()
    with pytest.raises(InvalidRequestError):
        await terminal.start_enrollment(user_id, credential, index)
    assert await remote(terminal) == {"Success": 1}


async def test_start_enrollment_feature_check() -> None:
    terminal, _ = make_terminal()
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)  # no fingerprint reader
    with pytest.raises(NotSupportedError):
        await terminal.start_enrollment("5", Credential.FINGERPRINT)
    assert await remote(terminal) == {"Success": 1}
    task = start(terminal.start_enrollment("5", Credential.PALM))  # this one it has
    await settle()
    assert (await remote(terminal))["RegisterIdentifyTicket"]["RegisterType"] == 5
    await task


async def test_enrollment_finished() -> None:
    terminal, listener = make_terminal()
    result = {
        "SN": SERIAL,
        "UserID": 1,
        "Result": 1,
        "UserDetail": {"UserID": "1", "Name": "888888"},
    }
    body = build_multipart(
        [
            ("ResultJson", json.dumps(result).encode(), {}),
            ("Photo", b"\xff\xd8face", {"filename": "p.jpg"}),
        ]
    )
    reply = await terminal.handle(parse_request(Endpoint.REGISTER_RESULT, CONTENT_TYPE, body))
    assert reply.payload == {"Success": 1}
    (event,) = listener.events
    assert event.type is EventType.ENROLLMENT_FINISHED
    assert event.user_id == "1"
    assert event.detail
    assert event.photo == b"\xff\xd8face"
    assert listener.user_changes == [("1", UserChange.UPDATED)]


@pytest.mark.parametrize(
    ("result", "words"),
    [
        ({"Result": 2}, "cancel"),
        ({"Result": 3, "RepetitionUserID": 2}, "2"),
        ({"Result": 4}, "fingerprint"),
        ({"Result": 5}, "palm"),
        ({"Result": 6}, "busy"),
        ({"Result": 77}, "77"),
    ],
)
async def test_enrollment_failed(result: dict[str, Any], words: str) -> None:
    terminal, listener = make_terminal()
    document = {"SN": SERIAL, "UserID": 1, **result}
    reply = await send(terminal, Endpoint.REGISTER_RESULT, document=document)
    assert reply.payload == {"Success": 1}
    (event,) = listener.events
    assert event.type is EventType.ENROLLMENT_FAILED
    assert event.user_id == "1"
    assert event.detail is not None
    assert words in event.detail
    assert listener.user_changes == []


async def test_enrollment_result_without_json(caplog: pytest.LogCaptureFixture) -> None:
    # Refusing would make the device report it again forever: acknowledged, and logged.
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.REGISTER_RESULT)
    assert reply.payload == {"Success": 1}
    assert listener.events == []
    assert "unreadable" in caplog.text


# -- online authorization --------------------------------------------------------------------


class FakeAuthorizer:
    def __init__(self, answer: tuple[bool, str | None]) -> None:
        self.answer = answer
        self.asked: list[AccessEvent] = []

    async def __call__(self, event: AccessEvent) -> tuple[bool, str | None]:
        self.asked.append(event)
        return self.answer


async def authorize(terminal: HttpV2Terminal, **overrides: Any) -> Reply:
    return await send(terminal, Endpoint.REQUEST_AUTHORIZATION, document=record_detail(**overrides))


async def test_authorization_granted_without_message() -> None:
    authorizer = FakeAuthorizer((True, None))
    terminal, listener = make_terminal(authorizer=authorizer)
    reply = await authorize(terminal)
    assert reply.payload == {"Success": 2}
    assert len(authorizer.asked) == 1
    assert authorizer.asked[0].user_id == "1"
    (event,) = listener.events
    assert event.type is EventType.ACCESS_GRANTED
    assert event.methods == (Method.FACE,)


async def test_authorization_granted_with_message() -> None:
    terminal, _ = make_terminal(authorizer=FakeAuthorizer((True, "欢迎")))
    reply = await authorize(terminal)
    assert reply.payload == {"Success": 1, "Message": "欢迎"}
    assert "欢迎".encode() in reply.body


async def test_authorization_denied_by_the_authorizer() -> None:
    terminal, listener = make_terminal(authorizer=FakeAuthorizer((False, "Not today")))
    reply = await authorize(terminal)
    assert reply.payload == {"Success": 0, "Message": "Not today"}
    (event,) = listener.events
    assert event.type is EventType.ACCESS_DENIED
    assert event.reason is DenyReason.SERVER_DENIED
    assert event.detail == "Not today"


async def test_authorization_denied_without_message() -> None:
    terminal, listener = make_terminal(authorizer=FakeAuthorizer((False, None)))
    reply = await authorize(terminal)
    assert reply.payload["Success"] == 0
    assert reply.payload["Message"]
    assert listener.events[0].reason is DenyReason.SERVER_DENIED


async def test_authorization_without_authorizer_grants() -> None:
    terminal, _ = make_terminal()
    assert (await authorize(terminal)).payload == {"Success": 2}


@pytest.mark.parametrize(
    ("code", "reason"), [(19, DenyReason.UNREGISTERED), (16, DenyReason.EXPIRED)]
)
async def test_authorization_device_denied_codes(code: int, reason: DenyReason) -> None:
    authorizer = FakeAuthorizer((True, None))
    terminal, listener = make_terminal(authorizer=authorizer)
    reply = await authorize(terminal, RecordType=code)
    assert reply.payload["Success"] == 0
    assert authorizer.asked == []  # never granted over the device's own refusal
    (event,) = listener.events
    assert event.type is EventType.ACCESS_DENIED
    assert event.reason is reason


async def test_authorization_asked_twice_same_answer_one_event() -> None:
    authorizer = FakeAuthorizer((True, "hello"))
    terminal, listener = make_terminal(authorizer=authorizer)
    first = await authorize(terminal, RecordID=555)
    authorizer.answer = (False, "changed my mind")
    second = await authorize(terminal, RecordID=555)
    assert second.payload == first.payload == {"Success": 1, "Message": "hello"}
    assert len(authorizer.asked) == 1
    assert len(listener.events) == 1
    # Another record is a new question.
    third = await authorize(terminal, RecordID=556)
    assert third.payload["Success"] == 0
    assert len(listener.events) == 2


async def test_authorization_without_record_detail() -> None:
    # Nobody is let in on a request we cannot read.
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.REQUEST_AUTHORIZATION)
    assert reply.status == 200
    assert reply.payload["Success"] == 0
    assert listener.events == []


# -- records ---------------------------------------------------------------------------------


async def test_identify_record_with_photo_through_the_wire() -> None:
    terminal, listener = make_terminal()
    photo = b"\xff\xd8\xff\xe0JFIF\r\n\r\n" + bytes(range(256))
    body = build_multipart(
        [
            ("SN", f" {SERIAL}".encode(), {}),
            (
                "recordJson",
                gzip.compress(json.dumps(record_detail(BodyTemp=365)).encode()),
                {"Content-Encoding": "gzip", "Content-Type": "application/octet-stream"},
            ),
            ("pic", photo, {"filename": "Postman_file.jpg", "Content-Type": "image/jpeg"}),
        ]
    )
    request = parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, CONTENT_TYPE, body)
    reply = await terminal.handle(request)
    assert reply.status == 200
    assert reply.payload == {"Success": 1}
    (record,) = listener.received
    assert record.key is not None
    (event,) = record.events
    assert event.type is EventType.ACCESS_GRANTED
    assert event.user_name == "张三"
    assert event.temperature == 36.5
    assert event.photo == photo


async def test_listener_failure_makes_the_device_keep_the_record() -> None:
    terminal, listener = make_terminal()
    listener.fail = True
    reply = await send(terminal, Endpoint.UPLOAD_IDENTIFY_RECORD, document=record_detail())
    assert reply.status == 503
    assert reply.payload["Success"] == 0
    assert reply.payload["Success"] != 1
    listener.fail = False
    reply = await send(terminal, Endpoint.UPLOAD_IDENTIFY_RECORD, document=record_detail())
    assert reply.status == 200
    assert reply.payload == {"Success": 1}
    assert len(listener.events) == 1


async def test_listener_failure_on_system_records() -> None:
    terminal, listener = make_terminal()
    listener.fail = True
    reply = await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {"RecordType": 2, "Records": [{"RecordID": 1, "RecordType": 45, "RecordDate": 1}]},
    )
    assert reply.status == 503
    assert reply.payload["Success"] == 0
    assert listener.user_changes == []  # nothing reported for a record not handled


async def test_identify_record_without_detail(caplog: pytest.LogCaptureFixture) -> None:
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.UPLOAD_IDENTIFY_RECORD, {"SN": SERIAL, "Mark": "x1"})
    assert reply.payload == {"Success": 1}
    assert listener.received == []
    assert "unreadable" in caplog.text
    assert "x1" in caplog.text  # the content is kept in the log


async def test_identify_record_with_non_ascii_digit_code_is_acknowledged_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    terminal, listener = make_terminal()
    reply = await send(
        terminal, Endpoint.UPLOAD_IDENTIFY_RECORD, document=record_detail(RecordType="²")
    )
    assert reply.payload == {"Success": 1}
    assert listener.received == []
    assert "RecordType" in caplog.text


@pytest.mark.parametrize(
    ("code", "change"),
    [(33, UserChange.ADDED), (34, UserChange.UPDATED), (35, UserChange.DELETED)],
)
async def test_identify_admin_record_reports_user_change(code: int, change: UserChange) -> None:
    terminal, listener = make_terminal()
    await send(
        terminal,
        Endpoint.UPLOAD_IDENTIFY_RECORD,
        document=record_detail(RecordType=code, UserID="12"),
    )
    assert listener.user_changes == [("12", change)]


async def test_system_records_skip_a_malformed_entry() -> None:
    terminal, listener = make_terminal()
    reply = await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {
            "RecordType": 2,
            "Records": [
                {"RecordID": 1, "RecordType": 15, "RecordDate": 1718616771},
                "junk",
                {"RecordID": 2, "RecordType": "not a number"},
                {"RecordID": 3},
                {"RecordID": 4, "RecordType": 1, "RecordDate": 1718616772},
            ],
        },
    )
    assert reply.status == 200
    assert reply.payload == {"Success": 1}
    assert [e.type for e in listener.events] == [
        EventType.DOOR_FORCED_OPEN,
        EventType.ALARM,
        EventType.REMOTE_UNLOCK,
    ]
    assert [e.record_id for e in listener.events] == ["1", "1", "4"]


async def test_door_records() -> None:
    terminal, listener = make_terminal()
    reply = await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {
            "RecordType": 1,
            "Records": [
                {"RecordID": 1, "RecordType": 1, "RecordDate": 1718616771},
                {"RecordID": 2, "RecordType": 1, "RecordDate": 1718616772},
            ],
        },
    )
    assert reply.payload == {"Success": 1}
    assert [e.type for e in listener.events] == [EventType.DOOR_OPENED, EventType.DOOR_OPENED]
    assert len({r.key for r in listener.received}) == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"RecordType": 2, "Records": "junk"},
        {"RecordType": 2},
        {"RecordType": "x", "Records": []},
        {"Records": []},
    ],
)
async def test_system_records_malformed_request(
    fields: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.UPLOAD_SYSTEM_RECORD, fields)
    assert reply.payload == {"Success": 1}
    assert listener.received == []
    assert "unreadable" in caplog.text


async def test_system_records_of_unknown_kind_are_acknowledged() -> None:
    # Every entry unreadable (an unknown kind): nothing to deliver, nothing to re-send forever.
    terminal, listener = make_terminal()
    reply = await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {"RecordType": 9, "Records": [{"RecordID": 1, "RecordType": 1}]},
    )
    assert reply.payload == {"Success": 1}
    assert listener.events == []


@pytest.mark.parametrize("code", [40, 45])
async def test_all_users_deleted_at_the_device(code: int) -> None:
    terminal, listener = make_terminal()
    await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {"RecordType": 2, "Records": [{"RecordID": 1, "RecordType": code, "RecordDate": 1}]},
    )
    assert listener.user_changes == [(None, UserChange.ALL_DELETED)]
    assert listener.events[0].type is EventType.USER_DELETED


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


# -- close and persistence -------------------------------------------------------------------


async def test_close_fails_every_waiting_caller() -> None:
    terminal, _ = make_terminal()
    door = start(terminal.door_control(1, DoorAction.OPEN))
    clock = start(terminal.set_time(datetime(2024, 6, 17, 12, 0, tzinfo=UTC)))
    listing = start(terminal.list_users())
    await settle()
    terminal.close()
    for task in (door, clock, listing):
        with pytest.raises(CommandCancelledError):
            await asyncio.wait_for(task, 1)
    # Nothing stale reaches the device afterwards.
    assert await remote(terminal) == {"Success": 1}


async def test_close_during_a_listing() -> None:
    terminal, _ = make_terminal()
    listing = start(terminal.list_users())
    await settle()
    await remote(terminal)
    await terminal.handle(push_request(4, "1", {"UserID": "1"}))
    await settle()
    terminal.close()
    with pytest.raises(CommandCancelledError):
        await asyncio.wait_for(listing, 1)


async def test_close_fails_people_callers_but_keeps_the_queue() -> None:
    terminal, _ = make_terminal()
    writing = start(terminal.set_users([User(user_id="1")]))
    deleting = start(terminal.delete_users(["2"]))
    await settle()
    terminal.close()
    for task in (writing, deleting):
        with pytest.raises(AccessTerminalError):
            await asyncio.wait_for(task, 1)
    state = terminal.export_state()
    assert list(state["people"]["add"]) == ["1"]
    assert state["people"]["delete"] == ["2"]


async def test_queued_people_survive_a_new_terminal() -> None:
    old, listener = make_terminal()
    photo = b"\xff\xd8photo"
    user = User(user_id="1", name="张三", credentials=Credentials(photo=photo))
    tasks = [start(old.set_users([user])), start(old.delete_users(["2"]))]
    await settle()
    assert listener.persists == 2  # the integration is told to save the queue
    state = json.loads(json.dumps(old.export_state()))
    old.close()
    for task in tasks:
        with pytest.raises(AccessTerminalError):
            await task

    new, _ = make_terminal()
    new.restore_state(state)
    payload = await keepalive(new)
    assert payload["AddPeople"] == 1
    assert payload["DeletePeople"] == 1
    deletion = await send(new, Endpoint.DELETE_PEOPLE, {"Limit": 10})
    assert deletion.payload["DeleteList"] == [2]
    download = await send(new, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 10})
    (person,) = download.payload["PeopleList"]
    assert person["UserID"] == "1"
    assert person["Name"] == "张三"
    assert person["PhotoLen"] == len(photo)


# What export_state() saved with a person to add, one to merge and one to delete, before the
# terminal was split into modules: the same code must read it.
SAVED_PEOPLE: dict[str, Any] = {
    "people": {
        "add": {
            "5": {
                "UserID": "5",
                "Name": "Bob",
                "Department": "",
                "CardNum": "",
                "Password": "",
                "AccessType": 0,
                "ExpirationDate": 0,
                "OpenTimes": 65535,
                "KeepOpen": 0,
                "Timegroup": 1,
            }
        },
        "merge": {
            "6": {
                "UserID": "6",
                "Name": "Cy",
                "Department": "",
                "CardNum": "",
                "Password": "",
                "AccessType": 0,
                "ExpirationDate": 0,
                "OpenTimes": 65535,
                "KeepOpen": 0,
                "Timegroup": 1,
            }
        },
        "delete": ["9"],
        "delete_all": False,
    }
}


async def test_people_saved_before_the_split_restore() -> None:
    terminal, _ = make_terminal()
    terminal.restore_state(SAVED_PEOPLE)
    assert terminal.export_state() == SAVED_PEOPLE
    payload = await keepalive(terminal)
    assert (payload["Remote"], payload["AddPeople"], payload["DeletePeople"]) == (1, 2, 1)
    assert (await remote(terminal))["QueryPeople"] == [6]
    deletion = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 10})
    assert deletion.payload["DeleteList"] == [9]
    download = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 10})
    assert download.payload["PeopleList"] == [SAVED_PEOPLE["people"]["add"]["5"]]


@pytest.mark.parametrize("state", [{}, {"people": "junk"}, {"people": {"add": 5}}])
async def test_restore_state_garbage(state: dict[str, Any]) -> None:
    terminal, _ = make_terminal()
    terminal.restore_state(state)
    payload = await keepalive(terminal)
    assert "AddPeople" not in payload
    assert "DeletePeople" not in payload


async def test_diagnostics() -> None:
    terminal, _ = make_terminal()
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)
    task = start(terminal.door_control(1, DoorAction.OPEN))
    await settle()
    diagnostics = terminal.diagnostics()
    assert diagnostics["awaiting_work_settings"] is False
    assert diagnostics["remote_commands_queued"] == 1
    assert diagnostics["settings"]["DeviceName"] == "Front door"
    terminal.close()
    with pytest.raises(CommandCancelledError):
        await task
