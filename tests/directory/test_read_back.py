"""The daily read-back of AiFace terminals: holidays changed at the terminal are written again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from custom_components.access_terminal.protocols.weekzones import holds_holidays
from simulator.access_rules import AiFaceZones
from simulator.cloud_ws import CloudWsSimulator
from simulator.webjson import WebJsonSimulator

from ..helpers import device_id
from .conftest import Converge
from .helpers import HOLIDAY, act

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")


def zones_of(simulator: Any) -> AiFaceZones:
    """Return the access tables a simulator enforces."""
    if isinstance(simulator, CloudWsSimulator):
        return simulator.tables.zones
    assert isinstance(simulator, WebJsonSimulator)
    return simulator.zones


def forget_holidays(simulator: Any) -> None:
    """Someone clears the holidays in the terminal's menu."""
    zones_of(simulator).holidays = []
    if isinstance(simulator, CloudWsSimulator):
        simulator.tables.holidays = []


@pytest.mark.parametrize("family", [Family.CLOUD_WS, Family.WEBJSON], indirect=True)
async def test_holidays_cleared_at_the_terminal_come_back(
    hass: HomeAssistant,
    simulator: Any,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    await act(
        hass,
        "set_access_level",
        name="Mornings",
        doors=[{"device_id": device_id(hass, simulator.serial)}],
        schedule="schedule.cleaner",
        holiday_dates=[HOLIDAY.isoformat()],
    )
    await act(hass, "set_person", person_id="7", name="Cleaner", access_levels=["Mornings"])
    await converge((init_integration, simulator))
    written = list(zones_of(simulator).holidays)
    assert [item["startday"] for item in written] == [HOLIDAY.strftime("%m-%d")]
    forget_holidays(simulator)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=24, minutes=1))
    await converge((init_integration, simulator))
    assert zones_of(simulator).holidays == written


@pytest.mark.parametrize(
    ("held", "same"),
    [
        ([{"name": "x", "startday": "01-21", "endday": "01-21", "shift": 3, "dayzone": "0"}], True),
        ([{"startday": "01-21", "endday": "01-22", "dayzone": 0}], False),
        ([{"startday": "01-21", "endday": "01-21", "dayzone": 2}], False),
        ([{"startday": "01-21", "endday": "01-21"}], False),
        (["01-21"], False),
        ([], False),
        ({"startday": "01-21"}, False),
        (None, False),
    ],
)
def test_what_counts_as_the_same_holidays(held: Any, same: bool) -> None:
    """Days and day zone decide; names and shifts are the terminal's business."""
    written = [{"name": "HA 2025-01-21", "startday": "01-21", "endday": "01-21", "dayzone": 0}]
    assert holds_holidays(held, written) is same
