"""What entities, the MQTT bridge and diagnostics read of a terminal: one frozen snapshot.

The coordinator builds a new `TerminalState` whenever something a reader could show changed and
hands it out with `async_set_updated_data`; nobody reads the terminal's live objects. The door
rules (when a lock counts as locked, when a door is released for one passage, which alarms are
active) live here, once, as functions of the terminal's reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .protocols.model import (
    AccessEvent,
    AlarmReason,
    DoorAction,
    DoorState,
    EventCategory,
    EventType,
    Operation,
    TerminalInfo,
)
from .protocols.settings import Setting, SettingAddress, SettingSpec, SettingValue


@dataclass(frozen=True, slots=True)
class Picture:
    """A JPEG from the terminal and when it was taken."""

    data: bytes = field(repr=False)
    taken: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DoorView:
    """One door as people see it: what the terminal reports, and what follows from it."""

    number: int
    is_open: bool | None = None
    held_open: bool | None = None
    locked_out: bool | None = None
    alarms: frozenset[AlarmReason] = frozenset()
    # Released for one passage: a momentary opening we sent, or the relay energised without the
    # normally-open mode.
    releasing: bool = False
    # False while held open or released; None until the terminal reported its relay or mode.
    locked: bool | None = None
    # Whether the terminal has reported the relay at all (alarms come with that report).
    relay_reported: bool = False
    # A door command sent and not yet confirmed by the terminal (a polling terminal picks it
    # up at its next call): the lock shows it as opening, unlocking or locking meanwhile.
    pending: DoorAction | None = None


def door_view(state: DoorState, *, opening: bool, pending: DoorAction | None = None) -> DoorView:
    """Apply the door rules to a door's report (`opening`: a momentary opening we sent runs)."""
    releasing = opening or (bool(state.relay_energised) and not state.held_open)
    locked: bool | None = None
    if state.relay_energised is not None or state.held_open is not None:
        locked = not (state.relay_energised or state.held_open or releasing)
    return DoorView(
        number=state.door,
        is_open=state.is_open,
        held_open=state.held_open,
        locked_out=state.locked_out,
        alarms=state.alarms,
        releasing=releasing,
        locked=locked,
        relay_reported=state.relay_energised is not None,
        pending=pending,
    )


def active_alarms(doors: Mapping[int, DoorView]) -> frozenset[AlarmReason] | None:
    """Return the alarms of every door; None until the terminal reported its doors."""
    if not any(door.relay_reported for door in doors.values()):
        return None  # alarms come with the door status
    return frozenset(alarm for door in doors.values() for alarm in door.alarms)


# States of a terminal's sync with the access directory.
IN_SYNC = "in_sync"
PENDING = "pending"
FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessSync:
    """How far the terminal is from the access directory (see directory/reconcile.py)."""

    # in_sync, pending (changes wait: the terminal is offline or busy) or failed.
    state: str
    # Changes still to send: people to write or remove, and the access tables.
    pending: int = 0
    reason: str | None = None
    synced_at: datetime | None = None
    # What the terminal holds narrower than the directory asks (protocols/access.Shortfall).
    shortfalls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminalState:
    """Everything a reader may show of one terminal, as of one moment."""

    online: bool = False
    # When the terminal last called, to the minute: it moves with every call, but a state is
    # handed out for it at most once a minute (see the coordinator's online check).
    last_seen: datetime | None = None
    info: TerminalInfo | None = None
    # Every door the terminal has (an attendance terminal has none), by number.
    doors: Mapping[int, DoorView] = field(default_factory=dict)
    # The alarms of every door; None until the terminal reported its doors.
    alarms: frozenset[AlarmReason] | None = None
    # True where the door status carries alarms, and the terminal has doors: alarm entities.
    reports_alarms: bool = False
    operations: frozenset[Operation] = frozenset()
    # The event streams the terminal fills, whether its records carry photos, and whether it
    # measures body temperature (announced, or seen in a record): which entities mean something.
    event_categories: frozenset[EventCategory] = frozenset()
    optional_event_types: frozenset[EventType] = frozenset()
    sends_photos: bool = False
    measures_temperature: bool = False
    last_access: AccessEvent | None = None
    last_photo: Picture | None = None
    snapshot: Picture | None = None
    # Set once an access directory exists (its sync-state sensor appears then).
    access_sync: AccessSync | None = None
    # The settings the terminal has (configuration entities) and their values as last read.
    settings: Mapping[Setting, SettingSpec] = field(default_factory=dict)
    setting_values: Mapping[SettingAddress, SettingValue] = field(default_factory=dict)
    # Seconds the terminal's clock is ahead of Home Assistant's, as last read (None: not read).
    clock_offset: float | None = None

    @property
    def door_numbers(self) -> list[int]:
        """Return the terminal's door numbers, in order."""
        return sorted(self.doors)

    def door(self, number: int) -> DoorView:
        """Return one door (unknown until reported)."""
        return self.doors.get(number) or DoorView(number=number)

    def supports(self, operation: Operation) -> bool:
        """Return True if the terminal can do `operation`."""
        return operation in self.operations
