"""ZK PUSH settings, auxiliary outputs and door schedules through Home Assistant, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN, EVENT_ACCESS_TERMINAL
from custom_components.access_terminal.protocols.access import DoorSchedules, Interval, TimeRule
from simulator.zk_push import ZkPushSimulator
from tests.helpers import device_id, wait_until, with_device
from tests.terminals import ZK_SERIAL

ENTITY = ZK_SERIAL.lower()
UNLOCK_TIME = f"number.{ENTITY}_door_1_unlock_time"
HELD_OPEN = f"number.{ENTITY}_door_2_held_open_alarm_delay"
INTERLOCK = f"select.{ENTITY}_interlock"
BETWEEN_DOORS = f"select.{ENTITY}_anti_passback_between_doors"


def released(sim: ZkPushSimulator, door: int) -> bool:
    """Return True while the door's lock is released."""
    return sim.doors[door - 1].relay


async def _set(
    hass: HomeAssistant, sim: ZkPushSimulator, domain: str, service: str, **data: object
) -> None:
    """Call an entity service while the simulated controller polls."""
    await with_device(hass, sim, hass.services.async_call(domain, service, data, blocking=True))


async def _set_number(
    hass: HomeAssistant, sim: ZkPushSimulator, entity_id: str, value: float
) -> None:
    await _set(hass, sim, "number", "set_value", entity_id=entity_id, value=value)


