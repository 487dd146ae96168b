"""Diagnostics show what the integration knows and never a secret."""

from __future__ import annotations

import json
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.system_info import async_get_system_info
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.access_terminal.protocols.model import Family
from simulator.control_api import ControlApiSimulator

from .families.httpv2.device import HttpV2Device
from .helpers import TestClient
from .terminals import ALL_FAMILIES, UPLOAD_SECRET


@pytest.fixture(autouse=True)
async def diagnostics_first(hass: HomeAssistant) -> None:
    """Register the diagnostics views before the HTTP test server freezes its routes.

    Diagnostics read the system info, which imports hassio: its dataclasses cannot be built
    while a snapshot test freezes time (freezegun's datetime is no datetime to them).
    """
    assert await async_setup_component(hass, "diagnostics", {})
    await async_get_system_info(hass)


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
@pytest.mark.usefixtures("frozen_clock")
async def test_snapshot(
    hass: HomeAssistant,
    hass_client: Any,
    snapshot: SnapshotAssertion,
    terminal_in_use: MockConfigEntry,
) -> None:
    """What each family's diagnostics show once the terminal was used."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, terminal_in_use)
    assert without_ports(diagnostics) == snapshot


def without_ports(data: Any) -> Any:
    """Return `data` without the loopback ports (free ones, others at every run)."""
    if isinstance(data, dict):
        return {
            key: "<port>" if key == "port" else without_ports(value) for key, value in data.items()
        }
    if isinstance(data, list):
        return [without_ports(item) for item in data]
    if isinstance(data, str):
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", data)
    return data


async def test_diagnostics_redacted(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    loaded_entry: MockConfigEntry,
    hass_client: Any,
) -> None:
    await httpv2_device.keepalive(AlarmStatus="fire")
    await httpv2_device.record(3, photo=b"\xff\xd8secret-face")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    text = json.dumps(diagnostics)
    for secret in ("4321", "hunter22", "rtsp-secret", "wifi-secret", "mqtt-secret", "home-wifi"):
        assert secret not in text
    terminal = diagnostics["terminal"]
    assert terminal["online"] is True
    assert terminal["info"]["firmware"] == "8.46"
    assert terminal["doors"]["1"]["alarms"] == ["fire"]
    assert terminal["protocol"]["settings"]["MenuPassword"] == "**REDACTED**"
    assert terminal["protocol"]["settings"]["WiredIP"] == "192.168.10.50"
    assert terminal["record_cursors"] == {"identify": [1, httpv2_device.dates[0]]}
    assert terminal["records"] == {"live": 1}
    assert terminal["refused_input"] == {}
    # How many passwords the terminal stores is shown; only the passwords themselves are hidden.
    used, capacity = terminal["info"]["usage"]["passwords"]
    assert isinstance(used, int)
    assert isinstance(capacity, int)


async def test_diagnostics_before_the_terminal_talked(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_client: Any, client: TestClient
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert diagnostics["terminal"]["info"] is None
    assert diagnostics["terminal"]["protocol"]["awaiting_work_settings"] is True


@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
async def test_diagnostics_of_a_polled_terminal(
    hass: HomeAssistant,
    simulator: ControlApiSimulator,
    loaded_entry: MockConfigEntry,
    hass_client: Any,
) -> None:
    """The API key and the upload secret stay hidden; the log position and uploader show."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    text = json.dumps(diagnostics)
    assert simulator.api_key not in text
    assert UPLOAD_SECRET not in text
    protocol = diagnostics["terminal"]["protocol"]
    assert (protocol["next_pos"], protocol["uploader"]) == (0, False)
    assert protocol["progress"] == {}
