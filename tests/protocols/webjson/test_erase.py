"""Erasing, questionnaire, languages and company name of a Webserver + JSON terminal."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.access_terminal.protocols.errors import (
    AuthError,
    InvalidRequestError,
)
from custom_components.access_terminal.protocols.model import ClearableData, Operation
from custom_components.access_terminal.protocols.questionnaire import Questionnaire
from custom_components.access_terminal.protocols.settings import Setting, SettingAddress
from custom_components.access_terminal.protocols.webjson.records import language_options
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
    assert terminal.supports(Operation.CLEAR_DATA)
    assert terminal.clearable == {
        ClearableData.ADMINISTRATORS,
        ClearableData.INACTIVE_USERS,
        ClearableData.RECORD_PHOTOS,
        ClearableData.MENU_SETTINGS,
        ClearableData.DATABASE,
    }
    await terminal.clear_data({ClearableData.INACTIVE_USERS})
    assert sorted(sim.users) == ["1", "3"]
    assert len(sim.attendance) == 1
    await terminal.clear_data({ClearableData.RECORD_PHOTOS})
    assert "photo" not in sim.attendance[0]
    assert sim.attendance[0]["enrollid"] == "1"
    await terminal.clear_data({ClearableData.MENU_SETTINGS})
    assert sim.menu_changes == {}
    assert sorted(sim.users) == ["1", "3"]
    await terminal.clear_data({ClearableData.DATABASE})
    assert (sim.users, sim.attendance, sim.reboots) == ({}, [], 1)
    assert sim.commands[-4:] == ["cleaninactiveuser", "cleanlogphoto", "initmenu", "cleandatebase"]


async def test_the_database_goes_last(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    """Several kinds at once: the restart of a cleared database comes after the others."""
    terminal, _listener = make_terminal(sim, session)
    await terminal.clear_data({ClearableData.DATABASE, ClearableData.RECORD_PHOTOS})
    assert sim.commands[-2:] == ["cleanlogphoto", "cleandatebase"]


async def test_a_refused_password_is_no_success(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    """Silence after cleandatebase is a restart; a refusal is not."""
    terminal, _listener = make_terminal(sim, session, password="wrong")
    with pytest.raises(AuthError):
        await terminal.clear_data({ClearableData.DATABASE})
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


async def test_languages_are_read_with_the_info(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    """The choices once, the current language at every info read; shown in the diagnostics."""
    terminal, _listener = make_terminal(sim, session)
    await terminal.refresh()
    diagnostics = terminal.diagnostics()
    assert diagnostics["language"] == "en-US"
    assert diagnostics["languages"] == {0: "English", 1: "Simplified Chinese"}
    terminal.invalidate_info()
    await terminal.refresh()
    assert sim.commands.count("getlangoption") == 1
    assert sim.commands.count("getlang") == 2


async def test_a_terminal_without_languages_is_read_all_the_same(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    sim.refusals["getlangoption"] = [1]
    terminal, _listener = make_terminal(sim, session)
    await terminal.refresh()
    assert terminal.info is not None
    assert (terminal.language, terminal.languages) == (None, None)


@pytest.mark.parametrize(
    ("answer", "read"),
    [
        ({"langs": [{"lvalue": 0, "ltitle": "English"}]}, {0: "English"}),
        ({"langs": [{"lvalue": "2", "ltitle": 7}]}, {2: "7"}),
        ({"langs": [{"lvalue": -1, "ltitle": "x"}, {"ltitle": "y"}, "English", None]}, {}),
        ({"langs": {"0": "English"}}, {}),
        ({}, {}),
    ],
)
def test_language_lists_of_every_shape(answer: dict[str, object], read: dict[int, str]) -> None:
    assert language_options(answer) == read


async def test_company_name_setting(sim: WebJsonSimulator, session: aiohttp.ClientSession) -> None:
    terminal, _listener = make_terminal(sim, session)
    address = SettingAddress(Setting.COMPANY_NAME)
    assert Setting.COMPANY_NAME in terminal.settings
    await terminal.read_settings()
    assert terminal.setting_values[address] == "Simulated Ltd"
    await terminal.write_setting(address, "Acme")
    assert (sim.company_name, terminal.setting_values[address]) == ("Acme", "Acme")
    with pytest.raises(InvalidRequestError):
        await terminal.write_setting(SettingAddress(Setting.DOOR_ENABLED, 1), True)
