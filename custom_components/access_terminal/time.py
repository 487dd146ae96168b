"""Time settings: times of day a terminal keeps (an automatic restart...)."""

from __future__ import annotations

from datetime import time

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AccessTerminalConfigEntry
from .protocols.settings import SettingKind
from .setting_entity import (
    SettingEntity,
    async_add_setting_entities,
    setting_description_fields,
    settings_of,
)

PARALLEL_UPDATES = 1

DESCRIPTIONS = {
    spec.setting: TimeEntityDescription(**setting_description_fields(spec))
    for spec in settings_of(SettingKind.TIME)
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a time entity for each time-of-day setting the terminal has."""
    async_add_setting_entities(entry, async_add_entities, DESCRIPTIONS, SettingTime)


class SettingTime(SettingEntity, TimeEntity):
    """A time of day the terminal keeps."""

    @property
    def native_value(self) -> time | None:
        """Return the value last read."""
        value = self.setting_value
        return value if isinstance(value, time) else None

    async def async_set_value(self, value: time) -> None:
        """Write the time of day."""
        await self.async_write(value)
