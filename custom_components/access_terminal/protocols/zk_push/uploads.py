"""What ZK terminals upload, read: tables, attendance logs, remote identifications, archives.

The handlers (iclock.py) decide what each upload changes and how to answer; here the uploads
are only read. Records themselves are read in codes.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
import io
import tarfile

from ..codec import decode_text, gunzip, optional_int
from ..errors import ProtocolError
from ..fields import DeviceInput, Reading, check_door, key, lenient, read_each, text
from ..model import AccessEvent, DoorState, EventType, Method, Record, User, UserChange
from .codes import attlog_record, rtlog_record, rtstate_doors, transaction_record
from .errorlog import read_error
from .users import user_from_userinfo
from .wire import event_rows, parse_fields, record_lines

MAX_ARCHIVE = 16 * 1024 * 1024
# Tables whose rows mean a user changed at the terminal (its keypad, its enrollment).
_USER_TABLES = ("user", "biodata", "templatev10", "biophoto", "userpic")
# Attendance getrequest INFO: firmware, users, fingerprints, punches, IP, FP version, face
# version, face templates, faces.
_INFO_FIELDS = (
    "FWVersion",
    "UserCount",
    "FPCount",
    "TransactionCount",
    "IPAddress",
    "ZKFPVersion",
    "FaceVersion",
)
_INFO_FACES = 8
_OPLOG_CHANGES = {6: UserChange.UPDATED, 7: UserChange.UPDATED, 8: UserChange.UPDATED}
_OPLOG_DELETED = 9
# Door sensor events of rtlog: opened, closed.
_DOOR_EVENT_STATES = {"rtlog:200": True, "rtlog:201": False}
# Appendix 2, code 255: "door status" (NO_EVENT_CODES in codes.py: state only, no event).
_DOOR_STATUS = "255"


@dataclass(slots=True, frozen=True)
class TableUpload:
    """A `tabledata` upload: which users it changed, its events, and the rows not readable."""

    changed: tuple[str, ...]
    refused: list[tuple[str, ProtocolError]]
    records: list[Record]


def read_table(table: str, rows: Sequence[str]) -> TableUpload:
    """Read the rows of a `tabledata` upload.

    Users changed become admin events, identity cards read `id_card_read` events, error logs
    `device_error` events.
    """
    changed: dict[str, str | None] = {}
    refused: list[tuple[str, ProtocolError]] = []
    cards: list[AccessEvent] = []
    lowered = table.lower()
    for row in rows:
        fields = parse_fields(row)
        pin = (fields.get("pin") or "").strip()
        if lowered == "errorlog":
            try:
                if (error := read_error(fields)) is not None:
                    cards.append(error)
            except ProtocolError as err:
                refused.append((row, err))
        elif lowered == "identitycard":
            cards.append(_identity_card(fields))
        elif pin and pin != "0" and lowered in _USER_TABLES:
            # A user row names the person; template and photo rows do not.
            changed[pin] = (fields.get("name") or "").strip() or changed.get(pin)
    events = cards + [
        AccessEvent(
            type=EventType.USER_UPDATED,
            time=datetime.now(UTC),
            user_id=pin,
            user_name=name,
            raw_code=f"tabledata:{lowered}",
            detail="credential enrolled at the terminal"
            if lowered != "user"
            else "user changed at the terminal",
        )
        for pin, name in changed.items()
    ]
    return TableUpload(tuple(changed), refused, [Record(tuple(events))] if events else [])


@dataclass(slots=True, frozen=True, kw_only=True)
class IdentityCardFields(DeviceInput):
    """The fields of an `identitycard` row kept (a field out of shape is left out)."""

    pin: str | None = key("pin", lenient(text(32)), default=None)
    number: str | None = key("sn_num", lenient(text(32)), default=None)
    name: str | None = key("name", lenient(text(64)), default=None)


def _identity_card(fields: dict[str, str]) -> AccessEvent:
    """Read an identity card row (section 10.6): who, and the card's number.

    The terminal uploads it when an identity card is read at it (to register its holder): not
    an access decision.

    Only the card's physical number is kept: the citizen number, address, photo and templates
    the row also carries are personal data Home Assistant has no use for.
    """
    card = IdentityCardFields.read(fields)
    return AccessEvent(
        type=EventType.ID_CARD_READ,
        time=datetime.now(UTC),
        user_id=None if card.pin in (None, "0") else card.pin,
        user_name=card.name,
        methods=(Method.ID_CARD,),
        card_number=card.number,
        raw_code="tabledata:identitycard",
        detail="identity card read",
    )


def door_event_state(event: AccessEvent) -> bool | None:
    """Return whether a door sensor event says the door is open (None: not such an event)."""
    return _DOOR_EVENT_STATES.get(event.raw_code or "")


def read_operlog(lines: Iterable[str]) -> Iterator[User | tuple[str, UserChange]]:
    """Read an OPERLOG upload, in order: users (USER lines) and changes to users."""
    for line in lines:
        head = line.split(None, 1)[0].upper()
        if head == "USER":
            if (user := user_from_userinfo(parse_fields(line))) is not None:
                yield user
        elif head in ("FP", "FACE", "BIODATA"):
            if pin := parse_fields(line).get("pin"):
                yield pin, UserChange.UPDATED
        elif head == "OPLOG" and (change := _oplog_change(line)) is not None:
            yield change


def _oplog_change(line: str) -> tuple[str, UserChange] | None:
    # "OPLOG <type>\t<who>\t<time>\t<value1>..."; firmware may indent the line.
    parts = line.strip().split("\t")
    words = parts[0].split()
    code = optional_int(words[-1]) if len(words) > 1 else None
    pin = parts[3].strip() if len(parts) > 3 else ""
    if not pin or pin == "0" or code is None:
        return None
    if code == _OPLOG_DELETED:
        return pin, UserChange.DELETED
    if (change := _OPLOG_CHANGES.get(code)) is not None:
        return pin, change
    return None


def read_counted(table: str, text: str) -> tuple[int, list[str]]:
    """Read an attendance photo or template upload: how many items, and the users changed."""
    if table == "ATTPHOTO":
        return 1, []  # one photo: text headers, a NUL, then the JPEG
    lines = record_lines(text)
    return len(lines), [pin for line in lines if (pin := parse_fields(line).get("pin"))]


def read_info(info: str) -> dict[str, str]:
    """Read the INFO of an attendance terminal's command request into options."""
    values = [value.strip() for value in info.split(",")]
    options = {key: value for key, value in zip(_INFO_FIELDS, values, strict=False) if value}
    if len(values) > _INFO_FACES and values[_INFO_FACES]:
        options["FaceCount"] = values[_INFO_FACES]
    return options


