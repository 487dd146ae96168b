"""ZK PUSH access rules: time zones, holidays and door rights (specs/003_918f4eda729658fc.txt).

"Deliver Time Rule" (`timezone`: three intervals a day, Sunday first, and three for each of
three holiday types, each interval `start << 16 + end` in HHMM), "Deliver Holiday" (`holiday`:
a date and its type) and "Deliver User's Access Control Privilege" (`userauthorize`: a time
zone and a door bit mask per row; a person may have several rows). Time zone 1 is every day,
all day: the zone users get without a directory.

Holiday dates are grouped by what every rule allows on them; three groups fit the three types.
More groups share the third type, which then allows only what all its dates allow.

Verification modes by period (12.1.1.26-28): a `DiffTimezoneVS` row is a time zone whose
periods each carry an Appendix 3 mode for people (`VSUser`) or for the door (`VSDoor`), 255
for "as the door is set"; `DoorVSTimezone` gives a door its row, `PersonalVSTimezone` a person
at a door. A demand is written only when its row holds it exactly (three periods a day, its
holidays on their types, a mode with an Appendix 3 code); the others are held narrower by
`access.hold_verification`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

from ..access import (
    ALL_DAY,
    AccessPlan,
    AccessProfile,
    DayIntervals,
    Demand,
    DoorSchedules,
    Interval,
    Notes,
    PersonPolicy,
    Shortfall,
    TimeRule,
    ZoneBook,
    asks_verification,
    door_rules,
    first_card_rules,
    fit_day,
    hold_verification,
    holiday_dates,
    intersection,
    ordered_policies,
    person_demand,
    seasonal,
)
from ..model import UserAccess
from .operations import set_options_command
from .settings import VERIFY_CODES
from .users import Capabilities, chunks

ALWAYS_ZONE = 1
# The document gives no limit; controllers of this class keep 50 time zones.
TIME_ZONES = 50
INTERVALS_PER_DAY = 3
HOLIDAY_TYPES = 3
# A holiday table entry per date of the coming year at most (see access.HOLIDAY_HORIZON).
HOLIDAYS = 367
# `Loop` 2: the date of this year only (1 would repeat it every year).
ONE_YEAR_ONLY = 2
# Role rows per DATA UPDATE (as users: "up to 100 per command").
ROWS_PER_COMMAND = 100
# extuser FunSwitch bit 1: the door stays unlocked for ExtDoor<n>DelayDrivertime.
EXTENDED_UNLOCK = 1
_SUNDAY_FIRST = (6, 0, 1, 2, 3, 4, 5)
_DAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")

# A time zone as written: seven days (Sunday first), then the three holiday types.
type ZoneDays = tuple[DayIntervals, ...]


def profile_of(caps: Capabilities) -> AccessProfile:
    """Return what a terminal with `caps` holds (an attendance terminal: no schedules)."""
    if caps.attendance:
        return AccessProfile(
            doors=1, cards=1, validity_start=False, validity_end=False, can_disable=False
        )
    return AccessProfile(
        doors=max(caps.doors, 1),
        time_zones=TIME_ZONES,
        intervals_per_day=INTERVALS_PER_DAY,
        holidays=HOLIDAYS,
        holiday_hours=True,
        per_door=True,
        cards=8 if caps.mul_card else 1,
        free_open=True,
        verify_modes=caps.verify_periods,
        first_card=True,
        super_users=caps.super_authorize,
        extended_unlock=caps.extended_unlock,
    )


def _holiday_types(rules: Sequence[TimeRule], notes: Notes) -> dict[date, int]:
    """Give each holiday date a type: dates on which every rule allows the same share one."""
    groups: dict[tuple[DayIntervals, ...], list[date]] = {}
    for day in holiday_dates(rules):
        groups.setdefault(tuple(rule.on(day) for rule in rules), []).append(day)
    ordered = sorted(groups.values(), key=lambda days: (-len(days), days[0]))
    if len(ordered) > HOLIDAY_TYPES:
        notes.add(Shortfall.HOLIDAYS, len(ordered), HOLIDAY_TYPES)
    return {
        day: min(position, HOLIDAY_TYPES - 1) + 1
        for position, days in enumerate(ordered)
        for day in days
    }


def _zone(
    rule: TimeRule, types: Mapping[date, int], profile: AccessProfile, notes: Notes
) -> ZoneDays:
    """Return a rule as a time zone: its week, then each holiday type's hours."""
    days = [fit_day(rule.week[weekday], profile, notes) for weekday in _SUNDAY_FIRST]
    for kind in range(1, HOLIDAY_TYPES + 1):
        dates = [day for day, of_kind in types.items() if of_kind == kind]
        hours: DayIntervals = ALL_DAY if dates else ()
        for day in dates:
            hours = intersection(hours, rule.on(day))
        if len({rule.on(day) for day in dates}) > 1:
            notes.add(Shortfall.HOLIDAYS, len(dates), 1)
        days.append(fit_day(hours, profile, notes))
    return tuple(days)


