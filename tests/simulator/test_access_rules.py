"""The simulators' decisions at the door, from the tables each protocol writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator import httpv2_access, zk_push_access
from simulator.access_rules import (
    DOOR_RIGHTS,
    EXPIRED,
    GRANTED,
    HOLIDAY,
    TIME_ZONE,
    AiFaceZones,
    clock_minute,
    parse_span,
    sunday_first,
    within,
)
from simulator.zk_push_access import AccessTables, decide, decode_interval
from simulator.zk_push_codec import ERR_PARAMETER, OK, encode_time

TUESDAY_TEN = datetime(2025, 1, 14, 10, 0, tzinfo=UTC)
TUESDAY_ONE = datetime(2025, 1, 14, 13, 0, tzinfo=UTC)
HOLIDAY_TEN = datetime(2025, 1, 21, 10, 0, tzinfo=UTC)
MORNING = (900 << 16) + 1159


def test_spans_and_clocks() -> None:
    """Intervals name their last minute; unreadable ones are none."""
    assert parse_span("09:00-11:59") == (540, 719)
    assert parse_span(" 09:00 ~ 11:59 ") == (540, 719)
    assert parse_span("12:00-09:00") is None
    assert parse_span("") is None
    assert parse_span(None) is None
    assert clock_minute("10:30") == 630
    assert clock_minute(5) is None
    assert within(datetime(2025, 1, 14, 11, 59, 59, tzinfo=UTC), [(540, 719)])
    assert not within(datetime(2025, 1, 14, 12, 0, tzinfo=UTC), [(540, 719)])
    assert sunday_first("SMTWTFS", TUESDAY_TEN) == "T"


def test_aiface_zones() -> None:
    """Week zone per door, day zones, holidays by month-day; bad tables are refused."""
    zones = AiFaceZones()
    assert zones.decide(None, 1, TUESDAY_TEN) == GRANTED  # as it comes: every day, all day
    assert zones.set_zones(
        {
            "dayzone": [
                {"day": [{"section": "00:00~23:59"}]},
                {"day": [{"section": "09:00~11:59"}]},
            ],
            "weekzone": [
                {"week": [{"day": 1}] * 7},
                {"week": [{"day": d} for d in (0, 2, 0, 0, 0, 0, 0)]},
            ],
        }
    )
    assert zones.set_holidays([{"startday": "01-21", "endday": "01-21", "dayzone": 0}])
    lock = {"weekzone": 2, "weekzone2": 0, "endtime": "2025-06-01 00:00:00"}
    assert zones.decide(lock, 1, TUESDAY_TEN) == GRANTED
    assert zones.decide(lock, 1, TUESDAY_ONE) == TIME_ZONE
    assert zones.decide(lock, 1, HOLIDAY_TEN) == HOLIDAY
    assert zones.decide(lock, 2, TUESDAY_TEN) == DOOR_RIGHTS
    assert zones.decide({"starttime": "2025-02-01 00:00:00"}, 1, TUESDAY_TEN) == EXPIRED
    assert not zones.set_zones({"dayzone": [{"day": [{}]}] * 9})
    assert not zones.set_zones({"dayzone": [{"day": "x"}]})
    assert not zones.set_zones({"weekzone": [{"week": [{"day": 1}]}]})
    assert not zones.set_zones({"weekzone": "x"})
    assert not zones.set_holidays([{}] * 31)
    assert not zones.set_holidays("x")


def test_zk_time_zones_and_holidays() -> None:
    """Time rules by weekday, holiday types by date (or every year), refusals by code."""
    tables = AccessTables()
    assert decode_interval(0) is None
    assert decode_interval(MORNING) == (540, 719)
    zone = {"TimezoneId": "2", "TueTime1": str(MORNING), "Hol1Time1": "0"}
    assert tables.update("timezone", zone) == OK
    assert tables.update("timezone", {"Timezoneld": "3", "MonTime1": "1"}) == OK  # the typo
    assert tables.update("timezone", {"TimezoneId": "0"}) == ERR_PARAMETER
    assert tables.update("timezone", {"TimezoneId": "4", "MonTime1": "x"}) == ERR_PARAMETER
    assert tables.update("holiday", {"Holiday": "20250121", "HolidayType": "1", "Loop": "2"}) == OK
    assert tables.update("holiday", {"Holiday": "2025", "HolidayType": "1"}) == ERR_PARAMETER
    user = {"Pin": "7", "StartTime": "0", "EndTime": "0"}
    rights = {"2": {"AuthorizeTimezoneId": "2", "AuthorizeDoorId": "1"}}

    def code(moment: datetime, door: int = 1, **fields: str) -> int:
        return decide(tables, user | fields, rights, door, moment, date_fmt=True)

    assert code(TUESDAY_TEN) == zk_push_access.EVENT_OPENED
    assert code(TUESDAY_ONE) == zk_push_access.EVENT_OUTSIDE_TIME_ZONE
    assert code(HOLIDAY_TEN) == zk_push_access.EVENT_OUTSIDE_TIME_ZONE
    assert code(TUESDAY_TEN, door=2) == zk_push_access.EVENT_NO_RIGHT
    assert code(TUESDAY_TEN, Disable="1") == zk_push_access.EVENT_PROHIBITED
    ended = str(encode_time(datetime(2025, 1, 13, tzinfo=UTC)))
    assert code(TUESDAY_TEN, EndTime=ended) == zk_push_access.EVENT_EXPIRED
    february_30 = ((25 * 12 + 1) * 31 + 29) * 86400  # a date that does not exist
    assert code(TUESDAY_TEN, EndTime=str(february_30)) == zk_push_access.EVENT_EXPIRED
    assert decide(tables, None, {}, 1, TUESDAY_TEN, date_fmt=True) == 27
    assert (
        decide(tables, user | {"EndTime": "20250113"}, rights, 1, TUESDAY_TEN, date_fmt=False) == 29
    )
    assert (
        decide(tables, user | {"StartTime": "20250114"}, rights, 1, TUESDAY_TEN, date_fmt=False)
        == 0
    )
    # A holiday of every year, and deleting them.
    assert tables.update("holiday", {"Holiday": "20200114", "HolidayType": "2", "Loop": "1"}) == OK
    assert code(TUESDAY_TEN) == zk_push_access.EVENT_OUTSIDE_TIME_ZONE
    assert tables.delete("holiday", False, {"Holiday": "20200114"}) == OK
    assert code(TUESDAY_TEN) == zk_push_access.EVENT_OPENED
    assert tables.delete("holiday", True, {}) == OK
    assert tables.holidays == {}
    assert tables.delete("timezone", False, {"TimezoneId": "2"}) == OK
    assert code(TUESDAY_TEN) == zk_push_access.EVENT_OUTSIDE_TIME_ZONE
    assert tables.delete("timezone", False, {}) == ERR_PARAMETER
    assert tables.delete("timezone", True, {}) == OK
    assert list(tables.timezones) == [1]


@pytest.mark.parametrize(
    ("person", "moment", "record"),
    [
        ({"Timegroup": 2}, TUESDAY_TEN, httpv2_access.RECORD_FACE),
        ({"Timegroup": 2}, TUESDAY_ONE, httpv2_access.RECORD_OUTSIDE_TIME_GROUP),
        ({"Timegroup": 2, "Holidays": "1"}, HOLIDAY_TEN, httpv2_access.RECORD_HOLIDAY),
        ({"Timegroup": 2, "Holidays": "*"}, HOLIDAY_TEN, httpv2_access.RECORD_HOLIDAY),
        ({"Timegroup": 2, "Holidays": "2"}, HOLIDAY_TEN, httpv2_access.RECORD_FACE),
        ({"Timegroup": 0}, TUESDAY_TEN, httpv2_access.RECORD_OUTSIDE_TIME_GROUP),
        ({"OpenTimes": 0}, TUESDAY_TEN, httpv2_access.RECORD_NO_OPENINGS),
        ({"ExpirationDate": 1736762400}, TUESDAY_TEN, httpv2_access.RECORD_EXPIRED),
        (None, TUESDAY_TEN, httpv2_access.RECORD_UNREGISTERED),
    ],
)
def test_httpv2_decision(person: dict[str, object] | None, moment: datetime, record: int) -> None:
    """Time group by weekday (Monday first), holidays by date, openings, expiry."""
    settings = {
        "TimeZone": 0,
        "TimeGroups": [
            {"Num": 1} | {f"Week{day}": "00:00-23:59" for day in range(1, 8)},
            {"Num": 2, "Week2": "09:00-11:59"},
        ],
        "Holidays": [{"Num": 1, "Date": "2025-01-21"}, "junk"],
    }
    assert httpv2_access.decide(person, settings, moment) == record
    assert httpv2_access.local_now(moment.timestamp(), {"TimeZone": 1}).hour == moment.hour + 1


def test_zk_verification_modes_by_period() -> None:
    """A person's row first, then the door's; 255 sets nothing; any verification under 0."""
    tables = AccessTables()
    assert tables.update("timezone", {"TimezoneId": "1", "TueTime1": str((0 << 16) + 2359)}) == OK
    rows = {
        "TimezoneID": "1",
        "TueTime1": str(MORNING),
        "TueTime1VSUser": "255",
        "TueTime1VSDoor": "11",  # card and password
        "TueTime2": str((1300 << 16) + 1359),
        "TueTime2VSUser": "255",
        "TueTime2VSDoor": "0",  # any
    }
    assert tables.update_verify("difftimezonevs", rows) == OK
    person = {"TimezoneID": "2", "TueTime1": str(MORNING), "TueTime1VSUser": "4"}  # card
    assert tables.update_verify("difftimezonevs", person) == OK
    assert tables.update_verify("doorvstimezone", {"DoorID": "1", "TimezoneID": "1"}) == OK
    user = {"Pin": "7", "StartTime": "0", "EndTime": "0"}
    rights = {"1": {"AuthorizeTimezoneId": "1", "AuthorizeDoorId": "3"}}

    def code(pin: str, moment: datetime, verify: int | None, door: int = 1) -> int:
        return decide(
            tables, user | {"Pin": pin}, rights, door, moment, date_fmt=True, verify=verify
        )

    assert code("7", TUESDAY_TEN, 4) == zk_push_access.EVENT_WRONG_VERIFY_MODE
    assert code("7", TUESDAY_TEN, 11) == zk_push_access.EVENT_OPENED
    assert code("7", TUESDAY_TEN, None) == zk_push_access.EVENT_OPENED  # not checked
    assert code("7", TUESDAY_TEN, 4, door=2) == zk_push_access.EVENT_OPENED  # no row there
    assert code("7", TUESDAY_ONE, 4) == zk_push_access.EVENT_OPENED  # "any" then
    assert code("7", HOLIDAY_TEN.replace(hour=16), 4) == zk_push_access.EVENT_OPENED
    assert (
        tables.update_verify("personalvstimezone", {"PIN": "8", "DoorID": "1", "TimezoneID": "2"})
        == OK
    )
    assert code("8", TUESDAY_TEN, 4) == zk_push_access.EVENT_OPENED  # their own row: card
    assert code("8", TUESDAY_TEN, 11) == zk_push_access.EVENT_WRONG_VERIFY_MODE

    # Refused records, and the deletions of the document (12.1.2.26-28).
    for name, fields in (
        ("difftimezonevs", {"TimezoneID": "0"}),
        ("difftimezonevs", {"TimezoneID": "3", "SunTime1": "x"}),
        ("doorvstimezone", {"TimezoneID": "1"}),
        ("personalvstimezone", {"DoorID": "1", "TimezoneID": "1"}),
    ):
        assert tables.update_verify(name, fields) == ERR_PARAMETER
    for name in ("difftimezonevs", "doorvstimezone", "personalvstimezone"):
        assert tables.delete_verify(name, False, {}) == ERR_PARAMETER
    assert (
        tables.update_verify("personalvstimezone", {"PIN": "8", "DoorID": "2", "TimezoneID": "2"})
        == OK
    )
    assert tables.delete_verify("personalvstimezone", False, {"PIN": "8", "DoorID": "1"}) == OK
    assert set(tables.person_verify) == {("8", 2)}
    assert tables.delete_verify("personalvstimezone", False, {"PIN": "8"}) == OK
    assert tables.person_verify == {}
    assert tables.delete_verify("doorvstimezone", False, {"DoorID": "1"}) == OK
    assert tables.door_verify == {}
    assert tables.delete_verify("difftimezonevs", False, {"TimezoneID": "2"}) == OK
    assert set(tables.verify_zones) == {1}
    assert tables.delete_verify("difftimezonevs", True, {}) == OK
    assert tables.verify_zones == {}
