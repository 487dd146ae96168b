"""A terminal's events: each record's events once, to the bus and to whoever listens.

Records are de-duplicated against the store's ledger (a device re-sends what it thinks we did
not get), then every event goes to Home Assistant's bus as `access_terminal_event` and to the
subscribers of its stream (the event entities, the MQTT bridge).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID, ATTR_SERIAL, EVENT_ACCESS_TERMINAL
from .names import PeopleNames
from .protocols.dedup import RecordLedger
from .protocols.model import AccessEvent, EventCategory, Record

# Called with each new event and its JSON-friendly attributes (computed once, shared).
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
    ) -> None:
        """Dispatch for the terminal `serial`; `on_access` hears every access event first.

        Events get the person's name from `names` where they carry none; a terminal without
        doors (`has_doors`) has events without a door number.
        """
        self._hass = hass
        self._names = names
        self._has_doors = has_doors
        self._serial = serial
        self._entry_id = entry_id
        self._ledger = ledger
        self._on_access = on_access
        self._callbacks: dict[EventCategory, list[EventCallback]] = {}
        self.device_id: str | None = None

    @callback
    def async_subscribe(
        self, category: EventCategory, event_callback: EventCallback
    ) -> CALLBACK_TYPE:
        """Call `event_callback` for every new event of `category`; return the unsubscribe."""
        callbacks = self._callbacks.setdefault(category, [])
        callbacks.append(event_callback)
        return lambda: callbacks.remove(event_callback)

    def records(self, records: Sequence[Record]) -> None:
        """Dispatch each record's events once, however often the device sends it."""
        ledger = self._ledger
        for record in records:
            stream, number = record.stream, record.record_id
            if stream is None or number is None:
                for event in record.events:
                    self.dispatch(event)
                continue
            if ledger.handled(stream, number, record.date, ordered=record.ordered):
                continue
            for event in record.events:
                self.dispatch(event)
            ledger.remember(stream, number, record.date, ordered=record.ordered)

    def dispatch(self, event: AccessEvent) -> None:
        """Send one event to the bus and to its stream's subscribers."""
        self._names.fill(event)
        attributes = event.as_dict()
        if not self._has_doors():
            attributes["door"] = None  # an attendance terminal: no door was involved
        if event.category is EventCategory.ACCESS:
            self._on_access(event)
        data = {
            **attributes,
            ATTR_DEVICE_ID: self.device_id,
            ATTR_SERIAL: self._serial,
            ATTR_CONFIG_ENTRY_ID: self._entry_id,
        }
        self._hass.bus.async_fire(EVENT_ACCESS_TERMINAL, data)
        for event_callback in list(self._callbacks.get(event.category, ())):
            event_callback(event, attributes)
