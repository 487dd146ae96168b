"""The ZK PUSH terminal: operations become commands the terminal takes when it next asks.

The device polls (see iclock.py for its requests): everything we want from it is queued until
its next `getrequest`, and an operation resolves when the terminal reports the command's result
(or, for work whose result comes much later, when it takes the command). Commands that only make
sense now are withdrawn when nobody waits for them any more; user writes stay queued.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Collection, Mapping, Sequence, Set
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
import logging
from typing import Any, cast

from ..access import AccessPlan, AccessProfile, DoorSchedules, PersonPolicy
from ..errors import (
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    TerminalClosedError,
    check_numbers,
)
from ..history import Recovery
from ..linkage import LinkageLimits
from ..model import (
    AccessEvent,
    Authorizer,
    Credential,
    DoorAction,
    DoorState,
    EventType,
    Family,
    FirmwareImage,
    Linkage,
    Operation,
    Record,
    TerminalListener,
    User,
    UserChange,
)
from ..push import DEFAULT_COMMAND_TIMEOUT, await_result, await_results, gather_results
from ..settings import Setting, SettingAddress, SettingValue
from .access import (
    compile_access,
    optional_commands,
    people_commands,
    profile_of,
    table_commands,
    unused_zones_command,
)
from .codes import describe_result
from .commands import Command
from .device import Variant, check_door, open_seconds
from .iclock import IclockTerminal
from .linkage import MAX_LINKAGES, TRIGGER_CODES, delete_linkage_command, linkage_command
from .listing import UserListing, table_queries, userinfo_queries
from .operations import (
    CLEAR_RECORDS_COMMAND,
    NOT_UNDERSTOOD,
    TRANSACTION_QUERY,
    account_command,
    count_commands,
    door_command,
    enrollment_command,
    firmware_command,
    get_options_command,
    id_card_registration_command,
    normal_open_command,
    output_command,
    set_options_command,
    test_host_command,
)
from .settings import day_number, option_names, setting_option
from .support import ZK_OPTIONAL_EVENT_TYPES, upgrades_in_base64
from .users import canonical_pin
from .wire import OK, old_encode_time
from .writes import Batch, delete_batches, raise_for_results, write_batches

_LOGGER = logging.getLogger(__name__)

# Extra seconds a user write may take per user (10,000 users: 500 s more).
SECONDS_PER_USER = 0.05


class ZkPushTerminal(IclockTerminal):
    """One ZKTeco PUSH terminal (Security PUSH controller or attendance terminal)."""

    family = Family.ZK_PUSH
    downloads_firmware = True
    reports_alarms = True
    # Appendix 2 codes 224 / 239, 210 / 243 / 244, 65 / 220 / 221 / 225 / 226; identitycard rows.
    # A controller's EventTypes narrows them once it registered (support.py).
    optional_event_types = ZK_OPTIONAL_EVENT_TYPES

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
        super().__init__(
            serial, listener, zone=zone, authorizer=authorizer, command_timeout=command_timeout
        )
        self._listing_lock = asyncio.Lock()

    def canonical_user_id(self, user_id: str) -> str:
        """Return the PIN as the terminal stores it."""
        return canonical_pin(user_id, self.caps)

    # -- operations ------------------------------------------------------------------------

    async def _run(self, text: str, what: str, *, render: Callable[[], str] | None = None) -> int:
        """Queue a command that only makes sense now and wait for its result."""
        command = self._queue.add(text, persistent=False, render=render)
        future = cast("asyncio.Future[int]", command.future)  # add() made it: wait=True
        return await self._in_time(future, command, what)

    async def _hand_over(self, command: Command, what: str) -> None:
        """Wait until the terminal takes `command` (its result may come much later)."""
        handed = cast("asyncio.Future[None]", command.handed)  # add() made it: handed=True
        await self._in_time(handed, command, what)

    async def _in_time[T](self, waited: asyncio.Future[T], command: Command, what: str) -> T:
        # Never deliver it later (a door opening minutes late is a hazard).
        return await await_result(
            waited,
            what,
            within=self.command_timeout,
            withdraw=lambda: self._queue.withdraw([command]),
        )

    async def door_control(
        self, door: int, action: DoorAction, *, duration: int | None = None
    ) -> None:
        """Send CONTROL DEVICE (01 output, 06 lock) for one door."""
        self.require(action.operation)
        check_door(self.doors, door)
        seconds = 0
        if action is DoorAction.OPEN:
            seconds = open_seconds(self.options, door, duration)
        elif duration is not None:
            raise InvalidRequestError("only an opening takes a duration")
        await self._run(door_command(door, action, seconds), f"door command {action}")
        if action is not DoorAction.OPEN:  # a door mode, which only the command tells of
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
        await self._run(set_options_command(options), "option setting")
        self._remember(options)

    async def get_options(self, names: Sequence[str]) -> dict[str, str]:
        """Send GET OPTIONS and return the values the terminal uploaded."""
        if self.variant is Variant.ATTENDANCE:
            raise NotSupportedError("get_options")
        command = self._queue.add(get_options_command(names), persistent=False)
        answered: dict[str, str] = {}
        self._option_answers[command.id] = answered
        try:
            future = cast("asyncio.Future[int]", command.future)  # add() made it: wait=True
            await self._in_time(future, command, "option reading")
        finally:
            self._option_answers.pop(command.id, None)
        # Options arrive without the "~" mark the document puts on some names.
        return {name: answered[key] for name in names if (key := name.lstrip("~")) in answered}

    async def recover_records(self, start: datetime, end: datetime) -> int:
        """Ask for the records of the range again (ACCOUNT transaction StartTime / EndTime).

        The controller uploads them as an archive (`/iclock/file`) before it reports the
        command's result; one that refuses ACCOUNT is asked with DATA QUERY transaction, as
        the document advises (rows through `/iclock/querydata`). Returns how many records of
        the range arrived.
        """
        self.require(Operation.RECOVER_RECORDS)
        try:
            return await self._recover(account_command(start, end, self.zone), start, end)
        except DeviceError as err:
            _LOGGER.debug("Terminal %s refused ACCOUNT (%s): querying", self.serial, err)
            return await self._recover(TRANSACTION_QUERY, start, end)

    async def _recover(self, text: str, start: datetime, end: datetime) -> int:
        command = self._queue.add(text, persistent=False)
        recovery = self._recoveries[command.id] = Recovery(start, end, self.sent.snapshot())
        try:
            future = cast("asyncio.Future[int]", command.future)  # add() made it: wait=True
            await self._in_time(future, command, "record recovery")
        finally:
            self._recoveries.pop(command.id, None)
        return recovery.count

    async def clear_records(self) -> None:
        """Delete every access control record (DATA DELETE transaction *)."""
        self.require(Operation.CLEAR_RECORDS)
        await self._run(CLEAR_RECORDS_COMMAND, "record deletion")
        self.sent.clear()

    async def read_settings(self) -> None:
        """Ask for the options behind the settings (the answer updates setting_values)."""
        if self.settings:
            await self.get_options(option_names(self.settings, len(self.doors)))

    async def write_setting(self, address: SettingAddress, value: SettingValue) -> None:
        """Write one setting as its option (SET OPTIONS); the terminal's answer confirms it."""
        if address.setting not in self.settings:
            raise NotSupportedError(f"setting {address.setting}")
        if address.door is not None:
            check_door(self.doors, address.door)
        if address.setting is Setting.SCHEDULED_OPENING and address.door is not None:
            # Not an option: CONTROL DEVICE 04; the terminal notes the day it was skipped.
            await self._run(normal_open_command(address.door, bool(value)), "normal-open period")
            today = day_number(datetime.now(self.zone).date())
            self._remember({f"Door{address.door}CancelKeepOpenDelay": "0" if value else str(today)})
            return
        await self.set_options(setting_option(address, value, self.options))

    async def output_control(self, output: int, seconds: int) -> None:
        """Send CONTROL DEVICE 01 <output> 02 <seconds>: drive an auxiliary output."""
        self.require(Operation.AUX_OUTPUT)
        check_numbers("output", [output], self.aux_outputs)
        await self._run(output_command(output, seconds), "auxiliary output")

    @property
    def linkage_limits(self) -> LinkageLimits:
        """Return what this controller's linkage rules can name."""
        return LinkageLimits(
            triggers=TRIGGER_CODES,
            rules=MAX_LINKAGES,
            doors=len(self.doors),
            aux_inputs=self.aux_inputs,
            aux_outputs=self.aux_outputs,
        )

    async def set_linkage(self, linkage: Linkage) -> None:
        """Send DATA UPDATE inoutfun: the controller applies the rule by itself from then on."""
        self.require(Operation.LINKAGE)
        self.linkage_limits.check(linkage)
        await self._run(linkage_command(linkage, dev_id=self.caps.dev_id), "linkage rule")

    async def delete_linkages(self, index: int | None) -> None:
        """Send DATA DELETE inoutfun Index=<n> (None: every rule, `*`)."""
        self.require(Operation.LINKAGE)
        if index is not None:
            self.linkage_limits.check_index(index)
        await self._run(delete_linkage_command(index), "linkage deletion")

    async def id_card_registration(self, door: int, seconds: int, enabled: bool) -> None:
        """Send CONTROL DEVICE 12: the door's reader registers identity cards for `seconds`.

        Each card read arrives as an identitycard upload (an id_card_read event).
        """
        self.require(Operation.ID_CARD_REGISTRATION)
        if door:
            check_door(self.doors, door)
        await self._run(
            id_card_registration_command(door, seconds, enabled), "identity card registration"
        )

    async def test_host(self, host: str, port: int) -> bool:
        """Send Test Host Address=<host>:<port> (section 12.3): whether the controller reaches it.

        Return 0 is a connection made. The document gives no failure codes: one that says the
        command itself was not understood (unknown, unsupported, malformed) is raised, any
        other is taken as the address not reached (its reason is logged).
        """
        self.require(Operation.TEST_HOST)
        try:
            await self._run(test_host_command(host, port), "network test")
        except DeviceError as err:
            if err.code in NOT_UNDERSTOOD:
                raise
            _LOGGER.debug("Terminal %s did not reach %s:%s: %s", self.serial, host, port, err)
            return False
        return True

    async def start_enrollment(
        self, user_id: str, credential: Credential, index: int | None = None
    ) -> None:
        """Send ENROLL_BIO (ENROLL_FP on attendance terminals); the outcome is an admin event."""
        pin = canonical_pin(user_id, self.caps)
        text = enrollment_command(
            pin,
            credential,
            index,
            features=None if self.info is None else self.info.features,
            caps=self.caps,
            attendance=self.variant is Variant.ATTENDANCE,
        )

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
        text = firmware_command(firmware, base64=upgrades_in_base64(self.options))

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

    def firmware_download(self, data: bytes) -> bytes:
        """Return the image as the terminal downloads it: base64 for controllers (method 1)."""
        return base64.b64encode(data) if upgrades_in_base64(self.options) else data

    # -- users -----------------------------------------------------------------------------

    async def list_users(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = True
    ) -> list[User]:
        """Query the user tables (DATA QUERY) and collect the rows the terminal uploads."""
        wanted = None if user_ids is None else {canonical_pin(pin, self.caps) for pin in user_ids}
        if wanted is not None and not wanted:
            return []
        listing = UserListing(wanted, with_credentials)
        async with self._listing_lock:
            if self.variant is Variant.ATTENDANCE:
                return await self._list_attendance(listing)
            queries = table_queries(wanted, self.caps)
            commands = [self._queue.add(query.text, persistent=False) for query in queries]
            self._queries.update((command.id, listing) for command in commands)
            try:
                results = await self._collect(listing, commands)
            finally:
                for command in commands:
                    self._queries.pop(command.id, None)
                self._queue.withdraw(commands)
            for query, result in zip(queries, results, strict=True):
                if isinstance(result, BaseException):
                    if query.required or not isinstance(result, DeviceError):
                        raise result
                    _LOGGER.debug(
                        "Terminal %s could not list %s: %s", self.serial, query.table, result
                    )
            return listing.result()

    async def _list_attendance(self, listing: UserListing) -> list[User]:
        self._attendance_listing = listing
        try:
            texts = userinfo_queries(listing.wanted)
            commands = [self._queue.add(text, persistent=False) for text in texts]
            try:
                results = await self._collect(listing, commands)
            finally:
                self._queue.withdraw(commands)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            return listing.result()
        finally:
            self._attendance_listing = None

    async def _collect(
        self, listing: UserListing, commands: Sequence[Command]
    ) -> list[int | BaseException]:
        """Wait for every query's result, as long as rows keep arriving."""
        outcome = gather_results(c.future for c in commands if c.future is not None)
        return await listing.wait(outcome, "user listing", silence=self.command_timeout)

    async def set_users(
        self, users: Sequence[User], *, keep_held_credentials: Collection[str] = ()
    ) -> None:
        """Queue the table commands for `users` and wait for the terminal's results.

        Writing a user's row never touches the templates the terminal holds (they live in
        other tables), so `keep_held_credentials` needs no work here.
        """
        attendance = self.variant is Variant.ATTENDANCE
        batches = write_batches(users, self.caps, self.zone, attendance=attendance)
        await self._run_data(batches, "user update", len(users))

    # -- access rules ----------------------------------------------------------------------

    @property
    def access_profile(self) -> AccessProfile | None:
        """Return what the terminal holds (unknown until it said which variant it is)."""
        return None if self.variant is None else profile_of(self.caps)

    def compile_access(
        self,
        policies: Sequence[PersonPolicy],
        today: date,
        doors: DoorSchedules | None = None,
    ) -> AccessPlan:
        """Compile time zones, holidays and door rights (see access.py)."""
        return compile_access(policies, self.caps, today, doors)

    async def set_access_tables(self, tables: Mapping[str, Any]) -> None:
        """Write the time zones, holidays and door rows (kept queued until the terminal reports).

        The rows naming people are emptied here and written by `prune_access_tables`, once the
        people are there.
        """
        self.require(Operation.ACCESS_RULES)
        await self._write_tables(table_commands(tables), optional=optional_commands(tables))

    async def _write_tables(
        self, texts: Sequence[str], *, optional: Set[str] = frozenset()
    ) -> None:
        """Queue access table commands, wait for all; raise the first refusal not `optional`."""
        commands = [self._queue.add(text, persistent=True) for text in texts]
        self.listener.persist()
        futures = [command.future for command in commands if command.future is not None]
        results = await await_results(
            futures,
            "access rules",
            within=self.command_timeout,
            forget=lambda: self._queue.withdraw(commands),
        )
        for text, result in zip(texts, results, strict=True):
            if isinstance(result, DeviceError) and text in optional:
                _LOGGER.debug("Terminal %s refused %r: %s", self.serial, text, result)
            elif isinstance(result, BaseException):
                raise result

    async def prune_access_tables(self, tables: Mapping[str, Any]) -> None:
        """Write the rows naming people, then delete the time zones `tables` leaves unused.

        Sent after the people were written (a row naming someone the controller does not hold
        yet may be refused) and their rights rewritten against `tables`, so no right refers to
        a zone deleted. A refusal of the zone deletion is logged, not raised: zones no right
        refers to let nobody in, and the tables themselves hold.
        """
        if self.variant is not Variant.SECURITY:
            return
        if texts := people_commands(tables):
            await self._write_tables(texts, optional=optional_commands(tables))
        if not (text := unused_zones_command(tables)):
            return
        try:
            await self._run(text, "time zone deletion")
        except DeviceError as err:
            _LOGGER.debug("Terminal %s kept its unused time zones: %s", self.serial, err)

    async def delete_users(self, user_ids: Sequence[str] | None) -> None:
        """Delete users and what they hold (None: everyone)."""
        attendance = self.variant is Variant.ATTENDANCE
        if attendance and user_ids is None:
            user_ids = [user.user_id for user in await self.list_users(with_credentials=False)]
        batches = delete_batches(user_ids, self.caps, attendance=attendance)
        await self._run_data(batches, "user deletion", len(user_ids or ()))

    async def _run_data(self, batches: Sequence[Batch], what: str, count: int) -> None:
        commands = [self._queue.add(text, persistent=True) for text, _ in batches]
        self.listener.persist()
        futures = [command.future for command in commands if command.future is not None]
        results = await await_results(
            futures,
            what,
            within=self.command_timeout + SECONDS_PER_USER * count,
            forget=lambda: self._queue.withdraw(commands),
        )
        if any(not isinstance(result, BaseException) for result in results):
            self._count_tables()  # the terminal changed something
        raise_for_results(batches, results)

    def _count_tables(self) -> None:
        """Ask the terminal to count what a write changed; the answers refresh its usage.

        A newer count of a table supersedes one still unanswered (so at most one each waits).
        """
        if self.variant is not Variant.SECURITY:
            return
        counts = count_commands(self.caps)
        options = {option for _, option in counts}
        self._counts = {k: v for k, v in self._counts.items() if v not in options}
        for text, option in counts:
            command = self._queue.add(text, persistent=False, wait=False)
            self._counts[command.id] = option

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
            **self._registration.export(),
            "options": dict(self.options),
            "stamps": dict(self._stamps),
            "commands": self._queue.export(),
        }

    def restore_state(self, data: Mapping[str, Any]) -> None:
        """Reload export_state() output."""
        variant = data.get("variant")
        if variant in (Variant.SECURITY, Variant.ATTENDANCE):
            self.variant = Variant(variant)
        self._registration.restore(data)
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
