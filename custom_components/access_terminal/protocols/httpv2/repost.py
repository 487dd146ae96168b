"""Which records an HTTPv2 terminal sends again because it was told to (`RepostRecord`).

The command asks for no range: the device marks every record it uploaded as not uploaded and
sends them all again, on the same endpoints as new ones. A record numbered at most the highest
number seen in its stream when the device fetched the command is one of those: it is marked
recovered (never live). New records carry higher numbers. Only for a while after the command:
a terminal cleared since (at its menu too) numbers its new records from 1 again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
import time

from ..history import SentNumbers, sent_before
from ..model import Record

# How long after the device fetched RepostRecord its uploads are taken for the records sent again.
REPOST_WINDOW = 600.0


class Reposting:
    """The numbers the terminal sent, and a repost under way."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Start knowing no record; `clock` gives seconds (monotonic)."""
        self._clock = clock
        self._sent = SentNumbers()
        self._upto: dict[str, int] = {}
        self._until = 0.0

    def started(self) -> None:
        """Expect the records sent so far again (the device fetched RepostRecord)."""
        self._upto = self._sent.snapshot()
        self._until = self._clock() + REPOST_WINDOW

    def cleared(self) -> None:
        """Forget the numbers sent (the device fetched ClearRecord: it numbers from 1 again)."""
        self._sent.clear()
        self._upto.clear()

    def mark(self, records: Sequence[Record]) -> list[Record]:
        """Return the records, those sent again marked recovered; note the numbers sent."""
        upto = self._upto if self._upto and self._clock() <= self._until else {}
        marked = [
            replace(record, recovered=True) if sent_before(record, upto) else record
            for record in records
        ]
        self._sent.note(records)
        return marked
