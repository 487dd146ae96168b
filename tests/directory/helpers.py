"""What the directory tests share: its entry, schedule helpers, a holiday calendar, the actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    setup_test_component_platform,
)

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.directory.const import CONF_DIRECTORY, DIRECTORY_UNIQUE_ID
from custom_components.access_terminal.state import AccessSync

# The tests' Tuesday (Home Assistant on UTC, as the simulators are), and the Tuesday after.
TUESDAY = date(2025, 1, 14)
HOLIDAY = TUESDAY + timedelta(days=7)
TEN = "2025-01-14T10:00:00+00:00"

# Schedule helpers as configuration.yaml gives them.
CLEANER_SCHEDULE = {"name": "Cleaner", "tuesday": [{"from": "09:00:00", "to": "12:00:00"}]}
SCHEDULES = {
    "cleaner": CLEANER_SCHEDULE,
    "evenings": {"name": "Evenings", "tuesday": [{"from": "17:00:00", "to": "20:00:00"}]},
}


def at(day: date, hour: int, minute: int = 0) -> str:
    """Return an ISO moment of a date (UTC)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC).isoformat()


def directory_entry() -> MockConfigEntry:
    """Return the access directory's entry."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Access directory",
        unique_id=DIRECTORY_UNIQUE_ID,
        data={CONF_DIRECTORY: True},
    )


async def setup_schedules(hass: HomeAssistant, schedules: dict[str, Any] | None = None) -> None:
    """Set up schedule helpers from configuration.yaml."""
    assert await async_setup_component(hass, "schedule", {"schedule": schedules or SCHEDULES})
    await hass.async_block_till_done()


async def edit_schedules(hass: HomeAssistant, schedules: dict[str, Any]) -> None:
    """Change the schedule helpers as a person editing configuration.yaml and reloading."""
    with patch("homeassistant.config.load_yaml_config_file", return_value={"schedule": schedules}):
        await hass.services.async_call("schedule", "reload", blocking=True)
    await hass.async_block_till_done()


class HolidayCalendar(CalendarEntity):
    """A calendar whose all-day events are holidays."""

    _attr_name = "Holidays"
    _attr_unique_id = "holidays"

    def __init__(self, days: list[date]) -> None:
        """Hold one all-day event per date."""
        self.days = days

    @property
    def event(self) -> CalendarEvent | None:
        """Return no current event (only the listing matters here)."""
        return None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the holidays in the range."""
        return [
            CalendarEvent(start=day, end=day + timedelta(days=1), summary="Holiday")
            for day in self.days
            if start_date.date() <= day <= end_date.date()
        ]


async def setup_calendar(hass: HomeAssistant, days: list[date]) -> HolidayCalendar:
    """Set up calendar.holidays with the given dates."""
    calendar = HolidayCalendar(days)
    setup_test_component_platform(hass, "calendar", [calendar])
    assert await async_setup_component(hass, "calendar", {"calendar": {"platform": "test"}})
    await hass.async_block_till_done()
    return calendar


async def act(hass: HomeAssistant, service: str, **data: Any) -> Any:
    """Call an action of the integration and return its response (if it gives one)."""
    response = service in ("create_pass", "get_directory")
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


def sync_of(entry: MockConfigEntry) -> AccessSync | None:
    """Return a terminal's sync state with the directory."""
    sync: AccessSync | None = entry.runtime_data.coordinator.data.access_sync
    return sync
