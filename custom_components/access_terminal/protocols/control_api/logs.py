"""Attendance logs of the device control interface (specs/001_0944bd5a8bd87614.txt).

`GetAttendLog` and the log uploader both hand over `{"start_pos", "next_pos", "logs"}`: the
log at `start_pos + i` is the i-th of the list, so a position numbers each log for good and
`next_pos` is where to continue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from ..codec import optional_str, parse_local_time, to_int
from ..errors import ProtocolError
from ..model import Method, Record
from ..vocab import events, granted

# `mode` is a comma-separated list (the document's example has "face " with a space).
MODES = {"face": Method.FACE, "fp": Method.FINGERPRINT, "card": Method.CARD, "pwd": Method.PASSWORD}
STREAM = "attendlog"
# Positions stay far below this; a larger one is a broken answer.
MAX_POSITION = 2**53


@dataclass(slots=True, frozen=True)
class LogBatch:
    """One batch of logs: the records, where they start and where to continue."""

    start_pos: int
    next_pos: int
    records: list[Record]


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
    records = [
        record
        for offset, item in enumerate(logs)
        if (record := log_record(item, start + offset, zone, received)) is not None
    ]
    return LogBatch(start, next_pos, records)


def log_record(item: Any, position: int, zone: tzinfo, received: datetime) -> Record | None:
    """Turn one attendance log into a Record numbered by its position."""
    if not isinstance(item, dict):
        return None
    user_id = optional_str(item.get("user_id"))
    moment = parse_local_time(optional_str(item.get("time")), zone, separators="T ")
    mode = optional_str(item.get("mode")) or ""
    methods = tuple(
        MODES[part]
        for part in (piece.strip().lower() for piece in mode.split(","))
        if part in MODES
    )
    built = events(
        granted("attendance log"),
        time=moment or received,
        raw_code=f"attendlog:{mode.strip()}",
        methods=methods,
        user_id=user_id,
        record_id=str(position),
    )
    date = int(moment.timestamp()) if moment else 0
    return Record(built, STREAM, position, date)
