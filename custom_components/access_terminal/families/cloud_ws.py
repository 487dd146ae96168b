"""Cloud WebSocket terminals (AiFace / TFS, specs/002_c663bad8f76a6161.txt): they connect to us.

The view answers `/api/access_terminal/ws` on Home Assistant's port. Many of these terminals can
only be given a host and a port (specs/002_c663bad8f76a6161.txt: "default listen port is 7788"),
so a listener of its own may also serve the same protocol on such a port, whatever the path: one
per port, opened while a terminal's options or configuration.yaml ask for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
import logging
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
from homeassistant.util.hass_dict import HassKey
import voluptuous as vol

from ..const import DOMAIN
from ..protocols.cloud_ws import CloudWsTerminal, ModeTable
from ..protocols.cloud_ws.session import serve_websocket
from ..protocols.model import Family, Terminal
from ..push import PushRouter
from .base import BuildContext, FamilySpec

if TYPE_CHECKING:
    from ..coordinator import AccessTerminalConfigEntry

_LOGGER = logging.getLogger(__name__)

DATA_WEBSOCKETS: HassKey[CloudWsHub] = HassKey(f"{DOMAIN}_websockets")
WEBSOCKET_PATH = "/api/access_terminal/ws"

# Options: a dedicated listener port (0: none, Home Assistant's own port serves the terminal)
# and which `mode` table the terminal's records use (the document gives two).
CONF_LISTEN_PORT: Final = "listen_port"
CONF_MODE_TABLE: Final = "mode_table"
# configuration.yaml: `access_terminal: websocket_port: 7788` listens before any terminal is added.
CONF_WEBSOCKET_PORT: Final = "websocket_port"
DEFAULT_LISTEN_PORT: Final = 7788  # what the cloud terminals' document names
# Who holds a dedicated listener opened by configuration.yaml.
_YAML_HOLDER = "configuration.yaml"


@dataclass
class _Listener:
    runner: web.AppRunner
    sockets: set[web.WebSocketResponse]
    holders: set[str] = field(default_factory=set)


def _port_issue(port: int) -> str:
    return f"listen_port_taken_{port}"


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
                # Shown under Repairs until the port opens or nobody asks for it any more.
                ir.async_create_issue(
                    self._router.hass,
                    DOMAIN,
                    _port_issue(port),
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key="listen_port_taken",
                    translation_placeholders={"port": str(port), "error": str(err)},
                )
                return False
            listener = self._listeners[port] = _Listener(runner, sockets)
            ir.async_delete_issue(self._router.hass, DOMAIN, _port_issue(port))
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


async def _async_setup(hass: HomeAssistant, router: PushRouter, config: Mapping[str, Any]) -> None:
    hub = hass.data[DATA_WEBSOCKETS] = CloudWsHub(router)
    hass.http.register_view(CloudWsView(hub))

    async def stop(_event: Event) -> None:
        await hub.async_stop()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)
    if (port := config.get(CONF_WEBSOCKET_PORT)) is not None:
        await hub.async_acquire(port, _YAML_HOLDER)


async def _async_setup_entry(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> None:
    """Open the dedicated listener the entry's options ask for (a taken port is logged)."""
    if port := entry.options.get(CONF_LISTEN_PORT):
        # The terminal can still reach Home Assistant's own port if this one is taken.
        hub = hass.data[DATA_WEBSOCKETS]
        if await hub.async_acquire(port, entry.entry_id):
            entry.async_on_unload(partial(hub.async_release, port, entry.entry_id))
        else:
            # Asked for no more once the options change or the terminal goes.
            entry.async_on_unload(partial(ir.async_delete_issue, hass, DOMAIN, _port_issue(port)))


def _build(context: BuildContext) -> Terminal:
    return CloudWsTerminal(
        context.serial,
        context.listener,
        zone=context.zone,
        authorizer=context.authorizer,
        command_timeout=context.command_timeout,
        mode_table=ModeTable(context.options.get(CONF_MODE_TABLE, ModeTable.VERIFY)),
    )


def _parse_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_LISTEN_PORT: int(user_input[CONF_LISTEN_PORT]),
        CONF_MODE_TABLE: user_input[CONF_MODE_TABLE],
    }


SPEC = FamilySpec(
    family=Family.CLOUD_WS,
    title="Cloud WebSocket",
    build=_build,
    async_setup=_async_setup,
    async_setup_entry=_async_setup_entry,
    yaml_schema={vol.Optional(CONF_WEBSOCKET_PORT): cv.port},
    options_schema={
        vol.Required(CONF_LISTEN_PORT, default=0): NumberSelector(
            NumberSelectorConfig(min=0, max=65535, step=1, mode=NumberSelectorMode.BOX)
        ),
        vol.Required(CONF_MODE_TABLE, default=str(ModeTable.VERIFY)): SelectSelector(
            SelectSelectorConfig(
                options=[str(table) for table in ModeTable],
                translation_key=CONF_MODE_TABLE,
                mode=SelectSelectorMode.LIST,
            )
        ),
    },
    parse_options=_parse_options,
)
