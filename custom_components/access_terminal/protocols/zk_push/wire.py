"""ZKTeco PUSH requests and answers on the wire (specs/003_918f4eda729658fc.txt)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
import re

from ..codec import decode_text, is_valid_serial
from ..errors import ProtocolError

# Photos (up to ~100 KB each), template batches and ACCOUNT record archives fit; the document's
# own limit for delivered data is 4 MB.
MAX_BODY = 4 * 1024 * 1024


class Endpoint(StrEnum):
    """The paths under /iclock/ a terminal calls (any letter case, with or without .aspx)."""

    CDATA = "cdata"
    REGISTRY = "registry"
    PUSH = "push"
    EXCHANGE = "exchange"
    GETREQUEST = "getrequest"
    DEVICECMD = "devicecmd"
    QUERYDATA = "querydata"
    FILE = "file"
    PING = "ping"
    RTDATA = "rtdata"


def endpoint_for(name: str) -> Endpoint | None:
    """Map the last path segment ("cdata", "cdata.aspx", "GetRequest", "registry/")."""
    name = name.lower().removesuffix("/").removesuffix(".aspx")
    try:
        return Endpoint(name)
    except ValueError:
        return None


@dataclass(slots=True, frozen=True)
class Request:
    """A terminal's request: endpoint, query parameters (lower-case keys), token and body."""

    endpoint: Endpoint
    method: str
    serial: str
    params: dict[str, str]
    body: bytes = field(default=b"", repr=False)
    token: str | None = None

    def param(self, name: str) -> str | None:
        """Return a query parameter by its lower-case name."""
        return self.params.get(name)

    @property
    def text(self) -> str:
        """Return the body as text (UTF-8, or GB18030 for Chinese names)."""
        return decode_text(self.body)


@dataclass(slots=True, frozen=True)
class Reply:
    """A plain-text answer; PUSH terminals compare some of them byte for byte."""

    text: str = "OK"
    status: int = 200
    # The encoding of names in commands: GB18030 for terminals set to Chinese.
    encoding: str = "utf-8"

    @property
    def body(self) -> bytes:
        """Return the encoded answer."""
        return self.text.encode(self.encoding, errors="replace")


OK = Reply()
REFUSED = Reply("Unauthorized", 401)


_TOKEN = re.compile(r"(?:^|[;,\s])token=([0-9A-Fa-f]+)")


def parse_request(
    endpoint: Endpoint, method: str, query: Mapping[str, str], cookie: str | None, body: bytes
) -> Request:
    """Check the serial (SN) and gather what the terminal sent; ProtocolError if unusable."""
    params = {key.lower(): value for key, value in query.items()}
    serial = (params.get("sn") or "").strip()
    if not is_valid_serial(serial):
        raise ProtocolError("missing or invalid serial number (SN)")
    match = _TOKEN.search(cookie or "")
    return Request(
        endpoint, method.upper(), serial, params, body, match.group(1).lower() if match else None
    )


# A field starts where "name=" follows the start, a tab or a space; its value runs to the next
# field. Firmware separates fields with tabs, runs of spaces, or both, in any order, and values
# (the time "2017-01-10 11:49:32", a name "Ann B") may hold single spaces. "name==" is the end
# of a wrapped base64 line (its padding), not a field.
_FIELD = re.compile(r"(?:^|(?<=[\t ]))(~?[A-Za-z_][A-Za-z0-9_]*)=(?!=)")


_KEY = re.compile(r"~?[A-Za-z_][A-Za-z0-9_]*")
_SPACED_KEY = re.compile(r" ~?[A-Za-z_][A-Za-z0-9_]*=(?!=)")


def _tab_fields(line: str) -> dict[str, str] | None:
    """Parse a line whose fields are all separated by single tabs (what firmware mostly sends).

    Returns None when the line is shaped otherwise (spaces between fields, values that look
    like fields, base64 wrapped over lines): the general parser reads those.
    """
    fields: dict[str, str] = {}
    for number, part in enumerate(line.split("\t")):
        key, sep, value = part.partition("=")
        if number == 0 and " " in key:
            table, _, key = key.rpartition(" ")  # "user uid=5": a leading table name
            if " " in table.strip() or "=" in table:
                return None
        if not sep or not _KEY.fullmatch(key) or value.startswith("="):
            return None
        if " " in value and _SPACED_KEY.search(value):
            return None  # fields separated by spaces too
        fields.setdefault(key.lstrip("~").lower(), value.strip())
    return fields