type DemandKey = int | tuple[str, int]


def _demands(
    policies: Sequence[PersonPolicy], schedules: DoorSchedules, doors: int
) -> dict[DemandKey, Demand]:
    """Return the verification each door (by number), and each person at a door, demands."""
    found: dict[DemandKey, Demand] = {}
    for door, demands in schedules.verify.items():
        if demands and 1 <= door <= doors:
            found[door] = demands[0]
    for policy in policies:
        for door in policy.doors():
            if door <= doors and (demand := person_demand(policy, door)) is not None:
                found[policy.person_id, door] = demand
    return found


def _all_rules(
    by_people: Sequence[Mapping[int, TimeRule]],
    schedules: Mapping[int, TimeRule],
    demands: Sequence[Demand],
) -> list[TimeRule]:
    """Return every distinct rule, in the order people, door schedules, demands use them.

    `by_people`: each person's rule per door (their rights, their first-card periods).
    """
    rules = dict.fromkeys(rule for doors in by_people for rule in doors.values())
    rules.update(dict.fromkeys(schedules.values()))
    rules.update(dict.fromkeys(rule for _, rule in demands))
    return list(rules)


def _held_exactly(rule: TimeRule, types: Mapping[date, int], profile: AccessProfile) -> bool:
    """Return True if a time zone row holds `rule` as it is (every day, every holiday)."""
    days = _zone(rule, types, profile, Notes())
    week = tuple(days[_SUNDAY_FIRST.index(weekday)] for weekday in range(7))
    return week == rule.week and all(
        days[7 + kind - 1] == rule.on(day) for day, kind in types.items()
    )


def _holds(
    mode: str, rule: TimeRule, *, types: Mapping[date, int], profile: AccessProfile, today: date
) -> bool:
    """Return True if a DiffTimezoneVS row holds a demand exactly (mode and hours)."""
    return mode in VERIFY_CODES and _held_exactly(
        seasonal(rule, profile, today, Notes()), types, profile
    )


def _hold_modes(
    policies: list[PersonPolicy],
    schedules: DoorSchedules,
    profile: AccessProfile,
    today: date,
    notes: Notes,
) -> tuple[list[PersonPolicy], DoorSchedules]:
    """Keep the demands the rows hold exactly; narrow the rest (until nothing more changes).

    Taking periods from people's access can change the holiday types, so it is checked again.
    """
    if not asks_verification(policies, schedules):
        return policies, schedules  # nothing to hold: no rules to compute twice
    while True:
        by_people = [door_rules(p, profile, today, Notes()) for p in policies] + [
            first_card_rules(p, profile, today, Notes()) for p in policies
        ]
        wanted = [
            (mode, seasonal(rule, profile, today, Notes()))
            for mode, rule in _demands(policies, schedules, profile.doors).values()
        ]
        types = _holiday_types(_all_rules(by_people, schedules.free_open, wanted), Notes())
        holds = partial(_holds, types=types, profile=profile, today=today)
        held, kept = hold_verification(policies, schedules, holds, notes)
        if held == policies and kept == schedules:
            return held, kept
        policies, schedules = held, kept


