"""Config flow: manual add, discovery, reconfigure, options."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import (
    CONF_COMMAND_TIMEOUT,
    CONF_FAMILY,
    CONF_OFFLINE_WINDOW,
    CONF_ONLINE_AUTHORIZATION,
    CONF_SERIAL,
    DOMAIN,
)

from .helpers import SERIAL

OTHER = "FC-8200H00000002"


async def test_user_adds_httpv2_terminal(hass: HomeAssistant) -> None:
    await async_process_ha_core_config(hass, {"internal_url": "http://192.168.1.2:8123"})
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "httpv2",
        "zk_push",
        "cloud_ws",
        "webjson",
        "control_api",
        "mqtt_bridge",
    ]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "httpv2"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {"server_url": "http://192.168.1.2:8123"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: "not a serial!"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SERIAL: "invalid_serial"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: f"  {SERIAL} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == SERIAL
    assert result["data"] == {CONF_FAMILY: "httpv2", CONF_SERIAL: SERIAL}
    assert result["result"].unique_id == SERIAL


async def test_user_adds_cloud_ws_terminal(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "cloud_ws"}
    )
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "cloud_ws")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: "ZX12345678"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_FAMILY: "cloud_ws", CONF_SERIAL: "ZX12345678"}


async def test_user_step_without_local_url(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "httpv2"}
    )
    assert "8123" in result["description_placeholders"]["server_url"]


async def test_user_cannot_add_twice(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "httpv2"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: SERIAL}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_discovery_confirm(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={CONF_FAMILY: "httpv2", CONF_SERIAL: SERIAL, "host": "192.168.1.50"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {
        "serial": SERIAL,
        "host": "192.168.1.50",
        "family": "httpv2",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_FAMILY: "httpv2", CONF_SERIAL: SERIAL}


async def test_discovery_of_configured_terminal_aborts(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={CONF_FAMILY: "httpv2", CONF_SERIAL: SERIAL, "host": None},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_discovery_twice_is_one_flow(hass: HomeAssistant) -> None:
    data = {CONF_FAMILY: "httpv2", CONF_SERIAL: SERIAL, "host": "10.0.0.9"}
    await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=data
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=data
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_in_progress"


async def test_discovery_of_unsupported_data_aborts(hass: HomeAssistant) -> None:
    for data in (
        {CONF_FAMILY: "carrier_pigeon", CONF_SERIAL: SERIAL},
        {CONF_FAMILY: "httpv2", CONF_SERIAL: "bad serial"},
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=data
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "not_supported"


async def test_reconfigure_serial(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL: "x y"})
    assert result["errors"] == {CONF_SERIAL: "invalid_serial"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL: OTHER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert init_integration.unique_id == OTHER
    assert init_integration.data[CONF_SERIAL] == OTHER
    assert init_integration.title == OTHER


async def test_reconfigure_same_serial(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: SERIAL}
    )
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_to_a_taken_serial(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    MockConfigEntry(
        domain=DOMAIN, unique_id=OTHER, data={CONF_FAMILY: "httpv2", CONF_SERIAL: OTHER}
    ).add_to_hass(hass)
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL: OTHER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert init_integration.unique_id == SERIAL


async def test_options(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_OFFLINE_WINDOW: 120, CONF_COMMAND_TIMEOUT: 30, CONF_ONLINE_AUTHORIZATION: "deny"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_integration.options == {
        CONF_OFFLINE_WINDOW: 120,
        CONF_COMMAND_TIMEOUT: 30,
        CONF_ONLINE_AUTHORIZATION: "deny",
    }
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.offline_window == 120
    assert coordinator.terminal.command_timeout == 30
