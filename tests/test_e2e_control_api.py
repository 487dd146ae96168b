"""End to end: Home Assistant and the control API simulator, polled and uploading logs."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from simulator.control_api import ControlApiSimulator

from .helpers import TestClient, bus_events, device_id
from .pull_helpers import UPLOAD_SECRET, poll, pull_entry, until

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def set_up(hass: HomeAssistant, sim: ControlApiSimulator) -> MockConfigEntry:
    entry = pull_entry(sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def entity(sim: ControlApiSimulator, platform: str, key: str) -> str:
    return f"{platform}.{sim.serial.lower()}_{key}"


async def test_polled_logs_without_gap_or_repeat_across_restarts(
    hass: HomeAssistant, control_sim: ControlApiSimulator
) -> None:
    """Logs read with GetAttendLog: the cursor survives a reload (the store is persisted)."""
    events = bus_events(hass)
    for user in ("1", "2", "3"):
        control_sim.punch(user, "fp")
    entry = await set_up(hass, control_sim)
    assert [e.data["user_id"] for e in events] == ["1", "2", "3"]
    assert events[0].data["methods"] == ["fingerprint"]
    assert hass.states.get(entity(control_sim, "sensor", "users")).state == "3"
    assert hass.states.get(entity(control_sim, "event", "access")).attributes["user_id"] == "3"
    assert hass.states.get(f"lock.{control_sim.serial.lower()}_door_lock") is None  # no door

    assert await hass.config_entries.async_unload(entry.entry_id)
    control_sim.punch("2", "card")
    control_sim.punch("1", "face")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert [e.data["user_id"] for e in events] == ["1", "2", "3", "2", "1"]
    await poll(hass)
    assert len(events) == 5


async def test_logs_arrive_through_the_uploader(
    hass: HomeAssistant, uploading_sim: ControlApiSimulator
) -> None:
    events = bus_events(hass)
    entry = await set_up(hass, uploading_sim)
    assert uploading_sim.upload_target is not None
    assert uploading_sim.upload_target.endswith(f"/api/access_terminal/log_upload/{UPLOAD_SECRET}")
    uploading_sim.punch("2", "face,pwd")
    await until(hass, lambda: len(events) == 1)
    assert events[0].data["methods"] == ["face", "password"]
    assert "GetAttendLog" not in uploading_sim.commands
    # Home Assistant restarts: the device is told where to continue, nothing is repeated.
    assert await hass.config_entries.async_unload(entry.entry_id)
    uploading_sim.punch("3")
    assert await hass.config_entries.async_setup(entry.entry_id)
    uploading_sim.upload_pos = None  # the device asks where to start again
    uploading_sim.punch("1")
    await until(hass, lambda: len(events) == 3)
    assert [e.data["user_id"] for e in events] == ["2", "3", "1"]


async def test_device_goes_away_and_comes_back(
    hass: HomeAssistant, uploading_sim: ControlApiSimulator
) -> None:
    events = bus_events(hass)
    await set_up(hass, uploading_sim)
    connectivity = entity(uploading_sim, "binary_sensor", "connectivity")
    await uploading_sim.go_away()
    await poll(hass)
    assert hass.states.get(connectivity).state == "off"
    assert hass.states.get(entity(uploading_sim, "sensor", "users")).state == "unavailable"
    uploading_sim.punch("1")  # stored at the device meanwhile
    await uploading_sim.come_back()
    await until(hass, lambda: len(events) == 1)
    await poll(hass)
    assert hass.states.get(connectivity).state == "on"


async def test_upload_endpoint_refuses_bad_requests(
    hass: HomeAssistant, client: TestClient, control_sim: ControlApiSimulator
) -> None:
    entry = pull_entry(control_sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    url = f"/api/access_terminal/log_upload/{UPLOAD_SECRET}"
    response = await client.post("/api/access_terminal/log_upload/guessed", json={})
    assert response.status == 404
    for body, status in (
        (b"{broken", 400),
        (b"[1, 2]", 400),
        (b'{"start_pos": "x", "logs": []}', 400),
        (b'{"start_pos": 0, "logs": {"a": 1}}', 400),
        (b"\xff\xfe\x00\x01", 400),
        (b"{" + b" " * (2 * 1024 * 1024) + b"}", 413),
    ):
        response = await client.post(url, data=body)
        assert response.status == status, body[:20]
        assert "error" in await response.json()
    response = await client.post(url, data=b"")  # where to start: after what was polled
    assert (response.status, await response.json()) == (200, {"next_upload_pos": 0})
    events = bus_events(hass)
    logs = [{"user_id": "7", "time": "2025-01-02T03:04:05", "mode": "card"}]
    response = await client.post(url, json={"start_pos": 0, "next_pos": 1, "logs": logs})
    assert await response.json() == {"next_upload_pos": 1}
    await hass.async_block_till_done()
    assert [e.data["user_id"] for e in events] == ["7"]
    # Unloaded: refused like an unknown secret.
    assert await hass.config_entries.async_unload(entry.entry_id)
    response = await client.post(url, json={})
    assert response.status == 404


async def test_enrollment_job_and_users(
    hass: HomeAssistant, control_sim: ControlApiSimulator
) -> None:
    await set_up(hass, control_sim)
    target = {"device_id": device_id(hass, control_sim.serial)}
    events = bus_events(hass)
    await hass.services.async_call(
        DOMAIN, "enroll", {**target, "user_id": "A-9", "credential": "palm"}, blocking=True
    )
    await until(hass, lambda: any(e.data["type"] == "enrollment_finished" for e in events))
    assert len(control_sim.users["A-9"].palm) == 1
    await hass.services.async_call(
        DOMAIN,
        "set_user",
        {**target, "user_id": "A-9", "name": "Ana", "privilege": "admin", "department": "Ops"},
        blocking=True,
    )
    stored = control_sim.users["A-9"]
    assert (stored.name, stored.privilege, stored.depart, len(stored.palm)) == (
        "Ana",
        "manager",
        "Ops",
        1,  # the template enrolled at the device stays
    )
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "enroll", {**target, "user_id": "1", "credential": "password"}, blocking=True
        )
    assert caught.value.translation_key == "invalid_request"
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(DOMAIN, "reboot", target, blocking=True)
    assert caught.value.translation_key == "not_supported"


async def test_enrollment_that_never_finishes(
    hass: HomeAssistant, control_sim: ControlApiSimulator
) -> None:
    entry = await set_up(hass, control_sim)
    terminal = entry.runtime_data.coordinator.terminal
    terminal.enroll_timeout = 0.2
    control_sim.enroll_delay = 3600
    events = bus_events(hass)
    await hass.services.async_call(
        DOMAIN,
        "enroll",
        {"device_id": device_id(hass, control_sim.serial), "user_id": "5", "credential": "face"},
        blocking=True,
    )
    await until(hass, lambda: bool(events))
    assert events[0].data["type"] == "enrollment_failed"
    assert events[0].data["detail"] == "not finished within 0.2 s"
    assert "CancelJob" in control_sim.commands


@pytest.mark.parametrize(
    ("code", "arguments", "text"),
    [
        ("user_id_not_exists", ["12"], "user 12 does not exist"),
        ("device_busy", [], "the device is busy"),
        ("invalid_parameter", ["time"], "invalid parameter time"),
        ("not_supported", [], "the device does not support this command"),
    ],
)
async def test_device_errors_are_readable(
    hass: HomeAssistant,
    control_sim: ControlApiSimulator,
    code: str,
    arguments: list[str],
    text: str,
) -> None:
    await set_up(hass, control_sim)
    control_sim.errors["SetDeviceTime"] = [code]
    original = control_sim._answer

    def with_arguments(mid: str, cmd: str, payload: dict[str, object]) -> dict[str, object]:
        answer = original(mid, cmd, payload)
        if answer["result"] == "Error":
            answer["payload"]["arguments"] = arguments
        return answer

    control_sim._answer = with_arguments  # type: ignore[method-assign]
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "sync_time",
            {"device_id": device_id(hass, control_sim.serial)},
            blocking=True,
        )
    assert caught.value.translation_key == "device_error"
    assert (
        str(caught.value) == f"Access terminal {control_sim.serial} reported error {code}: {text}"
    )
