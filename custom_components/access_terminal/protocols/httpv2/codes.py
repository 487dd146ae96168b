"""HTTPv2 record codes mapped to the shared event vocabulary.

Tables from specs/004_14e2b1c146f04a83.txt: "RecordType 事件类型" (identify records), "门磁记录"
(door records) and "系统记录" (system records). Codes with no place in the vocabulary (network
cable plugged in, watchdog reset...) map to no event; the record is still acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..codec import optional_int, optional_str, to_int
from ..errors import ProtocolError
from ..model import (
    AccessEvent,
    AlarmReason,
    DenyReason,
    Direction,
    EventType,
    Method,
    Record,
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
GRANTED, DENIED = EventType.ACCESS_GRANTED, EventType.ACCESS_DENIED


@dataclass(slots=True, frozen=True)
class Meaning:
    """What one device code means in the vocabulary."""

    type: EventType
    detail: str
    methods: tuple[Method, ...] = ()
    reason: DenyReason | AlarmReason | None = None


def _grant(detail: str, *methods: Method) -> Meaning:
    return Meaning(GRANTED, detail, methods)


def _deny(detail: str, reason: DenyReason, *methods: Method) -> Meaning:
    return Meaning(DENIED, detail, methods, reason)


FREE_PASS = 25

IDENTIFY_CODES: dict[int, Meaning] = {
    1: _grant("card", C),
    2: _grant("fingerprint", FP),
    3: _grant("face", F),
    4: _grant("card + fingerprint", C, FP),
    5: _grant("face + fingerprint", F, FP),
    6: _grant("card + face", C, F),
    7: _grant("card + password", C, PW),
    8: _grant("face + password", F, PW),
    9: _grant("fingerprint + password", FP, PW),
    10: _grant("user id + password", PW),
    11: _grant("card + fingerprint + password", C, FP, PW),
    12: _grant("card + face + password", C, F, PW),
    13: _grant("fingerprint + face + password", FP, F, PW),
    14: _grant("card + fingerprint + face", C, FP, F),
    15: _deny("repeated verification", DenyReason.INTERVAL),
    16: _deny("validity expired", DenyReason.EXPIRED),
    17: _deny("outside the door's time period", DenyReason.TIME_ZONE),
    18: _deny("holiday: the door may not open", DenyReason.TIME_ZONE),
    19: _deny("unregistered user", DenyReason.UNREGISTERED),
    20: _deny("detection lock active", DenyReason.LOCKED),
    21: _deny("allowed number of openings used up", DenyReason.EXPIRED),
    22: _deny("verification while the door is locked", DenyReason.LOCKED),
    23: _deny("card reported lost", DenyReason.BLACKLIST, C),
    24: _deny("blacklisted card", DenyReason.BLACKLIST, C),
    25: _grant("opened without verification"),
    26: _deny("card verification disabled", DenyReason.VERIFY_MODE, C),
    27: _deny("fingerprint verification disabled", DenyReason.VERIFY_MODE, FP),
    28: _deny("controller expired", DenyReason.OTHER),
    29: _grant("granted, validity about to expire"),
    30: _deny("abnormal body temperature", DenyReason.TEMPERATURE),
    31: _grant("visitor password", PW),
    32: _grant("dynamic QR code", QR),
    33: Meaning(EventType.USER_ADDED, "user added in the device menu"),
    34: Meaning(EventType.USER_UPDATED, "user changed in the device menu"),
    35: Meaning(EventType.USER_DELETED, "user deleted in the device menu"),
    36: _grant("palm vein", PALM),
    37: _grant("card + palm vein + face", C, PALM, F),
    38: _grant("palm vein + password", PALM, PW),
    39: _grant("card + palm vein", C, PALM),
    40: _grant("face + palm vein", F, PALM),
    41: _grant("card + palm vein + password", C, PALM, PW),
    42: _grant("palm vein + face + password", PALM, F, PW),
    43: _grant("fingerprint + palm vein + face", FP, PALM, F),
    # 44 "combination verification: waiting for the next person" is an intermediate step.
    45: _deny("combination verification failed", DenyReason.VERIFY_MODE),
    46: _grant("combination verification complete"),
    47: _grant("identity card compared with face", IDC, F),
    48: _deny("card not registered", DenyReason.UNREGISTERED, C),
    49: _deny("QR code not registered", DenyReason.UNREGISTERED, QR),
}


def _door(kind: EventType, detail: str, reason: DenyReason | None = None) -> tuple[Meaning, ...]:
    return (Meaning(kind, detail, reason=reason),)


def _alarm(reason: AlarmReason, detail: str, door: EventType | None = None) -> tuple[Meaning, ...]:
    alarm = Meaning(EventType.ALARM, detail, reason=reason)
    return (alarm,) if door is None else (Meaning(door, detail), alarm)


def _cleared(reason: AlarmReason, detail: str) -> tuple[Meaning, ...]:
    return (Meaning(EventType.ALARM_CLEARED, detail, reason=reason),)


DOOR_RECORD_KIND = 1
SYSTEM_RECORD_KIND = 2

DOOR_CODES: dict[int, tuple[Meaning, ...]] = {
    1: _door(EventType.DOOR_OPENED, "door contact: opened"),
    2: _door(EventType.DOOR_CLOSED, "door contact: closed"),
    # 3 / 4: the door contact alarm was armed / disarmed: a setting, not an event.
    5: _door(EventType.DOOR_HELD_OPEN, "door not closed"),
    6: _door(EventType.EXIT_BUTTON, "opened with the exit button"),
    # The button was pressed but the door stayed shut: a refusal, not an exit.
    7: (_deny("exit button pressed while locked", DenyReason.LOCKED, Method.BUTTON),),
    8: (_deny("exit button pressed, controller expired", DenyReason.OTHER, Method.BUTTON),),
}

SYSTEM_CODES: dict[int, tuple[Meaning, ...]] = {
    1: _door(EventType.REMOTE_UNLOCK, "opened by software"),
    2: _door(EventType.REMOTE_LOCK, "closed by software"),
    3: _door(EventType.REMOTE_UNLOCK, "held open by software"),
    6: _door(EventType.EXIT_BUTTON, "exit button held: door held open"),
    7: _door(EventType.EXIT_BUTTON, "exit button held: door back to normal"),
    8: _door(EventType.REMOTE_LOCK, "locked out by software"),
    # 9 "lock-out released by software" unlocks nothing: the lock's locked_out attribute shows it.
    14: _alarm(AlarmReason.OTHER, "illegal verification alarm"),
    15: _alarm(AlarmReason.FORCED, "door contact alarm", EventType.DOOR_FORCED_OPEN),
    16: _alarm(AlarmReason.DURESS, "duress alarm"),
    17: _alarm(AlarmReason.HELD_OPEN, "door open too long", EventType.DOOR_HELD_OPEN),
    18: _alarm(AlarmReason.OTHER, "blacklist alarm"),
    19: _alarm(AlarmReason.FIRE, "fire alarm"),
    20: _alarm(AlarmReason.TAMPER, "tamper alarm"),
    21: _cleared(AlarmReason.OTHER, "illegal verification alarm cleared"),
    22: _cleared(AlarmReason.FORCED, "door contact alarm cleared"),
    23: _cleared(AlarmReason.DURESS, "duress alarm cleared"),
    24: _cleared(AlarmReason.HELD_OPEN, "door open too long alarm cleared"),
    25: _cleared(AlarmReason.OTHER, "blacklist alarm cleared"),
    26: _cleared(AlarmReason.FIRE, "fire alarm cleared"),
    27: _cleared(AlarmReason.TAMPER, "tamper alarm cleared"),
    31: _alarm(AlarmReason.READER, "card reader wired in reverse"),
    32: _alarm(AlarmReason.READER, "card reader not connected"),
    33: _alarm(AlarmReason.READER, "unknown card reader"),
    38: _door(EventType.REMOTE_UNLOCK, "opened over Bluetooth"),
    40: (Meaning(EventType.USER_DELETED, "all users cleared in the device menu"),),
    42: (Meaning(EventType.USER_ADDED, "users imported from a USB drive"),),
    43: _door(EventType.REMOTE_UNLOCK, "opened from an indoor unit"),
    45: (Meaning(EventType.USER_DELETED, "all users deleted"),),
}

# Records after which the device holds no user at all.
ALL_USERS_DELETED_CODES = frozenset({"system:40", "system:45"})

_DOOR_METHODS = {
    EventType.EXIT_BUTTON: (Method.BUTTON,),
    EventType.REMOTE_UNLOCK: (Method.REMOTE,),
    EventType.REMOTE_LOCK: (Method.REMOTE,),
}

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

# The latest time a device can express (the document: "up to 2099-12-31").
_MAX_TIMESTAMP = 4_102_444_800


def parse_alarms(value: Any) -> frozenset[AlarmReason]:
    """Turn AlarmStatus ("fire,anti", "", even '""') into alarm reasons."""
    if not isinstance(value, str):
        return frozenset()
    names = (name.strip().strip('"').lower() for name in value.split(","))
    return frozenset(ALARM_NAMES.get(name, AlarmReason.OTHER) for name in names if name)


def record_time(value: Any, received: datetime) -> datetime:
    """Read a unix timestamp; an absent or impossible one becomes the time we received it."""
    seconds = optional_int(value)
    if seconds is None or not 0 < seconds < _MAX_TIMESTAMP:
        return received
    return datetime.fromtimestamp(seconds, UTC)


# Record numbers beyond this are not numbers a device keeps: no de-duplication by them.
_MAX_RECORD_ID = 2**53


def _record_id(value: Any) -> int | None:
    number = optional_int(value)
    return number if number is not None and 0 <= number < _MAX_RECORD_ID else None


def _date(value: Any) -> int:
    seconds = optional_int(value)
    return seconds if seconds is not None and 0 < seconds < _MAX_TIMESTAMP else 0


def identify_record(
    detail: dict[str, Any], photo: bytes | None, received: datetime, *, stream: str = "identify"
) -> Record:
    """Turn an identify record (RecordDetail) into a Record of at most one event."""
    code = to_int(detail.get("RecordType"), "RecordType")
    record_id = _record_id(detail.get("RecordID"))
    date = _date(detail.get("RecordDate"))
    meaning = IDENTIFY_CODES.get(code)
    if meaning is None:
        return Record((), stream, record_id, date)
    user_id = optional_str(detail.get("UserID"))
    card = optional_str(detail.get("CardNum"))
    if code == FREE_PASS:
        # "免验证开门": nobody was verified; for a card the UserID field holds its number.
        card = card if card not in (None, "0") else user_id
        user_id = None
    is_entry = optional_int(detail.get("IsEntry"))
    body_temp = optional_int(detail.get("BodyTemp"))
    event = AccessEvent(
        type=meaning.type,
        time=record_time(detail.get("RecordDate"), received),
        user_id=None if user_id == "0" else user_id,
        user_name=optional_str(detail.get("Name")),
        methods=meaning.methods,
        direction=None if is_entry is None else (Direction.IN if is_entry else Direction.OUT),
        card_number=None if card == "0" else card,
        temperature=body_temp / 10 if body_temp and 0 < body_temp < 1000 else None,
        reason=meaning.reason,
        record_id=None if record_id is None else str(record_id),
        raw_code=f"{stream}:{code}",
        detail=meaning.detail,
        photo=photo,
    )
    return Record((event,), stream, record_id, date)


def system_record(kind: int, item: Any, received: datetime) -> Record:
    """Turn one entry of UploadSystemRecord into a Record (a forced door gives two events)."""
    if not isinstance(item, dict):
        raise ProtocolError("system record: expected an object")
    if kind not in (DOOR_RECORD_KIND, SYSTEM_RECORD_KIND):
        raise ProtocolError(f"system record: unknown RecordType {kind}")
    stream = "door" if kind == DOOR_RECORD_KIND else "system"
    code = to_int(item.get("RecordType"), "RecordType")
    record_id = _record_id(item.get("RecordID"))
    table = DOOR_CODES if kind == DOOR_RECORD_KIND else SYSTEM_CODES
    time = record_time(item.get("RecordDate"), received)
    events = tuple(
        AccessEvent(
            type=meaning.type,
            time=time,
            methods=meaning.methods or _DOOR_METHODS.get(meaning.type, ()),
            reason=meaning.reason,
            record_id=None if record_id is None else str(record_id),
            raw_code=f"{stream}:{code}",
            detail=meaning.detail,
        )
        for meaning in table.get(code, ())
    )
    return Record(events, stream, record_id, _date(item.get("RecordDate")))
