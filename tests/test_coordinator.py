"""The coordinator: online and offline, and the family's own commands with errors translated."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.access_terminal.const import CONF_OFFLINE_WINDOW
from custom_components.access_terminal.protocols.cloud_ws import CloudWsTerminal
from custom_components.access_terminal.protocols.model import Family

from .families.httpv2.device import HttpV2Device
from .helpers import TestClient
from .terminals import HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")


async def test_goes_offline_and_back(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock = f"lock.{ENTITY}_door_lock"
    connectivity = f"binary_sensor.{ENTITY}_connectivity"
    assert hass.states.get(lock).state == "locked"
    caplog.set_level(logging.INFO)
    for _ in range(3):
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert hass.states.get(lock).state == STATE_UNAVAILABLE
    assert hass.states.get(connectivity).state == "off"
    assert caplog.text.count("is offline") == 1  # logged once, not at every check

    await httpv2_device.keepalive()
    await hass.async_block_till_done()
    assert hass.states.get(lock).state == "locked"
    assert hass.states.get(connectivity).state == "on"


async def test_offline_window_option(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    client: TestClient,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_OFFLINE_WINDOW: 600})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    device = HttpV2Device(client)
    await device.keepalive()
    freezer.tick(timedelta(seconds=300))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"


async def test_not_heard_from_starts_offline(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "off"
    assert hass.states.get(f"lock.{ENTITY}_door_lock").state == STATE_UNAVAILABLE


async def test_offline_window_follows_a_slow_terminal(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The terminal says it calls every two minutes: three missed calls, not 90 s, make it offline.
    await httpv2_device.upload_settings(HTTPClient_KeepaliveTime=120)
    connectivity = f"binary_sensor.{ENTITY}_connectivity"
    for _ in range(5):  # 250 s of silence
        freezer.tick(timedelta(seconds=50))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert hass.states.get(connectivity).state == "on"
    for _ in range(3):  # 400 s
        freezer.tick(timedelta(seconds=50))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert hass.states.get(connectivity).state == "off"


@pytest.mark.parametrize("family", [Family.CLOUD_WS], indirect=True)
async def test_family_commands_through_the_coordinator(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Commands without a service are reached through the coordinator, errors translated."""
    coordinator = init_integration.runtime_data.coordinator
    terminal = coordinator.terminal
    assert isinstance(terminal, CloudWsTerminal)
    holidays = [{"name": "New year", "startday": "01-01", "endday": "01-01"}]
    await coordinator.async_call(terminal.set_holidays(holidays))
    assert await coordinator.async_call(terminal.get_holidays()) == holidays
    with pytest.raises(HomeAssistantError, match="reported error 1"):
        await coordinator.async_call(terminal.get_user_name("999"))
