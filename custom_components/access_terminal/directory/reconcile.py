"""Every terminal converges to the directory: only what differs is sent, again until it holds.

A `TerminalSync` per loaded terminal compares what the terminal should hold (directory.py) with
what it was last given (the terminal's user digests, the digest of its access tables, the people
the directory put there) and sends the difference: the tables, then the people to write, then
those to remove. It runs when the directory or a followed schedule or calendar changes, when the
terminal comes back online, at midnight (holidays folded into the week, validities), when a
validity starts or ends, and for a periodic read-back that repairs what changed at the device.

Nothing is lost across a restart: the directory is in the subentries, what each terminal holds
in its store, so the first run after a start sends exactly what is still missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_time_change,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, SIGNAL_TERMINAL_LOADED, SIGNAL_TERMINAL_UNLOADED
from ..kinds import loaded_terminal_entries
from ..protocols.access import ShortfallNote
from ..protocols.model import AccessEvent, EventCategory, EventType
from ..protocols.sync import plan_sync
from ..state import FAILED, IN_SYNC, PENDING, AccessSync
from .directory import Directory

if TYPE_CHECKING:
    from ..coordinator import AccessTerminalCoordinator

_LOGGER = logging.getLogger(__name__)

CHECK_INTERVAL = timedelta(minutes=1)
# Enrollment at a terminal is read back this long after it finished (templates settle).
HARVEST_DELAY = 1.0


def tables_digest(tables: Mapping[str, Any]) -> str:
    """Return a digest of an access plan's tables (what decides whether to write them)."""
    encoded = json.dumps(tables, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


class TerminalSync:
    """Brings one terminal to the directory and says how far it is."""

    def __init__(
        self, hass: HomeAssistant, directory: Directory, coordinator: AccessTerminalCoordinator
    ) -> None:
        """Follow `coordinator`'s terminal (its state, its admin events)."""
        self._hass = hass
        self._directory = directory
        self.coordinator = coordinator
        self._dirty = False
        self._full_read = False
        self._task: asyncio.Task[None] | None = None
        self._was_online = coordinator.online
        self._issues: set[str] = set()
        self.status = AccessSync(state=PENDING)
        self._unsubscribe = [
            coordinator.async_add_listener(self._on_update),
            coordinator.events.async_subscribe(EventCategory.ADMIN, self._on_admin),
        ]
        coordinator.events.name_event = self._name_event

    @property
    def serial(self) -> str:
        """Return the terminal's serial."""
        return self.coordinator.serial

    @property
    def busy(self) -> bool:
        """Return True while a run is due or going on."""
        return self._dirty or (self._task is not None and not self._task.done())

    # -- when to run -----------------------------------------------------------------------

    @callback
    def request(self, *, full_read: bool = False) -> None:
        """Run soon (again, if running now); `full_read` reads the terminal's users back."""
        self._dirty = True
        self._full_read |= full_read
        if self._task is None or self._task.done():
            self._task = self._hass.async_create_background_task(
                self._run(), f"access directory sync {self.serial}"
            )

    @callback
    def _on_update(self) -> None:
        online = self.coordinator.online
        if online and not self._was_online:
            self.request()  # back: what changed meanwhile goes out now
        self._was_online = online

    @callback
    def _name_event(self, event: AccessEvent) -> None:
        self._directory.name_event(self.coordinator, event)

    @callback
    def _on_admin(self, event: AccessEvent, _attributes: dict[str, Any]) -> None:
        person = event.person_id
        if person is not None and event.type in (
            EventType.ENROLLMENT_FINISHED,
            EventType.USER_UPDATED,
            EventType.USER_ADDED,
        ):
            self._hass.async_create_background_task(
                self._harvest(person), f"access directory harvest {self.serial} {person}"
            )

    async def _harvest(self, person: str) -> None:
        """Keep the templates a person enrolled here, for the terminals that can use them."""
        await asyncio.sleep(HARVEST_DELAY)
        try:
            users = await self.coordinator.users.async_get([person], with_credentials=True)
        except HomeAssistantError as err:
            _LOGGER.info("Could not read the templates of %s at %s: %s", person, self.serial, err)
            return
        for user in users:
            credentials = user.credentials
            if not (credentials.face or credentials.fingerprints or credentials.palms):
                continue
            credentials.photo = None  # the directory's photo is the person's own
            changed = self._directory.store.harvest(person, self.serial, credentials)
            if changed and self._directory.on_change is not None:
                self._directory.on_change()

    @callback
    def stop(self) -> None:
        """Stop following the terminal (it unloads, or the directory does)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self.coordinator.events.name_event = None
        if self._task is not None:
            self._task.cancel()
        self.coordinator.set_access_sync(None)
        for issue in self._issues:
            ir.async_delete_issue(self._hass, DOMAIN, issue)

    # -- one run ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while self._dirty:
            self._dirty = False
            full_read, self._full_read = self._full_read, False
            try:
                await self._reconcile(full_read=full_read)
            except Exception:  # one terminal's failure must not stop the others
                _LOGGER.exception("Access directory sync of %s failed", self.serial)
                self._show(FAILED, reason="unexpected error (see the log)")

    async def _reconcile(self, *, full_read: bool) -> None:
        coordinator = self.coordinator
        store = self._directory.store
        book = store.book(self.serial)
        profile = coordinator.terminal.access_profile
        if profile is None:
            self._show(PENDING, reason="the terminal has not said what it is yet")
            return
        wanted = self._directory.wanted(coordinator, profile, dt_util.utcnow())
        self._note_shortfalls(wanted.notes)
        digest = tables_digest(wanted.tables) if wanted.tables else None
        wanted_ids = {user.user_id for user in wanted.users}
        removals = sorted(book.managed - wanted_ids, key=lambda pid: (len(pid), pid))
        plan = plan_sync(coordinator.store.users, wanted.users, delete_missing=False)
        pending = len(plan.to_write) + len(removals) + int(digest != book.tables)
        if not coordinator.online:
            self._show(PENDING, pending, reason="the terminal is offline")
            return
        if pending == 0 and not full_read:
            self._show(IN_SYNC)
            return
        self._show(PENDING, pending)
        # Remembered first: people written by a run that then failed are removed later.
        book.managed |= wanted_ids
        store.schedule_save()
        try:
            if full_read and wanted.tables and digest == book.tables:
                # The read-back: tables changed at the terminal (its holidays) are written again.
                terminal = coordinator.terminal
                if not await coordinator.async_call(terminal.holds_access_tables(wanted.tables)):
                    book.tables = None
            written = digest != book.tables and bool(wanted.tables)
            if written:
                await coordinator.async_call(coordinator.terminal.set_access_tables(wanted.tables))
                book.tables = digest
            await coordinator.users.async_sync(
                wanted.users, delete_missing=False, full_read=full_read
            )
            if removals:
                await coordinator.users.async_delete(removals)
            book.managed -= set(removals)
            if wanted.tables and (written or full_read):
                # Only now no right refers to what the new tables dropped.
                terminal = coordinator.terminal
                await coordinator.async_call(terminal.prune_access_tables(wanted.tables))
        except HomeAssistantError as err:
            self._show(FAILED, pending, reason=str(err))
            return
        finally:
            store.schedule_save()
        if full_read:
            book.read_back_at = dt_util.utcnow().isoformat()
        self._show(IN_SYNC)

    def _show(self, state: str, pending: int = 0, *, reason: str | None = None) -> None:
        book = self._directory.store.book(self.serial)
        now = dt_util.utcnow()
        if state == IN_SYNC:
            book.out_of_sync_since = None
            self._delete_issue(_out_of_sync(self.serial))
        elif book.out_of_sync_since is None:
            book.out_of_sync_since = now.isoformat()
        synced_at = now if state == IN_SYNC else self.status.synced_at
        self.status = AccessSync(
            state=state,
            pending=pending,
            reason=reason,
            synced_at=synced_at,
            shortfalls=self.status.shortfalls,
        )
        self.coordinator.set_access_sync(self.status)

    # -- repair issues ---------------------------------------------------------------------

    def _note_shortfalls(self, notes: frozenset[ShortfallNote]) -> None:
        kinds = tuple(sorted(str(note.kind) for note in notes))
        if kinds != self.status.shortfalls:
            self.status = AccessSync(
                state=self.status.state,
                pending=self.status.pending,
                reason=self.status.reason,
                synced_at=self.status.synced_at,
                shortfalls=kinds,
            )
        current = {_cannot_hold(self.serial, str(note.kind)): note for note in notes}
        for issue in [issue for issue in self._issues if issue.startswith("cannot_hold_")]:
            if issue not in current:
                self._delete_issue(issue)
        for issue, note in current.items():
            self._raise_issue(
                issue,
                ir.IssueSeverity.WARNING,
                f"cannot_hold_{note.kind}",
                asked=str(note.asked),
                held=str(note.held),
            )

    def check_out_of_sync(self, now: datetime, after: timedelta) -> None:
        """Raise a repair issue when the terminal has been out of sync for longer than `after`."""
        since = dt_util.parse_datetime(
            self._directory.store.book(self.serial).out_of_sync_since or ""
        )
        if since is None or now - since < after:
            return
        self._raise_issue(
            _out_of_sync(self.serial),
            ir.IssueSeverity.ERROR,
            "terminal_out_of_sync",
            since=dt_util.as_local(since).strftime("%Y-%m-%d %H:%M"),
            pending=str(self.status.pending),
            reason=self.status.reason or "-",
        )

    def _raise_issue(
        self, issue: str, severity: ir.IssueSeverity, key: str, **placeholders: str
    ) -> None:
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue,
            is_fixable=False,
            severity=severity,
            translation_key=key,
            translation_placeholders={"serial": self.serial, **placeholders},
        )
        self._issues.add(issue)

    def _delete_issue(self, issue: str) -> None:
        if issue in self._issues:
            ir.async_delete_issue(self._hass, DOMAIN, issue)
            self._issues.discard(issue)


def _cannot_hold(serial: str, kind: str) -> str:
    return f"cannot_hold_{kind}_{serial}"


def _out_of_sync(serial: str) -> str:
    return f"out_of_sync_{serial}"


class Reconciler:
    """The syncs of every loaded terminal, and the moments that start them."""

    def __init__(
        self, hass: HomeAssistant, directory: Directory, *, readback: timedelta, repair: timedelta
    ) -> None:
        """Prepare; nothing runs before `async_start`."""
        self._hass = hass
        self._directory = directory
        self._readback = readback
        self._repair = repair
        self.syncs: dict[str, TerminalSync] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._boundary: CALLBACK_TYPE | None = None
        self._stopping: CALLBACK_TYPE | None = None
        directory.on_change = self.request_all

    @callback
    def async_start(self) -> None:
        """Follow every loaded terminal and run each once."""
        hass = self._hass
        self._unsubscribe = [
            async_dispatcher_connect(hass, SIGNAL_TERMINAL_LOADED, self._attach),
            async_dispatcher_connect(hass, SIGNAL_TERMINAL_UNLOADED, self._detach),
            async_track_time_change(hass, self._at_midnight, hour=0, minute=0, second=5),
            async_track_time_interval(hass, self._read_back, self._readback),
            async_track_time_interval(hass, self._check, CHECK_INTERVAL),
        ]
        # Home Assistant stopping: no sync starts while the terminals unload.
        self._stopping = hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._on_stop)
        self._directory.sources.async_start()
        for entry in loaded_terminal_entries(hass):
            self._attach(entry.runtime_data.coordinator)
        self._plan_boundary()

    @callback
    def _on_stop(self, _event: Event) -> None:
        self._stopping = None  # a listener that ran once is gone
        self.async_stop()

    @callback
    def async_stop(self) -> None:
        """Stop every sync and timer."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._stopping is not None:
            self._stopping()
            self._stopping = None
        if self._boundary is not None:
            self._boundary()
            self._boundary = None
        self._directory.sources.async_stop()
        self._directory.on_change = None
        for sync in self.syncs.values():
            sync.stop()
        self.syncs.clear()

    @callback
    def _attach(self, coordinator: AccessTerminalCoordinator) -> None:
        known = self.syncs.pop(coordinator.serial, None)
        if known is not None:
            known.stop()
        sync = self.syncs[coordinator.serial] = TerminalSync(
            self._hass, self._directory, coordinator
        )
        sync.request()

    @callback
    def _detach(self, serial: str) -> None:
        if (sync := self.syncs.pop(serial, None)) is not None:
            sync.stop()

    @callback
    def request_all(self, *, full_read: bool = False) -> None:
        """Run every terminal's sync (what changed concerns them all)."""
        for sync in self.syncs.values():
            sync.request(full_read=full_read)
        self._plan_boundary()

    @callback
    def _plan_boundary(self) -> None:
        """Run again when the next validity starts or ends (a pass expires everywhere)."""
        if self._boundary is not None:
            self._boundary()
            self._boundary = None
        moments = self._directory.boundaries(dt_util.utcnow())
        if moments:
            self._boundary = async_track_point_in_utc_time(
                self._hass, self._at_boundary, moments[0] + timedelta(seconds=1)
            )

    @callback
    def _at_boundary(self, _now: datetime) -> None:
        self._boundary = None
        self.request_all()

    @callback
    def _at_midnight(self, _now: datetime) -> None:
        self.request_all()

    @callback
    def _read_back(self, _now: datetime) -> None:
        self.request_all(full_read=True)

    @callback
    def _check(self, now: datetime) -> None:
        for sync in self.syncs.values():
            sync.check_out_of_sync(now, self._repair)

    def coordinators(self) -> dict[str, AccessTerminalCoordinator]:
        """Return the loaded terminals' coordinators by device id."""
        return {
            coordinator.device_id: coordinator
            for sync in self.syncs.values()
            if (coordinator := sync.coordinator).device_id is not None
        }

    def statuses(self) -> dict[str, dict[str, Any]]:
        """Return each terminal's sync state (get_directory shows it)."""
        return {
            serial: {
                "state": sync.status.state,
                "pending": sync.status.pending,
                "reason": sync.status.reason,
                "synced_at": None
                if sync.status.synced_at is None
                else sync.status.synced_at.isoformat(),
                "shortfalls": list(sync.status.shortfalls),
            }
            for serial, sync in self.syncs.items()
        }

    def on_terminals(self, devices: set[str]) -> list[AccessTerminalCoordinator]:
        """Return the coordinators of the loaded terminals among `devices`."""
        return [c for device, c in self.coordinators().items() if device in devices]
