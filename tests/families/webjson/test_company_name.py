"""Settings of Webserver + JSON terminals as configuration entities: the company name."""

from __future__ import annotations

from homeassistant.const import ATTR_ENTITY_ID, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.webjson import WebJsonSimulator
from tests.helpers import poll, registered_entity_id


async def enabled_company_name(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: WebJsonSimulator
) -> str:
    """Enable the (advanced) company name entity and let it be read; return its id."""
    entity_id = registered_entity_id(hass, "text", simulator.serial, "company_name")
    registry = er.async_get(hass)
    entry_of = registry.async_get(entity_id)
    assert entry_of is not None
    assert entry_of.entity_category is EntityCategory.CONFIG
    assert entry_of.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    registry.async_update_entity(entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await poll(hass)
    return entity_id


async def test_company_name_read_and_written(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: WebJsonSimulator
) -> None:
    entity_id = await enabled_company_name(hass, loaded_entry, simulator)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "Simulated Ltd"
    await hass.services.async_call(
        "text", "set_value", {ATTR_ENTITY_ID: entity_id, "value": " Acme Gate 3 "}, blocking=True
    )
    assert simulator.company_name == "Acme Gate 3"
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "Acme Gate 3"


@pytest.mark.parametrize("value", ["two\nlines", "   "])
async def test_company_name_refuses_what_no_screen_shows(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: WebJsonSimulator, value: str
) -> None:
    entity_id = await enabled_company_name(hass, loaded_entry, simulator)
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "text", "set_value", {ATTR_ENTITY_ID: entity_id, "value": value}, blocking=True
        )
    assert caught.value.translation_key == "invalid_request"
    with pytest.raises(ValueError, match="64"):  # longer than the entity takes
        await hass.services.async_call(
            "text", "set_value", {ATTR_ENTITY_ID: entity_id, "value": "x" * 65}, blocking=True
        )
    assert simulator.company_name == "Simulated Ltd"
