"""A terminal with the device control interface (specs/001_0944bd5a8bd87614.txt).

It serves `POST /control?api_key=KEY` with `{"mid", "cmd", "payload"}` and answers with the same
`mid`. A wrong key gets HTTP 401 with an Error answer. The device keeps users with templates,
an attendance log numbered by position (`GetAttendLog` pages through it), enrollment jobs that
finish after a delay, and runs the log uploader once `ConfigAttendLogUploader` points it at a
server: an empty request first, then batches from the position the server names.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections import Counter
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
import hashlib
import itertools
from typing import Any, Final

import aiohttp
from aiohttp import web

from simulator.access_rules import (
    EXPIRED,
    GRANTED,
    TIME_ZONE,
    UNREGISTERED,
    parse_span,
    sunday_first,
    within,
)
from simulator.cli import SimulatorFamily, add_device_arguments, listen_address, run_demo
from simulator.common import demo_name, monotonic, random_digits
from simulator.pull_server import DeviceServer

DEFAULT_SERIAL: Final = "e09c1d1fd6ac34a7"
DEFAULT_API_KEY: Final = "demo-key"
USER_PAGE: Final = 50
LOG_PAGE: Final = 100
ERROR_USER: Final = "user_id_not_exists"


class CommandError(Exception):
    """The device answers Error with this code and arguments."""

    def __init__(self, code: str, *arguments: Any) -> None:
        """Keep the code and its arguments."""
        super().__init__(code)
        self.code = code
        self.arguments = list(arguments)


@dataclass
class SimUser:
    """One person in the device."""

    user_id: str
    name: str = ""
    depart: str = ""
    privilege: str = "user"
    password: str = ""
    card: str = ""
    fp: list[str] = field(default_factory=list)
    face: str = ""
    palm: list[str] = field(default_factory=list)
    # Access control (SetAcUserInfo): a day zone per weekday, Sunday first, and the validity.
    time_zone: list[int] = field(default_factory=lambda: [0] * 7)
    valid_period: dict[str, Any] = field(
        default_factory=lambda: {"use": False, "start": _NO_DATE, "end": _NO_DATE}
    )
    # The 100-day rota (SetUserShift): shift 0-23, 24 trip, 25 leave, 100 day off.
    shift_start_day: str = "2000-01-01T00:00:00"
    shift: list[int] = field(default_factory=lambda: [100] * 100)

    def info(self) -> dict[str, Any]:
        """Return the UserInfo payload."""
        return {
            "id": self.user_id,
            "name": self.name,
            "depart": self.depart,
            "privilege": self.privilege,
            "password": self.password,
            "card": self.card,
            "fp": list(self.fp),
            "face": self.face,
            "palm": list(self.palm),
        }


@dataclass
class Job:
    """An enrollment job."""

    kind: str
    done_at: float
    state: str = "pending"


class ControlApiSimulator(DeviceServer):
    """A simulated terminal with the device control interface."""

    family = "control_api"

    def __init__(
        self,
        serial: str = DEFAULT_SERIAL,
        *,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        event_interval: float | None = None,
        seed: int | None = None,
        enroll_delay: float = 3.0,
        uploader: bool = True,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        """Build a device with no users and an empty log; `uploader` False: firmware without."""
        super().__init__(serial, host=host, port=port, event_interval=event_interval, seed=seed)
        self.api_key = api_key
        self.enroll_delay = enroll_delay
        self.supports_uploader = uploader
        self.users: dict[str, SimUser] = {}
        self.logs: list[dict[str, Any]] = []
        # What was done at the menu (the document's "management records"; never read remotely).
        self.admin_log: list[str] = ["menu opened"]
        # Position of logs[0]: EraseAttendLog drops the oldest logs, positions stay.
        self.log_base = 0
        self.jobs: dict[int, Job] = {}
        # The access control day zones (SetAcTimeZone): 255 of 6 ranges; zone 0 all day.
        self.ac_zones: list[list[dict[str, str]]] = [[dict(_ALL_DAY)]] + [[] for _ in range(254)]
        self.commands: list[str] = []
        # Settings groups (Get<name> / Set<name>), as a new terminal has them.
        self.settings: dict[str, dict[str, Any]] = {
            name: dict(values) for name, values in _SETTINGS.items()
        }
        # The 24 scheduled bells and the 24 attendance shifts of three periods.
        self.bells: list[dict[str, Any]] = [dict(_NO_BELL) for _ in range(24)]
        self.shifts: list[list[dict[str, str]]] = [
            [dict(_NO_PERIOD) for _ in range(3)] for _ in range(24)
        ]
        # Departments (SetDept): name -> a week of shifts.
        self.departments: dict[str, list[int]] = {"Company": [100, 0, 0, 0, 0, 0, 100]}
        # PhotoToFacedata: the state answered for a photo (scripted failures).
        self.photo_states: dict[bytes, str] = {}
        # LockDevice: nobody can verify while locked.
        self.locked = False
        # When the lock relay falls back (monotonic; a granted verification releases it).
        self.relay_until = 0.0
        self.upload_target: str | None = None
        self.upload_interval = 60.0
        self.upload_pos: int | None = None
        self.uploads = 0
        # Scripted errors: command -> codes answered to its next calls.
        self.errors: dict[str, list[str]] = {}
        self._job_ids = itertools.count(1)
        self._session = session
        self._own_session: aiohttp.ClientSession | None = None
        self._uploader: asyncio.Task[None] | None = None
        self._upload_wake = asyncio.Event()
        self._handlers: dict[str, Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]] = {
            "GetDeviceUid": lambda _p: ("DeviceUid", {"device_uid": self.serial}),
            "GetVersionInfo": lambda _p: (
                "VersionInfo",
                {"firmware_version": "13750C v3.11.802", "face_algorithm_version": "v2.2"},
            ),
            "GetDeviceCapabilities": lambda _p: ("DeviceCapabilities", _CAPABILITIES),
            "GetCapacityLimit": lambda _p: ("CapacityLimit", _LIMITS),
            "GetCurrentUsage": self._usage,
            "GetDeviceTime": lambda _p: ("DeviceTime", {"time": self._local_time()}),
            "SetDeviceTime": self._set_time,
            "GetUserIdList": self._user_ids,
            "GetUserInfo": lambda p: ("UserInfo", self._user(p).info()),
            "SetUserInfo": self._set_user,
            "DeleteUserInfo": self._delete_user,
            "LockDevice": self._lock_device,
            "DeviceControl": self._device_control,
            "GetAttendLog": self._attend_log,
            "EraseAttendLog": self._erase_log,
            "ConfigAttendLogUploader": self._config_uploader,
            "GetAttendLogUploaderStatus": self._uploader_status,
            "BeginEnrollFace": lambda _p: self._begin("face"),
            "BeginEnrollFp": lambda _p: self._begin("fp"),
            "BeginEnrollCard": lambda _p: self._begin("card"),
            "BeginEnrollPalm": lambda _p: self._begin("palm"),
            "QueryJobStatus": self._job_status,
            "CancelJob": self._cancel_job,
            "CancelAllJobs": self._cancel_all,
            "GetAcTimeZone": lambda _p: ("AcTimeZone", {"zones": self.ac_zones}),
            "SetAcTimeZone": self._set_zones,
            "GetAcUserInfo": self._access_of,
            "SetAcUserInfo": self._set_access,
            "PhotoToFacedata": self._photo_to_face,
            "GetUserShift": lambda p: (
                "UserShift",
                {
                    "id": self._user(p).user_id,
                    "shift_start_day": self._user(p).shift_start_day,
                    "shift": self._user(p).shift,
                },
            ),
            "SetUserShift": self._set_user_shift,
            "GetDeptList": self._departments,
            "SetDept": self._set_department,
            "GetBellSetting": lambda _p: ("BellSetting", {"bells": self.bells}),
            "SetBellSetting": self._set_bells,
            "GetShiftSetting": lambda _p: ("ShiftSetting", {"shifts": self.shifts}),
            "SetShiftSetting": self._set_shifts,
        }
        for name in _SETTINGS:
            self._handlers[f"Get{name}"] = partial(self._get_setting, name)
            self._handlers[f"Set{name}"] = partial(self._set_setting, name)

    def routes(self) -> list[web.RouteDef]:
        """Serve the control URL."""
        return [web.post("/control", self._handle)]

    async def stop(self) -> None:
        """Stop serving and uploading."""
        await self._stop_uploader()
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None
        await super().stop()

    # --- requests ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = monotonic()
        if request.query.get("api_key") != self.api_key:
            self.requests[request.path] += 1
            return web.json_response(_error("", "invalid_api_key"), status=401)
        try:
            document = await self.read_json(request)
        except ValueError:
            return web.json_response(_error("", "invalid_json"), status=400)
        if not isinstance(document, dict) or not isinstance(document.get("cmd"), str):
            return web.json_response(_error("", "invalid_request"), status=400)
        mid = str(document.get("mid", ""))[:32]
        cmd = document["cmd"]
        self.commands.append(cmd)
        payload = document.get("payload")
        answer = self._answer(mid, cmd, payload if isinstance(payload, dict) else {})
        self.log_exchange(cmd, answer, started)
        return web.json_response(answer)

    def _answer(self, mid: str, cmd: str, payload: dict[str, Any]) -> dict[str, Any]:
        if scripted := self.errors.get(cmd):
            return _error(mid, scripted.pop(0))
        handler = self._handlers.get(cmd)
        if handler is None:
            return _error(mid, "not_supported", cmd)
        try:
            result, body = handler(payload)
        except CommandError as err:
            return _error(mid, err.code, *err.arguments)
        except (KeyError, TypeError, ValueError) as err:
            return _error(mid, "invalid_parameter", str(err))
        return {"mid": mid, "result": result, "payload": body}

    # --- device -----------------------------------------------------------------------------

    def _local_time(self) -> str:
        return datetime.fromtimestamp(self._clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%S")

    def _set_time(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        moment = datetime.strptime(payload["time"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        self._clock.set(moment.timestamp())
        return "Success", {}

    def _get_setting(self, name: str, _payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return name, dict(self.settings[name])

    def _set_setting(self, name: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Take a whole group: every key the device has, each within the document's range."""
        current = self.settings[name]
        if set(payload) != set(current):
            raise CommandError("invalid_parameter", ",".join(sorted(set(current) ^ set(payload))))
        for key, value in payload.items():
            check = _SETTING_CHECKS[key]
            if isinstance(check, range):
                if isinstance(value, bool) or not isinstance(value, int) or value not in check:
                    raise CommandError("invalid_parameter", key)
            elif check is bool:
                if not isinstance(value, bool):
                    raise CommandError("invalid_parameter", key)
            elif value not in check:
                raise CommandError("invalid_parameter", key)
        current.update(payload)
        return "Success", {}

    def _set_bells(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        bells = payload["bells"]
        if not isinstance(bells, list) or len(bells) != len(self.bells):
            raise CommandError("invalid_parameter", "bells")
        for bell in bells:
            if (
                set(bell) != set(_NO_BELL)
                or parse_span(f"{bell['start']}-23:59") is None
                or bell["duration_index"] not in range(9)
                or bell["type_index"] not in range(3)
                or bell["weekmask"] not in range(128)
            ):
                raise CommandError("invalid_parameter", "bells")
        self.bells = [dict(bell) for bell in bells]
        return "Success", {}

    def _set_shifts(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        shifts = payload["shifts"]
        if not isinstance(shifts, list) or len(shifts) != len(self.shifts):
            raise CommandError("invalid_parameter", "shifts")
        for shift in shifts:
            if not isinstance(shift, list) or len(shift) != 3:
                raise CommandError("invalid_parameter", "shifts")
            for period in shift:
                empty = period == _NO_PERIOD
                if not empty and parse_span(f"{period['start']}-{period['end']}") is None:
                    raise CommandError("invalid_parameter", "shifts")
        self.shifts = [[dict(period) for period in shift] for shift in shifts]
        return "Success", {}

    def _set_user_shift(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        user = self._user(payload)
        days = payload["shift"]
        valid = set(range(26)) | {100}
        if not isinstance(days, list) or len(days) != 100 or not set(days) <= valid:
            raise CommandError("invalid_parameter", "shift")
        datetime.strptime(payload["shift_start_day"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        user.shift_start_day = payload["shift_start_day"]
        user.shift = list(days)
        return "Success", {}

    def _departments(self, _payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        counts = Counter(user.depart for user in self.users.values())
        return "DeptList", {
            "depts": [
                {"name": name, "shift": shift, "user_count": counts[name]}
                for name, shift in self.departments.items()
            ]
        }

    def _set_department(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if payload["Action"] != "Add":  # the others are not used by Home Assistant
            raise CommandError("not_supported", payload["Action"])
        name = str(payload["dept_new"])
        if not name or name in self.departments:
            raise CommandError("invalid_parameter", "dept_new")
        if len(self.departments) >= 100:
            raise CommandError("dept_full")
        self.departments[name] = list(payload.get("shift", [100, 0, 0, 0, 0, 0, 100]))
        return "Success", {}

    @property
    def relay_open(self) -> bool:
        """Return True while the lock is released after a granted verification."""
        return monotonic() < self.relay_until

    def _lock_device(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if payload["is_locked"] not in ("yes", "no"):
            raise CommandError("invalid_parameter", "is_locked")
        self.locked = payload["is_locked"] == "yes"
        return "Success", {}

    def _usage(self, _payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        users = self.users.values()
        return "CurrentUsage", {
            "attend_log_count": len(self.logs),
            "card_count": sum(1 for user in users if user.card),
            "face_count": sum(1 for user in users if user.face),
            "fp_count": sum(len(user.fp) for user in users),
            "manager_count": sum(1 for user in users if user.privilege != "user"),
            "palm_count": sum(len(user.palm) for user in users),
            "password_count": sum(1 for user in users if user.password),
            "user_count": len(self.users),
        }

    def _device_control(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        action = payload["Action"]
        if action in ("ClearUsers", "ClearAllData"):
            self.users.clear()
        if action in ("ClearAttendLog", "ClearAllData"):
            self.logs.clear()
            self.log_base = 0
        if action in ("ClearAdminLog", "ClearAllData"):
            self.admin_log.clear()
        if action == "ClearAllData":
            self.settings = {name: dict(values) for name, values in _SETTINGS.items()}
        elif action == "ClearAdmins":
            for user in self.users.values():
                user.privilege = "user"
        elif action not in ("ClearUsers", "ClearAttendLog", "ClearAdminLog"):
            raise CommandError("invalid_parameter", "Action")
        return "Success", {}

    # --- users ------------------------------------------------------------------------------

    def _user(self, payload: dict[str, Any]) -> SimUser:
        user = self.users.get(str(payload["id"]))
        if user is None:
            raise CommandError(ERROR_USER, payload["id"])
        return user

    def _user_ids(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        start = int(payload.get("start_pos", 0))
        ids = list(self.users)
        body: dict[str, Any] = {"user_id": ids[start : start + USER_PAGE]}
        if start + USER_PAGE < len(ids):
            body["next_page_pos"] = start + USER_PAGE
        return "UserIdList", body

    def _set_user(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        user_id = str(payload["id"])
        if not user_id or len(user_id) > 32:
            raise CommandError("invalid_parameter", "id")
        user = self.users.setdefault(user_id, SimUser(user_id))
        for key in ("name", "depart", "privilege", "password", "card", "face"):
            if key in payload:
                setattr(user, key, str(payload[key]))
        for key in ("fp", "palm"):
            if key in payload:
                setattr(user, key, [str(item) for item in payload[key]])
        return "Success", {}

    def _delete_user(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        del self.users[self._user(payload).user_id]
        return "Success", {}

    def add_user(self, user_id: str, name: str) -> SimUser:
        """Add a user as if enrolled at the device (a face template and a card)."""
        user = SimUser(user_id, name, card=random_digits(self._rng, 9), face=self._template())
        self.users[user_id] = user
        return user

    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count."""
        for index in range(1, count + 1):
            self.add_user(str(index), demo_name(index))

    def _template(self) -> str:
        return base64.b64encode(bytes(self._rng.randrange(256) for _ in range(64))).decode()

    # --- access control ---------------------------------------------------------------------

    def _set_zones(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        zones = payload["zones"]
        if not isinstance(zones, list) or len(zones) != len(self.ac_zones):
            raise CommandError("invalid_parameter", "zones")
        if any(not isinstance(zone, list) or len(zone) > 6 for zone in zones):
            raise CommandError("invalid_parameter", "zones")
        self.ac_zones = [[dict(item) for item in zone] for zone in zones]
        return "Success", {}

    def _access_of(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        user = self._user(payload)
        body = {"id": user.user_id, "time_zone": user.time_zone, "valid_period": user.valid_period}
        return "AcUserInfo", body

    def _set_access(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        user = self._user(payload)
        week = [int(zone) for zone in payload["time_zone"]]
        if len(week) != 7 or not all(0 <= zone < len(self.ac_zones) for zone in week):
            raise CommandError("invalid_parameter", "time_zone")
        period = payload["valid_period"]
        if not isinstance(period, dict) or not isinstance(period.get("use"), bool):
            raise CommandError("invalid_parameter", "valid_period")
        user.time_zone = week
        user.valid_period = {key: period.get(key, _NO_DATE) for key in ("use", "start", "end")}
        return "Success", {}

    def _photo_to_face(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        photo = base64.b64decode(str(payload["photo"]), validate=True)
        if (state := self.photo_states.get(photo)) is not None:
            return "PhotoToFaceData", {"state": state}
        if not photo.startswith(b"\xff\xd8"):
            return "PhotoToFaceData", {"state": "decode_fail"}
        face = base64.b64encode(hashlib.sha256(photo).digest()).decode()
        return "PhotoToFaceData", {"state": "succeeded", "face_data": face}

    def verify(self, user_id: str, mode: str = "face") -> str:
        """Let a person identify: the terminal decides from its access settings.

        A passage is logged (the uploader sends it); a refusal is not (the log is attendance).
        """
        user = self.users.get(user_id)
        if self.locked:
            return LOCKED
        if user is None:
            return UNREGISTERED
        wanted = _VERIFY_MODES.get(self.settings["VerifyMode"]["verify_mode"])
        if wanted and {part.strip() for part in mode.split(",")} != wanted:
            return VERIFY_MODE
        moment = datetime.fromtimestamp(self._clock.now(), UTC)
        period = user.valid_period
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if period.get("use") and not str(period["start"]) <= stamp <= str(period["end"]):
            return EXPIRED
        zone = sunday_first(user.time_zone, moment)
        spans = [
            parse_span(f"{item.get('start')}-{item.get('end')}") for item in self.ac_zones[zone]
        ]
        if not within(moment, [span for span in spans if span is not None]):
            return TIME_ZONE
        self.punch(user_id, mode)
        self.relay_until = monotonic() + self.settings["AcSetting"]["unlock_time"]
        return GRANTED

    # --- attendance log ---------------------------------------------------------------------

    @property
    def next_pos(self) -> int:
        """Return the position the next log will have."""
        return self.log_base + len(self.logs)

    def punch(self, user_id: str, mode: str = "face") -> dict[str, Any]:
        """Someone verified: append an attendance log (the uploader sends it soon)."""
        log = {"user_id": user_id, "time": self._local_time(), "mode": mode}
        self.logs.append(log)
        self._upload_wake.set()
        return log

    def random_event(self) -> None:
        """Let a random user verify with a random method."""
        if self.users:
            mode = self._rng.choice(("face", "face", "fp", "card", "face,pwd"))
            self.punch(self._rng.choice(list(self.users)), mode)

    def batch(self, start: int) -> dict[str, Any]:
        """Return the logs from position `start` on, as GetAttendLog and the uploader send them."""
        if start > self.next_pos:  # past the end (the log was cleared): say where it ends
            return {"start_pos": start, "next_pos": self.next_pos, "logs": []}
        start = max(start, self.log_base)
        logs = self.logs[start - self.log_base : start - self.log_base + LOG_PAGE]
        return {"start_pos": start, "next_pos": start + len(logs), "logs": logs}

    def _attend_log(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return "AttendLog", self.batch(int(payload.get("start_pos", self.log_base)))

    def _erase_log(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        end = min(int(payload["end_pos"]), self.next_pos)
        if end > self.log_base:
            del self.logs[: end - self.log_base]
            self.log_base = end
        return "Success", {}

    # --- log uploader -----------------------------------------------------------------------

    def _config_uploader(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if not self.supports_uploader:
            raise CommandError("not_supported", "ConfigAttendLogUploader")
        interval = int(payload.get("interval", 60))
        if not 5 <= interval <= 3600:
            raise CommandError("invalid_parameter", "interval")
        self.upload_target = str(payload["target_uri"])
        self.upload_interval = float(interval)
        self.upload_pos = None
        if self._uploader is None or self._uploader.done():
            self._uploader = asyncio.get_running_loop().create_task(self._upload_loop())
        return "Success", {}

    def _uploader_status(self, _payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        active = self._uploader is not None and not self._uploader.done()
        pending = self.next_pos - (self.upload_pos or self.log_base)
        return "AttendLogUploaderStatus", {
            "status": "active" if active else "inactive",
            "pending_count": max(pending, 0),
        }

    async def _stop_uploader(self) -> None:
        if self._uploader is not None:
            self._uploader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._uploader
            self._uploader = None

    async def go_away(self) -> None:
        """Power lost: the uploader stops too (its configuration is kept)."""
        await self._stop_uploader()
        await super().go_away()

    async def come_back(self) -> None:
        """Power back: serve again and resume uploading where the server says."""
        await super().come_back()
        if self.upload_target is not None and self._uploader is None:
            self.upload_pos = None
            self._uploader = asyncio.get_running_loop().create_task(self._upload_loop())

    async def _upload_loop(self) -> None:
        """Post logs to the target every interval (sooner after a new log), as the device does."""
        while True:
            # Cleared before the upload: a log made while it runs wakes the next one at once.
            self._upload_wake.clear()
            try:
                await self.upload_once()
            except (aiohttp.ClientError, TimeoutError, ValueError) as err:
                self._logger.info("%s upload failed: %r", self.serial, err)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._upload_wake.wait(), self.upload_interval)

    async def upload_once(self) -> bool:
        """Run one upload exchange; return True if the server took logs."""
        if self.upload_target is None:
            return False
        if self.upload_pos is None:
            answer = await self._post({})
            position = answer.get("next_upload_pos")
            self.upload_pos = int(position) if isinstance(position, int) else self.log_base
        if self.upload_pos >= self.next_pos:
            return False
        answer = await self._post(self.batch(self.upload_pos))
        position = answer.get("next_upload_pos")
        if isinstance(position, int):
            self.upload_pos = position
        self.uploads += 1
        return True

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        target = self.upload_target or ""
        session = self._session
        if session is None:
            session = self._own_session = self._own_session or aiohttp.ClientSession()
        started = monotonic()
        async with session.post(
            target, json=body, timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            answer = await response.json(content_type=None)
        self.log_exchange(f"upload {len(body.get('logs', []))} log(s)", answer, started)
        return answer if isinstance(answer, dict) else {}

    # --- enrollment -------------------------------------------------------------------------

    def _begin(self, kind: str) -> tuple[str, dict[str, Any]]:
        if any(job.state == "pending" for job in self.jobs.values()):
            raise CommandError("device_busy")
        job_id = next(self._job_ids)
        self.jobs[job_id] = Job(kind, monotonic() + self.enroll_delay)
        return "JobCreated", {"job_id": job_id}

    def _job(self, payload: dict[str, Any]) -> tuple[int, Job]:
        job_id = int(payload["job_id"])
        job = self.jobs.get(job_id)
        if job is None:
            raise CommandError("job_id_not_exists", job_id)
        return job_id, job

    def _job_status(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        job_id, job = self._job(payload)
        if job.state == "pending" and monotonic() >= job.done_at:
            job.state = "succeeded"
        body: dict[str, Any] = {"job_id": job_id, "state": job.state}
        if job.state == "succeeded":
            if job.kind == "card":
                body["card_data"] = int(random_digits(self._rng, 9))
            else:
                body[f"{job.kind}_data"] = self._template()
        return "JobStatus", body

    def _cancel_job(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        _job_id, job = self._job(payload)
        if job.state == "pending":
            job.state = "failed"
        return "Success", {}

    def _cancel_all(self, _payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        for job in self.jobs.values():
            if job.state == "pending":
                job.state = "failed"
        return "Success", {}


# Refused while the terminal is locked (LockDevice), or with other credentials than its mode.
LOCKED: Final = "locked"
VERIFY_MODE: Final = "verify_mode"
# verify_mode -> the log modes a person must present together (0, "Any": whatever they have).
_VERIFY_MODES: Final[dict[int, set[str]]] = {
    1: {"fp"},
    2: {"card", "fp"},
    3: {"card"},
    4: {"fp"},
    5: {"pwd"},
    6: {"card", "pwd"},
    7: {"fp", "pwd"},
    8: {"fp", "card", "pwd"},
    9: {"face"},
    10: {"card", "face"},
    11: {"face", "pwd"},
    12: {"face", "card", "pwd"},
    13: {"face", "fp"},
    14: {"face", "fp", "card"},
    15: {"face", "fp", "pwd"},
}
_NO_DATE: Final = "2000-01-01T00:00:00"
_NO_BELL: Final = {"duration_index": 0, "start": "00:00", "type_index": 0, "weekmask": 0}
_NO_PERIOD: Final = {"start": "", "end": ""}
_SETTINGS: Final[dict[str, dict[str, Any]]] = {
    "SoundVolume": {"sound_volume": 6},
    "VerifyMode": {"verify_mode": 0},
    "ReverifyTime": {"reverify_time": 1},
    "FaceVerifySetting": {
        "antispoofing_thre": 2,
        "multi_veri_enabled": True,
        "use_antispoofing": True,
    },
    "ChangeUserInfoOnDeviceAllowed": {"is_allowed": "yes"},
    "DeviceId": {"device_id": 1},
    "AcSetting": {
        "monitor_tamper": False,
        "multi_verify_count": 1,
        "unlock_time": 5,
        "wiegand_format": 0,
    },
    "ShiftMode": {"shift_mode": "user"},
    "AttendaceTolerance": {
        "afternoon_in_tolerance": 0,
        "afternoon_out_tolerance": 0,
        "morning_in_tolerance": 0,
        "morning_out_tolerance": 0,
    },
}
# What each setting may be set to, as the document gives it.
_SETTING_CHECKS: Final[dict[str, Any]] = {
    "sound_volume": range(1, 11),
    "verify_mode": range(16),
    "reverify_time": range(60),
    "antispoofing_thre": range(5),
    "multi_veri_enabled": bool,
    "use_antispoofing": bool,
    "is_allowed": ("yes", "no"),
    "device_id": range(1, 256),
    "monitor_tamper": bool,
    "multi_verify_count": range(1, 11),
    "unlock_time": range(201),
    "wiegand_format": range(3),
    "shift_mode": ("user", "department", "User", "Department"),
    "afternoon_in_tolerance": range(121),
    "afternoon_out_tolerance": range(121),
    "morning_in_tolerance": range(121),
    "morning_out_tolerance": range(121),
}
_ALL_DAY: Final = {"start": "00:00", "end": "23:59"}
_CAPABILITIES: Final = {
    "access_control": False,
    "card": True,
    "ethernet": True,
    "face": True,
    "fingerprint": True,
    "input_device": True,
    "palm": True,
    "password": True,
    "vrface": True,
    "wifi": False,
}
_LIMITS: Final = {
    "max_user": 5000,
    "max_face": 3000,
    "max_fp": 15000,
    "max_attend_log": 400000,
    "max_palm": 1000,
}


def _error(mid: str, code: str, *arguments: Any) -> dict[str, Any]:
    return {"mid": mid, "result": "Error", "payload": {"code": code, "arguments": list(arguments)}}


# --- command line ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m simulator control_api`."""
    parser.add_argument(
        "--listen", type=listen_address, default=("127.0.0.1", 8081), help="HOST:PORT to serve"
    )
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the device's API key")
    parser.add_argument(
        "--no-uploader", action="store_true", help="play firmware without the log uploader"
    )
    add_device_arguments(parser, serial=DEFAULT_SERIAL)


async def run(args: argparse.Namespace) -> None:
    """Serve one device until a signal."""
    host, port = args.listen
    simulator = ControlApiSimulator(
        args.serial,
        api_key=args.api_key,
        host=host,
        port=port,
        event_interval=args.event_interval or None,
        seed=args.seed,
        uploader=not args.no_uploader,
    )
    await run_demo(simulator, args)


FAMILY = SimulatorFamily(
    name="control_api",
    help="a terminal with the device control interface (Home Assistant polls it; it posts logs)",
    add_arguments=add_arguments,
    run=run,
)
