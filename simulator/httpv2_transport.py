"""How the HTTPv2 terminal talks: JSON and multipart POSTs, file GETs, one log line each."""

from __future__ import annotations

from collections import Counter
import contextlib
from dataclasses import dataclass
import gzip
import json
import logging
import random
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp

from simulator.common import monotonic, shorten

_LOGGER = logging.getLogger("simulator.httpv2")

# A `Success` of these means the server refuses the device until a later keep-alive.
REFUSING_SUCCESS: Final = frozenset({400, 401, 403})


class ExchangeError(Exception):
    """A request got no usable answer or was refused: the device waits for the next keep-alive."""


@dataclass(frozen=True, kw_only=True, slots=True)
class FormPart:
    """One part of a multipart/form-data body."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None
    gzip: bool = False


def encode_multipart(parts: list[FormPart], boundary: str) -> bytes:
    """Encode parts by hand: aiohttp's FormData cannot give a part its own Content-Encoding."""
    body = bytearray()
    for part in parts:
        disposition = f'form-data; name="{part.name}"'
        if part.filename is not None:
            disposition += f'; filename="{part.filename}"'
        headers = [f"Content-Disposition: {disposition}"]
        data = part.data
        if part.gzip:
            headers.append("Content-Encoding: gzip")
            data = gzip.compress(data, mtime=0)
        if part.content_type is not None:
            headers.append(f"Content-Type: {part.content_type}")
        body += f"--{boundary}\r\n{'\r\n'.join(headers)}\r\n\r\n".encode()
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body)


def as_int(value: Any) -> int | None:
    """Read an integer the way a lenient device would: ints, integral floats, digit strings."""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    return None


def json_bytes(value: Any) -> bytes:
    """Encode JSON compactly in UTF-8, as the firmware does."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _describe_part(part: FormPart) -> str:
    if part.filename is not None:
        return f"{part.name}=<{len(part.data)} B {part.content_type}>"
    text = shorten(part.data.decode("utf-8", "replace"), 100)
    return f"{part.name}{'(gz)' if part.gzip else ''}={text}"


class HttpV2Transport:
    """The device's HTTP client: one request at a time, a timeout on each, refusals noted."""

    def __init__(
        self,
        server: str,
        serial: str,
        *,
        session: aiohttp.ClientSession | None,
        request_timeout: float,
        gzip_body: bool,
        rng: random.Random,
    ) -> None:
        """Use the given session (never closed here) or make one on first use."""
        self.server = server.rstrip("/")
        self.serial = serial
        self.gzip_body = gzip_body
        self.rejected = False
        self.requests: Counter[str] = Counter()
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._rng = rng

    def session(self) -> aiohttp.ClientSession:
        """Return the session, creating this transport's own on first use."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def post_json(
        self, path: str, body: dict[str, Any], *, refusal_ok: bool = False
    ) -> dict[str, Any]:
        """POST a JSON body (gzipped whole if configured) and return the JSON answer."""
        payload = json_bytes(body)
        headers = {"Content-Type": "application/json"}
        if self.gzip_body:
            payload = gzip.compress(payload, mtime=0)
            headers["Content-Encoding"] = "gzip"
        summary = shorten(json_bytes({k: v for k, v in body.items() if k != "SN"}).decode(), 120)
        return await self._post(path, payload, headers, summary, refusal_ok=refusal_ok)

    async def post_form(
        self, path: str, parts: list[FormPart], *, refusal_ok: bool = False
    ) -> dict[str, Any]:
        """POST a multipart/form-data body and return the JSON answer."""
        boundary = f"----HttpV2Simulator{self._rng.getrandbits(64):016x}"
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        summary = " ".join(_describe_part(part) for part in parts if part.name != "SN")
        payload = encode_multipart(parts, boundary)
        return await self._post(path, payload, headers, summary, refusal_ok=refusal_ok)

    async def _post(
        self,
        path: str,
        payload: bytes,
        headers: dict[str, str],
        summary: str,
        *,
        refusal_ok: bool,
    ) -> dict[str, Any]:
        """POST and return the JSON object answered; raise ExchangeError when there is none.

        A refusal (HTTP >= 400, or `Success` 400/401/403 unless refusal_ok) raises too, and
        sets `rejected`; any other answer clears it.
        """
        self.requests[path] += 1
        started = monotonic()
        try:
            async with self.session().post(
                self.server + path, data=payload, headers=headers, timeout=self._timeout
            ) as response:
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.info("%s POST %s %s -> failed: %r", self.serial, path, summary, err)
            raise ExchangeError(f"{path}: {err!r}") from err
        _LOGGER.info(
            "%s POST %s %s -> %s %s (%d ms)",
            self.serial,
            path,
            summary,
            status,
            shorten(raw.decode("utf-8", "replace")),
            (monotonic() - started) * 1000,
        )
        if status >= 400:
            self.rejected = True
            raise ExchangeError(f"{path}: HTTP {status}")
        try:
            reply = json.loads(raw)
        except ValueError as err:
            raise ExchangeError(f"{path}: answer is not JSON") from err
        if not isinstance(reply, dict):
            raise ExchangeError(f"{path}: answer is not a JSON object")
        self.rejected = as_int(reply.get("Success")) in REFUSING_SUCCESS
        if self.rejected and not refusal_ok:
            raise ExchangeError(f"{path}: refused with Success {reply.get('Success')!r}")
        return reply

    async def download(self, url: str) -> bytes | None:
        """GET a file the server points to (photo, template, firmware); None on any failure."""
        if url.startswith("/"):
            url = self.server + url
        self.requests[urlsplit(url).path] += 1
        try:
            async with self.session().get(url, timeout=self._timeout) as response:
                data = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            _LOGGER.info("%s GET %s -> failed: %r", self.serial, url, err)
            return None
        _LOGGER.info("%s GET %s -> %s (%d B)", self.serial, url, status, len(data))
        return data if status == 200 else None
