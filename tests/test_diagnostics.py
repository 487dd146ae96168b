"""Diagnostics show what the integration knows and never a secret."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from simulator.control_api import ControlApiSimulator

from .helpers import HttpV2Device, TestClient
from .pull_helpers import UPLOAD_SECRET, pull_entry


@pytest.fixture(autouse=True)
async def diagnostics_first(hass: HomeAssistant) -> None:
    """Register the diagnostics views before the HTTP test server freezes its routes."""
    assert await async_setup_component(hass, "diagnostics", {})


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    device: HttpV2Device,
    init_integration: MockConfigEntry,
    hass_client: Any,
) -> None:
    await device.keepalive(AlarmStatus="fire")
    await device.record(3, photo=b"\xff\xd8secret-face")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = json.dumps(diagnostics)
    for secret in ("4321", "hunter22", "rtsp-secret", "wifi-secret", "mqtt-secret", "home-wifi"):
        assert secret not in text
    terminal = diagnostics["terminal"]
    assert terminal["online"] is True
    assert terminal["info"]["firmware"] == "8.46"
    assert terminal["doors"]["1"]["alarms"] == ["fire"]
    assert terminal["protocol"]["settings"]["MenuPassword"] == "**REDACTED**"
    assert terminal["protocol"]["settings"]["WiredIP"] == "192.168.10.50"
    assert terminal["record_cursors"] == {"identify": [1, 1718616772]}
    # How many passwords the terminal stores is shown; only the passwords themselves are hidden.
    used, capacity = terminal["info"]["usage"]["passwords"]
    assert isinstance(used, int)
    assert isinstance(capacity, int)


async def test_diagnostics_before_the_terminal_talked(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client: Any, client: TestClient
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics["terminal"]["info"] is None
    assert diagnostics["terminal"]["protocol"]["awaiting_work_settings"] is True


@pytest.mark.usefixtures("socket_enabled")
async def test_diagnostics_of_a_polled_terminal(
    hass: HomeAssistant, control_sim: ControlApiSimulator, hass_client: Any, client: TestClient
) -> None:
    """The API key and the upload secret stay hidden; the log position and uploader show."""
    entry = pull_entry(control_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert control_sim.api_key not in text
    assert UPLOAD_SECRET not in text
    protocol = diagnostics["terminal"]["protocol"]
    assert (protocol["next_pos"], protocol["uploader"]) == (0, False)
    assert protocol["progress"] == {}
