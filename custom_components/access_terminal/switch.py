"""Switch settings: which credentials the terminal accepts, temperature check, mask rule."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
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
    spec.setting: SwitchEntityDescription(**setting_description_fields(spec))
    for spec in settings_of(SettingKind.SWITCH)
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a switch for each on/off setting the terminal has."""
    async_add_setting_entities(entry, async_add_entities, DESCRIPTIONS, SettingSwitch)


class SettingSwitch(SettingEntity, SwitchEntity):
    """An on/off setting."""

    @property
    def is_on(self) -> bool | None:
        """Return the value last read."""
        value = self.setting_value
        return value if isinstance(value, bool) else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the setting on."""
        await self.async_write(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the setting off."""
        await self.async_write(False)
