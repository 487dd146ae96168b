"""The device control interface client (specs/001_0944bd5a8bd87614.txt).

Every command is a POST of `{"mid", "cmd", "payload"}` to `/control?api_key=KEY`; the answer
echoes `mid` and names its kind in `result` ("Success", "UserInfo"... or "Error" with a `code`
and `arguments`).
"""

from __future__ import annotations

from collections.abc import Mapping
import itertools
from typing import Any

import aiohttp

from ..codec import optional_str
from ..errors import AuthError, DeviceError, ProtocolError
from ..pull import DEFAULT_TIMEOUT, DeviceAddress, post_json

PATH = "/control"
SUCCESS = "Success"
ERROR = "Error"
# Error codes meaning the key was refused (the document names none; these are seen in the field).
AUTH_CODES = frozenset({"invalid_api_key", "unauthorized", "auth_failed", "api_key_error"})
# Readable forms of the device's error codes; {0} is the first argument.
ERRORS = {
    "user_id_not_exists": "user {0} does not exist",
    "job_id_not_exists": "enrollment job {0} does not exist",
    "invalid_parameter": "invalid parameter {0}",
    "not_supported": "the device does not support this command",
    "device_busy": "the device is busy",
}
USER_NOT_FOUND = "user_id_not_exists"


def error_text(code: str, arguments: Any) -> str:
    """Return a readable reason for an Error answer."""
    args = [str(arg) for arg in arguments] if isinstance(arguments, list) else []
    template = ERRORS.get(code)
    if template is not None and (args or "{0}" not in template):
        return template.format(*args)
    text = code.replace("_", " ")
    return f"{text} ({', '.join(args)})" if args else text


def check_answer(cmd: str, mid: str, answer: Any, expect: str) -> dict[str, Any]:
    """Return the payload of a successful answer; raise AuthError or DeviceError otherwise."""
    if not isinstance(answer, dict):
        raise ProtocolError(f"{cmd}: expected a JSON object, got {type(answer).__name__}")
    if str(answer.get("mid", mid)) != mid:
        raise ProtocolError(f"{cmd}: the answer is for message {answer.get('mid')!r}")
    payload = answer.get("payload")
    if payload is None:
        payload = {}
    elif not isinstance(payload, dict):
        # `"payload": "x"` once looked healthy while nothing could be read.
        raise ProtocolError(f"{cmd}: the payload is not an object: {payload!r:.40}")
    result = answer.get("result")
    if result is not None and not isinstance(result, str):
        raise ProtocolError(f"{cmd}: the result is not a name: {result!r:.40}")
    result = optional_str(result)
    if result == ERROR:
        code = optional_str(payload.get("code")) or "unknown_error"
        if code in AUTH_CODES:
            raise AuthError("the device refused the API key")
        raise DeviceError(code, error_text(code, payload.get("arguments")))
    if result is None or result.lower() != expect.lower():
        raise ProtocolError(f"{cmd}: expected {expect!r}, got {result!r}")
    return payload


class ControlApiClient:
    """Sends commands to one device with its API key."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        address: DeviceAddress,
        api_key: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Use `session` (never closed here) to reach the device at `address`."""
        self._session = session
        self._url = address.url(PATH)
        self._api_key = api_key
        self._mids = itertools.count(1)
        self.timeout = timeout

    async def call(
        self, cmd: str, payload: Mapping[str, Any] | None = None, *, expect: str = SUCCESS
    ) -> dict[str, Any]:
        """Run one command; return the payload of its `expect` answer."""
        mid = str(next(self._mids))
        document = {"mid": mid, "cmd": cmd, "payload": dict(payload or {})}
        _status, answer = await post_json(
            self._session,
            self._url,
            document,
            wait=self.timeout,
            params={"api_key": self._api_key},
        )
        return check_answer(cmd, mid, answer, expect)
