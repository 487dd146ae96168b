"""People, access levels and passes of the directory, as their subentries hold them.

A subentry's data is what a person typed (a form) or an automation sent (an action), checked
here field by field; checks that need the whole directory (levels that exist, cards nobody else
has, doors of real terminals) are in directory.py. Anything refused raises DirectoryError with a
translation key of `translations/en.json` ("exceptions").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Self

from homeassistant.util import dt as dt_util

from ..protocols.settings import VERIFY_MODES
from .const import (
    ATTR_CARDS,
    ATTR_DEVICE_ID,
    ATTR_DOOR,
    ATTR_DOOR_MODE,
    ATTR_DOORS,
    ATTR_ENABLED,
    ATTR_EXTENDED_UNLOCK,
    ATTR_FIRST_CARD_OPENS,
    ATTR_HA_PERSON,
    ATTR_HOLIDAY_CALENDAR,
    ATTR_HOLIDAY_DATES,
    ATTR_HOLIDAY_SCHEDULE,
    ATTR_LEVELS,
    ATTR_MAX_USES,
    ATTR_NAME,
    ATTR_PASS,
    ATTR_PERSON_ID,
    ATTR_PHOTO,
    ATTR_PIN,
    ATTR_QR_CODE,
    ATTR_SCHEDULE,
    ATTR_SUPER_USERS,
    ATTR_VALID_FROM,
    ATTR_VALID_UNTIL,
    ATTR_VERIFY_MODE,
    DOOR_MODE_FREE_OPEN,
    MAX_CARD_DIGITS,
    MAX_CARDS,
    MAX_LEVEL_NAME,
    MAX_NAME,
    MAX_PERSON_ID,
    PIN_DIGITS,
    SUBENTRY_DOOR_SCHEDULE,
    SUBENTRY_LEVEL,
    SUBENTRY_PERSON,
)


class DirectoryError(Exception):
    """Input the directory refuses; `key` names its translated message."""

    def __init__(self, key: str, **placeholders: str) -> None:
        """Keep the translation key and its placeholders."""
        super().__init__(key)
        self.key = key
        self.placeholders = placeholders


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def person_id(value: Any) -> str:
    """Return a person id as every family stores it ("007" is 7), or refuse it."""
    text = str(value).strip()
    if not _digits(text) or not 0 < int(text) <= MAX_PERSON_ID:
        raise DirectoryError("invalid_person_id", person_id=text, maximum=str(MAX_PERSON_ID))
    return str(int(text))


def name(value: Any) -> str:
    """Return a name on one line of at most MAX_NAME characters."""
    text = str(value).strip()
    if not text or len(text) > MAX_NAME or any(char in text for char in "\t\r\n"):
        raise DirectoryError("invalid_name", name=text[:40], maximum=str(MAX_NAME))
    return text


def cards(values: Iterable[Any]) -> tuple[str, ...]:
    """Return card numbers (digits, not 0), each once, at most MAX_CARDS."""
    found: list[str] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        if not _digits(text) or len(text) > MAX_CARD_DIGITS or int(text) == 0:
            raise DirectoryError("invalid_card", card=text[:40], digits=str(MAX_CARD_DIGITS))
        if (card := str(int(text))) not in found:
            found.append(card)
    if len(found) > MAX_CARDS:
        raise DirectoryError("too_many_cards", maximum=str(MAX_CARDS))
    return tuple(found)


def pin(value: Any) -> str | None:
    """Return a PIN of 4 to 8 digits (None: none)."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    shortest, longest = PIN_DIGITS
    if not _digits(text) or not shortest <= len(text) <= longest:
        raise DirectoryError("invalid_pin", shortest=str(shortest), longest=str(longest))
    return text


def moment(value: Any) -> datetime | None:
    """Return a validity bound in UTC (a datetime, or ISO text; naive is local time)."""
    if value is None or value == "":
        return None
    found = value if isinstance(value, datetime) else dt_util.parse_datetime(str(value))
    if found is None:
        raise DirectoryError("invalid_moment", value=str(value)[:40])
    if found.tzinfo is None:
        found = found.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(found)


def validity(start: datetime | None, end: datetime | None) -> None:
    """Refuse a validity that ends before it starts."""
    if start is not None and end is not None and end <= start:
        raise DirectoryError("invalid_validity")


def level_name(value: Any) -> str:
    """Return an access level's name."""
    text = str(value).strip()
    if not text or len(text) > MAX_LEVEL_NAME or any(char in text for char in "\t\r\n"):
        raise DirectoryError("invalid_level_name", maximum=str(MAX_LEVEL_NAME))
    return text


