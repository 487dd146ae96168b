"""Roles of people at doors: first-card opening, super users, an extended unlock time.

End to end on the ZK controller simulator, which applies what it is told; the other families
hold the roles narrower and say so (the sync sensor, a repair).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from simulator.webjson import WebJsonSimulator
from simulator.zk_push import EVENT_FIRST_CARD, EVENT_SUPER_USER, ZkPushSimulator
from simulator.zk_push_access import EVENT_OPENED
from simulator.zk_push_doors import EVENT_INTERLOCKED

from ..helpers import device_id, with_device
from .conftest import Converge
from .helpers import TEN, act
from .test_flow import subentry_form, subentry_of

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")

ZK = pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)


def doors(hass: HomeAssistant, serial: str, *numbers: int) -> list[dict[str, Any]]:
    """Return the doors of a terminal as an action takes them."""
    return [{"device_id": device_id(hass, serial), "door": number} for number in numbers]


def released(simulator: ZkPushSimulator, door: int) -> bool:
    """Return True while the door's lock is released."""
    return simulator.doors[door - 1].relay


def held_open(simulator: ZkPushSimulator, door: int) -> bool:
    """Return True while the door is normally open (freed)."""
    return simulator.doors[door - 1].normal_open


def sent(simulator: ZkPushSimulator, prefix: str) -> list[str]:
    """Return the command texts the controller was given that start with `prefix`."""
    texts = [raw.split(":", 2)[2] for raw in simulator.commands]
    return [text for text in texts if text.startswith(prefix)]


@ZK
async def test_the_managers_first_passage_frees_the_shop_door_until_the_period_ends(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    converge: Converge,
) -> None:
    """The first manager in the morning frees door 1 for customers; at 12:00 it locks again."""
    serial = simulator.serial
    await act(
        hass,
        "set_access_level",
        name="Shop managers",
        doors=doors(hass, serial, 1),
        schedule="schedule.cleaner",  # Tuesdays 09:00-12:00
        first_card_opens=True,
    )
    await act(hass, "set_access_level", name="Staff", doors=doors(hass, serial, 1))
    await act(hass, "set_person", person_id="7", name="Grace", access_levels=["Shop managers"])
    await act(hass, "set_person", person_id="8", name="Ada", access_levels=["Staff"])
    await converge((init_integration, simulator))
    zone = simulator._tables.roles.first_card_zone("7", 1)
    assert zone is not None
    assert zone == int(simulator.authorize["7"][str(zone)]["AuthorizeTimezoneId"])
    assert simulator._tables.roles.first_card_zone("8", 1) is None
    assert simulator.options["Door1FirstCardOpenDoor"] == "1"
    assert simulator.options["Door2FirstCardOpenDoor"] == "0"  # nobody frees it
    assert "first_card" not in init_integration.runtime_data.coordinator.data.access_sync.shortfalls

    ten = datetime.fromisoformat(TEN)
    simulator.set_clock(ten)
    assert simulator.verify("8", 1) == EVENT_OPENED  # staff: an ordinary passage
    assert not held_open(simulator, 1)
    assert simulator.verify("7", 1) == EVENT_FIRST_CARD
    assert held_open(simulator, 1)
    assert released(simulator, 1)
    await simulator.cycle()
    assert released(simulator, 1)  # still free within the period

    simulator.set_clock(ten.replace(hour=12, minute=30))
    await simulator.cycle()
    assert not released(simulator, 1)
    assert not held_open(simulator, 1)

    # Outside the period the manager's passage is an ordinary one.
    assert simulator.verify("7", 1) != EVENT_FIRST_CARD

    # The option off: the rows leave the controller, and the door's switch with them.
    await act(
        hass,
        "set_access_level",
        name="Shop managers",
        doors=doors(hass, serial, 1),
        schedule="schedule.cleaner",
    )
    await converge((init_integration, simulator))
    assert simulator._tables.roles.first_card == {}
    assert simulator.options["Door1FirstCardOpenDoor"] == "0"
    assert sent(simulator, "DATA DELETE firstcard *")


