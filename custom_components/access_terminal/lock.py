"""Door locks: open = momentary opening, unlock = hold open, lock = back to normal."""

from __future__ import annotations

from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription, LockEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AccessTerminalConfigEntry
from .entity import AccessTerminalEntity, async_add_door_entities
from .protocols.model import DoorAction

PARALLEL_UPDATES = 0  # the terminal queues commands itself

DOOR_LOCK = LockEntityDescription(key="lock", translation_key="door")
# What a pending door command shows (opening is the momentary opening).
_UNLOCKING = frozenset({DoorAction.HOLD_OPEN, DoorAction.RELEASE_LOCKOUT})
_LOCKING = frozenset({DoorAction.NORMAL, DoorAction.LOCKOUT})


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add one lock per door (more when the terminal reports more doors)."""
    coordinator = entry.runtime_data.coordinator
    async_add_door_entities(
        entry, async_add_entities, lambda door: AccessTerminalLock(coordinator, DOOR_LOCK, door)
    )


class AccessTerminalLock(AccessTerminalEntity, LockEntity):
    """The lock of one door."""

    _attr_supported_features = LockEntityFeature.OPEN
    door: int

    def _showing(self) -> tuple[Any, ...]:
        return (self.available, self.terminal.door(self.door))

    @property
    def is_opening(self) -> bool:
        """Return True while a momentary opening waits for the terminal."""
        return self.terminal.door(self.door).pending is DoorAction.OPEN

    @property
    def is_unlocking(self) -> bool:
        """Return True while a hold-open (or the end of a lock-out) waits for the terminal."""
        return self.terminal.door(self.door).pending in _UNLOCKING

    @property
    def is_locking(self) -> bool:
        """Return True while a return to normal (or a lock-out) waits for the terminal."""
        return self.terminal.door(self.door).pending in _LOCKING

    @property
    def is_open(self) -> bool:
        """Return True while the door is released for one passage (a momentary opening)."""
        return self.terminal.door(self.door).releasing

    @property
    def is_locked(self) -> bool | None:
        """Return False while held open or opening; None until the terminal reported."""
        return self.terminal.door(self.door).locked

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Expose the modes a lock state cannot show."""
        door = self.terminal.door(self.door)
        return {"held_open": door.held_open, "locked_out": door.locked_out}

    async def async_open(self, **kwargs: Any) -> None:
        """Open the door for the terminal's release time."""
        await self.coordinator.async_door_control(self.door, DoorAction.OPEN)

    async def async_unlock(self, **kwargs: Any) -> None:
        """Hold the door open (normally-open mode)."""
        await self.coordinator.async_door_control(self.door, DoorAction.HOLD_OPEN)

    async def async_lock(self, **kwargs: Any) -> None:
        """Return the door to normal (closed, opened by verification)."""
        await self.coordinator.async_door_control(self.door, DoorAction.NORMAL)
