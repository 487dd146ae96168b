"""Text formats of the ZKTeco PUSH terminal: answers, commands, fields, times and record lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import io
import re
import tarfile
from typing import Final

# Command results (Appendix 1): >= 0 succeeded, < 0 failed.
OK: Final = 0
ERR_PARAMETER: Final = -11  # incorrect data parameter
ERR_EXECUTION: Final = -12  # command execution error
ERR_UNKNOWN_COMMAND: Final = -13  # the command does not exist
ERR_FILE_MISSING: Final = -17  # the file does not exist (a photo URL that gives nothing)
ERR_CHECKSUM: Final = -19
ERR_LENGTH: Final = -20  # received length differs from the announced one
ERR_NO_USER: Final = -27  # failed to find the user
ERR_URL: Final = -618  # incorrect URL format
ERR_FORMAT: Final = -620  # the server's data has the wrong format
ERR_TABLE: Final = -629  # incorrect table name
ERR_BASE64: Final = -631  # incorrect base64 length
ERR_UNSUPPORTED: Final = -708  # the firmware does not support this command
ERR_UPGRADE: Final = -720  # failed to upgrade the firmware (the download failed)
ERR_UPLOAD: Final = -722  # failed to upload the data to the software

# Command words the firmware knows, longest first so that "DATA UPDATE" wins over "DATA".
VERBS: Final = (
    "DATA UPDATE",
    "DATA DELETE",
    "DATA QUERY",
    "DATA COUNT",
    "CONTROL DEVICE",
    "SET OPTIONS",
    "GET OPTIONS",
    "ENROLL_BIO",
    "ENROLL_FP",
    "UPGRADE",
    "ACCOUNT",
    "REBOOT",
    "Test Host",
)

_COMMAND_LINE = re.compile(r"^C:([^:\s]+):(.*)$")
# Where a space-separated record starts its next field (old firmware texts use spaces).
_FIELD_START = re.compile(r"[ \t]+(?=[~A-Za-z][\w~]*=)")
_OK_COUNT = re.compile(r"^OK:\s*(\d+)$")
_LAST_NUMBER = re.compile(r"(\d+)(?=\D*$)")
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True, kw_only=True, slots=True)
class ServerCommand:
    """One command of a getrequest answer: `C:<id>:<text>` and any record lines that follow."""

    cmd_id: str
    text: str
    extra: tuple[str, ...] = ()

    @property
    def raw(self) -> str:
        """The command as received, continuation lines included."""
        return "\n".join((f"C:{self.cmd_id}:{self.text}", *self.extra))


def decode_text(raw: bytes) -> str:
    """Decode a server answer: UTF-8, or GB18030 where the bytes are not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def parse_pairs(text: str) -> dict[str, str]:
    """Read `key=value` lines of an answer; other lines are ignored."""
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.strip():
            pairs[key.strip()] = value.strip()
    return pairs


def ok_count(text: str) -> int | None:
    """Return N of an attendance `OK: N` answer, else None."""
    match = _OK_COUNT.match(text.strip())
    return int(match.group(1)) if match else None


def parse_commands(text: str) -> list[ServerCommand]:
    """Read a getrequest answer; lines after a command that are no command are its records."""
    commands: list[ServerCommand] = []
    cmd_id, first, extra = "", "", list[str]()
    for line in text.splitlines():
        if not line.strip():
            continue
        if match := _COMMAND_LINE.match(line.strip()):
            if cmd_id:
                commands.append(ServerCommand(cmd_id=cmd_id, text=first, extra=tuple(extra)))
            cmd_id, first, extra = match.group(1), match.group(2).strip(" "), []
        elif cmd_id:
            extra.append(line.rstrip("\r"))
    if cmd_id:
        commands.append(ServerCommand(cmd_id=cmd_id, text=first, extra=tuple(extra)))
    return commands


def split_verb(text: str) -> tuple[str, str]:
    """Split a command text into its command word(s) and the rest."""
    for verb in VERBS:
        if text == verb or text.startswith((verb + " ", verb + "\t")):
            return verb, text[len(verb) :].lstrip(" \t")
    word, _, rest = text.partition(" ")
    return word, rest


