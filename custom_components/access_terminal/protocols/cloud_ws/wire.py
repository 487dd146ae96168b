"""Frames of the cloud WebSocket protocol: JSON objects named by `cmd` (asks) or `ret` (answers).

specs/002_c663bad8f76a6161.txt: the terminal opens a WebSocket (RFC 6455) to the server, and both
sides send JSON text on it. The terminal asks with `reg`, `sendlog`, `senduser` and `sendqrcode`;
everything else it sends answers one of our commands. Some firmware answers with `cmd` instead of
`ret` (DESIGN.md, field notes), so an answer is recognised by its name, whichever key carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import json
from typing import Any

from ..codec import decode_text, loads_lenient, optional_int, optional_str
from ..errors import PayloadTooLargeError, ProtocolError

# A frame may carry a batch of records with base64 photos (tens of KB each); more is refused.
MAX_FRAME = 4 * 1024 * 1024
# What the terminal itself asks (every other name answers one of our commands).
DEVICE_COMMANDS = frozenset({"reg", "sendlog", "senduser", "sendqrcode"})
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(slots=True, frozen=True)
class Message:
    """One JSON frame: its name, whether it asks (`cmd`) or answers (`ret`), and its fields."""

    name: str
    asks: bool
    fields: dict[str, Any]

    @property
    def serial(self) -> str | None:
        """Return the serial number the frame names (`sn`), if any."""
        return optional_str(self.fields.get("sn"))

    @property
    def ok(self) -> bool:
        """Return True if the frame reports success (`result` true, 1 or "true")."""
        result = self.fields.get("result")
        if isinstance(result, str):
            return result.strip().lower() in ("true", "1")
        return result is True or (type(result) is int and result == 1)

    @property
    def reason(self) -> str:
        """Return the failure reason the frame gives (a number or text), "" if none."""
        return optional_str(self.fields.get("reason")) or ""


def parse_message(data: str | bytes) -> Message:
    """Read one frame; raise ProtocolError for anything that is not a named JSON object.

    A binary frame is read as text too (some firmware sends its JSON that way).
    """
    if len(data) > MAX_FRAME:
        raise PayloadTooLargeError(MAX_FRAME)
    text = decode_text(data) if isinstance(data, bytes) else data
    document = loads_lenient(text.strip())
    if not isinstance(document, dict):
        raise ProtocolError("expected a JSON object")
    for key, asks in (("ret", False), ("cmd", True)):
        name = document.get(key)
        if isinstance(name, str) and name.strip():
            return Message(name.strip().lower(), asks, document)
    raise ProtocolError("frame names no cmd or ret")


def encode(document: dict[str, Any]) -> str:
    """Write a frame: compact JSON, UTF-8 text as the document asks (no escapes)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def format_time(moment: datetime) -> str:
    """Write a time as the terminal reads it: "YYYY-MM-DD HH:MM:SS", its own local time."""
    return moment.strftime(TIME_FORMAT)


def read_counter(value: Any) -> int | None:
    """Read a count or index the device numbers in 32 bits (anything else is not echoed)."""
    number = optional_int(value)
    return number if number is not None and 0 <= number < 2**31 else None


@dataclass(slots=True, frozen=True)
class Reply:
    """The answer to a device frame, and what to do once it is sent."""

    document: dict[str, Any]
    then: Callable[[], None] | None = None
