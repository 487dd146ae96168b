"""The users of one terminal: reading, writing and syncing them, and what we know it holds.

The store keeps a digest of every user we wrote (or None: present, content unknown), so a sync
sends only what changed; a change made at the device itself, or a user count the device reports
that disagrees with ours, makes the next sync read the terminal first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
import time

from .names import PeopleNames
from .protocols.errors import UserWriteError
from .protocols.model import Terminal, User, UserChange
from .protocols.sync import SyncPlan, plan_sync, user_digest
from .store import DeviceStore


class TerminalUsers:
    """Users of one terminal, with library errors turned into Home Assistant errors."""

    def __init__(
        self,
        terminal: Terminal,
        store: DeviceStore,
        errors: Callable[[], AbstractAsyncContextManager[None]],
        names: PeopleNames,
    ) -> None:
        """Work on `terminal`; `errors()` wraps every operation (it maps library errors).

        The names of users read or written are remembered in `names`.
        """
        self._terminal = terminal
        self._store = store
        self._errors = errors
        self._names = names
        # When the device last described itself, and when we last changed its users: a user
        # count it reports is only evidence of changes made behind our back if it is newer.
        self._info_at = 0.0
        self._changed_at = 0.0

    def info_reported(self) -> None:
        """Note that the device just described itself anew (its user count among it)."""
        self._info_at = time.monotonic()

    def changed_at_device(self, user_id: str | None, change: UserChange) -> None:
        """Forget what we knew of users changed at the device itself."""
        if change is UserChange.ALL_DELETED:
            self.forget_all()
            return
        store = self._store
        users = store.users
        if user_id is None:
            store.users_complete = False  # e.g. an import from USB: anything may be there
        elif change is UserChange.DELETED:
            users.pop(user_id, None)
            self._names.forget(user_id)
        else:
            users[user_id] = None  # present, content unknown: the next sync writes it
        store.schedule_save_users()

    async def _canonical(self, user_ids: Sequence[str]) -> list[str]:
        async with self._errors():
            return [self._terminal.canonical_user_id(user_id) for user_id in user_ids]

    async def async_canonical_id(self, user_id: str) -> str:
        """Return the id as the terminal stores it (a validation error if it cannot)."""
        (canonical,) = await self._canonical([user_id])
        return canonical

    async def async_get(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = False
    ) -> list[User]:
        """Read users from the terminal (and remember which ones it holds).

        Templates and photos are only kept when asked for (copying users to a terminal).
        """
        ids = None if user_ids is None else await self._canonical(user_ids)
        async with self._errors():
            users = await self._terminal.list_users(ids, with_credentials=with_credentials)
        known = self._store.users
        for user in users:
            known.setdefault(user.user_id, None)
        self._names.learn_users(users)
        if user_ids is None:
            held = {user.user_id for user in users}
            for user_id in [user_id for user_id in known if user_id not in held]:
                del known[user_id]
            self._store.users_complete = True
        self._store.schedule_save_users()
        return users

    async def async_set(self, users: Sequence[User]) -> None:
        """Write users; remember what was written, even when some failed."""
        ids = await self._canonical([user.user_id for user in users])
        users = [replace(user, user_id=user_id) for user, user_id in zip(users, ids, strict=True)]
        # A terminal replaces the whole person: users written without templates or photo keep
        # those the terminal holds (renaming someone must not erase the face enrolled there).
        store = self._store
        keep = {
            user.user_id
            for user in users
            if not user.credentials.has_any()
            and (not store.users_complete or user.user_id in store.users)
        }
        async with self._errors():
            try:
                await self._terminal.set_users(users, keep_held_credentials=keep)
            except UserWriteError as err:
                self._remember([user for user in users if user.user_id not in err.failures])
                raise
        self._remember(users)

    def _remember(self, users: Sequence[User]) -> None:
        self._changed_at = time.monotonic()
        self._names.learn_users(users)
        for user in users:
            self._store.users[user.user_id] = user_digest(user)
        self._store.schedule_save_users()

    async def async_delete(self, user_ids: Sequence[str] | None) -> None:
        """Delete users (None: all of them)."""
        if user_ids is not None:
            user_ids = await self._canonical(user_ids)
        async with self._errors():
            await self._terminal.delete_users(user_ids)
        if user_ids is None:
            self.forget_all()
            return
        self._changed_at = time.monotonic()
        store = self._store
        for user_id in user_ids:
            store.users.pop(user_id, None)
            self._names.forget(user_id)
        store.schedule_save_users()

    def forget_all(self) -> None:
        """Forget every user: the terminal holds none any more (deleted, or erased with all)."""
        self._changed_at = time.monotonic()
        store = self._store
        store.users.clear()
        store.users_complete = True
        self._names.forget(None)
        store.schedule_save_users()

    async def async_sync(
        self, desired: Sequence[User], *, delete_missing: bool = True, full_read: bool = False
    ) -> SyncPlan:
        """Make the terminal's users match `desired`, sending only what changed."""
        ids = await self._canonical([user.user_id for user in desired])
        desired = [
            replace(user, user_id=user_id) for user, user_id in zip(desired, ids, strict=True)
        ]
        held: dict[str, User] | None = None
        if full_read or not self._store.users_complete or self._count_disagrees():
            held = {user.user_id: user for user in await self.async_get()}
        plan = plan_sync(self._store.users, desired, delete_missing=delete_missing, held=held)
        if plan.confirmed:
            self._remember(plan.confirmed)
        if plan.to_delete:
            await self.async_delete(list(plan.to_delete))
        if plan.to_write:
            await self.async_set(list(plan.to_write))
        return plan

    def _count_disagrees(self) -> bool:
        """Return True if the device reported, since our last change, another user count.

        (A factory reset or a menu import would otherwise go unnoticed by the sync.)
        """
        info = self._terminal.info
        counted = info.usage.get("users") if info else None
        return (
            counted is not None
            and counted.used is not None
            and self._info_at > self._changed_at
            and counted.used != len(self._store.users)
        )
