"""The schedule helpers and calendars access levels follow: read, kept, and watched for edits.

A schedule helper's weekly blocks come from `schedule.get_schedule`; a calendar's holidays are
the dates its events cover over the coming year (`calendar.get_events`). Both are read again
when the entity's state changes and every few minutes (an edit of a schedule does not always
change its state); only a content that differs is news. An entity that cannot be read (removed,
unavailable) allows nothing: never more than the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
import logging
import math
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ..protocols.access import HOLIDAY_HORIZON, NEVER, DayIntervals, Interval, normalized

_LOGGER = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SCHEDULE = "schedule"
CALENDAR = "calendar"
REFRESH_INTERVAL = timedelta(minutes=5)
# Holidays are read from yesterday on (a terminal's day may lag Home Assistant's).
LOOK_BACK = timedelta(days=1)

type Week = tuple[DayIntervals, ...]
type Content = Week | frozenset[date]


def _minute(value: Any, *, end: bool) -> int | None:
    """Return a schedule bound in minutes: a start rounds up, an end down (never more)."""
    if isinstance(value, str):
        value = dt_util.parse_time(value)
    if not isinstance(value, time):
        return None
    if end and value == time.max:
        return 24 * 60
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return math.floor(seconds / 60) if end else math.ceil(seconds / 60)


def week_of(schedule: Any) -> Week:
    """Return the weekly intervals of a `schedule.get_schedule` answer (unreadable: none)."""
    days: list[DayIntervals] = []
    for name in WEEKDAYS:
        blocks = schedule.get(name) if isinstance(schedule, dict) else None
        intervals = []
        for block in blocks if isinstance(blocks, list) else ():
            if not isinstance(block, dict):
                continue
            start = _minute(block.get("from"), end=False)
            end = _minute(block.get("to"), end=True)
            if start is not None and end is not None and start < end:
                intervals.append(Interval(start, end))
        days.append(normalized(intervals))
    return tuple(days)


def _day(value: Any, *, end: bool) -> date | None:
    text = str(value or "")
    if "T" not in text and len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None
        return day - timedelta(days=1) if end else day  # an all-day event's end is excluded
    moment = dt_util.parse_datetime(text)
    if moment is None:
        return None
    local = dt_util.as_local(moment)
    if end and local.time() == time.min:
        return local.date() - timedelta(days=1)
    return local.date()


def dates_of(events: Any) -> frozenset[date]:
    """Return the dates a `calendar.get_events` answer covers (every date an event touches)."""
    found: set[date] = set()
    for event in events if isinstance(events, list) else ():
        if not isinstance(event, dict):
            continue
        first, last = _day(event.get("start"), end=False), _day(event.get("end"), end=True)
        if first is None:
            continue
        last = first if last is None or last < first else last
        found.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(found)


class Sources:
    """What the followed entities say, and a callback when one of them changes."""

    def __init__(self, hass: HomeAssistant, changed: Callable[[set[str]], None]) -> None:
        """Follow nothing yet; `changed` hears which entities' content changed."""
        self._hass = hass
        self._changed = changed
        self._content: dict[str, Content | None] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []

    def week(self, entity: str) -> Week:
        """Return a schedule helper's weekly intervals (none while it cannot be read)."""
        content = self._content.get(entity)
        return content if isinstance(content, tuple) else (NEVER,) * 7

    def dates(self, entity: str) -> frozenset[date]:
        """Return the dates of a calendar's events (none while it cannot be read)."""
        content = self._content.get(entity)
        return content if isinstance(content, frozenset) else frozenset()

    def missing(self) -> list[str]:
        """Return the followed entities that could not be read."""
        return sorted(entity for entity, content in self._content.items() if content is None)

    async def async_follow(self, entities: Iterable[str]) -> None:
        """Follow exactly `entities` (reading those new to it)."""
        wanted = set(entities)
        for entity in set(self._content) - wanted:
            del self._content[entity]
        for entity in wanted - set(self._content):
            self._content[entity] = await self._read(entity)

    @callback
    def async_start(self) -> None:
        """Read again on state changes of followed entities and every few minutes."""
        self._unsubscribe = [
            self._hass.bus.async_listen(
                EVENT_STATE_CHANGED, self._on_state, event_filter=self._followed
            ),
            async_track_time_interval(self._hass, self._on_interval, REFRESH_INTERVAL),
        ]

    @callback
    def async_stop(self) -> None:
        """Stop watching."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    @callback
    def _followed(self, data: EventStateChangedData) -> bool:
        return data["entity_id"] in self._content

    async def _on_state(self, event: Event[EventStateChangedData]) -> None:
        await self.async_refresh([event.data["entity_id"]])

    async def _on_interval(self, _now: datetime) -> None:
        await self.async_refresh(list(self._content))

    async def async_refresh(self, entities: Iterable[str]) -> set[str]:
        """Read entities again; tell (and return) those whose content changed."""
        changed = set()
        for entity in entities:
            if entity not in self._content:
                continue
            content = await self._read(entity)
            if content != self._content[entity]:
                self._content[entity] = content
                changed.add(entity)
        if changed:
            self._changed(changed)
        return changed

    async def _read(self, entity: str) -> Content | None:
        domain = entity.partition(".")[0]
        if self._hass.states.get(entity) is None:
            return None
        try:
            if domain == SCHEDULE:
                answer = await self._call(SCHEDULE, "get_schedule", entity, {})
                return week_of(answer)
            now = dt_util.now()
            answer = await self._call(
                CALENDAR,
                "get_events",
                entity,
                {
                    "start_date_time": now - LOOK_BACK,
                    "end_date_time": now + HOLIDAY_HORIZON,
                },
            )
            return dates_of(answer.get("events") if isinstance(answer, dict) else None)
        except HomeAssistantError as err:
            _LOGGER.warning("Access levels cannot read %s: %s", entity, err)
            return None

    async def _call(self, domain: str, service: str, entity: str, data: dict[str, Any]) -> Any:
        response = await self._hass.services.async_call(
            domain,
            service,
            data,
            target={"entity_id": entity},
            blocking=True,
            return_response=True,
        )
        return (response or {}).get(entity)
