"""Which device records were handled already, per record stream (any family).

A device re-sends records when an acknowledgement was lost, after a restart of either side, or
when told to upload everything again, sometimes a thousand at a time. Each stream (identify,
door, system... records) numbers its records and dates them, so a stream keeps a cursor, the
latest (number, date) handled, and a small window of recent records for the few that arrive out
of order. A record no newer than the cursor in both number and date was handled; a device that
was cleared counts from 1 again but with later dates, so its new records pass.

Some streams have no numbering (attendance punches): their records are identified by a checksum
and recognised by a larger window alone, big enough for the batch a device re-sends when our
acknowledgement was lost.
"""

from __future__ import annotations

from typing import Any

# Only records arriving out of order need the window (the cursor covers re-sent batches).
WINDOW = 32
UNORDERED_WINDOW = 1024
_DATES = 10_000_000_000  # unix dates stay below 10**10 until the year 2286


def _entry(record_id: int, date: int) -> int:
    return record_id * _DATES + date


class RecordLedger:
    """Cursors and recent-record windows of every stream of one terminal."""

    def __init__(self) -> None:
        """Start knowing nothing."""
        self._cursors: dict[str, tuple[int, int]] = {}
        # Insertion-ordered dicts used as bounded sets (smaller than OrderedDicts).
        self._windows: dict[str, dict[int, None]] = {}

    def handled(self, stream: str, record_id: int, date: int, *, ordered: bool = True) -> bool:
        """Return True if this record of `stream` was handled already."""
        cursor = self._cursors.get(stream) if ordered else None
        if cursor is not None and date and record_id <= cursor[0] and date <= cursor[1]:
            return True
        window = self._windows.get(stream)
        return window is not None and _entry(record_id, date) in window

    def remember(self, stream: str, record_id: int, date: int, *, ordered: bool = True) -> None:
        """Note a handled record."""
        window = self._windows.setdefault(stream, {})
        window[_entry(record_id, date)] = None
        limit = WINDOW if ordered else UNORDERED_WINDOW
        while len(window) > limit:
            del window[next(iter(window))]
        if not ordered:
            return
        cursor = self._cursors.get(stream)
        if date and (cursor is None or (date, record_id) > (cursor[1], cursor[0])):
            self._cursors[stream] = (record_id, date)

    @property
    def cursors(self) -> dict[str, tuple[int, int]]:
        """Return the latest (record number, date) handled, per stream."""
        return dict(self._cursors)

    def export(self) -> dict[str, Any]:
        """Return a JSON-friendly form."""
        return {
            "cursors": {stream: list(cursor) for stream, cursor in self._cursors.items()},
            "windows": {
                stream: [list(divmod(entry, _DATES)) for entry in window]
                for stream, window in self._windows.items()
            },
        }

    def restore(self, data: Any) -> None:
        """Reload export() output; anything unreadable is ignored."""
        if not isinstance(data, dict):
            return
        for stream, cursor in (data.get("cursors") or {}).items():
            if (
                isinstance(cursor, list)
                and len(cursor) == 2
                and all(isinstance(value, int) for value in cursor)
            ):
                self._cursors[str(stream)] = (cursor[0], cursor[1])
        for stream, entries in (data.get("windows") or {}).items():
            if isinstance(entries, list):
                kept = [
                    _entry(entry[0], entry[1])
                    for entry in entries
                    if isinstance(entry, list)
                    and len(entry) == 2
                    and all(isinstance(value, int) for value in entry)
                ][-UNORDERED_WINDOW:]
                self._windows[str(stream)] = dict.fromkeys(kept)
