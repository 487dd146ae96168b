"""Fixtures of the Webserver + JSON protocol tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC

import aiohttp
import pytest

from custom_components.access_terminal.protocols.pull import DeviceAddress
from custom_components.access_terminal.protocols.webjson import WebJsonTerminal
from simulator.webjson import WebJsonSimulator

from ..common import RecordingListener


@pytest.fixture
async def terminal(sim: WebJsonSimulator) -> AsyncIterator[WebJsonTerminal]:
    """Return a terminal reaching the module's simulator (`sim`), on UTC."""
    async with aiohttp.ClientSession() as session:
        yield WebJsonTerminal(
            sim.serial,
            RecordingListener(),
            session=session,
            address=DeviceAddress(host=sim.host, port=sim.port),
            password=sim.password,
            zone=UTC,
        )