async def _enable(
    hass: HomeAssistant, sim: ZkPushSimulator, entry: MockConfigEntry, entity_id: str
) -> None:
    """Enable an entity that is off by default; it shows once the terminal is back online."""
    er.async_get(hass).async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await sim.connect()
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_unlock_time_of_two_seconds_opens_for_two_seconds(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """Set at the number entity, the terminal keeps the door released 2 s after a granted access."""
    assert hass.states.get(UNLOCK_TIME).state == "5"  # as the terminal registered
    await _set_number(hass, simulator, UNLOCK_TIME, 2)
    assert simulator.options["Door1Drivertime"] == "2"
    assert hass.states.get(UNLOCK_TIME).state == "2"

    simulator.door_second = 0.05  # one door "second" (the simulator's drive timer)
    simulator.add_local_user("7", "Grace")
    loop = asyncio.get_running_loop()
    assert simulator.verify("7", door=1) == 0
    opened_at = loop.time()
    assert simulator.releases[-1] == (1, 2)  # released for the 2 s set
    await simulator.cycle()
    await hass.async_block_till_done()
    lock, contact = f"lock.{ENTITY}_door_1_lock", f"binary_sensor.{ENTITY}_door_1"
    assert hass.states.get(contact).state == "on"
    assert hass.states.get(lock).state == "open"

    await wait_until(lambda: not simulator.doors[0].relay)
    assert loop.time() - opened_at >= 2 * simulator.door_second
    await simulator.cycle()
    await hass.async_block_till_done()
    assert hass.states.get(contact).state == "off"
    assert hass.states.get(lock).state == "locked"


@pytest.mark.usefixtures("init_integration")
async def test_values_the_terminal_cannot_take_are_refused(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """Out of the terminal's range, or between its steps: a clear error, nothing sent."""
    assert hass.states.get(HELD_OPEN).attributes["max"] == 254
    sent = len(simulator.commands)
    with pytest.raises(ServiceValidationError) as refusal:
        await _set_number(hass, simulator, HELD_OPEN, 2.5)
    assert refusal.value.translation_key == "invalid_request"
    with pytest.raises(ServiceValidationError):
        await _set_number(hass, simulator, HELD_OPEN, 300)
    assert len(simulator.commands) == sent
    assert simulator.options["Door2Detectortime"] == "15"
    await _set_number(hass, simulator, HELD_OPEN, 30)
    assert simulator.options["Door2Detectortime"] == "30"


@pytest.mark.usefixtures("init_integration")
async def test_settings_read_again(hass: HomeAssistant, simulator: ZkPushSimulator) -> None:
    """A change made at the terminal's menu shows after the next read."""
    simulator.options["Door1Drivertime"] = "9"
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinator
    await with_device(hass, simulator, coordinator.terminal.read_settings())
    assert hass.states.get(UNLOCK_TIME).state == "9"


@pytest.mark.usefixtures("init_integration")
async def test_settings_unavailable_offline(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A terminal not heard from: its settings are unavailable, not the last values."""
    assert hass.states.get(UNLOCK_TIME).state == "5"
    for _ in range(3):
        freezer.tick(timedelta(seconds=60))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert hass.states.get(UNLOCK_TIME).state == STATE_UNAVAILABLE


async def test_interlock_keeps_the_second_door_shut(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Interlock set from its select: door 2 stays shut while door 1 is open, then opens."""
    registry = er.async_get(hass)
    for entity_id in (INTERLOCK, BETWEEN_DOORS):  # rarely used: off by default
        registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await simulator.connect()
    await hass.async_block_till_done()
    assert hass.states.get(INTERLOCK).state == "off"
    assert hass.states.get(INTERLOCK).attributes["options"] == ["off", "doors_1_2"]

    await _set(hass, simulator, "select", "select_option", entity_id=INTERLOCK, option="doors_1_2")
    assert simulator.options["InterLock"] == "1"
    assert hass.states.get(INTERLOCK).state == "doors_1_2"

    simulator.add_local_user("7", "Grace")
    simulator.door_second = 100.0  # door 1 stays open through the test
    assert simulator.verify("7", door=1) == 0
    assert simulator.verify("7", door=2) == 25  # interlock: refused
    assert not released(simulator, 2)
    with pytest.raises(HomeAssistantError, match="command execution error"):
        await with_device(
            hass,
            simulator,
            hass.services.async_call(
                DOMAIN,
                "open_door",
                {"device_id": device_id(hass, ZK_SERIAL), "door": 2},
                blocking=True,
            ),
        )
    assert not released(simulator, 2)

    await _set(hass, simulator, "select", "select_option", entity_id=INTERLOCK, option="off")
    assert simulator.verify("7", door=2) == 0
    assert released(simulator, 2)

    # Anti-passback between the two doors: the choices a two-door controller has.
    assert hass.states.get(BETWEEN_DOORS).attributes["options"] == ["off", "doors_1_2"]
    await _set(
        hass, simulator, "select", "select_option", entity_id=BETWEEN_DOORS, option="doors_1_2"
    )
    assert simulator.options["AntiPassback"] == "1"
    assert hass.states.get(BETWEEN_DOORS).state == "doors_1_2"


@pytest.mark.usefixtures("init_integration")
async def test_aux_output_action(hass: HomeAssistant, simulator: ZkPushSimulator) -> None:
    """aux_output drives the controller's output; one it does not have is refused, unsent."""
    target = {"device_id": device_id(hass, ZK_SERIAL)}
    simulator.door_second = 100.0
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN, "aux_output", {**target, "output": 1, "duration": 3}, blocking=True
        ),
    )
    assert simulator.aux_on == {1}
    assert simulator.door_commands[-1] == ("01", 1, 2, 3)
    sent = len(simulator.commands)
    with pytest.raises(ServiceValidationError) as refusal:
        await hass.services.async_call(DOMAIN, "aux_output", {**target, "output": 2}, blocking=True)
    assert refusal.value.translation_key == "invalid_request"
    assert len(simulator.commands) == sent


async def test_door_schedule_frees_the_door_with_home_assistant_stopped(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """A normal-open period written with the access tables runs on the terminal's own clock."""
    monday = datetime(2025, 1, 13, 8, 0, tzinfo=dt_util.UTC)  # the simulator's zone is UTC
    simulator.set_clock(monday)
    shop = TimeRule(week=((Interval(9 * 60, 18 * 60),),) * 5 + ((), ()))
    terminal = init_integration.runtime_data.coordinator.terminal
    plan = terminal.compile_access([], date(2025, 1, 13), doors=DoorSchedules({1: shop}))
    await with_device(hass, simulator, terminal.set_access_tables(plan.tables))
    assert simulator.options["Door1KeepOpenTimeZone"] == "2"
    assert simulator.options["Door2KeepOpenTimeZone"] == "0"

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    await simulator.cycle()
    assert not released(simulator, 1)  # 08:00: before the period

    simulator.set_clock(monday.replace(hour=9, minute=30))
    await simulator.cycle()  # Home Assistant does not answer: the terminal goes on alone
    assert not simulator.connected
    assert released(simulator, 1)
    assert simulator.doors[0].normal_open
    assert not released(simulator, 2)

    simulator.set_clock(monday.replace(hour=18, minute=1))
    await simulator.cycle()
    assert not simulator.doors[0].relay


@pytest.mark.usefixtures("init_integration")
async def test_scheduled_opening_skipped_for_today(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """Turned off, the switch shuts a door freed by its period until tomorrow; on, frees it."""
    monday = datetime(2025, 1, 13, 10, 0, tzinfo=dt_util.UTC)
    simulator.set_clock(monday)
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinator
    terminal = coordinator.terminal
    always = TimeRule(week=((Interval(0, 24 * 60),),) * 7)
    plan = terminal.compile_access([], date(2025, 1, 13), doors=DoorSchedules({1: always}))
    await with_device(hass, simulator, terminal.set_access_tables(plan.tables))
    await simulator.cycle()
    assert released(simulator, 1)

    switch = f"switch.{ENTITY}_door_1_scheduled_opening_today"
    assert hass.states.get(switch).state == "on"
    await _set(hass, simulator, "switch", "turn_off", entity_id=switch)
    assert hass.states.get(switch).state == "off"
    assert simulator.options["Door1CancelKeepOpenDelay"] == "20250113"
    await simulator.cycle()
    assert not released(simulator, 1)

    await _set(hass, simulator, "switch", "turn_on", entity_id=switch)
    assert hass.states.get(switch).state == "on"
    assert released(simulator, 1)


async def test_language_select_sets_the_terminal_language(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """The Language option (Appendix 4) as a select: read, written, and names follow it."""
    language = f"select.{ENTITY}_language"
    await _enable(hass, simulator, init_integration, language)  # off by default
    assert hass.states.get(language).state == "en"
    assert "zh_hans" in hass.states.get(language).attributes["options"]

    await _set(hass, simulator, "select", "select_option", entity_id=language, option="zh_hans")
    assert simulator.options["Language"] == "83"
    assert hass.states.get(language).state == "zh_hans"
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.terminal.caps.encoding == "gb18030"  # names now go in GB18030

    sent = len(simulator.commands)
    with pytest.raises(ServiceValidationError):
        await _set(hass, simulator, "select", "select_option", entity_id=language, option="tlh")
    assert len(simulator.commands) == sent
    assert simulator.options["Language"] == "83"


@pytest.mark.usefixtures("init_integration")
async def test_test_host_action(hass: HomeAssistant, simulator: ZkPushSimulator) -> None:
    """test_host asks the controller whether it reaches an address; bad input is refused."""
    device = device_id(hass, ZK_SERIAL)
    simulator.reachable_hosts.add(("192.168.1.10", 80))

    async def test(host: str, port: int) -> object:
        return await with_device(
            hass,
            simulator,
            hass.services.async_call(
                DOMAIN,
                "test_host",
                {"device_id": device, "host": host, "port": port},
                blocking=True,
                return_response=True,
            ),
        )

    assert await test("192.168.1.10", 80) == {"devices": {device: {"reachable": True}}}
    assert await test("192.168.1.11", 80) == {"devices": {device: {"reachable": False}}}
    assert simulator.commands[-1].endswith(":Test Host Address=192.168.1.11:80")
    sent = len(simulator.commands)
    with pytest.raises(ServiceValidationError) as refusal:
        await hass.services.async_call(
            DOMAIN,
            "test_host",
            {"device_id": device, "host": "not-an-address", "port": 80},
            blocking=True,
            return_response=True,
        )
    assert refusal.value.translation_key == "invalid_request"
    assert len(simulator.commands) == sent


@pytest.mark.usefixtures("init_integration")
async def test_identity_card_registration_action(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """The reader of door 2 registers identity cards: each one read is an id_card_read event."""
    device = device_id(hass, ZK_SERIAL)
    events: list[Mapping[str, object]] = []
    hass.bus.async_listen(EVENT_ACCESS_TERMINAL, lambda event: events.append(event.data))
    assert not simulator.present_identity_card("26121292460088826975", "Li Lei", door=2)

    async def register(**data: object) -> None:
        await with_device(
            hass,
            simulator,
            hass.services.async_call(
                DOMAIN, "id_card_registration", {"device_id": device, **data}, blocking=True
            ),
        )

    await register(door=2, duration=60)
    assert simulator.present_identity_card("26121292460088826975", "Li Lei", door=2)
    assert not simulator.present_identity_card("1", "Someone", door=1)  # not that door
    await simulator.cycle()
    await hass.async_block_till_done()
    cards = [event for event in events if event["type"] == "id_card_read"]
    assert [event["card_number"] for event in cards] == ["26121292460088826975"]

    await register(door=2, enabled=False)
    assert not simulator.present_identity_card("26121292460088826975", "Li Lei", door=2)
    sent = len(simulator.commands)
    with pytest.raises(ServiceValidationError):
        await register(door=3)  # a two-door controller
    with pytest.raises(vol.Invalid):
        await register(door=1, duration=0)
    assert len(simulator.commands) == sent


async def test_records_dropped_when_the_log_is_full(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """DelRecord (Appendix 12) as a number: a full log then deletes that many oldest records."""
    dropped = f"number.{ENTITY}_records_dropped_when_the_log_is_full"
    await _enable(hass, simulator, init_integration, dropped)  # off by default
    assert hass.states.get(dropped).state == "0"

    simulator.record_capacity = 3
    for pin in ("1", "2", "3"):
        simulator.queue_event(27, pin)
    # Nothing dropped: a full log keeps what it has and records nothing more.
    assert simulator.queue_event(27, "4") == ""
    pins = [line.split("\t")[1] for line in simulator.pending_records]
    assert pins == ["pin=1", "pin=2", "pin=3"]

    await _set_number(hass, simulator, dropped, 2)
    assert simulator.options["DelRecord"] == "2"
    assert hass.states.get(dropped).state == "2"
    simulator.queue_event(27, "5")
    stored = simulator.uploaded_records + simulator.pending_records  # oldest first
    assert [line.split("\t")[1] for line in stored] == ["pin=3", "pin=5"]

    sent = len(simulator.commands)
    for wrong in (-1, 65536, 1.5):
        with pytest.raises(ServiceValidationError):
            await _set_number(hass, simulator, dropped, wrong)
    assert len(simulator.commands) == sent
    assert simulator.options["DelRecord"] == "2"
