"""Events a terminal raises by itself, end to end: a doorbell press, an auxiliary input.

From the ZK simulator's rtlog line to what a user sees: the bus event, the event entity, the
logbook sentence and an automation started by a device trigger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import Event, HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from custom_components.access_terminal import logbook
from custom_components.access_terminal.const import DOMAIN, EVENT_ACCESS_TERMINAL
from custom_components.access_terminal.entity import entity_unique_id
from custom_components.access_terminal.event import stream_unique_id
from custom_components.access_terminal.protocols.model import EventCategory, Family
from simulator.common import jpeg_photo
from simulator.zk_push import INOUT_NONE, VERIFY_OTHER, ZkPushSimulator

from .helpers import TestClient, bus_events, device_id
from .terminals import KITS

type Describe = Callable[[Event], dict[str, str | None]]
ZK = Family.ZK_PUSH
pytestmark = [
    pytest.mark.parametrize("family", [ZK], indirect=True),
    pytest.mark.usefixtures("init_integration"),
]


async def _automation(hass: HomeAssistant, device: str, kind: str) -> list[ServiceCall]:
    """Set up an automation started by the terminal's device trigger of `kind`."""
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    trigger = {"platform": "device", "domain": DOMAIN, "device_id": device, "type": kind}
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "triggers": [trigger],
                    "actions": {
                        "service": "test.automation",
                        "data_template": {"door": "{{ trigger.event.data.door }}"},
                    },
                }
            ]
        },
    )
    return calls


async def _describe(hass: HomeAssistant) -> Describe:
    described: dict[str, Describe] = {}

    def collect(_domain: str, _event_type: str, describe_event: Describe) -> None:
        described["row"] = describe_event

    logbook.async_describe_events(hass, collect)
    await hass.async_block_till_done()
    return described["row"]


async def _watch(hass: HomeAssistant, kind: str) -> tuple[list[ServiceCall], Describe, list[Event]]:
    """Watch what a user sees: an automation on the `kind` trigger, the logbook, the bus."""
    calls = await _automation(hass, device_id(hass, KITS[ZK].serial), kind)
    return calls, await _describe(hass), bus_events(hass)


def _stream_state(hass: HomeAssistant, category: EventCategory, door: int | None) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, stream_unique_id(KITS[ZK].serial, category, door)
    )
    assert entity_id is not None
    return hass.states.get(entity_id)


