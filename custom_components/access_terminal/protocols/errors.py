"""The small exception hierarchy of the protocol library."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class AccessTerminalError(Exception):
    """Base of every error raised by the protocol library."""


class ProtocolError(AccessTerminalError):
    """A device sent something we cannot accept; the device gets the protocol's refusal."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        """Keep the HTTP status that suits the refusal (400 malformed, 413 too large)."""
        super().__init__(message)
        self.status = status


class PayloadTooLargeError(ProtocolError):
    """A body, a part or a decompressed payload is over its limit."""

    def __init__(self, limit: int) -> None:
        """Name the limit that was crossed."""
        super().__init__(f"payload larger than {limit} bytes", status=413)
        self.limit = limit


class ListenerUnavailableError(AccessTerminalError):
    """The listener cannot take records now (Home Assistant is stopping): send them again later."""


class NotSupportedError(AccessTerminalError):
    """The terminal (its family or its model) cannot do this operation."""

    def __init__(self, operation: str) -> None:
        """Keep which operation was refused."""
        super().__init__(f"operation not supported: {operation}")
        self.operation = operation


class InvalidRequestError(AccessTerminalError):
    """A caller asked for something the family cannot represent (bad user id, bad door...)."""


def check_numbers(kind: str, numbers: Sequence[int], count: int) -> None:
    """Refuse the first of `numbers` that is not one of a terminal's 1 to `count`.

    (Its bells, shifts, outputs, floors, doors of a rule...: `kind` names them in the error.)
    """
    if wrong := [number for number in numbers if not 1 <= number <= count]:
        raise InvalidRequestError(f"{kind} {wrong[0]} is not one of 1 to {count}")


class CommandTimeoutError(AccessTerminalError):
    """The device did not take or answer a command in time."""

    def __init__(self, what: str, *, still_queued: bool = False) -> None:
        """Say what timed out and whether it will still be delivered later."""
        super().__init__(f"device did not complete {what} in time")
        self.what = what
        self.still_queued = still_queued


class CommandCancelledError(AccessTerminalError):
    """A queued command was replaced or withdrawn before the device took it."""


class UnconfirmedError(AccessTerminalError):
    """The device took users (or deletions) but never reported whether it applied them."""

    def __init__(self, user_ids: Sequence[str]) -> None:
        """Name the users concerned."""
        super().__init__(f"the terminal never confirmed {len(user_ids)} user change(s)")
        self.user_ids = list(user_ids)


class TerminalClosedError(CommandCancelledError):
    """The terminal was unloaded while a caller waited; queued work is kept for the next start."""


class DeviceError(AccessTerminalError):
    """The device answered with an error code."""

    def __init__(self, code: int | str, reason: str) -> None:
        """Keep the device's own code and a readable reason."""
        super().__init__(f"device error {code}: {reason}")
        self.code = code
        self.reason = reason


class UserWriteError(AccessTerminalError):
    """Some users could not be written; `failures` maps user id to a readable reason."""

    def __init__(self, failures: Mapping[str, str]) -> None:
        """Keep every failure."""
        summary = ", ".join(f"{user_id}: {reason}" for user_id, reason in failures.items())
        super().__init__(f"{len(failures)} user(s) not written: {summary}")
        self.failures = dict(failures)


class AuthError(AccessTerminalError):
    """The device refused our credentials (pull families)."""


class UnreachableError(AccessTerminalError):
    """The device could not be reached (pull families)."""
