"""What every endpoint terminals call shares: bounded bodies, refusals, firmware downloads.

The families' own views (`families/<family>.py`) are built on `PushView`; they are registered
once, in async_setup, on Home Assistant's own server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http import HTTPStatus
import logging
import re

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from homeassistant.helpers.http import HomeAssistantView

from .firmware import FIRMWARE_PATH, FirmwareServer
from .protocols.errors import PayloadTooLargeError, ProtocolError
from .push import PushRouter

_LOGGER = logging.getLogger(__name__)

_CHUNK = 64 * 1024

# Answers a request the protocol refuses (its error body and status).
type Refusal = Callable[[ProtocolError], web.Response]


async def read_body(request: web.Request, limit: int) -> bytes:
    """Read a request body of at most `limit` bytes (after any transfer decompression)."""
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLargeError(limit)
    if length == 0:
        return b""
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


def refuse_body(request: web.Request, response: web.Response) -> web.Response:
    """Answer a request whose body we stopped reading, and drop the connection.

    Marking the body finished stops aiohttp from draining the rest of it (up to ten seconds
    of an oversized upload) and from logging the decoder's error as an unhandled exception.
    """
    request.content.feed_eof()
    response.force_close()
    return response


def refused(request: web.Request, err: ProtocolError, answer: Refusal) -> web.Response:
    """Answer a request the protocol refuses (logged at debug level: devices retry a lot)."""
    _LOGGER.debug("Refused %s from %s: %s", request.path, request.remote, err)
    return answer(err)


class PushView(HomeAssistantView):
    """A view terminals call: no Home Assistant login, requests routed by serial number."""

    requires_auth = False

    def __init__(self, router: PushRouter) -> None:
        """Route through `router`."""
        self._router = router

    @staticmethod
    async def _body(request: web.Request, limit: int, answer: Refusal) -> bytes | web.Response:
        """Read the body, or return the refusal of one that cannot be read (too large...)."""
        try:
            return await read_body(request, limit)
        except ProtocolError as err:
            return refuse_body(request, refused(request, err, answer))


def firmware_token(url: str | None) -> str:
    """Return the token of one of our firmware URLs ("" for any other URL)."""
    marker = f"{FIRMWARE_PATH}/"
    if not url or marker not in url:
        return ""
    return url.split(marker, 1)[1].split("?", 1)[0].split("/", 1)[0]


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def serve_firmware(
    request: web.Request, server: FirmwareServer, token: str
) -> web.StreamResponse:
    """Stream a firmware image, whole or the byte range asked for (HTTP Range).

    The image is withdrawn once its last byte was sent: a terminal that fetches it in
    pieces (1 MB at a time) gets every piece.
    """
    data = server.find(token) if token else None
    if data is None:
        return web.Response(status=HTTPStatus.NOT_FOUND)
    start, end, status = 0, len(data) - 1, HTTPStatus.OK
    headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
    if (wanted := request.headers.get("Range")) is not None:
        match = _RANGE.match(wanted.strip())
        if match is None or not (match.group(1) or match.group(2)):
            return web.Response(
                status=HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                headers={"Content-Range": f"bytes */{len(data)}"},
            )
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), end) if match.group(2) else end
        else:  # the last N bytes
            start = max(len(data) - int(match.group(2)), 0)
        if start > end:
            return web.Response(
                status=HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                headers={"Content-Range": f"bytes */{len(data)}"},
            )
        status = HTTPStatus.PARTIAL_CONTENT
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
    headers["Content-Length"] = str(end - start + 1)
    response = web.StreamResponse(status=status, headers=headers)
    await response.prepare(request)
    await response.write(data[start : end + 1])
    await response.write_eof()
    server.sent(token, end + 1)
    if end == len(data) - 1:
        server.consume(token)
    return response


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
        return await serve_firmware(request, self._server, token)
