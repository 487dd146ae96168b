"""Verification modes by period: "card alone by day, card and PIN at night".

A door schedule with a door mode locks its doors during the schedule and opens them only to that
verification; an access level with a verification mode asks it of its people at its doors
during its schedule. A ZK controller holds both (DiffTimezoneVS with DoorVSTimezone or
PersonalVSTimezone) and decides alone; the other terminals refuse the people concerned during
those periods, and say so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SubentryFlowContext
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.directory.model import (
    AccessLevel,
    DirectoryError,
    DoorSchedule,
)
from custom_components.access_terminal.protocols.model import Family
from simulator import access_rules as outcome
from simulator.zk_push import VERIFY_CARD, ZkPushSimulator
from simulator.zk_push_access import EVENT_OPENED, EVENT_WRONG_VERIFY_MODE

from ..helpers import device_id
from ..terminals import ALL_FAMILIES, Simulator
from .conftest import Converge
from .helpers import TUESDAY, act, at
from .test_enforcement import local_time_is_utc, present, stop_home_assistant
from .test_flow import subentry_form, subentry_of

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")

CARD_AND_PASSWORD = 11  # Appendix 3


async def _person_with_card(
    hass: HomeAssistant, terminal: str, doors: list[int], *levels: str
) -> None:
    """Level "Everywhere" on `doors`; person 7 with a card and a PIN, on it and on `levels`."""
    await act(
        hass,
        "set_access_level",
        name="Everywhere",
        doors=[{"device_id": terminal, "door": door} for door in doors],
    )
    await act(
        hass,
        "set_person",
        person_id="7",
        name="Cleaner",
        cards=["1234"],
        pin="4321",
        access_levels=["Everywhere", *levels],
    )


async def _card_and_pin_when_cleaning(hass: HomeAssistant, terminal: str, door: int) -> None:
    """Door schedule "Cleaning": `door` asks card and PIN in the cleaner's hours."""
    await act(
        hass,
        "set_door_schedule",
        name="Cleaning",
        doors=[{"device_id": terminal, "door": door}],
        schedule="schedule.cleaner",
        door_mode="card_and_password",
    )


# What person 7 presents: (hour on Tuesday, door, Appendix 3 verification).
type Tries = dict[str, tuple[int, int, int]]