def parse_fields(line: str) -> dict[str, str]:
    """Parse `key=value` fields of one record line into {lower-case key: value}.

    A leading table name without "=" ("user uid=5 ...", "biodata pin=1 ...") is skipped.
    """
    if "\t" in line and (fast := _tab_fields(line)) is not None:
        return fast
    matches = list(_FIELD.finditer(line))
    fields: dict[str, str] = {}
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(line)
        fields.setdefault(match.group(1).lstrip("~").lower(), line[match.end() : end].strip())
    return fields


# An option starts a line, or follows a comma, with its key and "=": values hold commas and
# padding of their own ("~OEMVendor=ZKTECO CO., LTD.").
_OPTION = re.compile(r"(?:^|,)[ \t]*~?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=")


def parse_options(text: str) -> dict[str, str]:
    """Parse `Key=value,~Key=value,...` (registry, table=options, GET OPTIONS answers).

    Keys keep their case (they are the device's parameter names) without the "~" marker. Lines
    always separate options; within a line a comma does only when a key follows it.
    """
    options: dict[str, str] = {}
    for line in text.splitlines():
        matches = list(_OPTION.finditer(line))
        for number, match in enumerate(matches):
            end = matches[number + 1].start() if number + 1 < len(matches) else len(line)
            options[match.group(1)] = line[match.end() : end].strip().rstrip(",").strip()
    return options


def record_lines(text: str) -> list[str]:
    """Split a body into its non-empty record lines."""
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def _joined(rows: list[list[str]]) -> list[str]:
    # Each row gathers its lines first and is joined once: joining as lines arrive copies the
    # row again for every continuation line (quadratic on a body of many wrapped lines).
    return [row[0] if len(row) == 1 else "\t".join(row) for row in rows]


def table_rows(text: str, table: str) -> list[str]:
    """Split a table upload ("user uid=1 ...", "biodata pin=1 ...") into its rows.

    A line that does not start with the table name continues the row before it (firmware and
    the document's own examples wrap long rows and base64 templates).
    """
    prefix = table.lower()
    rows: list[list[str]] = []
    for line in record_lines(text):
        head = line.lstrip().split(None, 1)[0].rstrip("=").lower()
        if head == prefix or not rows:
            rows.append([line])
        else:
            rows[-1].append(line.strip())
    return _joined(rows)


_EVENT_START = re.compile(r"(?:^|[\t ])(?:time|event)=")


def event_rows(text: str) -> list[str]:
    """Split an rtlog / rtstate body into records.

    Every record carries `time` and `event` (rtstate: `time`); a line with neither continues the
    record before it, as in the document's own wrapped example.
    """
    rows: list[list[str]] = []
    for line in record_lines(text):
        if rows and not _EVENT_START.search(line):
            rows[-1].append(line.strip())
        else:
            rows.append([line])
    return _joined(rows)


def old_encode_time(moment: datetime) -> int:
    """Encode a wall-clock time as ZKTeco seconds (Appendix 5: months of 31 days since 2000)."""
    return (
        ((moment.year - 2000) * 12 * 31 + (moment.month - 1) * 31 + moment.day - 1) * 86400
        + (moment.hour * 60 + moment.minute) * 60
        + moment.second
    )


def old_decode_time(value: int, zone: tzinfo) -> datetime | None:
    """Decode ZKTeco seconds (Appendix 6); None when they do not name a real date."""
    value, second = divmod(value, 60)
    value, minute = divmod(value, 60)
    value, hour = divmod(value, 24)
    value, day = divmod(value, 31)
    year, month = divmod(value, 12)
    try:
        return datetime(year + 2000, month + 1, day + 1, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
