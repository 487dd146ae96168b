"""Config flow: the menu, adding a terminal by hand or from discovery, reauth, reconfigure, options.

Each family's own form checks (what a terminal we call must answer) are in tests/families/.
"""

from __future__ import annotations

from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.config_flow import AccessTerminalConfigFlow
from custom_components.access_terminal.const import (
    CONF_CATCH_UP_AFTER,
    CONF_COMMAND_TIMEOUT,
    CONF_FAMILY,
    CONF_FIRMWARE_URL,
    CONF_FIRMWARE_VERSION,
    CONF_OFFLINE_WINDOW,
    CONF_ONLINE_AUTHORIZATION,
    CONF_SERIAL,
    DOMAIN,
)
from custom_components.access_terminal.protocols.model import Family
from simulator.control_api import ControlApiSimulator
from simulator.webjson import WebJsonSimulator

from .helpers import free_port, start_add_flow
from .terminals import HTTPV2_SERIAL, KITS, PUSH_FAMILIES, pull_entry, pull_form

SERIAL = HTTPV2_SERIAL
OTHER = "FC-8200H00000002"


async def test_user_menu(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "httpv2",
        "zk_push",
        "cloud_ws",
        "webjson",
        "control_api",
        "mqtt_bridge",
        "directory",
    ]


@pytest.mark.parametrize("family", PUSH_FAMILIES, indirect=True)
async def test_user_adds_a_terminal_that_calls_us(hass: HomeAssistant, family: Family) -> None:
    serial = KITS[family].serial
    await async_process_ha_core_config(hass, {"internal_url": "http://192.168.1.2:8123"})
    result = await start_add_flow(hass, family)
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, family)
    assert result["description_placeholders"] == {"server_url": "http://192.168.1.2:8123"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: "not a serial!"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SERIAL: "invalid_serial"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: f"  {serial} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == serial
    assert result["data"] == {CONF_FAMILY: str(family), CONF_SERIAL: serial}
    assert result["result"].unique_id == serial


async def test_user_step_without_local_url(hass: HomeAssistant) -> None:
    result = await start_add_flow(hass, "httpv2")
    assert "8123" in result["description_placeholders"]["server_url"]


async def test_user_cannot_add_twice(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await start_add_flow(hass, "httpv2")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: SERIAL}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# -- discovery -----------------------------------------------------------------------------


async def test_discovery_confirm(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={CONF_FAMILY: "httpv2", CONF_SERIAL: SERIAL, "host": "192.168.1.50"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    # The protocol's name, not the registry's key ("A httpv2 terminal" read badly).
    assert result["description_placeholders"] == {
        "serial": SERIAL,
        "host": "192.168.1.50",
        "family": "HTTPv2",
    }
    # The discovered card is titled by serial and protocol, not by the serial alone.
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["title_placeholders"] == {"name": f"{SERIAL} (HTTPv2)"}
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


async def test_pull_families_are_never_discovered(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "integration_discovery"},
        data={"family": "webjson", "serial": "X1"},
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "not_supported")


# -- reconfigure ---------------------------------------------------------------------------


async def test_reconfigure_serial(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL: "x y"})
    assert result["errors"] == {CONF_SERIAL: "invalid_serial"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL: OTHER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.unique_id == OTHER
    assert loaded_entry.data[CONF_SERIAL] == OTHER
    assert loaded_entry.title == OTHER


async def test_reconfigure_same_serial(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERIAL: SERIAL}
    )
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_to_a_taken_serial(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    MockConfigEntry(
        domain=DOMAIN, unique_id=OTHER, data={CONF_FAMILY: "httpv2", CONF_SERIAL: OTHER}
    ).add_to_hass(hass)
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_SERIAL: OTHER})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert loaded_entry.unique_id == SERIAL


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_reconfigure_the_address(
    hass: HomeAssistant, simulator: WebJsonSimulator, loaded_entry: MockConfigEntry
) -> None:
    entry = loaded_entry
    await simulator.go_away()
    simulator.port = free_port()
    await simulator.come_back()
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_pull"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], pull_form(simulator, "wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], pull_form(simulator, "123456")
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "reconfigure_successful")
    assert entry.data["port"] == simulator.port
    await hass.async_block_till_done()
    connectivity = f"binary_sensor.{simulator.serial.lower()}_connectivity"
    assert hass.states.get(connectivity).state == "on"


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_reconfigure_refuses_another_device(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="OTHER123",
        data={**pull_entry(simulator).data, "serial": "OTHER123"},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], pull_form(simulator, "123456")
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "wrong_device")


