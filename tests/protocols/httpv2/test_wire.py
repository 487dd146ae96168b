"""Tests of HTTPv2 requests and replies on the wire."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    PayloadTooLargeError,
    ProtocolError,
)
from custom_components.access_terminal.protocols.httpv2 import (
    MAX_BODY,
    Endpoint,
    Reply,
    endpoint_for,
    error_reply,
    parse_request,
    refusal,
)

from ..common import BOUNDARY, CONTENT_TYPE, RECORD_DETAIL, build_multipart

SERIAL = "FC-8200H12345678"
JSON = "application/json"
DETAIL: dict[str, Any] = RECORD_DETAIL
PHOTO = b"\xff\xd8\xff\xe0JFIF\r\n\r\n" + bytes(range(256)) + b"\xff\xd9"


# -- endpoint_for ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "action", "expected"),
    [
        ("Device", "Keepalive", Endpoint.KEEPALIVE),
        ("device", "keepalive", Endpoint.KEEPALIVE),
        ("DEVICE", "KEEPALIVE", Endpoint.KEEPALIVE),
        ("Device", "UploadWorkSetting", Endpoint.UPLOAD_WORK_SETTING),
        ("Device", "DownloadWorkSetting", Endpoint.DOWNLOAD_WORK_SETTING),
        ("Device", "RemoteCommand", Endpoint.REMOTE_COMMAND),
        ("Device", "RegisterIdentifyTicketResult", Endpoint.REGISTER_RESULT),
        ("Device", "UploadSnapshoot", Endpoint.UPLOAD_SNAPSHOT),
        ("Device", "RequestAuthorization", Endpoint.REQUEST_AUTHORIZATION),
        ("People", "DownloadPeopleList", Endpoint.DOWNLOAD_PEOPLE),
        ("People", "DownloadPeopleListResult", Endpoint.DOWNLOAD_PEOPLE_RESULT),
        ("People", "DeletePeopleList", Endpoint.DELETE_PEOPLE),
        ("People", "DeletePeopleListResult", Endpoint.DELETE_PEOPLE_RESULT),
        ("People", "PushPeople", Endpoint.PUSH_PEOPLE),
        ("Record", "UploadIdentifyRecord", Endpoint.UPLOAD_IDENTIFY_RECORD),
        ("record", "uploadSystemRecord", Endpoint.UPLOAD_SYSTEM_RECORD),
    ],
)
def test_endpoint_for(group: str, action: str, expected: Endpoint) -> None:
    assert endpoint_for(group, action) is expected


@pytest.mark.parametrize(
    ("group", "action"),
    [
        ("Device", "Unknown"),
        ("People", "Keepalive"),  # a real action under the wrong group
        ("note", "insertNoteFace"),
        ("", ""),
        ("Device/Keepalive", ""),
        ("iclock", "cdata"),
    ],
)
def test_endpoint_for_unknown(group: str, action: str) -> None:
    assert endpoint_for(group, action) is None


# -- JSON requests ---------------------------------------------------------------------------


def test_parse_json_keepalive() -> None:
    # The document's keep-alive example, trailing comma and tabs included.
    body = (
        b'{\n    "SN":"FC-8200H12345678", \n    "RelayStatus":\t0,\n'
        b'    "DoorSensorStatus":\t1,\n    "AlarmStatus":\t"",\n}'
    )
    request = parse_request(Endpoint.KEEPALIVE, "application/json; charset=utf-8", body)
    assert request.endpoint is Endpoint.KEEPALIVE
    assert request.serial == SERIAL
    assert request.fields["DoorSensorStatus"] == 1
    assert request.photo is None


def test_parse_json_device_sn() -> None:
    body = json.dumps({"DeviceSN": SERIAL, "FirmwareVerson": "8.46"}).encode()
    request = parse_request(Endpoint.UPLOAD_WORK_SETTING, JSON, body)
    assert request.serial == SERIAL
    assert request.fields["FirmwareVerson"] == "8.46"


def test_parse_json_sn_is_stripped() -> None:
    request = parse_request(Endpoint.KEEPALIVE, JSON, b'{"SN": " FC-8380T12345678 "}')
    assert request.serial == "FC-8380T12345678"


@pytest.mark.parametrize("content_type", [JSON, None, "text/plain", ""])
def test_parse_json_whatever_the_content_type(content_type: str | None) -> None:
    request = parse_request(Endpoint.KEEPALIVE, content_type, json.dumps({"SN": SERIAL}).encode())
    assert request.serial == SERIAL


def test_parse_json_gzip_body_detected() -> None:
    body = gzip.compress(json.dumps({"SN": SERIAL, "Limit": 100}).encode())
    request = parse_request(Endpoint.DOWNLOAD_PEOPLE, JSON, body)
    assert request.fields["Limit"] == 100


def test_parse_json_gzip_body_declared() -> None:
    body = gzip.compress(json.dumps({"SN": SERIAL, "Limit": 100}).encode())
    request = parse_request(Endpoint.DOWNLOAD_PEOPLE, JSON, body, gzip_declared=True)
    assert request.serial == SERIAL
    # Declared gzip that is not gzip is a protocol error, not a crash.
    with pytest.raises(ProtocolError):
        parse_request(
            Endpoint.DOWNLOAD_PEOPLE, JSON, b'{"SN": "FC-8200H12345678"}', gzip_declared=True
        )


def test_parse_json_gzip_bomb() -> None:
    bomb = gzip.compress(b"[" + b" " * (MAX_BODY + 10) + b"]")
    with pytest.raises(PayloadTooLargeError):
        parse_request(Endpoint.KEEPALIVE, JSON, bomb)


def test_parse_json_gbk_body() -> None:
    body = json.dumps({"SN": SERIAL, "DeviceName": "前门"}, ensure_ascii=False).encode("gbk")
    assert parse_request(Endpoint.KEEPALIVE, JSON, body).fields["DeviceName"] == "前门"


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"SN": None},
        {"SN": ""},
        {"SN": True},
        {"SN": ["FC"]},
        {"SN": {"a": 1}},
        {"SN": "bad serial with spaces"},
        {"SN": "../../etc/passwd"},
        {"SN": "A" * 65},
    ],
)
def test_parse_json_missing_or_invalid_serial(document: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_request(Endpoint.KEEPALIVE, JSON, json.dumps(document).encode())
    assert info.value.status == 400


def test_parse_json_numeric_serial_accepted() -> None:
    assert parse_request(Endpoint.KEEPALIVE, JSON, b'{"SN": 12345678}').serial == "12345678"


@pytest.mark.parametrize("body", [b"[1, 2]", b'"FC-8200H12345678"', b"42", b"null", b"{broken"])
def test_parse_json_not_an_object(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_request(Endpoint.KEEPALIVE, JSON, body)


# -- multipart requests ----------------------------------------------------------------------


def _record_body(
    detail_name: str, photo_name: str, *, gzip_detail: bool, declare: bool = True
) -> bytes:
    raw = json.dumps(DETAIL).encode()
    headers = {"Content-Type": "application/octet-stream"}
    if gzip_detail:
        raw = gzip.compress(raw)
        if declare:
            headers["Content-Encoding"] = "gzip"
    return build_multipart(
        [
            ("SN", b" FC-8380T12345678", {}),
            (detail_name, raw, headers),
            (photo_name, PHOTO, {"filename": "Postman_file.jpg", "Content-Type": "image/jpeg"}),
        ]
    )


@pytest.mark.parametrize(
    ("detail_name", "photo_name", "gzip_detail", "declare"),
    [
        ("RecordDetail", "Photo", True, True),
        ("recordJson", "pic", True, True),
        ("RecordDetail", "pic", False, False),
        ("recordJson", "Photo", True, False),  # gzip without saying so
    ],
)
def test_parse_multipart_record(
    detail_name: str, photo_name: str, gzip_detail: bool, declare: bool
) -> None:
    body = _record_body(detail_name, photo_name, gzip_detail=gzip_detail, declare=declare)
    request = parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, CONTENT_TYPE, body)
    assert request.serial == "FC-8380T12345678"
    assert request.document == DETAIL
    assert request.photo == PHOTO
    # The JSON part is the document, not a plain field.
    assert detail_name not in request.fields


def test_parse_multipart_photo_under_another_name() -> None:
    body = build_multipart(
        [
            ("SN", SERIAL.encode(), {}),
            ("RecordDetail", json.dumps(DETAIL).encode(), {}),
            ("image", PHOTO, {"filename": "a.jpg"}),
        ]
    )
    assert parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, CONTENT_TYPE, body).photo == PHOTO


def test_parse_multipart_without_photo() -> None:
    body = build_multipart(
        [("SN", SERIAL.encode(), {}), ("RecordDetail", json.dumps(DETAIL).encode(), {})]
    )
    request = parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, CONTENT_TYPE, body)
    assert request.photo is None
    assert request.document == DETAIL


def test_parse_multipart_result_json_serial_inside() -> None:
    result = {"SN": SERIAL, "UserID": 1, "Result": 1}
    body = build_multipart(
        [
            ("ResultJson", json.dumps(result).encode(), {}),
            ("Photo", PHOTO, {"filename": "p.jpg"}),
        ]
    )
    request = parse_request(Endpoint.REGISTER_RESULT, CONTENT_TYPE, body)
    assert request.serial == SERIAL
    assert request.document == result
    assert request.photo == PHOTO


def test_parse_multipart_push_people_fields() -> None:
    detail = '{\n "UserID": "3",\n "Name": "888888",\n "Fingerprints": [{Num: 1, Data: "a=="}]\n}'
    body = build_multipart(
        [
            ("SN", SERIAL.encode(), {}),
            ("PushType", b"1", {}),
            ("UserID", b"3", {}),
            ("Detail", gzip.compress(detail.encode()), {"Content-Encoding": "gzip"}),
        ]
    )
    request = parse_request(
        Endpoint.PUSH_PEOPLE, f'multipart/form-data; boundary="{BOUNDARY}"', body
    )
    assert request.fields == {"SN": SERIAL, "PushType": "1", "UserID": "3"}
    assert request.document is not None
    assert request.document["Fingerprints"] == [{"Num": 1, "Data": "a=="}]


@pytest.mark.parametrize(
    "parts",
    [
        [("RecordDetail", json.dumps(DETAIL).encode(), {})],  # no SN anywhere
        [("SN", b"", {}), ("RecordDetail", json.dumps(DETAIL).encode(), {})],
        [("SN", b"not a serial!", {})],
    ],
)
def test_parse_multipart_missing_or_invalid_serial(
    parts: list[tuple[str, bytes, dict[str, str]]],
) -> None:
    with pytest.raises(ProtocolError):
        parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, CONTENT_TYPE, build_multipart(parts))


@pytest.mark.parametrize("raw", [b"[1, 2]", b"not json", b'"text"'])
def test_parse_multipart_json_part_not_an_object(raw: bytes) -> None:
    # The serial is known: the request stands, with the problem for the terminal to judge.
    body = build_multipart([("SN", SERIAL.encode(), {}), ("RecordDetail", raw, {})])
    request = parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, CONTENT_TYPE, body)
    assert request.serial == SERIAL
    assert request.document is None
    assert request.problem is not None


def test_parse_multipart_broken_body() -> None:
    with pytest.raises(ProtocolError):
        parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, CONTENT_TYPE, b"garbage")
    with pytest.raises(ProtocolError):
        parse_request(Endpoint.UPLOAD_IDENTIFY_RECORD, "multipart/form-data", b"garbage")


# -- replies ---------------------------------------------------------------------------------


def test_reply_body_compact_non_ascii() -> None:
    reply = Reply({"Success": 0, "Message": "禁止通行"})
    assert reply.body == '{"Success":0,"Message":"禁止通行"}'.encode()
    assert reply.status == 200


def test_refusal() -> None:
    assert refusal().payload == {"Success": 401}
    assert refusal().status == 200
    assert refusal().body == b'{"Success":401}'
    assert refusal(403, "not activated").payload == {"Success": 403, "Message": "not activated"}


def test_error_reply() -> None:
    reply = error_reply(ProtocolError("invalid JSON"))
    assert reply.status == 400
    assert reply.payload == {"Success": 400, "Message": "invalid JSON"}
    too_large = error_reply(PayloadTooLargeError(MAX_BODY))
    assert too_large.status == 413
    assert too_large.payload["Success"] == 413
    assert str(MAX_BODY) in too_large.payload["Message"]
