"""History of the families Home Assistant calls, against scripted answers.

Webserver + JSON: `getlog` by day and page, `cleanlog`. Control API: the log read again from
position 0, and erased up to what was read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.control_api import (
    ControlApiTerminal,
    terminal as control_module,
)
from custom_components.access_terminal.protocols.errors import ProtocolError
from custom_components.access_terminal.protocols.pull import PullTerminal
from custom_components.access_terminal.protocols.webjson import (
    WebJsonTerminal,
    terminal as webjson_module,
)

from .common import RecordingListener
from .pull_helpers import FakeDevice, serve_fake

pytestmark = pytest.mark.usefixtures("socket_enabled")

START = datetime(2025, 5, 17, 0, 0, tzinfo=UTC)
END = datetime(2025, 5, 17, 23, 59, tzinfo=UTC)
LOG_START = datetime(2020, 4, 1, tzinfo=UTC)
LOG_END = datetime(2020, 4, 2, tzinfo=UTC)


def log(user: str, time: str = "2025-05-17 08:30:00") -> dict[str, object]:
    return {"enrollid": user, "name": "x", "time": time, "event": 1}


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


async def fake_terminal[T: PullTerminal](
    aiohttp_server: AiohttpServer,
    session: aiohttp.ClientSession,
    terminal_class: Callable[..., T],
    **credentials: str,
) -> tuple[FakeDevice, T, RecordingListener]:
    """Return a scripted device and a terminal of `terminal_class` calling it."""
    fake = await serve_fake(aiohttp_server)
    listener = RecordingListener()
    terminal = terminal_class(
        "SN1", listener, session=session, address=fake.address, zone=UTC, **credentials
    )
    return fake, terminal, listener


# -- Webserver + JSON --------------------------------------------------------------------------


async def webjson_without_rtlog(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> tuple[FakeDevice, WebJsonTerminal, RecordingListener]:
    """Return a scripted Webserver + JSON terminal whose real-time log holds nothing."""
    fake, terminal, listener = await fake_terminal(
        aiohttp_server, session, WebJsonTerminal, password="p"
    )
    fake.json({"result": True, "record": []})  # getrtlog: a recovery reads it first
    return fake, terminal, listener


async def test_pages_by_day_narrowed_to_the_range(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, listener = await webjson_without_rtlog(aiohttp_server, session)
    fake.json({"result": True, "record": [log("1"), log("2", "2025-05-17 07:00:00")]})
    fake.json({"result": True, "record": [log("3"), {"enrollid": "4"}]})  # 4 has no time
    fake.json({"result": True, "record": []})
    start = datetime(2025, 5, 17, 8, 0, tzinfo=UTC)
    assert await terminal.recover_records(start, END) == 2
    assert [(r["index"], r["from"], r["to"]) for r in fake.received[1:]] == [
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
    fake, terminal, listener = await webjson_without_rtlog(aiohttp_server, session)
    for _ in range(2):
        fake.json({"result": True, "record": [log("1")]})
    assert await terminal.recover_records(START, END) == 1
    assert len(fake.received) == 3
    assert len(listener.received) == 1


@pytest.mark.parametrize("records", [{"a": 1}, "x"])
async def test_records_that_are_no_list(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession, records: object
) -> None:
    fake, terminal, listener = await webjson_without_rtlog(aiohttp_server, session)
    fake.json({"result": True, "record": records})
    with pytest.raises(ProtocolError, match="not a list"):
        await terminal.recover_records(START, END)
    assert listener.received == []


async def test_clearing_takes_the_real_time_records_first(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, listener = await fake_terminal(
        aiohttp_server, session, WebJsonTerminal, password="p"
    )
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    fake.json({"result": True, "record": [log("5", now.strftime("%Y-%m-%d %H:%M:%S"))]})
    fake.json({"result": True, "record": []})
    fake.json({"result": True})
    await terminal.clear_records()
    assert [r["cmd"] for r in fake.received] == ["getrtlog", "getrtlog", "cleanlog"]
    assert [e.user_id for e in listener.events] == ["5"]


# -- control API -------------------------------------------------------------------------------


async def test_the_log_is_read_up_to_the_cursor_which_stays(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, listener = await fake_terminal(
        aiohttp_server, session, ControlApiTerminal, api_key="k"
    )
    terminal.next_pos = 7
    fake.json(page(0, "1", "2"))
    fake.json(
        {
            "result": "AttendLog",
            "payload": {"start_pos": 2, "next_pos": 4, "logs": [{"user_id": "3"}, {"x": 1}]},
        }
    )
    fake.json(page(4))
    assert await terminal.recover_records(LOG_START, LOG_END) == 2
    assert [r["payload"]["start_pos"] for r in fake.received] == [0, 2, 4]
    assert [(r.record_id, r.recovered) for r in listener.received] == [(0, True), (1, True)]
    assert terminal.next_pos == 7
    assert terminal.problems.as_dict()  # the two unreadable logs are counted
    # Logs from the cursor on are new ones: the poll (or the uploader) hands them over as such.
    terminal.next_pos = 1
    fake.received.clear()
    listener.received.clear()
    fake.json(page(0, "1", "2"))
    assert await terminal.recover_records(LOG_START, LOG_END) == 1
    assert len(fake.received) == 1
    assert [(r.record_id, r.recovered) for r in listener.received] == [(0, True)]


async def test_an_empty_log_is_not_erased(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake, terminal, _listener = await fake_terminal(
        aiohttp_server, session, ControlApiTerminal, api_key="k"
    )
    fake.json(page(0))
    await terminal.clear_records()
    assert [r["cmd"] for r in fake.received] == ["GetAttendLog"]


@pytest.mark.parametrize(
    ("terminal_class", "credentials", "module", "limit", "pages", "moments"),
    [
        (
            WebJsonTerminal,
            {"password": "p"},
            webjson_module,
            "MAX_PAGES",
            [
                {"result": True, "record": []},  # getrtlog
                *({"result": True, "record": [log(user)]} for user in ("1", "2")),
            ],
            (START, END),
        ),
        (
            ControlApiTerminal,
            {"api_key": "k"},
            control_module,
            "MAX_RECOVERY_PAGES",
            [page(0, "1"), page(1, "2")],
            (LOG_START, LOG_END),
        ),
    ],
)
async def test_a_log_that_never_ends(
    aiohttp_server: AiohttpServer,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    terminal_class: Callable[..., PullTerminal],
    credentials: dict[str, str],
    module: object,
    limit: str,
    pages: list[dict[str, object]],
    moments: tuple[datetime, datetime],
) -> None:
    monkeypatch.setattr(module, limit, 2)
    fake, terminal, _listener = await fake_terminal(
        aiohttp_server, session, terminal_class, **credentials
    )
    for answer in pages:
        fake.json(answer)
    terminal.restore_state({"next_pos": 100})  # the control API's cursor: far past the pages
    with pytest.raises(ProtocolError, match="does not end"):
        await terminal.recover_records(*moments)
