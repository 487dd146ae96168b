"""Binary sensors: door contact per door, connectivity, alarm and tamper."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from .families.httpv2.device import HttpV2Device
from .terminals import ALL_FAMILIES, HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")
DOOR_RECORDS = 1  # HTTPv2 UploadSystemRecord RecordType: door records
DOOR_OPENED, DOOR_CLOSED = 1, 2


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


async def test_door_contact_moves_with_the_door_records(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    """A door record tells of the opening at once (the status comes only at keep-alives)."""
    door = f"binary_sensor.{ENTITY}_door"
    now = int(dt_util.utcnow().timestamp())
    await httpv2_device.post_json(
        "/Record/UploadSystemRecord",
        {
            "SN": HTTPV2_SERIAL,
            "RecordType": DOOR_RECORDS,
            "Records": [{"RecordID": 1, "RecordType": DOOR_OPENED, "RecordDate": now}],
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get(door).state == "on"
    # A record of long ago (sent after an outage) is history, not the door's state.
    await httpv2_device.post_json(
        "/Record/UploadSystemRecord",
        {
            "SN": HTTPV2_SERIAL,
            "RecordType": DOOR_RECORDS,
            "Records": [{"RecordID": 2, "RecordType": DOOR_CLOSED, "RecordDate": now - 3600}],
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get(door).state == "on"
    await httpv2_device.keepalive(DoorSensorStatus=0)
    await hass.async_block_till_done()
    assert hass.states.get(door).state == "off"


async def test_last_seen_follows_the_calls(
    hass: HomeAssistant, httpv2_device: HttpV2Device, freezer: FrozenDateTimeFactory
) -> None:
    """A terminal calling every few seconds: last_seen is never more than a minute behind."""
    connectivity = f"binary_sensor.{ENTITY}_connectivity"
    first = hass.states.get(connectivity).attributes["last_seen"]
    for _ in range(9):  # 90 s of calls every 10 s
        freezer.tick(10)
        await httpv2_device.keepalive()
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    last_seen = dt_util.parse_datetime(hass.states.get(connectivity).attributes["last_seen"])
    assert last_seen is not None
    assert hass.states.get(connectivity).attributes["last_seen"] != first
    assert (dt_util.utcnow() - last_seen).total_seconds() <= 70
