"""Tests of the HTTPv2 terminal's life cycle: closing, saved state and diagnostics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    AccessTerminalError,
    CommandCancelledError,
)
from custom_components.access_terminal.protocols.httpv2 import Endpoint
from custom_components.access_terminal.protocols.model import Credentials, DoorAction, User

from .helpers import SETTINGS, keepalive, make_terminal, push_request, remote, send, settle, start

# -- close and persistence -------------------------------------------------------------------


async def test_close_fails_every_waiting_caller() -> None:
    terminal, _ = make_terminal()
    door = start(terminal.door_control(1, DoorAction.OPEN))
    clock = start(terminal.set_time(datetime(2024, 6, 17, 12, 0, tzinfo=UTC)))
    listing = start(terminal.list_users())
    await settle()
    terminal.close()
    for task in (door, clock, listing):
        with pytest.raises(CommandCancelledError):
            await asyncio.wait_for(task, 1)
    # Nothing stale reaches the device afterwards.
    assert await remote(terminal) == {"Success": 1}


async def test_close_during_a_listing() -> None:
    terminal, _ = make_terminal()
    listing = start(terminal.list_users())
    await settle()
    await remote(terminal)
    await terminal.handle(push_request(4, "1", {"UserID": "1"}))
    await settle()
    terminal.close()
    with pytest.raises(CommandCancelledError):
        await asyncio.wait_for(listing, 1)


async def test_close_fails_people_callers_but_keeps_the_queue() -> None:
    terminal, _ = make_terminal()
    writing = start(terminal.set_users([User(user_id="1")]))
    deleting = start(terminal.delete_users(["2"]))
    await settle()
    terminal.close()
    for task in (writing, deleting):
        with pytest.raises(AccessTerminalError):
            await asyncio.wait_for(task, 1)
    state = terminal.export_state()
    assert list(state["people"]["add"]) == ["1"]
    assert state["people"]["delete"] == ["2"]


async def test_queued_people_survive_a_new_terminal() -> None:
    old, listener = make_terminal()
    photo = b"\xff\xd8photo"
    user = User(user_id="1", name="张三", credentials=Credentials(photo=photo))
    tasks = [start(old.set_users([user])), start(old.delete_users(["2"]))]
    await settle()
    assert listener.persists == 2  # the integration is told to save the queue
    state = json.loads(json.dumps(old.export_state()))
    old.close()
    for task in tasks:
        with pytest.raises(AccessTerminalError):
            await task

    new, _ = make_terminal()
    new.restore_state(state)
    payload = await keepalive(new)
    assert payload["AddPeople"] == 1
    assert payload["DeletePeople"] == 1
    deletion = await send(new, Endpoint.DELETE_PEOPLE, {"Limit": 10})
    assert deletion.payload["DeleteList"] == [2]
    download = await send(new, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 10})
    (person,) = download.payload["PeopleList"]
    assert person["UserID"] == "1"
    assert person["Name"] == "张三"
    assert person["PhotoLen"] == len(photo)


# What export_state() saved with a person to add, one to merge and one to delete, before the
# terminal was split into modules: the same code must read it.
SAVED_PEOPLE: dict[str, Any] = {
    "people": {
        "add": {
            "5": {
                "UserID": "5",
                "Name": "Bob",
                "Department": "",
                "CardNum": "",
                "Password": "",
                "AccessType": 0,
                "ExpirationDate": 0,
                "OpenTimes": 65535,
                "KeepOpen": 0,
                "Timegroup": 1,
            }
        },
        "merge": {
            "6": {
                "UserID": "6",
                "Name": "Cy",
                "Department": "",
                "CardNum": "",
                "Password": "",
                "AccessType": 0,
                "ExpirationDate": 0,
                "OpenTimes": 65535,
                "KeepOpen": 0,
                "Timegroup": 1,
            }
        },
        "delete": ["9"],
        "delete_all": False,
    }
}


async def test_people_saved_before_the_split_restore() -> None:
    terminal, _ = make_terminal()
    terminal.restore_state(SAVED_PEOPLE)
    assert terminal.export_state() == SAVED_PEOPLE
    payload = await keepalive(terminal)
    assert (payload["Remote"], payload["AddPeople"], payload["DeletePeople"]) == (1, 2, 1)
    assert (await remote(terminal))["QueryPeople"] == [6]
    deletion = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 10})
    assert deletion.payload["DeleteList"] == [9]
    download = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 10})
    assert download.payload["PeopleList"] == [SAVED_PEOPLE["people"]["add"]["5"]]


@pytest.mark.parametrize("state", [{}, {"people": "junk"}, {"people": {"add": 5}}])
async def test_restore_state_garbage(state: dict[str, Any]) -> None:
    terminal, _ = make_terminal()
    terminal.restore_state(state)
    payload = await keepalive(terminal)
    assert "AddPeople" not in payload
    assert "DeletePeople" not in payload


async def test_diagnostics() -> None:
    terminal, _ = make_terminal()
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)
    task = start(terminal.door_control(1, DoorAction.OPEN))
    await settle()
    diagnostics = terminal.diagnostics()
    assert diagnostics["awaiting_work_settings"] is False
    assert diagnostics["remote_commands_queued"] == 1
    assert diagnostics["settings"]["DeviceName"] == "Front door"
    terminal.close()
    with pytest.raises(CommandCancelledError):
        await task
