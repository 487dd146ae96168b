"""Holidays from a calendar, and what schedule and calendar answers are read as."""

from __future__ import annotations

from datetime import date, time, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.directory.sources import dates_of, week_of
from custom_components.access_terminal.protocols.access import Interval
from custom_components.access_terminal.protocols.model import Family
from simulator import access_rules as outcome
from simulator.webjson import WebJsonSimulator

from ..helpers import device_id
from .conftest import Converge
from .helpers import HOLIDAY, TUESDAY, HolidayCalendar, act, at, setup_calendar

pytestmark = pytest.mark.usefixtures("tuesday", "schedules")


@pytest.fixture
async def holiday_calendar(hass: HomeAssistant) -> HolidayCalendar:
    """Set up calendar.holidays (before Home Assistant's HTTP server starts: it adds views)."""
    return await setup_calendar(hass, [HOLIDAY])


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_holidays_from_a_calendar(
    hass: HomeAssistant,
    holiday_calendar: HolidayCalendar,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """The calendar's holiday is refused; one added to the calendar later is refused too."""
    await act(
        hass,
        "set_access_level",
        name="Mornings",
        doors=[{"device_id": device_id(hass, simulator.serial)}],
        schedule="schedule.cleaner",
        holiday_calendar="calendar.holidays",
    )
    await act(hass, "set_person", person_id="7", name="Cleaner", access_levels=["Mornings"])
    await converge((init_integration, simulator))
    later = HOLIDAY + timedelta(days=7)

    def at_the_door(day: date) -> str:
        simulator.set_clock(dt_util.parse_datetime(at(day, 10)) or dt_util.utcnow())
        return simulator.verify("7")

    assert [at_the_door(day) for day in (TUESDAY, HOLIDAY, later)] == [
        outcome.GRANTED,
        outcome.HOLIDAY,
        outcome.GRANTED,
    ]
    holiday_calendar.days.append(later)  # the calendar is read again every few minutes
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await converge((init_integration, simulator))
    assert at_the_door(later) == outcome.HOLIDAY


def test_schedule_answers() -> None:
    """Blocks round inwards to minutes (never granting more); unreadable parts are none."""
    week = week_of(
        {
            "monday": [{"from": "09:00:30", "to": "12:00:59"}, "junk", {"from": "x", "to": 1}],
            "tuesday": [{"from": time(13, 0), "to": time.max}],
            "wednesday": [{"from": "12:00:00", "to": "09:00:00"}],
            "thursday": "not a list",
        }
    )
    assert week[0] == (Interval(9 * 60 + 1, 12 * 60),)
    assert week[1] == (Interval(13 * 60, 24 * 60),)
    assert week[2:] == ((),) * 5
    assert week_of(None) == ((),) * 7


def test_calendar_answers() -> None:
    """All-day events end the day before their end; timed ones cover the days they touch."""
    events = [
        {"start": "2025-01-21", "end": "2025-01-23"},
        {"start": "2025-02-03T22:00:00+00:00", "end": "2025-02-04T00:00:00+00:00"},
        {"start": "2025-03-01T10:00:00+00:00", "end": "2025-03-02T10:00:00+00:00"},
        {"start": "2025-04-01", "end": "2025-03-01"},  # ends before it starts: its first day
        {"start": "someday"},
        {"start": "2025-13-01"},
        "junk",
    ]
    assert sorted(dates_of(events)) == [
        date(2025, 1, 21),
        date(2025, 1, 22),
        date(2025, 2, 3),
        date(2025, 3, 1),
        date(2025, 3, 2),
        date(2025, 4, 1),
    ]
    assert dates_of({"not": "a list"}) == frozenset()
