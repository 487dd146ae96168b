"""Benchmark HTTPv2 terminals against Home Assistant's HTTP app with the integration.

Home Assistant (its real core and HTTP app, built by the test harness) runs in this process; the
simulated terminals run in a second process, so that their CPU does not flatter the result. Every
figure is set against baselines measured in the same run, on the same app and paths:

- bare:  a view that reads the body and answers {"Success":1};
- floor: a view that parses the record with our parser, writes one state and fires one event,
         the least any integration must do for "request in -> event entity state written".

    scripts/bench [--terminals 200] [--duration 15] [--users 10000] [--phases paced,flat_out]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable
import contextlib
from datetime import UTC, datetime
import gc
import json
import logging
import os
from pathlib import Path
import statistics
import sys
import tempfile
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Imported after the path is set; the integration before the harness (see tests/conftest.py).
from homeassistant import loader  # noqa: E402
from homeassistant.const import EVENT_STATE_CHANGED  # noqa: E402
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback  # noqa: E402
from homeassistant.helpers.http import HomeAssistantView  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

import custom_components.access_terminal  # noqa: E402, F401
from custom_components.access_terminal.const import DOMAIN  # noqa: E402
from custom_components.access_terminal.coordinator import AccessTerminalCoordinator  # noqa: E402
from custom_components.access_terminal.protocols import httpv2  # noqa: E402
from custom_components.access_terminal.protocols.httpv2.people import people_json  # noqa: E402
from custom_components.access_terminal.protocols.model import User  # noqa: E402
from simulator.common import jpeg_photo  # noqa: E402
from simulator.httpv2 import HttpV2Simulator  # noqa: E402
from simulator.httpv2_settings import initial_settings  # noqa: E402
from simulator.httpv2_transport import FormPart, encode_multipart  # noqa: E402

BOUNDARY = "----------------------------bench"
BARE_PREFIX = "/bare"
FLOOR_PREFIX = "/floor"
RECORDS_BEFORE_MEASURING = 80
LIST_QUIET = "custom_components.access_terminal.protocols.httpv2.terminal.LIST_QUIET_SECONDS"


def serial_of(index: int) -> str:
    """Return the serial of simulated terminal `index`."""
    return f"BENCH{index:08d}"


# -- the load generator (second process) -----------------------------------------------------


class Terminal:
    """A lightweight HTTPv2 terminal: keep-alives and face records with a photo."""

    def __init__(self, session: ClientSession, base: str, index: int) -> None:
        """Prepare what does not change between requests."""
        self.session = session
        self.base = base
        self.serial = serial_of(index)
        self.record_id = 0
        self.photo = jpeg_photo(self.serial)
        status = {"RelayStatus": 0, "KeepOpenStatus": 0, "DoorSensorStatus": 0}
        self.keepalive_body = json.dumps({"SN": self.serial, **status}).encode()

    async def post(self, path: str, body: bytes, content_type: str) -> dict[str, Any]:
        """Send one request and return the JSON reply."""
        headers = {"Content-Type": content_type}
        async with self.session.post(self.base + path, data=body, headers=headers) as response:
            reply: dict[str, Any] = await response.json(content_type=None)
            return reply

    async def keepalive(self) -> None:
        """Send a keep-alive."""
        await self.post("/Device/Keepalive", self.keepalive_body, "application/json")

    async def hello(self) -> None:
        """Say hello as a terminal does at boot: keep-alive, then work settings."""
        await self.keepalive()
        settings = initial_settings(
            serial=self.serial,
            firmware_version="8.46",
            server=self.base,
            keepalive_interval=10,
            release_time=3,
            gzip=True,
            now=int(time.time()),
        )
        body = json.dumps(settings).encode()
        await self.post("/Device/UploadWorkSetting", body, "application/json")

    async def record(self) -> float:
        """Upload one face record with its photo; return the round trip in seconds."""
        self.record_id += 1
        detail = {
            "RecordID": self.record_id,
            "RecordType": 3,
            "RecordDate": int(time.time()),
            "UserID": str(1 + self.record_id % 50),
            "Name": f"Person {self.record_id % 50}",
            "CardNum": "0",
            "IsEntry": 1,
            "BodyTemp": 365,
            "PhotoLen": len(self.photo),
        }
        parts = [
            FormPart(name="SN", data=self.serial.encode()),
            FormPart(
                name="RecordDetail",
                data=json.dumps(detail).encode(),
                content_type="application/octet-stream",
                gzip=True,
            ),
            FormPart(name="Photo", data=self.photo, filename="p.jpg", content_type="image/jpeg"),
        ]
        body = encode_multipart(parts, BOUNDARY)
        started = time.perf_counter()
        reply = await self.post(
            "/Record/UploadIdentifyRecord", body, f"multipart/form-data; boundary={BOUNDARY}"
        )
        if reply.get("Success") != 1:
            raise RuntimeError(f"record refused: {reply}")
        return time.perf_counter() - started


async def generate_load(args: argparse.Namespace) -> dict[str, Any]:
    """Drive `args.terminals` terminals in `args.mode` and report what the client saw."""
    timeout = ClientTimeout(total=30)
    async with ClientSession(connector=TCPConnector(limit=0), timeout=timeout) as session:
        terminals = [Terminal(session, args.url, index) for index in range(args.terminals)]
        if args.mode == "hello":
            # Enough records that every terminal's de-dup window is full, as after a busy day.
            await asyncio.gather(*(terminal.hello() for terminal in terminals))

            async def records(terminal: Terminal) -> None:
                for _ in range(RECORDS_BEFORE_MEASURING):
                    await terminal.record()

            await asyncio.gather(*(records(terminal) for terminal in terminals))
            count = len(terminals) * RECORDS_BEFORE_MEASURING
            return {"records": count, "errors": 0, "elapsed": 0.0, "latencies": []}
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + args.duration

        async def paced(terminal: Terminal, phase: float) -> None:
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

        async def flat_out(terminal: Terminal) -> None:
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
    """Reads the body and answers success; also serves people pages for the sync baseline."""

    url = BARE_PREFIX + "/{group}/{action}"
    name = "bench:bare"
    requires_auth = False

    def __init__(self) -> None:
        """Start with no people to hand out."""
        self.pages: list[list[dict[str, Any]]] = []

    async def post(self, request: web.Request, group: str, action: str) -> web.Response:
        """Answer like a server with nothing to do."""
        await request.read()
        reply: dict[str, Any] = {"Success": 1}
        path = f"{group}/{action}".lower()
        if path == "device/keepalive" and self.pages:
            reply["AddPeople"] = sum(len(page) for page in self.pages)
        elif path == "people/downloadpeoplelist":
            page = self.pages.pop(0) if self.pages else []
            reply.update(PeopleCount=len(page), PeopleList=page)
        return web.json_response(reply)


class FloorView(HomeAssistantView):
    """The least any integration must do: parse the record, write one state, fire one event."""

    url = FLOOR_PREFIX + "/{group}/{action}"
    name = "bench:floor"
    requires_auth = False

    def __init__(self, hass: HomeAssistant) -> None:
        """Write into `hass`."""
        self.hass = hass

    async def post(self, request: web.Request, group: str, action: str) -> web.Response:
        """Parse with the integration's parser, then one state write and one bus event."""
        endpoint = httpv2.endpoint_for(group, action) or httpv2.Endpoint.KEEPALIVE
        content_type = request.headers.get("Content-Type")
        parsed = httpv2.parse_request(endpoint, content_type, await request.read())
        if (detail := parsed.document) is not None:
            attributes = {"event_type": "access_granted", **detail}
            entity_id = f"event.floor_{parsed.serial.lower()}"
            self.hass.states.async_set(entity_id, str(time.time()), attributes)
            self.hass.bus.async_fire("bench_floor_event", attributes)
        return web.json_response({"Success": 1})


