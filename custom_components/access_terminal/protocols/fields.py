r"""Device input read into typed values: the one validation layer every family reads through.

Devices send numbers as text and text as numbers, 20-digit "ids", counts beyond 64 bits, lone
surrogates from `\udXXX` escapes, doors numbered 99999999 and dates in 2099. Whatever reaches
the model, the store, Home Assistant's registries or its bus is read here first: a record or a
report is declared as a dataclass (`DeviceInput`) whose fields say what each value may be, and
mashumaro builds the code that reads the device's mapping into it. A value of the wrong type or
out of its range makes the whole input invalid: `InvalidInputError` names the device's own key
and the value, and the family answers as its protocol expects (an unreadable record is
acknowledged, logged with its content and counted: `InputProblems`).

Field readers come in two strictness levels: what identifies a record or drives an entity (its
code, number, time, door, user) is strict; what only describes it (a name, a card number, a
temperature) is read leniently (`lenient`): an unreadable description is left out, never
invented.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime, timedelta
import json
import logging
import time
from typing import Any, ClassVar, Self

from mashumaro import DataClassDictMixin, field_options
from mashumaro.exceptions import InvalidFieldValue, MissingField

from .codec import clean_text, decode_base64, naive_time, whole_number
from .errors import ProtocolError

_LOGGER = logging.getLogger(__name__)

# The doors a terminal may have: every document numbers them 1 to 4 (ZK `LockCount`, the cloud
# document's `doornum`); HTTPv2 and Webserver + JSON terminals have one.
MAX_DOORS = 4
# Record numbers and positions are kept below 2**53: exact in JSON and in the store.
MAX_RECORD_NUMBER = 2**53 - 1
# Counts and capacities of storage: far beyond any terminal, well within 64 bits.
MAX_COUNT = 2**31 - 1
# Text fields are cut at this many characters (names, models, firmware versions...).
MAX_TEXT = 256
# The sane window of a device's time for a record: not before 2000 (ZK's own time encoding
# starts there, and so does a terminal whose clock was reset), not more than two days ahead of
# Home Assistant's clock (a terminal on the wrong time zone is at most 26 hours off).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_AHEAD = timedelta(days=2)
# The largest picture a terminal may send with a record (a snapshot of a passage, a doorbell).
MAX_PICTURE = 1024 * 1024
JPEG_START = b"\xff\xd8"

type Reader[T] = Callable[[Any], T]


class InvalidInputError(ProtocolError):
    """A device's value that is not what its field may hold (the whole input is unreadable)."""


def integer(low: int, high: int) -> Reader[int]:
    """Read an integer in [low, high] sent as a number or as decimal text."""

    def read(value: Any) -> int:
        number = whole_number(value)
        if not low <= number <= high:
            raise ValueError(f"out of range {low}..{high}")
        return number

    return read


