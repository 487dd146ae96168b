"""People and access levels read from their subentry data: every field checked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from custom_components.access_terminal.directory.model import (
    AccessLevel,
    DirectoryError,
    DoorRef,
    Person,
    holiday_dates,
)


def refused(key: str) -> Any:
    """Expect a DirectoryError with `key`."""
    return pytest.raises(DirectoryError, match=f"^{key}$")


def test_person_round_trip(hass: HomeAssistant) -> None:
    """A person's data reads back the same; ids, cards and validity are made canonical."""
    person = Person.from_data(
        {
            "person_id": "007",
            "name": " Cleaner ",
            "cards": ["0123", "123", " "],
            "pin": "1234",
            "valid_until": "2025-01-14T12:00:00+01:00",
            "access_levels": ["Back door", "Back door"],
        }
    )
    assert person.person_id == "7"
    assert person.name == "Cleaner"
    assert person.cards == ("123",)
    assert person.valid_until == datetime(2025, 1, 14, 11, 0, tzinfo=UTC)
    assert person.levels == ("Back door",)
    assert Person.from_data(person.as_data()) == person
    shown = person.public_dict()
    assert "pin" not in shown
    assert shown["has_pin"] is True
    assert shown["has_photo"] is False
    assert person.unique_id == "person_7"
    assert person.valid_at(datetime(2025, 1, 14, 10, 59, tzinfo=UTC))
    assert not person.valid_at(datetime(2025, 1, 14, 11, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"person_id": "0"}, "invalid_person_id"),
        ({"person_id": "100000000"}, "invalid_person_id"),
        ({"person_id": "A7"}, "invalid_person_id"),
        ({"name": ""}, "invalid_name"),
        ({"name": "x" * 25}, "invalid_name"),
        ({"name": "two\nlines"}, "invalid_name"),
        ({"cards": ["12a"]}, "invalid_card"),
        ({"cards": ["0"]}, "invalid_card"),
        ({"cards": [str(n) for n in range(1, 10)]}, "too_many_cards"),
        ({"pin": "123"}, "invalid_pin"),
        ({"pin": "123456789"}, "invalid_pin"),
        ({"valid_from": "soon"}, "invalid_moment"),
        (
            {"valid_from": "2025-01-14T12:00:00", "valid_until": "2025-01-14T11:00:00"},
            "invalid_validity",
        ),
        ({"access_levels": [""]}, "invalid_level_name"),
        ({"max_uses": 0}, "invalid_max_uses"),
    ],
)
def test_person_refusals(hass: HomeAssistant, data: dict[str, Any], key: str) -> None:
    """Every field that does not fit every family is refused with its own message."""
    with refused(key):
        Person.from_data({"person_id": "7", "name": "Cleaner", **data})


def test_naive_validity_is_home_assistant_time(hass: HomeAssistant) -> None:
    """A validity without a zone is in Home Assistant's time zone (US/Pacific in tests)."""
    person = Person.from_data({"person_id": "7", "name": "A", "valid_from": "2025-01-14T08:00"})
    assert person.valid_from == datetime(2025, 1, 14, 16, 0, tzinfo=UTC)


def test_level_round_trip() -> None:
    """A level's doors are kept once each, in order; its holidays are dates."""
    level = AccessLevel.from_data(
        {
            "name": "Back door",
            "doors": [
                {"device_id": "b", "door": 2},
                {"device_id": "a"},
                {"device_id": "b", "door": 2},
            ],
            "schedule": "schedule.cleaner",
            "holiday_dates": ["2025-12-25", date(2025, 1, 21)],
        }
    )
    assert level.doors == (DoorRef("a", 1), DoorRef("b", 2))
    assert level.holiday_dates == (date(2025, 1, 21), date(2025, 12, 25))
    assert level.entities() == {"schedule.cleaner"}
    assert AccessLevel.from_data(level.as_data()) == level
    assert level.unique_id == "access_level_back door"
    with refused("no_doors"):
        AccessLevel.from_data({"name": "Nowhere", "doors": []})
    with refused("invalid_date"):
        holiday_dates(["25/12/2025"])
    with refused("invalid_level_name"):
        AccessLevel.from_data({"name": "x" * 65, "doors": [{"device_id": "a"}]})