# -- the benchmark (this process) ------------------------------------------------------------


async def run_load(url: str, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the load generator in its own process; add this process's CPU time per record."""
    command = [sys.executable, __file__, "--load", "--url", url, "--mode", mode]
    for option in ("terminals", "duration", "rate", "keepalive"):
        command += [f"--{option}", str(getattr(args, option))]
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
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # allow custom integrations
        if not await async_setup_component(hass, DOMAIN, {DOMAIN: {}}):
            raise RuntimeError("the integration did not set up")
        hass.http.register_view(self.bare)
        hass.http.register_view(FloorView(hass))
        # As Home Assistant does: integrations set up later may still register views.
        hass.http.app._router.freeze = lambda: None  # type: ignore[method-assign]  # noqa: SLF001
        self.server = TestServer(hass.http.app, host="127.0.0.1")
        await self.server.start_server()
        self.base = str(self.server.make_url("")).rstrip("/")
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._count_access_writes)

    @callback
    def _count_access_writes(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        if entity_id.startswith("event.") and entity_id.endswith("_access"):
            self.written += 1

    async def add_terminal(self, serial: str) -> AccessTerminalCoordinator:
        """Add and set up the entry of one terminal."""
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=serial,
            unique_id=serial,
            data={"family": "httpv2", "serial": serial},
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
        await run_load(self.base, "hello", self.args)
        await self.hass.async_block_till_done()
        gc.collect()  # count what is kept, not garbage waiting for the collector
        _, peak = tracemalloc.get_traced_memory()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
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

    async def sync(self) -> dict[str, Any]:
        """Sync users to one simulated terminal twice; the same pages through the bare view."""
        users = self.args.users
        coordinator = await self.add_terminal("SYNC00000001")
        desired = [
            User(user_id=str(n), name=f"Person {n}", cards=(str(10_000_000 + n),))
            for n in range(1, users + 1)
        ]

        async def drive(sim: HttpV2Simulator, work: Awaitable[Any]) -> float:
            task = asyncio.ensure_future(work)
            started = time.perf_counter()
            while not task.done():
                await sim.keepalive_cycle()
                await asyncio.sleep(0)
            await task
            return time.perf_counter() - started

        async with ClientSession(connector=TCPConnector(limit=0)) as session:
            sim = HttpV2Simulator(
                self.base, "SYNC00000001", session=session, download_limit=1000, seed=1
            )
            await sim.keepalive_cycle()
            with patch(LIST_QUIET, 0.0):  # the device answers at once; no need to wait for quiet
                first = await drive(sim, coordinator.async_sync_users(desired))
                pages = len(sim.download_results)
                desired[users // 2].name = "Renamed"
                second = await drive(sim, coordinator.async_sync_users(desired))
            documents = [people_json(user, datetime.now(UTC)) for user in desired]
            self.bare.pages = [documents[i : i + 1000] for i in range(0, len(documents), 1000)]
            bare_sim = HttpV2Simulator(
                self.base + BARE_PREFIX, "BARE00000001", session=session, download_limit=1000
            )
            started = time.perf_counter()
            while self.bare.pages:
                await bare_sim.keepalive_cycle()
            bare_time = time.perf_counter() - started
        later = sim.download_results[pages:]
        return {
            "users_on_device": len(sim.users),
            "first_sync_s": first,
            "first_sync_pages": pages,
            "largest_page": max(result["SuccessCount"] for result in sim.download_results),
            "second_sync_s": second,
            "second_sync_people_sent": sum(r["SuccessCount"] + r["FailCount"] for r in later),
            "bare_transfer_s": bare_time,
        }


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Run every phase and return the figures."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            bench = Bench(hass, args)
            await bench.set_up()
            results.update(await bench.memory())
            for phase in args.phases.split(","):
                results.update(await bench.load(phase))
            if args.users:
                results["sync"] = await bench.sync()
            if bench.server is not None:
                await bench.server.close()
    return results


# -- the report ------------------------------------------------------------------------------


def _saturation(results: dict[str, Any]) -> list[str]:
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
        "Saturation: every terminal uploads face records with a photo back to back",
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


def _sync(sync: dict[str, Any], users: int) -> list[str]:
    return [
        "",
        f"sync_users of {users} users to one simulated terminal (pages of at most 1000)",
        f"  first sync    {sync['first_sync_s']:6.2f} s in {sync['first_sync_pages']} pages "
        f"(largest {sync['largest_page']}); {sync['users_on_device']} users on the device",
        f"  bare pages    {sync['bare_transfer_s']:6.2f} s for the same pages from the bare view; "
        f"ratio {sync['first_sync_s'] / sync['bare_transfer_s']:.2f}",
        f"  second sync   {sync['second_sync_s']:6.2f} s with one user changed: "
        f"{sync['second_sync_people_sent']} person sent",
    ]


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Print the figures and the ratios that count."""
    lines = [f"HTTPv2 benchmark: {args.terminals} terminals, {os.cpu_count()} CPUs"]
    if "flat_out_ours" in results:
        lines += _saturation(results)
    if "paced_ours" in results:
        lines += _paced(results, args)
    lines += [
        "",
        f"Memory per terminal: {results['memory_per_terminal_kb']:.0f} KB retained, "
        f"{results['peak_traced_per_terminal_kb']:.0f} KB peak (target < 200 KB)",
    ]
    if "sync" in results:
        lines += _sync(results["sync"], args.users)
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
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per load phase")
    parser.add_argument("--rate", type=float, default=1.0, help="events/s per terminal (paced)")
    parser.add_argument("--keepalive", type=float, default=10.0, help="keep-alive interval (s)")
    parser.add_argument("--users", type=int, default=10_000, help="users for the sync (0: skip)")
    parser.add_argument("--phases", default="paced,flat_out", help="default: %(default)s")
    parser.add_argument("--json", action="store_true", help="also print every figure as JSON")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        print(json.dumps(asyncio.run(generate_load(args))))
        return
    logging.basicConfig(level=logging.ERROR)
    with contextlib.suppress(KeyboardInterrupt):
        report(asyncio.run(benchmark(args)), args)


if __name__ == "__main__":
    main()
