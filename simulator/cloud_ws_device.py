"""The tables of a simulated cloud WebSocket terminal, and its answer to every server command.

specs/002_c663bad8f76a6161.txt part B: each command gets `{"ret": cmd, "sn": ..., "result": ...}`;
listings come in pages (`stn` true for the first). No I/O here: cloud_ws.py owns the socket.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import random
from typing import Any

from simulator.access_rules import DISABLED, GRANTED, UNREGISTERED, USED_UP, AiFaceZones
from simulator.aiface_parameters import ACCESS_DEFAULTS, TERMINAL_DEFAULTS, Parameters
from simulator.common import demo_name, jpeg_photo, random_digits

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# backupnum: 0-9 fingerprints, 10 password, 11 card, 20-27 faces, 40-41 palms, 50 photo.
PASSWORD, CARD, PHOTO = 10, 11, 50
DELETE_FINGERPRINTS, DELETE_ALL = 12, 13
USERS_PER_PAGE = 40
LOGS_PER_PAGE = 50
HOLIDAYS_PER_PAGE = 10
# Door events of records with enrollid 0 (T_UI_MGLOG_TYPE).
DOOR_CLOSED, DOOR_OPENED, EXIT_BUTTON, SOFTWARE_OPEN = 0, 1, 2, 3


@dataclass
class SimUser:
    """One person: their records by backupnum, role, state and access parameters."""

    name: str = ""
    admin: int = 0
    enabled: bool = True
    records: dict[int, Any] = field(default_factory=dict)
    lock: dict[str, Any] | None = None
    profile: str = ""
    department: str = ""
    # Passages left (`access_times`; None: no limit).
    uses_left: int | None = None


@dataclass
class SimLog:
    """One stored log; `new` until the server acknowledged or fetched it."""

    fields: dict[str, Any]
    new: bool = True


@dataclass
class Paging:
    """A listing in progress: what it lists and where the next page starts.

    `logs` (new logs being fetched) stop being new as their page is handed out.
    """

    items: list[dict[str, Any]]
    position: int = 0
    logs: list[SimLog] | None = None


class DeviceTables:
    """Users, logs and settings, and the answer to each command."""

    def __init__(self, serial: str, rng: random.Random) -> None:
        """Start with no users and no logs, on the host's local time."""
        self.serial = serial
        self.rng = rng
        # The device keeps local wall time: UTC plus this (set by the server's `cloudtime`).
        offset = datetime.now().astimezone().utcoffset()
        self.local_offset = offset or timedelta()
        self.users: dict[int, SimUser] = {}
        self.logs: list[SimLog] = []
        # Terminal (`setdevinfo`) and access (`setdevlock`) parameters; the open delay is how
        # long a door opened by the server stays released.
        self.settings = Parameters(TERMINAL_DEFAULTS)
        self.access = Parameters(ACCESS_DEFAULTS)
        # The day and week zones and holidays that decide passages (see access_rules.py).
        self.zones = AiFaceZones()
        self.questionnaire: dict[str, Any] = {"title": "", "items": []}
        self.holidays: list[dict[str, Any]] = []
        self.public_profile = ""
        # What the server did: door openings (door numbers), lockctrl codes, reboots.
        self.door_commands: list[int] = []
        # Each opening by the server: (door, seconds the lock stays released).
        self.releases: list[tuple[int, int]] = []
        self.lock_modes: list[int] = []
        self.reboots = 0
        self.initializations = 0
        self.pagings: dict[str, Paging] = {}
        # Remote enrollments to finish: (enrollid, backupnum).
        self.enrollments: list[tuple[int, int]] = []
        # Commands answered, by name (what the tests look at).
        self.received: list[dict[str, Any]] = []

    # -- what people do --------------------------------------------------------------------

    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count with a name, a card and a photo."""
        for number in range(1, count + 1):
            name = demo_name(number)
            photo = base64.b64encode(jpeg_photo(name)).decode()
            self.users[number] = SimUser(
                name=name, records={CARD: int(random_digits(self.rng, 8)), PHOTO: photo}
            )

    def now(self) -> str:
        """Return the device's local time as it writes it."""
        return (datetime.now(UTC) + self.local_offset).strftime(TIME_FORMAT)

    def set_time(self, text: object) -> bool:
        """Set the local time from a server's "YYYY-MM-DD HH:MM:SS"; False if unreadable."""
        try:
            local = datetime.strptime(str(text), TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return False
        self.local_offset = local - datetime.now(UTC)
        return True

    def record(
        self,
        enroll_id: int,
        *,
        mode: int,
        inout: int = 0,
        event: int = 0,
        photo: bool = True,
        temperature: float | None = None,
    ) -> SimLog:
        """Store a log of a person (or, with enroll_id 0, of the door)."""
        fields: dict[str, Any] = {
            "enrollid": enroll_id,
            "time": self.now(),
            "mode": mode,
            "inout": inout,
            "event": event,
        }
        if temperature is not None:
            fields["temp"] = temperature
        if photo and enroll_id:
            name = self.users[enroll_id].name if enroll_id in self.users else str(enroll_id)
            fields["image"] = base64.b64encode(jpeg_photo(name, seed=len(self.logs))).decode()
        log = SimLog(fields)
        self.logs.append(log)
        return log

    def devinfo(self) -> dict[str, Any]:
        """Return the `reg` devinfo: capacities and usage."""
        return {
            "modelname": "AiFace-Mars",
            "usersize": 3000,
            "fpsize": 3000,
            "cardsize": 3000,
            "pwdsize": 3000,
            "logsize": 100000,
            "useduser": len(self.users),
            "usedfp": self._count(range(10)),
            "usedcard": self._count(range(CARD, CARD + 1)),
            "usedpwd": self._count(range(PASSWORD, PASSWORD + 1)),
            "usedlog": len(self.logs),
            "usednewlog": sum(log.new for log in self.logs),
            "fpalgo": "thbio3.0",
            "firmware": "ai806 v5.09",
            "time": self.now(),
            "mac": "00-01-A9-01-00-01",
        }

    def _count(self, backupnums: range) -> int:
        return sum(
            1 for user in self.users.values() for number in user.records if number in backupnums
        )

    # -- commands --------------------------------------------------------------------------

    def answer(self, command: dict[str, Any]) -> dict[str, Any] | None:
        """Return the answer to a server command (None: no answer, as for `reboot`)."""
        self.received.append(command)
        name = str(command.get("cmd"))
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            return self._result(name, False, reason=1)
        answer: dict[str, Any] | None = handler(command)
        return answer

    def _result(self, command: str, ok: bool = True, /, **fields: Any) -> dict[str, Any]:
        return {"ret": command, "sn": self.serial, "result": ok, **fields}

    def _user(self, command: dict[str, Any]) -> tuple[int, SimUser | None]:
        number = command.get("enrollid", command.get("enrolled"))
        number = number if isinstance(number, int) else -1
        return number, self.users.get(number)

    def _page(
        self,
        name: str,
        command: dict[str, Any],
        build: Callable[[], Paging],
        size: int,
        key: str = "record",
    ) -> dict[str, Any]:
        paging = self.pagings.get(name)
        if command.get("stn", True) is not False or paging is None:
            paging = self.pagings[name] = build()
        start = paging.position
        items = paging.items[start : start + size]
        paging.position += len(items)
        for log in (paging.logs or [])[start : start + size]:
            log.new = False
        if not items:
            self.pagings.pop(name, None)
            return self._result(name, count=0, **{"from": 0, "to": 0, key: []})
        fields = {"count": len(paging.items), "from": start, "to": start + len(items) - 1}
        if name == "getuserlist":
            fields["count"] = len(items)  # the user listing counts the page, logs the total
        return self._result(name, **fields, **{key: items})

    def _cmd_getuserlist(self, command: dict[str, Any]) -> dict[str, Any]:
        def build() -> Paging:
            items = [
                {"enrollid": number, "admin": user.admin, "backupnum": backupnum}
                for number, user in sorted(self.users.items())
                for backupnum in sorted(user.records) or [PASSWORD]
                if user.records or backupnum == PASSWORD
            ]
            return Paging(items)

        return self._page("getuserlist", command, build, USERS_PER_PAGE)

    def _logs_paging(self, only_new: bool, command: dict[str, Any] | None = None) -> Paging:
        chosen = [log for log in self.logs if log.new or not only_new]
        if command is not None:  # getalllog: optionally from / to a day ("2018-11-1")
            first, last = _day(command.get("from")), _day(command.get("to"))
            chosen = [
                log
                for log in chosen
                if (first is None or log.fields["time"][:10] >= first)
                and (last is None or log.fields["time"][:10] <= last)
            ]
        items = [{k: v for k, v in log.fields.items() if k != "image"} for log in chosen]
        return Paging(items, logs=chosen if only_new else None)

    def _cmd_getnewlog(self, command: dict[str, Any]) -> dict[str, Any]:
        return self._page("getnewlog", command, lambda: self._logs_paging(True), LOGS_PER_PAGE)

    def _cmd_getalllog(self, command: dict[str, Any]) -> dict[str, Any]:
        return self._page(
            "getalllog", command, lambda: self._logs_paging(False, command), LOGS_PER_PAGE
        )

    def _cmd_getholiday(self, command: dict[str, Any]) -> dict[str, Any]:
        return self._page(
            "getholiday",
            command,
            lambda: Paging(list(self.holidays)),
            HOLIDAYS_PER_PAGE,
            key="holidays",
        )

    def _cmd_getuserinfo(self, command: dict[str, Any]) -> dict[str, Any]:
        number, user = self._user(command)
        backupnum = command.get("backupnum")
        if user is None or backupnum not in user.records:
            return self._result("getuserinfo", False, reason=1)
        return self._result(
            "getuserinfo",
            enrollid=number,
            name=user.name,
            backupnum=backupnum,
            admin=user.admin,
            record=user.records[backupnum],
        )

    def _cmd_setuserinfo(self, command: dict[str, Any]) -> dict[str, Any]:
        number, user = self._user(command)
        if not 0 < number <= 99_999_999:
            return self._result("setuserinfo", False, reason=1)
        user = self.users.setdefault(number, user or SimUser())
        user.name = str(command.get("name", user.name))
        user.admin = int(command.get("admin", user.admin))
        if "enable" in command:
            user.enabled = bool(command["enable"])
        user.department = str(command.get("department", user.department))
        for key, backupnum in (("card", CARD), ("pwd", PASSWORD)):
            if key in command:
                user.records[backupnum] = command[key]
        if "starttime" in command or "endtime" in command or "zoneid" in command:
            lock = user.lock or {"weekzone": 1, "group": 0}
            user.lock = {
                **lock,
                "weekzone": int(command.get("zoneid", lock["weekzone"])),
                "group": int(command.get("groupid", lock.get("group", 0))),
                "starttime": command.get("starttime"),
                "endtime": command.get("endtime"),
            }
        if "access_times" in command:
            user.uses_left = int(command["access_times"]) or None
        if isinstance(command.get("backupnum"), int):
            user.records[command["backupnum"]] = command.get("record")
        return self._result("setuserinfo", enrollid=number)

    def _cmd_deleteuser(self, command: dict[str, Any]) -> dict[str, Any]:
        number, user = self._user(command)
        backupnum = command.get("backupnum")
        if user is None:
            return self._result("deleteuser", False, reason=1)
        if backupnum == DELETE_ALL:
            del self.users[number]
        elif backupnum == DELETE_FINGERPRINTS:
            user.records = {k: v for k, v in user.records.items() if k >= 10}
        elif backupnum in user.records:
            del user.records[backupnum]
        else:
            return self._result("deleteuser", False, reason=1)
        return self._result("deleteuser")

    def _cmd_getusername(self, command: dict[str, Any]) -> dict[str, Any]:
        _number, user = self._user(command)
        if user is None:
            return self._result("getusername", False, reason=1)
        return self._result("getusername", record=user.name)

    def _cmd_setusername(self, command: dict[str, Any]) -> dict[str, Any]:
        for item in command.get("record") or []:
            _number, user = self._user(item)
            if user is not None:
                user.name = str(item.get("name", ""))
        return self._result("setusername")

    def _cmd_enableuser(self, command: dict[str, Any]) -> dict[str, Any]:
        _number, user = self._user(command)
        if user is None:
            return self._result("enableuser", False, reason=1)
        user.enabled = bool(command.get("enflag"))
        return self._result("enableuser")

    def _cmd_cleanuser(self, _command: dict[str, Any]) -> dict[str, Any]:
        self.users.clear()
        return self._result("cleanuser")

    def _cmd_cleanlog(self, _command: dict[str, Any]) -> dict[str, Any]:
        self.logs.clear()
        return self._result("cleanlog")

    def _cmd_initsys(self, _command: dict[str, Any]) -> dict[str, Any]:
        # "initialize system will delete all users and all logs, and the setting still not change"
        self.users.clear()
        self.logs.clear()
        self.initializations += 1
        return self._result("initsys")

    def _cmd_reboot(self, _command: dict[str, Any]) -> None:
        self.reboots += 1

    def _cmd_cleanadmin(self, _command: dict[str, Any]) -> dict[str, Any]:
        for user in self.users.values():
            user.admin = 0
        return self._result("cleanadmin")

    def _cmd_settime(self, command: dict[str, Any]) -> dict[str, Any]:
        return self._result("settime", self.set_time(command.get("cloudtime")))

    def _cmd_gettime(self, _command: dict[str, Any]) -> dict[str, Any]:
        return {"ret": "gettime", "sn": self.serial, "time": self.now()}

    def _cmd_setdevinfo(self, command: dict[str, Any]) -> dict[str, Any]:
        return self._result("setdevinfo", self.settings.update(command))

    def _cmd_getdevinfo(self, _command: dict[str, Any]) -> dict[str, Any]:
        return self._result("getdevinfo", **self.settings.values)

    def _cmd_setdevlock(self, command: dict[str, Any]) -> dict[str, Any]:
        # Only what is given changes: parameters here, zones in AiFaceZones (checked first).
        if not self.zones.valid(command) or not self.access.update(command):
            return self._result("setdevlock", False, reason=1)
        self.zones.set_zones(command)
        return self._result("setdevlock")

    def _cmd_getdevlock(self, _command: dict[str, Any]) -> dict[str, Any]:
        return self._result("getdevlock", **self.access.values, **self.zones.documents())

    def _cmd_opendoor(self, command: dict[str, Any]) -> dict[str, Any]:
        door = command.get("doornum", 0)
        if not isinstance(door, int) or not 0 <= door <= 4:
            return self._result("opendoor", False, reason=1)
        self.door_commands.append(door)
        # The lock is released for the open delay (`setdevlock` opendelay).
        self.releases.append((door, int(self.access.get("opendelay"))))
        return self._result("opendoor")

    def _cmd_lockctrl(self, command: dict[str, Any]) -> dict[str, Any]:
        code = command.get("fuc")
        if code not in range(1, 7):
            return self._result("lockctrl", False, reason=1)
        self.lock_modes.append(int(code))  # type: ignore[arg-type]
        return self._result("lockctrl")

    def _cmd_getuserlock(self, command: dict[str, Any]) -> dict[str, Any]:
        number, user = self._user(command)
        if user is None or user.lock is None:
            return self._result("getuserlock", False, reason=1)
        return self._result("getuserlock", enrollid=number, **user.lock)

    def _cmd_setuserlock(self, command: dict[str, Any]) -> dict[str, Any]:
        for item in command.get("record") or []:
            _number, user = self._user(item)
            if user is not None:
                user.lock = {k: v for k, v in item.items() if k != "enrollid"}
        return self._result("setuserlock")

    def _cmd_deleteuserlock(self, command: dict[str, Any]) -> dict[str, Any]:
        _number, user = self._user(command)
        if user is None or user.lock is None:
            return self._result("deleteuserlock", False, reason=1)
        user.lock = None
        return self._result("deleteuserlock")

    def _cmd_cleanuserlock(self, _command: dict[str, Any]) -> dict[str, Any]:
        for user in self.users.values():
            user.lock = None
        return self._result("cleanuserlock")

    def _cmd_getquestionnaire(self, _command: dict[str, Any]) -> dict[str, Any]:
        return self._result("getquestionnaire", **self.questionnaire)

    def _cmd_setquestionnaire(self, command: dict[str, Any]) -> dict[str, Any]:
        self.questionnaire = {k: v for k, v in command.items() if k != "cmd"}
        return self._result("setquestionnaire")

    def _cmd_setholiday(self, command: dict[str, Any]) -> dict[str, Any]:
        holidays = command.get("holidays")
        if not self.zones.set_holidays(holidays):
            return self._result("setholiday", False, reason=1)
        self.holidays = self.zones.holidays
        return self._result("setholiday")

    def _cmd_setuserprofile(self, command: dict[str, Any]) -> dict[str, Any]:
        number, user = self._user(command)
        text = str(command.get("profile", ""))
        if number == 0:
            self.public_profile = text
        elif user is not None:
            user.profile = text
        else:
            return self._result("setuserprofile", False, reason=1)
        return self._result("setuserprofile", enrollid=number)

    def _cmd_getuserprofile(self, command: dict[str, Any]) -> dict[str, Any]:
        number, user = self._user(command)
        text = self.public_profile if number == 0 else (user.profile if user else None)
        if text is None:
            return self._result("getuserprofile", False, reason=1)
        return self._result("getuserprofile", enrollid=number, record=text)

    def _cmd_adduser(self, command: dict[str, Any]) -> dict[str, Any]:
        number, _user = self._user(command)
        backupnum = command.get("backupnum")
        if not 0 < number <= 99_999_999 or not isinstance(backupnum, int):
            return self._result("adduser", False, enrollid=number, reason=1)
        if backupnum in self.users.get(number, SimUser()).records:
            return self._result("adduser", False, enrollid=number, reason=2)
        self.enrollments.append((number, backupnum))
        return self._result("adduser", enrollid=number)

    def _cmd_getdevcap(self, _command: dict[str, Any]) -> dict[str, Any]:
        info = self.devinfo()
        capacities = {k: v for k, v in info.items() if k.endswith("size") or k.startswith("used")}
        return self._result(
            "getdevcap",
            facesize=3000,
            usedface=self._count(range(PHOTO, 51)),
            palmsize=0,
            usedpalm=0,
            **capacities,
        )

    def decide(self, number: int, door: int = 1) -> str:
        """Decide whether a person identifying at `door` may pass, as the terminal does.

        A passage granted uses one of the person's permitted accesses, if they have a count.
        """
        user = self.users.get(number)
        if user is None:
            return UNREGISTERED
        if not user.enabled:
            return DISABLED
        if user.uses_left is not None and user.uses_left <= 0:
            return USED_UP
        moment = datetime.strptime(self.now(), TIME_FORMAT).replace(tzinfo=UTC)
        outcome = self.zones.decide(user.lock, door, moment)
        if outcome == GRANTED and user.uses_left is not None:
            user.uses_left -= 1
        return outcome

    def enrolled(self, number: int, backupnum: int) -> dict[str, Any]:
        """Finish a remote enrollment: store the credential, return the `senduser` frame."""
        user = self.users.setdefault(number, SimUser(name=f"User {number}"))
        if backupnum == CARD:
            record: Any = int(random_digits(self.rng, 8))
        elif backupnum == PASSWORD:
            record = int(random_digits(self.rng, 6))
        elif backupnum == PHOTO:
            record = base64.b64encode(jpeg_photo(user.name)).decode()
        else:
            record = base64.b64encode(self.rng.randbytes(64)).decode()
        user.records[backupnum] = record
        return {
            "cmd": "senduser",
            "sn": self.serial,
            "enrollid": number,
            "name": user.name,
            "backupnum": backupnum,
            "admin": user.admin,
            "record": record,
        }


def _day(value: Any) -> str | None:
    """Read a day of `getalllog` ("2018-11-1") as "2018-11-01"; None when absent."""
    if not isinstance(value, str) or not value:
        return None
    year, month, day = (int(part) for part in value.split("-"))
    return f"{year:04d}-{month:02d}-{day:02d}"
