"""Who is who on one terminal: the names it holds for its user ids, in one place.

Many terminals send only a user id with a record (ZK rtlog lines, control API logs); the name
is in their user table. Every name that passes by is remembered here (and saved with the
terminal): user listings, users written by Home Assistant, user records and events that carry
a name. An event without a name gets the remembered one; for an id nobody named yet, the
terminal is asked (one small listing, in the background, a few ids at a time) so that the next
events, the last-user sensor and the logbook show the name. Any other source of names (an
access directory) plugs in here, in `name_of`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
import logging
import time

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later

from .protocols.model import AccessEvent, User
from .store import DeviceStore

_LOGGER = logging.getLogger(__name__)

# Ids are gathered this long before the terminal is asked (a burst of records asks once).
LOOKUP_DELAY = 2.0
# At most this many ids per question; an id the terminal could not name is asked again after
# this long (it may have been enrolled meanwhile).
LOOKUP_BATCH = 20
RETRY_AFTER = 3600.0

# Reads the given users from the terminal (a listing without templates or photos).
type Lookup = Callable[[Sequence[str]], Awaitable[Sequence[User]]]


class PeopleNames:
    """The names one terminal holds, remembered and looked up."""

    def __init__(
        self,
        hass: HomeAssistant,
        store: DeviceStore,
        *,
        lookup: Lookup | None,
        on_learned: Callable[[str, str], None],
    ) -> None:
        """Remember in `store`; ask `lookup` for unknown ids (None: the terminal cannot say).

        `on_learned(user_id, name)` hears every name found by asking the terminal.
        """
        self._hass = hass
        self._store = store
        self._lookup = lookup
        self._on_learned = on_learned
        self._wanted: dict[str, None] = {}
        self._asked: dict[str, float] = {}
        self._timer: Callable[[], None] | None = None
        self._busy = False

    def name_of(self, user_id: str | None) -> str | None:
        """Return the name of `user_id`, if anyone told us."""
        if not user_id:
            return None
        return self._store.names.get(user_id)

    def learn(self, user_id: str | None, name: str | None) -> None:
        """Remember a name the terminal (or Home Assistant) gave `user_id`."""
        name = (name or "").strip()
        if not user_id or not name or self._store.names.get(user_id) == name:
            return
        self._store.names[user_id] = name
        self._store.schedule_save_users()

    def learn_users(self, users: Iterable[User]) -> None:
        """Remember the names of listed or written users."""
        for user in users:
            self.learn(user.user_id, user.name)

    def forget(self, user_id: str | None) -> None:
        """Forget a deleted user's name (None: every name, all users were deleted)."""
        if user_id is None:
            self._store.names.clear()
        elif self._store.names.pop(user_id, None) is None:
            return
        self._store.schedule_save_users()

    @callback
    def fill(self, event: AccessEvent) -> None:
        """Give `event` the person's name where it has none (and learn the one it has)."""
        if not event.user_id:
            return
        if event.user_name:
            self.learn(event.user_id, event.user_name)
            return
        event.user_name = self.name_of(event.user_id)
        if event.user_name is None:
            self._want(event.user_id)

    # -- asking the terminal ---------------------------------------------------------------

    def _want(self, user_id: str) -> None:
        if self._lookup is None or user_id in self._wanted:
            return
        asked = self._asked.get(user_id)
        if asked is not None and time.monotonic() - asked < RETRY_AFTER:
            return
        self._wanted[user_id] = None
        if self._timer is None and not self._busy:
            self._timer = async_call_later(
                self._hass, LOOKUP_DELAY, HassJob(self._ask, cancel_on_shutdown=True)
            )

    @callback
    def _ask(self, _now: object) -> None:
        self._timer = None
        self._busy = True
        self._hass.async_create_background_task(self._ask_all(), "access_terminal user names")

    async def _ask_all(self) -> None:
        assert self._lookup is not None  # noqa: S101 - only wanted with a lookup
        try:
            while self._wanted:
                batch = list(self._wanted)[:LOOKUP_BATCH]
                for user_id in batch:
                    del self._wanted[user_id]
                    self._asked[user_id] = time.monotonic()
                try:
                    users = await self._lookup(batch)
                except HomeAssistantError as err:
                    _LOGGER.debug("Could not read the names of users %s: %s", batch, err)
                    continue
                for user in users:
                    if user.name:
                        self.learn(user.user_id, user.name)
                        self._on_learned(user.user_id, user.name)
        finally:
            self._busy = False

    def cancel(self) -> None:
        """Stop waiting to ask (the terminal is unloading)."""
        if self._timer is not None:
            self._timer()
            self._timer = None
        self._wanted.clear()
