"""One coordinator per terminal: the terminal's listener and the entities' single source.

Push families feed it through the TerminalListener methods; entities read the terminal's info
and door state through it and subscribe to its events; services and entities send commands
through it, so library errors become Home Assistant errors in one place (`_call`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
import logging
import time
from typing import TYPE_CHECKING, Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_SERIAL,
    AUTH_DENY,
    CONF_COMMAND_TIMEOUT,
    CONF_FAMILY,
    CONF_MODE_TABLE,
    CONF_OFFLINE_WINDOW,
    CONF_ONLINE_AUTHORIZATION,
    CONF_SERIAL,
    DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_OFFLINE_WINDOW,
    DOMAIN,
    EVENT_ACCESS_TERMINAL,
)
from .protocols.cloud_ws import CloudWsTerminal, ModeTable
from .protocols.errors import (
    AccessTerminalError,
    AuthError,
    CommandCancelledError,
    CommandTimeoutError,
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    UnconfirmedError,
    UnreachableError,
    UserWriteError,
)
from .protocols.httpv2 import HttpV2Terminal
from .protocols.model import (
    AccessEvent,
    AlarmReason,
    Credential,
    DoorAction,
    DoorState,
    EventCategory,
    Family,
    FirmwareImage,
    Record,
    Terminal,
    TerminalInfo,
    User,
    UserChange,
)
from .protocols.sync import SyncPlan, plan_sync, user_digest
from .protocols.zk_push import ZkPushTerminal
from .pull import build_pull_terminal
from .store import DeviceStore

if TYPE_CHECKING:
    from . import AccessTerminalConfigEntry

_LOGGER = logging.getLogger(__name__)

ONLINE_CHECK_INTERVAL = timedelta(seconds=10)
# Sensors derived from the last access (last user, method, time, temperature, photo) are
# written at most this often per terminal; an event after a quiet spell is shown at once.
ACCESS_STATE_INTERVAL = 1.0
DEFAULT_RELEASE_TIME = 3  # seconds a momentary opening is shown when the device does not say

# Called with each new event and its JSON-friendly attributes (computed once, shared).
EventCallback = Callable[[AccessEvent, dict[str, Any]], None]


def _build_httpv2(coordinator: AccessTerminalCoordinator) -> Terminal:
    return HttpV2Terminal(
        coordinator.serial,
        coordinator,
        authorizer=coordinator.authorize,
        command_timeout=coordinator.command_timeout,
    )


def _build_zk_push(coordinator: AccessTerminalCoordinator) -> Terminal:
    return ZkPushTerminal(
        coordinator.serial,
        coordinator,
        zone=dt_util.get_default_time_zone(),
        authorizer=coordinator.authorize,
        command_timeout=coordinator.command_timeout,
    )


def _build_pull(coordinator: AccessTerminalCoordinator) -> Terminal:
    return build_pull_terminal(
        coordinator.hass, coordinator.serial, coordinator.config_entry.data, coordinator
    )


def _build_cloud_ws(coordinator: AccessTerminalCoordinator) -> Terminal:
    options = coordinator.config_entry.options
    return CloudWsTerminal(
        coordinator.serial,
        coordinator,
        zone=dt_util.get_default_time_zone(),
        authorizer=coordinator.authorize,
        command_timeout=coordinator.command_timeout,
        mode_table=ModeTable(options.get(CONF_MODE_TABLE, ModeTable.VERIFY)),
    )


TERMINAL_BUILDERS: dict[Family, Callable[[AccessTerminalCoordinator], Terminal]] = {
    Family.HTTPV2: _build_httpv2,
    Family.ZK_PUSH: _build_zk_push,
    Family.WEBJSON: _build_pull,
    Family.CONTROL_API: _build_pull,
    Family.CLOUD_WS: _build_cloud_ws,
}


class AccessTerminalCoordinator(DataUpdateCoordinator[None]):
    """Everything the integration knows and does for one terminal."""

    config_entry: AccessTerminalConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: AccessTerminalConfigEntry, store: DeviceStore
    ) -> None:
        """Build the terminal for the entry's family and restore what was saved."""
        self.serial: str = entry.data[CONF_SERIAL]
        # Entities follow state_changed(); a poll that changed nothing writes no state.
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {self.serial}",
            always_update=False,
        )
        self.family = Family(entry.data[CONF_FAMILY])
        self.store = store
        self._offline_option: float = entry.options.get(CONF_OFFLINE_WINDOW, DEFAULT_OFFLINE_WINDOW)
        self.command_timeout: float = entry.options.get(
            CONF_COMMAND_TIMEOUT, DEFAULT_COMMAND_TIMEOUT
        )
        self.terminal = TERMINAL_BUILDERS[self.family](self)
        if (interval := self.terminal.poll_interval) is not None:
            self.update_interval = timedelta(seconds=interval)  # the family decides
        self.terminal.restore_state(store.protocol_state)
        if store.info:
            try:
                self.terminal.info = TerminalInfo.from_dict(store.info)
            except (KeyError, TypeError, ValueError):
                _LOGGER.debug("Ignoring unreadable saved info of %s", self.serial)
        self.device_id: str | None = None
        # One DeviceInfo shared by every entity of the terminal.
        self.device_info = DeviceInfo(identifiers={(DOMAIN, self.serial)})
        self.online = False
        saved = dt_util.parse_datetime(store.last_seen or "")
        self._seen_wall: float | None = None if saved is None else saved.timestamp()
        self._seen_at = 0.0
        self.last_access: AccessEvent | None = None
        self.last_photo: tuple[bytes, datetime] | None = None
        self.snapshot_image: tuple[bytes, datetime] | None = None
        self._event_callbacks: dict[EventCategory, list[EventCallback]] = {}
        self._access_callbacks: list[Callable[[], None]] = []
        self._access_written = 0.0
        self._access_timer: asyncio.TimerHandle | None = None
        self._opening_until: dict[int, float] = {}
        # When the device last described itself, and when we last changed its users: a user
        # count it reports is only evidence of changes made behind our back if it is newer.
        self._info_at = 0.0
        self._users_changed_at = 0.0
        self._opening_timer: CALLBACK_TYPE | None = None
        # Records are read once the entities listen (after the first refresh).
        self._entities_ready = False

    @property
    def offline_window(self) -> float:
        """Return how long the terminal may stay silent: the option, or three of its own calls.

        A terminal set to call every two minutes would otherwise flap offline every cycle.
        """
        info = self.terminal.info
        interval = info.keepalive_interval if info else None
        return max(self._offline_option, 3 * interval) if interval else self._offline_option

    # -- life cycle ------------------------------------------------------------------------

    async def async_entities_ready(self) -> None:
        """Read records from now on (the entities exist), the first ones at once."""
        self._entities_ready = True
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
        entry = self.config_entry
        entry.async_on_unload(
            async_track_time_interval(self.hass, self._check_online, ONLINE_CHECK_INTERVAL)
        )
        entry.async_on_unload(self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._on_stop))

    async def _on_stop(self, _event: Event) -> None:
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
        self.terminal.close()
        self._remember_last_seen()
        await self.store.async_flush()

    @callback
    def _check_online(self, _now: datetime) -> None:
        if self.online and time.monotonic() - self._seen_at > self.offline_window:
            self.online = False
            _LOGGER.warning(
                "Access terminal %s is offline: not heard from for %d seconds",
                self.serial,
                self.offline_window,
            )
            self.async_update_listeners()

    def _remember_last_seen(self) -> None:
        if (last_seen := self.last_seen) is not None:
            self.store.last_seen = last_seen.isoformat()
            self.store.schedule_save()

    # -- TerminalListener ------------------------------------------------------------------

    @property
    def last_seen(self) -> datetime | None:
        """Return when the device last talked to us."""
        wall = self._seen_wall
        return None if wall is None else dt_util.utc_from_timestamp(wall)

    def seen(self) -> None:
        """Note the device talked to us (on every request: keep it cheap)."""
        self._seen_at = time.monotonic()
        self._seen_wall = time.time()
        if not self.online:
            self.online = True
            _LOGGER.info("Access terminal %s is online", self.serial)
            self._remember_last_seen()
            self.async_update_listeners()

    def state_changed(self) -> None:
        """Info or doors changed: save info, refresh the device entry and the entities."""
        info = self.terminal.info
        if info is not None:
            saved = info.as_dict()
            if saved != self.store.info:
                self._info_at = time.monotonic()
                self.store.info = saved
                self.store.schedule_save()
                self._update_device(info)
        self.async_update_listeners()

    def persist(self) -> None:
        """Queued work changed: save it."""
        self.store.protocol_state = self.terminal.export_state()
        self.store.schedule_save_queue()

    def snapshot(self, image: bytes) -> None:
        """Keep a camera snapshot the terminal sent."""
        self.snapshot_image = (image, dt_util.utcnow())
        self.async_update_listeners()

    def user_changed(self, user_id: str | None, change: UserChange) -> None:
        """Forget what we knew of users changed at the device itself."""
        users = self.store.users
        if change is UserChange.ALL_DELETED:
            users.clear()
            self.store.users_complete = True
        elif user_id is None:
            self.store.users_complete = False  # e.g. an import from USB: anything may be there
        elif change is UserChange.DELETED:
            users.pop(user_id, None)
        else:
            users[user_id] = None  # present, content unknown: the next sync writes it
        self.store.schedule_save_users()

    async def records(self, records: Sequence[Record]) -> None:
        """Dispatch each record's events once, however often the device sends it."""
        ledger = self.store.records
        for record in records:
            stream, number = record.stream, record.record_id
            if stream is None or number is None:
                for event in record.events:
                    self._dispatch(event)
                continue
            if ledger.handled(stream, number, record.date, ordered=record.ordered):
                continue
            for event in record.events:
                self._dispatch(event)
            ledger.remember(stream, number, record.date, ordered=record.ordered)
        self.store.schedule_save()

    # -- events ----------------------------------------------------------------------------

    @callback
    def async_subscribe_events(
        self, category: EventCategory, event_callback: EventCallback
    ) -> CALLBACK_TYPE:
        """Call `event_callback` for every new event of `category`; return the unsubscribe."""
        callbacks = self._event_callbacks.setdefault(category, [])
        callbacks.append(event_callback)
        return lambda: callbacks.remove(event_callback)

    @callback
    def async_subscribe_access(self, access_callback: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `access_callback` when the last access (or its photo) changed, throttled."""
        self._access_callbacks.append(access_callback)
        return lambda: self._access_callbacks.remove(access_callback)

    def _dispatch(self, event: AccessEvent) -> None:
        attributes = event.as_dict()
        if event.category is EventCategory.ACCESS:
            self.last_access = event
            if event.photo is not None:
                self.last_photo = (event.photo, event.time)
            self._access_changed()
        data = {
            **attributes,
            ATTR_DEVICE_ID: self.device_id,
            ATTR_SERIAL: self.serial,
            ATTR_CONFIG_ENTRY_ID: self.config_entry.entry_id,
        }
        self.hass.bus.async_fire(EVENT_ACCESS_TERMINAL, data)
        for event_callback in list(self._event_callbacks.get(event.category, ())):
            event_callback(event, attributes)

    def _access_changed(self) -> None:
        if self._access_timer is not None:
            return  # a write is already due and will show the latest access
        loop = self.hass.loop
        due = self._access_written + ACCESS_STATE_INTERVAL
        if loop.time() >= due:
            self._write_access_state()
        else:
            self._access_timer = loop.call_at(due, self._write_access_state)

    def _write_access_state(self) -> None:
        self._access_timer = None
        self._access_written = self.hass.loop.time()
        for access_callback in list(self._access_callbacks):
            access_callback()

    # -- what entities read ----------------------------------------------------------------

    @property
    def info(self) -> TerminalInfo | None:
        """Return what the terminal said about itself (None until it did)."""
        return self.terminal.info

    @property
    def door_numbers(self) -> list[int]:
        """Return the doors of this terminal (1-based).

        A terminal that announces its doors has none until it did (an attendance terminal has
        none at all).
        """
        count = self.terminal.info.doors if self.terminal.info else 0
        return sorted(set(range(1, count + 1)) | set(self.terminal.doors))

    def door(self, number: int) -> DoorState:
        """Return the state of one door (unknown until reported)."""
        return self.terminal.doors.get(number) or DoorState(door=number)

    def is_opening(self, number: int) -> bool:
        """Return True while a momentary opening we sent is running."""
        return time.monotonic() < self._opening_until.get(number, 0.0)

    def door_releasing(self, number: int) -> bool:
        """Return True while the door is released for one passage (not held open)."""
        state = self.door(number)
        return self.is_opening(number) or (bool(state.relay_energised) and not state.held_open)

    def door_locked(self, number: int) -> bool | None:
        """Return False while held open or released; None until the terminal reported."""
        state = self.door(number)
        if state.relay_energised is None and state.held_open is None:
            return None
        return not (state.relay_energised or state.held_open or self.door_releasing(number))

    @property
    def reports_alarms(self) -> bool:
        """Return True if the terminal has doors whose status carries alarms (alarm entities)."""
        return bool(self.door_numbers) and self.terminal.reports_alarms

    def active_alarms(self) -> set[AlarmReason] | None:
        """Return the alarms of every door; None until the terminal reported its doors."""
        doors = [self.door(number) for number in self.door_numbers]
        if all(door.relay_energised is None for door in doors):
            return None  # alarms come with the door status
        return {alarm for door in doors for alarm in door.alarms}

    # -- commands --------------------------------------------------------------------------

    async def async_call[T](self, action: Awaitable[T]) -> T:
        """Run any terminal operation, a family's own ones included, with errors translated.

        For example `await coordinator.async_call(terminal.set_holidays(holidays))` on a cloud
        WebSocket terminal: the commands no Terminal operation covers are reached this way.
        """
        return await self._call(action)

    async def _call[T](self, action: Awaitable[T]) -> T:
        """Run a terminal operation, turning library errors into Home Assistant errors."""
        try:
            return await action
        except NotSupportedError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_supported",
                translation_placeholders={"serial": self.serial, "operation": err.operation},
            ) from err
        except InvalidRequestError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_request",
                translation_placeholders={"serial": self.serial, "error": str(err)},
            ) from err
        except CommandTimeoutError as err:
            key = "timeout_queued" if err.still_queued else "timeout"
            if not self.online:
                key += "_offline"
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=key,
                translation_placeholders={"serial": self.serial, "what": err.what},
            ) from err
        except UnconfirmedError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="users_unconfirmed",
                translation_placeholders={
                    "serial": self.serial,
                    "count": str(len(err.user_ids)),
                },
            ) from err
        except UserWriteError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="users_not_written",
                translation_placeholders={"serial": self.serial, "error": str(err)},
            ) from err
        except DeviceError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="device_error",
                translation_placeholders={
                    "serial": self.serial,
                    "code": str(err.code),
                    "reason": err.reason,
                },
            ) from err
        except (CommandCancelledError, AuthError, UnreachableError, AccessTerminalError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_failed",
                translation_placeholders={"serial": self.serial, "error": str(err)},
            ) from err

    async def async_door_control(
        self, door: int, action: DoorAction, duration: int | None = None
    ) -> None:
        """Open, hold open, return to normal or lock out a door."""
        await self._call(self.terminal.door_control(door, action, duration=duration))
        if action is DoorAction.OPEN:
            # The device reports its relay at its next poll: show the opening meanwhile.
            info = self.terminal.info
            seconds = duration or (info.release_time if info else None) or DEFAULT_RELEASE_TIME
            self._opening_until[door] = time.monotonic() + seconds
            if self._opening_timer is not None:
                self._opening_timer()
            self._opening_timer = async_call_later(self.hass, seconds, self._opening_over)
        self.async_update_listeners()

    @callback
    def _opening_over(self, _now: datetime) -> None:
        self._opening_timer = None
        self.async_update_listeners()

    async def async_clear_alarm(self) -> None:
        """Silence the terminal's alarms."""
        await self._call(self.terminal.clear_alarm())

    async def async_reboot(self) -> None:
        """Restart the terminal."""
        await self._call(self.terminal.reboot())

    async def async_sync_time(self) -> None:
        """Set the terminal's clock to Home Assistant's time and time zone."""
        await self._call(self.terminal.set_time(dt_util.now()))

    async def async_request_snapshot(self) -> None:
        """Ask for a camera snapshot (it arrives as the snapshot image)."""
        await self._call(self.terminal.request_snapshot())

    async def async_enroll(self, user_id: str, credential: Credential, index: int | None) -> None:
        """Start remote enrollment at the terminal."""
        (user_id,) = await self._call(self._async_canonical_ids([user_id]))
        await self._call(self.terminal.start_enrollment(user_id, credential, index))

    async def async_push_firmware(self, firmware: FirmwareImage) -> None:
        """Hand a firmware image to the terminal."""
        await self._call(self.terminal.push_firmware(firmware))

    async def async_get_users(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = False
    ) -> list[User]:
        """Read users from the terminal (and remember which ones it holds).

        Templates and photos are only kept when asked for (copying users to a terminal).
        """
        users = await self._call(self._list(user_ids, with_credentials))
        known = self.store.users
        for user in users:
            known.setdefault(user.user_id, None)
        if user_ids is None:
            held = {user.user_id for user in users}
            for user_id in [user_id for user_id in known if user_id not in held]:
                del known[user_id]
            self.store.users_complete = True
        self.store.schedule_save_users()
        return users

    async def _list(self, user_ids: Sequence[str] | None, with_credentials: bool) -> list[User]:
        ids = None if user_ids is None else self._canonical_ids(user_ids)
        return await self.terminal.list_users(ids, with_credentials=with_credentials)

    def _canonical_ids(self, user_ids: Sequence[str]) -> list[str]:
        return [self.terminal.canonical_user_id(user_id) for user_id in user_ids]

    async def async_set_users(self, users: Sequence[User]) -> None:
        """Write users; remember what was written, even when some failed."""
        await self._call(self._write_users(users))

    async def _write_users(self, users: Sequence[User]) -> None:
        users = [
            replace(user, user_id=self.terminal.canonical_user_id(user.user_id)) for user in users
        ]
        # A terminal replaces the whole person: users written without templates or photo keep
        # those the terminal holds (renaming someone must not erase the face enrolled there).
        store = self.store
        keep = {
            user.user_id
            for user in users
            if not user.credentials.has_any()
            and (not store.users_complete or user.user_id in store.users)
        }
        try:
            await self.terminal.set_users(users, keep_held_credentials=keep)
        except UserWriteError as err:
            self._remember_written([user for user in users if user.user_id not in err.failures])
            raise
        self._remember_written(users)

    def _remember_written(self, users: Sequence[User]) -> None:
        self._users_changed_at = time.monotonic()
        for user in users:
            self.store.users[user.user_id] = user_digest(user)
        self.store.schedule_save_users()

    async def async_delete_users(self, user_ids: Sequence[str] | None) -> None:
        """Delete users (None: all of them)."""
        if user_ids is not None:
            user_ids = await self._call(self._async_canonical_ids(user_ids))
        await self._call(self.terminal.delete_users(user_ids))
        self._users_changed_at = time.monotonic()
        if user_ids is None:
            self.store.users.clear()
            self.store.users_complete = True
        else:
            for user_id in user_ids:
                self.store.users.pop(user_id, None)
        self.store.schedule_save_users()

    async def _async_canonical_ids(self, user_ids: Sequence[str]) -> list[str]:
        return self._canonical_ids(user_ids)

    async def async_sync_users(
        self, desired: Sequence[User], *, delete_missing: bool = True, full_read: bool = False
    ) -> SyncPlan:
        """Make the terminal's users match `desired`, sending only what changed."""
        ids = await self._call(self._async_canonical_ids([user.user_id for user in desired]))
        desired = [
            replace(user, user_id=user_id) for user, user_id in zip(desired, ids, strict=True)
        ]
        held: dict[str, User] | None = None
        if full_read or not self.store.users_complete or self._users_count_disagrees():
            held = {user.user_id: user for user in await self.async_get_users()}
        plan = plan_sync(self.store.users, desired, delete_missing=delete_missing, held=held)
        if plan.confirmed:
            self._remember_written(plan.confirmed)
        if plan.to_delete:
            await self.async_delete_users(list(plan.to_delete))
        if plan.to_write:
            await self.async_set_users(list(plan.to_write))
        return plan

    def _users_count_disagrees(self) -> bool:
        """Return True if the device reported, since our last change, another user count.

        (A factory reset or a menu import would otherwise go unnoticed by the sync.)
        """
        info = self.terminal.info
        counted = info.usage.get("users") if info else None
        return (
            counted is not None
            and counted.used is not None
            and self._info_at > self._users_changed_at
            and counted.used != len(self.store.users)
        )

    async def authorize(self, event: AccessEvent) -> tuple[bool, str | None]:
        """Decide an online authorization request (HTTPv2 RequestAuthorization)."""
        if self.config_entry.options.get(CONF_ONLINE_AUTHORIZATION) == AUTH_DENY:
            return False, "Access denied"
        if event.user_id is None:
            return False, "Unknown person"
        return True, None

    # -- device registry -------------------------------------------------------------------

    def _update_device(self, info: TerminalInfo) -> None:
        if self.device_id is None:
            return
        registry = dr.async_get(self.hass)
        registry.async_update_device(
            self.device_id,
            model=info.model,
            manufacturer=info.manufacturer or "Access Terminal",
            sw_version=info.firmware,
        )

    @property
    def polls(self) -> bool:
        """Return True for terminals we call (pull families)."""
        return self.terminal.poll_interval is not None

    async def _async_update_data(self) -> None:
        """Read the terminal (pull families; push families have nothing to poll).

        Errors are mapped once: refused credentials start a reauthentication, anything else
        marks the terminal offline until a poll succeeds (Home Assistant logs it once).
        """
        if not self.polls:
            return
        try:
            await self.terminal.refresh(records=self._entities_ready)
        except AuthError as err:
            self.online = False
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"serial": self.serial},
            ) from err
        except AccessTerminalError as err:
            self.online = False
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="poll_failed",
                translation_placeholders={"serial": self.serial, "error": str(err)},
            ) from err
        self.seen()

    def diagnostics(self) -> dict[str, Any]:
        """Return the coordinator's state for diagnostics."""
        return {
            "online": self.online,
            "last_seen": None if self.last_seen is None else self.last_seen.isoformat(),
            "info": None if self.terminal.info is None else self.terminal.info.as_dict(),
            "doors": {
                number: {
                    "is_open": state.is_open,
                    "relay_energised": state.relay_energised,
                    "held_open": state.held_open,
                    "locked_out": state.locked_out,
                    "alarms": sorted(state.alarms),
                }
                for number, state in self.terminal.doors.items()
            },
            "record_cursors": self.store.records.cursors,
            "users_known": len(self.store.users),
            "users_complete": self.store.users_complete,
            "protocol": self.terminal.diagnostics(),
        }
