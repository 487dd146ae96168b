"""Erasing data and the questionnaire of a Webserver + JSON terminal, against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.access_terminal.protocols.errors import AuthError
from custom_components.access_terminal.protocols.model import Erasable, Operation
from custom_components.access_terminal.protocols.questionnaire import Questionnaire
from simulator.webjson import WebJsonSimulator

from ..pull_helpers import running
from .test_terminal import make_terminal

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def sim() -> AsyncIterator[WebJsonSimulator]:
    async with running(WebJsonSimulator(seed=5)) as simulator:
        simulator.add_demo_users(3)
        simulator.users["2"].enabled = False
        simulator.record("1")
        simulator.attendance[-1]["photo"] = "base64 photo"
        simulator.menu_changes["VOLUME"] = 2
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_each_kind_is_erased_alone(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    assert terminal.supports(Operation.ERASE_DATA)
    assert terminal.erasable == frozenset(Erasable)
    await terminal.erase_data(Erasable.INACTIVE_USERS)
    assert sorted(sim.users) == ["1", "3"]
    assert len(sim.attendance) == 1
    await terminal.erase_data(Erasable.RECORD_PHOTOS)
    assert "photo" not in sim.attendance[0]
    assert sim.attendance[0]["enrollid"] == "1"
    await terminal.erase_data(Erasable.MENU_SETTINGS)
    assert sim.menu_changes == {}
    assert sorted(sim.users) == ["1", "3"]
    await terminal.erase_data(Erasable.DATABASE)
    assert (sim.users, sim.attendance, sim.reboots) == ({}, [], 1)
    assert sim.commands[-4:] == ["cleaninactiveuser", "cleanlogphoto", "initmenu", "cleandatebase"]


async def test_a_refused_password_is_no_success(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    """Silence after cleandatebase is a restart; a refusal is not."""
    terminal, _listener = make_terminal(sim, session, password="wrong")
    with pytest.raises(AuthError):
        await terminal.erase_data(Erasable.DATABASE)
    assert len(sim.users) == 3


async def test_questionnaire_written_read_and_cleared(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    assert terminal.supports(Operation.QUESTIONNAIRE)
    assert await terminal.get_questionnaire() is None
    asked = Questionnaire(title="In or out?", items=("in", "out"), voice="please select")
    await terminal.set_questionnaire(asked)
    assert sim.questionnaire["items"] == ["in", "out"]
    assert sim.questionnaire["radio"] is True
    assert await terminal.get_questionnaire() == asked
    await terminal.clear_questionnaire()
    assert sim.questionnaire == {}
    assert await terminal.get_questionnaire() is None
