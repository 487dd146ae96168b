"""Webserver + JSON history: `getlog` by day and page, `cleanlog`, against scripted answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.errors import ProtocolError
from custom_components.access_terminal.protocols.webjson import (
    WebJsonTerminal,
    terminal as terminal_module,
)

from ..common import RecordingListener
from ..pull_helpers import FakeDevice, serve_fake

pytestmark = pytest.mark.usefixtures("socket_enabled")

START = datetime(2025, 5, 17, 0, 0, tzinfo=UTC)
END = datetime(2025, 5, 17, 23, 59, tzinfo=UTC)


def log(user: str, time: str = "2025-05-17 08:30:00") -> dict[str, object]:
    return {"enrollid": user, "name": "x", "time": time, "event": 1}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def fake_terminal(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> tuple[FakeDevice, WebJsonTerminal, RecordingListener]:
    fake = await serve_fake(aiohttp_server)
    listener = RecordingListener()
    terminal = WebJsonTerminal(
        "AYTI1", listener, session=session, address=fake.address, password="p", zone=UTC
    )
    return fake, terminal, listener


async def test_pages_by_day_narrowed_to_the_range(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, listener = await fake_terminal(aiohttp_server, session)
    fake.json({"result": True, "record": [log("1"), log("2", "2025-05-17 07:00:00")]})
    fake.json({"result": True, "record": [log("3"), {"enrollid": "4"}]})  # 4 has no time
    fake.json({"result": True, "record": []})
    start = datetime(2025, 5, 17, 8, 0, tzinfo=UTC)
    assert await terminal.recover_records(start, END) == 2
    assert [(r["index"], r["from"], r["to"]) for r in fake.received] == [
        (0, "2025-05-17", "2025-05-17"),
        (2, "2025-05-17", "2025-05-17"),
        (4, "2025-05-17", "2025-05-17"),
    ]
    assert [e.user_id for e in listener.events] == ["1", "3"]
    assert all(r.recovered for r in listener.received)
    assert terminal.problems.as_dict()  # the record without a time is counted, not an event


async def test_a_device_ignoring_the_index_is_read_once(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, listener = await fake_terminal(aiohttp_server, session)
    for _ in range(2):
        fake.json({"result": True, "record": [log("1")]})
    assert await terminal.recover_records(START, END) == 1
    assert len(fake.received) == 2
    assert len(listener.received) == 1


@pytest.mark.parametrize("records", [{"a": 1}, "x"])
async def test_records_that_are_no_list(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession, records: object
) -> None:
    fake, terminal, listener = await fake_terminal(aiohttp_server, session)
    fake.json({"result": True, "record": records})
    with pytest.raises(ProtocolError, match="not a list"):
        await terminal.recover_records(START, END)
    assert listener.received == []


async def test_a_log_that_never_ends(
    aiohttp_server: AiohttpServer,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(terminal_module, "MAX_PAGES", 2)
    fake, terminal, _listener = await fake_terminal(aiohttp_server, session)
    fake.json({"result": True, "record": [log("1")]})
    fake.json({"result": True, "record": [log("2")]})
    with pytest.raises(ProtocolError, match="does not end"):
        await terminal.recover_records(START, END)


async def test_clearing_takes_the_real_time_records_first(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, listener = await fake_terminal(aiohttp_server, session)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    fake.json({"result": True, "record": [log("5", now.strftime("%Y-%m-%d %H:%M:%S"))]})
    fake.json({"result": True, "record": []})
    fake.json({"result": True})
    await terminal.clear_records()
    assert [r["cmd"] for r in fake.received] == ["getrtlog", "getrtlog", "cleanlog"]
    assert [e.user_id for e in listener.events] == ["5"]
