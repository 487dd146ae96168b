"""Control API history: the log read again from position 0, and erased up to what was read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.control_api import (
    ControlApiTerminal,
    terminal as terminal_module,
)
from custom_components.access_terminal.protocols.errors import ProtocolError

from ..common import RecordingListener
from ..pull_helpers import FakeDevice, serve_fake

pytestmark = pytest.mark.usefixtures("socket_enabled")

START = datetime(2020, 4, 1, tzinfo=UTC)
END = datetime(2020, 4, 2, tzinfo=UTC)


def page(start: int, *users: str) -> dict[str, object]:
    logs = [{"user_id": user, "time": "2020-04-01T08:10:05", "mode": "face"} for user in users]
    return {
        "result": "AttendLog",
        "payload": {"start_pos": start, "next_pos": start + len(logs), "logs": logs},
    }


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def fake_terminal(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> tuple[FakeDevice, ControlApiTerminal, RecordingListener]:
    fake = await serve_fake(aiohttp_server)
    listener = RecordingListener()
    terminal = ControlApiTerminal(
        "e09c", listener, session=session, address=fake.address, api_key="k", zone=UTC
    )
    return fake, terminal, listener


async def test_the_whole_log_is_read_and_the_cursor_stays(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, listener = await fake_terminal(aiohttp_server, session)
    terminal.next_pos = 7
    fake.json(page(0, "1", "2"))
    fake.json(
        {
            "result": "AttendLog",
            "payload": {"start_pos": 2, "next_pos": 4, "logs": [{"user_id": "3"}, {"x": 1}]},
        }
    )
    fake.json(page(4))
    assert await terminal.recover_records(START, END) == 2
    assert [r["payload"]["start_pos"] for r in fake.received] == [0, 2, 4]
    assert [(r.record_id, r.recovered) for r in listener.received] == [(0, True), (1, True)]
    assert terminal.next_pos == 7
    assert terminal.problems.as_dict()  # the two unreadable logs are counted


async def test_a_log_that_never_ends(
    aiohttp_server: AiohttpServer,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(terminal_module, "MAX_RECOVERY_PAGES", 2)
    fake, terminal, _listener = await fake_terminal(aiohttp_server, session)
    fake.json(page(0, "1"))
    fake.json(page(1, "2"))
    with pytest.raises(ProtocolError, match="does not end"):
        await terminal.recover_records(START, END)


async def test_an_empty_log_is_not_erased(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, _listener = await fake_terminal(aiohttp_server, session)
    fake.json(page(0))
    await terminal.clear_records()
    assert [r["cmd"] for r in fake.received] == ["GetAttendLog"]
