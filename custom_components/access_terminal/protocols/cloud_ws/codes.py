"""Access records of the cloud WebSocket protocol (`sendlog`, `getnewlog`, `getalllog` items).

specs/002_c663bad8f76a6161.txt, "Send the logs" and "Note: about the logs": a record of a person
(`enrollid` other than 0) says how they identified (`mode`), which reader (`inout`), which function
key (`event`), their temperature and a photo; a record with `enrollid` 0 is the door itself, its
`event` one of T_UI_MGLOG_TYPE. The document gives two `mode` tables (see ModeTable).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any
import zlib

from ..codec import body_temperature, decode_base64
from ..fields import (
    MAX_DOORS,
    DeviceInput,
    Reading,
    check_door,
    check_time,
    integer,
    key,
    lenient,
    local_time,
    read_each,
    text,
)
from ..model import AlarmReason as A, Direction, DoorState, EventType as E, Method, Record
from ..vocab import Meaning, alarm, door, events, granted
from .users import MAX_ENROLL_ID

# Every record of a terminal, live (`sendlog`) or fetched (`getnewlog`), is one stream: records
# carry no number, so each is known by a checksum of its fields (an unordered stream).
STREAM = "log"


class ModeTable(StrEnum):
    """Which of the document's `mode` tables a terminal uses."""

    # The sendlog example and the verifymode list of "Send user information" (5.09): 2 is a
    # password, 3 a card, 8 a face; the newest text, and what AI face terminals send.
    VERIFY = "verify"
    # "Note: about the logs": 2 is a card, 3 a password (older fingerprint terminals).
    LOG_NOTE = "log_note"
    # The "Get all logs" example: 0 is a fingerprint, 1 a card, 2 a password (fingerprint and
    # card terminals that count from 0).
    FROM_ZERO = "from_zero"


_FP, _PWD, _CARD = Method.FINGERPRINT, Method.PASSWORD, Method.CARD
_FACE, _PALM = Method.FACE, Method.PALM
_VERIFY_MODES: dict[int, tuple[Method, ...]] = {
    1: (_FP,),
    2: (_PWD,),
    3: (_CARD,),
    4: (_FP, _PWD),
    5: (_FP, _CARD),
    8: (_FACE,),
    9: (_FACE, _PWD),
    10: (_FACE, _CARD),
    11: (_CARD, _PWD),
    12: (_FP, _FACE),
    13: (Method.QR,),
    14: (_FACE,),  # face + (card or password): which one is not said
    15: (Method.ID_CARD,),
    16: (_PALM,),
    21: (_PALM, _FACE),
    22: (_FP, _PALM),
    23: (_CARD, _PALM),
    24: (_PALM, _PWD),
}
# The "Get all logs" example names 0-2; above 3 a code reads as in the verifymode list (3,
# a card there, is nothing here).
_FROM_ZERO_MODES: dict[int, tuple[Method, ...]] = {
    **{code: methods for code, methods in _VERIFY_MODES.items() if code > 3},
    0: (_FP,),
    1: (_CARD,),
    2: (_PWD,),
}
MODE_TABLES: Mapping[ModeTable, Mapping[int, tuple[Method, ...]]] = {
    ModeTable.VERIFY: _VERIFY_MODES,
    ModeTable.LOG_NOTE: {**_VERIFY_MODES, 2: (_CARD,), 3: (_PWD,)},
    ModeTable.FROM_ZERO: _FROM_ZERO_MODES,
}

# T_UI_MGLOG_TYPE: what a record with enrollid 0 reports about the door.
DOOR_EVENTS: Mapping[int, tuple[Meaning, ...]] = {
    0: door(E.DOOR_CLOSED, "door closed"),
    1: door(E.DOOR_OPENED, "door opened"),
    2: door(E.EXIT_BUTTON, "opened with the exit button"),
    3: door(E.REMOTE_UNLOCK, "opened by software"),
    4: door(E.REMOTE_LOCK, "closed by software"),
    5: alarm(A.FORCED, "door opened illegally", E.DOOR_FORCED_OPEN),
    6: alarm(A.TAMPER, "terminal removed from the wall"),
    7: alarm(A.OTHER, "input alarm"),
}
_DOOR_STATES = {E.DOOR_OPENED: True, E.DOOR_FORCED_OPEN: True, E.DOOR_CLOSED: False}
_DIRECTIONS = {0: Direction.IN, 1: Direction.OUT}
_PASSAGE = granted("access")


@dataclass(slots=True, frozen=True, kw_only=True)
class LogFields(DeviceInput):
    """One log item: who (0 is the door itself), when, how, at which door."""

    enroll_id: int = key(("enrollid", "enrolled"), integer(0, MAX_ENROLL_ID))
    time: datetime = key("time", local_time())
    mode: int | None = key("mode", lenient(integer(0, 255)), default=None)
    inout: int | None = key("inout", lenient(integer(0, 255)), default=None)
    event: int | None = key("event", lenient(integer(0, 255)), default=None)
    door: int | None = key(("doornum", "door"), integer(0, MAX_DOORS), default=None)
    temp: str | None = key("temp", lenient(text(16)), default=None)


def log_record(
    item: Any, zone: tzinfo, received: datetime, table: ModeTable = ModeTable.VERIFY
) -> Record:
    """Turn one log item into a Record; InvalidInputError (a ProtocolError) when unreadable."""
    fields = LogFields.read(item)
    enroll_id, mode, inout, event = fields.enroll_id, fields.mode, fields.inout, fields.event
    moment = check_time(fields.time.replace(tzinfo=zone), received)
    door_number = check_door(fields.door)
    if enroll_id == 0:
        meanings = DOOR_EVENTS.get(event, ()) if event is not None else ()
        raw_code = f"door:{event}"
        user_id = None
    else:
        meanings = _PASSAGE
        raw_code = f"mode:{mode}:event:{event}"
        user_id = str(enroll_id)
    built = events(
        meanings,
        time=moment,
        raw_code=raw_code,
        door_number=door_number,
        methods=MODE_TABLES[table].get(mode, ()) if mode is not None and user_id else (),
        user_id=user_id,
        direction=_DIRECTIONS.get(inout) if inout is not None and user_id else None,
        temperature=body_temperature(fields.temp),
        photo=decode_base64(item.get("image")),
    )
    # The time as the terminal wrote it (it is valid: read above), as in earlier versions.
    identity = f"{enroll_id}|{item.get('time')}|{mode}|{inout}|{event}|{door_number}"
    checksum = zlib.crc32(identity.encode()) & 0x7FFFFFFF
    return Record(built, STREAM, checksum, int(moment.timestamp()), ordered=False)


def door_states(record: Record) -> dict[int, bool]:
    """Return {door: is open} for the doors a record says opened or closed."""
    return {
        event.door: _DOOR_STATES[event.type]
        for event in record.events
        if event.type in _DOOR_STATES
    }


def log_records(
    items: Sequence[Any], zone: tzinfo, received: datetime, table: ModeTable
) -> Reading[Record]:
    """Read log items; an unreadable one is set aside (the batch is never refused for it)."""
    return read_each(items, lambda item: log_record(item, zone, received, table))


def doors_after(doors: Mapping[int, DoorState], records: Iterable[Record]) -> dict[int, DoorState]:
    """Return `doors` with the openings and closings the records tell of."""
    after = dict(doors)
    for record in records:
        for number, is_open in door_states(record).items():
            known = after.get(number) or DoorState(door=number)
            after[number] = replace(known, is_open=is_open)
    return after
