"""A terminal's events: each record's events once, to the bus and to whoever listens.

Records are de-duplicated against the store's ledger (a device re-sends what it thinks we did
not get, a recovery asks for its history again), then every event goes to Home Assistant's bus
as `access_terminal_event` and, when it is live, to the subscribers of its stream (the event
entities, the MQTT bridge).

The catch-up rule: a record is live when the terminal's own time for it is within the catch-up
window of Home Assistant's clock (an option, two minutes by default; 0 turns the rule off).
Records that arrive late (a backlog after an outage, the log of a terminal just added, a log
sent again) are kept and shown: on the bus with `catch_up: true`, in the logbook and in the
diagnostics counts. They do not drive current state (door contact, lock, last user, photo) nor
the event entities automations trigger on: adding a terminal that holds forty thousand records
must not let forty thousand people in again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .const import (
    ATTR_CATCH_UP,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_SERIAL,
    EVENT_ACCESS_TERMINAL,
)
from .names import PeopleNames
from .protocols.dedup import RecordLedger
from .protocols.model import AccessEvent, EventCategory, Record

_LOGGER = logging.getLogger(__name__)

# Called with each new live event and its JSON-friendly attributes (computed once, shared).
EventCallback = Callable[[AccessEvent, dict[str, Any]], None]


class TerminalEvents:
    """The event streams of one terminal."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        serial: str,
        entry_id: str,
        ledger: RecordLedger,
        names: PeopleNames,
        has_doors: Callable[[], bool],
        on_access: Callable[[AccessEvent], None],
        on_photo: Callable[[bytes, datetime], None],
        catch_up_after: float | None,
    ) -> None:
        """Dispatch for the terminal `serial`; `on_access` hears every live access event first.

        `on_photo` hears the picture of every other live event that has one (a doorbell
        ring), before the event reaches the bus: an automation it starts sees the photo.

        `catch_up_after`: seconds between a record's own time and now beyond which it is late
        (None: every record is live). Events get the person's name from `names` where they
        carry none; a terminal without doors (`has_doors`) has events without a door number.
        """
        self._hass = hass
        self._names = names
        self._has_doors = has_doors
        self._serial = serial
        self._entry_id = entry_id
        self._ledger = ledger
        self._on_access = on_access
        self._on_photo = on_photo
        self._window = None if catch_up_after is None else timedelta(seconds=catch_up_after)
        self._callbacks: dict[EventCategory, list[EventCallback]] = {}
        self.device_id: str | None = None
        # Puts the directory person on an event (set while an access directory is loaded).
        self.name_event: Callable[[AccessEvent], None] | None = None
        # Records handled since the start: live, catch_up, duplicate; ahead_of_clock counts
        # records dated too far ahead to move the de-dup cursor.
        self.counts: Counter[str] = Counter()
        self._ahead_logged: set[str] = set()

    @callback
    def async_subscribe(
        self, category: EventCategory, event_callback: EventCallback
    ) -> CALLBACK_TYPE:
        """Call `event_callback` for every new live event of `category`; return the unsubscribe."""
        callbacks = self._callbacks.setdefault(category, [])
        callbacks.append(event_callback)
        return lambda: callbacks.remove(event_callback)

    def live(self, record: Record, now: datetime) -> bool:
        """Return True if the record's own time is within the catch-up window of `now`.

        A record recovered from the terminal's history is never live, whatever its time.
        """
        if record.recovered:
            return False
        return all(self.live_at(event.time, now) for event in record.events)

    def live_at(self, moment: datetime, now: datetime) -> bool:
        """Return True if `moment` (a terminal's time) is within the catch-up window of `now`."""
        window = self._window
        return window is None or abs(moment - now) <= window

    def records(self, records: Sequence[Record]) -> list[Record]:
        """Dispatch each record's events once; return the new records that are live."""
        ledger = self._ledger
        now = dt_util.utcnow()
        current: list[Record] = []
        spans: dict[str, list[int]] = {}
        for record in records:
            live = self.live(record, now)
            stream, number = record.stream, record.record_id
            if stream is not None and number is not None:
                if not record.ordered:
                    spans.setdefault(stream, []).append(record.date)
                if ledger.handled(
                    stream,
                    number,
                    record.date,
                    ordered=record.ordered,
                    late=not live,
                    recovered=record.recovered,
                ):
                    self.counts["duplicate"] += 1
                    continue
            for event in record.events:
                self.dispatch(event, live=live)
            self.counts["live" if live else "catch_up"] += 1
            if record.recovered:
                self.counts["recovered"] += 1
            if live:
                current.append(record)
            if stream is not None and number is not None:
                ahead = not ledger.remember(
                    stream, number, record.date, ordered=record.ordered, now=int(now.timestamp())
                )
                if ahead:
                    self._ahead_of_clock(stream, record)
        for stream, dates in spans.items():
            ledger.covered(stream, dates)
        return current

    def _ahead_of_clock(self, stream: str, record: Record) -> None:
        self.counts["ahead_of_clock"] += 1
        if stream not in self._ahead_logged:
            self._ahead_logged.add(stream)
            _LOGGER.warning(
                "Access terminal %s sent record %s dated %s, ahead of Home Assistant's clock: "
                "records dated ahead do not move its de-duplication cursor (is its clock right?)",
                self._serial,
                record.record_id,
                dt_util.utc_from_timestamp(record.date).isoformat(),
            )

    def dispatch(self, event: AccessEvent, *, live: bool = True) -> None:
        """Send one event to the bus and, if it is live, to its stream's subscribers.

        An event of a person of the access directory names them first (person_id, ha_person,
        user_name: the directory's name); others get the name the terminal holds, if any.
        """
        if self.name_event is not None:
            self.name_event(event)
        self._names.fill(event)
        attributes = event.as_dict()
        if not self._has_doors():
            attributes["door"] = None  # an attendance terminal: no door was involved
        if live and event.category is EventCategory.ACCESS:
            self._on_access(event)  # its photo too
        elif live and event.photo is not None:
            self._on_photo(event.photo, event.time)
        data = {
            **attributes,
            ATTR_CATCH_UP: not live,
            ATTR_DEVICE_ID: self.device_id,
            ATTR_SERIAL: self._serial,
            ATTR_CONFIG_ENTRY_ID: self._entry_id,
        }
        self._hass.bus.async_fire(EVENT_ACCESS_TERMINAL, data)
        if live:
            for event_callback in list(self._callbacks.get(event.category, ())):
                event_callback(event, attributes)
