"""Binary sensors: door contact per door, connectivity, alarm and tamper."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from .families.httpv2.device import HttpV2Device
from .terminals import ALL_FAMILIES, HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
@pytest.mark.parametrize("platforms", [[Platform.BINARY_SENSOR]], ids=["binary_sensor"])
@pytest.mark.usefixtures("frozen_clock", "entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    terminal_in_use: MockConfigEntry,
) -> None:
    """Every binary sensor of every family, after the terminal was used."""
    await snapshot_platform(hass, entity_registry, snapshot, terminal_in_use.entry_id)


async def test_door_contact(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    await httpv2_device.keepalive(DoorSensorStatus=1, RelayStatus=1)
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{ENTITY}_door").state == "on"


async def test_alarms(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    await httpv2_device.keepalive(AlarmStatus="fire,openTimeout")
    await hass.async_block_till_done()
    alarm = hass.states.get(f"binary_sensor.{ENTITY}_alarm")
    assert alarm is not None
    assert (alarm.state, alarm.attributes["alarms"]) == ("on", ["fire", "held_open"])
    assert hass.states.get(f"binary_sensor.{ENTITY}_tamper").state == "off"
    await httpv2_device.keepalive(AlarmStatus="")
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{ENTITY}_alarm").state == "off"
