"""Work waiting for an HTTPv2 terminal's next fetch: remote commands and the clock to set.

A keep-alive tells the device what there is to fetch; it then asks for RemoteCommand (doors,
alarms, restarts, queries) and DownloadWorkSetting (the clock). A caller waits until its work is
fetched; a caller that stopped waiting leaves its future done, and the work is skipped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
import time
from typing import Any

from ..push import fail_waiting


@dataclass(slots=True)
class _Command:
    """A RemoteCommand waiting for the device to fetch it."""

    fields: dict[str, Any]
    future: asyncio.Future[None]
    on_delivered: Callable[[], None] | None = None


class RemoteCommands:
    """Remote commands in the order they were asked for."""

    def __init__(self) -> None:
        """Start empty."""
        self._queue: deque[_Command] = deque()

    def add(
        self, fields: dict[str, Any], on_delivered: Callable[[], None] | None = None
    ) -> asyncio.Future[None]:
        """Queue a command; its future resolves when the device fetches it."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Command(fields, future, on_delivered))
        return future

    @property
    def waiting(self) -> int:
        """Return how many commands still wait for the device."""
        return sum(not command.future.done() for command in self._queue)

    def drop_abandoned(self) -> None:
        """Forget the commands at the front whose callers stopped waiting (timed out)."""
        while self._queue and self._queue[0].future.done():
            self._queue.popleft()

    def take(self) -> dict[str, Any]:
        """Hand out the next commands, merged into the fields of one reply.

        One reply carries several commands as long as their fields do not collide; the rest
        wait for the next keep-alive, in order.
        """
        fields: dict[str, Any] = {}
        while self._queue:
            command = self._queue[0]
            if command.future.done():
                self._queue.popleft()
                continue
            if fields.keys() & command.fields.keys():
                break
            self._queue.popleft()
            fields.update(command.fields)
            command.future.set_result(None)
            if command.on_delivered is not None:
                command.on_delivered()
        return fields

    def fail_all(self, error: Exception) -> None:
        """Fail every waiting caller with `error` and drop the commands."""
        fail_waiting((command.future for command in self._queue), error)
        self._queue.clear()


class ClockSetting:
    """The clock to set at the device's next DownloadWorkSetting, and the callers waiting."""

    def __init__(self) -> None:
        """Start with nothing to set."""
        self.wanted = False
        self._zone: int | None = None
        self._waiters: list[asyncio.Future[None]] = []

    def ask(self, zone: int | None) -> asyncio.Future[None]:
        """Set the clock (and TimeZone, in hours, unless None) at the next fetch."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.wanted, self._zone = True, zone
        self._waiters.append(future)
        return future

    def take(self) -> dict[str, Any]:
        """Return the settings to send now, and resolve the callers waiting for them."""
        changes: dict[str, Any] = {}
        if self.wanted:
            # The time is taken now, when the device fetches it, not when it was asked for.
            changes["SystemTime"] = int(time.time())
            if self._zone is not None:
                changes["TimeZone"] = self._zone
        self.wanted, self._zone = False, None
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)
        return changes

    def fail_all(self, error: Exception) -> None:
        """Fail every waiting caller with `error` (the clock is still set at the next fetch)."""
        fail_waiting(self._waiters, error)
        self._waiters = []
