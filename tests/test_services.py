"""Services: input validation, device errors, and each service end to end with the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import hashlib
from pathlib import Path
import threading
from typing import Any
from unittest.mock import patch

from aiohttp import web
from homeassistant.core import Context, HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.access_terminal.const import (
    CONF_COMMAND_TIMEOUT,
    CONF_FAMILY,
    CONF_ONLINE_AUTHORIZATION,
    CONF_SERIAL,
    DOMAIN,
)
from simulator.httpv2 import HttpV2Simulator

from .families.httpv2.device import HttpV2Device
from .helpers import TestClient, bus_events, device_id, with_device
from .terminals import HTTPV2_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")
OTHER = "FC-8200H00000002"


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, **kwargs)


def short_timeouts(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    hass.config_entries.async_update_entry(entry, options={CONF_COMMAND_TIMEOUT: 0.3})


# -- who is targeted -----------------------------------------------------------------------


async def test_unknown_device(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "reboot", {"device_id": "nope"})
    assert err.value.translation_key == "unknown_device"


async def test_device_of_another_integration(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("demo", "x")}
    )
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "reboot", {"device_id": foreign.id})
    assert err.value.translation_key == "unknown_device"


async def test_device_not_loaded(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    target = device_id(hass, HTTPV2_SERIAL)
    await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "reboot", {"device_id": target})
    assert err.value.translation_key == "device_not_loaded"


# -- what the family cannot do -----------------------------------------------------------


@pytest.mark.usefixtures("init_integration")
async def test_timed_opening_not_supported(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "open_door", {"device_id": device_id(hass, HTTPV2_SERIAL), "duration": 10})
    assert err.value.translation_key == "not_supported"
    assert err.value.translation_placeholders["operation"] == "timed_open"
    assert simulator.door_commands == []


@pytest.mark.usefixtures("init_integration")
async def test_second_door_refused(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "open_door", {"device_id": device_id(hass, HTTPV2_SERIAL), "door": 2})
    assert err.value.translation_key == "invalid_request"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"user_id": "abc"}, "must be a number"),
        ({"user_id": "5", "cards": ["1", "2"]}, "one card"),
        ({"user_id": "5", "password": "12"}, "4 to 8 digits"),
        ({"user_id": "5", "valid_from": "2999-01-01 00:00:00"}, "validity start"),
    ],
)
async def test_user_the_family_cannot_hold(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
    fields: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "set_user", {"device_id": device_id(hass, HTTPV2_SERIAL), **fields})
    assert err.value.translation_key == "invalid_request"
    assert message in err.value.translation_placeholders["error"]
    # Nothing half-done: no work was queued for the device.
    assert await simulator.keepalive_cycle() == {"Success": 1}


@pytest.mark.usefixtures("init_integration")
async def test_validity_order(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "set_user",
            {
                "device_id": device_id(hass, HTTPV2_SERIAL),
                "user_id": "5",
                "valid_from": "2030-01-02 00:00:00",
                "valid_until": "2030-01-01 00:00:00",
            },
        )
    assert err.value.translation_key == "invalid_validity"


@pytest.mark.usefixtures("init_integration")
async def test_photo_files(hass: HomeAssistant, simulator: HttpV2Simulator, tmp_path: Path) -> None:
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "secrets.yaml").write_text("password: hunter2")
    (tmp_path / "access_terminal").mkdir()
    (tmp_path / "access_terminal" / "huge.jpg").write_bytes(b"\xff" * (401 * 1024))
    base = {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "5"}
    cases = [
        ("../../etc/passwd", "file_not_allowed"),
        ("secrets.yaml", "file_not_allowed"),  # never shipped to a device
        (".storage/auth", "file_not_allowed"),
        ("access_terminal/missing.jpg", "file_unreadable"),
        ("access_terminal/huge.jpg", "file_too_large"),
    ]
    for photo, key in cases:
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "set_user", {**base, "photo": photo})
        assert err.value.translation_key == key


@pytest.mark.usefixtures("init_integration")
async def test_user_with_photo_reaches_the_device(
    hass: HomeAssistant, simulator: HttpV2Simulator, tmp_path: Path
) -> None:
    hass.config.config_dir = str(tmp_path)
    photo = simulator.record_photo(simulator.queue_access(3, "0")["RecordID"]) or b""
    (tmp_path / "access_terminal").mkdir()
    (tmp_path / "access_terminal" / "alice.jpg").write_bytes(photo)
    data = {
        "device_id": device_id(hass, HTTPV2_SERIAL),
        "user_id": "8",
        "name": "Alice",
        "photo": "access_terminal/alice.jpg",
    }
    await with_device(hass, simulator, call(hass, "set_user", data))
    assert simulator.users[8]["Name"] == "Alice"
    assert simulator._photos[8] == photo


# -- timeouts ----------------------------------------------------------------------------


async def test_door_command_times_out_and_is_withdrawn(
    hass: HomeAssistant, simulator: HttpV2Simulator, init_integration: MockConfigEntry
) -> None:
    short_timeouts(hass, init_integration)
    await hass.async_block_till_done()
    await simulator.keepalive_cycle()  # online after the reload
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "open_door", {"device_id": device_id(hass, HTTPV2_SERIAL)})
    assert err.value.translation_key == "timeout"
    # The late device is not told to open the door any more.
    assert await simulator.keepalive_cycle() == {"Success": 1}
    assert simulator.door_commands == []


async def test_offline_device_timeout_says_so(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, client: TestClient
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_COMMAND_TIMEOUT: 0.2})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "reboot", {"device_id": device_id(hass, HTTPV2_SERIAL)})
    assert err.value.translation_key == "timeout_offline"
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "set_user", {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "3"})
    assert err.value.translation_key == "timeout_queued_offline"


async def test_queued_user_delivered_when_device_returns(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    make_simulator: Callable[..., Awaitable[HttpV2Simulator]],
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_COMMAND_TIMEOUT: 0.2})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    with pytest.raises(HomeAssistantError):
        await call(
            hass,
            "set_user",
            {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "3", "name": "C"},
        )
    # Home Assistant restarts before the device shows up: the change is kept.
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    simulator = await make_simulator()
    await simulator.keepalive_cycle()
    assert simulator.users[3]["Name"] == "C"


async def test_some_devices_fail(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    init_integration: MockConfigEntry,
) -> None:
    short_timeouts(hass, init_integration)
    silent = MockConfigEntry(
        domain=DOMAIN,
        unique_id=OTHER,
        data={CONF_FAMILY: "httpv2", CONF_SERIAL: OTHER},
        options={CONF_COMMAND_TIMEOUT: 0.3},
    )
    silent.add_to_hass(hass)
    assert await hass.config_entries.async_setup(silent.entry_id)
    await hass.async_block_till_done()
    targets = [device_id(hass, HTTPV2_SERIAL), device_id(hass, OTHER)]
    with pytest.raises(HomeAssistantError) as err:
        await with_device(hass, simulator, call(hass, "reboot", {"device_id": targets}))
    assert err.value.translation_key == "some_devices_failed"
    assert OTHER in err.value.translation_placeholders["failed"]
    assert err.value.translation_placeholders["succeeded"] == HTTPV2_SERIAL
    assert simulator.restarts == 1


# -- each service with the simulated terminal --------------------------------------------


@pytest.mark.usefixtures("init_integration")
async def test_enroll_face(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    simulator.add_demo_users(1)
    events = bus_events(hass)
    data = {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "1", "credential": "face"}
    await with_device(hass, simulator, call(hass, "enroll", data))
    await hass.async_block_till_done()
    assert simulator.users[1].get("FaceFeature")
    admin = hass.states.get(f"event.{ENTITY}_admin_events")
    assert admin.attributes["event_type"] == "enrollment_finished"
    assert admin.attributes["user_id"] == "1"
    assert [e.data["type"] for e in events] == ["enrollment_finished"]


@pytest.mark.usefixtures("init_integration")
async def test_enroll_unknown_user_fails_readably(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    data = {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "77", "credential": "card"}
    await with_device(hass, simulator, call(hass, "enroll", data))
    await hass.async_block_till_done()
    admin = hass.states.get(f"event.{ENTITY}_admin_events")
    assert admin.attributes["event_type"] == "enrollment_failed"
    assert admin.attributes["detail"] == "cancelled at the device"


@pytest.mark.usefixtures("init_integration")
async def test_enroll_fingerprint_on_a_face_only_terminal(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "enroll",
            {
                "device_id": device_id(hass, HTTPV2_SERIAL),
                "user_id": "1",
                "credential": "fingerprint",
            },
        )
    assert err.value.translation_key == "not_supported"


@pytest.mark.usefixtures("init_integration")
async def test_sync_users_sends_only_changes(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    simulator.add_demo_users(3)  # people added at the device; the list below replaces them
    users = [
        {"user_id": str(n), "name": f"Person {n}", "cards": [str(9000 + n)]} for n in range(10, 20)
    ]
    data = {"device_id": device_id(hass, HTTPV2_SERIAL), "users": users}
    result = await with_device(
        hass, simulator, call(hass, "sync_users", data, return_response=True), 8
    )
    plan = result["devices"][device_id(hass, HTTPV2_SERIAL)]
    assert len(plan["written"]) == 10
    assert sorted(plan["deleted"]) == ["1", "2", "3"]
    assert sorted(simulator.users) == list(range(10, 20))

    users[4]["name"] = "Renamed"
    downloads = len(simulator.download_results)
    result = await with_device(
        hass, simulator, call(hass, "sync_users", data, return_response=True), 8
    )
    plan = result["devices"][device_id(hass, HTTPV2_SERIAL)]
    assert plan == {"written": ["14"], "deleted": [], "unchanged": 9}
    assert simulator.users[14]["Name"] == "Renamed"
    assert [r["SuccessCount"] for r in simulator.download_results[downloads:]] == [1]


@pytest.mark.usefixtures("init_integration")
async def test_sync_users_from_another_terminal(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    make_simulator: Callable[..., Awaitable[HttpV2Simulator]],
) -> None:
    other_entry = MockConfigEntry(
        domain=DOMAIN, unique_id=OTHER, data={CONF_FAMILY: "httpv2", CONF_SERIAL: OTHER}
    )
    other_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other_entry.entry_id)
    source = await make_simulator(OTHER)
    source.add_demo_users(4)
    await source.keepalive_cycle()

    async def both_poll() -> None:
        await source.keepalive_cycle()

    sim_cycle = simulator.keepalive_cycle

    async def cycle() -> dict[str, Any] | None:
        await both_poll()
        return await sim_cycle()

    simulator.keepalive_cycle = cycle  # type: ignore[method-assign]
    data = {"device_id": device_id(hass, HTTPV2_SERIAL), "source_device_id": device_id(hass, OTHER)}
    await with_device(hass, simulator, call(hass, "sync_users", data), 8)
    assert sorted(simulator.users) == [1, 2, 3, 4]
    assert simulator.users[2]["Name"] == source.users[2]["Name"]


@pytest.mark.usefixtures("init_integration")
async def test_get_users_by_id(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    simulator.add_demo_users(3)
    response = await with_device(
        hass,
        simulator,
        call(
            hass,
            "get_users",
            {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": ["2", "99"]},
            return_response=True,
        ),
    )
    assert [user["user_id"] for user in response["users"]] == ["2"]


@pytest.fixture
def firmware_dir(hass: HomeAssistant, client: TestClient, tmp_path: Path) -> Path:
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "access_terminal").mkdir()
    return tmp_path / "access_terminal"


@pytest.mark.usefixtures("init_integration")
async def test_push_firmware_from_a_file(
    hass: HomeAssistant, simulator: HttpV2Simulator, client: TestClient, firmware_dir: Path
) -> None:
    await async_process_ha_core_config(hass, {"internal_url": str(client.make_url("")).rstrip("/")})
    image = b"FIRMWARE" * 5000
    (firmware_dir / "fw.bin").write_bytes(image)
    data = {
        "device_id": device_id(hass, HTTPV2_SERIAL),
        "file": "access_terminal/fw.bin",
        "md5": hashlib.md5(image).hexdigest().upper(),  # noqa: S324
        "version": "8.47",
    }
    await with_device(hass, simulator, call(hass, "push_firmware", data))
    assert simulator.firmware_installs[-1]["md5_ok"] is True
    assert simulator.firmware_installs[-1]["size"] == len(image)
    assert simulator.firmware_version == "8.47"
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    registry_device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, HTTPV2_SERIAL)})
    assert registry_device is not None
    assert registry_device.sw_version == "8.47"
    # The URL was single-use.
    url = simulator.remote_commands[-1]["PushSoftware"]["SoftwareURL"]
    response = await client.get(url.replace(str(client.make_url("")).rstrip("/"), ""))
    assert response.status == 404


@pytest.mark.usefixtures("init_integration")
async def test_push_firmware_from_a_url(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    client: TestClient,
    aiohttp_server: Any,
    firmware_dir: Path,
) -> None:
    await async_process_ha_core_config(hass, {"internal_url": str(client.make_url("")).rstrip("/")})
    image = b"\x01\x02" * 3000

    async def firmware(_: web.Request) -> web.Response:
        return web.Response(body=image)

    async def gone(_: web.Request) -> web.Response:
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/fw.bin", firmware)
    app.router.add_get("/gone.bin", gone)
    server = await aiohttp_server(app)
    url = str(server.make_url("/fw.bin"))
    await with_device(
        hass,
        simulator,
        call(hass, "push_firmware", {"device_id": device_id(hass, HTTPV2_SERIAL), "url": url}),
    )
    assert simulator.firmware_installs[-1]["md5_ok"] is True
    with pytest.raises(HomeAssistantError) as err:
        await call(
            hass,
            "push_firmware",
            {"device_id": device_id(hass, HTTPV2_SERIAL), "url": str(server.make_url("/gone.bin"))},
        )
    assert err.value.translation_key == "download_failed"


@pytest.mark.usefixtures("init_integration")
async def test_push_firmware_wrong_md5(
    hass: HomeAssistant, simulator: HttpV2Simulator, firmware_dir: Path
) -> None:
    (firmware_dir / "fw.bin").write_bytes(b"image")
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "push_firmware",
            {
                "device_id": device_id(hass, HTTPV2_SERIAL),
                "file": "access_terminal/fw.bin",
                "md5": "0" * 32,
            },
        )
    assert err.value.translation_key == "md5_mismatch"
    assert simulator.firmware_installs == []


@pytest.mark.usefixtures("init_integration")
async def test_push_firmware_not_downloaded(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    client: TestClient,
    firmware_dir: Path,
) -> None:
    # Home Assistant's local URL points nowhere the device can reach.
    await async_process_ha_core_config(hass, {"internal_url": "http://127.0.0.1:9"})
    (firmware_dir / "fw.bin").write_bytes(b"image")
    with patch("custom_components.access_terminal.firmware_install.FIRMWARE_DOWNLOAD_TIMEOUT", 0.3):
        push = call(
            hass,
            "push_firmware",
            {"device_id": device_id(hass, HTTPV2_SERIAL), "file": "access_terminal/fw.bin"},
        )
        with pytest.raises(HomeAssistantError) as err:
            await with_device(hass, simulator, push)
    assert err.value.translation_key == "firmware_not_downloaded"
    assert simulator.firmware_installs[-1]["md5_ok"] is False


@pytest.mark.usefixtures("init_integration")
async def test_sync_time(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    await hass.config.async_set_time_zone("Europe/Berlin")
    simulator.clock_offset = -3600
    await with_device(
        hass, simulator, call(hass, "sync_time", {"device_id": device_id(hass, HTTPV2_SERIAL)})
    )
    assert abs(simulator.clock_offset) < 5
    assert simulator.settings["TimeZone"] in (1, 2)


@pytest.mark.usefixtures("init_integration")
async def test_reboot(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    await with_device(
        hass, simulator, call(hass, "reboot", {"device_id": device_id(hass, HTTPV2_SERIAL)})
    )
    assert simulator.restarts == 1


async def test_online_authorization(
    hass: HomeAssistant, simulator: HttpV2Simulator, init_integration: MockConfigEntry
) -> None:
    simulator.add_demo_users(1)
    events = bus_events(hass)
    assert (await simulator.request_authorization(3, 1))["Success"] == 2
    assert (await simulator.request_authorization(19, 0))["Success"] == 0
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_ONLINE_AUTHORIZATION: "deny"}
    )
    await hass.async_block_till_done()
    reply = await simulator.request_authorization(3, 1)
    assert reply["Success"] == 0
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["reason"]) for e in events] == [
        ("access_granted", None),
        ("access_denied", "unregistered"),
        ("access_denied", "server_denied"),
    ]


@pytest.mark.usefixtures("init_integration")
async def test_renaming_keeps_the_face_enrolled_at_the_terminal(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    target = device_id(hass, HTTPV2_SERIAL)
    users = [{"user_id": "1", "name": "Ann"}]
    await with_device(
        hass, simulator, call(hass, "sync_users", {"device_id": target, "users": users})
    )
    enroll = {"device_id": target, "user_id": "1", "credential": "face"}
    await with_device(hass, simulator, call(hass, "enroll", enroll))
    await hass.async_block_till_done()
    face, photo = simulator.users[1]["FaceFeature"], simulator._photos[1]
    assert face

    users[0]["name"] = "Ann B."
    result = await with_device(
        hass,
        simulator,
        call(hass, "sync_users", {"device_id": target, "users": users}, return_response=True),
    )
    assert result["devices"][target]["written"] == ["1"]
    assert simulator.users[1]["Name"] == "Ann B."
    assert simulator.users[1]["FaceFeature"] == face
    assert simulator._photos[1] == photo

    await with_device(
        hass,
        simulator,
        call(hass, "set_user", {"device_id": target, "user_id": "1", "name": "Ann C."}),
    )
    assert simulator.users[1]["Name"] == "Ann C."
    assert simulator.users[1]["FaceFeature"] == face


@pytest.mark.usefixtures("init_integration")
async def test_user_ids_are_the_terminals_numbers(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    target = device_id(hass, HTTPV2_SERIAL)
    users = [{"user_id": "007", "name": "Bond"}]
    await with_device(
        hass, simulator, call(hass, "sync_users", {"device_id": target, "users": users})
    )
    assert simulator.users[7]["Name"] == "Bond"
    result = await with_device(
        hass,
        simulator,
        call(
            hass,
            "sync_users",
            {"device_id": target, "users": users, "full_read": True},
            return_response=True,
        ),
    )
    # "007" and the terminal's 7 are the same person: nothing deleted, nothing rewritten.
    assert result["devices"][target] == {"written": [], "deleted": [], "unchanged": 1}


@pytest.mark.usefixtures("init_integration")
async def test_first_sync_to_a_terminal_that_already_matches_sends_nothing(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    simulator.add_demo_users(3)
    users = [
        {
            "user_id": str(n),
            "name": held["Name"],
            "cards": [held["CardNum"]],
            "department": held["Department"],
            "privilege": "admin" if held["AccessType"] == 1 else "user",
        }
        for n, held in simulator.users.items()
    ]
    downloads = len(simulator.download_results)
    result = await with_device(
        hass,
        simulator,
        call(
            hass,
            "sync_users",
            {"device_id": device_id(hass, HTTPV2_SERIAL), "users": users},
            return_response=True,
        ),
    )
    assert result["devices"][device_id(hass, HTTPV2_SERIAL)] == {
        "written": [],
        "deleted": [],
        "unchanged": 3,
    }
    assert len(simulator.download_results) == downloads


@pytest.mark.usefixtures("init_integration")
async def test_managing_people_is_for_administrators(
    hass: HomeAssistant, simulator: HttpV2Simulator, hass_read_only_user: Any, hass_admin_user: Any
) -> None:
    target = device_id(hass, HTTPV2_SERIAL)
    data = {"device_id": target, "user_id": "3", "name": "Zed"}
    for service in ("set_user", "delete_user", "reboot"):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                service,
                {"device_id": target, "user_id": "3"}
                if service != "reboot"
                else {"device_id": target},
                blocking=True,
                context=Context(user_id=hass_read_only_user.id),
            )
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "get_users",
            {"device_id": target},
            blocking=True,
            return_response=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert simulator.users == {}
    admin = Context(user_id=hass_admin_user.id)
    await with_device(
        hass,
        simulator,
        hass.services.async_call(DOMAIN, "set_user", data, blocking=True, context=admin),
    )
    assert simulator.users[3]["Name"] == "Zed"


async def test_unconfirmed_user_writes_are_reported(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    # A terminal that takes people but never reports the result.
    task = asyncio.ensure_future(
        call(
            hass,
            "set_user",
            {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "4", "name": "Dee"},
        )
    )
    await asyncio.sleep(0.05)
    reply = await httpv2_device.keepalive()
    assert reply["AddPeople"] >= 1
    # Asked whether it holds user 4 (whose templates would be kept): it does not.
    assert (await httpv2_device.remote())["QueryPeople"] == [4]
    parts: list[tuple[str, bytes, dict[str, str]]] = [
        ("SN", HTTPV2_SERIAL.encode(), {}),
        ("PushType", b"4", {}),
        ("UserID", b"4", {}),
    ]
    assert await httpv2_device.post_parts("/People/PushPeople", parts) == {"Success": 1}
    for _ in range(4):
        await httpv2_device.post_json(
            "/People/DownloadPeopleList", {"SN": HTTPV2_SERIAL, "Limit": 10}
        )
    with pytest.raises(HomeAssistantError) as err:
        await asyncio.wait_for(task, 5)
    assert err.value.translation_key == "users_unconfirmed"


@pytest.mark.usefixtures("init_integration")
async def test_file_names_with_control_characters(
    hass: HomeAssistant, simulator: HttpV2Simulator, tmp_path: Path
) -> None:
    """A NUL byte in a file name once reached the file system: a raw ValueError."""
    hass.config.config_dir = str(tmp_path)
    base = {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "5"}
    for photo in ("access_terminal/a\x00.jpg", "access_terminal/\x07.jpg", ""):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "set_user", {**base, "photo": photo})
        assert err.value.translation_key == "file_name_invalid"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "push_firmware", {"device_id": base["device_id"], "file": "fw\x00.bin"})
    assert err.value.translation_key == "file_name_invalid"


@pytest.mark.usefixtures("init_integration")
async def test_files_are_found_off_the_event_loop(
    hass: HomeAssistant, simulator: HttpV2Simulator, tmp_path: Path
) -> None:
    """Resolving a file name reads the file system: never in the event loop."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "access_terminal").mkdir()
    (tmp_path / "access_terminal" / "alice.jpg").write_bytes(b"\xff\xd8")
    threads: list[int] = []
    resolve = Path.resolve

    def watched(self: Path, strict: bool = False) -> Path:
        threads.append(threading.get_ident())
        return resolve(self, strict)

    base = {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "5"}
    with patch.object(Path, "resolve", watched), pytest.raises(ServiceValidationError):
        await call(hass, "set_user", {**base, "photo": "secrets.yaml"})
    assert threads
    assert threading.get_ident() not in threads


