"""Actions on the access directory: people, access levels and visitor passes (admin only).

Each action checks everything first (DirectoryError becomes a translated
ServiceValidationError) and changes nothing when anything is refused; then the subentries
change, and every terminal converges to them.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
import secrets
from types import MappingProxyType
from typing import Any, cast

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from ..const import DOMAIN
from ..files import async_read_file
from ..protocols.settings import VERIFY_MODES
from ..services import admin_only
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
    FIRST_PASS_ID,
    JPEG_MAGIC,
    MAX_PERSON_ID,
    MAX_PHOTO_BYTES,
    SUBENTRY_DOOR_SCHEDULE,
    SUBENTRY_LEVEL,
    SUBENTRY_PERSON,
)
from .entry import DirectoryConfigEntry, loaded_directory
from .model import AccessLevel, DirectoryError, DoorSchedule, Person, person_id as canonical_id
from .store import photo_digest

SERVICE_SET_PERSON = "set_person"
SERVICE_DELETE_PERSON = "delete_person"
SERVICE_SET_LEVEL = "set_access_level"
SERVICE_DELETE_LEVEL = "delete_access_level"
SERVICE_CREATE_PASS = "create_pass"  # noqa: S105 - a visitor pass, not a password
SERVICE_REVOKE_PASS = "revoke_pass"  # noqa: S105 - a visitor pass, not a password
SERVICE_GET_DIRECTORY = "get_directory"
SERVICE_SET_DOOR_SCHEDULE = "set_door_schedule"
SERVICE_DELETE_DOOR_SCHEDULE = "delete_door_schedule"

CREDENTIAL_PIN = "pin"
CREDENTIAL_CARD = "card"
CREDENTIAL_QR = "qr"
PASS_PIN_DIGITS = 6
PASS_CARD_DIGITS = 10

_TEXT = vol.All(cv.string, vol.Strip)
_IDS = vol.All(cv.ensure_list, [_TEXT], vol.Length(min=1))
_DOOR = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_DOOR, default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
    }
)
SET_PERSON_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_PERSON_ID): _TEXT,
        vol.Optional(ATTR_NAME): _TEXT,
        vol.Optional(ATTR_HA_PERSON): vol.Any(None, cv.entity_id),
        vol.Optional(ATTR_CARDS): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_PIN): vol.Any(None, cv.string),
        vol.Optional(ATTR_PHOTO): cv.string,
        vol.Optional(ATTR_ENABLED): cv.boolean,
        vol.Optional(ATTR_VALID_FROM): vol.Any(None, cv.datetime),
        vol.Optional(ATTR_VALID_UNTIL): vol.Any(None, cv.datetime),
        vol.Optional(ATTR_LEVELS): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_EXTENDED_UNLOCK): cv.boolean,
    }
)
DELETE_PERSON_SCHEMA = vol.Schema({vol.Required(ATTR_PERSON_ID): _IDS})
# What access levels and door schedules share: doors and when.
_DOORS_AND_WHEN = vol.Schema(
    {
        vol.Required(ATTR_NAME): _TEXT,
        vol.Optional("rename_to"): _TEXT,
        vol.Required(ATTR_DOORS): vol.All(cv.ensure_list, [_DOOR], vol.Length(min=1)),
        vol.Optional(ATTR_SCHEDULE): vol.Any(None, cv.entity_id),
        vol.Optional(ATTR_HOLIDAY_CALENDAR): vol.Any(None, cv.entity_id),
        vol.Optional(ATTR_HOLIDAY_DATES, default=list): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_HOLIDAY_SCHEDULE): vol.Any(None, cv.entity_id),
    }
)
DELETE_LEVEL_SCHEMA = vol.Schema({vol.Required(ATTR_NAME): _TEXT})
SET_DOOR_SCHEDULE_SCHEMA = _DOORS_AND_WHEN.extend(
    {
        vol.Required(ATTR_SCHEDULE): cv.entity_id,
        vol.Optional(ATTR_DOOR_MODE, default=DOOR_MODE_FREE_OPEN): vol.In(
            (DOOR_MODE_FREE_OPEN, *VERIFY_MODES)
        ),
    }
)
# A verification mode and roles belong to a level's people (a door schedule has none).
SET_LEVEL_SCHEMA = _DOORS_AND_WHEN.extend(
    {
        vol.Optional(ATTR_VERIFY_MODE): vol.Any(None, vol.In(VERIFY_MODES)),
        vol.Optional(ATTR_FIRST_CARD_OPENS, default=False): cv.boolean,
        vol.Optional(ATTR_SUPER_USERS, default=False): cv.boolean,
    }
)
CREATE_PASS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_NAME): _TEXT,
        vol.Required(ATTR_LEVELS): vol.All(cv.ensure_list, [cv.string], vol.Length(min=1)),
        vol.Required(ATTR_VALID_UNTIL): cv.datetime,
        vol.Optional(ATTR_VALID_FROM): cv.datetime,
        vol.Optional(ATTR_MAX_USES): vol.All(vol.Coerce(int), vol.Range(min=1, max=10000)),
        vol.Optional("credential", default=CREDENTIAL_PIN): vol.In(
            [CREDENTIAL_PIN, CREDENTIAL_CARD, CREDENTIAL_QR]
        ),
        vol.Optional("value"): _TEXT,
        vol.Optional(ATTR_PERSON_ID): _TEXT,
    }
)
REVOKE_PASS_SCHEMA = vol.Schema({vol.Required(ATTR_PERSON_ID): _TEXT})


@contextmanager
def _refusals() -> Any:
    """Turn the directory's refusals into translated validation errors."""
    try:
        yield
    except DirectoryError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=err.key,
            translation_placeholders=err.placeholders,
        ) from err


