"""Which device records were handled already, per record stream (any family).

A device re-sends records when an acknowledgement was lost, after a restart of either side, or
when told to upload everything again, sometimes a thousand at a time. Each stream (identify,
door, system... records) numbers its records and dates them, so a stream keeps a cursor, the
latest (number, date) handled, and a small window of recent records for the few that arrive out
of order. A record no newer than the cursor in both number and date was handled; a device that
was cleared counts from 1 again but with later dates, so its new records pass.

A record can be missing from a numbered stream (an answer lost in transit, records asked for
again after an outage): when the cursor jumps over a few numbers, those numbers are kept as
gaps of the stream, and a record that fills a gap is new although it is older than the cursor.
Jumps longer than MAX_GAP (a renumbered terminal) are not noted.

A single absurd record must not blind the cursor: one numbered 4294967295 and dated 2099 would
make every later record look handled. So the cursor only moves to records dated at most
CURSOR_AHEAD past Home Assistant's clock; a record dated further ahead is remembered in the
window alone (and the caller is told, to say so).

Some streams have no numbering (attendance punches, cloud logs): their records are identified by
a checksum and recognised by a larger window of recent identities. Some terminals re-send their
whole log (tens of thousands of records) whatever they were told: for late records (not live:
see the coordinator) each stream also keeps the spans of dates its batches covered, and a late
record dated inside a span was handled. A record arriving live is never dropped by a span (a
clock set back an hour must not lose the punches of that hour).
"""

from __future__ import annotations

from typing import Any

# Only records arriving out of order need the window (the cursor covers re-sent batches).
WINDOW = 32
UNORDERED_WINDOW = 1024
# Spans of dates kept per unordered stream (the closest ones are merged beyond this).
MAX_SPANS = 64
# Numbers skipped by the cursor, kept per ordered stream (the oldest are forgotten beyond it).
MAX_GAPS = 256
# A jump of the cursor over more numbers than this is no gap but a renumbering.
MAX_GAP = 64
# The cursor never moves to a record dated more than this past the clock (seconds).
CURSOR_AHEAD = 600
_DATES = 10_000_000_000  # unix dates stay below 10**10 until the year 2286
# What a record number and a date may be (they are saved: JSON and the store hold these).
MAX_NUMBER = 2**53 - 1
MAX_DATE = _DATES - 1


def _entry(record_id: int, date: int) -> int:
    return record_id * _DATES + date


def _valid(number: Any, date: Any) -> bool:
    return (
        type(number) is int
        and type(date) is int
        and 0 <= number <= MAX_NUMBER
        and 0 <= date <= MAX_DATE
    )


