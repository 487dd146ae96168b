"""Helpers shared by the protocol tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from custom_components.access_terminal.protocols.model import AccessEvent, Record, UserChange

# The boundary of the document's examples: 26 dashes in the header, 28 on the delimiter lines.
BOUNDARY = "--------------------------506873351428002157394455"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"

# An identify record shaped like the document's RecordDetail example.
RECORD_DETAIL: dict[str, Any] = {
    "RecordID": 120,
    "RecordType": 3,
    "RecordDate": 1718616771,
    "UserID": "1",
    "Name": "1",
    "CardNum": "0",
    "IsEntry": 1,
    "BodyTemp": 0,
    "PhotoLen": 40363,
}


def build_multipart(
    parts: list[tuple[str, bytes, dict[str, str]]],
    *,
    boundary: str = BOUNDARY,
    newline: bytes = b"\r\n",
    terminate: bool = True,
) -> bytes:
    """Build a multipart body by hand so every byte is under the test's control."""
    out = b""
    for name, data, headers in parts:
        out += b"--" + boundary.encode() + newline
        disposition = f'form-data; name="{name}"'
        if "filename" in headers:
            disposition += f'; filename="{headers["filename"]}"'
        out += f"Content-Disposition: {disposition}".encode() + newline
        for key, value in headers.items():
            if key != "filename":
                out += f"{key}: {value}".encode() + newline
        out += newline + data + newline
    if terminate:
        out += b"--" + boundary.encode() + b"--" + newline
    return out


@dataclass
class RecordingListener:
    """A TerminalListener keeping what a push terminal reported; `fail` makes `records` raise."""

    received: list[Record] = field(default_factory=list)
    user_changes: list[tuple[str | None, UserChange]] = field(default_factory=list)
    snapshots: list[bytes] = field(default_factory=list)
    # Pictures sent apart from their records, with when they were taken.
    photos: list[tuple[bytes, datetime]] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    fail: bool = False
    late: list[Record] = field(default_factory=list)

    async def records(self, records: Sequence[Record]) -> Sequence[Record]:
        if self.fail:
            raise RuntimeError("database is locked")
        self.received.extend(records)
        # Every record is new; a test marks some late (`late`) to see they move no door.
        return [record for record in records if record not in self.late]

    def seen(self) -> None:
        self.calls["seen"] += 1

    def state_changed(self) -> None:
        self.calls["state_changed"] += 1

    def user_changed(self, user_id: str | None, change: UserChange) -> None:
        self.user_changes.append((user_id, change))

    def snapshot(self, image: bytes) -> None:
        self.snapshots.append(image)

    def photo(self, image: bytes, taken: datetime) -> None:
        self.photos.append((image, taken))

    async def commit(self) -> None:
        self.calls["commit"] += 1

    def persist(self) -> None:
        self.calls["persist"] += 1

    @property
    def events(self) -> list[AccessEvent]:
        """Return the events of every record received, in order."""
        return [event for record in self.received for event in record.events]