def decimal(low: float, high: float) -> Reader[float]:
    """Read a finite number in [low, high] sent as a number or as decimal text."""

    def read(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError(f"a {type(value).__name__} is not a number")
        number = float(value)
        if not low <= number <= high:  # NaN fails too
            raise ValueError(f"out of range {low:g}..{high:g}")
        return number

    return read


def text(limit: int = MAX_TEXT) -> Reader[str | None]:
    """Read text (numbers become text), normalised to valid Unicode and cut at `limit` characters.

    Empty text is no value (None).
    """

    def read(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise TypeError(f"a {type(value).__name__} is not text")
        return clean_text(str(value))[:limit] or None

    return read


def whole_text(limit: int = MAX_TEXT) -> Reader[str]:
    """Read text that must arrive whole (a QR code shown at a terminal): never cut, never empty.

    A code cut at `limit` could match another one, so a longer one is refused.
    """

    def read(value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"a {type(value).__name__} is not text")
        result = clean_text(str(value)).strip()
        if not result:
            raise ValueError("empty")
        if len(result) > limit:
            raise ValueError(f"longer than {limit} characters")
        return result

    return read


def user_number(digits: int = 20) -> Reader[str]:
    """Read a user number (as a number or digits) into its canonical text ("007" -> "7")."""
    read_number = integer(0, 10**digits - 1)

    def read(value: Any) -> str:
        return str(read_number(value))

    return read


def flag() -> Reader[bool]:
    """Read an on/off value: 1 / 0, true / false (booleans or text)."""

    def read(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return value == 1
        if isinstance(value, str) and (word := value.strip().lower()) in _FLAG_WORDS:
            return _FLAG_WORDS[word]
        raise ValueError("not 0 or 1")

    return read


_FLAG_WORDS = {"1": True, "0": False, "true": True, "false": False}


def unix_date() -> Reader[int]:
    """Read unix seconds within the years a terminal can record (2000-2099)."""
    return integer(int(EARLIEST.timestamp()), 4_102_444_799)


def local_time() -> Reader[datetime]:
    """Read a terminal's local time "YYYY-MM-DD HH:MM:SS" (or ISO 8601 "T") as a naive datetime."""

    def read(value: Any) -> datetime:
        moment = naive_time(value) if isinstance(value, str) else None
        if moment is None:
            raise ValueError("not a time YYYY-MM-DD HH:MM:SS")
        return moment

    return read


def jpeg(limit: int = MAX_PICTURE) -> Reader[bytes]:
    """Read a JPEG picture's bytes of at most `limit` bytes."""

    def read(value: Any) -> bytes:
        if not isinstance(value, bytes):
            raise TypeError(f"a {type(value).__name__} is not a picture")
        if len(value) > limit:
            raise ValueError(f"larger than {limit} bytes")
        if not value.startswith(JPEG_START):
            raise ValueError("not a JPEG picture")
        return value

    return read


def jpeg_base64(limit: int = MAX_PICTURE) -> Reader[bytes]:
    """Read a base64 JPEG (line breaks allowed) of at most `limit` bytes."""
    read_jpeg = jpeg(limit)

    def read(value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"a {type(value).__name__} is not base64 text")
        if len(value) > limit * 2:
            raise ValueError(f"larger than {limit} bytes")  # checked before decoding it
        data = decode_base64(value)
        if data is None:
            raise ValueError("not base64")
        return read_jpeg(data)

    return read


def lenient[T](read: Reader[T]) -> Reader[T | None]:
    """Read a describing field: a value that cannot be read is left out (None), not an error."""

    def read_or_none(value: Any) -> T | None:
        try:
            return read(value)
        except (TypeError, ValueError):
            return None

    return read_or_none


# What every family reads leniently: a count or capacity of storage, a number of seconds.
read_count = lenient(integer(0, MAX_COUNT))
read_seconds = lenient(integer(0, 86400))
# What a terminal says it is (model, firmware, name): one line of valid Unicode, bounded.
read_text = lenient(text())
# How many doors a terminal says it has (None: not a number of doors a terminal can have).
read_doors = lenient(integer(1, MAX_DOORS))


def key(names: str | tuple[str, ...], read: Reader[Any], *, default: Any = MISSING) -> Any:
    """Declare a field read from the device's key `names` (the first one present wins)."""
    options = field_options(alias=names, deserialize=read)
    if default is MISSING:
        return field(metadata=options)
    return field(default=default, metadata=options)


class DeviceInput(DataClassDictMixin):
    """Base of the dataclasses device input is read into (mashumaro builds `from_dict`)."""

    _keys: ClassVar[dict[str, str]]

    @classmethod
    def read(cls, data: Any) -> Self:
        """Read a device's mapping; raise InvalidInputError naming the key that is wrong."""
        if not isinstance(data, Mapping):
            raise InvalidInputError(f"expected an object, got {type(data).__name__}")
        try:
            return cls.from_dict(data)
        except MissingField as err:
            raise InvalidInputError(f"{cls._key_of(err.field_name)}: missing") from None
        except InvalidFieldValue as err:
            # The reader's own error (mashumaro raises from inside its handler) says why.
            reason = err.__context__
            why = str(reason) if isinstance(reason, TypeError | ValueError) else "unreadable"
            raise InvalidInputError(
                f"{cls._key_of(err.field_name)}: {_shown(err.field_value)} ({why})"
            ) from None

    @classmethod
    def _key_of(cls, name: str) -> str:
        keys: dict[str, str] | None = cls.__dict__.get("_keys")
        if keys is None:
            keys = {}
            for item in fields(cls):  # type: ignore[arg-type]  # subclasses are dataclasses
                alias = item.metadata.get("alias") or item.name
                keys[item.name] = alias if isinstance(alias, str) else "/".join(alias)
            cls._keys = keys
        return keys.get(name, name)


def _shown(value: Any) -> str:
    return repr(value)[:80]


def check_time(moment: datetime, now: datetime) -> datetime:
    """Return a record's time if it lies in the sane window; raise InvalidInputError if not."""
    if moment < EARLIEST or moment > now + MAX_AHEAD:
        raise InvalidInputError(f"time {moment.isoformat()}: outside the sane window")
    return moment


def check_door(door: int | None) -> int:
    """Return a record's door (1 when it names none, 0 being the terminal itself)."""
    if door is None or door == 0:
        return 1
    if not 1 <= door <= MAX_DOORS:
        raise InvalidInputError(f"door {door}: terminals have doors 1 to {MAX_DOORS}")
    return door


# -- what could not be read ------------------------------------------------------------------


@dataclass(slots=True)
class Reading[T]:
    """What a batch of device input gave: what could be read, and what not (and why)."""

    read: list[T] = field(default_factory=list)
    refused: list[tuple[Any, ProtocolError]] = field(default_factory=list)


def read_each[S, T](items: Iterable[S], read: Callable[[S], T]) -> Reading[T]:
    """Read every item of a batch; one that cannot be read is set aside, never the batch.

    A refused batch would be sent again forever and hold back every record behind it.
    """
    reading: Reading[T] = Reading()
    for item in items:
        try:
            reading.read.append(read(item))
        except ProtocolError as err:
            # Kept without its traceback: each would hold a cycle of frames for the garbage
            # collector (twenty thousand broken lines made a half-second collection).
            err.__traceback__ = err.__context__ = err.__cause__ = None
            reading.refused.append((item, err))
    return reading


# Content logged of one unreadable input (photos and templates are never passed here).
_LOGGED_CONTENT = 2000
# Unreadable input is logged at warning level at most this often per terminal and period; the
# rest goes to the debug log (a broken terminal must not flood the log), counted all the same.
_WARNINGS = 20
_WARNING_PERIOD = 600.0
# Of one upload's unreadable items, this many are logged with their content (all are counted).
_LOGGED_PER_BATCH = 5


class InputProblems:
    """What one terminal's device sent that could not be read: counted by kind, logged once each."""

    def __init__(self, serial: str) -> None:
        """Count for the terminal `serial`."""
        self.serial = serial
        self.counts: Counter[str] = Counter()
        self._period_start = 0.0
        self._warned = 0

    def note(self, kind: str, problem: object, content: Any = None) -> None:
        """Count an unreadable `kind` of input and log it once, with its content."""
        self.counts[kind] += 1
        self._log(kind, problem, content)

    def note_all(self, kind: str, refused: Sequence[tuple[Any, ProtocolError]]) -> None:
        """Count every item a batch could not read (see `read_each`); log the first ones.

        A body of twenty thousand broken lines is counted whole, not logged line by line.
        """
        if not refused:
            return
        self.counts[kind] += len(refused)
        for content, problem in refused[:_LOGGED_PER_BATCH]:
            self._log(kind, problem, content)
        if (more := len(refused) - _LOGGED_PER_BATCH) > 0:
            _LOGGER.warning(
                "Terminal %s sent %d more unreadable %s(s) in the same upload",
                self.serial,
                more,
                kind,
            )

    def _log(self, kind: str, problem: object, content: Any) -> None:
        now = time.monotonic()
        if now - self._period_start > _WARNING_PERIOD:
            self._period_start, self._warned = now, 0
        self._warned += 1
        level = logging.WARNING if self._warned <= _WARNINGS else logging.DEBUG
        if self._warned == _WARNINGS + 1:
            _LOGGER.warning(
                "Terminal %s keeps sending unreadable input: logged at debug level for a while",
                self.serial,
            )
        if _LOGGER.isEnabledFor(level):
            _LOGGER.log(
                level,
                "Terminal %s sent an unreadable %s (%s); it is acknowledged and left out. "
                "Content: %s",
                self.serial,
                kind,
                problem,
                _content(content),
            )

    def as_dict(self) -> dict[str, int]:
        """Return the counts by kind (for diagnostics)."""
        return dict(sorted(self.counts.items()))


def _content(content: Any) -> str:
    """Return what is shown of unreadable input (cut before it is cleaned: it may be large)."""
    if isinstance(content, bytes):
        shown = content[: _LOGGED_CONTENT * 4].decode("utf-8", "replace")
    elif isinstance(content, str):
        shown = content[: _LOGGED_CONTENT * 2]
    else:
        shown = json.dumps(content, ensure_ascii=False, default=repr)[: _LOGGED_CONTENT * 2]
    return clean_text(shown)[:_LOGGED_CONTENT]
