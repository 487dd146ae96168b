"""HTTPv2 work settings as configuration entities, and the erasing and elevator actions, end to end.

The simulator uploads its work settings and obeys what DownloadWorkSetting and RemoteCommand
bring; Home Assistant runs its real HTTP app.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.access_terminal.const import DOMAIN
from simulator.httpv2 import HttpV2Simulator
from tests.helpers import device_id, registered_entity_id, with_device
from tests.terminals import HTTPV2_SERIAL

SERIAL = HTTPV2_SERIAL

pytestmark = pytest.mark.usefixtures("init_integration")


def entity(hass: HomeAssistant, platform: str, key: str) -> str:
    return registered_entity_id(hass, platform, SERIAL, key)


async def test_settings_shown_as_the_terminal_holds_them(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    assert hass.states.get(entity(hass, "number", "door_1_unlock_time")).state == "1"
    assert hass.states.get(entity(hass, "number", "volume")).state == "60"
    assert hass.states.get(entity(hass, "switch", "door_1_held_open_alarm")).state == "off"
    # Rarely changed ones are there, disabled until someone enables them.
    for platform, key in (
        ("time", "daily_restart_time"),
        ("switch", "tamper_alarm"),
        ("text", "screen_message"),
        ("number", "display_brightness"),
    ):
        rare = er.async_get(hass).async_get(entity(hass, platform, key))
        assert rare is not None
        assert rare.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert rare.entity_category is not None


async def test_unlock_time_reaches_the_door(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    unlock = entity(hass, "number", "door_1_unlock_time")
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            "number", "set_value", {"entity_id": unlock, "value": 2}, blocking=True
        ),
    )
    assert simulator.settings["ReleaseTime"] == 2
    assert simulator.release_time == 2  # the relay now stays energised 2 s per opening
    assert hass.states.get(unlock).state == "2"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_tamper_alarm_switched_off(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    tamper = entity(hass, "switch", "tamper_alarm")
    assert hass.states.get(tamper).state == "on"
    await with_device(
        hass,
        simulator,
        hass.services.async_call("switch", "turn_off", {"entity_id": tamper}, blocking=True),
    )
    assert simulator.settings["AntiDisassemblyAlarm"] == 0
    assert hass.states.get(tamper).state == "off"
    simulator.raise_alarm("anti")  # someone opens the case: no alarm any more
    assert simulator.alarms == []


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_screen_message_written(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    message = entity(hass, "text", "screen_message")
    assert hass.states.get(message).state == ""
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            "text", "set_value", {"entity_id": message, "value": "欢迎光临"}, blocking=True
        ),
    )
    assert simulator.settings["ShortMessage"] == "欢迎光临"
    assert hass.states.get(message).state == "欢迎光临"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_screen_message_cleared(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    message = entity(hass, "text", "screen_message")
    for value in ("Closed today", ""):
        await with_device(
            hass,
            simulator,
            hass.services.async_call(
                "text", "set_value", {"entity_id": message, "value": value}, blocking=True
            ),
        )
        assert simulator.settings["ShortMessage"] == value
        assert hass.states.get(message).state == value


async def test_a_value_the_terminal_cannot_take_is_refused(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    volume = entity(hass, "number", "volume")
    commands = len(simulator.remote_commands)
    with pytest.raises(ServiceValidationError) as err:
        # The terminal has 11 volume steps (0-10): 55 % is not one of them.
        await hass.services.async_call(
            "number", "set_value", {"entity_id": volume, "value": 55}, blocking=True
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "invalid_request"
    reply = await simulator.keepalive_cycle()
    assert reply is not None
    assert "SyncParameter" not in reply  # nothing was queued
    assert simulator.settings["Volume"] == 6
    assert len(simulator.remote_commands) == commands
    assert hass.states.get(volume).state == "60"


async def test_settings_unavailable_while_offline(
    hass: HomeAssistant, simulator: HttpV2Simulator, freezer: FrozenDateTimeFactory
) -> None:
    volume = entity(hass, "number", "volume")
    freezer.tick(timedelta(hours=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(volume).state == STATE_UNAVAILABLE
    # Home Assistant leaves an unavailable entity out of the action: nothing is queued.
    await hass.services.async_call(
        "number", "set_value", {"entity_id": volume, "value": 50}, blocking=True
    )
    reply = await simulator.keepalive_cycle()  # the terminal is back
    assert reply is not None
    assert "SyncParameter" not in reply
    assert simulator.settings["Volume"] == 6
    await hass.async_block_till_done()
    assert hass.states.get(volume).state == "60"


async def test_factory_reset_erases_the_terminal(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    simulator.add_demo_users(3)
    simulator.queue_access(3, 1, photo=None)
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN,
            "factory_reset",
            {"device_id": device_id(hass, SERIAL), "confirm": True},
            blocking=True,
        ),
    )
    assert simulator.users == {}
    assert simulator.pending_records == []


async def test_elevator_floors_driven(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    data = {"device_id": device_id(hass, SERIAL), "floors": [2, 3], "mode": "hold_open"}
    # Elevator control is off at the terminal: there are no floors to drive.
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(DOMAIN, "elevator_floors", data, blocking=True)
    simulator.settings["UseElevator"] = 1  # the installer wires the elevator
    await simulator.upload_work_setting()
    await with_device(
        hass, simulator, hass.services.async_call(DOMAIN, "elevator_floors", data, blocking=True)
    )
    assert simulator.elevator_ports == {2: "held_open", 3: "held_open"}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "elevator_floors", {**data, "floors": [9]}, blocking=True
        )
    assert err.value.translation_key == "invalid_request"


async def test_wiegand_format_chosen(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    wiegand = entity(hass, "select", "wiegand_format")
    er.async_get(hass).async_update_entity(wiegand, disabled_by=None)
    await hass.config_entries.async_reload(simulator_entry(hass).entry_id)
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    assert hass.states.get(wiegand).state == "wiegand_26"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "select", "select_option", {"entity_id": wiegand, "option": "wiegand_66"}, blocking=True
        )
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            "select", "select_option", {"entity_id": wiegand, "option": "wiegand_34"}, blocking=True
        ),
    )
    assert simulator.settings["WgFormat"] == 34
    assert simulator.settings["CardBytes"] == 4  # the rest of the group as the terminal had it
    assert hass.states.get(wiegand).state == "wiegand_34"


def simulator_entry(hass: HomeAssistant) -> ConfigEntry:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return entry


async def test_run_counters_as_diagnostic_sensors(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    registry = er.async_get(hass)
    keys = ("last_boot", "days_running", "watchdog_resets", "storage_formats")
    for key in keys:
        registry.async_update_entity(entity(hass, "sensor", key), disabled_by=None)
    simulator.settings.update({"RunDays": 3, "WatchDogCount": 2, "FormatCount": 0})
    await hass.config_entries.async_reload(simulator_entry(hass).entry_id)
    await simulator.upload_work_setting()
    await hass.async_block_till_done()
    states = {key: hass.states.get(entity(hass, "sensor", key)) for key in keys}
    assert states["days_running"].state == "3"
    assert states["watchdog_resets"].state == "2"
    assert states["storage_formats"].state == "0"
    boot = dt_util.parse_datetime(states["last_boot"].state)
    assert boot is not None
    assert boot.timestamp() == simulator.settings["BootTime"]
