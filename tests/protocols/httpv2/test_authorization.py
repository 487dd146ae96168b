"""Tests of HTTPv2 online authorization (RequestAuthorization)."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.access_terminal.protocols.httpv2 import Endpoint, HttpV2Terminal, Reply
from custom_components.access_terminal.protocols.httpv2.authorization import (
    REFUSED,
    Decisions,
    decide,
)
from custom_components.access_terminal.protocols.model import (
    AccessEvent,
    DenyReason,
    EventType,
    Method,
)

from .helpers import make_terminal, record_detail, send

# -- online authorization --------------------------------------------------------------------


class FakeAuthorizer:
    def __init__(self, answer: tuple[bool, str | None]) -> None:
        self.answer = answer
        self.asked: list[AccessEvent] = []

    async def __call__(self, event: AccessEvent) -> tuple[bool, str | None]:
        self.asked.append(event)
        return self.answer


async def authorize(terminal: HttpV2Terminal, **overrides: Any) -> Reply:
    return await send(terminal, Endpoint.REQUEST_AUTHORIZATION, document=record_detail(**overrides))


async def test_authorization_granted_without_message() -> None:
    authorizer = FakeAuthorizer((True, None))
    terminal, listener = make_terminal(authorizer=authorizer)
    reply = await authorize(terminal)
    assert reply.payload == {"Success": 2}
    assert len(authorizer.asked) == 1
    assert authorizer.asked[0].user_id == "1"
    (event,) = listener.events
    assert event.type is EventType.ACCESS_GRANTED
    assert event.methods == (Method.FACE,)


async def test_authorization_granted_with_message() -> None:
    terminal, _ = make_terminal(authorizer=FakeAuthorizer((True, "欢迎")))
    reply = await authorize(terminal)
    assert reply.payload == {"Success": 1, "Message": "欢迎"}
    assert "欢迎".encode() in reply.body


async def test_authorization_denied_by_the_authorizer() -> None:
    terminal, listener = make_terminal(authorizer=FakeAuthorizer((False, "Not today")))
    reply = await authorize(terminal)
    assert reply.payload == {"Success": 0, "Message": "Not today"}
    (event,) = listener.events
    assert event.type is EventType.ACCESS_DENIED
    assert event.reason is DenyReason.SERVER_DENIED
    assert event.detail == "Not today"


async def test_authorization_denied_without_message() -> None:
    terminal, listener = make_terminal(authorizer=FakeAuthorizer((False, None)))
    reply = await authorize(terminal)
    assert reply.payload["Success"] == 0
    assert reply.payload["Message"]
    assert listener.events[0].reason is DenyReason.SERVER_DENIED


async def test_authorization_without_authorizer_grants() -> None:
    terminal, _ = make_terminal()
    assert (await authorize(terminal)).payload == {"Success": 2}


@pytest.mark.parametrize(
    ("code", "reason"), [(19, DenyReason.UNREGISTERED), (16, DenyReason.EXPIRED)]
)
async def test_authorization_device_denied_codes(code: int, reason: DenyReason) -> None:
    authorizer = FakeAuthorizer((True, None))
    terminal, listener = make_terminal(authorizer=authorizer)
    reply = await authorize(terminal, RecordType=code)
    assert reply.payload["Success"] == 0
    assert authorizer.asked == []  # never granted over the device's own refusal
    (event,) = listener.events
    assert event.type is EventType.ACCESS_DENIED
    assert event.reason is reason


async def test_authorization_asked_twice_same_answer_one_event() -> None:
    authorizer = FakeAuthorizer((True, "hello"))
    terminal, listener = make_terminal(authorizer=authorizer)
    first = await authorize(terminal, RecordID=555)
    authorizer.answer = (False, "changed my mind")
    second = await authorize(terminal, RecordID=555)
    assert second.payload == first.payload == {"Success": 1, "Message": "hello"}
    assert len(authorizer.asked) == 1
    assert len(listener.events) == 1
    # Another record is a new question.
    third = await authorize(terminal, RecordID=556)
    assert third.payload["Success"] == 0
    assert len(listener.events) == 2


async def test_authorization_without_record_detail() -> None:
    # Nobody is let in on a request we cannot read.
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.REQUEST_AUTHORIZATION)
    assert reply.status == 200
    assert reply.payload["Success"] == 0
    assert listener.events == []


def test_the_latest_answers_are_remembered() -> None:
    decisions = Decisions()
    for number in range(65):
        decisions.remember(f"auth:{number}", Reply({"Success": 2, "Number": number}))
    assert decisions.get("auth:0") is None  # the oldest is forgotten
    assert decisions.get("auth:1") == Reply({"Success": 2, "Number": 1})
    assert decisions.get("auth:64") == Reply({"Success": 2, "Number": 64})
    decisions.remember(None, REFUSED)  # a record without a key is never asked about again
    assert decisions.get(None) is None


async def test_nothing_to_decide_is_refused_without_an_event() -> None:
    authorizer = FakeAuthorizer((True, None))
    assert await decide(None, authorizer) == (REFUSED, None)
    assert authorizer.asked == []
