"""Buttons: restart, clear alarm, set the clock, take a snapshot."""

from __future__ import annotations

from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from simulator.httpv2 import HttpV2Simulator

from .helpers import with_device
from .terminals import ALL_FAMILIES, HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
@pytest.mark.parametrize("platforms", [[Platform.BUTTON]], ids=["button"])
@pytest.mark.usefixtures("frozen_clock", "entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    terminal_in_use: MockConfigEntry,
) -> None:
    """Every button of every family."""
    await snapshot_platform(hass, entity_registry, snapshot, terminal_in_use.entry_id)


async def test_buttons(
    hass: HomeAssistant, simulator: HttpV2Simulator, init_integration: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    for entity_id in (
        f"button.{ENTITY}_restart",
        f"button.{ENTITY}_clear_alarm",
        f"button.{ENTITY}_set_clock",
        f"button.{ENTITY}_take_snapshot",
        f"image.{ENTITY}_camera_snapshot",
    ):
        assert registry.async_get(entity_id).disabled_by is er.RegistryEntryDisabler.INTEGRATION
        registry.async_update_entity(entity_id, disabled_by=None)
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    simulator.raise_alarm("fire")
    await simulator.keepalive_cycle()
    for button in ("clear_alarm", "take_snapshot", "restart", "set_clock"):
        await with_device(
            hass,
            simulator,
            hass.services.async_call(
                "button", "press", {ATTR_ENTITY_ID: f"button.{ENTITY}_{button}"}, blocking=True
            ),
        )
    await hass.async_block_till_done()
    assert (simulator.alarms_cleared, simulator.snapshots, simulator.restarts) == (1, 1, 1)
    assert hass.states.get(f"image.{ENTITY}_camera_snapshot").state != "unknown"
    assert hass.states.get(f"binary_sensor.{ENTITY}_alarm").state == "off"