def compile_access(
    policies: Sequence[PersonPolicy],
    caps: Capabilities,
    today: date,
    doors: DoorSchedules | None = None,
) -> AccessPlan:
    """Compile the people of one terminal into time zones, holidays and door rights.

    `doors.free_open` (door schedules) becomes each door's normal-open time zone
    (`Door<n>KeepOpenTimeZone`, Appendix 10), numbered in the same book as the people's rules;
    given, every door without a schedule gets 0 (no normal-open period). The verification
    demands of `doors.verify` and of the people's grants become DiffTimezoneVS rows and the
    door and person rows pointing at them, on controllers that hold them (AccSupportFunList
    bit 12); on the others the directory has taken their periods from people's access.
    """
    profile = profile_of(caps)
    notes = Notes()
    ordered = ordered_policies(policies)
    schedules = doors or DoorSchedules()
    if profile.verify_modes:
        ordered, schedules = _hold_modes(ordered, schedules, profile, today, notes)
    rights = {p.person_id: door_rules(p, profile, today, notes) for p in ordered}
    if caps.attendance:
        return _attendance_plan(rights, notes)
    firsts = {p.person_id: first_card_rules(p, profile, today, notes) for p in ordered}
    free_open = {
        door: rule for door, rule in schedules.free_open.items() if 1 <= door <= profile.doors
    }
    demands = {
        key: (mode, seasonal(rule, profile, today, notes))
        for key, (mode, rule) in _demands(ordered, schedules, profile.doors).items()
    }
    # Rules in the order people use them (their rights, then their first-card periods): numbers
    # are given the same way every time.
    by_people = [*rights.values(), *firsts.values()]
    rules = _all_rules(by_people, free_open, ())
    types = _holiday_types(_all_rules(by_people, free_open, list(demands.values())), notes)
    book: ZoneBook[ZoneDays] = ZoneBook(first=ALWAYS_ZONE + 1, capacity=TIME_ZONES - 1)
    used = set(types.values())
    always = (ALL_DAY,) * 7 + tuple(
        ALL_DAY if kind in used else () for kind in range(1, HOLIDAY_TYPES + 1)
    )
    zone_of: dict[TimeRule, int | None] = {}
    for rule in rules:
        days = _zone(rule, types, profile, notes)
        zone_of[rule] = ALWAYS_ZONE if days == always else book.number(days)
    if None in zone_of.values():
        notes.add(Shortfall.TIME_ZONES, len(set(zone_of)), TIME_ZONES)
    people: dict[str, UserAccess] = {}
    for policy in ordered:
        zones = tuple(
            (door, zone)
            for door, rule in sorted(rights[policy.person_id].items())
            if (zone := zone_of[rule]) is not None
        )
        if zones:
            people[policy.person_id] = UserAccess(zones=zones)
    every_day = (ALL_DAY,) * (7 + HOLIDAY_TYPES)
    zones_written = {ALWAYS_ZONE: every_day} | {n: days for days, n in book.numbers.items()}
    tables: dict[str, Any] = {
        "timezones": [
            {"id": number, "days": _as_lists(days)}
            for number, days in sorted(zones_written.items())
        ],
        "holidays": [
            {"date": day.strftime("%Y%m%d"), "type": kind} for day, kind in sorted(types.items())
        ],
    }
    if doors is not None:
        # A schedule the full book could not number leaves its door without one (noted).
        zones_of_doors = {door: zone_of[rule] or 0 for door, rule in free_open.items()}
        tables["keep_open"] = [
            {"door": door, "zone": zones_of_doors.get(door, 0)}
            for door in range(1, profile.doors + 1)
        ]
    if profile.verify_modes:
        tables |= _verify_tables(demands, types, profile, caps, set(people))
    held = [p for p in ordered if p.enabled and p.person_id in people]
    tables |= _role_tables(held, firsts, zone_of, caps, profile)
    return AccessPlan(tables=tables, people=people, shortfalls=notes.frozen())


