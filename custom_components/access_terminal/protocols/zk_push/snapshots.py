"""Snapshots a ZK terminal takes with its records (ATTPHOTO), read and paired with their events.

specs/003_918f4eda729658fc.txt, 10.9 "Upload Snapshot": a terminal with a camera uploads the
picture it took of a passage, a refusal or a doorbell ring as a row
`pin=<time>-<user>.jpg  sn=...  size=...  photo=<base64 JPEG>`; the file name is the only link
to the record (the terminal's local time to the second, and the user, 0 for nobody). The
picture may come before or after its rtlog record: one that comes first waits a little and goes
with its record's events (`has_photo`); every live one becomes the terminal's last photo.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
import re
import time

from ..codec import naive_time
from ..fields import (
    DeviceInput,
    InvalidInputError,
    Reading,
    check_time,
    jpeg,
    jpeg_base64,
    key,
    read_each,
    text,
)
from ..model import AccessEvent, Record
from .wire import parse_fields, record_lines

# "20181003143617-22.jpg": the time of the record, then the user (0: nobody; left out by some
# firmware); some attendance firmware writes "22_20181003143617.jpg".
_NAME = re.compile(
    r"(?:(?P<time>\d{14})(?:-(?P<user>[A-Za-z0-9]{1,24}))?"
    r"|(?P<user_first>[A-Za-z0-9]{1,24})_(?P<time_last>\d{14}))\.jpe?g",
    re.IGNORECASE,
)
# A snapshot and the events of its record are at most this far apart (a terminal stamps the
# picture when it is saved, a second or so after the record).
PAIRING_WINDOW = timedelta(seconds=2)
# Snapshots that wait for their record: how many, and how long (seconds).
WAITING = 8
WAITING_FOR = 30.0
_read_photo, _read_jpeg = jpeg_base64(), jpeg()


@dataclass(slots=True, frozen=True)
class Snapshot:
    """A picture the terminal took, when, and of whom (None: nobody, a doorbell ring)."""

    taken: datetime
    user_id: str | None
    photo: bytes = field(repr=False)


@dataclass(slots=True, frozen=True, kw_only=True)
class SnapshotFields(DeviceInput):
    """The fields of an ATTPHOTO row that are not the picture (the name says what it shows)."""

    name: str | None = key("pin", text(64))


def snapshot_rows(body: str) -> list[str]:
    """Split an ATTPHOTO upload into rows.

    Each row starts with its `pin=` (the table name before it is optional); other lines
    continue the row before (wrapped base64).
    """
    rows: list[list[str]] = []
    for line in record_lines(body):
        head = line.lstrip()
        if head.lower().startswith("attphoto"):
            head = head[len("attphoto") :].lstrip()
        if head.lower().startswith("pin=") or not rows:
            rows.append([line])
        else:
            rows[-1].append(line.strip())
    return ["".join(row) if len(row) > 1 else row[0] for row in rows]


def read_snapshot(row: str, zone: tzinfo, received: datetime) -> Snapshot:
    """Read one ATTPHOTO row; InvalidInputError (a ProtocolError) when it cannot be read."""
    fields = parse_fields(row)
    name = SnapshotFields.read(fields).name
    return snapshot_of(name, fields.get("photo"), zone, received)


def snapshot_of(
    name: str | None, photo: str | bytes | None, zone: tzinfo, received: datetime
) -> Snapshot:
    """Read a snapshot from its file name and picture (base64 text, or the JPEG's bytes)."""
    name = name or ""
    match = _NAME.fullmatch(name.strip())
    stamp = (match.group("time") or match.group("time_last")) if match else None
    moment = naive_time(_spaced(stamp)) if stamp else None
    if match is None or moment is None:
        raise InvalidInputError(f"pin: {name[:64]!r} (not a snapshot name <time>-<user>.jpg)")
    try:
        data = _read_jpeg(photo) if isinstance(photo, bytes) else _read_photo(photo)
    except (TypeError, ValueError) as err:
        # The picture itself is never shown in a log: only why it cannot be read.
        raise InvalidInputError(f"photo: {err}") from None
    user = match.group("user") or match.group("user_first")
    return Snapshot(
        taken=check_time(moment.replace(tzinfo=zone), received),
        user_id=None if user is None or user.lstrip("0") == "" else user.lstrip("0"),
        photo=data,
    )


def _spaced(stamp: str) -> str:
    """Return "YYYYMMDDhhmmss" as "YYYY-MM-DD hh:mm:ss"."""
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[8:10]}:{stamp[10:12]}:{stamp[12:]}"


def read_snapshots(body: str, zone: tzinfo, received: datetime) -> Reading[Snapshot]:
    """Read an ATTPHOTO upload (pure: large bodies are read in an executor)."""
    return read_each(snapshot_rows(body), lambda row: read_snapshot(row, zone, received))


def read_attendance_snapshot(body: bytes, zone: tzinfo, received: datetime) -> Snapshot:
    """Read an attendance terminal's ATTPHOTO: text headers (`PIN=<name>`...), NUL, the JPEG."""
    head, separator, picture = body.partition(b"\0")
    if not separator:
        raise InvalidInputError("no picture after the headers")
    headers = {
        name.strip().lower(): value.strip()
        for line in head.decode("utf-8", "replace").splitlines()
        for name, _, value in (line.partition("="),)
    }
    name = SnapshotFields.read(headers).name
    return snapshot_of(name, picture, zone, received)


def shown(row: str) -> str:
    """Return what may be logged of an unreadable row: everything but the picture."""
    return re.sub(r"photo=\S*", "photo=...", row[:2000])


class SnapshotPairing:
    """Snapshots waiting for their record (a terminal may send the picture first)."""

    def __init__(self) -> None:
        """Start with nothing waiting."""
        self._waiting: deque[tuple[float, Snapshot]] = deque(maxlen=WAITING)

    def keep(self, snapshot: Snapshot) -> None:
        """Let `snapshot` wait for its record (the oldest waiting one goes when full)."""
        self._waiting.append((time.monotonic(), snapshot))

    def attach(self, records: Iterable[Record]) -> None:
        """Give the events of `records` the snapshot taken with them, if one waits."""
        self._forget_old()
        for record in records:
            if (snapshot := self._take(record.events)) is not None:
                for event in record.events:
                    event.photo = snapshot.photo

    def _take(self, events: Sequence[AccessEvent]) -> Snapshot | None:
        if not events:
            return None
        first = events[0]
        for item in self._waiting:
            snapshot = item[1]
            if snapshot.user_id == first.user_id and (
                abs(snapshot.taken - first.time) <= PAIRING_WINDOW
            ):
                self._waiting.remove(item)
                return snapshot
        return None

    def _forget_old(self) -> None:
        oldest = time.monotonic() - WAITING_FOR
        while self._waiting and self._waiting[0][0] < oldest:
            self._waiting.popleft()
