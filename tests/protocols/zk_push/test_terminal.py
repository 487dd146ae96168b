"""Tests of the ZK PUSH terminal's life cycle: closing, saved state and diagnostics."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    InvalidRequestError,
    TerminalClosedError,
)
from custom_components.access_terminal.protocols.model import DoorAction, Operation, User
from custom_components.access_terminal.protocols.zk_push import Endpoint, Variant

from .helpers import SHORT, Device, issue, md5, settle

# -- life cycle ----------------------------------------------------------------------------------


async def test_close_fails_waiting_callers_and_keeps_users(controller: Device) -> None:
    terminal = controller.terminal
    door = asyncio.get_running_loop().create_task(terminal.door_control(1, DoorAction.OPEN))
    users = asyncio.get_running_loop().create_task(terminal.set_users([User(user_id="1")]))
    await settle()
    terminal.close()
    for task in (door, users):
        with pytest.raises(TerminalClosedError, match="queued users stay queued"):
            await task
    # The door command is gone; the user's commands wait for the terminal.
    assert [text.split(" ", 3)[:3] for _, text in await controller.commands()] == [
        ["DATA", "UPDATE", "user"],
        ["DATA", "DELETE", "mulcarduser"],
        ["DATA", "UPDATE", "userauthorize"],
    ]


async def test_export_and_restore_state(controller: Device) -> None:
    terminal = controller.terminal
    controller.cookie = f"token={controller.token()}"
    await controller.get(Endpoint.PING)
    terminal.command_timeout = SHORT
    with pytest.raises(CommandTimeoutError):
        await terminal.set_users([User(user_id="1")])
    saved = json.loads(json.dumps(terminal.export_state()))
    assert saved["variant"] == "security"
    assert saved["registry_code"] == terminal.registry_code
    assert saved["session"] == controller.session
    assert saved["token_required"] is True
    assert saved["options"]["DeviceName"] == "InBio460"
    assert saved["stamps"] == {}
    assert [entry[0] for entry in saved["commands"]["commands"]] == [1, 2, 3]

    restored = Device()
    restored.cookie = controller.cookie
    restored.terminal.restore_state(saved)
    again = restored.terminal
    assert again.registry_code == terminal.registry_code
    assert again.token_required
    assert list(again.doors) == [1, 2, 3, 4]
    assert again.supports(Operation.LOCKOUT)
    assert again.info == terminal.info
    # The saved session still signs requests; the queued users go out under their ids.
    assert [number for number, _ in await restored.commands()] == [1, 2, 3]
    assert (await restored.send(Endpoint.PING, cookie="token=" + md5("x"))).status == 401
    task, commands = await issue(restored, again.door_control(1, DoorAction.OPEN))
    assert commands == [(4, "CONTROL DEVICE 01010104")]
    await restored.report((4, 0))
    await task


async def test_export_and_restore_stamps(attendance: Device) -> None:
    await attendance.upload("ATTLOG", "7\t2024-05-01 08:00:00\t0\t1", Stamp="9999")
    restored = Device()
    restored.terminal.restore_state(json.loads(json.dumps(attendance.terminal.export_state())))
    assert restored.terminal.variant is Variant.ATTENDANCE
    assert "ATTLOGStamp=9999" in (await restored.handshake()).text.split("\n")


# What export_state() saved for a controller and an attendance terminal with users queued,
# before the terminal was split into modules: the same code must read it.
SAVED_CONTROLLER: dict[str, Any] = {
    "variant": "security",
    "registry_code": "wsPNoHGGeA",
    "session": "59C159D3998C4E16E6E095EE714D1DD1",
    "token_required": False,
    "options": {
        "DeviceType": "acc",
        "DeviceName": "F20/M",
        "LockCount": "2",
        "MulCardUserFunOn": "1",
    },
    "stamps": {},
    "commands": {
        "next_id": 5,
        "commands": [
            [
                1,
                "DATA UPDATE user CardNo=123\tPin=7\tPassword=\tGroup=1\tStartTime=0\tEndTime=0"
                "\tName=Ann\tPrivilege=0",
                0,
            ],
            [2, "DATA DELETE mulcarduser Pin=7", 0],
            [3, "DATA UPDATE mulcarduser Pin=7\tCardNo=0000007B\tLossCardFlag=0\tCardType=0", 0],
            [4, "DATA UPDATE userauthorize Pin=7\tAuthorizeTimezoneId=1\tAuthorizeDoorId=3", 0],
        ],
    },
}
SAVED_ATTENDANCE: dict[str, Any] = {
    "variant": "attendance",
    "registry_code": None,
    "session": None,
    "token_required": False,
    "options": {"Language": "83"},
    "stamps": {"ATTLOG": "9999"},
    "commands": {"next_id": 2, "commands": [[1, "DATA DELETE USERINFO PIN=3", 0]]},
}


@pytest.mark.parametrize(
    "saved", [SAVED_CONTROLLER, SAVED_ATTENDANCE], ids=["controller", "attendance"]
)
async def test_a_state_saved_before_the_split_restores(saved: dict[str, Any]) -> None:
    device = Device()
    device.terminal.restore_state(saved)
    assert device.terminal.export_state() == saved
    queued = saved["commands"]["commands"]
    assert await device.commands() == [(number, text) for number, text, _ in queued]
    assert device.terminal.diagnostics()["data_commands_queued"] == len(queued)


async def test_restore_ignores_unreadable_state() -> None:
    device = Device()
    device.terminal.restore_state(
        {
            "variant": "bogus",
            "registry_code": 5,
            "session": "",
            "token_required": "yes",
            "options": ["LockCount=4"],
            "stamps": "ATTLOG=1",
            "commands": [[1, "DATA UPDATE user Pin=1", 0]],
        }
    )
    terminal = device.terminal
    assert terminal.diagnostics() == {
        "variant": None,
        "registered": False,
        "token_required": False,
        "options": {},
        "stamps": {},
        "commands_queued": 0,
        "data_commands_queued": 0,
    }
    assert terminal.info is None
    device.terminal.restore_state({})
    assert (await device.handshake(pushver="3.1.2")).text == "OK"


async def test_diagnostics(controller: Device) -> None:
    terminal = controller.terminal
    task = asyncio.get_running_loop().create_task(terminal.set_users([User(user_id="1")]))
    door = asyncio.get_running_loop().create_task(terminal.door_control(1, DoorAction.OPEN))
    await settle()
    diagnostics = terminal.diagnostics()
    assert diagnostics["variant"] == "security"
    assert diagnostics["registered"] is True
    assert diagnostics["token_required"] is False
    assert diagnostics["options"]["LockCount"] == "4"
    assert (diagnostics["commands_queued"], diagnostics["data_commands_queued"]) == (4, 3)
    terminal.close()
    for pending in (task, door):
        with pytest.raises(TerminalClosedError):
            await pending


async def test_canonical_user_id(controller: Device) -> None:
    assert controller.terminal.canonical_user_id(" 007 ") == "7"
    with pytest.raises(InvalidRequestError):
        controller.terminal.canonical_user_id("0")
