"""Benchmark the pull families (webjson, control_api): Home Assistant polls simulated terminals.

The terminals serve their API from a second process (one simulator per port), so that their CPU
does not flatter the result; Home Assistant (real core, test harness) polls them from this one.
The figures mirror the push families' and are set against baselines in the same run:

- bare:  a loop that posts the same read command to every terminal and drops the answer;
- floor: the same, parsing the records with our parser, one state write and one bus event each.

Phases: saturation (every read returns a full page of records), paced (each terminal makes
`--rate` events/s while Home Assistant polls at the family's interval: poll round trip p50/p99),
memory per terminal, and a sync of `--users` users to one terminal (against the same writes sent
by a bare loop). Run through `scripts/bench --family webjson` (or control_api).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import gc
import json
from pathlib import Path
import statistics
import sys
import time
import tracemalloc
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Imported after the path is set (the terminals' process runs this file directly).
from homeassistant.core import HomeAssistant, callback
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.coordinator import AccessTerminalCoordinator
from custom_components.access_terminal.protocols.control_api.logs import parse_batch
from custom_components.access_terminal.protocols.model import User
from custom_components.access_terminal.protocols.webjson.records import (
    rtlog_items,
    rtlog_record,
)
from scripts.bench_families import home_assistant
from simulator.control_api import ControlApiSimulator
from simulator.webjson import PAGE_SIZE, WebJsonSimulator

PULL_FAMILIES = ("webjson", "control_api")
PASSWORD = "bench"  # noqa: S105 - the simulated terminals' password
LOG_PAGE = 100


# -- the terminals (second process) ----------------------------------------------------------


class BenchWebJson(WebJsonSimulator):
    """A webjson terminal whose real-time log refills itself while `full`.

    Every record is someone else (records alike in person, second and mode are one record).
    """

    full = False
    people = 0

    def next_record(self) -> None:
        """Let the next person verify."""
        self.people += 1
        self.record(str(self.people))

    def _rtlog(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.full and not self.rtlog:
            for _ in range(PAGE_SIZE):
                self.next_record()
        return super()._rtlog(request)


class BenchControlApi(ControlApiSimulator):
    """A control API terminal whose attendance log grows on demand while `full`."""

    full = False

    def _attend_log(self, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.full and int(payload.get("start_pos", 0)) >= self.next_pos:
            for _ in range(LOG_PAGE):
                self.logs.append({"user_id": "1", "time": "2025-05-17T08:30:00", "mode": "face"})
        return super()._attend_log(payload)


async def serve(args: argparse.Namespace) -> None:
    """Serve `args.terminals` terminals; obey "full", "paced RATE", "idle", "quit" on stdin."""
    devices: list[BenchWebJson | BenchControlApi] = []
    for index in range(args.terminals + 2):  # two more: the warm-up and the sync terminal
        serial = f"BENCH{index:08d}"
        if args.family == "webjson":
            device: BenchWebJson | BenchControlApi = BenchWebJson(serial, password=PASSWORD)
        else:
            device = BenchControlApi(f"bench{index:011d}", api_key=PASSWORD, uploader=False)
        device.add_demo_users(1)
        await device.start()
        devices.append(device)
    print(json.dumps([[device.serial, device.port] for device in devices]), flush=True)
    pacer: asyncio.Task[None] | None = None
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().split():
        if pacer is not None:
            pacer.cancel()
            pacer = None
        for device in devices:
            device.full = line[0] == "full"
        if line[0] == "paced":
            pacer = asyncio.create_task(_pace(devices, float(line[1])))
        if line[0] == "quit":
            break
        print("ok", flush=True)
    for device in devices:
        await device.stop()


async def _pace(devices: list[BenchWebJson | BenchControlApi], rate: float) -> None:
    spacing = 1 / rate / len(devices)
    while True:
        for device in devices:
            if isinstance(device, BenchWebJson):
                device.next_record()
            else:
                device.punch("1")
            await asyncio.sleep(spacing)


# -- Home Assistant (this process) -----------------------------------------------------------


@dataclass
class Terminals:
    """The serving process and where its terminals listen."""

    process: asyncio.subprocess.Process
    ports: list[tuple[str, int]]

    async def command(self, line: str) -> None:
        """Switch the terminals' mode."""
        assert self.process.stdin is not None  # noqa: S101
        assert self.process.stdout is not None  # noqa: S101
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()
        await self.process.stdout.readline()


