"""History recovery: what every family's `recover_records` shares.

A terminal keeps its records; each family has its own query for them again (Webserver + JSON
`getlog`, the control API's log positions, cloud `getalllog`, ZK `ACCOUNT transaction`, HTTPv2
`RepostRecord`). What comes back is marked `recovered` (never live: it reaches the bus with
`catch_up: true`, not current state) and goes through the same de-duplication ledger as live
records, so a record already handled is not repeated. Queries by day are narrowed to the exact
range here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo

from .errors import InvalidRequestError
from .fields import EARLIEST
from .model import Record

# Why a range cannot be asked for: its problem's name (for callers that say it in their own
# words) and the library's wording.
RANGE_PROBLEMS = {
    "naive": "the range needs times with a time zone",
    "reversed": "the range ends before it starts",
    "future": "the range starts in the future",
    "too_early": "terminals keep no records from before 2000",
}


def range_problem(start: datetime, end: datetime, now: datetime) -> str | None:
    """Return what is wrong with the range (a key of RANGE_PROBLEMS), None if nothing.

    Terminals record from 2000 on (ZK's time encoding starts there); a range must not end
    before it starts, nor start in the future.
    """
    if start.tzinfo is None or end.tzinfo is None:
        return "naive"
    if end < start:
        return "reversed"
    if start > now:
        return "future"
    if start < EARLIEST:
        return "too_early"
    return None


def check_range(start: datetime, end: datetime, now: datetime) -> None:
    """Refuse a range no terminal can be asked for (InvalidRequestError)."""
    if (problem := range_problem(start, end, now)) is not None:
        raise InvalidRequestError(RANGE_PROBLEMS[problem])


def local_days(start: datetime, end: datetime, zone: tzinfo) -> tuple[date, date]:
    """Return the terminal's local days that hold `start` and `end` (for queries by day)."""
    return start.astimezone(zone).date(), end.astimezone(zone).date()


def within(record: Record, start: datetime, end: datetime) -> bool:
    """Return True if every event of the record happened between `start` and `end`."""
    return bool(record.events) and all(start <= event.time <= end for event in record.events)


def recovered(records: Iterable[Record], start: datetime, end: datetime) -> list[Record]:
    """Return the records of the range, marked recovered (the others are left out)."""
    return [replace(record, recovered=True) for record in records if within(record, start, end)]


class SentNumbers:
    """The highest record number a terminal sent, per stream.

    A history answer may hold records the terminal had not sent yet (made a moment ago): those
    numbered above what it had sent when the recovery began are new records, not recovered
    ones, and keep their own live or late time.
    """

    def __init__(self) -> None:
        """Start knowing no record."""
        self._highest: dict[str, int] = {}

    def note(self, records: Iterable[Record]) -> None:
        """Note the numbers of records the terminal sent."""
        highest = self._highest
        for record in records:
            stream, number = record.stream, record.record_id
            if stream is not None and number is not None:
                highest[stream] = max(number, highest.get(stream, number))

    def snapshot(self) -> dict[str, int]:
        """Return the highest numbers sent so far."""
        return dict(self._highest)

    def clear(self) -> None:
        """Forget them (a terminal whose records were erased numbers from 1 again)."""
        self._highest.clear()


def sent_before(record: Record, upto: Mapping[str, int]) -> bool:
    """Return True if the record was sent before (numbered at most `upto` of its stream)."""
    stream, number = record.stream, record.record_id
    return stream is not None and number is not None and number <= upto.get(stream, -1)


@dataclass(slots=True)
class Recovery:
    """A recovery under way whose records arrive on requests of their own (ZK archives).

    `upto`: the numbers the terminal had sent when it began (see SentNumbers); records of the
    range numbered above are not marked recovered.
    """

    start: datetime
    end: datetime
    upto: Mapping[str, int]
    count: int = 0

    def take(self, records: Iterable[Record]) -> list[Record]:
        """Return the records of the range, those sent before marked recovered; count them."""
        kept = [record for record in records if within(record, self.start, self.end)]
        self.count += len(kept)
        return [
            replace(record, recovered=True) if sent_before(record, self.upto) else record
            for record in kept
        ]
