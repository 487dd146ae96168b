"""Tests of Appendix 14: terminals that take commands in the CmdFormat=1 envelope."""

from __future__ import annotations

import asyncio

from custom_components.access_terminal.protocols.model import DoorAction
from custom_components.access_terminal.protocols.zk_push import Endpoint

from .helpers import PLAIN, SERIAL, Device, settle


async def test_commands_in_the_envelope_of_cmd_format_1(device: Device) -> None:
    await device.register(f"{PLAIN},CmdFormat=1")
    task = asyncio.get_running_loop().create_task(
        device.terminal.door_control(1, DoorAction.OPEN, duration=3)
    )
    await settle()
    reply = await device.get(Endpoint.GETREQUEST)
    assert reply.text == (
        f"DataType=1,SN={SERIAL},Priority=0,CmdID=1,CmdDesc=C:1:CONTROL DEVICE 01010103"
    )
    await device.report((1, 0))
    await task


async def test_plain_commands_otherwise(device: Device) -> None:
    await device.register(f"{PLAIN},CmdFormat=0")
    task = asyncio.get_running_loop().create_task(device.terminal.clear_alarm())
    await settle()
    assert (await device.get(Endpoint.GETREQUEST)).text == "C:1:CONTROL DEVICE 02000000"
    await device.report((1, 0))
    await task
