"""What the device-hosted HTTP APIs share (pull families): one JSON POST, jobs, the poll cycle.

Here Home Assistant is the client: each family posts JSON to the terminal and reads its answer.
Network failures become UnreachableError, refused credentials AuthError, a body that is not
JSON ProtocolError, so the integration maps them once. Enrollment jobs run in the background
and report their outcome as admin events, as the push families do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
import json
import logging
import re
import time
from typing import Any

import aiohttp

from .codec import parse_json_bytes
from .errors import (
    AccessTerminalError,
    AuthError,
    DeviceError,
    PayloadTooLargeError,
    UnreachableError,
    UserWriteError,
)
from .model import (
    AccessEvent,
    Credential,
    EventType,
    Method,
    Record,
    Terminal,
    TerminalListener,
    User,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
# User listings with templates and firmware answers stay far below this; a larger answer is
# refused rather than held in memory.
MAX_ANSWER = 8 * 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(slots=True, frozen=True, kw_only=True)
class DeviceAddress:
    """Where a terminal's API listens."""

    host: str
    port: int
    ssl: bool = False

    def url(self, path: str) -> str:
        """Return the URL of `path` on the device (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{'https' if self.ssl else 'http'}://{host}:{self.port}{path}"


async def post_json(
    session: aiohttp.ClientSession,
    url: str,
    document: Mapping[str, Any],
    *,
    wait: float = DEFAULT_TIMEOUT,
    params: Mapping[str, str] | None = None,
    limit: int = MAX_ANSWER,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Any]:
    """POST a JSON document to a device; return the HTTP status and the decoded answer.

    HTTP 401/403 raise AuthError; no answer (refused, reset, timed out, bad certificate)
    raises UnreachableError; an answer that is not JSON raises ProtocolError when the status
    is 200 and DeviceError otherwise.
    """
    body = json.dumps(document, ensure_ascii=False).encode()
    try:
        async with session.post(
            url,
            data=body,
            params=params,
            # One connection per request: embedded web servers drop idle connections without
            # notice, and a reused dead one would lose the answer (getrtlog's records with it).
            headers={"Content-Type": "application/json", "Connection": "close", **(headers or {})},
            timeout=aiohttp.ClientTimeout(total=wait),
        ) as response:
            status = response.status
            if status in (401, 403):
                raise AuthError(f"the device refused the credentials (HTTP {status})")
            raw = await _read_limited(response, limit)
    except aiohttp.ClientConnectorCertificateError as err:
        raise UnreachableError(f"certificate not trusted: {err.certificate_error}") from err
    except TimeoutError as err:
        raise UnreachableError(f"no answer within {wait:g} s") from err
    except (aiohttp.ClientError, OSError) as err:
        raise UnreachableError(str(err) or type(err).__name__) from err
    if status != 200:
        try:
            return status, parse_json_bytes(raw, limit)
        except AccessTerminalError:
            raise DeviceError(status, f"HTTP {status}") from None
    return status, parse_json_bytes(raw, limit)


async def _read_limited(response: aiohttp.ClientResponse, limit: int) -> bytes:
    if response.content_length is not None and response.content_length > limit:
        raise PayloadTooLargeError(limit)
    data = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        data += chunk
        if len(data) > limit:
            raise PayloadTooLargeError(limit)
    return bytes(data)


# "GMT+8", "UTC-3", "GMT+05:30", "+0800": the zones terminals report.
_ZONE = re.compile(r"^(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_zone(text: Any) -> tzinfo | None:
    """Read a terminal's time zone text; None when absent or unreadable."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if value.upper() in ("GMT", "UTC"):
        return UTC
    match = _ZONE.match(value)
    if match is None:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 14 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if match.group(1) == "-" else minutes))


def zone_of_clock(clock: datetime, now: datetime, default: tzinfo) -> tzinfo | None:
    """Return the zone a terminal keeps its clock in, from its local time `clock` read `now`.

    None when that is `default` (Home Assistant's zone, which also knows its daylight saving
    time); otherwise the offset, to the quarter hour (a clock a little fast or slow is no other
    zone). A clock more than 14 hours off UTC is just wrong: None as well.
    """
    quarters = round((clock - now.replace(tzinfo=None)).total_seconds() / 900)
    offset = timedelta(minutes=15 * quarters)
    if abs(offset) > timedelta(hours=14) or offset == now.astimezone(default).utcoffset():
        return None
    return timezone(offset)


@dataclass(slots=True, frozen=True)
class JobState:
    """Where an enrollment job at the device stands."""

    done: bool
    succeeded: bool = False
    reason: str | None = None
    data: Any = None


PENDING = JobState(done=False)

CREDENTIAL_METHODS = {
    Credential.FACE: Method.FACE,
    Credential.FINGERPRINT: Method.FINGERPRINT,
    Credential.CARD: Method.CARD,
    Credential.PALM: Method.PALM,
    Credential.PASSWORD: Method.PASSWORD,
}


@dataclass(slots=True, kw_only=True)
class Enrollment:
    """One remote enrollment being followed: how to ask, cancel and finish it."""

    user_id: str
    credential: Credential
    query: Callable[[], Awaitable[JobState]]
    finish: Callable[[JobState], Awaitable[None]] | None = None
    cancel: Callable[[], Awaitable[None]] | None = None


