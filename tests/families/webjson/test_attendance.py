"""Disabling a Webserver + JSON terminal, adding attendance records and reading reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN
from simulator.webjson import DEVICE_DISABLED, WebJsonSimulator
from tests.helpers import device_id

pytestmark = pytest.mark.usefixtures("loaded_entry")


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, **kwargs)


async def test_disable_and_enable_the_terminal(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    simulator.add_user("1", "Ada")
    target = device_id(hass, simulator.serial)
    await call(hass, "set_terminal_enabled", {"device_id": [target], "enabled": False})
    assert simulator.verify("1") == DEVICE_DISABLED
    await call(hass, "set_terminal_enabled", {"device_id": target, "enabled": True})
    assert simulator.enabled
    assert simulator.commands.count("disabledevice") == 1


async def test_disable_refused_by_the_terminal_is_reported(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    simulator.refusals["disabledevice"] = [3]
    with pytest.raises(HomeAssistantError) as caught:
        await call(
            hass,
            "set_terminal_enabled",
            {"device_id": device_id(hass, simulator.serial), "enabled": False},
        )
    assert caught.value.translation_key == "device_error"
    assert simulator.enabled


async def test_added_records_reach_the_log_and_the_report(
    hass: HomeAssistant, simulator: WebJsonSimulator, loaded_entry: MockConfigEntry
) -> None:
    simulator.add_user("7", "Ada")
    target = device_id(hass, simulator.serial)
    zone = loaded_entry.runtime_data.coordinator.terminal.zone
    moment = (dt_util.now() - timedelta(days=1)).replace(hour=8, minute=30, second=0, microsecond=0)
    records = [
        {"user_id": "0007", "time": moment.isoformat(), "kind": "clock_in"},
        {"user_id": "7", "time": (moment + timedelta(hours=9)).isoformat()},
    ]
    await call(hass, "add_attendance", {"device_id": target, "records": records})
    local = moment.astimezone(zone)
    assert [(r["enrollid"], r["event"]) for r in simulator.attendance] == [("7", 1), ("7", 0)]
    assert simulator.attendance[0]["time"] == local.strftime("%Y-%m-%d %H:%M:%S")
    day = local.date()
    response = await call(
        hass,
        "get_attendance_report",
        {"device_id": target, "user_id": "07", "start": str(day), "end": str(day)},
        return_response=True,
    )
    assert response["user_id"] == "7"
    assert (response["start"], response["end"]) == (str(day), str(day))
    assert response["report"]["record"][0]["first"] == local.strftime("%H:%M:%S")
    assert "ret" not in response["report"]
    assert "sn" not in response["report"]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"records": [{"user_id": "7", "time": "2999-01-01 08:00:00"}]}, "attendance_in_future"),
        ({"records": [{"user_id": "ada", "time": "2025-01-01 08:00:00"}]}, "invalid_request"),
    ],
)
async def test_bad_records_are_refused_before_anything_is_sent(
    hass: HomeAssistant, simulator: WebJsonSimulator, data: dict[str, Any], key: str
) -> None:
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "add_attendance", {"device_id": device_id(hass, simulator.serial), **data})
    assert caught.value.translation_key == key
    assert "setlogs" not in simulator.commands


@pytest.mark.parametrize(
    "records",
    [
        [],
        [{"user_id": "7", "time": "2025-01-01 08:00:00", "kind": "lunch"}],
        [{"user_id": "7"}],
        [{"user_id": "7", "time": "2025-01-01 08:00:00"}] * 101,
    ],
)
async def test_malformed_records_fail_the_schema(
    hass: HomeAssistant, simulator: WebJsonSimulator, records: list[dict[str, Any]]
) -> None:
    with pytest.raises(vol.Invalid):
        await call(
            hass,
            "add_attendance",
            {"device_id": device_id(hass, simulator.serial), "records": records},
        )


@pytest.mark.parametrize(
    ("start", "end", "key"),
    [
        ("2025-05-31", "2025-05-01", "report_reversed"),
        ("2024-01-01", "2025-05-01", "report_too_long"),
    ],
)
async def test_report_ranges_are_checked(
    hass: HomeAssistant, simulator: WebJsonSimulator, start: str, end: str, key: str
) -> None:
    data = {"device_id": device_id(hass, simulator.serial), "user_id": "7"}
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass,
            "get_attendance_report",
            {**data, "start": start, "end": end},
            return_response=True,
        )
    assert caught.value.translation_key == key
    assert "getreport" not in simulator.commands


async def test_report_of_an_unknown_person_says_so(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    data = {"device_id": device_id(hass, simulator.serial), "user_id": "404"}
    with pytest.raises(HomeAssistantError) as caught:
        await call(
            hass,
            "get_attendance_report",
            {**data, "start": "2025-05-01", "end": "2025-05-02"},
            return_response=True,
        )
    assert caught.value.translation_key == "device_error"


async def test_these_actions_are_for_administrators(
    hass: HomeAssistant, simulator: WebJsonSimulator, hass_read_only_user: Any
) -> None:
    target = device_id(hass, simulator.serial)
    user = Context(user_id=hass_read_only_user.id)
    for service, data, response in (
        ("set_terminal_enabled", {"enabled": False}, False),
        ("add_attendance", {"records": [{"user_id": "7", "time": "2025-01-01 08:00"}]}, False),
        (
            "get_attendance_report",
            {"user_id": "7", "start": "2025-01-01", "end": "2025-01-02"},
            True,
        ),
    ):
        with pytest.raises(Unauthorized):
            await call(
                hass, service, {"device_id": target, **data}, context=user, return_response=response
            )
    assert simulator.enabled
    assert simulator.attendance == []
