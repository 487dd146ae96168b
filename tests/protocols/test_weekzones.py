"""AiFace day zones, week zones and holidays (cloud WebSocket, Webserver + JSON)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from custom_components.access_terminal.protocols import weekzones
from custom_components.access_terminal.protocols.access import ALWAYS, Shortfall
from custom_components.access_terminal.protocols.model import User, UserAccess

from .access_helpers import CLEANER, HOLIDAY, TUESDAY, always, hours, person, weekly, with_holidays

ONE_DOOR = weekzones.profile_of(1, use_counts=True)


def test_cleaner_gets_a_day_zone_and_a_week_zone() -> None:
    """Day zone 2 is 09:00~11:59; week zone 2 uses it on Tuesdays and nothing else."""
    plan = weekzones.compile_access(
        [person("7", ({1}, CLEANER), uses_left=3), always("1")], ONE_DOOR, TUESDAY
    )
    assert plan.people == {
        "1": UserAccess(zones=((1, 1),)),
        "7": UserAccess(zones=((1, 2),), uses=3),
    }
    assert plan.tables["dayzone"] == [
        {"day": [{"section": "00:00~23:59"}]},
        {"day": [{"section": "09:00~11:59"}]},
    ]
    assert plan.tables["weekzone"] == [
        {"week": [{"day": 1}] * 7},
        {"week": [{"day": n} for n in (0, 2, 0, 0, 0, 0, 0)]},
    ]
    assert plan.tables["holidays"] == []
    assert plan.shortfalls == frozenset()


def test_holidays_are_one_list_for_everyone() -> None:
    """A holiday's day zone is what every rule allows on it; ranges of days are merged."""
    days = (HOLIDAY, HOLIDAY + timedelta(days=1))
    tuesdays = with_holidays(weekly(tue=hours((9, 12)), wed=hours((9, 12))), *days)
    plan = weekzones.compile_access([person("7", ({1}, tuesdays))], ONE_DOOR, TUESDAY)
    assert plan.tables["holidays"] == [
        {"name": "HA 2025-01-21", "startday": "01-21", "endday": "01-22", "shift": 0, "dayzone": 0}
    ]
    # Someone let in always is closed out on the holiday too: the terminal has one list.
    both = weekzones.compile_access([person("7", ({1}, tuesdays)), always("1")], ONE_DOOR, TUESDAY)
    assert both.tables["holidays"][0]["dayzone"] == 0
    assert {note.kind for note in both.shortfalls} == {Shortfall.HOLIDAYS}


def test_holiday_ranges_stop_at_the_year_end_and_at_thirty() -> None:
    """Month-days cannot cross a year; past thirty ranges the rest waits."""
    new_year = [date(2025, 12, 31), date(2026, 1, 1)]
    rule = with_holidays(ALWAYS, *new_year)
    plan = weekzones.compile_access([person("1", ({1}, rule))], ONE_DOOR, TUESDAY)
    assert [(h["startday"], h["endday"]) for h in plan.tables["holidays"]] == [
        ("12-31", "12-31"),
        ("01-01", "01-01"),
    ]
    many = with_holidays(ALWAYS, *(TUESDAY + timedelta(days=2 * n) for n in range(1, 33)))
    plan = weekzones.compile_access([person("1", ({1}, many))], ONE_DOOR, TUESDAY)
    assert len(plan.tables["holidays"]) == 30
    assert {note.kind for note in plan.shortfalls} == {Shortfall.HOLIDAYS}


def test_day_and_week_zone_capacity() -> None:
    """Past eight week zones, the people with the rules left over are not held."""
    rules = [weekly(mon=hours((n, n + 1))) for n in range(9)]
    plan = weekzones.compile_access(
        [person(str(n), ({1}, rule)) for n, rule in enumerate(rules, start=1)], ONE_DOOR, TUESDAY
    )
    assert len(plan.people) == 7  # week zones 2-8
    assert {note.kind for note in plan.shortfalls} == {Shortfall.TIME_ZONES}


def test_several_doors_get_a_week_zone_each() -> None:
    """On a controller, every door has the person's week zone (0 where they may not go)."""
    profile = weekzones.profile_of(2, use_counts=True)
    plan = weekzones.compile_access([person("7", ({2}, CLEANER))], profile, TUESDAY)
    assert plan.people["7"].zones == ((1, 0), (2, 2))
    assert profile.per_door


def test_validity_fields_in_the_terminals_time() -> None:
    """Open ends are shown as the terminal shows them; set ones in its local time."""
    zone = UTC
    assert weekzones.validity_fields(User(user_id="1"), zone) == {
        "starttime": "2000-01-01 00:00:00",
        "endtime": "2099-12-31 23:59:59",
    }
    until = datetime(2025, 1, 14, 18, 0, tzinfo=UTC)
    assert weekzones.validity_fields(User(user_id="1", valid_until=until), zone) == {
        "starttime": "2000-01-01 00:00:00",
        "endtime": "2025-01-14 18:00:00",
    }
