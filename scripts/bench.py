"""Benchmark terminals of each family against Home Assistant (pull families: scripts/bench_pull.py).

Home Assistant (its real core and HTTP app, built by the test harness) runs in this process; the
simulated terminals run in a second process, so that their CPU does not flatter the result. Every
figure is set against baselines measured in the same run, on the same app and paths:

- bare:  a view that reads the body and answers {"Success":1};
- floor: a view that parses the record with our parser, writes one state and fires one event,
         the least any integration must do for "request in -> event entity state written".

    scripts/bench [--family httpv2,zk_push,cloud_ws] [--terminals 200] [--duration 15]
                  [--users 10000] [--phases paced,flat_out,backlog] [--backlog 50000]
    scripts/bench --phases directory [--people 10000] [--terminals 10]

The backlog phase (scripts/bench_backlog.py) has one terminal hand over a 50,000-record log in
its family's real page sizes, then send it all again. The directory phase
(scripts/bench_directory.py) reconciles an access directory to terminals of every family.

Each family gets its own Home Assistant instance, baselines and figures.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
import contextlib
import dataclasses
import gc
import json
import logging
import os
from pathlib import Path
import statistics
import sys
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Imported after the path is set; the integration before the harness (see tests/conftest.py).
from homeassistant.const import EVENT_STATE_CHANGED  # noqa: E402
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback  # noqa: E402
from homeassistant.helpers.http import HomeAssistantView  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
)

import custom_components.access_terminal  # noqa: E402, F401
from custom_components.access_terminal.const import DOMAIN  # noqa: E402
from custom_components.access_terminal.coordinator import AccessTerminalCoordinator  # noqa: E402
from custom_components.access_terminal.protocols.model import User  # noqa: E402
from scripts.bench_backlog import (  # noqa: E402
    Watch,
    newest_date,
    peak_kb,
    report_backlog,
    rss_kb,
)
from scripts.bench_cloud_ws import BareSocket  # noqa: E402
from scripts.bench_directory import (  # noqa: E402
    DIRECTORY_TERMINALS,
    add_arguments as add_directory_arguments,
    run as run_directory,
)
from scripts.bench_families import (  # noqa: E402
    FAMILIES,
    KEEPALIVES,
    LOAD_TERMINALS,
    PERSISTENT,
    RECORD_KINDS,
    SYNC_UNITS,
    SYNCS,
    BareAnswers,
    LoadTerminal,
    floor_answer,
    floor_httpv2,
    floor_zk_push,
    home_assistant,
    serve_app,
)
from scripts.bench_pull import PULL_FAMILIES, benchmark_pull, report_pull  # noqa: E402

CLOUD_WS_PATH = "access_terminal/ws"
BARE_PREFIX = "/bare"
FLOOR_PREFIX = "/floor"
RECORDS_BEFORE_MEASURING = 80
LIST_QUIET = "custom_components.access_terminal.protocols.httpv2.terminal.LIST_QUIET_SECONDS"


def serial_of(index: int) -> str:
    """Return the serial of simulated terminal `index`."""
    return f"BENCH{index:08d}"


# -- the load generator (second process) -----------------------------------------------------


async def generate_load(args: argparse.Namespace) -> dict[str, Any]:
    """Drive `args.terminals` terminals in `args.mode` and report what the client saw."""
    timeout = ClientTimeout(total=30)
    async with ClientSession(connector=TCPConnector(limit=0), timeout=timeout) as session:
        build = LOAD_TERMINALS[args.family]
        terminals = [build(session, args.url, serial_of(index)) for index in range(args.terminals)]
        if args.mode == "hello":
            # Enough records that every terminal's de-dup window is full, as after a busy day.
            await asyncio.gather(*(terminal.hello() for terminal in terminals))

            async def records(terminal: LoadTerminal) -> None:
                for _ in range(RECORDS_BEFORE_MEASURING):
                    await terminal.record()

            await asyncio.gather(*(records(terminal) for terminal in terminals))
            count = len(terminals) * RECORDS_BEFORE_MEASURING
            result = {"records": count, "errors": 0, "elapsed": 0.0, "latencies": []}
            if args.family in PERSISTENT:
                # Stay connected while the server measures: an open socket is part of the cost.
                print(json.dumps(result), flush=True)
                await asyncio.to_thread(sys.stdin.readline)
            return result
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + args.duration

        async def paced(terminal: LoadTerminal, phase: float) -> None:
            nonlocal errors
            await asyncio.sleep(phase)
            next_event = next_keepalive = time.perf_counter()
            while (now := time.perf_counter()) < deadline:
                try:
                    if now >= next_keepalive:
                        await terminal.keepalive()
                        next_keepalive += args.keepalive
                    latencies.append(await terminal.record())
                except Exception:  # noqa: BLE001 - counted and reported
                    errors += 1
                next_event += 1 / args.rate
                await asyncio.sleep(max(0.0, next_event - time.perf_counter()))

        async def flat_out(terminal: LoadTerminal) -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                try:
                    latencies.append(await terminal.record())
                except Exception:  # noqa: BLE001 - counted and reported
                    errors += 1

        started = time.perf_counter()
        if args.mode == "paced":
            spacing = 1 / args.rate / max(len(terminals), 1)
            await asyncio.gather(*(paced(t, i * spacing) for i, t in enumerate(terminals)))
        else:
            await asyncio.gather(*(flat_out(terminal) for terminal in terminals))
        return {
            "records": len(latencies),
            "errors": errors,
            "elapsed": time.perf_counter() - started,
            "latencies": latencies,
        }


# -- the baselines ---------------------------------------------------------------------------


class BareView(HomeAssistantView):
    """Reads the body and answers as a server with nothing to do (and replays a user sync)."""

    url = BARE_PREFIX + "/{path:.+}"
    name = "bench:bare"
    requires_auth = False

    def __init__(self) -> None:
        """Start with nothing to hand out."""
        self.answers = BareAnswers()

    async def get(self, request: web.Request, path: str) -> web.StreamResponse:
        """Answer a GET (ZK PUSH hand-shakes and command polls, cloud terminals' socket)."""
        if path.endswith(CLOUD_WS_PATH):
            return await self.answers.cloud_ws.serve(request)
        return await self.post(request, path)

    async def post(self, request: web.Request, path: str) -> web.Response:
        """Answer a request of either family."""
        await request.read()
        if path.lower().startswith("iclock/"):
            return self.answers.zk_push(path.split("/", 1)[1])
        return self.answers.httpv2(path.lower())


class FloorView(HomeAssistantView):
    """The least any integration must do: parse the record, write one state, fire one event."""

    url = FLOOR_PREFIX + "/{path:.+}"
    name = "bench:floor"
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        """Write into `hass`."""
        self.hass = hass

    async def get(self, request: web.Request, path: str) -> web.StreamResponse:
        """Answer a GET (ZK PUSH hand-shakes and command polls, cloud terminals' socket)."""
        if path.endswith(CLOUD_WS_PATH):
            return await BareSocket().serve(request, self._write)
        return await self.post(request, path)

    def _write(self, serial: str, detail: Any) -> None:
        attributes = {"event_type": "access_granted", **detail}
        self.hass.states.async_set(f"event.floor_{serial.lower()}", str(time.time()), attributes)
        self.hass.bus.async_fire("bench_floor_event", attributes)

    async def post(self, request: web.Request, path: str) -> web.Response:
        """Parse with the integration's parser, then one state write and one bus event."""
        body = await request.read()
        if path.lower().startswith("iclock/"):
            family = "zk_push"
            serial = request.query.get("SN", "")
            detail = floor_zk_push(serial, request.query.get("table"), body)
        else:
            family = "httpv2"
            group, _, action = path.partition("/")
            serial, detail = floor_httpv2(group, action, request.headers.get("Content-Type"), body)
        if detail is not None:
            self._write(serial, detail)
        return floor_answer(family)


# -- the benchmark (this process) ------------------------------------------------------------


def _load_command(url: str, mode: str, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, __file__, "--load", "--url", url, "--mode", mode]
    for option in ("family", "terminals", "duration", "rate", "keepalive"):
        command += [f"--{option}", str(getattr(args, option))]
    return command


async def run_load(url: str, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the load generator in its own process; add this process's CPU time per record."""
    command = _load_command(url, mode, args)
    cpu_before = time.process_time()
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed ({process.returncode})")
    result: dict[str, Any] = json.loads(out)
    # Robust even when the load generator, not the server, limits throughput.
    cpu = time.process_time() - cpu_before
    result["ha_cpu_us_per_record"] = cpu / max(result["records"], 1) * 1e6
    return result


@contextlib.asynccontextmanager
async def hello_load(url: str, args: argparse.Namespace) -> AsyncIterator[None]:
    """Connect every terminal and send its records, then run the block.

    Terminals of a family that stays connected keep their sockets open inside the block (an open
    socket is part of what a terminal costs); the others have finished.
    """
    if args.family not in PERSISTENT:
        await run_load(url, "hello", args)
        yield
        return
    pipe = asyncio.subprocess.PIPE
    command = _load_command(url, "hello", args)
    process = await asyncio.create_subprocess_exec(*command, stdin=pipe, stdout=pipe)
    stdin, stdout = process.stdin, process.stdout
    if stdin is None or stdout is None:
        raise RuntimeError("no pipes to the load generator")
    try:
        if not await stdout.readline():
            raise RuntimeError("load generator failed before its terminals were connected")
        yield
    finally:
        stdin.close()
        await process.communicate()


def _handled(coordinator: AccessTerminalCoordinator) -> int:
    counts = coordinator.events.counts
    return counts["live"] + counts["catch_up"] + counts["duplicate"]


def percentile(values: list[float], fraction: float) -> float:
    """Return the `fraction` percentile of `values` (seconds) in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


class Bench:
    """One Home Assistant with the integration, the baselines and a real HTTP server."""

    def __init__(self, hass: HomeAssistant, args: argparse.Namespace) -> None:
        """Remember the instance; set_up() does the work."""
        self.hass = hass
        self.args = args
        self.base = ""
        self.bare = BareView()
        self.server: TestServer | None = None
        self.written = 0

    async def set_up(self) -> None:
        """Load the integration, register the baselines and serve the app on a real socket."""
        hass = self.hass
        hass.http.register_view(self.bare)
        hass.http.register_view(FloorView(hass))
        self.server = await serve_app(hass)
        self.base = str(self.server.make_url("")).rstrip("/")
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._count_access_writes)

    @callback
    def _count_access_writes(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        if entity_id.startswith("event.") and entity_id.endswith("_access"):
            self.written += 1

    async def add_terminal(self, serial: str) -> AccessTerminalCoordinator:
        """Add and set up the entry of one terminal of the benchmarked family."""
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=serial,
            unique_id=serial,
            data={"family": self.args.family, "serial": serial},
        )
        entry.add_to_hass(self.hass)
        if not await self.hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"{serial} did not set up")
        coordinator: AccessTerminalCoordinator = entry.runtime_data.coordinator
        return coordinator

    async def memory(self) -> dict[str, float]:
        """Measure what N terminals cost once each said hello and sent 80 records."""
        # One terminal first, so that loading the platforms is not counted per terminal.
        await self.add_terminal("WARMUP00000001")
        await self.hass.async_block_till_done()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for index in range(self.args.terminals):
            await self.add_terminal(serial_of(index))
        await self.hass.async_block_till_done()
        async with hello_load(self.base, self.args):
            await self.hass.async_block_till_done()
            gc.collect()  # count what is kept, not garbage waiting for the collector
            _, peak = tracemalloc.get_traced_memory()
            after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        stats = after.compare_to(before, "filename")
        grown = sum(stat.size_diff for stat in stats)
        if self.args.memory_detail:
            for stat in stats[: self.args.memory_detail]:
                per_terminal = stat.size_diff / self.args.terminals / 1024
                print(f"  {per_terminal:7.1f} KB/terminal  {stat.traceback[0].filename}")
        return {
            "memory_per_terminal_kb": grown / self.args.terminals / 1024,
            "peak_traced_per_terminal_kb": peak / self.args.terminals / 1024,
        }

    async def load(self, phase: str) -> dict[str, dict[str, float]]:
        """Run one load phase against the bare view, the floor view and the integration."""
        figures: dict[str, dict[str, float]] = {}
        targets = {"bare": BARE_PREFIX, "floor": FLOOR_PREFIX, "ours": ""}
        for target, prefix in targets.items():
            self.written = 0
            report = await run_load(self.base + prefix, phase, self.args)
            latencies = report["latencies"]
            figures[f"{phase}_{target}"] = {
                "records_per_s": report["records"] / report["elapsed"],
                "entity_writes_per_s": self.written / report["elapsed"],
                "p50_ms": percentile(latencies, 0.5),
                "p99_ms": percentile(latencies, 0.99),
                "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
                "errors": report["errors"],
                "ha_cpu_us_per_record": report["ha_cpu_us_per_record"],
            }
        return figures

    async def backlog(self) -> dict[str, Any]:
        """One terminal hands over a backlog, then sends it all again (scripts/bench_backlog.py)."""
        serial = "BACKLOG0000001"
        coordinator = await self.add_terminal(serial)
        count = self.args.backlog
        results: dict[str, Any] = {}
        newest = newest_date()
        for name in ("first", "again"):
            watch = Watch()
            watch.start(self.hass, serial)
            gc.collect()
            rss, peak = rss_kb(), peak_kb()
            handled = _handled(coordinator)
            started = time.perf_counter()
            command = [
                sys.executable, "-m", "scripts.bench_backlog", "--url", self.base,
                "--family", self.args.family, "--serial", serial, "--count", str(count),
                "--newest", str(newest), "--zone", self.hass.config.time_zone,
            ]  # fmt: skip
            process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.PIPE, cwd=ROOT
            )
            out, _ = await process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"backlog load failed ({process.returncode})")
            load = json.loads(out)
            # Drained once every record was handled (a cloud page is handled after its answer).
            while _handled(coordinator) - handled < count:  # noqa: ASYNC110 - nothing signals it
                await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - started
            await self.hass.async_block_till_done()
            watch.stop()
            gc.collect()
            results[f"backlog_{name}"] = {
                "pages": load["pages"],
                "elapsed": elapsed,
                "records_per_s": count / elapsed,
                "longest_stall_ms": watch.longest_stall_ms,
                "longest_gc_ms": watch.longest_gc_ms,
                "entity_writes": watch.entity_writes,
                "bus_events": watch.bus_events,
                "catch_up": watch.catch_up,
                "rss_growth_kb": rss_kb() - rss,
                "peak_growth_kb": max(peak_kb() - peak, 0),
                "counts": dict(coordinator.events.counts),
            }
        return results

    async def sync(self) -> dict[str, Any]:
        """Sync users to one simulated terminal twice; the same transfer through the bare view."""
        coordinator = await self.add_terminal("SYNC00000001")
        desired = [
            User(user_id=str(n), name=f"Person {n}", cards=(str(10_000_000 + n),))
            for n in range(1, self.args.users + 1)
        ]
        async with ClientSession(connector=TCPConnector(limit=0)) as session:
            with patch(LIST_QUIET, 0.0):  # the device answers at once; no need to wait for quiet
                run = await SYNCS[self.args.family](
                    session, self.base, self.bare.answers, coordinator.users.async_sync, desired
                )
        return dataclasses.asdict(run)


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Run every phase for `args.family` and return the figures."""
    results: dict[str, Any] = {}
    async with home_assistant() as hass:
        bench = Bench(hass, args)
        await bench.set_up()
        phases = args.phases.split(",")
        if "backlog" in phases:
            phases.remove("backlog")
            results.update(await bench.backlog())
        if phases:
            results.update(await bench.memory())
        for phase in phases:
            results.update(await bench.load(phase))
        if args.users:
            results["sync"] = await bench.sync()
        if bench.server is not None:
            await bench.server.close()
    return results


# -- the report ------------------------------------------------------------------------------


def _saturation(results: dict[str, Any], family: str) -> list[str]:
    bare = results["flat_out_bare"]

    def row(name: str, figures: dict[str, float]) -> str:
        throughput = figures["records_per_s"] / bare["records_per_s"]
        cpu = bare["ha_cpu_us_per_record"] / figures["ha_cpu_us_per_record"]
        return (
            f"  {name:12s} {figures['records_per_s']:6.0f} records/s "
            f"{figures['ha_cpu_us_per_record']:5.0f} us CPU/record   "
            f"ratio to bare: {throughput:.2f} throughput, {cpu:.2f} CPU"
        )

    ours = results["flat_out_ours"]
    return [
        "",
        f"Saturation: every terminal uploads {RECORD_KINDS[family]} back to back",
        row("bare view", bare),
        row("floor", results["flat_out_floor"]),
        row("integration", ours),
        "  target: integration/bare >= 0.70. 'floor' = parse + one state write + one bus event,",
        "  the least any handler can do; integration/floor "
        f"{ours['records_per_s'] / results['flat_out_floor']['records_per_s']:.2f} throughput, "
        f"{results['flat_out_floor']['ha_cpu_us_per_record'] / ours['ha_cpu_us_per_record']:.2f} "
        f"CPU. {ours['entity_writes_per_s']:.0f} access event entity writes/s.",
    ]


def _paced(results: dict[str, Any], args: argparse.Namespace) -> list[str]:
    bare, ours = results["paced_bare"], results["paced_ours"]
    return [
        "",
        f"Paced: {args.terminals} terminals x {args.rate:g} event/s offered, keep-alive every "
        f"{args.keepalive:g} s, for {args.duration:g} s",
        f"  bare view    p50 {bare['p50_ms']:5.1f} ms  p99 {bare['p99_ms']:5.1f} ms",
        f"  integration  p50 {ours['p50_ms']:5.1f} ms  p99 {ours['p99_ms']:5.1f} ms "
        f"(target < 50 ms), {ours['records_per_s']:.0f} events/s handled, "
        f"p99 ratio to bare {ours['p99_ms'] / bare['p99_ms']:.2f}",
    ]


def _sync(sync: dict[str, Any], users: int, family: str) -> list[str]:
    unit, limit = SYNC_UNITS[family]
    return [
        "",
        f"sync_users of {users} users to one simulated terminal ({unit} of at most {limit})",
        f"  first sync    {sync['first_sync_s']:6.2f} s in {sync['first_sync_pages']} {unit} "
        f"(largest {sync['largest_page']}); {sync['users_on_device']} users on the device",
        f"  bare replay   {sync['bare_transfer_s']:6.2f} s for the same {unit} from the bare view; "
        f"ratio {sync['first_sync_s'] / sync['bare_transfer_s']:.2f}",
        f"  second sync   {sync['second_sync_s']:6.2f} s with one user changed: "
        f"{sync['second_sync_people_sent']} person sent",
    ]


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Print the figures and the ratios that count."""
    lines = [f"{args.family} benchmark: {args.terminals} terminals, {os.cpu_count()} CPUs"]
    if "backlog_first" in results:
        lines += report_backlog(results, args.family, args.backlog)
    if args.family in PULL_FAMILIES:
        lines += report_pull(results, args)
    elif "flat_out_ours" in results:
        lines += _saturation(results, args.family)
    if "paced_ours" in results and args.family not in PULL_FAMILIES:
        lines += _paced(results, args)
    if "memory_per_terminal_kb" in results:
        lines += [
            "",
            f"Memory per terminal: {results['memory_per_terminal_kb']:.0f} KB retained, "
            f"{results['peak_traced_per_terminal_kb']:.0f} KB peak (target < 200 KB)",
        ]
    if "sync" in results and args.family not in PULL_FAMILIES:
        lines += _sync(results["sync"], args.users, args.family)
    errors = {
        key: value["errors"]
        for key, value in results.items()
        if isinstance(value, dict) and value.get("errors")
    }
    lines.append(f"\nRequest errors: {errors or 'none'}")
    print("\n".join(lines))
    if args.json:
        print(json.dumps(results, indent=2))


def main() -> None:
    """Parse arguments; run the benchmark or, with --load, the load generator."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--family",
        default=",".join(FAMILIES + PULL_FAMILIES),
        help="families to measure (default: %(default)s)",
    )
    parser.add_argument(
        "--terminals", type=int, default=None, help="terminals (default: 200; directory: 10)"
    )
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per load phase")
    parser.add_argument("--rate", type=float, default=1.0, help="events/s per terminal (paced)")
    parser.add_argument(
        "--keepalive", type=float, default=None, help="keep-alive interval (s, default per family)"
    )
    parser.add_argument("--users", type=int, default=10_000, help="users for the sync (0: skip)")
    parser.add_argument(
        "--phases",
        default="paced,flat_out",
        help="paced, flat_out, backlog, or directory alone (default: %(default)s)",
    )
    parser.add_argument("--backlog", type=int, default=50_000, help="records of the backlog phase")
    add_directory_arguments(parser)
    parser.add_argument("--json", action="store_true", help="also print every figure as JSON")
    parser.add_argument(
        "--memory-detail", type=int, default=0, help="print the N files whose memory grew most"
    )
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        print(json.dumps(asyncio.run(generate_load(args))))
        return
    logging.basicConfig(level=logging.ERROR)
    if args.phases == "directory":  # every family at once (scripts/bench_directory.py)
        args.terminals = args.terminals or DIRECTORY_TERMINALS
        sys.exit(run_directory(args))
    args.terminals = args.terminals or 200
    keepalive = args.keepalive
    with contextlib.suppress(KeyboardInterrupt):
        for family in args.family.split(","):
            known = FAMILIES + PULL_FAMILIES
            if family not in known:
                parser.error(f"unknown family {family!r}: choose from {', '.join(known)}")
            args.family = family
            if family in PULL_FAMILIES:  # Home Assistant polls: no keep-alive of theirs
                report(asyncio.run(benchmark_pull(args)), args)
                print()
                continue
            args.keepalive = keepalive or KEEPALIVES[family]
            report(asyncio.run(benchmark(args)), args)
            print()


if __name__ == "__main__":
    main()
