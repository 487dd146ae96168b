"""History recovery shared by every family: ranges, narrowing, and the ledger's gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.access_terminal.protocols.dedup import MAX_GAP, MAX_GAPS, RecordLedger
from custom_components.access_terminal.protocols.errors import InvalidRequestError
from custom_components.access_terminal.protocols.history import (
    Recovery,
    SentNumbers,
    check_range,
    local_days,
    recovered,
    within,
)
from custom_components.access_terminal.protocols.model import AccessEvent, EventType, Record

NOW = datetime(2025, 1, 14, 8, 30, tzinfo=UTC)
DATE = int(NOW.timestamp())


def record(minutes: int, number: int | None = None) -> Record:
    moment = NOW + timedelta(minutes=minutes)
    event = AccessEvent(type=EventType.ACCESS_GRANTED, time=moment, user_id="1")
    return Record((event,), "identify", number, int(moment.timestamp()))


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (NOW - timedelta(hours=1), NOW - timedelta(hours=2), "ends before it starts"),
        (NOW + timedelta(hours=1), NOW + timedelta(hours=2), "starts in the future"),
        (datetime(1999, 12, 31, tzinfo=UTC), NOW, "before 2000"),
        (NOW.replace(tzinfo=None), NOW, "time zone"),
    ],
)
def test_ranges_no_terminal_can_be_asked_for(start: datetime, end: datetime, problem: str) -> None:
    with pytest.raises(InvalidRequestError, match=problem):
        check_range(start, end, NOW)


def test_a_range_of_the_past_up_to_now() -> None:
    check_range(NOW - timedelta(days=1), NOW, NOW)
    check_range(NOW, NOW, NOW)


def test_days_are_the_terminals_own() -> None:
    plus_eight = timezone(timedelta(hours=8))
    first, last = local_days(NOW - timedelta(hours=1), NOW + timedelta(hours=16), plus_eight)
    assert (first.isoformat(), last.isoformat()) == ("2025-01-14", "2025-01-15")


def test_records_are_narrowed_to_the_range_and_marked() -> None:
    records = [record(-90), record(-30), record(0), record(30)]
    kept = recovered(records, NOW - timedelta(hours=1), NOW)
    assert [r.events[0].time for r in kept] == [NOW - timedelta(minutes=30), NOW]
    assert all(r.recovered for r in kept)
    assert not within(Record(()), NOW - timedelta(hours=1), NOW)  # no event: no time


def test_a_recovery_marks_only_what_the_terminal_had_sent() -> None:
    """Records made after the recovery began (numbered above) stay new: live by their time."""
    recovery = Recovery(NOW - timedelta(hours=1), NOW + timedelta(hours=1), {"identify": 5})
    kept = recovery.take([record(-30, 4), record(-120, 2), record(-10, 5)])
    assert [(r.record_id, r.recovered) for r in kept] == [(4, True), (5, True)]
    kept = recovery.take([record(0, 6), record(1, None)])
    assert [(r.record_id, r.recovered) for r in kept] == [(6, False), (None, False)]
    assert recovery.count == 4


def test_the_numbers_a_terminal_sent() -> None:
    sent = SentNumbers()
    sent.note([record(0, 3), record(0, 1), Record(())])
    sent.note([record(0, 2)])
    assert sent.snapshot() == {"identify": 3}
    sent.clear()
    assert sent.snapshot() == {}


# -- the ledger: numbers the cursor jumped over ----------------------------------------------


def test_a_record_filling_a_gap_is_new_once() -> None:
    ledger = RecordLedger()
    for number in (1, 2, 5):
        assert ledger.remember("identify", number, DATE + number, now=DATE + 60)
    assert ledger.gaps("identify") == [3, 4]
    assert ledger.handled("identify", 2, DATE + 2)  # older than the cursor, and seen
    assert not ledger.handled("identify", 3, DATE + 3)  # older, but never seen
    ledger.remember("identify", 3, DATE + 3, now=DATE + 60)
    assert ledger.handled("identify", 3, DATE + 3)
    assert ledger.gaps("identify") == [4]


def test_gaps_survive_a_restart() -> None:
    ledger = RecordLedger()
    ledger.remember("identify", 1, DATE, now=DATE)
    ledger.remember("identify", 4, DATE + 4, now=DATE)
    restored = RecordLedger()
    restored.restore(ledger.export())
    assert restored.gaps("identify") == [2, 3]
    assert not restored.handled("identify", 2, DATE + 2)
    broken = RecordLedger()
    broken.restore({"gaps": {"identify": [-1, "2", 2**60], "door": "x"}})
    assert broken.gaps("identify") == []
    assert broken.gaps("door") == []


def test_a_renumbered_terminal_leaves_no_gaps() -> None:
    ledger = RecordLedger()
    ledger.remember("identify", 1, DATE, now=DATE)
    ledger.remember("identify", MAX_GAP + 3, DATE + 1, now=DATE)  # a jump over 65 numbers
    assert ledger.gaps("identify") == []
    assert "gaps" not in ledger.export()


def test_gaps_are_bounded() -> None:
    ledger = RecordLedger()
    number = 1
    ledger.remember("identify", number, DATE, now=DATE)
    while len(ledger.gaps("identify")) < MAX_GAPS:
        number += MAX_GAP + 1
        ledger.remember("identify", number, DATE + number, now=DATE + 10**6)
    number += MAX_GAP + 1
    ledger.remember("identify", number, DATE + number, now=DATE + 10**6)
    gaps = ledger.gaps("identify")
    assert len(gaps) == MAX_GAPS
    assert 2 not in gaps  # the oldest went first


def test_a_recovered_record_inside_a_span_is_decided_by_the_window() -> None:
    """Records of the same second: one lost between two of them is still new when asked for."""
    ledger = RecordLedger()
    for identity in (11, 33):
        ledger.remember("log", identity, DATE, ordered=False, now=DATE)
        ledger.covered("log", [DATE])
    # Sent again late (a whole log re-sent), the span recognises it; asked for, it is new.
    assert ledger.handled("log", 22, DATE, ordered=False, late=True)
    assert not ledger.handled("log", 22, DATE, ordered=False, late=True, recovered=True)
    assert ledger.handled("log", 33, DATE, ordered=False, late=True, recovered=True)
    # Older than anything the window still holds: the span decides, as for any late record.
    assert ledger.handled("log", 44, DATE, ordered=False, late=True, recovered=False)
    ledger.covered("log", [DATE - 100, DATE - 50])
    assert ledger.handled("log", 55, DATE - 80, ordered=False, late=True, recovered=True)
