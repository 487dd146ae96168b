"""What each platform shows, driven by raw device requests."""

from __future__ import annotations

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
import pytest

from .helpers import SERIAL, HttpV2Device, bus_events

ENTITY = SERIAL.lower().replace("-", "_")


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


async def test_door_contact_and_lock_modes(hass: HomeAssistant, device: HttpV2Device) -> None:
    await device.keepalive(DoorSensorStatus=1, RelayStatus=1)
    await hass.async_block_till_done()
    assert state(hass, f"binary_sensor.{ENTITY}_door") == "on"
    assert state(hass, f"lock.{ENTITY}_door_lock") == "open"
    await device.keepalive(KeepOpenStatus=1, RelayStatus=1)
    await hass.async_block_till_done()
    assert state(hass, f"lock.{ENTITY}_door_lock") == "unlocked"
    await device.keepalive(LockDoorStatus=1)
    await hass.async_block_till_done()
    lock = hass.states.get(f"lock.{ENTITY}_door_lock")
    assert lock is not None
    assert (lock.state, lock.attributes["locked_out"]) == ("locked", True)


async def test_alarms(hass: HomeAssistant, device: HttpV2Device) -> None:
    await device.keepalive(AlarmStatus="fire,openTimeout")
    await hass.async_block_till_done()
    alarm = hass.states.get(f"binary_sensor.{ENTITY}_alarm")
    assert alarm is not None
    assert (alarm.state, alarm.attributes["alarms"]) == ("on", ["fire", "held_open"])
    assert state(hass, f"binary_sensor.{ENTITY}_tamper") == "off"
    await device.keepalive(AlarmStatus="")
    await hass.async_block_till_done()
    assert state(hass, f"binary_sensor.{ENTITY}_alarm") == "off"


async def test_temperature_and_last_access(hass: HomeAssistant, device: HttpV2Device) -> None:
    assert state(hass, f"sensor.{ENTITY}_last_user") == STATE_UNKNOWN
    await device.record(3, UserID="9", Name="Bob", BodyTemp=368, IsEntry=0)
    await hass.async_block_till_done()
    assert state(hass, f"sensor.{ENTITY}_body_temperature") == "36.8"
    assert state(hass, f"sensor.{ENTITY}_last_user") == "Bob"
    last = hass.states.get(f"sensor.{ENTITY}_last_access")
    assert last is not None
    assert last.state == "2024-06-17T09:32:52+00:00"
    assert last.attributes["result"] == "access_granted"
    access = hass.states.get(f"event.{ENTITY}_access")
    assert access is not None
    assert access.attributes["direction"] == "out"
    assert access.attributes["temperature"] == 36.8


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_usage_sensor_capacity(hass: HomeAssistant, device: HttpV2Device) -> None:
    users = hass.states.get(f"sensor.{ENTITY}_users")
    assert users is not None
    assert (users.state, users.attributes["capacity"]) == ("12", 20000)
    assert state(hass, f"sensor.{ENTITY}_access_records") == "345"


async def test_event_streams(hass: HomeAssistant, device: HttpV2Device) -> None:
    events = bus_events(hass)
    await device.system_records(1, 6)  # exit button
    await device.system_records(2, 15, 20, 27, 29, first_id=10)  # forced, tamper, cleared, none
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
    assert bus["serial"] == SERIAL
    assert bus["device_id"]
    assert bus["config_entry_id"]


async def test_photo_stays_viewable_offline(hass: HomeAssistant, device: HttpV2Device) -> None:
    await device.record(3, photo=b"\xff\xd8\xff\xe0face")
    await hass.async_block_till_done()
    photo = hass.states.get(f"image.{ENTITY}_last_access_photo")
    assert photo is not None
    assert photo.state != STATE_UNKNOWN


async def test_event_keeps_the_terminals_own_time(
    hass: HomeAssistant, device: HttpV2Device
) -> None:
    await device.record(3, RecordDate=1700000000)  # recorded while Home Assistant was away
    await hass.async_block_till_done()
    access = hass.states.get(f"event.{ENTITY}_access")
    assert access is not None
    assert access.attributes["time"] == "2023-11-14T22:13:20+00:00"
    assert access.state != access.attributes["time"]


async def test_free_pass_card_and_refused_exit_button(
    hass: HomeAssistant, device: HttpV2Device
) -> None:
    events = bus_events(hass)
    await device.record(25, UserID="12345678", Name="")  # no verification: the card's number
    await device.system_records(1, 7, first_id=50)  # exit button while locked: door stays shut
    await device.system_records(2, 9, first_id=60)  # lock-out released: nothing unlocked
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["user_id"], e.data["card_number"]) for e in events] == [
        ("access_granted", None, "12345678"),
        ("access_denied", None, None),
    ]
    assert events[1].data["reason"] == "locked"
    assert events[1].data["methods"] == ["button"]
