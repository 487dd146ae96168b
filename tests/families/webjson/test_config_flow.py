"""Adding a Webserver + JSON terminal: it must answer, with the right password, as one."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from simulator.control_api import ControlApiSimulator
from simulator.webjson import WebJsonSimulator
from tests.helpers import free_port, start_add_flow
from tests.terminals import pull_form


async def open_form(hass: HomeAssistant, family: str) -> str:
    result = await start_add_flow(hass, family)
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, family)
    flow_id: str = result["flow_id"]
    return flow_id


async def test_webjson_added_after_a_wrong_password(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    flow_id = await open_form(hass, "webjson")
    result = await hass.config_entries.flow.async_configure(flow_id, pull_form(simulator, "nope"))
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, pull_form(simulator, "123456", port=free_port())
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(flow_id, pull_form(simulator, "123456"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == simulator.serial
    assert result["result"].unique_id == simulator.serial
    assert result["data"] == {
        "family": "webjson",
        "serial": simulator.serial,
        **pull_form(simulator, "123456"),
    }
    await hass.async_block_till_done()
    assert hass.states.get(f"lock.{simulator.serial.lower()}_door_lock").state == "locked"


async def test_something_else_answering(hass: HomeAssistant, simulator: WebJsonSimulator) -> None:
    """A control API device is not a webjson terminal (its answer is not one)."""
    control = ControlApiSimulator()
    await control.start()
    try:
        flow_id = await open_form(hass, "webjson")
        result = await hass.config_entries.flow.async_configure(
            flow_id, {**pull_form(simulator, "123456"), "port": control.port}
        )
    finally:
        await control.stop()
    assert result["errors"] == {"base": "unexpected_answer"}
