"""Bad input to the directory's actions: a clear translated error, and nothing changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from simulator.httpv2 import HttpV2Simulator

from ..helpers import device_id
from .helpers import TUESDAY, act, at

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")


async def refused(hass: HomeAssistant, service: str, **data: Any) -> str:
    """Call an action that must be refused; return the translation key, checking nothing moved."""
    before = await act(hass, "get_directory")
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, service, **data)
    assert await act(hass, "get_directory") == before
    key = err.value.translation_key
    assert key is not None
    return key


async def base(hass: HomeAssistant, serial: str) -> dict[str, Any]:
    """A level "Front" (door 1, always) and person 7 with it; return the door."""
    door = {"device_id": device_id(hass, serial)}
    await act(hass, "set_access_level", name="Front", doors=[door])
    await act(hass, "set_person", person_id="7", name="Cleaner", cards=["1234"], pin="4321")
    return door


@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_bad_levels_are_refused(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """Unknown schedule or calendar, a door the terminal lacks, an unknown terminal, a clash."""
    door = await base(hass, simulator.serial)
    cases = {
        "unknown_schedule": {"name": "A", "doors": [door], "schedule": "schedule.nowhere"},
        "unknown_calendar": {"name": "A", "doors": [door], "holiday_calendar": "calendar.none"},
        "unknown_door": {"name": "A", "doors": [{**door, "door": 2}]},
        "unknown_terminal": {"name": "A", "doors": [{"device_id": "not-a-device"}]},
        "invalid_date": {"name": "A", "doors": [door], "holiday_dates": ["Tuesday"]},
        "level_exists": {"name": "B", "rename_to": "front", "doors": [door]},
    }
    await act(hass, "set_access_level", name="B", doors=[door])
    for key, data in cases.items():
        assert await refused(hass, "set_access_level", **data) == key
    assert await refused(hass, "delete_access_level", name="Nowhere") == "unknown_level"
    await act(hass, "set_person", person_id="7", access_levels=["B"])
    assert await refused(hass, "delete_access_level", name="b") == "level_in_use"


@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_bad_people_are_refused(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    tmp_path: Path,
) -> None:
    """Ids taken, credentials shared, unknown levels and people, photos that are not JPEGs."""
    await base(hass, simulator.serial)
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "access_terminal").mkdir()
    (tmp_path / "access_terminal" / "face.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    created = await act(
        hass, "create_pass", name="Visitor", access_levels=["Front"], valid_until=at(TUESDAY, 18)
    )
    visitor = created["person_id"]
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "card_taken": ("set_person", {"person_id": "8", "name": "B", "cards": ["1234"]}),
        "pin_taken": ("set_person", {"person_id": "8", "name": "B", "pin": "4321"}),
        "unknown_level": ("set_person", {"person_id": "8", "name": "B", "access_levels": ["X"]}),
        "name_required": ("set_person", {"person_id": "8"}),
        "invalid_person_id": ("set_person", {"person_id": "seven", "name": "B"}),
        "invalid_validity": (
            "set_person",
            {
                "person_id": "8",
                "name": "B",
                "valid_from": at(TUESDAY, 12),
                "valid_until": at(TUESDAY, 11),
            },
        ),
        "unknown_ha_person": (
            "set_person",
            {"person_id": "8", "name": "B", "ha_person": "person.nobody"},
        ),
        "photo_not_jpeg": (
            "set_person",
            {"person_id": "8", "name": "B", "photo": "access_terminal/face.png"},
        ),
        "id_taken_by_pass": ("set_person", {"person_id": visitor, "name": "B"}),
        "id_taken_by_person": (
            "create_pass",
            {
                "name": "V",
                "person_id": "7",
                "access_levels": ["Front"],
                "valid_until": at(TUESDAY, 18),
            },
        ),
        "unknown_person": ("delete_person", {"person_id": ["99"]}),
        "unknown_pass": ("revoke_pass", {"person_id": "7"}),
    }
    for key, (service, data) in cases.items():
        assert await refused(hass, service, **data) == key, key


@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_more_levels_than_the_terminal_holds(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """A terminal with two time groups (one is "always"): a second schedule does not fit."""
    init_integration.runtime_data.coordinator.terminal._time_groups = 2
    door = await base(hass, simulator.serial)
    await act(hass, "set_access_level", name="Mornings", doors=[door], schedule="schedule.cleaner")
    await act(hass, "set_access_level", name="Evenings", doors=[door], schedule="schedule.evenings")
    await act(hass, "set_person", person_id="7", access_levels=["Mornings"])
    key = await refused(hass, "set_person", person_id="8", name="Late", access_levels=["Evenings"])
    assert key == "too_many_levels"