async def test_opening_doors_follows_the_lock_entities_rights(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    hass_read_only_user: Any,
    hass_admin_user: Any,
) -> None:
    """`lock.open` is refused to a read-only user: so is open_door, for the same door."""
    target = {"device_id": device_id(hass, HTTPV2_SERIAL)}
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "lock",
            "open",
            {"entity_id": f"lock.{HTTPV2_SERIAL.lower().replace('-', '_')}_door"},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    for mode in ("open", "hold_open", "lockout"):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(
                DOMAIN,
                "open_door",
                {**target, "mode": mode},
                blocking=True,
                context=Context(user_id=hass_read_only_user.id),
            )
    assert (await httpv2_device.remote()).get("Opendoor") is None  # nothing was sent
    # An administrator (and an automation, without a user) may.
    task = asyncio.ensure_future(
        hass.services.async_call(
            DOMAIN, "open_door", target, blocking=True, context=Context(user_id=hass_admin_user.id)
        )
    )
    await asyncio.sleep(0.05)
    assert (await httpv2_device.remote())["Opendoor"] == 1
    await asyncio.wait_for(task, 5)


# -- actions that erase or drive outputs ------------------------------------------------


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("confirm", [None, False])
async def test_factory_reset_needs_confirmation(
    hass: HomeAssistant, simulator: HttpV2Simulator, confirm: bool | None
) -> None:
    data: dict[str, Any] = {"device_id": device_id(hass, HTTPV2_SERIAL)}
    if confirm is not None:
        data["confirm"] = confirm
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "factory_reset", data)
    assert err.value.translation_key == "factory_reset_unconfirmed"
    assert simulator.door_commands == []


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("aux_output", {"output": 0}),
        ("aux_output", {"output": 65}),
        ("aux_output", {"duration": -1}),
        ("aux_output", {"duration": 256}),
        ("elevator_floors", {"floors": []}),
        ("elevator_floors", {"floors": [0]}),
        ("elevator_floors", {"floors": ["third"]}),
        ("elevator_floors", {"mode": "fly"}),
        ("factory_reset", {"confirm": "maybe"}),
    ],
)
async def test_output_and_floor_actions_refuse_bad_fields(
    hass: HomeAssistant, service: str, data: dict[str, Any]
) -> None:
    with pytest.raises(vol.Invalid):
        await call(hass, service, {"device_id": device_id(hass, HTTPV2_SERIAL), **data})


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("clear_data", {"data": ["administrators"], "confirm": True}),
        ("set_bell", {"bell": 1, "time": "08:00"}),
        ("set_shift", {"shift": 1}),
        ("set_user_shifts", {"user_id": "3", "days": [1]}),
        ("set_terminal_enabled", {"enabled": False}),
        ("add_attendance", {"records": [{"user_id": "3", "time": "2025-01-01 08:00"}]}),
        ("set_linkage", {"index": 1, "event": "door_forced_open"}),
        ("delete_linkage", {"all_linkages": True}),
    ],
)
async def test_schedules_and_clearing_where_the_terminal_has_none(
    hass: HomeAssistant,
    hass_read_only_user: Any,
    service: str,
    data: dict[str, Any],
) -> None:
    """An HTTPv2 terminal keeps no bells, shifts, rota, attendance log or linkage rules of its
    own, and cannot be disabled: said before anything is sent."""
    target = {"device_id": device_id(hass, HTTPV2_SERIAL), **data}
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN, service, target, blocking=True, context=Context(user_id=hass_read_only_user.id)
        )
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, target)
    assert err.value.translation_key == "not_supported"