def _entry(hass: HomeAssistant) -> DirectoryConfigEntry:
    entry = loaded_directory(hass)
    if entry is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_directory")
    return entry


def _subentry(entry: DirectoryConfigEntry, unique_id: str) -> ConfigSubentry | None:
    return next((s for s in entry.subentries.values() if s.unique_id == unique_id), None)


async def read_photo(hass: HomeAssistant, path: str) -> bytes:
    """Read a person's photo: a JPEG of at most 400 KB from a folder files may come from."""
    photo = await async_read_file(hass, path, MAX_PHOTO_BYTES)
    if not photo.startswith(JPEG_MAGIC):
        raise DirectoryError("photo_not_jpeg", path=path)
    return photo


async def async_check_person(
    hass: HomeAssistant,
    entry: DirectoryConfigEntry,
    data: Mapping[str, Any],
    *,
    photo: bytes | None = None,
    drop_photo: bool = False,
) -> Person:
    """Check a person against the directory and the terminals; keep its photo (or refuse).

    `photo` replaces the person's photo (read and checked already), `drop_photo` removes it.
    Nothing is kept when anything is refused.
    """
    runtime = entry.runtime_data
    directory = runtime.directory
    if photo is not None:
        data = {**data, ATTR_PHOTO: photo_digest(photo)}
    elif drop_photo:
        data = {**data, ATTR_PHOTO: None}
    person = Person.from_data(data)
    contents = directory.contents.with_person(person)
    directory.check_person(person, contents)
    devices = {
        ref.device_id
        for name in person.levels
        if (level := contents.levels.get(name.casefold())) is not None
        for ref in level.doors
    }
    directory.check_capacity(contents, runtime.reconciler.on_terminals(devices))
    if photo is not None or drop_photo:
        await directory.store.async_set_photo(person.person_id, photo)
    return person


def check_level(
    entry: DirectoryConfigEntry, level: AccessLevel, replacing: str | None
) -> list[Person]:
    """Check a level (its doors, entities, what terminals hold); return the people it renames.

    `replacing` is the case-free name of the level it replaces: people following the old
    name follow the new one.
    """
    runtime = entry.runtime_data
    directory = runtime.directory
    directory.check_level(level, runtime.reconciler.coordinators())
    if replacing != level.key and level.key in directory.contents.levels:
        raise DirectoryError("level_exists", name=level.name)
    contents = directory.contents.with_level(level, replacing)
    renamed: dict[str, Person] = {}
    if replacing is not None and replacing != level.key:
        for person in directory.contents.people.values():
            if any(name.casefold() == replacing for name in person.levels):
                levels = [level.name if n.casefold() == replacing else n for n in person.levels]
                renamed[person.person_id] = Person.from_data(
                    {**person.as_data(), ATTR_LEVELS: levels}
                )
        contents = replace(contents, people={**contents.people, **renamed})
    old = directory.contents.levels.get(replacing or level.key)
    devices = {ref.device_id for ref in level.doors}
    if old is not None:
        devices |= {ref.device_id for ref in old.doors}
    directory.check_capacity(contents, runtime.reconciler.on_terminals(devices))
    return list(renamed.values())


