"""Plan a user synchronisation: which users to write and which to delete (any family).

The integration remembers, per terminal, a digest of every user it wrote (None for a user the
device holds with unknown content). Comparing digests lets a second sync send only what changed.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import hashlib
import json

from .model import User


def user_digest(user: User) -> str:
    """Return a digest of everything a terminal would store for this user."""
    creds = user.credentials
    document = {
        "id": user.user_id,
        "name": user.name,
        "privilege": str(user.privilege),
        "cards": list(user.cards),
        "password": user.password,
        "from": None if user.valid_from is None else user.valid_from.isoformat(),
        "until": None if user.valid_until is None else user.valid_until.isoformat(),
        "enabled": user.enabled,
        "department": user.department,
        "face": creds.face,
        "fingerprints": sorted(creds.fingerprints.items()),
        "palms": sorted(creds.palms.items()),
        "photo": None if creds.photo is None else base64.b64encode(creds.photo).decode(),
    }
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


@dataclass(slots=True, frozen=True)
class SyncPlan:
    """What a sync has to do."""

    to_write: tuple[User, ...]
    to_delete: tuple[str, ...]
    unchanged: int


def plan_sync(
    present: Mapping[str, str | None], desired: Sequence[User], *, delete_missing: bool
) -> SyncPlan:
    """Compare the device's users (id -> digest or None) with the desired list."""
    wanted = {user.user_id: user for user in desired}
    to_write = tuple(
        user for user in wanted.values() if present.get(user.user_id) != user_digest(user)
    )
    to_delete = (
        tuple(user_id for user_id in present if user_id not in wanted) if delete_missing else ()
    )
    return SyncPlan(to_write, to_delete, len(wanted) - len(to_write))
