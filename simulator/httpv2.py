"""HTTPv2 face terminal: the device polls the server over HTTP and does what the answers ask.

One keep-alive per interval; a `Success: 1` answer may flag work, done in the document's priority
order (UploadWorkParameter > Remote > SyncParameter > DeletePeople > AddPeople), then the device
uploads what it has queued (people changed in its menu, system records, identify records).
Any refusal (`Success` 401/403/400, HTTP >= 400) or failure silences the device until the next
keep-alive, and nothing queued is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Awaitable
import contextlib
import logging
from typing import Any, Final, Literal, TypedDict, Unpack

import aiohttp

from simulator.cli import SimulatorFamily, add_common_arguments, device_options, run_demo, seconds
from simulator.common import Forwarded, demo_name, jpeg_photo, md5_hex, random_digits
from simulator.device_loop import PollingDevice
from simulator.httpv2_access import RECORD_FACE, UNLIMITED, decide, local_now, scheduled_open
from simulator.httpv2_people import (
    UINT32_MAX,
    PersonChecker,
    PersonRejectedError,
    parse_uint,
    person_detail,
)
from simulator.httpv2_settings import initial_settings, people_storage, record_storage
from simulator.httpv2_transport import FormPart, HttpV2Transport, as_int, json_bytes
from simulator.transport import ExchangeError

_LOGGER = logging.getLogger(__name__)

PATH_KEEPALIVE: Final = "/Device/Keepalive"
PATH_UPLOAD_SETTING: Final = "/Device/UploadWorkSetting"
PATH_DOWNLOAD_SETTING: Final = "/Device/DownloadWorkSetting"
PATH_REMOTE_COMMAND: Final = "/Device/RemoteCommand"
PATH_ENROLL_RESULT: Final = "/Device/RegisterIdentifyTicketResult"
PATH_SNAPSHOT: Final = "/Device/UploadSnapshoot"
PATH_AUTHORIZATION: Final = "/Device/RequestAuthorization"
PATH_DOWNLOAD_PEOPLE: Final = "/People/DownloadPeopleList"
PATH_DOWNLOAD_RESULT: Final = "/People/DownloadPeopleListResult"
PATH_DELETE_PEOPLE: Final = "/People/DeletePeopleList"
PATH_DELETE_RESULT: Final = "/People/DeletePeopleListResult"
PATH_PUSH_PEOPLE: Final = "/People/PushPeople"
PATH_IDENTIFY_RECORD: Final = "/Record/UploadIdentifyRecord"
PATH_SYSTEM_RECORD: Final = "/Record/UploadSystemRecord"

KIND_DOOR: Final = 1
KIND_SYSTEM: Final = 2
# Door contact records (kind 1) and system records (kind 2), codes from the document's tables.
DOOR_OPENED: Final = 1
DOOR_CLOSED: Final = 2
SYS_SOFTWARE_OPEN: Final = 1
SYS_SOFTWARE_CLOSE: Final = 2
SYS_SOFTWARE_HOLD_OPEN: Final = 3
SYS_SCHEDULED_OPEN: Final = 4
SYS_SCHEDULED_CLOSE: Final = 5
SYS_SOFTWARE_LOCK: Final = 8
SYS_SOFTWARE_UNLOCK: Final = 9
SYS_POWER_ON: Final = 28
# Alarm name in AlarmStatus -> (system record when raised, system record when cleared).
ALARM_RECORDS: Final[dict[str, tuple[int, int]]] = {
    "illegal": (14, 21),
    "doorSensor": (15, 22),
    "password": (16, 23),
    "openTimeout": (17, 24),
    "blacklist": (18, 25),
    "fire": (19, 26),
    "anti": (20, 27),
}

# The work setting that must be on for the hardware to raise each alarm.
ALARM_SWITCHES: Final[dict[str, str]] = {
    "illegal": "IllegalVerificationAlarm",
    "doorSensor": "DoorSensorAlarm",
    "password": "PasswordAlarm",
    "openTimeout": "DoorLongOpenAlarm",
    "blacklist": "BlacklistAlarm",
    "fire": "FireAlarm",
    "anti": "AntiDisassemblyAlarm",
}

PUSH_ADDED: Final = 1
PUSH_UPDATED: Final = 2
PUSH_DELETED: Final = 3
PUSH_QUERIED: Final = 4

RECORD_REPEATED: Final = 15
RECORD_UNREGISTERED: Final = 19
RECORD_USER_ADDED: Final = 33
RECORD_USER_CHANGED: Final = 34
RECORD_USER_DELETED: Final = 35
# Record types that involve a card, so the record carries the user's card number.
CARD_RECORD_TYPES: Final = frozenset({1, 4, 6, 7, 11, 12, 14, 23, 24, 26, 37, 39, 41, 48})
# Random events: record type, weight, whether the door opens.
RANDOM_EVENTS: Final = (
    (3, 60, True),  # face
    (1, 12, True),  # card
    (36, 10, True),  # palm vein
    (19, 10, False),  # not registered
    (16, 8, False),  # validity expired
)

REGISTER_CARD: Final = 1
REGISTER_PASSWORD: Final = 2
REGISTER_FINGERPRINT: Final = 3
REGISTER_FACE: Final = 4
REGISTER_PALM: Final = 5
ENROLL_OK: Final = 1
ENROLL_CANCELLED: Final = 2
ENROLL_NO_FINGERPRINT: Final = 4
ENROLL_NO_PALM: Final = 5
ENROLLED_PASSWORD: Final = "1234"  # noqa: S105 - what the simulated person types in

MAX_PAGES: Final = 1000
SYSTEM_RECORD_BATCH: Final = 100
# Elevator port commands and the state each leaves a port in ("pulsed": released once).
ELEVATOR_COMMANDS: Final = {
    "OpenElevatorPort": "pulsed",
    "KeepOpenElevatorPort": "held_open",
    "CloseElevatorPort": "normal",
    "LockElevatorPort": "locked",
    "UnlockElevatorPort": "normal",
}


class RecordDetails(TypedDict, total=False):
    """What a record may say besides its type and user; the user's own data by default."""

    name: str | None
    card: str | None
    is_entry: int
    body_temp: int
    # "auto" draws a picture of the person; None sends no photo.
    photo: bytes | None | Literal["auto"]
    record_date: int | None


