"""Terminals with the device control interface (specs/001_0944bd5a8bd87614.txt).

Home Assistant calls `/control?api_key=...`; where the firmware has the attendance-log uploader,
the terminal also posts its logs to `/api/access_terminal/log_upload/<secret>`, a URL holding a
secret made for the entry when it was added.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
import hmac
import secrets
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError, get_url

from ..const import CONF_SERIAL, DOMAIN
from ..kinds import loaded_terminal_entries
from ..protocols.codec import parse_json_bytes
from ..protocols.control_api import ControlApiClient, ControlApiTerminal
from ..protocols.errors import ProtocolError
from ..protocols.model import Family, Terminal
from ..views import PushView, refuse_body, refused
from .base import BuildContext, FamilySpec, PullConnection
from .pull import client_session, device_address, web_url

if TYPE_CHECKING:
    from ..coordinator import AccessTerminalConfigEntry

# The secret in the URL the log uploader posts to (entry data).
CONF_UPLOAD_SECRET: Final = "upload_secret"  # noqa: S105 - a key name
LOG_UPLOAD_PATH: Final = "/api/access_terminal/log_upload"
# A batch of a hundred logs is a few kilobytes; nothing legitimate comes near this.
MAX_UPLOAD = 1024 * 1024


def upload_url(hass: HomeAssistant, secret: str) -> str | None:
    """Return the URL the device's log uploader should post to (None: Home Assistant has none)."""
    try:
        base = get_url(hass, allow_external=False, allow_cloud=False)
    except NoURLAvailableError:
        return None
    return f"{base}{LOG_UPLOAD_PATH}/{secret}"


@callback
def terminal_for_secret(hass: HomeAssistant, secret: str) -> ControlApiTerminal | None:
    """Return the loaded terminal whose log uploader URL holds `secret` (or None).

    Every entry is compared in constant time, so a guess learns nothing from the timing.
    """
    found: ControlApiTerminal | None = None
    for entry in loaded_terminal_entries(hass):
        known = str(entry.data.get(CONF_UPLOAD_SECRET) or "")
        terminal = entry.runtime_data.coordinator.terminal
        if (
            hmac.compare_digest(known.encode(), secret.encode())
            and known
            and isinstance(terminal, ControlApiTerminal)
        ):
            found = terminal
    return found


def _upload_error(err: ProtocolError) -> web.Response:
    return web.json_response({"error": str(err)}, status=err.status)


class LogUploadView(PushView):
    """The control API's log uploader ("Automatic reporting of attendance records").

    The device posts to the URL it was given, which holds its entry's secret: an unknown
    secret is refused with 404 and nothing of the body is kept.
    """

    url = LOG_UPLOAD_PATH + "/{secret}"
    name = "access_terminal:log_upload"

    async def post(self, request: web.Request, secret: str) -> web.Response:
        """Take a batch of logs; answer where the device continues."""
        terminal = terminal_for_secret(self._router.hass, secret)
        if terminal is None:
            return refuse_body(request, _upload_error(ProtocolError("unknown", status=404)))
        body = await self._body(request, MAX_UPLOAD, _upload_error)
        if isinstance(body, web.Response):
            return body
        try:
            document = parse_json_bytes(body, MAX_UPLOAD) if body.strip() else {}
            reply = await terminal.handle_upload(document)
        except ProtocolError as err:
            return refused(request, err, _upload_error)
        return web.json_response(reply)


def _upload_issue(entry_id: str) -> str:
    return f"no_upload_url_{entry_id}"


async def _async_setup_entry(hass: HomeAssistant, entry: AccessTerminalConfigEntry) -> None:
    """Say under Repairs when the log uploader cannot be pointed at Home Assistant."""
    issue = _upload_issue(entry.entry_id)
    if upload_url(hass, entry.data[CONF_UPLOAD_SECRET]) is not None:
        ir.async_delete_issue(hass, DOMAIN, issue)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="no_upload_url",
        translation_placeholders={"serial": entry.data[CONF_SERIAL]},
    )
    entry.async_on_unload(partial(ir.async_delete_issue, hass, DOMAIN, issue))


async def _read_serial(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    client = ControlApiClient(client_session(hass, data), device_address(data), data[CONF_API_KEY])
    return await ControlApiTerminal.read_serial(client)


def _build(context: BuildContext) -> Terminal:
    data = context.data
    return ControlApiTerminal(
        context.serial,
        context.listener,
        session=client_session(context.hass, data),
        address=device_address(data),
        api_key=data[CONF_API_KEY],
        zone=context.zone,
        upload_url=upload_url(context.hass, data[CONF_UPLOAD_SECRET]),
    )


SPEC = FamilySpec(
    family=Family.CONTROL_API,
    title="Control API",
    build=_build,
    pull=PullConnection(
        credential_key=CONF_API_KEY,
        read_serial=_read_serial,
        new_entry_data=lambda: {CONF_UPLOAD_SECRET: secrets.token_urlsafe(32)},
    ),
    views=(LogUploadView,),
    async_setup_entry=_async_setup_entry,
    redact=frozenset({CONF_UPLOAD_SECRET}),
    # The interface reports firmware and capacities, never a model name.
    model="Attendance terminal (control API)",
    configuration_url=web_url,
)
