"""Number settings: unlock time, alarm delays, volume, thresholds (see setting_entity.py)."""

from __future__ import annotations

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, UnitOfTemperature, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AccessTerminalConfigEntry
from .protocols.settings import SettingKind, SettingSpec
from .setting_entity import (
    SettingEntity,
    async_add_setting_entities,
    setting_description_fields,
    settings_of,
)

PARALLEL_UPDATES = 1

_UNITS: dict[str | None, tuple[str | None, NumberDeviceClass | None]] = {
    None: (None, None),
    "s": (UnitOfTime.SECONDS, NumberDeviceClass.DURATION),
    "min": (UnitOfTime.MINUTES, NumberDeviceClass.DURATION),
    "%": (PERCENTAGE, None),
    "°C": (UnitOfTemperature.CELSIUS, NumberDeviceClass.TEMPERATURE),
}


def _description(spec: SettingSpec) -> NumberEntityDescription:
    unit, device_class = _UNITS[spec.unit]
    return NumberEntityDescription(
        **setting_description_fields(spec),
        native_unit_of_measurement=unit,
        device_class=device_class,
        mode=NumberMode.BOX,
    )


DESCRIPTIONS = {spec.setting: _description(spec) for spec in settings_of(SettingKind.NUMBER)}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a number for each number setting the terminal has."""
    async_add_setting_entities(entry, async_add_entities, DESCRIPTIONS, SettingNumber)


class SettingNumber(SettingEntity, NumberEntity):
    """A number setting, within the terminal's own range."""

    @property
    def native_min_value(self) -> float:
        """Return the terminal's lowest value."""
        return self.spec.minimum

    @property
    def native_max_value(self) -> float:
        """Return the terminal's highest value."""
        return self.spec.maximum

    @property
    def native_step(self) -> float:
        """Return the terminal's step."""
        return self.spec.step

    @property
    def native_value(self) -> float | None:
        """Return the value last read."""
        value = self.setting_value
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    async def async_set_native_value(self, value: float) -> None:
        """Write the value (whole numbers where the setting counts in whole steps)."""
        await self.async_write(int(value) if float(value).is_integer() else value)
