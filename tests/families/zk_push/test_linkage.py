"""ZK PUSH linkage rules through Home Assistant, end to end: the controller applies them alone."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN
from simulator.zk_push import ZkPushSimulator
from simulator.zk_push_linkage import Rule
from tests.helpers import device_id, wait_until, with_device
from tests.terminals import ZK_SERIAL

SIREN = {"index": 1, "event": "door_forced_open", "source": 1, "output": 1, "duration": 2}


async def _call(hass: HomeAssistant, sim: ZkPushSimulator, service: str, **data: Any) -> None:
    target = {"device_id": device_id(hass, ZK_SERIAL)}
    await with_device(
        hass, sim, hass.services.async_call(DOMAIN, service, {**target, **data}, blocking=True)
    )


def _released(sim: ZkPushSimulator, door: int) -> bool:
    """Return True while the door's lock is released."""
    return sim.doors[door - 1].relay


def _last_command(sim: ZkPushSimulator) -> str:
    """Return the last command the controller took, without its `C:<id>:`."""
    return sim.commands[-1].split(":", 2)[2]


async def test_a_forced_door_sounds_the_siren_with_home_assistant_stopped(
    hass: HomeAssistant, simulator: ZkPushSimulator, init_integration: MockConfigEntry
) -> None:
    """Door 1 forced open: auxiliary output 1 on for 2 s, by the controller's own rule."""
    simulator.door_second = 0.05  # one "second" of the controller's output timers
    await _call(hass, simulator, "set_linkage", **SIREN)
    assert _last_command(simulator) == (
        "DATA UPDATE inoutfun Index=1\tEventType=102\tInAddr=1\tOutType=1\tOutAddr=1"
        "\tOutTime=2\tReserved=0"
    )
    assert simulator.linkage.rules == {1: Rule(1, 102, 1, 1, 1, 2)}

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    loop = asyncio.get_running_loop()
    simulator.force_door(1)
    forced_at = loop.time()
    assert simulator.aux_on == {1}  # at once, nobody asked
    await wait_until(lambda: not simulator.aux_on)
    assert loop.time() - forced_at >= 2 * simulator.door_second
    # The controller noted the linkage (code 6, its verifytype the event that started it).
    assert "\tevent=6\t" in simulator.pending_records[-1]
    assert "\tverifytype=102\t" in simulator.pending_records[-1]

    # Another door forced: this rule is door 1's only.
    simulator.force_door(2)
    assert simulator.aux_on == set()


@pytest.mark.usefixtures("init_integration")
async def test_a_rule_anywhere_drives_a_lock_and_is_deleted(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """Doorbell anywhere: door 2's lock held open; deleting the rule ends it, then all rules."""
    rule = {"index": 3, "event": "doorbell", "output_type": "lock", "output": 2, "duration": 255}
    await _call(hass, simulator, "set_linkage", **rule)
    simulator.ring_doorbell(1, snapshot=False)
    assert _released(simulator, 2)
    assert simulator.doors[1].normal_open
    # Home Assistant sees door 2 swing open, as the controller reports it.
    await simulator.cycle()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{ZK_SERIAL.lower()}_door_2").state == "on"
    await _call(hass, simulator, "set_linkage", **{**rule, "duration": 0})  # replaced: close
    simulator.ring_doorbell(2, snapshot=False)
    assert not _released(simulator, 2)

    await _call(hass, simulator, "delete_linkage", index=3)
    assert _last_command(simulator) == "DATA DELETE inoutfun Index=3"
    assert simulator.linkage.rules == {}
    await _call(hass, simulator, "set_linkage", **SIREN)
    await _call(hass, simulator, "delete_linkage", all_linkages=True)
    assert _last_command(simulator) == "DATA DELETE inoutfun *"
    assert simulator.linkage.rules == {}


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        # The simulated controller: 2 doors, 4 auxiliary inputs, 1 auxiliary output.
        ({"source": 3}, "door 3 is not one of 1 to 2"),
        ({"event": "aux_input_on", "source": 5}, "auxiliary input 5 is not one of 1 to 4"),
        ({"output": 2}, "auxiliary output 2 is not one of 1 to 1"),
        ({"output_type": "lock", "output": 3}, "door 3 is not one of 1 to 2"),
        # An alarm needs its reason; a door event has none.
        ({"event": "alarm"}, "alarm cannot start a linkage here"),
        ({"reason": "tamper"}, "door_forced_open (tamper) cannot start a linkage here"),
    ],
)
async def test_rules_naming_what_the_controller_lacks_are_refused(
    hass: HomeAssistant, simulator: ZkPushSimulator, data: dict[str, Any], problem: str
) -> None:
    sent = len(simulator.commands)
    with pytest.raises(ServiceValidationError) as refusal:
        await _call(hass, simulator, "set_linkage", **{**SIREN, **data})
    assert refusal.value.translation_key == "invalid_request"
    assert problem in str(refusal.value.translation_placeholders)
    assert len(simulator.commands) == sent
    assert simulator.linkage.rules == {}


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("set_linkage", {**SIREN, "event": "access_granted"}),  # no linkage trigger
        ("set_linkage", {**SIREN, "event": "earthquake"}),
        ("set_linkage", {**SIREN, "index": 0}),
        ("set_linkage", {**SIREN, "index": 256}),
        ("set_linkage", {**SIREN, "source": -1}),
        ("set_linkage", {**SIREN, "output": 0}),
        ("set_linkage", {**SIREN, "output_type": "sprinkler"}),
        ("set_linkage", {**SIREN, "duration": -1}),
        ("set_linkage", {**SIREN, "duration": 256}),
        ("set_linkage", {**SIREN, "event": "alarm", "reason": "fire"}),
        ("set_linkage", {k: v for k, v in SIREN.items() if k != "event"}),
        ("delete_linkage", {"index": 0}),
        ("delete_linkage", {"index": "first"}),
    ],
)
async def test_linkage_actions_refuse_bad_fields(
    hass: HomeAssistant, simulator: ZkPushSimulator, service: str, data: dict[str, Any]
) -> None:
    sent = len(simulator.commands)
    with pytest.raises(vol.Invalid):
        await _call(hass, simulator, service, **data)
    assert len(simulator.commands) == sent


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("data", [{}, {"index": 1, "all_linkages": True}])
async def test_deleting_needs_one_rule_or_all(
    hass: HomeAssistant, simulator: ZkPushSimulator, data: dict[str, Any]
) -> None:
    await _call(hass, simulator, "set_linkage", **SIREN)
    sent = len(simulator.commands)
    with pytest.raises(ServiceValidationError) as refusal:
        await _call(hass, simulator, "delete_linkage", **data)
    assert refusal.value.translation_key == "delete_linkage_which"
    assert len(simulator.commands) == sent
    assert set(simulator.linkage.rules) == {1}


@pytest.mark.usefixtures("init_integration")
async def test_a_tamper_alarm_anywhere_sounds_the_siren(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """alarm + reason tamper is Appendix 2 code 100: the controller's tamper switch drives it."""
    simulator.door_second = 100.0  # the siren stays on for the test
    siren = {**SIREN, "event": "alarm", "reason": "tamper", "source": 0}
    await _call(hass, simulator, "set_linkage", **siren)
    assert "\tEventType=100\tInAddr=0\t" in _last_command(simulator)
    simulator.queue_event(101, "0", door=2)  # duress: not this rule
    assert simulator.aux_on == set()
    simulator.queue_event(100, "0", door=2)  # taken off the wall
    assert simulator.aux_on == {1}
