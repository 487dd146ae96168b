"""The HTTPv2 terminal: answers the device's requests and turns operations into queued work.

The device polls: every request it makes is answered here, and everything we want from it waits
until its next keep-alive says there is work ("UploadWorkParameter > Remote > SyncParameter >
DeletePeople > AddPeople"). Operations therefore resolve when the device picks them up (door
commands, reboot) or reports their outcome (people downloads, deletions).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
import json
import logging
import re
import time
from typing import Any, ClassVar
import zlib

from ..codec import optional_int, optional_str, to_int
from ..errors import (
    CommandCancelledError,
    InvalidRequestError,
    NotSupportedError,
    ProtocolError,
    TerminalClosedError,
    UnconfirmedError,
    UserWriteError,
)
from ..model import (
    DOOR_MODE_OPERATIONS,
    USER_OPERATIONS,
    AccessEvent,
    Authorizer,
    Credential,
    DenyReason,
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
)
from .codes import ALL_USERS_DELETED_CODES, identify_record, parse_alarms, system_record
from .people import (
    DEFAULT_DOWNLOAD_LIMIT,
    DOWNLOAD_ERRORS,
    MAX_BATCH,
    PeopleQueue,
    people_json,
    user_from_people,
    valid_user_id,
)
from .wire import Endpoint, Reply, Request, error_reply, ok

_LOGGER = logging.getLogger(__name__)

# A full user listing has no end marker: it is over at a keep-alive after this much silence.
LIST_QUIET_SECONDS = 2.0
# Extra seconds a people download may take per person (10,000 people: 500 s more).
SECONDS_PER_PERSON = 0.05
_DECISION_CACHE = 64
_LOGGED_CONTENT = 2000
_REFUSED = Reply({"Success": 0, "Message": "Access denied"})

_OPENDOOR_CODES = {
    DoorAction.OPEN: 1,
    DoorAction.HOLD_OPEN: 2,
    DoorAction.NORMAL: 3,
    DoorAction.LOCKOUT: 4,
    DoorAction.RELEASE_LOCKOUT: 5,
}
_REGISTER_TYPES = {
    Credential.CARD: 1,
    Credential.PASSWORD: 2,
    Credential.FINGERPRINT: 3,
    Credential.FACE: 4,
    Credential.PALM: 5,
}
_CREDENTIAL_FEATURES = {
    Credential.FINGERPRINT: Feature.FINGERPRINT,
    Credential.FACE: Feature.FACE,
    Credential.PALM: Feature.PALM,
}
# "对于指纹的索引号是 0-9, 对于掌静脉的索引号是 1-2"
_CREDENTIAL_INDEXES = {Credential.FINGERPRINT: range(10), Credential.PALM: range(1, 3)}
_ENROLL_RESULTS = {
    2: "cancelled at the device",
    3: "credential already registered",
    4: "the device has no fingerprint reader",
    5: "the device has no palm vein reader",
    6: "the device is busy",
}
_FUNCTION_FEATURES = {
    "Face": Feature.FACE,
    "Fingerprint": Feature.FINGERPRINT,
    "Palmvein": Feature.PALM,
    "QRCode": Feature.QR,
    "BodyTemperature": Feature.TEMPERATURE,
    "FaceMask": Feature.MASK,
}
_STORAGE_FEATURES = {
    "Face": Feature.FACE,
    "Fingerprint": Feature.FINGERPRINT,
    "PalmVein": Feature.PALM,
}
_USAGE_KEYS = {
    "users": ("PeopleStorageInfo", "Person"),
    "faces": ("PeopleStorageInfo", "Face"),
    "cards": ("PeopleStorageInfo", "Card"),
    "fingerprints": ("PeopleStorageInfo", "Fingerprint"),
    "palms": ("PeopleStorageInfo", "PalmVein"),
    "passwords": ("PeopleStorageInfo", "Pasword"),
    "admins": ("PeopleStorageInfo", "Admin"),
    "logs": ("RecordStorageInfo", "VerifyRecord"),
    "photos": ("RecordStorageInfo", "RecordPhoto"),
}
_PUSH_CHANGES = {1: UserChange.ADDED, 2: UserChange.UPDATED, 3: UserChange.DELETED}
_ADMIN_CHANGES = {
    EventType.USER_ADDED: UserChange.ADDED,
    EventType.USER_UPDATED: UserChange.UPDATED,
    EventType.USER_DELETED: UserChange.DELETED,
}
_MODEL_IN_SERIAL = re.compile(r"^(.*?[A-Za-z])\d{6,}$")
# Records and reports the device would otherwise re-send forever if refused.
_RECORD_ENDPOINTS = frozenset(
    {
        Endpoint.UPLOAD_IDENTIFY_RECORD,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        Endpoint.PUSH_PEOPLE,
        Endpoint.REGISTER_RESULT,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        Endpoint.DELETE_PEOPLE_RESULT,
    }
)


def model_from_serial(serial: str) -> str | None:
    """Return the model prefix of a serial ("FC-8200H12345678" -> "FC-8200H")."""
    match = _MODEL_IN_SERIAL.match(serial)
    return match.group(1) if match else None


def _flag(document: Mapping[str, Any], key: str) -> bool | None:
    value = optional_int(document.get(key))
    return None if value is None else value == 1


def door_from_status(document: Mapping[str, Any]) -> DoorState:
    """Read the door fields shared by Keepalive and UploadWorkSetting."""
    return DoorState(
        door=1,
        is_open=_flag(document, "DoorSensorStatus"),
        relay_energised=_flag(document, "RelayStatus"),
        held_open=_flag(document, "KeepOpenStatus"),
        locked_out=_flag(document, "LockDoorStatus"),
        alarms=parse_alarms(document.get("AlarmStatus")),
    )


def info_from_settings(serial: str, settings: Mapping[str, Any]) -> TerminalInfo:
    """Build TerminalInfo from an UploadWorkSetting document."""
    usage: dict[str, Usage] = {}
    for key, (section, name) in _USAGE_KEYS.items():
        group = settings.get(section)
        entry = group.get(name) if isinstance(group, dict) else None
        if isinstance(entry, dict):
            usage[key] = Usage(optional_int(entry.get("Current")), optional_int(entry.get("Max")))
    features = {Feature.CARD, Feature.PASSWORD}
    functions = settings.get("FunctionList")
    if isinstance(functions, dict):
        features.update(
            feat for key, feat in _FUNCTION_FEATURES.items() if functions.get(key) is True
        )
    else:  # older firmware: a reader exists where it has storage for its templates
        storage = settings.get("PeopleStorageInfo")
        for key, feat in _STORAGE_FEATURES.items():
            entry = storage.get(key) if isinstance(storage, dict) else None
            if isinstance(entry, dict) and (optional_int(entry.get("Max")) or 0) > 0:
                features.add(feat)
    keepalive = optional_int(settings.get("HTTPClient_KeepaliveTime")) or optional_int(
        settings.get("KeepaliveTime")
    )
    return TerminalInfo(
        serial=serial,
        family=Family.HTTPV2,
        model=model_from_serial(serial),
        manufacturer=optional_str(settings.get("Manufacturer")),
        firmware=optional_str(settings.get("FirmwareVerson")),
        name=optional_str(settings.get("DeviceName")),
        features=frozenset(features),
        doors=1,
        usage=usage,
        keepalive_interval=keepalive,
        release_time=optional_int(settings.get("ReleaseTime")),
    )


def _failures(document: Mapping[str, Any]) -> dict[str, str]:
    # The document spells the failure list "FailList" in the table and "FailCount" (a second
    # time) in the example: accept a list under either name.
    items = document.get("FailList")
    if not isinstance(items, list):
        items = document.get("FailCount")
    failures: dict[str, str] = {}
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or (user_id := optional_str(item.get("UserID"))) is None:
            continue
        code = optional_int(item.get("ErrorCode"))
        reason = DOWNLOAD_ERRORS.get(code or 0, optional_str(item.get("ErrMsg")) or "refused")
        if code in (20, 21, 22, 23) and (other := optional_str(item.get("RepeatID"))):
            reason = f"{reason} ({other})"
        failures[user_id] = f"{reason} [code {code}]" if code is not None else reason
    return failures


@dataclass(slots=True)
class _Command:
    """A RemoteCommand waiting for the device to fetch it."""

    fields: dict[str, Any]
    future: asyncio.Future[None]
    on_delivered: Callable[[], None] | None = None


@dataclass(slots=True)
class _Listing(Listing):
    """Users being collected from PushPeople after PushAllPeople / QueryPeople."""

    expected: set[str] | None
    future: asyncio.Future[list[User]]
    with_credentials: bool
    users: dict[str, User] = field(default_factory=dict)
    delivered: bool = False


class HttpV2Terminal(PushTerminal):
    """One HTTPv2 face terminal, as seen from the server it polls."""

    family = Family.HTTPV2
    downloads_firmware = True
    reports_alarms = True
    operations = (
        DOOR_MODE_OPERATIONS
        | USER_OPERATIONS
        | {
            Operation.CLEAR_ALARM,
            Operation.PUSH_FIRMWARE,
            Operation.SET_TIME,
            Operation.REBOOT,
            Operation.SNAPSHOT,
        }
    )

    def __init__(
        self,
        serial: str,
        listener: TerminalListener,
        *,
        authorizer: Authorizer | None = None,
        command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
        list_quiet: float | None = None,
    ) -> None:
        """Create the terminal; it asks the device for its work settings at the first chance."""
        super().__init__(serial, listener, authorizer=authorizer, command_timeout=command_timeout)
        self._list_quiet = LIST_QUIET_SECONDS if list_quiet is None else list_quiet
        # The last work settings, as compressed JSON: only diagnostics reads them, and with
        # hundreds of terminals the parsed document would cost several KB each.
        self._settings = zlib.compress(b"{}")
        self._want_settings = True
        self._remote: deque[_Command] = deque()
        # A clock to set at the device's next DownloadWorkSetting: (wanted, TimeZone or None).
        self._set_clock: tuple[bool, int | None] = (False, None)
        self._setting_waiters: list[asyncio.Future[None]] = []
        self._people = PeopleQueue()
        self._listing: _Listing | None = None
        self._listing_lock = asyncio.Lock()
        self._decisions: OrderedDict[str, Reply] = OrderedDict()

    # -- requests from the device ----------------------------------------------------------

    async def handle(self, request: Request) -> Reply:
        """Answer one device request."""
        self.listener.seen()
        try:
            return await self._HANDLERS[request.endpoint](self, request)
        except ProtocolError as err:
            if request.endpoint in _RECORD_ENDPOINTS:
                return self._unreadable(request, str(err))
            _LOGGER.debug("Refused %s from %s: %s", request.endpoint, self.serial, err)
            return error_reply(err)

    def _unreadable(self, request: Request, problem: str) -> Reply:
        """Acknowledge a record we cannot read, and keep it in the log.

        Refusing it would make the device send it again every few seconds, oldest first, and
        hold back every record behind it. Photos are never logged.
        """
        content = json.dumps(
            {"fields": request.fields, "document": request.document}, ensure_ascii=False
        )
        _LOGGER.warning(
            "Terminal %s sent an unreadable %s (%s); acknowledged so that later records flow. "
            "Content: %s",
            self.serial,
            request.endpoint,
            problem,
            content[:_LOGGED_CONTENT],
        )
        return ok()

    def _set_door(self, document: Mapping[str, Any]) -> None:
        door = door_from_status(document)
        if door != self.doors.get(1):
            self.doors = {1: door}
            self.listener.state_changed()

    async def _keepalive(self, request: Request) -> Reply:
        self._set_door(request.fields)
        self._finish_quiet_listing()
        while self._remote and self._remote[0].future.done():
            self._remote.popleft()  # abandoned by a caller that timed out
        self._people.expire_merges()
        work: dict[str, int] = {}
        if self._want_settings:
            work["UploadWorkParameter"] = 1
        if self._people.pending_merges or any(not c.future.done() for c in self._remote):
            work["Remote"] = 1
        if self._set_clock[0]:
            work["SyncParameter"] = 1
        if deletes := self._people.pending_deletes:
            work["DeletePeople"] = deletes
        # People waiting to be merged are asked for under Remote, which the device handles
        # before AddPeople: announced now, they are downloaded in the same cycle.
        if adds := self._people.pending_adds + self._people.pending_merges:
            work["AddPeople"] = adds
        return ok(**work)

    async def _upload_work_setting(self, request: Request) -> Reply:
        settings = {key: value for key, value in request.fields.items() if key != "Success"}
        self._settings = zlib.compress(json.dumps(settings, separators=(",", ":")).encode())
        self.info = info_from_settings(self.serial, settings)
        self._want_settings = False
        self._set_door(settings)
        self.listener.state_changed()
        return ok()

    async def _download_work_setting(self, request: Request) -> Reply:
        changes: dict[str, Any] = {}
        wanted, zone = self._set_clock
        if wanted:
            # The time is taken now, when the device fetches it, not when it was asked for.
            changes["SystemTime"] = int(time.time())
            if zone is not None:
                changes["TimeZone"] = zone
        self._set_clock = (False, None)
        waiters, self._setting_waiters = self._setting_waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)
        return ok(**changes)

    async def _remote_command(self, request: Request) -> Reply:
        # One reply carries several commands as long as their fields do not collide; the rest
        # wait for the next keep-alive, in order.
        fields: dict[str, Any] = {}
        while self._remote:
            command = self._remote[0]
            if command.future.done():
                self._remote.popleft()
                continue
            if fields.keys() & command.fields.keys():
                break
            self._remote.popleft()
            fields.update(command.fields)
            command.future.set_result(None)
            if command.on_delivered is not None:
                command.on_delivered()
        if self._people.pending_merges:
            # Ask for the people whose templates must be kept, with any listing in progress.
            asked = fields.get("QueryPeople", [])
            fields["QueryPeople"] = asked + [
                n for n in self._people.merge_query() if n not in asked
            ]
            self.listener.persist()
        return ok(**fields)

    async def _register_result(self, request: Request) -> Reply:
        result = self._document(request, "ResultJson")
        user_id = optional_str(result.get("UserID"))
        code = optional_int(result.get("Result"))
        if code == 1:
            kind, detail = EventType.ENROLLMENT_FINISHED, "credential enrolled"
        else:
            kind = EventType.ENROLLMENT_FAILED
            detail = _ENROLL_RESULTS.get(code or 0, f"enrollment failed (result {code})")
            if code == 3 and (other := optional_str(result.get("RepetitionUserID"))):
                detail = f"{detail} to user {other}"
        event = AccessEvent(
            type=kind,
            time=datetime.now(UTC),
            user_id=user_id,
            raw_code=f"enroll:{code}",
            detail=detail,
            photo=request.photo,
        )
        reply = await self._deliver([Record((event,))])
        if code == 1:  # the device now holds a new credential for this person
            self.listener.user_changed(user_id, UserChange.UPDATED)
        return reply

    async def _upload_snapshot(self, request: Request) -> Reply:
        if request.photo:
            self.listener.snapshot(request.photo)
        return ok()

    async def _request_authorization(self, request: Request) -> Reply:
        try:
            record = identify_record(
                self._document(request, "RecordDetail"),
                request.photo,
                datetime.now(UTC),
                stream="auth",
            )
        except ProtocolError as err:
            _LOGGER.warning("Terminal %s asked to let someone in unreadably: %s", self.serial, err)
            return _REFUSED
        if record.key is not None and (earlier := self._decisions.get(record.key)) is not None:
            return earlier  # the device asked again: same answer, no second event
        event = record.events[0] if record.events else None
        granted: bool = False
        message: str | None = "Access denied"
        if event is not None and event.type is EventType.ACCESS_GRANTED:
            granted, message = True, None
            if self.authorizer is not None:
                granted, message = await self.authorizer(event)
            if not granted:
                event = replace(
                    event,
                    type=EventType.ACCESS_DENIED,
                    reason=DenyReason.SERVER_DENIED,
                    detail=message or "refused by the server",
                )
        if event is not None:
            # The person at the door is answered even if the event could not be stored.
            await self._deliver([replace(record, events=(event,))])
        if granted:
            reply = ok(Message=message) if message else Reply({"Success": 2})
        else:
            reply = Reply({"Success": 0, "Message": message or _REFUSED.payload["Message"]})
        if record.key is not None:
            self._decisions[record.key] = reply
            while len(self._decisions) > _DECISION_CACHE:
                self._decisions.popitem(last=False)
        return reply

    async def _download_people(self, request: Request) -> Reply:
        limit = optional_int(request.fields.get("Limit")) or DEFAULT_DOWNLOAD_LIMIT
        people = self._people.next_add_batch(min(max(limit, 1), MAX_BATCH))
        self.listener.persist()
        return ok(PeopleCount=len(people), Count=len(people), PeopleList=people)

    async def _download_people_result(self, request: Request) -> Reply:
        self._people.add_result(_failures(request.fields))
        self.listener.persist()
        return ok()

    async def _delete_people(self, request: Request) -> Reply:
        limit = optional_int(request.fields.get("Limit")) or DEFAULT_DOWNLOAD_LIMIT
        delete_all, user_ids = self._people.next_delete_batch(min(max(limit, 1), MAX_BATCH))
        self.listener.persist()
        return ok(
            DeleteAll=int(delete_all),
            # Firmware that only looks at the count must see work when everyone goes.
            DeleteCount=1 if delete_all else len(user_ids),
            DeleteList=[int(user_id) for user_id in user_ids],
        )

    async def _delete_people_result(self, request: Request) -> Reply:
        self._people.delete_result()
        self.listener.persist()
        return ok()

    async def _push_people(self, request: Request) -> Reply:
        push_type = optional_int(request.fields.get("PushType"))
        detail = request.document
        user = None if detail is None else user_from_people(detail, request.photo)
        user_id = optional_str(request.fields.get("UserID"))
        if user_id is None and user is not None:
            user_id = user.user_id
        if push_type == 4:
            self._collect(user_id, user)
            if user_id is not None and self._people.held(user_id, detail, request.photo):
                self.listener.persist()
        elif (change := _PUSH_CHANGES.get(push_type or 0)) is not None:
            self.listener.user_changed(user_id, change)
        return ok()

    async def _upload_identify_record(self, request: Request) -> Reply:
        record = identify_record(
            self._document(request, "RecordDetail"), request.photo, datetime.now(UTC)
        )
        return await self._deliver([record])

    async def _upload_system_record(self, request: Request) -> Reply:
        kind = to_int(request.fields.get("RecordType"), "RecordType")
        items = request.fields.get("Records")
        if not isinstance(items, list):
            raise ProtocolError("Records: expected a list")
        received = datetime.now(UTC)
        records = []
        for item in items:
            try:
                records.append(system_record(kind, item, received))
            except ProtocolError as err:
                # One unreadable entry must not make the device re-send the whole batch forever.
                _LOGGER.warning("Skipped a system record from %s: %s (%r)", self.serial, err, item)
        return await self._deliver(records)

    # Which method answers which endpoint: one table for every terminal.
    _HANDLERS: ClassVar[dict[Endpoint, Callable[[HttpV2Terminal, Request], Awaitable[Reply]]]] = {
        Endpoint.KEEPALIVE: _keepalive,
        Endpoint.UPLOAD_WORK_SETTING: _upload_work_setting,
        Endpoint.DOWNLOAD_WORK_SETTING: _download_work_setting,
        Endpoint.REMOTE_COMMAND: _remote_command,
        Endpoint.REGISTER_RESULT: _register_result,
        Endpoint.UPLOAD_SNAPSHOT: _upload_snapshot,
        Endpoint.REQUEST_AUTHORIZATION: _request_authorization,
        Endpoint.DOWNLOAD_PEOPLE: _download_people,
        Endpoint.DOWNLOAD_PEOPLE_RESULT: _download_people_result,
        Endpoint.DELETE_PEOPLE: _delete_people,
        Endpoint.DELETE_PEOPLE_RESULT: _delete_people_result,
        Endpoint.PUSH_PEOPLE: _push_people,
        Endpoint.UPLOAD_IDENTIFY_RECORD: _upload_identify_record,
        Endpoint.UPLOAD_SYSTEM_RECORD: _upload_system_record,
    }

    @staticmethod
    def _document(request: Request, name: str) -> dict[str, Any]:
        if request.document is None:
            raise ProtocolError(request.problem or f"missing {name}")
        return request.document

    async def _deliver(self, records: Sequence[Record]) -> Reply:
        if not await self.deliver(records):
            return Reply({"Success": 0, "Message": "server busy, send again later"}, status=503)
        for record in records:
            for event in record.events:
                if (change := _ADMIN_CHANGES.get(event.type)) is not None:
                    if event.raw_code in ALL_USERS_DELETED_CODES:
                        change = UserChange.ALL_DELETED
                    self.listener.user_changed(event.user_id, change)
        return ok()

    # -- user listings ---------------------------------------------------------------------

    def _collect(self, user_id: str | None, user: User | None) -> None:
        listing = self._listing
        if listing is None or listing.future.done() or user_id is None:
            return
        listing.arrived()
        if user is not None:
            if not listing.with_credentials:
                user = replace(user, credentials=user.credentials.without_data())
            listing.users[user.user_id] = user
        if listing.expected is not None:
            listing.expected.discard(user_id)
            if not listing.expected:
                listing.future.set_result(list(listing.users.values()))

    def _finish_quiet_listing(self) -> None:
        listing = self._listing
        if (
            listing is not None
            and listing.delivered
            and listing.expected is None
            and not listing.future.done()
            and listing.quiet_for() >= self._list_quiet
        ):
            listing.future.set_result(list(listing.users.values()))

    # -- operations ------------------------------------------------------------------------

    async def _command(
        self, fields: dict[str, Any], what: str, on_delivered: Callable[[], None] | None = None
    ) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._remote.append(_Command(fields, future, on_delivered))
        # A wait given up cancels the future: a stale command is never delivered later.
        await await_result(future, what, within=self.command_timeout)

    async def door_control(
        self, door: int, action: DoorAction, *, duration: int | None = None
    ) -> None:
        """Send Opendoor 1-5 (open, hold open, back to normal, lock out, release lock-out)."""
        self.require(action.operation)
        if duration is not None:
            raise NotSupportedError(Operation.TIMED_OPEN)
        if door != 1:
            raise InvalidRequestError(f"door {door}: HTTPv2 terminals have one door")
        await self._command({"Opendoor": _OPENDOOR_CODES[action]}, f"door command {action}")

    async def clear_alarm(self) -> None:
        """Send Closealarm."""
        await self._command({"Closealarm": 1}, "alarm reset")

    async def reboot(self) -> None:
        """Send Restart."""
        await self._command({"Restart": 1}, "restart")

    async def request_snapshot(self) -> None:
        """Send Snapshoot; the picture arrives through UploadSnapshoot."""
        await self._command({"Snapshoot": 1}, "snapshot")

    async def push_firmware(self, firmware: FirmwareImage) -> None:
        """Send PushSoftware with the URL the device downloads the image from."""
        if firmware.url is None:
            raise InvalidRequestError("HTTPv2 terminals download firmware: a URL is needed")
        software = {
            "SoftwareURL": firmware.url,
            "SoftwareMD5": firmware.md5.upper(),
            "SoftwareVer": firmware.version or "",
        }
        await self._command({"PushSoftware": software}, "firmware push")

    async def start_enrollment(
        self, user_id: str, credential: Credential, index: int | None = None
    ) -> None:
        """Send RegisterIdentifyTicket; the result arrives as an admin event."""
        number = valid_user_id(user_id)
        feature = _CREDENTIAL_FEATURES.get(credential)
        if feature is not None and self.info is not None and feature not in self.info.features:
            raise NotSupportedError(f"{Operation.ENROLL} {credential}")
        allowed = _CREDENTIAL_INDEXES.get(credential)
        if index is not None and (allowed is None or index not in allowed):
            raise InvalidRequestError(f"index {index} is not valid for {credential}")
        if index is None and allowed is not None:
            index = allowed[0]
        ticket = {"RegisterType": _REGISTER_TYPES[credential], "UserID": number}
        if index is not None:
            ticket["RegisterIndex"] = index
        await self._command({"RegisterIdentifyTicket": ticket}, "enrollment start")

    async def set_time(self, now: datetime) -> None:
        """Set the clock (and TimeZone, whole hours only) when the device next fetches settings.

        `now` gives the time zone; the time itself is taken at delivery, so a device that
        calls late still gets the right time.
        """
        offset = now.utcoffset()
        zone = None
        if offset is not None:
            if offset.total_seconds() % 3600 == 0:
                zone = int(offset.total_seconds() // 3600)
            else:
                _LOGGER.warning(
                    "Terminal %s keeps its time zone in whole hours: its clock is set, its time "
                    "zone (for UTC%s) is left as it is",
                    self.serial,
                    now.strftime("%z"),
                )
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._set_clock = (True, zone)
        self._setting_waiters.append(future)
        await await_result(future, "time setting", within=self.command_timeout, still_queued=True)

    def canonical_user_id(self, user_id: str) -> str:
        """Return the decimal number HTTPv2 stores ("007" -> "7")."""
        return str(valid_user_id(user_id))

    async def list_users(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = True
    ) -> list[User]:
        """Ask for PushAllPeople (or QueryPeople) and collect the people pushed back."""
        fields: dict[str, Any] = {"PushAllPeople": 1}
        expected: set[str] | None = None
        if user_ids is not None:
            numbers = [valid_user_id(user_id) for user_id in user_ids]
            if not numbers:
                return []
            fields = {"QueryPeople": numbers}
            expected = {str(number) for number in numbers}
        async with self._listing_lock:
            listing = _Listing(
                expected, asyncio.get_running_loop().create_future(), with_credentials
            )
            self._listing = listing

            def delivered() -> None:
                listing.delivered = True
                listing.arrived()

            try:
                await self._command(fields, "user listing", delivered)
                # Wait as long as people keep arriving: each push moves the deadline.
                return await listing.wait(
                    listing.future, "user listing", silence=self.command_timeout
                )
            finally:
                self._listing = None

    async def set_users(
        self, users: Sequence[User], *, keep_held_credentials: Collection[str] = ()
    ) -> None:
        """Queue people for download and wait for the device's per-person results.

        A download replaces the whole person, so people in `keep_held_credentials` are first
        asked for (QueryPeople) and their templates and photo carried over.
        """
        now = datetime.now(UTC)
        documents = {str(valid_user_id(user.user_id)): people_json(user, now) for user in users}
        keep = {str(valid_user_id(user_id)) for user_id in keep_held_credentials}
        futures = self._people.add(documents, keep & documents.keys())
        self.listener.persist()
        await self._await_people(list(documents), futures, "user download")

    async def delete_users(self, user_ids: Sequence[str] | None) -> None:
        """Queue deletions (None: all) and wait for the device to report them."""
        ids = None if user_ids is None else [str(valid_user_id(user_id)) for user_id in user_ids]
        futures = self._people.delete(ids)
        self.listener.persist()
        await self._await_people(["*"] if ids is None else ids, futures, "user deletion")

    async def _await_people(
        self, user_ids: list[str], futures: list[asyncio.Future[None]], what: str
    ) -> None:
        results = await await_results(
            futures,
            what,
            within=self.command_timeout + SECONDS_PER_PERSON * len(futures),
            forget=lambda: self._people.forget(futures),
        )
        failures: dict[str, str] = {}
        unconfirmed: list[str] = []
        for user_id, result in zip(user_ids, results, strict=True):
            if isinstance(result, UnconfirmedError):
                unconfirmed.append(user_id)
            elif isinstance(result, UserWriteError):
                failures.update(result.failures)
            elif isinstance(result, TerminalClosedError):
                raise result
            elif isinstance(result, CommandCancelledError):
                failures[user_id] = str(result)
            elif isinstance(result, BaseException):
                raise result
        if failures:
            raise UserWriteError(failures)
        if unconfirmed:
            raise UnconfirmedError(unconfirmed)

    # -- persistence and diagnostics -------------------------------------------------------

    def close(self) -> None:
        """Fail every caller still waiting (queued people stay saved for the next start)."""
        stopped = TerminalClosedError("the terminal was unloaded; queued users stay queued")
        waiting = [command.future for command in self._remote]
        waiting += self._setting_waiters
        if self._listing is not None:
            waiting.append(self._listing.future)  # type: ignore[arg-type]
        for future in waiting:
            if not future.done():
                future.set_exception(stopped)
        self._remote.clear()
        self._setting_waiters = []
        self._people.fail_all(stopped)

    def export_state(self) -> dict[str, Any]:
        """Return the queued work that must survive a restart."""
        return {"people": self._people.export()}

    def restore_state(self, data: Mapping[str, Any]) -> None:
        """Reload export_state() output."""
        people = data.get("people")
        if isinstance(people, dict):
            self._people.restore(people)

    def diagnostics(self) -> dict[str, Any]:
        """Return the protocol state (settings hold passwords: the caller redacts them)."""
        return {
            "settings": json.loads(zlib.decompress(self._settings)),
            "awaiting_work_settings": self._want_settings,
            "remote_commands_queued": sum(not c.future.done() for c in self._remote),
            "clock_to_set": self._set_clock[0],
            "people_to_add": self._people.pending_adds,
            "people_to_merge": self._people.pending_merges,
            "people_to_delete": self._people.pending_deletes,
        }
