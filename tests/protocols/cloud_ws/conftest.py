"""Fixtures of the cloud WebSocket tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from .helpers import MADE


@pytest.fixture(autouse=True)
async def close_terminals() -> AsyncIterator[None]:
    """Close every terminal a test made, so that no background task outlives it."""
    yield
    while MADE:
        terminal = MADE.pop()
        terminal.close()
        await asyncio.gather(*terminal._tasks, return_exceptions=True)
