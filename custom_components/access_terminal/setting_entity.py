"""What the five setting platforms (number, select, switch, time, text) share.

Each setting of `protocols/settings.py` becomes one configuration entity per terminal (per door for
door settings) on the terminals whose family has it; its key is the setting's name. The value is
the one last read from the terminal (unavailable until read); a write is checked against the
terminal's own range or choices, sent, and shown once the terminal took it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TypedDict

from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AccessTerminalConfigEntry, AccessTerminalCoordinator
from .entity import AccessTerminalEntity, async_add_dynamic_entities
from .protocols.settings import (
    SETTINGS,
    Scope,
    Setting,
    SettingAddress,
    SettingKind,
    SettingSpec,
    SettingValue,
)
from .state import TerminalState


def settings_of(kind: SettingKind) -> Iterator[SettingSpec]:
    """Return the vocabulary's settings of one kind (one platform's entities)."""
    return (spec for spec in SETTINGS.values() if spec.kind is kind)


class DescriptionFields(TypedDict):
    """The fields every setting entity's description shares."""

    key: str
    translation_key: str
    entity_category: EntityCategory
    entity_registry_enabled_default: bool


def setting_description_fields(spec: SettingSpec) -> DescriptionFields:
    """Return the fields every setting entity's description shares."""
    return {
        "key": str(spec.setting),
        "translation_key": str(spec.setting),
        "entity_category": EntityCategory.CONFIG,
        "entity_registry_enabled_default": not spec.advanced,
    }


def is_per_door(setting: str) -> bool:
    """Return True for settings of one door (named "Door 2 ..." on terminals with several)."""
    return SETTINGS[Setting(setting)].scope is Scope.DOOR


class SettingEntity(AccessTerminalEntity):
    """A configuration entity showing and writing one setting of a terminal (or of one door)."""

    def __init__(
        self,
        coordinator: AccessTerminalCoordinator,
        description: EntityDescription,
        door: int | None,
    ) -> None:
        """Address the setting of this terminal, or of this door."""
        super().__init__(coordinator, description, door)
        self.address = SettingAddress(Setting(description.key), door)

    @property
    def spec(self) -> SettingSpec:
        """Return the setting as this terminal has it (its own range and choices)."""
        return self.terminal.settings.get(self.address.setting) or SETTINGS[self.address.setting]

    @property
    def setting_value(self) -> SettingValue | None:
        """Return the value last read from the terminal (None until read)."""
        return self.terminal.setting_values.get(self.address)

    @property
    def available(self) -> bool:
        """Unavailable while the terminal is offline or the value was never read."""
        return (
            super().available
            and self.address.setting in self.terminal.settings
            and self.setting_value is not None
        )

    def _showing(self) -> tuple[object, ...]:
        return (self.available, self.setting_value, self.spec)

    async def async_write(self, value: object) -> None:
        """Write the setting (the coordinator checks it and raises a translated error)."""
        await self.coordinator.async_write_setting(self.address, value)


@callback
def async_add_setting_entities(
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Mapping[Setting, EntityDescription],
    build: Callable[[AccessTerminalCoordinator, EntityDescription, int | None], Entity],
) -> None:
    """Add the entities of the terminal's settings among `descriptions` (per door for doors)."""
    coordinator = entry.runtime_data.coordinator

    def candidates(state: TerminalState) -> Iterator[tuple[str, Callable[[], Entity]]]:
        for setting in state.settings:
            if (description := descriptions.get(setting)) is None:
                continue
            if is_per_door(setting):
                # A terminal without doors of its own (an attendance terminal driving one lock)
                # has its door settings as door 1's, as the directory addresses it.
                for door in state.door_numbers or [1]:
                    factory = partial(build, coordinator, description, door)
                    yield f"{setting}_door_{door}", factory
            else:
                yield str(setting), partial(build, coordinator, description, None)

    async_add_dynamic_entities(entry, async_add_entities, candidates)