async def _photo_shown(hass: HomeAssistant, client: TestClient) -> bytes:
    """Return the picture the terminal's photo entity shows, as the frontend fetches it."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "image", DOMAIN, entity_unique_id(KITS[ZK].serial, "last_photo")
    )
    assert entity_id is not None
    response = await client.get(hass.states.get(entity_id).attributes["entity_picture"])
    assert response.status == 200
    return await response.read()


async def test_a_doorbell_press_reaches_the_user(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    hass_client: Callable[[], Awaitable[TestClient]],
) -> None:
    calls, describe, events = await _watch(hass, "doorbell")
    photos: list[bytes] = []

    async def look(event: Event) -> None:
        # What an automation started by the doorbell would show: the visitor's picture.
        photos.append(await _photo_shown(hass, await hass_client()))

    hass.bus.async_listen(EVENT_ACCESS_TERMINAL, look)

    simulator.ring_doorbell(2)
    await simulator.cycle()
    await hass.async_block_till_done()

    # On the bus: a doorbell at door 2, which the terminal itself reported, with its snapshot.
    (event,) = events
    assert (event.data["type"], event.data["door"], event.data["user_id"]) == ("doorbell", 2, None)
    assert event.data["raw_code"] == "rtlog:224"
    assert event.data["has_photo"] is True
    assert photos == [jpeg_photo("visitor at door 2")]
    # Door 2's event entity shows it; door 1's saw nothing.
    assert _stream_state(hass, EventCategory.DOOR, 2).attributes["event_type"] == "doorbell"
    assert _stream_state(hass, EventCategory.DOOR, 1).attributes["event_type"] is None
    assert describe(event)["message"] == "Doorbell rung at Door 2"
    # "When someone rings the doorbell" ran the automation.
    assert [call.data["door"] for call in calls] == [2]


async def test_an_auxiliary_input_reaches_the_user(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    calls, describe, events = await _watch(hass, "aux_input_on")

    simulator.set_aux_input(3, triggered=True)
    simulator.set_aux_input(3, triggered=False)
    await simulator.cycle()
    await hass.async_block_till_done()

    assert [(e.data["type"], e.data["door"]) for e in events] == [
        ("aux_input_on", 3),
        ("aux_input_off", 3),
    ]
    assert [describe(event)["message"] for event in events] == [
        "Auxiliary input 3 triggered",
        "Auxiliary input 3 back to normal",
    ]
    # The terminal-wide alarm stream shows the last of them; only "triggers" ran the automation.
    assert _stream_state(hass, EventCategory.ALARM, None).attributes["event_type"] == (
        "aux_input_off"
    )
    assert [call.data["door"] for call in calls] == [3]


async def test_a_terminal_error_reaches_the_user(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """An error log row: a device_error event in words, on the admin stream, and a trigger."""
    calls, describe, events = await _watch(hass, "device_error")

    simulator.report_error("D01E0005", command=42)
    await simulator.cycle()
    await hass.async_block_till_done()

    (event,) = events
    assert (event.data["type"], event.data["reason"]) == ("device_error", "liveness_failed")
    assert event.data["detail"] == "liveness detection failed (command 42)"
    assert (
        describe(event)["message"] == "The terminal reported error D01E0005: liveness check failed"
    )
    admin = _stream_state(hass, EventCategory.ADMIN, None)
    assert (admin.attributes["event_type"], admin.attributes["raw_code"]) == (
        "device_error",
        "errorlog:D01E0005",
    )
    assert len(calls) == 1


async def test_an_emergency_holds_the_door_open(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """ZK 227 (dual-on): a door event, a sentence, and the lock shows the door held open."""
    calls, describe, events = await _watch(hass, "normally_open_started")
    lock = "lock.cgxh201360001_door_2_lock"
    assert hass.states.get(lock).attributes["held_open"] is None  # not reported yet

    simulator.queue_event(227, "0", door=2, verify=VERIFY_OTHER, inout=INOUT_NONE)
    await simulator.cycle()
    await hass.async_block_till_done()

    (event,) = events
    assert describe(event)["message"] == "Door 2 held open for everyone"
    assert _stream_state(hass, EventCategory.DOOR, 2).attributes["event_type"] == (
        "normally_open_started"
    )
    assert hass.states.get(lock).attributes["held_open"] is True
    assert [call.data["door"] for call in calls] == [2]

    # Dual-off: locked for everyone.
    simulator.queue_event(228, "0", door=2, verify=VERIFY_OTHER, inout=INOUT_NONE)
    await simulator.cycle()
    await hass.async_block_till_done()
    assert describe(events[-1])["message"] == "Door 2 locked for everyone"
    assert hass.states.get(lock).attributes["locked_out"] is True


async def test_an_auxiliary_output_reaches_the_user(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """The aux_output action switches output 1: rtlog 12 then 13 come back as events."""
    calls, describe, events = await _watch(hass, "aux_output_on")
    target = {"device_id": device_id(hass, simulator.serial), "output": 1}
    for duration in (255, 0):  # held on, then off
        task = hass.async_create_task(
            hass.services.async_call(
                DOMAIN, "aux_output", {**target, "duration": duration}, blocking=True
            )
        )
        while not task.done():
            await simulator.cycle()
            await hass.async_block_till_done()
    await simulator.cycle()
    await hass.async_block_till_done()

    assert [(e.data["type"], e.data["door"]) for e in events] == [
        ("aux_output_on", 1),
        ("aux_output_off", 1),
    ]
    assert [describe(event)["message"] for event in events] == [
        "Auxiliary output 1 switched on",
        "Auxiliary output 1 switched off",
    ]
    assert _stream_state(hass, EventCategory.ALARM, None).attributes["event_type"] == (
        "aux_output_off"
    )
    assert [call.data["door"] for call in calls] == [1]


async def test_a_door_that_cannot_be_closed_reaches_the_user(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """Locking a door in its normal-open period: rtlog 37, a device_error the user sees."""
    calls, describe, events = await _watch(hass, "device_error")
    simulator.options["Door1KeepOpenTimeZone"] = "1"  # zone 1: all day, every day
    simulator.follow_schedules()
    lock = er.async_get(hass).async_get_entity_id(
        "lock", DOMAIN, entity_unique_id(simulator.serial, "lock", 1)
    )
    assert lock is not None
    task = hass.async_create_task(
        hass.services.async_call("lock", "lock", {"entity_id": lock}, blocking=True)
    )
    while not task.done():
        await simulator.cycle()
        await hass.async_block_till_done()
    await simulator.cycle()
    await hass.async_block_till_done()

    assert simulator.doors[0].relay  # still held open by its period
    errors = [event for event in events if event.data["type"] == "device_error"]
    assert [(e.data["raw_code"], e.data["door"]) for e in errors] == [("rtlog:37", 1)]
    assert errors[0].data["detail"] == "the door cannot be closed during its normal-open period"
    assert len(calls) == 1


async def test_what_the_terminal_reports_of_itself_reaches_the_user(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """ZK 206, 217, 235, 212, 213: admin events in words, each a trigger of its own."""
    calls, describe, events = await _watch(hass, "device_started")

    for code in (206, 217, 235, 212, 213):
        simulator.queue_event(code, "0", door=1, verify=VERIFY_OTHER, inout=INOUT_NONE)
    await simulator.cycle()
    await hass.async_block_till_done()

    assert [(e.data["type"], e.data["raw_code"], e.data["user_id"]) for e in events] == [
        ("device_started", "rtlog:206", None),
        ("device_connected", "rtlog:217", None),
        ("firmware_upgraded", "rtlog:235", None),
        ("elevator_control_enabled", "rtlog:212", None),
        ("elevator_control_disabled", "rtlog:213", None),
    ]
    assert [describe(event)["message"] for event in events] == [
        "The terminal started",
        "The terminal reached its main controller again",
        "A reader of the terminal was upgraded",
        "Elevator control enabled at the terminal",
        "Elevator control disabled at the terminal",
    ]
    # The admin stream shows the last; only "the terminal starts" ran the automation.
    assert _stream_state(hass, EventCategory.ADMIN, None).attributes["event_type"] == (
        "elevator_control_disabled"
    )
    assert len(calls) == 1


async def test_a_restarted_controller_says_it_started(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """The reboot action: the controller restarts, comes back and reports 206 (device_started)."""
    calls, describe, events = await _watch(hass, "device_started")
    target = {"device_id": device_id(hass, simulator.serial)}
    task = hass.async_create_task(hass.services.async_call(DOMAIN, "reboot", target, blocking=True))
    while not task.done():
        await simulator.cycle()
        await hass.async_block_till_done()
    assert simulator.restarts == 1
    for _ in range(2):  # back online, then its records
        await simulator.cycle()
        await hass.async_block_till_done()

    (event,) = [e for e in events if e.data["type"] == "device_started"]
    assert describe(event)["message"] == "The terminal started"
    assert len(calls) == 1
