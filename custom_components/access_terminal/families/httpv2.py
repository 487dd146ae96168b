"""HTTPv2 face terminals (specs/004_14e2b1c146f04a83.txt): they call /Device, /People, /Record."""

from __future__ import annotations

from aiohttp import web

from ..protocols import httpv2
from ..protocols.errors import ProtocolError
from ..protocols.model import Family, Terminal
from ..views import PushView, refused
from .base import BuildContext, FamilySpec


def _json_response(reply: httpv2.Reply) -> web.Response:
    return web.Response(body=reply.body, status=reply.status, content_type="application/json")


def _error(err: ProtocolError) -> web.Response:
    return _json_response(httpv2.error_reply(err))


class HttpV2View(PushView):
    """Every HTTPv2 endpoint: /Device/..., /People/..., /Record/... (any letter case)."""

    url = r"/{group:(?i:device|people|record)}/{action:[A-Za-z]+}"
    name = "access_terminal:httpv2"

    async def post(self, request: web.Request, group: str, action: str) -> web.Response:
        """Answer one device request with the protocol's JSON."""
        endpoint = httpv2.endpoint_for(group, action)
        if endpoint is None:
            return _error(ProtocolError("unknown endpoint", status=404))
        body = await self._body(request, httpv2.MAX_BODY, _error)
        if isinstance(body, web.Response):
            return body
        try:
            parsed = httpv2.parse_request(endpoint, request.headers.get("Content-Type"), body)
        except ProtocolError as err:
            return refused(request, err, _error)
        terminal = self._router.terminal_for(Family.HTTPV2, parsed.serial, request.remote)
        if not isinstance(terminal, httpv2.HttpV2Terminal):
            return _json_response(httpv2.refusal(401))
        return _json_response(await terminal.handle(parsed))


def _build(context: BuildContext) -> Terminal:
    return httpv2.HttpV2Terminal(
        context.serial,
        context.listener,
        authorizer=context.authorizer,
        command_timeout=context.command_timeout,
    )


SPEC = FamilySpec(
    family=Family.HTTPV2,
    title="HTTPv2",
    build=_build,
    views=(HttpV2View,),
    # Work settings and people carry passwords, network credentials, templates and photos.
    redact=frozenset(
        {
            "ConnectPassword",
            "MenuPassword",
            "VisitorRootPassword",
            "PasswordAlarm_Password",
            "RTSPPassword",
            "RTSPUser",
            "WIFIAPPassword",
            "WIFIAPName",
            "MQTTLoginName",
            "MQTTLoginPassword",
            "FaceFeature",
            "Fingerprints",
            "Palmveins",
            "Photo",
            "WiredMAC",
            "WIFIMAC",
        }
    ),
)
