"""Persisted per-terminal state: record ledger, info, queued work, user digests and names.

Three files per terminal so that a busy event stream never rewrites a large user table:
`access_terminal.<entry>` (records, info), `.queue` (work waiting for the device) and `.users`
(digests of the users we wrote, and the names the terminal holds for its user ids).

A file is encoded on the event loop when it is written (what the executor thread then writes is
a snapshot, never the live objects the loop keeps changing). Storage cannot be poisoned: device
input is validated before it gets here, and a value JSON cannot hold that slipped through anyway
(an integer beyond 64 bits, a lone surrogate) is replaced and logged rather than stopping every
later save. Once Home Assistant stops, what arrives is written by its final write; after that
nothing is scheduled any more (`writable` turns False and the coordinator refuses records, which
the terminal sends again after the restart).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
import random
from typing import Any

from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import Store
import orjson

from .const import DOMAIN
from .protocols.codec import valid_unicode
from .protocols.dedup import RecordLedger

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
# The record window changes with every record: with hundreds of busy terminals, saving it often
# costs the event loop more than it protects (the file is also flushed on unload and on stop,
# and a device only re-sends records whose acknowledgement it did not get). Queued work and user
# digests change rarely and matter more, so they are saved sooner.
RECORDS_SAVE_DELAY = 30.0
QUEUE_SAVE_DELAY = 5.0
_INT64 = 2**63
# Once Home Assistant is in these states after its stop began, its final write is under way or
# over: a save scheduled then would run after the executor is gone.
_PAST_FINAL_WRITE = frozenset({CoreState.final_write, CoreState.not_running, CoreState.stopped})


def storable(data: Any) -> Any:
    """Return `data` with what JSON storage cannot hold replaced (see the module's docstring)."""
    if isinstance(data, str):
        return valid_unicode(data)
    if isinstance(data, bool) or data is None or isinstance(data, float):
        return data
    if isinstance(data, int):
        return data if -_INT64 <= data < _INT64 else None
    if isinstance(data, dict):
        return {valid_unicode(str(key)): storable(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [storable(item) for item in data]
    return valid_unicode(str(data))


class _ThrottledFile:
    """One storage file written at most once per `delay` seconds, however busy the device is.

    (Store.async_delay_save alone postpones the write for as long as calls keep coming.)
    """

    def __init__(
        self, hass: HomeAssistant, key: str, data: Callable[[], dict[str, Any]], delay: float
    ) -> None:
        self._hass = hass
        self._key = key
        self._delay = delay
        self._store: Store[Any] = Store(hass, STORAGE_VERSION, key)
        self._data = data
        self._timer: asyncio.TimerHandle | None = None
        self._repaired_logged = False

    async def async_load(self) -> dict[str, Any]:
        loaded = await self._store.async_load()
        return loaded if isinstance(loaded, dict) else {}

    def _snapshot(self) -> orjson.Fragment:
        """Encode the file now, on the event loop: the executor writes these bytes."""
        data = self._data()
        try:
            return orjson.Fragment(json_bytes(data))
        except TypeError as err:
            if not self._repaired_logged:
                self._repaired_logged = True
                _LOGGER.warning(
                    "Values JSON cannot hold were replaced before saving %s: %s", self._key, err
                )
            return orjson.Fragment(json_bytes(storable(data)))

    def schedule(self, *, stopping: bool) -> None:
        if stopping:
            # Home Assistant's final write saves it: no timer of ours may outlive the stop.
            self._cancel()
            snapshot = self._snapshot()
            self._store.async_delay_save(lambda: snapshot, 0)
        elif self._timer is None:
            # Jitter, so that terminals busy since the same moment do not all write at once.
            delay = self._delay * (0.5 + random.random())  # noqa: S311 - not for security
            self._timer = self._hass.loop.call_later(delay, self._write)

    def _write(self) -> None:
        self._timer = None
        snapshot = self._snapshot()
        self._store.async_delay_save(lambda: snapshot, 0)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def async_flush(self) -> None:
        self._cancel()
        await self._store.async_save(self._snapshot())

    async def async_remove(self) -> None:
        self._cancel()
        await self._store.async_remove()


class DeviceStore:
    """What one terminal's integration state keeps across restarts."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare the three files of one config entry."""
        self._hass = hass
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
        # Set when Home Assistant began to stop (its final write is the last one).
        self.stop_seen = False
        self._commit_lock = asyncio.Lock()
        self.names: dict[str, str] = {}
        # What the terminal turned out to measure although it did not announce it.
        self.readings: set[str] = set()

    async def async_load(self) -> None:
        """Read what was saved (nothing on first start; an unreadable part counts as none)."""
        main = await self._main.async_load()
        self.records.restore(main.get("records"))
        info = main.get("info")
        self.info = info if isinstance(info, dict) else None
        last_seen = main.get("last_seen")
        self.last_seen = last_seen if isinstance(last_seen, str) else None
        queue = await self._queue.async_load()
        protocol = queue.get("protocol")
        self.protocol_state = dict(protocol) if isinstance(protocol, dict) else {}
        users = await self._users.async_load()
        digests = users.get("users")
        self.users = dict(digests) if isinstance(digests, dict) else {}
        self.users_complete = users.get("complete") is True
        names = users.get("names")
        self.names = (
            {str(key): value for key, value in names.items() if isinstance(value, str)}
            if isinstance(names, dict)
            else {}
        )
        readings = main.get("readings")
        self.readings = {str(item) for item in readings} if isinstance(readings, list) else set()

    # -- saving ----------------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """Return False once nothing can be saved any more (Home Assistant's final write began)."""
        return not (self.stop_seen and self._hass.state in _PAST_FINAL_WRITE)

    def _stopping(self) -> bool:
        return self.stop_seen or self._hass.state is CoreState.stopping

    def schedule_save(self) -> None:
        """Save the record window, info and last-seen time soon."""
        if self.writable:
            self._main.schedule(stopping=self._stopping())

    def schedule_save_queue(self) -> None:
        """Save the queued work soon."""
        if self.writable:
            self._queue.schedule(stopping=self._stopping())

    def schedule_save_users(self) -> None:
        """Save the user digests soon."""
        if self.writable:
            self._users.schedule(stopping=self._stopping())

    async def async_commit(self) -> None:
        """Write the record ledger and the queued work now, together (one at a time).

        Before a terminal is told records are taken that it would otherwise send again from a
        cursor (its stamps, a log position): the ledger is never behind the cursor on disk.
        """
        async with self._commit_lock:
            if self.writable:
                await self._main.async_flush()
                await self._queue.async_flush()

    async def async_flush(self) -> None:
        """Write everything now (unload, Home Assistant stopping)."""
        if not self.writable:
            return
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
