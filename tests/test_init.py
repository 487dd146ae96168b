"""Set-up, unload, persistence across restarts and offline detection."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.access_terminal.const import CONF_OFFLINE_WINDOW, DOMAIN

from .helpers import SERIAL, HttpV2Device, bus_events

ENTITY = SERIAL.lower().replace("-", "_")


async def test_unload_and_remove(
    hass: HomeAssistant,
    device: HttpV2Device,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await device.record(3)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    # What the first run handled was saved on unload: the same record sent again is no event.
    events = bus_events(hass)
    device.next_record_id = 1
    assert await device.record(3) == {"Success": 1}
    await hass.async_block_till_done()
    assert events == []
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert not [key for key in hass_storage if init_integration.entry_id in key]


async def test_info_survives_a_restart(
    hass: HomeAssistant, device: HttpV2Device, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get(f"sensor.{ENTITY}_body_temperature") is not None
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    # Before the terminal says anything, its features and firmware are known again.
    assert hass.states.get(f"sensor.{ENTITY}_body_temperature") is not None
    assert hass.states.get(f"sensor.{ENTITY}_users").state == "12"
    registry_device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, SERIAL)})
    assert registry_device is not None
    assert registry_device.sw_version == "8.46"
    # Heard from a moment ago: still online after the reload.
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"


async def test_goes_offline_and_back(
    hass: HomeAssistant,
    device: HttpV2Device,
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

    await device.keepalive()
    await hass.async_block_till_done()
    assert hass.states.get(lock).state == "locked"
    assert hass.states.get(connectivity).state == "on"


async def test_offline_window_option(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    client: object,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_OFFLINE_WINDOW: 600})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    device = HttpV2Device(client)  # type: ignore[arg-type]
    await device.keepalive()
    freezer.tick(timedelta(seconds=300))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"


async def test_not_heard_from_starts_offline(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "off"
    assert hass.states.get(f"lock.{ENTITY}_door_lock").state == STATE_UNAVAILABLE


async def test_saved_on_stop(
    hass: HomeAssistant,
    device: HttpV2Device,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await device.record(3)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    data = hass_storage[f"{DOMAIN}.{init_integration.entry_id}"]["data"]
    assert data["records"]["cursors"] == {"identify": [1, 1718616772]}
    assert data["last_seen"] is not None


async def test_saved_periodically_while_busy(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    device: HttpV2Device,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    key = f"{DOMAIN}.{init_integration.entry_id}"
    # A record every two seconds for a minute never lets the device go quiet; the record
    # window is still written (within 15-45 s of the first change), with the records so far.
    for _ in range(30):
        await device.record(1)
        freezer.tick(timedelta(seconds=2))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert key in hass_storage
    assert hass_storage[key]["data"]["records"]["cursors"]["identify"][0] >= 7


async def test_garbage_in_storage_is_ignored(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.{mock_config_entry.entry_id}",
        "data": {
            "info": {"family": "nonsense"},
            "records": {"cursors": {"a": "b"}, "windows": {"a": [[1, "x"], 7]}},
            "last_seen": "not a date",
        },
    }
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.LOADED


async def test_entities_have_unique_ids_and_device(
    hass: HomeAssistant, device: HttpV2Device, init_integration: MockConfigEntry
) -> None:
    entities = er.async_entries_for_config_entry(er.async_get(hass), init_integration.entry_id)
    assert {entity.unique_id for entity in entities} >= {
        f"{SERIAL}_door_1_lock",
        f"{SERIAL}_door_1_contact",
        f"{SERIAL}_door_1_door_events",
        f"{SERIAL}_access",
        f"{SERIAL}_connectivity",
    }
    disabled = {e.unique_id for e in entities if e.disabled_by is not None}
    assert f"{SERIAL}_usage_faces" in disabled
    assert f"{SERIAL}_usage_users" not in disabled


async def test_offline_window_follows_a_slow_terminal(
    hass: HomeAssistant,
    device: HttpV2Device,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The terminal says it calls every two minutes: three missed calls, not 90 s, make it offline.
    await device.upload_settings(HTTPClient_KeepaliveTime=120)
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