class HttpV2Simulator(PollingDevice[HttpV2Transport]):
    """An HTTPv2 terminal that polls a server, keeps its own user table and obeys commands."""

    family = "httpv2"
    cycle_name = "keep-alive cycle"
    # Whether whole JSON bodies are gzip-compressed.
    gzip_body = Forwarded[bool]("_transport")

    def __init__(
        self,
        server: str,
        serial: str,
        *,
        session: aiohttp.ClientSession | None = None,
        keepalive_interval: float = 15.0,
        event_interval: float | None = None,
        download_limit: int = 100,
        delete_limit: int = 100,
        gzip_parts: bool = True,
        gzip_body: bool = False,
        legacy_part_names: bool = False,
        capacity: int = 20000,
        seed: int | None = None,
        enroll_delay: float = 0.2,
        release_time: float = 3,
        firmware_version: str = "8.46",
        request_timeout: float = 10.0,
    ) -> None:
        """Set up the device; nothing talks to the server before start() or a cycle."""
        super().__init__(serial, event_interval=event_interval, seed=seed)
        self.keepalive_interval = keepalive_interval
        self.download_limit = download_limit
        self.delete_limit = delete_limit
        self.gzip_parts = gzip_parts
        self.legacy_part_names = legacy_part_names
        self.capacity = capacity
        self.enroll_delay = enroll_delay
        self.release_time = release_time
        self.firmware_version = firmware_version
        self._transport = HttpV2Transport(
            server, serial, session=session, request_timeout=request_timeout, rng=self._rng
        )
        self.gzip_body = gzip_body
        self.settings: dict[str, Any] = initial_settings(
            serial=serial,
            firmware_version=firmware_version,
            server=self._transport.server,
            keepalive_interval=keepalive_interval,
            release_time=release_time,
            gzip=gzip_parts or gzip_body,
            now=self._clock.unix(),
        )

        # The user table and the door, as the firmware holds them.
        self.users: dict[int, dict[str, Any]] = {}
        self._photos: dict[int, bytes] = {}
        self.relay_status = 0
        self.keep_open = 0
        self.door_sensor = 0
        self.locked = 0
        self.alarms: list[str] = []
        self._relay_timer: asyncio.TimerHandle | None = None
        # Inside a TimingOpen period (the door held open by the schedule).
        self.scheduled_open = False
        # When each person last passed (the re-entry interval), and the door last opened.
        self._passed: dict[int, float] = {}
        self._opened_at: float | None = None
        # Elevator ports the server drove: port -> its state after the last command.
        self.elevator_ports: dict[int, str] = {}

        # Records: identify records are numbered from 1, system records per kind.
        self.pending_records: list[dict[str, Any]] = []
        self.uploaded_records: list[dict[str, Any]] = []
        self.pending_system_records: list[dict[str, Any]] = []
        self.uploaded_system_records: list[dict[str, Any]] = []
        self._record_photos: dict[int, bytes] = {}
        self._next_record_id = 1
        self._next_system_record_id = {KIND_DOOR: 1, KIND_SYSTEM: 1}
        self._last_authorization_id = 0

        # What the server asked for and what the device answered, for tests to inspect.
        self.door_commands: list[int] = []
        self.remote_commands: list[dict[str, Any]] = []
        self.download_results: list[dict[str, Any]] = []
        self.delete_results: list[dict[str, Any]] = []
        self.pushed_people: list[dict[str, Any]] = []
        self.enrollment_results: list[dict[str, Any]] = []
        self.firmware_installs: list[dict[str, Any]] = []
        self.system_files: list[dict[str, Any]] = []
        self.restarts = 0
        self.alarms_cleared = 0
        self.snapshots = 0

        # (PushType, UserID) of people changed in the device menu, pushed on the next cycle.
        self._local_pushes: list[tuple[int, int]] = []
        self._settings_uploaded = False

    # --- the polling loop -----------------------------------------------------------------

    def _period(self) -> float:
        return self.keepalive_interval

    def _cycle(self) -> Awaitable[object]:
        return self.keepalive_cycle()

    def _cancel_timers(self) -> None:
        self._cancel_relay_timer()

    # --- the keep-alive cycle ---------------------------------------------------------------

    async def keepalive_cycle(self) -> dict[str, Any] | None:
        """Send one keep-alive, do every follow-up it asks for, then upload queued records.

        Return the keep-alive answer, or None when there was no usable one.
        """
        async with self._lock:
            # The terminal keeps its own schedule and alarms, whether the server answers or not.
            self.apply_schedule()
            self.check_held_open()
            try:
                reply = await self._transport.post_json(
                    PATH_KEEPALIVE, self._keepalive_body(), refusal_ok=True
                )
            except ExchangeError:
                return None
            if as_int(reply.get("Success")) != 1:
                # The keep-alive is the probe: anything but 1 silences the device until the next.
                self.rejected = True
                return reply
            try:
                await self._follow_up(reply)
            except ExchangeError as err:
                _LOGGER.info("%s: cycle stopped until the next keep-alive: %s", self.serial, err)
            except Exception:
                _LOGGER.exception("%s: cycle stopped by an unexpected answer", self.serial)
            return reply

    async def _follow_up(self, reply: dict[str, Any]) -> None:
        """Do the flagged work in the document's priority order, then push queued data."""
        # A settings upload that failed at boot is retried once the server answers again.
        if _flag(reply, "UploadWorkParameter") or not self._settings_uploaded:
            await self._upload_work_setting()
        if _flag(reply, "Remote"):
            await self._remote_command()
        if _flag(reply, "SyncParameter"):
            await self._download_work_setting()
        if _flag(reply, "DeletePeople"):
            await self._delete_people()
        if _flag(reply, "AddPeople"):
            await self._download_people()
        if await self._push_local_changes():
            await self._upload_pending()

    def _keepalive_body(self) -> dict[str, Any]:
        return {
            "SN": self.serial,
            "RelayStatus": self.relay_status,
            "KeepOpenStatus": self.keep_open,
            "DoorSensorStatus": self.door_sensor,
            "LockDoorStatus": self.locked,
            "AlarmStatus": ",".join(self.alarms),
        }

    # --- work settings ----------------------------------------------------------------------

    async def upload_work_setting(self) -> bool:
        """Upload the current work settings; True when the server accepted them."""
        return await self._exclusive(self._upload_work_setting, False)

    async def _upload_work_setting(self) -> bool:
        self._refresh_settings()
        reply = await self._transport.post_json(PATH_UPLOAD_SETTING, self.settings)
        self._settings_uploaded = as_int(reply.get("Success")) == 1
        return self._settings_uploaded

    def _refresh_settings(self) -> None:
        """Bring the live values (time, door, storage usage) into the settings."""
        self.settings.update(
            {
                "DeviceSN": self.serial,
                "FirmwareVerson": self.firmware_version,
                "SystemTime": self._clock.unix(),
                "ReleaseTime": self.release_time,
                "RelayStatus": self.relay_status,
                "KeepOpenStatus": self.keep_open,
                "DoorSensorStatus": self.door_sensor,
                "LockDoorStatus": self.locked,
                "AlarmStatus": ",".join(self.alarms),
                "PeopleStorageInfo": people_storage(self.users, self._photos, self.capacity),
                "RecordStorageInfo": record_storage(
                    len(self.pending_records) + len(self.uploaded_records),
                    self.pending_system_records + self.uploaded_system_records,
                    len(self._record_photos),
                ),
            }
        )

    async def _download_work_setting(self) -> None:
        reply = await self._transport.post_json(PATH_DOWNLOAD_SETTING, {"SN": self.serial})
        if as_int(reply.get("Success")) != 1:
            return
        for key, value in reply.items():
            if key in ("Success", "Message"):
                continue
            self.settings[key] = value
            if key == "SystemTime" and _is_number(value):
                self._clock.set(value)
            elif key == "ReleaseTime" and (seconds := as_int(value)) is not None and seconds > 0:
                self.release_time = seconds
            elif key == "KeepaliveTime" and (seconds := as_int(value)) is not None and seconds > 0:
                self.keepalive_interval = seconds
        self.apply_schedule()
        await self._upload_work_setting()

    def _has_function(self, name: str) -> bool:
        """Tell whether the hardware has a function; a server may have overwritten the list."""
        functions = self.settings.get("FunctionList")
        return isinstance(functions, dict) and functions.get(name) is True

    # --- remote commands --------------------------------------------------------------------

    async def _remote_command(self) -> None:
        reply = await self._transport.post_json(PATH_REMOTE_COMMAND, {"SN": self.serial})
        if as_int(reply.get("Success")) != 1:
            return
        if all(key in ("Success", "Message") for key in reply):
            return
        self.remote_commands.append(reply)
        await self._execute(reply)

    async def _execute(self, command: dict[str, Any]) -> None:
        """Carry out every field of a RemoteCommand answer, in the document's table order."""
        if code := as_int(command.get("Opendoor")):
            self._open_door_command(code)
        if _flag(command, "Closealarm"):
            self._close_alarms()
        if _flag(command, "RepostRecord"):
            self._mark_records_unsent()
        if _flag(command, "ClearRecord"):
            self._clear_records()
        if _flag(command, "Recover"):
            self._factory_reset()
        if _flag(command, "PushAllPeople"):
            for user_id in sorted(self.users):
                await self._push_person(PUSH_QUERIED, user_id)
        if "QueryPeople" in command:
            for user_id in _user_ids(command["QueryPeople"]):
                await self._push_person(PUSH_QUERIED, user_id)
        if (ticket := _enrollment_ticket(command)) is not None:
            await self._enroll(*ticket)
        if "PushSoftware" in command:
            await self._install_firmware(command["PushSoftware"])
        if "PushSystemFile" in command:
            await self._install_system_files(command["PushSystemFile"])
        if _flag(command, "Snapshoot"):
            await self._upload_snapshot()
        for key, state in ELEVATOR_COMMANDS.items():
            if command.get(key):
                self._drive_elevator(command[key], state)
        # Last, as on a real device: a reboot would cut the other commands short.
        if _flag(command, "Restart"):
            await self._restart()

    def _open_door_command(self, code: int) -> None:
        """Obey Opendoor 1..5 and write the system record the firmware writes."""
        if code not in range(1, 6):
            _LOGGER.info("%s: ignoring unknown Opendoor code %s", self.serial, code)
            return
        self.door_commands.append(code)
        if code == 1:
            self.queue_system_record(KIND_SYSTEM, SYS_SOFTWARE_OPEN)
            self._pulse_relay()
        elif code == 2:
            self._cancel_relay_timer()
            # Normally-open mode keeps the relay energised until told otherwise.
            self.keep_open = 1
            self.relay_status = 1
            self.queue_system_record(KIND_SYSTEM, SYS_SOFTWARE_HOLD_OPEN)
        elif code == 3:
            self._cancel_relay_timer()
            self.keep_open = 0
            self.relay_status = 0
            self.queue_system_record(KIND_SYSTEM, SYS_SOFTWARE_CLOSE)
            self._door_contact(opened=False)
        elif code == 4:
            self.locked = 1
            self.queue_system_record(KIND_SYSTEM, SYS_SOFTWARE_LOCK)
        else:
            self.locked = 0
            self.queue_system_record(KIND_SYSTEM, SYS_SOFTWARE_UNLOCK)

    def apply_schedule(self) -> None:
        """Hold the door open in its TimingOpen periods, and back to normal after them.

        The terminal's own clock decides (local time, its TimeZone): no server is needed.
        """
        inside = scheduled_open(self.settings, local_now(self._clock.now(), self.settings))
        if inside == self.scheduled_open:
            return
        self.scheduled_open = inside
        self._cancel_relay_timer()
        self.keep_open = self.relay_status = int(inside)
        self.queue_system_record(KIND_SYSTEM, SYS_SCHEDULED_OPEN if inside else SYS_SCHEDULED_CLOSE)
        if not inside:
            self._door_contact(opened=False)

    def _drive_elevator(self, ports: Any, state: str) -> None:
        """Obey an elevator port command ("1,2,3") when elevator control is on."""
        if as_int(self.settings.get("UseElevator")) != 1:
            _LOGGER.info("%s: elevator control is off, ignoring %s", self.serial, ports)
            return
        count = len(self.settings.get("ElevatorPorts") or [])
        for part in str(ports).split(","):
            if (port := as_int(part.strip())) is not None and 1 <= port <= count:
                self.elevator_ports[port] = state

    def _pulse_relay(self) -> None:
        """Energise the relay for release_time seconds; the door opens and closes with it."""
        self._cancel_relay_timer()
        self.relay_status = 1
        self._door_contact(opened=True)
        loop = asyncio.get_running_loop()
        self._relay_timer = loop.call_later(self.release_time, self._release_relay)

    def _release_relay(self) -> None:
        self._relay_timer = None
        if self.keep_open:
            return
        self.relay_status = 0
        self._door_contact(opened=False)

    def _cancel_relay_timer(self) -> None:
        if self._relay_timer is not None:
            self._relay_timer.cancel()
            self._relay_timer = None

    def _door_contact(self, *, opened: bool) -> None:
        """Move the door contact and write a door record when it changes."""
        if bool(self.door_sensor) == opened:
            return
        self.door_sensor = int(opened)
        self._opened_at = self._clock.now() if opened else None
        self.queue_system_record(KIND_DOOR, DOOR_OPENED if opened else DOOR_CLOSED)

    def check_held_open(self) -> None:
        """Raise the held-open alarm when the door stayed open past DoorLongOpenTime.

        Only while the alarm is switched on, and not while the door is meant to be open
        (normally-open mode, by command or by schedule).
        """
        limit = as_int(self.settings.get("DoorLongOpenTime")) or 0
        if self._opened_at is None or self.keep_open or limit <= 0:
            return
        if self._clock.now() - self._opened_at > limit:
            self.raise_alarm("openTimeout")

    def raise_alarm(self, name: str) -> None:
        """Start an alarm (an AlarmStatus name such as "fire") as the hardware would."""
        if name in self.alarms:
            return
        if as_int(self.settings.get(ALARM_SWITCHES.get(name, ""), 1)) == 0:
            _LOGGER.info("%s: the %s alarm is switched off", self.serial, name)
            return
        self.alarms.append(name)
        if name in ALARM_RECORDS:
            self.queue_system_record(KIND_SYSTEM, ALARM_RECORDS[name][0])

    def _close_alarms(self) -> None:
        for name in self.alarms:
            if name in ALARM_RECORDS:
                self.queue_system_record(KIND_SYSTEM, ALARM_RECORDS[name][1])
        self.alarms.clear()
        self.alarms_cleared += 1

    def _mark_records_unsent(self) -> None:
        self.pending_records[:] = sorted(
            self.uploaded_records + self.pending_records, key=lambda record: record["RecordID"]
        )
        self.uploaded_records.clear()
        self.pending_system_records[:] = sorted(
            self.uploaded_system_records + self.pending_system_records,
            key=lambda record: (record["kind"], record["RecordID"]),
        )
        self.uploaded_system_records.clear()

    def _clear_records(self) -> None:
        self.pending_records.clear()
        self.uploaded_records.clear()
        self.pending_system_records.clear()
        self.uploaded_system_records.clear()
        self._record_photos.clear()

    def _factory_reset(self) -> None:
        self.users.clear()
        self._photos.clear()
        self._local_pushes.clear()
        self._clear_records()

    async def _restart(self) -> None:
        self.restarts += 1
        self.queue_system_record(KIND_SYSTEM, SYS_POWER_ON)
        await self._upload_work_setting()

    async def _upload_snapshot(self) -> None:
        self.snapshots += 1
        photo = jpeg_photo(f"snapshot {self.snapshots}", seed=self._clock.unix())
        parts = [self._text_part("SN", self.serial), _photo_part("Photo", photo, "snapshot")]
        await self._transport.post_form(PATH_SNAPSHOT, parts)

    # --- enrollment -------------------------------------------------------------------------

    async def _enroll(self, register_type: int, user_id: int | None, index: int | None) -> None:
        """Play the enrollment screen, report the result and push the updated person."""
        await asyncio.sleep(self.enroll_delay)
        user = self.users.get(user_id) if user_id is not None else None
        photo: bytes | None = None
        if user_id is None or user is None:
            # The document has no code for "no such user": the device cannot open an enrollment
            # screen for a person it does not hold, so it ends the way a cancelled screen does.
            result = ENROLL_CANCELLED
        elif register_type == REGISTER_FINGERPRINT and not self._has_function("Fingerprint"):
            result = ENROLL_NO_FINGERPRINT
        elif register_type == REGISTER_PALM and not self._has_function("Palmvein"):
            result = ENROLL_NO_PALM
        elif register_type not in range(REGISTER_CARD, REGISTER_PALM + 1):
            result = ENROLL_CANCELLED
        else:
            photo = self._add_credential(user_id, user, register_type, index)
            result = ENROLL_OK
        body: dict[str, Any] = {"SN": self.serial, "UserID": user_id or 0, "Result": result}
        if result == ENROLL_OK and user_id is not None:
            body["UserDetail"] = person_detail(self.users[user_id], self._photos.get(user_id))
        self.enrollment_results.append(body)
        parts = [self._text_part("SN", self.serial), self._json_part("ResultJson", body)]
        if photo is not None:
            parts.append(_photo_part("Photo", photo, f"user{user_id}"))
        await self._transport.post_form(PATH_ENROLL_RESULT, parts)
        if result == ENROLL_OK and user_id is not None:
            await self._push_person(PUSH_UPDATED, user_id)

    def _add_credential(
        self, user_id: int, user: dict[str, Any], register_type: int, index: int | None
    ) -> bytes | None:
        """Store the credential an enrollment captured; return the new face photo if any."""
        if register_type == REGISTER_CARD:
            user["CardNum"] = self._new_card_number()
        elif register_type == REGISTER_PASSWORD:
            user["Password"] = ENROLLED_PASSWORD
        elif register_type in (REGISTER_FINGERPRINT, REGISTER_PALM):
            key = "Fingerprints" if register_type == REGISTER_FINGERPRINT else "Palmveins"
            # The document numbers fingerprints 0-9 and palms 1-2.
            number = index if index is not None else int(register_type == REGISTER_PALM)
            templates = [
                template
                for template in user.get(key) or []
                if isinstance(template, dict) and template.get("Num") != number
            ]
            data = base64.b64encode(self._rng.randbytes(384)).decode()
            user[key] = [*templates, {"Num": number, "Data": data}]
        else:
            user["FaceFeature"] = base64.b64encode(self._rng.randbytes(512)).decode()
            photo = jpeg_photo(str(user.get("Name") or user_id), seed=self._rng.getrandbits(32))
            self._photos[user_id] = photo
            return photo
        return None

    # --- firmware and system files ----------------------------------------------------------

    async def _install_firmware(self, package: Any) -> None:
        if not isinstance(package, dict) or not isinstance(package.get("SoftwareURL"), str):
            _LOGGER.info("%s: ignoring malformed PushSoftware %r", self.serial, package)
            return
        url: str = package["SoftwareURL"]
        version = package.get("SoftwareVer")
        data = await self._transport.download(url)
        md5_ok = _md5_matches(data, package.get("SoftwareMD5"))
        self.firmware_installs.append(
            {
                "url": url,
                "version": "" if version is None else str(version),
                "md5_ok": md5_ok,
                "size": len(data or b""),
            }
        )
        if not md5_ok:
            _LOGGER.info("%s: firmware from %s refused (download or MD5)", self.serial, url)
            return
        if version not in (None, ""):
            self.firmware_version = str(version)
        _LOGGER.info("%s: firmware %s installed, rebooting", self.serial, self.firmware_version)
        await self._restart()

    async def _install_system_files(self, files: Any) -> None:
        for entry in files if isinstance(files, list) else [files]:
            if not isinstance(entry, dict):
                _LOGGER.info("%s: ignoring malformed PushSystemFile %r", self.serial, entry)
                continue
            url = entry.get("FileURL")
            deleted = _flag(entry, "IsDelete")
            data = None
            if not deleted and isinstance(url, str):
                data = await self._transport.download(url)
            self.system_files.append(
                {
                    "url": url,
                    "type": as_int(entry.get("FileType")),
                    "index": as_int(entry.get("FileIndex")),
                    "deleted": deleted,
                    "md5_ok": _md5_matches(data, entry.get("FileMD5")),
                    "size": len(data or b""),
                }
            )

    # --- people: delete, download, push -----------------------------------------------------

    async def _delete_people(self) -> None:
        for _ in range(MAX_PAGES):
            reply = await self._transport.post_json(
                PATH_DELETE_PEOPLE, {"SN": self.serial, "Limit": self.delete_limit}
            )
            if as_int(reply.get("Success")) != 1:
                return
            delete_all = as_int(reply.get("DeleteAll")) == 1
            user_ids = _user_ids(reply.get("DeleteList") or [])
            if not delete_all and not user_ids:
                return
            if delete_all:
                count = len(self.users)
                self.users.clear()
                self._photos.clear()
                user_ids = []
            else:
                for user_id in user_ids:
                    self.users.pop(user_id, None)
                    self._photos.pop(user_id, None)
                count = len(user_ids)
            result = {
                "SN": self.serial,
                "DeleteCount": count,
                "DeleteAll": int(delete_all),
                "DeleteList": user_ids,
            }
            self.delete_results.append(result)
            await self._transport.post_json(PATH_DELETE_RESULT, result)
        _LOGGER.warning("%s: stopped deleting after %d pages", self.serial, MAX_PAGES)

    async def _download_people(self) -> None:
        for _ in range(MAX_PAGES):
            reply = await self._transport.post_json(
                PATH_DOWNLOAD_PEOPLE, {"SN": self.serial, "Limit": self.download_limit}
            )
            people = reply.get("PeopleList")
            if as_int(reply.get("Success")) != 1 or not isinstance(people, list) or not people:
                return
            result = await self._store_people(people)
            self.download_results.append(result)
            await self._transport.post_json(PATH_DOWNLOAD_RESULT, result)
        _LOGGER.warning("%s: stopped downloading after %d pages", self.serial, MAX_PAGES)

    async def _store_people(self, people: list[Any]) -> dict[str, Any]:
        """Check and store one page of people; return the DownloadPeopleListResult body."""
        checker = PersonChecker(
            self.users, capacity=self.capacity, download=self._transport.download
        )
        stored = 0
        failures: list[dict[str, Any]] = []
        for person in people:
            try:
                accepted = await checker.check(person)
            except PersonRejectedError as err:
                failures.append(err.as_failure())
                continue
            self.users[accepted.user_id] = accepted.user
            if accepted.photo is None:
                self._photos.pop(accepted.user_id, None)
            else:
                self._photos[accepted.user_id] = accepted.photo
            stored += 1
        return {
            "SN": self.serial,
            "SuccessCount": stored,
            "FailCount": len(failures),
            "FailList": failures,
        }

    async def _push_person(self, push_type: int, user_id: int) -> bool:
        """POST /People/PushPeople; a person the device does not hold goes without Detail."""
        parts = [
            self._text_part("SN", self.serial),
            self._text_part("PushType", str(push_type)),
            self._text_part("UserID", str(user_id)),
        ]
        pushed: dict[str, Any] = {"PushType": push_type, "UserID": user_id}
        if push_type != PUSH_DELETED and user_id in self.users:
            photo = self._photos.get(user_id)
            pushed["Detail"] = person_detail(self.users[user_id], photo)
            parts.append(self._json_part("Detail", pushed["Detail"]))
            if photo is not None:
                parts.append(_photo_part("Photo", photo, f"user{user_id}"))
        self.pushed_people.append(pushed)
        reply = await self._transport.post_form(PATH_PUSH_PEOPLE, parts)
        return as_int(reply.get("Success")) == 1

    async def _push_local_changes(self) -> bool:
        """Push people changed in the device menu; False when the server did not take one."""
        while self._local_pushes:
            push_type, user_id = self._local_pushes[0]
            if not await self._push_person(push_type, user_id):
                return False
            self._local_pushes.pop(0)
        return True

    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count with demo names, cards, face templates and photos."""
        for user_id in range(1, count + 1):
            name = demo_name(user_id)
            self.users[user_id] = {
                "UserID": str(user_id),
                "Name": name,
                "Department": "Demo",
                "CardNum": self._new_card_number(),
                "Password": "",
                "AccessType": 1 if user_id == 1 else 0,
                "ExpirationDate": 0,
                "OpenTimes": 65535,
                "KeepOpen": 0,
                "Timegroup": 1,
                "FaceFeature": base64.b64encode(self._rng.randbytes(64)).decode(),
            }
            self._photos[user_id] = jpeg_photo(name)

    def add_local_user(self, user_id: int, name: str, **fields: Any) -> None:
        """Add (or change) a person as if in the device menu: record 33 (34) and a push."""
        changed = user_id in self.users
        self.users[user_id] = {"UserID": str(user_id), "Name": name, **fields}
        record_type = RECORD_USER_CHANGED if changed else RECORD_USER_ADDED
        self.queue_access(record_type, user_id, photo=None)
        self._local_pushes.append((PUSH_UPDATED if changed else PUSH_ADDED, user_id))

    def remove_local_user(self, user_id: int) -> None:
        """Delete a person as if in the device menu: record 35 and a push without Detail."""
        user = self.users.pop(user_id, None)
        if user is None:
            _LOGGER.info("%s: no user %s to delete", self.serial, user_id)
            return
        self._photos.pop(user_id, None)
        self.queue_access(RECORD_USER_DELETED, user_id, name=str(user.get("Name", "")), photo=None)
        self._local_pushes.append((PUSH_DELETED, user_id))

    def _new_card_number(self) -> str:
        used = {user.get("CardNum") for user in self.users.values()}
        while (card := random_digits(self._rng, 10)) in used:
            pass
        return card

    # --- the decision at the door -----------------------------------------------------------

    def verify(self, user_id: int) -> int:
        """Let a person identify (by face): the terminal decides from what it holds.

        Queues the identify record and returns its type (3: let in, and the relay pulses; see
        httpv2_access.py for the refusals); a passage uses one of the person's openings.
        """
        person = self.users.get(user_id)
        now = self._clock.now()
        record_type = decide(person, self.settings, local_now(now, self.settings))
        if person is None:
            self.queue_access(record_type, "0", photo=None)
            return record_type
        interval = as_int(self.settings.get("OpenInterval")) or 0
        if record_type == RECORD_FACE and now - self._passed.get(user_id, -1e12) < interval:
            record_type = RECORD_REPEATED  # within the re-entry interval of their last pass
        if record_type == RECORD_FACE:
            self._passed[user_id] = now
            openings = parse_uint(person.get("OpenTimes", UNLIMITED), UNLIMITED)
            if openings is not None and openings != UNLIMITED:
                person["OpenTimes"] = openings - 1
            self._pulse_relay()
        self.queue_access(record_type, user_id, photo=None)
        return record_type

    # --- records ----------------------------------------------------------------------------

    def queue_access(
        self,
        record_type: int = 3,
        user_id: int | str | None = None,
        **details: Unpack[RecordDetails],
    ) -> dict[str, Any]:
        """Queue an identify record (not uploaded yet) and return its RecordDetail.

        The keyword arguments are those of RecordDetails; missing ones come from the user.
        """
        record_id = self._next_record_id
        self._next_record_id += 1
        record, picture = self._build_record(record_id, record_type, user_id, **details)
        if picture is not None:
            self._record_photos[record_id] = picture
        self.pending_records.append(record)
        return record

    def record_photo(self, record_id: int) -> bytes | None:
        """Return the photo kept with an identify record, if it has one."""
        return self._record_photos.get(record_id)

    def _build_record(
        self,
        record_id: int,
        record_type: int,
        user_id: int | str | None,
        *,
        name: str | None = None,
        card: str | None = None,
        is_entry: int = 1,
        body_temp: int = 0,
        photo: bytes | None | Literal["auto"] = "auto",
        record_date: int | None = None,
    ) -> tuple[dict[str, Any], bytes | None]:
        """Return a RecordDetail and its photo for whoever stood in front of the camera."""
        if user_id is None:
            if self.users:
                user_id = self._rng.choice(sorted(self.users))
            else:
                user_id, record_type = "0", RECORD_UNREGISTERED
        user = self.users.get(parse_uint(user_id, UINT32_MAX) or -1, {})
        if name is None:
            name = str(user.get("Name", ""))
        if card is None:
            card = str(user.get("CardNum") or "0") if record_type in CARD_RECORD_TYPES else "0"
        if photo == "auto":
            photo = jpeg_photo(name or "unknown", seed=f"{self.serial}-{record_id}")
        record = {
            "RecordID": record_id,
            "RecordType": record_type,
            "RecordDate": self._clock.unix() if record_date is None else record_date,
            "UserID": str(user_id),
            "Code": str(user.get("Code", "")),
            "Name": name,
            "IdentityCard": "",
            "Job": str(user.get("Job", "")),
            "Department": str(user.get("Department", "")),
            "CardNum": card,
            "QRCode": "",
            "IsEntry": is_entry,
            "BodyTemp": body_temp,
            "PhotoLen": len(photo or b""),
        }
        return record, photo

    def queue_system_record(
        self, kind: int, code: int, record_date: int | None = None
    ) -> dict[str, Any]:
        """Queue a door (kind 1) or system (kind 2) record with the next RecordID of its kind."""
        record_id = self._next_system_record_id.setdefault(kind, 1)
        self._next_system_record_id[kind] = record_id + 1
        record = {
            "kind": kind,
            "RecordID": record_id,
            "RecordType": code,
            "RecordDate": self._clock.unix() if record_date is None else record_date,
        }
        self.pending_system_records.append(record)
        return record

    def lose_pending(self) -> int:
        """Take the queued identify records as uploaded without sending them (lost on the way).

        As when something between the terminal and the server acknowledged them: the terminal
        sends them again only when told to (RepostRecord). Returns how many.
        """
        lost = len(self.pending_records)
        self.uploaded_records.extend(self.pending_records)
        self.pending_records.clear()
        return lost

    async def upload_pending(self) -> int:
        """Upload system records, then identify records, oldest first; return how many went.

        Stops at the first failure; that record and the later ones wait for the next try.
        """
        async with self._lock:
            return await self._upload_pending()

    async def _upload_pending(self) -> int:
        uploaded = 0
        try:
            while self.pending_system_records:
                if not (batch := await self._upload_system_batch()):
                    return uploaded
                uploaded += batch
            while self.pending_records:
                if not await self._upload_identify_record(self.pending_records[0]):
                    return uploaded
                uploaded += 1
        except ExchangeError as err:
            _LOGGER.info("%s: upload stopped until the next keep-alive: %s", self.serial, err)
        return uploaded

    async def _upload_system_batch(self) -> int:
        """Upload up to 100 oldest system records of one kind; return how many were taken."""
        kind = self.pending_system_records[0]["kind"]
        batch = [record for record in self.pending_system_records if record["kind"] == kind]
        batch = batch[:SYSTEM_RECORD_BATCH]
        body = {
            "SN": self.serial,
            "RecordType": kind,
            "Records": [
                {key: record[key] for key in ("RecordID", "RecordType", "RecordDate")}
                for record in batch
            ],
        }
        reply = await self._transport.post_json(PATH_SYSTEM_RECORD, body)
        if as_int(reply.get("Success")) != 1:
            return 0
        taken = {id(record) for record in batch}
        self.pending_system_records[:] = [
            record for record in self.pending_system_records if id(record) not in taken
        ]
        self.uploaded_system_records.extend(batch)
        return len(batch)

    async def _upload_identify_record(self, record: dict[str, Any]) -> bool:
        parts = self._record_parts(record, self._record_photos.get(record["RecordID"]))
        reply = await self._transport.post_form(PATH_IDENTIFY_RECORD, parts)
        if as_int(reply.get("Success")) != 1:
            return False
        with contextlib.suppress(ValueError):
            self.pending_records.remove(record)
        self.uploaded_records.append(record)
        return True

    def _record_parts(self, record: dict[str, Any], photo: bytes | None) -> list[FormPart]:
        """Return the parts of a record upload, named as this firmware names them."""
        json_name, photo_name = (
            ("recordJson", "pic") if self.legacy_part_names else ("RecordDetail", "Photo")
        )
        parts = [self._text_part("SN", self.serial), self._json_part(json_name, record)]
        if photo is not None:
            parts.append(_photo_part(photo_name, photo, f"record{record['RecordID']}"))
        return parts

    async def request_authorization(
        self, record_type: int = 3, user_id: int | str = 1, **details: Unpack[RecordDetails]
    ) -> dict[str, Any] | None:
        """Ask the server whether to open for this person; the door opens on Success 1 or 2.

        Keyword arguments are those of queue_access (name, card, is_entry, body_temp, photo).
        """
        # Request ids are millisecond timestamps as in the document's example, kept increasing.
        request_id = max(int(self._clock.now() * 1000), self._last_authorization_id + 1)
        self._last_authorization_id = request_id
        record, photo = self._build_record(request_id, record_type, user_id, **details)
        parts = self._record_parts(record, photo)
        reply = await self._exclusive(
            lambda: self._transport.post_form(PATH_AUTHORIZATION, parts, refusal_ok=True), None
        )
        if reply is not None and as_int(reply.get("Success")) in (1, 2):
            self._pulse_relay()
        return reply

    # --- random events ----------------------------------------------------------------------

    async def _random_event(self) -> None:
        """Someone walks up to the terminal; upload at once unless the server refused us."""
        record_type, _, opens = self._rng.choices(
            RANDOM_EVENTS, weights=[weight for _, weight, _ in RANDOM_EVENTS]
        )[0]
        user_id: int | str
        if not self.users or record_type == RECORD_UNREGISTERED:
            record_type, user_id, opens = RECORD_UNREGISTERED, "0", False
        else:
            user_id = self._rng.choice(sorted(self.users))
        temperature = self._rng.randint(360, 372) if self._has_function("BodyTemperature") else 0
        self.queue_access(
            record_type, user_id, is_entry=int(self._rng.random() < 0.8), body_temp=temperature
        )
        if opens:
            self._pulse_relay()
        if not self.rejected:
            await self.upload_pending()

    # --- multipart parts --------------------------------------------------------------------

    def _text_part(self, name: str, value: str) -> FormPart:
        return FormPart(name=name, data=value.encode())

    def _json_part(self, name: str, value: dict[str, Any]) -> FormPart:
        if self.gzip_parts:
            return FormPart(
                name=name,
                data=json_bytes(value),
                content_type="application/octet-stream",
                gzip=True,
            )
        return FormPart(name=name, data=json_bytes(value))


def _photo_part(name: str, photo: bytes, stem: str) -> FormPart:
    return FormPart(name=name, data=photo, filename=f"{stem}.jpg", content_type="image/jpeg")


def _flag(reply: dict[str, Any], key: str) -> bool:
    """Tell whether a 0/1 field of an answer is set (absent, 0 or garbage: not set)."""
    return (as_int(reply.get(key)) or 0) > 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _md5_matches(data: bytes | None, expected: Any) -> bool:
    """Compare a download with the upper-case hex MD5 the server sent, ignoring case."""
    return data is not None and isinstance(expected, str) and md5_hex(data) == expected.upper()


def _user_ids(value: Any) -> list[int]:
    """Return the valid user ids of a list (or a lone id) sent by the server."""
    values = value if isinstance(value, list) else [value]
    user_ids = [parse_uint(item, UINT32_MAX) for item in values]
    return [user_id for user_id in user_ids if user_id is not None]


def _enrollment_ticket(command: dict[str, Any]) -> tuple[int, int | None, int | None] | None:
    """Read RegisterIdentifyTicket in its object form or its int form with sibling fields."""
    ticket = command.get("RegisterIdentifyTicket")
    if isinstance(ticket, dict):
        register_type = as_int(ticket.get("RegisterType"))
        user_id = parse_uint(ticket.get("UserID"), UINT32_MAX)
        index = as_int(ticket.get("RegisterIndex"))
    else:
        register_type = as_int(ticket)
        user_id = parse_uint(command.get("RegisterIdentifyUserID"), UINT32_MAX)
        index = as_int(command.get("RegisterIdentifyIndex", command.get("RegisterIndex")))
    if not register_type:
        return None
    return register_type, user_id, index


# --- command line -------------------------------------------------------------------------------


async def run_httpv2(args: argparse.Namespace) -> None:
    """Run one HTTPv2 terminal until SIGINT or SIGTERM."""
    simulator = HttpV2Simulator(
        **device_options(args),
        keepalive_interval=args.keepalive,
        gzip_parts=not args.no_gzip_parts,
        gzip_body=args.gzip_body,
        legacy_part_names=args.legacy_part_names,
    )
    await run_demo(simulator, args)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the httpv2 subcommand's options."""
    add_common_arguments(parser, serial="FC-8200H00000001")
    parser.add_argument(
        "--keepalive",
        type=seconds(allow_zero=False),
        default=15.0,
        help="keep-alive interval in seconds (default 15)",
    )
    parser.add_argument(
        "--legacy-part-names",
        action="store_true",
        help="name record parts recordJson and pic, as older firmware does",
    )
    parser.add_argument("--gzip-body", action="store_true", help="gzip whole JSON bodies")
    parser.add_argument(
        "--no-gzip-parts", action="store_true", help="send JSON form parts uncompressed"
    )


FAMILY = SimulatorFamily(
    name="httpv2",
    help="HTTPv2 face terminal that polls the server (/Device/Keepalive ...)",
    add_arguments=add_arguments,
    run=run_httpv2,
)