# -- reauthentication ----------------------------------------------------------------------


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_reauth_when_the_password_changes(
    hass: HomeAssistant, simulator: WebJsonSimulator, loaded_entry: MockConfigEntry
) -> None:
    entry = loaded_entry
    simulator.password = "changed"
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


@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
@pytest.mark.usefixtures("socket_enabled")
async def test_reauth_refuses_another_device(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    entry = mock_config_entry
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


# -- options -------------------------------------------------------------------------------


async def test_options(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_OFFLINE_WINDOW: 120,
            CONF_COMMAND_TIMEOUT: 30,
            CONF_CATCH_UP_AFTER: 600,
            CONF_ONLINE_AUTHORIZATION: "deny",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.options == {
        CONF_OFFLINE_WINDOW: 120,
        CONF_COMMAND_TIMEOUT: 30,
        CONF_CATCH_UP_AFTER: 600,
        CONF_ONLINE_AUTHORIZATION: "deny",
    }
    coordinator = loaded_entry.runtime_data.coordinator
    assert coordinator.offline_window == 120
    assert coordinator.terminal.command_timeout == 30


@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
async def test_a_terminal_we_call_without_firmware_is_offered_only_the_catch_up_window(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Home Assistant calls it (no offline window, no command wait) and it takes no firmware.

    Its records can still arrive late (the log of a terminal that was unreachable), so the
    catch-up window is its one option.
    """
    assert AccessTerminalConfigFlow.async_supports_options_flow(loaded_entry)
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert {str(key) for key in result["data_schema"].schema} == {CONF_CATCH_UP_AFTER}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_CATCH_UP_AFTER: 0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_CATCH_UP_AFTER: 0}


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_a_terminal_we_call_is_offered_only_its_firmware_options(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert {str(key) for key in result["data_schema"].schema} == {
        CONF_CATCH_UP_AFTER,
        CONF_FIRMWARE_URL,
        CONF_FIRMWARE_VERSION,
    }
    for form, error in (
        ({CONF_FIRMWARE_URL: "not a url", CONF_FIRMWARE_VERSION: "1"}, "invalid_url"),
        ({CONF_FIRMWARE_URL: "http://files.lan/fw.pkg"}, "firmware_version_required"),
        ({CONF_FIRMWARE_VERSION: "1.2"}, "firmware_url_required"),
    ):
        result = await hass.config_entries.options.async_configure(result["flow_id"], form)
        assert result["errors"] == {"base": error}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_FIRMWARE_URL: " http://files.lan/fw.pkg ", CONF_FIRMWARE_VERSION: " 1.2 "},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {
        CONF_CATCH_UP_AFTER: 120,
        CONF_FIRMWARE_URL: "http://files.lan/fw.pkg",
        CONF_FIRMWARE_VERSION: "1.2",
    }


async def test_terminals_that_call_in_are_offered_the_push_options(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    keys = {str(key) for key in result["data_schema"].schema}
    assert {CONF_OFFLINE_WINDOW, CONF_COMMAND_TIMEOUT, CONF_ONLINE_AUTHORIZATION} <= keys
    assert CONF_FIRMWARE_URL in keys  # an HTTPv2 terminal takes firmware
