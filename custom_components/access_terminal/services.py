"""Services (actions) of the integration: protocol-neutral, registered once in async_setup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
import re
from typing import Any

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
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
from .protocols.model import (
    Credential,
    Credentials,
    DoorAction,
    Privilege,
    User,
)

SERVICE_OPEN_DOOR = "open_door"
SERVICE_ENROLL = "enroll"
SERVICE_SET_USER = "set_user"
SERVICE_DELETE_USER = "delete_user"
SERVICE_GET_USERS = "get_users"
SERVICE_SYNC_USERS = "sync_users"
SERVICE_PUSH_FIRMWARE = "push_firmware"
SERVICE_SYNC_TIME = "sync_time"
SERVICE_REBOOT = "reboot"
SERVICE_CLEAR_ADMINS = "clear_admins"
SERVICE_FACTORY_RESET = "factory_reset"
SERVICE_AUX_OUTPUT = "aux_output"
SERVICE_ELEVATOR_FLOORS = "elevator_floors"

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
# Erasing a terminal needs `confirm: true` (checked by the handler, with a translated error).
FACTORY_RESET_SCHEMA = vol.Schema(
    {vol.Required(ATTR_DEVICE_ID): DEVICE_IDS, vol.Optional("confirm", default=False): cv.boolean}
)
AUX_OUTPUT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): DEVICE_IDS,
        vol.Optional("output", default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
        # 0 switches the output off; 255 keeps it on (as the terminals count).
        vol.Optional("duration", default=5): vol.All(vol.Coerce(int), vol.Range(min=0, max=255)),
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


async def _delete_user(call: ServiceCall) -> None:
    user_ids: list[str] | None = call.data.get("user_id")
    if (user_ids is None) != call.data["all_users"]:
        # Neither some users nor all of them, or both: which users is unclear.
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="delete_user_which")
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


async def _clear_admins(call: ServiceCall) -> None:
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_clear_admins())


async def _reboot(call: ServiceCall) -> None:
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_reboot())


async def _factory_reset(call: ServiceCall) -> None:
    if not call.data["confirm"]:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="factory_reset_unconfirmed"
        )
    await _on_each_device(call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_factory_reset())


async def _aux_output(call: ServiceCall) -> None:
    output, duration = call.data["output"], call.data["duration"]
    await _on_each_device(
        call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_output_control(output, duration)
    )


async def _elevator_floors(call: ServiceCall) -> None:
    floors = call.data.get("floors")
    action = DoorAction(call.data["mode"])
    await _on_each_device(
        call.hass, call.data[ATTR_DEVICE_ID], lambda c: c.async_floor_control(floors, action)
    )


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
    people, firmware and restarts is for administrators.
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
    register(DOMAIN, SERVICE_CLEAR_ADMINS, admin_only(_clear_admins), DEVICES_SCHEMA)
    register(DOMAIN, SERVICE_FACTORY_RESET, admin_only(_factory_reset), FACTORY_RESET_SCHEMA)
    register(DOMAIN, SERVICE_AUX_OUTPUT, admin_only(_aux_output), AUX_OUTPUT_SCHEMA)
    register(DOMAIN, SERVICE_ELEVATOR_FLOORS, admin_only(_elevator_floors), ELEVATOR_FLOORS_SCHEMA)