def _decisions(sim: ZkPushSimulator, tries: Tries) -> dict[str, int]:
    """Let person 7 try each way at the controller; return the event code of each."""
    found = {}
    for name, (hour, door, verify) in tries.items():
        sim.set_clock(datetime.fromisoformat(at(TUESDAY, hour)))
        found[name] = sim.verify("7", door, verify=verify)
    return found


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
async def test_a_door_schedule_asks_card_and_pin_at_the_zk_door(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Cleaning hours on door 2: card alone refused then, card and PIN let in; card alone after."""
    terminal = device_id(hass, simulator.serial)
    await _person_with_card(hass, terminal, [1, 2])
    await _card_and_pin_when_cleaning(hass, terminal, 2)
    await converge((init_integration, simulator))
    texts = [raw.split(":", 2)[2] for raw in simulator.commands]
    assert any("DoorVSTimezone DoorID=2" in text for text in texts)
    # A door mode is no normal-open period: the door stays locked.
    assert simulator.options["Door2KeepOpenTimeZone"] == "0"
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"cannot_hold_verification_modes_{simulator.serial}"
    )

    tries: Tries = {
        "10:00 card": (10, 2, VERIFY_CARD),
        "10:00 card and PIN": (10, 2, CARD_AND_PASSWORD),
        "10:00 card, door 1": (10, 1, VERIFY_CARD),
        "13:00 card": (13, 2, VERIFY_CARD),
    }
    assert _decisions(simulator, tries) == {
        "10:00 card": EVENT_WRONG_VERIFY_MODE,
        "10:00 card and PIN": EVENT_OPENED,
        "10:00 card, door 1": EVENT_OPENED,
        "13:00 card": EVENT_OPENED,
    }

    await act(hass, "delete_door_schedule", name="Cleaning")
    await converge((init_integration, simulator))
    tables = simulator._tables.access
    assert (tables.verify_zones, tables.door_verify, tables.person_verify) == ({}, {}, {})
    assert _decisions(simulator, {"card": (10, 2, VERIFY_CARD)}) == {"card": EVENT_OPENED}


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
async def test_a_level_asks_card_and_pin_of_its_people_in_its_hours(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Card alone by day (one level), card and PIN in the evening (a second level): decided
    by the controller, with Home Assistant stopped too."""
    terminal = device_id(hass, simulator.serial)
    await act(
        hass,
        "set_access_level",
        name="Evenings",
        doors=[{"device_id": terminal, "door": 1}],
        schedule="schedule.evenings",
        verify_mode="card_and_password",
    )
    await _person_with_card(hass, terminal, [1], "Evenings")
    await converge((init_integration, simulator))
    assert set(simulator._tables.access.person_verify) == {("7", 1)}

    tries: Tries = {
        "10:00 card": (10, 1, VERIFY_CARD),
        "18:00 card": (18, 1, VERIFY_CARD),
        "18:00 card and PIN": (18, 1, CARD_AND_PASSWORD),
    }
    running = _decisions(simulator, tries)
    assert running == {
        "10:00 card": EVENT_OPENED,
        "18:00 card": EVENT_WRONG_VERIFY_MODE,
        "18:00 card and PIN": EVENT_OPENED,
    }
    await stop_home_assistant(hass)
    assert _decisions(simulator, tries) == running


@pytest.mark.parametrize(
    "family", [f for f in ALL_FAMILIES if f is not Family.ZK_PUSH], indirect=True
)
async def test_a_terminal_without_verification_modes_refuses_in_those_hours(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Never a weaker verification: refused during the cleaning hours, let in after; a repair."""
    local_time_is_utc(simulator)
    terminal = device_id(hass, simulator.serial)
    await _person_with_card(hass, terminal, [1])
    await _card_and_pin_when_cleaning(hass, terminal, 1)
    await converge((init_integration, simulator))
    assert await present(simulator, "7", 1, at(TUESDAY, 10)) != outcome.GRANTED
    assert await present(simulator, "7", 1, at(TUESDAY, 13)) == outcome.GRANTED
    coordinator = init_integration.runtime_data.coordinator
    assert "verification_modes" in coordinator.data.access_sync.shortfalls
    registry = ir.async_get(hass)
    issue = f"cannot_hold_verification_modes_{simulator.serial}"
    assert registry.async_get_issue(DOMAIN, issue)

    await act(hass, "delete_door_schedule", name="Cleaning")
    await converge((init_integration, simulator))
    # A week on (a terminal may refuse a second pass soon after the first).
    next_week = TUESDAY + timedelta(days=7)
    assert await present(simulator, "7", 1, at(next_week, 10)) == outcome.GRANTED
    assert not registry.async_get_issue(DOMAIN, issue)


@pytest.mark.parametrize(
    ("service", "field", "value"),
    [
        ("set_door_schedule", "door_mode", "card_or_hope"),
        ("set_door_schedule", "door_mode", 11),
        ("set_door_schedule", "door_mode", None),
        ("set_access_level", "verify_mode", "free_open"),
        ("set_access_level", "verify_mode", ["card"]),
    ],
)
async def test_a_mode_not_of_the_vocabulary_is_refused(
    hass: HomeAssistant, directory: DirectoryConfigEntry, service: str, field: str, value: Any
) -> None:
    """Nothing is kept: the action refuses the whole call."""
    data: dict[str, Any] = {
        "name": "Night",
        "doors": [{"device_id": "abc"}],
        "schedule": "schedule.cleaner",
        field: value,
    }
    with pytest.raises(vol.Invalid):
        await act(hass, service, **data)
    runtime = directory.runtime_data.directory
    assert not runtime.contents.levels
    assert not runtime.contents.door_schedules


async def test_get_directory_shows_the_modes(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """The door mode of a door schedule (free by default) and a level's verification mode."""
    terminal = device_id(hass, simulator.serial)
    doors = [{"device_id": terminal}]
    await act(hass, "set_door_schedule", name="Shop", doors=doors, schedule="schedule.cleaner")
    await act(
        hass,
        "set_door_schedule",
        name="Night",
        doors=doors,
        schedule="schedule.evenings",
        door_mode="face_and_card",
    )
    await act(hass, "set_access_level", name="Day", doors=doors)
    await act(hass, "set_access_level", name="Late", doors=doors, verify_mode="card_and_password")
    found = await act(hass, "get_directory")
    assert {s["name"]: s["door_mode"] for s in found["door_schedules"]} == {
        "Night": "face_and_card",
        "Shop": "free_open",
    }
    assert {lv["name"]: lv["verify_mode"] for lv in found["access_levels"]} == {
        "Day": None,
        "Late": "card_and_password",
    }


def test_modes_as_subentries_keep_them() -> None:
    """Old door schedules (no door mode) are free; a mode outside the vocabulary is refused."""
    door = {"device_id": "abc", "door": 2}
    old = {"name": "Shop", "doors": [door], "schedule": "schedule.cleaner"}
    schedule = DoorSchedule.from_data(old)
    assert schedule.verify_mode is None
    assert schedule.as_data()["door_mode"] == "free_open"
    assert "verify_mode" not in schedule.as_data()
    night = DoorSchedule.from_data({**old, "door_mode": "card_and_password"})
    assert night.verify_mode == "card_and_password"
    assert DoorSchedule.from_data(night.as_data()) == night
    level = AccessLevel.from_data({"name": "Late", "doors": [door], "verify_mode": "face"})
    assert AccessLevel.from_data(level.as_data()) == level
    assert AccessLevel.from_data({"name": "Day", "doors": [door]}).verify_mode is None
    for read, data in (
        (DoorSchedule.from_data, {**old, "door_mode": "card_or_hope"}),
        (AccessLevel.from_data, {**old, "verify_mode": "free_open"}),
    ):
        with pytest.raises(DirectoryError) as err:
            read(data)
        assert err.value.key == "invalid_verify_mode"


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
async def test_modes_in_the_forms(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """The door schedule form offers free or a mode; the level form an optional mode."""
    door = f"{device_id(hass, simulator.serial)}:1"
    answers = {"name": "Night", "doors": [door], "schedule": "schedule.evenings"}
    result = await subentry_form(
        hass, directory, "door_schedule", answers | {"door_mode": "card_and_password"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["door_mode"] == "card_and_password"
    result = await subentry_form(hass, directory, "door_schedule", answers | {"name": "Shop"})
    assert result["data"]["door_mode"] == "free_open"
    with pytest.raises(InvalidData):
        await subentry_form(hass, directory, "door_schedule", answers | {"door_mode": "never"})
    result = await subentry_form(
        hass, directory, "access_level", answers | {"verify_mode": "face_and_card"}
    )
    assert result["data"]["verify_mode"] == "face_and_card"
    await hass.async_block_till_done()
    # Reconfiguring shows the mode kept.
    context = SubentryFlowContext(
        source=SOURCE_RECONFIGURE, subentry_id=subentry_of(directory, "Night")
    )
    shown = await hass.config_entries.subentries.async_init(
        (directory.entry_id, "door_schedule"), context=context
    )
    schema = shown["data_schema"].schema
    suggested = {str(key): key.description for key in schema if key.description}
    assert suggested["door_mode"] == {"suggested_value": "card_and_password"}
