"""Select settings: door sensor type, verification mode, anti-passback, interlock, language."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity, SelectEntityDescription
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
    spec.setting: SelectEntityDescription(
        **setting_description_fields(spec),
        options=list(spec.options),
    )
    for spec in settings_of(SettingKind.SELECT)
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a select for each choice setting the terminal has."""
    async_add_setting_entities(entry, async_add_entities, DESCRIPTIONS, SettingSelect)


class SettingSelect(SettingEntity, SelectEntity):
    """A choice among the ones the terminal offers."""

    @property
    def options(self) -> list[str]:
        """Return the terminal's own choices."""
        return list(self.spec.options)

    @property
    def current_option(self) -> str | None:
        """Return the choice last read."""
        value = self.setting_value
        return value if isinstance(value, str) and value in self.spec.options else None

    async def async_select_option(self, option: str) -> None:
        """Write the choice."""
        await self.async_write(option)