# Appendix 3 code of "as the door is set" in a DiffTimezoneVS period.
UNCHANGED = 255


def _as_lists(days: ZoneDays) -> list[list[list[int]]]:
    """Return a time zone's days as the tables keep them (JSON-friendly)."""
    return [[[interval.start, interval.end] for interval in day] for day in days]


def _verify_tables(
    demands: Mapping[DemandKey, Demand],
    types: Mapping[date, int],
    profile: AccessProfile,
    caps: Capabilities,
    held: set[str],
) -> dict[str, Any]:
    """Return the DiffTimezoneVS rows and the door and person rows pointing at them."""
    # The document gives no limit: one row per distinct (hours, mode, door or people).
    rows: dict[tuple[ZoneDays, int, int], int] = {}
    door_rows: list[dict[str, Any]] = []
    person_rows: list[dict[str, Any]] = []
    for key, (mode, rule) in demands.items():
        code = int(VERIFY_CODES[mode])
        days = _zone(rule, types, profile, Notes())
        if isinstance(key, int):
            number = rows.setdefault((days, code, UNCHANGED), len(rows) + 1)
            door_rows.append({"door": key, "zone": number})
        elif key[0] in held:
            number = rows.setdefault((days, UNCHANGED, code), len(rows) + 1)
            person_rows.append({"pin": key[0], "door": key[1], "zone": number})
    return {
        "verify_zones": [
            {"id": n, "days": _as_lists(days), "door": door, "user": user}
            for (days, door, user), n in rows.items()
        ],
        "door_verify": door_rows,
        "person_verify": person_rows,
        "dev_id": caps.dev_id,
    }


def _role_tables(
    held: Sequence[PersonPolicy],
    firsts: Mapping[str, Mapping[int, TimeRule]],
    zone_of: Mapping[TimeRule, int | None],
    caps: Capabilities,
    profile: AccessProfile,
) -> dict[str, Any]:
    """Return the first-card, super user and extended unlock rows of the people held.

    Each table the terminal has is given whole (its rows are written anew, see
    `table_commands`), so rows nobody wants any more leave it. A first-card rule the full book
    could not number frees nothing (the time zone shortfall is noted).
    """
    first_card = [
        {"door": door, "zone": zone, "pin": policy.person_id}
        for policy in held
        for door, rule in sorted(firsts[policy.person_id].items())
        if (zone := zone_of[rule]) is not None
    ]
    freed = {row["door"] for row in first_card}
    tables: dict[str, Any] = {
        "first_card": first_card,
        "first_card_doors": [
            {"door": door, "on": int(door in freed)} for door in range(1, profile.doors + 1)
        ],
        "dev_id": caps.dev_id,
    }
    if profile.super_users:
        tables["super_users"] = [
            {"pin": policy.person_id, "door": door}
            for policy in held
            for door in policy.super_doors()
            if door <= profile.doors
        ]
    if profile.extended_unlock:
        tables["extended_unlock"] = [p.person_id for p in held if p.extended_unlock]
    return tables


def _attendance_plan(rights: Mapping[str, Mapping[int, TimeRule]], notes: Notes) -> AccessPlan:
    """Keep the people always allowed (an attendance terminal lets in whom it holds)."""
    people = {
        person: UserAccess(zones=((1, ALWAYS_ZONE),))
        for person, doors in rights.items()
        if (rule := doors.get(1)) is not None and rule.always
    }
    if len(people) < sum(1 for doors in rights.values() if doors):
        notes.add(Shortfall.SCHEDULES)
    return AccessPlan(people=people, shortfalls=notes.frozen())


