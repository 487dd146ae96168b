"""History recovery: what every family's `recover_records` shares.

A terminal keeps its records; each family has its own query for them again (Webserver + JSON
`getlog`, the control API's log positions, cloud `getalllog`, ZK `ACCOUNT transaction`, HTTPv2
`RepostRecord`). What comes back is marked `recovered` (never live: it reaches the bus with
`catch_up: true`, not current state) and goes through the same de-duplication ledger as live
records, so a record already handled is not repeated. Queries by day are narrowed to the exact
range here.
"""

from __future__ import annotations

from collections.abc import Iterable
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


@dataclass(slots=True)
class Recovery:
    """A recovery under way whose records arrive on requests of their own (ZK archives)."""

    start: datetime
    end: datetime
    count: int = 0

    def take(self, records: Iterable[Record]) -> list[Record]:
        """Return the records of the range, marked recovered, and count them."""
        kept = recovered(records, self.start, self.end)
        self.count += len(kept)
        return kept
