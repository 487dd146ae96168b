"""The cloud WebSocket terminal: answers what the device sends and sends it our commands.

specs/002_c663bad8f76a6161.txt: the device keeps a WebSocket open to us. It registers (`reg`),
reports records (`sendlog`), users enrolled at its keypad (`senduser`) and QR codes
(`sendqrcode`), each answered at once; we send commands on the same socket (see channel.py) and
fetch what it recorded while it could not reach us (`getnewlog`) each time it registers again.
See docs/cloud_ws.md for every answer's shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
import logging
from typing import Any, ClassVar

from .. import weekzones
from ..access import AccessPlan, AccessProfile, DoorSchedules, PersonPolicy
from ..aiface_settings import SETTINGS, AiFaceSettings, clock_offset
from ..codec import optional_int, optional_str, parse_local_time
from ..errors import (
    CommandCancelledError,
    InvalidRequestError,
    NotSupportedError,
    TerminalClosedError,
)
from ..fields import lenient, whole_text
from ..history import local_days, recovered
from ..model import (
    DOOR_MODE_OPERATIONS,
    USER_OPERATIONS,
    AccessEvent,
    Authorizer,
    ClearableData,
    Credential,
    DenyReason,
    DoorAction,
    DoorState,
    EventType,
    Family,
    Feature,
    Method,
    Operation,
    Record,
    TerminalListener,
    User,
    UserChange,
)
from ..push import DEFAULT_COMMAND_TIMEOUT, PushTerminal
from ..questionnaire import (
    CLEARED as CLEARED_QUESTIONNAIRE,
    Questionnaire,
    from_fields as questionnaire_from_fields,
)
from ..settings import SettingAddress, SettingValue
from . import user_table
from .channel import CommandChannel, Connection
from .codes import ModeTable, doors_after, log_records
from .device import info_from_fields
from .users import (
    CREDENTIAL_BACKUPNUMS,
    ENROLL_BACKUPNUMS,
    PALMS,
    enroll_id,
)
from .wire import DEVICE_COMMANDS, Message, Reply, format_time, read_counter

_LOGGER = logging.getLogger(__name__)

# An open socket is a live device (the server's WebSocket pings drop a dead one): while it stays
# open the terminal counts as heard from this often, however quiet the people at the door are.
SEEN_INTERVAL = 30.0
# An access controller has up to four doors ("opendoor", doornum 1-4).
MAX_DOORS = 4
# lockctrl `fuc` codes ("Set door status"); they act on the whole terminal.
_LOCKCTRL = {
    DoorAction.HOLD_OPEN: 1,
    DoorAction.LOCKOUT: 2,
    DoorAction.NORMAL: 4,
    DoorAction.RELEASE_LOCKOUT: 4,
}
_CLEAR_ALARM = 6
MAX_HOLIDAYS = 30
MAX_PROFILE_BYTES = 200
# A QR code shown at the terminal ("QR code sending": `record`).
_read_qr = lenient(whole_text())


class CloudWsTerminal(PushTerminal):
    """One terminal connected (or not, right now) over the cloud WebSocket."""

    family = Family.CLOUD_WS
    sends_photos = True
    operations = (
        DOOR_MODE_OPERATIONS
        | USER_OPERATIONS
        | {
            Operation.CLEAR_ALARM,
            Operation.SET_TIME,
            Operation.REBOOT,
            Operation.ACCESS_RULES,
            Operation.RECOVER_RECORDS,
            Operation.CLEAR_RECORDS,
            Operation.DELETE_CREDENTIAL,
            Operation.SCREEN_MESSAGE,
            Operation.QUESTIONNAIRE,
            Operation.FACTORY_RESET,
            Operation.CLEAR_DATA,
        }
    )
    clearable = frozenset({ClearableData.ADMINISTRATORS})

    def __init__(
        self,
        serial: str,
        listener: TerminalListener,
        *,
        zone: tzinfo,
        authorizer: Authorizer | None = None,
        command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
        mode_table: ModeTable = ModeTable.VERIFY,
    ) -> None:
        """Create the terminal; it is offline until its device connects and registers."""
        # The channel keeps the command timeout (see command_timeout): it exists first.
        self._channel = CommandChannel(command_timeout)
        super().__init__(serial, listener, authorizer=authorizer, command_timeout=command_timeout)
        self.zone = zone
        self.mode_table = mode_table
        self._backfill: asyncio.Task[None] | None = None
        self._alive: asyncio.Task[None] | None = None
        # Users whose remote enrollment we started: their next `senduser` ends it.
        self._enrolling: dict[str, Credential] = {}
        # The latest `logindex` acknowledged (kept across restarts, shown in diagnostics).
        self.log_index: int | None = None
        self.backfilled = 0
        # Terminal and access parameters (protocols/aiface_settings.py), read once the terminal
        # registered on its current socket and what it recorded meanwhile was fetched.
        self.settings = dict(SETTINGS)
        self._parameters = AiFaceSettings()
        self._caught_up = asyncio.Event()

    @property
    def command_timeout(self) -> float:
        """Return how long one command may take (the channel's deadline)."""
        return self._channel.timeout

    @command_timeout.setter
    def command_timeout(self, seconds: float) -> None:
        self._channel.timeout = seconds

    @property
    def connected(self) -> bool:
        """Return True while the device's socket is open."""
        return self._channel.connection is not None

    # -- the socket ------------------------------------------------------------------------

    def attach(self, connection: Connection) -> None:
        """Use `connection` from now on (a second socket of the same device replaces the first)."""
        previous = self._channel.connection
        self._channel.attach(connection)
        if previous is not None and previous is not connection:
            self.spawn(previous.close, "close the previous socket")
        if self._alive is None or self._alive.done():
            self._alive = self.spawn(self._keep_seen, "keep-alive")

    def detach(self, connection: Connection) -> None:
        """Forget a closed socket: an unanswered command fails, later ones wait for the next."""
        self._channel.detach(
            connection, CommandCancelledError("the terminal disconnected before answering")
        )
        if self._channel.connection is None:
            self._caught_up.clear()
        if self._channel.connection is None and self._alive is not None:
            self._alive.cancel()
            self._alive = None

    async def _keep_seen(self) -> None:
        while True:
            self.listener.seen()
            await asyncio.sleep(SEEN_INTERVAL)

    # -- frames from the device ------------------------------------------------------------

    async def handle(self, message: Message) -> Reply | None:
        """Answer one frame of the device (None for answers to our commands)."""
        self.listener.seen()
        if not message.asks or message.name not in DEVICE_COMMANDS:
            if self._channel.answer(message):
                return None
            if message.asks:  # every cmd gets its ret, even one we do not know
                return Reply({"ret": message.name, "result": False, "reason": "unknown command"})
            _LOGGER.debug("Terminal %s answered %s: nobody waits", self.serial, message.name)
            return None
        return await self._HANDLERS[message.name](self, message)

    def _now(self) -> str:
        return format_time(datetime.now(self.zone))

    async def _reg(self, message: Message) -> Reply:
        devinfo = message.fields.get("devinfo")
        if isinstance(devinfo, Mapping):
            self.info = info_from_fields(self.serial, devinfo, self.info)
        elif self.info is None:
            self.info = info_from_fields(self.serial, {})
        if 1 not in self.doors or self.doors[1].held_open is None:
            self.doors[1] = DoorState(door=1, held_open=False, locked_out=False)
        self.listener.state_changed()
        # The answer goes first: the device takes no command before it is registered.
        return Reply(
            {"ret": "reg", "result": True, "cloudtime": self._now(), "nosenduser": False},
            self._start_backfill,
        )

    async def _sendlog(self, message: Message) -> Reply:
        items = message.fields.get("record")
        if not isinstance(items, list):
            self.problems.note("log batch", "record: not a list", message.fields)
            items = []
        records = self._log_records(items)
        if not await self._deliver(records):
            return Reply({"ret": "sendlog", "result": False, "reason": "server busy"})
        reply: dict[str, Any] = {"ret": "sendlog", "result": True}
        for key in ("count", "logindex"):
            if (value := read_counter(message.fields.get(key))) is not None:
                reply[key] = value
        reply.setdefault("count", len(items))
        if (index := read_counter(message.fields.get("logindex"))) is not None:
            self.log_index = index
            self.listener.persist()
        reply["cloudtime"] = self._now()
        people = [e for r in records for e in r.events if e.type is EventType.ACCESS_GRANTED]
        if len(items) == 1 and len(people) == 1 and self.authorizer is not None:
            # A terminal in server mode opens only when told to (`access`).
            granted, text = await self.authorizer(people[0])
            reply["access"] = int(granted)
            if text:
                reply["message"] = text
        return Reply(reply)

    def _log_records(self, items: Sequence[Any]) -> list[Record]:
        reading = log_records(items, self.zone, datetime.now(UTC), self.mode_table)
        self.problems.note_all("log record", reading.refused)
        return reading.read

    async def _deliver(self, records: Sequence[Record]) -> bool:
        """Deliver records, then take the door states and temperatures they tell of.

        Only records new and live move a door: a backlog tells of doors long closed again.
        """
        if not records:
            return True
        current = await self.deliver(records)
        if current is None:
            return False
        doors = doors_after(self.doors, current)
        info = self.info
        # Nothing the device says about itself tells whether it measures temperatures: its
        # records do ("temp", just temperature device support).
        measured = any(e.temperature is not None for r in records for e in r.events)
        if measured and info is not None and Feature.TEMPERATURE not in info.features:
            self.info = replace(info, features=info.features | {Feature.TEMPERATURE})
        if doors != self.doors or self.info is not info:
            self.doors = doors
            self.listener.state_changed()
        return True

    async def _senduser(self, message: Message) -> Reply:
        fields = message.fields
        number = optional_int(fields.get("enrollid", fields.get("enrolled")))
        if number is not None and number > 0:
            user_id = str(number)
            credential = self._enrolling.pop(user_id, None)
            backupnum = optional_int(fields.get("backupnum"))
            kind = EventType.USER_UPDATED if credential is None else EventType.ENROLLMENT_FINISHED
            event = AccessEvent(
                type=kind,
                time=datetime.now(UTC),
                user_id=user_id,
                user_name=optional_str(fields.get("name")),
                raw_code=f"senduser:{backupnum}",
                detail="enrolled at the terminal" if credential is None else str(credential),
            )
            if not await self._deliver([Record((event,))]):
                return Reply({"ret": "senduser", "result": False, "reason": "server busy"})
            self.listener.user_changed(user_id, UserChange.UPDATED)
        else:
            _LOGGER.warning("Terminal %s sent a user without a user number", self.serial)
        return Reply({"ret": "senduser", "result": True, "cloudtime": self._now()})

    async def _sendqrcode(self, message: Message) -> Reply:
        """Decide a QR code shown at the terminal ("QR code sending" and its server reply).

        The authorizer finds whose pass the code is and decides as for any person; the
        decision becomes an access event (method qr) and the answer names the person.
        """
        code = _read_qr(message.fields.get("record"))
        if code is None:
            self.problems.note("QR code", "record: not a QR code", message.fields)
        event = AccessEvent(
            type=EventType.ACCESS_GRANTED,
            time=datetime.now(UTC),
            methods=(Method.QR,),
            raw_code="sendqrcode",
            detail="QR code",
            qr_code=code,
        )
        granted: bool = False
        text: str | None = "Unknown QR code"
        if code is not None and self.authorizer is not None:
            granted, text = await self.authorizer(event)
        reply: dict[str, Any] = {"ret": "sendqrcode", "sn": self.serial, "result": True}
        reply["access"] = int(granted)
        if event.user_id is not None:
            reply["enrollid"] = optional_int(event.user_id) or 0
            if event.user_name:
                reply["username"] = event.user_name
        reply["message"] = text or "ok"
        if code is not None:
            if not granted:
                event.type = EventType.ACCESS_DENIED
                unknown = event.user_id is None
                event.reason = DenyReason.UNREGISTERED if unknown else DenyReason.SERVER_DENIED
            if not await self._deliver([Record((event,))]):
                _LOGGER.debug("Terminal %s: the QR code decision was not recorded", self.serial)
        return Reply(reply)

    _HANDLERS: ClassVar[dict[str, Callable[[CloudWsTerminal, Message], Awaitable[Reply]]]] = {
        "reg": _reg,
        "sendlog": _sendlog,
        "senduser": _senduser,
        "sendqrcode": _sendqrcode,
    }

    # -- after a registration --------------------------------------------------------------

    def _start_backfill(self) -> None:
        if self._backfill is None or self._backfill.done():
            self._backfill = self.spawn(self._after_registration, "log backfill")

    async def _after_registration(self) -> None:
        """Learn the capacities, then fetch what was recorded while we could not be reached."""
        try:
            answer = await self._channel.request({"cmd": "getdevcap"}, "capabilities", check=False)
            if answer.ok:
                self.info = info_from_fields(self.serial, answer.fields, self.info)
                self.listener.state_changed()
            await self.fetch_new_logs()
        finally:
            # Settings are read after the catch-up (they would hold the socket up otherwise).
            if self.connected:
                self._caught_up.set()

    async def _deliver_page(self, _answer: Message, items: list[Any]) -> None:
        if not await self._deliver(self._log_records(items)):
            raise CommandCancelledError("records could not be handled")

    async def fetch_new_logs(self) -> int:
        """Fetch the logs the device has not reported yet (`getnewlog`); return how many."""

        document = {"cmd": "getnewlog"}
        fetched = await self._channel.pages(document, "log backfill", self._deliver_page)
        self.backfilled += fetched
        if fetched:
            _LOGGER.info("Terminal %s: fetched %d logs recorded offline", self.serial, fetched)
        return fetched

    # -- operations ------------------------------------------------------------------------

    async def command(self, name: str, what: str | None = None, **fields: Any) -> dict[str, Any]:
        """Send any command of the document; return the answer's fields (DeviceError: failed)."""
        answer = await self._channel.request({"cmd": name, **fields}, what or name)
        return answer.fields

    async def door_control(
        self, door: int, action: DoorAction, *, duration: int | None = None
    ) -> None:
        """Open one door (`opendoor`), or set the terminal's lock mode (`lockctrl`)."""
        self.require(action.operation)
        if duration is not None:
            raise NotSupportedError(Operation.TIMED_OPEN)
        if not 1 <= door <= MAX_DOORS:
            raise InvalidRequestError(f"door {door}: cloud terminals have doors 1 to {MAX_DOORS}")
        if action is DoorAction.OPEN:
            # Always name the door: a controller without `doornum` opens every door.
            await self.command("opendoor", f"door {door} opening", doornum=door)
            return
        if door != 1:
            raise InvalidRequestError("the lock mode applies to the whole terminal: use door 1")
        await self.command("lockctrl", f"lock mode {action}", fuc=_LOCKCTRL[action])
        held = action is DoorAction.HOLD_OPEN
        locked = action is DoorAction.LOCKOUT
        self.doors[1] = replace(
            self.doors.get(1) or DoorState(door=1), held_open=held, locked_out=locked
        )
        self.listener.state_changed()

    async def clear_alarm(self) -> None:
        """Cancel the alarm (`lockctrl` 6)."""
        await self.command("lockctrl", "alarm reset", fuc=_CLEAR_ALARM)

    async def reboot(self) -> None:
        """Send `reboot` (the device restarts at once and never answers)."""
        await self._channel.send_only({"cmd": "reboot"}, "restart")

    async def set_time(self, now: datetime) -> None:
        """Set the clock (`settime`) to `now` in the terminal's time zone."""
        local = format_time(now.astimezone(self.zone))
        await self.command("settime", "time setting", cloudtime=local)

    async def get_time(self) -> datetime | None:
        """Read the terminal's clock (`gettime`; its answer has no `result`)."""
        answer = await self._channel.request({"cmd": "gettime"}, "time reading", check=False)
        return parse_local_time(optional_str(answer.fields.get("time")), self.zone)

    async def start_enrollment(
        self, user_id: str, credential: Credential, index: int | None = None
    ) -> None:
        """Start remote enrollment (`adduser`); the device reports the result with `senduser`."""
        number = enroll_id(user_id)
        allowed = ENROLL_BACKUPNUMS[credential]
        if credential is Credential.PALM and index is not None:
            index = PALMS.start + index - 1  # slots 1-2, as the enroll action numbers them
        backupnum = allowed.start if index is None else index
        if backupnum not in allowed:
            raise InvalidRequestError(f"index {index} is not valid for {credential}")
        self._enrolling[str(number)] = credential
        try:
            await self.command(
                "adduser", "enrollment start", enrollid=number, backupnum=backupnum, admin=0
            )
        except BaseException:
            self._enrolling.pop(str(number), None)
            raise

    def canonical_user_id(self, user_id: str) -> str:
        """Return the number the terminal stores ("007" -> "7")."""
        return str(enroll_id(user_id))

    async def list_users(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = True
    ) -> list[User]:
        """List users (`getuserlist` pages), then read each one's records, name and validity."""
        return await user_table.list_users(
            self._channel, user_ids, with_credentials=with_credentials, zone=self.zone
        )

    async def set_users(
        self, users: Sequence[User], *, keep_held_credentials: Collection[str] = ()
    ) -> None:
        """Write each user (one `setuserinfo` per credential); UserWriteError names failures."""
        await user_table.write_users(self._channel, users, keep_held_credentials, self.zone)

    async def delete_users(self, user_ids: Sequence[str] | None) -> None:
        """Delete users with all their records (`deleteuser` 13), or every user (`cleanuser`)."""
        await user_table.delete_users(self._channel, user_ids)

    async def delete_credential(self, user_id: str, credential: Credential) -> None:
        """Delete one kind of credential of a user (`deleteuser` with its backupnums)."""
        await user_table.delete_records(self._channel, user_id, CREDENTIAL_BACKUPNUMS[credential])

    async def set_questionnaire(self, questionnaire: Questionnaire) -> None:
        """Write the questionnaire (`setquestionnaire`)."""
        await self.command("setquestionnaire", "questionnaire", **questionnaire.fields())

    async def get_questionnaire(self) -> Questionnaire | None:
        """Read the questionnaire (`getquestionnaire`)."""
        return questionnaire_from_fields(await self.command("getquestionnaire", stn=True))

    async def clear_questionnaire(self) -> None:
        """Switch the questionnaire off with nothing to ask (the document has no clear command)."""
        await self.command("setquestionnaire", "questionnaire", **CLEARED_QUESTIONNAIRE)

    async def get_screen_message(self, user_id: str | None) -> str | None:
        """Read a user's message (`getuserprofile`; None: the public message)."""
        number = 0 if user_id is None else enroll_id(user_id)
        return optional_str((await self.command("getuserprofile", enrollid=number)).get("record"))

    async def set_screen_message(self, user_id: str | None, text: str) -> None:
        """Write a user's message, or the public one (`setuserprofile`, 200 bytes at most)."""
        if len(text.encode()) > MAX_PROFILE_BYTES:
            raise InvalidRequestError(f"a message holds at most {MAX_PROFILE_BYTES} bytes")
        number = 0 if user_id is None else enroll_id(user_id)
        await self.command("setuserprofile", enrollid=number, profile=text)

    # -- settings --------------------------------------------------------------------------

    async def _call(self, name: str, fields: dict[str, Any]) -> dict[str, Any]:
        return await self.command(name, **fields)

    @property
    def _doors(self) -> int:
        return self.info.doors if self.info else 1

    async def read_settings(self) -> None:
        """Read the terminal and access parameters (`getdevinfo`, `getdevlock`)."""
        await self._caught_up.wait()
        values = await self._parameters.read_from(self._call, self._doors, self.problems)
        self.setting_values.update(values)
        self.clock_offset = clock_offset(await self.get_time())

    async def write_setting(self, address: SettingAddress, value: SettingValue) -> None:
        """Write one parameter alone (`setdevinfo` or `setdevlock`: the zones are not sent)."""
        written = await self._parameters.write_to(self._call, address, value, self._doors)
        self.setting_values.update(written)

    # -- access rules ----------------------------------------------------------------------

    @property
    def access_profile(self) -> AccessProfile:
        """Return what the terminal holds (day and week zones, holidays, use counts).

        QR codes are not held but decided: the terminal asks Home Assistant (`sendqrcode`).
        """
        doors = self.info.doors if self.info else 1
        return replace(weekzones.profile_of(doors, use_counts=True), qr_codes=True)

    def compile_access(
        self,
        policies: Sequence[PersonPolicy],
        today: date,
        doors: DoorSchedules | None = None,
    ) -> AccessPlan:
        """Compile day zones, week zones, holidays and rights (see protocols/weekzones.py)."""
        return weekzones.compile_access(policies, self.access_profile, today)

    async def set_access_tables(self, tables: Mapping[str, Any]) -> None:
        """Write the day and week zones (`setdevlock`), then the holidays (`setholiday`)."""
        await self.set_access_settings(dayzone=tables["dayzone"], weekzone=tables["weekzone"])
        await self.set_holidays(tables["holidays"])

    async def holds_access_tables(self, tables: Mapping[str, Any]) -> bool:
        """Read the holidays back (`getholiday`): False when they are not those written."""
        return weekzones.holds_holidays(await self.get_holidays(), tables["holidays"])

    # -- commands without a place in the Terminal interface ------------------------------

    async def enable_user(self, user_id: str, enabled: bool) -> None:
        """Enable or disable a user (`enableuser`)."""
        await self.command("enableuser", enrollid=enroll_id(user_id), enflag=int(enabled))

    async def get_user_name(self, user_id: str) -> str | None:
        """Read a user's name (`getusername`)."""
        answer = await self.command("getusername", enrollid=enroll_id(user_id))
        return optional_str(answer.get("record"))

    async def get_user_access(self, user_id: str) -> dict[str, Any]:
        """Read a user's access parameters (`getuserlock`: week zones, group, validity)."""
        return await self.command("getuserlock", enrollid=enroll_id(user_id))

    async def clean_logs(self) -> None:
        """Delete every log on the device (`cleanlog`)."""
        await self.command("cleanlog")

    async def factory_reset(self) -> None:
        """Delete every user and log (`initsys`; the document says the settings stay)."""
        await self.command("initsys")

    async def clear_admins(self) -> None:
        """Make every administrator a normal user (`cleanadmin`)."""
        await self.command("cleanadmin")

    async def clear_data(self, what: Collection[ClearableData]) -> None:
        """Clear administrator rights (`cleanadmin`; the people stay): all this terminal clears."""
        if ClearableData.ADMINISTRATORS in what:
            await self.clear_admins()

    async def get_settings(self) -> dict[str, Any]:
        """Read the terminal parameters (`getdevinfo`: volume, language, verify mode...)."""
        return await self.command("getdevinfo")

    async def set_settings(self, **settings: Any) -> None:
        """Write terminal parameters (`setdevinfo`; only those given change)."""
        await self.command("setdevinfo", **settings)

    async def get_access_settings(self) -> dict[str, Any]:
        """Read the access parameters (`getdevlock`: open delay, zones, lock groups...)."""
        return await self.command("getdevlock")

    async def set_access_settings(self, **settings: Any) -> None:
        """Write access parameters (`setdevlock`; only those given change)."""
        await self.command("setdevlock", **settings)

    async def get_holidays(self) -> list[dict[str, Any]]:
        """Read every holiday (`getholiday`, in pages)."""
        holidays: list[dict[str, Any]] = []

        async def collect(_answer: Message, items: list[Any]) -> None:
            holidays.extend(item for item in items if isinstance(item, dict))

        await self._channel.pages({"cmd": "getholiday"}, "holiday reading", collect, key="holidays")
        return holidays

    async def set_holidays(self, holidays: Sequence[Mapping[str, Any]]) -> None:
        """Write the holidays (`setholiday`, at most 30)."""
        if len(holidays) > MAX_HOLIDAYS:
            raise InvalidRequestError(f"at most {MAX_HOLIDAYS} holidays")
        await self.command("setholiday", holidays=[dict(item) for item in holidays])

    async def read_capabilities(self) -> dict[str, Any]:
        """Read capacities and usage (`getdevcap`) and update the terminal's info."""
        fields = await self.command("getdevcap", "capabilities")
        self.info = info_from_fields(self.serial, fields, self.info)
        self.listener.state_changed()
        return fields

    async def recover_records(self, start: datetime, end: datetime) -> int:
        """Read the stored logs of the range again (`getalllog` from / to, by day, in pages).

        The logs not reported yet are fetched first (`getnewlog`), as the records they are;
        logs already handled are recognised and not repeated. Returns how many fall in the range.
        """
        await self.fetch_new_logs()
        document: dict[str, Any] = {"cmd": "getalllog"}
        for key, day in zip(("from", "to"), local_days(start, end, self.zone), strict=True):
            document[key] = f"{day.year}-{day.month}-{day.day}"
        count = 0

        async def deliver(_answer: Message, items: list[Any]) -> None:
            nonlocal count
            records = recovered(self._log_records(items), start, end)
            if not await self._deliver(records):
                raise CommandCancelledError("records could not be handled")
            count += len(records)

        await self._channel.pages(document, "log recovery", deliver)
        return count

    async def clear_records(self) -> None:
        """Fetch the logs not reported yet (`getnewlog`), then delete every log (`cleanlog`)."""
        await self.fetch_new_logs()
        await self.clean_logs()

    # -- life cycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Fail whatever waits, stop background work and close the socket."""
        self._channel.close(TerminalClosedError("the terminal was unloaded"))
        for task in (self._backfill, self._alive):
            if task is not None:
                task.cancel()
        if (connection := self._channel.connection) is not None:
            self.spawn(connection.close, "close the socket")

    def export_state(self) -> dict[str, Any]:
        """Return the last log index acknowledged."""
        return {"log_index": self.log_index}

    def restore_state(self, data: Mapping[str, Any]) -> None:
        """Reload export_state() output."""
        self.log_index = optional_int(data.get("log_index"))

    def diagnostics(self) -> dict[str, Any]:
        """Return the protocol state."""
        return {
            "connected": self.connected,
            "command_in_flight": self._channel.busy,
            "log_index": self.log_index,
            "logs_fetched_after_reconnect": self.backfilled,
            "enrollments_pending": sorted(self._enrolling),
            "mode_table": str(self.mode_table),
        }
