"""A door schedule end to end on an HTTPv2 terminal, which keeps it with Home Assistant stopped.

The directory compiles the schedule into the terminal's TimingOpen with the people's time groups;
the simulator then frees its door by its own clock, whether Home Assistant answers or not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from simulator.httpv2 import HttpV2Simulator

from ..helpers import device_id
from .conftest import Converge
from .helpers import TEN, act

pytestmark = pytest.mark.usefixtures("schedules")


@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_the_shop_door_is_free_in_its_hours_with_home_assistant_stopped(
    hass: HomeAssistant,
    tuesday: FrozenDateTimeFactory,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    simulator.settings["TimeZone"] = 0  # the terminal keeps Home Assistant's zone (UTC here)
    await act(
        hass,
        "set_door_schedule",
        name="Shop",
        doors=[{"device_id": device_id(hass, simulator.serial)}],
        schedule="schedule.cleaner",  # Tuesdays 09:00-12:00
    )
    await converge((init_integration, simulator))
    assert simulator.settings["TimingOpen"] == 1
    assert simulator.settings["TimingOpen_timegroup"]["Week2"] == "09:00-11:59"
    assert not ir.async_get(hass).async_get_issue(
        DOMAIN, f"cannot_hold_free_open_{simulator.serial}"
    )
    assert "free_open" not in init_integration.runtime_data.coordinator.data.access_sync.shortfalls

    # Home Assistant stops answering; the terminal goes on by its own clock.
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    for hour, held_open in ((8, 0), (10, 1), (13, 0)):
        tuesday.move_to(datetime.fromisoformat(TEN) + timedelta(hours=hour - 10))
        await simulator.keepalive_cycle()
        assert (simulator.keep_open, simulator.relay_status) == (held_open, held_open), hour
    assert simulator.rejected  # nobody answered its calls

    # With the schedule deleted, the next sync turns the terminal's TimingOpen off.
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await act(hass, "delete_door_schedule", name="Shop")
    simulator.rejected = False
    await converge((init_integration, simulator))
    assert simulator.settings["TimingOpen"] == 0