def check_door_schedule(
    entry: DirectoryConfigEntry, schedule: DoorSchedule, replacing: str | None
) -> None:
    """Check a door schedule (its doors, entities, what terminals hold)."""
    runtime = entry.runtime_data
    directory = runtime.directory
    directory.check_level(schedule, runtime.reconciler.coordinators())
    if replacing != schedule.key and schedule.key in directory.contents.door_schedules:
        raise DirectoryError("door_schedule_exists", name=schedule.name)
    contents = directory.contents.with_door_schedule(schedule, replacing)
    old = directory.contents.door_schedules.get(replacing or schedule.key)
    devices = {ref.device_id for ref in (*schedule.doors, *(old.doors if old else ()))}
    directory.check_capacity(contents, runtime.reconciler.on_terminals(devices))


async def async_save_door_schedule(
    hass: HomeAssistant, entry: DirectoryConfigEntry, schedule: DoorSchedule, replacing: str | None
) -> None:
    """Check a door schedule, then save it (renamed from `replacing`), or refuse."""
    check_door_schedule(entry, schedule, replacing)
    if replacing is not None and replacing != schedule.key:
        remove_subentry(hass, entry, f"{SUBENTRY_DOOR_SCHEDULE}_{replacing}")
    put_subentry(
        hass,
        entry,
        SUBENTRY_DOOR_SCHEDULE,
        schedule.unique_id,
        schedule.name,
        schedule.as_data(),
    )
    await converge(entry)


async def async_save_level(
    hass: HomeAssistant, entry: DirectoryConfigEntry, level: AccessLevel, replacing: str | None
) -> None:
    """Check a level, then save it (and rename it for its people), or refuse."""
    renamed = check_level(entry, level, replacing)
    if replacing is not None and replacing != level.key:
        remove_subentry(hass, entry, f"{SUBENTRY_LEVEL}_{replacing}")
    put_subentry(hass, entry, SUBENTRY_LEVEL, level.unique_id, level.name, level.as_data())
    for person in renamed:
        put_subentry(hass, entry, SUBENTRY_PERSON, person.unique_id, person.name, person.as_data())
    await converge(entry)


@callback
def put_subentry(
    hass: HomeAssistant,
    entry: DirectoryConfigEntry,
    kind: str,
    unique_id: str,
    title: str,
    data: dict[str, Any],
) -> None:
    """Add a subentry, or change the one with the same unique id."""
    known = _subentry(entry, unique_id)
    if known is None:
        hass.config_entries.async_add_subentry(
            entry,
            ConfigSubentry(
                data=MappingProxyType(data), subentry_type=kind, title=title, unique_id=unique_id
            ),
        )
    else:
        hass.config_entries.async_update_subentry(entry, known, data=data, title=title)


@callback
def remove_subentry(hass: HomeAssistant, entry: DirectoryConfigEntry, unique_id: str) -> None:
    """Remove the subentry of a unique id (if there is one)."""
    if (known := _subentry(entry, unique_id)) is not None:
        hass.config_entries.async_remove_subentry(entry, known.subentry_id)


async def converge(entry: DirectoryConfigEntry) -> None:
    """Read the subentries now (the next action checks against them) and send the changes."""
    runtime = entry.runtime_data
    if await runtime.directory.async_reload():
        runtime.reconciler.request_all()


# -- the actions ---------------------------------------------------------------------------


async def _set_person(call: ServiceCall) -> None:
    hass = call.hass
    entry = _entry(hass)
    directory = entry.runtime_data.directory
    with _refusals():
        known = directory.contents.people.get(canonical_id(call.data[ATTR_PERSON_ID]))
        if known is not None and known.is_pass:
            raise DirectoryError("id_taken_by_pass", person_id=known.person_id)
        data = {**(known.as_data() if known else {}), **call.data}
        data.pop(ATTR_PHOTO, None)
        if known is not None:
            data[ATTR_PHOTO] = known.photo
        if ATTR_NAME not in data:
            raise DirectoryError("name_required")
        photo, drop = None, False
        if ATTR_PHOTO in call.data:
            if call.data[ATTR_PHOTO] == "":
                drop = True
            else:
                photo = await read_photo(hass, call.data[ATTR_PHOTO])
        person = await async_check_person(hass, entry, data, photo=photo, drop_photo=drop)
    put_subentry(hass, entry, SUBENTRY_PERSON, person.unique_id, person.name, person.as_data())
    await converge(entry)


