"""ZK PUSH user writes: users as DATA UPDATE / DELETE commands of a bounded size, and outcomes.

A Security PUSH terminal keeps a person in several tables, written by one command per table and
batch of users; an attendance terminal takes one USERINFO line per command. Each command names
the users it concerns, so that its failure names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from ..errors import DeviceError, TerminalClosedError, UserWriteError
from ..model import User
from .users import (
    Capabilities,
    Rows,
    TableWrites,
    chunks,
    delete_records,
    user_records,
    userinfo_command,
)

# Users per batch of table commands, and the size of one command's text.
USERS_PER_BATCH = 100
MAX_COMMAND_BYTES = 60 * 1024

# A command's text and the users it concerns.
type Batch = tuple[str, list[str]]


def write_batches(
    users: Sequence[User], caps: Capabilities, zone: tzinfo, *, attendance: bool
) -> list[Batch]:
    """Return the commands that write `users` (refusing what the terminal cannot hold)."""
    if attendance:
        return [(userinfo_command(user), [user.user_id]) for user in users]
    batches: list[Batch] = []
    for chunk in chunks(users, USERS_PER_BATCH):
        writes = TableWrites()
        for user in chunk:
            user_records(user, caps, zone, writes)
        for prefix, rows in writes.commands():
            batches.extend(split(prefix, rows))
    return batches


def delete_batches(
    user_ids: Sequence[str] | None, caps: Capabilities, *, attendance: bool
) -> list[Batch]:
    """Return the commands that delete users and what they hold (None: everyone).

    Attendance terminals delete one user at a time: `user_ids` must be given.
    """
    if attendance:
        return [(f"DATA DELETE USERINFO PIN={pin}", [pin]) for pin in user_ids or ()]
    batches: list[Batch] = []
    for prefix, rows in delete_records(user_ids, caps):
        batches.extend(split(prefix, rows))
    return batches


def split(prefix: str, rows: Rows) -> list[Batch]:
    """Pack records into commands of at most MAX_COMMAND_BYTES (one record at least each)."""
    batches: list[Batch] = []
    records: list[str] = []
    pins: list[str] = []
    size = len(prefix)
    for pin, record in rows:
        if records and size + len(record) + 1 > MAX_COMMAND_BYTES:
            batches.append((f"{prefix} " + "\n".join(records), pins))
            records, pins, size = [], [], len(prefix)
        records.append(record)
        if pin not in pins:
            pins.append(pin)
        size += len(record) + 1
    if records:
        batches.append((f"{prefix} " + "\n".join(records), pins))
    return batches


def raise_for_results(batches: Sequence[Batch], results: Sequence[object]) -> None:
    """Raise UserWriteError naming the users of every command that failed.

    An unloaded terminal fails them all: its data commands stay queued for the next start.
    """
    failures: dict[str, str] = {}
    for (_, pins), result in zip(batches, results, strict=True):
        if isinstance(result, TerminalClosedError):
            raise result
        if isinstance(result, DeviceError):
            reason = f"{result.reason} [code {result.code}]"
        elif isinstance(result, BaseException):
            reason = str(result)
        else:
            continue
        for pin in pins:
            failures.setdefault(pin, reason)
    if failures:
        raise UserWriteError(failures)