def holiday_dates(values: Iterable[Any]) -> tuple[date, ...]:
    """Return dates ("YYYY-MM-DD" or dates), each once, in order."""
    found: set[date] = set()
    for value in values:
        if isinstance(value, date) and not isinstance(value, datetime):
            found.add(value)
            continue
        try:
            found.add(date.fromisoformat(str(value).strip()))
        except ValueError as err:
            raise DirectoryError("invalid_date", value=str(value)[:40]) from err
    return tuple(sorted(found))


def verify_mode(value: Any) -> str | None:
    """Return a verification mode of the shared vocabulary (None: none)."""
    if value is None or value == "":
        return None
    if value not in VERIFY_MODES:
        raise DirectoryError("invalid_verify_mode", mode=str(value)[:40])
    return str(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True, order=True)
class DoorRef:
    """A door of a terminal: its device and its number (1-based)."""

    device_id: str
    door: int

    def as_data(self) -> dict[str, Any]:
        """Return the subentry form."""
        return {ATTR_DEVICE_ID: self.device_id, ATTR_DOOR: self.door}


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessLevel:
    """Doors and when: always, or a schedule helper's weeks; holidays closed or on a schedule."""

    name: str
    doors: tuple[DoorRef, ...]
    schedule: str | None = None
    holiday_calendar: str | None = None
    holiday_dates: tuple[date, ...] = ()
    holiday_schedule: str | None = None
    # People of the level verify by this mode at its doors during its schedule (None: as set).
    verify_mode: str | None = None
    # Roles of the level's people at its doors (door schedules have none).
    first_card_opens: bool = False
    super_users: bool = False

    @property
    def key(self) -> str:
        """Return what makes a level's name unique (case does not count)."""
        return self.name.casefold()

    @property
    def unique_id(self) -> str:
        """Return the level's subentry unique id."""
        return f"{SUBENTRY_LEVEL}_{self.key}"

    def entities(self) -> set[str]:
        """Return the schedule and calendar entities the level follows."""
        return {e for e in (self.schedule, self.holiday_calendar, self.holiday_schedule) if e}

    def as_data(self) -> dict[str, Any]:
        """Return the subentry data."""
        return {
            **self.shared_data(),
            ATTR_VERIFY_MODE: self.verify_mode,
            ATTR_FIRST_CARD_OPENS: self.first_card_opens,
            ATTR_SUPER_USERS: self.super_users,
        }

    def shared_data(self) -> dict[str, Any]:
        """Return the data levels and door schedules share."""
        return {
            ATTR_NAME: self.name,
            ATTR_DOORS: [door.as_data() for door in self.doors],
            ATTR_SCHEDULE: self.schedule,
            ATTR_HOLIDAY_CALENDAR: self.holiday_calendar,
            ATTR_HOLIDAY_DATES: [day.isoformat() for day in self.holiday_dates],
            ATTR_HOLIDAY_SCHEDULE: self.holiday_schedule,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Read (and check) a level from subentry data or an action's fields.

        Super users pass at any time (terminals hold no hours for them), so their level may
        have neither a schedule nor holidays: the rule and the terminal agree.
        """
        level = replace(
            cls.read(data),
            verify_mode=verify_mode(data.get(ATTR_VERIFY_MODE)),
            first_card_opens=bool(data.get(ATTR_FIRST_CARD_OPENS, False)),
            super_users=bool(data.get(ATTR_SUPER_USERS, False)),
        )
        if level.super_users and (level.entities() or level.holiday_dates):
            raise DirectoryError("super_users_any_time", name=level.name)
        return level

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> Self:
        """Read doors, schedule and holidays (what levels and door schedules share)."""
        doors = sorted(
            {
                DoorRef(str(item[ATTR_DEVICE_ID]), int(item.get(ATTR_DOOR, 1)))
                for item in data.get(ATTR_DOORS) or ()
            }
        )
        if not doors:
            raise DirectoryError("no_doors")
        return cls(
            name=level_name(data[ATTR_NAME]),
            doors=tuple(doors),
            schedule=data.get(ATTR_SCHEDULE) or None,
            holiday_calendar=data.get(ATTR_HOLIDAY_CALENDAR) or None,
            holiday_dates=holiday_dates(data.get(ATTR_HOLIDAY_DATES) or ()),
            holiday_schedule=data.get(ATTR_HOLIDAY_SCHEDULE) or None,
        )

    def public_dict(self) -> dict[str, Any]:
        """Return what get_directory shows."""
        return self.as_data()


@dataclass(frozen=True, slots=True, kw_only=True)
class DoorSchedule(AccessLevel):
    """Doors their terminals keep unlocked, by themselves, during a schedule helper's weeks.

    Holidays (a calendar, dates) keep the doors locked unless a holiday schedule says when they
    are free. Terminals hold the periods (ZK normal-open time zones, HTTPv2 timed opening), so a
    door is free on time with Home Assistant stopped; the others report that they cannot.

    With a `verify_mode` (its `door_mode` other than free_open), the doors stay locked during
    the schedule and open only to that verification (ZK DiffTimezoneVS / DoorVSTimezone);
    terminals that cannot hold it refuse the people of those doors then instead.
    """

    @property
    def unique_id(self) -> str:
        """Return the door schedule's subentry unique id."""
        return f"{SUBENTRY_DOOR_SCHEDULE}_{self.key}"

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Read (and check) a door schedule: unlike a level, it needs a schedule."""
        if not data.get(ATTR_SCHEDULE):
            raise DirectoryError("schedule_required")
        mode = data.get(ATTR_DOOR_MODE) or DOOR_MODE_FREE_OPEN
        verify = None if mode == DOOR_MODE_FREE_OPEN else verify_mode(mode)
        return replace(cls.read(data), verify_mode=verify)

    def as_data(self) -> dict[str, Any]:
        """Return the subentry data: its mode as `door_mode`, and no roles (it has no people)."""
        return {**self.shared_data(), ATTR_DOOR_MODE: self.verify_mode or DOOR_MODE_FREE_OPEN}


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """A person (or visitor pass) of the directory. PIN, photo and QR code are never shown."""

    person_id: str
    name: str
    ha_person: str | None = None
    cards: tuple[str, ...] = ()
    pin: str | None = field(default=None, repr=False)
    # The SHA-256 of the photo the directory keeps (store.py), if any.
    photo: str | None = None
    enabled: bool = True
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    levels: tuple[str, ...] = ()
    is_pass: bool = False
    max_uses: int | None = None
    qr_code: str | None = field(default=None, repr=False)
    # Their doors stay unlocked for the door's extended unlock time (a wheelchair user).
    extended_unlock: bool = False

    @property
    def unique_id(self) -> str:
        """Return the person's subentry unique id."""
        return f"{SUBENTRY_PERSON}_{self.person_id}"

    def as_data(self) -> dict[str, Any]:
        """Return the subentry data."""
        return {
            ATTR_PERSON_ID: self.person_id,
            ATTR_NAME: self.name,
            ATTR_HA_PERSON: self.ha_person,
            ATTR_CARDS: list(self.cards),
            ATTR_PIN: self.pin,
            ATTR_PHOTO: self.photo,
            ATTR_ENABLED: self.enabled,
            ATTR_VALID_FROM: _iso(self.valid_from),
            ATTR_VALID_UNTIL: _iso(self.valid_until),
            ATTR_LEVELS: list(self.levels),
            ATTR_PASS: self.is_pass,
            ATTR_MAX_USES: self.max_uses,
            ATTR_QR_CODE: self.qr_code,
            ATTR_EXTENDED_UNLOCK: self.extended_unlock,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Person:
        """Read (and check) a person from subentry data or an action's fields."""
        start, end = moment(data.get(ATTR_VALID_FROM)), moment(data.get(ATTR_VALID_UNTIL))
        validity(start, end)
        uses = data.get(ATTR_MAX_USES)
        if uses is not None and (not isinstance(uses, int) or uses < 1):
            raise DirectoryError("invalid_max_uses")
        return cls(
            person_id=person_id(data[ATTR_PERSON_ID]),
            name=name(data[ATTR_NAME]),
            ha_person=data.get(ATTR_HA_PERSON) or None,
            cards=cards(data.get(ATTR_CARDS) or ()),
            pin=pin(data.get(ATTR_PIN)),
            photo=data.get(ATTR_PHOTO) or None,
            enabled=bool(data.get(ATTR_ENABLED, True)),
            valid_from=start,
            valid_until=end,
            levels=tuple(dict.fromkeys(level_name(level) for level in data.get(ATTR_LEVELS) or ())),
            is_pass=bool(data.get(ATTR_PASS, False)),
            max_uses=uses,
            qr_code=data.get(ATTR_QR_CODE) or None,
            extended_unlock=bool(data.get(ATTR_EXTENDED_UNLOCK, False)),
        )

    def valid_at(self, now: datetime) -> bool:
        """Return True inside the validity."""
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_until is None or now < self.valid_until
        )

    def public_dict(self) -> dict[str, Any]:
        """Return what get_directory shows (never the PIN, the photo or the QR code)."""
        data = self.as_data()
        for secret in (ATTR_PIN, ATTR_PHOTO, ATTR_QR_CODE):
            del data[secret]
        return {
            **data,
            "has_pin": self.pin is not None,
            "has_photo": self.photo is not None,
            "has_qr_code": self.qr_code is not None,
        }
