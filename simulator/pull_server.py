"""What every simulated pull terminal shares: its own HTTP server, random events, going away.

A pull family's device serves an API on a port and Home Assistant calls it. The server here
listens on HOST:PORT (port 0 picks a free one), refuses bodies over a limit, answers bodies that
are not JSON with the family's own error, and can go away and come back on the same port, as a
device that loses power does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections import Counter
import contextlib
from datetime import datetime
import json
import logging
import math
from typing import Any, ClassVar

from aiohttp import web

from simulator.common import DeviceClock, jitter, make_rng, monotonic, shorten

MAX_BODY = 16 * 1024 * 1024  # firmware blocks and photos fit


class DeviceServer(ABC):
    """A device-hosted HTTP API: start, stop, go away and come back."""

    family: ClassVar[str]

    def __init__(
        self,
        serial: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        event_interval: float | None = None,
        seed: int | None = None,
    ) -> None:
        """Prepare the server; nothing listens before start()."""
        self.serial = serial
        self.host = host
        self.port = port
        self.event_interval = event_interval
        self.requests: Counter[str] = Counter()
        self._rng = make_rng(seed)
        self._clock = DeviceClock()
        self._logger = logging.getLogger(type(self).__module__)
        self._runner: web.AppRunner | None = None
        self._events: asyncio.Task[None] | None = None

    def set_clock(self, moment: datetime) -> None:
        """Set the device's clock to `moment` (it runs on from there), as a time sync does."""
        self._clock.set(moment.timestamp())

    # --- what each family fills in ----------------------------------------------------------

    @abstractmethod
    def routes(self) -> list[web.RouteDef]:
        """Return the routes of the device's API."""

    @abstractmethod
    def random_event(self) -> None:
        """Someone uses the terminal: add a record."""

    @abstractmethod
    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count with demo names and credentials."""

    def _cancel_timers(self) -> None:  # noqa: B027 - most devices have no timers
        """Cancel the hardware timers (relays) when the device stops."""

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the base URL the device listens on."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Return True while the device answers."""
        return self._runner is not None

    async def start(self) -> None:
        """Listen (and make random events if enabled)."""
        await self._listen()
        if self.event_interval and self._events is None:
            self._events = asyncio.create_task(self._event_loop(), name=f"{self.serial} events")

    async def _listen(self) -> None:
        if self._runner is not None:
            return
        app = web.Application(client_max_size=MAX_BODY)
        app.add_routes(self.routes())
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp keeps the bound socket only here
        if self.port == 0 and isinstance(server, asyncio.Server) and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        self._runner = runner
        self._logger.info("%s %s listening on %s", self.family, self.serial, self.url)

    async def stop(self) -> None:
        """Stop answering and making events."""
        if self._events is not None:
            self._events.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._events
            self._events = None
        self._cancel_timers()
        await self.go_away()

    async def go_away(self) -> None:
        """Stop answering (power lost); the port stays this device's."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def come_back(self) -> None:
        """Answer again on the same port."""
        await self._listen()

    async def _event_loop(self) -> None:
        while True:
            await asyncio.sleep(jitter(self._rng, self.event_interval or math.inf))
            try:
                self.random_event()
            except Exception:
                self._logger.exception("%s: random event failed", self.serial)

    # --- helpers for the families -----------------------------------------------------------

    async def read_json(self, request: web.Request) -> Any:
        """Return the request's JSON body; raise ValueError when it is not JSON."""
        self.requests[request.path] += 1
        raw = await request.read()
        text = raw.decode("utf-8")  # UnicodeDecodeError is a ValueError
        return json.loads(text)

    def log_exchange(self, what: str, answer: Any, started: float) -> None:
        """Log one line per request, as the push simulators do."""
        self._logger.info(
            "%s %s -> %s (%d ms)",
            self.serial,
            what,
            shorten(json.dumps(answer, ensure_ascii=False)),
            (monotonic() - started) * 1000,
        )
