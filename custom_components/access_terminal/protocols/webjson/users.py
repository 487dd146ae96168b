"""Users of the Webserver + JSON device in the shared model (specs/000_021a89f13c4f291f.txt).

`getuserlist` pages through users (`stn: true` starts over), `getuserinfo` reads one, and
`setuserinfo` writes the basic fields; templates, the photo and the password travel one by one
as `backupnum` + `record` (0-9 fingerprints, 10 password, 40-41 palms, 50 photo, 51 face).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from .. import weekzones
from ..codec import optional_int, optional_str
from ..model import Credential, Credentials, Family, Privilege, User

BACKUP_PASSWORD = 10
BACKUP_CARD = 11
BACKUP_WHOLE_USER = 13
BACKUP_PALM = 40
BACKUP_PHOTO = 50
BACKUP_FACE = 51
PALM_SLOTS = 2
FINGER_SLOTS = 10


def backupnum_for(credential: Credential, index: int | None) -> int:
    """Return the `backupnum` that enrolls `credential` (`adduser`)."""
    if credential is Credential.FINGERPRINT:
        return index or 0
    if credential is Credential.PALM:
        return BACKUP_PALM + min(index or 0, PALM_SLOTS - 1)
    return {
        Credential.FACE: BACKUP_PHOTO,
        Credential.CARD: BACKUP_CARD,
        Credential.PASSWORD: BACKUP_PASSWORD,
    }[credential]


def _count(value: Any) -> int:
    """Read a template flag or count (1, "1", [0, 1]...) as a number of templates."""
    if isinstance(value, list):
        return len(value)
    return max(optional_int(value) or 0, 0)


def user_from_listing(item: Any) -> User | None:
    """Read one user of `getuserlist` or `getuserinfo`; None if it has no id."""
    if not isinstance(item, dict):
        return None
    user_id = optional_str(item.get("enrollid", item.get("id")))
    if user_id is None:
        return None
    card = optional_str(item.get("card"))
    enabled = optional_int(item.get("enable", item.get("enflag")))
    face = _count(item.get("face", item.get("faceflag")))
    fingers = _count(item.get("fp", item.get("fpcount")))
    palms = _count(item.get("palm", item.get("palmcount")))
    return User(
        user_id=user_id,
        name=optional_str(item.get("name")),
        privilege=Privilege.ADMIN if (optional_int(item.get("admin")) or 0) > 0 else Privilege.USER,
        cards=() if card in (None, "0") else (str(card),),
        enabled=enabled != 0,
        credentials=Credentials(
            face="" if face else None,
            fingerprints=dict.fromkeys(range(min(fingers, FINGER_SLOTS)), ""),
            palms=dict.fromkeys(range(min(palms, PALM_SLOTS)), ""),
            photo=b"" if face else None,
            origin=Family.WEBJSON,
        ),
    )


def basic_fields(user: User) -> dict[str, Any]:
    """Return the `setuserinfo` fields of a user's basic information."""
    fields: dict[str, Any] = {
        "enrollid": user.user_id,
        "name": user.name or "",
        "admin": 1 if user.privilege is Privilege.ADMIN else 0,
    }
    if user.cards:
        card = user.cards[0]
        fields["card"] = int(card) if card.isascii() and card.isdigit() else card
    return fields


def lock_record(user: User, zone: tzinfo) -> dict[str, Any] | None:
    """Return the `setuserlock` record of a user's rights and validity (None: nothing to say).

    Week zone 1 (every day, all day) unless the directory gave the person another one.
    """
    if user.access is None and user.valid_from is None and user.valid_until is None:
        return None
    week_zone = weekzones.ALWAYS_ZONE if user.access is None else user.access.zone_of(1)
    return {
        "enrollid": user.user_id,
        "weekzone": week_zone or weekzones.NO_ACCESS,
        "group": 0,
        **weekzones.validity_fields(user, zone),
    }


def template_writes(user: User) -> list[dict[str, Any]]:
    """Return the `setuserinfo` documents that write password, templates and photo."""
    writes: list[dict[str, Any]] = []
    if user.password:
        writes.append(_backup(user, BACKUP_PASSWORD, user.password))
    creds = user.credentials
    if creds.templates_for(Family.WEBJSON):
        writes.extend(
            _backup(user, index, data) for index, data in sorted(creds.fingerprints.items()) if data
        )
        writes.extend(
            _backup(user, BACKUP_PALM + index, data)
            for index, data in sorted(creds.palms.items())
            if data and index < PALM_SLOTS
        )
        if creds.face:
            writes.append(_backup(user, BACKUP_FACE, creds.face))
    if creds.photo:
        writes.append(_backup(user, BACKUP_PHOTO, base64.b64encode(creds.photo).decode()))
    return writes


def _backup(user: User, backupnum: int, record: str) -> dict[str, Any]:
    return {"enrollid": user.user_id, "backupnum": backupnum, "record": record}


def template_reads(listed: User) -> list[tuple[range, int]]:
    """Return where to look for the templates a listed user has: (backupnums, how many).

    A listing only counts fingerprints and palms, so their slots are searched in order.
    """
    creds = listed.credentials
    reads = [
        (range(FINGER_SLOTS), len(creds.fingerprints)),
        (range(BACKUP_PALM, BACKUP_PALM + PALM_SLOTS), len(creds.palms)),
    ]
    if creds.face is not None:
        reads += [
            (range(BACKUP_FACE, BACKUP_FACE + 1), 1),
            (range(BACKUP_PHOTO, BACKUP_PHOTO + 1), 1),
        ]
    return [(slots, wanted) for slots, wanted in reads if wanted]


def add_template(user: User, backupnum: int, answer: Mapping[str, Any]) -> None:
    """Store a template read with `getuserinfo` + backupnum into the user's credentials."""
    record = optional_str(answer.get("record"))
    creds = user.credentials
    if record is None:
        return
    if backupnum == BACKUP_PHOTO:
        try:
            creds.photo = base64.b64decode(record, validate=False)
        except (binascii.Error, ValueError):
            creds.photo = None
    elif backupnum == BACKUP_FACE:
        creds.face = record
    elif BACKUP_PALM <= backupnum < BACKUP_PALM + PALM_SLOTS:
        creds.palms[backupnum - BACKUP_PALM] = record
    elif 0 <= backupnum < FINGER_SLOTS:
        creds.fingerprints[backupnum] = record
