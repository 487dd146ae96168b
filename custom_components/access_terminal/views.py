"""HTTP endpoints the terminals call, registered once on Home Assistant's own server."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from homeassistant.helpers.http import HomeAssistantView

from .firmware import FIRMWARE_PATH, FirmwareServer
from .protocols import httpv2
from .protocols.errors import PayloadTooLargeError, ProtocolError
from .protocols.model import Family
from .push import PushRouter

_LOGGER = logging.getLogger(__name__)

_CHUNK = 64 * 1024


async def read_body(request: web.Request, limit: int) -> bytes:
    """Read a request body of at most `limit` bytes (after any transfer decompression)."""
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLargeError(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        if length is not None and "Content-Encoding" not in request.headers:
            return await request.content.readexactly(length)  # the usual case: one read
        # Chunked or compressed: the size is only known while reading.
        async for chunk in request.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(limit)
            chunks.append(chunk)
    except asyncio.IncompleteReadError as err:
        raise ProtocolError("body shorter than its Content-Length") from err
    except (HttpProcessingError, RequestPayloadError, ValueError) as err:
        # aiohttp itself failed to decompress or de-chunk the body.
        raise ProtocolError(f"unreadable body: {err}") from None
    return b"".join(chunks)


def _json_response(reply: httpv2.Reply) -> web.Response:
    return web.Response(body=reply.body, status=reply.status, content_type="application/json")


def _refuse_body(request: web.Request, reply: httpv2.Reply) -> web.Response:
    """Answer a request whose body we stopped reading, and drop the connection.

    Marking the body finished stops aiohttp from draining the rest of it (up to ten seconds
    of an oversized upload) and from logging the decoder's error as an unhandled exception.
    """
    request.content.feed_eof()
    response = _json_response(reply)
    response.force_close()
    return response


class HttpV2View(HomeAssistantView):
    """Every HTTPv2 endpoint: /Device/..., /People/..., /Record/... (any letter case)."""

    url = r"/{group:(?i:device|people|record)}/{action:[A-Za-z]+}"
    name = "access_terminal:httpv2"
    requires_auth = False

    def __init__(self, router: PushRouter) -> None:
        """Route through `router`."""
        self._router = router

    async def post(self, request: web.Request, group: str, action: str) -> web.Response:
        """Answer one device request with the protocol's JSON."""
        endpoint = httpv2.endpoint_for(group, action)
        if endpoint is None:
            return _json_response(httpv2.error_reply(ProtocolError("unknown endpoint", status=404)))
        try:
            body = await read_body(request, httpv2.MAX_BODY)
        except ProtocolError as err:
            _LOGGER.debug("Refused %s from %s: %s", request.path, request.remote, err)
            return _refuse_body(request, httpv2.error_reply(err))
        try:
            parsed = httpv2.parse_request(endpoint, request.headers.get("Content-Type"), body)
        except ProtocolError as err:
            _LOGGER.debug("Refused %s from %s: %s", request.path, request.remote, err)
            return _json_response(httpv2.error_reply(err))
        terminal = self._router.terminal_for(Family.HTTPV2, parsed.serial, request.remote)
        if not isinstance(terminal, httpv2.HttpV2Terminal):
            return _json_response(httpv2.refusal(401))
        return _json_response(await terminal.handle(parsed))


class FirmwareView(HomeAssistantView):
    """Serves a pushed firmware image once to the device that was told its URL."""

    url = FIRMWARE_PATH + "/{token}"
    name = "access_terminal:firmware"
    requires_auth = False

    def __init__(self, server: FirmwareServer) -> None:
        """Serve images offered by `server`."""
        self._server = server

    async def get(self, request: web.Request, token: str) -> web.StreamResponse:
        """Stream the image; it is withdrawn only after a complete download."""
        data = self._server.find(token)
        if data is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        response = web.StreamResponse(
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}
        )
        await response.prepare(request)
        await response.write(data)
        await response.write_eof()
        self._server.consume(token)
        return response
