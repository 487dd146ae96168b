"""Fixtures of the directory tests: Tuesday 10:00 (UTC), the directory, schedule helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, cast
from unittest.mock import patch

from freezegun import api as freezegun_api
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from custom_components.access_terminal.state import IN_SYNC
from simulator.cloud_ws import CloudWsSimulator
from simulator.httpv2 import HttpV2Simulator
from simulator.zk_push import ZkPushSimulator

from ..helpers import TestClient
from .helpers import TEN, directory_entry, setup_schedules


@pytest.fixture
async def tuesday(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> AsyncGenerator[FrozenDateTimeFactory]:
    """Stop the wall clock on Tuesday 10:00 in UTC, Home Assistant's zone and the simulators'.

    The event loop's clock runs on: simulators and command deadlines wait on it.
    """
    await hass.config.async_set_time_zone("UTC")
    freezer.move_to(TEN)
    with patch.object(hass.loop, "time", freezegun_api.real_monotonic):
        yield freezer


@pytest.fixture
async def schedules(hass: HomeAssistant) -> None:
    """Set up schedule.cleaner (Tuesdays 09:00-12:00) and schedule.evenings."""
    await setup_schedules(hass)


@pytest.fixture
async def directory(hass: HomeAssistant, client: TestClient) -> DirectoryConfigEntry:
    """Set up the access directory (empty)."""
    entry = directory_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return cast("DirectoryConfigEntry", entry)


type Converge = Callable[..., Awaitable[None]]


@pytest.fixture
def converge(hass: HomeAssistant, directory: DirectoryConfigEntry) -> Converge:
    """Return a function running terminals (as they poll) until each holds the directory."""

    async def run(*terminals: tuple[MockConfigEntry, Any], within: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        while True:
            await hass.async_block_till_done()
            syncs = directory.runtime_data.reconciler.syncs
            done = all(
                (sync := syncs.get(entry.unique_id or "")) is not None
                and not sync.busy
                and sync.status.state == IN_SYNC
                for entry, _ in terminals
            )
            if done:
                return
            assert loop.time() < end, [syncs[e.unique_id or ""].status for e, _ in terminals]
            for entry, sim in terminals:
                family = Family(entry.data["family"])
                if family is Family.HTTPV2 and isinstance(sim, HttpV2Simulator):
                    await sim.keepalive_cycle()
                elif family is Family.ZK_PUSH and isinstance(sim, ZkPushSimulator):
                    await sim.cycle()
                elif isinstance(sim, CloudWsSimulator):
                    await asyncio.sleep(0.01)  # its socket answers by itself
            await asyncio.sleep(0.02)

    return run


@pytest.fixture
def expected_lingering_timers() -> bool:
    """Allow the schedule helpers' own timers (set for their next block) to outlive a test."""
    return True
