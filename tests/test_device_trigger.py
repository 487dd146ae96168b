"""Device triggers: what the automation editor offers for a terminal, and that they fire."""

from __future__ import annotations

from typing import Any

from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.components.device_automation.exceptions import InvalidDeviceAutomationConfig
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
    async_mock_service,
)
import voluptuous_serialize  # type: ignore[import-untyped]

from custom_components.access_terminal import device_trigger
from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.protocols.model import Family
from simulator.zk_push import VERIFY_OTHER, ZkPushSimulator
from simulator.zk_push_doors import EVENT_DOOR_OPENED

from .families.httpv2.device import HttpV2Device
from .helpers import device_id
from .terminals import ALL_FAMILIES, KITS

ALL_TRIGGERS = [
    "access_granted",
    "access_denied",
    "door_opened",
    "door_closed",
    "door_forced_open",
    "door_held_open",
    "doorbell",
    "normally_open_started",
    "normally_open_ended",
    "lockout_started",
    "lockout_ended",
    "alarm",
    "fire_alarm",
    "aux_input_on",
    "aux_input_off",
    "aux_output_on",
    "aux_output_off",
    "enrollment_finished",
    "device_error",
    "device_started",
    "device_connected",
    "firmware_upgraded",
    "elevator_control_enabled",
    "elevator_control_disabled",
]
# What only some families report: a doorbell, door modes, a fire input, auxiliary inputs and
# outputs, errors, what a terminal reports of itself (a start, an upgrade, elevator control).
_DOOR_MODES = {"normally_open_started", "normally_open_ended", "lockout_started", "lockout_ended"}
_OPTIONAL = {"doorbell", "fire_alarm", "aux_input_on", "aux_input_off", "device_error"}
_OPTIONAL |= {"aux_output_on", "aux_output_off"}
_DEVICE_STATUS = {"device_started", "device_connected", "firmware_upgraded"}
_OPTIONAL |= {*_DEVICE_STATUS, "elevator_control_enabled", "elevator_control_disabled"}
_OPTIONAL |= _DOOR_MODES
COMMON = [kind for kind in ALL_TRIGGERS if kind not in _OPTIONAL]
_HTTPV2 = {"fire_alarm", "device_error", *_DOOR_MODES}
# What each family can fire: no door triggers without doors, no alarm without alarms.
OFFERED = {
    Family.HTTPV2: [kind for kind in ALL_TRIGGERS if kind in COMMON or kind in _HTTPV2],
    # The simulated controller's EventTypes has the doorbell, auxiliary inputs and outputs,
    # normal-open periods, its start, reconnection, reader upgrades and elevator control, no
    # fire input and no emergency lock-out; no ZK code ends a lock-out.
    Family.ZK_PUSH: [
        kind
        for kind in ALL_TRIGGERS
        if kind not in {"fire_alarm", "lockout_started", "lockout_ended"}
    ],
    Family.CLOUD_WS: COMMON,
    Family.WEBJSON: [kind for kind in COMMON if kind != "alarm"],
    Family.CONTROL_API: ["access_granted", "access_denied", "enrollment_finished"],
}


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_triggers_offered(hass: HomeAssistant, family: Family) -> None:
    device = device_id(hass, KITS[family].serial)
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device)
    ours = [trigger for trigger in triggers if trigger["domain"] == DOMAIN]
    assert [trigger["type"] for trigger in ours] == OFFERED[family]
    assert all(trigger["device_id"] == device for trigger in ours)


async def _capabilities(hass: HomeAssistant, device: str, kind: str) -> list[dict[str, Any]]:
    config = {"platform": "device", "domain": DOMAIN, "device_id": device, "type": kind}
    capabilities = await device_trigger.async_get_trigger_capabilities(hass, config)
    if "extra_fields" not in capabilities:
        return []
    fields: list[dict[str, Any]] = voluptuous_serialize.convert(
        capabilities["extra_fields"], custom_serializer=cv.custom_serializer
    )
    return fields


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_one_user_or_one_door(hass: HomeAssistant, family: Family) -> None:
    """Access triggers may name a user; door triggers a door where there are several."""
    device = device_id(hass, KITS[family].serial)
    (user,) = await _capabilities(hass, device, "access_granted")
    assert (user["name"], user["optional"], user["type"]) == ("user_id", True, "string")
    (door,) = await _capabilities(hass, device, "door_opened")
    assert door["name"] == "door"
    assert [option[0] for option in door["options"]] == [1, 2]
    assert await _capabilities(hass, device, "alarm") == []


@pytest.mark.usefixtures("loaded_entry")
async def test_no_door_choice_on_a_one_door_terminal(hass: HomeAssistant) -> None:
    device = device_id(hass, KITS[Family.HTTPV2].serial)
    assert await _capabilities(hass, device, "door_opened") == []


async def test_unknown_device(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)  # not loaded
    device = device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id, identifiers={(DOMAIN, "X")}
    )
    with pytest.raises(InvalidDeviceAutomationConfig):
        await device_trigger.async_get_triggers(hass, device.id)


async def _automation(hass: HomeAssistant, trigger: dict[str, Any]) -> list[ServiceCall]:
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "triggers": [{"platform": "device", "domain": DOMAIN, **trigger}],
                    "actions": {
                        "service": "test.automation",
                        "data_template": {"who": "{{ trigger.event.data.user_name }}"},
                    },
                }
            ]
        },
    )
    return calls


async def test_someone_let_in_fires(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    """The automation of "someone is let in" runs for that user only, where one is given."""
    device = device_id(hass, KITS[Family.HTTPV2].serial)
    trigger = {"device_id": device, "type": "access_granted", "user_id": "9"}
    calls = await _automation(hass, trigger)
    await httpv2_device.record(3, UserID="1", Name="Alice")
    await httpv2_device.record(19, UserID="0", Name="")
    await httpv2_device.record(3, UserID="9", Name="Bob")
    await hass.async_block_till_done()
    assert [call.data["who"] for call in calls] == ["Bob"]


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_door_trigger_of_one_door(
    hass: HomeAssistant, simulator: ZkPushSimulator, family: Family
) -> None:
    device = device_id(hass, KITS[family].serial)
    calls = await _automation(hass, {"device_id": device, "type": "door_opened", "door": 2})
    for door in (1, 2):
        simulator.queue_event(EVENT_DOOR_OPENED, "0", door=door, verify=VERIFY_OTHER, inout=2)
    await simulator.cycle()
    await hass.async_block_till_done()
    assert len(calls) == 1


def test_every_trigger_type_is_an_event_type() -> None:
    """A trigger listens for the bus event's `type`: each one must be a real event type."""
    schema = device_trigger.TRIGGER_SCHEMA
    for kind in ALL_TRIGGERS:
        schema({"platform": "device", "domain": DOMAIN, "device_id": "x", "type": kind})
    assert [str(kind) for kind in device_trigger.TRIGGER_TYPES] == ALL_TRIGGERS
