"""Attendance logs of the device control interface (specs/001_0944bd5a8bd87614.txt).

`GetAttendLog` and the log uploader both hand over `{"start_pos", "next_pos", "logs"}`: the
log at `start_pos + i` is the i-th of the list, so a position numbers each log for good and
`next_pos` is where to continue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from ..codec import to_int
from ..errors import ProtocolError
from ..fields import (
    DeviceInput,
    InvalidInputError,
    check_time,
    key,
    lenient,
    local_time,
    read_each,
    text,
)
from ..model import Method, Record
from ..vocab import events, granted

# `mode` is a comma-separated list (the document's example has "face " with a space).
MODES = {"face": Method.FACE, "fp": Method.FINGERPRINT, "card": Method.CARD, "pwd": Method.PASSWORD}
STREAM = "attendlog"
# Positions stay far below this; a larger one is a broken answer.
MAX_POSITION = 2**53


@dataclass(slots=True, frozen=True)
class LogBatch:
    """One batch of logs: the records, where they start and where to continue.

    `refused` holds the logs that could not be read (with why), to be logged and counted.
    """

    start_pos: int
    next_pos: int
    records: list[Record]
    refused: list[tuple[Any, ProtocolError]] = field(default_factory=list)


def _position(value: Any, what: str) -> int:
    number = to_int(value, what)
    if not 0 <= number < MAX_POSITION:
        raise ProtocolError(f"{what}: {number} is not a log position")
    return number


def parse_batch(
    payload: Mapping[str, Any], zone: tzinfo, received: datetime, *, default_start: int
) -> LogBatch:
    """Read an AttendLog payload (or an uploader request); raise ProtocolError if unusable."""
    start = _position(payload.get("start_pos", default_start), "start_pos")
    logs = payload.get("logs")
    if logs is None:
        logs = []
    if not isinstance(logs, list):
        raise ProtocolError("logs: expected a list")
    next_pos = _position(payload.get("next_pos", start + len(logs)), "next_pos")
    reading = read_each(
        enumerate(logs), lambda pair: log_record(pair[1], start + pair[0], zone, received)
    )
    refused = [(pair[1], err) for pair, err in reading.refused]
    return LogBatch(start, next_pos, reading.read, refused)


@dataclass(slots=True, frozen=True, kw_only=True)
class LogFields(DeviceInput):
    """One attendance log: whose, when (ISO 8601, the terminal's local time), how."""

    user_id: str | None = key("user_id", text(32))
    time: datetime = key("time", local_time())
    mode: str | None = key("mode", lenient(text(64)), default=None)


def log_record(item: Any, position: int, zone: tzinfo, received: datetime) -> Record:
    """Turn one attendance log into a Record numbered by its position.

    A log without a user or a time is unreadable (InvalidInputError): it is logged, never
    turned into someone let in at the time it arrived.
    """
    fields = LogFields.read(item)
    if fields.user_id is None:
        raise InvalidInputError("user_id: empty")
    moment = check_time(fields.time.replace(tzinfo=zone), received)
    mode = fields.mode or ""
    methods = tuple(
        MODES[part]
        for part in (piece.strip().lower() for piece in mode.split(","))
        if part in MODES
    )
    built = events(
        granted("attendance log"),
        time=moment,
        raw_code=f"attendlog:{mode.strip()}",
        methods=methods,
        user_id=fields.user_id,
        record_id=str(position),
    )
    return Record(built, STREAM, position, int(moment.timestamp()))
