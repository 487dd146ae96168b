"""Webserver + JSON access rules, written by the terminal and enforced by the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from custom_components.access_terminal.protocols.model import Operation, User
from custom_components.access_terminal.protocols.webjson import WebJsonTerminal
from simulator.access_rules import DISABLED, EXPIRED, GRANTED, HOLIDAY, TIME_ZONE, UNREGISTERED
from simulator.webjson import WebJsonSimulator

from ..access_helpers import HOLIDAY as HOLIDAY_DATE, TUESDAY, at, everyone, users_of, verify_at
from ..pull_helpers import running

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def sim() -> AsyncIterator[WebJsonSimulator]:
    async with running(WebJsonSimulator(seed=3)) as simulator:
        yield simulator


async def test_terminal_holds_the_rules(sim: WebJsonSimulator, terminal: WebJsonTerminal) -> None:
    """Tuesday 10:00 in, 13:00 out, the holiday out, disabled and expired out; all offline."""
    assert terminal.supports(Operation.ACCESS_RULES)
    policies = everyone()
    plan = terminal.compile_access(policies, TUESDAY)
    await terminal.set_access_tables(plan.tables)
    await terminal.set_users(users_of(plan, policies))
    assert sim.locks["7"]["weekzone"] == 2
    assert verify_at(sim, "7", at(TUESDAY, 10)) == GRANTED
    assert sim.rtlog[-1]["enrollid"] == "7"  # the passage is a record
    records = len(sim.rtlog)
    assert verify_at(sim, "7", at(TUESDAY, 13)) == TIME_ZONE
    assert verify_at(sim, "7", at(HOLIDAY_DATE, 10)) == HOLIDAY
    assert verify_at(sim, "8", at(TUESDAY, 10)) == DISABLED
    assert verify_at(sim, "9", at(TUESDAY, 10)) == EXPIRED
    assert verify_at(sim, "99", at(TUESDAY, 10)) == UNREGISTERED
    assert len(sim.rtlog) == records  # refusals leave no record


async def test_validity_without_the_directory(
    sim: WebJsonSimulator, terminal: WebJsonTerminal
) -> None:
    """A user written with a validity alone gets week zone 1 and the validity (a lock)."""
    until = at(TUESDAY, 12)
    await terminal.set_users([User(user_id="5", valid_until=until)])
    assert sim.locks["5"]["weekzone"] == 1
    assert sim.locks["5"]["endtime"] == "2025-01-14 12:00:00"
    assert verify_at(sim, "5", at(TUESDAY, 11)) == GRANTED
    assert verify_at(sim, "5", at(TUESDAY, 13)) == EXPIRED
    await terminal.set_users([User(user_id="6")])
    assert "6" not in sim.locks  # nothing to say: no lock command