def entry_data(family: str, serial: str, port: int) -> dict[str, Any]:
    """Return the config data of one benchmark terminal."""
    secret = {"password": PASSWORD} if family == "webjson" else {"api_key": PASSWORD}
    extra = {"upload_secret": f"secret-{serial}"} if family == "control_api" else {}
    return {
        "family": family,
        "serial": serial,
        "host": "127.0.0.1",
        "port": port,
        "ssl": False,
        "verify_ssl": True,
        **secret,
        **extra,
    }


def read_command(family: str) -> dict[str, Any]:
    """Return the request that reads records (what every poll sends)."""
    if family == "webjson":
        return {"cmd": "getrtlog", "password": PASSWORD}
    return {"mid": "1", "cmd": "GetAttendLog", "payload": {"start_pos": 0}}


class PullBench:
    """One Home Assistant polling the terminals of one family."""

    def __init__(self, hass: HomeAssistant, args: argparse.Namespace, terminals: Terminals):
        """Remember what is measured."""
        self.hass = hass
        self.args = args
        self.terminals = terminals
        self.coordinators: list[AccessTerminalCoordinator] = []
        self.events = 0

    async def add(self, serial: str, port: int) -> AccessTerminalCoordinator:
        """Set up the entry of one terminal."""
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=serial,
            unique_id=serial,
            data=entry_data(self.args.family, serial, port),
            # The phases poll themselves: background polls would drain the destructive real-time
            # log under the baselines and count their records for the integration.
            pref_disable_polling=True,
        )
        entry.add_to_hass(self.hass)
        if not await self.hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"{serial} did not set up")
        coordinator: AccessTerminalCoordinator = entry.runtime_data.coordinator
        return coordinator

    async def memory(self) -> dict[str, float]:
        """Measure what N polled terminals cost."""
        ports = self.terminals.ports
        await self.add(*ports[-2])  # warm-up: platforms load once
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for serial, port in ports[: self.args.terminals]:
            self.coordinators.append(await self.add(serial, port))
        await self.hass.async_block_till_done()
        gc.collect()
        _, peak = tracemalloc.get_traced_memory()
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
        tracemalloc.stop()
        count = max(self.args.terminals, 1)
        return {
            "memory_per_terminal_kb": grown / count / 1024,
            "peak_traced_per_terminal_kb": peak / count / 1024,
        }

    async def _timed(
        self,
        poll: Callable[[int], Awaitable[int]],
        duration: float,
        counted: Callable[[], int] | None = None,
    ) -> dict[str, float]:
        """Run `poll(terminal)` back to back on every terminal; count records, time, CPU.

        `poll` returns the records it read, or `counted` says how many were handled in all.
        """
        latencies: list[float] = []
        records = 0
        deadline = time.perf_counter() + duration

        async def loop(index: int) -> None:
            nonlocal records
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                read = await poll(index)  # not `records += await ...`: that loses updates
                records += read
                latencies.append(time.perf_counter() - started)

        before = counted() if counted else 0
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(loop(index) for index in range(len(self.coordinators))))
        elapsed = time.perf_counter() - started
        if counted:
            records = counted() - before
        ordered = sorted(latencies) or [float("nan")]
        return {
            "records_per_s": records / elapsed,
            "ha_cpu_us_per_record": (time.process_time() - cpu) / max(records, 1) * 1e6,
            "p50_ms": ordered[len(ordered) // 2] * 1000,
            "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000,
            "mean_ms": statistics.fmean(ordered) * 1000,
        }

    async def saturation(self, session: ClientSession) -> dict[str, dict[str, float]]:
        """Every read returns a full page: bare loop, floor loop, then the integration."""
        await self.terminals.command("full")
        family = self.args.family
        urls = [
            f"http://127.0.0.1:{port}/"
            + ("" if family == "webjson" else f"control?api_key={PASSWORD}")
            for _serial, port in self.terminals.ports[: self.args.terminals]
        ]
        now = datetime.now(UTC)

        async def bare(index: int) -> int:
            async with session.post(urls[index], json=read_command(family)) as response:
                answer = await response.json(content_type=None)
            return _count(family, answer)

        async def floor(index: int) -> int:
            async with session.post(urls[index], json=read_command(family)) as response:
                answer = await response.json(content_type=None)
            if family == "webjson":
                records = [rtlog_record(item, UTC, now) for item in rtlog_items(answer) or ()]
            else:
                records = list(parse_batch(answer["payload"], UTC, now, default_start=0).records)
            for record in records:
                if record is not None:
                    self.hass.states.async_set(f"event.floor_{index}", str(time.time()))
                    self.hass.bus.async_fire("bench_floor_event", {"n": index})
            return len(records)

        async def ours(index: int) -> int:
            await self.coordinators[index].async_refresh()
            return 0  # counted by the events

        self.hass.bus.async_listen("access_terminal_event", self._count)
        figures = {
            "flat_out_bare": await self._timed(bare, self.args.duration),
            "flat_out_floor": await self._timed(floor, self.args.duration),
            "flat_out_ours": await self._timed(ours, self.args.duration, lambda: self.events),
        }
        await self.terminals.command("idle")
        return figures

    @callback
    def _count(self, _event: Any) -> None:
        self.events += 1

    async def paced(self) -> dict[str, dict[str, float]]:
        """Terminals make `rate` events/s; Home Assistant polls each at its own interval."""
        await self.terminals.command(f"paced {self.args.rate}")
        interval = self.coordinators[0].terminal.poll_interval or 5.0
        round_trips: list[float] = []
        deadline = time.perf_counter() + self.args.duration

        async def loop(coordinator: AccessTerminalCoordinator, phase: float) -> None:
            await asyncio.sleep(phase)
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await coordinator.async_refresh()
                round_trips.append(time.perf_counter() - started)
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

        spacing = interval / max(len(self.coordinators), 1)
        before = self.events
        started = time.perf_counter()
        await asyncio.gather(*(loop(c, i * spacing) for i, c in enumerate(self.coordinators)))
        elapsed = time.perf_counter() - started
        await self.terminals.command("idle")
        ordered = sorted(round_trips) or [float("nan")]
        return {
            "paced_ours": {
                "records_per_s": (self.events - before) / elapsed,
                "p50_ms": ordered[len(ordered) // 2] * 1000,
                "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000,
                "poll_interval_s": interval,
            }
        }

    async def sync(self, session: ClientSession) -> dict[str, float]:
        """Sync `users` users to one terminal twice; the same writes from a bare loop."""
        serial, port = self.terminals.ports[-1]
        coordinator = await self.add(serial, port)
        desired = [
            User(user_id=str(n), name=f"Person {n}", cards=(str(10_000_000 + n),))
            for n in range(1, self.args.users + 1)
        ]
        started = time.perf_counter()
        first = await coordinator.users.async_sync(desired)
        first_s = time.perf_counter() - started
        desired[-1] = User(user_id=desired[-1].user_id, name="Renamed")
        started = time.perf_counter()
        second = await coordinator.users.async_sync(desired)
        second_s = time.perf_counter() - started
        writes = [_user_write(self.args.family, user) for user in desired]
        url = f"http://127.0.0.1:{port}/" + (
            "" if self.args.family == "webjson" else f"control?api_key={PASSWORD}"
        )
        started = time.perf_counter()
        for documents in writes:
            for document in documents:
                async with session.post(url, json=document) as response:
                    await response.read()
        bare_s = time.perf_counter() - started
        return {
            "first_sync_s": first_s,
            "written": len(first.to_write),
            "second_sync_s": second_s,
            "second_written": len(second.to_write),
            "bare_transfer_s": bare_s,
        }


def _count(family: str, answer: Any) -> int:
    if family == "webjson":
        return len(rtlog_items(answer) or ())
    return len(answer.get("payload", {}).get("logs", []))


def _user_write(family: str, user: User) -> list[dict[str, Any]]:
    if family == "webjson":
        basic = {"cmd": "setuserinfo", "password": PASSWORD, "enrollid": user.user_id}
        return [
            {**basic, "name": user.name, "admin": 0, "card": user.cards[0] if user.cards else 0},
            {"cmd": "enableuser", "password": PASSWORD, "enrollid": user.user_id, "enflag": 1},
        ]
    return [{"mid": "1", "cmd": "SetUserInfo", "payload": {"id": user.user_id, "name": user.name}}]


async def benchmark_pull(args: argparse.Namespace) -> dict[str, Any]:
    """Run every phase for a pull family and return the figures."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        "--family",
        args.family,
        "--terminals",
        str(args.terminals),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None  # noqa: S101
    ports = [(serial, port) for serial, port in json.loads(await process.stdout.readline())]
    terminals = Terminals(process, ports)
    results: dict[str, Any] = {}
    try:
        async with home_assistant() as hass:
            bench = PullBench(hass, args, terminals)
            results.update(await bench.memory())
            timeout = ClientTimeout(total=30)
            async with ClientSession(connector=TCPConnector(limit=0), timeout=timeout) as session:
                phases = args.phases.split(",")
                if "flat_out" in phases:
                    results.update(await bench.saturation(session))
                if "paced" in phases:
                    results.update(await bench.paced())
                if args.users:
                    results["sync"] = await bench.sync(session)
            for entry in hass.config_entries.async_entries(DOMAIN):
                await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    finally:
        await terminals.command("quit")
        await process.wait()
    return results


def report_pull(results: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """Return the report lines of a pull family."""
    lines: list[str] = []
    if "flat_out_ours" in results:
        bare = results["flat_out_bare"]

        def row(name: str, figures: dict[str, float]) -> str:
            return (
                f"  {name:12s} {figures['records_per_s']:7.0f} records/s "
                f"{figures['ha_cpu_us_per_record']:5.0f} us CPU/record  "
                f"poll p99 {figures['p99_ms']:6.1f} ms   ratio to bare: "
                f"{figures['records_per_s'] / bare['records_per_s']:.2f} throughput, "
                f"{bare['ha_cpu_us_per_record'] / figures['ha_cpu_us_per_record']:.2f} CPU"
            )

        lines += [
            "",
            "Saturation: every read returns a full page of records, polled back to back",
            row("bare loop", bare),
            row("floor", results["flat_out_floor"]),
            row("integration", results["flat_out_ours"]),
        ]
    if "paced_ours" in results:
        paced = results["paced_ours"]
        lines += [
            "",
            f"Paced: {args.terminals} terminals x {args.rate:g} event/s, each polled every "
            f"{paced['poll_interval_s']:g} s, for {args.duration:g} s",
            f"  poll round trip p50 {paced['p50_ms']:5.1f} ms  p99 {paced['p99_ms']:5.1f} ms, "
            f"{paced['records_per_s']:.0f} events/s taken in (an event waits up to one interval)",
        ]
    if "sync" in results:
        sync = results["sync"]
        lines += [
            "",
            f"sync_users of {args.users} users to one simulated terminal (one request per write)",
            f"  first sync    {sync['first_sync_s']:6.2f} s, {sync['written']} users written",
            f"  bare replay   {sync['bare_transfer_s']:6.2f} s for the same writes; ratio "
            f"{sync['first_sync_s'] / sync['bare_transfer_s']:.2f}",
            f"  second sync   {sync['second_sync_s']:6.2f} s with one user changed: "
            f"{sync['second_written']} written",
        ]
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="terminals of the pull benchmark")
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--family", choices=PULL_FAMILIES, required=True)
    parser.add_argument("--terminals", type=int, default=20)
    asyncio.run(serve(parser.parse_args()))
