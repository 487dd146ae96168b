"""The HTTPv2 terminal: answers the device's requests and turns operations into queued work.

The device polls: every request it makes is answered here, and everything we want from it waits
until its next keep-alive says there is work ("UploadWorkParameter > Remote > SyncParameter >
DeletePeople > AddPeople"). Operations therefore resolve when the device picks them up (door
commands, reboot) or reports their outcome (people downloads, deletions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
import json
import logging
from typing import Any, ClassVar
import zlib

from ..access import AccessPlan, AccessProfile, DoorSchedules, PersonPolicy
from ..codec import optional_int, optional_str, to_int
from ..errors import (
    InvalidRequestError,
    NotSupportedError,
    ProtocolError,
    TerminalClosedError,
)
from ..fields import read_count
from ..model import (
    DOOR_MODE_OPERATIONS,
    USER_OPERATIONS,
    Authorizer,
    Credential,
    DoorAction,
    DoorState,
    EventType,
    Family,
    FirmwareImage,
    Operation,
    Record,
    ScreenPicture,
    ScreenPictureKind,
    TerminalListener,
    User,
    UserChange,
)
from ..push import (
    DEFAULT_COMMAND_TIMEOUT,
    PushTerminal,
    await_result,
    await_results,
    contacts_from_records,
    fail_waiting,
)
from ..settings import SettingAddress, SettingValue
from .access import SettingsToSend, compile_access, profile_of
from .authorization import REFUSED, Decisions, decide
from .codes import ALL_USERS_DELETED_CODES, identify_record, system_record
from .enrollment import enrollment_event, enrollment_ticket
from .listing import PeopleListing
from .people import (
    DEFAULT_DOWNLOAD_LIMIT,
    MAX_BATCH,
    PeopleQueue,
    download_failures,
    people_json,
    raise_for_outcomes,
    user_from_people,
    valid_user_id,
)
from .remote import ClockSetting, RemoteCommands
from .repost import Reposting
from .settings import door_from_status, info_from_settings
from .wire import Endpoint, Reply, Request, error_reply, ok
from .work_settings import WORK_SETTINGS, elevator_floors, read_work_settings

_LOGGER = logging.getLogger(__name__)

# A full user listing has no end marker: it is over at a keep-alive after this much silence.
LIST_QUIET_SECONDS = 2.0
# Extra seconds a people download may take per person (10,000 people: 500 s more).
SECONDS_PER_PERSON = 0.05

_OPENDOOR_CODES = {
    DoorAction.OPEN: 1,
    DoorAction.HOLD_OPEN: 2,
    DoorAction.NORMAL: 3,
    DoorAction.LOCKOUT: 4,
    DoorAction.RELEASE_LOCKOUT: 5,
}
# Elevator port commands (RemoteCommand), by the door action they apply to floors.
_ELEVATOR_COMMANDS = {
    DoorAction.OPEN: "OpenElevatorPort",
    DoorAction.HOLD_OPEN: "KeepOpenElevatorPort",
    DoorAction.NORMAL: "CloseElevatorPort",
    DoorAction.LOCKOUT: "LockElevatorPort",
    DoorAction.RELEASE_LOCKOUT: "UnlockElevatorPort",
}
# PushSystemFile FileType, and how many pictures of each the terminal keeps.
_FILE_TYPES = {ScreenPictureKind.STANDBY: (1, 8), ScreenPictureKind.BOOT: (2, 1)}
_PUSH_CHANGES = {1: UserChange.ADDED, 2: UserChange.UPDATED, 3: UserChange.DELETED}
_ADMIN_CHANGES = {
    EventType.USER_ADDED: UserChange.ADDED,
    EventType.USER_UPDATED: UserChange.UPDATED,
    EventType.USER_DELETED: UserChange.DELETED,
}
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


class HttpV2Terminal(PushTerminal):
    """One HTTPv2 face terminal, as seen from the server it polls."""

    family = Family.HTTPV2
    downloads_firmware = True
    reports_alarms = True
    # Alarm record 19.
    optional_event_types = frozenset(
        {
            EventType.FIRE_ALARM,
            EventType.NORMALLY_OPEN_STARTED,
            EventType.NORMALLY_OPEN_ENDED,
            EventType.LOCKOUT_STARTED,
            EventType.LOCKOUT_ENDED,
            EventType.DEVICE_ERROR,
        }
    )
    sends_photos = True
    operations = (
        DOOR_MODE_OPERATIONS
        | USER_OPERATIONS
        | {
            Operation.CLEAR_ALARM,
            Operation.PUSH_FIRMWARE,
            Operation.SET_TIME,
            Operation.REBOOT,
            Operation.SNAPSHOT,
            Operation.ACCESS_RULES,
            Operation.RECOVER_RECORDS,
            Operation.CLEAR_RECORDS,
            Operation.FACTORY_RESET,
            Operation.ELEVATOR,
            Operation.SCREEN_PICTURE,
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
        self._remote = RemoteCommands()
        self._reposting = Reposting()
        self._clock = ClockSetting()
        self._access_settings = SettingsToSend()
        # How many time groups the terminal keeps (FunctionList.TimeGroup), once it said.
        self._time_groups: int | None = None
        self._people = PeopleQueue()
        self._listing: PeopleListing | None = None
        self._listing_lock = asyncio.Lock()
        self._decisions = Decisions()

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
        content = {"fields": request.fields, "document": request.document}
        self.problems.note(str(request.endpoint), problem, content)
        return ok()

    def _set_door(self, document: Mapping[str, Any]) -> None:
        door = door_from_status(document)
        if door != self.doors.get(1):
            self.doors = {1: door}
            self.listener.state_changed()

    def _door_contacts(self, records: Sequence[Record]) -> None:
        """Move the door contact with its door records (the status comes only at keep-alives)."""
        contact = contacts_from_records(records, datetime.now(UTC)).get(1)
        current = self.doors.get(1) or DoorState(door=1)
        if contact is not None and contact is not current.is_open:
            self.doors = {1: replace(current, is_open=contact)}
            self.listener.state_changed()

    async def _keepalive(self, request: Request) -> Reply:
        self._set_door(request.fields)
        if self._listing is not None:
            self._listing.finish_if_quiet(self._list_quiet)
        self._remote.drop_abandoned()
        self._people.expire_merges()
        work: dict[str, int] = {}
        if self._want_settings:
            work["UploadWorkParameter"] = 1
        if self._people.pending_merges or self._remote.waiting:
            work["Remote"] = 1
        if self._clock.wanted or self._access_settings.wanted:
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
        self._keep_work_settings(settings)
        functions = settings.get("FunctionList")
        if isinstance(functions, dict):
            self._time_groups = read_count(functions.get("TimeGroup"))
        self._want_settings = False
        self._set_door(settings)
        self.listener.state_changed()
        return ok()

    def _keep_work_settings(self, settings: dict[str, Any]) -> None:
        """Keep the work settings, and what Home Assistant shows of them."""
        self._settings = zlib.compress(json.dumps(settings, separators=(",", ":")).encode())
        self.info = info_from_settings(self.serial, settings)
        self.settings, self.setting_values = read_work_settings(settings)
        self.floors = elevator_floors(settings)

    def _work_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = json.loads(zlib.decompress(self._settings))
        return settings

    async def _download_work_setting(self, request: Request) -> Reply:
        sent = self._access_settings.take()
        if sent and self.info is not None:
            # The terminal took them: they are its settings now (it may not upload them again).
            self._keep_work_settings({**self._work_settings(), **sent})
            self.listener.state_changed()
        return ok(**sent, **self._clock.take())

    async def _remote_command(self, request: Request) -> Reply:
        fields = self._remote.take()
        if self._people.pending_merges:
            # Ask for the people whose templates must be kept, with any listing in progress.
            asked = fields.get("QueryPeople", [])
            fields["QueryPeople"] = asked + [
                n for n in self._people.merge_query() if n not in asked
            ]
            self.listener.persist()
        return ok(**fields)

    async def _register_result(self, request: Request) -> Reply:
        event = enrollment_event(self._document(request, "ResultJson"), request.photo)
        reply = await self._deliver([Record((event,))])
        if event.type is EventType.ENROLLMENT_FINISHED:  # the device holds a new credential
            self.listener.user_changed(event.user_id, UserChange.UPDATED)
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
                dated=False,
            )
        except ProtocolError as err:
            _LOGGER.warning("Terminal %s asked to let someone in unreadably: %s", self.serial, err)
            return REFUSED
        if (earlier := self._decisions.get(record.key)) is not None:
            return earlier  # the device asked again: same answer, no second event
        reply, event = await decide(record.events[0] if record.events else None, self.authorizer)
        if event is not None:
            # The person at the door is answered even if the event could not be stored.
            await self._deliver([replace(record, events=(event,))])
        self._decisions.remember(record.key, reply)
        return reply

    async def _download_people(self, request: Request) -> Reply:
        limit = optional_int(request.fields.get("Limit")) or DEFAULT_DOWNLOAD_LIMIT
        people = self._people.next_add_batch(min(max(limit, 1), MAX_BATCH))
        self.listener.persist()
        return ok(PeopleCount=len(people), Count=len(people), PeopleList=people)

    async def _download_people_result(self, request: Request) -> Reply:
        self._people.add_result(download_failures(request.fields))
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
            if self._listing is not None:
                self._listing.collect(user_id, user)
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
                self.problems.note("system record", err, item)
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
        records = self._reposting.mark(records)
        if records and await self.deliver(records) is None:
            return Reply({"Success": 0, "Message": "server busy, send again later"}, status=503)
        self._door_contacts(records)
        for record in records:
            for event in record.events:
                if (change := _ADMIN_CHANGES.get(event.type)) is not None:
                    if event.raw_code in ALL_USERS_DELETED_CODES:
                        change = UserChange.ALL_DELETED
                    self.listener.user_changed(event.user_id, change)
        return ok()

    # -- operations ------------------------------------------------------------------------

    async def _command(
        self, fields: dict[str, Any], what: str, on_delivered: Callable[[], None] | None = None
    ) -> None:
        future = self._remote.add(fields, on_delivered)
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

    async def recover_records(self, start: datetime, end: datetime) -> None:
        """Send RepostRecord: the device marks every record unsent and uploads them all again.

        The protocol asks for no range: the records come on the device's own schedule (those it
        had sent are marked recovered, see repost.py), those already handled are dropped by the
        ledger, the others arrive as late records.
        """
        await self._command({"RepostRecord": 1}, "record recovery", self._reposting.started)

    async def clear_records(self) -> None:
        """Send ClearRecord (the device deletes every record)."""
        await self._command({"ClearRecord": 1}, "record deletion", self._reposting.cleared)

    async def factory_reset(self) -> None:
        """Send Recover: the terminal erases its people, records and settings."""
        await self._command({"Recover": 1}, "factory reset")

    async def floor_control(self, floors: Sequence[int] | None, action: DoorAction) -> None:
        """Send an elevator port command (OpenElevatorPort...) for floors (None: all of them)."""
        if not self.floors:
            raise NotSupportedError(Operation.ELEVATOR)
        chosen = sorted(set(range(1, self.floors + 1) if floors is None else floors))
        if not chosen or chosen[0] < 1 or chosen[-1] > self.floors:
            raise InvalidRequestError(f"floors must be from 1 to {self.floors}")
        ports = ",".join(str(floor) for floor in chosen)
        await self._command({_ELEVATOR_COMMANDS[action]: ports}, f"elevator {action}")

    async def set_screen_picture(self, picture: ScreenPicture) -> None:
        """Send PushSystemFile: a standby picture (1-8) or the boot picture, or its removal."""
        file_type, count = _FILE_TYPES[picture.kind]
        if not 1 <= picture.index <= count:
            raise InvalidRequestError(f"{picture.kind} pictures are numbered 1 to {count}")
        entry = {
            "FileURL": picture.url or "",
            "FileMD5": (picture.md5 or "").upper(),
            "FileType": file_type,
            "FileIndex": picture.index,
            "IsDelete": int(picture.delete),
        }
        await self._command({"PushSystemFile": [entry]}, "screen picture")

    async def read_settings(self) -> None:
        """Ask for the work settings at the next keep-alive (they arrive with the upload)."""
        self._want_settings = True

    async def write_setting(self, address: SettingAddress, value: SettingValue) -> None:
        """Send the setting's group of work settings, with the new value, at the next fetch."""
        item = WORK_SETTINGS.get(address.setting)
        if item is None or address.setting not in self.settings:
            raise NotSupportedError(f"setting {address.setting}")
        # Changes still waiting for the terminal count as its settings: two changes to one
        # group before it fetches them must not undo each other.
        document = {**self._work_settings(), **self._access_settings.queued}
        future = self._access_settings.ask(item.fields_to_send(value, document))
        await await_result(future, "setting", within=self.command_timeout, still_queued=True)

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
        features = None if self.info is None else self.info.features
        ticket = enrollment_ticket(user_id, credential, index, features)
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
        future = self._clock.ask(zone)
        await await_result(future, "time setting", within=self.command_timeout, still_queued=True)

    @property
    def access_profile(self) -> AccessProfile | None:
        """Return what the terminal holds (known once it uploaded its work settings)."""
        return None if self.info is None else profile_of(self._time_groups)

    def compile_access(
        self,
        policies: Sequence[PersonPolicy],
        today: date,
        doors: DoorSchedules | None = None,
    ) -> AccessPlan:
        """Compile time groups, holidays and each person's fields (see access.py)."""
        return compile_access(policies, profile_of(self._time_groups), today, doors)

    async def set_access_tables(self, tables: Mapping[str, Any]) -> None:
        """Send the time groups and holidays when the device next fetches its work settings."""
        future = self._access_settings.ask(tables)
        await await_result(future, "access rules", within=self.command_timeout, still_queued=True)

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
            listing = PeopleListing(
                expected, asyncio.get_running_loop().create_future(), with_credentials
            )
            self._listing = listing
            try:
                await self._command(fields, "user listing", listing.fetched)
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
        raise_for_outcomes(user_ids, results)

    # -- persistence and diagnostics -------------------------------------------------------

    def close(self) -> None:
        """Fail every caller still waiting (queued people stay saved for the next start)."""
        stopped = TerminalClosedError("the terminal was unloaded; queued users stay queued")
        self._remote.fail_all(stopped)
        self._clock.fail_all(stopped)
        self._access_settings.fail_all(stopped)
        if self._listing is not None:
            fail_waiting((self._listing.future,), stopped)
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
            "remote_commands_queued": self._remote.waiting,
            "clock_to_set": self._clock.wanted,
            "people_to_add": self._people.pending_adds,
            "people_to_merge": self._people.pending_merges,
            "people_to_delete": self._people.pending_deletes,
        }
