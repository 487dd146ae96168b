"""HTTPv2 RepostRecord: the records a terminal sends again are told from new ones."""

from __future__ import annotations

from datetime import UTC, datetime

from custom_components.access_terminal.protocols.httpv2.repost import REPOST_WINDOW, Reposting
from custom_components.access_terminal.protocols.model import AccessEvent, EventType, Record

NOW = datetime(2025, 1, 14, 8, 30, tzinfo=UTC)


def records(*numbers: int, stream: str = "identify") -> list[Record]:
    event = AccessEvent(type=EventType.ACCESS_GRANTED, time=NOW)
    return [Record((event,), stream, number, int(NOW.timestamp())) for number in numbers]


def test_records_sent_again_are_recovered_new_ones_live() -> None:
    clock = [1000.0]
    reposting = Reposting(lambda: clock[0])
    assert not any(r.recovered for r in reposting.mark(records(1, 2, 3)))
    reposting.mark(records(7, stream="door"))
    reposting.mark([Record(())])  # no stream, no number: nothing to note
    reposting.started()
    marked = reposting.mark([*records(1, 2, 3, 4), *records(7, 8, stream="door")])
    assert [(r.stream, r.record_id, r.recovered) for r in marked] == [
        ("identify", 1, True),
        ("identify", 2, True),
        ("identify", 3, True),
        ("identify", 4, False),
        ("door", 7, True),
        ("door", 8, False),
    ]
    clock[0] += REPOST_WINDOW + 1  # long after: a number seen before is no repost any more
    assert not reposting.mark(records(2))[0].recovered


def test_a_cleared_terminal_sends_nothing_again() -> None:
    reposting = Reposting()
    reposting.mark(records(1, 2, 3))
    reposting.started()
    reposting.cleared()  # it numbers from 1 again: record 1 is a new one
    assert not reposting.mark(records(1))[0].recovered
