"""The ZK PUSH terminal: answers the device's iclock requests and turns operations into commands.

The device polls: it registers, uploads records as they happen and asks for commands every few
seconds (`getrequest`), reporting each command's result (`devicecmd`). Operations therefore
resolve when the device reports their outcome. See docs/zk_push.md for every answer's shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
import hashlib
import hmac
import io
import logging
import re
import secrets
import string
import tarfile
import time
from typing import Any, ClassVar, cast

from ..codec import decode_text, optional_int, optional_str
from ..errors import (
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    PayloadTooLargeError,
    ProtocolError,
    TerminalClosedError,
    UserWriteError,
)
from ..model import (
    USER_OPERATIONS,
    AccessEvent,
    Authorizer,
    Credential,
    DoorAction,
    DoorState,
    EventType,
    Family,
    Feature,
    FirmwareImage,
    Operation,
    Record,
    TerminalInfo,
    TerminalListener,
    Usage,
    User,
    UserChange,
)
from ..push import (
    DEFAULT_COMMAND_TIMEOUT,
    Listing,
    PushTerminal,
    await_result,
    await_results,
    gather_results,
)
from .codes import (
    attlog_record,
    describe_result,
    rtlog_record,
    rtstate_doors,
    transaction_record,
)
from .commands import Command, CommandQueue, parse_results
from .users import (
    BIO_FACE,
    BIO_FACE_NIR,
    BIO_FINGERPRINT,
    BIO_PALM,
    Capabilities,
    Rows,
    TableWrites,
    Template,
    add_card,
    add_template,
    canonical_pin,
    chunks,
    delete_records,
    photo_from_row,
    template_from_row,
    user_from_row,
    user_from_userinfo,
    user_records,
    userinfo_command,
)
from .wire import (
    OK,
    REFUSED,
    Endpoint,
    Reply,
    Request,
    event_rows,
    old_encode_time,
    parse_fields,
    parse_options,
    record_lines,
    table_rows,
)

_LOGGER = logging.getLogger(__name__)

# Seconds between a Security terminal's command requests (RequestDelay) and an attendance
# terminal's (Delay): the first drives how soon a door opens after it is asked to.
REQUEST_DELAY = 3
ATTENDANCE_DELAY = 10
# The SessionID before the latest push stays valid this long (its tokens are in flight).
SESSION_GRACE = 60.0
# Users per batch of table commands, and the size of one command's text.
USERS_PER_BATCH = 100
MAX_COMMAND_BYTES = 60 * 1024
# Extra seconds a user write may take per user (10,000 users: 500 s more).
SECONDS_PER_USER = 0.05
# Up to this many ids are listed one query each; more are filtered out of a full listing.
PER_ID_QUERIES = 20
DEFAULT_OPEN_SECONDS = 5
MAX_OPEN_SECONDS = 254
MAX_ARCHIVE = 16 * 1024 * 1024
_LOGGED_CONTENT = 2000
_REGISTRY_ALPHABET = string.ascii_letters + string.digits
# Protocol version we speak. Encryption starts at 3.1.1: answering 3.0.1 keeps terminals in
# plain text (Appendix 13 / 16, "the earlier version is used").
PUSH_PROTOCOL_VERSION = "3.0.1"
_SERVER_PARAMETERS = (
    ("ServerVersion", PUSH_PROTOCOL_VERSION),
    ("ServerName", "ADMS"),
    ("PushProtVer", PUSH_PROTOCOL_VERSION),
    ("ErrorDelay", "30"),
    ("RequestDelay", str(REQUEST_DELAY)),
    ("TransTimes", "00:00;14:00"),
    ("TransInterval", "1"),
    ("TransTables", "User Transaction"),
    ("Realtime", "1"),
)
_ATTENDANCE_FLAGS = "TransData AttLog OpLog AttPhoto EnrollUser ChgUser EnrollFP ChgFP UserPic"
_ENROLL_TYPES = {
    Credential.FACE: BIO_FACE,
    Credential.FINGERPRINT: BIO_FINGERPRINT,
    Credential.PALM: BIO_PALM,
}
_ENROLL_INDEXES = {
    Credential.FACE: range(1),
    Credential.FINGERPRINT: range(10),
    Credential.PALM: range(2),
}
# Right index finger, the one people offer first (0-4 left little..thumb, 5-9 right thumb..).
_DEFAULT_FINGER = 6
# Template types a listing reads (those Credentials has a place for).
_LISTED_TYPES = frozenset({BIO_FINGERPRINT, BIO_FACE_NIR, BIO_PALM, BIO_FACE})
_CREDENTIAL_FEATURES = {
    Credential.FACE: Feature.FACE,
    Credential.FINGERPRINT: Feature.FINGERPRINT,
    Credential.PALM: Feature.PALM,
}
_DOOR_CODES = {
    DoorAction.HOLD_OPEN: "01{door:02X}01FF",
    DoorAction.NORMAL: "01{door:02X}0100",
    DoorAction.LOCKOUT: "06{door:02X}0100",
    DoorAction.RELEASE_LOCKOUT: "06{door:02X}0000",
}
# Options naming a count and its capacity; ZK reports some capacities in hundreds or ten
# thousands ("~MaxUserCount=100" is 10,000 users); options are kept without the "~" mark.
_USAGE_OPTIONS = {
    "users": ("UserCount", "MaxUserCount", 100),
    "fingerprints": ("FPCount", "MaxFingerCount", 100),
    "faces": ("FaceCount", "MaxFaceCount", 1),
    "palms": ("PvCount", "MaxPvCount", 1),
    "logs": ("TransactionCount", "MaxAttLogCount", 10000),
}
# Attendance getrequest INFO: firmware, users, fingerprints, punches, IP, FP version, face
# version, face templates, faces.
_INFO_FIELDS = (
    "FWVersion",
    "UserCount",
    "FPCount",
    "TransactionCount",
    "IPAddress",
    "ZKFPVersion",
    "FaceVersion",
)
_INFO_FACES = 8
_OPLOG_CHANGES = {6: UserChange.UPDATED, 7: UserChange.UPDATED, 8: UserChange.UPDATED}
_OPLOG_DELETED = 9
_DOOR_EVENT_STATES = {"rtlog:200": True, "rtlog:201": False}
# The options kept per terminal: what capabilities, info and diagnostics read.
_KEPT_OPTIONS = frozenset(
    {
        "AccSupportFunList",
        "AuxInCount",
        "AuxOutCount",
        "DateFmtFunOn",
        "DeviceName",
        "DeviceType",
        "DisableUserFunOn",
        "FaceCount",
        "FaceFunOn",
        "FaceVersion",
        "FirmVer",
        "FingerFunOn",
        "FPCount",
        "FWVersion",
        "IPAddress",
        "IRTempDetectionFunOn",
        "IsSupportQRcode",
        "Language",
        "LockCount",
        "MAC",
        "MaskDetectionFunOn",
        "MaxAttLogCount",
        "MaxFaceCount",
        "MaxFingerCount",
        "MaxPvCount",
        "MaxUserCount",
        "MulCardUserFunOn",
        "MultiBioDataSupport",
        "MultiBioPhotoSupport",
        "MultiBioVersion",
        "OEMVendor",
        "Platform",
        "PushVersion",
        "PvCount",
        "PvFunOn",
        "ReaderCount",
        "StringPinFunOn",
        "TimeZone",
        "TransactionCount",
        "UserCount",
        "ZKFPVersion",
    }
)
_DRIVE_TIME = re.compile(r"Door\d{1,2}Drivertime")


class Variant(StrEnum):
    """Which protocol a terminal speaks on the iclock endpoints."""

    SECURITY = "security"
    ATTENDANCE = "attendance"


# ZK's lock-out is the controller's lock option, so it is added where the firmware has one.
_SECURITY_OPERATIONS = USER_OPERATIONS | {
    Operation.OPEN_DOOR,
    Operation.TIMED_OPEN,
    Operation.HOLD_OPEN,
    Operation.NORMAL_MODE,
    Operation.CLEAR_ALARM,
    Operation.PUSH_FIRMWARE,
    Operation.SET_TIME,
    Operation.REBOOT,
}
_LOCK_OPERATIONS = frozenset({Operation.LOCKOUT, Operation.RELEASE_LOCKOUT})
_ATTENDANCE_OPERATIONS = USER_OPERATIONS | {Operation.SET_TIME, Operation.REBOOT}


def _flag_on(options: Mapping[str, str], *keys: str) -> bool:
    return any((optional_int(options.get(key)) or 0) > 0 for key in keys)


def info_from_options(serial: str, options: Mapping[str, str], caps: Capabilities) -> TerminalInfo:
    """Build TerminalInfo from the options a terminal announced."""
    features = {Feature.CARD, Feature.PASSWORD}
    if BIO_FINGERPRINT in caps.bio_data or _flag_on(options, "FingerFunOn", "ZKFPVersion"):
        features.add(Feature.FINGERPRINT)
    if caps.face_type is not None or _flag_on(options, "FaceFunOn", "FaceVersion"):
        features.add(Feature.FACE)
    if BIO_PALM in caps.bio_data or _flag_on(options, "PvFunOn"):
        features.add(Feature.PALM)
    if _flag_on(options, "IRTempDetectionFunOn"):
        features.add(Feature.TEMPERATURE)
    if _flag_on(options, "MaskDetectionFunOn"):
        features.add(Feature.MASK)
    if (optional_int(options.get("IsSupportQRcode")) or 0) >= 2:
        features.add(Feature.QR)
    usage: dict[str, Usage] = {}
    for key, (count, capacity, unit) in _USAGE_OPTIONS.items():
        used, most = optional_int(options.get(count)), optional_int(options.get(capacity))
        if used is not None or most is not None:
            usage[key] = Usage(used, None if most is None else most * unit)
    return TerminalInfo(
        serial=serial,
        family=Family.ZK_PUSH,
        model=optional_str(options.get("DeviceName")),
        manufacturer=optional_str(options.get("OEMVendor")) or "ZKTeco",
        firmware=optional_str(options.get("FirmVer") or options.get("FWVersion")),
        features=frozenset(features),
        doors=caps.doors,
        usage=usage,
        keepalive_interval=ATTENDANCE_DELAY if caps.attendance else REQUEST_DELAY,
        release_time=optional_int(options.get("Door1Drivertime")),
    )


def _zone_option(value: str | None) -> tzinfo | None:
    """Read the TimeZone option: whole hours, or minutes for half-hour zones."""
    number = optional_int(value)
    if number is None:
        return None
    minutes = number * 60 if -14 <= number <= 14 else number
    if not -14 * 60 <= minutes <= 14 * 60:
        return None
    return timezone(timedelta(minutes=minutes))


def zone_option(moment: datetime) -> str:
    """Return the TimeZone option for the zone of `moment`: hours, or minutes if not whole."""
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    return str(minutes // 60) if minutes % 60 == 0 else str(minutes)


def _server_zone(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{rest:02d}"


def _token(registry_code: str, serial: str, session: str) -> str:
    text = f"{registry_code}{serial}{session}"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class _Listing(Listing):
    """Users collected from DATA QUERY answers."""

    wanted: set[str] | None
    with_credentials: bool
    users: dict[str, User] = field(default_factory=dict)
    cards: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    templates: list[Template] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)

    def keeps(self, pin: str) -> bool:
        return self.wanted is None or pin in self.wanted

    def result(self) -> list[User]:
        """Merge the tables into users."""
        for pin, rows in self.cards.items():
            user = self.users.get(pin)
            if user is not None:
                user.cards = ()
                for row in rows:
                    add_card(user, row)
        for template in self.templates:
            if (user := self.users.get(template.pin)) is not None:
                add_template(user.credentials, template, with_data=self.with_credentials)
        for pin, photo in self.photos.items():
            if (user := self.users.get(pin)) is not None:
                user.credentials.photo = photo if self.with_credentials else b""
        return list(self.users.values())


class ZkPushTerminal(PushTerminal):
    """One ZKTeco PUSH terminal (Security PUSH controller or attendance terminal)."""

    family = Family.ZK_PUSH
    downloads_firmware = True
    reports_alarms = True

    def __init__(
        self,
        serial: str,
        listener: TerminalListener,
        *,
        zone: tzinfo,
        authorizer: Authorizer | None = None,
        command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    ) -> None:
        """Create the terminal; `zone` is where its clock is when it does not say."""
        super().__init__(serial, listener, authorizer=authorizer, command_timeout=command_timeout)
        self._default_zone = zone
        self.variant: Variant | None = None
        self.options: dict[str, str] = {}
        self.caps = Capabilities()
        self.zone = zone
        self.registry_code: str | None = None
        self._session: str | None = None
        self._previous_session: tuple[str, float] | None = None
        self.token_required = False
        self._stamps: dict[str, str] = {}
        self._queue = CommandQueue()
        self._queries: dict[int, tuple[_Listing, str]] = {}
        self._option_answers: dict[int, dict[str, str]] = {}
        self._attendance_listing: _Listing | None = None
        self._listing_lock = asyncio.Lock()
        # Until the terminal says which protocol it speaks: what both variants can do.
        self.operations = _SECURITY_OPERATIONS & _ATTENDANCE_OPERATIONS
        self.doors = {}  # known once it announces them

    # -- requests from the device ----------------------------------------------------------

    def token_accepted(self, request: Request) -> bool:
        """Check the request's token, and note that the terminal talked to us."""
        if not self._token_ok(request):
            _LOGGER.debug(
                "Refused %s from %s: missing or stale token", request.endpoint, self.serial
            )
            return False
        self.listener.seen()
        return True

    async def handle(self, request: Request) -> Reply:
        """Answer one device request."""
        if not self.token_accepted(request):
            return REFUSED
        try:
            return await self._HANDLERS[request.endpoint](self, request)
        except ProtocolError as err:
            _LOGGER.debug("Refused %s from %s: %s", request.endpoint, self.serial, err)
            return Reply(str(err), err.status)

    def _token_ok(self, request: Request) -> bool:
        """Check the token cookie (md5 of RegistryCode, SN and SessionID), where one is used.

        The hand-shake (options, registry, push) is never refused: it is how a terminal gets a
        new session, and a terminal that just registered has no session to compute one from.
        """
        if request.endpoint in (Endpoint.REGISTRY, Endpoint.PUSH, Endpoint.EXCHANGE) or (
            request.endpoint is Endpoint.CDATA and "options" in request.params
        ):
            return True
        if request.token is None:
            return not self.token_required
        if self.registry_code is None:
            return False
        sessions = [self._session] if self._session else []
        if self._previous_session and time.monotonic() < self._previous_session[1]:
            sessions.append(self._previous_session[0])
        for session in sessions:
            expected = _token(self.registry_code, self.serial, session)
            if hmac.compare_digest(expected, request.token):
                if not self.token_required:
                    self.token_required = True
                    self.listener.persist()
                return True
        return False

    async def _cdata(self, request: Request) -> Reply:
        params = request.params
        if request.method == "GET":
            return self._handshake(request) if "options" in params else OK
        if params.get("authtype", "").lower() == "device":
            return await self._remote_identification(request)
        table = (params.get("table") or "").lower()
        handler = self._TABLES.get(table)
        if handler is not None:
            return await handler(self, request)
        if table:
            _LOGGER.debug("Terminal %s uploaded table %s: acknowledged", self.serial, table)
        return OK

    def _handshake(self, request: Request) -> Reply:
        params = request.params
        if (language := params.get("language")) and language != self.options.get("Language"):
            self.options["Language"] = language
            self._refresh()  # names are written in the terminal's language's encoding
        pushver = params.get("pushver") or ""
        major = optional_int(pushver.split(".")[0]) if pushver else None
        if (major is not None and major >= 3) or params.get("devicetype", "").lower() == "acc":
            self._set_variant(Variant.SECURITY)
        elif self.variant is None:
            self._set_variant(Variant.ATTENDANCE)
        if self.variant is Variant.ATTENDANCE:
            return self._attendance_options(request)
        if self.registry_code is None or not self.options.get("LockCount"):
            return OK  # not registered: the terminal registers next
        return self._parameters(registry=True)

    def _attendance_options(self, request: Request) -> Reply:
        lines = [f"GET OPTION FROM: {self.serial}"]
        lines += [
            f"{table}Stamp={self._stamps.get(table, '0')}"
            for table in ("ATTLOG", "OPERLOG", "ATTPHOTO")
        ]
        lines += [
            "ErrorDelay=30",
            f"Delay={ATTENDANCE_DELAY}",
            "TransTimes=00:00;14:05",
            "TransInterval=1",
            f"TransFlag={_ATTENDANCE_FLAGS}",
            f"TimeZone={zone_option(datetime.now(self._default_zone))}",
            "Realtime=1",
            "Encrypt=None",
        ]
        return Reply("\n".join(lines), encoding=self.caps.encoding)

    def _parameters(self, *, registry: bool) -> Reply:
        session = secrets.token_hex(16).upper()
        if self._session:
            self._previous_session = (self._session, time.monotonic() + SESSION_GRACE)
        self._session = session
        self.listener.persist()
        lines = ["registry=ok", f"RegistryCode={self.registry_code}"] if registry else []
        lines += [f"{key}={value}" for key, value in _SERVER_PARAMETERS]
        lines += [f"SessionID={session}", "TimeoutSec=10"]
        if not registry:
            for key in ("MultiBioDataSupport", "MultiBioPhotoSupport"):
                if value := self.options.get(key):
                    lines.append(f"{key}={value}")
        return Reply("\n".join(lines))

    async def _registry(self, request: Request) -> Reply:
        options = parse_options(request.text)
        if not options:
            # "If registration fails, 406 instead of the registration code is returned."
            raise ProtocolError("registration without device parameters", status=406)
        self._keep(options)
        self._set_variant(Variant.SECURITY)
        if self.registry_code is None:
            self.registry_code = "".join(secrets.choice(_REGISTRY_ALPHABET) for _ in range(10))
        self._refresh()
        self.listener.persist()
        # Exactly this, without a newline: firmware compares it.
        return Reply(f"RegistryCode={self.registry_code}")

    async def _push(self, request: Request) -> Reply:
        if request.body and (options := parse_options(request.text)):
            self._keep(options)
            self._refresh()
        if self.registry_code is None:
            return Reply("not registered", 406)
        return self._parameters(registry=False)

    async def _exchange(self, request: Request) -> Reply:
        return Reply("encryption not supported", 406)

    async def _options_upload(self, request: Request) -> Reply:
        self._remember(parse_options(request.text))
        return OK

    async def _rtlog(self, request: Request) -> Reply:
        received = datetime.now(UTC)
        records: list[Record] = []
        for row in event_rows(request.text):
            fields = parse_fields(row)
            if "event" not in fields and "sensor" in fields:
                self._set_doors(row)  # some firmware sends door states as rtlog
                continue
            record = rtlog_record(fields, self.zone, received)
            self._door_from_events(record)
            records.append(record)
        return await self._deliver(records, OK)

    async def _rtstate(self, request: Request) -> Reply:
        for row in event_rows(request.text):
            self._set_doors(row)
        return OK

    def _set_doors(self, row: str) -> None:
        doors = rtstate_doors(row, max(self.caps.doors, 1))
        merged = {
            number: replace(
                state,
                held_open=self.doors.get(number, state).held_open,
                locked_out=self.doors.get(number, state).locked_out,
            )
            for number, state in doors.items()
        }
        if merged != self.doors:
            self.doors = merged
            self.listener.state_changed()

    def _door_from_events(self, record: Record) -> None:
        for event in record.events:
            state = _DOOR_EVENT_STATES.get(event.raw_code or "")
            current = self.doors.get(event.door)
            if state is not None and current is not None and current.is_open is not state:
                self.doors = {**self.doors, event.door: replace(current, is_open=state)}
                self.listener.state_changed()

    async def _tabledata(self, request: Request) -> Reply:
        table = request.params.get("tablename") or ""
        rows = table_rows(request.text, table)
        changed: dict[str, UserChange] = {}
        lowered = table.lower()
        for row in rows:
            fields = parse_fields(row)
            pin = (fields.get("pin") or "").strip()
            if lowered == "errorlog":
                _LOGGER.info(
                    "Terminal %s reported an error: %s", self.serial, row[:_LOGGED_CONTENT]
                )
            elif (
                pin
                and pin != "0"
                and lowered in ("user", "biodata", "templatev10", "biophoto", "userpic")
            ):
                changed[pin] = UserChange.UPDATED
        events = [
            AccessEvent(
                type=EventType.USER_UPDATED,
                time=datetime.now(UTC),
                user_id=pin,
                raw_code=f"tabledata:{lowered}",
                detail="credential enrolled at the terminal"
                if lowered != "user"
                else "user changed at the terminal",
            )
            for pin in changed
        ]
        reply = await self._deliver(
            [Record(tuple(events))] if events else [], Reply(f"{table}={len(rows)}")
        )
        if reply.status == 200:
            for pin, change in changed.items():
                self.listener.user_changed(pin, change)
        return reply

    async def _attlog(self, request: Request) -> Reply:
        self._set_variant(Variant.ATTENDANCE)
        received = datetime.now(UTC)
        lines = record_lines(request.text)
        records = [record for line in lines if (record := attlog_record(line, self.zone, received))]
        skipped = len(lines) - len(records)
        if skipped:
            _LOGGER.warning("Terminal %s sent %d unreadable punch(es)", self.serial, skipped)
        reply = await self._deliver(records, Reply(f"OK: {len(lines)}"))
        if reply.status == 200:
            self._stamp(request, "ATTLOG")
        return reply

    async def _operlog(self, request: Request) -> Reply:
        self._set_variant(Variant.ATTENDANCE)
        lines = record_lines(request.text)
        listing = self._attendance_listing
        for line in lines:
            head = line.split(None, 1)[0].upper()
            if head == "USER":
                user = user_from_userinfo(parse_fields(line))
                if user is None:
                    continue
                if listing is not None:
                    listing.arrived()
                    if listing.keeps(user.user_id):
                        listing.users[user.user_id] = user
                else:
                    self.listener.user_changed(user.user_id, UserChange.UPDATED)
            elif head in ("FP", "FACE", "BIODATA"):
                pin = parse_fields(line).get("pin")
                if pin:
                    self.listener.user_changed(pin, UserChange.UPDATED)
            elif head == "OPLOG":
                self._oplog(line)
        self._stamp(request, "OPERLOG")
        return Reply(f"OK: {len(lines)}")

    def _oplog(self, line: str) -> None:
        parts = line.split("\t")
        code = optional_int(parts[0].split()[-1]) if parts else None
        pin = parts[3].strip() if len(parts) > 3 else ""
        if not pin or pin == "0" or code is None:
            return
        if code == _OPLOG_DELETED:
            self.listener.user_changed(pin, UserChange.DELETED)
        elif (change := _OPLOG_CHANGES.get(code)) is not None:
            self.listener.user_changed(pin, change)

    async def _counted(self, request: Request) -> Reply:
        """Acknowledge attendance photos and templates (templates mean a changed user)."""
        self._set_variant(Variant.ATTENDANCE)
        table = (request.params.get("table") or "").upper()
        if table == "ATTPHOTO":
            count = 1  # one photo: text headers, a NUL, then the JPEG
        else:
            lines = record_lines(request.text)
            count = len(lines)
            for line in lines:
                if pin := parse_fields(line).get("pin"):
                    self.listener.user_changed(pin, UserChange.UPDATED)
        self._stamp(request, table)
        return Reply(f"OK: {count}")

    def _stamp(self, request: Request, table: str) -> None:
        stamp = request.params.get("stamp")
        if stamp and stamp != self._stamps.get(table):
            self._stamps[table] = stamp
            self.listener.persist()

    async def _remote_identification(self, request: Request) -> Reply:
        rows = event_rows(request.text)
        if not rows:
            raise ProtocolError("remote identification without a record")
        record = rtlog_record(rows[0], self.zone, datetime.now(UTC))
        fields = parse_fields(rows[0])
        pin = (fields.get("pin") or "").strip()
        card = (fields.get("cardno") or "").strip()
        door = max(optional_int(fields.get("eventaddr")) or 1, 1)
        event = AccessEvent(
            type=EventType.ACCESS_GRANTED,
            time=record.events[0].time if record.events else datetime.now(UTC),
            door=door,
            user_id=pin if pin and pin != "0" else None,
            methods=record.events[0].methods if record.events else (),
            card_number=None if card in ("", "0") else card,
        )
        granted, message = event.user_id is not None, None
        if granted and self.authorizer is not None:
            granted, message = await self.authorizer(event)
        # The terminal logs the passage (or refusal) itself and uploads it as rtlog.
        if not granted:
            _LOGGER.info(
                "Refused remote identification at %s: %s", self.serial, message or "unknown person"
            )
            return Reply(f"AUTH=FAILED\r\n{rows[0]}")
        seconds = self._open_seconds(door, None)
        return Reply(f"AUTH=SUCCESS\r\n{rows[0]}\r\nCONTROL DEVICE 01{door:02X}01{seconds:02X}")

    async def _getrequest(self, request: Request) -> Reply:
        if info := request.params.get("info"):
            self._attendance_info(info)
        commands = self._queue.handout()
        if not commands:
            return OK
        self.listener.persist()
        return Reply("\n".join(command.line() for command in commands), encoding=self.caps.encoding)

    def _attendance_info(self, info: str) -> None:
        values = [value.strip() for value in info.split(",")]
        options = {key: value for key, value in zip(_INFO_FIELDS, values, strict=False) if value}
        if len(values) > _INFO_FACES and values[_INFO_FACES]:
            options["FaceCount"] = values[_INFO_FACES]
        if any(self.options.get(key) != value for key, value in options.items()):
            self._remember(options)

    async def _devicecmd(self, request: Request) -> Reply:
        results = parse_results(request.text)
        if not results and request.body.strip():
            raise ProtocolError("no command result in the body")
        for command_id, code, name in results:
            command = self._queue.result(command_id, code)
            if command is None:
                _LOGGER.debug(
                    "Terminal %s reported unknown command %s (%s)", self.serial, command_id, name
                )
            elif command_id in self._queries and code < 0:
                _LOGGER.debug("Query %s failed at %s: %s", command_id, self.serial, code)
        self.listener.persist()
        return OK

    async def _querydata(self, request: Request) -> Reply:
        params = request.params
        kind = (params.get("type") or "tabledata").lower()
        table = params.get("tablename") or ""
        if kind == "options":
            answered = parse_options(request.text)
            command_id = optional_int(params.get("cmdid"))
            if (waiting := self._option_answers.get(command_id or 0)) is not None:
                waiting.update(answered)
            self._remember(answered)
            return OK
        if kind == "count":
            return OK  # a DATA COUNT answer: "the server returns OK" (section 12.1.3)
        rows = table_rows(request.text, table)
        command_id = optional_int(params.get("cmdid"))
        query = self._queries.get(command_id) if command_id is not None else None
        if query is not None and kind == "tabledata":
            listing, _ = query
            listing.arrived()
            self._collect(listing, table.lower(), rows)
        elif table.lower() == "transaction" and kind == "tabledata":
            return await self._transactions(rows, Reply(f"{table}={len(rows)}"))
        return Reply(f"{table}={len(rows)}")

    def _collect(self, listing: _Listing, table: str, rows: Iterable[str]) -> None:
        for row in rows:
            fields = parse_fields(row)
            pin = (fields.get("pin") or "").strip()
            if not listing.keeps(pin):
                continue
            if table == "user":
                if (user := user_from_row(fields, self.caps, self.zone)) is not None:
                    listing.users[user.user_id] = user
            elif table == "mulcarduser":
                listing.cards.setdefault(pin, []).append(
                    {
                        key: fields[key]
                        for key in ("cardno", "cardtype", "losscardflag")
                        if key in fields
                    }
                )
            elif table == "biodata":
                if (template := template_from_row(fields)) is not None:
                    if not listing.with_credentials:
                        template = replace(template, data="")
                    listing.templates.append(template)
            elif table == "biophoto" and (photo := photo_from_row(fields)) is not None:
                listing.photos[photo[0]] = photo[1] if listing.with_credentials else b""

    async def _file(self, request: Request) -> Reply:
        if request.method == "GET":
            return Reply("not found", 404)  # firmware downloads are served by the view
        if (request.params.get("table") or "").lower() != "transaction":
            return OK
        try:
            rows = _archive_rows(request.body)
        except ProtocolError as err:
            _LOGGER.warning(
                "Terminal %s uploaded an unreadable record archive: %s", self.serial, err
            )
            return OK
        return await self._transactions(rows, OK)

    async def _transactions(self, rows: Sequence[str], reply: Reply) -> Reply:
        received = datetime.now(UTC)
        records = [transaction_record(row, self.zone, received) for row in rows]
        return await self._deliver(records, reply)

    async def _ping(self, request: Request) -> Reply:
        return OK

    async def _rtdata(self, request: Request) -> Reply:
        now = datetime.now(UTC)
        local = datetime.now(self._default_zone)
        return Reply(f"DateTime={old_encode_time(now)},ServerTZ={_server_zone(local)}")

    _HANDLERS: ClassVar[dict[Endpoint, Callable[[ZkPushTerminal, Request], Awaitable[Reply]]]] = {
        Endpoint.CDATA: _cdata,
        Endpoint.REGISTRY: _registry,
        Endpoint.PUSH: _push,
        Endpoint.EXCHANGE: _exchange,
        Endpoint.GETREQUEST: _getrequest,
        Endpoint.DEVICECMD: _devicecmd,
        Endpoint.QUERYDATA: _querydata,
        Endpoint.FILE: _file,
        Endpoint.PING: _ping,
        Endpoint.RTDATA: _rtdata,
    }
    _TABLES: ClassVar[dict[str, Callable[[ZkPushTerminal, Request], Awaitable[Reply]]]] = {
        "options": _options_upload,
        "rtlog": _rtlog,
        "rtstate": _rtstate,
        "tabledata": _tabledata,
        "attlog": _attlog,
        "operlog": _operlog,
        "attphoto": _counted,
        "biodata": _counted,
    }

    async def _deliver(self, records: Sequence[Record], reply: Reply) -> Reply:
        """Answer `reply` once the records are handled (an upload without any needs nothing)."""
        if records and not await self.deliver(records):
            return Reply("server busy, send again later", 503)
        return reply

    # -- what the terminal is --------------------------------------------------------------

    def _set_variant(self, variant: Variant) -> None:
        if self.variant is not variant:
            self.variant = variant
            self._refresh()
            self.listener.persist()

    def _refresh(self) -> None:
        """Recompute capabilities, info, operations and doors from the options."""
        attendance = self.variant is Variant.ATTENDANCE
        self.caps = Capabilities.from_options(self.options, attendance=attendance)
        self.zone = _zone_option(self.options.get("TimeZone")) or self._default_zone
        if attendance:
            self.operations = _ATTENDANCE_OPERATIONS
        else:
            self.operations = _SECURITY_OPERATIONS | (
                _LOCK_OPERATIONS if self.caps.lock_control else frozenset()
            )
        # A controller's doors are known once it registered (LockCount).
        count = self.caps.doors if attendance or self.registry_code else 0
        doors = {
            number: self.doors.get(number) or DoorState(door=number)
            for number in range(1, count + 1)
        }
        info = replace(info_from_options(self.serial, self.options, self.caps), doors=count)
        if info != self.info or doors != self.doors:
            self.info, self.doors = info, doors
            self.listener.state_changed()

    def _keep(self, options: Mapping[str, str]) -> None:
        """Keep the options the integration reads (a registration carries some fifty)."""
        self.options.update(
            (key, value)
            for key, value in options.items()
            if key in _KEPT_OPTIONS or _DRIVE_TIME.fullmatch(key)
        )

    def _remember(self, options: Mapping[str, str]) -> None:
        """Keep new options, then recompute what follows from them and save them."""
        self._keep(options)
        self._refresh()
        self.listener.persist()

    def canonical_user_id(self, user_id: str) -> str:
        """Return the PIN as the terminal stores it."""
        return canonical_pin(user_id, self.caps)

    # -- operations ------------------------------------------------------------------------

    def _check_door(self, door: int) -> None:
        if door not in self.doors:
            if not self.doors:
                raise InvalidRequestError("the terminal has not said yet which doors it has")
            raise InvalidRequestError(f"door {door}: this terminal has {len(self.doors)} door(s)")

    def _open_seconds(self, door: int, duration: int | None) -> int:
        if duration is None:
            # The door's drive time, unless it is no opening time (0 closed, 255 normally open).
            configured = optional_int(self.options.get(f"Door{door}Drivertime"))
            duration = (
                configured
                if configured is not None and 1 <= configured <= MAX_OPEN_SECONDS
                else DEFAULT_OPEN_SECONDS
            )
        if not 1 <= duration <= MAX_OPEN_SECONDS:
            raise InvalidRequestError(f"doors open for 1 to {MAX_OPEN_SECONDS} seconds")
        return duration

    async def _run(self, text: str, what: str, *, render: Callable[[], str] | None = None) -> int:
        """Queue a command that only makes sense now and wait for its result."""
        return await self._result(self._queue.add(text, persistent=False, render=render), what)

    async def _result(self, command: Command, what: str) -> int:
        """Wait for the result of a command queued to run now (withdrawn when too late)."""
        future = cast("asyncio.Future[int]", command.future)  # add() made it: wait=True
        # Never deliver it later (a door opening minutes late is a hazard).
        return await await_result(
            future,
            what,
            within=self.command_timeout,
            withdraw=lambda: self._queue.withdraw([command]),
        )

    async def _hand_over(self, command: Command, what: str) -> None:
        """Wait until the terminal takes `command` (its result may come much later)."""
        handed = cast("asyncio.Future[None]", command.handed)  # add() made it: handed=True
        await await_result(
            handed,
            what,
            within=self.command_timeout,
            withdraw=lambda: self._queue.withdraw([command]),
        )

    async def door_control(
        self, door: int, action: DoorAction, *, duration: int | None = None
    ) -> None:
        """Send CONTROL DEVICE (01 output, 06 lock) for one door."""
        self.require(action.operation)
        self._check_door(door)
        if action is DoorAction.OPEN:
            seconds = self._open_seconds(door, duration)
            code = f"01{door:02X}01{seconds:02X}"
        else:
            if duration is not None:
                raise InvalidRequestError("only an opening takes a duration")
            code = _DOOR_CODES[action].format(door=door)
        await self._run(f"CONTROL DEVICE {code}", f"door command {action}")
        if action in (
            DoorAction.HOLD_OPEN,
            DoorAction.NORMAL,
            DoorAction.LOCKOUT,
            DoorAction.RELEASE_LOCKOUT,
        ):
            current = self.doors.get(door) or DoorState(door=door)
            if action in (DoorAction.HOLD_OPEN, DoorAction.NORMAL):
                state = replace(current, held_open=action is DoorAction.HOLD_OPEN)
            else:
                state = replace(current, locked_out=action is DoorAction.LOCKOUT)
            if state != current:
                self.doors = {**self.doors, door: state}
                self.listener.state_changed()

    async def clear_alarm(self) -> None:
        """Send CONTROL DEVICE 02 (cancel the alarms of every door)."""
        self.require(Operation.CLEAR_ALARM)
        await self._run("CONTROL DEVICE 02000000", "alarm reset")

    async def reboot(self) -> None:
        """Restart the terminal (it may restart before it can report the result)."""
        text = "REBOOT" if self.variant is Variant.ATTENDANCE else "CONTROL DEVICE 03000000"
        command = self._queue.add(text, persistent=False, wait=False, handed=True)
        await self._hand_over(command, "restart")

    async def set_time(self, now: datetime) -> None:
        """Set the clock to the local time of `now`'s zone, taken when the terminal asks.

        Attendance terminals take the time from every answer's Date header and the TimeZone
        of the options: CHECK makes them read the options again.
        """
        if self.variant is Variant.ATTENDANCE:
            await self._run("CHECK", "time setting")
            return
        zone = now.tzinfo or self._default_zone

        def render() -> str:
            return f"SET OPTIONS DateTime={old_encode_time(datetime.now(zone))}"

        await self._run("SET OPTIONS DateTime", "time setting", render=render)

    async def set_options(self, options: Mapping[str, str]) -> None:
        """Send SET OPTIONS key=value,... and wait for the terminal to apply them."""
        if self.variant is Variant.ATTENDANCE:
            raise NotSupportedError("set_options")
        for key, value in options.items():
            if not key or any(char in f"{key}{value}" for char in ",=\t\r\n"):
                raise InvalidRequestError(f"option {key!r}: no commas, '=', tabs or line breaks")
        text = ",".join(f"{key}={value}" for key, value in options.items())
        await self._run(f"SET OPTIONS {text}", "option setting")
        self._remember(options)

    async def get_options(self, names: Sequence[str]) -> dict[str, str]:
        """Send GET OPTIONS and return the values the terminal uploaded."""
        if self.variant is Variant.ATTENDANCE:
            raise NotSupportedError("get_options")
        for name in names:
            if not name or any(char in name for char in ",=\t\r\n"):
                raise InvalidRequestError(f"option {name!r}: no commas, '=', tabs or line breaks")
        command = self._queue.add(f"GET OPTIONS {','.join(names)}", persistent=False)
        answered: dict[str, str] = {}
        self._option_answers[command.id] = answered
        try:
            await self._result(command, "option reading")
        finally:
            self._option_answers.pop(command.id, None)
        # Options arrive without the "~" mark the document puts on some names.
        return {name: answered[key] for name in names if (key := name.lstrip("~")) in answered}

    async def start_enrollment(
        self, user_id: str, credential: Credential, index: int | None = None
    ) -> None:
        """Send ENROLL_BIO (ENROLL_FP on attendance terminals); the outcome is an admin event."""
        pin = canonical_pin(user_id, self.caps)
        feature = _CREDENTIAL_FEATURES.get(credential)
        if feature is None or (self.info is not None and feature not in self.info.features):
            raise NotSupportedError(f"{Operation.ENROLL} {credential}")
        allowed = _ENROLL_INDEXES[credential]
        if index is not None and index not in allowed:
            raise InvalidRequestError(f"index {index} is not valid for {credential}")
        if index is None:
            index = _DEFAULT_FINGER if credential is Credential.FINGERPRINT else 0
        if self.variant is Variant.ATTENDANCE:
            if credential is not Credential.FINGERPRINT:
                raise NotSupportedError(f"{Operation.ENROLL} {credential}")
            text = f"ENROLL_FP PIN={pin}\tFID={index}\tRETRY=3\tOVERWRITE=1"
        else:
            kind = _ENROLL_TYPES[credential]
            if credential is Credential.FACE:
                kind = self.caps.face_type or BIO_FACE
            text = f"ENROLL_BIO type={kind}\tno={index}\tpin={pin}\tretry=3\toverwrite=1"

        def outcome(code: int) -> None:
            finished = code >= 0
            event = AccessEvent(
                type=EventType.ENROLLMENT_FINISHED if finished else EventType.ENROLLMENT_FAILED,
                time=datetime.now(UTC),
                user_id=pin,
                raw_code=f"enroll:{code}",
                detail=f"{credential} enrolled" if finished else describe_result(code),
            )
            self.spawn(lambda: self._enrolled(event, finished), "enrollment outcome")

        command = self._queue.add(
            text, persistent=False, wait=False, handed=True, on_result=outcome
        )
        await self._hand_over(command, "enrollment start")

    async def _enrolled(self, event: AccessEvent, finished: bool) -> None:
        await self._deliver([Record((event,))], OK)
        if finished:
            self.listener.user_changed(event.user_id, UserChange.UPDATED)

    async def push_firmware(self, firmware: FirmwareImage) -> None:
        """Send UPGRADE with the single-use URL; the terminal downloads and checks the image."""
        self.require(Operation.PUSH_FIRMWARE)
        if firmware.url is None:
            raise InvalidRequestError("ZK terminals download firmware: a URL is needed")
        text = (
            f"UPGRADE type=1,checksum={firmware.md5.lower()},size={len(firmware.data)},"
            f"url={firmware.url}"
        )

        def outcome(code: int) -> None:
            if code < 0:
                _LOGGER.error(
                    "Terminal %s did not install the firmware: %s (%s)",
                    self.serial,
                    describe_result(code),
                    code,
                )
            else:
                _LOGGER.info("Terminal %s installed the firmware", self.serial)

        command = self._queue.add(
            text, persistent=False, wait=False, handed=True, on_result=outcome
        )
        await self._hand_over(command, "firmware push")

    # -- users -----------------------------------------------------------------------------

    async def list_users(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = True
    ) -> list[User]:
        """Query the user tables (DATA QUERY) and collect the rows the terminal uploads."""
        wanted = None if user_ids is None else {canonical_pin(pin, self.caps) for pin in user_ids}
        if wanted is not None and not wanted:
            return []
        listing = _Listing(wanted, with_credentials)
        async with self._listing_lock:
            if self.variant is Variant.ATTENDANCE:
                return await self._list_attendance(listing)
            filters = ["*"]
            if wanted is not None and len(wanted) <= PER_ID_QUERIES:
                filters = [f"Pin={pin}" for pin in sorted(wanted)]
            queries: list[tuple[str, str, bool]] = []
            for condition in filters:
                queries.append(("user", f"filter={condition}", True))
                if self.caps.mul_card:
                    queries.append(("mulcarduser", f"filter={condition}", False))
                pin_filter = "" if condition == "*" else f"\t{condition}"
                queries.extend(
                    ("biodata", f"filter=Type={kind}{pin_filter}", False)
                    for kind in sorted(self.caps.bio_data & _LISTED_TYPES)
                )
                if BIO_FACE in self.caps.bio_photo:
                    queries.append(("biophoto", f"filter=Type={BIO_FACE}{pin_filter}", False))
            await self._query(listing, queries)
            return listing.result()

    async def _query(self, listing: _Listing, queries: Sequence[tuple[str, str, bool]]) -> None:
        commands: list[tuple[Command, str, bool]] = []
        for table, condition, required in queries:
            text = f"DATA QUERY tablename={table},fielddesc=*,{condition}"
            command = self._queue.add(text, persistent=False)
            self._queries[command.id] = (listing, table)
            commands.append((command, table, required))
        try:
            results = await self._await_activity(listing, [command for command, _, _ in commands])
        finally:
            for command, _, _ in commands:
                self._queries.pop(command.id, None)
            self._queue.withdraw([command for command, _, _ in commands])
        for (_, table, required), result in zip(commands, results, strict=True):
            if isinstance(result, BaseException):
                if required or not isinstance(result, DeviceError):
                    raise result
                _LOGGER.debug("Terminal %s could not list %s: %s", self.serial, table, result)

    async def _await_activity(
        self, listing: _Listing, commands: Sequence[Command]
    ) -> list[int | BaseException]:
        """Wait for every command's result, as long as rows keep arriving."""
        outcome = gather_results(c.future for c in commands if c.future is not None)
        return await listing.wait(outcome, "user listing", silence=self.command_timeout)

    async def _list_attendance(self, listing: _Listing) -> list[User]:
        self._attendance_listing = listing
        try:
            if listing.wanted is not None and len(listing.wanted) <= PER_ID_QUERIES:
                texts = [f"DATA QUERY USERINFO PIN={pin}" for pin in sorted(listing.wanted)]
            else:
                texts = ["DATA QUERY USERINFO"]
            commands = [self._queue.add(text, persistent=False) for text in texts]
            try:
                results = await self._await_activity(listing, commands)
            finally:
                self._queue.withdraw(commands)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            return listing.result()
        finally:
            self._attendance_listing = None

    async def set_users(
        self, users: Sequence[User], *, keep_held_credentials: Collection[str] = ()
    ) -> None:
        """Queue the table commands for `users` and wait for the terminal's results.

        Writing a user's row never touches the templates the terminal holds (they live in
        other tables), so `keep_held_credentials` needs no work here.
        """
        batches: list[tuple[str, list[str]]] = []
        if self.variant is Variant.ATTENDANCE:
            batches = [(userinfo_command(user), [user.user_id]) for user in users]
        else:
            for chunk in chunks(users, USERS_PER_BATCH):
                writes = TableWrites()
                for user in chunk:
                    user_records(user, self.caps, self.zone, writes)
                for prefix, rows in writes.commands():
                    batches.extend(_split(prefix, rows))
        await self._run_data(batches, "user update", len(users))

    async def delete_users(self, user_ids: Sequence[str] | None) -> None:
        """Delete users and what they hold (None: everyone)."""
        batches: list[tuple[str, list[str]]] = []
        if self.variant is Variant.ATTENDANCE:
            if user_ids is None:
                user_ids = [user.user_id for user in await self.list_users(with_credentials=False)]
            batches = [(f"DATA DELETE USERINFO PIN={pin}", [pin]) for pin in user_ids]
        else:
            for prefix, rows in delete_records(user_ids, self.caps):
                batches.extend(_split(prefix, rows))
        await self._run_data(batches, "user deletion", len(user_ids or ()))

    async def _run_data(
        self, batches: Sequence[tuple[str, list[str]]], what: str, count: int
    ) -> None:
        commands = [(self._queue.add(text, persistent=True), pins) for text, pins in batches]
        self.listener.persist()
        futures = [command.future for command, _ in commands if command.future is not None]
        results = await await_results(
            futures,
            what,
            within=self.command_timeout + SECONDS_PER_USER * count,
            forget=lambda: self._queue.withdraw([command for command, _ in commands]),
        )
        failures: dict[str, str] = {}
        for (_, pins), result in zip(commands, results, strict=True):
            if isinstance(result, TerminalClosedError):
                raise result
            if isinstance(result, DeviceError):
                reason = f"{result.reason} [code {result.code}]"
            elif isinstance(result, BaseException):
                reason = str(result)
            else:
                continue
            for pin in pins:
                failures.setdefault(pin, reason)
        if failures:
            raise UserWriteError(failures)

    # -- persistence and diagnostics -------------------------------------------------------

    def close(self) -> None:
        """Fail every caller still waiting (queued data commands stay saved)."""
        self._queue.fail_all(
            TerminalClosedError("the terminal was unloaded; queued users stay queued")
        )

    def export_state(self) -> dict[str, Any]:
        """Return what must survive a restart: registration, session, options and commands."""
        return {
            "variant": None if self.variant is None else str(self.variant),
            "registry_code": self.registry_code,
            "session": self._session,
            "token_required": self.token_required,
            "options": dict(self.options),
            "stamps": dict(self._stamps),
            "commands": self._queue.export(),
        }

    def restore_state(self, data: Mapping[str, Any]) -> None:
        """Reload export_state() output."""
        variant = data.get("variant")
        if variant in (Variant.SECURITY, Variant.ATTENDANCE):
            self.variant = Variant(variant)
        code = data.get("registry_code")
        self.registry_code = code if isinstance(code, str) and code else None
        session = data.get("session")
        self._session = session if isinstance(session, str) and session else None
        self.token_required = data.get("token_required") is True
        for key, target in (("options", self.options), ("stamps", self._stamps)):
            saved = data.get(key)
            if isinstance(saved, dict):
                target.update({str(k): str(v) for k, v in saved.items()})
        commands = data.get("commands")
        if isinstance(commands, dict):
            self._queue.restore(commands)
        if self.variant is not None or self.options:
            self._refresh()

    def diagnostics(self) -> dict[str, Any]:
        """Return the protocol state (the caller redacts secrets)."""
        return {
            "variant": None if self.variant is None else str(self.variant),
            "registered": self.registry_code is not None,
            "token_required": self.token_required,
            "options": dict(self.options),
            "stamps": dict(self._stamps),
            "commands_queued": len(self._queue),
            "data_commands_queued": self._queue.pending_data,
        }


