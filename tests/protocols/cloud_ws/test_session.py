"""Tests of one device socket: bound by its first frame, answered, refused, closed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.access_terminal.protocols.cloud_ws import CloudWsTerminal, DeviceSession
from custom_components.access_terminal.protocols.cloud_ws.wire import encode
from custom_components.access_terminal.protocols.errors import CommandCancelledError

from .helpers import REG, SERIAL, make

# -- the socket session --------------------------------------------------------------------


class FakeSocket:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = fail

    async def send(self, text: str) -> None:
        if self.fail:
            raise ConnectionResetError("gone")
        self.sent.append(json.loads(text))

    async def close(self) -> None:
        return


def session_for(
    terminal: CloudWsTerminal | None, socket: FakeSocket | None = None
) -> tuple[DeviceSession, FakeSocket, list[str]]:
    looked_up: list[str] = []

    def lookup(serial: str, host: str | None) -> CloudWsTerminal | None:
        looked_up.append(serial)
        return terminal

    socket = socket or FakeSocket()
    return DeviceSession(socket, lookup, "10.0.0.9"), socket, looked_up  # type: ignore[arg-type]


async def test_session_refuses_unknown_serials() -> None:
    session, socket, looked_up = session_for(None)
    assert not await session.receive(encode({"cmd": "reg", "sn": "ZX99"}))
    assert socket.sent == [{"ret": "reg", "result": False, "reason": "did not reg"}]
    assert looked_up == ["ZX99"]
    session, socket, looked_up = session_for(None)
    assert not await session.receive(encode({"cmd": "reg", "sn": "../../etc"}))
    assert not await session.receive(encode({"ret": "getuserlist", "result": True}))
    assert looked_up == []
    assert [frame["ret"] for frame in socket.sent] == ["reg"]


async def test_session_binds_answers_and_refuses_other_serials() -> None:
    terminal, _listener, _device = make()
    session, socket, looked_up = session_for(terminal)
    assert await session.receive(encode(REG | {"sn": SERIAL}))
    assert socket.sent[0]["ret"] == "reg"
    assert terminal._channel.connection is session.connection
    assert await session.receive(encode({"cmd": "sendlog", "sn": "OTHER", "record": []}))
    assert socket.sent[-1] == {"ret": "sendlog", "result": False, "reason": "wrong sn"}
    assert await session.receive(encode({"ret": "opendoor", "sn": "OTHER"}))
    assert await session.receive(b"\x00\x01binary")
    assert socket.sent[-1]["ret"] == "error"
    assert await session.receive(encode({"ret": "opendoor", "result": True}))
    assert looked_up == [SERIAL]
    session.closed()
    assert not terminal.connected
    terminal.close()


async def test_session_stops_when_the_socket_is_gone() -> None:
    terminal, _listener, _device = make()
    session, _socket, _ = session_for(terminal, FakeSocket(fail=True))
    assert not await session.receive(encode(REG | {"sn": SERIAL}))
    assert not await session.receive("garbage")
    terminal.close()


async def test_a_socket_that_cannot_send() -> None:
    terminal, _listener, device = make()

    async def broken(text: str) -> None:
        raise ConnectionResetError("gone")

    device.send = broken  # type: ignore[method-assign]
    with pytest.raises(CommandCancelledError, match="disconnected"):
        await terminal.reboot()
    with pytest.raises(CommandCancelledError):
        await terminal.clean_logs()
