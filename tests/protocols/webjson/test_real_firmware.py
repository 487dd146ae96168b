"""Webserver + JSON answers that are not what the document shows: tolerated, or refused loudly.

A terminal whose answers say nothing (`result: "maybe"`) must not count as obeyed; one whose
destructive `getrtlog` hands over something that is not a record list must not lose it silently;
and answers real firmware sends (no `ret`/`result`, the password wanted as a cookie) must work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.errors import AuthError, ProtocolError
from custom_components.access_terminal.protocols.model import EventType
from custom_components.access_terminal.protocols.pull import DeviceAddress
from custom_components.access_terminal.protocols.webjson import WebJsonClient, WebJsonTerminal
from custom_components.access_terminal.protocols.webjson.client import check_answer

from ..common import RecordingListener
from ..pull_helpers import FakeDevice, serve_fake

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.mark.parametrize(
    "answer",
    [
        {"ret": "opendoor", "result": "maybe"},
        {"ret": "opendoor", "result": 2},
        {"ret": "opendoor", "result": [True]},
        {"ret": "opendoor", "result": None},
        {"ret": 1, "result": True},
        {"ret": ["opendoor"], "result": True},
        {"ret": {"cmd": "opendoor"}},
    ],
)
def test_answers_that_say_nothing_are_not_success(answer: object) -> None:
    with pytest.raises(ProtocolError):
        check_answer("opendoor", answer)


@pytest.mark.parametrize("result", [True, 1, "true", " OK ", "success", "1"])
def test_answers_that_say_success(result: object) -> None:
    assert check_answer("opendoor", {"ret": "opendoor", "result": result})


def test_an_answer_without_ret_or_result() -> None:
    # Firmware that answers getrtlog with the records alone.
    assert check_answer("getrtlog", {"count": 0, "record": []}) == {"count": 0, "record": []}
    assert check_answer("getrtlog", {"ret": "", "record": []}) == {"ret": "", "record": []}


def _terminal(fake: FakeDevice, session: aiohttp.ClientSession) -> WebJsonTerminal:
    return WebJsonTerminal(
        "AYTI10087992",
        RecordingListener(),
        session=session,
        address=fake.address,
        password="123456",
        zone=UTC,
    )


def _now(minutes: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


async def _poll(terminal: WebJsonTerminal, fake: FakeDevice, *rtlogs: object) -> None:
    for answer in rtlogs:
        fake.json(answer)
    fake.json({"ret": "getdoorstatus", "result": True, "status": 0})
    await terminal._read_state()


async def test_records_that_are_not_a_list_are_logged(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    # getrtlog deleted them at the device: they can only be logged, never silently dropped.
    fake = await serve_fake(aiohttp_server)
    terminal = _terminal(fake, session)
    await _poll(terminal, fake, {"ret": "getrtlog", "result": True, "record": {"enrollid": 7}})
    assert terminal.problems.counts == {"getrtlog answer": 1}
    assert '"enrollid": 7' in caplog.text


async def test_records_of_the_wrong_types_invent_no_events(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    fake = await serve_fake(aiohttp_server)
    terminal = _terminal(fake, session)
    listener = terminal.listener
    assert isinstance(listener, RecordingListener)
    records = [
        {"enrollid": ["1"], "time": _now()},
        {"enrollid": 3, "time": 20250517},
        {"enrollid": "2", "time": _now(), "mode": 1, "event": 1},
    ]
    await _poll(
        terminal,
        fake,
        {"ret": "getrtlog", "result": True, "record": records},
        {"count": 0, "record": []},
    )
    assert [(e.type, e.user_id) for e in listener.events] == [(EventType.ACCESS_GRANTED, "2")]
    assert terminal.problems.counts == {"real-time record": 2}
    assert "20250517" in caplog.text


async def test_the_password_also_goes_as_a_pwd_cookie(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    async def handle(request: web.Request) -> web.Response:
        # A device that reads its password from the cookie, whatever the body says.
        if request.cookies.get("pwd") != "p@ss-1.2_X":
            return web.json_response({"ret": "reg", "result": False, "reason": 2})
        return web.json_response({"ret": "reg", "result": True, "sn": "AYTI1"})

    app = web.Application()
    app.router.add_post("/", handle)
    server = await aiohttp_server(app)
    address = DeviceAddress(host="127.0.0.1", port=server.port or 0)
    client = WebJsonClient(session, address, "p@ss-1.2_X")
    assert await WebJsonTerminal.read_serial(client) == "AYTI1"
    with pytest.raises(AuthError):
        await WebJsonTerminal.read_serial(WebJsonClient(session, address, "wrong"))
