"""What the push families share: record delivery, command deadlines, listings row by row.

In ZK PUSH, HTTPv2 and the cloud WebSocket the device calls us. Its records are acknowledged
only after the listener handled them, so a failure makes the device send them again. What we
want from it waits until it asks (or, on a socket, until it answers): every such wait has a
deadline, after which the command is withdrawn, since a door opening minutes after it was asked
to is a hazard. A user listing has no size known in advance: it is waited for as long as rows
keep arriving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
import logging
import time
from typing import Any

from .errors import (
    AccessTerminalError,
    CommandTimeoutError,
    ListenerUnavailableError,
    ProtocolError,
)
from .model import Authorizer, DoorState, EventType, Record, Terminal, TerminalListener

_LOGGER = logging.getLogger(__name__)

DEFAULT_COMMAND_TIMEOUT = 60.0
# Bodies up to this size are read on the event loop; larger ones in an executor thread, so that
# no single request holds the loop for long (4 MB of ZK lines take about half a second to read).
OFF_LOOP_BYTES = 64 * 1024


async def read_off_loop[T](size: int, read: Callable[[], T]) -> T:
    """Run `read` (pure parsing of a body of `size` bytes) in an executor if the body is large.

    Raises ProtocolError (503) when the executor is gone: Home Assistant is stopping.
    """
    if size <= OFF_LOOP_BYTES:
        return read()
    try:
        future = asyncio.get_running_loop().run_in_executor(None, read)
    except RuntimeError as err:  # the executor was shut down
        raise ProtocolError("shutting down: send again later", status=503) from err
    return await future


async def await_result[T](
    result: Awaitable[T],
    what: str,
    *,
    within: float,
    withdraw: Callable[[], object] | None = None,
    still_queued: bool = False,
) -> T:
    """Wait at most `within` seconds for a command's result, else withdraw it and fail.

    `withdraw` takes the command back so that it never runs late, also when the caller gives
    up first (its task cancelled); `still_queued` tells the caller that it runs anyway (data
    commands kept for the device's next poll).
    """
    try:
        async with asyncio.timeout(within):
            return await result
    except TimeoutError:
        if withdraw is not None:
            withdraw()
        raise CommandTimeoutError(what, still_queued=still_queued) from None
    except asyncio.CancelledError:
        if withdraw is not None:
            withdraw()
        raise


def gather_results[T](
    futures: Iterable[asyncio.Future[T]],
) -> asyncio.Future[list[T | BaseException]]:
    """Gather each future's result or error, in order; giving up the wait leaves them pending.

    The futures are shielded: they belong to commands still queued, which resolve them later.
    """
    return asyncio.gather(*(asyncio.shield(future) for future in futures), return_exceptions=True)


async def await_results[T](
    futures: Sequence[asyncio.Future[T]],
    what: str,
    *,
    within: float,
    forget: Callable[[], object],
) -> list[T | BaseException]:
    """Wait for many queued commands together; return each one's result or error, in order.

    Past the deadline the commands stay queued (the error says so) and `forget` drops the
    futures nobody waits for any more.
    """
    return await await_result(
        gather_results(futures), what, within=within, withdraw=forget, still_queued=True
    )


def fail_waiting(futures: Iterable[asyncio.Future[Any] | None], error: Exception) -> None:
    """Fail every future still waiting with `error`, marked seen.

    A caller cancelled as its terminal unloads never reads its error, and asyncio would log it;
    a caller still waiting gets it as usual.
    """
    for future in futures:
        if future is not None and not future.done():
            future.set_exception(error)
            future.exception()


def _take_error(future: asyncio.Future[Any]) -> None:
    # A future given up on ends in an error nobody awaits: take it, or asyncio logs it.
    if not future.cancelled():
        future.exception()


@dataclass(slots=True, kw_only=True)
class Listing:
    """Rows a device uploads in answer to a query, collected until the answer is complete.

    The device says neither how many rows come nor when they stop, so the wait is given up only
    when no row came for a whole timeout: each arrival moves the deadline.
    """

    # Read through the module at every call, as arrived() and quiet_for() do: one clock for all.
    last_arrival: float = field(default_factory=lambda: time.monotonic())

    def arrived(self) -> None:
        """Note that rows arrived (the deadline moves)."""
        self.last_arrival = time.monotonic()

    def quiet_for(self) -> float:
        """Return the seconds since rows last arrived."""
        return time.monotonic() - self.last_arrival

    async def wait[T](self, outcome: asyncio.Future[T], what: str, *, silence: float) -> T:
        """Wait for `outcome` while rows keep arriving; give up after `silence` seconds without.

        Giving up raises CommandTimeoutError; an `outcome` still pending then is cancelled.
        """
        try:
            while (remaining := self.last_arrival + silence - time.monotonic()) > 0:
                try:
                    async with asyncio.timeout(remaining):
                        return await asyncio.shield(outcome)
                except TimeoutError:
                    continue  # rows arrived meanwhile: the deadline moved
            raise CommandTimeoutError(what)
        finally:
            if not outcome.done():
                outcome.cancel()
                outcome.add_done_callback(_take_error)


class PushTerminal(Terminal):
    """A terminal that calls us: it reports to a listener and may ask us to let someone in.

    Holds what every push family needs besides its protocol: the listener, the authorizer, how
    long a command may take, and background work that must not outlive the terminal unnoticed.
    """

    def __init__(
        self,
        serial: str,
        listener: TerminalListener,
        *,
        authorizer: Authorizer | None,
        command_timeout: float,
    ) -> None:
        """Start with nothing known but the serial."""
        super().__init__(serial)
        self.listener = listener
        self.authorizer = authorizer
        self.command_timeout = command_timeout
        self._tasks: set[asyncio.Task[None]] = set()

    async def deliver(self, records: Sequence[Record]) -> Sequence[Record] | None:
        """Hand records to the listener; None (logged) when it failed.

        Returns the records that may change what the terminal shows now (new and live: see
        TerminalListener.records). The family acknowledges the records only once they are
        handled, and answers None with its own "send again later", so that a record is never
        lost between the device and the listener. A live record of a door's mode (held open,
        locked out by a schedule or an emergency) moves that door.
        """
        try:
            current = await self.listener.records(records)
        except ListenerUnavailableError as err:  # Home Assistant is stopping: sent again later
            _LOGGER.debug("Records from %s not taken: %s", self.serial, err)
            return None
        except Exception:  # whatever failed, the device must keep the records
            _LOGGER.exception("Could not handle records from %s", self.serial)
            return None
        doors = modes_after(self.doors, current)
        if doors != self.doors:
            self.doors = doors
            self.listener.state_changed()
        return current

    def spawn(self, work: Callable[[], Awaitable[None]], what: str) -> asyncio.Task[None]:
        """Run `work` in the background; its failure is logged, never raised into the loop.

        `work` makes its coroutine only when the task runs: a task cancelled first leaves none.
        """

        async def run() -> None:
            try:
                await work()
            except (AccessTerminalError, OSError) as err:
                _LOGGER.info("Terminal %s: %s stopped: %s", self.serial, what, err)
            except Exception:  # a bug in one terminal's background work must not spread
                _LOGGER.exception("Terminal %s: %s failed", self.serial, what)

        task = asyncio.get_running_loop().create_task(run(), name=f"{self.serial} {what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


# What a door event says of the door's contact (open or closed).
_CONTACT_EVENTS = {
    EventType.DOOR_OPENED: True,
    EventType.DOOR_FORCED_OPEN: True,
    EventType.DOOR_CLOSED: False,
}
# A door event older than this is history (a backlog after an outage), not the door's state.
CONTACT_EVENT_AGE = 60.0


# Door events that change a door's mode: (held open, locked out) after them (None: unchanged).
_MODE_EVENTS: dict[EventType, tuple[bool | None, bool | None]] = {
    EventType.NORMALLY_OPEN_STARTED: (True, None),
    EventType.NORMALLY_OPEN_ENDED: (False, None),
    EventType.LOCKOUT_STARTED: (None, True),
    EventType.LOCKOUT_ENDED: (None, False),
}


def modes_after(doors: Mapping[int, DoorState], records: Iterable[Record]) -> dict[int, DoorState]:
    """Return `doors` with the modes live records tell of (held open, locked out).

    A terminal that does not report its doors' modes (ZK), or only now and then (HTTPv2: at
    each keep-alive), tells of a schedule or an emergency holding a door open with a record.
    """
    after = dict(doors)
    for record in records:
        for event in record.events:
            change, known = _MODE_EVENTS.get(event.type), after.get(event.door)
            if change is None or known is None:
                continue
            held_open, locked_out = change
            after[event.door] = replace(
                known,
                held_open=known.held_open if held_open is None else held_open,
                locked_out=known.locked_out if locked_out is None else locked_out,
            )
    return after


def contacts_from_records(records: Sequence[Record], now: datetime) -> dict[int, bool]:
    """Return what recent door events say of each door's contact (the last one wins).

    A terminal that reports its door status only now and then (HTTPv2: at each keep-alive)
    tells of an opening at once with its door record; an opening of three seconds would
    otherwise be missed between two status reports.
    """
    contacts: dict[int, bool] = {}
    for record in records:
        for event in record.events:
            state = _CONTACT_EVENTS.get(event.type)
            if state is not None and abs((now - event.time).total_seconds()) <= CONTACT_EVENT_AGE:
                contacts[event.door] = state
    return contacts
