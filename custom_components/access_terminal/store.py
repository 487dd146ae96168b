"""Persisted per-terminal state: record ledger, info, queued work, user digests and names.

Three files per terminal so that a busy event stream never rewrites a large user table:
`access_terminal.<entry>` (records, info), `.queue` (work waiting for the device) and `.users`
(digests of the users we wrote, and the names the terminal holds for its user ids).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import random
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .protocols.dedup import RecordLedger

STORAGE_VERSION = 1
# The record window changes with every record: with hundreds of busy terminals, saving it often
# costs the event loop more than it protects (the file is also flushed on unload and on stop,
# and a device only re-sends records whose acknowledgement it did not get). Queued work and user
# digests change rarely and matter more, so they are saved sooner.
RECORDS_SAVE_DELAY = 30.0
QUEUE_SAVE_DELAY = 5.0


class _ThrottledFile:
    """One storage file written at most once per `delay` seconds, however busy the device is.

    (Store.async_delay_save alone postpones the write for as long as calls keep coming.)
    """

    def __init__(
        self, hass: HomeAssistant, key: str, data: Callable[[], dict[str, Any]], delay: float
    ) -> None:
        self._hass = hass
        self._delay = delay
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, key)
        self._data = data
        self._timer: asyncio.TimerHandle | None = None

    async def async_load(self) -> dict[str, Any]:
        return await self._store.async_load() or {}

    def schedule(self) -> None:
        if self._timer is None:
            # Jitter, so that terminals busy since the same moment do not all write at once.
            delay = self._delay * (0.5 + random.random())  # noqa: S311 - not for security
            self._timer = self._hass.loop.call_later(delay, self._write)

    def _write(self) -> None:
        self._timer = None
        self._store.async_delay_save(self._data, 0)

    async def async_flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self._store.async_save(self._data())

    async def async_remove(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self._store.async_remove()


class DeviceStore:
    """What one terminal's integration state keeps across restarts."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the three files of one config entry."""
        key = f"{DOMAIN}.{entry_id}"
        self._main = _ThrottledFile(hass, key, self._main_data, RECORDS_SAVE_DELAY)
        self._queue = _ThrottledFile(hass, f"{key}.queue", self._queue_data, QUEUE_SAVE_DELAY)
        self._users = _ThrottledFile(hass, f"{key}.users", self._users_data, QUEUE_SAVE_DELAY)
        self.records = RecordLedger()
        self.info: dict[str, Any] | None = None
        self.last_seen: str | None = None
        self.protocol_state: dict[str, Any] = {}
        self.users: dict[str, str | None] = {}
        self.users_complete = False
        self.names: dict[str, str] = {}
        # What the terminal turned out to measure although it did not announce it.
        self.readings: set[str] = set()

    async def async_load(self) -> None:
        """Read what was saved (nothing on first start)."""
        main = await self._main.async_load()
        self.records.restore(main.get("records"))
        self.info = main.get("info")
        self.last_seen = main.get("last_seen")
        queue = await self._queue.async_load()
        self.protocol_state = dict(queue.get("protocol", {}))
        users = await self._users.async_load()
        self.users = dict(users.get("users", {}))
        self.users_complete = bool(users.get("complete", False))
        names = users.get("names")
        self.names = (
            {str(key): value for key, value in names.items() if isinstance(value, str)}
            if isinstance(names, dict)
            else {}
        )
        readings = main.get("readings")
        self.readings = {str(item) for item in readings} if isinstance(readings, list) else set()

    # -- saving ----------------------------------------------------------------------------

    def schedule_save(self) -> None:
        """Save the record window, info and last-seen time soon."""
        self._main.schedule()

    def schedule_save_queue(self) -> None:
        """Save the queued work soon."""
        self._queue.schedule()

    def schedule_save_users(self) -> None:
        """Save the user digests soon."""
        self._users.schedule()

    async def async_flush(self) -> None:
        """Write everything now (unload, Home Assistant stopping)."""
        for file in (self._main, self._queue, self._users):
            await file.async_flush()

    async def async_remove(self) -> None:
        """Delete every file (the entry was removed)."""
        for file in (self._main, self._queue, self._users):
            await file.async_remove()

    def _main_data(self) -> dict[str, Any]:
        return {
            "records": self.records.export(),
            "info": self.info,
            "last_seen": self.last_seen,
            "readings": sorted(self.readings),
        }

    def _queue_data(self) -> dict[str, Any]:
        return {"protocol": self.protocol_state}

    def _users_data(self) -> dict[str, Any]:
        return {"users": self.users, "complete": self.users_complete, "names": self.names}
