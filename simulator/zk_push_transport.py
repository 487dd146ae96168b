"""How the ZKTeco PUSH terminal talks: plain-text requests under /iclock, one log line each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
from typing import Final

import aiohttp

from simulator.common import shorten
from simulator.transport import DeviceTransport
from simulator.zk_push_codec import decode_text

# HTTP statuses with which the server refuses the terminal (unknown serial, bad token, no registry).
REFUSING_STATUS: Final = frozenset({401, 403, 406})
USER_AGENT: Final = "iClock Proxy/1.09"
TEXT_TYPE: Final = "application/push;charset=UTF-8"
BINARY_TYPE: Final = "application/octet-stream"


@dataclass(frozen=True, kw_only=True, slots=True)
class Reply:
    """An HTTP answer: status, raw bytes and their text."""

    status: int
    raw: bytes
    text: str

    @property
    def ok(self) -> bool:
        """Exactly `OK` with status 200, the only acknowledgement of records and results."""
        return self.status == 200 and self.text.strip() == "OK"

    @property
    def refused(self) -> bool:
        """The server refuses the terminal until it connects again."""
        return self.status in REFUSING_STATUS


class ZkTransport(DeviceTransport):
    """The terminal's HTTP client: SN on every request, the session token as a cookie."""

    _logger = logging.getLogger("simulator.zk_push")
    # The session token sent as a cookie, once the terminal has one.
    token: str | None = None
    # Called with the status of every answer that refuses the terminal.
    on_refusal: Callable[[int], None] | None = None

    def _new_session(self) -> aiohttp.ClientSession:
        # Firmware ignores Set-Cookie: the only cookie it sends is its token.
        return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())

    async def get(
        self, path: str, params: dict[str, str] | None = None, *, token: bool = True
    ) -> Reply:
        """GET path?SN=..&params."""
        return await self._request("GET", path, params or {}, None, token=token)

    async def post(
        self,
        path: str,
        body: str | bytes,
        params: dict[str, str] | None = None,
        *,
        token: bool = True,
    ) -> Reply:
        """POST a text (UTF-8) or binary body to path?SN=..&params."""
        return await self._request("POST", path, params or {}, body, token=token)

    def _file_headers(self, url: str) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.token and url.startswith(self.server + "/"):
            headers["Cookie"] = f"token={self.token}"
        return headers

    async def fetch(self, url: str) -> bytes | None:
        """GET a file a command points to (a relative URL is on the server); None on failure."""
        return await self.download(url) or None

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        body: str | bytes | None,
        *,
        token: bool,
    ) -> Reply:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/push",
            "Accept-Charset": "UTF-8",
            "Accept-Language": "en-US",
        }
        if token and self.token:
            headers["Cookie"] = f"token={self.token}"
        data: bytes | None = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else body
            headers["Content-Type"] = TEXT_TYPE if isinstance(body, str) else BINARY_TYPE
        summary = f"{method} {path}"
        if params:
            summary += "?" + shorten("&".join(f"{k}={v}" for k, v in params.items()), 80)
        if isinstance(body, str) and body:
            summary += " " + shorten(body, 100)
        elif isinstance(body, bytes):
            summary += f" <{len(body)} B>"
        status, raw, text = await self._exchange(
            method,
            path,
            summary,
            decode=decode_text,
            binary=path.endswith("/file"),
            params={"SN": self.serial, **params},
            data=data,
            headers=headers,
        )
        self.rejected = status in REFUSING_STATUS
        reply = Reply(status=status, raw=raw, text=text)
        if reply.refused and self.on_refusal is not None:
            self.on_refusal(status)
        return reply
