"""The HTTP client of every simulated terminal: one session, timeouts, a log line a request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
import logging
import random
from typing import ClassVar
from urllib.parse import urlsplit

import aiohttp

from simulator.common import monotonic, shorten

# What a request can fail with before there is any answer (an unusable URL raises ValueError).
REQUEST_ERRORS = (aiohttp.ClientError, TimeoutError, ValueError)


class ExchangeError(Exception):
    """A request got no usable answer: the terminal tries again at its next cycle."""


class DeviceTransport:
    """A terminal's HTTP client: one request at a time, a timeout on each, counted per path."""

    # Where the exchanges are logged: the family's logger.
    _logger: ClassVar[logging.Logger] = logging.getLogger("simulator")

    def __init__(
        self,
        server: str,
        serial: str,
        *,
        session: aiohttp.ClientSession | None,
        request_timeout: float,
        rng: random.Random | None = None,
    ) -> None:
        """Use the given session (never closed here) or make one on first use.

        rng is the terminal's random generator, for what a request draws (a private one if None).
        """
        self.server = server.rstrip("/")
        self.serial = serial
        # True while the last answer refused the terminal; each family decides what refuses.
        self.rejected = False
        self.requests: Counter[str] = Counter()
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self.rng = rng or random.Random()

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession()

    def session(self) -> aiohttp.ClientSession:
        """Return the session, creating this transport's own on first use."""
        if self._session is None:
            self._session = self._new_session()
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _exchange(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        decode: Callable[[bytes], str],
        binary: bool = False,
        params: Mapping[str, str] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes, str]:
        """Send one request to the server and return its status, body and decoded body.

        Logs `<serial> <summary> -> <status> <body> (<ms> ms)`, a binary body by its size only;
        raises ExchangeError when no answer came at all (refused connection, timeout, ...).
        """
        self.requests[path] += 1
        started = monotonic()
        try:
            async with self.session().request(
                method,
                self.server + path,
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                status = response.status
                raw = await response.read()
        except REQUEST_ERRORS as err:
            self._logger.info("%s %s -> failed: %r", self.serial, summary, err)
            raise ExchangeError(f"{path}: {err!r}") from err
        text = decode(raw)
        self._logger.info(
            "%s %s -> %s %s (%d ms)",
            self.serial,
            summary,
            status,
            f"<{len(raw)} B>" if binary else shorten(text),
            (monotonic() - started) * 1000,
        )
        return status, raw, text

    def _file_headers(self, url: str) -> dict[str, str]:
        """Headers of a file download from url (absolute)."""
        return {}

    async def download(self, url: str) -> bytes | None:
        """GET a file the server points to (a relative URL is on the server); None on failure."""
        if url.startswith("/"):
            url = self.server + url
        self.requests[urlsplit(url).path] += 1
        try:
            async with self.session().get(
                url, headers=self._file_headers(url), timeout=self._timeout
            ) as response:
                status = response.status
                data = await response.read()
        except REQUEST_ERRORS as err:
            self._logger.info("%s GET %s -> failed: %r", self.serial, url, err)
            return None
        self._logger.info("%s GET %s -> %s <%d B>", self.serial, url, status, len(data))
        return data if status == 200 else None
