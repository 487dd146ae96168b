"""One coordinator per terminal, whatever its family: the terminal's listener and its state.

The family's terminal (built from the registry's `FamilySpec`) reports here; the coordinator
turns what it reports into a frozen `TerminalState` handed out with `async_set_updated_data` (as
wled's push coordinator does), sends records through the event streams, and runs commands with
library errors mapped to Home Assistant errors. Terminals we call are polled here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
import logging
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    AUTH_DENY,
    CONF_CATCH_UP_AFTER,
    CONF_FAMILY,
    CONF_OFFLINE_WINDOW,
    CONF_ONLINE_AUTHORIZATION,
    CONF_SERIAL,
    DEFAULT_CATCH_UP_AFTER,
    DEFAULT_OFFLINE_WINDOW,
    DOMAIN,
)
from .devices import DeviceDetails, async_update_device
from .directory.const import DATA_DIRECTORY
from .errors import poll_errors, terminal_errors
from .events import TerminalEvents
from .names import PeopleNames
from .protocols.errors import (
    AccessTerminalError,
    ListenerUnavailableError,
    NotSupportedError,
    check_numbers,
)
from .protocols.history import check_range
from .protocols.model import (
    AccessEvent,
    Authorizer,
    Bell,
    ClearableData,
    Credential,
    DoorAction,
    DoorState,
    Family,
    Feature,
    FirmwareImage,
    Linkage,
    Operation,
    Period,
    Record,
    RotaEntry,
    Terminal,
    TerminalInfo,
    TerminalListener,
    User,
    UserChange,
)
from .protocols.settings import Scope, SettingAddress
from .state import AccessSync, Picture, TerminalState, active_alarms, door_view
from .store import DeviceStore
from .users import TerminalUsers

_LOGGER = logging.getLogger(__name__)

ONLINE_CHECK_INTERVAL = timedelta(seconds=10)
# Settings are read when a terminal comes online and again this often while it stays online
# (someone may change them at the terminal's own menu).
SETTINGS_REFRESH = 15 * 60.0
# Records handled before the event loop gets to run something else (a few milliseconds' work).
RECORDS_PER_SLICE = 200
# `last_seen` is handed out when it is this much older than the one shown: it follows a terminal
# calling every few seconds without a state write at every call.
LAST_SEEN_RESOLUTION = 60.0
# State derived from the last access (last user, method, time, temperature, photo) is published
# at most this often per terminal; an event after a quiet spell is shown at once.
ACCESS_STATE_INTERVAL = 1.0
DEFAULT_RELEASE_TIME = 3  # seconds a momentary opening is shown when the device does not say
# What a terminal was seen to measure in its records (saved: the entity exists at the next start).
READING_TEMPERATURE = "temperature"
# An automatic recovery after an outage asks from a little before the terminal was last heard
# from (its clock may be off a little), and never for more than a week.
RECOVERY_MARGIN = timedelta(minutes=10)
MAX_AUTOMATIC_RECOVERY = timedelta(days=7)


@dataclass(kw_only=True, slots=True)
class AccessTerminalRuntimeData:
    """What a loaded terminal entry holds."""

    coordinator: AccessTerminalCoordinator


type AccessTerminalConfigEntry = ConfigEntry[AccessTerminalRuntimeData]
# Builds the entry's terminal for its family (see families/): given where it reports, and who
# decides online authorization requests.
type TerminalBuilder = Callable[[TerminalListener, Authorizer], Terminal]
# The device registry fields of the terminal, from what it says of itself (see devices.py).
type DeviceDescriber = Callable[[TerminalInfo | None], DeviceDetails]


class AccessTerminalCoordinator(DataUpdateCoordinator[TerminalState]):
    """Everything the integration knows and does for one terminal."""

    config_entry: AccessTerminalConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: AccessTerminalConfigEntry,
        store: DeviceStore,
        build: TerminalBuilder,
        describe: DeviceDescriber,
    ) -> None:
        """Build the terminal of the entry's family and restore what was saved.

        `describe` turns what the terminal says of itself into its device registry fields.
        """
        self.serial: str = entry.data[CONF_SERIAL]
        # A state equal to the last one is not handed out again (see _publish).
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {self.serial}",
            always_update=False,
        )
        self.family = Family(entry.data[CONF_FAMILY])
        self.store = store
        self.describe = describe
        self.device_info = DeviceInfo(identifiers={(DOMAIN, self.serial)})
        self._offline_option: float = entry.options.get(CONF_OFFLINE_WINDOW, DEFAULT_OFFLINE_WINDOW)
        self.online = False
        saved = dt_util.parse_datetime(store.last_seen or "")
        self._seen_wall: float | None = None if saved is None else saved.timestamp()
        self._seen_at = 0.0
        # The last_seen the state shows (see LAST_SEEN_RESOLUTION).
        self._seen_shown: float | None = self._seen_wall
        # Door commands sent and not confirmed yet, by door.
        self._pending: dict[int, DoorAction] = {}
        self._last_access: AccessEvent | None = None
        self._last_photo: Picture | None = None
        self._snapshot: Picture | None = None
        self._access_sync: AccessSync | None = None
        self._access_written = 0.0
        self._access_timer: asyncio.TimerHandle | None = None
        self._opening_until: dict[int, float] = {}
        self._opening_timer: CALLBACK_TYPE | None = None
        # When the settings were last asked for (monotonic; None: never, or a read is due).
        self._settings_read_at: float | None = None
        # Records are read once the entities listen (after the first refresh).
        self._entities_ready = False
        # Since when (wall clock) the terminal was not heard from, for the records to ask for
        # when it is back (Home Assistant was stopped since the saved last_seen, or the
        # terminal went offline); None: no outage to recover from.
        self._outage_since: float | None = self._seen_wall
        # One recovery at a time: the count of what it recovered is read from the event counts.
        self._recovery_lock = asyncio.Lock()
        catch_up_after = entry.options.get(CONF_CATCH_UP_AFTER, DEFAULT_CATCH_UP_AFTER)
        self.names = PeopleNames(
            hass, store, lookup=self._read_users, on_learned=self._name_learned
        )
        self.events = TerminalEvents(
            hass,
            serial=self.serial,
            entry_id=entry.entry_id,
            ledger=store.records,
            names=self.names,
            has_doors=lambda: bool(self.terminal.doors),
            on_access=self._on_access,
            on_photo=self._show_photo,
            catch_up_after=float(catch_up_after) if catch_up_after else None,
        )
        self.terminal = build(self, self.authorize)
        self.users = TerminalUsers(self.terminal, store, self.errors, self.names)
        if (interval := self.terminal.poll_interval) is not None:
            self.update_interval = timedelta(seconds=interval)  # the family decides
        self.data = self._state()
        self.terminal.restore_state(store.protocol_state)
        if store.info:
            try:
                self.terminal.info = TerminalInfo.from_dict(store.info)
            except (KeyError, TypeError, ValueError):
                _LOGGER.debug("Ignoring unreadable saved info of %s", self.serial)
        self.data = self._state()

    @property
    def device_id(self) -> str | None:
        """Return the terminal's device (None until the entry's setup registered it)."""
        return self.events.device_id

    @device_id.setter
    def device_id(self, device_id: str) -> None:
        """Name the terminal's device, before it can report anything that reaches the bus."""
        self.events.device_id = device_id

    @property
    def offline_window(self) -> float:
        """Return how long the terminal may stay silent: the option, or three of its own calls.

        A terminal set to call every two minutes would otherwise flap offline every cycle.
        """
        info = self.terminal.info
        interval = info.keepalive_interval if info else None
        return max(self._offline_option, 3 * interval) if interval else self._offline_option

    @property
    def last_seen(self) -> datetime | None:
        """Return when the device last talked to us (now, not as of the last state)."""
        wall = self._seen_wall
        return None if wall is None else dt_util.utc_from_timestamp(wall)

    @property
    def polls(self) -> bool:
        """Return True for terminals we call (pull families)."""
        return self.update_interval is not None

    # -- the state readers see -------------------------------------------------------------

    def _state(self) -> TerminalState:
        terminal = self.terminal
        info = terminal.info
        now = time.monotonic()
        numbers = set(range(1, (info.doors if info else 0) + 1)) | set(terminal.doors)
        doors = {
            number: door_view(
                terminal.doors.get(number) or DoorState(door=number),
                opening=now < self._opening_until.get(number, 0.0),
                pending=self._pending.get(number),
            )
            for number in sorted(numbers)
        }
        shown = self._seen_shown
        return TerminalState(
            online=self.online,
            last_seen=None if shown is None else dt_util.utc_from_timestamp(shown),
            info=info,
            doors=doors,
            alarms=active_alarms(doors),
            reports_alarms=bool(doors) and terminal.reports_alarms,
            operations=terminal.operations,
            event_categories=terminal.event_categories,
            optional_event_types=terminal.optional_event_types,
            sends_photos=terminal.sends_photos,
            measures_temperature=bool(info and Feature.TEMPERATURE in info.features)
            or READING_TEMPERATURE in self.store.readings,
            last_access=self._last_access,
            last_photo=self._last_photo,
            snapshot=self._snapshot,
            access_sync=self._access_sync,
            settings=dict(terminal.settings),
            setting_values=dict(terminal.setting_values),
            clock_offset=terminal.clock_offset,
        )

    @callback
    def _publish(self) -> None:
        """Hand out the current state, if readers could see a difference."""
        state = self._state()
        if state == self.data:
            return
        if self.update_interval is None:
            self.async_set_updated_data(state)
        else:
            # A terminal we poll: what it pushes in between must not move its next poll.
            self.data = state
            self.async_update_listeners()

    # -- life cycle ------------------------------------------------------------------------

    async def async_entities_ready(self) -> None:
        """Read records from now on (the entities exist), the first ones at once."""
        self._entities_ready = True
        self._read_settings_if_due()
        if self.polls:
            await self.async_refresh()

    @callback
    def async_start(self) -> None:
        """Start offline detection; a terminal heard from recently starts online."""
        if self._seen_wall is not None:
            age = time.time() - self._seen_wall
            if 0 <= age < self.offline_window:
                self.online = True
                self._seen_at = time.monotonic() - age
                self._publish()
        entry = self.config_entry
        entry.async_on_unload(
            async_track_time_interval(self.hass, self._check_online, ONLINE_CHECK_INTERVAL)
        )
        entry.async_on_unload(self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._on_stop))

    async def _on_stop(self, _event: Event) -> None:
        # From now on only Home Assistant's final write saves (no timer may outlive the stop).
        self.store.stop_seen = True
        self._remember_last_seen()
        await self.store.async_flush()

    async def async_stop(self) -> None:
        """Fail whatever waits on the device and save everything (the entry is unloading)."""
        if self._opening_timer is not None:
            self._opening_timer()
            self._opening_timer = None
        if self._access_timer is not None:
            self._access_timer.cancel()
            self._access_timer = None
        self.names.cancel()
        self.terminal.close()
        self._remember_last_seen()
        await self.store.async_flush()

    @callback
    def _check_online(self, _now: datetime) -> None:
        wall, shown = self._seen_wall, self._seen_shown
        if (
            self.online
            and wall is not None
            and (shown is None or wall - shown >= LAST_SEEN_RESOLUTION)
        ):
            self._seen_shown = wall
            self._publish()
        self._read_settings_if_due()
        if self.online and time.monotonic() - self._seen_at > self.offline_window:
            self.online = False
            self._outage_began()
            self._settings_read_at = None  # read them again when it is back
            _LOGGER.warning(
                "Access terminal %s is offline: not heard from for %d seconds",
                self.serial,
                self.offline_window,
            )
            self._publish()

    def _remember_last_seen(self) -> None:
        if (last_seen := self.last_seen) is not None:
            self.store.last_seen = last_seen.isoformat()
            self.store.schedule_save()

    # -- TerminalListener ------------------------------------------------------------------

    def seen(self) -> None:
        """Note the device talked to us (on every request: keep it cheap)."""
        self._seen_at = time.monotonic()
        self._seen_wall = time.time()
        if not self.online:
            self.online = True
            self._seen_shown = self._seen_wall
            _LOGGER.info("Access terminal %s is online", self.serial)
            self._remember_last_seen()
            self._publish()
            self._read_settings_if_due()
        if self._outage_since is not None and self._entities_ready:
            self._recover_after_outage()

    def _outage_began(self) -> None:
        if self._outage_since is None:
            self._outage_since = self._seen_wall

    def state_changed(self) -> None:
        """Info or doors changed: save info, refresh the device entry, publish the state."""
        info = self.terminal.info
        if info is not None:
            saved = info.as_dict()
            if saved != self.store.info:
                self.users.info_reported()
                self.store.info = saved
                self.store.schedule_save()
                self._update_device(info)
        self._publish()

    def persist(self) -> None:
        """Queued work changed: save it."""
        self.store.protocol_state = self.terminal.export_state()
        self.store.schedule_save_queue()

    @callback
    def set_access_sync(self, status: AccessSync | None) -> None:
        """Show how far the terminal is from the access directory (None: no directory)."""
        self._access_sync = status
        self._publish()

    async def commit(self) -> None:
        """Save the records handled and the terminal's cursors now (see TerminalListener)."""
        self.store.protocol_state = self.terminal.export_state()
        await self.store.async_commit()

    def snapshot(self, image: bytes) -> None:
        """Keep a camera snapshot the terminal sent."""
        self._snapshot = Picture(image, dt_util.utcnow())
        self._publish()

    def user_changed(self, user_id: str | None, change: UserChange) -> None:
        """Forget what we knew of users changed at the device itself."""
        self.users.changed_at_device(user_id, change)

    async def records(self, records: Sequence[Record]) -> Sequence[Record]:
        """Dispatch each record's events once, however often the device sends it.

        Returns the new records that are live (they may move a door). A large batch (a backlog,
        an archive) is handled in slices, letting the event loop breathe between them. Refused
        (the device sends them again) once nothing could be saved any more: Home Assistant is
        stopping, and a record handled now would come back as a duplicate after the restart.
        """
        if not self.store.writable:
            raise ListenerUnavailableError("Home Assistant is stopping")
        current: list[Record] = []
        for start in range(0, len(records), RECORDS_PER_SLICE):
            if start:
                await asyncio.sleep(0)
            current.extend(self.events.records(records[start : start + RECORDS_PER_SLICE]))
        self.store.schedule_save()
        return current

    # -- the last access -------------------------------------------------------------------

    def _on_access(self, event: AccessEvent) -> None:
        self._last_access = event
        if event.temperature is not None and READING_TEMPERATURE not in self.store.readings:
            # Measured though not announced (some firmware says it has no thermometer).
            self.store.readings.add(READING_TEMPERATURE)
            self.store.schedule_save()
        if event.photo is not None:
            self._last_photo = Picture(event.photo, event.time)
        self._publish_access_soon()

    def _show_photo(self, image: bytes, taken: datetime) -> None:
        """Show a picture (of an event that is no access, or sent apart) as the last photo."""
        self._last_photo = Picture(image, taken)
        self._publish_access_soon()

    def photo(self, image: bytes, taken: datetime) -> None:
        """Show a picture the terminal sent apart from its record, if it is live."""
        if self.events.live_at(taken, dt_util.utcnow()):
            self._show_photo(image, taken)

    def _publish_access_soon(self) -> None:
        """Publish what follows from the last access and photo, at most once a second."""
        if self._access_timer is not None:
            return  # a publication is already due and will show the latest access
        loop = self.hass.loop
        due = self._access_written + ACCESS_STATE_INTERVAL
        if loop.time() >= due:
            self._publish_access()
        else:
            self._access_timer = loop.call_at(due, self._publish_access)

    def _publish_access(self) -> None:
        self._access_timer = None
        self._access_written = self.hass.loop.time()
        self._publish()

    # -- names -----------------------------------------------------------------------------

    async def _read_users(self, user_ids: Sequence[str]) -> list[User]:
        """Read a few users to learn their names (nothing where the terminal cannot list)."""
        if not self.terminal.supports(Operation.LIST_USERS):
            return []
        return await self.users.async_get(user_ids)

    def _name_learned(self, user_id: str, name: str) -> None:
        last = self._last_access
        if last is not None and last.user_id == user_id and not last.user_name:
            self._last_access = replace(last, user_name=name)
            self._publish()

    # -- commands --------------------------------------------------------------------------

    def errors(self) -> AbstractAsyncContextManager[None]:
        """Return a context that turns library errors into Home Assistant errors."""
        return terminal_errors(self.serial, lambda: self.online)

    async def async_call[T](self, action: Awaitable[T]) -> T:
        """Run any terminal operation, a family's own ones included, with errors translated.

        For example `await coordinator.async_call(terminal.set_holidays(holidays))` on a cloud
        WebSocket terminal: the commands no Terminal operation covers are reached this way.
        """
        async with self.errors():
            return await action

    async def async_door_control(
        self, door: int, action: DoorAction, duration: int | None = None
    ) -> None:
        """Open, hold open, return to normal or lock out a door.

        Until the terminal confirms (a polling terminal takes it at its next call), the door
        shows the command under way.
        """
        self._pending[door] = action
        self._publish()
        try:
            await self.async_call(self.terminal.door_control(door, action, duration=duration))
        except BaseException:
            self._end_pending(door, action)
            self._publish()
            raise
        self._end_pending(door, action)
        if action is DoorAction.OPEN:
            # The device reports its relay at its next poll: show the opening meanwhile.
            info = self.terminal.info
            seconds = duration or (info.release_time if info else None) or DEFAULT_RELEASE_TIME
            self._opening_until[door] = time.monotonic() + seconds
            if self._opening_timer is not None:
                self._opening_timer()
            self._opening_timer = async_call_later(self.hass, seconds, self._opening_over)
        self._publish()

    def _end_pending(self, door: int, action: DoorAction) -> None:
        # A later command to the same door is still under way: it ends on its own.
        if self._pending.get(door) is action:
            del self._pending[door]

    @callback
    def _opening_over(self, _now: datetime) -> None:
        self._opening_timer = None
        self._publish()

    @callback
    def _read_settings_if_due(self) -> None:
        """Read the terminal's settings when it came online, then every SETTINGS_REFRESH."""
        now = time.monotonic()
        if not self.online or not self._entities_ready or not self.terminal.settings:
            return
        if self._settings_read_at is not None and now - self._settings_read_at < SETTINGS_REFRESH:
            return
        self._settings_read_at = now
        self.config_entry.async_create_background_task(
            self.hass, self._read_settings(), f"{DOMAIN} {self.serial} settings"
        )

    async def _read_settings(self) -> None:
        try:
            await self.terminal.read_settings()
        except AccessTerminalError as err:
            # The entities keep the last values; the next read comes with the next refresh.
            _LOGGER.debug("Could not read the settings of %s: %s", self.serial, err)
        self._publish()

    async def async_write_setting(self, address: SettingAddress, value: object) -> None:
        """Check `value` against the terminal's own range or choices, write it, show it."""
        async with self.errors():
            spec = self.terminal.settings.get(address.setting)
            if spec is None or (spec.scope is Scope.DOOR) != (address.door is not None):
                raise NotSupportedError(f"setting {address.setting}")
            await self.terminal.write_setting(address, spec.check(value))
        self._publish()

    async def async_factory_reset(self) -> None:
        """Erase everything the terminal holds (its users too: the directory writes them again)."""
        await self.async_call(self.terminal.factory_reset())
        self.users.forget_all()
        self._publish()

    async def async_set_bell(self, bell: Bell) -> None:
        """Set one scheduled bell of the terminal."""
        async with self.errors():
            self.terminal.require(Operation.BELLS)
            check_numbers("bell", [bell.number], self.terminal.bells)
            await self.terminal.set_bell(bell)

    async def async_set_shift(self, shift: int, periods: Sequence[Period]) -> None:
        """Set the periods of one attendance shift of the terminal."""
        async with self.errors():
            self.terminal.require(Operation.SHIFTS)
            check_numbers("shift", [shift], self.terminal.shifts)
            await self.terminal.set_shift(shift, periods)

    async def async_set_user_shifts(
        self, user_id: str, start: date, days: Sequence[RotaEntry]
    ) -> list[RotaEntry]:
        """Set a person's rota; return it as the terminal holds it."""
        user_id = await self.users.async_canonical_id(user_id)
        async with self.errors():
            self.terminal.require(Operation.USER_SHIFTS)
            return await self.terminal.set_user_shifts(user_id, start, days)

    async def async_clear_data(self, what: Collection[ClearableData]) -> None:
        """Erase kinds of data the terminal keeps; nothing unless it can erase every one asked."""
        async with self.errors():
            if missing := sorted(frozenset(what) - self.terminal.clearable):
                raise NotSupportedError(f"{Operation.CLEAR_DATA} {', '.join(missing)}")
            await self.terminal.clear_data(frozenset(what))
        self._publish()

    async def async_output_control(self, output: int, seconds: int) -> None:
        """Drive an auxiliary output for some seconds (0: switch it off)."""
        async with self.errors():
            self.terminal.require(Operation.AUX_OUTPUT)
            check_numbers("output", [output], self.terminal.aux_outputs)
            await self.terminal.output_control(output, seconds)

    async def async_id_card_registration(self, door: int, seconds: int, enabled: bool) -> None:
        """Start or stop registering by identity card at a door (0: every door)."""
        async with self.errors():
            self.terminal.require(Operation.ID_CARD_REGISTRATION)
            await self.terminal.id_card_registration(door, seconds, enabled)

    async def async_set_linkage(self, linkage: Linkage) -> None:
        """Add or replace a linkage rule the terminal keeps (and applies by itself)."""
        async with self.errors():
            self.terminal.require(Operation.LINKAGE)
            await self.terminal.set_linkage(linkage)

    async def async_delete_linkages(self, index: int | None) -> None:
        """Delete one linkage rule of the terminal, or all of them (None)."""
        async with self.errors():
            self.terminal.require(Operation.LINKAGE)
            await self.terminal.delete_linkages(index)

    async def async_test_host(self, host: str, port: int) -> bool:
        """Ask the terminal whether it reaches `host`:`port` (a network test of its own)."""
        async with self.errors():
            self.terminal.require(Operation.TEST_HOST)
            return await self.terminal.test_host(host, port)

    async def async_floor_control(self, floors: Sequence[int] | None, action: DoorAction) -> None:
        """Apply a door action to elevator floors (None: every floor)."""
        async with self.errors():
            self.terminal.require(Operation.ELEVATOR)
            if floors is not None:
                if not self.terminal.floors:
                    # A terminal that acts on every floor at once only.
                    raise NotSupportedError("selected floors")
                check_numbers("floor", floors, self.terminal.floors)
            await self.terminal.floor_control(floors, action)

    async def async_clear_alarm(self) -> None:
        """Silence the terminal's alarms."""
        await self.async_call(self.terminal.clear_alarm())

    async def async_reboot(self) -> None:
        """Restart the terminal."""
        await self.async_call(self.terminal.reboot())

    async def async_sync_time(self) -> None:
        """Set the terminal's clock to Home Assistant's time and time zone."""
        await self.async_call(self.terminal.set_time(dt_util.now()))

    async def async_request_snapshot(self) -> None:
        """Ask for a camera snapshot (it arrives as the snapshot image)."""
        await self.async_call(self.terminal.request_snapshot())

    async def async_enroll(self, user_id: str, credential: Credential, index: int | None) -> None:
        """Start remote enrollment at the terminal."""
        user_id = await self.users.async_canonical_id(user_id)
        await self.async_call(self.terminal.start_enrollment(user_id, credential, index))

    # -- history -----------------------------------------------------------------------------

    async def async_recover_records(self, start: datetime, end: datetime) -> dict[str, int | None]:
        """Ask the terminal for its records of `start` to `end` again.

        Returns how many it handed over (`records`) and how many of those were new
        (`recovered`: fired on the bus with catch_up true); None where the terminal sends them
        later by itself.
        """
        async with self._recovery_lock, self.errors():
            check_range(start, end, dt_util.utcnow())
            before = self.events.counts["recovered"]
            read = await self.terminal.recover_records(start, end)
            recovered = None if read is None else self.events.counts["recovered"] - before
        if recovered:
            _LOGGER.info("Access terminal %s: %d records recovered", self.serial, recovered)
        return {"records": read, "recovered": recovered}

    async def async_clear_records(self) -> None:
        """Erase the records stored at the terminal."""
        await self.async_call(self.terminal.clear_records())

    def _recover_after_outage(self) -> None:
        """Ask for what the terminal recorded while unreachable, where its family must ask."""
        since, self._outage_since = self._outage_since, None
        if since is None or not self.terminal.recovers_after_outage:
            return
        now = dt_util.utcnow()
        start = max(
            dt_util.utc_from_timestamp(since) - RECOVERY_MARGIN, now - MAX_AUTOMATIC_RECOVERY
        )
        self.config_entry.async_create_background_task(
            self.hass,
            self._recover_since(min(start, now), now),
            name=f"{DOMAIN} {self.serial} recovery",
        )

    async def _recover_since(self, start: datetime, end: datetime) -> None:
        try:
            await self.async_recover_records(start, end)
        except HomeAssistantError as err:
            _LOGGER.warning(
                "Access terminal %s: the records since %s could not be recovered: %s",
                self.serial,
                start.isoformat(),
                err,
            )

    async def async_push_firmware(self, firmware: FirmwareImage) -> None:
        """Hand a firmware image to the terminal."""
        await self.async_call(self.terminal.push_firmware(firmware))

    async def authorize(self, event: AccessEvent) -> tuple[bool, str | None]:
        """Decide an online authorization request (HTTPv2, ZK remote, cloud server mode).

        A person of the access directory is decided by the directory's rules, exactly, at
        this moment; anyone else as the options say. A QR code without a person is decided
        for the directory's pass that has it (no pass: refused).
        """
        if self.config_entry.options.get(CONF_ONLINE_AUTHORIZATION) == AUTH_DENY:
            return False, "Access denied"
        if event.user_id is None and event.qr_code is None:
            return False, "Unknown person"
        directory = self.hass.data.get(DATA_DIRECTORY)
        if directory is not None:
            # A QR code is looked up among the directory's passes (which name the event).
            decided = await directory.authorize(self, event)
            if decided is not None:
                return decided
        if event.user_id is None:
            return False, "Unknown QR code"
        return True, None

    # -- device registry -------------------------------------------------------------------

    def _update_device(self, info: TerminalInfo) -> None:
        if self.device_id is None:
            return
        async_update_device(self.hass, self.device_id, self.describe(info))

    # -- polling ---------------------------------------------------------------------------

    async def _async_update_data(self) -> TerminalState:
        """Read the terminal (pull families; push families have nothing to poll).

        Refused credentials start a reauthentication; anything else marks the terminal offline
        until a poll succeeds (Home Assistant logs it once).
        """
        if self.polls:
            try:
                async with poll_errors(self.serial):
                    await self.terminal.refresh(records=self._entities_ready)
            except (ConfigEntryAuthFailed, UpdateFailed):
                self.online = False
                self._outage_began()
                self._settings_read_at = None  # read them again when it answers
                self.data = self._state()  # a failed refresh keeps the data: readers see this
                raise
            self.seen()
        return self._state()

    def diagnostics(self) -> dict[str, Any]:
        """Return what diagnostics show of the coordinator (the caller redacts secrets)."""
        info, last_seen = self.terminal.info, self.last_seen
        return {
            "online": self.online,
            "last_seen": None if last_seen is None else last_seen.isoformat(),
            "info": None if info is None else info.as_dict(),
            "doors": {
                number: {
                    "is_open": report.is_open,
                    "relay_energised": report.relay_energised,
                    "held_open": report.held_open,
                    "locked_out": report.locked_out,
                    "alarms": sorted(report.alarms),
                }
                for number, report in self.terminal.doors.items()
            },
            "record_cursors": self.store.records.cursors,
            # Records handled since the start: live, catch_up (late), duplicate, recovered...
            "records": dict(sorted(self.events.counts.items())),
            # What the terminal sent that could not be read, by kind.
            "refused_input": self.terminal.problems.as_dict(),
            "users_known": len(self.store.users),
            "users_complete": self.store.users_complete,
            "protocol": self.terminal.diagnostics(),
        }