def split_table(text: str) -> tuple[str, str]:
    """Split `table fields...` (DATA UPDATE/DELETE/COUNT, ACCOUNT) into table and fields."""
    parts = re.split(r"[ \t]", text.strip(" \t"), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def split_fields(text: str) -> dict[str, str]:
    """Read one record's fields: TAB-separated as the contract sends them, or space-separated."""
    pieces = text.split("\t") if "\t" in text else _FIELD_START.split(text.strip())
    fields: dict[str, str] = {}
    for piece in pieces:
        key, sep, value = piece.partition("=")
        if sep and key.strip():
            fields[key.strip()] = value.rstrip("\r\n")
    return fields


def kept_rows[K, V](
    table: Mapping[K, V], everything: bool, gone: Callable[[K], bool]
) -> dict[K, V]:
    """Return the rows of `table` a DATA DELETE leaves (none when it deletes `everything`)."""
    return {} if everything else {key: row for key, row in table.items() if not gone(key)}


def lowered(fields: Mapping[str, str]) -> dict[str, str]:
    """Return fields keyed by lower-case name: firmware reads `Pin`, `PIN` and `pin` alike."""
    return {key.lower(): value for key, value in fields.items()}


def split_params(text: str) -> dict[str, str]:
    """Read `k=v,k=v` (UPGRADE, SET OPTIONS, DATA QUERY); a piece without `k=` joins the last."""
    params: dict[str, str] = {}
    last = ""
    for piece in text.strip().split(","):
        key, sep, value = piece.partition("=")
        if sep and re.fullmatch(r"[~\w]+", key.strip()):
            last = key.strip()
            params[last] = value.strip()
        elif last:
            params[last] += "," + piece
    return params


def join_pairs(pairs: Iterable[tuple[str, object]], separator: str = "\t") -> str:
    """Write `k=v` fields with a separator."""
    return separator.join(f"{key}={value}" for key, value in pairs)


def parse_int(text: str | None) -> int | None:
    """Return a decimal integer written as text, else None."""
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


# --- time ---------------------------------------------------------------------------------------
# Local wall-clock times are kept as datetimes labelled UTC, so that no host time zone leaks in.


def local_time(unix_time: float, timezone_hours: float) -> datetime:
    """Return the device's wall clock for a Unix time."""
    return datetime.fromtimestamp(int(unix_time + timezone_hours * 3600), tz=UTC)


def unix_time(local: datetime, timezone_hours: float) -> float:
    """Return the Unix time of a wall-clock time of the device."""
    return local.timestamp() - timezone_hours * 3600


def format_time(local: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS`, as records carry time."""
    return local.strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime | None:
    """Read `YYYY-MM-DD HH:MM:SS` as a wall-clock time."""
    try:
        return datetime.strptime(text.strip(), TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def encode_time(local: datetime) -> int:
    """OldEncodeTime (Appendix 5): ZKTeco's seconds since 2000 with 31-day months."""
    days = (local.year - 2000) * 12 * 31 + (local.month - 1) * 31 + local.day - 1
    return days * 86400 + (local.hour * 60 + local.minute) * 60 + local.second


def decode_time(value: int) -> datetime | None:
    """OldDecodeTime (Appendix 6); None for a value that names no real date (February 30)."""
    if value < 0:
        return None
    second, value = value % 60, value // 60
    minute, value = value % 60, value // 60
    hour, value = value % 24, value // 24
    day, value = value % 31 + 1, value // 31
    month, value = value % 12 + 1, value // 12
    try:
        return datetime(value + 2000, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def encode_timezone(hours: float) -> str:
    """Write the `TimeZone` option: whole hours, or minutes for half-hour zones."""
    if float(hours).is_integer():
        return str(int(hours))
    return str(round(hours * 60))


def decode_timezone(text: str | None) -> float | None:
    """Read a `TimeZone` option: whole hours up to 14, else minutes."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if abs(value) <= 14 else value / 60


def next_version(version: str) -> str:
    """Return the version an upgrade installs: the current one with its last number + 1."""
    if match := _LAST_NUMBER.search(version):
        return version[: match.start()] + str(int(match.group(1)) + 1) + version[match.end() :]
    return version + ".1"


# --- records ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Record:
    """One access or attendance record the device keeps (its transaction table)."""

    index: int
    local: datetime | None
    time: str
    pin: str
    cardno: str
    door: int
    event: int
    inout: int
    verify: str
    # The line as uploaded (rtlog or ATTLOG), once written.
    line: str = ""


def rtlog_line(record: Record, *, mask: int | None = None, temperature: float | None = None) -> str:
    """One `table=rtlog` line (section 10.2)."""
    fields: list[tuple[str, object]] = [
        ("time", record.time),
        ("pin", record.pin),
        ("cardno", record.cardno),
        ("sitecode", 0),
        ("linkid", 0),
        ("eventaddr", record.door),
        ("event", record.event),
        ("inoutstatus", record.inout),
        ("verifytype", record.verify),
        ("index", record.index),
    ]
    if mask is not None:
        fields.append(("maskflag", mask))
    if temperature is not None:
        fields += [("temperature", f"{temperature:.1f}"), ("convtemperature", f"{temperature:.1f}")]
    return join_pairs(fields)


def attlog_line(record: Record) -> str:
    """One `table=ATTLOG` line: PIN, time, status (in/out), verify, work code and reserved."""
    fields = (record.pin, record.time, str(record.inout), record.verify)
    return "\t".join((*fields, "0", "0", "0", "0", "0"))


def transaction_line(record: Record) -> str:
    """One line of transaction.txt in an ACCOUNT upload (section 12.2.2), time by Appendix 5."""
    return join_pairs(
        (
            ("cardno", record.cardno),
            ("pin", record.pin),
            ("verified", record.verify),
            ("doorid", record.door),
            ("eventtype", record.event),
            ("inoutstate", record.inout),
            ("time_second", encode_time(record.local) if record.local else 0),
            ("index", record.index),
        )
    )


def transaction_tgz(lines: list[str], mtime: float) -> bytes:
    """transaction.tgz: a gzip-compressed tar holding transaction.txt."""
    data = "".join(line + "\n" for line in lines).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("transaction.txt")
        info.size = len(data)
        info.mtime = int(mtime)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
