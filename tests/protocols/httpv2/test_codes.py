"""Tests of HTTPv2 record codes mapped to the shared event vocabulary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import ProtocolError
from custom_components.access_terminal.protocols.httpv2.codes import (
    identify_record,
    parse_alarms,
    system_record,
)
from custom_components.access_terminal.protocols.model import (
    AlarmReason,
    DenyReason,
    Direction,
    ErrorReason,
    EventCategory,
    EventType,
    Method,
)

RECEIVED = datetime(2024, 6, 17, 9, 30, tzinfo=UTC)
F, FP, C, PW, QR, PALM, IDC = (
    Method.FACE,
    Method.FINGERPRINT,
    Method.CARD,
    Method.PASSWORD,
    Method.QR,
    Method.PALM,
    Method.ID_CARD,
)
G, D = EventType.ACCESS_GRANTED, EventType.ACCESS_DENIED

# The "RecordType 事件类型" table of the document, written out independently of the code:
# code -> (event type, methods as a set, deny reason).
SPEC_IDENTIFY: dict[int, tuple[EventType, set[Method], DenyReason | None]] = {
    1: (G, {C}, None),  # 刷卡验证
    2: (G, {FP}, None),  # 指纹验证
    3: (G, {F}, None),  # 人脸验证
    4: (G, {C, FP}, None),
    5: (G, {F, FP}, None),
    6: (G, {C, F}, None),
    7: (G, {C, PW}, None),
    8: (G, {F, PW}, None),
    9: (G, {FP, PW}, None),
    10: (G, {PW}, None),  # 用户号加密码
    11: (G, {C, FP, PW}, None),
    12: (G, {C, F, PW}, None),
    13: (G, {FP, F, PW}, None),
    14: (G, {C, FP, F}, None),
    15: (D, set(), DenyReason.INTERVAL),  # 重复验证
    16: (D, set(), DenyReason.EXPIRED),  # 有效期过期
    17: (D, set(), DenyReason.TIME_ZONE),  # 开门时段过期
    18: (D, set(), DenyReason.HOLIDAY),  # 节假日时不能开门
    19: (D, set(), DenyReason.UNREGISTERED),  # 未注册用户
    20: (D, set(), DenyReason.LOCKED),  # 探测锁定
    21: (D, set(), DenyReason.PASS_USED_UP),  # 有效次数已用尽
    22: (D, set(), DenyReason.LOCKED),  # 锁定时验证 禁止开门
    23: (D, {C}, DenyReason.BLACKLIST),  # 挂失卡
    24: (D, {C}, DenyReason.BLACKLIST),  # 黑名单卡
    25: (G, set(), None),  # 免验证开门
    26: (D, {C}, DenyReason.VERIFY_MODE),  # 禁止刷卡验证
    27: (D, {FP}, DenyReason.VERIFY_MODE),  # 禁止指纹验证
    28: (D, set(), DenyReason.OTHER),  # 控制器已过期
    29: (G, set(), None),  # 验证通过—有效期即将过期
    30: (D, set(), DenyReason.TEMPERATURE),  # 体温异常
    31: (G, {PW}, None),  # 访客密码开门
    32: (G, {QR}, None),  # 动态二维码扫码开门
    36: (G, {PALM}, None),
    37: (G, {C, PALM, F}, None),
    38: (G, {PALM, PW}, None),
    39: (G, {C, PALM}, None),
    40: (G, {F, PALM}, None),
    41: (G, {C, PALM, PW}, None),
    42: (G, {PALM, F, PW}, None),
    43: (G, {FP, PALM, F}, None),
    45: (D, set(), DenyReason.VERIFY_MODE),  # 组合验证失败
    46: (G, set(), None),  # 组合验证完成
    47: (G, {IDC, F}, None),  # 人证比对
    48: (D, {C}, DenyReason.UNREGISTERED),  # 卡未注册
    49: (D, {QR}, DenyReason.UNREGISTERED),  # 未注册二维码
}


def detail(**overrides: Any) -> dict[str, Any]:
    """Return the document's RecordDetail example with some fields changed."""
    base: dict[str, Any] = {
        "RecordID": 120,
        "RecordType": 3,
        "RecordDate": 1718616771,
        "UserID": "1",
        "Name": "1",
        "IdentityCard": "",
        "Job": "",
        "Department": "",
        "CardNum": "0",
        "QRCode": "",
        "IsEntry": 1,
        "BodyTemp": 0,
        "PhotoLen": 40363,
    }
    base.update(overrides)
    return base