class RecordLedger:
    """Cursors, recent-record windows and date spans of every stream of one terminal."""

    def __init__(self) -> None:
        """Start knowing nothing."""
        self._cursors: dict[str, tuple[int, int]] = {}
        # Insertion-ordered dicts used as bounded sets (smaller than OrderedDicts).
        self._windows: dict[str, dict[int, None]] = {}
        # Unordered streams: sorted, disjoint [first, last] dates their batches covered.
        self._spans: dict[str, list[list[int]]] = {}
        # Ordered streams: numbers the cursor jumped over, not handled yet.
        self._gaps: dict[str, dict[int, None]] = {}

    def handled(
        self,
        stream: str,
        record_id: int,
        date: int,
        *,
        ordered: bool = True,
        late: bool = False,
        recovered: bool = False,
    ) -> bool:
        """Return True if this record of `stream` was handled already.

        `late`: the record is not live (its own time is far from now), so the date spans of an
        unordered stream recognise it too. `recovered`: asked for again, so it may be one lost
        between records of the same span: where the window still reaches back to its date, the
        window alone decides.
        """
        if not _valid(record_id, date):
            return False  # never remembered either: see remember()
        cursor = self._cursors.get(stream) if ordered else None
        if (
            cursor is not None
            and date
            and record_id <= cursor[0]
            and date <= cursor[1]
            and record_id not in self._gaps.get(stream, ())
        ):
            return True
        window = self._windows.get(stream)
        if window is not None and _entry(record_id, date) in window:
            return True
        if not (late and date > 0 and self._in_span(stream, date)):
            return False
        return not (recovered and window is not None and date >= self._oldest(window))

    @staticmethod
    def _oldest(window: dict[int, None]) -> int:
        return min(entry % _DATES for entry in window)

    def remember(
        self, stream: str, record_id: int, date: int, *, ordered: bool = True, now: int
    ) -> bool:
        """Note a handled record; return False if it was too far ahead to move the cursor.

        `now` is Home Assistant's clock (unix seconds). A number or date out of range (beyond
        2**53, before 1970) is not remembered at all: nothing unstorable reaches the ledger.
        """
        if not _valid(record_id, date):
            return True
        window = self._windows.setdefault(stream, {})
        window[_entry(record_id, date)] = None
        limit = WINDOW if ordered else UNORDERED_WINDOW
        while len(window) > limit:
            del window[next(iter(window))]
        if not ordered or not date:
            return True
        gaps = self._gaps.get(stream)
        if gaps is not None:
            gaps.pop(record_id, None)
        if date > now + CURSOR_AHEAD:
            return False
        cursor = self._cursors.get(stream)
        if cursor is None or (date, record_id) > (cursor[1], cursor[0]):
            if cursor is not None and 1 < record_id - cursor[0] <= MAX_GAP + 1:
                self._note_gaps(stream, range(cursor[0] + 1, record_id))
            self._cursors[stream] = (record_id, date)
        return True

    def _note_gaps(self, stream: str, numbers: range | list[int]) -> None:
        gaps = self._gaps.setdefault(stream, {})
        gaps.update(dict.fromkeys(numbers))
        while len(gaps) > MAX_GAPS:
            del gaps[next(iter(gaps))]

    def covered(self, stream: str, dates: list[int]) -> None:
        """Note that one batch of an unordered stream covered these dates (first to last)."""
        dated = [date for date in dates if 0 < date <= MAX_DATE]
        if not dated:
            return
        spans = self._spans.setdefault(stream, [])
        spans.append([min(dated), max(dated)])
        spans.sort()
        merged: list[list[int]] = []
        for first, last in spans:
            if merged and first <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        while len(merged) > MAX_SPANS:
            # Join the two spans with the smallest gap between them.
            gap = min(range(len(merged) - 1), key=lambda n: merged[n + 1][0] - merged[n][1])
            merged[gap : gap + 2] = [[merged[gap][0], merged[gap + 1][1]]]
        self._spans[stream] = merged

    def _in_span(self, stream: str, date: int) -> bool:
        return any(first <= date <= last for first, last in self._spans.get(stream, ()))

    def gaps(self, stream: str) -> list[int]:
        """Return the numbers of `stream` the cursor jumped over and no record filled yet."""
        return list(self._gaps.get(stream, ()))

    @property
    def cursors(self) -> dict[str, tuple[int, int]]:
        """Return the latest (record number, date) handled, per stream."""
        return dict(self._cursors)

    def export(self) -> dict[str, Any]:
        """Return a JSON-friendly form (gaps only where a stream has some)."""
        gaps = {stream: list(numbers) for stream, numbers in self._gaps.items() if numbers}
        return {
            "cursors": {stream: list(cursor) for stream, cursor in self._cursors.items()},
            "windows": {
                stream: [list(divmod(entry, _DATES)) for entry in window]
                for stream, window in self._windows.items()
            },
            "spans": {
                stream: [list(span) for span in spans] for stream, spans in self._spans.items()
            },
            **({"gaps": gaps} if gaps else {}),
        }

    def restore(self, data: Any) -> None:
        """Reload export() output; anything unreadable or out of range is ignored."""
        if not isinstance(data, dict):
            return
        cursors, windows, spans, gaps = (
            data.get(key) for key in ("cursors", "windows", "spans", "gaps")
        )
        for stream, cursor in (cursors if isinstance(cursors, dict) else {}).items():
            if isinstance(cursor, list) and len(cursor) == 2 and _valid(*cursor):
                self._cursors[str(stream)] = (cursor[0], cursor[1])
        for stream, entries in (windows if isinstance(windows, dict) else {}).items():
            if isinstance(entries, list):
                kept = [
                    _entry(entry[0], entry[1])
                    for entry in entries
                    if isinstance(entry, list) and len(entry) == 2 and _valid(*entry)
                ][-UNORDERED_WINDOW:]
                self._windows[str(stream)] = dict.fromkeys(kept)
        for stream, stored in (spans if isinstance(spans, dict) else {}).items():
            if isinstance(stored, list):
                for span in stored[:MAX_SPANS]:
                    if isinstance(span, list) and len(span) == 2 and _valid(*span):
                        self.covered(str(stream), list(span))
        for stream, numbers in (gaps if isinstance(gaps, dict) else {}).items():
            if isinstance(numbers, list):
                kept = [number for number in numbers if _valid(number, 0)][-MAX_GAPS:]
                if kept:
                    self._note_gaps(str(stream), kept)
