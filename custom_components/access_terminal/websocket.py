"""Where cloud WebSocket terminals connect: Home Assistant's own server and dedicated listeners.

The view answers `/api/access_terminal/ws` on Home Assistant's port. Many of these terminals can
only be given a host and a port (specs/002_c663bad8f76a6161.txt: "default listen port is 7788"),
so a listener of its own may also serve the same protocol on such a port, whatever the path: one
per port, opened while a terminal's options or configuration.yaml ask for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
import logging

from aiohttp import web
from homeassistant.core import callback
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .protocols.cloud_ws import CloudWsTerminal
from .protocols.cloud_ws.session import serve_websocket
from .protocols.model import Family
from .push import PushRouter

_LOGGER = logging.getLogger(__name__)

DATA_WEBSOCKETS: HassKey[CloudWsHub] = HassKey(f"{DOMAIN}_websockets")
WEBSOCKET_PATH = "/api/access_terminal/ws"


@dataclass
class _Listener:
    runner: web.AppRunner
    sockets: set[web.WebSocketResponse]
    holders: set[str] = field(default_factory=set)


async def _close_all(sockets: set[web.WebSocketResponse]) -> None:
    for socket in list(sockets):
        await socket.close(code=1001)  # going away: the terminals connect again later


class CloudWsHub:
    """Every socket of every cloud terminal, and the dedicated listeners they arrive on."""

    def __init__(self, router: PushRouter) -> None:
        """Route terminals through `router`."""
        self._router = router
        self.sockets: set[web.WebSocketResponse] = set()
        self._listeners: dict[int, _Listener] = {}

    @callback
    def lookup(self, serial: str, host: str | None) -> CloudWsTerminal | None:
        """Return the loaded terminal of `serial` (None: refuse it, offer it for discovery)."""
        terminal = self._router.terminal_for(Family.CLOUD_WS, serial, host)
        return terminal if isinstance(terminal, CloudWsTerminal) else None

    async def serve(
        self, request: web.Request, sockets: set[web.WebSocketResponse] | None = None
    ) -> web.StreamResponse:
        """Serve one terminal's socket until it closes (kept in `sockets` meanwhile)."""
        return await serve_websocket(
            request, self.lookup, sockets=self.sockets if sockets is None else sockets
        )

    @property
    def ports(self) -> list[int]:
        """Return the ports dedicated listeners are open on."""
        return sorted(self._listeners)

    async def async_acquire(self, port: int, holder: str) -> bool:
        """Listen on `port` for `holder` (opened once, shared); False if the port is taken."""
        listener = self._listeners.get(port)
        if listener is None:
            sockets: set[web.WebSocketResponse] = set()
            app = web.Application()
            app.router.add_get("/{path:.*}", partial(self.serve, sockets=sockets))
            runner = web.AppRunner(app, handle_signals=False, access_log=None)
            await runner.setup()
            try:
                await web.TCPSite(runner, port=port).start()
            except OSError as err:
                await runner.cleanup()
                _LOGGER.error(  # noqa: TRY400 - the reason says it all, no traceback
                    "Cannot listen for cloud terminals on port %s: %s", port, err
                )
                return False
            listener = self._listeners[port] = _Listener(runner, sockets)
            _LOGGER.info("Listening for cloud terminals on port %s", port)
        listener.holders.add(holder)
        return True

    async def async_release(self, port: int, holder: str) -> None:
        """Stop listening for `holder`; the port closes when nobody holds it."""
        listener = self._listeners.get(port)
        if listener is None:
            return
        listener.holders.discard(holder)
        if not listener.holders:
            del self._listeners[port]
            await _close_all(listener.sockets)
            await listener.runner.cleanup()

    async def async_stop(self) -> None:
        """Close every socket and listener (Home Assistant is stopping)."""
        await _close_all(self.sockets)
        for port in list(self._listeners):
            listener = self._listeners.pop(port)
            await _close_all(listener.sockets)
            await listener.runner.cleanup()


class CloudWsView(HomeAssistantView):
    """The cloud terminals' WebSocket on Home Assistant's own port."""

    url = WEBSOCKET_PATH
    name = "access_terminal:cloud_ws"
    requires_auth = False

    def __init__(self, hub: CloudWsHub) -> None:
        """Serve sockets through `hub`."""
        self._hub = hub

    async def get(self, request: web.Request) -> web.StreamResponse:
        """Upgrade to a WebSocket and serve the terminal."""
        return await self._hub.serve(request)