# -- identify records ------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(SPEC_IDENTIFY))
def test_identify_code_matches_the_spec(code: int) -> None:
    kind, methods, reason = SPEC_IDENTIFY[code]
    record = identify_record(detail(RecordType=code), None, RECEIVED)
    (event,) = record.events
    assert event.type is kind
    assert event.category is EventCategory.ACCESS
    assert set(event.methods) == methods
    assert len(event.methods) == len(methods)
    assert event.reason == reason
    assert event.raw_code == f"identify:{code}"
    assert event.detail


def test_every_identify_code_is_covered() -> None:
    assert set(SPEC_IDENTIFY) | {33, 34, 35, 44} == set(range(1, 50))


@pytest.mark.parametrize(
    ("code", "kind"),
    [(33, EventType.USER_ADDED), (34, EventType.USER_UPDATED), (35, EventType.USER_DELETED)],
)
def test_identify_admin_codes(code: int, kind: EventType) -> None:
    (event,) = identify_record(detail(RecordType=code, UserID="7"), None, RECEIVED).events
    assert event.type is kind
    assert event.category is EventCategory.ADMIN
    assert event.user_id == "7"
    assert event.reason is None
    # The record's IsEntry flag means nothing for a user change: only passages have a direction.
    assert event.direction is None


def test_identify_code_44_means_no_event_but_is_acknowledged() -> None:
    record = identify_record(detail(RecordType=44), None, RECEIVED)
    assert record.events == ()
    assert record.key is not None


@pytest.mark.parametrize("code", [0, 50, 999, 65535])
def test_identify_unknown_code_means_no_event(code: int) -> None:
    assert identify_record(detail(RecordType=code), None, RECEIVED).events == ()


@pytest.mark.parametrize("code", [-1, 65536])
def test_identify_code_out_of_range_is_unreadable(code: int) -> None:
    with pytest.raises(ProtocolError, match="RecordType"):
        identify_record(detail(RecordType=code), None, RECEIVED)


def test_identify_fields() -> None:
    photo = b"\xff\xd8jpeg"
    record = identify_record(
        detail(UserID="42", Name="张三", CardNum="12345678", BodyTemp=365, IsEntry=1),
        photo,
        RECEIVED,
    )
    (event,) = record.events
    assert event.user_id == "42"
    assert event.user_name == "张三"
    assert event.card_number == "12345678"
    assert event.temperature == 36.5
    assert event.direction is Direction.IN
    assert event.time == datetime.fromtimestamp(1718616771, UTC)
    assert event.time.tzinfo is not None
    assert event.record_id == "120"
    assert event.photo == photo
    assert event.door == 1


def test_identify_user_zero_is_nobody() -> None:
    (event,) = identify_record(detail(UserID="0", RecordType=25), None, RECEIVED).events
    assert event.user_id is None
    (event,) = identify_record(detail(UserID=0, RecordType=25), None, RECEIVED).events
    assert event.user_id is None


def test_identify_numeric_user_id_becomes_text() -> None:
    (event,) = identify_record(detail(UserID=17), None, RECEIVED).events
    assert event.user_id == "17"


@pytest.mark.parametrize("card", ["0", 0, "", None])
def test_identify_card_zero_is_no_card(card: object) -> None:
    (event,) = identify_record(detail(CardNum=card), None, RECEIVED).events
    assert event.card_number is None


