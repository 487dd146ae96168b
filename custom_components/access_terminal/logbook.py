"""The logbook: every `access_terminal_event` in words, naming the person and the door.

"Alice was let in at Door 1 by face", "Door 2 forced open", "Unknown card 1234 refused at
Door 1: not registered". The sentences are translations (the `logbook` section of
translations/*.json) in Home Assistant's language; the logbook renders them when it is read, so
a person named after the event (see names.py) is named in it too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.translation import (
    async_get_cached_translations,
    async_get_translations,
)

from .const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID, ATTR_SERIAL, DOMAIN, EVENT_ACCESS_TERMINAL
from .event import stream_unique_id
from .kinds import as_terminal_entry
from .names import PeopleNames
from .protocols.model import EVENT_CATEGORIES, EventCategory, EventType

CATEGORY = "logbook"
FALLBACK_LANGUAGE = "en"
# Set by the integration that fills the events in from a later catch-up (records kept by the
# terminal while nobody listened): told apart in the logbook.
ATTR_CATCH_UP = "catch_up"

type Phrases = Callable[[str], str]


def _nobody(_user_id: str) -> str | None:
    return None


def _phrases(hass: HomeAssistant) -> Phrases:
    """Return the logbook phrases in Home Assistant's language (English where missing)."""
    prefix = f"component.{DOMAIN}.{CATEGORY}."
    wanted = async_get_cached_translations(hass, hass.config.language, CATEGORY, DOMAIN)
    fallback = async_get_cached_translations(hass, FALLBACK_LANGUAGE, CATEGORY, DOMAIN)

    def phrase(key: str) -> str:
        return wanted.get(prefix + key) or fallback.get(prefix + key) or key

    return phrase


def _person(data: Mapping[str, Any], phrase: Phrases, name_of: Callable[[str], str | None]) -> str:
    user_id = data.get("user_id")
    if name := data.get("user_name") or (name_of(user_id) if user_id else None):
        return str(name)
    if user_id:
        return phrase("user").format(user_id=user_id)
    if card := data.get("card_number"):
        key = "unknown_card" if data.get("reason") == "unregistered" else "card"
        return phrase(key).format(card=card)
    return phrase("someone")


def describe(data: Mapping[str, Any], phrase: Phrases, name_of: Callable[[str], str | None]) -> str:
    """Return the sentence of one event's data (the bus event's fields)."""
    kind = str(data.get("type"))
    door = data.get("door")
    values = {
        "person": _person(data, phrase, name_of),
        "door": phrase("door").format(door=door) if door else phrase("the_terminal"),
        "methods": phrase("list_separator").join(
            phrase(f"methods.{method}") for method in data.get("methods") or ()
        ),
        "reason": phrase(f"reasons.{data.get('reason') or 'other'}"),
        # An auxiliary input or output event names the input or output in `door`.
        "number": door or "",
        # The terminal's own code, without its table ("errorlog:D01E0001" -> D01E0001).
        "code": str(data.get("raw_code") or "").rpartition(":")[2],
    }
    key = kind
    if kind in (EventType.ACCESS_GRANTED, EventType.ACCESS_DENIED) and not door:
        key += "_no_door"
    if kind == EventType.ACCESS_GRANTED and values["methods"]:
        key += "_by"
    message = phrase(key).format(**values)
    if data.get(ATTR_CATCH_UP):
        message = phrase("recorded_earlier").format(message=message)
    return message


def _category(data: Mapping[str, Any]) -> EventCategory | None:
    try:
        return EVENT_CATEGORIES[EventType(str(data.get("type")))]
    except ValueError:
        return None


def _stream_entity(hass: HomeAssistant, data: Mapping[str, Any]) -> str | None:
    """Return the event entity of the event's stream (the logbook row links to it)."""
    serial, category, door = data.get(ATTR_SERIAL), _category(data), data.get("door")
    if not isinstance(serial, str) or category is None:
        return None
    unique_id = stream_unique_id(serial, category, door if isinstance(door, int) else None)
    return er.async_get(hass).async_get_entity_id("event", DOMAIN, unique_id)


def _names(hass: HomeAssistant, entry_id: Any) -> PeopleNames | None:
    """Return the names the event's terminal holds (None: its entry is not loaded)."""
    entry = hass.config_entries.async_get_entry(str(entry_id))
    terminal = None if entry is None else as_terminal_entry(entry)
    if terminal is None or terminal.state is not ConfigEntryState.LOADED:
        return None
    return terminal.runtime_data.coordinator.names


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str | None]]], None],
) -> None:
    """Describe the integration's bus event."""
    # Loaded once here; the rows are described later, when someone reads the logbook.
    for language in {hass.config.language, FALLBACK_LANGUAGE}:
        hass.async_create_task(
            async_get_translations(hass, language, CATEGORY, [DOMAIN]), eager_start=True
        )

    @callback
    def async_describe_event_row(event: Event) -> dict[str, str | None]:
        data = event.data
        names = _names(hass, data.get(ATTR_CONFIG_ENTRY_ID))
        device = dr.async_get(hass).async_get(str(data.get(ATTR_DEVICE_ID)))
        return {
            LOGBOOK_ENTRY_NAME: (device.name_by_user or device.name)
            if device is not None
            else str(data.get(ATTR_SERIAL)),
            LOGBOOK_ENTRY_MESSAGE: describe(
                data, _phrases(hass), names.name_of if names is not None else _nobody
            ),
            LOGBOOK_ENTRY_ENTITY_ID: _stream_entity(hass, data),
        }

    async_describe_event(DOMAIN, EVENT_ACCESS_TERMINAL, async_describe_event_row)
