"""The "Webserver + JSON" API client (specs/000_021a89f13c4f291f.txt).

Every command is a POST of `{"cmd": ..., "password": ...}` to the device; the answer echoes the
command in `ret`, carries the serial in `sn` and, for most commands, `result` true or false with
a numeric `reason`. The document gives some reasons two meanings (2 is a wrong password, or a
file too large while upgrading), so the command decides which one is meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp

from ..codec import optional_int
from ..errors import AuthError, DeviceError, ProtocolError, UnreachableError
from ..pull import DEFAULT_TIMEOUT, DeviceAddress, post_json

PATH = "/"
# How long a reboot may take to be refused or dropped: the device sends no answer to it.
REBOOT_WAIT = 3.0

# "Error Codes (reason)" of the document.
REASONS = {
    1: "user not found or invalid parameter",
    2: "wrong password",
    3: "the device is busy",
    5: "no face detected in the picture",
    12: "the face is already registered to another user",
}
# The same codes while uploading firmware ("Password error / File too large", ...).
UPGRADE_REASONS = {
    1: "invalid parameter",
    2: "the firmware file is too large",
    3: "the firmware file is empty",
}
USER_NOT_FOUND = 1
# What a cookie value may hold as is (RFC 6265); anything else is percent-encoded.
_COOKIE_SAFE = "!#$&'()*+-./:<=>?@[]^_`{|}~"
WRONG_PASSWORD = 2


# What `result` may say: true / false as a boolean, a number or a word.
_RESULT_WORDS = {
    "true": True,
    "1": True,
    "ok": True,
    "success": True,
    "false": False,
    "0": False,
    "fail": False,
    "failed": False,
    "error": False,
}


def _succeeded(cmd: str, result: Any) -> bool:
    """Read `result` (true, 1, "true"... or their opposites); ProtocolError for anything else.

    "maybe", 2 or a list said nothing: counting it as success would hide a failed command.
    """
    if isinstance(result, bool):
        return result
    if isinstance(result, int) and result in (0, 1):
        return result == 1
    if isinstance(result, str) and (word := result.strip().lower()) in _RESULT_WORDS:
        return _RESULT_WORDS[word]
    raise ProtocolError(f"{cmd}: the device answered result {result!r:.40}")


def reason_text(cmd: str, code: int | None) -> str:
    """Return a readable reason for a device refusal."""
    table = UPGRADE_REASONS if cmd == "upgrade" else REASONS
    if code is None:
        return "the device refused the command"
    return table.get(code) or REASONS.get(code) or f"error {code}"


def check_answer(cmd: str, answer: Any) -> dict[str, Any]:
    """Return the answer of `cmd` if it succeeded; raise AuthError or DeviceError otherwise."""
    if not isinstance(answer, dict):
        raise ProtocolError(f"{cmd}: expected a JSON object, got {type(answer).__name__}")
    # An answer may leave out `ret` and `result` ({"count":0,"record":[]}); when present they
    # must say this command, and success or failure.
    ret = answer.get("ret")
    if ret not in (None, "") and (not isinstance(ret, str) or ret.strip().lower() != cmd.lower()):
        raise ProtocolError(f"{cmd}: the device answered {ret!r:.40}")
    if not _succeeded(cmd, answer.get("result", True)):
        code = optional_int(answer.get("reason"))
        if code == WRONG_PASSWORD and cmd != "upgrade":
            raise AuthError("the device refused the password")
        raise DeviceError("-" if code is None else code, reason_text(cmd, code))
    return answer


class WebJsonClient:
    """Sends commands to one device with its password."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        address: DeviceAddress,
        password: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Use `session` (never closed here) to reach the device at `address`."""
        self._session = session
        self._url = address.url(PATH)
        self._password = password
        self.timeout = timeout

    async def call(
        self, cmd: str, fields: Mapping[str, Any] | None = None, *, wait: float | None = None
    ) -> dict[str, Any]:
        """Run one command and return its successful answer."""
        document = {"cmd": cmd, **(fields or {}), "password": self._password}
        _status, answer = await post_json(
            self._session,
            self._url,
            document,
            wait=wait or self.timeout,
            # Some firmware reads the password from a `pwd` cookie rather than the body.
            headers={"Cookie": f"pwd={quote(self._password, safe=_COOKIE_SAFE)}"},
        )
        return check_answer(cmd, answer)

    async def reboot(self, cmd: str = "reboot") -> None:
        """Restart the device (`reboot`, or a `cmd` that restarts it: `cleandatebase`).

        It restarts at once, possibly without answering: silence is success, a refusal is not.
        """
        try:
            await self.call(cmd, wait=REBOOT_WAIT)
        except (UnreachableError, ProtocolError):
            return
