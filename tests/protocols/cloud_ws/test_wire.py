"""Tests of the cloud WebSocket frames, log records, device info and users (pure functions)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
import json

import pytest

from custom_components.access_terminal.protocols.cloud_ws import codes, device, users, wire
from custom_components.access_terminal.protocols.cloud_ws.codes import ModeTable, log_record
from custom_components.access_terminal.protocols.errors import (
    InvalidRequestError,
    PayloadTooLargeError,
    ProtocolError,
)
from custom_components.access_terminal.protocols.model import (
    AlarmReason,
    Credentials,
    Direction,
    EventType,
    Family,
    Feature,
    Method,
    Privilege,
    Usage,
    User,
)

ZONE = timezone(timedelta(hours=8))
RECEIVED = datetime(2024, 1, 1, tzinfo=UTC)


# -- frames --------------------------------------------------------------------------------


def test_parse_ret_and_cmd_frames() -> None:
    answer = wire.parse_message('{"ret":"getuserlist","sn":"ZX1","result":true}')
    assert (answer.name, answer.asks, answer.serial, answer.ok) == (
        "getuserlist",
        False,
        "ZX1",
        True,
    )
    asked = wire.parse_message(b'{"cmd":" REG ","sn":"ZX1"}')  # binary frames are read as text
    assert (asked.name, asked.asks, asked.ok) == ("reg", True, False)


def test_parse_repairs_the_documents_json() -> None:
    # Trailing commas, as in the document's examples of senduser and getuserinfo.
    message = wire.parse_message('{"cmd":"senduser","sn":"ZX1","enrollid":1,}')
    assert message.fields["enrollid"] == 1


def test_parse_reads_gb18030_names() -> None:
    text = '{"cmd":"senduser","sn":"ZX1","name":"张三"}'
    assert wire.parse_message(text.encode("gb18030")).fields["name"] == "张三"


@pytest.mark.parametrize(
    "data",
    [
        "",
        "not json",
        "[1, 2]",
        '"reg"',
        '{"sn":"ZX1"}',
        '{"cmd":5}',
        '{"cmd":"   "}',
        b"\xff\xfe\x00garbage",
        "{" * 100_000,
    ],
)
def test_parse_refuses_what_is_not_a_named_object(data: str | bytes) -> None:
    with pytest.raises(ProtocolError):
        wire.parse_message(data)


def test_parse_refuses_oversized_frames() -> None:
    with pytest.raises(PayloadTooLargeError):
        wire.parse_message("x" * (wire.MAX_FRAME + 1))


@pytest.mark.parametrize(
    ("result", "ok"),
    [
        (True, True),
        (1, True),
        ("true", True),
        ("1", True),
        (False, False),
        (None, False),
        (2, False),
        (1.0, False),
        ("no", False),
    ],
)
def test_result_forms(result: object, ok: bool) -> None:
    assert wire.Message("x", False, {"result": result}).ok is ok


def test_reason_and_encode() -> None:
    assert wire.Message("x", False, {"reason": 2}).reason == "2"
    assert wire.Message("x", False, {}).reason == ""
    assert wire.encode({"name": "Zoë"}) == '{"name":"Zoë"}'
    assert wire.format_time(datetime(2016, 3, 25, 13, 49, 30, tzinfo=ZONE)) == "2016-03-25 13:49:30"


# -- log records ---------------------------------------------------------------------------

PHOTO = b"\xff\xd8jpeg"


def _item(**fields: object) -> dict[str, object]:
    item: dict[str, object] = {
        "enrollid": 1,
        "time": "2016-03-25 13:49:30",
        "mode": 8,
        "inout": 0,
        "event": 0,
        "temp": 36.5,
        "image": base64.b64encode(PHOTO).decode(),
    }
    item.update(fields)
    return item


def test_person_record() -> None:
    record = log_record(_item(), ZONE, RECEIVED)
    (event,) = record.events
    assert event.type is EventType.ACCESS_GRANTED
    assert event.time == datetime(2016, 3, 25, 13, 49, 30, tzinfo=ZONE)
    assert (event.user_id, event.methods, event.direction) == ("1", (Method.FACE,), Direction.IN)
    assert (event.temperature, event.photo) == (36.5, PHOTO)
    assert record.stream == codes.STREAM
    assert not record.ordered
    assert record.date == int(event.time.timestamp())


@pytest.mark.parametrize(
    ("mode", "verify", "log_note", "from_zero"),
    [
        (1, (Method.FINGERPRINT,), (Method.FINGERPRINT,), (Method.CARD,)),
        (2, (Method.PASSWORD,), (Method.CARD,), (Method.PASSWORD,)),
        (3, (Method.CARD,), (Method.PASSWORD,), ()),
        (8, (Method.FACE,), (Method.FACE,), (Method.FACE,)),
        (13, (Method.QR,), (Method.QR,), (Method.QR,)),
        (0, (), (), (Method.FINGERPRINT,)),
        (99, (), (), ()),
    ],
)
def test_every_mode_table(
    mode: int,
    verify: tuple[Method, ...],
    log_note: tuple[Method, ...],
    from_zero: tuple[Method, ...],
) -> None:
    item = _item(mode=mode)
    assert log_record(item, ZONE, RECEIVED).events[0].methods == verify
    assert log_record(item, ZONE, RECEIVED, ModeTable.LOG_NOTE).events[0].methods == log_note
    assert log_record(item, ZONE, RECEIVED, ModeTable.FROM_ZERO).events[0].methods == from_zero


@pytest.mark.parametrize(
    ("event", "types", "reason"),
    [
        (0, [EventType.DOOR_CLOSED], None),
        (1, [EventType.DOOR_OPENED], None),
        (2, [EventType.EXIT_BUTTON], None),
        (3, [EventType.REMOTE_UNLOCK], None),
        (4, [EventType.REMOTE_LOCK], None),
        (5, [EventType.DOOR_FORCED_OPEN, EventType.ALARM], AlarmReason.FORCED),
        (6, [EventType.ALARM], AlarmReason.TAMPER),
        (7, [EventType.ALARM], AlarmReason.OTHER),
        (42, [], None),
    ],
)
def test_door_records(event: int, types: list[EventType], reason: AlarmReason | None) -> None:
    record = log_record(_item(enrollid=0, mode=0, inout=1, event=event), ZONE, RECEIVED)
    assert [e.type for e in record.events] == types
    for built in record.events:
        assert (built.user_id, built.methods[:1], built.direction) in {
            (None, (), None),
            (None, (Method.BUTTON,), None),
            (None, (Method.REMOTE,), None),
        }
    if reason is not None:
        assert record.events[-1].reason is reason


def test_door_states_and_door_number() -> None:
    opened = log_record(_item(enrollid=0, event=1, doornum=3), ZONE, RECEIVED)
    closed = log_record(_item(enrollid=0, event=0), ZONE, RECEIVED)
    forced = log_record(_item(enrollid=0, event=5), ZONE, RECEIVED)
    assert codes.door_states(opened) == {3: True}
    assert codes.door_states(closed) == {1: False}
    assert codes.door_states(forced) == {1: True}
    assert codes.door_states(log_record(_item(), ZONE, RECEIVED)) == {}


def test_record_identity_is_its_content() -> None:
    first, again = (log_record(_item(), ZONE, RECEIVED) for _ in range(2))
    other = log_record(_item(time="2016-03-25 13:49:31"), ZONE, RECEIVED)
    assert first.key == again.key
    assert first.key != other.key


@pytest.mark.parametrize(
    ("fields", "temperature", "photo", "time"),
    [
        ({"temp": 0}, None, PHOTO, True),
        ({"temp": "36.9"}, 36.9, PHOTO, True),
        ({"temp": "hot", "image": "***"}, None, None, True),
        ({"temp": 1e308, "image": 7}, None, None, True),
        ({"temp": [36], "mode": "face", "inout": {}}, None, PHOTO, True),
    ],
)
def test_odd_fields_are_dropped_not_fatal(
    fields: dict[str, object], temperature: float | None, photo: bytes | None, time: bool
) -> None:
    record = log_record(_item(**fields), ZONE, RECEIVED)
    (event,) = record.events
    assert (event.temperature, event.photo) == (temperature, photo)
    assert (event.time != RECEIVED) is time
    assert (record.date != 0) is time


def test_enrolled_spelling_is_accepted() -> None:
    item = _item()
    item["enrolled"] = item.pop("enrollid")
    assert log_record(item, ZONE, RECEIVED).events[0].user_id == "1"


@pytest.mark.parametrize(
    "item",
    [
        None,
        [],
        "x",
        _item(enrollid="abc"),
        _item(enrollid=-1),
        _item(enrollid=True),
        _item(enrollid=10**30),
        # Never stamped with the time it arrived: a record without its own time is unreadable.
        _item(time="yesterday"),
        _item(time=20160325),
        _item(time=None),
        _item(time="2099-12-31 23:59:59"),
        _item(time="2016-03-25 13:49:3\udc80"),
        # Doors are numbered 1 to 4 (`doornum`): 99999999 is no door.
        _item(doornum=99999999),
        _item(doornum=5),
        _item(door="x"),
    ],
)
def test_unreadable_records(item: object) -> None:
    with pytest.raises(ProtocolError):
        log_record(item, ZONE, RECEIVED)


# -- device info ---------------------------------------------------------------------------


def test_info_from_reg_then_devcap() -> None:
    reg = {
        "modelname": "tfs30",
        "usersize": 3000,
        "fpsize": 3000,
        "cardsize": 3000,
        "pwdsize": 0,
        "logsize": 100000,
        "useduser": 1000,
        "usedfp": 1000,
        "usedcard": 2000,
        "usedlog": "100000",
        "firmware": "th600w v6.1",
    }
    info = device.info_from_fields("ZX1", reg)
    assert (info.family, info.model, info.firmware) == (Family.CLOUD_WS, "tfs30", "th600w v6.1")
    assert info.features == {Feature.FINGERPRINT, Feature.CARD}
    assert info.usage["logs"] == Usage(100000, 100000)
    assert "faces" not in info.usage
    info = device.info_from_fields("ZX1", {"facesize": 5000, "usedface": 12, "fpsize": 0}, info)
    assert info.model == "tfs30"
    assert info.features == {Feature.FACE, Feature.CARD}
    assert info.usage["faces"] == Usage(12, 5000)


# -- users ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "number"), [("7", 7), ("007", 7), (" 12 ", 12)])
def test_enroll_ids(text: str, number: int) -> None:
    assert users.enroll_id(text) == number


@pytest.mark.parametrize("text", ["0", "-1", "abc", "1e3", "²", "100000000", ""])
def test_enroll_ids_refused(text: str) -> None:
    with pytest.raises(InvalidRequestError):
        users.enroll_id(text)


def test_user_commands_full_form_then_extra_records() -> None:
    user = User(
        user_id="0042",
        name="Zoë",
        privilege=Privilege.ADMIN,
        cards=("2352253",),
        password="0123",
        valid_until=datetime(2031, 1, 1, tzinfo=UTC),
        enabled=False,
        department="HR",
        credentials=Credentials(
            photo=PHOTO, fingerprints={0: "fp0"}, palms={1: "palm"}, face="face", origin=None
        ),
    )
    first, *rest = users.user_commands(user, ZONE)
    assert first == {
        "cmd": "setuserinfo",
        "enrollid": 42,
        "name": "Zoë",
        "admin": 1,
        "enable": 0,
        "department": "HR",
        "card": 2352253,
        "pwd": "0123",  # a leading zero stays
        "starttime": "2000-01-01 00:00:00",
        "endtime": "2031-01-01 08:00:00",
        "backupnum": 11,
        "record": 2352253,
    }
    assert [(c["cmd"], c.get("backupnum")) for c in rest] == [
        ("setuserinfo", 10),
        ("setuserinfo", 50),
        ("setuserinfo", 20),
        ("setuserinfo", 0),
        ("setuserinfo", 41),
        ("enableuser", None),
    ]
    assert rest[1]["record"] == base64.b64encode(PHOTO).decode()
    assert rest[-1] == {"cmd": "enableuser", "enrollid": 42, "enflag": 0}


def test_user_commands_plain_user_and_foreign_templates() -> None:
    user = User(
        user_id="5",
        credentials=Credentials(fingerprints={0: "zk"}, origin=Family.ZK_PUSH),
    )
    assert users.user_commands(user, ZONE) == [
        {"cmd": "setuserinfo", "enrollid": 5, "name": "", "admin": 0, "enable": 1}
    ]


@pytest.mark.parametrize(
    "user",
    [
        User(user_id="1", cards=("1", "2")),
        User(user_id="1", cards=("12ab",)),
        User(user_id="1", password="123456789"),
        User(user_id="x"),
    ],
)
def test_user_commands_refused(user: User) -> None:
    with pytest.raises(InvalidRequestError):
        users.user_commands(user, ZONE)


def test_listing_pages_and_user_assembly() -> None:
    listed: dict[int, users.ListedUser] = {}
    page = [
        {"enrollid": 1, "admin": 0, "backupnum": 11},
        {"enrollid": 1, "admin": 0, "backupnum": 0},
        {"enrollid": 1, "admin": 2, "backupnum": 50},
        {"enrollid": 2, "admin": 0, "backupnum": 10},
        {"enrollid": 0, "backupnum": 1},
        {"enrollid": "x"},
        "junk",
    ]
    assert users.read_listing_page(page, listed) == 4
    first = listed[1]
    assert (first.admin, first.backupnums) == (2, {0, 11, 50})
    assert users.reads_for(first, with_credentials=False) == [11]
    assert users.reads_for(first, with_credentials=True) == [11, 50, 0]
    user = users.user_from_records(
        first,
        {11: {"name": "chingzou", "record": 2352253}},
        name=None,
        lock={"starttime": "2016-03-25 01:00:00", "endtime": "2099-03-25 23:59:00"},
        zone=ZONE,
        with_credentials=False,
    )
    assert (user.user_id, user.name, user.cards, user.privilege) == (
        "1",
        "chingzou",
        ("2352253",),
        Privilege.ADMIN,
    )
    assert user.valid_from == datetime(2016, 3, 25, 1, tzinfo=ZONE)
    assert user.valid_until is None  # 2099: no end
    assert user.credentials.summary() == {
        "face": False,
        "fingerprints": [0],
        "palms": [],
        "photo": True,
    }
    full = users.user_from_records(
        first,
        {
            0: {"record": "fp"},
            50: {"record": base64.b64encode(PHOTO).decode()},
            20: {"record": "face"},
        },
        name="Named",
        lock=None,
        zone=ZONE,
        with_credentials=True,
    )
    assert full.name == "Named"
    assert (full.credentials.fingerprints, full.credentials.photo) == ({0: "fp"}, PHOTO)
    assert full.credentials.origin is Family.CLOUD_WS
    assert (full.valid_from, full.valid_until) == (None, None)


def test_user_assembly_of_palms_faces_and_passwords() -> None:
    entry = users.ListedUser(3, 0, {10, 21, 40, 41})
    user = users.user_from_records(
        entry,
        {10: {"record": 1234}, 21: {"record": "f"}, 40: {"record": "p0"}, 41: {"record": "p1"}},
        name=None,
        lock={"starttime": "bad", "endtime": None},
        zone=ZONE,
        with_credentials=True,
    )
    assert (user.password, user.name, user.cards) == ("1234", None, ())
    assert (user.credentials.face, user.credentials.palms) == ("f", {0: "p0", 1: "p1"})
    assert json.dumps(user.public_dict())  # nothing unserialisable
