"""Byte-level helpers every push family needs: tolerant JSON, text, gzip and multipart.

Devices send what their firmware writers thought JSON or multipart was, so each helper accepts the
forms seen in the vendor documents and refuses everything else with a ProtocolError (never a
bare exception), with hard limits so a hostile body cannot exhaust memory.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
import json
import re
from typing import Any
import zlib

from .errors import PayloadTooLargeError, ProtocolError

GZIP_MAGIC = b"\x1f\x8b"

# What every family accepts as a serial number: letters, digits and a few separators.
SERIAL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def is_valid_serial(serial: str) -> bool:
    """Return True if `serial` looks like a terminal serial number."""
    return SERIAL_PATTERN.fullmatch(serial) is not None


def is_digits(text: str) -> bool:
    """Return True for a non-empty string of ASCII digits (str.isdigit also accepts "²")."""
    return text.isascii() and text.isdigit()


# Lone surrogates (from "\udXXX" escapes) are no Unicode: JSON storage, the registries and the
# bus cannot hold them. Control characters have no place in a name or a model either.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def clean_text(text: str) -> str:
    """Return device text as valid Unicode on one line, without surrounding spaces.

    Lone surrogates become U+FFFD; a run of control characters (line breaks, tabs, NUL) a space.
    """
    if text.isprintable():
        return text.strip()
    return _CONTROL.sub(" ", _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", text)).strip()


def valid_unicode(text: str) -> str:
    """Return `text` with lone surrogates replaced by U+FFFD (everything else is kept)."""
    return _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", text)


def _repair_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {valid_unicode(k): _repair_surrogates(item) for k, item in value.items()}
    if isinstance(value, list):
        return [_repair_surrogates(item) for item in value]
    return value


# A "\udXXX" escape (lone surrogate, or half of a pair): JSON text only makes one through these.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


# Repairs for the forms seen in the vendor documents' "JSON" examples: a comma before a closing
# bracket, and bare identifiers used as keys. Scanned once, left to right (linear in the input:
# a regex over the whole text is quadratic on hostile bodies such as many unclosed strings).
_SPECIAL = re.compile(r'["{,]')
_STRING_REST = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)
_CLOSING_NEXT = re.compile(r"\s*[}\]]")
_BARE_KEY = re.compile(r"(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*):")


def _repair(text: str) -> str:
    out: list[str] = []
    pos = 0
    while (match := _SPECIAL.search(text, pos)) is not None:
        at = match.start()
        out.append(text[pos:at])
        char = text[at]
        if char == '"':
            rest = _STRING_REST.match(text, at + 1)
            if rest is None:
                raise ProtocolError("invalid JSON: unterminated string")
            out.append(text[at : rest.end()])
            pos = rest.end()
            continue
        pos = at + 1
        if char == "," and _CLOSING_NEXT.match(text, pos):
            continue  # a trailing comma: dropped
        out.append(char)
        if key := _BARE_KEY.match(text, pos):
            out.append(f'{key[1]}"{key[2]}"{key[3]}:')
            pos = key.end()
    out.append(text[pos:])
    return "".join(out)


# Repairing is for the small documents firmware writes by hand (keep-alives, settings); a
# larger body must be valid JSON, which bounds the time a hostile body can cost.
MAX_REPAIRED = 256 * 1024


def loads_lenient(text: str) -> Any:
    r"""Parse JSON, accepting trailing commas and unquoted keys; raise ProtocolError otherwise.

    Lone surrogates ("\ud800" escapes) come out as U+FFFD: the result is valid Unicode.
    """
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:
        if len(text) > MAX_REPAIRED:
            raise ProtocolError(f"invalid JSON: {err}") from None
        try:
            document = json.loads(_repair(text))
        except (ValueError, RecursionError) as err:
            raise ProtocolError(f"invalid JSON: {err}") from None
    if "\\" in text and _SURROGATE_ESCAPE.search(text):
        try:
            document = _repair_surrogates(document)
        except RecursionError:
            # json reads deeper than Python recurses: no terminal nests a thousand levels.
            raise ProtocolError("invalid JSON: nested too deeply") from None
    return document


def decode_text(raw: bytes) -> str:
    """Decode device text: UTF-8, else GB18030 (a superset of GB2312/GBK), else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress a gzip (or zlib) stream, refusing output larger than `limit` bytes."""
    # 32 + MAX_WBITS: let zlib detect the gzip or zlib header itself.
    decompressor = zlib.decompressobj(32 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error as err:
        raise ProtocolError(f"invalid gzip data: {err}") from None
    if len(out) > limit:
        raise PayloadTooLargeError(limit)
    if not decompressor.eof:
        raise ProtocolError("truncated gzip data")
    return out


def maybe_gunzip(data: bytes, limit: int, *, declared: bool = False) -> bytes:
    """Decompress when declared gzip or when the data starts with the gzip magic bytes."""
    if declared or data.startswith(GZIP_MAGIC):
        return gunzip(data, limit)
    return data


def parse_json_bytes(data: bytes, limit: int, *, declared_gzip: bool = False) -> Any:
    """Decode a (possibly gzip-compressed) JSON payload of device bytes."""
    return loads_lenient(decode_text(maybe_gunzip(data, limit, declared=declared_gzip)).strip())


@dataclass(slots=True, frozen=True)
class Part:
    """One multipart/form-data part, already decompressed if it was gzip-encoded."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        """Return the part as text with surrounding whitespace removed."""
        return decode_text(self.data).strip()


_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split `type; a=1; b="x"` into ("type", {"a": "1", "b": "x"}) (keys lower-cased)."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for key, raw in _PARAM.findall(";" + rest):
        raw_value = raw.strip()
        if raw_value.startswith('"') and raw_value.endswith('"') and len(raw_value) >= 2:
            raw_value = raw_value[1:-1].replace('\\"', '"')
        params[key.lower()] = raw_value
    return main.strip().lower(), params


MAX_PARTS = 16  # every documented request has at most four


def parse_multipart(body: bytes, content_type: str, limit: int) -> dict[str, Part]:
    """Parse a multipart/form-data body into parts by name (the first part of a name wins).

    Parts may carry `Content-Encoding: gzip` or simply start with the gzip magic bytes (some
    firmware compresses without saying so): both are decompressed. All parts together stay
    within `limit` bytes once decompressed, and a body may hold at most MAX_PARTS parts.
    """
    kind, params = header_params(content_type)
    boundary = params.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise ProtocolError("expected multipart/form-data with a boundary")
    try:
        # aiohttp reads header bytes as UTF-8 (undecodable ones as surrogates).
        delimiter = b"--" + boundary.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise ProtocolError("multipart boundary is not text") from None
    # Walk the delimiters by index: each part's data is copied once (photos are large).
    start = body.find(delimiter)
    if start < 0:
        raise ProtocolError("multipart body has no complete part")
    parts: dict[str, Part] = {}
    budget = limit
    count = 0
    while True:
        start += len(delimiter)
        if body.startswith(b"--", start):
            break  # the closing delimiter
        end = body.find(delimiter, start)
        if end < 0:
            raise ProtocolError("multipart body is not terminated")
        count += 1
        if count > MAX_PARTS:
            raise ProtocolError(f"more than {MAX_PARTS} multipart parts")
        part = _parse_part(body, start, end, budget, skip=parts.keys())
        if part is not None:
            parts[part.name] = part
            budget -= len(part.data)
        start = end
    if not parts:
        raise ProtocolError("multipart body has no complete part")
    return parts


_DISPOSITION_PARAM = re.compile(rb';\s*(name|filename)\s*=\s*(?:"([^"]*)"|([^;]*))', re.IGNORECASE)
_MAX_PART_HEADERS = 8192


def _parse_part(
    body: bytes, start: int, end: int, limit: int, skip: Collection[str]
) -> Part | None:
    """Parse the part between `start` (after its delimiter) and `end` (the next delimiter).

    A part whose name is in `skip` (a repeat) is checked but not decoded: None.
    """
    if body.startswith(b"\r\n", start):
        start += 2
    elif body.startswith(b"\n", start):
        start += 1
    # The header block ends at the first blank line, CRLF or bare LF (binary data may hold both).
    search_end = min(end, start + _MAX_PART_HEADERS)
    blank_lines = [
        (at, len(mark))
        for mark in (b"\r\n\r\n", b"\n\n")
        if (at := body.find(mark, start, search_end)) >= 0
    ]
    if not blank_lines:
        raise ProtocolError("multipart part without a header block")
    at, size = min(blank_lines)
    data_start, data_end = at + size, end
    # The line break before the next delimiter belongs to the delimiter, not to the data.
    if data_end - 2 >= data_start and body.startswith(b"\r\n", data_end - 2):
        data_end -= 2
    elif data_end - 1 >= data_start and body.startswith(b"\n", data_end - 1):
        data_end -= 1
    headers: dict[bytes, bytes] = {}
    for line in body[start:at].split(b"\n"):
        key, colon, value = line.partition(b":")
        if colon:
            headers[key.strip().lower()] = value.strip()
    disposition = headers.get(b"content-disposition", b"")
    params = {
        match[1].lower(): match[2] if match[3] is None else match[3].strip()
        for match in _DISPOSITION_PARAM.finditer(disposition)
    }
    name = params.get(b"name")
    if not disposition.lower().startswith(b"form-data") or not name:
        raise ProtocolError("multipart part without a form-data name")
    part_name = decode_text(name)
    if part_name in skip:
        return None
    filename = params.get(b"filename")
    content_type = headers.get(b"content-type")
    declared_gzip = b"gzip" in headers.get(b"content-encoding", b"").lower()
    return Part(
        name=part_name,
        data=maybe_gunzip(body[data_start:data_end], limit, declared=declared_gzip),
        filename=None if filename is None else decode_text(filename),
        content_type=None if content_type is None else decode_text(content_type),
    )


def whole_number(value: Any) -> int:
    """Read a whole number sent as a number or as decimal text (at most 20 digits).

    Raises TypeError for a value of another kind (a boolean is none), ValueError for text that
    is not a whole number.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        unsigned = text[1:] if text[:1] == "-" else text
        if not (0 < len(unsigned) <= 20 and is_digits(unsigned)):
            raise ValueError("not a whole number")
        return int(text)
    raise TypeError(f"a {type(value).__name__} is not a number")


