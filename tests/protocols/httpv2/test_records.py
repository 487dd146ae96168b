"""Tests of HTTPv2 records: delivered before they are acknowledged, unreadable ones logged."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from custom_components.access_terminal.protocols.httpv2 import Endpoint, parse_request
from custom_components.access_terminal.protocols.model import EventType, UserChange

from ..common import CONTENT_TYPE, build_multipart
from .helpers import SERIAL, make_terminal, record_detail, send

# -- records ---------------------------------------------------------------------------------


async def test_identify_record_with_photo_through_the_wire() -> None:
    terminal, listener = make_terminal()
    photo = b"\xff\xd8\xff\xe0JFIF\r\n\r\n" + bytes(range(256))
    body = build_multipart(
        [
            ("SN", f" {SERIAL}".encode(), {}),
            (
                "recordJson",
                gzip.compress(json.dumps(record_detail(BodyTemp=365)).encode()),
                {"Content-Encoding": "gzip", "Content-Type": "application/octet-stream"},
            ),
            ("pic", photo, {"filename": "Postman_file.jpg", "Content-Type": "image/jpeg"}),
        ]
    )
    request = parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, CONTENT_TYPE, body)
    reply = await terminal.handle(request)
    assert reply.status == 200
    assert reply.payload == {"Success": 1}
    (record,) = listener.received
    assert record.key is not None
    (event,) = record.events
    assert event.type is EventType.ACCESS_GRANTED
    assert event.user_name == "张三"
    assert event.temperature == 36.5
    assert event.photo == photo


async def test_listener_failure_makes_the_device_keep_the_record() -> None:
    terminal, listener = make_terminal()
    listener.fail = True
    reply = await send(terminal, Endpoint.UPLOAD_IDENTIFY_RECORD, document=record_detail())
    assert reply.status == 503
    assert reply.payload["Success"] == 0
    assert reply.payload["Success"] != 1
    listener.fail = False
    reply = await send(terminal, Endpoint.UPLOAD_IDENTIFY_RECORD, document=record_detail())
    assert reply.status == 200
    assert reply.payload == {"Success": 1}
    assert len(listener.events) == 1


async def test_listener_failure_on_system_records() -> None:
    terminal, listener = make_terminal()
    listener.fail = True
    reply = await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {"RecordType": 2, "Records": [{"RecordID": 1, "RecordType": 45, "RecordDate": 1718616771}]},
    )
    assert reply.status == 503
    assert reply.payload["Success"] == 0
    assert listener.user_changes == []  # nothing reported for a record not handled


async def test_identify_record_without_detail(caplog: pytest.LogCaptureFixture) -> None:
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.UPLOAD_IDENTIFY_RECORD, {"SN": SERIAL, "Mark": "x1"})
    assert reply.payload == {"Success": 1}
    assert listener.received == []
    assert "unreadable" in caplog.text
    assert "x1" in caplog.text  # the content is kept in the log


async def test_identify_record_with_non_ascii_digit_code_is_acknowledged_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    terminal, listener = make_terminal()
    reply = await send(
        terminal, Endpoint.UPLOAD_IDENTIFY_RECORD, document=record_detail(RecordType="²")
    )
    assert reply.payload == {"Success": 1}
    assert listener.received == []
    assert "RecordType" in caplog.text


@pytest.mark.parametrize(
    ("code", "change"),
    [(33, UserChange.ADDED), (34, UserChange.UPDATED), (35, UserChange.DELETED)],
)
async def test_identify_admin_record_reports_user_change(code: int, change: UserChange) -> None:
    terminal, listener = make_terminal()
    await send(
        terminal,
        Endpoint.UPLOAD_IDENTIFY_RECORD,
        document=record_detail(RecordType=code, UserID="12"),
    )
    assert listener.user_changes == [("12", change)]


async def test_system_records_skip_a_malformed_entry() -> None:
    terminal, listener = make_terminal()
    reply = await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {
            "RecordType": 2,
            "Records": [
                {"RecordID": 1, "RecordType": 15, "RecordDate": 1718616771},
                "junk",
                {"RecordID": 2, "RecordType": "not a number"},
                {"RecordID": 3},
                {"RecordID": 4, "RecordType": 1, "RecordDate": 1718616772},
            ],
        },
    )
    assert reply.status == 200
    assert reply.payload == {"Success": 1}
    assert [e.type for e in listener.events] == [
        EventType.DOOR_FORCED_OPEN,
        EventType.ALARM,
        EventType.REMOTE_UNLOCK,
    ]
    assert [e.record_id for e in listener.events] == ["1", "1", "4"]


async def test_door_records() -> None:
    terminal, listener = make_terminal()
    reply = await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {
            "RecordType": 1,
            "Records": [
                {"RecordID": 1, "RecordType": 1, "RecordDate": 1718616771},
                {"RecordID": 2, "RecordType": 1, "RecordDate": 1718616772},
            ],
        },
    )
    assert reply.payload == {"Success": 1}
    assert [e.type for e in listener.events] == [EventType.DOOR_OPENED, EventType.DOOR_OPENED]
    assert len({r.key for r in listener.received}) == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"RecordType": 2, "Records": "junk"},
        {"RecordType": 2},
        {"RecordType": "x", "Records": []},
        {"Records": []},
    ],
)
async def test_system_records_malformed_request(
    fields: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.UPLOAD_SYSTEM_RECORD, fields)
    assert reply.payload == {"Success": 1}
    assert listener.received == []
    assert "unreadable" in caplog.text


async def test_system_records_of_unknown_kind_are_acknowledged() -> None:
    # Every entry unreadable (an unknown kind): nothing to deliver, nothing to re-send forever.
    terminal, listener = make_terminal()
    reply = await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {"RecordType": 9, "Records": [{"RecordID": 1, "RecordType": 1}]},
    )
    assert reply.payload == {"Success": 1}
    assert listener.events == []


@pytest.mark.parametrize("code", [40, 45])
async def test_all_users_deleted_at_the_device(code: int) -> None:
    terminal, listener = make_terminal()
    await send(
        terminal,
        Endpoint.UPLOAD_SYSTEM_RECORD,
        {
            "RecordType": 2,
            "Records": [{"RecordID": 1, "RecordType": code, "RecordDate": 1718616771}],
        },
    )
    assert listener.user_changes == [(None, UserChange.ALL_DELETED)]
    assert listener.events[0].type is EventType.USER_DELETED
