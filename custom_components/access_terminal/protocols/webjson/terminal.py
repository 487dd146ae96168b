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
from ..access import AccessPlan, AccessProfile, PersonPolicy, TimeRule
from ..aiface_settings import SETTINGS, AiFaceSettings, Group, clock_offset
from ..codec import optional_int, optional_str, parse_local_time
from ..errors import (
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    ProtocolError,
    UnreachableError,
)
from ..fields import read_each
from ..model import (
    DOOR_MODE_OPERATIONS,
    USER_OPERATIONS,
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
from ..settings import SettingAddress, SettingValue
from .client import USER_NOT_FOUND, WebJsonClient
from .records import (
    LOCK_HOLD_OPEN,
    LOCK_LOCKOUT,
    LOCK_NORMAL,
    door_change_record,
    door_from_status,
    info_from_reg,
    rtlog_items,
    rtlog_record,
)
from .users import (
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
            Operation.FACTORY_RESET,
            Operation.ELEVATOR,
            Operation.CLEAR_ADMINS,
        }
    )

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
        # Where an interrupted firmware upload stands: (md5, next block), to resume it.
        self._upgrade: tuple[str, int] | None = None
        # Terminal and access parameters (protocols/aiface_settings.py); this document spells
        # the terminal's in capitals (`VOLUME`, `LANGUAGE`).
        self.settings = dict(SETTINGS)
        self._parameters = AiFaceSettings(capitals=frozenset({Group.TERMINAL}))

    # -- polling ---------------------------------------------------------------------------

    async def _read_info(self) -> None:
        answer = await self.client.call("reg")
        self.device_zone = parse_zone(_devinfo(answer).get("timezone"))
        self.info = info_from_reg(self.serial, answer)

    async def _read_state(self) -> None:
        # Records first: they exist nowhere else once read.
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
        door = door_from_status(await self.client.call("getdoorstatus"), self._lock_mode)
        before = self.doors.get(1)
        if before != door:
            self.doors = {1: door}
            self.listener.state_changed()
            if (change := door_change_record(before, door, datetime.now(self.zone))) is not None:
                await self.listener.records([change])

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

    async def floor_control(self, floors: Sequence[int] | None, action: DoorAction) -> None:
        """Grant every floor (`openallfloors`) or take that back (`closeallfloors`)."""
        command = _ALL_FLOORS.get(action)
        if floors is not None or command is None:
            raise NotSupportedError(f"elevator {action} of selected floors or for a moment")
        await self.client.call(command)

    async def clear_admins(self) -> None:
        """Make every administrator a normal user (`cleanadmin`)."""
        await self.client.call("cleanadmin")

    async def factory_reset(self) -> None:
        """Clear every user and record and restore some settings (`initsys`), then read them."""
        await self.client.call("initsys")
        self.invalidate_info()
        await self.read_settings()

    # -- settings --------------------------------------------------------------------------

    async def read_settings(self) -> None:
        """Read the terminal and access parameters (`getdevinfo`, `getdevlock`)."""
        values = await self._parameters.read_from(self.client.call, 1, self.problems)
        self.setting_values.update(values)
        self.clock_offset = clock_offset(await self.get_time())

    async def get_time(self) -> datetime | None:
        """Read the terminal's clock (`gettime`)."""
        answer = await self.client.call("gettime")
        return parse_local_time(optional_str(answer.get("time")), self.zone)

    async def write_setting(self, address: SettingAddress, value: SettingValue) -> None:
        """Write one parameter alone (`setdevinfo` or `setdevlock`: the zones are not sent)."""
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
        users = []
        for user_id in user_ids:
            answer = await self._user_info(user_id)
            if answer is not None and (user := user_from_listing(answer)) is not None:
                users.append(user)
        return users

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
        free_open: Mapping[int, TimeRule] | None = None,
    ) -> AccessPlan:
        """Compile day zones, week zones, holidays and rights (see protocols/weekzones.py)."""
        return weekzones.compile_access(policies, self.access_profile, today)

    async def set_access_tables(self, tables: Mapping[str, Any]) -> None:
        """Write the day and week zones (`setdevlock`), then the holidays (`setholiday`)."""
        zones = {"dayzone": tables["dayzone"], "weekzone": tables["weekzone"]}
        await self.client.call("setdevlock", zones)
        await self.client.call("setholiday", {"holidays": tables["holidays"]})

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
            "upgrade_resume": None if self._upgrade is None else self._upgrade[1],
        }


def _devinfo(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    devinfo = answer.get("devinfo")
    return devinfo if isinstance(devinfo, dict) else {}
