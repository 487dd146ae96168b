"""ZKTeco PUSH terminal: Security PUSH 3.x access control, or the older attendance PUSH.

Security PUSH connects with `options=all` -> (`registry` when the server says `OK`) -> `push`,
posts its parameters (`table=options`), then polls `getrequest` every interval: it runs the
commands, reports all results in one `devicecmd`, uploads what it has queued (users enrolled at the
device, templates, `rtlog` events in batches of 10) and the door status (`rtstate`) when it
changed. Every request after `push` carries `Cookie: token=md5(RegistryCode+SN+SessionID)`.
The attendance variant only asks `options=all`, remembers the stamps and the time zone, and
uploads `ATTLOG` / `OPERLOG` lines acknowledged with `OK: N`.
A refusal (401/403/406) or a broken answer keeps everything queued for the next cycle; a refusal
also makes the terminal connect again.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import replace
from datetime import datetime
import logging
from typing import Any, Final

import aiohttp

from simulator.access_rules import within
from simulator.cli import SimulatorFamily, add_common_arguments, device_options, run_demo, seconds
from simulator.common import Forwarded, demo_name, jpeg_photo, md5_hex, random_digits
from simulator.device_loop import PollingDevice
from simulator.transport import ExchangeError
from simulator.zk_push_access import (
    EVENT_NO_RIGHT,
    EVENT_OPENED,
    EVENT_OUTSIDE_TIME_ZONE,
    decide,
)
from simulator.zk_push_codec import (
    ERR_CHECKSUM,
    ERR_EXECUTION,
    ERR_LENGTH,
    ERR_PARAMETER,
    ERR_TABLE,
    ERR_UNKNOWN_COMMAND,
    ERR_UNSUPPORTED,
    ERR_UPGRADE,
    ERR_UPLOAD,
    ERR_URL,
    OK,
    Record,
    ServerCommand,
    attlog_line,
    decode_time,
    decode_timezone,
    encode_time,
    encode_timezone,
    format_time,
    join_pairs,
    local_time,
    lowered,
    next_version,
    ok_count,
    parse_commands,
    parse_int,
    parse_pairs,
    parse_time,
    rtlog_line,
    split_fields,
    split_params,
    split_table,
    split_verb,
    transaction_line,
    transaction_tgz,
    unix_time,
)
from simulator.zk_push_device import (
    ATTENDANCE_PUSH_VERSION,
    AUX_INPUTS,
    BIO_FACE,
    BIO_FINGERPRINT,
    MAX_RECORDS_TEN_THOUSANDS,
    PUSH_VERSION,
    DoorSim,
    enrollable_types,
    initial_options,
)
from simulator.zk_push_doors import EVENT_INTERLOCKED, DoorPanel
from simulator.zk_push_linkage import OUT_AUX, LinkageTable
from simulator.zk_push_tables import BioKey, DeviceTables, b64, decode_base64
from simulator.zk_push_transport import Reply, ZkTransport

_LOGGER = logging.getLogger(__name__)

PATH_CDATA: Final = "/iclock/cdata"
PATH_REGISTRY: Final = "/iclock/registry"
PATH_PUSH: Final = "/iclock/push"
PATH_GETREQUEST: Final = "/iclock/getrequest"
PATH_DEVICECMD: Final = "/iclock/devicecmd"
PATH_QUERYDATA: Final = "/iclock/querydata"
PATH_FILE: Final = "/iclock/file"

# Real-time events (Appendix 2).
EVENT_ACCESS: Final = 0
EVENT_UNREGISTERED: Final = 27
EVENT_REMOTE_ID_FAILED: Final = 44
EVENT_REMOTE_ID_TIMEOUT: Final = 45
EVENT_DOOR_LOCKED: Final = 63
EVENT_TAMPER: Final = 100
EVENT_EXIT_BUTTON: Final = 202
EVENT_REMOTE_ID_OK: Final = 222
EVENT_REMOTE_ID: Final = 223
EVENT_DOORBELL: Final = 224
# Appendix 2: "The first user opens the door" (2) and "The super user opens the door" (208).
EVENT_FIRST_CARD: Final = 2
EVENT_SUPER_USER: Final = 208
# Refusals a super user passes (SuperAuthorize has no time zone and gives the door).
EXEMPTED: Final = frozenset({EVENT_OPENED, EVENT_OUTSIDE_TIME_ZONE, EVENT_NO_RIGHT})
# MachineType values of controllers (Appendix 7), which upgrade by UPGRADE method 1.
CONTROLLER_TYPES: Final = 40
EVENT_AUX_INPUT_NORMAL: Final = 225
EVENT_AUX_INPUT_TRIGGERED: Final = 226
EVENT_DEVICE_STARTED: Final = 206
EVENT_LINKAGE: Final = 6  # a linkage rule fired; its verifytype is the event that started it
EVENT_FORCED_OPEN: Final = 102
ALARM_BIT_FORCED: Final = 0  # rtstate alarm bit 0: the door opened without permission
LINKAGE_TABLE: Final = "inoutfun"
VERIFY_FINGERPRINT: Final = 1
VERIFY_CARD: Final = 4
VERIFY_FACE: Final = 15
VERIFY_OTHER: Final = 200  # events the terminal writes itself
INOUT_NONE: Final = 2  # neither in nor out: door and system events
# Attendance verify codes (contract): password, fingerprint, card, face, palm.
ATTENDANCE_VERIFY: Final = (0, 1, 2, 15, 25)

RTLOG_BATCH: Final = 10
# Random events: kind and weight. No alarm happens by itself: a demo whose controller sits in
# tamper alarm with nobody near it looks broken (tests raise alarms on purpose).
RANDOM_EVENTS: Final = (
    ("face", 60),
    ("fingerprint", 8),
    ("card", 8),
    ("unregistered", 8),
    ("exit", 8),
    ("door", 6),
)
# A door opened with the key swings shut again after this many door "seconds".
KEY_OPENING_SECONDS: Final = 4

Handler = Callable[[ServerCommand, str], Awaitable[int]]


class _FunctionSwitch(Forwarded[bool]):
    """A function of the tables that the terminal also announces in an option (0 or 1)."""

    def __init__(self, option: str) -> None:
        """Forward to the tables' flag of the same name and keep option in step."""
        super().__init__("_tables")
        self._option = option

    def __set__(self, instance: object, value: bool) -> None:
        """Switch the function and its option."""
        super().__set__(instance, value)
        if isinstance(instance, ZkPushSimulator):
            instance.options[self._option] = str(int(value))


