"""Names: a terminal's records often carry only a user id; the integration names the person."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.protocols.model import Family
from simulator.control_api import ControlApiSimulator
from simulator.zk_push import VERIFY_FACE, ZkPushSimulator

from .helpers import bus_events, device_id, poll, settle_until
from .terminals import CONTROL_SERIAL

LAST_USER = f"sensor.{CONTROL_SERIAL.lower()}_last_user"


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_a_user_enrolled_at_the_terminal_is_named_from_its_record(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """The user row a ZK terminal uploads names the person: their punches carry the name."""
    events = bus_events(hass)
    simulator.add_local_user("7", "Grace")
    await simulator.cycle()
    await hass.async_block_till_done()
    assert (events[-1].data["type"], events[-1].data["user_name"]) == ("user_updated", "Grace")
    simulator.queue_event(0, "7", door=1, verify=VERIFY_FACE)
    await simulator.cycle()
    await hass.async_block_till_done()
    assert (events[-1].data["type"], events[-1].data["user_name"]) == ("access_granted", "Grace")


@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_names_are_asked_for_once_and_kept(
    hass: HomeAssistant, simulator: ControlApiSimulator, mock_config_entry: MockConfigEntry
) -> None:
    events = bus_events(hass)
    simulator.punch("2", "fp")
    await poll(hass)
    assert hass.states.get(LAST_USER).state == "2"  # the log says no more
    await settle_until(hass, lambda: hass.states.get(LAST_USER).state == "Bob")
    asked = simulator.commands.count("GetUserInfo")
    assert asked == 1
    simulator.punch("2", "face")
    await poll(hass)
    assert events[-1].data["user_name"] == "Bob"  # known now: no question
    assert simulator.commands.count("GetUserInfo") == asked
    # Remembered across a restart.
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    simulator.punch("2", "card")
    await poll(hass)
    assert events[-1].data["user_name"] == "Bob"


@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_names_written_and_deleted(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    events = bus_events(hass)
    device = device_id(hass, CONTROL_SERIAL)
    await hass.services.async_call(
        DOMAIN, "set_user", {"device_id": device, "user_id": "40", "name": "Olivia"}, blocking=True
    )
    simulator.punch("40")
    await poll(hass)
    assert events[-1].data["user_name"] == "Olivia"
    await hass.services.async_call(
        DOMAIN, "delete_user", {"device_id": device, "user_id": "40"}, blocking=True
    )
    simulator.punch("40")  # a log of someone deleted since
    await poll(hass)
    assert events[-1].data["user_name"] is None


@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_a_terminal_that_cannot_say_is_not_asked_again_at_once(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    with patch("custom_components.access_terminal.names.LOOKUP_DELAY", 0):
        simulator.punch("999")  # nobody the terminal knows
        await poll(hass)
        await settle_until(hass, lambda: "GetUserInfo" in simulator.commands)
        asked = simulator.commands.count("GetUserInfo")
        simulator.punch("999")
        await poll(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.commands.count("GetUserInfo") == asked
    assert hass.states.get(LAST_USER).state == "999"