@ZK
async def test_a_super_user_passes_against_the_interlock(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    converge: Converge,
) -> None:
    """Doors 1 and 2 interlocked: staff wait for door 2 to shut, the super user does not."""
    serial = simulator.serial
    simulator.options["InterLock"] = "1"
    await act(
        hass, "set_access_level", name="Security", doors=doors(hass, serial, 1, 2), super_users=True
    )
    await act(hass, "set_access_level", name="Staff", doors=doors(hass, serial, 1, 2))
    await act(hass, "set_person", person_id="1", name="Guard", access_levels=["Security"])
    await act(hass, "set_person", person_id="2", name="Ada", access_levels=["Staff"])
    await converge((init_integration, simulator))
    assert simulator._tables.roles.super_users == {("1", 1), ("1", 2)}
    assert sent(simulator, "DATA UPDATE SuperAuthorize Pin=1\tDoorID=1\nPin=1\tDoorID=2")

    simulator.set_clock(datetime.fromisoformat(TEN))
    assert simulator.verify("2", 2) == EVENT_OPENED  # door 2 released
    assert simulator.verify("2", 1) == EVENT_INTERLOCKED
    assert not released(simulator, 1)
    assert simulator.verify("1", 1) == EVENT_SUPER_USER
    assert released(simulator, 1)

    # The guard leaves the directory: the controller forgets the privilege.
    await act(hass, "delete_person", person_id="1")
    await converge((init_integration, simulator))
    assert simulator._tables.roles.super_users == set()
    assert sent(simulator, "DATA DELETE SuperAuthorize *")


