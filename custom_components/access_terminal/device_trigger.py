"""Device triggers: "When Front door: someone is let in" in the automation editor, without YAML.

Each trigger listens for the terminal's `access_terminal_event` of one type, optionally for one
user (access) or one door (door events of a terminal with several doors). Only the triggers a
terminal can fire are offered: a terminal without doors has no door triggers.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import InvalidDeviceAutomationConfig
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .const import DOMAIN, EVENT_ACCESS_TERMINAL
from .kinds import terminal_entry_of_device
from .protocols.model import EVENT_CATEGORIES, OPTIONAL_EVENT_TYPES, EventCategory, EventType
from .state import TerminalState

CONF_USER_ID: Final = "user_id"
CONF_DOOR: Final = "door"

# What the editor offers: the events a person would start an automation from.
TRIGGER_TYPES: Final = (
    EventType.ACCESS_GRANTED,
    EventType.ACCESS_DENIED,
    EventType.DOOR_OPENED,
    EventType.DOOR_CLOSED,
    EventType.DOOR_FORCED_OPEN,
    EventType.DOOR_HELD_OPEN,
    EventType.DOORBELL,
    EventType.NORMALLY_OPEN_STARTED,
    EventType.NORMALLY_OPEN_ENDED,
    EventType.LOCKOUT_STARTED,
    EventType.LOCKOUT_ENDED,
    EventType.ALARM,
    EventType.FIRE_ALARM,
    EventType.AUX_INPUT_ON,
    EventType.AUX_INPUT_OFF,
    EventType.AUX_OUTPUT_ON,
    EventType.AUX_OUTPUT_OFF,
    EventType.ENROLLMENT_FINISHED,
    EventType.DEVICE_ERROR,
    EventType.DEVICE_STARTED,
    EventType.DEVICE_CONNECTED,
    EventType.FIRMWARE_UPGRADED,
    EventType.ELEVATOR_CONTROL_ENABLED,
    EventType.ELEVATOR_CONTROL_DISABLED,
)

TRIGGER_SCHEMA: Final = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_TYPE): vol.In([str(kind) for kind in TRIGGER_TYPES]),
        vol.Optional(CONF_USER_ID): vol.All(cv.string, vol.Strip, vol.Length(min=1, max=32)),
        vol.Optional(CONF_DOOR): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
    }
)


def _category(kind: str) -> EventCategory:
    return EVENT_CATEGORIES[EventType(kind)]


def _terminal_state(hass: HomeAssistant, device_id: str) -> TerminalState | None:
    """Return the state of the device's terminal (None: not one of ours, or not loaded)."""
    device = dr.async_get(hass).async_get(device_id)
    terminal = None if device is None else terminal_entry_of_device(hass, device)
    if terminal is None or terminal.state is not ConfigEntryState.LOADED:
        return None
    return terminal.runtime_data.coordinator.data


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """Return the triggers the terminal can fire."""
    state = _terminal_state(hass, device_id)
    if state is None:
        raise InvalidDeviceAutomationConfig(
            translation_domain=DOMAIN,
            translation_key="unknown_device",
            translation_placeholders={"device_id": device_id},
        )
    categories = set(state.event_categories)
    if not state.doors:
        categories.discard(EventCategory.DOOR)
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: str(kind),
        }
        for kind in TRIGGER_TYPES
        if _category(kind) in categories
        and (kind not in OPTIONAL_EVENT_TYPES or kind in state.optional_event_types)
    ]


async def async_get_trigger_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, vol.Schema]:
    """Offer "only for this user" on access triggers, "only this door" on door triggers."""
    category = _category(config[CONF_TYPE])
    if category is EventCategory.ACCESS:
        return {"extra_fields": vol.Schema({vol.Optional(CONF_USER_ID): str})}
    state = _terminal_state(hass, config[CONF_DEVICE_ID])
    if category is EventCategory.DOOR and state is not None and len(state.doors) > 1:
        return {"extra_fields": vol.Schema({vol.Optional(CONF_DOOR): vol.In(state.door_numbers)})}
    return {}


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the terminal's events of the trigger's type (and user or door)."""
    event_data: dict[str, Any] = {CONF_DEVICE_ID: config[CONF_DEVICE_ID], "type": config[CONF_TYPE]}
    for key in (CONF_USER_ID, CONF_DOOR):
        if key in config:
            event_data[key] = config[key]
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: EVENT_ACCESS_TERMINAL,
            CONF_EVENT_DATA: event_data,
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
