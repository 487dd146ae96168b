"""Fuzz every boundary where terminals talk to Home Assistant, seeded; report what broke.

    scripts/fuzz [--inputs 10000] [--seed 1] [--only httpv2,zk,cloud_ws,control_api,webjson]

Home Assistant (its real core and HTTP app) runs in this process with the integration and one
terminal of each family. Every push endpoint then gets N generated requests (WebSocket frames for
cloud terminals), and the terminals Home Assistant calls answer N of its commands, per command,
with generated answers. Inputs start from the documents' examples and are broken in every way
(scripts/fuzz_inputs.py, scripts/fuzz_families.py). Reported per endpoint: answers of 5xx,
exceptions and tracebacks in the log, event-loop stalls over 100 ms, and whether every
terminal's store still saves and reads back as JSON.

Home Assistant's own heap is frozen after the warm-up (`gc.freeze()`; `--no-freeze` leaves it):
about 245,000 objects exist once it has started, and a full collection walking them pauses the
loop 100-170 ms on a small machine whatever the input was (Python 3.13 has no incremental
collector). Frozen, a full collection walks only what the fuzzing left alive, so a stall is one
the handling of an input caused. Full collections over 100 ms are reported apart either way.

scripts/fuzz.py is also run, a few hundred inputs per endpoint, by tests/test_fuzz.py.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass, field
from functools import partial
import gc
import json
import logging
from pathlib import Path
import random
import sys
import tempfile
import time
from typing import Any

from aiohttp import ClientSession, ClientTimeout, WSMsgType, web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Imported after the path is set; the integration before the harness (see tests/conftest.py).
from homeassistant import loader  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

import custom_components.access_terminal  # noqa: E402, F401
from custom_components.access_terminal.const import DOMAIN  # noqa: E402
from custom_components.access_terminal.coordinator import AccessTerminalCoordinator  # noqa: E402
from custom_components.access_terminal.protocols.pull import PullTerminal  # noqa: E402
from scripts.fuzz_families import (  # noqa: E402
    CLOUD,
    CLOUD_SERIAL,
    CONTROL_UPLOAD,
    HTTPV2,
    HTTPV2_SERIAL,
    PULL,
    UPLOAD_SECRET,
    ZK,
    ZK_ATTENDANCE_SERIAL,
    ZK_SERIAL,
    json_text,
)
from scripts.fuzz_inputs import HttpInput, local  # noqa: E402

STALL = 0.1  # seconds: a longer pause of the event loop is a stall
WEBJSON_SERIAL = "AYTIFUZZ0001"
CONTROL_SERIAL = "fuzzcontrol0001"
IN_FLIGHT = 8  # requests sent at once
GENERATED = 50  # inputs generated at a time
WARM_UP = 30  # inputs per endpoint of the warm-up round (not counted)
GROUPS = ("httpv2", "zk", "cloud_ws", "control_api", "webjson")

_LOGGER = logging.getLogger(__name__)


@dataclass
class EndpointReport:
    """What one endpoint did with its inputs."""

    inputs: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    log_errors: int = 0
    tracebacks: int = 0
    stalls: int = 0
    longest_stall_ms: float = 0.0
    # Pauses of the garbage collector over 100 ms (Home Assistant's whole heap is traversed:
    # not a stall the input's handling caused, reported apart).
    gc_pauses: int = 0
    longest_gc_ms: float = 0.0
    examples: list[str] = field(default_factory=list)


@dataclass
class FuzzReport:
    """Every endpoint's report, and whether the stores still saved."""

    endpoints: dict[str, EndpointReport] = field(
        default_factory=lambda: defaultdict(EndpointReport)
    )
    store_failures: list[str] = field(default_factory=list)
    store_checks: int = 0

    @property
    def clean(self) -> bool:
        """Return True when nothing broke anywhere."""
        return not self.store_failures and not any(
            r.server_errors or r.log_errors or r.tracebacks or r.stalls
            for r in self.endpoints.values()
        )

    def lines(self) -> list[str]:
        """Return the report as a table."""
        out = [
            f"{'endpoint':38s} {'inputs':>7s} {'5xx':>4s} {'errors':>6s} {'tracebk':>7s} "
            f"{'stalls':>6s} {'longest':>8s} {'gc>100ms':>8s}  statuses"
        ]
        for name, r in sorted(self.endpoints.items()):
            statuses = ", ".join(f"{code}: {count}" for code, count in sorted(r.statuses.items()))
            gc_pauses = f"{r.gc_pauses} ({r.longest_gc_ms:.0f})" if r.gc_pauses else "0"
            out.append(
                f"{name:38s} {r.inputs:7d} {r.server_errors:4d} {r.log_errors:6d} "
                f"{r.tracebacks:7d} {r.stalls:6d} {r.longest_stall_ms:5.0f} ms {gc_pauses:>8s}  "
                f"{statuses}"
            )
            out += [f"    {example}" for example in r.examples]
        total = sum(r.inputs for r in self.endpoints.values())
        out.append(
            f"\n{total} inputs; store saved and read back {self.store_checks} times, "
            f"{len(self.store_failures)} failures"
        )
        out += [f"    {failure}" for failure in self.store_failures[:5]]
        return out