# -- the commands that write the tables ----------------------------------------------------------


def hhmm(minute: int) -> int:
    """Return a minute of the day as the document's HHMM number."""
    return minute // 60 * 100 + minute % 60


def encode_interval(interval: Interval | None) -> int:
    """Return an interval as `start << 16 + end` (its last minute included); 0 for none."""
    if interval is None:
        return 0
    return (hhmm(interval.start) << 16) + hhmm(interval.end - 1)


def _slots(day: Sequence[Sequence[int]]) -> Iterator[int]:
    for slot in range(INTERVALS_PER_DAY):
        yield encode_interval(Interval(*day[slot]) if slot < len(day) else None)


def timezone_record(zone: Mapping[str, Any]) -> str:
    """Return one `timezone` record (TimezoneId, SunTime1..SatTime3, Hol1Time1..Hol3Time3)."""
    names = [*_DAY_NAMES, *(f"Hol{kind}" for kind in range(1, HOLIDAY_TYPES + 1))]
    fields = [f"TimezoneId={zone['id']}"]
    for name, day in zip(names, zone["days"], strict=True):
        fields.extend(f"{name}Time{n}={value}" for n, value in enumerate(_slots(day), start=1))
    return "\t".join(fields)


def verify_zone_record(zone: Mapping[str, Any]) -> str:
    """Return one DiffTimezoneVS record: each period with its people's and door's mode."""
    names = [*_DAY_NAMES, *(f"Hol{kind}" for kind in range(1, HOLIDAY_TYPES + 1))]
    fields = [f"TimezoneID={zone['id']}"]
    for name, day in zip(names, zone["days"], strict=True):
        for n, value in enumerate(_slots(day), start=1):
            user, door = (zone["user"], zone["door"]) if value else (UNCHANGED, UNCHANGED)
            fields += [f"{name}Time{n}={value}", f"{name}Time{n}VSUser={user}"]
            fields.append(f"{name}Time{n}VSDoor={door}")
    return "\t".join(fields)


def _verify_commands(tables: Mapping[str, Any]) -> list[str]:
    """Return the commands replacing the verification modes by period of doors (and rows).

    The rows pointing at DiffTimezoneVS go first (the people's come back after the people,
    `people_commands`), so no door or person ever points at a row that is not there.
    """
    commands = [
        "DATA DELETE PersonalVSTimezone *",
        "DATA DELETE DoorVSTimezone *",
        "DATA DELETE DiffTimezoneVS *",
    ]
    if zones := tables["verify_zones"]:
        commands.append("DATA UPDATE DiffTimezoneVS " + "\n".join(map(verify_zone_record, zones)))
    if doors := tables["door_verify"]:
        records = (
            f"DoorID={row['door']}\tTimezoneID={row['zone']}{_dev_id(tables)}" for row in doors
        )
        commands.append("DATA UPDATE DoorVSTimezone " + "\n".join(records))
    return commands


def _dev_id(tables: Mapping[str, Any]) -> str:
    """Return the DevID field of rows, for controllers that announce it (else nothing)."""
    return "\tDevID=1" if tables.get("dev_id") else ""


def unused_zones_command(tables: Mapping[str, Any]) -> str | None:
    """Return DATA DELETE timezone for the numbers `tables` leaves unused (None: none).

    Zones are numbered from 1 without gaps, so every number above the last written is one an
    earlier, larger book may have left on the terminal.
    """
    last = max((int(zone["id"]) for zone in tables.get("timezones", ())), default=ALWAYS_ZONE)
    if last >= TIME_ZONES:
        return None
    return "DATA DELETE timezone " + "\n".join(
        f"TimezoneId={number}" for number in range(last + 1, TIME_ZONES + 1)
    )


