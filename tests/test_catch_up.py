"""Catch-up: records that arrive late are kept and shown, but drive nothing automations see.

A record is live when the terminal's own time for it is within the catch-up window (option
`catch_up_after`, two minutes by default) of Home Assistant's clock. Late records (a backlog after
an outage, the log of a terminal just added, a log sent again) reach the bus with
`catch_up: true` and the diagnostics counts, not the door state, the last access, the photo or the
event entities.
"""

from __future__ import annotations

import time

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import CONF_CATCH_UP_AFTER, DOMAIN
from simulator.httpv2 import HttpV2Simulator

from .families.httpv2.device import HttpV2Device
from .helpers import bus_events, wait_until
from .terminals import HTTPV2_SERIAL, KITS, SimulatorFarm

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")
HOUR = 3600


def _shown(hass: HomeAssistant) -> dict[str, str | None]:
    """Return what the entities automations and dashboards read show (None: no such entity)."""
    return {
        entity: state.state if (state := hass.states.get(entity)) else None
        for entity in (
            f"event.{ENTITY}_access",
            f"sensor.{ENTITY}_last_user",
            f"sensor.{ENTITY}_body_temperature",
            f"image.{ENTITY}_last_access_photo",
        )
    }


async def test_a_late_record_is_shown_on_the_bus_only(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    loaded_entry: MockConfigEntry,
) -> None:
    events = bus_events(hass)
    before = _shown(hass)
    # The temperature sensor appears with the first live reading (this terminal announces none).
    assert list(before.values()) == [STATE_UNKNOWN, STATE_UNKNOWN, None, STATE_UNKNOWN]
    # Recorded an hour ago, while Home Assistant could not be reached.
    hour_ago = int(time.time()) - HOUR
    await httpv2_device.record(3, photo=b"\xff\xd8old", RecordDate=hour_ago, BodyTemp=365)
    await hass.async_block_till_done()
    (late,) = events
    assert (late.data["type"], late.data["catch_up"]) == ("access_granted", True)
    assert late.data["user_id"] == "1"
    assert _shown(hass) == before  # no access event, no last user, no photo, no temperature
    # The same record sent again: no second event.
    httpv2_device.next_record_id = 1
    await httpv2_device.record(3, photo=b"\xff\xd8old", RecordDate=hour_ago, BodyTemp=365)
    # A live one drives everything.
    await httpv2_device.record(3, photo=b"\xff\xd8now", UserID="2", Name="Bob", BodyTemp=366)
    await hass.async_block_till_done()
    assert [e.data["catch_up"] for e in events] == [True, False]
    assert hass.states.get(f"event.{ENTITY}_access").attributes["user_id"] == "2"
    assert hass.states.get(f"sensor.{ENTITY}_last_user").state == "Bob"
    temperature = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{HTTPV2_SERIAL}_temperature"
    )
    assert temperature is not None
    assert hass.states.get(temperature).state == "36.6"
    diagnostics = loaded_entry.runtime_data.coordinator.diagnostics()
    assert diagnostics["records"] == {"catch_up": 1, "duplicate": 1, "live": 1}


async def test_a_record_ahead_of_the_clock_is_late_too(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    # A terminal on another time zone dates its records hours ahead.
    events = bus_events(hass)
    await httpv2_device.record(3, RecordDate=int(time.time()) + 8 * HOUR)
    await hass.async_block_till_done()
    assert [e.data["catch_up"] for e in events] == [True]
    assert hass.states.get(f"event.{ENTITY}_access").state == STATE_UNKNOWN


@pytest.mark.parametrize(
    "mock_config_entry", [KITS["httpv2"].entry(**{CONF_CATCH_UP_AFTER: 0})], ids=["off"]
)
async def test_the_rule_can_be_turned_off(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    events = bus_events(hass)
    await httpv2_device.record(3, RecordDate=int(time.time()) - 30 * 86400, UserID="7", Name="Eve")
    await hass.async_block_till_done()
    assert [e.data["catch_up"] for e in events] == [False]
    assert hass.states.get(f"sensor.{ENTITY}_last_user").state == "Eve"


@pytest.mark.parametrize(
    "mock_config_entry", [KITS["httpv2"].entry(**{CONF_CATCH_UP_AFTER: 7200})], ids=["2h"]
)
async def test_a_wider_window(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    events = bus_events(hass)
    await httpv2_device.record(3, RecordDate=int(time.time()) - HOUR)
    await httpv2_device.record(3, RecordDate=int(time.time()) - 3 * HOUR)
    await hass.async_block_till_done()
    assert [e.data["catch_up"] for e in events] == [False, True]


async def test_adding_a_terminal_that_holds_records_replays_none_as_live(
    hass: HomeAssistant, farm: SimulatorFarm
) -> None:
    """The demo's terminal: records made before it was added arrive late, all at once."""
    sim = await KITS["httpv2"].simulator(farm)
    assert isinstance(sim, HttpV2Simulator)
    sim.add_demo_users(2)
    now = int(time.time())
    for minutes in range(12, 0, -1):
        sim.queue_access(3, record_date=now - 60 * minutes - 60)
    events = bus_events(hass)
    entry = KITS["httpv2"].entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(4):
        await sim.keepalive_cycle()
    await wait_until(lambda: len(events) == 12)
    await hass.async_block_till_done()
    assert all(e.data["catch_up"] for e in events)
    assert hass.states.get(f"event.{ENTITY}_access").state == STATE_UNKNOWN
    assert hass.states.get(f"sensor.{ENTITY}_last_user").state == STATE_UNKNOWN
