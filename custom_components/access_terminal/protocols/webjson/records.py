"""What the Webserver + JSON device reports, in the shared model (specs/000_021a89f13c4f291f.txt).

`reg` describes the device (devinfo), `getdoorstatus` its door, `getrtlog` hands over real-time
records (and deletes them at the device: they exist nowhere else once read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
import zlib

from ..fields import (
    DeviceInput,
    check_time,
    decimal,
    integer,
    key,
    lenient,
    local_time,
    read_count,
    read_text,
    text,
    user_number,
)
from ..model import (
    AttendanceKind,
    DenyReason,
    Direction,
    DoorState,
    EventType,
    Family,
    Feature,
    Method,
    Record,
    TerminalInfo,
    Usage,
)
from ..vocab import denied, door, events, granted

# "Verification Methods (mode)" of the document.
MODES = {
    0: (Method.FINGERPRINT,),
    1: (Method.CARD,),
    2: (Method.PASSWORD,),
    3: (Method.FACE,),
    13: (Method.QR,),
}
# "Event Types (event)": clock in / out and overtime in / out carry a direction.
EVENT_DIRECTIONS = {1: Direction.IN, 2: Direction.OUT, 3: Direction.IN, 4: Direction.OUT}
EVENT_NAMES = {
    0: "normal",
    1: "clock in",
    2: "clock out",
    3: "overtime in",
    4: "overtime out",
    5: "F1",
    6: "F2",
    7: "F3",
    8: "F4",
}
# The same event numbers for records added to the log (`setlogs`).
ATTENDANCE_EVENTS = {
    AttendanceKind.NORMAL: 0,
    AttendanceKind.CLOCK_IN: 1,
    AttendanceKind.CLOCK_OUT: 2,
    AttendanceKind.OVERTIME_IN: 3,
    AttendanceKind.OVERTIME_OUT: 4,
    AttendanceKind.CUSTOM_1: 5,
    AttendanceKind.CUSTOM_2: 6,
    AttendanceKind.CUSTOM_3: 7,
    AttendanceKind.CUSTOM_4: 8,
}
# devinfo keys: usage key -> (used, size).
_USAGE = {
    "users": ("useduser", "usersize"),
    "faces": ("usedface", "facesize"),
    "fingerprints": ("usedfp", "fpsize"),
    "cards": ("usedcard", "cardsize"),
    "logs": ("usedlog", "logsize"),
}
# Lock modes of `lockctrl` (1 normally open, 2 normally closed, 3 back to normal).
LOCK_HOLD_OPEN = 1
LOCK_LOCKOUT = 2
LOCK_NORMAL = 3


# A terminal offers a few dozen languages at most ("getlangoption").
MAX_LANGUAGES = 64


def language_options(answer: Mapping[str, Any]) -> dict[int, str]:
    """Read `getlangoption` (`langs`: `lvalue` number, `ltitle` name); skip unreadable ones."""
    options: dict[int, str] = {}
    items = answer.get("langs")
    for item in items[:MAX_LANGUAGES] if isinstance(items, list) else ():
        if not isinstance(item, Mapping):
            continue
        value, title = read_count(item.get("lvalue")), read_text(item.get("ltitle"))
        if value is not None and title is not None:
            options[value] = title
    return options


def info_from_reg(serial: str, answer: Mapping[str, Any]) -> TerminalInfo:
    """Build TerminalInfo from the answer to `reg`."""
    devinfo = answer.get("devinfo")
    details: Mapping[str, Any] = devinfo if isinstance(devinfo, dict) else {}
    usage = {
        key: Usage(read_count(details.get(used)), read_count(details.get(size)))
        for key, (used, size) in _USAGE.items()
        if used in details or size in details
    }
    features = {Feature.CARD, Feature.PASSWORD}
    if (read_count(details.get("facesize")) or 0) > 0:
        features.add(Feature.FACE)
    if read_text(details.get("fpalgo")) or (read_count(details.get("fpsize")) or 0) > 0:
        features.add(Feature.FINGERPRINT)
    return TerminalInfo(
        serial=serial,
        family=Family.WEBJSON,
        model=read_text(details.get("modelname")),
        manufacturer=read_text(details.get("manufacturer")),
        firmware=read_text(details.get("firmware")),
        features=frozenset(features),
        doors=1,
        usage=usage,
    )


@dataclass(slots=True, frozen=True, kw_only=True)
class DoorStatusFields(DeviceInput):
    """The `getdoorstatus` answer: 0 closed, 1 open (any other value: not known)."""

    status: int | None = key(
        ("status", "doorstatus", "door", "state"), lenient(integer(0, 1)), default=None
    )


def door_from_status(answer: Mapping[str, Any], lock_mode: int) -> DoorState:
    """Read `getdoorstatus` (0 closed, 1 open); the lock mode is the last one we set.

    A value that is neither leaves the contact unknown rather than closed.
    """
    value = DoorStatusFields.read(answer).status
    return DoorState(
        door=1,
        is_open=None if value is None else value == 1,
        held_open=lock_mode == LOCK_HOLD_OPEN,
        locked_out=lock_mode == LOCK_LOCKOUT,
    )


def rtlog_items(answer: Mapping[str, Any]) -> list[Any] | None:
    """Return the records of a `getrtlog` (or `getlog`) answer, whatever the key.

    None when the answer holds records that are not a list (unreadable: they are lost, since
    the device deleted them as it handed them over).
    """
    for name in ("record", "records", "logs"):
        if name in answer:
            items = answer[name]
            return items if isinstance(items, list) else None
    return []


@dataclass(slots=True, frozen=True, kw_only=True)
class RtlogFields(DeviceInput):
    """One real-time record: who (0: not recognised), when, how, which function key."""

    user_id: str = key(("enrollid", "id"), user_number())
    time: datetime = key("time", local_time())
    mode: int | None = key("mode", lenient(integer(0, 255)), default=None)
    event: int | None = key("event", lenient(integer(0, 255)), default=None)
    name: str | None = key("name", lenient(text(64)), default=None)
    card: str | None = key("card", lenient(text(32)), default=None)
    # A body temperature; a reading outside 30-45 °C is no reading.
    temp: float | None = key(("temp", "temperature"), lenient(decimal(30.0, 45.0)), default=None)


def rtlog_record(item: Any, zone: tzinfo, received: datetime) -> Record:
    """Turn one real-time record into a Record; InvalidInputError when it cannot be read.

    A record of user "0" is someone the device did not recognise. Records carry no number, so
    the record itself is its identity (an unordered stream). `getlog` records read the same way.
    """
    fields = RtlogFields.read(item)
    moment = check_time(fields.time.replace(tzinfo=zone), received)
    mode, event = fields.mode, fields.event
    stranger = fields.user_id == "0"
    meanings = (
        denied("not registered", DenyReason.UNREGISTERED)
        if stranger
        else granted(f"verified ({EVENT_NAMES.get(event or 0, 'normal')})")
    )
    built = events(
        meanings,
        time=moment,
        raw_code=f"rtlog:{event}:{mode}",
        methods=MODES.get(mode, ()) if mode is not None else (),
        user_id=None if stranger else fields.user_id,
        user_name=fields.name,
        direction=EVENT_DIRECTIONS.get(event) if event is not None else None,
        card_number=fields.card,
        temperature=fields.temp,
    )
    # Who, when and which function key: what `getrtlog` and `getlog` both give of a record
    # (the document's `getlog` has no `mode`), so a record recovered is known for the same.
    identity_text = f"{fields.user_id}\t{fields.time:%Y-%m-%d %H:%M:%S}\t{event or 0}"
    identity = zlib.crc32(identity_text.encode()) & 0x7FFFFFFF
    return Record(built, "rtlog", identity, int(moment.timestamp()), ordered=False)


def door_change_record(before: DoorState | None, after: DoorState, time: datetime) -> Record | None:
    """Return the door event of a contact the polls saw change (None: no change seen).

    The document has no door records: a door opened or closed between two polls of
    `getdoorstatus` is the only sign of it, so it becomes a door event at the time it was seen.
    """
    if before is None or before.is_open is None or after.is_open is None:
        return None
    if after.is_open is before.is_open:
        return None
    if after.is_open:
        meaning, code = door(EventType.DOOR_OPENED, "door opened"), 1
    else:
        meaning, code = door(EventType.DOOR_CLOSED, "door closed"), 0
    return Record(events(meaning, time=time, raw_code=f"getdoorstatus:{code}"))
