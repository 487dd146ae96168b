"""Event entities: access, door (per door), alarm and admin streams, and the bus event."""

from __future__ import annotations

import time

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.access_terminal.protocols.model import Family
from simulator.control_api import ControlApiSimulator

from .families.httpv2.device import HttpV2Device
from .helpers import bus_events, poll
from .terminals import ALL_FAMILIES, HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
@pytest.mark.parametrize("platforms", [[Platform.EVENT]], ids=["event"])
@pytest.mark.usefixtures("frozen_clock", "entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    terminal_in_use: MockConfigEntry,
) -> None:
    """Every event entity of every family, after the terminal was used."""
    await snapshot_platform(hass, entity_registry, snapshot, terminal_in_use.entry_id)


async def test_event_streams(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    device = httpv2_device
    events = bus_events(hass)
    await device.system_records(1, 6)  # exit button
    await device.system_records(2, 15, 20, 27, 28, first_id=10)  # forced, tamper, cleared, none
    await device.record(33, UserID="4", Name="Dan")  # user added in the menu
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["reason"]) for e in events] == [
        ("exit_button", None),
        ("door_forced_open", None),
        ("alarm", "forced"),
        ("alarm", "tamper"),
        ("alarm_cleared", "tamper"),
        ("user_added", None),
    ]
    door = hass.states.get(f"event.{ENTITY}_door_events")
    alarm = hass.states.get(f"event.{ENTITY}_alarm_events")
    admin = hass.states.get(f"event.{ENTITY}_admin_events")
    assert door is not None
    assert alarm is not None
    assert admin is not None
    assert door.attributes["event_type"] == "door_forced_open"
    assert (alarm.attributes["event_type"], alarm.attributes["reason"]) == (
        "alarm_cleared",
        "tamper",
    )
    assert admin.attributes["user_name"] == "Dan"
    bus = events[0].data
    assert bus["serial"] == HTTPV2_SERIAL
    assert bus["device_id"]
    assert bus["config_entry_id"]


async def test_event_keeps_the_terminals_own_time(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    # Recorded a minute ago (the terminal uploads with a delay): live, with its own time.
    recorded = int(time.time()) - 60
    await httpv2_device.record(3, RecordDate=recorded)
    await hass.async_block_till_done()
    access = hass.states.get(f"event.{ENTITY}_access")
    assert access is not None
    assert access.attributes["time"] == dt_util.utc_from_timestamp(recorded).isoformat()
    assert access.state != access.attributes["time"]


@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_events_of_a_terminal_without_doors_name_no_door(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    """An attendance terminal has no door: its punches do not say "door 1"."""
    events = bus_events(hass)
    simulator.punch("1")
    await poll(hass)
    assert events[-1].data["door"] is None
    access = hass.states.get(f"event.{simulator.serial.lower()}_access")
    assert "door" not in access.attributes