class _Watch(logging.Handler):
    """Counts errors and tracebacks in the log, and event-loop stalls, per endpoint."""

    def __init__(self, report: FuzzReport) -> None:
        super().__init__(logging.DEBUG)
        self.report = report
        self.current = "setup"
        # Generating inputs is the harness's work, not Home Assistant's: stalls then are not
        # counted (the generator's C calls hold the GIL).
        self.generating = 0
        self.gc_seconds = 0.0
        self._gc_started = 0.0

    def gc_callback(self, phase: str, _info: dict[str, Any]) -> None:
        """Add up the time the garbage collector holds the interpreter."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_seconds += time.perf_counter() - self._gc_started

    def emit(self, record: logging.LogRecord) -> None:
        if _expected(record):
            return
        endpoint = self.report.endpoints[self.current]
        if record.exc_info or record.levelno >= logging.ERROR:
            if record.exc_info:
                endpoint.tracebacks += 1
            else:
                endpoint.log_errors += 1
            if len(endpoint.examples) < 3:
                text = f"{record.levelname} {record.name}: {record.getMessage()[:300]}"
                if record.exc_info and record.exc_info[1] is not None:
                    text += f" [{record.exc_info[1]!r:.300}]"
                endpoint.examples.append(text)

    async def stalls(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before, generating, collected = loop.time(), self.generating, self.gc_seconds
            await asyncio.sleep(0.01)
            late = loop.time() - before - 0.01
            if generating or self.generating:
                continue
            collecting = self.gc_seconds - collected
            if collecting > STALL:
                endpoint = self.report.endpoints[self.current]
                endpoint.gc_pauses += 1
                endpoint.longest_gc_ms = max(endpoint.longest_gc_ms, collecting * 1000)
            late -= collecting
            if late > STALL:
                endpoint = self.report.endpoints[self.current]
                endpoint.stalls += 1
                endpoint.longest_stall_ms = max(endpoint.longest_stall_ms, late * 1000)
            elif late * 1000 > self.report.endpoints[self.current].longest_stall_ms:
                self.report.endpoints[self.current].longest_stall_ms = late * 1000


class FakeDevice:
    """A terminal Home Assistant calls (both pull families), answering what the fuzzer says."""

    def __init__(self) -> None:
        """Answer every command validly until told which one to answer with generated ones."""
        self.target: str | None = None
        self.answer: Callable[[random.Random, str], Any] | None = None
        self.rng = random.Random(0)
        self.served = 0
        self.app = web.Application()
        self.app.router.add_post("/", self._webjson)
        self.app.router.add_post("/control", self._control)

    def _fuzzed(self, cmd: str, serial: str) -> Any:
        if cmd == self.target and self.answer is not None:
            self.served += 1
            return self.answer(self.rng, serial)
        return None

    async def _webjson(self, request: web.Request) -> web.Response:
        cmd = str((await request.json()).get("cmd"))
        answer = self._fuzzed(cmd, WEBJSON_SERIAL)
        if answer is None:
            answer = {
                "reg": {"ret": "reg", "result": True, "sn": WEBJSON_SERIAL, "devinfo": {}},
                "getrtlog": {"ret": "getrtlog", "result": True, "count": 0, "record": []},
                "getdoorstatus": {"ret": "getdoorstatus", "result": True, "status": 0},
            }.get(cmd, {"ret": cmd, "result": True})
        return web.Response(body=json_text(answer), content_type="application/json")

    async def _control(self, request: web.Request) -> web.Response:
        document = await request.json()
        cmd, mid = str(document.get("cmd")), str(document.get("mid"))
        answer = self._fuzzed(cmd, CONTROL_SERIAL)
        if isinstance(answer, dict) and "mid" in answer:
            answer["mid"] = mid
        if answer is None:
            kind, payload = {
                "GetDeviceUid": ("DeviceUid", {"device_uid": CONTROL_SERIAL}),
                "GetVersionInfo": ("VersionInfo", {"firmware_version": "1.0"}),
                "GetDeviceCapabilities": ("DeviceCapabilities", {"face": True}),
                "GetCapacityLimit": ("CapacityLimit", {"max_user": 3000}),
                "GetCurrentUsage": ("CurrentUsage", {"user_count": 1}),
                "GetDeviceTime": ("DeviceTime", {"time": local().replace(" ", "T")}),
                "GetAttendLog": ("AttendLog", {"start_pos": 0, "next_pos": 0, "logs": []}),
                "ConfigAttendLogUploader": ("Error", {"code": "not_supported"}),
            }.get(cmd, ("Success", {}))
            answer = {"mid": mid, "result": kind, "payload": payload}
        return web.Response(body=json_text(answer), content_type="application/json")


class Fuzzer:
    """Sends every generated input and watches what Home Assistant does with it."""

    def __init__(
        self,
        hass: HomeAssistant,
        session: ClientSession,
        base: str,
        *,
        read_stored: Callable[[str], Any],
        seed: int = 1,
    ) -> None:
        """Fuzz `hass`, served at `base`; `read_stored(key)` reads a saved file back."""
        self.hass = hass
        self.session = session
        self.base = base
        self.read_stored = read_stored
        self.seed = seed
        self.report = FuzzReport()
        self.watch = _Watch(self.report)
        self.device = FakeDevice()
        self.entries: list[MockConfigEntry] = []

    # -- the terminals -------------------------------------------------------------------------

    async def _add(self, data: dict[str, Any]) -> None:
        serial = data["serial"]
        entry = MockConfigEntry(domain=DOMAIN, title=serial, unique_id=serial, data=data)
        entry.add_to_hass(self.hass)
        if not await self.hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"{serial} did not set up")
        self.entries.append(entry)

    async def set_up(self, device_port: int) -> None:
        """Add one terminal of each family, and let the push ones say hello."""
        for family, serial in (
            ("httpv2", HTTPV2_SERIAL),
            ("zk_push", ZK_SERIAL),
            ("zk_push", ZK_ATTENDANCE_SERIAL),
            ("cloud_ws", CLOUD_SERIAL),
        ):
            await self._add({"family": family, "serial": serial})
        address = {"host": "127.0.0.1", "port": device_port, "ssl": False, "verify_ssl": True}
        await self._add({"family": "webjson", "serial": WEBJSON_SERIAL, "password": "1", **address})
        await self._add(
            {
                "family": "control_api",
                "serial": CONTROL_SERIAL,
                "api_key": "k",
                "upload_secret": UPLOAD_SECRET,
                **address,
            }
        )
        hello = [
            HttpInput("POST", "/Device/Keepalive", json_text({"SN": HTTPV2_SERIAL})),
            HttpInput("GET", f"/iclock/cdata?SN={ZK_SERIAL}&options=all&pushver=3.1.2"),
            HttpInput("POST", f"/iclock/registry?SN={ZK_SERIAL}", b"DeviceType=acc,LockCount=2"),
            HttpInput("POST", f"/iclock/push?SN={ZK_SERIAL}"),
            HttpInput("GET", f"/iclock/cdata?SN={ZK_ATTENDANCE_SERIAL}&options=all&pushver=2.4.1"),
        ]
        for request in hello:
            await self._send(request)
        await self.hass.async_block_till_done()

    def coordinators(self) -> list[AccessTerminalCoordinator]:
        """Return the coordinator of every terminal (loaded ones)."""
        return [
            entry.runtime_data.coordinator
            for entry in self.entries
            if hasattr(entry, "runtime_data")
        ]

    # -- sending -------------------------------------------------------------------------------

    async def _send(self, request: HttpInput) -> int:
        try:
            async with self.session.request(
                request.method,
                self.base + request.path,
                data=request.body or None,
                headers=request.headers,
                timeout=ClientTimeout(total=120),
            ) as response:
                await response.read()
                return response.status
        except (OSError, TimeoutError, ValueError) as err:
            endpoint = self.report.endpoints[self.watch.current]
            endpoint.log_errors += 1
            if len(endpoint.examples) < 3:
                endpoint.examples.append(f"request failed: {err!r}")
            return 0

    async def http(self, name: str, build: Callable[[random.Random], HttpInput], n: int) -> None:
        """Send `n` generated requests of one endpoint, a few at a time."""
        rng = random.Random(f"{self.seed}:{name}")
        self.watch.current = name
        report = self.report.endpoints[name]

        async def worker(queue: Iterator[HttpInput]) -> None:
            for request in queue:
                status = await self._send(request)
                report.inputs += 1
                report.statuses[status] += 1
                if status >= 500:
                    report.server_errors += 1

        for start in range(0, n, GENERATED):
            batch = await _generate(self.watch, build, rng, min(GENERATED, n - start))
            queue = iter(batch)
            await asyncio.gather(*(worker(queue) for _ in range(IN_FLIGHT)))
        await self.hass.async_block_till_done()

    async def frames(self, name: str, build: Callable[[random.Random], Any], n: int) -> None:
        """Send `n` generated frames on a cloud terminal's socket (reconnecting as it would)."""
        rng = random.Random(f"{self.seed}:{name}")
        self.watch.current = name
        report = self.report.endpoints[name]
        url = self.base.replace("http", "ws", 1) + "/api/access_terminal/ws"
        sent = 0
        while sent < n:
            async with self.session.ws_connect(url) as socket:
                await socket.send_str(json.dumps({"cmd": "reg", "sn": CLOUD_SERIAL}))
                reader = asyncio.get_running_loop().create_task(_drain(socket, report))
                frames: list[Any] = []
                try:
                    while sent < n and not socket.closed:
                        if not frames:
                            frames = await _generate(
                                self.watch, build, rng, min(GENERATED, n - sent)
                            )
                        frame = frames.pop(0)
                        if isinstance(frame, bytes):
                            await socket.send_bytes(frame)
                        else:
                            await socket.send_str(frame)
                        sent += 1
                        report.inputs += 1
                        await asyncio.sleep(0)
                except ConnectionError:
                    report.statuses[-1] += 1  # closed while sending: connect again
                finally:
                    await socket.close()
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reader
        await self.hass.async_block_till_done()

    async def pull(self, name: str, cmd: str, answer: Any, n: int) -> None:
        """Answer `n` of Home Assistant's `cmd` commands with generated answers."""
        family = name.split()[0]
        self.watch.current = name
        report = self.report.endpoints[name]
        self.device.rng = random.Random(f"{self.seed}:{name}")
        self.device.target, self.device.answer, self.device.served = cmd, answer, 0
        coordinator = next(c for c in self.coordinators() if str(c.family) == family)
        terminal = coordinator.terminal
        if not isinstance(terminal, PullTerminal):
            raise TypeError(f"{name}: not a terminal Home Assistant calls")
        try:
            while self.device.served < n:
                terminal.invalidate_info()
                await coordinator.async_refresh()
                outcome = 200 if coordinator.last_update_success else 400
                report.statuses[outcome] += 1
        finally:
            self.device.target = self.device.answer = None
            report.inputs += self.device.served
        await self.hass.async_block_till_done()

    # -- the stores ----------------------------------------------------------------------------

    async def check_stores(self) -> None:
        """Save every terminal's store now; each file must read back as JSON."""
        for coordinator in self.coordinators():
            await coordinator.store.async_flush()
            entry_id = coordinator.config_entry.entry_id
            await self.hass.async_block_till_done()
            for suffix in ("", ".queue", ".users"):
                key = f"{DOMAIN}.{entry_id}{suffix}"
                try:
                    stored = self.read_stored(key)
                    json.loads(json.dumps(stored))
                except (OSError, ValueError, TypeError) as err:
                    self.report.store_failures.append(f"{key}: {err!r}")
                    continue
                if stored is None:
                    self.report.store_failures.append(f"{key}: not saved")
            self.report.store_checks += 1

    # -- the whole run -------------------------------------------------------------------------

    def _plan(
        self, inputs: int, groups: tuple[str, ...]
    ) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
        plan: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        for group, table in (("httpv2", HTTPV2), ("zk", ZK), ("control_api", CONTROL_UPLOAD)):
            if group in groups:
                plan += [
                    (name, partial(self.http, name, build, inputs)) for name, build in table.items()
                ]
        if "cloud_ws" in groups:
            plan += [
                (name, partial(self.frames, name, build, inputs)) for name, build in CLOUD.items()
            ]
        plan += [
            (name, partial(self.pull, name, cmd, answer, inputs))
            for name, (family, cmd, answer) in PULL.items()
            if family in groups
        ]
        return plan

    async def run(
        self,
        inputs: int,
        groups: tuple[str, ...] = GROUPS,
        *,
        warm_up: int = WARM_UP,
        freeze: bool = True,
    ) -> FuzzReport:
        """Fuzz every endpoint of the chosen groups with `inputs` inputs each.

        A short warm-up round goes first, not counted: Home Assistant imports platforms and
        modules the first time they are used (once per start, in an executor that holds the
        interpreter meanwhile). `freeze`: exempt what exists after it from garbage collection
        (see the module's docstring).
        """
        root = logging.getLogger()
        root.addHandler(self.watch)
        gc.callbacks.append(self.watch.gc_callback)
        stalls = asyncio.get_running_loop().create_task(self.watch.stalls())
        try:
            seed = self.seed
            self.seed = -seed
            for _name, step in self._plan(min(warm_up, inputs), groups) if warm_up else ():
                await step()
            self.seed = seed
            if freeze:
                gc.collect()
                gc.freeze()
            self.report = self.watch.report = FuzzReport()
            for name, step in self._plan(inputs, groups):
                started = time.monotonic()
                await step()
                _LOGGER.info("%s: %.1f s", name, time.monotonic() - started)
                self.watch.current = name
                await self.check_stores()
        finally:
            if freeze:
                gc.unfreeze()
            stalls.cancel()
            gc.callbacks.remove(self.watch.gc_callback)
            root.removeHandler(self.watch)
        return self.report


