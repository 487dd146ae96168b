"""Bells and attendance shifts of the device control interface (specs/001_0944bd5a8bd87614.txt).

`GetBellSetting` / `SetBellSetting` carry all 24 bells and `GetShiftSetting` / `SetShiftSetting`
all 24 shifts of three periods: one is changed by reading them all, replacing it and writing them
all back. The bell's ring length is one of the document's `duration_index` values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..errors import InvalidRequestError, ProtocolError
from ..model import Bell, BellRinger, Period, RotaDay, RotaEntry

BELLS = 24
SHIFTS = 24
SHIFT_PERIODS = 3
ROTA_DAYS = 100
# A rota day's code ("0~23: One of 24 shifts, 24: Business trip, 25: Leave, 100: Holiday").
ROTA_CODES: Mapping[RotaDay, int] = {RotaDay.TRIP: 24, RotaDay.LEAVE: 25, RotaDay.OFF: 100}
_ROTA_DAYS = {code: day for day, code in ROTA_CODES.items()}
# duration_index -> seconds the bell rings (0: "None", the bell is off).
BELL_SECONDS: Mapping[int, int] = {0: 0, 1: 3, 2: 5, 3: 10, 4: 15, 5: 20, 6: 30, 7: 45, 8: 60}
# type_index -> which bell ("Inside", "Outside", "In/Out").
BELL_TYPES: Mapping[int, BellRinger] = {
    0: BellRinger.INTERNAL,
    1: BellRinger.EXTERNAL,
    2: BellRinger.BOTH,
}
_DURATION_INDEX = {seconds: index for index, seconds in BELL_SECONDS.items() if seconds}
_TYPE_INDEX = {ringer: index for index, ringer in BELL_TYPES.items()}


def weekmask(weekdays: frozenset[int]) -> int:
    """Return the document's weekday mask (Sunday bit 0, Monday bit 1...) of Monday-0 weekdays."""
    return sum(1 << ((day + 1) % 7) for day in weekdays)


def bell_entry(bell: Bell, current: Mapping[str, Any]) -> dict[str, Any]:
    """Return one entry of `bells` for `bell` (an off bell keeps its time, rings for "None")."""
    if bell.start is None:
        return {**current, "duration_index": 0, "weekmask": 0}
    index = _DURATION_INDEX.get(bell.seconds)
    if index is None:
        lengths = ", ".join(str(seconds) for seconds in _DURATION_INDEX)
        raise InvalidRequestError(f"the terminal rings a bell for {lengths} seconds")
    if not bell.weekdays:
        raise InvalidRequestError("a bell that is on rings on at least one weekday")
    return {
        "start": bell.start.strftime("%H:%M"),
        "duration_index": index,
        "type_index": _TYPE_INDEX[bell.ringer],
        "weekmask": weekmask(bell.weekdays),
    }


def with_bell(payload: Mapping[str, Any], bell: Bell) -> dict[str, Any]:
    """Return the SetBellSetting payload: the terminal's bells with `bell` replaced."""
    bells = _entries(payload, "bells", BELLS)
    current = bells[bell.number - 1]
    bells[bell.number - 1] = bell_entry(bell, current if isinstance(current, dict) else {})
    return {"bells": bells}


def with_shift(payload: Mapping[str, Any], shift: int, periods: Sequence[Period]) -> dict[str, Any]:
    """Return the SetShiftSetting payload: the terminal's shifts with `shift` replaced.

    Periods it does not use are empty (the document's "start time and end time can be empty").
    """
    if len(periods) > SHIFT_PERIODS:
        raise InvalidRequestError(f"a shift has at most {SHIFT_PERIODS} periods")
    shifts = _entries(payload, "shifts", SHIFTS)
    written = [
        {"start": period.start.strftime("%H:%M"), "end": period.end.strftime("%H:%M")}
        for period in periods
    ]
    shifts[shift - 1] = written + [{"start": "", "end": ""}] * (SHIFT_PERIODS - len(written))
    return {"shifts": shifts}


def rota_payload(user_id: str, start: date, days: Sequence[RotaEntry]) -> dict[str, Any]:
    """Return the SetUserShift payload: `days` repeated over the 100 days from `start`."""
    if not days:
        raise InvalidRequestError("a rota has at least one day")
    codes = []
    for day in days:
        if isinstance(day, RotaDay):
            codes.append(ROTA_CODES[day])
        elif 1 <= day <= SHIFTS:
            codes.append(day - 1)
        else:
            raise InvalidRequestError(f"shift {day} is not one of 1 to {SHIFTS}")
    return {
        "id": user_id,
        "shift_start_day": start.strftime("%Y-%m-%dT00:00:00"),
        "shift": [codes[index % len(codes)] for index in range(ROTA_DAYS)],
    }


def rota_from(payload: Mapping[str, Any]) -> list[RotaEntry]:
    """Read a UserShift answer's days (shift numbers 1-based, or trip, leave, off)."""
    codes = payload.get("shift")
    if not isinstance(codes, list):
        raise ProtocolError(f"expected a list of rota days, got {_shown(codes)}")
    days: list[RotaEntry] = []
    for code in codes:
        if isinstance(code, int) and not isinstance(code, bool) and 0 <= code < SHIFTS:
            days.append(code + 1)
        elif isinstance(code, int) and code in _ROTA_DAYS:
            days.append(_ROTA_DAYS[code])
        else:
            raise ProtocolError(f"not a rota day: {code!r}")
    return days


def _entries(payload: Mapping[str, Any], key: str, count: int) -> list[Any]:
    entries = payload.get(key)
    if not isinstance(entries, list) or len(entries) != count:
        raise ProtocolError(f"expected {count} {key}, got {_shown(entries)}")
    return list(entries)


def _shown(entries: object) -> str:
    return f"{len(entries)}" if isinstance(entries, list) else type(entries).__name__
