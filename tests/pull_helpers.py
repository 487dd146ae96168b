"""Helpers of the pull-family tests: entries for the simulators, polls, waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.access_terminal.const import DOMAIN
from simulator.control_api import ControlApiSimulator
from simulator.webjson import WebJsonSimulator

UPLOAD_SECRET = "s3cret-upload-path-token"


def pull_data(sim: WebJsonSimulator | ControlApiSimulator) -> dict[str, Any]:
    """Return the config data that reaches a simulator."""
    data: dict[str, Any] = {
        "family": sim.family,
        "serial": sim.serial,
        "host": sim.host,
        "port": sim.port,
        "ssl": False,
        "verify_ssl": True,
    }
    if isinstance(sim, WebJsonSimulator):
        data["password"] = sim.password
    else:
        data["api_key"] = sim.api_key
        data["upload_secret"] = UPLOAD_SECRET
    return data


def pull_entry(sim: WebJsonSimulator | ControlApiSimulator) -> MockConfigEntry:
    """Return the config entry of a simulated pull terminal."""
    return MockConfigEntry(
        domain=DOMAIN, title=sim.serial, unique_id=sim.serial, data=pull_data(sim)
    )


async def poll(hass: HomeAssistant, seconds: float = 20) -> None:
    """Let the polling interval pass so every pull terminal is read once."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    # The coordinator polls in a background task.
    await hass.async_block_till_done(wait_background_tasks=True)


async def until(hass: HomeAssistant, condition: Callable[[], bool], within: float = 10) -> None:
    """Wait until `condition` holds (real sockets: no fixed sleeps)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)
        await hass.async_block_till_done(wait_background_tasks=True)
