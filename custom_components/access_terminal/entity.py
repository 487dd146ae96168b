"""Base entity of every Access Terminal platform: it reads the terminal's `TerminalState`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import AccessTerminalConfigEntry, AccessTerminalCoordinator
from .state import TerminalState


def entity_unique_id(serial: str, key: str, door: int | None = None) -> str:
    """Return the unique id of a terminal's entity (of one of its doors, for door entities)."""
    return f"{serial}_{key}" if door is None else f"{serial}_door_{door}_{key}"


class AccessTerminalEntity(CoordinatorEntity[AccessTerminalCoordinator]):
    """An entity of one terminal (and, for per-door entities, of one door)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: AccessTerminalCoordinator,
        description: EntityDescription,
        door: int | None = None,
    ) -> None:
        """Name per-door entities "Door 2 ..." only when the terminal has several doors."""
        super().__init__(coordinator)
        self.entity_description = description
        self.door = door
        self._attr_unique_id = entity_unique_id(coordinator.serial, description.key, door)
        self._attr_device_info = coordinator.device_info
        if door is not None and len(coordinator.data.doors) > 1:
            self._attr_translation_key = f"{description.translation_key}_n"
            self._attr_translation_placeholders = {"door": str(door)}
        self._shown: tuple[Any, ...] | None = None

    @property
    def terminal(self) -> TerminalState:
        """Return the terminal's latest state."""
        return self.coordinator.data

    @property
    def available(self) -> bool:
        """Entities follow the terminal's connectivity."""
        return self.coordinator.data.online

    def _showing(self) -> tuple[Any, ...]:
        """Return what the entity shows of the state (a new state is written when it changed)."""
        return (self.available,)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the entity's state only if what it shows changed.

        The state is handed out whenever any part of it changed (a door, the last access...):
        most entities show none of that part, and a write costs more than this comparison.
        """
        showing = self._showing()
        if showing != self._shown:
            self._shown = showing
            self.async_write_ha_state()


@callback
def async_add_dynamic_entities(
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    candidates: Callable[[TerminalState], Iterable[tuple[str, Callable[[], Entity]]]],
) -> None:
    """Add entities now and whenever new ones become possible (a new door, a new feature).

    `candidates` yields (key, factory) pairs for a state; each key's factory is called once.
    """
    coordinator = entry.runtime_data.coordinator
    added: set[str] = set()

    @callback
    def add_new() -> None:
        new: list[Entity] = []
        for key, factory in candidates(coordinator.data):
            if key not in added:
                added.add(key)
                new.append(factory())
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


@callback
def async_add_door_entities(
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[int], Entity],
) -> None:
    """Add `build(door)` for every door, and for doors the terminal reports later."""
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda state: ((f"door_{door}", partial(build, door)) for door in state.door_numbers),
    )
