"""Shared plumbing of the simulator tests: a scripted fake server, simulators, waiting, the CLI."""

from __future__ import annotations

from abc import ABC, abstractmethod
import argparse
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
import contextlib
from dataclasses import dataclass, field
import signal
import socket
from typing import Any

from aiohttp import web
from pytest_aiohttp import AiohttpServer

from simulator.__main__ import build_parser
from simulator.device_loop import PollingDevice
from tests.helpers import wait_until

# --- the fake server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """A scripted answer as it goes on the wire."""

    body: str | bytes
    status: int = 200


# A scripted answer: raw, a text (status 200), a JSON value, or a handler that answers itself.
Answer = Raw | str | dict[str, Any] | list[Any] | Callable[[], Awaitable[web.StreamResponse]]


@dataclass
class ScriptedServer[E](ABC):
    """Records every request and answers from per-key scripts, else as the family's server would.

    A family says how a request is recorded (`record`), which script answers it (`key`) and
    what answers when no script does (`default`).
    """

    exchanges: list[E] = field(default_factory=list)
    scripts: dict[str, list[Answer]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    url: str = ""

    @abstractmethod
    async def record(self, request: web.Request) -> E:
        """Return the request as the tests inspect it."""

    @abstractmethod
    def key(self, exchange: E) -> str:
        """Return the name scripts answer this exchange under."""

    @abstractmethod
    def default(self, exchange: E) -> Answer | web.StreamResponse:
        """Answer an exchange no script answers."""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    def script(self, key: str, *answers: Answer) -> None:
        self.scripts.setdefault(key, []).extend(answers)

    def keys(self) -> list[str]:
        return [self.key(exchange) for exchange in self.exchanges]

    def received(self, key: str) -> list[E]:
        return [exchange for exchange in self.exchanges if self.key(exchange) == key]

    def clear(self) -> None:
        self.exchanges.clear()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        exchange = await self.record(request)
        self.exchanges.append(exchange)
        queued = self.scripts.get(self.key(exchange))
        answer = queued.pop(0) if queued else self.default(exchange)
        if isinstance(answer, web.StreamResponse):
            return answer
        if isinstance(answer, Raw):
            return web.Response(status=answer.status, body=answer.body)
        if isinstance(answer, str):
            return web.Response(body=answer)
        if isinstance(answer, dict | list):
            return web.json_response(answer)
        return await answer()


async def serve[S: ScriptedServer[Any]](aiohttp_server: AiohttpServer, fake: S, **kwargs: Any) -> S:
    """Start the fake server on a loopback port; kwargs go to the test server."""
    test_server = await aiohttp_server(fake.app(), **kwargs)
    fake.url = str(test_server.make_url("")).rstrip("/")
    return fake


def closed_url() -> str:
    """Return a loopback URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- simulators ---------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def simulators[S: PollingDevice[Any]](
    build: Callable[..., S], **defaults: Any
) -> AsyncIterator[Callable[..., S]]:
    """Yield a maker of simulators (demo users, test defaults); all are stopped at the end."""
    made: list[S] = []

    def make(users: int = 0, **kwargs: Any) -> S:
        simulator = build(**(defaults | kwargs))
        simulator.add_demo_users(users)
        made.append(simulator)
        return simulator

    try:
        yield make
    finally:
        for simulator in made:
            await simulator.stop()


async def wait_for(condition: Callable[[], bool], within: float = 3.0) -> None:
    await wait_until(condition, within)


def refused(simulator: PollingDevice[Any]) -> bool:
    # A function call, so that mypy does not narrow the attribute across awaits.
    return simulator.rejected


# --- command line -------------------------------------------------------------------------------

# The options every family has: what COMMON_ARGS sets them to, and their defaults.
SERVER = "http://10.0.0.2:8123"
COMMON_ARGS = (f"--server={SERVER}", "--event-interval=0", "--users=7", "--seed=42", "-v")
COMMON_VALUES = (SERVER, 0.0, 7, 42, True)
COMMON_DEFAULTS = ("http://127.0.0.1:8123", 20.0, 5, None, False)


def common_options(args: argparse.Namespace) -> tuple[str, float, int, int | None, bool]:
    """Return the values of the options every family has: server, event interval, users..."""
    return (args.server, args.event_interval, args.users, args.seed, args.verbose)


def parse_cli(family: str, *argv: str) -> argparse.Namespace:
    """Parse a family's command line after COMMON_ARGS, checking what those give."""
    args = build_parser().parse_args([family, *COMMON_ARGS, *argv])
    assert args.family == family
    assert common_options(args) == COMMON_VALUES
    return args


def parse_defaults(family: str) -> argparse.Namespace:
    """Parse a family's bare command line, checking the common defaults."""
    args = build_parser().parse_args([family])
    assert common_options(args) == COMMON_DEFAULTS
    return args


async def stops_on_sigterm(run: Coroutine[Any, Any, None], ready: Callable[[], bool]) -> None:
    """Start a family's runner; once ready, SIGTERM must end it within two seconds."""
    task = asyncio.create_task(run)
    await wait_for(ready)
    signal.raise_signal(signal.SIGTERM)
    await asyncio.wait_for(task, timeout=2)
