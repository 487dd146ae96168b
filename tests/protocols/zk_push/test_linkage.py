"""ZK PUSH linkage rules at the protocol level: what a rule may name, and the inoutfun texts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    InvalidRequestError,
    NotSupportedError,
)
from custom_components.access_terminal.protocols.linkage import LINKAGE_TRIGGERS, LinkageLimits
from custom_components.access_terminal.protocols.model import (
    AlarmReason,
    EventType,
    Linkage,
    LinkageOutput,
)
from custom_components.access_terminal.protocols.zk_push.linkage import (
    TRIGGER_CODES,
    delete_linkage_command,
    linkage_command,
)

from .helpers import Device, obey

LIMITS = LinkageLimits(
    triggers=[
        (EventType.DOOR_FORCED_OPEN, None),
        (EventType.AUX_INPUT_ON, None),
        (EventType.ALARM, AlarmReason.TAMPER),
    ],
    rules=10,
    doors=2,
    aux_inputs=4,
    aux_outputs=1,
)
SIREN = Linkage(
    index=1,
    trigger=EventType.DOOR_FORCED_OPEN,
    source=0,
    output=LinkageOutput.AUX_OUTPUT,
    number=1,
    seconds=30,
)


def _with(**changes: Any) -> Linkage:
    return replace(SIREN, **changes)


def test_every_trigger_is_one_zk_code() -> None:
    assert set(TRIGGER_CODES) == set(LINKAGE_TRIGGERS)
    assert TRIGGER_CODES[EventType.DOOR_FORCED_OPEN, None] == 102
    assert TRIGGER_CODES[EventType.ALARM, AlarmReason.TAMPER] == 100


def test_a_rule_within_the_limits_is_taken() -> None:
    LIMITS.check(SIREN)
    LIMITS.check(_with(trigger=EventType.AUX_INPUT_ON, source=4))
    LIMITS.check(_with(output=LinkageOutput.LOCK, number=2, seconds=255))
    LIMITS.check(_with(trigger=EventType.ALARM, reason=AlarmReason.TAMPER))


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"trigger": EventType.DOORBELL}, "doorbell cannot start a linkage here"),
        # An alarm says which; a door event has no reason.
        ({"trigger": EventType.ALARM}, r"alarm cannot start .*alarm \(tamper\)"),
        ({"trigger": EventType.ALARM, "reason": AlarmReason.FIRE}, r"alarm \(fire\) cannot"),
        ({"reason": AlarmReason.TAMPER}, r"door_forced_open \(tamper\) cannot"),
        ({"index": 0}, "linkage 0 is not one of 1 to 10"),
        ({"index": 11}, "linkage 11 is not one of 1 to 10"),
        ({"source": 3}, "door 3 is not one of 1 to 2"),
        ({"source": -1}, "door -1 is not one of 1 to 2"),
        ({"trigger": EventType.AUX_INPUT_ON, "source": 5}, "auxiliary input 5"),
        ({"number": 2}, "auxiliary output 2 is not one of 1 to 1"),
        ({"output": LinkageOutput.LOCK, "number": 3}, "door 3 is not one of 1 to 2"),
        ({"seconds": 256}, "an output runs 0 to 255 seconds"),
        ({"seconds": -1}, "an output runs 0 to 255 seconds"),
    ],
)
def test_a_rule_beyond_the_limits_is_refused(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidRequestError, match=problem):
        LIMITS.check(_with(**changes))


def test_inoutfun_texts() -> None:
    assert linkage_command(SIREN, dev_id=False) == (
        "DATA UPDATE inoutfun Index=1\tEventType=102\tInAddr=0\tOutType=1\tOutAddr=1"
        "\tOutTime=30\tReserved=0"
    )
    lock = _with(trigger=EventType.AUX_INPUT_ON, source=2, output=LinkageOutput.LOCK, seconds=0)
    assert linkage_command(lock, dev_id=True).endswith(
        "EventType=226\tInAddr=2\tOutType=0\tOutAddr=1\tOutTime=0\tReserved=0"
        "\tInDevID=1\tOutDevID=1"
    )
    tamper = _with(trigger=EventType.ALARM, reason=AlarmReason.TAMPER)
    assert "\tEventType=100\t" in linkage_command(tamper, dev_id=False)
    assert delete_linkage_command(4) == "DATA DELETE inoutfun Index=4"
    assert delete_linkage_command(None) == "DATA DELETE inoutfun *"


async def test_a_controller_takes_rules(controller: Device) -> None:
    """The registered controller: four doors, DevID, no auxiliary outputs."""
    lock = _with(source=3, output=LinkageOutput.LOCK, number=4, seconds=255)
    assert await obey(controller, controller.terminal.set_linkage(lock)) == [
        "DATA UPDATE inoutfun Index=1\tEventType=102\tInAddr=3\tOutType=0\tOutAddr=4"
        "\tOutTime=255\tReserved=0\tInDevID=1\tOutDevID=1"
    ]
    assert await obey(controller, controller.terminal.delete_linkages(None)) == [
        "DATA DELETE inoutfun *"
    ]
    with pytest.raises(InvalidRequestError, match="auxiliary output 1 is not one of 1 to 0"):
        await controller.terminal.set_linkage(SIREN)
    with pytest.raises(InvalidRequestError, match="linkage 256 is not one of 1 to 255"):
        await controller.terminal.delete_linkages(256)
    assert await controller.commands() == []


async def test_an_attendance_terminal_keeps_no_rules(attendance: Device) -> None:
    lock = _with(output=LinkageOutput.LOCK)
    with pytest.raises(NotSupportedError):
        await attendance.terminal.set_linkage(lock)
    with pytest.raises(NotSupportedError):
        await attendance.terminal.delete_linkages(1)
