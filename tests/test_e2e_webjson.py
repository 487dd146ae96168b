"""End to end: Home Assistant polls the Webserver + JSON simulator over a real socket."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from simulator.webjson import WebJsonSimulator

from .helpers import bus_events, device_id
from .pull_helpers import poll, pull_entry, until

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def entry(hass: HomeAssistant, webjson_sim: WebJsonSimulator) -> MockConfigEntry:
    entry = pull_entry(webjson_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def entity(sim: WebJsonSimulator, platform: str, key: str) -> str:
    return f"{platform}.{sim.serial.lower()}_{key}"


async def test_device_entities_and_events(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator, entry: MockConfigEntry
) -> None:
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, webjson_sim.serial)})
    assert device is not None
    assert (device.model, device.sw_version, device.manufacturer) == (
        "AiFace-Mars",
        "ai-2.3.18",
        "Simulated",
    )
    assert hass.states.get(entity(webjson_sim, "sensor", "users")).state == "3"
    assert hass.states.get(entity(webjson_sim, "binary_sensor", "door")).state == "off"
    # Its door status says nothing of alarms: no alarm or tamper sensor that stays unknown.
    assert hass.states.get(entity(webjson_sim, "binary_sensor", "alarm")) is None
    assert hass.states.get(entity(webjson_sim, "binary_sensor", "tamper")) is None
    events = bus_events(hass)
    webjson_sim.open_seconds = 3600  # the poll's time jump must not close it
    webjson_sim.record("2", mode=1, event=1)
    webjson_sim.record("0")
    await poll(hass)
    assert [(e.data["type"], e.data["user_id"]) for e in events] == [
        ("access_granted", "2"),
        ("access_denied", None),
    ]
    assert events[0].data["methods"] == ["card"]
    assert events[0].data["direction"] == "in"
    assert events[0].data["serial"] == webjson_sim.serial
    access = hass.states.get(entity(webjson_sim, "event", "access"))
    assert (access.attributes["event_type"], access.attributes["reason"]) == (
        "access_denied",
        "unregistered",
    )
    assert hass.states.get(entity(webjson_sim, "binary_sensor", "door")).state == "on"
    await poll(hass)
    assert len(events) == 2  # handed over once


async def test_lock_modes(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator, entry: MockConfigEntry
) -> None:
    lock = entity(webjson_sim, "lock", "door_lock")
    await hass.services.async_call("lock", "open", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert webjson_sim.doors_opened == 1
    await hass.services.async_call("lock", "unlock", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert webjson_sim.lock_mode == 1
    assert hass.states.get(lock).attributes["held_open"] is True
    await hass.services.async_call(
        DOMAIN,
        "open_door",
        {"device_id": device_id(hass, webjson_sim.serial), "mode": "lockout"},
        blocking=True,
    )
    assert webjson_sim.lock_mode == 2
    assert hass.states.get(lock).attributes["locked_out"] is True
    await hass.services.async_call("lock", "lock", {ATTR_ENTITY_ID: lock}, blocking=True)
    assert webjson_sim.lock_mode == 3


async def test_device_goes_away_and_comes_back(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator, entry: MockConfigEntry
) -> None:
    connectivity = entity(webjson_sim, "binary_sensor", "connectivity")
    lock = entity(webjson_sim, "lock", "door_lock")
    assert hass.states.get(connectivity).state == "on"
    await webjson_sim.go_away()
    await poll(hass)
    assert hass.states.get(connectivity).state == "off"
    assert hass.states.get(lock).state == "unavailable"
    with pytest.raises(HomeAssistantError, match="Cannot connect") as caught:
        await hass.services.async_call(
            DOMAIN, "open_door", {"device_id": device_id(hass, webjson_sim.serial)}, blocking=True
        )
    assert caught.value.translation_key == "command_failed"
    await webjson_sim.come_back()
    webjson_sim.record("1")
    events = bus_events(hass)
    await poll(hass)
    assert hass.states.get(connectivity).state == "on"
    assert hass.states.get(lock).state == "locked"
    assert [e.data["user_id"] for e in events] == ["1"]


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator, entry: MockConfigEntry
) -> None:
    webjson_sim.password = "changed at the device"
    await poll(hass)
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert hass.states.get(entity(webjson_sim, "binary_sensor", "connectivity")).state == "off"


async def test_users_through_services(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator, entry: MockConfigEntry
) -> None:
    target = {"device_id": device_id(hass, webjson_sim.serial)}
    await hass.services.async_call(
        DOMAIN,
        "set_user",
        {**target, "user_id": "42", "name": "Zoe", "cards": ["778899"], "enabled": False},
        blocking=True,
    )
    assert webjson_sim.users["42"].name == "Zoe"
    assert webjson_sim.users["42"].enabled is False
    result = await hass.services.async_call(
        DOMAIN, "get_users", {"device_id": target["device_id"]}, blocking=True, return_response=True
    )
    listed: list[dict[str, Any]] = result["users"]  # type: ignore[assignment]
    users = {user["user_id"]: user for user in listed}
    assert set(users) == {"1", "2", "3", "42"}
    assert users["42"]["cards"] == ["778899"]
    assert users["1"]["credentials"]["face"] is True
    await hass.services.async_call(
        DOMAIN, "delete_user", {**target, "user_id": ["42", "1"]}, blocking=True
    )
    assert set(webjson_sim.users) == {"2", "3"}
    with pytest.raises(HomeAssistantError, match="numbers"):
        await hass.services.async_call(
            DOMAIN, "delete_user", {**target, "user_id": ["abc"]}, blocking=True
        )


async def test_enrollment_reports_its_outcome(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator, entry: MockConfigEntry
) -> None:
    events = bus_events(hass)
    await hass.services.async_call(
        DOMAIN,
        "enroll",
        {
            "device_id": device_id(hass, webjson_sim.serial),
            "user_id": "7",
            "credential": "fingerprint",
            "index": 2,
        },
        blocking=True,
    )
    await until(hass, lambda: any(e.data["type"] == "enrollment_finished" for e in events))
    assert 2 in webjson_sim.users["7"].templates
    admin = hass.states.get(entity(webjson_sim, "event", "admin_events"))
    assert admin.attributes["event_type"] == "enrollment_finished"
    assert admin.attributes["user_id"] == "7"


async def test_firmware_blocks_reassembled(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator, entry: MockConfigEntry
) -> None:
    folder = Path(hass.config.config_dir) / "access_terminal"
    folder.mkdir(parents=True, exist_ok=True)
    data = bytes(range(256)) * 400  # 100 KiB: four blocks
    (folder / "update.pkg").write_bytes(data)
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    await hass.services.async_call(
        DOMAIN,
        "push_firmware",
        {
            "device_id": device_id(hass, webjson_sim.serial),
            "file": "access_terminal/update.pkg",
            "md5": md5,
            "version": "3.0",
        },
        blocking=True,
    )
    ((name, installed_md5, installed),) = webjson_sim.installed
    assert (name, installed_md5, installed) == ("firmware-3.0.pkg", md5, data)


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (1, "user not found or invalid parameter"),
        (3, "the device is busy"),
        (5, "no face detected in the picture"),
        (12, "the face is already registered to another user"),
    ],
)
async def test_device_errors_are_readable(
    hass: HomeAssistant,
    webjson_sim: WebJsonSimulator,
    entry: MockConfigEntry,
    reason: int,
    text: str,
) -> None:
    webjson_sim.refusals["opendoor"] = [reason]
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "lock",
            "open",
            {ATTR_ENTITY_ID: entity(webjson_sim, "lock", "door_lock")},
            blocking=True,
        )
    assert caught.value.translation_key == "device_error"
    assert str(caught.value) == (
        f"Access terminal {webjson_sim.serial} reported error {reason}: {text}"
    )


async def test_time_and_reboot(
    hass: HomeAssistant, webjson_sim: WebJsonSimulator, entry: MockConfigEntry
) -> None:
    target = {"device_id": device_id(hass, webjson_sim.serial)}
    webjson_sim._clock.offset = 5000.0
    await hass.services.async_call(DOMAIN, "sync_time", target, blocking=True)
    assert abs(webjson_sim._clock.offset) < 5
    await hass.services.async_call(DOMAIN, "reboot", target, blocking=True)
    assert webjson_sim.reboots == 1
