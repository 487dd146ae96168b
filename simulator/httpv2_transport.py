"""How the HTTPv2 terminal talks: JSON and multipart POSTs, file GETs, one log line each."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import gzip
import json
import logging
from typing import Any, Final

from simulator.common import shorten
from simulator.transport import DeviceTransport, ExchangeError

# A `Success` of these means the server refuses the device until a later keep-alive.
REFUSING_SUCCESS: Final = frozenset({400, 401, 403})


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


class HttpV2Transport(DeviceTransport):
    """The device's HTTP client: JSON and multipart POSTs, refusals noted."""

    _logger = logging.getLogger("simulator.httpv2")
    # Whether whole JSON bodies are gzip-compressed.
    gzip_body = False

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
        boundary = f"----HttpV2Simulator{self.rng.getrandbits(64):016x}"
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
        status, raw, _ = await self._exchange(
            "POST",
            path,
            f"POST {path} {summary}",
            decode=lambda raw: raw.decode("utf-8", "replace"),
            data=payload,
            headers=headers,
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
