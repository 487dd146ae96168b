"""Deleting one kind of credential of a Webserver + JSON user, against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.access_terminal.protocols.errors import DeviceError
from custom_components.access_terminal.protocols.model import Credential, Operation
from simulator.webjson import WebJsonSimulator

from ..pull_helpers import running
from .test_terminal import make_terminal

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def sim() -> AsyncIterator[WebJsonSimulator]:
    async with running(WebJsonSimulator(seed=5)) as simulator:
        user = simulator.add_user("7", "Ada")
        user.templates.update({0: "fp0", 3: "fp3", 10: "1234", 40: "palm", 41: "palm2", 50: "p"})
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.mark.parametrize(
    ("credential", "command", "gone", "kept"),
    [
        (Credential.FACE, "deleteuserface", {50, 51}, {0, 3, 10, 40, 41}),
        (Credential.FINGERPRINT, "deleteuserfp", {0, 3}, {10, 40, 41, 50, 51}),
        (Credential.PALM, "deleteuserpalm", {40, 41}, {0, 3, 10, 50, 51}),
        (Credential.PASSWORD, "deleteuser", {10}, {0, 3, 40, 41, 50, 51}),
    ],
)
async def test_one_kind_goes_the_rest_stays(
    sim: WebJsonSimulator,
    session: aiohttp.ClientSession,
    credential: Credential,
    command: str,
    gone: set[int],
    kept: set[int],
) -> None:
    terminal, _listener = make_terminal(sim, session)
    assert terminal.supports(Operation.DELETE_CREDENTIAL)
    card = sim.users["7"].card
    await terminal.delete_credential("7", credential)
    assert sim.commands[-1] == command
    held = set(sim.users["7"].templates)
    assert not held & gone
    assert held == kept
    assert sim.users["7"].card == card


async def test_the_card_goes(sim: WebJsonSimulator, session: aiohttp.ClientSession) -> None:
    terminal, _listener = make_terminal(sim, session)
    await terminal.delete_credential("7", Credential.CARD)
    assert sim.users["7"].card == 0
    assert sim.users["7"].name == "Ada"


async def test_an_unknown_user_is_refused(
    sim: WebJsonSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    with pytest.raises(DeviceError, match="user not found"):
        await terminal.delete_credential("8", Credential.FACE)
