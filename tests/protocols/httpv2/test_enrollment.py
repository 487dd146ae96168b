"""Tests of HTTPv2 remote enrollment: the ticket sent and the result reported."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    InvalidRequestError,
    NotSupportedError,
)
from custom_components.access_terminal.protocols.httpv2 import Endpoint, parse_request
from custom_components.access_terminal.protocols.model import Credential, EventType, UserChange

from ..common import CONTENT_TYPE, build_multipart
from .helpers import SERIAL, SETTINGS, make_terminal, remote, send, settle, start

# -- enrollment ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credential", "index", "ticket"),
    [
        (Credential.FINGERPRINT, 3, {"RegisterType": 3, "UserID": 5, "RegisterIndex": 3}),
        (Credential.FINGERPRINT, None, {"RegisterType": 3, "UserID": 5, "RegisterIndex": 0}),
        (Credential.PALM, 2, {"RegisterType": 5, "UserID": 5, "RegisterIndex": 2}),
        (Credential.PALM, None, {"RegisterType": 5, "UserID": 5, "RegisterIndex": 1}),
        (Credential.FACE, None, {"RegisterType": 4, "UserID": 5}),
        (Credential.CARD, None, {"RegisterType": 1, "UserID": 5}),
        (Credential.PASSWORD, None, {"RegisterType": 2, "UserID": 5}),
    ],
)
async def test_start_enrollment(
    credential: Credential, index: int | None, ticket: dict[str, Any]
) -> None:
    terminal, _ = make_terminal()
    task = start(terminal.start_enrollment("5", credential, index))
    await settle()
    assert await remote(terminal) == {"Success": 1, "RegisterIdentifyTicket": ticket}
    await task


@pytest.mark.parametrize(
    ("user_id", "credential", "index"),
    [
        ("5", Credential.FINGERPRINT, 10),
        ("5", Credential.FINGERPRINT, -1),
        ("5", Credential.PALM, 0),
        ("5", Credential.PALM, 3),
        ("5", Credential.FACE, 1),
        ("5", Credential.CARD, 0),
        ("abc", Credential.FACE, None),
        ("0", Credential.FACE, None),
    ],
)
async def test_start_enrollment_invalid(
    user_id: str, credential: Credential, index: int | None
) -> None:
    terminal, _ = make_terminal()
    with pytest.raises(InvalidRequestError):
        await terminal.start_enrollment(user_id, credential, index)
    assert await remote(terminal) == {"Success": 1}


async def test_start_enrollment_feature_check() -> None:
    terminal, _ = make_terminal()
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)  # no fingerprint reader
    with pytest.raises(NotSupportedError):
        await terminal.start_enrollment("5", Credential.FINGERPRINT)
    assert await remote(terminal) == {"Success": 1}
    task = start(terminal.start_enrollment("5", Credential.PALM))  # this one it has
    await settle()
    assert (await remote(terminal))["RegisterIdentifyTicket"]["RegisterType"] == 5
    await task


async def test_enrollment_finished() -> None:
    terminal, listener = make_terminal()
    result = {
        "SN": SERIAL,
        "UserID": 1,
        "Result": 1,
        "UserDetail": {"UserID": "1", "Name": "888888"},
    }
    body = build_multipart(
        [
            ("ResultJson", json.dumps(result).encode(), {}),
            ("Photo", b"\xff\xd8face", {"filename": "p.jpg"}),
        ]
    )
    reply = await terminal.handle(parse_request(Endpoint.REGISTER_RESULT, CONTENT_TYPE, body))
    assert reply.payload == {"Success": 1}
    (event,) = listener.events
    assert event.type is EventType.ENROLLMENT_FINISHED
    assert event.user_id == "1"
    assert event.detail
    assert event.photo == b"\xff\xd8face"
    assert listener.user_changes == [("1", UserChange.UPDATED)]


@pytest.mark.parametrize(
    ("result", "words"),
    [
        ({"Result": 2}, "cancel"),
        ({"Result": 3, "RepetitionUserID": 2}, "2"),
        ({"Result": 4}, "fingerprint"),
        ({"Result": 5}, "palm"),
        ({"Result": 6}, "busy"),
        ({"Result": 77}, "77"),
    ],
)
async def test_enrollment_failed(result: dict[str, Any], words: str) -> None:
    terminal, listener = make_terminal()
    document = {"SN": SERIAL, "UserID": 1, **result}
    reply = await send(terminal, Endpoint.REGISTER_RESULT, document=document)
    assert reply.payload == {"Success": 1}
    (event,) = listener.events
    assert event.type is EventType.ENROLLMENT_FAILED
    assert event.user_id == "1"
    assert event.detail is not None
    assert words in event.detail
    assert listener.user_changes == []


async def test_enrollment_result_without_json(caplog: pytest.LogCaptureFixture) -> None:
    # Refusing would make the device report it again forever: acknowledged, and logged.
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.REGISTER_RESULT)
    assert reply.payload == {"Success": 1}
    assert listener.events == []
    assert "unreadable" in caplog.text
