"""Sensors: who came in last, how and when, body temperature, storage usage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from . import AccessTerminalConfigEntry
from .coordinator import AccessTerminalCoordinator
from .entity import AccessTerminalEntity, async_add_dynamic_entities
from .protocols.model import AccessEvent, Feature

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class AccessTerminalSensorDescription(SensorEntityDescription):
    """A sensor of a terminal."""

    value_fn: Callable[[AccessTerminalCoordinator], StateType | datetime]
    attributes_fn: Callable[[AccessTerminalCoordinator], dict[str, Any]] | None = None
    exists_fn: Callable[[AccessTerminalCoordinator], bool] = lambda _: True
    follows_access: bool = False  # updated by each access event


def _last(coordinator: AccessTerminalCoordinator) -> AccessEvent | None:
    return coordinator.last_access


def _usage(key: str, *, enabled: bool = False) -> AccessTerminalSensorDescription:
    def used(coordinator: AccessTerminalCoordinator) -> int | None:
        info = coordinator.info
        return info.usage[key].used if info and key in info.usage else None

    def capacity(coordinator: AccessTerminalCoordinator) -> dict[str, Any]:
        info = coordinator.info
        return {"capacity": info.usage[key].capacity if info and key in info.usage else None}

    return AccessTerminalSensorDescription(
        key=f"usage_{key}",
        translation_key=f"usage_{key}",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=enabled,
        value_fn=used,
        attributes_fn=capacity,
        exists_fn=lambda coordinator: bool(coordinator.info and key in coordinator.info.usage),
    )


SENSORS: tuple[AccessTerminalSensorDescription, ...] = (
    AccessTerminalSensorDescription(
        key="last_user",
        translation_key="last_user",
        value_fn=lambda c: (ev.user_name or ev.user_id) if (ev := _last(c)) else None,
        attributes_fn=lambda c: {"user_id": ev.user_id if (ev := _last(c)) else None},
        follows_access=True,
    ),
    AccessTerminalSensorDescription(
        key="last_method",
        translation_key="last_method",
        # The access event entity's `methods` attribute says the same.
        entity_registry_enabled_default=False,
        value_fn=lambda c: ", ".join(ev.methods) or None if (ev := _last(c)) else None,
        follows_access=True,
    ),
    AccessTerminalSensorDescription(
        key="last_access",
        translation_key="last_access",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda c: ev.time if (ev := _last(c)) else None,
        attributes_fn=lambda c: {"result": str(ev.type) if (ev := _last(c)) else None},
        follows_access=True,
    ),
    AccessTerminalSensorDescription(
        key="temperature",
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda c: ev.temperature if (ev := _last(c)) else None,
        exists_fn=lambda c: bool(c.info and Feature.TEMPERATURE in c.info.features),
        follows_access=True,
    ),
    _usage("users", enabled=True),
    _usage("faces"),
    _usage("fingerprints"),
    _usage("cards"),
    _usage("palms"),
    _usage("logs"),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the terminal supports (more once it reports its features)."""
    coordinator = entry.runtime_data.coordinator
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda: (
            (description.key, partial(AccessTerminalSensor, coordinator, description))
            for description in SENSORS
            if description.exists_fn(coordinator)
        ),
    )


class AccessTerminalSensor(AccessTerminalEntity, SensorEntity):
    """A sensor driven by a description."""

    entity_description: AccessTerminalSensorDescription

    async def async_added_to_hass(self) -> None:
        """Follow access events where the description says so."""
        await super().async_added_to_hass()
        if self.entity_description.follows_access:
            self.async_on_remove(self.coordinator.async_subscribe_access(self.async_write_ha_state))

    @property
    def native_value(self) -> StateType | datetime:
        """Return the described value."""
        return self.entity_description.value_fn(self.coordinator)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the described attributes."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator)
