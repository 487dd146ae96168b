"""The fixtures of tests/conftest.py stand for a control_api terminal here."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
import pytest

from custom_components.access_terminal.protocols.model import Family
from simulator.control_api import ControlApiSimulator
from tests.terminals import SimulatorFarm, TerminalKit


@pytest.fixture
def family() -> Family:
    """Test the control_api family."""
    return Family.CONTROL_API


@pytest.fixture
async def uploading_sim(
    hass: HomeAssistant, kit: TerminalKit[Any], farm: SimulatorFarm
) -> ControlApiSimulator:
    """A terminal whose log uploader posts to Home Assistant's real HTTP server."""
    await async_process_ha_core_config(hass, {"internal_url": farm.server})
    sim: ControlApiSimulator = await kit.simulator(
        farm, seed=17, session=farm.session, uploader=True
    )
    return sim
