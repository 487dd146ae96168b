"""HTTPv2 people: User <-> PeopleJson, and the queue of people waiting for the device.

The device fetches people in batches (DownloadPeopleList / DeletePeopleList) after a keep-alive
told it there is work, then reports per batch (…Result). The queue keeps every change until the
device confirms it, survives restarts through export()/restore(), and resolves the callers'
futures with the outcome of each user.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib
import logging
from typing import Any

from ..codec import decode_base64, is_digits, optional_int, optional_str
from ..errors import (
    CommandCancelledError,
    InvalidRequestError,
    TerminalClosedError,
    UnconfirmedError,
    UserWriteError,
)
from ..model import Credentials, Family, Privilege, User
from ..push import fail_waiting
from .access import person_fields

_LOGGER = logging.getLogger(__name__)

MAX_BATCH = 1000  # "每次请求返回的人员数量限制(最大1000)"
DEFAULT_DOWNLOAD_LIMIT = 50
MAX_USER_ID = 4_294_967_295
MAX_TEXT_BYTES = 63  # "字符<64位", counted in UTF-8 bytes
MAX_PHOTO = 400 * 1024
# A batch handed out this many times without a result is settled as unconfirmed: some firmware
# never reports, and re-sending forever would stall every later change.
MAX_UNREPORTED_HANDOUTS = 3
# People whose held templates must be kept are asked for in QueryPeople lists of this size,
# at most this many times each.
MERGE_BATCH = 200
MAX_MERGE_QUERIES = 3

ACCESS_USER, ACCESS_ADMIN, ACCESS_BLACKLIST = 0, 1, 2
UNLIMITED_OPENINGS = 65535
MAX_QR_BYTES = 127  # "字符<128位"

# "errorCode 人员失败错误码"
DOWNLOAD_ERRORS: dict[int, str] = {
    1: "invalid person data",
    2: "photo download failed",
    3: "photo too large",
    4: "face template download failed",
    5: "fingerprint template download failed",
    6: "palm vein template download failed",
    20: "face already registered to another user",
    21: "fingerprint already registered to another user",
    22: "palm vein already registered to another user",
    23: "card number already used by another user",
    24: "the device's user storage is full",
    25: "the device failed to query its data",
    26: "the device failed to save the photo",
    27: "invalid face template",
    28: "invalid fingerprint template",
    29: "invalid palm vein template",
    30: "the face in the photo cannot be recognised",
    31: "the device failed to save the fingerprint",
    32: "the device failed to save the palm vein",
}


def valid_user_id(user_id: str) -> int:
    """Return the numeric id HTTPv2 needs (1..4294967295) or raise InvalidRequestError."""
    text = user_id.strip()
    if not is_digits(text) or not 0 < int(text) <= MAX_USER_ID:
        raise InvalidRequestError(f"user id {user_id!r}: must be a number from 1 to {MAX_USER_ID}")
    return int(text)


def _short_text(value: str | None, what: str) -> str:
    text = value or ""
    if len(text.encode()) > MAX_TEXT_BYTES:
        raise InvalidRequestError(f"{what} is longer than {MAX_TEXT_BYTES} bytes")
    return text


def people_json(user: User, now: datetime) -> dict[str, Any]:
    """Build the PeopleJson the device downloads; refuse what HTTPv2 cannot represent."""
    user_id = valid_user_id(user.user_id)
    if len(user.cards) > 1:
        raise InvalidRequestError("HTTPv2 terminals hold one card per user")
    card = user.cards[0] if user.cards else ""
    if card and not is_digits(card):
        raise InvalidRequestError("card numbers must be digits")
    password = user.password or ""
    if password and not (is_digits(password) and 4 <= len(password) <= 8):
        raise InvalidRequestError("passwords must be 4 to 8 digits")
    if user.valid_from is not None and user.valid_from > now:
        # The family has no start date: accepting would let the person in before it.
        raise InvalidRequestError("HTTPv2 terminals cannot hold a validity start in the future")
    document: dict[str, Any] = {
        "UserID": str(user_id),
        "Name": _short_text(user.name, "name"),
        "Department": _short_text(user.department, "department"),
        "CardNum": card,
        "Password": password,
        "AccessType": ACCESS_ADMIN if user.privilege is Privilege.ADMIN else ACCESS_USER,
        "ExpirationDate": 0 if user.valid_until is None else int(user.valid_until.timestamp()),
        "OpenTimes": _openings(user),
        "KeepOpen": 0,
        **person_fields(user.access),
    }
    if user.qr_code is not None:
        if len(user.qr_code.encode()) > MAX_QR_BYTES:
            raise InvalidRequestError(f"QR codes are at most {MAX_QR_BYTES} bytes")
        document["QRCode"] = user.qr_code
    creds = user.credentials
    if creds.photo:
        if len(creds.photo) > MAX_PHOTO:
            raise InvalidRequestError(f"photos must be at most {MAX_PHOTO // 1024} KB")
        document["Photo"] = base64.b64encode(creds.photo).decode()
        document["PhotoMD5"] = hashlib.md5(creds.photo).hexdigest().upper()  # noqa: S324 - the protocol's checksum
        document["PhotoLen"] = len(creds.photo)
    if not creds.templates_for(Family.HTTPV2):
        return document  # another family's templates: the device works from the photo
    # Empty values are presence markers from a listing, never data to write.
    if creds.face:
        document["FaceFeature"] = creds.face
    if fingerprints := {num: data for num, data in creds.fingerprints.items() if data}:
        document["Fingerprints"] = [
            {"Num": num, "Data": data} for num, data in sorted(fingerprints.items())
        ]
    if palms := {num: data for num, data in creds.palms.items() if data}:
        document["Palmveins"] = [{"Num": num, "Data": data} for num, data in sorted(palms.items())]
    return document


def _openings(user: User) -> int:
    """Return OpenTimes: 0 bars the person, 65535 is no limit."""
    if not user.enabled:
        return 0
    uses = None if user.access is None else user.access.uses
    return UNLIMITED_OPENINGS if uses is None else max(min(uses, UNLIMITED_OPENINGS - 1), 0)


def download_failures(document: Mapping[str, Any]) -> dict[str, str]:
    """Read the per-person failures of a DownloadPeopleListResult (user id -> reason)."""
    # The document spells the failure list "FailList" in the table and "FailCount" (a second
    # time) in the example: accept a list under either name.
    items = document.get("FailList")
    if not isinstance(items, list):
        items = document.get("FailCount")
    failures: dict[str, str] = {}
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or (user_id := optional_str(item.get("UserID"))) is None:
            continue
        code = optional_int(item.get("ErrorCode"))
        reason = DOWNLOAD_ERRORS.get(code or 0, optional_str(item.get("ErrMsg")) or "refused")
        if code in (20, 21, 22, 23) and (other := optional_str(item.get("RepeatID"))):
            reason = f"{reason} ({other})"
        failures[user_id] = f"{reason} [code {code}]" if code is not None else reason
    return failures


_HELD_FIELDS = ("FaceFeature", "FaceFeatureMD5", "Fingerprints", "Palmveins")
_PHOTO_FIELDS = ("Photo", "PhotoMD5", "PhotoLen")


def keep_held_credentials(
    document: dict[str, Any], held: Mapping[str, Any] | None, photo: bytes | None
) -> dict[str, Any]:
    """Return `document` with the templates and photo the device reported for that person."""
    merged = dict(document)
    if held is not None:
        for key in _HELD_FIELDS:
            if key not in merged and held.get(key):
                merged[key] = held[key]
    if "Photo" not in merged:
        if photo:
            merged["Photo"] = base64.b64encode(photo).decode()
            merged["PhotoMD5"] = hashlib.md5(photo).hexdigest().upper()  # noqa: S324 - protocol checksum
            merged["PhotoLen"] = len(photo)
        elif held is not None and held.get("Photo"):
            merged.update({key: held[key] for key in _PHOTO_FIELDS if key in held})
    return merged


def _templates(value: Any) -> dict[int, str]:
    templates: dict[int, str] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                num, data = optional_int(item.get("Num")), optional_str(item.get("Data"))
                if num is not None and data:
                    templates[num] = data
    return templates


def _photo(value: Any, attached: bytes | None) -> bytes | None:
    if attached:
        return attached
    text = optional_str(value)
    if not text or text.startswith(("http://", "https://")):
        return None
    return decode_base64(text)


def user_from_people(document: Mapping[str, Any], photo: bytes | None = None) -> User | None:
    """Read a PeopleJson (PushPeople Detail, enrollment UserDetail); None without a user id."""
    user_id = optional_str(document.get("UserID"))
    if user_id is None:
        return None
    access = optional_int(document.get("AccessType"))
    expires = optional_int(document.get("ExpirationDate")) or 0
    card = optional_str(document.get("CardNum"))
    face = optional_str(document.get("FaceFeature"))
    return User(
        user_id=user_id,
        name=optional_str(document.get("Name")),
        privilege=Privilege.ADMIN if access == ACCESS_ADMIN else Privilege.USER,
        cards=(card,) if card and card != "0" else (),
        password=optional_str(document.get("Password")),
        valid_until=datetime.fromtimestamp(expires, UTC)
        if expires and 0 < expires < 2**32
        else None,
        enabled=access != ACCESS_BLACKLIST and optional_int(document.get("OpenTimes")) != 0,
        department=optional_str(document.get("Department")),
        credentials=Credentials(
            face=face,
            fingerprints=_templates(document.get("Fingerprints")),
            palms=_templates(document.get("Palmveins")),
            photo=_photo(document.get("Photo"), photo),
            origin=Family.HTTPV2,
        ),
    )


@dataclass(slots=True)
class _Batch:
    """A page handed to the device and not yet reported on."""

    items: dict[str, dict[str, Any] | None]  # user id -> the document sent (None: a delete)
    delete_all: bool = False
    handouts: int = 1


@dataclass(slots=True)
class PeopleQueue:
    """Pending additions and deletions, with the futures of the callers waiting for them."""

    to_add: dict[str, dict[str, Any]] = field(default_factory=dict)
    to_delete: dict[str, None] = field(default_factory=dict)
    delete_all: bool = False
    # People waiting for the device to report its templates (see keep_held_credentials).
    to_merge: dict[str, dict[str, Any]] = field(default_factory=dict)
    _merge_queries: dict[str, int] = field(default_factory=dict)
    _add_batch: _Batch | None = None
    _delete_batch: _Batch | None = None
    _waiters: dict[tuple[str, str], list[asyncio.Future[None]]] = field(default_factory=dict)

    # -- what callers do -------------------------------------------------------------------

    def add(
        self, documents: Mapping[str, dict[str, Any]], keep_held: Collection[str] = ()
    ) -> list[asyncio.Future[None]]:
        """Queue people to add or replace; return one future per person.

        People in `keep_held` first wait for the device to report them (merge_query / held).
        """
        futures = []
        for user_id, document in documents.items():
            self.to_delete.pop(user_id, None)
            self._fail(("delete", user_id), CommandCancelledError(f"user {user_id} set again"))
            if user_id in keep_held:
                self.to_add.pop(user_id, None)
                self.to_merge[user_id] = document
                self._merge_queries.pop(user_id, None)
            else:
                self.to_merge.pop(user_id, None)
                self.to_add[user_id] = document
            futures.append(self._wait(("add", user_id)))
        return futures

    def merge_query(self) -> list[int]:
        """Return the next people to ask the device for (QueryPeople), counting the asking."""
        asked = list(self.to_merge)[:MERGE_BATCH]
        for user_id in asked:
            self._merge_queries[user_id] = self._merge_queries.get(user_id, 0) + 1
        return [int(user_id) for user_id in asked]

    def held(self, user_id: str, detail: Mapping[str, Any] | None, photo: bytes | None) -> bool:
        """Take what the device reported for a person waiting to be merged; False if none."""
        document = self.to_merge.pop(user_id, None)
        if document is None:
            return False
        self._merge_queries.pop(user_id, None)
        self.to_add[user_id] = keep_held_credentials(document, detail, photo)
        return True

    def expire_merges(self) -> None:
        """Give up on people the device was asked for too often without answering."""
        for user_id, times in list(self._merge_queries.items()):
            if times >= MAX_MERGE_QUERIES and user_id in self.to_merge:
                del self.to_merge[user_id]
                del self._merge_queries[user_id]
                reason = "the terminal never reported this user's templates; not written so as "
                reason += "not to erase them"
                self._fail(("add", user_id), UserWriteError({user_id: reason}))

    def delete(self, user_ids: Sequence[str] | None) -> list[asyncio.Future[None]]:
        """Queue deletions (None: every user); return the futures to wait on."""
        if user_ids is None:
            cancelled = CommandCancelledError("every user is being deleted")
            for user_id in [*self.to_add, *self.to_merge]:
                self._fail(("add", user_id), cancelled)
            self.to_add.clear()
            self.to_merge.clear()
            self.to_delete.clear()
            self.delete_all = True
            return [self._wait(("delete", "*"))]
        futures = []
        for user_id in user_ids:
            pending = self.to_add.pop(user_id, None) or self.to_merge.pop(user_id, None)
            if pending is not None:
                self._fail(("add", user_id), CommandCancelledError(f"user {user_id} deleted"))
            self.to_delete[user_id] = None
            futures.append(self._wait(("delete", user_id)))
        return futures

    @property
    def pending_adds(self) -> int:
        """Return how many people still have to be downloaded."""
        return len(self.to_add)

    @property
    def pending_merges(self) -> int:
        """Return how many people wait for the device to report their templates."""
        return len(self.to_merge)

    @property
    def pending_deletes(self) -> int:
        """Return how many deletions are pending (a delete-all counts as one)."""
        return len(self.to_delete) + int(self.delete_all)

    # -- what the device does --------------------------------------------------------------

    def next_add_batch(self, limit: int) -> list[dict[str, Any]]:
        """Hand out the next page of people (re-sending an unreported page first)."""
        batch = self._add_batch
        if batch is not None:
            # Offer again only what is still wanted: a person deleted meanwhile must not return.
            current = [
                doc
                for uid, doc in batch.items.items()
                if doc is not None and self.to_add.get(uid) is doc
            ]
            if not current:
                self._add_batch = None
            elif batch.handouts >= MAX_UNREPORTED_HANDOUTS:
                _LOGGER.warning("The terminal never reports people downloads: unconfirmed")
                self._add_batch = None
                unconfirmed = UnconfirmedError(list(batch.items))
                for user_id, sent in batch.items.items():
                    if self.to_add.get(user_id) is sent:
                        del self.to_add[user_id]
                        self._fail(("add", user_id), unconfirmed)
            else:
                batch.handouts += 1
                return current
        items = dict(list(self.to_add.items())[:limit])
        if not items:
            return []
        self._add_batch = _Batch(dict(items))
        return list(items.values())

    def add_result(self, failed: Mapping[str, str]) -> None:
        """Settle the page in flight: every user not reported as failed succeeded.

        The device's SuccessCount is only a number, so absence from FailList means success.
        """
        batch, self._add_batch = self._add_batch, None
        if batch is None:
            return
        for user_id, sent in batch.items.items():
            if self.to_add.get(user_id) is not sent:
                continue  # changed again meanwhile: the newer version is still to be sent
            del self.to_add[user_id]
            if user_id in failed:
                self._fail(("add", user_id), UserWriteError({user_id: failed[user_id]}))
            else:
                self._done(("add", user_id))

    def next_delete_batch(self, limit: int) -> tuple[bool, list[str]]:
        """Hand out the next page of deletions: (delete everything?, user ids)."""
        batch = self._delete_batch
        if batch is not None:
            if batch.handouts >= MAX_UNREPORTED_HANDOUTS:
                _LOGGER.warning("The terminal never reports people deletions: unconfirmed")
                self._delete_batch = None
                keys = ["*"] if batch.delete_all else list(batch.items)
                unconfirmed = UnconfirmedError(keys)
                if batch.delete_all:
                    self.delete_all = False
                for key in keys:
                    self.to_delete.pop(key, None)
                    self._fail(("delete", key), unconfirmed)
            else:
                batch.handouts += 1
                return batch.delete_all, list(batch.items)
        if self.delete_all:
            self._delete_batch = _Batch({}, delete_all=True)
            return True, []
        ids = list(self.to_delete)[:limit]
        if ids:
            self._delete_batch = _Batch(dict.fromkeys(ids))
        return False, ids

    def delete_result(self) -> None:
        """Settle the deletion page in flight (a user already absent counts as deleted)."""
        batch, self._delete_batch = self._delete_batch, None
        if batch is None:
            return
        if batch.delete_all:
            self.delete_all = False
            self._done(("delete", "*"))
            return
        for user_id in batch.items:
            if user_id in self.to_delete:  # else set again meanwhile: that add is still queued
                del self.to_delete[user_id]
                self._done(("delete", user_id))

    # -- persistence -----------------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        """Return what must survive a restart (pages in flight are simply offered again)."""
        return {
            "add": self.to_add,
            "merge": self.to_merge,
            "delete": list(self.to_delete),
            "delete_all": self.delete_all,
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Reload an export()."""
        add, merge, delete = data.get("add"), data.get("merge"), data.get("delete")
        if isinstance(add, dict):
            self.to_add = {
                str(k): v for k, v in add.items() if isinstance(v, dict) and is_digits(str(k))
            }
        if isinstance(merge, dict):
            self.to_merge = {
                str(k): v for k, v in merge.items() if isinstance(v, dict) and is_digits(str(k))
            }
        if isinstance(delete, list):
            self.to_delete = dict.fromkeys(str(v) for v in delete if is_digits(str(v)))
        self.delete_all = data.get("delete_all") is True

    # -- futures ---------------------------------------------------------------------------

    def _wait(self, key: tuple[str, str]) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append(future)
        return future

    def _done(self, key: tuple[str, str]) -> None:
        for future in self._waiters.pop(key, ()):
            if not future.done():
                future.set_result(None)

    def _fail(self, key: tuple[str, str], error: Exception) -> None:
        for future in self._waiters.pop(key, ()):
            if not future.done():
                future.set_exception(error)

    def fail_all(self, error: Exception) -> None:
        """Fail every waiting caller (the changes themselves stay queued), errors marked seen."""
        waiters = [future for futures in self._waiters.values() for future in futures]
        self._waiters.clear()
        fail_waiting(waiters, error)

    def forget(self, futures: Iterable[asyncio.Future[None]]) -> None:
        """Drop futures a caller stopped waiting for (their changes stay queued)."""
        gone = set(futures)
        for key in list(self._waiters):
            kept = [future for future in self._waiters[key] if future not in gone]
            if kept:
                self._waiters[key] = kept
            else:
                del self._waiters[key]


def raise_for_outcomes(user_ids: Sequence[str], results: Sequence[object]) -> None:
    """Raise what the device reported for each queued change, if anything went wrong.

    Refused and cancelled changes are named in one UserWriteError; changes the device took
    without ever reporting on them in an UnconfirmedError; an unloaded terminal fails them all.
    """
    failures: dict[str, str] = {}
    unconfirmed: list[str] = []
    for user_id, result in zip(user_ids, results, strict=True):
        if isinstance(result, UnconfirmedError):
            unconfirmed.append(user_id)
        elif isinstance(result, UserWriteError):
            failures.update(result.failures)
        elif isinstance(result, TerminalClosedError):
            raise result
        elif isinstance(result, CommandCancelledError):
            failures[user_id] = str(result)
        elif isinstance(result, BaseException):
            raise result
    if failures:
        raise UserWriteError(failures)
    if unconfirmed:
        raise UnconfirmedError(unconfirmed)
