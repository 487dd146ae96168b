"""HTTPv2 user listings: the people a terminal pushes back after PushAllPeople or QueryPeople.

Each PushPeople (PushType 4) brings one person. A QueryPeople listing is complete once every id
asked for came back (present or not); a full listing has no end marker, so it is complete after
a quiet spell once the device fetched the command.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

from ..model import User
from ..push import Listing


@dataclass(slots=True)
class PeopleListing(Listing):
    """People collected from PushPeople; `future` gets them when the listing is complete."""

    expected: set[str] | None
    future: asyncio.Future[list[User]]
    with_credentials: bool
    users: dict[str, User] = field(default_factory=dict)
    delivered: bool = False

    def fetched(self) -> None:
        """Note that the device fetched the command: people arrive from now on."""
        self.delivered = True
        self.arrived()

    def collect(self, user_id: str | None, user: User | None) -> None:
        """Take one pushed person (`user` None: the device has no such user)."""
        if self.future.done() or user_id is None:
            return
        self.arrived()
        if user is not None:
            if not self.with_credentials:
                user = replace(user, credentials=user.credentials.without_data())
            self.users[user.user_id] = user
        if self.expected is not None:
            self.expected.discard(user_id)
            if not self.expected:
                self.future.set_result(list(self.users.values()))

    def finish_if_quiet(self, quiet: float) -> None:
        """Complete a full listing when no person came for `quiet` seconds."""
        if (
            self.delivered
            and self.expected is None
            and not self.future.done()
            and self.quiet_for() >= quiet
        ):
            self.future.set_result(list(self.users.values()))
