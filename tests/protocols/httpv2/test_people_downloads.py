"""Tests of people downloads and deletions through the HTTPv2 terminal."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.access_terminal.protocols.errors import (
    AccessTerminalError,
    CommandTimeoutError,
    InvalidRequestError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.httpv2 import Endpoint
from custom_components.access_terminal.protocols.model import User

from .helpers import SHORT, keepalive, make_terminal, send, settle, start

# -- people downloads ------------------------------------------------------------------------


async def test_set_users_full_cycle() -> None:
    terminal, listener = make_terminal()
    task = start(terminal.set_users([User(user_id="1", name="张三"), User(user_id="2")]))
    await settle()
    assert listener.persists >= 1
    assert (await keepalive(terminal))["AddPeople"] == 2
    reply = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    assert reply.payload["Success"] == 1
    assert reply.payload["PeopleCount"] == 2
    assert [p["UserID"] for p in reply.payload["PeopleList"]] == ["1", "2"]
    assert reply.payload["PeopleList"][0]["Name"] == "张三"
    assert not task.done()
    result = await send(
        terminal,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        {"SuccessCount": 2, "FailCount": 0, "FailList": []},
    )
    assert result.payload == {"Success": 1}
    await task
    # The device loops until the list is empty.
    empty = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    assert empty.payload["PeopleList"] == []
    assert "AddPeople" not in await keepalive(terminal)


async def test_set_users_in_pages_of_the_device_limit() -> None:
    terminal, _ = make_terminal()
    users = [User(user_id=str(i)) for i in range(1, 2501)]
    task = start(terminal.set_users(users))
    await settle()
    assert (await keepalive(terminal))["AddPeople"] == 2500
    pages = []
    received: list[str] = []
    # The device asks for 1000 at a time (the documented maximum; more is taken as 1000).
    for limit in (1000, 5000, 1000, 1000):
        reply = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": limit})
        people = reply.payload["PeopleList"]
        if not people:
            break
        pages.append(len(people))
        received += [person["UserID"] for person in people]
        await send(terminal, Endpoint.DOWNLOAD_PEOPLE_RESULT, {"SuccessCount": len(people)})
    assert pages == [1000, 1000, 500]
    assert received == [user.user_id for user in users]
    await task
    assert "AddPeople" not in await keepalive(terminal)


@pytest.mark.parametrize(("limit", "page"), [(None, 50), (0, 50), ("7", 7), ("junk", 50)])
async def test_download_limit(limit: object, page: int) -> None:
    terminal, _ = make_terminal()
    task = start(terminal.set_users([User(user_id=str(i)) for i in range(1, 61)]))
    await settle()
    fields = {} if limit is None else {"Limit": limit}
    reply = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, fields)
    assert len(reply.payload["PeopleList"]) == page
    terminal.close()
    with pytest.raises(AccessTerminalError):
        await task


async def test_set_users_failure_list() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.set_users([User(user_id="1"), User(user_id="2", cards=("6666",))]))
    await settle()
    await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    await send(
        terminal,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        {
            "SuccessCount": 1,
            "FailCount": 1,
            "FailList": [{"UserID": "2", "ErrorCode": 23, "RepeatID": "7", "ErrMsg": ""}],
        },
    )
    with pytest.raises(UserWriteError) as info:
        await task
    assert set(info.value.failures) == {"2"}
    reason = info.value.failures["2"]
    assert "card" in reason
    assert "7" in reason
    assert "23" in reason


async def test_set_users_failure_list_of_the_document_example_shape() -> None:
    # The document's example repeats "FailCount" for the list and sends UserID as a number.
    terminal, _ = make_terminal()
    task = start(terminal.set_users([User(user_id="1"), User(user_id="5")]))
    await settle()
    await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    await send(
        terminal,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        {"SuccessCount": 1, "FailCount": [{"UserID": 5, "ErrorCode": 24}]},
    )
    with pytest.raises(UserWriteError) as info:
        await task
    assert set(info.value.failures) == {"5"}
    assert "full" in info.value.failures["5"]


async def test_set_users_unknown_error_code_uses_device_message() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.set_users([User(user_id="1")]))
    await settle()
    await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 100})
    await send(
        terminal,
        Endpoint.DOWNLOAD_PEOPLE_RESULT,
        {"FailList": [{"UserID": "1", "ErrorCode": 99, "ErrMsg": "strange"}]},
    )
    with pytest.raises(UserWriteError) as info:
        await task
    assert "strange" in info.value.failures["1"]


async def test_set_users_refuses_before_queueing() -> None:
    terminal, listener = make_terminal()
    with pytest.raises(InvalidRequestError):
        await terminal.set_users([User(user_id="1"), User(user_id="abc")])
    assert "AddPeople" not in await keepalive(terminal)
    assert terminal.export_state()["people"]["add"] == {}
    assert listener.persists == 0


async def test_set_users_timeout_still_queued() -> None:
    terminal, _ = make_terminal(command_timeout=SHORT)
    with pytest.raises(CommandTimeoutError) as info:
        await terminal.set_users([User(user_id="1")])
    assert info.value.still_queued is True
    assert (await keepalive(terminal))["AddPeople"] == 1
    reply = await send(terminal, Endpoint.DOWNLOAD_PEOPLE, {"Limit": 10})
    assert [p["UserID"] for p in reply.payload["PeopleList"]] == ["1"]


async def test_set_then_delete_fails_the_set() -> None:
    terminal, _ = make_terminal()
    set_task = start(terminal.set_users([User(user_id="1")]))
    await settle()
    delete_task = start(terminal.delete_users(["1"]))
    await settle()
    with pytest.raises(UserWriteError) as info:
        await set_task
    assert set(info.value.failures) == {"1"}
    payload = await keepalive(terminal)
    assert "AddPeople" not in payload
    assert payload["DeletePeople"] == 1
    reply = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 10})
    assert reply.payload["DeleteList"] == [1]
    await send(terminal, Endpoint.DELETE_PEOPLE_RESULT, {"DeleteCount": 1, "DeleteAll": 0})
    await delete_task


async def test_delete_users() -> None:
    terminal, listener = make_terminal()
    task = start(terminal.delete_users(["1", "2", "3"]))
    await settle()
    assert (await keepalive(terminal))["DeletePeople"] == 3
    reply = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 2})
    assert reply.payload == {"Success": 1, "DeleteAll": 0, "DeleteCount": 2, "DeleteList": [1, 2]}
    await send(terminal, Endpoint.DELETE_PEOPLE_RESULT, {"DeleteCount": 2, "DeleteAll": 0})
    assert not task.done()
    reply = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 2})
    assert reply.payload["DeleteList"] == [3]
    await send(terminal, Endpoint.DELETE_PEOPLE_RESULT, {"DeleteCount": 1, "DeleteAll": 0})
    await task
    reply = await send(terminal, Endpoint.DELETE_PEOPLE, {"Limit": 2})
    assert reply.payload["DeleteList"] == []
    assert reply.payload["DeleteAll"] == 0
    assert "DeletePeople" not in await keepalive(terminal)
    assert listener.persists >= 3


async def test_delete_all_users() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.delete_users(None))
    await settle()
    reply = await send(terminal, Endpoint.DELETE_PEOPLE)
    assert reply.payload["DeleteAll"] == 1
    assert reply.payload["DeleteList"] == []
    await send(terminal, Endpoint.DELETE_PEOPLE_RESULT, {"DeleteAll": 1})
    await task
    assert (await send(terminal, Endpoint.DELETE_PEOPLE)).payload["DeleteAll"] == 0


async def test_delete_no_users_is_a_no_op() -> None:
    terminal, _ = make_terminal()
    await asyncio.wait_for(terminal.delete_users([]), 1)
    assert "DeletePeople" not in await keepalive(terminal)


async def test_set_no_users_is_a_no_op() -> None:
    terminal, _ = make_terminal()
    await asyncio.wait_for(terminal.set_users([]), 1)
    assert "AddPeople" not in await keepalive(terminal)


async def test_delete_users_invalid_id() -> None:
    terminal, _ = make_terminal()
    with pytest.raises(InvalidRequestError):
        await terminal.delete_users(["1", "x"])
    assert "DeletePeople" not in await keepalive(terminal)
