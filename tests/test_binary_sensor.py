"""Binary sensors: door contact per door, connectivity, alarm and tamper."""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from .families.httpv2.device import HttpV2Device
from .terminals import HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")


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
