"""The life of a simulated push terminal: poll the server every interval, make random events."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
import contextlib
from datetime import datetime
import logging
import math
from typing import Any, ClassVar

from simulator.common import DeviceClock, Forwarded, jitter, make_rng, monotonic
from simulator.transport import DeviceTransport, ExchangeError


class PollingDevice[T: DeviceTransport](ABC):
    """What every push terminal shares: a transport, a clock, randomness and the polling loop.

    A family names itself (`family`, `cycle_name`), sets `_transport` and fills in the cycle,
    its period, the random events, the demo users and the timers to cancel on stop.
    """

    family: ClassVar[str]
    cycle_name: ClassVar[str] = "cycle"
    _transport: T

    # Base URL of the server, without a trailing slash.
    server = Forwarded[str]("_transport")
    # True while the last answer refused the terminal.
    rejected = Forwarded[bool]("_transport")
    # Number of requests sent, per URL path.
    requests = Forwarded[Counter[str]]("_transport")
    # Seconds added to the host's time.time() to get the terminal's time.
    clock_offset = Forwarded[float]("_clock", "offset")

    def __init__(self, serial: str, *, event_interval: float | None, seed: int | None) -> None:
        """Set up what every terminal has; nothing talks to the server yet."""
        self.serial = serial
        self.event_interval = event_interval
        self._rng = make_rng(seed)
        self._clock = DeviceClock()
        self._logger = logging.getLogger(type(self).__module__)
        self._task: asyncio.Task[None] | None = None
        # One request at a time on one connection, as the firmware does.
        self._lock = asyncio.Lock()

    def set_clock(self, moment: datetime) -> None:
        """Set the terminal's clock to `moment` (it runs on from there), as a time sync does."""
        self._clock.set(moment.timestamp())

    # --- what each family fills in ----------------------------------------------------------

    @abstractmethod
    def _period(self) -> float:
        """Seconds from the start of one cycle to the start of the next."""

    @abstractmethod
    def _cycle(self) -> Awaitable[object]:
        """One exchange with the server (keep-alive or poll) and everything it asks for."""

    @abstractmethod
    async def _random_event(self) -> None:
        """Someone uses the terminal; report it if the server listens."""

    @abstractmethod
    def _cancel_timers(self) -> None:
        """Cancel the hardware timers (relays) when the terminal stops."""

    @abstractmethod
    def add_demo_users(self, count: int) -> None:
        """Pre-load users 1..count with demo names, credentials and photos."""

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Run the cycles in the background (and make random events if enabled)."""
        if self._task is not None and not self._task.done():
            return
        self._transport.session()
        self._task = asyncio.create_task(self._run(), name=f"{self.family} {self.serial}")

    async def stop(self) -> None:
        """Stop the cycles, cancel timers and close the session if this terminal made it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._cancel_timers()
        await self._transport.close()

    async def _run(self) -> None:
        """Run a cycle every period from the start on, random events in between when enabled."""
        next_cycle = monotonic()
        next_event = self._next_event_time()
        while True:
            if monotonic() >= next_cycle:
                # Scheduled from the cycle's start: two cycles never lie further apart.
                next_cycle = monotonic() + self._period()
                await self._safely(self.cycle_name, self._cycle())
            if monotonic() >= next_event:
                await self._safely("random event", self._random_event())
                next_event = self._next_event_time()
            await asyncio.sleep(max(min(next_cycle, next_event) - monotonic(), 0))

    def _next_event_time(self) -> float:
        if not self.event_interval:
            return math.inf
        return monotonic() + jitter(self._rng, self.event_interval)

    async def _safely(self, what: str, work: Awaitable[Any]) -> None:
        """Await work; a simulator bug must not end the terminal's polling loop."""
        try:
            await work
        except Exception:
            self._logger.exception("%s: %s failed", self.serial, what)

    async def _exclusive[R](
        self, work: Callable[[], Awaitable[R]], failed: R, stopped: str = ""
    ) -> R:
        """Run work as the only exchange in flight; return failed if an exchange fails.

        With stopped (what was cut short) the failure is logged.
        """
        async with self._lock:
            try:
                return await work()
            except ExchangeError as err:
                if stopped:
                    self._logger.info("%s: %s stopped: %s", self.serial, stopped, err)
                return failed
