"""The cloud terminals' options: a dedicated port and the table of verification modes."""

from __future__ import annotations

import asyncio

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.cloud_ws import CloudWsSimulator
from tests.helpers import bus_events, wait_until


async def choose_mode_table(hass: HomeAssistant, entry: MockConfigEntry, table: str) -> None:
    """Go through the options flow choosing a mode table (the terminal connects again)."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "offline_window": 90,
            "command_timeout": 60,
            "online_authorization": "device",
            "listen_port": 0,
            "mode_table": table,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_cloud_options_and_mode_table(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: CloudWsSimulator
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    fields = {str(key) for key in result["data_schema"].schema}
    assert {"listen_port", "mode_table"} <= fields
    await choose_mode_table(hass, init_integration, "log_note")
    assert init_integration.state is ConfigEntryState.LOADED
    await asyncio.wait_for(simulator.wait_registered(), 10)
    await wait_until(lambda: simulator.registered.is_set() and simulator.connections >= 2)
    events = bus_events(hass)
    await simulator.access(1, mode=2)
    await hass.async_block_till_done()
    assert [e.data["methods"] for e in events] == [["card"]]


async def test_mode_table_counting_from_zero(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: CloudWsSimulator
) -> None:
    """The "Get all logs" table: mode 0 is a fingerprint, 1 a card."""
    await choose_mode_table(hass, init_integration, "from_zero")
    await wait_until(lambda: simulator.registered.is_set() and simulator.connections >= 2)
    events = bus_events(hass)
    await simulator.access(1, mode=0)
    await simulator.access(1, mode=1)
    await hass.async_block_till_done()
    assert [e.data["methods"] for e in events] == [["fingerprint"], ["card"]]
