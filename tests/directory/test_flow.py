"""People and access levels managed in the UI: the directory's subentry forms and options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, SubentryFlowContext
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from simulator.webjson import WebJsonSimulator

from ..helpers import device_id
from .helpers import act

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")


async def subentry_form(
    hass: HomeAssistant,
    entry: DirectoryConfigEntry,
    kind: str,
    answers: dict[str, Any],
    subentry_id: str | None = None,
) -> Any:
    """Open a subentry form (a new one, or reconfigure `subentry_id`) and answer it."""
    context = SubentryFlowContext(source=SOURCE_USER)
    if subentry_id is not None:
        context = SubentryFlowContext(source=SOURCE_RECONFIGURE, subentry_id=subentry_id)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context=context
    )
    assert result["type"] is FlowResultType.FORM
    return await hass.config_entries.subentries.async_configure(result["flow_id"], answers)


def subentry_of(entry: DirectoryConfigEntry, title: str) -> str:
    """Return the id of the subentry titled `title`."""
    return next(s.subentry_id for s in entry.subentries.values() if s.title == title)


async def test_the_directory_is_created_once(hass: HomeAssistant) -> None:
    """The menu's "directory" creates it; a second one is refused."""
    for expected in (FlowResultType.CREATE_ENTRY, FlowResultType.ABORT):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "directory"}
        )
        if result["type"] is FlowResultType.FORM:
            result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["type"] is expected
    assert result["reason"] == "directory_already_configured"


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_people_and_levels_in_the_ui(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """A level and a person added, refused, changed, renamed; the directory follows each."""
    door = f"{device_id(hass, simulator.serial)}:1"
    result = await subentry_form(
        hass,
        directory,
        "access_level",
        {"name": "Mornings", "doors": [door], "schedule": "schedule.nowhere"},
    )
    assert result["errors"] == {"base": "unknown_schedule"}
    assert result["description_placeholders"]["error_entity_id"] == "schedule.nowhere"
    result = await subentry_form(
        hass,
        directory,
        "access_level",
        {"name": "Mornings", "doors": [door], "schedule": "schedule.cleaner"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY

    person = {"person_id": "7", "name": "Cleaner", "access_levels": ["Mornings"], "pin": "1234"}
    result = await subentry_form(hass, directory, "person", person)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await subentry_form(hass, directory, "person", {**person, "name": "Again"})
    assert result["errors"] == {"base": "person_exists"}
    assert result["description_placeholders"]["error_person_id"] == "7"
    result = await subentry_form(hass, directory, "person", {**person, "person_id": "8"})
    assert result["errors"] == {"base": "pin_taken"}

    # Changed: an empty PIN field keeps the PIN; the new name is shown.
    cleaner = subentry_of(directory, "Cleaner")
    result = await subentry_form(
        hass, directory, "person", {"name": "Cleaner Bob", "access_levels": ["Mornings"]}, cleaner
    )
    assert result["reason"] == "reconfigure_successful"
    # A level renamed: its people follow it.
    result = await subentry_form(
        hass,
        directory,
        "access_level",
        {"name": "Early", "doors": [door], "schedule": "schedule.cleaner"},
        subentry_of(directory, "Mornings"),
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    listing = await act(hass, "get_directory")
    assert [(p["person_id"], p["name"], p["access_levels"]) for p in listing["people"]] == [
        ("7", "Cleaner Bob", ["Early"])
    ]
    assert [level["name"] for level in listing["access_levels"]] == ["Early"]
    assert directory.runtime_data.directory.contents.people["7"].pin == "1234"


async def test_directory_options(hass: HomeAssistant, directory: DirectoryConfigEntry) -> None:
    """How often terminals are read back, and when one out of sync becomes a repair."""
    result = await hass.config_entries.options.async_init(directory.entry_id)
    assert result["step_id"] == "directory"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"readback_hours": 12, "repair_after_minutes": 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert directory.options == {"readback_hours": 12, "repair_after_minutes": 30}


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_the_level_form_names_doors_as_people_see_them(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """Doors by the device's name (a person's rename wins), none ticked before anyone picks."""
    device = device_id(hass, simulator.serial)
    dr.async_get(hass).async_update_device(device, name_by_user="Back door")
    result = await hass.config_entries.subentries.async_init(
        (directory.entry_id, "access_level"), context=SubentryFlowContext(source=SOURCE_USER)
    )
    doors = result["data_schema"].schema["doors"]
    assert doors.config["options"] == [{"value": f"{device}:1", "label": "Back door"}]
    marker = next(key for key in result["data_schema"].schema if key == "doors")
    assert marker.default() == []
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"name": "Nowhere"}
    )
    assert result["errors"] == {"base": "no_doors"}
