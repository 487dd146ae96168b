"""Tests of HTTPv2 user listings: PushAllPeople, QueryPeople and the people pushed back."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    InvalidRequestError,
)
from custom_components.access_terminal.protocols.httpv2 import Endpoint, parse_request
from custom_components.access_terminal.protocols.httpv2.listing import PeopleListing
from custom_components.access_terminal.protocols.model import Credentials, User, UserChange

from ..common import CONTENT_TYPE, build_multipart
from .helpers import (
    QUIET,
    SERIAL,
    SHORT,
    keepalive,
    make_terminal,
    push_request,
    remote,
    settle,
    start,
)

# -- user listings ---------------------------------------------------------------------------


async def test_list_all_users() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.list_users())
    await settle()
    assert (await keepalive(terminal)).get("Remote") == 1
    assert await remote(terminal) == {"Success": 1, "PushAllPeople": 1}
    for user_id, name in (("1", "张三"), ("2", "李四")):
        reply = await terminal.handle(
            push_request(4, user_id, {"UserID": user_id, "Name": name}, b"\xff\xd8" + name.encode())
        )
        assert reply.payload == {"Success": 1}
    await keepalive(terminal)  # right after the last push: the listing may go on
    await settle()
    assert not task.done()
    await asyncio.sleep(QUIET + 0.02)
    await keepalive(terminal)  # a quiet keep-alive ends it
    users = await asyncio.wait_for(task, 1)
    assert [(u.user_id, u.name) for u in users] == [("1", "张三"), ("2", "李四")]
    assert users[0].credentials.photo == b"\xff\xd8" + "张三".encode()


async def test_list_all_users_of_an_empty_device() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.list_users())
    await settle()
    await remote(terminal)
    await asyncio.sleep(QUIET + 0.02)
    await keepalive(terminal)
    assert await asyncio.wait_for(task, 1) == []


async def test_list_users_by_ids() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.list_users(["1", "99"]))
    await settle()
    assert await remote(terminal) == {"Success": 1, "QueryPeople": [1, 99]}
    await terminal.handle(push_request(4, "1", {"UserID": "1", "Name": "a", "CardNum": "55"}))
    await settle()
    assert not task.done()
    await terminal.handle(push_request(4, "99", None))  # unknown to the device: no Detail
    users = await asyncio.wait_for(task, 1)
    assert [u.user_id for u in users] == ["1"]
    assert users[0].cards == ("55",)


async def test_list_users_by_ids_edge_cases() -> None:
    terminal, _ = make_terminal()
    assert await terminal.list_users([]) == []
    with pytest.raises(InvalidRequestError):
        await terminal.list_users(["abc"])
    assert "Remote" not in await keepalive(terminal)


async def test_list_users_times_out_when_never_fetched() -> None:
    terminal, _ = make_terminal(command_timeout=SHORT)
    with pytest.raises(CommandTimeoutError):
        await terminal.list_users()
    assert await remote(terminal) == {"Success": 1}


async def test_push_outside_a_listing_is_ignored() -> None:
    terminal, listener = make_terminal()
    reply = await terminal.handle(push_request(4, "1", {"UserID": "1"}))
    assert reply.payload == {"Success": 1}
    assert listener.user_changes == []


@pytest.mark.parametrize(
    ("push_type", "change"),
    [(1, UserChange.ADDED), (2, UserChange.UPDATED), (3, UserChange.DELETED)],
)
async def test_push_people_changes_at_the_device(push_type: int, change: UserChange) -> None:
    terminal, listener = make_terminal()
    reply = await terminal.handle(push_request(push_type, "3", {"UserID": "3", "Name": "x"}))
    assert reply.payload == {"Success": 1}
    assert listener.user_changes == [("3", change)]


async def test_push_people_user_id_from_detail_or_field() -> None:
    terminal, listener = make_terminal()
    await terminal.handle(push_request(1, None, {"UserID": "8"}))
    await terminal.handle(push_request(3, "9", None))  # a deletion comes without Detail
    assert listener.user_changes == [("8", UserChange.ADDED), ("9", UserChange.DELETED)]


async def test_push_people_through_the_wire() -> None:
    terminal, listener = make_terminal()
    detail = '{"UserID": "3", "Name": "888888", "Fingerprints": [{Num: 1, Data: "a=="}]}'
    body = build_multipart(
        [
            ("SN", SERIAL.encode(), {}),
            ("PushType", b"2", {}),
            ("UserID", b"3", {}),
            ("Detail", gzip.compress(detail.encode()), {"Content-Encoding": "gzip"}),
            ("Photo", b"\xff\xd8img", {"filename": "Photo.jpg", "Content-Type": "image/jpeg"}),
        ]
    )
    request = parse_request(Endpoint.PUSH_PEOPLE, CONTENT_TYPE, body)
    assert (await terminal.handle(request)).payload == {"Success": 1}
    assert listener.user_changes == [("3", UserChange.UPDATED)]


async def test_a_query_listing_is_complete_when_every_id_came_back() -> None:
    future: asyncio.Future[list[User]] = asyncio.get_running_loop().create_future()
    listing = PeopleListing({"1", "2"}, future, with_credentials=False)
    listing.collect(None, None)  # a push without a user id
    listing.collect("1", User(user_id="1", credentials=Credentials(face="template")))
    assert not future.done()
    listing.collect("2", None)  # the device has no user 2
    listing.collect("3", User(user_id="3"))  # too late: the listing is complete
    (user,) = future.result()
    assert user.user_id == "1"
    assert user.credentials.face == ""  # present, without the template


async def test_a_full_listing_is_complete_after_a_quiet_spell_once_fetched() -> None:
    future: asyncio.Future[list[User]] = asyncio.get_running_loop().create_future()
    listing = PeopleListing(None, future, with_credentials=True)
    listing.finish_if_quiet(0.0)
    assert not future.done()  # the device has not fetched PushAllPeople yet
    listing.fetched()
    listing.finish_if_quiet(3600.0)
    assert not future.done()
    listing.finish_if_quiet(0.0)
    assert future.result() == []