def _split(prefix: str, rows: Rows) -> list[tuple[str, list[str]]]:
    """Pack records into commands of at most MAX_COMMAND_BYTES (one record at least each)."""
    batches: list[tuple[str, list[str]]] = []
    records: list[str] = []
    pins: list[str] = []
    size = len(prefix)
    for pin, record in rows:
        if records and size + len(record) + 1 > MAX_COMMAND_BYTES:
            batches.append((f"{prefix} " + "\n".join(records), pins))
            records, pins, size = [], [], len(prefix)
        records.append(record)
        if pin not in pins:
            pins.append(pin)
        size += len(record) + 1
    if records:
        batches.append((f"{prefix} " + "\n".join(records), pins))
    return batches


def _archive_rows(data: bytes) -> list[str]:
    """Read the transaction lines of an ACCOUNT upload (a tgz of transaction.txt)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            rows: list[str] = []
            total = 0
            for member in archive.getmembers():
                if not member.isfile():
                    continue
                total += member.size
                if total > MAX_ARCHIVE:
                    raise PayloadTooLargeError(MAX_ARCHIVE)
                extracted = archive.extractfile(member)
                if extracted is not None:
                    rows.extend(record_lines(decode_text(extracted.read())))
            return rows
    except (tarfile.TarError, OSError, EOFError) as err:
        raise ProtocolError(f"not a tgz archive: {err}") from None
