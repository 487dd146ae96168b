"""ZKTeco PUSH terminals (specs/003_918f4eda729658fc.txt): they poll /iclock/... on our server."""

from __future__ import annotations

from aiohttp import web

from ..protocols import zk_push
from ..protocols.errors import ProtocolError
from ..protocols.model import Family, Terminal
from ..views import PushView, firmware_token, refused, serve_firmware
from .base import BuildContext, FamilySpec


def _text_response(reply: zk_push.Reply) -> web.Response:
    return web.Response(
        body=reply.body, status=reply.status, content_type="text/plain", charset=reply.encoding
    )


def _error(err: ProtocolError) -> web.Response:
    return _text_response(zk_push.Reply(str(err), err.status))


class ZkPushView(PushView):
    """Every ZK PUSH endpoint: /iclock/cdata, /iclock/getrequest... (and the .aspx variants)."""

    # Some firmware (a C3-100Pro) adds a trailing slash: /iclock/registry/.
    url = r"/iclock/{name:[A-Za-z]+(?:\.aspx)?/?}"
    name = "access_terminal:zk_push"

    async def get(self, request: web.Request, name: str) -> web.StreamResponse:
        """Answer a GET (hand-shake, commands, ping, time, firmware download)."""
        return await self._answer(request, name, b"")

    async def post(self, request: web.Request, name: str) -> web.StreamResponse:
        """Answer a POST (registration, records, command results, query answers)."""
        body = await self._body(request, zk_push.MAX_BODY, _error)
        if isinstance(body, web.Response):
            return body
        return await self._answer(request, name, body)

    async def _answer(self, request: web.Request, name: str, body: bytes) -> web.StreamResponse:
        endpoint = zk_push.endpoint_for(name)
        if endpoint is None:
            return _error(ProtocolError("unknown endpoint", status=404))
        try:
            parsed = zk_push.parse_request(
                endpoint, request.method, request.query, request.headers.get("Cookie"), body
            )
        except ProtocolError as err:
            return refused(request, err, _error)
        terminal = self._router.terminal_for(Family.ZK_PUSH, parsed.serial, request.remote)
        if not isinstance(terminal, zk_push.ZkPushTerminal):
            # Registration is refused with 406 as the document says; everything else with 401.
            status = 406 if endpoint is zk_push.Endpoint.REGISTRY else 401
            return _text_response(zk_push.Reply("unknown device", status))
        if endpoint is zk_push.Endpoint.FILE and request.method == "GET":
            if not terminal.token_accepted(parsed):
                return _text_response(zk_push.REFUSED)
            return await serve_firmware(
                request, self._router.firmware, firmware_token(parsed.param("url"))
            )
        return _text_response(await terminal.handle(parsed))


def _build(context: BuildContext) -> Terminal:
    return zk_push.ZkPushTerminal(
        context.serial,
        context.listener,
        zone=context.zone,
        authorizer=context.authorizer,
        command_timeout=context.command_timeout,
    )


SPEC = FamilySpec(family=Family.ZK_PUSH, title="ZKTeco PUSH", build=_build, views=(ZkPushView,))
