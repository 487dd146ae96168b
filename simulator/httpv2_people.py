"""The HTTPv2 terminal's checks on downloaded people (PeopleJson) and the error codes it reports."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from simulator.common import md5_hex

# DownloadPeopleListResult error codes, from the document's table.
ERR_PARAMETER: Final = 1
ERR_PHOTO_DOWNLOAD: Final = 2
ERR_PHOTO_TOO_BIG: Final = 3
ERR_FACE_DOWNLOAD: Final = 4
ERR_FINGERPRINT_DOWNLOAD: Final = 5
ERR_PALM_DOWNLOAD: Final = 6
ERR_CARD_REPEATED: Final = 23
ERR_FULL: Final = 24
ERR_FACE_FORMAT: Final = 27
ERR_FINGERPRINT_FORMAT: Final = 28
ERR_PALM_FORMAT: Final = 29

MAX_PHOTO_BYTES: Final = 400 * 1024
UINT32_MAX: Final = 4_294_967_295
UINT64_MAX: Final = 18_446_744_073_709_551_615

Downloader = Callable[[str], Awaitable[bytes | None]]


class PersonRejectedError(Exception):
    """A downloaded person cannot be stored; carries the document's error code."""

    def __init__(self, code: int, message: str, *, user_id: str, repeat_id: str = "") -> None:
        """Keep what DownloadPeopleListResult reports for this person."""
        super().__init__(message)
        self.code = code
        self.user_id = user_id
        self.repeat_id = repeat_id

    def as_failure(self) -> dict[str, Any]:
        """Return the FailList entry."""
        return {
            "UserID": self.user_id,
            "ErrorCode": self.code,
            "RepeatID": self.repeat_id,
            "ErrMsg": str(self),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class AcceptedPerson:
    """A person that passed the checks, ready to store."""

    user_id: int
    user: dict[str, Any]
    photo: bytes | None


def parse_uint(value: Any, maximum: int) -> int | None:
    """Return value as an unsigned integer up to maximum if it is written as one, else None."""
    if isinstance(value, bool):
        return None
    text = str(value) if isinstance(value, int) else value
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= maximum else None


def decode_base64(text: str) -> bytes | None:
    """Decode base64 as servers send it (line breaks allowed), or return None."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def is_url(value: str) -> bool:
    """Tell a download URL from inline base64, as the document does."""
    return value.startswith(("http://", "https://"))


def card_owner(users: Mapping[int, dict[str, Any]], card_number: int, user_id: int) -> int | None:
    """Return the other user holding this card number, if any."""
    for other_id, other in users.items():
        if other_id != user_id and parse_uint(other.get("CardNum"), UINT64_MAX) == card_number:
            return other_id
    return None


def person_detail(user: dict[str, Any], photo: bytes | None) -> dict[str, Any]:
    """Return a stored person as PushPeople's Detail: the photo travels as its own part."""
    detail = dict(user)
    if not is_url(str(detail.get("Photo") or "")):
        detail.pop("Photo", None)
    if photo is not None:
        detail["PhotoLen"] = len(photo)
        detail["PhotoMD5"] = md5_hex(photo)
    return detail


class PersonChecker:
    """Check PeopleJson entries against the user table the way the firmware does."""

    def __init__(
        self, users: Mapping[int, dict[str, Any]], *, capacity: int, download: Downloader
    ) -> None:
        """Check against users (as stored so far) with the table's capacity."""
        self._users = users
        self._capacity = capacity
        self._download = download

    async def check(self, person: Any) -> AcceptedPerson:
        """Return the person to store, or raise PersonRejectedError with the error code."""
        if not isinstance(person, dict):
            raise PersonRejectedError(ERR_PARAMETER, "person is not an object", user_id="")
        raw_id = person.get("UserID")
        shown_id = str(raw_id) if isinstance(raw_id, str | int) else ""
        # 0 is what records use for "nobody", so it cannot be a person.
        user_id = parse_uint(raw_id, UINT32_MAX)
        if not user_id:
            raise PersonRejectedError(ERR_PARAMETER, "bad UserID", user_id=shown_id)

        def reject(code: int, message: str, repeat_id: str = "") -> PersonRejectedError:
            return PersonRejectedError(code, message, user_id=shown_id, repeat_id=repeat_id)

        password = person.get("Password") or ""
        if not isinstance(password, str) or not _is_password(password):
            raise reject(ERR_PARAMETER, "Password must be empty or 4-8 digits")
        card = person.get("CardNum") or ""
        card_number = parse_uint(card, UINT64_MAX) if card != "" else 0
        if card_number is None:
            raise reject(ERR_PARAMETER, "CardNum must be digits")
        if card_number and (owner := card_owner(self._users, card_number, user_id)) is not None:
            raise reject(ERR_CARD_REPEATED, "card number already used", str(owner))
        if user_id not in self._users and len(self._users) >= self._capacity:
            raise reject(ERR_FULL, "user table is full")
        photo = await self._photo(person.get("Photo"), reject)
        await self._template(person.get("FaceFeature"), ERR_FACE_DOWNLOAD, ERR_FACE_FORMAT, reject)
        for key, download_error, format_error in (
            ("Fingerprints", ERR_FINGERPRINT_DOWNLOAD, ERR_FINGERPRINT_FORMAT),
            ("Palmveins", ERR_PALM_DOWNLOAD, ERR_PALM_FORMAT),
        ):
            templates = person.get(key)
            if templates is None:
                continue
            if not isinstance(templates, list) or not all(isinstance(t, dict) for t in templates):
                raise reject(format_error, f"{key} must be a list of objects")
            for template in templates:
                await self._template(template.get("Data"), download_error, format_error, reject)
        user = dict(person)
        user["UserID"] = str(user_id)
        return AcceptedPerson(user_id=user_id, user=user, photo=photo)

    async def _photo(
        self, value: Any, reject: Callable[[int, str], PersonRejectedError]
    ) -> bytes | None:
        """Return the photo bytes from a URL or base64."""
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise reject(ERR_PARAMETER, "Photo must be a string")
        if is_url(value):
            photo = await self._download(value)
            if photo is None:
                raise reject(ERR_PHOTO_DOWNLOAD, "photo download failed")
        else:
            photo = decode_base64(value)
            if photo is None:
                raise reject(ERR_PARAMETER, "Photo is not base64")
        if len(photo) > MAX_PHOTO_BYTES:
            raise reject(ERR_PHOTO_TOO_BIG, "photo larger than 400 KB")
        return photo

    async def _template(
        self,
        value: Any,
        download_error: int,
        format_error: int,
        reject: Callable[[int, str], PersonRejectedError],
    ) -> None:
        """Check a template given inline (base64) or by URL (a file that holds base64)."""
        if value in (None, ""):
            return
        text = value
        if isinstance(value, str) and is_url(value):
            data = await self._download(value)
            if data is None:
                raise reject(download_error, "template download failed")
            text = data.decode("ascii", "replace")
        if not isinstance(text, str) or decode_base64(text) is None:
            raise reject(format_error, "template is not base64")


def _is_password(text: str) -> bool:
    return text == "" or (4 <= len(text) <= 8 and text.isascii() and text.isdigit())