async def _delete_person(call: ServiceCall) -> None:
    hass = call.hass
    entry = _entry(hass)
    directory = entry.runtime_data.directory
    with _refusals():
        ids = [canonical_id(i) for i in call.data[ATTR_PERSON_ID]]
        for person_id in ids:
            if person_id not in directory.contents.people:
                raise DirectoryError("unknown_person", person_id=person_id)
    for person_id in ids:
        remove_subentry(hass, entry, f"{SUBENTRY_PERSON}_{person_id}")
        await directory.store.async_forget(person_id)
    await converge(entry)


async def _set_level(call: ServiceCall) -> None:
    hass = call.hass
    entry = _entry(hass)
    data = dict(call.data)
    name = data.pop("rename_to", None) or data[ATTR_NAME]
    with _refusals():
        level = AccessLevel.from_data({**data, ATTR_NAME: name})
        key = str(call.data[ATTR_NAME]).casefold()
        known = key in entry.runtime_data.directory.contents.levels
        await async_save_level(hass, entry, level, key if known else None)


async def _delete_level(call: ServiceCall) -> None:
    hass = call.hass
    entry = _entry(hass)
    contents = entry.runtime_data.directory.contents
    key = str(call.data[ATTR_NAME]).casefold()
    with _refusals():
        if key not in contents.levels:
            raise DirectoryError("unknown_level", level=call.data[ATTR_NAME])
        users = [
            p.name for p in contents.people.values() if key in {n.casefold() for n in p.levels}
        ]
        if users:
            raise DirectoryError(
                "level_in_use", level=call.data[ATTR_NAME], people=", ".join(users[:5])
            )
    remove_subentry(hass, entry, f"{SUBENTRY_LEVEL}_{key}")
    await converge(entry)


async def _set_door_schedule(call: ServiceCall) -> None:
    hass = call.hass
    entry = _entry(hass)
    data = dict(call.data)
    name = data.pop("rename_to", None) or data[ATTR_NAME]
    with _refusals():
        schedule = DoorSchedule.from_data({**data, ATTR_NAME: name})
        key = str(call.data[ATTR_NAME]).casefold()
        known = key in entry.runtime_data.directory.contents.door_schedules
        await async_save_door_schedule(hass, entry, schedule, key if known else None)


async def _delete_door_schedule(call: ServiceCall) -> None:
    hass = call.hass
    entry = _entry(hass)
    key = str(call.data[ATTR_NAME]).casefold()
    with _refusals():
        if key not in entry.runtime_data.directory.contents.door_schedules:
            raise DirectoryError("unknown_door_schedule", name=call.data[ATTR_NAME])
    remove_subentry(hass, entry, f"{SUBENTRY_DOOR_SCHEDULE}_{key}")
    await converge(entry)


def _free_id(people: Iterable[str]) -> str:
    taken = set(people)
    for number in range(FIRST_PASS_ID, MAX_PERSON_ID + 1):
        if str(number) not in taken:
            return str(number)
    raise DirectoryError("no_free_id")


def _new_credential(kind: str, people: Iterable[Person]) -> str:
    """Return a PIN, card number or QR code nobody in the directory has."""
    known = list(people)
    while True:
        if kind == CREDENTIAL_QR:
            value = secrets.token_urlsafe(16)
        else:
            digits = PASS_PIN_DIGITS if kind == CREDENTIAL_PIN else PASS_CARD_DIGITS
            value = str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))
        taken = (
            {p.pin for p in known}
            | {c for p in known for c in p.cards}
            | {p.qr_code for p in known}
        )
        if value not in taken:
            return value