def table_commands(tables: Mapping[str, Any]) -> list[str]:
    """Return the commands writing the tables, before the people are written.

    Time zones, the holidays anew, the rows naming people deleted (they come back once the
    people are there, `people_commands`), the doors' normal-open periods and verification rows.
    """
    commands = ["DATA UPDATE timezone " + "\n".join(map(timezone_record, tables["timezones"]))]
    commands.append("DATA DELETE holiday *")
    if holidays := tables["holidays"]:
        records = (
            f"Holiday={item['date']}\tHolidayType={item['type']}\tLoop={ONE_YEAR_ONLY}"
            for item in holidays
        )
        commands.append("DATA UPDATE holiday " + "\n".join(records))
    commands.extend(f"DATA DELETE {table} *" for table, _ in _role_rows(tables))
    if keep_open := tables.get("keep_open"):
        commands.append(
            set_options_command(
                {f"Door{item['door']}KeepOpenTimeZone": str(item["zone"]) for item in keep_open}
            )
        )
    if "verify_zones" in tables:
        commands.extend(_verify_commands(tables))
    return commands


def _role_rows(tables: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """Return each role table the plan gives, with its rows (written whole: anew).

    First-card opening (12.1.1.9), super users (12.1.1.29) and the extended unlock switch
    (12.1.1.2, FunSwitch bit 1; the visitor bit, which makes the terminal delete the person
    daily, is left off).
    """
    dev_id = _dev_id(tables)
    rows: list[tuple[str, list[str]]] = []
    if "first_card" in tables:
        rows.append(
            (
                "firstcard",
                [
                    f"DoorID={row['door']}\tTimezoneID={row['zone']}\tPin={row['pin']}{dev_id}"
                    for row in tables["first_card"]
                ],
            )
        )
    if "super_users" in tables:
        rows.append(
            (
                "SuperAuthorize",
                [
                    f"Pin={row['pin']}\tDoorID={row['door']}{dev_id}"
                    for row in tables["super_users"]
                ],
            )
        )
    if "extended_unlock" in tables:
        rows.append(
            (
                "extuser",
                [f"Pin={pin}\tFunSwitch={EXTENDED_UNLOCK}" for pin in tables["extended_unlock"]],
            )
        )
    return rows


def optional_commands(tables: Mapping[str, Any]) -> set[str]:
    """Return the commands a controller may refuse without harm: role tables left empty.

    No capability announces first-card opening: a controller without it refuses to empty its
    table, or to turn off a switch it does not have, which leaves nothing to undo.
    """
    optional = {f"DATA DELETE {table} *" for table, records in _role_rows(tables) if not records}
    if (doors := _first_card_doors(tables)) and not tables.get("first_card"):
        optional.add(doors)
    return optional


def _first_card_doors(tables: Mapping[str, Any]) -> str | None:
    """Return `Door<n>FirstCardOpenDoor` for every door: 1 with first-card rows, else 0."""
    if not (doors := tables.get("first_card_doors")):
        return None
    return set_options_command(
        {f"Door{item['door']}FirstCardOpenDoor": str(item["on"]) for item in doors}
    )


def people_commands(tables: Mapping[str, Any]) -> list[str]:
    """Return the commands writing the rows that name people, once the people are written.

    Role rows (in commands of at most ROWS_PER_COMMAND), `Door<n>FirstCardOpenDoor` (1 where a
    door has first-card rows, 0 elsewhere) and the people's verification modes by period
    (PersonalVSTimezone).
    """
    commands = [
        f"DATA UPDATE {table} " + "\n".join(chunk)
        for table, records in _role_rows(tables)
        for chunk in chunks(records, ROWS_PER_COMMAND)
    ]
    if doors := _first_card_doors(tables):
        commands.append(doors)
    if people := tables.get("person_verify"):
        records = (
            f"PIN={row['pin']}\tDoorID={row['door']}\tTimezoneID={row['zone']}{_dev_id(tables)}"
            for row in people
        )
        commands.append("DATA UPDATE PersonalVSTimezone " + "\n".join(records))
    return commands
