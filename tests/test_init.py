"""Set-up, unload, removal and persistence across restarts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.families import FAMILIES
from custom_components.access_terminal.protocols.model import Family

from .families.httpv2.device import HttpV2Device
from .helpers import bus_events, registered_entity_id
from .terminals import ALL_FAMILIES, HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
@pytest.mark.usefixtures("frozen_clock")
async def test_device(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    terminal_in_use: MockConfigEntry,
    family: Family,
) -> None:
    """The terminal's device as it describes itself; every entity belongs to it."""
    device = device_registry.async_get_device(identifiers={(DOMAIN, terminal_in_use.unique_id)})
    # A terminal Home Assistant calls links to its own pages (wherever its simulator listens).
    data = terminal_in_use.data
    expected = f"http://{data['host']}:{data['port']}/" if FAMILIES[family].pull else None
    assert device.configuration_url == expected
    assert device == snapshot(exclude=props("configuration_url"))
    entities = er.async_entries_for_config_entry(entity_registry, terminal_in_use.entry_id)
    assert entities
    assert {entity.device_id for entity in entities} == {device.id}


async def test_unload_and_remove(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await httpv2_device.record(3)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    # What the first run handled was saved on unload: the same record sent again is no event.
    events = bus_events(hass)
    httpv2_device.next_record_id = 1
    # Its own date too: a second that ticked in between would make it a cleared terminal's.
    again = await httpv2_device.record(3, RecordDate=httpv2_device.dates[0])
    assert again == {"Success": 1}
    await hass.async_block_till_done()
    assert events == []
    await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert not [key for key in hass_storage if loaded_entry.entry_id in key]


async def test_info_survives_a_restart(
    hass: HomeAssistant, httpv2_device: HttpV2Device, loaded_entry: MockConfigEntry
) -> None:
    assert (
        hass.states.get(registered_entity_id(hass, "sensor", HTTPV2_SERIAL, "temperature"))
        is not None
    )
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    # Before the terminal says anything, its features and firmware are known again.
    assert (
        hass.states.get(registered_entity_id(hass, "sensor", HTTPV2_SERIAL, "temperature"))
        is not None
    )
    assert (
        hass.states.get(registered_entity_id(hass, "sensor", HTTPV2_SERIAL, "usage_users")).state
        == "12"
    )
    registry_device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, HTTPV2_SERIAL)})
    assert registry_device is not None
    assert registry_device.sw_version == "8.46"
    # Heard from a moment ago: still online after the reload.
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"


async def test_saved_on_stop(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    await httpv2_device.record(3)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    data = hass_storage[f"{DOMAIN}.{loaded_entry.entry_id}"]["data"]
    assert data["records"]["cursors"] == {"identify": [1, httpv2_device.dates[0]]}
    assert data["last_seen"] is not None


async def test_saved_periodically_while_busy(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    key = f"{DOMAIN}.{loaded_entry.entry_id}"
    # A record every two seconds for a minute never lets the device go quiet; the record
    # window is still written (within 15-45 s of the first change), with the records so far.
    for _ in range(30):
        await httpv2_device.record(1)
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
    hass: HomeAssistant, httpv2_device: HttpV2Device, loaded_entry: MockConfigEntry
) -> None:
    entities = er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
    assert {entity.unique_id for entity in entities} >= {
        f"{HTTPV2_SERIAL}_door_1_lock",
        f"{HTTPV2_SERIAL}_door_1_contact",
        f"{HTTPV2_SERIAL}_door_1_door_events",
        f"{HTTPV2_SERIAL}_access",
        f"{HTTPV2_SERIAL}_connectivity",
    }
    disabled = {e.unique_id for e in entities if e.disabled_by is not None}
    assert f"{HTTPV2_SERIAL}_usage_faces" in disabled
    assert f"{HTTPV2_SERIAL}_usage_users" not in disabled