class ZkPushSimulator(PollingDevice[ZkTransport]):
    """A ZKTeco PUSH terminal that polls a server, keeps its own tables and obeys commands."""

    family = "zk_push"
    # How often CONTROL DEVICE 02 cancelled alarms.
    alarms_cleared = Forwarded[int]("_panel")
    # Every timed release of a lock: (door, seconds).
    releases = Forwarded[list[tuple[int, float]]]("_panel")
    # The auxiliary outputs switched on now (CONTROL DEVICE 01 <output> 02).
    aux_on = Forwarded[set[int]]("_panel")
    # Length of one second of a door's drive time; tests shrink it.
    door_second = Forwarded[float]("_panel", "second")
    # Unified templates and comparison photos (MultiBioDataSupport) are on.
    multi_bio = Forwarded[bool]("_tables")
    # More than one card per user (MulCardUserFunOn, the mulcarduser table) is on.
    mul_card = _FunctionSwitch("MulCardUserFunOn")
    # User validity times are OldEncodeTime seconds (DateFmtFunOn), else YYYYMMDD.
    date_fmt = _FunctionSwitch("DateFmtFunOn")

    def __init__(
        self,
        server: str,
        serial: str,
        *,
        session: aiohttp.ClientSession | None = None,
        doors: int = 1,
        attendance: bool = False,
        poll_interval: float = 3.0,
        event_interval: float | None = None,
        seed: int | None = None,
        enroll_delay: float = 0.2,
        firmware_version: str = "ZAM70-NF24VB-Ver1.0.2",
        timezone_hours: float = 0.0,
        request_timeout: float = 10.0,
        date_fmt: bool = True,
        multi_bio: bool = True,
        mul_card: bool = False,
        aux_outputs: int = 1,
    ) -> None:
        """Set up the terminal; nothing talks to the server before start(), connect() or cycle()."""
        if doors < 1:
            raise ValueError("a terminal has at least one door")
        super().__init__(serial, event_interval=event_interval, seed=seed)
        self.attendance = attendance
        self.poll_interval = poll_interval
        self.enroll_delay = enroll_delay
        self.firmware_version = firmware_version
        self.timezone_hours = timezone_hours
        self._transport = ZkTransport(
            server, serial, session=session, request_timeout=request_timeout
        )
        self._transport.on_refusal = self._refused
        self._tables = DeviceTables(
            attendance=attendance, date_fmt=date_fmt, mul_card=mul_card, multi_bio=multi_bio
        )
        self.options: dict[str, str] = initial_options(
            serial=serial,
            doors=doors,
            firmware_version=firmware_version,
            date_fmt=date_fmt,
            mul_card=mul_card,
            multi_bio=multi_bio,
            aux_outputs=aux_outputs,
        )
        self._panel = DoorPanel(
            doors,
            options=self.options,
            write_event=self._door_event,
            restart=self._request_restart,
            normal_open=self._run_normal_open,
            output_event=self._output_event,
        )
        # The doors (door 1 first) and the executed CONTROL DEVICE commands (action hex, door,
        # arg1, arg2); the user table, door rights, extra cards, templates keyed (PIN, type,
        # number), comparison and display photos, all by PIN.
        self.doors = self._panel.doors
        self.door_commands = self._panel.door_commands
        self.users = self._tables.users
        self.authorize = self._tables.authorize
        self.cards = self._tables.cards
        self.biodata = self._tables.biodata
        self.biophotos = self._tables.biophotos
        self.userpics = self._tables.userpics

        # The session with the server.
        self.connected = False
        self.registry_code: str | None = None
        self.session_id: str | None = None
        self.server_options: dict[str, str] = {}
        self.stamps: dict[str, str] = {}
        self._options_sent = False
        self._info_sent = False
        # Doors a first card freed: the time zone that keeps them free.
        self._first_card: dict[int, int] = {}

        # Records (the transaction table), numbered from 1, and table lines waiting to go up.
        self._pending: list[Record] = []
        self._uploaded: list[Record] = []
        self._next_index = 1
        # How many records the log holds (~MaxAttLogCount); tests shrink it to fill it.
        self.record_capacity = MAX_RECORDS_TEN_THOUSANDS * 10_000
        self._pending_lines: list[tuple[str, str]] = []
        self._operlog_stamp = 0
        # False: firmware without ACCOUNT (the server falls back to DATA QUERY transaction).
        self.account_supported = True
        self._acked_state: str | None = None

        # The linkage rules (inoutfun) it applies by itself; True while a rule's output runs.
        self.linkage = LinkageTable()
        self._linking = False
        # What the server asked for and what the terminal answered, for tests to inspect.
        self.commands: list[str] = []
        # The (ip, port) addresses Test Host reaches from here.
        self.reachable_hosts: set[tuple[str, int]] = set()
        # CONTROL DEVICE 12: (door, 0 every door; loop time it ends) while identity cards register.
        self.id_card_registration: tuple[int, float] | None = None
        self.results: list[dict[str, str]] = []
        self.firmware_installs: list[dict[str, Any]] = []
        self.restarts = 0
        self._unsent_results: list[str] = []
        self._restart_pending = False

    # --- state -----------------------------------------------------------------------------

    @property
    def token(self) -> str | None:
        """The token cookie value for this session, if the terminal has one."""
        if self.registry_code is None or self.session_id is None:
            return None
        return md5_hex((self.registry_code + self.serial + self.session_id).encode()).lower()

    @property
    def pending_records(self) -> list[str]:
        """Record lines not acknowledged yet, oldest first."""
        return [record.line for record in self._pending]

    @property
    def uploaded_records(self) -> list[str]:
        """Record lines the server acknowledged, in upload order."""
        return [record.line for record in self._uploaded]

    # --- the polling loop -----------------------------------------------------------------

    def _period(self) -> float:
        return self.poll_interval

    def _cycle(self) -> Awaitable[object]:
        return self.cycle()

    def _cancel_timers(self) -> None:
        self._panel.cancel_timers()

    async def cycle(self) -> None:
        """Connect if needed, poll once, then upload queued lines, records and door status."""
        async with self._lock:
            self.follow_schedules()  # the terminal's own clock: with or without a server
            if not self.connected and not await self._connect():
                return
            try:
                if not self.attendance and not self._options_sent:
                    await self._send_options()
                # Each step only while the session lasts (a restart or a refusal ends it).
                for step in (
                    self._poll,
                    self._upload_lines,
                    self._upload_pending,
                    self._report_state,
                ):
                    if not self.connected:
                        return
                    await step()
            except ExchangeError as err:
                _LOGGER.info("%s: cycle stopped until the next one: %s", self.serial, err)

    def _refused(self, status: int) -> None:
        """End the session on a refusal: the terminal connects again at the next cycle."""
        if self.connected:
            _LOGGER.info("%s: refused with HTTP %s, will connect again", self.serial, status)
            self.connected = False

    # --- connecting -------------------------------------------------------------------------

    async def connect(self) -> bool:
        """Do the handshake; True when the server accepted the terminal."""
        return await self._exclusive(self._connect, False)

    async def _connect(self) -> bool:
        self.connected = False
        try:
            if self.attendance:
                accepted = await self._attendance_handshake()
            else:
                accepted = await self._security_handshake()
        except ExchangeError:
            return False
        self.connected = accepted
        if not accepted:
            return False
        self._info_sent = False
        self._options_sent = False
        if not self.attendance:
            with contextlib.suppress(ExchangeError):
                await self._send_options()
        return True

    async def _security_handshake(self) -> bool:
        """options=all, then registry if the server does not know us yet, then push."""
        self._transport.token = None
        reply = await self._transport.get(
            PATH_CDATA,
            {"options": "all", "pushver": PUSH_VERSION, "DeviceType": "acc"},
            token=False,
        )
        if reply.status != 200:
            return False
        params = parse_pairs(reply.text)
        lines = reply.text.strip().splitlines()
        if params.get("registry", "").lower() == "ok":
            self.registry_code = params.get("RegistryCode") or self.registry_code
            self.session_id = params.get("SessionID") or None
        elif lines and lines[0].strip() == "OK":
            self.session_id = None
            if not await self._register():
                return False
        else:
            _LOGGER.info("%s: options=all answered neither OK nor registry=ok", self.serial)
            return False
        return await self._push()

    async def _register(self) -> bool:
        body = ",".join(f"{key}={value}" for key, value in self._current_options().items())
        reply = await self._transport.post(PATH_REGISTRY, body, token=False)
        code = parse_pairs(reply.text).get("RegistryCode", "") if reply.status == 200 else ""
        if not code:
            return False
        self.registry_code = code
        return True

    async def _push(self) -> bool:
        """Fetch the server's parameters and a new SessionID; the token follows from it."""
        # The push itself carries a token only when options=all handed out a session.
        self._transport.token = self.token
        reply = await self._transport.post(PATH_PUSH, "")
        params = parse_pairs(reply.text) if reply.status == 200 else {}
        if not params:
            return False
        self.server_options.update(params)
        self.session_id = params.get("SessionID") or self.session_id
        self._transport.token = self.token
        return True

    async def _attendance_handshake(self) -> bool:
        """options=all only: remember the stamps and the time zone the server keeps for us."""
        reply = await self._transport.get(
            PATH_CDATA,
            {"options": "all", "language": "69", "pushver": ATTENDANCE_PUSH_VERSION},
            token=False,
        )
        if reply.status != 200:
            return False
        params = parse_pairs(reply.text)
        if not reply.text.lstrip().startswith("GET OPTION FROM") and "ATTLOGStamp" not in params:
            _LOGGER.info("%s: options=all answer is no attendance option list", self.serial)
            return False
        self.server_options.update(params)
        for key in ("ATTLOGStamp", "OPERLOGStamp", "ATTPHOTOStamp"):
            if key in params:
                self.stamps[key] = params[key]
        if (hours := decode_timezone(params.get("TimeZone"))) is not None:
            self.timezone_hours = hours
        self._resume_after(parse_int(params.get("ATTLOGStamp")))
        return True

    def _resume_after(self, stamp: int | None) -> None:
        """Upload again the records after the stamp the server says it has (it lost some)."""
        if stamp is None:
            return
        lost = [record for record in self._uploaded if record.index > stamp]
        if lost:
            self._uploaded = [record for record in self._uploaded if record.index <= stamp]
            self._pending = sorted(lost + self._pending, key=lambda record: record.index)

    def _current_options(self) -> dict[str, str]:
        """Return the parameters with the live values (firmware, time zone) filled in."""
        self.options.update(
            {
                "FirmVer": self.firmware_version,
                "LockCount": str(len(self.doors)),
                "TimeZone": encode_timezone(self.timezone_hours),
            }
        )
        return self.options

    def _reported_options(self) -> dict[str, str]:
        """Parameters plus the counts the terminal reports in table=options."""
        templates = list(self.biodata)
        return self._current_options() | {
            "UserCount": str(len(self.users)),
            "TransactionCount": str(len(self._pending) + len(self._uploaded)),
            "FPCount": str(sum(1 for key in templates if key[1] == BIO_FINGERPRINT)),
            "FaceCount": str(sum(1 for key in templates if key[1] == BIO_FACE)),
            "BioPhotoCount": str(len(self.biophotos)),
        }

    async def _send_options(self) -> None:
        body = ",".join(f"{key}={value}" for key, value in self._reported_options().items())
        reply = await self._transport.post(PATH_CDATA, body, {"table": "options"})
        self._options_sent = reply.ok

    # --- commands ---------------------------------------------------------------------------

    async def poll(self) -> list[str]:
        """Ask for commands once, run them all and report every result in one devicecmd."""
        return await self._exclusive(self._poll, [], "poll")

    async def _poll(self) -> list[str]:
        params: dict[str, str] = {}
        if self.attendance and not self._info_sent:
            params["INFO"] = self._info()
        reply = await self._transport.get(PATH_GETREQUEST, params)
        if reply.status != 200:
            return []
        self._info_sent = True
        executed: list[str] = []
        for command in parse_commands(reply.text):
            self.commands.append(command.raw)
            code, verb = await self._run_command(command)
            self.results.append({"ID": command.cmd_id, "Return": str(code), "CMD": verb})
            self._unsent_results.append(f"ID={command.cmd_id}&Return={code}&CMD={verb}")
            executed.append(command.raw)
        try:
            await self._report_results()
        finally:
            if self._restart_pending:
                self._restart()
        return executed

    async def _report_results(self) -> None:
        """Send every result not yet acknowledged, several lines in one POST."""
        if not self._unsent_results:
            return
        sent = list(self._unsent_results)
        reply = await self._transport.post(PATH_DEVICECMD, "\n".join(sent))
        if reply.ok:
            del self._unsent_results[: len(sent)]

    async def _run_command(self, command: ServerCommand) -> tuple[int, str]:
        verb, rest = split_verb(command.text)
        handler = self._handlers().get(verb)
        if handler is None:
            _LOGGER.info("%s: unknown command %r", self.serial, command.text[:80])
            return ERR_UNKNOWN_COMMAND, verb
        try:
            return await handler(command, rest), verb
        except ExchangeError as err:
            _LOGGER.info("%s: command %s could not upload: %s", self.serial, command.cmd_id, err)
            return ERR_UPLOAD, verb
        except Exception:
            _LOGGER.exception("%s: command %s failed", self.serial, command.cmd_id)
            return ERR_EXECUTION, verb

    def _handlers(self) -> dict[str, Handler]:
        if self.attendance:
            return {
                "DATA UPDATE": self._data_update,
                "DATA DELETE": self._data_delete,
                "DATA QUERY": self._attendance_query,
                "ENROLL_FP": self._enroll_fingerprint,
                "REBOOT": self._reboot,
            }
        return {
            "DATA UPDATE": self._data_update,
            "DATA DELETE": self._data_delete,
            "DATA QUERY": self._data_query,
            "DATA COUNT": self._data_count,
            "CONTROL DEVICE": self._control_device,
            "SET OPTIONS": self._set_options,
            "GET OPTIONS": self._get_options,
            "ENROLL_BIO": self._enroll_bio,
            "UPGRADE": self._upgrade,
            "ACCOUNT": self._account,
            "Test Host": self._test_host,
        }

    async def _data_update(self, command: ServerCommand, rest: str) -> int:
        table, first = split_table(rest)
        records = [split_fields(first)] + [split_fields(line) for line in command.extra]
        if table.lower() == LINKAGE_TABLE and not self.attendance:
            results = [self.linkage.update(record) for record in records]
            return next((code for code in results if code != OK), OK)
        code = await self._tables.update(table, records, self._transport.fetch)
        if code == OK and table.lower() == "biophoto":
            # PostBackTmpFlag=1: the terminal returns the template it made from the photo.
            for record in records:
                fields = lowered(record)
                if fields.get("postbacktmpflag") == "1":
                    self._capture_template(fields.get("pin", "").strip(), BIO_FACE, 0)
            await self._upload_lines()
        return code

    async def _test_host(self, command: ServerCommand, rest: str) -> int:
        """Test Host Address=<ip>:<port> (12.3): 0 when the address is one it reaches."""
        address = split_params(rest).get("Address", "")
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            return ERR_PARAMETER
        return OK if (host, int(port)) in self.reachable_hosts else ERR_EXECUTION

    async def _data_delete(self, command: ServerCommand, rest: str) -> int:
        table, condition = split_table(rest)
        if table.lower() == "transaction" and not self.attendance:
            if condition.strip() != "*":
                return ERR_PARAMETER
            self._pending.clear()
            self._uploaded.clear()
            return OK
        # Several records are connected by LF, as in DATA UPDATE.
        lines = (condition, *command.extra)
        if table.lower() == LINKAGE_TABLE and not self.attendance:
            results = [self.linkage.delete(line) for line in lines]
        else:
            results = [self._tables.delete(table, line) for line in lines]
        return next((code for code in results if code != OK), OK)

    async def _data_query(self, command: ServerCommand, rest: str) -> int:
        """Run DATA QUERY tablename=..,filter=..: one querydata package, Return=count."""
        params = split_params(rest)
        table = params.get("tablename", "")
        condition = params.get("filter", "*")
        lines: list[str] | None
        if table.lower() == "transaction" and not self.attendance:
            records = sorted(self._pending + self._uploaded, key=lambda record: record.index)
            lines = [f"transaction {transaction_line(record)}" for record in records]
        else:
            lines = self._tables.query_lines(table, "" if condition == "*" else condition)
        if lines is None:
            return ERR_TABLE
        reply = await self._transport.post(
            PATH_QUERYDATA,
            "\n".join(lines),
            {
                "type": "tabledata",
                "cmdid": command.cmd_id,
                "tablename": table,
                "count": str(len(lines)),
                "packcnt": "1",
                "packidx": "1",
            },
        )
        return len(lines) if reply.status == 200 else ERR_UPLOAD

    async def _data_count(self, command: ServerCommand, rest: str) -> int:
        table, condition = split_table(rest)
        if table.lower() == "transaction":
            count: int | None = len(self._pending) + len(self._uploaded)
        else:
            count = self._tables.count(table, "" if condition.strip() == "*" else condition)
        if count is None:
            return ERR_TABLE
        reply = await self._transport.post(
            PATH_QUERYDATA,
            f"{table}={count}",
            {
                "type": "count",
                "cmdid": command.cmd_id,
                "tablename": table,
                "count": "1",
                "packcnt": "1",
                "packidx": "1",
            },
        )
        return OK if reply.status == 200 else ERR_UPLOAD

    async def _set_options(self, command: ServerCommand, rest: str) -> int:
        result = OK
        for key, value in split_params(rest).items():
            if key == "DateTime":
                local = decode_time(int(value) if value.isascii() and value.isdigit() else -1)
                if local is None:
                    result = ERR_PARAMETER
                    continue
                self._clock.set(unix_time(local, self.timezone_hours))
            elif key == "TimeZone" and (hours := decode_timezone(value)) is not None:
                self.timezone_hours = hours
            else:
                self.options[key] = value
        # Functions the server switches (MulCardUserFunOn after AccSupportFunList bit 7).
        self.mul_card = self.options.get("MulCardUserFunOn") == "1"
        self.date_fmt = self.options.get("DateFmtFunOn") == "1"
        return result

    async def _get_options(self, command: ServerCommand, rest: str) -> int:
        values = self._reported_options() | {
            "~SerialNumber": self.serial,
            "DateTime": str(encode_time(self._local_now())),
        }
        wanted = [key.strip() for key in rest.split(",") if key.strip()]
        answer = [(key, values[key]) for key in wanted if key in values]
        reply = await self._transport.post(
            PATH_QUERYDATA,
            join_pairs(answer, ","),
            {
                "type": "options",
                "cmdid": command.cmd_id,
                "tablename": "options",
                "count": "1",
                "packcnt": "1",
                "packidx": "1",
            },
        )
        return OK if reply.status == 200 else ERR_UPLOAD

    async def _enroll_bio(self, command: ServerCommand, rest: str) -> int:
        """Run ENROLL_BIO type, no, pin: capture a template, upload it, then report."""
        fields = lowered(split_fields(rest))
        key = self._tables.template_key(
            fields.get("pin", ""), parse_int(fields.get("type")), parse_int(fields.get("no", "0"))
        )
        if not isinstance(key, int) and key[1] not in enrollable_types(multi_bio=self.multi_bio):
            return ERR_UNSUPPORTED
        return await self._enroll(fields, key)

    async def _enroll_fingerprint(self, command: ServerCommand, rest: str) -> int:
        """Run attendance ENROLL_FP PIN, FID: capture, upload FP in OPERLOG, then report."""
        fields = lowered(split_fields(rest))
        key = self._tables.template_key(
            fields.get("pin", ""), BIO_FINGERPRINT, parse_int(fields.get("fid", "0"))
        )
        return await self._enroll(fields, key)

    async def _enroll(self, fields: dict[str, str], key: BioKey | int) -> int:
        """Capture the template key names, upload it, then report; an int key is an error."""
        if isinstance(key, int):
            return key
        if fields.get("overwrite") == "0" and key in self.biodata:
            return ERR_EXECUTION
        await asyncio.sleep(self.enroll_delay)
        self._capture_template(*key)
        await self._upload_lines()
        return OK

    def _capture_template(self, pin: str, bio_type: int, number: int) -> None:
        """Store a freshly captured template and queue its upload."""
        size = 1024 if bio_type == BIO_FACE else 512
        record = self._tables.store_template(pin, bio_type, number, b64(self._rng.randbytes(size)))
        if self.attendance:
            template = record["Tmp"]
            now = format_time(self._local_now())
            self._pending_lines.append(("OPERLOG", f"OPLOG 6\t0\t{now}\t{pin}\t{number}\t0\t0"))
            fp = join_pairs((("PIN", pin), ("FID", number), ("Size", len(template)), ("Valid", 1)))
            self._pending_lines.append(("OPERLOG", f"FP {fp}\tTMP={template}"))
        elif self.multi_bio:
            self._pending_lines.append(("biodata", self._tables.biodata_line(record)))
        else:
            line = self._tables.templatev10_line(self._tables.uid(pin), record)
            self._pending_lines.append(("templatev10", line))

    async def _upgrade(self, command: ServerCommand, rest: str) -> int:
        """UPGRADE type=1,checksum=..,size=..,url=..: download via /iclock/file, check, restart.

        A controller (MachineType up to 40) takes method 1 instead: no `type`, the file
        base64-encoded, `size` the decoded file's.
        """
        params = {key.lower(): value for key, value in split_params(rest).items()}
        controller = 0 < (parse_int(self.options.get("MachineType")) or 0) <= CONTROLLER_TYPES
        if params.get("type") != ("1" if not controller else None):
            return ERR_UNSUPPORTED
        url = params.get("url", "")
        if not url:
            return ERR_URL
        data: bytes | None = None
        with contextlib.suppress(ExchangeError):
            reply = await self._transport.get(PATH_FILE, {"url": url})
            data = reply.raw if reply.status == 200 else None
        if controller and data is not None:
            data = decode_base64(data.decode("ascii", "replace"))
        md5_ok = data is not None and md5_hex(data) == params.get("checksum", "").upper()
        self.firmware_installs.append({"url": url, "size": len(data or b""), "md5_ok": md5_ok})
        if data is None:
            return ERR_UPGRADE
        if not md5_ok:
            return ERR_CHECKSUM
        size = parse_int(params.get("size"))
        if size is not None and size != len(data):
            return ERR_LENGTH
        self.firmware_version = next_version(self.firmware_version)
        _LOGGER.info("%s: firmware %s installed, restarting", self.serial, self.firmware_version)
        self._restart_pending = True
        return OK

    async def _account(self, command: ServerCommand, rest: str) -> int:
        """ACCOUNT transaction MaxIndex=N: overview, then transaction.tgz; Return=count."""
        if not self.account_supported:
            return ERR_UNKNOWN_COMMAND
        table, condition = split_table(rest)
        if table.lower() != "transaction":
            return ERR_TABLE
        fields = lowered(split_fields(condition))
        records = sorted(self._pending + self._uploaded, key=lambda record: record.index)
        if "maxindex" in fields:
            after = parse_int(fields["maxindex"])
            if after is None:
                return ERR_PARAMETER
            records = [record for record in records if record.index > after]
        elif "startindex" in fields or "endindex" in fields:
            first = parse_int(fields.get("startindex", "0"))
            last = parse_int(fields.get("endindex", str(self._next_index)))
            if first is None or last is None:
                return ERR_PARAMETER
            records = [record for record in records if first <= record.index <= last]
        elif "starttime" in fields or "endtime" in fields:
            start, end = fields.get("starttime", ""), fields.get("endtime", "")
            records = [
                record
                for record in records
                if (not start or record.time >= start) and (not end or record.time <= end)
            ]
        lines = [transaction_line(record) for record in records]
        overview = f"SumCount={len(lines)}\nFileName=transaction.tgz\nContentType=tgz\nFileCount=1"
        reply = await self._transport.post(
            PATH_CDATA, overview, {"cmdid": command.cmd_id, "desc": "overview"}
        )
        if not reply.ok:
            return ERR_UPLOAD
        reply = await self._transport.post(
            PATH_FILE,
            transaction_tgz(lines, self._clock.now()),
            {
                "cmdid": command.cmd_id,
                "fileseq": "1",
                "contenttype": "tgz",
                "table": "transaction",
                "count": str(len(lines)),
            },
        )
        return len(lines) if reply.ok else ERR_UPLOAD

    async def _reboot(self, command: ServerCommand, rest: str) -> int:
        self._restart_pending = True
        return OK

    async def _attendance_query(self, command: ServerCommand, rest: str) -> int:
        """Run DATA QUERY USERINFO [PIN=..]: USER lines in table=OPERLOG, Return=count."""
        table, condition = split_table(rest)
        lines = self._tables.query_lines(table, condition)
        if lines is None:
            return ERR_TABLE
        self._operlog_stamp += 1
        reply = await self._transport.post(
            PATH_CDATA, "\n".join(lines), {"table": "OPERLOG", "Stamp": str(self._operlog_stamp)}
        )
        return len(lines) if ok_count(reply.text) is not None else ERR_UPLOAD

    def _restart(self) -> None:
        """Reboot: the session, the relays and the modes are gone; tables and records stay.

        A controller notes that it started (Appendix 2, code 206), sent once it is back.
        """
        self._restart_pending = False
        self.restarts += 1
        self.connected = False
        self.session_id = None
        self._transport.token = None
        self._acked_state = None
        self._first_card.clear()  # the freeing is a mode, gone with the relays
        self._panel.power_cycle()
        if not self.attendance:
            self.queue_event(EVENT_DEVICE_STARTED, "0", verify=VERIFY_OTHER, inout=INOUT_NONE)

    # --- doors ------------------------------------------------------------------------------

    async def _control_device(self, command: ServerCommand, rest: str) -> int:
        code = rest.strip().split(" ")[0]
        if code[:2] == "12":
            return self._register_id_cards(code)
        return self._panel.control(rest)

    def _register_id_cards(self, code: str) -> int:
        """CONTROL DEVICE 12 <01 on | 00 off> <door, 00 every door> <timeout seconds>."""
        if len(code) < 8 or not all(c in "0123456789abcdefABCDEF" for c in code):
            return ERR_PARAMETER
        enabled, door, seconds = (int(code[i : i + 2], 16) for i in (2, 4, 6))
        if enabled not in (0, 1) or door > len(self.doors):
            return ERR_PARAMETER
        loop = asyncio.get_running_loop()
        self.id_card_registration = (
            (door, loop.time() + seconds * self._panel.second) if enabled else None
        )
        return OK

    def present_identity_card(self, number: str, name: str, door: int = 1) -> bool:
        """Present an identity card at `door`: uploaded (identitycard) while it registers cards.

        Returns whether the reader took it (registration on for that door, not timed out).
        """
        registration = self.id_card_registration
        if registration is None or registration[0] not in (0, door):
            return False
        if asyncio.get_running_loop().time() > registration[1]:
            return False
        row = join_pairs((("pin", "0"), ("SN_Num", number), ("Name", name)))
        self._pending_lines.append(("identitycard", f"identitycard {row}"))
        return True

    def _request_restart(self) -> None:
        self._restart_pending = True

    def _door_event(self, door: DoorSim, event: int) -> None:
        """Queue an event the terminal writes itself: pin 0, verify 200, neither in nor out."""
        if not self.attendance:
            self.queue_event(event, "0", door=door.number, verify=VERIFY_OTHER, inout=INOUT_NONE)

    def _output_event(self, output: int, event: int) -> None:
        """Queue an auxiliary output's event: its number in the door field (eventaddr)."""
        if not self.attendance:
            self.queue_event(event, "0", door=output, verify=VERIFY_OTHER, inout=INOUT_NONE)

    def follow_schedules(self) -> None:
        """Open the doors whose normal-open period (Door<n>KeepOpenTimeZone) runs, shut the rest."""
        if not self.attendance:
            for door in self.doors:
                self._follow_schedule(door)

    def _follow_schedule(self, door: DoorSim) -> None:
        now = self._local_now()
        zone = parse_int(self.options.get(f"Door{door.number}KeepOpenTimeZone")) or 0
        skipped = self.options.get(f"Door{door.number}CancelKeepOpenDelay") == now.strftime(
            "%Y%m%d"
        )
        spans = self._tables.access.spans(zone, now) if zone > 0 and not skipped else []
        # A door a first card freed stays free while that card's time zone runs.
        freed = self._first_card.get(door.number)
        if freed is not None and not within(now, self._tables.access.spans(freed, now)):
            del self._first_card[door.number]
            freed = None
        self._panel.follow_schedule(door, in_period=within(now, spans) or freed is not None)

    def _run_normal_open(self, door: DoorSim, enabled: bool) -> None:
        """CONTROL DEVICE 04: run today's normal-open period of `door` again, or skip it."""
        today = self._local_now().strftime("%Y%m%d")
        self.options[f"Door{door.number}CancelKeepOpenDelay"] = "0" if enabled else today
        self._follow_schedule(door)

    def ring_doorbell(self, door: int = 1, *, snapshot: bool = True) -> None:
        """Ring the doorbell of `door` (Appendix 2, code 224), reported at the next cycle.

        With `snapshot`, the camera takes the visitor's picture: an ATTPHOTO upload (section
        10.9) that goes before the record, named after its time and user 0.
        """
        if not 1 <= door <= len(self.doors):
            raise ValueError(f"no door {door}")
        photo = jpeg_photo(f"visitor at door {door}") if snapshot else None
        self._terminal_event(EVENT_DOORBELL, door, snapshot=photo)

    def report_error(self, code: str, message: str = "", command: int | None = None) -> None:
        """Queue an error log row (section 10.12), uploaded at the next cycle.

        `command`: the number of the server's command that failed (dataorigin=cmd).
        """
        origin = ("dataorigin", "dev") if command is None else ("dataorigin", "cmd")
        pairs = [("errcode", code), ("errmsg", message), origin]
        pairs += [("cmdid", str(command))] if command is not None else []
        self._pending_lines.append(
            ("errorlog", f"errorlog {join_pairs([*pairs, ('additional', '')])}")
        )

    def _queue_snapshot(self, local: datetime, pin: str, photo: bytes) -> None:
        """Queue a snapshot taken at `local` of user `pin` (0: nobody), uploaded before records."""
        name = f"{local.strftime('%Y%m%d%H%M%S')}-{pin}.jpg"
        row = join_pairs(
            (("pin", name), ("sn", self.serial), ("size", str(len(photo))), ("photo", b64(photo)))
        )
        self._pending_lines.append(("ATTPHOTO", row))

    def set_aux_input(self, number: int, *, triggered: bool) -> None:
        """Trigger an auxiliary input (a wired sensor) or bring it back to normal."""
        if not 1 <= number <= AUX_INPUTS:
            raise ValueError(f"no auxiliary input {number}")
        self._terminal_event(
            EVENT_AUX_INPUT_TRIGGERED if triggered else EVENT_AUX_INPUT_NORMAL, number
        )

    def _terminal_event(self, event: int, place: int, *, snapshot: bytes | None = None) -> None:
        if self.attendance:
            raise ValueError("an attendance terminal has no doorbell or auxiliary input")
        self.queue_event(
            event, "0", door=place, verify=VERIFY_OTHER, inout=INOUT_NONE, snapshot=snapshot
        )

    def _state_line(self) -> str:
        sensor, relay, alarm = self._panel.status()
        return join_pairs(
            (
                ("time", format_time(self._local_now())),
                ("sensor", sensor),
                ("relay", relay),
                ("alarm", alarm),
            )
        )

    def _state_changed(self) -> bool:
        return ",".join(self._panel.status()) != self._acked_state

    async def _report_state(self) -> None:
        """Send the door status when it differs from the last one the server acknowledged."""
        if not self.attendance and self._state_changed():
            await self._send_state()

    async def send_state(self) -> bool:
        """POST the door status (table=rtstate); True when the server acknowledged it."""
        return await self._exclusive(self._send_state, False)

    async def _send_state(self) -> bool:
        signature = ",".join(self._panel.status())
        reply = await self._transport.post(PATH_CDATA, self._state_line(), {"table": "rtstate"})
        if reply.ok:
            self._acked_state = signature
        return reply.ok

    # --- records ----------------------------------------------------------------------------

    def _local_now(self) -> datetime:
        return local_time(self._clock.now(), self.timezone_hours)

    def queue_event(
        self,
        event: int = EVENT_ACCESS,
        pin: str = "1",
        *,
        door: int = 1,
        verify: str | int = VERIFY_FACE,
        cardno: str = "0",
        inout: int = 0,
        mask: int | None = None,
        temperature: float | None = None,
        time: str | None = None,
        snapshot: bytes | None = None,
    ) -> str:
        """Queue a record with the next index (not uploaded yet) and return its line.

        A full log first deletes its oldest DelRecord records; with no room left the record is
        not written ("" returned).

        Security PUSH writes an rtlog line; attendance an ATTLOG line (status=inout, verify).
        A `snapshot` (a JPEG) is the picture the camera took with it (Security PUSH: an
        ATTPHOTO upload, sent before the record).
        """
        if not self.attendance and not self._make_room():
            return ""
        index = self._next_index
        self._next_index += 1
        local: datetime | None
        if time is None:
            local = self._local_now()
            shown = format_time(local)
        else:
            local, shown = parse_time(time), time
        record = Record(
            index=index,
            local=local,
            time=shown,
            verify=str(verify),
            pin=pin,
            cardno=cardno,
            door=door,
            event=event,
            inout=inout,
        )
        if self.attendance:
            line = attlog_line(record)
        else:
            line = rtlog_line(record, mask=mask, temperature=temperature)
            if snapshot is not None and local is not None:
                self._queue_snapshot(local, pin, snapshot)
        self._pending.append(replace(record, line=line))
        if not self.attendance:
            self._apply_linkage(event, door)
        return line

    def _apply_linkage(self, event: int, place: int) -> None:
        """Run the linkage rules the event starts: event 6, then the rule's output.

        Event 6's verifytype is the event that started it. What a rule's output writes (a door
        opening) starts no rule again.
        """
        if self._linking:
            return
        self._linking = True
        try:
            for rule in self.linkage.fired(event, place):
                self.queue_event(EVENT_LINKAGE, "0", door=place, verify=event, inout=INOUT_NONE)
                self._panel.link(rule.out_type == OUT_AUX, rule.output, rule.seconds)
        finally:
            self._linking = False

    def force_door(self, door: int = 1) -> None:
        """Open `door` without a passage (forced): the contact opens, event 102, its alarm."""
        sim = self.doors[door - 1]
        self._panel.open_contact(sim)
        sim.alarms.add(ALARM_BIT_FORCED)
        self._door_event(sim, EVENT_FORCED_OPEN)

    def _make_room(self) -> bool:
        """Keep the log within its capacity: a full one deletes its oldest DelRecord records.

        Returns False when there is still no room (DelRecord 0): the record is not written.
        """
        stored = len(self._uploaded) + len(self._pending)
        if stored < self.record_capacity:
            return True
        dropped = min(parse_int(self.options.get("DelRecord")) or 0, stored)
        ordered = sorted(self._uploaded + self._pending, key=lambda record: record.index)
        oldest = {id(record) for record in ordered[:dropped]}
        self._uploaded = [record for record in self._uploaded if id(record) not in oldest]
        self._pending = [record for record in self._pending if id(record) not in oldest]
        return stored - dropped < self.record_capacity

    def lose_pending(self) -> int:
        """Take the queued records as delivered without sending them (lost on the way).

        As when something between the terminal and the server acknowledged them: the terminal
        never sends them again by itself; only a history query brings them. Returns how many.
        """
        lost = len(self._pending)
        self._acknowledge(list(self._pending))
        return lost

    async def upload_pending(self) -> int:
        """Upload queued records oldest first; return how many the server acknowledged.

        Security PUSH: one rtlog POST per 10 lines, acknowledged by exactly `OK`.
        Attendance: all ATTLOG lines in one POST with a Stamp, acknowledged by `OK: N`.
        What is not acknowledged stays queued for the next try.
        """
        return await self._exclusive(self._upload_pending, 0, "upload")

    async def _upload_pending(self) -> int:
        if self.attendance:
            if not self._pending:
                return 0
            batch = list(self._pending)
            reply = await self._transport.post(
                PATH_CDATA,
                "\n".join(record.line for record in batch),
                {"table": "ATTLOG", "Stamp": str(batch[-1].index)},
            )
            if reply.status != 200 or ok_count(reply.text) is None:
                return 0
            self._acknowledge(batch)
            self.stamps["ATTLOGStamp"] = str(batch[-1].index)
            return len(batch)
        acknowledged = 0
        while self._pending:
            batch = self._pending[:RTLOG_BATCH]
            reply = await self._transport.post(
                PATH_CDATA, "\n".join(record.line for record in batch), {"table": "rtlog"}
            )
            if not reply.ok:
                break
            self._acknowledge(batch)
            acknowledged += len(batch)
        return acknowledged

    def _acknowledge(self, batch: list[Record]) -> None:
        done = {id(record) for record in batch}
        self._pending = [record for record in self._pending if id(record) not in done]
        self._uploaded.extend(batch)

    async def _upload_lines(self) -> None:
        """Upload table lines in queue order, one POST per run of the same table."""
        while self._pending_lines:
            table = self._pending_lines[0][0]
            run = 0
            while run < len(self._pending_lines) and self._pending_lines[run][0] == table:
                run += 1
            lines = [line for _, line in self._pending_lines[:run]]
            if table == "OPERLOG":
                self._operlog_stamp += 1
                reply = await self._transport.post(
                    PATH_CDATA,
                    "\n".join(lines),
                    {"table": "OPERLOG", "Stamp": str(self._operlog_stamp)},
                )
                accepted = reply.status == 200 and ok_count(reply.text) is not None
            else:
                reply = await self._transport.post(
                    PATH_CDATA,
                    "\n".join(lines),
                    {"table": "tabledata", "tablename": table, "count": str(len(lines))},
                )
                answered = parse_int(parse_pairs(reply.text).get(table))
                accepted = reply.status == 200 and answered is not None
            if not accepted:
                return
            del self._pending_lines[:run]

    # --- users ------------------------------------------------------------------------------

    def add_local_user(self, pin: str, name: str) -> None:
        """Enroll a user at the terminal: store it and upload it at the next cycle."""
        self._tables.put_user({"Pin": pin, "Name": name})
        if self.attendance:
            self._pending_lines.append(("OPERLOG", self._tables.userinfo_line(pin)))
            return
        self.authorize[pin] = self._all_doors_right(pin)
        self._pending_lines.append(("user", self._tables.user_line(pin)))

    def _all_doors_right(self, pin: str) -> dict[str, dict[str, str]]:
        mask = (1 << len(self.doors)) - 1
        return {"1": {"Pin": pin, "AuthorizeTimezoneId": "1", "AuthorizeDoorId": str(mask)}}

    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count with names, cards, door rights, templates and photos."""
        for number in range(1, count + 1):
            pin, name = str(number), demo_name(number)
            self._tables.put_user(
                {
                    "Pin": pin,
                    "Name": name,
                    "CardNo": random_digits(self._rng, 10),
                    "Privilege": "14" if number == 1 else "0",
                }
            )
            if self.attendance:
                self._tables.store_template(pin, BIO_FINGERPRINT, 6, b64(self._rng.randbytes(512)))
                continue
            self.authorize[pin] = self._all_doors_right(pin)
            if self.multi_bio:
                self._tables.store_template(pin, BIO_FACE, 0, b64(self._rng.randbytes(1024)))
                self.biophotos[pin] = jpeg_photo(name)
            else:
                self._tables.store_template(pin, BIO_FINGERPRINT, 6, b64(self._rng.randbytes(512)))

    def _info(self) -> str:
        """INFO of an attendance getrequest: firmware, users, fingerprints, records, IP, ..."""
        fingerprints = sum(1 for key in self.biodata if key[1] == BIO_FINGERPRINT)
        faces = sum(1 for key in self.biodata if key[1] == BIO_FACE)
        records = len(self._pending) + len(self._uploaded)
        return ",".join(
            str(value)
            for value in (
                self.firmware_version,
                len(self.users),
                fingerprints,
                records,
                self.options["IPAddress"],
                10,
                7,
                faces,
                faces,
            )
        )

    # --- the decision at the door -----------------------------------------------------------

    def verify(self, pin: str, door: int = 1, *, verify: int = VERIFY_FACE) -> int:
        """Let a person identify at `door`: the terminal decides from its own tables.

        Returns the event code it records (0: opened, and the door is released; see
        zk_push_access.py for the refusals).
        """
        user = self.users.get(pin)
        now = self._local_now()
        code = decide(
            self._tables.access,
            user,
            self.authorize.get(pin, {}),
            door,
            now,
            date_fmt=self.date_fmt,
            verify=verify,
        )
        roles = self._tables.roles
        place = self.doors[door - 1]
        exempt = roles.is_super(pin, door) and code in EXEMPTED
        if exempt and (code != EVENT_OPENED or self._panel.interlocked(place)):
            code = EVENT_SUPER_USER  # let in against its time zone or interlock
        elif code == EVENT_OPENED and self._panel.interlocked(place):
            code = EVENT_INTERLOCKED  # another door of its interlock is open
        zone = roles.first_card_zone(pin, door)
        first = (
            code == EVENT_OPENED
            and zone is not None
            and self.options.get(f"Door{door}FirstCardOpenDoor") == "1"
            and door not in self._first_card
            and within(now, self._tables.access.spans(zone, now))
        )
        if first:
            code = EVENT_FIRST_CARD
        self.queue_event(code, pin if user is not None else "0", door=door, verify=verify)
        if code in (EVENT_OPENED, EVENT_SUPER_USER, EVENT_FIRST_CARD):
            self._panel.pulse(place, super_user=exempt, extended=roles.extended_unlock(pin))
        if first and zone is not None:
            self._first_card[door] = zone  # free until the zone's period ends
            self._follow_schedule(place)
        return code

    # --- remote identification --------------------------------------------------------------

    async def remote_identify(self, pin: str, door: int = 1, verify: int = VERIFY_FACE) -> str:
        """Ask the server whether to let this person in (AuthType=device); return its answer.

        SUCCESS runs the CONTROL DEVICE line that comes with it and records event 222;
        FAILED records 44; anything else (timeout, garbage, no answer) records 45.
        """
        user = self.users.get(pin, {})
        cardno = user.get("CardNo") or "0"
        line = join_pairs(
            (
                ("time", format_time(self._local_now())),
                ("pin", pin),
                ("cardno", cardno),
                ("addrtype", 2),
                ("eventaddr", door),
                ("event", EVENT_REMOTE_ID),
                ("inoutstatus", 0),
                ("verifytype", verify),
            )
        )
        reply = await self._exclusive(
            lambda: self._transport.post(PATH_CDATA, line, {"AuthType": "device"}),
            Reply(status=0, raw=b"", text=""),
        )
        lines = [text.strip() for text in reply.text.splitlines() if text.strip()]
        verdict = lines[0] if reply.status == 200 and lines else ""
        if verdict == "AUTH=SUCCESS":
            self.queue_event(EVENT_REMOTE_ID_OK, pin, door=door, verify=verify, cardno=cardno)
            for text in lines[1:]:
                verb, rest = split_verb(text)
                if verb == "CONTROL DEVICE":
                    self._panel.control(rest, remote_event=False)
        else:
            event = EVENT_REMOTE_ID_FAILED if verdict == "AUTH=FAILED" else EVENT_REMOTE_ID_TIMEOUT
            self.queue_event(event, pin, door=door, verify=verify, cardno=cardno)
        return reply.text

    # --- random events ----------------------------------------------------------------------

    async def _random_event(self) -> None:
        """Someone uses the terminal (or the door); report at once when connected."""
        kind = self._rng.choices(
            [name for name, _ in RANDOM_EVENTS], weights=[weight for _, weight in RANDOM_EVENTS]
        )[0]
        door = self._rng.choice(self.doors)
        if self.attendance:
            if self.users:
                self.queue_event(
                    pin=self._rng.choice(sorted(self.users)),
                    verify=self._rng.choice(ATTENDANCE_VERIFY),
                    inout=self._rng.choice((0, 1)),
                )
        elif kind in ("face", "fingerprint", "card") and self.users:
            self._random_access(door, kind)
        elif kind in ("face", "fingerprint", "card", "unregistered"):
            verify = self._rng.choice((VERIFY_FACE, VERIFY_CARD))
            cardno = random_digits(self._rng, 10) if verify == VERIFY_CARD else "0"
            self.queue_event(
                EVENT_UNREGISTERED, "0", door=door.number, verify=verify, cardno=cardno
            )
        elif kind == "exit":
            self._door_event(door, EVENT_EXIT_BUTTON)
            self._panel.pulse(door)
        elif kind == "door" and not door.relay:
            # Someone opens it with the key and lets it fall shut behind them.
            self._panel.open_briefly(door, KEY_OPENING_SECONDS)
        if self.connected and not self.rejected:
            await self._exclusive(self._report_events, None)

    async def _report_events(self) -> None:
        await self._upload_pending()
        await self._report_state()

    def _random_access(self, door: DoorSim, kind: str) -> None:
        pin = self._rng.choice(sorted(self.users))
        verify = {"face": VERIFY_FACE, "fingerprint": VERIFY_FINGERPRINT}.get(kind, VERIFY_CARD)
        cardno = (self.users[pin].get("CardNo") or "0") if verify == VERIFY_CARD else "0"
        inout = int(self._rng.random() < 0.3)
        if door.locked_out:
            self.queue_event(
                EVENT_DOOR_LOCKED, pin, door=door.number, verify=verify, cardno=cardno, inout=inout
            )
            return
        # A terminal with a camera (CameraOpen=1) keeps the picture of a face verification.
        camera = verify == VERIFY_FACE and self.options.get("CameraOpen") == "1"
        self.queue_event(
            EVENT_ACCESS,
            pin,
            door=door.number,
            verify=verify,
            cardno=cardno,
            inout=inout,
            snapshot=jpeg_photo(f"user {pin} at door {door.number}") if camera else None,
        )
        self._panel.pulse(door)


# --- command line -------------------------------------------------------------------------------


def _door_count(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError("must be 1 to 16")
    return value


async def run_zk_push(args: argparse.Namespace) -> None:
    """Run one ZKTeco PUSH terminal until SIGINT or SIGTERM."""
    simulator = ZkPushSimulator(
        **device_options(args),
        doors=args.doors,
        attendance=args.attendance,
        poll_interval=args.poll,
    )
    await run_demo(simulator, args)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the zk_push subcommand's options."""
    add_common_arguments(parser, serial="DDG7012017010600049")
    parser.add_argument("--doors", type=_door_count, default=1, help="number of doors (default 1)")
    parser.add_argument(
        "--attendance",
        action="store_true",
        help="speak the older attendance PUSH (ATTLOG/OPERLOG) instead of Security PUSH",
    )
    parser.add_argument(
        "--poll",
        type=seconds(allow_zero=False),
        default=3.0,
        help="seconds between getrequest polls (default 3)",
    )


FAMILY = SimulatorFamily(
    name="zk_push",
    help="ZKTeco PUSH terminal (Security PUSH or attendance) polling /iclock/...",
    add_arguments=add_arguments,
    run=run_zk_push,
)
