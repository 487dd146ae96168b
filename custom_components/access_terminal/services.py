"""Services (actions) of the integration: protocol-neutral, registered once in async_setup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
import re
from typing import Any

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import WEEKDAYS
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import ATTR_DEVICE_ID, DOMAIN
from .coordinator import AccessTerminalCoordinator
from .entity import entity_unique_id
from .files import async_read_file, validation_error
from .firmware_install import async_install, async_load_image, require_firmware_support
from .kinds import terminal_entry_of_device
from .lock import DOOR_LOCK
from .protocols.errors import InvalidRequestError
from .protocols.history import range_problem
from .protocols.linkage import LINKAGE_TRIGGERS, OUTPUT_HELD, OUTPUT_OFF
from .protocols.model import (
    AlarmReason,
    AttendanceEntry,
    AttendanceKind,
    Bell,
    BellRinger,
    ClearableData,
    Credential,
    Credentials,
    DoorAction,
    EventType,
    Linkage,
    LinkageOutput,
    Operation,
    Period,
    Privilege,
    RotaDay,
    RotaEntry,
    ScreenPictureKind,
    User,
)
from .protocols.questionnaire import MAX_SINGLE_CHOICE, MAX_TEXT as MAX_QUESTION_TEXT, Questionnaire
from .screen_picture import async_load_picture, async_set_screen_picture, require_screen_pictures

SERVICE_OPEN_DOOR = "open_door"
SERVICE_ENROLL = "enroll"
SERVICE_SET_USER = "set_user"
SERVICE_DELETE_USER = "delete_user"
SERVICE_GET_USERS = "get_users"
SERVICE_SYNC_USERS = "sync_users"
SERVICE_PUSH_FIRMWARE = "push_firmware"
SERVICE_SYNC_TIME = "sync_time"
SERVICE_REBOOT = "reboot"
SERVICE_RECOVER_RECORDS = "recover_records"
SERVICE_CLEAR_RECORDS = "clear_records"
SERVICE_FACTORY_RESET = "factory_reset"
SERVICE_AUX_OUTPUT = "aux_output"
SERVICE_TEST_HOST = "test_host"
SERVICE_ID_CARD_REGISTRATION = "id_card_registration"
SERVICE_SET_LINKAGE = "set_linkage"
SERVICE_DELETE_LINKAGE = "delete_linkage"
SERVICE_ELEVATOR_FLOORS = "elevator_floors"
SERVICE_CLEAR_DATA = "clear_data"
SERVICE_SET_BELL = "set_bell"
SERVICE_SET_SHIFT = "set_shift"
SERVICE_SET_USER_SHIFTS = "set_user_shifts"
SERVICE_DELETE_CREDENTIAL = "delete_credential"
SERVICE_SET_SCREEN_MESSAGE = "set_screen_message"
SERVICE_GET_SCREEN_MESSAGE = "get_screen_message"
SERVICE_SET_QUESTIONNAIRE = "set_questionnaire"
SERVICE_GET_QUESTIONNAIRE = "get_questionnaire"
SERVICE_CLEAR_QUESTIONNAIRE = "clear_questionnaire"
SERVICE_SET_SCREEN_PICTURE = "set_screen_picture"
SERVICE_SET_TERMINAL_ENABLED = "set_terminal_enabled"
SERVICE_ADD_ATTENDANCE = "add_attendance"
SERVICE_GET_ATTENDANCE_REPORT = "get_attendance_report"

MAX_PHOTO_BYTES = 400 * 1024
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")

DEVICE_IDS = vol.All(cv.ensure_list, [cv.string], vol.Length(min=1))
USER_ID = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=32))

USER_FIELDS: dict[vol.Marker, Any] = {
    vol.Required("user_id"): USER_ID,
    vol.Optional("name"): vol.All(cv.string, vol.Length(max=64)),
    vol.Optional("privilege", default="user"): vol.In([str(p) for p in Privilege]),
    vol.Optional("cards", default=list): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional("password"): cv.string,
    vol.Optional("valid_from"): cv.datetime,
    vol.Optional("valid_until"): cv.datetime,
    vol.Optional("enabled", default=True): cv.boolean,
    vol.Optional("department"): vol.All(cv.string, vol.Length(max=64)),
    vol.Optional("photo"): cv.string,
}

OPEN_DOOR_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Optional("door", default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
        vol.Optional("mode", default="open"): vol.In([str(a) for a in DoorAction]),
        vol.Optional("duration"): vol.All(vol.Coerce(int), vol.Range(min=1, max=3600)),
    }
)
ENROLL_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required("user_id"): USER_ID,
        vol.Required("credential"): vol.In([str(c) for c in Credential]),
        vol.Optional("index"): vol.All(vol.Coerce(int), vol.Range(min=0, max=9)),
    }
)
SET_USER_SCHEMA = vol.Schema({vol.Required(ATTR_DEVICE_ID): DEVICE_IDS, **USER_FIELDS})
DELETE_USER_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Optional("user_id"): vol.All(cv.ensure_list, [USER_ID], vol.Length(min=1)),
        # Every user of the terminals (ZK, HTTPv2, cloud `cleanuser`...): said in so many words.
        vol.Optional("all_users", default=False): cv.boolean,
    }
)
GET_USERS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional("user_id"): vol.All(cv.ensure_list, [USER_ID]),
    }
)
SYNC_USERS_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
            vol.Exclusive("users", "source"): [vol.Schema(USER_FIELDS)],
            vol.Exclusive("source_device_id", "source"): cv.string,
            vol.Optional("delete_missing", default=True): cv.boolean,
            vol.Optional("full_read", default=False): cv.boolean,
        }
    ),
    cv.has_at_least_one_key("users", "source_device_id"),
)
PUSH_FIRMWARE_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
            vol.Exclusive("file", "image"): cv.string,
            vol.Exclusive("url", "image"): cv.url,
            vol.Optional("md5"): vol.All(cv.string, vol.Match(_MD5)),
            vol.Optional("version"): cv.string,
        }
    ),
    cv.has_at_least_one_key("file", "url"),
)
DEVICES_SCHEMA = vol.Schema({vol.Required(ATTR_DEVICE_ID): DEVICE_IDS})
RECOVER_RECORDS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("start"): cv.datetime,
        vol.Optional("end"): cv.datetime,
    }
)
# Erasing a terminal needs `confirm: true` (checked by the handler, with a translated error).
FACTORY_RESET_SCHEMA = vol.Schema(
    {vol.Required(ATTR_DEVICE_ID): DEVICE_IDS, vol.Optional("confirm", default=False): cv.boolean}
)
# Clearing records needs `confirm: true` as well.
CLEAR_RECORDS_SCHEMA = FACTORY_RESET_SCHEMA
AUX_OUTPUT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Optional("output", default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
        # 0 switches the output off; 255 keeps it on (as the terminals count).
        vol.Optional("duration", default=5): vol.All(vol.Coerce(int), vol.Range(min=0, max=255)),
    }
)
_LINKAGE_INDEX = vol.All(vol.Coerce(int), vol.Range(min=1, max=255))
SET_LINKAGE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("index"): _LINKAGE_INDEX,
        vol.Required("event"): vol.In(
            list(dict.fromkeys(str(kind) for kind, _ in LINKAGE_TRIGGERS))
        ),
        # The alarm's reason, for an `alarm` trigger (tamper, duress).
        vol.Optional("reason"): vol.In([str(reason) for _, reason in LINKAGE_TRIGGERS if reason]),
        # 0: the event anywhere (any door, any auxiliary input).
        vol.Optional("source", default=0): vol.All(vol.Coerce(int), vol.Range(min=0, max=255)),
        vol.Optional("output_type", default=LinkageOutput.AUX_OUTPUT): vol.Coerce(LinkageOutput),
        vol.Optional("output", default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=255)),
        # As aux_output: 0 off (the lock closed), 255 on until told otherwise (normally open).
        vol.Optional("duration", default=5): vol.All(
            vol.Coerce(int), vol.Range(min=OUTPUT_OFF, max=OUTPUT_HELD)
        ),
    }
)
DELETE_LINKAGE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Optional("index"): _LINKAGE_INDEX,
        vol.Optional("all_linkages", default=False): cv.boolean,
    }
)
TEST_HOST_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("host"): vol.All(cv.string, vol.Strip, vol.Length(min=1, max=64)),
        vol.Required("port"): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
    }
)
ID_CARD_REGISTRATION_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        # 0: every door.
        vol.Optional("door", default=0): vol.All(vol.Coerce(int), vol.Range(min=0, max=10)),
        vol.Optional("duration", default=60): vol.All(vol.Coerce(int), vol.Range(min=1, max=255)),
        vol.Optional("enabled", default=True): cv.boolean,
    }
)
ELEVATOR_FLOORS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        # No floors: every floor.
        vol.Optional("floors"): vol.All(
            cv.ensure_list, [vol.All(vol.Coerce(int), vol.Range(min=1, max=256))], vol.Length(min=1)
        ),
        vol.Optional("mode", default="open"): vol.In([str(a) for a in DoorAction]),
    }
)
SCREEN_PICTURE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("picture"): vol.In([str(kind) for kind in ScreenPictureKind]),
        vol.Optional("index", default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=8)),
        # A file to show, or `delete` to remove the one shown there (checked by the handler).
        vol.Optional("file"): cv.string,
        vol.Optional("delete", default=False): cv.boolean,
    }
)

# Erasing data needs `confirm: true` too.
CLEAR_DATA_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("data"): vol.All(
            cv.ensure_list, [vol.In([str(item) for item in ClearableData])], vol.Length(min=1)
        ),
        vol.Optional("confirm", default=False): cv.boolean,
    }
)

DELETE_CREDENTIAL_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("user_id"): USER_ID,
        vol.Required("credential"): vol.In([str(c) for c in Credential]),
    }
)

# What a terminal's screen can show (the shortest family's limit is checked by the terminal).
SCREEN_MESSAGE = vol.All(cv.string, vol.Length(max=200))
SET_SCREEN_MESSAGE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        # No user: the message everyone sees.
        vol.Optional("user_id"): USER_ID,
        # "" takes the message away.
        vol.Required("message"): SCREEN_MESSAGE,
    }
)
GET_SCREEN_MESSAGE_SCHEMA = vol.Schema(
    {vol.Required(ATTR_DEVICE_ID): cv.string, vol.Optional("user_id"): USER_ID}
)


def _period(value: Any) -> Period:
    """Read "HH:MM-HH:MM" (a period may end after midnight, never where it starts)."""
    start, dash, end = str(value).partition("-")
    if not dash:
        raise vol.Invalid(f"{value!r} is not HH:MM-HH:MM")
    period = Period(cv.time(start.strip()), cv.time(end.strip()))
    if period.start == period.end:
        raise vol.Invalid(f"{value!r} ends where it starts")
    return period


SET_BELL_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("bell"): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
        vol.Required("time"): cv.time,
        vol.Optional("weekdays", default=list(WEEKDAYS)): vol.All(
            cv.ensure_list, [vol.In(WEEKDAYS)], vol.Length(min=1)
        ),
        vol.Optional("duration", default=5): vol.All(vol.Coerce(int), vol.Range(min=1, max=600)),
        vol.Optional("ringer", default=str(BellRinger.INTERNAL)): vol.In(
            [str(ringer) for ringer in BellRinger]
        ),
        vol.Optional("enabled", default=True): cv.boolean,
    }
)
SET_SHIFT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("shift"): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
        # No periods: the shift is emptied.
        vol.Optional("periods", default=list): vol.All(
            cv.ensure_list, [_period], vol.Length(max=8)
        ),
    }
)


def _rota_day(value: Any) -> RotaEntry:
    """Read a rota day: a shift number, or trip, leave or off."""
    text = value.strip().lower() if isinstance(value, str) else None
    if text is not None and text in set(RotaDay):
        return RotaDay(text)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif text is not None and text.isdigit():
        number = int(text)
    else:
        raise vol.Invalid(f"{value!r} is not a shift number, trip, leave or off")
    if not 1 <= number <= 64:
        raise vol.Invalid(f"shift {number} is not one of 1 to 64")
    return number


SET_USER_SHIFTS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("user_id"): vol.All(cv.string, vol.Length(min=1, max=64)),
        vol.Optional("start"): cv.date,
        # Repeated until the terminal's rota is full (a week of 7 days: a weekly rota).
        vol.Required("days"): vol.All(cv.ensure_list, [_rota_day], vol.Length(min=1, max=366)),
    }
)
_QUESTION_TEXT = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=MAX_QUESTION_TEXT))
SET_QUESTIONNAIRE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("title"): _QUESTION_TEXT,
        vol.Required("items"): vol.All(
            cv.ensure_list, [_QUESTION_TEXT], vol.Length(min=1, max=MAX_SINGLE_CHOICE)
        ),
        vol.Optional("multiple_choice", default=False): cv.boolean,
        # Answers (1-based) a multiple choice must include.
        vol.Optional("required", default=list): vol.All(
            cv.ensure_list, [vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_SINGLE_CHOICE))]
        ),
        vol.Optional("voice"): _QUESTION_TEXT,
        vol.Optional("error_message"): _QUESTION_TEXT,
        vol.Optional("enabled", default=True): cv.boolean,
        vol.Optional("start_with_card", default=False): cv.boolean,
    }
)
GET_QUESTIONNAIRE_SCHEMA = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
SET_TERMINAL_ENABLED_SCHEMA = vol.Schema(
    {vol.Required(ATTR_DEVICE_ID): DEVICE_IDS, vol.Required("enabled"): cv.boolean}
)
# Records added by hand in one call (a day's forgotten clock-ins of a team, not a log import).
MAX_ATTENDANCE_ENTRIES = 100
ADD_ATTENDANCE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Required("records"): vol.All(
            cv.ensure_list,
            [
                vol.Schema(
                    {
                        vol.Required("user_id"): USER_ID,
                        vol.Required("time"): cv.datetime,
                        vol.Optional("kind", default=str(AttendanceKind.NORMAL)): vol.In(
                            [str(kind) for kind in AttendanceKind]
                        ),
                    }
                )
            ],
            vol.Length(min=1, max=MAX_ATTENDANCE_ENTRIES),
        ),
    }
)
# A report covers at most a year.
MAX_REPORT_DAYS = 366
GET_ATTENDANCE_REPORT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required("user_id"): USER_ID,
        vol.Required("start"): cv.date,
        vol.Required("end"): cv.date,
    }
)


@callback
def _coordinator(hass: HomeAssistant, device_id: str) -> AccessTerminalCoordinator:
    device = dr.async_get(hass).async_get(device_id)
    terminal = None if device is None else terminal_entry_of_device(hass, device)
    if device is None or terminal is None:
        raise validation_error("unknown_device", device_id=device_id)
    if terminal.state is not ConfigEntryState.LOADED:
        raise validation_error("device_not_loaded", name=device.name or device_id)
    return terminal.runtime_data.coordinator


async def _on_each_device(
    hass: HomeAssistant,
    device_ids: Sequence[str],
    action: Callable[[AccessTerminalCoordinator], Awaitable[Any]],
) -> list[Any]:
    """Run `action` on every device at once; report every failure, naming what succeeded."""
    coordinators = [_coordinator(hass, device_id) for device_id in device_ids]
    results = await asyncio.gather(
        *(action(coordinator) for coordinator in coordinators), return_exceptions=True
    )
    failures = [
        (coordinator, result)
        for coordinator, result in zip(coordinators, results, strict=True)
        if isinstance(result, BaseException)
    ]
    if len(coordinators) == 1 and failures:
        raise failures[0][1]
    if failures:
        failed = {coordinator.serial for coordinator, _ in failures}
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="some_devices_failed",
            translation_placeholders={
                "failed": "; ".join(f"{c.serial}: {error}" for c, error in failures),
                "succeeded": ", ".join(c.serial for c in coordinators if c.serial not in failed)
                or "-",
            },
        )
    return list(results)


async def _user_from_call(hass: HomeAssistant, data: dict[str, Any]) -> User:
    photo = None
    if "photo" in data:
        photo = await async_read_file(hass, data["photo"], MAX_PHOTO_BYTES)
    valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise validation_error("invalid_validity")
    return User(
        user_id=data["user_id"],
        name=data.get("name"),
        privilege=Privilege(data["privilege"]),
        cards=tuple(card.strip() for card in data["cards"] if card.strip()),
        password=data.get("password"),
        valid_from=None if valid_from is None else dt_util.as_utc(valid_from),
        valid_until=None if valid_until is None else dt_util.as_utc(valid_until),
        enabled=data["enabled"],
        department=data.get("department"),
        credentials=Credentials(photo=photo),
    )


async def _check_door_rights(call: ServiceCall) -> None:
    """Refuse a person who may not control the door's lock entity (as lock.open refuses them).

    Automations and scripts have no user. A door without a lock entity is for administrators.
    """
    if not call.context.user_id:
        return
    hass = call.hass
    user = await hass.auth.async_get_user(call.context.user_id)
    if user is None:
        raise UnknownUser(context=call.context)
    if user.permissions.access_all_entities(POLICY_CONTROL):
        return
    registry = er.async_get(hass)
    for device_id in call.data[ATTR_DEVICE_ID]:
        coordinator = _coordinator(hass, device_id)
        lock = registry.async_get_entity_id(
            "lock", DOMAIN, entity_unique_id(coordinator.serial, DOOR_LOCK.key, call.data["door"])
        )
        allowed = user.permissions.check_entity(lock, POLICY_CONTROL) if lock else user.is_admin
        if not allowed:
            raise Unauthorized(context=call.context, entity_id=lock, permission=POLICY_CONTROL)


async def _open_door(call: ServiceCall) -> None:
    action = DoorAction(call.data["mode"])
    await _check_door_rights(call)
    await _on_each_device(
        call.hass,
        call.data[ATTR_DEVICE_ID],
        lambda c: c.async_door_control(call.data["door"], action, call.data.get("duration")),
    )


async def _enroll(call: ServiceCall) -> None:
    coordinator = _coordinator(call.hass, call.data[ATTR_DEVICE_ID])
    await coordinator.async_enroll(
        call.data["user_id"], Credential(call.data["credential"]), call.data.get("index")
    )


async def _set_user(call: ServiceCall) -> None:
    user = await _user_from_call(call.hass, dict(call.data))
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.users.async_set([user]))


def _some_or_all(call: ServiceCall, key: str, every: str, error: str) -> Any:
    """Return the call's `key` (None: all of them, with `every` set).

    Neither `key` nor `every`, or both: which ones is unclear (translated error `error`).
    """
    chosen = call.data.get(key)
    if (chosen is None) != call.data[every]:
        raise validation_error(error)
    return chosen


async def _delete_user(call: ServiceCall) -> None:
    user_ids: list[str] | None = _some_or_all(call, "user_id", "all_users", "delete_user_which")
    await _on_each_device(
        call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.users.async_delete(user_ids)
    )


async def _get_users(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call.data[ATTR_DEVICE_ID])
    users = await coordinator.users.async_get(call.data.get("user_id"))
    return {"users": [user.public_dict() for user in users]}


async def _sync_users(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    if "source_device_id" in call.data:
        source = _coordinator(hass, call.data["source_device_id"])
        desired = await source.users.async_get(with_credentials=True)
    else:
        desired = [await _user_from_call(hass, dict(item)) for item in call.data["users"]]
    device_ids = call.data[ATTR_DEVICE_ID]
    plans = await _on_each_device(
        hass,
        device_ids,
        lambda c: c.users.async_sync(
            desired,
            delete_missing=call.data["delete_missing"],
            full_read=call.data["full_read"],
        ),
    )
    return {
        "devices": {
            device_id: {
                "written": [user.user_id for user in plan.to_write],
                "deleted": list(plan.to_delete),
                "unchanged": plan.unchanged,
            }
            for device_id, plan in zip(device_ids, plans, strict=True)
        }
    }


async def _push_firmware(call: ServiceCall) -> None:
    hass = call.hass
    for device in call.data[ATTR_DEVICE_ID]:
        # Refused before any download: some families have no firmware command at all.
        require_firmware_support(_coordinator(hass, device))
    data, md5 = await async_load_image(
        hass, file=call.data.get("file"), url=call.data.get("url"), md5=call.data.get("md5")
    )
    version = call.data.get("version")
    await _on_each_device(
        hass,
        call.data[ATTR_DEVICE_ID],
        lambda coordinator: async_install(hass, coordinator, data, md5, version),
    )


async def _sync_time(call: ServiceCall) -> None:
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_sync_time())


async def _reboot(call: ServiceCall) -> None:
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_reboot())


def _require_confirmation(call: ServiceCall, key: str) -> None:
    """Refuse an erasing action not confirmed with `confirm: true` (translated as `key`)."""
    if call.data["confirm"] is not True:
        raise validation_error(key)


async def _recover_records(call: ServiceCall) -> ServiceResponse:
    now = dt_util.utcnow()
    start = dt_util.as_utc(call.data["start"])
    end = dt_util.as_utc(call.data["end"]) if "end" in call.data else now
    if (problem := range_problem(start, end, now)) is not None:
        raise validation_error(f"records_{problem}")
    device_ids = call.data[ATTR_DEVICE_ID]
    results = await _on_each_device(
        call.hass, device_ids, lambda c: c.async_recover_records(start, end)
    )
    return {"devices": dict(zip(device_ids, results, strict=True))}


async def _clear_records(call: ServiceCall) -> None:
    _require_confirmation(call, "clear_records_unconfirmed")
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_clear_records())


async def _factory_reset(call: ServiceCall) -> None:
    _require_confirmation(call, "factory_reset_unconfirmed")
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_factory_reset())


async def _clear_data(call: ServiceCall) -> None:
    _require_confirmation(call, "clear_data_unconfirmed")
    what = frozenset(ClearableData(item) for item in call.data["data"])
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_clear_data(what))


async def _set_bell(call: ServiceCall) -> None:
    data = call.data
    bell = Bell(
        number=data["bell"],
        start=data["time"] if data["enabled"] else None,
        weekdays=frozenset(WEEKDAYS.index(day) for day in data["weekdays"]),
        seconds=data["duration"],
        ringer=BellRinger(data["ringer"]),
    )
    await _on_each_device(call.hass, data[ATTR_DEVICE_ID], lambda c: c.async_set_bell(bell))


async def _set_shift(call: ServiceCall) -> None:
    shift, periods = call.data["shift"], call.data["periods"]
    await _on_each_device(
        call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_set_shift(shift, periods)
    )


async def _set_user_shifts(call: ServiceCall) -> ServiceResponse:
    user_id, days = call.data["user_id"], call.data["days"]
    start = call.data.get("start") or dt_util.now().date()
    device_ids = call.data[ATTR_DEVICE_ID]
    held = await _on_each_device(
        call.hass, device_ids, lambda c: c.async_set_user_shifts(user_id, start, days)
    )
    return {
        "start": start.isoformat(),
        "devices": {
            device_id: [str(day) if isinstance(day, RotaDay) else day for day in rota]
            for device_id, rota in zip(device_ids, held, strict=True)
        },
    }


async def _aux_output(call: ServiceCall) -> None:
    output, duration = call.data["output"], call.data["duration"]
    await _on_each_device(
        call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_output_control(output, duration)
    )


async def _set_linkage(call: ServiceCall) -> None:
    linkage = Linkage(
        index=call.data["index"],
        trigger=EventType(call.data["event"]),
        source=call.data["source"],
        output=call.data["output_type"],
        number=call.data["output"],
        seconds=call.data["duration"],
        reason=AlarmReason(call.data["reason"]) if "reason" in call.data else None,
    )
    await _on_each_device(
        call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_set_linkage(linkage)
    )


async def _delete_linkage(call: ServiceCall) -> None:
    index: int | None = _some_or_all(call, "index", "all_linkages", "delete_linkage_which")
    await _on_each_device(
        call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_delete_linkages(index)
    )


async def _id_card_registration(call: ServiceCall) -> None:
    door, seconds, enabled = call.data["door"], call.data["duration"], call.data["enabled"]
    await _on_each_device(
        call.hass,
        call.data[ATTR_DEVICE_ID],
        lambda c: c.async_id_card_registration(door, seconds, enabled),
    )


async def _test_host(call: ServiceCall) -> ServiceResponse:
    host, port = call.data["host"], call.data["port"]
    device_ids = call.data[ATTR_DEVICE_ID]
    results = await _on_each_device(call.hass, device_ids, lambda c: c.async_test_host(host, port))
    return {
        "devices": {
            device: {"reachable": result}
            for device, result in zip(device_ids, results, strict=True)
        }
    }


async def _elevator_floors(call: ServiceCall) -> None:
    floors = call.data.get("floors")
    action = DoorAction(call.data["mode"])
    await _on_each_device(
        call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_floor_control(floors, action)
    )


async def _delete_credential(call: ServiceCall) -> None:
    credential = Credential(call.data["credential"])

    async def delete(coordinator: AccessTerminalCoordinator) -> None:
        user_id = await coordinator.users.async_canonical_id(call.data["user_id"])
        await coordinator.async_call(coordinator.terminal.delete_credential(user_id, credential))

    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], delete)


async def _canonical_user(
    coordinator: AccessTerminalCoordinator, user_id: str | None
) -> str | None:
    return None if user_id is None else await coordinator.users.async_canonical_id(user_id)


async def _set_screen_message(call: ServiceCall) -> None:
    text = call.data["message"]
    if any(not character.isprintable() for character in text):
        raise validation_error("screen_message_invalid")

    async def write(coordinator: AccessTerminalCoordinator) -> None:
        user_id = await _canonical_user(coordinator, call.data.get("user_id"))
        await coordinator.async_call(coordinator.terminal.set_screen_message(user_id, text))

    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], write)


async def _get_screen_message(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call.data[ATTR_DEVICE_ID])
    user_id = await _canonical_user(coordinator, call.data.get("user_id"))
    text = await coordinator.async_call(coordinator.terminal.get_screen_message(user_id))
    return {"message": text or ""}


async def _set_questionnaire(call: ServiceCall) -> None:
    data = call.data
    questionnaire = Questionnaire(
        title=data["title"],
        items=tuple(data["items"]),
        multiple_choice=data["multiple_choice"],
        required=tuple(sorted(set(data["required"]))),
        voice=data.get("voice"),
        error_message=data.get("error_message"),
        enabled=data["enabled"],
        start_with_card=data["start_with_card"],
    )
    try:
        questionnaire.check()
    except InvalidRequestError as err:
        raise validation_error("questionnaire_invalid", error=str(err)) from err
    await _on_each_device(
        call.hass,
        call.data[ATTR_DEVICE_ID],
        lambda c: c.async_call(c.terminal.set_questionnaire(questionnaire)),
    )


async def _get_questionnaire(call: ServiceCall) -> ServiceResponse:
    coordinator = _coordinator(call.hass, call.data[ATTR_DEVICE_ID])
    held = await coordinator.async_call(coordinator.terminal.get_questionnaire())
    return {"questionnaire": None if held is None else held.as_dict()}


async def _clear_questionnaire(call: ServiceCall) -> None:
    await _on_each_device(
        call.hass,
        call.data[ATTR_DEVICE_ID],
        lambda c: c.async_call(c.terminal.clear_questionnaire()),
    )


async def _set_screen_picture(call: ServiceCall) -> None:
    hass, data = call.hass, call.data
    if data["delete"] == ("file" in data):
        raise validation_error("screen_picture_file_or_delete")
    for device in data[ATTR_DEVICE_ID]:
        # Refused before the file is read: most families show no pictures of one's own.
        require_screen_pictures(_coordinator(hass, device))
    picture = None if data["delete"] else await async_load_picture(hass, data["file"])
    kind, index = ScreenPictureKind(data["picture"]), data["index"]
    await _on_each_device(
        hass,
        data[ATTR_DEVICE_ID],
        lambda coordinator: async_set_screen_picture(hass, coordinator, kind, index, picture),
    )


async def _set_terminal_enabled(call: ServiceCall) -> None:
    enabled = call.data["enabled"]
    await _on_each_device(
        call.hass,
        call.data[ATTR_DEVICE_ID],
        lambda c: c.async_call(c.terminal.set_enabled(enabled)),
    )


async def _add_attendance(call: ServiceCall) -> None:
    now = dt_util.utcnow()
    entries = []
    for item in call.data["records"]:
        moment = dt_util.as_utc(item["time"])
        if moment > now:
            raise validation_error("attendance_in_future", time=item["time"].isoformat())
        entries.append((item["user_id"], moment, AttendanceKind(item["kind"])))

    async def add(coordinator: AccessTerminalCoordinator) -> None:
        async with coordinator.errors():
            coordinator.terminal.require(Operation.ADD_ATTENDANCE)
        records = [
            AttendanceEntry(
                user_id=await coordinator.users.async_canonical_id(user_id), time=moment, kind=kind
            )
            for user_id, moment, kind in entries
        ]
        await coordinator.async_call(coordinator.terminal.add_attendance(records))

    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], add)


async def _get_attendance_report(call: ServiceCall) -> ServiceResponse:
    first, last = call.data["start"], call.data["end"]
    if last < first:
        raise validation_error("report_reversed")
    if (last - first).days >= MAX_REPORT_DAYS:
        raise validation_error("report_too_long", days=str(MAX_REPORT_DAYS))
    coordinator = _coordinator(call.hass, call.data[ATTR_DEVICE_ID])
    async with coordinator.errors():
        coordinator.terminal.require(Operation.ATTENDANCE_REPORT)
    user_id = await coordinator.users.async_canonical_id(call.data["user_id"])
    report = await coordinator.async_call(
        coordinator.terminal.attendance_report(user_id, first, last)
    )
    return {
        "user_id": user_id,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "report": report,
    }


type Handler = Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse | None]]


def admin_only(handler: Handler) -> Handler:
    """Refuse people who are not administrators (automations and scripts have no user).

    As Home Assistant's own admin services do; written here because those cannot return data.
    """

    async def run(call: ServiceCall) -> ServiceResponse | None:
        if call.context.user_id:
            user = await call.hass.auth.async_get_user(call.context.user_id)
            if user is None:
                raise UnknownUser(context=call.context)
            if not user.is_admin:
                raise Unauthorized(context=call.context)
        return await handler(call)

    return run


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every service of the integration.

    Opening doors and setting clocks are for every user (as the lock entities are); managing
    people, firmware, restarts and the terminals' records is for administrators.
    """
    register = hass.services.async_register
    register(DOMAIN, SERVICE_OPEN_DOOR, _open_door, OPEN_DOOR_SCHEMA)
    register(DOMAIN, SERVICE_SYNC_TIME, _sync_time, DEVICES_SCHEMA)
    register(DOMAIN, SERVICE_ENROLL, admin_only(_enroll), ENROLL_SCHEMA)
    register(DOMAIN, SERVICE_SET_USER, admin_only(_set_user), SET_USER_SCHEMA)
    register(DOMAIN, SERVICE_DELETE_USER, admin_only(_delete_user), DELETE_USER_SCHEMA)
    register(
        DOMAIN,
        SERVICE_GET_USERS,
        admin_only(_get_users),
        GET_USERS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(
        DOMAIN,
        SERVICE_SYNC_USERS,
        admin_only(_sync_users),
        SYNC_USERS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(DOMAIN, SERVICE_PUSH_FIRMWARE, admin_only(_push_firmware), PUSH_FIRMWARE_SCHEMA)
    register(DOMAIN, SERVICE_REBOOT, admin_only(_reboot), DEVICES_SCHEMA)
    register(
        DOMAIN,
        SERVICE_RECOVER_RECORDS,
        admin_only(_recover_records),
        RECOVER_RECORDS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(DOMAIN, SERVICE_CLEAR_RECORDS, admin_only(_clear_records), CLEAR_RECORDS_SCHEMA)
    register(DOMAIN, SERVICE_FACTORY_RESET, admin_only(_factory_reset), FACTORY_RESET_SCHEMA)
    register(DOMAIN, SERVICE_AUX_OUTPUT, admin_only(_aux_output), AUX_OUTPUT_SCHEMA)
    register(DOMAIN, SERVICE_ELEVATOR_FLOORS, admin_only(_elevator_floors), ELEVATOR_FLOORS_SCHEMA)
    register(DOMAIN, SERVICE_SET_LINKAGE, admin_only(_set_linkage), SET_LINKAGE_SCHEMA)
    register(DOMAIN, SERVICE_DELETE_LINKAGE, admin_only(_delete_linkage), DELETE_LINKAGE_SCHEMA)
    register(
        DOMAIN,
        SERVICE_ID_CARD_REGISTRATION,
        admin_only(_id_card_registration),
        ID_CARD_REGISTRATION_SCHEMA,
    )
    register(
        DOMAIN,
        SERVICE_TEST_HOST,
        admin_only(_test_host),
        TEST_HOST_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(DOMAIN, SERVICE_CLEAR_DATA, admin_only(_clear_data), CLEAR_DATA_SCHEMA)
    register(DOMAIN, SERVICE_SET_BELL, admin_only(_set_bell), SET_BELL_SCHEMA)
    register(DOMAIN, SERVICE_SET_SHIFT, admin_only(_set_shift), SET_SHIFT_SCHEMA)
    register(
        DOMAIN,
        SERVICE_SET_USER_SHIFTS,
        admin_only(_set_user_shifts),
        SET_USER_SHIFTS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    for name, handler, schema in (
        (SERVICE_DELETE_CREDENTIAL, _delete_credential, DELETE_CREDENTIAL_SCHEMA),
        (SERVICE_SET_QUESTIONNAIRE, _set_questionnaire, SET_QUESTIONNAIRE_SCHEMA),
        (SERVICE_CLEAR_QUESTIONNAIRE, _clear_questionnaire, DEVICES_SCHEMA),
        (SERVICE_SET_SCREEN_MESSAGE, _set_screen_message, SET_SCREEN_MESSAGE_SCHEMA),
        (SERVICE_SET_TERMINAL_ENABLED, _set_terminal_enabled, SET_TERMINAL_ENABLED_SCHEMA),
        (SERVICE_ADD_ATTENDANCE, _add_attendance, ADD_ATTENDANCE_SCHEMA),
    ):
        register(DOMAIN, name, admin_only(handler), schema)
    for name, reader, schema in (
        (SERVICE_GET_QUESTIONNAIRE, _get_questionnaire, GET_QUESTIONNAIRE_SCHEMA),
        (SERVICE_GET_SCREEN_MESSAGE, _get_screen_message, GET_SCREEN_MESSAGE_SCHEMA),
        (SERVICE_GET_ATTENDANCE_REPORT, _get_attendance_report, GET_ATTENDANCE_REPORT_SCHEMA),
    ):
        register(DOMAIN, name, admin_only(reader), schema, supports_response=SupportsResponse.ONLY)
    register(
        DOMAIN,
        SERVICE_SET_SCREEN_PICTURE,
        admin_only(_set_screen_picture),
        SCREEN_PICTURE_SCHEMA,
    )