@pytest.mark.parametrize(
    ("is_entry", "direction"),
    [
        (1, Direction.IN),
        (0, Direction.OUT),
        ("1", Direction.IN),
        ("0", Direction.OUT),
        (None, None),
    ],
)
def test_identify_direction(is_entry: object, direction: Direction | None) -> None:
    record = identify_record(detail(IsEntry=is_entry), None, RECEIVED)
    assert record.events[0].direction is direction


def test_identify_without_is_entry() -> None:
    document = detail()
    del document["IsEntry"]
    assert identify_record(document, None, RECEIVED).events[0].direction is None


@pytest.mark.parametrize(
    ("body_temp", "temperature"),
    [(365, 36.5), ("372", 37.2), (0, None), (None, None), (-5, None), (5000, None), ("x", None)],
)
def test_identify_temperature(body_temp: object, temperature: float | None) -> None:
    (event,) = identify_record(detail(BodyTemp=body_temp), None, RECEIVED).events
    assert event.temperature == temperature


@pytest.mark.parametrize(
    "record_date",
    [0, -1, -1718616771, 5_000_000_000_000, 5e12, None, "x", "", 4102444799, 946684799],
)
def test_identify_impossible_time_is_unreadable(record_date: object) -> None:
    # A record is never stamped with the time it arrived: without its own time it is unreadable
    # (acknowledged and logged by the terminal), as is a date a terminal cannot have recorded.
    with pytest.raises(ProtocolError, match="RecordDate|time"):
        identify_record(detail(RecordDate=record_date), None, RECEIVED)


def test_identify_time_in_the_sane_window() -> None:
    (event,) = identify_record(detail(RecordDate="1718616771"), None, RECEIVED).events
    assert event.time == datetime(2024, 6, 17, 9, 32, 51, tzinfo=UTC)
    # Up to two days ahead of Home Assistant's clock: a terminal on the wrong time zone.
    ahead = int(RECEIVED.timestamp()) + 47 * 3600
    assert identify_record(detail(RecordDate=ahead), None, RECEIVED).date == ahead
    with pytest.raises(ProtocolError):
        identify_record(detail(RecordDate=ahead + 2 * 3600), None, RECEIVED)


def test_authorization_request_happens_now() -> None:
    document = detail()
    del document["RecordDate"]
    record = identify_record(document, None, RECEIVED, stream="auth", dated=False)
    assert record.events[0].time == RECEIVED


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("RecordType", "face"),
        ("RecordType", None),
        ("RecordID", 2**64),
        ("RecordID", "123456789012345678901"),
        ("RecordID", -1),
        ("UserID", ["1"]),
        ("UserID", {"id": 1}),
        ("UserID", True),
    ],
)
def test_identify_unreadable_fields(field: str, value: object) -> None:
    with pytest.raises(ProtocolError, match=field):
        identify_record(detail(**{field: value}), None, RECEIVED)


def test_identify_descriptions_are_left_out_not_refused() -> None:
    (event,) = identify_record(
        detail(Name=["x"], CardNum={"n": 1}, IsEntry="in", BodyTemp="hot"), None, RECEIVED
    ).events
    assert (event.user_name, event.card_number, event.direction) == (None, None, None)
    assert event.temperature is None
    assert event.user_id == "1"


def test_identify_text_is_valid_unicode() -> None:
    (event,) = identify_record(
        detail(Name="Ann\udc80\x00B\r\nob", UserID=" 12 "), None, RECEIVED
    ).events
    assert event.user_name == "Ann\ufffd B ob"
    assert event.user_id == "12"
    assert event.user_name.encode()  # storable: no lone surrogate left


