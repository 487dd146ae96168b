"""Fixtures of the ZK PUSH tests: a terminal before, during and after its hand-shake."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .helpers import PLAIN, Device


@pytest.fixture
def device() -> Device:
    """A terminal that has not talked yet."""
    return Device()


@pytest.fixture
async def controller(device: Device) -> Device:
    """A registered Security PUSH controller (the REGISTRY options)."""
    await device.register()
    return device


@pytest.fixture
async def plain(device: Device) -> Device:
    """A registered one-door controller that announced nothing more."""
    await device.register(PLAIN)
    return device


@pytest.fixture
async def attendance(device: Device) -> Device:
    """An attendance PUSH terminal after its hand-shake."""
    reply = await device.handshake(pushver="2.4.1", language="69")
    assert reply.status == 200
    return device


@pytest.fixture
async def loop_errors() -> list[dict[str, Any]]:
    """Collect what the event loop reports as unhandled (it ends up in Home Assistant's log)."""
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: errors.append(context))
    return errors