@dataclass(slots=True, frozen=True)
class EventUpload:
    """An rtlog upload read: its records, and the door states some firmware sends as rtlog."""

    records: Reading[Record]
    door_states: list[dict[int, DoorState]]


def read_rtlog(text: str, zone: tzinfo, received: datetime, doors: int) -> EventUpload:
    """Read an rtlog body (pure: large bodies are read in an executor)."""
    door_rows: list[str] = []
    lines: list[dict[str, str]] = []
    for row in event_rows(text):
        fields = parse_fields(row)
        if "sensor" in fields and fields.get("event", _DOOR_STATUS) == _DOOR_STATUS:
            door_rows.append(row)  # door states sent as rtlog (event 255, or no event at all)
        if "event" in fields:
            lines.append(fields)  # event 255 too: no event, but its index is acknowledged
    records = read_each(lines, lambda fields: rtlog_record(fields, zone, received))
    return EventUpload(records, door_reports(door_rows, doors))


def door_reports(rows: Iterable[str], doors: int) -> list[dict[int, DoorState]]:
    """Read rtstate rows into door states, each a change from the one before it (pure)."""
    reports: list[dict[int, DoorState]] = []
    for row in rows:
        state = rtstate_doors(row, doors)
        if not reports or state != reports[-1]:
            reports.append(state)
    return reports


def read_punches(text: str, zone: tzinfo, received: datetime) -> Reading[Record]:
    """Read an ATTLOG body: one punch per line."""
    return read_each(record_lines(text), lambda line: attlog_record(line, zone, received))


def read_transactions(rows: Iterable[str], zone: tzinfo, received: datetime) -> Reading[Record]:
    """Read `transaction` rows (of an ACCOUNT archive or a DATA QUERY answer)."""
    return read_each(rows, lambda row: transaction_record(row, zone, received))


def read_identification(row: str, zone: tzinfo) -> AccessEvent:
    """Read a remote identification request: who asks to pass, at which door, and how.

    Raises InvalidInputError (a ProtocolError) when it cannot be read: the request is refused.
    """
    received = datetime.now(UTC)
    record = rtlog_record(row, zone, received)
    fields = parse_fields(row)
    pin = (fields.get("pin") or "").strip()
    card = (fields.get("cardno") or "").strip()
    door = record.events[0].door if record.events else check_door(_door_of(fields))
    return AccessEvent(
        type=EventType.ACCESS_GRANTED,
        time=record.events[0].time if record.events else received,
        door=door,
        user_id=pin if pin and pin != "0" else None,
        methods=record.events[0].methods if record.events else (),
        card_number=None if card in ("", "0") else card,
    )


def _door_of(fields: dict[str, str]) -> int | None:
    return optional_int(fields.get("eventaddr"))


def archive_rows(data: bytes) -> list[str]:
    """Read the transaction lines of an ACCOUNT upload (a tgz of transaction.txt).

    Inflated within MAX_ARCHIVE bytes, checked while inflating (an archive of a megabyte may
    hold a gigabyte of zeros); pure, so that the caller runs it in an executor.
    """
    tar = gunzip(data, MAX_ARCHIVE)
    try:
        with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as archive:
            rows: list[str] = []
            for member in archive.getmembers():
                if not member.isfile():
                    continue
                extracted = archive.extractfile(member)
                if extracted is not None:
                    rows.extend(record_lines(decode_text(extracted.read())))
            return rows
    except (tarfile.TarError, OSError, EOFError, ValueError) as err:
        raise ProtocolError(f"not a tgz archive: {err}") from None
