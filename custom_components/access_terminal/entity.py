"""Base entity of every Access Terminal platform."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import AccessTerminalCoordinator

if TYPE_CHECKING:
    from . import AccessTerminalConfigEntry


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
        suffix = description.key if door is None else f"door_{door}_{description.key}"
        self._attr_unique_id = f"{coordinator.serial}_{suffix}"
        self._attr_device_info = coordinator.device_info
        if door is not None and len(coordinator.door_numbers) > 1:
            self._attr_translation_key = f"{description.translation_key}_n"
            self._attr_translation_placeholders = {"door": str(door)}

    @property
    def available(self) -> bool:
        """Entities follow the terminal's connectivity."""
        return self.coordinator.online


@callback
def async_add_dynamic_entities(
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    candidates: Callable[[], Iterable[tuple[str, Callable[[], Entity]]]],
) -> None:
    """Add entities now and whenever new ones become possible (a new door, a new feature).

    `candidates` yields (key, factory) pairs; each key's factory is called once.
    """
    added: set[str] = set()

    @callback
    def add_new() -> None:
        new: list[Entity] = []
        for key, factory in candidates():
            if key not in added:
                added.add(key)
                new.append(factory())
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(entry.runtime_data.coordinator.async_add_listener(add_new))


@callback
def async_add_door_entities(
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[int], Entity],
) -> None:
    """Add `build(door)` for every door, and for doors the terminal reports later."""
    coordinator = entry.runtime_data.coordinator
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda: ((f"door_{door}", partial(build, door)) for door in coordinator.door_numbers),
    )
