"""End to end: Home Assistant and the control API simulator, polled and uploading logs."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from simulator.control_api import ControlApiSimulator
from tests.helpers import bus_events, device_id, poll, settle_until
from tests.terminals import UPLOAD_SECRET, pull_entry


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def entity(sim: ControlApiSimulator, platform: str, key: str) -> str:
    return f"{platform}.{sim.serial.lower()}_{key}"


async def test_polled_logs_without_gap_or_repeat_across_restarts(
    hass: HomeAssistant, simulator: ControlApiSimulator, mock_config_entry: MockConfigEntry
) -> None:
    """Logs read with GetAttendLog: the cursor survives a reload (the store is persisted)."""
    events = bus_events(hass)
    for user in ("1", "2", "3"):
        simulator.punch(user, "fp")
    entry = await set_up(hass, mock_config_entry)
    assert [e.data["user_id"] for e in events] == ["1", "2", "3"]
    assert events[0].data["methods"] == ["fingerprint"]
    assert hass.states.get(entity(simulator, "sensor", "users")).state == "3"
    assert hass.states.get(entity(simulator, "event", "access")).attributes["user_id"] == "3"
    assert hass.states.get(f"lock.{simulator.serial.lower()}_door_lock") is None  # no door

    assert await hass.config_entries.async_unload(entry.entry_id)
    simulator.punch("2", "card")
    simulator.punch("1", "face")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert [e.data["user_id"] for e in events] == ["1", "2", "3", "2", "1"]
    await poll(hass)
    assert len(events) == 5


async def test_logs_arrive_through_the_uploader(
    hass: HomeAssistant, uploading_sim: ControlApiSimulator
) -> None:
    events = bus_events(hass)
    entry = await set_up(hass, pull_entry(uploading_sim))
    assert uploading_sim.upload_target is not None
    assert uploading_sim.upload_target.endswith(f"/api/access_terminal/log_upload/{UPLOAD_SECRET}")
    uploading_sim.punch("2", "face,pwd")
    await settle_until(hass, lambda: len(events) == 1)
    assert events[0].data["methods"] == ["face", "password"]
    assert "GetAttendLog" not in uploading_sim.commands
    # Home Assistant restarts: the device is told where to continue, nothing is repeated.
    assert await hass.config_entries.async_unload(entry.entry_id)
    uploading_sim.punch("3")
    assert await hass.config_entries.async_setup(entry.entry_id)
    uploading_sim.upload_pos = None  # the device asks where to start again
    uploading_sim.punch("1")
    await settle_until(hass, lambda: len(events) == 3)
    assert [e.data["user_id"] for e in events] == ["2", "3", "1"]


async def test_device_goes_away_and_comes_back(
    hass: HomeAssistant, uploading_sim: ControlApiSimulator
) -> None:
    events = bus_events(hass)
    await set_up(hass, pull_entry(uploading_sim))
    connectivity = entity(uploading_sim, "binary_sensor", "connectivity")
    await uploading_sim.go_away()
    await poll(hass)
    assert hass.states.get(connectivity).state == "off"
    assert hass.states.get(entity(uploading_sim, "sensor", "users")).state == "unavailable"
    uploading_sim.punch("1")  # stored at the device meanwhile
    await uploading_sim.come_back()
    await settle_until(hass, lambda: len(events) == 1)
    await poll(hass)
    assert hass.states.get(connectivity).state == "on"


@pytest.mark.usefixtures("loaded_entry")
async def test_enrollment_job_and_users(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    target = {"device_id": device_id(hass, simulator.serial)}
    events = bus_events(hass)
    await hass.services.async_call(
        DOMAIN, "enroll", {**target, "user_id": "A-9", "credential": "palm"}, blocking=True
    )
    await settle_until(hass, lambda: any(e.data["type"] == "enrollment_finished" for e in events))
    assert len(simulator.users["A-9"].palm) == 1
    await hass.services.async_call(
        DOMAIN,
        "set_user",
        {**target, "user_id": "A-9", "name": "Ana", "privilege": "admin", "department": "Ops"},
        blocking=True,
    )
    stored = simulator.users["A-9"]
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
    hass: HomeAssistant, simulator: ControlApiSimulator, loaded_entry: MockConfigEntry
) -> None:
    entry = loaded_entry
    terminal = entry.runtime_data.coordinator.terminal
    terminal.enroll_timeout = 0.2
    simulator.enroll_delay = 3600
    events = bus_events(hass)
    await hass.services.async_call(
        DOMAIN,
        "enroll",
        {"device_id": device_id(hass, simulator.serial), "user_id": "5", "credential": "face"},
        blocking=True,
    )
    await settle_until(hass, lambda: bool(events))
    assert events[0].data["type"] == "enrollment_failed"
    assert events[0].data["detail"] == "not finished within 0.2 s"
    assert "CancelJob" in simulator.commands


@pytest.mark.parametrize(
    ("code", "arguments", "text"),
    [
        ("user_id_not_exists", ["12"], "user 12 does not exist"),
        ("device_busy", [], "the device is busy"),
        ("invalid_parameter", ["time"], "invalid parameter time"),
        ("not_supported", [], "the device does not support this command"),
    ],
)
@pytest.mark.usefixtures("loaded_entry")
async def test_device_errors_are_readable(
    hass: HomeAssistant,
    simulator: ControlApiSimulator,
    code: str,
    arguments: list[str],
    text: str,
) -> None:
    simulator.errors["SetDeviceTime"] = [code]
    original = simulator._answer

    def with_arguments(mid: str, cmd: str, payload: dict[str, object]) -> dict[str, object]:
        answer = original(mid, cmd, payload)
        if answer["result"] == "Error":
            answer["payload"]["arguments"] = arguments
        return answer

    simulator._answer = with_arguments  # type: ignore[method-assign]
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "sync_time",
            {"device_id": device_id(hass, simulator.serial)},
            blocking=True,
        )
    assert caught.value.translation_key == "device_error"
    assert str(caught.value) == f"Access terminal {simulator.serial} reported error {code}: {text}"
