"""How the ZKTeco PUSH terminal talks: plain-text requests under /iclock, one log line each."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import logging
from typing import Final
from urllib.parse import urlsplit

import aiohttp

from simulator.common import monotonic, shorten
from simulator.zk_push_codec import decode_text

_LOGGER = logging.getLogger("simulator.zk_push")

# HTTP statuses with which the server refuses the terminal (unknown serial, bad token, no registry).
REFUSING_STATUS: Final = frozenset({401, 403, 406})
USER_AGENT: Final = "iClock Proxy/1.09"
TEXT_TYPE: Final = "application/push;charset=UTF-8"
BINARY_TYPE: Final = "application/octet-stream"


class ExchangeError(Exception):
    """A request got no answer at all (refused connection, timeout, broken response)."""


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


class ZkTransport:
    """The terminal's HTTP client: SN on every request, the session token as a cookie."""

    def __init__(
        self,
        server: str,
        serial: str,
        *,
        session: aiohttp.ClientSession | None,
        request_timeout: float,
    ) -> None:
        """Use the given session (never closed here) or make one on first use."""
        self.server = server.rstrip("/")
        self.serial = serial
        self.token: str | None = None
        self.rejected = False
        self.requests: Counter[str] = Counter()
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)

    def session(self) -> aiohttp.ClientSession:
        """Return the session, creating this transport's own on first use."""
        if self._session is None:
            # Firmware ignores Set-Cookie: the only cookie it sends is its token.
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

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

    async def fetch(self, url: str) -> bytes | None:
        """GET a file a command points to (a relative URL is on the server); None on failure."""
        if url.startswith("/"):
            url = self.server + url
        path = urlsplit(url).path
        self.requests[path] += 1
        headers = {"User-Agent": USER_AGENT}
        if self.token and url.startswith(self.server + "/"):
            headers["Cookie"] = f"token={self.token}"
        try:
            async with self.session().get(url, headers=headers, timeout=self._timeout) as response:
                status = response.status
                data = await response.read()
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            _LOGGER.info("%s GET %s -> failed: %r", self.serial, url, err)
            return None
        _LOGGER.info("%s GET %s -> %s <%d B>", self.serial, url, status, len(data))
        return data if status == 200 and data else None

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
        self.requests[path] += 1
        started = monotonic()
        try:
            async with self.session().request(
                method,
                self.server + path,
                params={"SN": self.serial, **params},
                data=data,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            _LOGGER.info("%s %s -> failed: %r", self.serial, summary, err)
            raise ExchangeError(f"{path}: {err!r}") from err
        text = decode_text(raw)
        shown = f"<{len(raw)} B>" if path.endswith("/file") else shorten(text)
        _LOGGER.info(
            "%s %s -> %s %s (%d ms)",
            self.serial,
            summary,
            status,
            shown,
            (monotonic() - started) * 1000,
        )
        self.rejected = status in REFUSING_STATUS
        return Reply(status=status, raw=raw, text=text)
