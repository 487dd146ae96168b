"""Users of the cloud WebSocket protocol: one person is several records, one per `backupnum`.

specs/002_c663bad8f76a6161.txt, note 4: backupnum 0-9 are fingerprints, 10 the password, 11 the
card, 20-27 static faces, 40-41 palm veins and 50 the photo (base64). Listings name each user's
records (`getuserlist`), each record is read on its own (`getuserinfo`), and validity lives in
the user access parameters (`getuserlock` / `setuserlock`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from ..codec import decode_base64, is_digits, optional_int, optional_str
from ..errors import InvalidRequestError
from ..model import Credential, Credentials, Family, Privilege, User, UserAccess
from ..weekzones import read_validity as validity, validity_fields

FINGERPRINTS = range(10)
PASSWORD = 10
CARD = 11
FACES = range(20, 28)
PALMS = range(40, 42)
PHOTO = 50
# All records a person may have, in the order a full read fetches them.
ALL_BACKUPNUMS = (CARD, PASSWORD, PHOTO, *FACES, *FINGERPRINTS, *PALMS)
# deleteuser with backupnum 13 removes everything of a person, 12 every fingerprint.
DELETE_ALL = 13
DELETE_FINGERPRINTS = 12
MAX_ENROLL_ID = 99_999_999
MAX_PASSWORD_DIGITS = 8
# What remote enrollment (adduser) asks for, per credential.
ENROLL_BACKUPNUMS = {
    Credential.FINGERPRINT: FINGERPRINTS,
    Credential.PASSWORD: range(PASSWORD, PASSWORD + 1),
    Credential.CARD: range(CARD, CARD + 1),
    Credential.FACE: range(PHOTO, PHOTO + 1),
    Credential.PALM: PALMS,
}


# What `deleteuser` removes for each kind of credential (faces: the photo and every template).
CREDENTIAL_BACKUPNUMS = {
    Credential.FINGERPRINT: (DELETE_FINGERPRINTS,),
    Credential.PASSWORD: (PASSWORD,),
    Credential.CARD: (CARD,),
    Credential.FACE: (PHOTO, *FACES),
    Credential.PALM: tuple(PALMS),
}


def enroll_id(user_id: str) -> int:
    """Return the number a terminal stores for a user id ("007" -> 7)."""
    text = user_id.strip()
    if not is_digits(text) or not 0 < int(text) <= MAX_ENROLL_ID:
        raise InvalidRequestError(
            f"user id {user_id!r}: cloud terminals number users 1 to {MAX_ENROLL_ID}"
        )
    return int(text)


def _digits_record(value: str, what: str, limit: int | None = None) -> int | str:
    """Cards and passwords go as numbers, as in the document; a leading zero keeps them text."""
    text = value.strip()
    if not is_digits(text) or (limit is not None and len(text) > limit):
        longest = "" if limit is None else f" of at most {limit}"
        raise InvalidRequestError(f"{what} must be digits{longest}")
    return text if text.startswith("0") and len(text) > 1 else int(text)


def _privilege(admin: Any) -> Privilege:
    # 1 administrator, 2 "super user" (may add users): both manage the terminal.
    return Privilege.ADMIN if (optional_int(admin) or 0) > 0 else Privilege.USER


@dataclass(slots=True)
class ListedUser:
    """What a user listing (`getuserlist`) says of one person: their role and records."""

    enroll_id: int
    admin: int = 0
    backupnums: set[int] = field(default_factory=set)


def read_listing_page(records: Iterable[Any], into: dict[int, ListedUser]) -> int:
    """Add the items of one `getuserlist` page to `into`; return how many were readable."""
    readable = 0
    for item in records:
        if not isinstance(item, Mapping):
            continue
        number = optional_int(item.get("enrollid", item.get("enrolled")))
        backupnum = optional_int(item.get("backupnum"))
        if number is None or not 0 < number <= MAX_ENROLL_ID:
            continue
        readable += 1
        listed = into.setdefault(number, ListedUser(number))
        listed.admin = max(listed.admin, optional_int(item.get("admin")) or 0)
        if backupnum is not None:
            listed.backupnums.add(backupnum)
    return readable


def reads_for(listed: ListedUser, *, with_credentials: bool) -> list[int]:
    """Return the records to read of a listed user: card and password, templates if asked."""
    wanted = [n for n in (CARD, PASSWORD) if n in listed.backupnums]
    if with_credentials:
        wanted += [n for n in ALL_BACKUPNUMS if n in listed.backupnums and n not in wanted]
    return wanted


def user_from_records(
    listed: ListedUser,
    infos: Mapping[int, Mapping[str, Any]],
    *,
    name: str | None,
    lock: Mapping[str, Any] | None,
    zone: tzinfo,
    with_credentials: bool,
) -> User:
    """Assemble a user from the listing, the records read (`getuserinfo`) and the access lock."""
    for info in infos.values():
        name = name or optional_str(info.get("name"))
    card = optional_str(infos.get(CARD, {}).get("record"))
    password = optional_str(infos.get(PASSWORD, {}).get("record"))
    creds = Credentials(origin=Family.CLOUD_WS)
    for number in sorted(listed.backupnums):
        text = optional_str(infos.get(number, {}).get("record")) if with_credentials else ""
        if text is None:
            continue
        if number in FINGERPRINTS:
            creds.fingerprints[number] = text
        elif number in PALMS:
            creds.palms[number - PALMS.start] = text
        elif number in FACES and creds.face is None:
            creds.face = text
        elif number == PHOTO:
            creds.photo = (decode_base64(text) or b"") if with_credentials else b""
    valid_from, valid_until = validity(lock, zone)
    return User(
        user_id=str(listed.enroll_id),
        name=name,
        privilege=_privilege(listed.admin),
        cards=(card,) if card and card != "0" else (),
        password=password,
        valid_from=valid_from,
        valid_until=valid_until,
        credentials=creds,
    )


def _credential_records(user: User) -> list[tuple[int, Any]]:
    """Return (backupnum, record) for every credential of the user, the primary one first."""
    records: list[tuple[int, Any]] = []
    if user.cards:
        records.append((CARD, _digits_record(user.cards[0], "a card number")))
    if user.password:
        records.append((PASSWORD, _digits_record(user.password, "a password", 8)))
    creds = user.credentials
    if creds.photo:
        records.append((PHOTO, base64.b64encode(creds.photo).decode()))
    if creds.templates_for(Family.CLOUD_WS):
        if creds.face:
            records.append((FACES.start, creds.face))
        fingers = sorted(creds.fingerprints.items())
        records += [(n, text) for n, text in fingers if n in FINGERPRINTS]
        records += [
            (PALMS.start + n, text) for n, text in sorted(creds.palms.items()) if n < len(PALMS)
        ]
    return records


def user_commands(user: User, zone: tzinfo) -> list[dict[str, Any]]:
    """Return the commands that write a user.

    The first is the complete form of "Send user information" (firmware 5.09 and later: name,
    role, card, password, enabled, validity in one command) carrying the primary credential as
    older firmware expects; every further credential is one more `setuserinfo`, and a disabled
    user one `enableuser` (older firmware ignores `enable`). Validity travels only in the
    complete form: a `setuserlock` would also reset the user's week zone and group.
    """
    number = enroll_id(user.user_id)
    if len(user.cards) > 1:
        raise InvalidRequestError("cloud terminals hold one card per user")
    records = _credential_records(user)
    common = {
        "enrollid": number,
        "name": user.name or "",
        "admin": 1 if user.privilege is Privilege.ADMIN else 0,
    }
    first: dict[str, Any] = {"cmd": "setuserinfo", **common, "enable": int(user.enabled)}
    if user.department:
        first["department"] = user.department
    for num, record in records:
        if num in (CARD, PASSWORD):
            first["card" if num == CARD else "pwd"] = record
    if user.access is not None:
        first.update(_access_fields(user.access))
    if user.valid_from is not None or user.valid_until is not None or user.access is not None:
        first.update(validity_fields(user, zone))
    if records:
        first["backupnum"], first["record"] = records[0]
    commands = [first]
    commands += [
        {"cmd": "setuserinfo", **common, "backupnum": num, "record": record}
        for num, record in records[1:]
    ]
    if not user.enabled:
        commands.append({"cmd": "enableuser", "enrollid": number, "enflag": 0})
    return commands


def _access_fields(access: UserAccess) -> dict[str, Any]:
    """Return the complete form's rights: week zone, no lock group, device verify mode, uses."""
    if access.uses is not None and access.uses <= 0:
        # access_times 0 means no limit: a pass used up is removed, never written.
        raise InvalidRequestError("no uses left")
    return {
        "zoneid": access.zone_of(1) or 0,
        "groupid": 0,
        "verifymode": 0,
        "access_times": access.uses or 0,
    }
