"""Buttons: restart, clear alarm, set the clock, take a snapshot.

All are disabled by default: each is an occasional action (restart and clock are also actions),
and every enabled entity costs Home Assistant memory per terminal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AccessTerminalConfigEntry, AccessTerminalCoordinator
from .entity import AccessTerminalEntity, async_add_dynamic_entities
from .protocols.model import Operation

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class AccessTerminalButtonDescription(ButtonEntityDescription):
    """A button running one terminal operation."""

    operation: Operation
    press_fn: Callable[[AccessTerminalCoordinator], Awaitable[None]]


BUTTONS = (
    AccessTerminalButtonDescription(
        key="restart",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        operation=Operation.REBOOT,
        press_fn=lambda coordinator: coordinator.async_reboot(),
    ),
    AccessTerminalButtonDescription(
        key="clear_alarm",
        translation_key="clear_alarm",
        entity_registry_enabled_default=False,
        operation=Operation.CLEAR_ALARM,
        press_fn=lambda coordinator: coordinator.async_clear_alarm(),
    ),
    AccessTerminalButtonDescription(
        key="sync_time",
        translation_key="sync_time",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        operation=Operation.SET_TIME,
        press_fn=lambda coordinator: coordinator.async_sync_time(),
    ),
    AccessTerminalButtonDescription(
        key="take_snapshot",
        translation_key="take_snapshot",
        entity_registry_enabled_default=False,
        operation=Operation.SNAPSHOT,
        press_fn=lambda coordinator: coordinator.async_request_snapshot(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a button for each operation the terminal supports (known once it described itself)."""
    coordinator = entry.runtime_data.coordinator
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda state: (
            (description.key, partial(AccessTerminalButton, coordinator, description))
            for description in BUTTONS
            if state.supports(description.operation)
        ),
    )


class AccessTerminalButton(AccessTerminalEntity, ButtonEntity):
    """A button driven by a description."""

    entity_description: AccessTerminalButtonDescription

    async def async_press(self) -> None:
        """Run the operation."""
        await self.entity_description.press_fn(self.coordinator)
