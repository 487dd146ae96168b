"""Cloud WebSocket access rules, written by the terminal and enforced by the simulator's tables."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import UserWriteError
from custom_components.access_terminal.protocols.model import Operation, User, UserAccess
from simulator.access_rules import DISABLED, EXPIRED, GRANTED, HOLIDAY, TIME_ZONE, USED_UP
from simulator.cloud_ws_device import DeviceTables
from simulator.common import make_rng

from ..access_helpers import HOLIDAY as HOLIDAY_DATE, TUESDAY, always, at, everyone, users_of
from .helpers import SERIAL, make

pytestmark = pytest.mark.freeze_time(at(TUESDAY, 1))


def on_tables(tables: DeviceTables) -> Any:
    """Return a script answering every command from the simulator's tables."""

    def answer(frame: dict[str, Any]) -> dict[str, Any]:
        reply = tables.answer(frame) or {}
        return {key: value for key, value in reply.items() if key not in ("ret", "sn")}

    return answer


async def test_terminal_holds_the_rules(freezer: Any) -> None:
    """Tuesday 10:00 in, 13:00 out, the holiday out, disabled out, expired out, uses counted."""
    terminal, _listener, device = make()
    tables = DeviceTables(SERIAL, make_rng(1))
    tables.set_time("2025-01-14 01:00:00")
    for name in ("setdevlock", "setholiday", "setuserinfo", "enableuser"):
        device.scripts[name] = on_tables(tables)
    assert terminal.supports(Operation.ACCESS_RULES)
    policies = [*everyone(), always("10", uses_left=2)]
    plan = terminal.compile_access(policies, TUESDAY)
    await terminal.set_access_tables(plan.tables)
    await terminal.set_users(users_of(plan, policies))
    assert device.commands()[:2] == ["setdevlock", "setholiday"]
    cleaner = next(f for f in device.sent if f.get("cmd") == "setuserinfo" and f["enrollid"] == 7)
    assert (cleaner["zoneid"], cleaner["groupid"], cleaner["access_times"]) == (2, 0, 0)

    def outcome(number: int, when: Any) -> str:
        freezer.move_to(when)
        tables.set_time(when.strftime("%Y-%m-%d %H:%M:%S"))
        return tables.decide(number)

    assert outcome(7, at(TUESDAY, 10)) == GRANTED
    assert outcome(7, at(TUESDAY, 13)) == TIME_ZONE
    assert outcome(7, at(HOLIDAY_DATE, 10)) == HOLIDAY
    assert outcome(8, at(TUESDAY, 10)) == DISABLED
    assert outcome(9, at(TUESDAY, 10)) == EXPIRED
    assert [outcome(10, at(TUESDAY, 10)) for _ in range(3)] == [GRANTED, GRANTED, USED_UP]


async def test_a_used_up_pass_is_never_written() -> None:
    """access_times 0 means no limit: a person without uses left is refused, not written."""
    terminal, _listener, _device = make()
    with pytest.raises(UserWriteError, match="no uses left"):
        await terminal.set_users([User(user_id="3", access=UserAccess(zones=((1, 1),), uses=0))])
