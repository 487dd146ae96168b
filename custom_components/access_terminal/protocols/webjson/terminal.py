"""The Webserver + JSON terminal (specs/000_021a89f13c4f291f.txt): we call the device.

Every poll reads the door (`getdoorstatus`) and the real-time records (`getrtlog`, which the
device deletes as it hands them over: they reach the listener before anything else happens).
`reg` (info and capacity) is read every few minutes. Users, enrollment, lock control, time,
reboot and firmware upgrades (base64 blocks with the image's MD5) are plain commands.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, tzinfo
from functools import partial
import logging
from typing import Any

import aiohttp

from .. import weekzones
from ..access import AccessPlan, AccessProfile, DoorSchedules, PersonPolicy
from ..aiface_settings import SETTINGS, AiFaceSettings, Group, clock_offset
from ..codec import optional_int, optional_str, parse_local_time
from ..errors import (
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    ProtocolError,
    UnreachableError,
)
from ..fields import read_each, read_text
from ..history import local_days, recovered
from ..model import (
    DOOR_MODE_OPERATIONS,
    USER_OPERATIONS,
    AttendanceEntry,
    ClearableData,
    Credential,
    DoorAction,
    DoorState,
    EventCategory,
    Family,
    FirmwareImage,
    Operation,
    TerminalListener,
    User,
)
from ..pull import DeviceAddress, Enrollment, JobState, PullTerminal, parse_zone
from ..questionnaire import Questionnaire, from_fields as questionnaire_from_fields
from ..settings import Setting, SettingAddress, SettingValue, family_settings
from .client import USER_NOT_FOUND, WebJsonClient
from .records import (
    ATTENDANCE_EVENTS,
    LOCK_HOLD_OPEN,
    LOCK_LOCKOUT,
    LOCK_NORMAL,
    door_change_record,
    door_from_status,
    info_from_reg,
    language_options,
    rtlog_items,
    rtlog_record,
)
from .users import (
    BACKUP_CARD,
    BACKUP_PASSWORD,
    BACKUP_WHOLE_USER,
    add_template,
    backupnum_for,
    basic_fields,
    lock_record,
    template_reads,
    template_writes,
    user_from_listing,
)

_LOGGER = logging.getLogger(__name__)

FIRMWARE_BLOCK = 32 * 1024
# A device holds a few thousand users; a listing that never ends is refused after this many pages.
MAX_PAGES = 10_000
# getrtlog calls per poll: a device with a backlog hands it over in several answers.
MAX_RTLOG_READS = 20
BLOCK_ATTEMPTS = 3

# Elevator control of every floor: `openallfloors` grants every floor, `closeallfloors` revokes
# that (back to each person's floors). The document names no field for selected floors.
_ALL_FLOORS = {
    DoorAction.HOLD_OPEN: "openallfloors",
    DoorAction.NORMAL: "closeallfloors",
    DoorAction.RELEASE_LOCKOUT: "closeallfloors",
}
_LOCK_MODES = {
    DoorAction.HOLD_OPEN: LOCK_HOLD_OPEN,
    DoorAction.LOCKOUT: LOCK_LOCKOUT,
    DoorAction.NORMAL: LOCK_NORMAL,
    DoorAction.RELEASE_LOCKOUT: LOCK_NORMAL,
}
# The command (and backupnum) deleting each kind of credential of a user, keeping the user.
_CREDENTIAL_DELETES: Mapping[Credential, tuple[str, int | None]] = {
    Credential.FACE: ("deleteuserface", None),
    Credential.FINGERPRINT: ("deleteuserfp", None),
    Credential.PALM: ("deleteuserpalm", None),
    Credential.CARD: ("deleteuser", BACKUP_CARD),
    Credential.PASSWORD: ("deleteuser", BACKUP_PASSWORD),
}
# The command erasing each kind of data ("cleaninactiveuser" ... "cleandatebase").
_CLEAR_COMMANDS: Mapping[ClearableData, str] = {
    ClearableData.INACTIVE_USERS: "cleaninactiveuser",
    ClearableData.RECORD_PHOTOS: "cleanlogphoto",
    ClearableData.MENU_SETTINGS: "initmenu",
    ClearableData.ADMINISTRATORS: "cleanadmin",
    ClearableData.DATABASE: "cleandatebase",
}
# What every answer carries around its content.
_ENVELOPE = frozenset({"ret", "sn", "result"})
# checkregstatus: what its `status` (or `state`) says; anything else is a failure.
_PENDING = frozenset({"0", "pending", "enrolling", "waiting", "running"})
_SUCCEEDED = frozenset({"1", "success", "succeeded", "ok", "done", "finished"})


def enrollment_state(answer: Mapping[str, Any]) -> JobState:
    """Read a `checkregstatus` answer."""
    value = answer.get("status", answer.get("state", answer.get("regstatus")))
    text = str(value).strip().lower() if value is not None else "pending"
    if text in _PENDING:
        return JobState(done=False)
    if text in _SUCCEEDED:
        return JobState(done=True, succeeded=True)
    return JobState(done=True, reason=optional_str(answer.get("msg")) or f"status {text}")


class WebJsonTerminal(PullTerminal):
    """A Webserver + JSON terminal reached over HTTP."""

    family = Family.WEBJSON
    poll_interval = 5.0
    # Access records; door events from the polled door status; enrollment outcomes.
    event_categories = frozenset({EventCategory.ACCESS, EventCategory.DOOR, EventCategory.ADMIN})
    operations = (
        DOOR_MODE_OPERATIONS
        | USER_OPERATIONS
        | {
            Operation.PUSH_FIRMWARE,
            Operation.SET_TIME,
            Operation.REBOOT,
            Operation.ACCESS_RULES,
            Operation.RECOVER_RECORDS,
            Operation.CLEAR_RECORDS,
            Operation.DELETE_CREDENTIAL,
            Operation.CLEAR_DATA,
            Operation.QUESTIONNAIRE,
            Operation.FACTORY_RESET,
            Operation.ELEVATOR,
            Operation.DISABLE_TERMINAL,
            Operation.ADD_ATTENDANCE,
            Operation.ATTENDANCE_REPORT,
        }
    )
    # A `getrtlog` answer lost on the way took its records with it: after an outage the
    # attendance log (`getlog`) is asked for what was recorded meanwhile.
    recovers_after_outage = True
    clearable = frozenset(_CLEAR_COMMANDS)

    def __init__(
        self,
        serial: str,
        listener: TerminalListener,
        *,
        session: aiohttp.ClientSession,
        address: DeviceAddress,
        password: str,
        zone: tzinfo,
    ) -> None:
        """Reach the device at `address` with `password`."""
        super().__init__(serial, listener, zone=zone)
        self.client = WebJsonClient(session, address, password)
        self._lock_mode = LOCK_NORMAL
        # The language shown (`getlang`) and those offered by number (`getlangoption`).
        self.language: str | None = None
        self.languages: dict[int, str] | None = None
        # Where an interrupted firmware upload stands: (md5, next block), to resume it.
        self._upgrade: tuple[str, int] | None = None
        # Whether the device recognises people, as last set (`disabledevice` / `enabledevice`;
        # no command reads it): None until set from here.
        self.enabled: bool | None = None
        # Terminal and access parameters (protocols/aiface_settings.py); this document spells
        # the terminal's in capitals (`VOLUME`, `LANGUAGE`).
        self.settings = {**SETTINGS, **family_settings(Setting.COMPANY_NAME)}
        self._parameters = AiFaceSettings(capitals=frozenset({Group.TERMINAL}))

    # -- polling ---------------------------------------------------------------------------

    async def _read_info(self) -> None:
        answer = await self.client.call("reg")
        self.device_zone = parse_zone(_devinfo(answer).get("timezone"))
        self.info = info_from_reg(self.serial, answer)
        await self._read_languages()

    async def _read_languages(self) -> None:
        """Read the current language (`getlang`) and, once, the choices (`getlangoption`).

        Shown in the diagnostics; a terminal without these commands refuses them, no failure.
        """
        try:
            if self.languages is None:
                self.languages = language_options(await self.client.call("getlangoption"))
            self.language = read_text((await self.client.call("getlang")).get("lang"))
        except (DeviceError, ProtocolError) as err:
            _LOGGER.debug("%s: no language reading: %s", self.serial, err)

    async def _read_state(self) -> None:
        # Records first: they exist nowhere else once read.
        await self._read_rtlog()
        door = door_from_status(await self.client.call("getdoorstatus"), self._lock_mode)
        before = self.doors.get(1)
        if before != door:
            self.doors = {1: door}
            self.listener.state_changed()
            if (change := door_change_record(before, door, datetime.now(self.zone))) is not None:
                await self.listener.records([change])

    async def _read_rtlog(self) -> None:
        """Hand the real-time records (`getrtlog`) to the listener."""
        for _ in range(MAX_RTLOG_READS):
            answer = await self.client.call("getrtlog")
            received = datetime.now(self.zone)
            items = rtlog_items(answer)
            if items is None:
                # The device deleted them as it handed them over: all that is left is the log.
                self.problems.note("getrtlog answer", "its records are not a list", answer)
                break
            reading = read_each(items, partial(rtlog_record, zone=self.zone, received=received))
            self.problems.note_all("real-time record", reading.refused)
            if reading.read:
                await self.listener.records(reading.read)
            if not items:
                break

    # -- history ---------------------------------------------------------------------------

    async def recover_records(self, start: datetime, end: datetime) -> int:
        """Read the attendance log of the range again (`getlog` by day, paged by `index`).

        The real-time records not read yet are taken first, as the live records they are.
        Returns how many records of the log fall in the range.
        """
        await self._read_rtlog()
        first, last = local_days(start, end, self.zone)
        query = {"from": first.isoformat(), "to": last.isoformat()}
        count, index, previous = 0, 0, None
        for _ in range(MAX_PAGES):
            answer = await self.client.call("getlog", {**query, "index": index})
            items = rtlog_items(answer)
            if items is None:
                raise ProtocolError("getlog: its records are not a list")
            if not items or items == previous:  # the end, or a device ignoring `index`
                return count
            received = datetime.now(self.zone)
            reading = read_each(items, partial(rtlog_record, zone=self.zone, received=received))
            self.problems.note_all("logged record", reading.refused)
            if records := recovered(reading.read, start, end):
                await self.listener.records(records)
                count += len(records)
            index += len(items)
            previous = items
        raise ProtocolError("the log does not end")

    async def add_attendance(self, entries: Sequence[AttendanceEntry]) -> None:
        """Add records to the attendance log (`setlogs`: id, event and the device's local time).

        They are the log's, not real-time records: `getrtlog` does not hand them over.
        """
        records = [
            {
                "id": entry.user_id,
                "event": ATTENDANCE_EVENTS[entry.kind],
                "time": entry.time.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S"),
            }
            for entry in entries
        ]
        await self.client.call("setlogs", {"records": records})
        self.invalidate_info()

    async def attendance_report(self, user_id: str, first: date, last: date) -> dict[str, Any]:
        """Return a person's attendance report (`getreport`), the answer as the device gives it.

        The document gives the request only: the answer is handed on without its envelope
        (`ret`, `sn`, `result`).
        """
        query = {"enrollid": user_id, "from": first.isoformat(), "to": last.isoformat()}
        answer = await self.client.call("getreport", query)
        return {key: value for key, value in answer.items() if key not in _ENVELOPE}

    async def clear_records(self) -> None:
        """Take the real-time records not read yet, then erase every record (`cleanlog`)."""
        await self._read_rtlog()
        await self.client.call("cleanlog")
        self.invalidate_info()

    @staticmethod
    async def read_serial(client: WebJsonClient) -> str:
        """Return the serial a device answers `reg` with (to add it)."""
        serial = optional_str((await client.call("reg")).get("sn"))
        if serial is None:
            raise ProtocolError("the device did not say its serial number")
        return serial

    # -- doors and device ------------------------------------------------------------------

    async def door_control(
        self, door: int, action: DoorAction, *, duration: int | None = None
    ) -> None:
        """Open the door (`opendoor`), or set its lock mode (`lockctrl`)."""
        self.require(action.operation)
        if door != 1:
            raise InvalidRequestError(f"the terminal has one door, not door {door}")
        if action is DoorAction.OPEN:
            await self.client.call("opendoor", {"msg": "Home Assistant"})
            return
        mode = _LOCK_MODES[action]
        await self.client.call("lockctrl", {"mode": mode})
        self._lock_mode = mode
        current = self.doors.get(1) or DoorState(door=1)
        self.doors = {
            1: DoorState(
                door=1,
                is_open=current.is_open,
                held_open=mode == LOCK_HOLD_OPEN,
                locked_out=mode == LOCK_LOCKOUT,
            )
        }
        self.listener.state_changed()

    async def set_time(self, now: datetime) -> None:
        """Set the device clock to `now` in the device's zone (`settime`)."""
        local = now.astimezone(self.zone)
        await self.client.call("settime", {"cloudtime": local.strftime("%Y-%m-%d %H:%M:%S")})

    async def reboot(self) -> None:
        """Restart the device (it does not answer)."""
        await self.client.reboot()

    async def set_enabled(self, enabled: bool) -> None:
        """Let the device recognise people again (`enabledevice`) or stop it (`disabledevice`)."""
        await self.client.call("enabledevice" if enabled else "disabledevice")
        self.enabled = enabled

    async def set_questionnaire(self, questionnaire: Questionnaire) -> None:
        """Write the questionnaire (`setquestionnaire`, with the cloud document's fields)."""
        await self.client.call("setquestionnaire", questionnaire.fields())

    async def get_questionnaire(self) -> Questionnaire | None:
        """Read the questionnaire (`getquestionnaire`)."""
        return questionnaire_from_fields(await self.client.call("getquestionnaire"))

    async def clear_questionnaire(self) -> None:
        """Take the questionnaire away (`cleanquestionnaire`)."""
        await self.client.call("cleanquestionnaire")

    async def clear_data(self, what: Collection[ClearableData]) -> None:
        """Erase disabled users, record photos, menu settings and/or the whole database.

        The database goes last: clearing it restarts the terminal, which may not answer (as
        `reboot`).
        """
        for item, command in _CLEAR_COMMANDS.items():
            if item not in what:
                continue
            if item is ClearableData.DATABASE:
                await self.client.reboot(command)
            else:
                await self.client.call(command)
        self.invalidate_info()

    async def floor_control(self, floors: Sequence[int] | None, action: DoorAction) -> None:
        """Grant every floor (`openallfloors`) or take that back (`closeallfloors`)."""
        command = _ALL_FLOORS.get(action)
        if floors is not None or command is None:
            raise NotSupportedError(f"elevator {action} of selected floors or for a moment")
        await self.client.call(command)

    async def factory_reset(self) -> None:
        """Clear every user and record and restore some settings (`initsys`), then read them."""
        await self.client.call("initsys")
        self.invalidate_info()
        await self.read_settings()

    # -- settings --------------------------------------------------------------------------

    async def read_settings(self) -> None:
        """Read the terminal and access parameters (`getdevinfo`, `getdevlock`) and company name."""
        values = await self._parameters.read_from(self.client.call, 1, self.problems)
        self.setting_values.update(values)
        answer = await self.client.call("getcompanyname")
        name = read_text(answer.get("companyname", answer.get("name")))
        self.setting_values[SettingAddress(Setting.COMPANY_NAME)] = name or ""
        self.clock_offset = clock_offset(await self.get_time())

    async def get_time(self) -> datetime | None:
        """Read the terminal's clock (`gettime`)."""
        answer = await self.client.call("gettime")
        return parse_local_time(optional_str(answer.get("time")), self.zone)

    async def write_setting(self, address: SettingAddress, value: SettingValue) -> None:
        """Write one parameter alone (`setdevinfo` or `setdevlock`: the zones are not sent)."""
        if address.setting is Setting.COMPANY_NAME:
            await self.client.call("setcompanyname", {"companyname": value})
            self.setting_values[address] = value
            return
        self.setting_values.update(
            await self._parameters.write_to(self.client.call, address, value, 1)
        )

    # -- users -----------------------------------------------------------------------------

    def canonical_user_id(self, user_id: str) -> str:
        """Return the id as the device stores it: digits."""
        text = user_id.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 20:
            raise InvalidRequestError(f"user ids of this terminal are numbers, not {user_id!r}")
        return str(int(text))

    async def list_users(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = True
    ) -> list[User]:
        """Read all users (paged `getuserlist`) or the given ones (`getuserinfo`)."""
        users = await (self._all_users() if user_ids is None else self._some_users(user_ids))
        if with_credentials:
            for user in users:
                await self._read_templates(user)
        return users

    async def _all_users(self) -> list[User]:
        users: dict[str, User] = {}
        start = True
        for _ in range(MAX_PAGES):
            answer = await self.client.call("getuserlist", {"stn": start})
            start = False
            page = answer.get("record")
            listed = [user for item in page or () if (user := user_from_listing(item))]
            for user in listed:
                users[user.user_id] = user
            total = optional_int(answer.get("count"))
            if not listed or (total is not None and len(users) >= total):
                return list(users.values())
        raise ProtocolError("the user listing does not end")

    async def _some_users(self, user_ids: Sequence[str]) -> list[User]:
        """Read the given users (`getuserinfo`) with their validity (`getuserlock`)."""
        users = []
        for user_id in user_ids:
            answer = await self._user_info(user_id)
            if answer is not None and (user := user_from_listing(answer)) is not None:
                user.valid_from, user.valid_until = await self._read_validity(user_id)
                users.append(user)
        return users

    async def _read_validity(self, user_id: str) -> tuple[datetime | None, ...]:
        """Return a user's validity from their access parameters (none held: always valid)."""
        try:
            lock = await self.client.call("getuserlock", {"enrollid": user_id})
        except DeviceError:
            return None, None
        return weekzones.read_validity(lock, self.zone)

    async def _user_info(self, user_id: str, backupnum: int | None = None) -> dict[str, Any] | None:
        """Read a user (or one template); None when the device does not have it."""
        fields: dict[str, Any] = {"enrollid": user_id}
        if backupnum is not None:
            fields["backupnum"] = backupnum
        try:
            return await self.client.call("getuserinfo", fields)
        except DeviceError as err:
            if err.code == USER_NOT_FOUND:
                return None
            raise

    async def _read_templates(self, user: User) -> None:
        reads = template_reads(user)
        creds = user.credentials
        creds.fingerprints, creds.palms = {}, {}
        for slots, wanted in reads:
            found = 0
            for backupnum in slots:
                answer = await self._user_info(user.user_id, backupnum)
                if answer is not None:
                    add_template(user, backupnum, answer)
                    found += 1
                    if found == wanted:
                        break
        # Markers of templates the device did not hand over are not templates.
        creds.face = creds.face or None
        creds.photo = creds.photo or None

    async def set_users(
        self, users: Sequence[User], *, keep_held_credentials: Collection[str] = ()
    ) -> None:
        """Write each user's basic fields, then password, templates, photo and enable flag."""
        await self.write_each(users, self._write_user)

    async def _write_user(self, user: User) -> None:
        await self.client.call("setuserinfo", basic_fields(user))
        for document in template_writes(user):
            await self.client.call("setuserinfo", document)
        if (lock := lock_record(user, self.zone)) is not None:
            await self.client.call("setuserlock", {"count": 1, "record": [lock]})
        await self.client.call(
            "enableuser", {"enrollid": user.user_id, "enflag": int(user.enabled)}
        )

    # -- access rules ----------------------------------------------------------------------

    @property
    def access_profile(self) -> AccessProfile:
        """Return what the terminal holds (day and week zones, holidays; one door)."""
        return weekzones.profile_of(1, use_counts=False)

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
        zones = {"dayzone": tables["dayzone"], "weekzone": tables["weekzone"]}
        await self.client.call("setdevlock", zones)
        await self.client.call("setholiday", {"holidays": tables["holidays"]})

    async def holds_access_tables(self, tables: Mapping[str, Any]) -> bool:
        """Read the holidays back (`getholiday`): False when they are not those written."""
        answer = await self.client.call("getholiday")
        return weekzones.holds_holidays(answer.get("holidays"), tables["holidays"])

    async def delete_users(self, user_ids: Sequence[str] | None) -> None:
        """Delete users (`deleteuser` each), or every user (`cleanuser`)."""
        if user_ids is None:
            await self.client.call("cleanuser")
            self.invalidate_info()
            return
        await self.delete_each(
            user_ids,
            lambda user_id: self.client.call(
                "deleteuser", {"enrollid": user_id, "backupnum": BACKUP_WHOLE_USER}
            ),
            USER_NOT_FOUND,
        )

    async def delete_credential(self, user_id: str, credential: Credential) -> None:
        """Delete one kind of credential of a user, keeping the user.

        Face, fingerprints and palms have commands of their own (`deleteuserface`,
        `deleteuserfp`, `deleteuserpalm`); a card or password is `deleteuser` with its backupnum.
        """
        command, backupnum = _CREDENTIAL_DELETES[credential]
        fields: dict[str, Any] = {"enrollid": user_id}
        if backupnum is not None:
            fields["backupnum"] = backupnum
        await self.client.call(command, fields)
        self.invalidate_info()

    async def start_enrollment(
        self, user_id: str, credential: Credential, index: int | None = None
    ) -> None:
        """Put the device in enrollment mode (`adduser`); `checkregstatus` follows it."""
        self.require(Operation.ENROLL)
        backupnum = backupnum_for(credential, index)
        await self.client.call("adduser", {"enrollid": user_id, "backupnum": backupnum})

        async def query() -> JobState:
            return enrollment_state(
                await self.client.call(
                    "checkregstatus", {"enrollid": user_id, "backupnum": backupnum}
                )
            )

        async def finish(_state: JobState) -> None:
            self.invalidate_info()

        self.follow_enrollment(
            Enrollment(user_id=user_id, credential=credential, query=query, finish=finish)
        )

    # -- firmware --------------------------------------------------------------------------

    async def push_firmware(self, firmware: FirmwareImage) -> None:
        """Upload the image in base64 blocks (`upgrade`); an interrupted upload resumes.

        Each block is tried a few times; the device checks the whole image against the MD5
        once the last block arrived.
        """
        data = firmware.data
        total = max((len(data) + FIRMWARE_BLOCK - 1) // FIRMWARE_BLOCK, 1)
        first = 0
        if self._upgrade is not None and self._upgrade[0] == firmware.md5:
            first = self._upgrade[1]
        filename = f"firmware-{firmware.version or firmware.md5[:8]}.pkg"
        progress = self.progress["firmware"] = {"md5": firmware.md5, "sent": first, "total": total}
        for index in range(first, total):
            block = data[index * FIRMWARE_BLOCK : (index + 1) * FIRMWARE_BLOCK]
            document = {
                "filename": filename,
                "md5": firmware.md5,
                "index": index,
                "total": total,
                "size": len(data),
                "record": base64.b64encode(block).decode(),
            }
            await self._send_block(document)
            self._upgrade = (firmware.md5, index + 1)
            progress["sent"] = index + 1
            if firmware.progress is not None:
                firmware.progress((index + 1) / total)
            self.listener.state_changed()
        self._upgrade = None

    async def _send_block(self, document: Mapping[str, Any]) -> None:
        """Send one block, again after a network failure (the device ignores a repeat)."""
        for attempt in range(1, BLOCK_ATTEMPTS + 1):
            try:
                await self.client.call("upgrade", document, wait=30.0)
            except UnreachableError as err:
                if attempt == BLOCK_ATTEMPTS:
                    raise
                _LOGGER.debug("%s: block %s again: %s", self.serial, document["index"], err)
            else:
                return

    def diagnostics(self) -> dict[str, Any]:
        """Return progress, lock mode and the upload to resume."""
        return {
            **super().diagnostics(),
            "lock_mode": self._lock_mode,
            "language": self.language,
            "languages": self.languages,
            "upgrade_resume": None if self._upgrade is None else self._upgrade[1],
            "enabled": self.enabled,
        }


def _devinfo(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    devinfo = answer.get("devinfo")
    return devinfo if isinstance(devinfo, dict) else {}