def _expected(record: logging.LogRecord) -> bool:
    """Return True for the log lines that are the expected answer to a broken input.

    A terminal we call that answers what its protocol does not allow is marked offline until a
    poll succeeds; Home Assistant's coordinator says so once, at error level, without a
    traceback ("Error fetching ... data"): the pull families' equivalent of a 4xx.
    """
    return (
        record.name == "custom_components.access_terminal.coordinator"
        and record.getMessage().startswith("Error fetching")
        and not record.exc_info
    )


async def _generate[T](
    watch: _Watch, build: Callable[[random.Random], T], rng: random.Random, count: int
) -> list[T]:
    """Generate inputs, in order; the stalls meanwhile are the harness's, not counted."""
    watch.generating += 1
    try:
        return [build(rng) for _ in range(count)]
    finally:
        await asyncio.sleep(0)
        watch.generating -= 1


async def _drain(socket: Any, report: EndpointReport) -> None:
    """Read what the server sends (answers, commands) until the socket closes."""
    async for message in socket:
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
            break
    report.statuses[socket.close_code or 0] += 1


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[TestServer]:
    """Serve `app` on a free loopback port for the duration of the block."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


async def fuzz(args: argparse.Namespace) -> FuzzReport:
    """Run Home Assistant with the integration and fuzz it."""
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # allow custom integrations
            if not await async_setup_component(hass, DOMAIN, {DOMAIN: {}}):
                raise RuntimeError("the integration did not set up")
            hass.http.app._router.freeze = lambda: None  # noqa: SLF001

            def read_stored(key: str) -> Any:
                path = Path(hass.config.path(".storage", key))
                return json.loads(path.read_text())["data"] if path.exists() else None

            async with (
                serve(hass.http.app) as server,
                ClientSession() as session,
            ):
                fuzzer = Fuzzer(
                    hass,
                    session,
                    str(server.make_url("")).rstrip("/"),
                    read_stored=read_stored,
                    seed=args.seed,
                )
                async with serve(fuzzer.device.app) as device:
                    await fuzzer.set_up(device.port or 0)
                    return await fuzzer.run(
                        args.inputs, tuple(args.only.split(",")), freeze=args.freeze
                    )


def main() -> None:
    """Parse the arguments, fuzz, print the report; exit 1 if anything broke."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="per endpoint")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default=",".join(GROUPS), help="default: %(default)s")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="leave Home Assistant's startup heap to the garbage collector",
    )
    args = parser.parse_args()
    # Warnings reach the watch (it counts errors and tracebacks); the console shows them with -v.
    logging.basicConfig(level=logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO if args.verbose else logging.CRITICAL)
    logging.getLogger(__name__).setLevel(logging.INFO)
    started = time.monotonic()
    report = asyncio.run(fuzz(args))
    print("\n".join(report.lines()))
    verdict = "clean" if report.clean else "PROBLEMS"
    print(f"\nseed {args.seed}, {time.monotonic() - started:.0f} s: {verdict}")
    sys.exit(0 if report.clean else 1)


if __name__ == "__main__":
    main()
