"""HTTP endpoints the terminals call, registered once on Home Assistant's own server."""

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

from .const import LOG_UPLOAD_PATH
from .firmware import FIRMWARE_PATH, FirmwareServer
from .protocols import httpv2, zk_push
from .protocols.codec import parse_json_bytes
from .protocols.control_api import ControlApiTerminal
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


def _json_response(reply: httpv2.Reply) -> web.Response:
    return web.Response(body=reply.body, status=reply.status, content_type="application/json")


def _text_response(reply: zk_push.Reply) -> web.Response:
    return web.Response(
        body=reply.body, status=reply.status, content_type="text/plain", charset=reply.encoding
    )


def _refuse_body(request: web.Request, response: web.Response) -> web.Response:
    """Answer a request whose body we stopped reading, and drop the connection.

    Marking the body finished stops aiohttp from draining the rest of it (up to ten seconds
    of an oversized upload) and from logging the decoder's error as an unhandled exception.
    """
    request.content.feed_eof()
    response.force_close()
    return response


def _httpv2_error(err: ProtocolError) -> web.Response:
    return _json_response(httpv2.error_reply(err))


def _zk_error(err: ProtocolError) -> web.Response:
    return _text_response(zk_push.Reply(str(err), err.status))


def _refused(
    request: web.Request, err: ProtocolError, answer: Callable[[ProtocolError], web.Response]
) -> web.Response:
    _LOGGER.debug("Refused %s from %s: %s", request.path, request.remote, err)
    return answer(err)


class _PushView(HomeAssistantView):
    """A view terminals call: no Home Assistant login, requests routed by serial number."""

    requires_auth = False

    def __init__(self, router: PushRouter) -> None:
        """Route through `router`."""
        self._router = router

    @staticmethod
    async def _body(
        request: web.Request, limit: int, answer: Callable[[ProtocolError], web.Response]
    ) -> bytes | web.Response:
        """Read the body, or return the refusal of one that cannot be read (too large...)."""
        try:
            return await read_body(request, limit)
        except ProtocolError as err:
            return _refuse_body(request, _refused(request, err, answer))


class HttpV2View(_PushView):
    """Every HTTPv2 endpoint: /Device/..., /People/..., /Record/... (any letter case)."""

    url = r"/{group:(?i:device|people|record)}/{action:[A-Za-z]+}"
    name = "access_terminal:httpv2"

    async def post(self, request: web.Request, group: str, action: str) -> web.Response:
        """Answer one device request with the protocol's JSON."""
        endpoint = httpv2.endpoint_for(group, action)
        if endpoint is None:
            return _httpv2_error(ProtocolError("unknown endpoint", status=404))
        body = await self._body(request, httpv2.MAX_BODY, _httpv2_error)
        if isinstance(body, web.Response):
            return body
        try:
            parsed = httpv2.parse_request(endpoint, request.headers.get("Content-Type"), body)
        except ProtocolError as err:
            return _refused(request, err, _httpv2_error)
        terminal = self._router.terminal_for(Family.HTTPV2, parsed.serial, request.remote)
        if not isinstance(terminal, httpv2.HttpV2Terminal):
            return _json_response(httpv2.refusal(401))
        return _json_response(await terminal.handle(parsed))


class ZkPushView(_PushView):
    """Every ZK PUSH endpoint: /iclock/cdata, /iclock/getrequest... (and the .aspx variants)."""

    url = r"/iclock/{name:[A-Za-z]+(?:\.aspx)?}"
    name = "access_terminal:zk_push"

    async def get(self, request: web.Request, name: str) -> web.StreamResponse:
        """Answer a GET (hand-shake, commands, ping, time, firmware download)."""
        return await self._answer(request, name, b"")

    async def post(self, request: web.Request, name: str) -> web.StreamResponse:
        """Answer a POST (registration, records, command results, query answers)."""
        body = await self._body(request, zk_push.MAX_BODY, _zk_error)
        if isinstance(body, web.Response):
            return body
        return await self._answer(request, name, body)

    async def _answer(self, request: web.Request, name: str, body: bytes) -> web.StreamResponse:
        endpoint = zk_push.endpoint_for(name)
        if endpoint is None:
            return _zk_error(ProtocolError("unknown endpoint", status=404))
        try:
            parsed = zk_push.parse_request(
                endpoint, request.method, request.query, request.headers.get("Cookie"), body
            )
        except ProtocolError as err:
            return _refused(request, err, _zk_error)
        terminal = self._router.terminal_for(Family.ZK_PUSH, parsed.serial, request.remote)
        if not isinstance(terminal, zk_push.ZkPushTerminal):
            # Registration is refused with 406 as the document says; everything else with 401.
            status = 406 if endpoint is zk_push.Endpoint.REGISTRY else 401
            return _text_response(zk_push.Reply("unknown device", status))
        if endpoint is zk_push.Endpoint.FILE and request.method == "GET":
            if not terminal.token_accepted(parsed):
                return _text_response(zk_push.REFUSED)
            return await _serve_firmware(
                request, self._router.firmware, _firmware_token(parsed.param("url"))
            )
        return _text_response(await terminal.handle(parsed))


def _firmware_token(url: str | None) -> str:
    """Return the token of one of our firmware URLs ("" for any other URL)."""
    marker = f"{FIRMWARE_PATH}/"
    if not url or marker not in url:
        return ""
    return url.split(marker, 1)[1].split("?", 1)[0].split("/", 1)[0]


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def _serve_firmware(
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
        return await _serve_firmware(request, self._server, token)


# A batch of a hundred logs is a few kilobytes; nothing legitimate comes near this.
MAX_UPLOAD = 1024 * 1024


def _upload_error(err: ProtocolError) -> web.Response:
    return web.json_response({"error": str(err)}, status=err.status)


class LogUploadView(_PushView):
    """The control API's log uploader ("Automatic reporting of attendance records").

    The device posts to the URL it was given, which holds its entry's secret: an unknown
    secret is refused with 404 and nothing of the body is kept.
    """

    url = LOG_UPLOAD_PATH + "/{secret}"
    name = "access_terminal:log_upload"

    async def post(self, request: web.Request, secret: str) -> web.Response:
        """Take a batch of logs; answer where the device continues."""
        terminal = self._router.terminal_for_secret(secret)
        if not isinstance(terminal, ControlApiTerminal):
            return _refuse_body(request, _upload_error(ProtocolError("unknown", status=404)))
        body = await self._body(request, MAX_UPLOAD, _upload_error)
        if isinstance(body, web.Response):
            return body
        try:
            document = parse_json_bytes(body, MAX_UPLOAD) if body.strip() else {}
            reply = await terminal.handle_upload(document)
        except ProtocolError as err:
            return _refused(request, err, _upload_error)
        return web.json_response(reply)
