"""HTTPv2 record codes mapped to the shared event vocabulary.

Tables from specs/004_14e2b1c146f04a83.txt: "RecordType 事件类型" (identify records), "门磁记录"
(door records) and "系统记录" (system records). Codes with no place in the vocabulary (network
cable plugged in, watchdog reset...) map to no event; the record is still acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import ProtocolError
from ..fields import (
    MAX_RECORD_NUMBER,
    DeviceInput,
    InvalidInputError,
    check_time,
    integer,
    key,
    lenient,
    text,
    unix_date,
)
from ..model import AlarmReason, DenyReason, Direction, ErrorReason, EventType, Method, Record
from ..vocab import (
    Meaning,
    admin,
    alarm,
    cleared,
    denied,
    device_error,
    door,
    events,
    fire,
    granted,
)

F, FP, C, PW, QR, PALM, IDC = (
    Method.FACE,
    Method.FINGERPRINT,
    Method.CARD,
    Method.PASSWORD,
    Method.QR,
    Method.PALM,
    Method.ID_CARD,
)


FREE_PASS = 25

IDENTIFY_CODES: dict[int, tuple[Meaning, ...]] = {
    1: granted("card", C),
    2: granted("fingerprint", FP),
    3: granted("face", F),
    4: granted("card + fingerprint", C, FP),
    5: granted("face + fingerprint", F, FP),
    6: granted("card + face", C, F),
    7: granted("card + password", C, PW),
    8: granted("face + password", F, PW),
    9: granted("fingerprint + password", FP, PW),
    10: granted("user id + password", PW),
    11: granted("card + fingerprint + password", C, FP, PW),
    12: granted("card + face + password", C, F, PW),
    13: granted("fingerprint + face + password", FP, F, PW),
    14: granted("card + fingerprint + face", C, FP, F),
    15: denied("repeated verification", DenyReason.INTERVAL),
    16: denied("validity expired", DenyReason.EXPIRED),
    17: denied("outside the door's time period", DenyReason.TIME_ZONE),
    18: denied("holiday: the door may not open", DenyReason.HOLIDAY),
    19: denied("unregistered user", DenyReason.UNREGISTERED),
    20: denied("detection lock active", DenyReason.LOCKED),
    21: denied("allowed number of openings used up", DenyReason.PASS_USED_UP),
    22: denied("verification while the door is locked", DenyReason.LOCKED),
    23: denied("card reported lost", DenyReason.BLACKLIST, C),
    24: denied("blacklisted card", DenyReason.BLACKLIST, C),
    25: granted("opened without verification"),
    26: denied("card verification disabled", DenyReason.VERIFY_MODE, C),
    27: denied("fingerprint verification disabled", DenyReason.VERIFY_MODE, FP),
    28: denied("controller expired", DenyReason.OTHER),
    29: granted("granted, validity about to expire"),
    30: denied("abnormal body temperature", DenyReason.TEMPERATURE),
    31: granted("visitor password", PW),
    32: granted("dynamic QR code", QR),
    33: admin(EventType.USER_ADDED, "user added in the device menu"),
    34: admin(EventType.USER_UPDATED, "user changed in the device menu"),
    35: admin(EventType.USER_DELETED, "user deleted in the device menu"),
    36: granted("palm vein", PALM),
    37: granted("card + palm vein + face", C, PALM, F),
    38: granted("palm vein + password", PALM, PW),
    39: granted("card + palm vein", C, PALM),
    40: granted("face + palm vein", F, PALM),
    41: granted("card + palm vein + password", C, PALM, PW),
    42: granted("palm vein + face + password", PALM, F, PW),
    43: granted("fingerprint + palm vein + face", FP, PALM, F),
    # 44 "combination verification: waiting for the next person" is an intermediate step.
    45: denied("combination verification failed", DenyReason.VERIFY_MODE),
    46: granted("combination verification complete"),
    47: granted("identity card compared with face", IDC, F),
    48: denied("card not registered", DenyReason.UNREGISTERED, C),
    49: denied("QR code not registered", DenyReason.UNREGISTERED, QR),
}


DOOR_RECORD_KIND = 1
SYSTEM_RECORD_KIND = 2

DOOR_CODES: dict[int, tuple[Meaning, ...]] = {
    1: door(EventType.DOOR_OPENED, "door contact: opened"),
    2: door(EventType.DOOR_CLOSED, "door contact: closed"),
    # 3 / 4: the door contact alarm was armed / disarmed: a setting, not an event.
    5: door(EventType.DOOR_HELD_OPEN, "door not closed"),
    6: door(EventType.EXIT_BUTTON, "opened with the exit button"),
    # The button was pressed but the door stayed shut: a refusal, not an exit.
    7: denied("exit button pressed while locked", DenyReason.LOCKED, Method.BUTTON),
    8: denied("exit button pressed, controller expired", DenyReason.OTHER, Method.BUTTON),
}

SYSTEM_CODES: dict[int, tuple[Meaning, ...]] = {
    1: door(EventType.REMOTE_UNLOCK, "opened by software"),
    2: door(EventType.REMOTE_LOCK, "closed by software"),
    3: door(EventType.REMOTE_UNLOCK, "held open by software"),
    6: door(EventType.EXIT_BUTTON, "exit button held: door held open"),
    7: door(EventType.EXIT_BUTTON, "exit button held: door back to normal"),
    8: door(EventType.REMOTE_LOCK, "locked out by software"),
    9: door(EventType.LOCKOUT_ENDED, "lock-out released by software"),
    # The controller's schedules: normally open, and locked (its TimingOpen / TimingLocked).
    4: door(EventType.NORMALLY_OPEN_STARTED, "normally open by schedule"),
    5: door(EventType.NORMALLY_OPEN_ENDED, "normally-open schedule ended"),
    10: door(EventType.LOCKOUT_STARTED, "locked by schedule"),
    11: door(EventType.LOCKOUT_ENDED, "lock schedule ended"),
    # An alarm locks the door (the alarm itself is its own record, 14-20).
    12: door(EventType.LOCKOUT_STARTED, "locked by an alarm"),
    13: door(EventType.LOCKOUT_ENDED, "alarm lock released"),
    29: device_error(ErrorReason.FAULT_RESTART, "restarted after a fault (watchdog)"),
    14: alarm(AlarmReason.OTHER, "illegal verification alarm"),
    15: alarm(AlarmReason.FORCED, "door contact alarm", EventType.DOOR_FORCED_OPEN),
    16: alarm(AlarmReason.DURESS, "duress alarm"),
    17: alarm(AlarmReason.HELD_OPEN, "door open too long", EventType.DOOR_HELD_OPEN),
    18: alarm(AlarmReason.OTHER, "blacklist alarm"),
    19: fire("fire alarm"),
    20: alarm(AlarmReason.TAMPER, "tamper alarm"),
    21: cleared(AlarmReason.OTHER, "illegal verification alarm cleared"),
    22: cleared(AlarmReason.FORCED, "door contact alarm cleared"),
    23: cleared(AlarmReason.DURESS, "duress alarm cleared"),
    24: cleared(AlarmReason.HELD_OPEN, "door open too long alarm cleared"),
    25: cleared(AlarmReason.OTHER, "blacklist alarm cleared"),
    26: cleared(AlarmReason.FIRE, "fire alarm cleared"),
    27: cleared(AlarmReason.TAMPER, "tamper alarm cleared"),
    31: alarm(AlarmReason.READER, "card reader wired in reverse"),
    32: alarm(AlarmReason.READER, "card reader not connected"),
    33: alarm(AlarmReason.READER, "unknown card reader"),
    38: door(EventType.REMOTE_UNLOCK, "opened over Bluetooth"),
    40: admin(EventType.USER_DELETED, "all users cleared in the device menu"),
    42: admin(EventType.USER_ADDED, "users imported from a USB drive"),
    43: door(EventType.REMOTE_UNLOCK, "opened from an indoor unit"),
    45: admin(EventType.USER_DELETED, "all users deleted"),
}

# Records after which the device holds no user at all.
ALL_USERS_DELETED_CODES = frozenset({"system:40", "system:45"})

# AlarmStatus names of the keep-alive.
ALARM_NAMES: dict[str, AlarmReason] = {
    "fire": AlarmReason.FIRE,
    "blacklist": AlarmReason.OTHER,
    "anti": AlarmReason.TAMPER,
    "illegal": AlarmReason.OTHER,
    "password": AlarmReason.DURESS,
    "opentimeout": AlarmReason.HELD_OPEN,
    "doorsensor": AlarmReason.FORCED,
}


def parse_alarms(value: Any) -> frozenset[AlarmReason]:
    """Turn AlarmStatus ("fire,anti", "", even '""') into alarm reasons."""
    if not isinstance(value, str):
        return frozenset()
    names = (name.strip().strip('"').lower() for name in value.split(","))
    return frozenset(ALARM_NAMES.get(name, AlarmReason.OTHER) for name in names if name)


@dataclass(slots=True, frozen=True, kw_only=True)
class IdentifyFields(DeviceInput):
    """The fields of an identify record (RecordDetail) the integration reads."""

    code: int = key("RecordType", integer(0, 65535))
    record_id: int | None = key("RecordID", integer(0, MAX_RECORD_NUMBER), default=None)
    date: int | None = key("RecordDate", unix_date(), default=None)
    user_id: str | None = key("UserID", text(32), default=None)
    name: str | None = key("Name", lenient(text(64)), default=None)
    card: str | None = key("CardNum", lenient(text(32)), default=None)
    is_entry: int | None = key("IsEntry", lenient(integer(0, 255)), default=None)
    body_temp: int | None = key("BodyTemp", lenient(integer(0, 10000)), default=None)


@dataclass(slots=True, frozen=True, kw_only=True)
class SystemFields(DeviceInput):
    """The fields of one entry of UploadSystemRecord."""

    code: int = key("RecordType", integer(0, 65535))
    record_id: int | None = key("RecordID", integer(0, MAX_RECORD_NUMBER), default=None)
    date: int = key("RecordDate", unix_date())


def _time(date: int | None, received: datetime) -> datetime:
    """Return a record's time: its date, checked against the sane window (none: `received`)."""
    if date is None:
        return received
    return check_time(datetime.fromtimestamp(date, UTC), received)