def test_identify_dedup_key() -> None:
    key = identify_record(detail(RecordID=120, RecordDate=1718616771), None, RECEIVED).key
    assert key is not None
    assert "identify" in key
    assert "120" in key
    assert "1718616771" in key
    # The same record sent again has the same key.
    assert identify_record(detail(), b"photo", RECEIVED).key == key
    # A device that cleared its records counts from 1 again: the date keeps keys apart.
    other_date = identify_record(detail(RecordDate=1718700000), None, RECEIVED).key
    assert other_date != key
    assert identify_record(detail(RecordID=121), None, RECEIVED).key != key
    # The stream keeps authorization requests apart from uploaded records.
    auth = identify_record(detail(), None, RECEIVED, stream="auth")
    assert auth.key is not None
    assert auth.key != key
    assert "auth" in auth.key
    assert auth.events[0].raw_code == "auth:3"


def test_identify_without_record_id_has_no_key() -> None:
    document = detail()
    del document["RecordID"]
    record = identify_record(document, None, RECEIVED)
    assert record.key is None
    assert record.events[0].record_id is None


@pytest.mark.parametrize("code", [None, "face", True, [3]])
def test_identify_invalid_record_type(code: object) -> None:
    with pytest.raises(ProtocolError):
        identify_record(detail(RecordType=code), None, RECEIVED)


def test_identify_missing_record_type() -> None:
    document = detail()
    del document["RecordType"]
    with pytest.raises(ProtocolError):
        identify_record(document, None, RECEIVED)


# -- system records --------------------------------------------------------------------------


def item(code: int, record_id: int = 5, date: int = 1718616771) -> dict[str, Any]:
    return {"RecordID": record_id, "RecordType": code, "RecordDate": date}


@pytest.mark.parametrize(
    ("code", "kind", "methods"),
    [
        (1, EventType.DOOR_OPENED, ()),
        (2, EventType.DOOR_CLOSED, ()),
        (5, EventType.DOOR_HELD_OPEN, ()),
        (6, EventType.EXIT_BUTTON, (Method.BUTTON,)),
    ],
)
def test_door_records(code: int, kind: EventType, methods: tuple[Method, ...]) -> None:
    record = system_record(1, item(code), RECEIVED)
    (event,) = record.events
    assert event.type is kind
    assert event.category is EventCategory.DOOR
    assert event.methods == methods
    assert event.raw_code == f"door:{code}"
    assert event.time == datetime.fromtimestamp(1718616771, UTC)
    assert event.record_id == "5"


@pytest.mark.parametrize("code", [3, 4])
def test_door_alarm_arming_is_no_event(code: int) -> None:
    record = system_record(1, item(code), RECEIVED)
    assert record.events == ()
    assert record.key is not None


def test_system_software_open() -> None:
    (event,) = system_record(2, item(1), RECEIVED).events
    assert event.type is EventType.REMOTE_UNLOCK
    assert event.methods == (Method.REMOTE,)
    (event,) = system_record(2, item(2), RECEIVED).events
    assert event.type is EventType.REMOTE_LOCK


def test_system_door_contact_alarm_is_forced_door_and_alarm() -> None:
    events = system_record(2, item(15), RECEIVED).events
    assert [e.type for e in events] == [EventType.DOOR_FORCED_OPEN, EventType.ALARM]
    assert events[1].reason is AlarmReason.FORCED
    assert {e.raw_code for e in events} == {"system:15"}


def test_system_open_too_long_is_held_door_and_alarm() -> None:
    events = system_record(2, item(17), RECEIVED).events
    assert [e.type for e in events] == [EventType.DOOR_HELD_OPEN, EventType.ALARM]
    assert events[1].reason is AlarmReason.HELD_OPEN


