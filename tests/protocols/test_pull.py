"""The shared client of the pull families: every bad answer becomes a typed error."""

from __future__ import annotations

from datetime import UTC, timedelta
import socket

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.errors import (
    AuthError,
    DeviceError,
    PayloadTooLargeError,
    ProtocolError,
    UnreachableError,
)
from custom_components.access_terminal.protocols.pull import DeviceAddress, parse_zone, post_json

from .pull_helpers import FakeDevice, serve_fake

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def fake(aiohttp_server: AiohttpServer) -> FakeDevice:
    return await serve_fake(aiohttp_server)


async def post(fake: FakeDevice, wait: float = 10.0) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session:
        return await post_json(session, fake.address.url("/"), {"cmd": "reg"}, wait=wait)


async def test_json_answer_and_document_sent(fake: FakeDevice) -> None:
    fake.json({"ret": "reg", "result": True})
    assert await post(fake) == (200, {"ret": "reg", "result": True})
    assert fake.received == [{"cmd": "reg"}]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{broken", 200, ProtocolError),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 200, ProtocolError),
        (b"<html>oops</html>", 500, DeviceError),
        (b"", 200, ProtocolError),
        (b"refused", 401, AuthError),
        (b"refused", 403, AuthError),
    ],
)
async def test_bad_answers_are_typed_errors(
    fake: FakeDevice, body: bytes, status: int, error: type[Exception]
) -> None:
    fake.raw(body, status)
    with pytest.raises(error):
        await post(fake)


async def test_error_status_with_json_is_returned(fake: FakeDevice) -> None:
    fake.json({"result": "Error"}, status=500)
    assert await post(fake) == (500, {"result": "Error"})


async def test_oversize_answer_is_refused(fake: FakeDevice) -> None:
    fake.raw(b"[" + b"1," * 600 + b"1]")
    with pytest.raises(PayloadTooLargeError):
        async with aiohttp.ClientSession() as session:
            await post_json(session, fake.address.url("/"), {}, limit=1000)


async def test_device_that_never_answers(fake: FakeDevice) -> None:
    fake.silent()
    with pytest.raises(UnreachableError, match="no answer within 0.2 s"):
        await post(fake, wait=0.2)


async def test_nothing_listening() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with aiohttp.ClientSession() as session:
        with pytest.raises(UnreachableError):
            await post_json(session, DeviceAddress(host="127.0.0.1", port=port).url("/"), {})


def test_addresses() -> None:
    assert DeviceAddress(host="10.0.0.5", port=80).url("/x") == "http://10.0.0.5:80/x"
    assert DeviceAddress(host="fe80::1", port=443, ssl=True).url("/") == "https://[fe80::1]:443/"


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("GMT+8", timedelta(hours=8)),
        ("UTC-3", timedelta(hours=-3)),
        ("GMT+05:30", timedelta(hours=5, minutes=30)),
        ("+0800", timedelta(hours=8)),
        ("GMT", timedelta(0)),
    ],
)
def test_zones(text: str, offset: timedelta) -> None:
    zone = parse_zone(text)
    assert zone is not None
    assert zone.utcoffset(None) == offset


@pytest.mark.parametrize("text", ["GMT+99", "Europe/Paris", "", None, 8])
def test_unreadable_zones(text: object) -> None:
    assert parse_zone(text) is None


def test_utc_is_utc() -> None:
    assert parse_zone("UTC") is UTC
