"""A "Webserver + JSON" terminal (specs/000_021a89f13c4f291f.txt): it serves the API, we call it.

Every request is a POST of `{"cmd": ..., "password": ...}`; a wrong password gets `result: false,
reason: 2`. The device keeps users (with templates by `backupnum`), a door with a lock mode,
real-time records that `getrtlog` hands over once (and deletes), an attendance log, enrollment
started by `adduser` that finishes after a delay, and firmware uploads reassembled from base64
blocks and checked against their MD5. `disabledevice` makes it recognise nobody until
`enabledevice`; `setlogs` adds records to the attendance log, which `getreport` counts (the
document gives no report: its shape here is the simulator's own).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
import hashlib
from typing import Any, Final

from aiohttp import web

from simulator.access_rules import DISABLED, GRANTED, UNREGISTERED, AiFaceZones
from simulator.aiface_parameters import ACCESS_DEFAULTS, TERMINAL_DEFAULTS, Parameters
from simulator.cli import (
    SimulatorFamily,
    add_device_arguments,
    listen_address,
    run_demo,
)
from simulator.common import demo_name, jpeg_photo, monotonic, random_digits
from simulator.pull_server import DeviceServer

DEFAULT_SERIAL: Final = "AYTI10087992"
DEFAULT_PASSWORD: Final = "123456"  # noqa: S105 - the demo device's password
PAGE_SIZE: Final = 50
# "Error Codes (reason)" of the document.
REASON_PARAMETER: Final = 1
REASON_PASSWORD: Final = 2
REASON_BUSY: Final = 3
REASON_NO_FACE: Final = 5
REASON_DUPLICATE_FACE: Final = 12
# What `verify` answers while the device is disabled (`disabledevice`).
DEVICE_DISABLED: Final = "device_disabled"
# While upgrading, 2 and 3 mean "File too large" and "File size is 0".
REASON_FILE_TOO_LARGE: Final = 2
REASON_FILE_EMPTY: Final = 3
# backupnum values (Technical Appendices).
BACKUP_PASSWORD: Final = 10
BACKUP_CARD: Final = 11
BACKUP_ALL_FINGERS: Final = 12
BACKUP_WHOLE_USER: Final = 13
BACKUP_PHOTO: Final = 50
BACKUP_FACE: Final = 51
BACKUP_FACES: Final = (BACKUP_PHOTO, BACKUP_FACE)
BACKUP_PALMS: Final = (40, 41)
LOCK_NORMAL: Final = 3
MAX_FIRMWARE: Final = 64 * 1024 * 1024
# Random events: verification mode and weight (face, card, fingerprint, stranger).
RANDOM_MODES: Final = ((3, 60), (1, 20), (0, 15), (-1, 5))


@dataclass
class SimUser:
    """One person in the device."""

    user_id: str
    name: str = ""
    admin: int = 0
    card: int | str = 0
    enabled: bool = True
    # backupnum -> base64 data (fingerprints 0-9, password 10, palms 40-41, photo 50, face 51).
    templates: dict[int, str] = field(default_factory=dict)

    def listing(self) -> dict[str, Any]:
        """Return the user as getuserlist shows it."""
        return {
            "id": self.user_id,
            "name": self.name,
            "admin": self.admin,
            "face": int(BACKUP_FACE in self.templates or BACKUP_PHOTO in self.templates),
            "fp": sum(1 for key in self.templates if 0 <= key <= 9),
            "palm": sum(1 for key in self.templates if 40 <= key <= 41),
            "card": self.card,
            "enable": int(self.enabled),
        }


@dataclass
class Upload:
    """A firmware upload in progress: the blocks received so far."""

    filename: str
    md5: str
    total: int
    blocks: dict[int, bytes] = field(default_factory=dict)


class WebJsonSimulator(DeviceServer):
    """A simulated Webserver + JSON terminal."""

    family = "webjson"

    def __init__(
        self,
        serial: str = DEFAULT_SERIAL,
        *,
        password: str = DEFAULT_PASSWORD,
        host: str = "127.0.0.1",
        port: int = 0,
        event_interval: float | None = None,
        seed: int | None = None,
        enroll_delay: float = 3.0,
        model: str = "AiFace-Mars",
        firmware: str = "ai-2.3.18",
    ) -> None:
        """Build a device with no users and an empty log."""
        super().__init__(serial, host=host, port=port, event_interval=event_interval, seed=seed)
        self.password = password
        self.enroll_delay = enroll_delay
        self.model = model
        self.firmware_version = firmware
        self.users: dict[str, SimUser] = {}
        self.rtlog: list[dict[str, Any]] = []
        self.attendance: list[dict[str, Any]] = []
        self.door_open = False
        # Terminal parameters, spelled in capitals as this document shows them (`VOLUME`), and
        # access parameters. The door stays open for the open delay: longer than a poll (5 s)
        # out of the box, since the document tells of the door only when asked.
        self.devinfo = Parameters(TERMINAL_DEFAULTS, capitals=True)
        self.devlock = Parameters({**ACCESS_DEFAULTS, "opendelay": 8})
        self._open_seconds: float | None = None
        self.initializations = 0
        # Elevator control: every floor free to choose (openallfloors) or each person's own.
        self.all_floors_free = False
        self._door_timer: asyncio.TimerHandle | None = None
        self.lock_mode = LOCK_NORMAL
        # Menu settings changed at the terminal since they were last reset (`initmenu`).
        self.menu_changes: dict[str, Any] = {}
        # The questionnaire as `setquestionnaire` gave it (empty: none).
        self.questionnaire: dict[str, Any] = {}
        # The name shown on the screen (`setcompanyname`).
        self.company_name = "Simulated Ltd"
        self.doors_opened = 0
        self.enrollments: dict[str, tuple[int, float]] = {}
        self.uploads: dict[str, Upload] = {}
        self.installed: list[tuple[str, str, bytes]] = []
        self.reboots = 0
        self.commands: list[str] = []
        # Scripted refusals: command -> reasons answered to its next calls.
        self.refusals: dict[str, list[int]] = {}
        self._list_cursor = 0
        # The access rules Home Assistant wrote, enforced by `verify` (see access_rules.py):
        # zones and holidays, and each person's lock (enrollid -> `setuserlock` record).
        self.zones = AiFaceZones()
        self.locks: dict[str, dict[str, Any]] = {}
        # `disabledevice` stops it recognising anyone until `enabledevice`.
        self.enabled = True
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "login": lambda _request: {},
            "getlang": lambda _request: {"lang": "en-US"},
            "getlangoption": lambda _request: {
                "langs": [
                    {"lvalue": 0, "ltitle": "English"},
                    {"lvalue": 1, "ltitle": "Simplified Chinese"},
                ]
            },
            "reg": self._reg,
            "getuserlist": self._user_list,
            "getuserids": lambda _request: {
                "count": len(self.users),
                "record": list(self.users),
            },
            "checkuserid": lambda request: {"exists": str(request.get("enrollid")) in self.users},
            "getuserinfo": self._user_info,
            "setuserinfo": self._set_user,
            "deleteuser": self._delete_user,
            "deleteusers": self._delete_users,
            "deleteuserface": lambda request: self._delete_templates(request, BACKUP_FACES),
            "deleteuserfp": lambda request: self._delete_templates(request, range(10)),
            "deleteuserpalm": lambda request: self._delete_templates(request, BACKUP_PALMS),
            "cleanuser": self._clean_users,
            "enableuser": self._enable_user,
            "getlog": self._log,
            "cleanlog": self._clean_log,
            "getrtlog": self._rtlog,
            "gettime": lambda _request: {"time": self._local_time()},
            "settime": self._set_time,
            "opendoor": self._open_door,
            "lockctrl": self._lock_control,
            "getdoorstatus": lambda _request: {"status": int(self.door_open)},
            "adduser": self._add_user,
            "checkregstatus": self._registration_status,
            "upgrade": self._upgrade,
            "setdevlock": self._set_devlock,
            "getdevlock": lambda _request: {**self.devlock.values, **self.zones.documents()},
            "setdevinfo": lambda request: self._took(self.devinfo.update(request)),
            "getdevinfo": lambda _request: dict(self.devinfo.values),
            "initsys": self._initsys,
            "cleanadmin": self._clean_admins,
            "openallfloors": lambda _request: self._floors(free=True),
            "closeallfloors": lambda _request: self._floors(free=False),
            "setholiday": lambda request: self._took(self.zones.set_holidays(request["holidays"])),
            "getholiday": lambda _request: {"holidays": self.zones.holidays},
            "setuserlock": self._set_locks,
            "getuserlock": lambda request: {
                "enrollid": str(request["enrollid"]),
                **self.locks.get(str(request["enrollid"]), {}),
            },
            "deleteuserlock": lambda request: self._took(
                self.locks.pop(str(request["enrollid"]), None) is not None
            ),
            "cleanuserlock": self._clean_locks,
            "getcompanyname": lambda _request: {"companyname": self.company_name},
            "setcompanyname": self._set_company_name,
            "setquestionnaire": self._set_questionnaire,
            "getquestionnaire": lambda _request: dict(self.questionnaire),
            "cleanquestionnaire": self._clean_questionnaire,
            "cleaninactiveuser": self._clean_inactive_users,
            "cleanlogphoto": self._clean_log_photos,
            "initmenu": self._init_menu,
            "cleandatebase": self._clean_database,
            "disabledevice": lambda _request: self._set_enabled(enabled=False),
            "enabledevice": lambda _request: self._set_enabled(enabled=True),
            "setlogs": self._set_logs,
            "getreport": self._report,
        }

    @property
    def open_seconds(self) -> float:
        """Return how long an opening holds the door open: the open delay, unless a test says."""
        if self._open_seconds is not None:
            return self._open_seconds
        return float(self.devlock.get("opendelay"))

    @open_seconds.setter
    def open_seconds(self, seconds: float) -> None:
        self._open_seconds = seconds

    def routes(self) -> list[web.RouteDef]:
        """Answer POSTs at any path (the document names none)."""
        return [web.post("/{tail:.*}", self._handle)]

    # --- requests ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = monotonic()
        try:
            document = await self.read_json(request)
        except ValueError:
            return web.json_response({"result": False, "reason": REASON_PARAMETER}, status=400)
        if not isinstance(document, dict) or not isinstance(document.get("cmd"), str):
            return web.json_response({"result": False, "reason": REASON_PARAMETER}, status=400)
        cmd = document["cmd"].lower()
        self.commands.append(cmd)
        answer = self._answer(cmd, document)
        self.log_exchange(cmd, answer, started)
        if answer is None:  # reboot: the device restarts without answering
            await self._restart(request)
            return web.Response()
        return web.json_response(answer)

    def _answer(self, cmd: str, document: dict[str, Any]) -> dict[str, Any] | None:
        head: dict[str, Any] = {"ret": cmd, "sn": self.serial}
        if document.get("password") != self.password:
            return {**head, "result": False, "reason": REASON_PASSWORD}
        if refusals := self.refusals.get(cmd):
            return {**head, "result": False, "reason": refusals.pop(0)}
        if cmd == "reboot":
            return None
        handler = self._handlers.get(cmd)
        if handler is None:
            return {**head, "result": False, "reason": REASON_PARAMETER}
        try:
            body = handler(document)
        except (KeyError, TypeError, ValueError):
            return {**head, "result": False, "reason": REASON_PARAMETER}
        if "reason" in body:
            return {**head, "result": False, **body}
        return {**head, "result": True, **body}

    async def _restart(self, request: web.Request) -> None:
        self.reboots += 1
        if request.transport is not None:
            request.transport.close()
        self.rtlog.clear()  # what was not read is lost, as on the device
        self.door_open = False

    # --- device -----------------------------------------------------------------------------

    def _local_time(self) -> str:
        return datetime.fromtimestamp(self._clock.now(), UTC).strftime("%Y-%m-%d %H:%M:%S")

    def _reg(self, _request: dict[str, Any]) -> dict[str, Any]:
        faces = sum(1 for user in self.users.values() if BACKUP_FACE in user.templates)
        return {
            "devinfo": {
                "modelname": self.model,
                "manufacturer": "Simulated",
                "fpalgo": "thbio3.0",
                "firmware": self.firmware_version,
                "time": self._local_time(),
                "curip": self.host,
                "timezone": "GMT+0",  # the simulated device keeps UTC
                "usersize": 3000,
                "facesize": 3000,
                "fpsize": 3000,
                "logsize": 100000,
                "useduser": len(self.users),
                "usedface": faces,
                "usedfp": sum(1 for u in self.users.values() for k in u.templates if k <= 9),
                "usedlog": len(self.attendance),
            }
        }

    def _set_devlock(self, request: dict[str, Any]) -> dict[str, Any]:
        # Only what is given changes: parameters here, zones in AiFaceZones (checked first).
        if not self.zones.valid(request) or not self.devlock.update(request):
            return {"reason": REASON_PARAMETER}
        self.zones.set_zones(request)
        return {}

    def _clean_admins(self, _request: dict[str, Any]) -> dict[str, Any]:
        for user in self.users.values():
            user.admin = 0
        return {}

    def _floors(self, *, free: bool) -> dict[str, Any]:
        self.all_floors_free = free
        return {}

    def _initsys(self, _request: dict[str, Any]) -> dict[str, Any]:
        # "Clear all users and records, restore some settings."
        self.users.clear()
        self.locks.clear()
        self.rtlog.clear()
        self.attendance.clear()
        self.devinfo = Parameters(TERMINAL_DEFAULTS, capitals=True)
        self.initializations += 1
        return {}

    def _set_time(self, request: dict[str, Any]) -> dict[str, Any]:
        moment = datetime.strptime(request["cloudtime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        self._clock.set(moment.timestamp())
        return {}

    def _open_door(self, _request: dict[str, Any]) -> dict[str, Any]:
        self.doors_opened += 1
        self._open_for_a_while()
        return {}

    def _open_for_a_while(self) -> None:
        self.door_open = True
        self._cancel_timers()
        self._door_timer = asyncio.get_running_loop().call_later(
            self.open_seconds, self._close_door
        )

    def _close_door(self) -> None:
        self._door_timer = None
        if self.lock_mode != 1:
            self.door_open = False

    def _cancel_timers(self) -> None:
        if self._door_timer is not None:
            self._door_timer.cancel()
            self._door_timer = None

    def _lock_control(self, request: dict[str, Any]) -> dict[str, Any]:
        mode = int(request.get("mode", request.get("lockmode", 0)))
        if mode not in (1, 2, 3):
            return {"reason": REASON_PARAMETER}
        self.lock_mode = mode
        self.door_open = mode == 1
        return {}

    # --- users ------------------------------------------------------------------------------

    def _user(self, request: dict[str, Any]) -> SimUser | None:
        return self.users.get(str(request["enrollid"]))

    def _user_list(self, request: dict[str, Any]) -> dict[str, Any]:
        if request.get("stn") is True:
            self._list_cursor = 0
        users = list(self.users.values())
        page = users[self._list_cursor : self._list_cursor + PAGE_SIZE]
        self._list_cursor += len(page)
        return {"count": len(users), "record": [user.listing() for user in page]}

    def _user_info(self, request: dict[str, Any]) -> dict[str, Any]:
        user = self._user(request)
        if user is None:
            return {"reason": REASON_PARAMETER}
        if "backupnum" in request:
            backupnum = int(request["backupnum"])
            if backupnum not in user.templates:
                return {"reason": REASON_PARAMETER}
            return {
                "enrollid": user.user_id,
                "backupnum": backupnum,
                "record": user.templates[backupnum],
            }
        listing = user.listing()
        return {"enrollid": user.user_id, "faceflag": listing.pop("face"), **listing}

    def _set_user(self, request: dict[str, Any]) -> dict[str, Any]:
        user_id = str(request["enrollid"])
        user = self.users.setdefault(user_id, SimUser(user_id))
        if "backupnum" in request:
            backupnum = int(request["backupnum"])
            record = str(request["record"])
            if backupnum == BACKUP_PHOTO and not _decodes(record):
                return {"reason": REASON_NO_FACE}
            user.templates[backupnum] = record
            return {"enrollid": user_id}
        user.name = str(request.get("name", user.name))
        user.admin = int(request.get("admin", user.admin))
        user.card = request.get("card", user.card)
        return {"enrollid": user_id}

    def _delete_user(self, request: dict[str, Any]) -> dict[str, Any]:
        user = self._user(request)
        if user is None:
            return {"reason": REASON_PARAMETER}
        backupnum = int(request.get("backupnum", BACKUP_WHOLE_USER))
        if backupnum == BACKUP_WHOLE_USER:
            del self.users[user.user_id]
            self.locks.pop(user.user_id, None)
        elif backupnum == BACKUP_ALL_FINGERS:
            user.templates = {k: v for k, v in user.templates.items() if k > 9}
        elif backupnum == BACKUP_CARD:
            user.card = 0
        else:
            user.templates.pop(backupnum, None)
        return {"enrollid": user.user_id}

    def _delete_templates(self, request: dict[str, Any], slots: Iterable[int]) -> dict[str, Any]:
        """Delete a user's face, fingerprints or palms (`deleteuserface`, `fp`, `palm`)."""
        user = self._user(request)
        if user is None:
            return {"reason": REASON_PARAMETER}
        for backupnum in slots:
            user.templates.pop(backupnum, None)
        return {"enrollid": user.user_id}

    def _set_company_name(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request["companyname"]
        if not isinstance(name, str) or len(name) > 64:
            return {"reason": REASON_PARAMETER}
        self.company_name = name
        return {}

    def _set_questionnaire(self, request: dict[str, Any]) -> dict[str, Any]:
        items = request.get("items")
        if not isinstance(items, list) or not 1 <= len(items) <= 16:
            return {"reason": REASON_PARAMETER}
        self.questionnaire = {k: v for k, v in request.items() if k not in ("cmd", "password")}
        return {}

    def _clean_questionnaire(self, _request: dict[str, Any]) -> dict[str, Any]:
        self.questionnaire = {}
        return {}

    def _clean_inactive_users(self, _request: dict[str, Any]) -> dict[str, Any]:
        for user_id in [key for key, user in self.users.items() if not user.enabled]:
            del self.users[user_id]
            self.locks.pop(user_id, None)
        return {}

    def _clean_log_photos(self, _request: dict[str, Any]) -> dict[str, Any]:
        for item in self.attendance:
            item.pop("photo", None)
        return {}

    def _init_menu(self, _request: dict[str, Any]) -> dict[str, Any]:
        self.menu_changes.clear()
        return {}

    def _clean_database(self, _request: dict[str, Any]) -> dict[str, Any]:
        """Forget users, records and rules; the device then restarts (counted in `reboots`)."""
        self.users.clear()
        self.locks.clear()
        self.attendance.clear()
        self.rtlog.clear()
        self.zones = AiFaceZones()
        self.reboots += 1
        return {}

    def _delete_users(self, request: dict[str, Any]) -> dict[str, Any]:
        for user_id in request["list"]:
            self.users.pop(str(user_id), None)
        return {}

    def _clean_users(self, _request: dict[str, Any]) -> dict[str, Any]:
        self.users.clear()
        self.locks.clear()
        return {}

    def _enable_user(self, request: dict[str, Any]) -> dict[str, Any]:
        user = self._user(request)
        if user is None:
            return {"reason": REASON_PARAMETER}
        user.enabled = int(request["enflag"]) == 1
        return {}

    def add_user(self, user_id: str, name: str, **templates: str) -> SimUser:
        """Add a user as if enrolled at the device (templates by backupnum name, e.g. face)."""
        user = SimUser(user_id, name, card=int(random_digits(self._rng, 8)))
        user.templates[BACKUP_FACE] = templates.get("face", _template(self._rng))
        self.users[user_id] = user
        return user

    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count with a face template and a card."""
        for index in range(1, count + 1):
            self.add_user(str(index), demo_name(index))

    @staticmethod
    def _took(accepted: bool) -> dict[str, Any]:
        return {} if accepted else {"reason": REASON_PARAMETER}

    def _set_locks(self, request: dict[str, Any]) -> dict[str, Any]:
        records = request["record"]
        if not isinstance(records, list) or len(records) > 40:
            return {"reason": REASON_PARAMETER}
        for record in records:
            self.locks[str(record["enrollid"])] = dict(record)
        return {}

    def _clean_locks(self, _request: dict[str, Any]) -> dict[str, Any]:
        self.locks.clear()
        return {}

    # --- records ----------------------------------------------------------------------------

    def verify(self, user_id: str, *, mode: int = 3) -> str:
        """Someone known to the terminal verifies: let them in (a record) or refuse (none).

        The terminal decides from what it holds: enabled, the person's lock (validity, week
        zone) and the zones and holidays; see access_rules.AiFaceZones.
        """
        if not self.enabled:
            return DEVICE_DISABLED
        user = self.users.get(user_id)
        if user is None:
            return UNREGISTERED
        if not user.enabled:
            return DISABLED
        moment = datetime.fromtimestamp(self._clock.now(), UTC)
        outcome = self.zones.decide(self.locks.get(user_id), 1, moment)
        if outcome == GRANTED:
            self.record(user_id, mode=mode)
        return outcome

    def record(
        self, user_id: str, *, mode: int = 3, event: int = 0, realtime: bool = True
    ) -> dict[str, Any]:
        """Someone verified at the terminal: a real-time record and an attendance log.

        `realtime` False: the real-time record was handed over in an answer lost on the way
        (the device deleted it): only the attendance log keeps it.
        """
        user = self.users.get(user_id)
        item = {
            "enrollid": user_id,
            "name": user.name if user else "",
            "time": self._local_time(),
            "mode": mode,
            "event": event,
        }
        if realtime:
            self.rtlog.append(item)
        self.attendance.append(item)
        if user is not None and user.enabled and self.lock_mode != 2:
            self._open_for_a_while()
        return item

    def random_event(self) -> None:
        """Let a random known person (or a stranger) verify."""
        modes = [mode for mode, _weight in RANDOM_MODES]
        weights = [weight for _mode, weight in RANDOM_MODES]
        mode = self._rng.choices(modes, weights)[0]
        if not self.enabled:
            return  # disabled: it recognises nobody
        if mode < 0 or not self.users:
            self.record("0", mode=3)
        else:
            self.record(
                self._rng.choice(list(self.users)), mode=mode, event=self._rng.randint(0, 2)
            )
            if self.lock_mode == LOCK_NORMAL:
                self._open_for_a_while()  # let in: the door opens, and shuts again

    def _rtlog(self, _request: dict[str, Any]) -> dict[str, Any]:
        # Handed over once: the device deletes what it answered.
        records, self.rtlog = self.rtlog[:PAGE_SIZE], self.rtlog[PAGE_SIZE:]
        return {"count": len(records), "record": records}

    def _log(self, request: dict[str, Any]) -> dict[str, Any]:
        """Page through the attendance log from `index`, by day (`from` / `to`, inclusive)."""
        start = int(request.get("index", 0))
        first, last = str(request.get("from", "")), str(request.get("to", ""))
        logs = [
            item
            for item in self.attendance
            if (not first or item["time"][:10] >= first) and (not last or item["time"][:10] <= last)
        ]
        return {"record": logs[start : start + PAGE_SIZE]}

    def _set_logs(self, request: dict[str, Any]) -> dict[str, Any]:
        """Add records by hand (`setlogs`: id, event, time) to the attendance log only.

        Every record is checked before any is added: one bad record adds none.
        """
        added = []
        for item in request["records"]:
            user_id, event = str(item["id"]), item["event"]
            # The device's local time (the simulated device keeps UTC).
            moment = datetime.strptime(item["time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            if not user_id.isdigit() or not isinstance(event, int) or not 0 <= event <= 8:
                return {"reason": REASON_PARAMETER}
            user = self.users.get(user_id)
            added.append(
                {
                    "enrollid": user_id,
                    "name": user.name if user else "",
                    "time": moment.strftime("%Y-%m-%d %H:%M:%S"),
                    "event": event,
                }
            )
        self.attendance.extend(added)
        self.attendance.sort(key=lambda record: str(record["time"]))
        return {}

    def _report(self, request: dict[str, Any]) -> dict[str, Any]:
        """Report a person's days of the range (`getreport`): first and last record, how many.

        The document gives no answer: this shape is the simulator's own.
        """
        user_id = str(request["enrollid"])
        first = date.fromisoformat(request["from"])
        last = date.fromisoformat(request["to"])
        if user_id not in self.users or last < first:
            return {"reason": REASON_PARAMETER}
        days: dict[str, list[str]] = {}
        for item in self.attendance:
            day = str(item["time"])[:10]
            if item["enrollid"] == user_id and first.isoformat() <= day <= last.isoformat():
                days.setdefault(day, []).append(str(item["time"])[11:])
        return {
            "enrollid": user_id,
            "record": [
                {"date": day, "first": min(times), "last": max(times), "count": len(times)}
                for day, times in sorted(days.items())
            ],
        }

    def _set_enabled(self, *, enabled: bool) -> dict[str, Any]:
        self.enabled = enabled
        return {}

    def _clean_log(self, _request: dict[str, Any]) -> dict[str, Any]:
        self.attendance.clear()
        self.rtlog.clear()
        return {}

    # --- enrollment -------------------------------------------------------------------------

    def _add_user(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.enrollments:
            return {"reason": REASON_BUSY}
        user_id = str(request["enrollid"])
        self.enrollments[user_id] = (int(request["backupnum"]), monotonic() + self.enroll_delay)
        return {"enrollid": user_id}

    def _registration_status(self, request: dict[str, Any]) -> dict[str, Any]:
        user_id = str(request["enrollid"])
        job = self.enrollments.get(user_id)
        if job is None:
            return {"reason": REASON_PARAMETER}
        backupnum, done_at = job
        if monotonic() < done_at:
            return {"enrollid": user_id, "status": 0}
        del self.enrollments[user_id]
        user = self.users.setdefault(user_id, SimUser(user_id))
        if backupnum == BACKUP_CARD:
            user.card = int(random_digits(self._rng, 8))
        elif backupnum == BACKUP_PHOTO:
            user.templates[BACKUP_PHOTO] = base64.b64encode(jpeg_photo(user.name)).decode()
            user.templates[BACKUP_FACE] = _template(self._rng)
        else:
            user.templates[backupnum] = _template(self._rng)
        return {"enrollid": user_id, "status": 1}

    # --- firmware ---------------------------------------------------------------------------

    def _upgrade(self, request: dict[str, Any]) -> dict[str, Any]:
        md5 = str(request["md5"]).lower()
        index = int(request["index"])
        total = int(request.get("total", index + 1))
        if int(request.get("size", 1)) > MAX_FIRMWARE:
            return {"reason": REASON_FILE_TOO_LARGE}
        upload = self.uploads.setdefault(md5, Upload(str(request["filename"]), md5, total))
        if index > len(upload.blocks) or index >= total:
            return {"reason": REASON_PARAMETER}  # a gap: blocks come in order
        upload.blocks[index] = base64.b64decode(str(request["record"]), validate=True)
        if len(upload.blocks) < upload.total:
            return {"index": index}
        del self.uploads[md5]
        data = b"".join(upload.blocks[i] for i in range(upload.total))
        if not data:
            return {"reason": REASON_FILE_EMPTY}
        if hashlib.md5(data, usedforsecurity=False).hexdigest() != md5:
            return {"reason": REASON_PARAMETER}
        self.installed.append((upload.filename, md5, data))
        return {"index": index}


def _template(rng: Any) -> str:
    return base64.b64encode(bytes(rng.randrange(256) for _ in range(64))).decode()


def _decodes(text: str) -> bool:
    try:
        return bool(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return False


# --- command line ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m simulator webjson`."""
    parser.add_argument(
        "--listen", type=listen_address, default=("127.0.0.1", 8080), help="HOST:PORT to serve"
    )
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help="the device password")
    add_device_arguments(parser, serial=DEFAULT_SERIAL)


async def run(args: argparse.Namespace) -> None:
    """Serve one device until a signal."""
    host, port = args.listen
    simulator = WebJsonSimulator(
        args.serial,
        password=args.password,
        host=host,
        port=port,
        event_interval=args.event_interval or None,
        seed=args.seed,
    )
    await run_demo(simulator, args)


FAMILY = SimulatorFamily(
    name="webjson",
    help="a Webserver + JSON terminal serving its API (Home Assistant polls it)",
    add_arguments=add_arguments,
    run=run,
)