def to_int(value: Any, what: str) -> int:
    """Read an integer that devices may send as a number or a numeric string (64 bits)."""
    try:
        number = whole_number(value)
    except (TypeError, ValueError) as err:
        raise ProtocolError(f"{what}: expected an integer ({err})") from None
    if not -(2**63) <= number < 2**63:
        raise ProtocolError(f"{what}: {number} is beyond 64 bits")
    return number


def optional_int(value: Any) -> int | None:
    """Read an integer leniently: None when absent or not a number (for optional fields)."""
    if value is None or value == "":
        return None
    try:
        return to_int(value, "value")
    except ProtocolError:
        return None


def optional_str(value: Any) -> str | None:
    """Read optional text: numbers become text, empty and non-scalar values become None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return valid_unicode(value).strip() or None
    return None


def decode_base64(value: Any) -> bytes | None:
    """Decode base64 text (line breaks and spaces allowed); None when absent or not base64."""
    if not isinstance(value, str):
        return None
    text = "".join(value.split())
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def naive_time(text: str) -> datetime | None:
    """Parse "YYYY-MM-DD HH:MM:SS" (space or T between) without a zone; None if it is not one.

    strptime costs several times more, on every record of a busy terminal.
    """
    value = text.strip()
    if (
        len(value) != 19
        or value[4] != "-"
        or value[7] != "-"
        or value[10] not in " T"
        or value[13] != ":"
        or value[16] != ":"
    ):
        return None
    parts = (value[0:4], value[5:7], value[8:10], value[11:13], value[14:16], value[17:19])
    if not all(is_digits(part) for part in parts):
        return None
    year, month, day, hour, minute, second = (int(part) for part in parts)
    try:
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - zone later
    except ValueError:
        return None


def parse_local_time(text: str | None, zone: tzinfo, *, separators: str = " ") -> datetime | None:
    """Read "YYYY-MM-DD HH:MM:SS", a terminal's local time, in its time zone.

    `separators` lists what may stand between date and time (" T" also reads ISO 8601).
    """
    if not text or not isinstance(text, str):
        return None
    moment = naive_time(text)
    if moment is None or text.strip()[10] not in separators:
        return None
    return moment.replace(tzinfo=zone)


def body_temperature(value: Any) -> float | None:
    """Read a body temperature in degrees Celsius (number or text); None when implausible.

    Terminals without a sensor send 0 or an empty field; anything outside 20-50 °C is no reading.
    """
    if isinstance(value, bool):
        return None
    try:
        degrees = float(value) if isinstance(value, int | float | str) and value != "" else None
    except ValueError:
        return None
    return degrees if degrees is not None and 20.0 < degrees < 50.0 else None
