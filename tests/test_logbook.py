"""The logbook: each access_terminal_event as a sentence naming the person and the door."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal import logbook
from custom_components.access_terminal.const import DOMAIN, EVENT_ACCESS_TERMINAL
from custom_components.access_terminal.protocols.model import Family
from simulator.control_api import ControlApiSimulator

from .families.httpv2.device import HttpV2Device
from .helpers import bus_events, poll, settle_until
from .terminals import HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")
ALARM_RECORDS = 2  # HTTPv2 UploadSystemRecord: system records (alarms, software commands)
FORCED_DOOR = 15  # "door contact alarm": a door event and an alarm

type Describe = Callable[[Event], dict[str, str | None]]


@pytest.fixture
async def describe(hass: HomeAssistant) -> Describe:
    """Return the integration's logbook description of its event (as the logbook calls it)."""
    described: dict[str, Describe] = {}

    def collect(domain: str, event_type: str, describe_event: Describe) -> None:
        assert (domain, event_type) == (DOMAIN, EVENT_ACCESS_TERMINAL)
        described["row"] = describe_event

    logbook.async_describe_events(hass, collect)
    await hass.async_block_till_done()  # the phrases are loaded
    return described["row"]


def _messages(events: list[Event], describe: Describe) -> list[str | None]:
    return [describe(event)["message"] for event in events]


async def test_access_door_and_alarm_in_words(
    hass: HomeAssistant, httpv2_device: HttpV2Device, describe: Describe
) -> None:
    events = bus_events(hass)
    await httpv2_device.record(3, UserID="9", Name="Bob")
    await httpv2_device.record(19, UserID="0", Name="", CardNum="1234")
    await httpv2_device.system_records(ALARM_RECORDS, FORCED_DOOR)
    await hass.async_block_till_done()
    assert _messages(events, describe) == [
        "Bob was let in at Door 1 by face",
        "Unknown card 1234 refused at Door 1: not registered",
        "Door 1 forced open",
        "Alarm at Door 1: door forced",
    ]
    row = describe(events[0])
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, HTTPV2_SERIAL)})
    assert device is not None
    # Named after the terminal, linked to the stream's event entity.
    assert row["name"] == device.name
    assert row["entity_id"] == f"event.{ENTITY}_access"
    assert describe(events[2])["entity_id"] == f"event.{ENTITY}_door_events"
    assert describe(events[3])["entity_id"] == f"event.{ENTITY}_alarm_events"


@pytest.mark.usefixtures("loaded_entry")
async def test_a_renamed_device_names_the_rows(hass: HomeAssistant, describe: Describe) -> None:
    registry = dr.async_get(hass)
    device = registry.async_get_device(identifiers={(DOMAIN, HTTPV2_SERIAL)})
    assert device is not None
    registry.async_update_device(device.id, name_by_user="Front door")
    data: dict[str, Any] = {
        "type": "door_opened",
        "door": 1,
        "device_id": device.id,
        "serial": HTTPV2_SERIAL,
    }
    assert describe(Event(EVENT_ACCESS_TERMINAL, data))["name"] == "Front door"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"type": "access_granted", "door": 2, "user_id": "7", "methods": ["card", "password"]},
            "User 7 was let in at Door 2 by card, password",
        ),
        ({"type": "access_granted", "door": 1}, "Someone was let in at Door 1"),
        (
            {"type": "access_denied", "door": 1, "card_number": "55", "reason": "expired"},
            "Card 55 refused at Door 1: validity expired",
        ),
        (
            {"type": "access_granted", "door": None, "user_name": "Eve", "methods": ["palm"]},
            "Eve was recognised by palm vein",
        ),
        (
            {"type": "access_denied", "door": None, "reason": "unregistered"},
            "Someone refused: not registered",
        ),
        ({"type": "exit_button", "door": 2}, "Door 2 opened with the exit button"),
        (
            {"type": "alarm_cleared", "door": 1, "reason": "tamper"},
            "Alarm cleared at Door 1: tamper",
        ),
        ({"type": "enrollment_finished", "user_id": "3"}, "User 3 enrolled"),
        (
            {"type": "door_closed", "door": 1, "catch_up": True},
            "Door 1 closed (recorded earlier)",
        ),
        ({"type": "alarm", "door": 1}, "Alarm at Door 1: other"),
    ],
)
async def test_sentences(
    hass: HomeAssistant, describe: Describe, data: dict[str, Any], message: str
) -> None:
    """Without a person, a door or a method the sentence says less, never something wrong."""
    assert describe(Event(EVENT_ACCESS_TERMINAL, data))["message"] == message


@pytest.mark.parametrize("family", [Family.CONTROL_API], indirect=True)
@pytest.mark.parametrize("platforms", [[Platform.SENSOR, Platform.EVENT]], ids=["few"])
@pytest.mark.usefixtures("init_integration")
async def test_a_name_learnt_later_is_shown(
    hass: HomeAssistant, simulator: ControlApiSimulator, describe: Describe
) -> None:
    """A punch carries only the user id; the terminal is asked for the name meanwhile."""
    events = bus_events(hass)
    simulator.punch("2", "fp")
    await poll(hass)
    assert events[-1].data["user_name"] is None  # the log says only "2"
    await settle_until(
        hass, lambda: describe(events[-1])["message"] == "Bob was recognised by fingerprint"
    )
    assert hass.states.get(f"sensor.{simulator.serial.lower()}_last_user").state == "Bob"


async def test_chinese(hass: HomeAssistant, describe: Describe) -> None:
    hass.config.language = "zh-Hans"
    logbook.async_describe_events(hass, lambda _domain, _type, _describe: None)
    await hass.async_block_till_done()
    data = {"type": "access_granted", "door": 1, "user_name": "张三", "methods": ["face"]}
    assert describe(Event(EVENT_ACCESS_TERMINAL, data))["message"] == "张三 在门 1通过人脸通行"


async def test_rows_of_a_terminal_that_went_away(
    hass: HomeAssistant, describe: Describe, mock_config_entry: MockConfigEntry
) -> None:
    """Old rows stay readable: the serial names them when the device is gone."""
    data = {
        "type": "door_opened",
        "door": 1,
        "serial": "GONE123",
        "device_id": "gone",
        "config_entry_id": mock_config_entry.entry_id,
        "user_id": "4",
    }
    row = describe(Event(EVENT_ACCESS_TERMINAL, data))
    assert (row["name"], row["message"], row["entity_id"]) == ("GONE123", "Door 1 opened", None)
    unknown = describe(Event(EVENT_ACCESS_TERMINAL, {**data, "type": "carrier_pigeon"}))
    assert unknown["entity_id"] is None
