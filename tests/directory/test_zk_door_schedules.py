"""A directory door schedule on a ZK controller: its normal-open period runs without us."""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from simulator.zk_push import ZkPushSimulator

from ..helpers import device_id
from .conftest import Converge
from .helpers import TEN, act

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
async def test_door_schedule_frees_the_door_with_home_assistant_stopped(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """Tuesday's cleaning hours free door 2 at the controller, Home Assistant stopped or not."""
    await act(
        hass,
        "set_door_schedule",
        name="Cleaning",
        doors=[{"device_id": device_id(hass, simulator.serial), "door": 2}],
        schedule="schedule.cleaner",
    )
    await converge((init_integration, simulator))
    assert simulator.options["Door1KeepOpenTimeZone"] == "0"
    assert simulator.options["Door2KeepOpenTimeZone"] not in ("", "0")
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"cannot_hold_free_open_{simulator.serial}"
    )

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    ten = datetime.fromisoformat(TEN)
    simulator.set_clock(ten)  # Tuesday 10:00: in the cleaner's 09:00-12:00
    await simulator.cycle()
    assert not simulator.connected  # nobody answers: the controller goes on alone
    assert simulator.doors[1].relay
    assert not simulator.doors[0].relay

    simulator.set_clock(ten.replace(hour=12, minute=30))
    await simulator.cycle()
    assert not simulator.doors[1].relay


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
async def test_time_zones_no_right_uses_are_deleted_after_the_rewrite(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """A schedule gone: its time zone leaves the controller once nothing refers to it."""
    tables = simulator._tables.access
    tables.timezones[9] = dict(tables.timezones[1])  # left by an earlier, larger book
    await act(
        hass,
        "set_door_schedule",
        name="Cleaning",
        doors=[{"device_id": device_id(hass, simulator.serial), "door": 2}],
        schedule="schedule.cleaner",
    )
    await converge((init_integration, simulator))
    zone = int(simulator.options["Door2KeepOpenTimeZone"])
    assert zone > 1
    assert set(tables.timezones) == {1, zone}  # 9 deleted, the schedule's zone kept
    texts = [raw.split(":", 2)[2] for raw in simulator.commands]
    rewritten = max(i for i, text in enumerate(texts) if "KeepOpenTimeZone" in text)
    deleted = max(i for i, text in enumerate(texts) if text.startswith("DATA DELETE timezone"))
    assert deleted > rewritten  # never before the rights and doors point elsewhere

    await act(hass, "delete_door_schedule", name="Cleaning")
    await converge((init_integration, simulator))
    assert simulator.options["Door2KeepOpenTimeZone"] == "0"
    assert set(tables.timezones) == {1}
