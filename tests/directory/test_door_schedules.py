"""Door schedules: doors the terminals keep unlocked by themselves during a schedule's blocks.

The form and the actions check them like access levels; the directory compiles them with the
people's rules for terminals that keep normally-open periods, and raises a repair for the others.
"""

from __future__ import annotations

from datetime import date

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.directory.model import DirectoryError, DoorSchedule
from custom_components.access_terminal.protocols.access import DoorSchedules, Interval
from custom_components.access_terminal.protocols.model import Family
from simulator.webjson import WebJsonSimulator

from ..helpers import device_id
from .conftest import Converge
from .helpers import HOLIDAY, act
from .test_flow import subentry_form, subentry_of

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")

TUESDAY_MORNING = (Interval(9 * 60, 12 * 60),)
TUESDAY_EVENING = (Interval(17 * 60, 20 * 60),)


def test_a_door_schedule_needs_a_schedule() -> None:
    door = {"device_id": "abc", "door": 2}
    with pytest.raises(DirectoryError) as err:
        DoorSchedule.from_data({"name": "Shop", "doors": [door]})
    assert err.value.key == "schedule_required"
    schedule = DoorSchedule.from_data(
        {"name": "Shop", "doors": [door], "schedule": "schedule.cleaner"}
    )
    assert schedule.unique_id == "door_schedule_shop"
    assert DoorSchedule.from_data(schedule.as_data()) == schedule


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_door_schedules_in_the_ui_and_by_action(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """Added, refused, renamed in the form; set, merged and deleted by actions."""
    terminal = device_id(hass, simulator.serial)
    door = f"{terminal}:1"
    # The form itself requires the schedule (the frontend cannot send the form without one).
    with pytest.raises(InvalidData):
        await subentry_form(hass, directory, "door_schedule", {"name": "Shop", "doors": [door]})
    result = await subentry_form(
        hass,
        directory,
        "door_schedule",
        {"name": "Shop", "doors": [door], "schedule": "schedule.cleaner"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    result = await subentry_form(
        hass,
        directory,
        "door_schedule",
        {"name": "shop", "doors": [door], "schedule": "schedule.evenings"},
    )
    assert result["errors"] == {"base": "door_schedule_exists"}
    # An access level may have the same name: they are different things.
    await act(hass, "set_access_level", name="Shop", doors=[{"device_id": terminal}])
    result = await subentry_form(
        hass,
        directory,
        "door_schedule",
        {"name": "Shop hours", "doors": [door], "schedule": "schedule.cleaner"},
        subentry_of(directory, "Shop"),
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    listing = await act(hass, "get_directory")
    assert [s["name"] for s in listing["door_schedules"]] == ["Shop hours"]
    assert [level["name"] for level in listing["access_levels"]] == ["Shop"]

    await act(
        hass,
        "set_door_schedule",
        name="Late opening",
        doors=[{"device_id": terminal}],
        schedule="schedule.evenings",
        holiday_dates=[HOLIDAY.isoformat()],
    )
    runtime = directory.runtime_data.directory
    free = runtime.door_schedules(terminal).free_open
    assert list(free) == [1]
    tuesday = free[1].week[date(2025, 1, 14).weekday()]
    assert tuesday == TUESDAY_MORNING + TUESDAY_EVENING
    # On its holiday, the late opening keeps the door locked (no holiday schedule); the other
    # schedule, without holidays, still frees it in the morning.
    assert free[1].on(HOLIDAY) == TUESDAY_MORNING
    assert runtime.door_schedules("another terminal") == DoorSchedules()

    await act(hass, "delete_door_schedule", name="Late opening")
    assert list(runtime.contents.door_schedules) == ["shop hours"]
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "delete_door_schedule", name="Late opening")
    assert err.value.translation_key == "unknown_door_schedule"
    with pytest.raises(ServiceValidationError) as err:
        await act(
            hass,
            "set_door_schedule",
            name="Nowhere",
            doors=[{"device_id": terminal, "door": 3}],
            schedule="schedule.cleaner",
        )
    assert err.value.translation_key == "unknown_door"


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_a_terminal_without_door_schedules_says_so(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Nothing is faked: the terminal's sync state and a repair say the schedule is not kept."""
    coordinator = init_integration.runtime_data.coordinator
    profile = coordinator.terminal.access_profile
    assert profile is not None
    if profile.free_open:
        pytest.skip("this family keeps door schedules now: the repair is for the others")
    await act(
        hass,
        "set_door_schedule",
        name="Shop",
        doors=[{"device_id": device_id(hass, simulator.serial)}],
        schedule="schedule.cleaner",
    )
    await converge((init_integration, simulator))
    registry = ir.async_get(hass)
    assert registry.async_get_issue(DOMAIN, f"cannot_hold_free_open_{simulator.serial}")
    assert "free_open" in coordinator.data.access_sync.shortfalls
    await act(hass, "delete_door_schedule", name="Shop")
    await converge((init_integration, simulator))
    assert not registry.async_get_issue(DOMAIN, f"cannot_hold_free_open_{simulator.serial}")
