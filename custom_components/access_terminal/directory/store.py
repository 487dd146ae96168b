"""What the directory keeps besides its subentries: per-terminal bookkeeping, uses, templates.

`access_terminal.directory` holds, per terminal, the people the directory put there (only those
it removes), the digest of the access tables it wrote and since when the terminal is out of
sync; the uses of each visitor pass; and the templates harvested where people enrolled. Photos
are files of their own (`.storage/access_terminal_photos/<person>.jpg`), read once at start.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
import hashlib
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import STORAGE_DIR, Store

from ..const import DOMAIN
from ..protocols.model import Credentials, Family

STORAGE_VERSION = 1
SAVE_DELAY = 2.0
PHOTO_FOLDER = "access_terminal_photos"


@dataclass(slots=True)
class TerminalBook:
    """What the directory knows of one terminal (by serial)."""

    managed: set[str] = field(default_factory=set)
    tables: str | None = None
    out_of_sync_since: str | None = None
    read_back_at: str | None = None

    def export(self) -> dict[str, Any]:
        """Return the saved form."""
        return {
            "managed": sorted(self.managed, key=lambda pid: (len(pid), pid)),
            "tables": self.tables,
            "out_of_sync_since": self.out_of_sync_since,
            "read_back_at": self.read_back_at,
        }

    @classmethod
    def restore(cls, data: Any) -> TerminalBook:
        """Read the saved form (anything unreadable is forgotten)."""
        if not isinstance(data, dict):
            return cls()
        managed = data.get("managed")
        return cls(
            managed={str(item) for item in managed} if isinstance(managed, list) else set(),
            tables=data.get("tables") if isinstance(data.get("tables"), str) else None,
            out_of_sync_since=data.get("out_of_sync_since") or None,
            read_back_at=data.get("read_back_at") or None,
        )


@dataclass(slots=True, frozen=True)
class Harvested:
    """Templates a person enrolled at one terminal, in its family's encoding."""

    serial: str
    credentials: Credentials

    def export(self) -> dict[str, Any]:
        """Return the saved form."""
        creds = self.credentials
        return {
            "serial": self.serial,
            "family": None if creds.origin is None else str(creds.origin),
            "face": creds.face,
            "fingerprints": {str(k): v for k, v in creds.fingerprints.items()},
            "palms": {str(k): v for k, v in creds.palms.items()},
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Harvested:
        """Read the saved form."""
        return cls(
            serial=str(data["serial"]),
            credentials=Credentials(
                face=data.get("face"),
                fingerprints={int(k): str(v) for k, v in (data.get("fingerprints") or {}).items()},
                palms={int(k): str(v) for k, v in (data.get("palms") or {}).items()},
                origin=Family(data["family"]) if data.get("family") else None,
            ),
        )


class DirectoryStore:
    """The directory's saved state."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare the file (nothing read yet)."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.directory")
        self.terminals: dict[str, TerminalBook] = {}
        self.uses: dict[str, int] = {}
        self.harvested: dict[str, list[Harvested]] = {}
        self.photos: dict[str, bytes] = {}
        self._folder = Path(hass.config.path(STORAGE_DIR, PHOTO_FOLDER))

    async def async_load(self, photo_ids: set[str]) -> None:
        """Read the saved state, and the photos of `photo_ids`."""
        data = await self._store.async_load() or {}
        self.terminals = {
            str(serial): TerminalBook.restore(book)
            for serial, book in (data.get("terminals") or {}).items()
        }
        self.uses = {str(k): int(v) for k, v in (data.get("uses") or {}).items()}
        self.harvested = {}
        for person, items in (data.get("harvested") or {}).items():
            try:
                self.harvested[str(person)] = [Harvested.restore(item) for item in items]
            except (KeyError, TypeError, ValueError):
                continue  # an unreadable entry: enrolled again, it is harvested again
        self.photos = await self._hass.async_add_executor_job(self._read_photos, photo_ids)

    def _read_photos(self, photo_ids: set[str]) -> dict[str, bytes]:
        photos = {}
        for person in photo_ids:
            try:
                photos[person] = (self._folder / f"{person}.jpg").read_bytes()
            except OSError:
                continue
        return photos

    def book(self, serial: str) -> TerminalBook:
        """Return the bookkeeping of one terminal (new if unknown)."""
        return self.terminals.setdefault(serial, TerminalBook())

    def schedule_save(self) -> None:
        """Save soon."""
        self._store.async_delay_save(self._data, SAVE_DELAY)

    async def async_flush(self) -> None:
        """Save now."""
        await self._store.async_save(self._data())

    def _data(self) -> dict[str, Any]:
        return {
            "terminals": {serial: book.export() for serial, book in self.terminals.items()},
            "uses": self.uses,
            "harvested": {
                person: [item.export() for item in items]
                for person, items in self.harvested.items()
            },
        }

    def harvested_for(self, person: str, family: Family, serial: str) -> Credentials | None:
        """Return templates of `person` a terminal of `family` can take (not from itself)."""
        for item in self.harvested.get(person, ()):
            if item.serial != serial and item.credentials.origin is family:
                return item.credentials
        return None

    def harvest(self, person: str, serial: str, credentials: Credentials) -> bool:
        """Keep the templates of `person` enrolled at `serial`; True if they changed."""
        item = Harvested(serial, credentials)
        items = [known for known in self.harvested.get(person, ()) if known.serial != serial]
        changed = all(known.export() != item.export() for known in self.harvested.get(person, ()))
        self.harvested[person] = [*items, item]
        if changed:
            self.schedule_save()
        return changed

    async def async_forget(self, person: str) -> None:
        """Forget a person's uses, templates and photo (they left the directory)."""
        self.uses.pop(person, None)
        self.harvested.pop(person, None)
        self.schedule_save()
        await self.async_set_photo(person, None)

    async def async_set_photo(self, person: str, photo: bytes | None) -> None:
        """Keep (or drop) a person's photo file."""
        path = self._folder / f"{person}.jpg"

        def write() -> None:
            if photo is None:
                path.unlink(missing_ok=True)
                return
            self._folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(photo)

        await self._hass.async_add_executor_job(write)
        if photo is None:
            self.photos.pop(person, None)
        else:
            self.photos[person] = photo

    async def async_remove(self) -> None:
        """Delete everything (the directory's entry was removed)."""
        await self._store.async_remove()

        def remove() -> None:
            for path in self._folder.glob("*.jpg"):
                path.unlink(missing_ok=True)

        await self._hass.async_add_executor_job(remove)
        self.photos.clear()


def photo_digest(photo: bytes) -> str:
    """Return a short, stable name of a photo's content (kept in the person's subentry)."""
    return base64.urlsafe_b64encode(hashlib.sha256(photo).digest()[:18]).decode()
