"""The per-terminal command queue of ZK PUSH: `C:<id>:<command>` lines and their results.

A terminal asks for commands (`getrequest`) every few seconds and reports each one's outcome
(`devicecmd`). Data commands (users) are kept across restarts and handed out again when no
result came back; commands that only make sense now (doors, alarms, restarts, the clock,
enrollment, firmware) go first, are handed out once, and are withdrawn when nobody waits for
them any more, so a door never opens minutes after it was asked to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
import logging
import re
import time
from typing import Any

from ..codec import is_digits, optional_int
from ..errors import CommandTimeoutError, DeviceError
from ..push import fail_waiting
from .codes import describe_result

_LOGGER = logging.getLogger(__name__)

MAX_COMMANDS = 20
MAX_BYTES = 64 * 1024
RESEND_AFTER = 60.0
MAX_HANDOUTS = 3
# "repeated command": the terminal had this id already (our earlier result got lost).
REPEATED = -7
_RESULT_FIELD = re.compile(r"(?:^|[&\r\n])[ \t]*(?:amp;)?([A-Za-z]+)=([^&\r\n]*)")


@dataclass(slots=True, eq=False)
class Command:
    """One command for the terminal, and whoever waits for its result."""

    id: int
    text: str = field(repr=False)
    persistent: bool
    # Renders the text when it is handed out (the clock is read then, not when queued).
    render: Callable[[], str] | None = field(default=None, repr=False)
    future: asyncio.Future[int] | None = field(default=None, repr=False)
    # Called with the result code, whether or not anyone still waits (enrollment outcomes).
    on_result: Callable[[int], None] | None = field(default=None, repr=False)
    # Resolved when the terminal takes the command (for work whose result comes much later).
    handed: asyncio.Future[None] | None = field(default=None, repr=False)
    handouts: int = 0
    sent_at: float = 0.0

    def line(self, serial: str | None = None) -> str:
        """Return the `C:<id>:<command>` line; with `serial`, in the CmdFormat=1 envelope.

        Appendix 14: a terminal announcing CmdFormat=1 takes every command as
        `DataType=1,SN=<serial>,Priority=0,CmdID=<id>,CmdDesc=C:<id>:<command>`.
        """
        line = f"C:{self.id}:{self.render() if self.render is not None else self.text}"
        if serial is None:
            return line
        return f"DataType=1,SN={serial},Priority=0,CmdID={self.id},CmdDesc={line}"


@dataclass(slots=True, frozen=True)
class CommandResult:
    """One command result a terminal reported: its command id, result code and command."""

    id: str
    code: int
    command: str = ""

    @property
    def number(self) -> int | None:
        """Return the id as one of ours (a number), None for ids firmware makes up ("info8487")."""
        return int(self.id) if is_digits(self.id) and len(self.id) <= 18 else None


def parse_results(text: str) -> list[CommandResult]:
    """Read the command results of a body, in order.

    Firmware writes them as `ID=..&Return=..&CMD=..` lines (several per body), or one key per
    line (`ID=32` / `Return=0` / `CMD=Shell` / `Content=...`): each `ID` starts a result. A
    result without a numeric `Return` is skipped.
    """
    results: list[CommandResult] = []
    current: dict[str, str] = {}

    def finish() -> None:
        code = optional_int(current.get("return"))
        if current.get("id") and code is not None:
            results.append(CommandResult(current["id"], code, current.get("cmd", "")))

    for match in _RESULT_FIELD.finditer(text):
        name, value = match.group(1).lower(), match.group(2).strip()
        if name == "id":
            finish()
            current = {"id": value}
        elif current:
            current.setdefault(name, value)
    finish()
    return results


class CommandQueue:
    """Commands waiting for a terminal, in the order they must run."""

    def __init__(self) -> None:
        """Start empty; ids start at 1."""
        self.next_id = 1
        self._urgent: dict[int, Command] = {}
        self._data: dict[int, Command] = {}

    def __len__(self) -> int:
        """Return how many commands wait for a handout or a result."""
        return len(self._urgent) + len(self._data)

    @property
    def pending_data(self) -> int:
        """Return how many data commands are queued (for diagnostics)."""
        return len(self._data)

    def add(
        self,
        text: str,
        *,
        persistent: bool,
        render: Callable[[], str] | None = None,
        on_result: Callable[[int], None] | None = None,
        wait: bool = True,
        handed: bool = False,
    ) -> Command:
        """Queue a command; its future (when `wait`) gets the result code or a DeviceError.

        With `handed`, `command.handed` resolves when the terminal takes the command.
        """
        loop = asyncio.get_running_loop()
        command = Command(
            self.next_id,
            text,
            persistent,
            render,
            loop.create_future() if wait else None,
            on_result,
            loop.create_future() if handed else None,
        )
        self.next_id += 1
        (self._data if persistent else self._urgent)[command.id] = command
        return command

    def handout(self) -> list[Command]:
        """Return the commands to send now: urgent ones first, then data, within the limits.

        A data command handed out without a result is sent again after RESEND_AFTER seconds,
        at most MAX_HANDOUTS times; then it fails.
        """
        now = time.monotonic()
        chosen: list[Command] = []
        size = 0
        for queue in (self._urgent, self._data):
            for command in list(queue.values()):
                if command.handouts and now - command.sent_at < RESEND_AFTER:
                    continue  # in flight
                if command.handouts >= (MAX_HANDOUTS if command.persistent else 1):
                    self._give_up(command)
                    continue
                length = len(command.text) + 16
                if chosen and (len(chosen) >= MAX_COMMANDS or size + length > MAX_BYTES):
                    return chosen
                command.handouts += 1
                command.sent_at = now
                if command.handed is not None and not command.handed.done():
                    command.handed.set_result(None)
                chosen.append(command)
                size += length
        return chosen

    def _give_up(self, command: Command) -> None:
        self._remove(command)
        _LOGGER.warning(
            "Gave up command %s after %d handouts without result", command.id, command.handouts
        )
        if command.future is not None and not command.future.done():
            command.future.set_exception(
                CommandTimeoutError(
                    f"command {command.id}: no result after {command.handouts} tries"
                )
            )

    def result(self, command_id: int, code: int) -> Command | None:
        """Resolve a command with the terminal's result; None if it is not (or no longer) ours."""
        command = self._urgent.get(command_id) or self._data.get(command_id)
        if command is None:
            return None
        self._remove(command)
        if code == REPEATED and command.handouts > 1:
            code = 0  # it ran when first handed out; only our copy of its result was lost
        if command.on_result is not None:
            command.on_result(code)
        future = command.future
        if future is not None and not future.done():
            if code >= 0:
                future.set_result(code)
            else:
                future.set_exception(DeviceError(code, describe_result(code)))
        elif code < 0:
            _LOGGER.warning("Command %s failed: %s (%s)", command.id, describe_result(code), code)
        return command

    def withdraw(self, commands: Iterable[Command]) -> None:
        """Stop waiting: urgent commands are dropped, data commands stay queued unwatched."""
        for command in commands:
            command.future = None
            if command.handed is not None and not command.handed.done():
                command.handed.cancel()
            command.handed = None
            if not command.persistent:
                self._remove(command)

    def _remove(self, command: Command) -> None:
        (self._data if command.persistent else self._urgent).pop(command.id, None)

    def fail_all(self, error: Exception) -> None:
        """Fail every waiting caller; data commands stay queued for the next start."""
        for command in [*self._urgent.values(), *self._data.values()]:
            fail_waiting((command.future, command.handed), error)
            command.future = command.handed = None
        self._urgent.clear()

    def export(self) -> dict[str, Any]:
        """Return the data commands and the next id (JSON-friendly)."""
        return {
            "next_id": self.next_id,
            "commands": [[c.id, c.text, c.handouts] for c in self._data.values()],
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Reload export() output; unreadable entries are skipped."""
        next_id = data.get("next_id")
        if isinstance(next_id, int) and next_id > self.next_id:
            self.next_id = next_id
        for entry in data.get("commands") or ():
            if (
                isinstance(entry, list)
                and len(entry) == 3
                and isinstance(entry[0], int)
                and isinstance(entry[1], str)
                and isinstance(entry[2], int)
            ):
                self._data[entry[0]] = Command(entry[0], entry[1], True, handouts=entry[2])
                self.next_id = max(self.next_id, entry[0] + 1)
