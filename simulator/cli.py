"""The command line of every simulator family: options, logging and running until a signal."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
import logging
import signal
from typing import Protocol, TypedDict

from simulator.common import Runnable

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class SimulatorFamily:
    """One protocol family as the CLI sees it: a subcommand, its options and its runner."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Awaitable[None]]


def add_common_arguments(parser: argparse.ArgumentParser, *, serial: str) -> None:
    """Add the options every push family's subcommand understands (the server to call)."""
    parser.add_argument("--server", default="http://127.0.0.1:8123", help="server base URL")
    add_device_arguments(parser, serial=serial)


def add_device_arguments(parser: argparse.ArgumentParser, *, serial: str) -> None:
    """Add the options every family's subcommand understands; serial is the default serial."""
    parser.add_argument("--serial", default=serial, help="device serial number")
    parser.add_argument(
        "--event-interval",
        type=seconds(allow_zero=True),
        default=20.0,
        help="mean seconds between random events, 0 for none (default 20)",
    )
    parser.add_argument("--users", type=int, default=5, help="demo users to pre-load (default 5)")
    parser.add_argument("--seed", type=int, default=None, help="seed for reproducible randomness")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")


def setup_logging(*, verbose: bool = False) -> None:
    """Log one readable line per event to stderr."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # aiohttp's own chatter would drown the one-line exchange log.
    logging.getLogger("aiohttp").setLevel(logging.WARNING)


class DemoDevice(Runnable, Protocol):
    """A simulator the command line runs: it can pre-load demo users."""

    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count."""


class DeviceOptions(TypedDict):
    """The constructor arguments every simulator takes from the common options."""

    server: str
    serial: str
    event_interval: float | None
    seed: int | None


def device_options(args: argparse.Namespace) -> DeviceOptions:
    """Return the constructor arguments the common options give (an event interval 0: none)."""
    return DeviceOptions(
        server=args.server,
        serial=args.serial,
        event_interval=args.event_interval or None,
        seed=args.seed,
    )


async def run_demo(simulator: DemoDevice, args: argparse.Namespace) -> None:
    """Pre-load the demo users the options ask for, then run until SIGINT or SIGTERM."""
    simulator.add_demo_users(args.users)
    await run_until_signal(simulator)


async def run_until_signal(simulator: Runnable) -> None:
    """Run a simulator until SIGINT or SIGTERM, then stop it cleanly."""
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    handled: list[signal.Signals] = []
    for sig in (signal.Signals.SIGINT, signal.Signals.SIGTERM):
        # Windows event loops cannot install signal handlers; Ctrl-C still ends asyncio.run there.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop_requested.set)
            handled.append(sig)
    try:
        await simulator.start()
        await stop_requested.wait()
        _LOGGER.info("Stopping")
    finally:
        await simulator.stop()
        for sig in handled:
            loop.remove_signal_handler(sig)


def seconds(*, allow_zero: bool) -> Callable[[str], float]:
    """Return an argparse type for a duration in seconds."""

    def parse(text: str) -> float:
        value = float(text)
        if not (value >= 0 if allow_zero else value > 0):
            raise argparse.ArgumentTypeError(f"must be a number {'>=' if allow_zero else '>'} 0")
        return value

    return parse


def listen_address(text: str) -> tuple[str, int]:
    """Parse HOST:PORT (port 0: any free port) for the pull families' --listen."""
    host, colon, port = text.rpartition(":")
    if not colon or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError("expected HOST:PORT, for example 127.0.0.1:8080")
    return host.strip("[]") or "127.0.0.1", int(port)
