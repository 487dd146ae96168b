"""Adding, re-authenticating and reconfiguring the terminals Home Assistant calls."""

from __future__ import annotations

import socket

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from simulator.control_api import ControlApiSimulator
from simulator.webjson import WebJsonSimulator

from .pull_helpers import pull_entry

pytestmark = pytest.mark.usefixtures("socket_enabled")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def start_flow(hass: HomeAssistant, family: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": family}
    )
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, family)
    flow_id: str = result["flow_id"]
    return flow_id


def form(
    sim: WebJsonSimulator | ControlApiSimulator, secret: str, port: int = 0
) -> dict[str, object]:
    key = "password" if isinstance(sim, WebJsonSimulator) else "api_key"
    return {
        "host": sim.host,
        "port": port or sim.port,
        key: secret,
        "ssl": False,
        "verify_ssl": True,
    }


async def test_webjson_added_after_a_wrong_password(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator
) -> None:
    flow_id = await start_flow(hass, "webjson")
    result = await hass.config_entries.flow.async_configure(flow_id, form(webjson_sim, "nope"))
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, form(webjson_sim, "123456", port=free_port())
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(flow_id, form(webjson_sim, "123456"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == webjson_sim.serial
    assert result["result"].unique_id == webjson_sim.serial
    assert result["data"] == {
        "family": "webjson",
        "serial": webjson_sim.serial,
        **form(webjson_sim, "123456"),
    }
    await hass.async_block_till_done()
    assert hass.states.get(f"lock.{webjson_sim.serial.lower()}_door_lock").state == "locked"


async def test_control_api_added_with_an_upload_secret(
    hass: HomeAssistant, control_sim: ControlApiSimulator
) -> None:
    flow_id = await start_flow(hass, "control_api")
    result = await hass.config_entries.flow.async_configure(flow_id, form(control_sim, "bad"))
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flow_id, form(control_sim, "demo-key"))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert (data["serial"], data["api_key"]) == (control_sim.serial, "demo-key")
    assert len(data["upload_secret"]) >= 32
    await hass.async_block_till_done()

    # The same terminal again: refused, its address updated.
    flow_id = await start_flow(hass, "control_api")
    result = await hass.config_entries.flow.async_configure(flow_id, form(control_sim, "demo-key"))
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "already_configured")


async def test_something_else_answering(hass: HomeAssistant, webjson_sim: WebJsonSimulator) -> None:
    """A control API device is not a webjson terminal (its answer is not one)."""
    control = ControlApiSimulator()
    await control.start()
    try:
        flow_id = await start_flow(hass, "webjson")
        result = await hass.config_entries.flow.async_configure(
            flow_id, {**form(webjson_sim, "123456"), "port": control.port}
        )
    finally:
        await control.stop()
    assert result["errors"] == {"base": "unexpected_answer"}


async def test_reauth_when_the_password_changes(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator
) -> None:
    entry = pull_entry(webjson_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    webjson_sim.password = "changed"
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {"password": "old"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"password": "changed"}
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reauth_successful")
    assert entry.data["password"] == "changed"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_refuses_another_device(
    hass: HomeAssistant, control_sim: ControlApiSimulator
) -> None:
    entry = pull_entry(control_sim)
    entry.add_to_hass(hass)
    other = ControlApiSimulator("ffff000011112222", api_key="new")
    await other.start()
    try:
        result = await entry.start_reauth_flow(hass, data={"port": other.port})
        hass.config_entries.async_update_entry(entry, data={**entry.data, "port": other.port})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"api_key": "new"}
        )
    finally:
        await other.stop()
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "wrong_device")


async def test_reconfigure_the_address(hass: HomeAssistant, webjson_sim: WebJsonSimulator) -> None:
    entry = pull_entry(webjson_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await webjson_sim.go_away()
    webjson_sim.port = free_port()
    await webjson_sim.come_back()
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_pull"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(webjson_sim, "wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(webjson_sim, "123456")
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    assert entry.data["port"] == webjson_sim.port
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{webjson_sim.serial.lower()}_connectivity").state == "on"


async def test_reconfigure_refuses_another_device(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="OTHER123",
        data={**pull_entry(webjson_sim).data, "serial": "OTHER123"},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(webjson_sim, "123456")
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "wrong_device")


async def test_pull_families_are_never_discovered(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "integration_discovery"},
        data={"family": "webjson", "serial": "X1"},
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "not_supported")
