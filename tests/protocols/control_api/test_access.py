"""Device control interface access rules, written by the terminal and enforced by the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, timedelta

import aiohttp
import pytest

from custom_components.access_terminal.protocols.access import Shortfall
from custom_components.access_terminal.protocols.control_api import ControlApiTerminal
from custom_components.access_terminal.protocols.errors import UserWriteError
from custom_components.access_terminal.protocols.model import Credentials, Operation, User
from custom_components.access_terminal.protocols.pull import DeviceAddress
from simulator.access_rules import EXPIRED, GRANTED, TIME_ZONE, UNREGISTERED
from simulator.common import jpeg_photo
from simulator.control_api import ControlApiSimulator

from ..access_helpers import HOLIDAY, TUESDAY, at, everyone, users_of, verify_at
from ..common import RecordingListener
from ..pull_helpers import running

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def sim() -> AsyncIterator[ControlApiSimulator]:
    async with running(ControlApiSimulator(seed=5, uploader=False)) as simulator:
        yield simulator


@pytest.fixture
async def terminal(sim: ControlApiSimulator) -> AsyncIterator[ControlApiTerminal]:
    async with aiohttp.ClientSession() as session:
        yield ControlApiTerminal(
            sim.serial,
            RecordingListener(),
            session=session,
            address=DeviceAddress(host=sim.host, port=sim.port),
            api_key=sim.api_key,
            zone=UTC,
        )


async def test_terminal_holds_the_rules(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    """Tuesday 10:00 in, 13:00 out; disabled and expired out; the holiday folded into its week."""
    assert terminal.supports(Operation.ACCESS_RULES)
    policies = everyone()
    plan = terminal.compile_access(policies, TUESDAY)
    await terminal.set_access_tables(plan.tables)
    await terminal.set_users(users_of(plan, policies))
    assert sim.users["7"].time_zone[2] > 1  # Sunday first: Tuesday's day zone is its own
    assert verify_at(sim, "7", at(TUESDAY, 10)) == GRANTED
    assert sim.logs[-1]["user_id"] == "7"
    logs = len(sim.logs)
    assert verify_at(sim, "7", at(TUESDAY, 13)) == TIME_ZONE
    assert verify_at(sim, "8", at(TUESDAY, 10)) == EXPIRED  # barred: a validity that ended
    assert verify_at(sim, "9", at(TUESDAY, 10)) == EXPIRED
    assert verify_at(sim, "99", at(TUESDAY, 10)) == UNREGISTERED
    assert len(sim.logs) == logs  # refusals are not attendance

    # The week before the holiday, its Tuesday is closed: the tables alone change.
    users_before = {user_id: list(user.time_zone) for user_id, user in sim.users.items()}
    week_before = terminal.compile_access(policies, HOLIDAY - timedelta(days=1))
    assert week_before.people == plan.people
    assert {note.kind for note in week_before.shortfalls} == {Shortfall.NO_HOLIDAYS}
    await terminal.set_access_tables(week_before.tables)
    assert {user_id: list(user.time_zone) for user_id, user in sim.users.items()} == users_before
    assert verify_at(sim, "7", at(HOLIDAY, 10)) == TIME_ZONE


async def test_photo_becomes_the_face_and_keeps_the_templates(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    """A photo alone is converted (PhotoToFacedata); fingerprints enrolled there stay."""
    sim.add_user("5", "Eve").fp = ["enrolled-finger"]
    photo = jpeg_photo("Eve")
    user = User(user_id="5", name="Eve", credentials=Credentials(photo=photo))
    await terminal.set_users([user], keep_held_credentials={"5"})
    assert sim.users["5"].fp == ["enrolled-finger"]
    assert sim.users["5"].face != ""
    assert "PhotoToFacedata" in sim.commands
    with pytest.raises(UserWriteError, match="decode_fail"):
        await terminal.set_users([User(user_id="6", credentials=Credentials(photo=b"GIF89a"))])


async def test_plain_users_get_every_day_and_their_validity(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    """Without the directory: day zone 0 every day; a validity and `enabled` are held."""
    until = at(TUESDAY, 12)
    await terminal.set_users([User(user_id="4", valid_until=until), User(user_id="5")])
    assert sim.users["4"].time_zone == [0] * 7
    assert sim.users["4"].valid_period == {
        "use": True,
        "start": "2000-01-01T00:00:00",
        "end": "2025-01-14T12:00:00",
    }
    assert sim.users["5"].valid_period["use"] is False
    assert verify_at(sim, "4", at(TUESDAY, 11)) == GRANTED
    assert verify_at(sim, "4", at(TUESDAY, 13)) == EXPIRED
    await terminal.set_users([User(user_id="5", enabled=False)])
    assert verify_at(sim, "5", at(TUESDAY, 11)) == EXPIRED