@pytest.mark.parametrize(
    ("code", "kind", "reason"),
    [
        (16, EventType.ALARM, AlarmReason.DURESS),
        (19, EventType.FIRE_ALARM, AlarmReason.FIRE),
        (20, EventType.ALARM, AlarmReason.TAMPER),
        (22, EventType.ALARM_CLEARED, AlarmReason.FORCED),
        (24, EventType.ALARM_CLEARED, AlarmReason.HELD_OPEN),
        (26, EventType.ALARM_CLEARED, AlarmReason.FIRE),
        (27, EventType.ALARM_CLEARED, AlarmReason.TAMPER),
    ],
)
def test_system_alarms(code: int, kind: EventType, reason: AlarmReason) -> None:
    (event,) = system_record(2, item(code), RECEIVED).events
    assert event.type is kind
    assert event.category is EventCategory.ALARM
    assert event.reason is reason


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (4, EventType.NORMALLY_OPEN_STARTED),
        (5, EventType.NORMALLY_OPEN_ENDED),
        (9, EventType.LOCKOUT_ENDED),
        (10, EventType.LOCKOUT_STARTED),
        (11, EventType.LOCKOUT_ENDED),
        (12, EventType.LOCKOUT_STARTED),
        (13, EventType.LOCKOUT_ENDED),
    ],
)
def test_door_modes_the_controller_changes(code: int, kind: EventType) -> None:
    """Schedules, software and alarms hold a door open or lock it: door events, no person."""
    (event,) = system_record(2, item(code), RECEIVED).events
    assert (event.type, event.category, event.user_id) == (kind, EventCategory.DOOR, None)


def test_a_restart_after_a_fault_is_an_error() -> None:
    (event,) = system_record(2, item(29), RECEIVED).events
    assert (event.type, event.reason) == (EventType.DEVICE_ERROR, ErrorReason.FAULT_RESTART)


@pytest.mark.parametrize("code", [28, 34, 35, 36, 37, 44, 99])
def test_system_notes_are_no_event(code: int) -> None:
    record = system_record(2, item(code), RECEIVED)
    assert record.events == ()
    assert record.key is not None  # acknowledged and de-duplicated all the same


def test_system_record_keys_separate_streams() -> None:
    door = system_record(1, item(1, record_id=9), RECEIVED).key
    system = system_record(2, item(1, record_id=9), RECEIVED).key
    assert door is not None
    assert system is not None
    assert door != system
    assert "9" in door
    assert "1718616771" in door
    assert system_record(1, item(1, record_id=9), RECEIVED).key == door


@pytest.mark.parametrize("kind", [0, 3, -1])
def test_system_record_unknown_kind(kind: int) -> None:
    with pytest.raises(ProtocolError):
        system_record(kind, item(1), RECEIVED)


@pytest.mark.parametrize("entry", [None, 5, "x", [1, 2]])
def test_system_record_non_dict_item(entry: object) -> None:
    with pytest.raises(ProtocolError):
        system_record(2, entry, RECEIVED)


def test_system_record_bad_code() -> None:
    with pytest.raises(ProtocolError):
        system_record(2, {"RecordID": 1, "RecordType": "abc"}, RECEIVED)


@pytest.mark.parametrize("date", [0, None, 4_200_000_000])
def test_system_record_without_a_time_is_unreadable(date: int | None) -> None:
    entry = {"RecordID": 5, "RecordType": 1, "RecordDate": date}
    with pytest.raises(ProtocolError, match="RecordDate"):
        system_record(2, entry, RECEIVED)


# -- keep-alive alarm names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", frozenset()),
        ('""', frozenset()),
        (None, frozenset()),
        (0, frozenset()),
        (["fire"], frozenset()),
        ("fire", {AlarmReason.FIRE}),
        ("fire,anti", {AlarmReason.FIRE, AlarmReason.TAMPER}),
        ("fire, blacklist", {AlarmReason.FIRE, AlarmReason.OTHER}),
        ("openTimeout,doorSensor", {AlarmReason.HELD_OPEN, AlarmReason.FORCED}),
        ("password", {AlarmReason.DURESS}),
        ("illegal", {AlarmReason.OTHER}),
        ("FIRE", {AlarmReason.FIRE}),
        ("somethingnew", {AlarmReason.OTHER}),
        (",,", frozenset()),
    ],
)
def test_parse_alarms(value: object, expected: set[AlarmReason]) -> None:
    assert parse_alarms(value) == expected
