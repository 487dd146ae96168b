"""Benchmark the access directory: many people reconciled to terminals of every family.

    scripts/bench --phases directory [--people 10000] [--terminals 10] [--poll 0.1]

Home Assistant (its real core and HTTP app, built by the test harness) runs in this process, and
so do the simulated terminals (round-robin over the five families): those that call Home
Assistant reach its HTTP server over a loopback socket (HTTPv2 and ZK PUSH terminals call every
`--poll` seconds, cloud terminals keep their WebSocket), those Home Assistant calls serve on
loopback ports (the entries' own polling is off, so only the directory talks to them).

The directory has three access levels: "Staff" (always, door 1 of every terminal), "Cleaners"
(schedule.cleaner, the first half of the terminals) and "Evenings" (schedule.evenings, the
others, on every door of a ZK controller); person n follows level n mod 3, so each terminal
holds about two thirds of the people. Measured per terminal:

- from "directory complete" (its entry set up with every person) to the terminal in sync: the
  time, the exchanges counted at the simulator in the family's unit, and the least the protocol
  needs for the same content (`minimum`, below);
- one person of "Cleaners" renamed: the writes each terminal receives (1 where the person is
  held, 0 elsewhere: anything else is a failure and the exit status is 1) and the time.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
import math
import os
import time
from types import MappingProxyType
from typing import Any

from aiohttp import ClientSession
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.const import (
    CONF_DIRECTORY,
    DIRECTORY_UNIQUE_ID,
    SUBENTRY_LEVEL,
    SUBENTRY_PERSON,
)
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.directory.model import AccessLevel, DoorRef, Person
from custom_components.access_terminal.protocols.httpv2.people import MAX_BATCH
from custom_components.access_terminal.protocols.model import User
from custom_components.access_terminal.protocols.zk_push.writes import USERS_PER_BATCH
from custom_components.access_terminal.state import IN_SYNC
from scripts.bench_families import home_assistant, serve_app
from scripts.bench_pull import PASSWORD, entry_data
from simulator.cloud_ws import CloudWsSimulator
from simulator.control_api import ControlApiSimulator
from simulator.httpv2 import PATH_KEEPALIVE, HttpV2Simulator
from simulator.webjson import WebJsonSimulator
from simulator.zk_push import ZkPushSimulator

DIRECTORY_TERMINALS = 10
ORDER = ("httpv2", "zk_push", "cloud_ws", "webjson", "control_api")
SCHEDULES = {
    "cleaner": {"name": "Cleaner", "tuesday": [{"from": "09:00:00", "to": "12:00:00"}]},
    "evenings": {"name": "Evenings", "monday": [{"from": "17:00:00", "to": "20:00:00"}]},
}
LEVELS = ("Staff", "Cleaners", "Evenings")
# Rounds of 0.1 s without an exchange before the directory is set up.
QUIET_ROUNDS = 5
ZK_DOORS = 2

type Sim = (
    HttpV2Simulator | ZkPushSimulator | CloudWsSimulator | WebJsonSimulator | ControlApiSimulator
)


# -- what a terminal exchanged, in its family's unit -------------------------------------------


def exchanges(sim: Sim) -> Counter[str]:
    """Return what the simulated terminal exchanged with Home Assistant so far, by kind.

    HTTPv2: the requests it made beyond its keep-alives (each carries one step: a page of people,
    its result, the settings); ZK PUSH: the commands it was given (a table command holds up to
    100 users); cloud: the commands on its socket; the pull families: the requests they answered.
    """
    if isinstance(sim, HttpV2Simulator):
        made = Counter(sim._transport.requests)  # noqa: SLF001 - the simulator's own count
        del made[PATH_KEEPALIVE]
        return made
    if isinstance(sim, ZkPushSimulator):
        return Counter(" ".join(raw.split(":", 2)[-1].split()[:3]) for raw in sim.commands)
    if isinstance(sim, CloudWsSimulator):
        return Counter(str(command.get("cmd")) for command in sim.received)
    return Counter(sim.commands)


# HTTPv2 reads: the command asking for a listing and each person the terminal pushes back.
HTTPV2_READS = ("/Device/RemoteCommand", "/People/PushPeople")


def is_read(kind: str) -> bool:
    """Return True for an exchange that reads (a listing, a query), not one that writes."""
    lowered = kind.lower()
    return (
        lowered.startswith(("get", "query")) or " query " in f" {lowered} " or kind in HTTPV2_READS
    )


@dataclass
class Writes:
    """What Home Assistant wrote to one terminal, counted at the protocol boundary.

    Every write to a terminal goes through its `Terminal` object: people (`set_users`), removals
    (`delete_users`) and access tables (`set_access_tables`).
    """

    people: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    tables: int = 0

    def follow(self, terminal: Any) -> None:
        """Count what is written to `terminal` from now on (its methods wrapped in place)."""
        set_users, delete_users, set_tables = (
            terminal.set_users,
            terminal.delete_users,
            terminal.set_access_tables,
        )

        async def counted_set(users: Sequence[User], **options: Any) -> None:
            self.people.update(user.user_id for user in users)
            await set_users(users, **options)

        async def counted_delete(user_ids: Sequence[str] | None) -> None:
            self.removed.update(user_ids or ["*"])
            await delete_users(user_ids)

        async def counted_tables(tables: Mapping[str, Any]) -> None:
            self.tables += 1
            await set_tables(tables)

        terminal.set_users = counted_set
        terminal.delete_users = counted_delete
        terminal.set_access_tables = counted_tables

    def total(self) -> int:
        """Return the people written and removed, and the table writes, so far."""
        return sum(self.people.values()) + sum(self.removed.values()) + self.tables


# The fewest exchanges that rename one person the terminal holds (see `minimum`).
RENAME_MINIMUM = {"httpv2": 3, "zk_push": 1, "cloud_ws": 1, "webjson": 1, "control_api": 1}


def minimum(family: str, people: int) -> int:
    """Return the fewest exchanges (in `exchanges`' unit) that give a terminal its content.

    `people` held (each with a name, a card and an access level); reads (listings) are not
    part of it:
    - HTTPv2: the access rules in one settings download (then the settings uploaded, as the
      document asks: 2), and per page of at most 1000 people a fetch and its result, plus the
      empty fetch that ends the run;
    - ZK PUSH: one command per 100 users for the user table and one for their door rights
      (userauthorize), the time zones and the holidays in one command each;
    - cloud: one `setuserinfo` per person (the protocol writes one user at a time; it carries
      the name, the week zone and the validity), the day and week zones in one command and the
      holidays in one;
    - Webserver + JSON: per person `setuserinfo` and `setuserlock` (its week zone), two for the
      tables (`setdevlock`, `setholiday`);
    - control API: per person `SetUserInfo` and `SetAcUserInfo` (its time zone), one for the
      tables (`SetAcTimeZone`).
    A rename is one exchange (`RENAME_MINIMUM`), three for HTTPv2 (fetch, result, empty fetch).
    """
    if family == "httpv2":
        return 2 + 2 * math.ceil(people / MAX_BATCH) + 1
    if family == "zk_push":
        return 2 * math.ceil(people / USERS_PER_BATCH) + 2
    if family == "cloud_ws":
        return people + 2
    if family == "webjson":
        return 2 * people + 2
    return 2 * people + 1


# -- the terminals -------------------------------------------------------------------------


@dataclass
class Terminal:
    """One simulated terminal, its entry and what was measured on it."""

    family: str
    sim: Sim
    entry: MockConfigEntry
    doors: int = 1
    held: int = 0
    written: Writes = field(default_factory=Writes)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def serial(self) -> str:
        """Return the terminal's serial."""
        return str(self.entry.unique_id)


async def add_terminal(
    hass: HomeAssistant, session: ClientSession, base: str, family: str, index: int
) -> Terminal:
    """Build the simulator of terminal `index`, add its entry and let it say hello."""
    serial = f"bench{index:011d}" if family == "control_api" else f"BENCH{index:08d}"
    sim: Sim
    doors = 1
    if family == "httpv2":
        sim = HttpV2Simulator(base, serial, session=session, download_limit=MAX_BATCH, seed=index)
    elif family == "zk_push":
        sim = ZkPushSimulator(base, serial, session=session, seed=index, doors=ZK_DOORS)
        doors = ZK_DOORS
    elif family == "cloud_ws":
        sim = CloudWsSimulator(
            serial=serial, server=base, session=session, seed=index, reconnect_delay=0.05
        )
    elif family == "webjson":
        sim = WebJsonSimulator(serial, password=PASSWORD, seed=index)
    else:
        sim = ControlApiSimulator(serial, api_key=PASSWORD, uploader=False, seed=index)
    if isinstance(sim, WebJsonSimulator | ControlApiSimulator):
        await sim.start()
        data = entry_data(family, serial, sim.port)
    else:
        data = {"family": family, "serial": serial}
    entry = MockConfigEntry(
        domain=DOMAIN, title=serial, unique_id=serial, data=data, pref_disable_polling=True
    )
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError(f"{serial} did not set up")
    if isinstance(sim, HttpV2Simulator):
        await sim.keepalive_cycle()
    elif isinstance(sim, ZkPushSimulator):
        await sim.connect()
    elif isinstance(sim, CloudWsSimulator):
        await sim.start()
        await asyncio.wait_for(sim.wait_registered(), 30)
    await hass.async_block_till_done()
    terminal = Terminal(family, sim, entry, doors)
    terminal.written.follow(entry.runtime_data.coordinator.terminal)
    return terminal


async def settled(terminals: list[Terminal]) -> None:
    """Wait until no terminal exchanged anything for a while (hellos and their follow-ups)."""
    quiet = 0
    seen = [exchanges(terminal.sim) for terminal in terminals]
    while quiet < QUIET_ROUNDS:
        await asyncio.sleep(0.1)
        now = [exchanges(terminal.sim) for terminal in terminals]
        quiet = quiet + 1 if now == seen else 0
        seen = now


async def call_home(terminals: list[Terminal], every: float) -> None:
    """Let the terminals that call Home Assistant do so every `every` seconds (until cancelled)."""

    async def calls(sim: HttpV2Simulator | ZkPushSimulator) -> None:
        while True:
            await (sim.keepalive_cycle() if isinstance(sim, HttpV2Simulator) else sim.cycle())
            await asyncio.sleep(every)

    callers = [t.sim for t in terminals if isinstance(t.sim, HttpV2Simulator | ZkPushSimulator)]
    await asyncio.gather(*(calls(sim) for sim in callers))


# -- the directory -------------------------------------------------------------------------


def levels(hass: HomeAssistant, terminals: list[Terminal]) -> list[AccessLevel]:
    """Return the three levels over the terminals' doors (see the module's docstring)."""
    devices = dr.async_get(hass)

    def doors(chosen: list[Terminal], every_door: bool = False) -> tuple[DoorRef, ...]:
        refs = []
        for terminal in chosen:
            device = devices.async_get_device(identifiers={(DOMAIN, terminal.serial)})
            if device is None:
                raise RuntimeError(f"no device for {terminal.serial}")
            numbers = range(1, terminal.doors + 1) if every_door else (1,)
            refs += [DoorRef(device.id, number) for number in numbers]
        return tuple(refs)

    half = (len(terminals) + 1) // 2
    staff, cleaners, evenings = LEVELS
    return [
        AccessLevel(name=staff, doors=doors(terminals)),
        AccessLevel(name=cleaners, doors=doors(terminals[:half]), schedule="schedule.cleaner"),
        AccessLevel(
            name=evenings, doors=doors(terminals[half:], True), schedule="schedule.evenings"
        ),
    ]


def person(number: int, name: str | None = None) -> Person:
    """Return person `number` (a card each), following level `number` mod 3."""
    return Person(
        person_id=str(number),
        name=name or f"Person {number}",
        cards=(str(10_000_000 + number),),
        levels=(LEVELS[number % len(LEVELS)],),
    )


def directory_entry(access: list[AccessLevel], people: int) -> MockConfigEntry:
    """Return the directory's entry holding `access` and `people` people (1..people)."""
    subentries = [
        ConfigSubentryData(
            data=MappingProxyType(level.as_data()),
            subentry_type=SUBENTRY_LEVEL,
            title=level.name,
            unique_id=level.unique_id,
        )
        for level in access
    ] + [
        ConfigSubentryData(
            data=MappingProxyType(somebody.as_data()),
            subentry_type=SUBENTRY_PERSON,
            title=somebody.name,
            unique_id=somebody.unique_id,
        )
        for somebody in map(person, range(1, people + 1))
    ]
    return MockConfigEntry(
        domain=DOMAIN,
        title="Access directory",
        unique_id=DIRECTORY_UNIQUE_ID,
        data={CONF_DIRECTORY: True},
        subentries_data=subentries,
    )


async def until_in_sync(
    hass: HomeAssistant, directory: DirectoryConfigEntry, terminals: list[Terminal], key: str
) -> None:
    """Wait until every terminal is in sync; note each one's seconds under `key`."""
    syncs = directory.runtime_data.reconciler.syncs
    started = time.perf_counter()
    waiting = list(terminals)
    while waiting:
        await asyncio.sleep(0.01)
        for terminal in list(waiting):
            sync = syncs.get(terminal.serial)
            if sync is not None and not sync.busy and sync.status.state == IN_SYNC:
                terminal.figures[key] = time.perf_counter() - started
                waiting.remove(terminal)
    await hass.async_block_till_done()


async def measure(hass: HomeAssistant, terminals: list[Terminal], args: argparse.Namespace) -> None:
    """Reconcile the directory to every terminal, then change one person (see the docstring)."""
    assert await async_setup_component(hass, "schedule", {"schedule": SCHEDULES})  # noqa: S101
    access = levels(hass, terminals)
    entry = directory_entry(access, args.people)
    entry.add_to_hass(hass)
    calling = asyncio.create_task(call_home(terminals, args.poll))
    try:
        await settled(terminals)
        before = {terminal.serial: exchanges(terminal.sim) for terminal in terminals}
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError("the directory did not set up")
        directory: DirectoryConfigEntry = entry
        await until_in_sync(hass, directory, terminals, "first_s")
        contents = directory.runtime_data.directory.contents
        for terminal in terminals:
            device = terminal.entry.runtime_data.coordinator.device_id
            held = {lvl.name for lvl in access if any(d.device_id == device for d in lvl.doors)}
            terminal.held = sum(bool(held & set(p.levels)) for p in contents.people.values())
            made = exchanges(terminal.sim) - before[terminal.serial]
            terminal.figures |= {
                "held": terminal.held,
                "first_exchanges": sum(made.values()),
                "first_reads": sum(n for kind, n in made.items() if is_read(kind)),
                "minimum": minimum(terminal.family, terminal.held),
                "first_people_written": sum(terminal.written.people.values()),
                "first_written_twice": sum(n > 1 for n in terminal.written.people.values()),
                "first_table_writes": terminal.written.tables,
            }
        # One person of the second level ("Cleaners": the first half of the terminals).
        changed = person(1, "Renamed")
        before = {terminal.serial: exchanges(terminal.sim) for terminal in terminals}
        written = {terminal.serial: terminal.written.total() for terminal in terminals}
        await hass.services.async_call(
            DOMAIN,
            "set_person",
            {"person_id": changed.person_id, "name": changed.name},
            blocking=True,
        )
        await until_in_sync(hass, directory, terminals, "change_s")
        cleaners = {ref.device_id for ref in access[1].doors}
        for terminal in terminals:
            holds = terminal.entry.runtime_data.coordinator.device_id in cleaners
            made = exchanges(terminal.sim) - before[terminal.serial]
            terminal.figures |= {
                "holds_changed": holds,
                "change_writes": terminal.written.total() - written[terminal.serial],
                "change_exchanges": sum(made.values()),
                "change_minimum": RENAME_MINIMUM[terminal.family] if holds else 0,
                "change_kinds": dict(made),
            }
    finally:
        calling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await calling


async def measure_directory(
    hass: HomeAssistant, base: str, session: ClientSession, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Add the terminals to `hass` (served at `base`), measure, and return each one's figures."""
    terminals = [
        await add_terminal(hass, session, base, ORDER[index % len(ORDER)], index)
        for index in range(args.terminals)
    ]
    try:
        await measure(hass, terminals, args)
    finally:
        for terminal in terminals:
            await terminal.sim.stop()
        for entry in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(entry.entry_id)
    return [{"family": t.family, "serial": t.serial, **t.figures} for t in terminals]


async def benchmark_directory(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the directory benchmark in a Home Assistant of its own."""
    async with home_assistant() as hass:
        server = await serve_app(hass)
        async with ClientSession() as session:
            rows = await measure_directory(
                hass, str(server.make_url("")).rstrip("/"), session, args
            )
        await server.close()
    return rows


# -- the report ----------------------------------------------------------------------------


def broken(rows: list[dict[str, Any]]) -> list[str]:
    """Return the terminals that break the one-change rule (1 write where held, else 0)."""
    return [
        row["serial"] for row in rows if row["change_writes"] != (1 if row["holds_changed"] else 0)
    ]


def ratio(made: float, least: float) -> str:
    """Return `made` / `least` for the table ("-" when nothing was needed)."""
    return f"{made / least:5.2f}" if least else "    -"


def report_directory(rows: list[dict[str, Any]], args: argparse.Namespace) -> list[str]:
    """Return the table of the directory benchmark: per terminal, then per family."""
    lines = [
        f"Access directory: {args.people} people, 3 levels, {len(rows)} terminals "
        f"(those that call Home Assistant call every {args.poll:g} s), {os.cpu_count()} CPUs",
        "",
        "                                      first sync                        "
        "one person renamed",
        "terminal         family        held   in sync  exchanges / minimum      reads  "
        "writes  exchanges / min   time",
    ]
    lines += [
        f"{row['serial']:16s} {row['family']:11s} {row['held']:6d} {row['first_s']:7.2f} s"
        f" {row['first_exchanges']:6d} / {row['minimum']:6d}"
        f" {ratio(row['first_exchanges'], row['minimum'])}"
        f" {row['first_reads']:6d}  {row['change_writes']:3d} of {int(row['holds_changed'])}"
        f" {row['change_exchanges']:5d} / {row['change_minimum']:3d}"
        f" {row['change_s']:6.2f} s"
        for row in rows
    ]
    lines += [
        "",
        "family        slowest in sync  exchanges / minimum   "
        "rename: writes (holding)  exchanges / minimum",
    ]
    for family in ORDER:
        chosen = [row for row in rows if row["family"] == family]
        if not chosen:
            continue
        made = sum(row["first_exchanges"] for row in chosen)
        least = sum(row["minimum"] for row in chosen)
        change = sum(row["change_exchanges"] for row in chosen)
        change_least = sum(row["change_minimum"] for row in chosen)
        lines.append(
            f"{family:12s} {max(row['first_s'] for row in chosen):9.2f} s"
            f"     {made:6d} / {least:6d} = {ratio(made, least)}"
            f"   {sum(row['change_writes'] for row in chosen):3d} "
            f"({sum(row['holds_changed'] for row in chosen)})"
            f"                  {change:3d} / {change_least:3d} = {ratio(change, change_least)}"
        )
    twice = sum(row["first_written_twice"] for row in rows)
    tables = [row["first_table_writes"] for row in rows]
    wrong = broken(rows)
    lines += [
        "",
        f"First sync: each person written once ({'yes' if not twice else f'NO: {twice} twice'}),"
        f" access tables written {min(tables)}-{max(tables)} time(s) per terminal",
        "One change, one write per terminal holding the person: "
        + ("yes" if not wrong else f"NO ({', '.join(wrong)})"),
    ]
    if args.verbose:
        lines += [f"  {row['serial']}: {row['change_kinds']}" for row in rows]
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the directory phase's options to scripts/bench's."""
    parser.add_argument("--people", type=int, default=10_000, help="people of the directory phase")
    parser.add_argument(
        "--verbose", action="store_true", help="list what each terminal exchanged for the change"
    )
    parser.add_argument(
        "--poll", type=float, default=0.1, help="seconds between a pushing terminal's calls"
    )


def run(args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    """Run the directory phase and print its table; return 1 if the one-change rule broke."""
    rows = asyncio.run(benchmark_directory(args))
    out("\n".join(report_directory(rows, args)))
    return 1 if broken(rows) else 0
