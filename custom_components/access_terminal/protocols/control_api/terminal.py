"""The device control interface terminal (specs/001_0944bd5a8bd87614.txt): we call the device.

Attendance logs arrive two ways, both ending in the same cursor (`next_pos`, persisted): the
device's log uploader posts them to Home Assistant when it can be configured, otherwise every
poll reads them with `GetAttendLog`. A batch reaches the listener before the cursor moves past
it, so neither a restart nor a lost answer leaves a gap, and the record ledger drops repeats.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
import logging
from typing import Any

import aiohttp

from ..access import AccessPlan, AccessProfile, DoorSchedules, PersonPolicy
from ..codec import naive_time, optional_int, optional_str
from ..errors import (
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    ProtocolError,
)
from ..fields import read_count, read_text
from ..history import recovered
from ..model import (
    USER_OPERATIONS,
    Bell,
    ClearableData,
    Credential,
    EventCategory,
    Family,
    Feature,
    Operation,
    Period,
    RotaEntry,
    TerminalInfo,
    TerminalListener,
    Usage,
    User,
)
from ..pull import DeviceAddress, Enrollment, JobState, PullTerminal, zone_of_clock
from ..settings import SettingAddress, SettingValue
from .access import PROFILE, access_payload, compile_access
from .client import USER_NOT_FOUND, ControlApiClient
from .logs import LogBatch, parse_batch
from .schedules import (
    BELLS,
    ROTA_DAYS,
    SHIFTS,
    rota_from,
    rota_payload,
    with_bell,
    with_shift,
)
from .settings import FIELDS, GROUPS, SETTINGS, SettingGroup
from .users import department_names, user_from_info, user_payload

_LOGGER = logging.getLogger(__name__)

# Log pages read per poll (a device returns about a hundred logs a page).
MAX_LOG_PAGES = 50
# Log pages a recovery reads at most (a device holds some 400,000 logs).
MAX_RECOVERY_PAGES = 10_000
MAX_USER_PAGES = 10_000
UPLOAD_INTERVAL = 10  # seconds between two uploads of the device (the document allows 5-3600)

_ENROLL_COMMANDS = {
    Credential.FACE: "BeginEnrollFace",
    Credential.FINGERPRINT: "BeginEnrollFp",
    Credential.CARD: "BeginEnrollCard",
    Credential.PALM: "BeginEnrollPalm",
}
_CAPABILITY_FEATURES = {
    "face": Feature.FACE,
    "vrface": Feature.FACE,
    "fingerprint": Feature.FINGERPRINT,
    "card": Feature.CARD,
    "palm": Feature.PALM,
    "password": Feature.PASSWORD,
}
# usage key -> (GetCurrentUsage key, GetCapacityLimit key)
_USAGE = {
    "users": ("user_count", "max_user"),
    "faces": ("face_count", "max_face"),
    "fingerprints": ("fp_count", "max_fp"),
    "palms": ("palm_count", "max_palm"),
    "cards": ("card_count", None),
    "passwords": ("password_count", None),
    "admins": ("manager_count", None),
    "logs": ("attend_log_count", "max_attend_log"),
}
# PhotoToFacedata's states ("Can be one of:") in words.
PHOTO_STATES = {
    "succeeded": "converted, but no face template came back",
    "process_fail": "no face could be taken from the photo",
    "decode_fail": "the photo is not a readable JPEG",
    "dimension_overflow": "the photo is larger than 480 x 640 pixels",
}
# DeviceControl actions of the document ("Clear managers"...; "Clear users": `delete_users`).
CLEAR_ACTIONS = {
    ClearableData.ADMINISTRATORS: "ClearAdmins",
    ClearableData.ADMIN_LOG: "ClearAdminLog",
}


def job_state(payload: Mapping[str, Any]) -> JobState:
    """Read a JobStatus payload (pending, succeeded, failed)."""
    state = (optional_str(payload.get("state")) or "pending").lower()
    if state == "pending":
        return JobState(done=False)
    if state == "succeeded":
        return JobState(done=True, succeeded=True, data=payload)
    return JobState(done=True, reason="failed or cancelled at the device")


def info_from_payloads(
    serial: str,
    version: Mapping[str, Any],
    capabilities: Mapping[str, Any],
    limits: Mapping[str, Any],
    usage: Mapping[str, Any],
) -> TerminalInfo:
    """Build TerminalInfo from the version, capability, capacity and usage answers."""
    features = {feat for key, feat in _CAPABILITY_FEATURES.items() if capabilities.get(key) is True}
    return TerminalInfo(
        serial=serial,
        family=Family.CONTROL_API,
        firmware=read_text(version.get("firmware_version")),
        features=frozenset(features),
        doors=0,  # the interface has no door commands: an attendance terminal
        usage={
            key: Usage(read_count(usage.get(used)), read_count(limits.get(cap)) if cap else None)
            for key, (used, cap) in _USAGE.items()
            if used in usage or (cap is not None and cap in limits)
        },
    )


class ControlApiTerminal(PullTerminal):
    """A terminal with the device control interface, reached over HTTP(S)."""

    family = Family.CONTROL_API
    poll_interval = 15.0
    # An attendance terminal: punches and enrollment outcomes, no door, no alarm.
    event_categories = frozenset({EventCategory.ACCESS, EventCategory.ADMIN})
    operations = USER_OPERATIONS | {
        Operation.SET_TIME,
        Operation.ACCESS_RULES,
        Operation.RECOVER_RECORDS,
        Operation.CLEAR_RECORDS,
        Operation.FACTORY_RESET,
        Operation.CLEAR_DATA,
        Operation.BELLS,
        Operation.SHIFTS,
        Operation.USER_SHIFTS,
    }
    clearable = frozenset(CLEAR_ACTIONS)
    bells = BELLS
    shifts = SHIFTS
    rota_days = ROTA_DAYS

    def __init__(
        self,
        serial: str,
        listener: TerminalListener,
        *,
        session: aiohttp.ClientSession,
        address: DeviceAddress,
        api_key: str,
        zone: tzinfo,
        upload_url: str | None = None,
    ) -> None:
        """Reach the device at `address`; `upload_url` is where its log uploader should post."""
        super().__init__(serial, listener, zone=zone)
        self.doors = {}
        self.client = ControlApiClient(session, address, api_key)
        self.upload_url = upload_url
        self.next_pos: int | None = None
        # None: not configured yet this run; False: the device refused it (poll instead).
        self.uploader: bool | None = None
        self._intake = asyncio.Lock()
        self._gap_asked: int | None = None
        # Set while users are written (the terminal is locked); still set if unlocking failed.
        self._locked = False
        self._settings_offered = False

    @staticmethod
    async def read_serial(client: ControlApiClient) -> str:
        """Return the device's unique id, used as its serial (to add it)."""
        serial = optional_str(
            (await client.call("GetDeviceUid", expect="DeviceUid")).get("device_uid")
        )
        if serial is None:
            raise ProtocolError("the device did not say its unique id")
        return serial

    # -- persisted cursor ------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """Return the log cursor."""
        return {"next_pos": self.next_pos}

    def restore_state(self, data: Mapping[str, Any]) -> None:
        """Reload the log cursor."""
        self.next_pos = optional_int(data.get("next_pos"))

    # -- polling ---------------------------------------------------------------------------

    async def _read_info(self) -> None:
        call = self.client.call
        version = await call("GetVersionInfo", expect="VersionInfo")
        capabilities = await self._optional("GetDeviceCapabilities", "DeviceCapabilities")
        limits = await call("GetCapacityLimit", expect="CapacityLimit")
        usage = await call("GetCurrentUsage", expect="CurrentUsage")
        self.info = info_from_payloads(self.serial, version, capabilities, limits, usage)
        if not self._settings_offered:
            # Once: groups the firmware refuses are dropped when read, and stay dropped.
            self.settings = dict(SETTINGS)
            self._settings_offered = True
        await self._learn_zone()
        if self.uploader is not False and self.upload_url:
            await self._configure_uploader()

    async def _learn_zone(self) -> None:
        """Learn the zone of the terminal's clock from its time (the interface names none).

        Its logs carry its local time: a terminal on another zone than Home Assistant's would
        otherwise report every access hours in the future or the past.
        """
        try:
            answer = await self.client.call("GetDeviceTime", expect="DeviceTime")
        except DeviceError:
            return  # firmware without it: Home Assistant's zone
        clock = naive_time(answer["time"]) if isinstance(answer.get("time"), str) else None
        if clock is None:
            return
        zone = zone_of_clock(clock, datetime.now(UTC), self.default_zone)
        if zone != self.device_zone:
            if zone is not None:
                _LOGGER.info(
                    "Terminal %s keeps its clock at UTC%s, not in Home Assistant's time zone: "
                    "its logs are read on that time",
                    self.serial,
                    datetime.now(zone).strftime("%z"),
                )
            self.device_zone = zone

    async def _optional(self, cmd: str, expect: str) -> dict[str, Any]:
        """Run a command older firmware may not know; {} when refused."""
        try:
            return await self.client.call(cmd, expect=expect)
        except DeviceError:
            return {}

    async def _configure_uploader(self) -> None:
        """Point the device's log uploader at Home Assistant (or note that it cannot)."""
        if self.uploader:
            status = await self.client.call(
                "GetAttendLogUploaderStatus", expect="AttendLogUploaderStatus"
            )
            if optional_str(status.get("status")) == "active":
                return
        try:
            await self.client.call(
                "ConfigAttendLogUploader",
                {"target_uri": self.upload_url, "interval": UPLOAD_INTERVAL},
            )
        except DeviceError as err:
            _LOGGER.info("%s: no log uploader (%s): polling the logs", self.serial, err.reason)
            self.uploader = False
        else:
            self.uploader = True

    async def _read_state(self) -> None:
        if self._locked:
            await self._lock(locked=False)  # a write was cut short: let people verify again
        if self.uploader:
            # The device posts its logs; a cheap call tells it is still there.
            await self.client.call("GetDeviceTime", expect="DeviceTime")
            return
        async with self._intake:
            await self._read_logs()

    async def _read_logs(self) -> None:
        """Read the logs from the cursor on (the caller holds the intake lock)."""
        for _ in range(MAX_LOG_PAGES):
            start = self.next_pos or 0
            payload = await self.client.call(
                "GetAttendLog", {"start_pos": start}, expect="AttendLog"
            )
            batch = parse_batch(payload, self.zone, datetime.now(self.zone), default_start=start)
            if batch.next_pos < start:
                # The device's logs were cleared: its positions start over.
                self._move_cursor(0)
                continue
            await self._take(batch)
            if not (batch.records or batch.refused) or batch.next_pos <= start:
                return

    async def _take(self, batch: LogBatch) -> None:
        """Hand a batch to the listener, then move the cursor past it.

        Past its unreadable logs too: they are logged with their content, not asked for again.
        """
        self.problems.note_all("attendance log", batch.refused)
        if batch.records:
            await self.listener.records(batch.records)
        if self._move_cursor(batch.next_pos) and batch.records:
            # After a crash, logs are read again from the saved position: the saved ledger
            # must already know those handled before it.
            await self.listener.commit()

    def _move_cursor(self, position: int) -> bool:
        if position == self.next_pos:
            return False
        self.next_pos = position
        self.listener.persist()
        return True

    async def handle_upload(self, document: Any) -> dict[str, Any]:
        """Answer the log uploader ("Automatic reporting of attendance records").

        The first request is empty: answer where to start (nothing when we never got a log).
        Later ones carry logs: take them and answer where to continue. A batch that starts
        after our cursor leaves a gap, so the device is asked once to go back to the cursor.
        """
        if not isinstance(document, dict):
            raise ProtocolError("expected a JSON object")
        self.listener.seen()
        async with self._intake:
            if "logs" not in document and "start_pos" not in document:
                return {} if self.next_pos is None else {"next_upload_pos": self.next_pos}
            batch = parse_batch(document, self.zone, datetime.now(self.zone), default_start=0)
            cursor = self.next_pos or 0
            if batch.start_pos > cursor and self._gap_asked != batch.start_pos:
                self._gap_asked = batch.start_pos
                return {"next_upload_pos": cursor}
            self._gap_asked = None
            await self._take(batch)
            return {"next_upload_pos": batch.next_pos}

    # -- history ---------------------------------------------------------------------------

    async def recover_records(self, start: datetime, end: datetime) -> int:
        """Read the attendance log again from its first position (`GetAttendLog`).

        The interface has no query by time: every log before the cursor is read and those of
        the range kept (the logs from the cursor on are new ones: the next read takes them, as
        it does when nobody recovers anything). Returns how many fall in the range.
        """
        count, position, cursor = 0, 0, self.next_pos or 0
        for _ in range(MAX_RECOVERY_PAGES):
            if position >= cursor:
                return count
            payload = await self.client.call(
                "GetAttendLog", {"start_pos": position}, expect="AttendLog"
            )
            batch = parse_batch(payload, self.zone, datetime.now(self.zone), default_start=position)
            self.problems.note_all("attendance log", batch.refused)
            before_cursor = [r for r in batch.records if (r.record_id or 0) < cursor]
            if records := recovered(before_cursor, start, end):
                await self.listener.records(records)
                count += len(records)
            if not (batch.records or batch.refused) or batch.next_pos <= position:
                return count
            position = batch.next_pos
        raise ProtocolError("the attendance log does not end")

    async def clear_records(self) -> None:
        """Take the logs not read yet, then erase the log up to there (`EraseAttendLog`).

        A log recorded in between stays for the next read: nothing is erased unseen.
        """
        async with self._intake:
            await self._read_logs()
            if self.next_pos:
                await self.client.call("EraseAttendLog", {"end_pos": self.next_pos})
        self.invalidate_info()

    # -- device ----------------------------------------------------------------------------

    async def set_time(self, now: datetime) -> None:
        """Set the device clock to `now` in the device's zone (`SetDeviceTime`)."""
        local = now.astimezone(self.zone)
        await self.client.call("SetDeviceTime", {"time": local.strftime("%Y-%m-%dT%H:%M:%S")})

    # -- settings --------------------------------------------------------------------------

    async def read_settings(self) -> None:
        """Read every group of settings this terminal has (`Get<group>`).

        A group the firmware does not know is dropped from `settings` (its entities become
        unavailable); a value out of its range is counted as a problem and not shown.
        """
        for group in GROUPS:
            if not any(field.spec.setting in self.settings for field in group.fields):
                continue
            try:
                payload = await self.client.call(f"Get{group.name}", expect=group.name)
            except DeviceError as err:
                _LOGGER.info("%s: no %s (%s)", self.serial, group.name, err.reason)
                for field in group.fields:
                    self.settings.pop(field.spec.setting, None)
                continue
            self._take_settings(group, payload)

    def _take_settings(self, group: SettingGroup, payload: Mapping[str, Any]) -> None:
        for field in group.fields:
            address = SettingAddress(field.spec.setting, field.door)
            try:
                self.setting_values[address] = field.read(payload[field.key])
            except (KeyError, TypeError, ValueError) as err:
                self.setting_values.pop(address, None)
                self.problems.note(f"setting {field.key}", err, dict(payload))

    async def write_setting(self, address: SettingAddress, value: SettingValue) -> None:
        """Write one setting: `Set<group>` with the group's other values as the terminal has."""
        if address.setting not in self.settings:
            raise NotSupportedError(f"setting {address.setting}")
        group, field = FIELDS[address.setting]
        payload: dict[str, Any] = {}
        if len(group.fields) > 1:
            # The Set takes the whole group: the others as they are now (changed at the menu?).
            payload = dict(await self.client.call(f"Get{group.name}", expect=group.name))
        payload[field.key] = field.write(value)
        await self.client.call(f"Set{group.name}", payload)
        self._take_settings(group, payload)

    # -- actions -----------------------------------------------------------------------------

    async def factory_reset(self) -> None:
        """Erase users, logs and settings (`DeviceControl` ClearAllData)."""
        await self.client.call("DeviceControl", {"Action": "ClearAllData"})
        self.next_pos = None  # the log starts over
        self.listener.persist()
        self.setting_values.clear()
        self.invalidate_info()

    async def clear_data(self, what: Collection[ClearableData]) -> None:
        """Clear administrator rights or the administration log (`DeviceControl`)."""
        for item, action in CLEAR_ACTIONS.items():
            if item in what:
                await self.client.call("DeviceControl", {"Action": action})
        self.invalidate_info()

    async def set_bell(self, bell: Bell) -> None:
        """Set one of the 24 bells (`GetBellSetting`, then `SetBellSetting` with all of them)."""
        current = await self.client.call("GetBellSetting", expect="BellSetting")
        await self.client.call("SetBellSetting", with_bell(current, bell))

    async def set_shift(self, shift: int, periods: Sequence[Period]) -> None:
        """Set one of the 24 shifts (`GetShiftSetting`, then `SetShiftSetting` with all)."""
        current = await self.client.call("GetShiftSetting", expect="ShiftSetting")
        await self.client.call("SetShiftSetting", with_shift(current, shift, periods))

    async def set_user_shifts(
        self, user_id: str, start: date, days: Sequence[RotaEntry]
    ) -> list[RotaEntry]:
        """Write a person's 100-day rota (`SetUserShift`); return it as held (`GetUserShift`)."""
        await self.client.call("SetUserShift", rota_payload(user_id, start, days))
        held = await self.client.call("GetUserShift", {"id": user_id}, expect="UserShift")
        return rota_from(held)

    async def _lock(self, *, locked: bool) -> None:
        """Keep people from verifying while users change (`LockDevice`), as the document advises.

        Firmware without the command is written to unlocked; an unlock the terminal did not take
        is tried again at each poll.
        """
        try:
            await self.client.call("LockDevice", {"is_locked": "yes" if locked else "no"})
        except DeviceError as err:
            _LOGGER.debug("%s: LockDevice refused (%s)", self.serial, err.reason)
            return
        self._locked = locked

    # -- users -----------------------------------------------------------------------------

    def canonical_user_id(self, user_id: str) -> str:
        """Return the id as the device stores it (text of up to 32 characters)."""
        text = user_id.strip()
        if not text or len(text) > 32:
            raise InvalidRequestError(f"not a user id of this terminal: {user_id!r}")
        return text

    async def list_users(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = True
    ) -> list[User]:
        """Read all users (paged `GetUserIdList`, then `GetUserInfo`) or the given ones."""
        ids = await self._user_ids() if user_ids is None else list(user_ids)
        users = []
        for user_id in ids:
            try:
                payload = await self.client.call("GetUserInfo", {"id": user_id}, expect="UserInfo")
            except DeviceError as err:
                if err.code == USER_NOT_FOUND:
                    continue  # deleted meanwhile, or never there
                raise
            if (user := user_from_info(payload, with_credentials=with_credentials)) is not None:
                users.append(user)
        return users

    async def _user_ids(self) -> list[str]:
        ids: dict[str, None] = {}
        request: dict[str, Any] = {}
        for _ in range(MAX_USER_PAGES):
            payload = await self.client.call("GetUserIdList", request, expect="UserIdList")
            page = payload.get("user_id")
            page = page if isinstance(page, list) else []
            ids.update((str(item), None) for item in page if isinstance(item, str | int))
            next_page = optional_int(payload.get("next_page_pos"))
            if next_page is None or not page or next_page <= request.get("start_pos", 0):
                return list(ids)
            request = {"start_pos": next_page}
        raise ProtocolError("the user id list does not end")

    async def set_users(
        self, users: Sequence[User], *, keep_held_credentials: Collection[str] = ()
    ) -> None:
        """Write each user (`SetUserInfo`), then their rights and validity (`SetAcUserInfo`).

        Templates a user does not bring are kept if asked; a photo becomes the face template
        (`PhotoToFacedata`), the only way this interface takes one.
        """

        async def write(user: User) -> None:
            keep = user.user_id in keep_held_credentials
            payload = user_payload(user, keep_held_credentials=keep)
            if (photo := user.credentials.photo) and not payload.get("face"):
                payload["face"] = await self._face_from_photo(photo)
            await self.client.call("SetUserInfo", payload)
            await self.client.call("SetAcUserInfo", access_payload(user, self.zone))

        await self._add_departments({user.department for user in users if user.department})
        await self._lock(locked=True)
        try:
            await self.write_each(users, write)
        finally:
            if self._locked:
                await self._lock(locked=False)

    async def _add_departments(self, names: set[str]) -> None:
        """Create the departments users are written with that the terminal lacks (`SetDept`).

        Its attendance reports group people by department; a name it does not know is stored
        with the user but belongs to no department. A terminal that cannot (older firmware, its
        100 departments used) still takes the users: it is logged.
        """
        if not names:
            return
        try:
            held = department_names(await self.client.call("GetDeptList", expect="DeptList"))
            for name in sorted(names - held):
                await self.client.call("SetDept", {"Action": "Add", "dept_new": name})
        except DeviceError as err:
            _LOGGER.info("%s: departments not created (%s)", self.serial, err.reason)

    async def _face_from_photo(self, photo: bytes) -> str:
        answer = await self.client.call(
            "PhotoToFacedata",
            {"photo": base64.b64encode(photo).decode()},
            expect="PhotoToFaceData",
        )
        state = read_text(answer.get("state")) or "no state"
        face = optional_str(answer.get("face_data"))
        if state != "succeeded" or face is None:
            words = PHOTO_STATES.get(state, "no face template came back")
            raise InvalidRequestError(f"the terminal could not use the photo: {words} ({state})")
        return face

    # -- access rules ----------------------------------------------------------------------

    @property
    def access_profile(self) -> AccessProfile:
        """Return what the terminal holds (day zones; no holidays, no doors of its own)."""
        return PROFILE

    def compile_access(
        self,
        policies: Sequence[PersonPolicy],
        today: date,
        doors: DoorSchedules | None = None,
    ) -> AccessPlan:
        """Compile day zones and each person's week of them (see access.py)."""
        return compile_access(policies, today)

    async def set_access_tables(self, tables: Mapping[str, Any]) -> None:
        """Write the 255 day zones (`SetAcTimeZone`)."""
        await self.client.call("SetAcTimeZone", {"zones": tables["zones"]})

    async def holds_access_tables(self, tables: Mapping[str, Any]) -> bool:
        """Read the 255 day zones back (`GetAcTimeZone`): False when they are not those written."""
        answer = await self.client.call("GetAcTimeZone", expect="AcTimeZone")
        return bool(answer.get("zones") == tables["zones"])

    async def delete_users(self, user_ids: Sequence[str] | None) -> None:
        """Delete users (`DeleteUserInfo` each), or every user (`DeviceControl` ClearUsers)."""
        if user_ids is None:
            await self.client.call("DeviceControl", {"Action": "ClearUsers"})
            self.invalidate_info()
            return
        await self.delete_each(
            user_ids,
            lambda user_id: self.client.call("DeleteUserInfo", {"id": user_id}),
            USER_NOT_FOUND,
        )

    async def start_enrollment(
        self, user_id: str, credential: Credential, index: int | None = None
    ) -> None:
        """Start an enrollment job; when it succeeds, the template is written to the user."""
        command = _ENROLL_COMMANDS.get(credential)
        if command is None:
            raise InvalidRequestError(f"this terminal cannot enroll a {credential} remotely")
        if self.progress.get("enrollment", {}).get("state") != "pending":
            # A job we no longer follow (started before a restart) keeps the terminal busy.
            await self.client.call("CancelAllJobs")
        created = await self.client.call(command, expect="JobCreated")
        job_id = optional_int(created.get("job_id"))
        if job_id is None:
            raise ProtocolError(f"{command}: no job id in the answer")

        async def query() -> JobState:
            return job_state(
                await self.client.call("QueryJobStatus", {"job_id": job_id}, expect="JobStatus")
            )

        async def cancel() -> None:
            await self.client.call("CancelJob", {"job_id": job_id})

        async def finish(state: JobState) -> None:
            await self._store_enrolled(user_id, credential, index, state.data or {})

        self.follow_enrollment(
            Enrollment(
                user_id=user_id, credential=credential, query=query, finish=finish, cancel=cancel
            )
        )

    async def _store_enrolled(
        self, user_id: str, credential: Credential, index: int | None, data: Mapping[str, Any]
    ) -> None:
        """Write what the job captured to the user (created if new)."""
        payload: dict[str, Any] = {"id": user_id}
        if credential is Credential.FACE:
            payload["face"] = optional_str(data.get("face_data")) or ""
        elif credential is Credential.CARD:
            payload["card"] = optional_str(data.get("card_data")) or ""
        else:
            key, field = (
                ("fp", "fp_data") if credential is Credential.FINGERPRINT else ("palm", "palm_data")
            )
            template = optional_str(data.get(field))
            if template is None:
                raise ProtocolError(f"the job finished without {field}")
            held = await self._held_templates(user_id, key)
            slot = min(index if index is not None else len(held), len(held))
            payload[key] = [*held[:slot], template, *held[slot + 1 :]]
        await self.client.call("SetUserInfo", payload)
        self.invalidate_info()

    async def _held_templates(self, user_id: str, key: str) -> list[str]:
        try:
            payload = await self.client.call("GetUserInfo", {"id": user_id}, expect="UserInfo")
        except DeviceError as err:
            if err.code == USER_NOT_FOUND:
                return []
            raise
        held = payload.get(key)
        return [item for item in held if isinstance(item, str)] if isinstance(held, list) else []

    def diagnostics(self) -> dict[str, Any]:
        """Return progress, the log cursor and how logs arrive."""
        return {
            **super().diagnostics(),
            "next_pos": self.next_pos,
            "uploader": self.uploader,
        }
