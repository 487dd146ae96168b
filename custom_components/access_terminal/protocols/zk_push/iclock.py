"""A ZK PUSH terminal as its device's iclock requests make it: what it is, and every answer.

The device polls: it registers, uploads records as they happen and asks for commands every few
seconds (`getrequest`), reporting each command's result (`devicecmd`) and the rows its queries
bring (`querydata`). Each request changes what we know of the terminal (its options, doors,
session) and gets its answer here; ZkPushTerminal adds the operations that become commands.
See docs/zk_push.md for every answer's shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
import logging
from typing import ClassVar

from ..codec import optional_int
from ..errors import PayloadTooLargeError, ProtocolError
from ..fields import Reading, read_count
from ..history import Recovery, SentNumbers
from ..model import (
    Authorizer,
    DoorAction,
    DoorState,
    Record,
    TerminalListener,
    User,
    UserChange,
)
from ..push import PushTerminal, read_off_loop
from .commands import CommandQueue, CommandResult, parse_results
from .device import (
    CAMERA_OPTION,
    UNKNOWN_VARIANT_OPERATIONS,
    Variant,
    aux_output_count,
    event_categories_for,
    info_from_options,
    kept_options,
    open_seconds,
    operations_for,
    refused_options,
    zone_from_option,
)
from .listing import UserListing
from .operations import door_command
from .registration import (
    Registration,
    attendance_options,
    needs_no_token,
    parameters,
    server_time,
)
from .settings import setting_values, settings_for
from .snapshots import (
    Snapshot,
    SnapshotPairing,
    read_attendance_snapshot,
    read_snapshots,
    shown,
)
from .support import optional_event_types
from .uploads import (
    archive_rows,
    door_event_state,
    door_reports,
    read_counted,
    read_identification,
    read_info,
    read_operlog,
    read_punches,
    read_rtlog,
    read_table,
    read_transactions,
)
from .users import Capabilities
from .wire import (
    MAX_BODY,
    OK,
    REFUSED,
    Endpoint,
    Reply,
    Request,
    event_rows,
    parse_options,
    record_lines,
    table_rows,
)

_LOGGER = logging.getLogger(__name__)

# The most of a device's text put in a problem note or the log.
_LOGGED_CONTENT = 2000


class IclockTerminal(PushTerminal):
    """The state a ZK terminal's requests build up, and the answer to each request."""

    def __init__(
        self,
        serial: str,
        listener: TerminalListener,
        *,
        zone: tzinfo,
        authorizer: Authorizer | None,
        command_timeout: float,
    ) -> None:
        """Start knowing nothing of the terminal; `zone` is its clock's until it says."""
        super().__init__(serial, listener, authorizer=authorizer, command_timeout=command_timeout)
        self._default_zone = zone
        self.variant: Variant | None = None
        self.options: dict[str, str] = {}
        self.caps = Capabilities()
        self.zone = zone
        self._registration = Registration()
        self._stamps: dict[str, str] = {}
        self._queue = CommandQueue()
        # Listings in progress: by the id of each of their queries, and an attendance one.
        self._queries: dict[int, UserListing] = {}
        self._attendance_listing: UserListing | None = None
        self._option_answers: dict[int, dict[str, str]] = {}
        # DATA COUNT commands waiting for their answer: by command id, the option they fill.
        self._counts: dict[int, str] = {}
        # Recoveries under way, by the id of their ACCOUNT command, and the record numbers
        # sent (a recovery's archive may hold records not sent yet: those stay new).
        self._recoveries: dict[int, Recovery] = {}
        self.sent = SentNumbers()
        self.operations = UNKNOWN_VARIANT_OPERATIONS
        self.doors = {}  # known once it announces them
        self._snapshots = SnapshotPairing()
        # The date the setting values were computed for (a skipped normal-open day ends).
        self._values_day: date | None = None

    @property
    def registry_code(self) -> str | None:
        """Return the code the controller registered with (None: not registered)."""
        return self._registration.code

    @property
    def token_required(self) -> bool:
        """Return True once the terminal sent a token: then every request needs one."""
        return self._registration.token_required

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
        """Check the token cookie (md5 of RegistryCode, SN and SessionID), where one is used."""
        if needs_no_token(request):
            return True
        registration = self._registration
        if request.token is None:
            return not registration.token_required
        if not registration.accepts(self.serial, request.token):
            return False
        if not registration.token_required:
            registration.token_required = True
            self.listener.persist()
        return True

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
        elif results := parse_results(request.text):
            self._take_results(results)  # command results some firmware posts here
        return OK

    def _handshake(self, request: Request) -> Reply:
        params = request.params
        if (language := params.get("language")) and language != self.options.get("Language"):
            self.options["Language"] = language
            self._refresh()  # names are written in the terminal's language's encoding
        pushver = params.get("pushver") or ""
        major = optional_int(pushver.split(".")[0]) if pushver else None
        device_type = params.get("devicetype", "").strip().lower()
        # What the terminal says it is decides: attendance firmware of the 3.x generation
        # announces `pushver=2.4.1&DeviceType=att`.
        if device_type == "acc" or (device_type != "att" and major is not None and major >= 3):
            self._set_variant(Variant.SECURITY)
        elif device_type == "att" or self.variant is None:
            self._set_variant(Variant.ATTENDANCE)
        if self.variant is Variant.ATTENDANCE:
            return attendance_options(
                self.serial, self._stamps, self._default_zone, self.caps.encoding
            )
        if self.registry_code is None or not self.options.get("LockCount"):
            return OK  # not registered: the terminal registers next
        return self._parameters(registry_code=self.registry_code)

    def _parameters(self, *, registry_code: str | None) -> Reply:
        session = self._registration.new_session()
        self.listener.persist()
        return parameters(session, registry_code=registry_code, options=self.options)

    async def _registry(self, request: Request) -> Reply:
        options = parse_options(request.text)
        if not options:
            # "If registration fails, 406 instead of the registration code is returned."
            raise ProtocolError("registration without device parameters", status=406)
        self._keep(options)
        self._set_variant(Variant.SECURITY)
        code = self._registration.register()
        self._refresh()
        self.listener.persist()
        # Exactly this, without a newline: firmware compares it.
        return Reply(f"RegistryCode={code}")

    async def _push(self, request: Request) -> Reply:
        if request.body and (options := parse_options(request.text)):
            self._keep(options)
            self._refresh()
        if self.registry_code is None:
            return Reply("not registered", 406)
        return self._parameters(registry_code=None)

    async def _exchange(self, request: Request) -> Reply:
        return Reply("encryption not supported", 406)

    async def _options_upload(self, request: Request) -> Reply:
        self._remember(parse_options(request.text))
        return OK

    async def _rtlog(self, request: Request) -> Reply:
        received, zone, doors = datetime.now(UTC), self.zone, max(self.caps.doors, 1)
        upload = await read_off_loop(
            len(request.body), lambda: read_rtlog(request.text, zone, received, doors)
        )
        for report in upload.door_states:
            self._set_doors(report)
        return await self._deliver_read("rtlog record", upload.records, OK)

    async def _rtstate(self, request: Request) -> Reply:
        doors = max(self.caps.doors, 1)
        reports = await read_off_loop(
            len(request.body), lambda: door_reports(event_rows(request.text), doors)
        )
        for report in reports:
            self._set_doors(report)
        return OK

    def _set_doors(self, doors: Mapping[int, DoorState]) -> None:
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
            state = door_event_state(event)
            current = self.doors.get(event.door)
            if state is not None and current is not None and current.is_open is not state:
                self.doors = {**self.doors, event.door: replace(current, is_open=state)}
                self.listener.state_changed()

    async def _tabledata(self, request: Request) -> Reply:
        table = request.params.get("tablename") or ""
        if table.lower() == "attphoto":
            return await self._snapshot_upload(request, table)
        rows = await read_off_loop(len(request.body), lambda: table_rows(request.text, table))
        upload = await read_off_loop(len(request.body), lambda: read_table(table, rows))
        self.problems.note_all(f"{table} row", upload.refused)
        reply = await self._deliver(upload.records, Reply(f"{table}={len(rows)}"))
        if reply.status == 200:
            for pin in upload.changed:
                self.listener.user_changed(pin, UserChange.UPDATED)
        return reply

    async def _snapshot_upload(self, request: Request, table: str) -> Reply:
        """Keep the snapshots of an ATTPHOTO upload (section 10.9); answer how many there were."""
        received, zone = datetime.now(UTC), self.zone
        reading = await read_off_loop(
            len(request.body), lambda: read_snapshots(request.text, zone, received)
        )
        # Acknowledged all the same (sent again, it would not read better); logged without it.
        self.problems.note_all("snapshot", [(shown(row), err) for row, err in reading.refused])
        for snapshot in reading.read:
            self._took(snapshot)
        return Reply(f"{table}={len(reading.read) + len(reading.refused)}")

    def _took(self, snapshot: Snapshot) -> None:
        """Show a snapshot as the last photo, and let it wait for its record's events."""
        self._snapshots.keep(snapshot)
        if self.options.get(CAMERA_OPTION) != "1":
            # It has a camera, whatever it announced: its photo entity appears.
            self._remember({CAMERA_OPTION: "1"})
        self.listener.photo(snapshot.photo, snapshot.taken)

    async def _attlog(self, request: Request) -> Reply:
        self._set_variant(Variant.ATTENDANCE)
        received, zone = datetime.now(UTC), self.zone
        punches = await read_off_loop(
            len(request.body), lambda: read_punches(request.text, zone, received)
        )
        count = len(punches.read) + len(punches.refused)
        reply = await self._deliver_read("punch", punches, Reply(f"OK: {count}"))
        if reply.status == 200:
            self._stamp(request, "ATTLOG")
            # A restarted terminal sends again what follows the stamp we give it: the punches
            # must be saved with the stamp before they are acknowledged.
            await self.listener.commit()
        return reply

    async def _operlog(self, request: Request) -> Reply:
        self._set_variant(Variant.ATTENDANCE)
        lines = await read_off_loop(len(request.body), lambda: record_lines(request.text))
        entries = await read_off_loop(len(request.body), lambda: list(read_operlog(lines)))
        listing = self._attendance_listing
        for entry in entries:
            if not isinstance(entry, User):
                self.listener.user_changed(*entry)
            elif listing is not None:
                listing.add(entry)
            else:
                self.listener.user_changed(entry.user_id, UserChange.UPDATED)
        self._stamp(request, "OPERLOG")
        return Reply(f"OK: {len(lines)}")

    async def _counted(self, request: Request) -> Reply:
        """Acknowledge attendance photos and templates (templates mean a changed user)."""
        self._set_variant(Variant.ATTENDANCE)
        table = (request.params.get("table") or "").upper()
        count, changed = await read_off_loop(
            len(request.body), lambda: read_counted(table, request.text)
        )
        for pin in changed:
            self.listener.user_changed(pin, UserChange.UPDATED)
        if table == "ATTPHOTO":
            try:
                self._took(read_attendance_snapshot(request.body, self.zone, datetime.now(UTC)))
            except ProtocolError as err:
                self.problems.note("snapshot", err, f"{len(request.body)} bytes")
        self._stamp(request, table)
        return Reply(f"OK: {count}")

    def _stamp(self, request: Request, table: str) -> None:
        # Some firmware calls the OPERLOG stamp `OpStamp`.
        stamp = request.params.get("stamp") or request.params.get("opstamp")
        if stamp and stamp != self._stamps.get(table):
            self._stamps[table] = stamp
            self.listener.persist()

    async def _remote_identification(self, request: Request) -> Reply:
        rows = event_rows(request.text)
        if not rows:
            raise ProtocolError("remote identification without a record")
        try:
            event = read_identification(rows[0], self.zone)
        except ProtocolError as err:
            self.problems.note("remote identification", err, rows[0])
            return Reply(f"AUTH=FAILED\r\n{rows[0]}")
        granted, message = event.user_id is not None, None
        if granted and self.authorizer is not None:
            granted, message = await self.authorizer(event)
        # The terminal logs the passage (or refusal) itself and uploads it as rtlog.
        if not granted:
            _LOGGER.info(
                "Refused remote identification at %s: %s", self.serial, message or "unknown person"
            )
            return Reply(f"AUTH=FAILED\r\n{rows[0]}")
        seconds = open_seconds(self.options, event.door, None)
        opening = door_command(event.door, DoorAction.OPEN, seconds)
        return Reply(f"AUTH=SUCCESS\r\n{rows[0]}\r\n{opening}")

    async def _getrequest(self, request: Request) -> Reply:
        if info := request.params.get("info"):
            options = read_info(info)
            if any(self.options.get(key) != value for key, value in options.items()):
                self._remember(options)
        if self.setting_values and datetime.now(self.zone).date() != self._values_day:
            self._refresh()  # a new day: yesterday's skipped normal-open period runs again
        commands = self._queue.handout()
        if not commands:
            return OK
        self.listener.persist()
        serial = self.serial if self.options.get("CmdFormat", "").strip() == "1" else None
        return Reply(
            "\n".join(command.line(serial) for command in commands), encoding=self.caps.encoding
        )

    async def _devicecmd(self, request: Request) -> Reply:
        results = parse_results(request.text)
        if not results and request.body.strip():
            # Refused, the terminal would post it again forever: acknowledged and logged.
            self.problems.note("command result", "no command result in the body", request.text)
        self._take_results(results)
        return OK

    def _take_results(self, results: Sequence[CommandResult]) -> None:
        for result in results:
            number = result.number
            command = None if number is None else self._queue.result(number, result.code)
            if command is None:
                _LOGGER.debug(
                    "Terminal %s reported a command that is not ours: %s", self.serial, result
                )
            elif number in self._queries and result.code < 0:
                _LOGGER.debug("Query %s failed at %s: %s", number, self.serial, result.code)
        self.listener.persist()

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
            # A DATA COUNT answer ("user=5"); "the server returns OK" (section 12.1.3).
            self._take_count(optional_int(params.get("cmdid")), table, request.text)
            return OK
        rows = await read_off_loop(len(request.body), lambda: table_rows(request.text, table))
        command_id = optional_int(params.get("cmdid"))
        listing = self._queries.get(command_id) if command_id is not None else None
        if listing is not None and kind == "tabledata":
            listing.collect(table.lower(), rows, self.caps, self.zone)
        elif table.lower() == "transaction" and kind == "tabledata":
            return await self._transactions(rows, Reply(f"{table}={len(rows)}"), command_id)
        return Reply(f"{table}={len(rows)}")

    def _take_count(self, command_id: int | None, table: str, text: str) -> None:
        """Keep a count we asked for as the option it stands for (the usage it shows)."""
        option = self._counts.pop(command_id or 0, None)
        if option is None:
            return
        value = parse_options(text).get(table)
        count = read_count(value)
        if count is None:
            self.problems.note("table count", f"{table}: not a count", text[:_LOGGED_CONTENT])
            return
        self._remember({option: str(count)})

    async def _file(self, request: Request) -> Reply:
        if request.method == "GET":
            return Reply("not found", 404)  # firmware downloads are served by the view
        if (request.params.get("table") or "").lower() != "transaction":
            return OK
        received, zone, body = datetime.now(UTC), self.zone, request.body
        try:
            # Always in an executor: inflating and reading an archive is heavy work.
            reading = await read_off_loop(
                MAX_BODY + 1, lambda: read_transactions(archive_rows(body), zone, received)
            )
        except PayloadTooLargeError as err:
            self.problems.note("record archive", err, f"{len(body)} bytes compressed")
            return OK
        except ProtocolError as err:
            if err.status == 503:
                raise
            self.problems.note("record archive", err, f"{len(body)} bytes")
            return OK
        command_id = optional_int(request.params.get("cmdid"))
        return await self._deliver_read("transaction", self._recovered(reading, command_id), OK)

    async def _transactions(
        self, rows: Sequence[str], reply: Reply, command_id: int | None
    ) -> Reply:
        received, zone = datetime.now(UTC), self.zone
        size = sum(len(row) for row in rows)
        reading = await read_off_loop(size, lambda: read_transactions(rows, zone, received))
        return await self._deliver_read("transaction", self._recovered(reading, command_id), reply)

    def _recovered(self, reading: Reading[Record], command_id: int | None) -> Reading[Record]:
        """Keep the range of the recovery that asked for these rows, marked (never live)."""
        recovery = None if command_id is None else self._recoveries.get(command_id)
        if recovery is None:
            return reading
        return Reading(recovery.take(reading.read), reading.refused)

    async def _ping(self, request: Request) -> Reply:
        return OK

    async def _rtdata(self, request: Request) -> Reply:
        return server_time(self._default_zone)

    _HANDLERS: ClassVar[dict[Endpoint, Callable[[IclockTerminal, Request], Awaitable[Reply]]]] = {
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
    _TABLES: ClassVar[dict[str, Callable[[IclockTerminal, Request], Awaitable[Reply]]]] = {
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
        """Answer `reply` once the records are handled (an upload without any needs nothing).

        Door sensor events move the doors they tell of, if they are new and live.
        """
        if not records:
            return reply
        self._snapshots.attach(records)
        current = await self.deliver(records)
        if current is None:
            return Reply("server busy, send again later", 503)
        self.sent.note(records)
        for record in current:
            self._door_from_events(record)
        return reply

    async def _deliver_read(self, kind: str, reading: Reading[Record], reply: Reply) -> Reply:
        """Note what could not be read (acknowledged all the same), then deliver the rest."""
        self.problems.note_all(kind, reading.refused)
        return await self._deliver(reading.read, reply)

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
        self.zone = zone_from_option(self.options.get("TimeZone")) or self._default_zone
        self.aux_outputs = aux_output_count(self.options) if not attendance else 0
        self.aux_inputs = aux_output_count(self.options, "AuxInCount") if not attendance else 0
        self.operations = operations_for(self.variant, self.caps, self.aux_outputs)
        self.event_categories = event_categories_for(self.variant)
        self.optional_event_types = optional_event_types(self.options)
        cameras = self.options.get(CAMERA_OPTION) == "1"
        if cameras is not self.sends_photos:
            self.sends_photos = cameras
            self.listener.state_changed()
        # A controller's doors are known once it registered (LockCount).
        count = self.caps.doors if attendance or self.registry_code else 0
        doors = {
            number: self.doors.get(number) or DoorState(door=number)
            for number in range(1, count + 1)
        }
        info = replace(info_from_options(self.serial, self.options, self.caps), doors=count)
        # A controller's settings are its options (attendance terminals have none we read).
        settings = settings_for(count) if self.variant is Variant.SECURITY and count else {}
        self._values_day = datetime.now(self.zone).date()
        values = setting_values(settings, count, self.options, self._values_day)
        if (info, doors, settings, values) != (
            self.info,
            self.doors,
            self.settings,
            self.setting_values,
        ):
            self.info, self.doors = info, doors
            self.settings, self.setting_values = settings, values
            self.listener.state_changed()

    def _keep(self, options: Mapping[str, str]) -> None:
        """Keep the options the integration reads (a registration carries some fifty)."""
        kept = kept_options(options)
        for key, problem in refused_options(kept).items():
            self.problems.note("option", problem, {key: kept.pop(key)})
        self.options.update(kept)

    def _remember(self, options: Mapping[str, str]) -> None:
        """Keep new options, then recompute what follows from them and save them."""
        self._keep(options)
        self._refresh()
        self.listener.persist()