class PullTerminal(Terminal):
    """A terminal we call: reads info now and then, state every poll, runs background jobs.

    A family fills in `_read_info` (who the device is, what it holds) and `_read_state` (doors,
    records); `refresh` calls the first when due and the second every time.
    """

    info_interval: float = 300.0
    enroll_timeout: float = 120.0
    enroll_poll: float = 1.0

    def __init__(self, serial: str, listener: TerminalListener, *, zone: tzinfo) -> None:
        """Start with nothing read; `zone` is used until the device names its own."""
        super().__init__(serial)
        self.listener = listener
        self.default_zone = zone
        self.device_zone: tzinfo | None = None
        self._info_due = 0.0
        self._jobs: set[asyncio.Task[None]] = set()
        # What long-running work stands where (enrollment, firmware), for diagnostics.
        self.progress: dict[str, dict[str, Any]] = {}

    @property
    def zone(self) -> tzinfo:
        """Return the zone the device's local times are in."""
        return self.device_zone or self.default_zone

    async def refresh(self, *, records: bool = True) -> None:
        """Read info when due (every `info_interval`), then doors and records.

        Without `records` only the info is read (to check the device before anything listens).
        """
        if self.info is None or time.monotonic() >= self._info_due:
            await self._read_info()
            self._info_due = time.monotonic() + self.info_interval
            self.listener.state_changed()
        if records:
            await self._read_state()

    def invalidate_info(self) -> None:
        """Read the info again at the next refresh (users or storage changed)."""
        self._info_due = 0.0

    async def _read_info(self) -> None:
        """Read who the device is and what it holds (sets `info`)."""
        raise NotImplementedError

    async def _read_state(self) -> None:
        """Read doors and new records (records go to the listener before anything else)."""
        raise NotImplementedError

    # -- users, one command each ------------------------------------------------------------

    async def write_each(
        self, users: Sequence[User], write: Callable[[User], Awaitable[None]]
    ) -> None:
        """Write users one by one; raise UserWriteError naming those the device refused."""
        failures: dict[str, str] = {}
        for user in users:
            try:
                await write(user)
            except AccessTerminalError as err:
                failures[user.user_id] = str(err)
        self.invalidate_info()
        if failures:
            raise UserWriteError(failures)

    async def delete_each(
        self, user_ids: Sequence[str], delete: Callable[[str], Awaitable[object]], missing: object
    ) -> None:
        """Delete users one by one; one the device does not have (error `missing`) is gone."""
        for user_id in user_ids:
            try:
                await delete(user_id)
            except DeviceError as err:
                if err.code != missing:
                    raise
        self.invalidate_info()

    # -- background jobs -------------------------------------------------------------------

    def start_job(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` in the background until it ends or the terminal closes."""
        task = asyncio.get_running_loop().create_task(work, name=f"{self.serial} {name}")
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def close(self) -> None:
        """Cancel the background jobs (the terminal is going away)."""
        for task in list(self._jobs):
            task.cancel()

    def follow_enrollment(self, enrollment: Enrollment) -> None:
        """Follow an enrollment job in the background; its outcome becomes an admin event."""
        progress = {
            "user_id": enrollment.user_id,
            "credential": str(enrollment.credential),
            "state": "pending",
        }
        self.progress["enrollment"] = progress
        self.listener.state_changed()
        key = f"enrollment {enrollment.user_id} {enrollment.credential}"
        self.start_job(self._follow(enrollment, progress), key)

    async def _follow(self, enrollment: Enrollment, progress: dict[str, Any]) -> None:
        reason: str | None = None
        try:
            async with asyncio.timeout(self.enroll_timeout):
                state = await enrollment.query()
                while not state.done:
                    await asyncio.sleep(self.enroll_poll)
                    state = await enrollment.query()
            if not state.succeeded:
                reason = state.reason or "the device reported a failure"
            elif enrollment.finish is not None:
                await enrollment.finish(state)
        except TimeoutError:
            reason = f"not finished within {self.enroll_timeout:g} s"
            if enrollment.cancel is not None:
                try:
                    await enrollment.cancel()
                except AccessTerminalError as err:
                    _LOGGER.debug("%s: cancelling the enrollment failed: %s", self.serial, err)
        except AccessTerminalError as err:
            reason = str(err)
        progress["state"] = "failed" if reason else "succeeded"
        self.listener.state_changed()
        await self.listener.records([Record(events=(self._enrollment_event(enrollment, reason),))])

    def _enrollment_event(self, enrollment: Enrollment, reason: str | None) -> AccessEvent:
        return AccessEvent(
            type=EventType.ENROLLMENT_FAILED if reason else EventType.ENROLLMENT_FINISHED,
            time=datetime.now(self.zone),
            user_id=enrollment.user_id,
            methods=(CREDENTIAL_METHODS[enrollment.credential],),
            detail=reason or f"{enrollment.credential} enrolled",
        )

    def diagnostics(self) -> dict[str, Any]:
        """Return where long-running work stands."""
        return {"progress": self.progress, "jobs": len(self._jobs)}