def identify_record(
    detail: dict[str, Any],
    photo: bytes | None,
    received: datetime,
    *,
    stream: str = "identify",
    dated: bool = True,
) -> Record:
    """Turn an identify record (RecordDetail) into a Record of at most one event.

    An uploaded record must carry its date (`dated`); a request to let someone in happens now.
    Raises InvalidInputError (a ProtocolError) for a record that cannot be read.
    """
    fields = IdentifyFields.read(detail)
    if dated and fields.date is None:
        raise InvalidInputError("RecordDate: missing")
    code, record_id = fields.code, fields.record_id
    meanings = IDENTIFY_CODES.get(code, ())
    user_id, card = fields.user_id, fields.card
    if code == FREE_PASS:
        # "免验证开门": nobody was verified; for a card the UserID field holds its number.
        card = card if card not in (None, "0") else user_id
        user_id = None
    is_entry, body_temp = fields.is_entry, fields.body_temp
    built = events(
        meanings,
        time=_time(fields.date, received),
        raw_code=f"{stream}:{code}",
        user_id=None if user_id == "0" else user_id,
        user_name=fields.name,
        direction=None if is_entry is None else (Direction.IN if is_entry else Direction.OUT),
        card_number=None if card == "0" else card,
        temperature=body_temp / 10 if body_temp and 0 < body_temp < 1000 else None,
        record_id=None if record_id is None else str(record_id),
        photo=photo,
    )
    return Record(built, stream, record_id, fields.date or 0)


def system_record(kind: int, item: Any, received: datetime) -> Record:
    """Turn one entry of UploadSystemRecord into a Record (a forced door gives two events)."""
    if kind not in (DOOR_RECORD_KIND, SYSTEM_RECORD_KIND):
        raise ProtocolError(f"system record: unknown RecordType {kind}")
    fields = SystemFields.read(item)
    stream = "door" if kind == DOOR_RECORD_KIND else "system"
    code, record_id = fields.code, fields.record_id
    table = DOOR_CODES if kind == DOOR_RECORD_KIND else SYSTEM_CODES
    built = events(
        table.get(code, ()),
        time=_time(fields.date, received),
        raw_code=f"{stream}:{code}",
        record_id=None if record_id is None else str(record_id),
    )
    return Record(built, stream, record_id, fields.date)
