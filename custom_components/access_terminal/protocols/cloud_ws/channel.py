"""Commands to one terminal over its socket: one in flight, each answered by a frame of its name.

specs/002_c663bad8f76a6161.txt part B: the server sends `{"cmd": X, ...}` and the terminal answers
`{"ret": X, "result": ...}`. Nothing else ties an answer to its command, so only one command is
in flight per terminal (a late answer to a timed-out command finds nobody waiting and is dropped).
Listings come in pages: the first asked with `stn: true`, each next one with `stn: false`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import logging
from typing import Any, Protocol

from ..codec import optional_int
from ..errors import CommandCancelledError, DeviceError
from ..push import await_result
from .wire import Message, encode

_LOGGER = logging.getLogger(__name__)

# A listing never has more pages than this (500,000 logs at 50 a page, with room to spare).
MAX_PAGES = 20_000
# What `reason` codes mean where the document says.
_REASONS = {"1": "the terminal refused the command", "2": "the user id already exists"}


def describe_reason(reason: str) -> str:
    """Return a readable text for a terminal's `reason`."""
    return _REASONS.get(reason, reason or "no reason given")


class Connection(Protocol):
    """The socket of a connected terminal."""

    async def send(self, text: str) -> None:
        """Send one text frame."""

    async def close(self) -> None:
        """Close the socket (the terminal connects again by itself)."""


class CommandChannel:
    """Sends commands to a terminal while it is connected, and matches its answers."""

    def __init__(self, timeout: float) -> None:
        """Start disconnected; each command waits at most `timeout` seconds."""
        self.timeout = timeout
        self.connection: Connection | None = None
        self._connected = asyncio.Event()
        self._lock = asyncio.Lock()
        self._waiting: tuple[str, asyncio.Future[Message]] | None = None
        self._closed: Exception | None = None

    @property
    def busy(self) -> str | None:
        """Return the name of the command in flight, if any."""
        return None if self._waiting is None else self._waiting[0]

    def attach(self, connection: Connection) -> None:
        """Send commands on `connection` from now on."""
        self.connection = connection
        if self._closed is None:
            self._connected.set()

    def detach(self, connection: Connection, error: Exception) -> None:
        """Forget `connection` (if still current); the command in flight fails with `error`."""
        if self.connection is not connection:
            return
        self.connection = None
        if self._closed is None:
            self._connected.clear()
        if self._waiting is not None and not self._waiting[1].done():
            self._waiting[1].set_exception(error)

    def answer(self, message: Message) -> bool:
        """Hand an answer to the command waiting for it; False if none waits for this name."""
        if self._waiting is None or self._waiting[0] != message.name:
            return False
        future = self._waiting[1]
        if not future.done():
            future.set_result(message)
        return True

    async def request(self, document: dict[str, Any], what: str, *, check: bool = True) -> Message:
        """Send one command and return its answer (DeviceError when it reports failure)."""
        async with self._turn(what):
            return await self._exchange(document, what, check=check)

    @contextlib.asynccontextmanager
    async def _turn(self, what: str) -> AsyncIterator[None]:
        """Wait (at most the timeout) until no other command is in flight, then hold the turn."""
        await await_result(self._lock.acquire(), what, within=self.timeout)
        try:
            yield
        finally:
            self._lock.release()

    async def send_only(self, document: dict[str, Any], what: str) -> None:
        """Send a command the terminal never answers (reboot)."""
        async with self._turn(what):
            await self._exchange(document, what, check=False, answered=False)

    async def pages(
        self,
        document: dict[str, Any],
        what: str,
        on_page: Callable[[Message, list[Any]], Awaitable[None]],
        *,
        key: str = "record",
    ) -> int:
        """Ask for every page of a listing; `on_page` gets each page and its records (`key`).

        A listing ends with an empty page, when the records reach a `count` that is a total,
        when the terminal repeats a page or refuses a next one. Returns the records read.
        """
        read = 0
        starts: set[int] = set()
        async with self._turn(what):
            for page in range(MAX_PAGES):
                answer = await self._exchange({**document, "stn": page == 0}, what, check=page == 0)
                records = answer.fields.get(key)
                if not answer.ok or not isinstance(records, list) or not records:
                    break
                first = optional_int(answer.fields.get("from"))
                if first is not None and first in starts:
                    break  # the same page again: the terminal has no more
                if first is not None:
                    starts.add(first)
                read += len(records)
                await on_page(answer, records)
                count = optional_int(answer.fields.get("count"))
                last = optional_int(answer.fields.get("to"))
                # A count above the page's size is a total (logs): stop when it is reached.
                if (
                    count is not None
                    and count > len(records)
                    and (read >= count or (last is not None and last + 1 >= count))
                ):
                    break
        return read

    async def _exchange(
        self, document: dict[str, Any], what: str, *, check: bool, answered: bool = True
    ) -> Message:
        """Send a command and wait for its answer (a sent one stands for it if none comes)."""
        try:
            # Connecting, sending and the answer share one deadline; then nobody waits for it.
            answer = await await_result(
                self._send(document, answered=answered), what, within=self.timeout
            )
        except (ConnectionError, RuntimeError) as err:
            # The socket closed under us (aiohttp raises ConnectionResetError or RuntimeError).
            raise CommandCancelledError(f"{what}: the terminal disconnected ({err})") from None
        finally:
            self._waiting = None
        if check and not answer.ok:
            raise DeviceError(answer.reason or "?", describe_reason(answer.reason))
        return answer

    async def _send(self, document: dict[str, Any], *, answered: bool) -> Message:
        name = str(document["cmd"])
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        connection = await self._connection()
        self._waiting = (name, future)
        await connection.send(encode(document))
        if not answered:
            return Message(name, False, {"result": True})
        return await future

    def close(self, error: Exception) -> None:
        """Fail the command in flight and every later one with `error` (the terminal is gone)."""
        self._closed = error
        self._connected.set()  # wakes whoever waits for a connection, to fail
        if self._waiting is not None and not self._waiting[1].done():
            self._waiting[1].set_exception(error)

    async def _connection(self) -> Connection:
        await self._connected.wait()
        if self._closed is not None:
            raise self._closed
        assert self.connection is not None  # noqa: S101 - set with the event
        return self.connection
