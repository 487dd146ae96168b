"""Adding a terminal with the device control interface: its API key, and an upload secret."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from simulator.control_api import ControlApiSimulator
from tests.helpers import start_add_flow
from tests.terminals import pull_form


async def open_form(hass: HomeAssistant, family: str) -> str:
    result = await start_add_flow(hass, family)
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, family)
    flow_id: str = result["flow_id"]
    return flow_id


async def test_control_api_added_with_an_upload_secret(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    flow_id = await open_form(hass, "control_api")
    result = await hass.config_entries.flow.async_configure(flow_id, pull_form(simulator, "bad"))
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, pull_form(simulator, "demo-key")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert (data["serial"], data["api_key"]) == (simulator.serial, "demo-key")
    assert len(data["upload_secret"]) >= 32
    await hass.async_block_till_done()

    # The same terminal again: refused, its address updated.
    flow_id = await open_form(hass, "control_api")
    result = await hass.config_entries.flow.async_configure(
        flow_id, pull_form(simulator, "demo-key")
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")
