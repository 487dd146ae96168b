"""Credentials (`deleteuser` per record) and the questionnaire of cloud terminals."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.errors import DeviceError, InvalidRequestError
from custom_components.access_terminal.protocols.model import Credential, Operation
from custom_components.access_terminal.protocols.questionnaire import Questionnaire
from simulator.cloud_ws_device import DeviceTables, SimUser
from simulator.common import make_rng

from .helpers import SERIAL, make
from .test_access import on_tables

# Fingerprints 0 and 3, password, card, photo, face template 20, palm 40.
HELD = {0: "fp0", 3: "fp3", 10: 1234, 11: 5678, 50: "photo", 20: "face", 40: "palm"}


def held_by_seven() -> tuple[DeviceTables, SimUser]:
    tables = DeviceTables(SERIAL, make_rng(1))
    user = tables.users[7] = SimUser(name="Ada", records=dict(HELD))
    return tables, user


@pytest.mark.parametrize(
    ("credential", "gone"),
    [
        (Credential.FINGERPRINT, {0, 3}),
        (Credential.PASSWORD, {10}),
        (Credential.CARD, {11}),
        (Credential.FACE, {50, 20}),
        (Credential.PALM, {40}),
    ],
)
async def test_one_kind_goes_the_rest_stays(credential: Credential, gone: set[int]) -> None:
    terminal, _listener, device = make()
    tables, user = held_by_seven()
    device.scripts["deleteuser"] = on_tables(tables)
    assert terminal.supports(Operation.DELETE_CREDENTIAL)
    await terminal.delete_credential("007", credential)
    assert set(user.records) == set(HELD) - gone
    assert user.name == "Ada"
    assert all(frame["enrollid"] == 7 for frame in device.sent if frame.get("cmd"))
    assert all(frame["backupnum"] != 13 for frame in device.sent if frame.get("cmd"))


async def test_nothing_to_delete_is_an_error() -> None:
    """A user without palms (or no such user): the terminal refuses every record."""
    terminal, _listener, device = make()
    tables, user = held_by_seven()
    del user.records[40]
    device.scripts["deleteuser"] = on_tables(tables)
    with pytest.raises(DeviceError, match="user 7 has none of these"):
        await terminal.delete_credential("7", Credential.PALM)
    with pytest.raises(DeviceError):
        await terminal.delete_credential("8", Credential.FACE)
    with pytest.raises(InvalidRequestError):
        await terminal.delete_credential("ada", Credential.FACE)
    assert set(user.records) == set(HELD) - {40}


async def test_questionnaire_written_read_and_switched_off() -> None:
    """The document has no clear command: clearing writes one switched off, with no answers."""
    terminal, _listener, device = make()
    tables, _user = held_by_seven()
    for name in ("setquestionnaire", "getquestionnaire"):
        device.scripts[name] = on_tables(tables)
    asked = Questionnaire(
        title="Why?", items=("Work", "Visit"), multiple_choice=True, required=(2,)
    )
    await terminal.set_questionnaire(asked)
    assert tables.questionnaire["optionflag"] == 2
    assert await terminal.get_questionnaire() == asked
    await terminal.clear_questionnaire()
    assert tables.questionnaire["usequestion"] is False
    assert await terminal.get_questionnaire() is None
