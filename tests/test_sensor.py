"""Sensors: who came in last, how and when, body temperature, storage usage."""

from __future__ import annotations

from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.access_terminal.protocols.model import Family
from simulator.zk_push import VERIFY_FACE, ZkPushSimulator

from .families.httpv2.device import HttpV2Device
from .helpers import registered_entity_id
from .terminals import ALL_FAMILIES, HTTPV2_SERIAL, ZK_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]], ids=["sensor"])
@pytest.mark.usefixtures("frozen_clock", "entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    terminal_in_use: MockConfigEntry,
) -> None:
    """Every sensor of every family, after the terminal was used."""
    await snapshot_platform(hass, entity_registry, snapshot, terminal_in_use.entry_id)


async def test_temperature_and_last_access(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    assert hass.states.get(f"sensor.{ENTITY}_last_user").state == STATE_UNKNOWN
    await httpv2_device.record(3, UserID="9", Name="Bob", BodyTemp=368, IsEntry=0)
    await hass.async_block_till_done()
    assert (
        hass.states.get(registered_entity_id(hass, "sensor", HTTPV2_SERIAL, "temperature")).state
        == "36.8"
    )
    assert hass.states.get(f"sensor.{ENTITY}_last_user").state == "Bob"
    last = hass.states.get(f"sensor.{ENTITY}_last_access")
    assert last is not None
    assert last.state == dt_util.utc_from_timestamp(httpv2_device.dates[0]).isoformat()
    assert last.attributes["result"] == "access_granted"
    access = hass.states.get(f"event.{ENTITY}_access")
    assert access is not None
    assert access.attributes["direction"] == "out"
    assert access.attributes["temperature"] == 36.8


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_usage_sensor_capacity(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    users = hass.states.get(registered_entity_id(hass, "sensor", HTTPV2_SERIAL, "usage_users"))
    assert users is not None
    assert (users.state, users.attributes["capacity"]) == ("12", 20000)
    assert (
        hass.states.get(registered_entity_id(hass, "sensor", HTTPV2_SERIAL, "usage_logs")).state
        == "345"
    )


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_temperature_appears_with_the_first_reading(
    hass: HomeAssistant, simulator: ZkPushSimulator, loaded_entry: MockConfigEntry
) -> None:
    """One rule for every family: a thermometer not announced still shows its readings."""
    assert simulator.options.get("IRTempDetectionFunOn", "0") == "0"
    temperature = f"sensor.{ZK_SERIAL.lower()}_body_temperature"
    assert hass.states.get(temperature) is None
    simulator.add_demo_users(1)
    simulator.queue_event(0, "1", door=1, verify=VERIFY_FACE, temperature=36.9)
    await simulator.cycle()
    await hass.async_block_till_done()
    assert hass.states.get(temperature).state == "36.9"
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(temperature) is not None  # remembered
