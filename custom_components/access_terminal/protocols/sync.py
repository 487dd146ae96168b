"""Plan a user synchronisation: which users to write and which to delete (any family).

The integration remembers, per terminal, a digest of every user it wrote (None for a user the
device holds with unknown content). Comparing digests lets a second sync send only what changed.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
import hashlib
import json

from .model import User


def user_digest(user: User) -> str:
    """Return a digest of everything a terminal would store for this user."""
    creds = user.credentials
    document: dict[str, object] = {
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
    # Only when set, so that digests of users written before these existed stay the same.
    if user.qr_code is not None:
        document["qr"] = user.qr_code
    if user.access is not None:
        document["access"] = user.access.as_dict()
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _same_moment(first: datetime | None, second: datetime | None) -> bool:
    if first is None or second is None:
        return first is second
    return int(first.timestamp()) == int(second.timestamp())


def same_fields(held: User, wanted: User) -> bool:
    """Return True if the device already holds what `wanted` asks for.

    `held` comes from a listing, so credentials are not compared: a wanted user that brings
    templates or a photo (or a QR code, or access rights, which listings do not show) is never
    "the same". Fields a family cannot store (a validity start,
    a password it does not report) count as the same when the device reports nothing.
    """
    return (
        not wanted.credentials.has_any()
        and wanted.qr_code is None
        and wanted.access is None
        and (held.name or None) == (wanted.name or None)
        and held.privilege is wanted.privilege
        and sorted(held.cards) == sorted(wanted.cards)
        and held.enabled == wanted.enabled
        and (held.department or None) == (wanted.department or None)
        and _same_moment(held.valid_until, wanted.valid_until)
        and (held.valid_from is None or _same_moment(held.valid_from, wanted.valid_from))
        and (held.password is None or (held.password or None) == (wanted.password or None))
    )


@dataclass(slots=True, frozen=True)
class SyncPlan:
    """What a sync has to do."""

    to_write: tuple[User, ...]
    to_delete: tuple[str, ...]
    unchanged: int
    # Users the device already held as wanted (found by a listing): nothing to send.
    confirmed: tuple[User, ...] = ()


def plan_sync(
    present: Mapping[str, str | None],
    desired: Sequence[User],
    *,
    delete_missing: bool,
    held: Mapping[str, User] | None = None,
) -> SyncPlan:
    """Compare the device's users (id -> digest, None if unknown) with the desired list.

    `held` is what a listing of the device just returned, if one was made.
    """
    wanted = {user.user_id: user for user in desired}
    to_write: list[User] = []
    confirmed: list[User] = []
    for user in wanted.values():
        known = present.get(user.user_id, "")
        if known == user_digest(user):
            continue
        listed = None if held is None else held.get(user.user_id)
        if known is None and listed is not None and same_fields(listed, user):
            confirmed.append(user)
        else:
            to_write.append(user)
    to_delete = (
        tuple(user_id for user_id in present if user_id not in wanted) if delete_missing else ()
    )
    return SyncPlan(tuple(to_write), to_delete, len(wanted) - len(to_write), tuple(confirmed))
