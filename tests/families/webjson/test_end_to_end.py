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

from custom_components.access_terminal.const import DOMAIN
from simulator.webjson import WebJsonSimulator
from tests.helpers import bus_events, device_id, poll, settle_until

# Every test here has the terminal's entry set up (and read once).
pytestmark = pytest.mark.usefixtures("loaded_entry")


def entity(sim: WebJsonSimulator, platform: str, key: str) -> str:
    return f"{platform}.{sim.serial.lower()}_{key}"


async def test_device_entities_and_events(hass: HomeAssistant, simulator: WebJsonSimulator) -> None:
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, simulator.serial)})
    assert device is not None
    assert (device.model, device.sw_version, device.manufacturer) == (
        "AiFace-Mars",
        "ai-2.3.18",
        "Simulated",
    )
    assert hass.states.get(entity(simulator, "sensor", "users")).state == "3"
    assert hass.states.get(entity(simulator, "binary_sensor", "door")).state == "off"
    # Its door status says nothing of alarms: no alarm or tamper sensor that stays unknown.
    assert hass.states.get(entity(simulator, "binary_sensor", "alarm")) is None
    assert hass.states.get(entity(simulator, "binary_sensor", "tamper")) is None
    events = bus_events(hass)
    simulator.open_seconds = 3600  # the poll's time jump must not close it
    simulator.record("2", mode=1, event=1)
    simulator.record("0")
    await poll(hass)
    # The door the polls saw open is a door event too (the document has no door records).
    assert [(e.data["type"], e.data["user_id"]) for e in events] == [
        ("access_granted", "2"),
        ("access_denied", None),
        ("door_opened", None),
    ]
    assert events[0].data["methods"] == ["card"]
    assert events[0].data["direction"] == "in"
    assert events[0].data["serial"] == simulator.serial
    access = hass.states.get(entity(simulator, "event", "access"))
    assert (access.attributes["event_type"], access.attributes["reason"]) == (
        "access_denied",
        "unregistered",
    )
    assert hass.states.get(entity(simulator, "binary_sensor", "door")).state == "on"
    await poll(hass)
    assert len(events) == 3  # handed over once


async def test_device_goes_away_and_comes_back(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    connectivity = entity(simulator, "binary_sensor", "connectivity")
    lock = entity(simulator, "lock", "door_lock")
    assert hass.states.get(connectivity).state == "on"
    await simulator.go_away()
    await poll(hass)
    assert hass.states.get(connectivity).state == "off"
    assert hass.states.get(lock).state == "unavailable"
    with pytest.raises(HomeAssistantError, match="Cannot connect") as caught:
        await hass.services.async_call(
            DOMAIN, "open_door", {"device_id": device_id(hass, simulator.serial)}, blocking=True
        )
    assert caught.value.translation_key == "command_failed"
    await simulator.come_back()
    simulator.record("1")
    events = bus_events(hass)
    await poll(hass)
    assert hass.states.get(connectivity).state == "on"
    assert hass.states.get(lock).state == "locked"
    assert [e.data["user_id"] for e in events] == ["1"]


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    simulator.password = "changed at the device"
    await poll(hass)
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert hass.states.get(entity(simulator, "binary_sensor", "connectivity")).state == "off"


async def test_users_through_services(hass: HomeAssistant, simulator: WebJsonSimulator) -> None:
    target = {"device_id": device_id(hass, simulator.serial)}
    await hass.services.async_call(
        DOMAIN,
        "set_user",
        {**target, "user_id": "42", "name": "Zoe", "cards": ["778899"], "enabled": False},
        blocking=True,
    )
    assert simulator.users["42"].name == "Zoe"
    assert simulator.users["42"].enabled is False
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
    assert set(simulator.users) == {"2", "3"}
    with pytest.raises(HomeAssistantError, match="numbers"):
        await hass.services.async_call(
            DOMAIN, "delete_user", {**target, "user_id": ["abc"]}, blocking=True
        )


async def test_enrollment_reports_its_outcome(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    events = bus_events(hass)
    await hass.services.async_call(
        DOMAIN,
        "enroll",
        {
            "device_id": device_id(hass, simulator.serial),
            "user_id": "7",
            "credential": "fingerprint",
            "index": 2,
        },
        blocking=True,
    )
    await settle_until(hass, lambda: any(e.data["type"] == "enrollment_finished" for e in events))
    assert 2 in simulator.users["7"].templates
    admin = hass.states.get(entity(simulator, "event", "admin_events"))
    assert admin.attributes["event_type"] == "enrollment_finished"
    assert admin.attributes["user_id"] == "7"


async def test_firmware_blocks_reassembled(
    hass: HomeAssistant, simulator: WebJsonSimulator
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
            "device_id": device_id(hass, simulator.serial),
            "file": "access_terminal/update.pkg",
            "md5": md5,
            "version": "3.0",
        },
        blocking=True,
    )
    ((name, installed_md5, installed),) = simulator.installed
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
    simulator: WebJsonSimulator,
    reason: int,
    text: str,
) -> None:
    simulator.refusals["opendoor"] = [reason]
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            "lock",
            "open",
            {ATTR_ENTITY_ID: entity(simulator, "lock", "door_lock")},
            blocking=True,
        )
    assert caught.value.translation_key == "device_error"
    assert str(caught.value) == (
        f"Access terminal {simulator.serial} reported error {reason}: {text}"
    )


async def test_time_and_reboot(hass: HomeAssistant, simulator: WebJsonSimulator) -> None:
    target = {"device_id": device_id(hass, simulator.serial)}
    simulator._clock.offset = 5000.0
    await hass.services.async_call(DOMAIN, "sync_time", target, blocking=True)
    assert abs(simulator._clock.offset) < 5
    await hass.services.async_call(DOMAIN, "reboot", target, blocking=True)
    assert simulator.reboots == 1
