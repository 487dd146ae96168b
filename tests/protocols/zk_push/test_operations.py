"""Tests of ZK PUSH operations: doors, alarms, restart, clock, options, enrollment, firmware."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta, timezone, tzinfo
import gc
import re
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
)
from custom_components.access_terminal.protocols.model import (
    Credential,
    DoorAction,
    DoorState,
    EventType,
    FirmwareImage,
    UserChange,
)
from custom_components.access_terminal.protocols.zk_push import Endpoint, ZkPushTerminal
from custom_components.access_terminal.protocols.zk_push.operations import door_command

from .helpers import (
    FIRMWARE,
    PLAIN,
    SHORT,
    ZONE,
    Device,
    assert_about_now,
    door,
    issue,
    obey,
    settle,
)

# -- doors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("door", "action", "duration", "text"),
    [
        (1, DoorAction.OPEN, None, "CONTROL DEVICE 01010104"),  # Door1Drivertime=4
        (2, DoorAction.OPEN, None, "CONTROL DEVICE 0102010A"),  # Door2Drivertime=10
        (3, DoorAction.OPEN, None, "CONTROL DEVICE 01030105"),  # the default
        (1, DoorAction.OPEN, 30, "CONTROL DEVICE 0101011E"),
        (4, DoorAction.OPEN, 1, "CONTROL DEVICE 01040101"),
        (1, DoorAction.OPEN, 254, "CONTROL DEVICE 010101FE"),
        (1, DoorAction.HOLD_OPEN, None, "CONTROL DEVICE 010101FF"),
        (3, DoorAction.NORMAL, None, "CONTROL DEVICE 01030100"),
        (2, DoorAction.LOCKOUT, None, "CONTROL DEVICE 06020100"),
        (4, DoorAction.RELEASE_LOCKOUT, None, "CONTROL DEVICE 06040000"),
    ],
)
async def test_door_control_texts(
    controller: Device, door: int, action: DoorAction, duration: int | None, text: str
) -> None:
    operation = controller.terminal.door_control(door, action, duration=duration)
    assert await obey(controller, operation) == [text]


def test_door_numbers_are_hex() -> None:
    # The command writes the door in hex, as a two-digit field.
    assert door_command(10, DoorAction.OPEN, 5) == "CONTROL DEVICE 010A0105"


async def test_a_terminal_announcing_ten_doors_gets_none_of_them(device: Device) -> None:
    # The document numbers doors 1 to 4 (LockCount): an announced ten is refused, not obeyed.
    await device.register("DeviceType=acc,LockCount=10")
    assert set(device.terminal.doors) == {1}
    assert device.terminal.problems.counts["option"] == 1
    with pytest.raises(InvalidRequestError, match="door 10"):
        await device.terminal.door_control(10, DoorAction.OPEN)


@pytest.mark.parametrize(
    ("door", "action", "duration", "message"),
    [
        (0, DoorAction.OPEN, None, "door 0: this terminal has 4 door"),
        (5, DoorAction.OPEN, None, "door 5: this terminal has 4 door"),
        (1, DoorAction.OPEN, 0, "doors open for 1 to 254 seconds"),
        (1, DoorAction.OPEN, 255, "doors open for 1 to 254 seconds"),
        (1, DoorAction.HOLD_OPEN, 5, "only an opening takes a duration"),
        (1, DoorAction.LOCKOUT, 5, "only an opening takes a duration"),
    ],
)
async def test_door_control_refused(
    controller: Device, door: int, action: DoorAction, duration: int | None, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await controller.terminal.door_control(door, action, duration=duration)
    assert await controller.commands() == []


async def test_lockout_needs_door_locking(plain: Device) -> None:
    for action in (DoorAction.LOCKOUT, DoorAction.RELEASE_LOCKOUT):
        with pytest.raises(NotSupportedError, match=f"operation not supported: {action}"):
            await plain.terminal.door_control(1, action)
    assert await plain.commands() == []


async def test_doors_need_a_terminal_that_said_what_it_is(device: Device) -> None:
    with pytest.raises(NotSupportedError, match="open_door"):
        await device.terminal.door_control(1, DoorAction.OPEN)
    await device.handshake(pushver="2.4.1")
    with pytest.raises(NotSupportedError, match="open_door"):
        await device.terminal.door_control(1, DoorAction.OPEN)


async def test_door_modes_follow_the_commands(controller: Device) -> None:
    terminal, listener = controller.terminal, controller.listener
    changes = listener.calls["state_changed"]
    await obey(controller, terminal.door_control(1, DoorAction.HOLD_OPEN))
    assert door(controller, 1).held_open is True
    await obey(controller, terminal.door_control(1, DoorAction.HOLD_OPEN))
    assert listener.calls["state_changed"] == changes + 1
    await obey(controller, terminal.door_control(1, DoorAction.NORMAL))
    assert door(controller, 1).held_open is False
    await obey(controller, terminal.door_control(3, DoorAction.LOCKOUT))
    assert door(controller, 3).locked_out is True
    await obey(controller, terminal.door_control(3, DoorAction.RELEASE_LOCKOUT))
    assert terminal.doors[3] == DoorState(door=3, locked_out=False)
    # Opening says nothing about the modes.
    await obey(controller, terminal.door_control(2, DoorAction.OPEN))
    assert terminal.doors[2] == DoorState(door=2)
    assert listener.calls["state_changed"] == changes + 4


async def test_door_command_failure_is_readable(controller: Device) -> None:
    task, commands = await issue(
        controller, controller.terminal.door_control(1, DoorAction.HOLD_OPEN)
    )
    await controller.report((commands[0][0], -616))
    with pytest.raises(DeviceError, match="device error -616: failed to switch normal-open mode"):
        await task
    assert controller.terminal.doors[1].held_open is None


# Operations whose command must not reach the terminal late, and what their timeout says.
LATE: list[tuple[Callable[[ZkPushTerminal], Coroutine[Any, Any, object]], str]] = [
    (lambda terminal: terminal.door_control(1, DoorAction.OPEN), "door command open"),
    (lambda terminal: terminal.clear_alarm(), "alarm reset"),
    (lambda terminal: terminal.reboot(), "restart"),
    (lambda terminal: terminal.set_time(datetime.now(UTC)), "time setting"),
    (lambda terminal: terminal.start_enrollment("5", Credential.FACE), "enrollment start"),
    (lambda terminal: terminal.push_firmware(FIRMWARE), "firmware push"),
    (lambda terminal: terminal.list_users(), "user listing"),
]


@pytest.mark.parametrize("cancelled", [False, True], ids=["timed out", "caller gave up"])
@pytest.mark.parametrize(("operation", "what"), LATE, ids=[what for _, what in LATE])
async def test_commands_not_taken_in_time_are_withdrawn(
    controller: Device,
    loop_errors: list[dict[str, Any]],
    operation: Callable[[ZkPushTerminal], Coroutine[Any, Any, object]],
    what: str,
    cancelled: bool,
) -> None:
    """Not taken in time, or its caller gone first (an action cancelled, an unload)."""
    if cancelled:
        task = asyncio.create_task(operation(controller.terminal))
        await settle()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    else:
        controller.terminal.command_timeout = SHORT
        with pytest.raises(CommandTimeoutError, match=f"did not complete {what} in time") as err:
            await operation(controller.terminal)
        assert err.value.still_queued is False
        del err  # its traceback holds the operation's frames
    # Never delivered later: a door must not open minutes after it was asked to.
    assert await controller.commands() == []
    # Nothing left behind that asyncio would report as an unhandled error.
    await settle()
    gc.collect()
    assert [context["message"] for context in loop_errors] == []


async def test_clear_alarm(controller: Device) -> None:
    assert await obey(controller, controller.terminal.clear_alarm()) == ["CONTROL DEVICE 02000000"]


async def test_clear_alarm_not_on_attendance_terminals(attendance: Device) -> None:
    with pytest.raises(NotSupportedError):
        await attendance.terminal.clear_alarm()


async def test_door_commands_wait_for_the_doors(device: Device) -> None:
    """Before a controller said which doors it has, no door command is queued."""
    await device.handshake(pushver="3.1.2")
    with pytest.raises(InvalidRequestError, match="not said yet"):
        await device.terminal.door_control(1, DoorAction.OPEN)
    assert await device.commands() == []


# -- restart, clock and options ------------------------------------------------------------------


async def test_reboot_resolves_when_the_controller_takes_it(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.reboot())
    assert [text for _, text in commands] == ["CONTROL DEVICE 03000000"]
    await settle()
    assert task.done()
    await task
    # It may restart before reporting; a late result is taken quietly.
    assert (await controller.report((commands[0][0], 0))).text == "OK"


async def test_reboot_of_an_attendance_terminal(attendance: Device) -> None:
    assert await obey(attendance, attendance.terminal.reboot()) == ["REBOOT"]


@pytest.mark.parametrize(
    ("moment", "zone"),
    [
        # The moment given only names the zone: the clock is read when the controller asks.
        (datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=5))), timezone(timedelta(hours=5))),
        # Without a zone: Home Assistant's.
        (datetime(2020, 1, 1), ZONE),  # noqa: DTZ001
    ],
)
async def test_set_time_takes_the_clock_at_handout(
    controller: Device, moment: datetime, zone: tzinfo
) -> None:
    texts = await obey(controller, controller.terminal.set_time(moment))
    match = re.fullmatch(r"SET OPTIONS DateTime=(\d+)", texts[0])
    assert match is not None
    assert_about_now(match[1], zone)


async def test_set_time_of_an_attendance_terminal(attendance: Device) -> None:
    # It reads the time of every answer and the TimeZone of the options: CHECK re-reads them.
    assert await obey(attendance, attendance.terminal.set_time(datetime.now(UTC))) == ["CHECK"]


async def test_set_options(controller: Device) -> None:
    terminal = controller.terminal
    options = {"Door1Drivertime": "7", "Door1SensorType": "1"}
    assert await obey(controller, terminal.set_options(options)) == [
        "SET OPTIONS Door1Drivertime=7,Door1SensorType=1"
    ]
    assert terminal.options["Door1Drivertime"] == "7"
    assert terminal.info is not None
    assert terminal.info.release_time == 7


async def test_set_options_refused_by_the_terminal(controller: Device) -> None:
    task, commands = await issue(
        controller, controller.terminal.set_options({"Door1Drivertime": "7"})
    )
    await controller.report((commands[0][0], -612))
    with pytest.raises(DeviceError, match="the device failed to save the parameter"):
        await task
    assert controller.terminal.options["Door1Drivertime"] == "4"


@pytest.mark.parametrize(
    "options",
    [{"IPAddress": "1,2"}, {"a=b": "1"}, {"": "1"}, {"Name": "a\nb"}, {"Name": "a\tb"}],
)
async def test_set_options_refuses_what_the_command_cannot_carry(
    controller: Device, options: dict[str, str]
) -> None:
    with pytest.raises(InvalidRequestError, match="no commas, '=', tabs or line breaks"):
        await controller.terminal.set_options(options)
    assert await controller.commands() == []


async def test_get_options(controller: Device) -> None:
    task, commands = await issue(
        controller, controller.terminal.get_options(["~MaxUserCount", "FirmVer", "Unknown"])
    )
    ((number, text),) = commands
    assert text == "GET OPTIONS ~MaxUserCount,FirmVer,Unknown"
    # Section 12.5.2: the values come by querydata, then the result.
    reply = await controller.send(
        Endpoint.QUERYDATA,
        "~MaxUserCount=100,FirmVer=AC Ver 5.8",
        type="options",
        cmdid=str(number),
        tablename="options",
        count="1",
        packcnt="1",
        packidx="1",
    )
    assert reply.status == 200
    await controller.report((number, 0))
    assert await task == {"~MaxUserCount": "100", "FirmVer": "AC Ver 5.8"}
    assert controller.terminal.options["FirmVer"] == "AC Ver 5.8"


@pytest.mark.parametrize("names", [["a,b"], [""], ["a=b"], ["a\nb"]])
async def test_get_options_refuses_what_the_command_cannot_carry(
    controller: Device, names: list[str]
) -> None:
    with pytest.raises(InvalidRequestError, match="no commas, '=', tabs or line breaks"):
        await controller.terminal.get_options(names)


async def test_options_commands_not_on_attendance_terminals(attendance: Device) -> None:
    with pytest.raises(NotSupportedError, match="set_options"):
        await attendance.terminal.set_options({"a": "1"})
    with pytest.raises(NotSupportedError, match="get_options"):
        await attendance.terminal.get_options(["a"])


async def test_get_options_returns_what_was_asked_even_if_not_kept(controller: Device) -> None:
    """GET OPTIONS answers every option asked for, kept or not."""
    task, commands = await issue(controller, controller.terminal.get_options(["~MThreshold"]))
    ((number, text),) = commands
    assert text == "GET OPTIONS ~MThreshold"
    reply = await controller.send(
        Endpoint.QUERYDATA, "~MThreshold=55", type="options", cmdid=str(number)
    )
    assert reply.text == "OK"
    await controller.report((number, 0))
    assert await task == {"~MThreshold": "55"}
    assert "MThreshold" not in controller.terminal.options


# -- enrollment and firmware ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credential", "index", "text"),
    [
        (Credential.FINGERPRINT, None, "ENROLL_BIO type=1\tno=6\tpin=5\tretry=3\toverwrite=1"),
        (Credential.FINGERPRINT, 0, "ENROLL_BIO type=1\tno=0\tpin=5\tretry=3\toverwrite=1"),
        (Credential.FINGERPRINT, 9, "ENROLL_BIO type=1\tno=9\tpin=5\tretry=3\toverwrite=1"),
        (Credential.FACE, None, "ENROLL_BIO type=9\tno=0\tpin=5\tretry=3\toverwrite=1"),
        (Credential.FACE, 0, "ENROLL_BIO type=9\tno=0\tpin=5\tretry=3\toverwrite=1"),
        (Credential.PALM, None, "ENROLL_BIO type=8\tno=0\tpin=5\tretry=3\toverwrite=1"),
        (Credential.PALM, 1, "ENROLL_BIO type=8\tno=1\tpin=5\tretry=3\toverwrite=1"),
    ],
)
async def test_enrollment_texts(
    controller: Device, credential: Credential, index: int | None, text: str
) -> None:
    task, commands = await issue(
        controller, controller.terminal.start_enrollment("005", credential, index)
    )
    assert [command for _, command in commands] == [text]
    # Started once the controller took it; the outcome comes later.
    await task


async def test_enrollment_of_a_near_infrared_face(device: Device) -> None:
    await device.register(f"{PLAIN},MultiBioDataSupport=0:0:1")
    task, commands = await issue(device, device.terminal.start_enrollment("5", Credential.FACE))
    assert commands[0][1] == "ENROLL_BIO type=2\tno=0\tpin=5\tretry=3\toverwrite=1"
    await task


@pytest.mark.parametrize(
    ("credential", "index"),
    [
        (Credential.FINGERPRINT, 10),
        (Credential.FINGERPRINT, -1),
        (Credential.FACE, 1),
        (Credential.PALM, 2),
    ],
)
async def test_enrollment_index_limits(
    controller: Device, credential: Credential, index: int
) -> None:
    with pytest.raises(InvalidRequestError, match=f"index {index} is not valid for {credential}"):
        await controller.terminal.start_enrollment("5", credential, index)


async def test_enrollment_needs_the_reader(plain: Device) -> None:
    for credential in (
        Credential.FINGERPRINT,
        Credential.FACE,
        Credential.CARD,
        Credential.PASSWORD,
    ):
        with pytest.raises(
            NotSupportedError, match=f"operation not supported: enroll {credential}"
        ):
            await plain.terminal.start_enrollment("5", credential)
    with pytest.raises(InvalidRequestError, match="user id 0 is the terminal itself"):
        await plain.terminal.start_enrollment("0", Credential.FINGERPRINT)
    assert await plain.commands() == []


@pytest.mark.parametrize(
    ("credential", "code", "kind", "detail", "changes"),
    [
        (
            Credential.FINGERPRINT,
            0,
            EventType.ENROLLMENT_FINISHED,
            "fingerprint enrolled",
            [("5", UserChange.UPDATED)],
        ),
        (
            Credential.FACE,
            1,
            EventType.ENROLLMENT_FINISHED,
            "face enrolled",
            [("5", UserChange.UPDATED)],
        ),
        (
            Credential.PALM,
            -27,
            EventType.ENROLLMENT_FAILED,
            "fingerprint template for an unknown user",
            [],
        ),
    ],
)
async def test_enrollment_outcome_is_an_admin_event(
    controller: Device,
    credential: Credential,
    code: int,
    kind: EventType,
    detail: str,
    changes: list[tuple[str, UserChange]],
) -> None:
    task, commands = await issue(controller, controller.terminal.start_enrollment("5", credential))
    await task
    await controller.report((commands[0][0], code))
    (event,) = controller.listener.events
    assert (event.type, event.user_id, event.detail, event.raw_code) == (
        kind,
        "5",
        detail,
        f"enroll:{code}",
    )
    assert controller.listener.user_changes == changes


async def test_attendance_enrollment_is_fingerprints_only(attendance: Device) -> None:
    await attendance.upload("options", "FingerFunOn=1,FaceFunOn=1")
    terminal = attendance.terminal
    task, commands = await issue(
        attendance, terminal.start_enrollment("5", Credential.FINGERPRINT, 2)
    )
    assert [text for _, text in commands] == ["ENROLL_FP PIN=5\tFID=2\tRETRY=3\tOVERWRITE=1"]
    await task
    with pytest.raises(NotSupportedError, match="enroll face"):
        await terminal.start_enrollment("5", Credential.FACE)


async def test_push_firmware(controller: Device, caplog: pytest.LogCaptureFixture) -> None:
    task, commands = await issue(controller, controller.terminal.push_firmware(FIRMWARE))
    assert [text for _, text in commands] == [
        "UPGRADE type=1,checksum=a5bf4dcd6020f408589224274aab132d,size=6558,"
        "url=http://ha.local:8123/api/access_terminal/firmware/abc"
    ]
    await task
    await controller.report((commands[0][0], -22))
    assert "did not install the firmware: firmware for another platform (-22)" in caplog.text
    task, again = await issue(controller, controller.terminal.push_firmware(FIRMWARE))
    await task
    await controller.report((again[0][0], 0))
    assert "installed the firmware" in caplog.text


async def test_push_firmware_to_a_controller_in_base64(device: Device) -> None:
    """A controller (MachineType up to 40) takes method 1: the image served base64-encoded."""
    await device.register(f"{PLAIN},MachineType=2")
    terminal = device.terminal
    assert terminal.firmware_download(b"\x00\x01firmware") == b"AAFmaXJtd2FyZQ=="
    task, commands = await issue(device, terminal.push_firmware(FIRMWARE))
    assert [text for _, text in commands] == [
        "UPGRADE checksum=a5bf4dcd6020f408589224274aab132d,"
        "url=http://ha.local:8123/api/access_terminal/firmware/abc,size=6558"
    ]
    await task
    # A terminal of another kind (or none said) downloads the file as it is.
    await device.send(Endpoint.CDATA, "MachineType=101", table="options")
    assert terminal.firmware_download(b"raw") == b"raw"


async def test_push_firmware_needs_a_url(controller: Device) -> None:
    image = FirmwareImage(data=b"x", md5="00")
    with pytest.raises(
        InvalidRequestError, match="ZK terminals download firmware: a URL is needed"
    ):
        await controller.terminal.push_firmware(image)
    with pytest.raises(NotSupportedError, match="push_firmware"):
        await Device().terminal.push_firmware(FIRMWARE)