@ZK
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_an_extended_unlock_time_holds_the_door_longer_for_one_person(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    converge: Converge,
) -> None:
    """A wheelchair user gets the door's extended unlock time; the others the normal one."""
    serial = simulator.serial
    await act(hass, "set_access_level", name="Staff", doors=doors(hass, serial, 1))
    await act(
        hass,
        "set_person",
        person_id="7",
        name="Grace",
        access_levels=["Staff"],
        extended_unlock=True,
    )
    await act(hass, "set_person", person_id="8", name="Ada", access_levels=["Staff"])
    await converge((init_integration, simulator))
    assert simulator._tables.roles.extended == {"7": 1}

    entity_id = f"number.{serial.lower()}_door_1_extended_unlock_time"
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": 12}, blocking=True
        ),
    )
    assert simulator.options["ExtDoor1DelayDrivertime"] == "12"
    assert hass.states.get(entity_id).state == "12"

    simulator.set_clock(datetime.fromisoformat(TEN))
    assert simulator.verify("8", 1) == EVENT_OPENED
    assert simulator.releases[-1] == (1, 5)  # the door's unlock time
    assert simulator.verify("7", 1) == EVENT_OPENED
    assert simulator.releases[-1] == (1, 12)

    # Switched off: the row goes, and Grace gets the normal time again.
    await act(hass, "set_person", person_id="7", extended_unlock=False)
    await converge((init_integration, simulator))
    assert simulator._tables.roles.extended == {}
    assert sent(simulator, "DATA DELETE extuser *")
    assert simulator.verify("7", 1) == EVENT_OPENED
    assert simulator.releases[-1] == (1, 5)
    response = await act(hass, "get_directory")
    grace = next(p for p in response["people"] if p["person_id"] == "7")
    assert grace["extended_unlock"] is False


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_a_terminal_without_roles_holds_them_narrower_and_says_so(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    converge: Converge,
) -> None:
    """No first card, no super users, no extended unlock: listed on the sensor, one repair each."""
    serial = simulator.serial
    coordinator = init_integration.runtime_data.coordinator
    await act(
        hass,
        "set_access_level",
        name="Managers",
        doors=doors(hass, serial, 1),
        first_card_opens=True,
    )
    await act(
        hass, "set_access_level", name="Security", doors=doors(hass, serial, 1), super_users=True
    )
    await act(
        hass,
        "set_person",
        person_id="7",
        name="Grace",
        access_levels=["Managers", "Security"],
        extended_unlock=True,
    )
    await converge((init_integration, simulator))
    kinds = ("first_card", "super_users", "extended_unlock")
    registry = ir.async_get(hass)
    for kind in kinds:
        assert kind in coordinator.data.access_sync.shortfalls
        assert registry.async_get_issue(DOMAIN, f"cannot_hold_{kind}_{serial}")
    # Held narrower, never wider: Grace is there, let in as anyone of her levels.
    assert "7" in simulator.users

    await act(hass, "set_person", person_id="7", access_levels=["Managers"], extended_unlock=False)
    await act(hass, "set_access_level", name="Managers", doors=doors(hass, serial, 1))
    await converge((init_integration, simulator))
    for kind in kinds:
        assert kind not in coordinator.data.access_sync.shortfalls
        assert not registry.async_get_issue(DOMAIN, f"cannot_hold_{kind}_{serial}")


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_roles_refused_in_every_bad_shape(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """Super users with hours, roles on door schedules, switches that are not switches."""
    door = doors(hass, simulator.serial, 1)
    for when in (
        {"schedule": "schedule.cleaner"},
        {"holiday_dates": ["2025-12-25"]},
        {"holiday_calendar": "calendar.holidays"},
    ):
        with pytest.raises(ServiceValidationError) as err:
            await act(
                hass, "set_access_level", name="Security", doors=door, super_users=True, **when
            )
        assert err.value.translation_key == "super_users_any_time"
        assert err.value.translation_placeholders == {"name": "Security"}
    with pytest.raises(vol.Invalid):
        await act(hass, "set_access_level", name="Security", doors=door, super_users="often")
    with pytest.raises(vol.Invalid):
        await act(
            hass,
            "set_door_schedule",
            name="Shop",
            doors=door,
            schedule="schedule.cleaner",
            first_card_opens=True,
        )
    await act(hass, "set_person", person_id="7", name="Grace")
    with pytest.raises(vol.Invalid):
        await act(hass, "set_person", person_id="7", extended_unlock="longer")
    contents = directory.runtime_data.directory.contents
    assert not contents.levels
    assert not contents.door_schedules
    assert contents.people["7"].extended_unlock is False


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_roles_in_the_forms(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """The level form has the two roles (refusing hours for super users); the person form one."""
    door = f"{device_id(hass, simulator.serial)}:1"
    result = await subentry_form(
        hass,
        directory,
        "access_level",
        {"name": "Security", "doors": [door], "schedule": "schedule.cleaner", "super_users": True},
    )
    assert result["errors"] == {"base": "super_users_any_time"}
    assert result["description_placeholders"]["error_name"] == "Security"
    result = await subentry_form(
        hass,
        directory,
        "access_level",
        {"name": "Security", "doors": [door], "super_users": True, "first_card_opens": True},
    )
    assert result["type"] == "create_entry"
    assert result["data"]["super_users"] is True
    assert result["data"]["first_card_opens"] is True

    result = await subentry_form(
        hass,
        directory,
        "person",
        {"person_id": "7", "name": "Grace", "access_levels": ["Security"], "extended_unlock": True},
    )
    assert result["type"] == "create_entry"
    result = await subentry_form(
        hass,
        directory,
        "person",
        {"name": "Grace", "access_levels": ["Security"], "extended_unlock": False},
        subentry_of(directory, "Grace"),
    )
    assert result["reason"] == "reconfigure_successful"
    response = await act(hass, "get_directory")
    assert response["access_levels"][0]["super_users"] is True
    assert response["people"][0]["extended_unlock"] is False

    # A door schedule's form has no roles (its doors have no people).
    result = await hass.config_entries.subentries.async_init(
        (directory.entry_id, "door_schedule"), context={"source": "user"}
    )
    assert "super_users" not in result["data_schema"].schema
