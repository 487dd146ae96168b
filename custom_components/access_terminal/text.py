"""Text settings: the name a terminal shows, and other free text it keeps."""

from __future__ import annotations

from homeassistant.components.text import TextEntity, TextEntityDescription
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
    spec.setting: TextEntityDescription(
        **setting_description_fields(spec),
        native_max=spec.max_length,
    )
    for spec in settings_of(SettingKind.TEXT)
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a text entity for each text setting the terminal has."""
    async_add_setting_entities(entry, async_add_entities, DESCRIPTIONS, SettingText)


class SettingText(SettingEntity, TextEntity):
    """Free text the terminal keeps, within its own length."""

    @property
    def native_max(self) -> int:
        """Return the terminal's longest value."""
        return self.spec.max_length

    @property
    def native_value(self) -> str | None:
        """Return the value last read."""
        value = self.setting_value
        return value if isinstance(value, str) else None

    async def async_set_value(self, value: str) -> None:
        """Write the text."""
        await self.async_write(value)
