"""One device socket: bound to its terminal by the first frame naming a known serial.

Used by every server that accepts cloud terminals (Home Assistant's own HTTP server and the
dedicated listener): both hand each WebSocket to `serve_websocket`, which reads frames, answers
them through the terminal, and refuses serials nobody added (`reg` with `result: false`).
"""

from __future__ import annotations

from collections.abc import Callable, MutableSet
import logging

from aiohttp import WSMsgType, web

from ..codec import is_valid_serial
from ..errors import ProtocolError
from .terminal import CloudWsTerminal
from .wire import MAX_FRAME, Message, encode, parse_message

_LOGGER = logging.getLogger(__name__)

# Seconds between our pings; a device that does not answer within half of it is disconnected.
HEARTBEAT = 30.0
# What a terminal nobody added reads on its screen ("Register", Fail).
REFUSAL_REASON = "did not reg"

# Finds the terminal of a serial (None: refuse it); also given the device's address.
Lookup = Callable[[str, str | None], CloudWsTerminal | None]


class WebSocketConnection:
    """A Connection over an aiohttp WebSocket."""

    def __init__(self, socket: web.WebSocketResponse) -> None:
        """Wrap `socket`."""
        self.socket = socket

    async def send(self, text: str) -> None:
        """Send one text frame."""
        await self.socket.send_str(text)

    async def close(self) -> None:
        """Close the socket (going away: the device connects again)."""
        await self.socket.close(code=1001)


class DeviceSession:
    """What one socket knows: its terminal, once a frame named a serial we know."""

    def __init__(self, connection: WebSocketConnection, lookup: Lookup, host: str | None) -> None:
        """Start unbound."""
        self.connection = connection
        self.terminal: CloudWsTerminal | None = None
        self._lookup = lookup
        self._host = host

    async def _send(self, document: dict[str, object]) -> bool:
        try:
            await self.connection.send(encode(document))
        except (ConnectionError, RuntimeError):
            return False
        return True

    async def receive(self, data: str | bytes) -> bool:
        """Handle one frame; return False when the socket should close."""
        try:
            message = parse_message(data)
        except ProtocolError as err:
            _LOGGER.debug("Unreadable frame from %s: %s", self._host, err)
            return await self._send({"ret": "error", "result": False, "reason": str(err)})
        terminal = self.terminal
        if terminal is None:
            terminal = self._bind(message)
            if terminal is None:
                if message.asks:
                    await self._send(
                        {"ret": message.name, "result": False, "reason": REFUSAL_REASON}
                    )
                return False
        elif message.serial not in (None, terminal.serial):
            # One socket, one terminal: a frame of another serial is refused, not routed.
            refusal = {"ret": message.name, "result": False, "reason": "wrong sn"}
            return not message.asks or await self._send(refusal)
        reply = await terminal.handle(message)
        if reply is None:
            return True
        if not await self._send(reply.document):
            return False
        if reply.then is not None:
            reply.then()
        return True

    def _bind(self, message: Message) -> CloudWsTerminal | None:
        serial = message.serial
        if serial is None or not is_valid_serial(serial):
            _LOGGER.debug("Refused a frame without a usable sn from %s", self._host)
            return None
        terminal = self._lookup(serial, self._host)
        if terminal is not None:
            self.terminal = terminal
            terminal.attach(self.connection)
        return terminal

    def closed(self) -> None:
        """Stop the terminal using this socket (it closed)."""
        if self.terminal is not None:
            self.terminal.detach(self.connection)


async def serve_websocket(
    request: web.Request,
    lookup: Lookup,
    *,
    sockets: MutableSet[web.WebSocketResponse],
    heartbeat: float = HEARTBEAT,
) -> web.StreamResponse:
    """Accept a device's WebSocket and serve it until it closes.

    `sockets` holds every open socket, so that a server going down can close them all.
    """
    socket = web.WebSocketResponse(heartbeat=heartbeat, max_msg_size=MAX_FRAME)
    if not socket.can_prepare(request).ok:
        return web.Response(status=400, text="WebSocket expected")
    await socket.prepare(request)
    sockets.add(socket)
    session = DeviceSession(WebSocketConnection(socket), lookup, request.remote)
    try:
        async for frame in socket:
            if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                if not await session.receive(frame.data):
                    break
            elif frame.type is WSMsgType.ERROR:
                # Oversized or broken frames: aiohttp already closed with the right code.
                _LOGGER.debug("WebSocket of %s failed: %s", request.remote, frame.data)
                break
    finally:
        sockets.discard(socket)
        session.closed()
        await socket.close()
    return socket