async def _create_pass(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = _entry(hass)
    directory = entry.runtime_data.directory
    kind = call.data["credential"]
    with _refusals():
        people = directory.contents.people
        if ATTR_PERSON_ID in call.data:
            person_id = canonical_id(call.data[ATTR_PERSON_ID])
            if person_id in people:
                raise DirectoryError("id_taken_by_person", person_id=person_id)
        else:
            person_id = _free_id(people)
        value = call.data.get("value") or _new_credential(kind, people.values())
        data: dict[str, Any] = {
            ATTR_PERSON_ID: person_id,
            ATTR_NAME: call.data[ATTR_NAME],
            ATTR_LEVELS: call.data[ATTR_LEVELS],
            ATTR_VALID_FROM: call.data.get(ATTR_VALID_FROM) or dt_util.utcnow(),
            ATTR_VALID_UNTIL: call.data[ATTR_VALID_UNTIL],
            ATTR_MAX_USES: call.data.get(ATTR_MAX_USES),
            ATTR_PASS: True,
            ATTR_PIN: value if kind == CREDENTIAL_PIN else None,
            ATTR_CARDS: [value] if kind == CREDENTIAL_CARD else [],
            ATTR_QR_CODE: value if kind == CREDENTIAL_QR else None,
        }
        person = await async_check_person(hass, entry, data)
    put_subentry(hass, entry, SUBENTRY_PERSON, person.unique_id, person.name, person.as_data())
    await converge(entry)
    return {
        ATTR_PERSON_ID: person.person_id,
        "credential": {"type": kind, "value": value},
        ATTR_VALID_FROM: _iso(person.valid_from),
        ATTR_VALID_UNTIL: _iso(person.valid_until),
        ATTR_MAX_USES: person.max_uses,
    }


async def _revoke_pass(call: ServiceCall) -> None:
    hass = call.hass
    entry = _entry(hass)
    directory = entry.runtime_data.directory
    with _refusals():
        person_id = canonical_id(call.data[ATTR_PERSON_ID])
        person = directory.contents.people.get(person_id)
        if person is None or not person.is_pass:
            raise DirectoryError("unknown_pass", person_id=person_id)
    remove_subentry(hass, entry, person.unique_id)
    await directory.store.async_forget(person_id)
    await converge(entry)


async def _get_directory(call: ServiceCall) -> ServiceResponse:
    """Return the directory (no PIN, photo or QR code) and each terminal's sync state."""
    entry = _entry(call.hass)
    runtime = entry.runtime_data
    directory = runtime.directory
    people = sorted(
        directory.contents.people.values(), key=lambda p: (len(p.person_id), p.person_id)
    )
    return {
        "people": [p.public_dict() for p in people if not p.is_pass],
        "passes": [
            {**p.public_dict(), "uses": directory.store.uses.get(p.person_id, 0)}
            for p in people
            if p.is_pass
        ],
        "access_levels": [
            level.public_dict()
            for level in sorted(directory.contents.levels.values(), key=lambda lv: lv.key)
        ],
        "door_schedules": [
            schedule.public_dict()
            for schedule in sorted(
                directory.contents.door_schedules.values(), key=lambda ds: ds.key
            )
        ],
        "terminals": cast("dict[str, JsonValueType]", runtime.reconciler.statuses()),
        "unreadable": cast("list[JsonValueType]", directory.sources.missing()),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


type _Action = Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse | None]]


def _returns_nothing(action: Callable[[ServiceCall], Coroutine[Any, Any, None]]) -> _Action:
    async def run(call: ServiceCall) -> ServiceResponse | None:
        await action(call)
        return None

    return run


@callback
def async_setup_directory_services(hass: HomeAssistant) -> None:
    """Register the directory's actions (administrators and automations only)."""
    register = hass.services.async_register
    for name, action, schema in (
        (SERVICE_SET_PERSON, _set_person, SET_PERSON_SCHEMA),
        (SERVICE_DELETE_PERSON, _delete_person, DELETE_PERSON_SCHEMA),
        (SERVICE_SET_LEVEL, _set_level, SET_LEVEL_SCHEMA),
        (SERVICE_DELETE_LEVEL, _delete_level, DELETE_LEVEL_SCHEMA),
        (SERVICE_SET_DOOR_SCHEDULE, _set_door_schedule, SET_DOOR_SCHEDULE_SCHEMA),
        (SERVICE_DELETE_DOOR_SCHEDULE, _delete_door_schedule, DELETE_LEVEL_SCHEMA),
        (SERVICE_REVOKE_PASS, _revoke_pass, REVOKE_PASS_SCHEMA),
    ):
        register(DOMAIN, name, admin_only(_returns_nothing(action)), schema)
    register(
        DOMAIN,
        SERVICE_CREATE_PASS,
        admin_only(_create_pass),
        CREATE_PASS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        SERVICE_GET_DIRECTORY,
        admin_only(_get_directory),
        vol.Schema({}),
        supports_response=SupportsResponse.ONLY,
    )
