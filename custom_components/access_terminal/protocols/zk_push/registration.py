"""ZK PUSH registration and sessions, and the answers of the hand-shake.

Section 7: a Security PUSH controller registers (`registry`) and gets a RegistryCode, then gets
its parameters and a new SessionID at each `push`. Once it sends a token (md5 of RegistryCode,
SN and SessionID) every request must carry one. Attendance terminals never register: they get
their options in answer to `cdata?options=all`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
import hashlib
import hmac
import secrets
import string
import time
from typing import Any

from .device import ATTENDANCE_DELAY, REQUEST_DELAY, zone_option
from .wire import Endpoint, Reply, Request, old_encode_time

# The SessionID before the latest push stays valid this long (its tokens are in flight).
SESSION_GRACE = 60.0
_REGISTRY_ALPHABET = string.ascii_letters + string.digits
# Protocol version we speak. Encryption starts at 3.1.1: answering 3.0.1 keeps terminals in
# plain text (Appendix 13 / 16, "the earlier version is used").
PUSH_PROTOCOL_VERSION = "3.0.1"
_SERVER_PARAMETERS = (
    ("ServerVersion", PUSH_PROTOCOL_VERSION),
    ("ServerName", "ADMS"),
    ("PushProtVer", PUSH_PROTOCOL_VERSION),
    ("ErrorDelay", "30"),
    ("RequestDelay", str(REQUEST_DELAY)),
    ("TransTimes", "00:00;14:00"),
    ("TransInterval", "1"),
    ("TransTables", "User Transaction"),
    ("Realtime", "1"),
)
_ATTENDANCE_FLAGS = "TransData AttLog OpLog AttPhoto EnrollUser ChgUser EnrollFP ChgFP UserPic"


def _token(registry_code: str, serial: str, session: str) -> str:
    text = f"{registry_code}{serial}{session}"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def needs_no_token(request: Request) -> bool:
    """Return True for the hand-shake (options, registry, push), which is never refused.

    It is how a terminal gets a new session, and a terminal that just registered has no session
    to compute a token from.
    """
    return request.endpoint in (Endpoint.REGISTRY, Endpoint.PUSH, Endpoint.EXCHANGE) or (
        request.endpoint is Endpoint.CDATA and "options" in request.params
    )


class Registration:
    """A controller's registry code, its SessionIDs and whether it sends tokens."""

    def __init__(self) -> None:
        """Start unregistered."""
        self.code: str | None = None
        self.session: str | None = None
        self._previous: tuple[str, float] | None = None
        self.token_required = False

    def register(self) -> str:
        """Return the registry code, made at the first registration and kept."""
        if self.code is None:
            self.code = "".join(secrets.choice(_REGISTRY_ALPHABET) for _ in range(10))
        return self.code

    def new_session(self) -> str:
        """Start a session; the one before stays valid for SESSION_GRACE seconds."""
        session = secrets.token_hex(16).upper()
        if self.session:
            self._previous = (self.session, time.monotonic() + SESSION_GRACE)
        self.session = session
        return session

    def accepts(self, serial: str, token: str) -> bool:
        """Return True if `token` is computed from a session still valid."""
        if self.code is None:
            return False
        sessions = [self.session] if self.session else []
        if self._previous and time.monotonic() < self._previous[1]:
            sessions.append(self._previous[0])
        return any(
            hmac.compare_digest(_token(self.code, serial, session), token) for session in sessions
        )

    def export(self) -> dict[str, Any]:
        """Return what must survive a restart."""
        return {
            "registry_code": self.code,
            "session": self.session,
            "token_required": self.token_required,
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Reload export() output (also read from a whole terminal's saved state)."""
        code = data.get("registry_code")
        self.code = code if isinstance(code, str) and code else None
        session = data.get("session")
        self.session = session if isinstance(session, str) and session else None
        self.token_required = data.get("token_required") is True


def parameters(session: str, *, registry_code: str | None, options: Mapping[str, str]) -> Reply:
    """Answer a registered controller: the server parameters and its new SessionID.

    With `registry_code` (the answer to its options request) the code comes first; at a push it
    gets back the MultiBio options it announced.
    """
    lines = ["registry=ok", f"RegistryCode={registry_code}"] if registry_code else []
    lines += [f"{key}={value}" for key, value in _SERVER_PARAMETERS]
    lines += [f"SessionID={session}", "TimeoutSec=10"]
    if not registry_code:
        for key in ("MultiBioDataSupport", "MultiBioPhotoSupport"):
            if value := options.get(key):
                lines.append(f"{key}={value}")
        # Body temperatures (rtlog convtemperature) in Celsius, whatever the terminal shows.
        lines.append("IRTempUnitTrans=0")
    return Reply("\n".join(lines))


def attendance_options(
    serial: str, stamps: Mapping[str, str], zone: tzinfo, encoding: str
) -> Reply:
    """Answer an attendance terminal's options request (its stamps say what it sent already)."""
    lines = [f"GET OPTION FROM: {serial}"]
    lines += [
        f"{table}Stamp={stamps.get(table, '0')}" for table in ("ATTLOG", "OPERLOG", "ATTPHOTO")
    ]
    lines += [
        "ErrorDelay=30",
        f"Delay={ATTENDANCE_DELAY}",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        f"TransFlag={_ATTENDANCE_FLAGS}",
        f"TimeZone={zone_option(datetime.now(zone))}",
        "Realtime=1",
        "Encrypt=None",
    ]
    return Reply("\n".join(lines), encoding=encoding)


def _server_zone(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{rest:02d}"


def server_time(zone: tzinfo) -> Reply:
    """Answer `rtdata?type=time`: UTC in ZK seconds and the server's zone in `zone`."""
    now = datetime.now(UTC)
    local = datetime.now(zone)
    return Reply(f"DateTime={old_encode_time(now)},ServerTZ={_server_zone(local)}")
