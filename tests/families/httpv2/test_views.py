"""The HTTPv2 endpoints (/Device, /People, /Record) on Home Assistant's real HTTP app: bad input."""

from __future__ import annotations

import gzip
import json
import logging
import time

from homeassistant.core import HomeAssistant
import pytest

from tests.helpers import bus_events, load_text
from tests.protocols.common import build_multipart
from tests.terminals import HTTPV2_SERIAL

from .device import BOUNDARY, MULTIPART, HttpV2Device, multipart, record_parts

SERIAL = HTTPV2_SERIAL
ENTITY = SERIAL.lower().replace("-", "_")


async def test_paths_are_case_insensitive(httpv2_device: HttpV2Device) -> None:
    response = await httpv2_device.client.post("/device/KEEPALIVE", json={"SN": SERIAL})
    assert response.status == 200
    assert await response.json() == {"Success": 1}


async def test_unknown_endpoint(httpv2_device: HttpV2Device) -> None:
    response = await httpv2_device.client.post("/Device/SelfDestruct", json={"SN": SERIAL})
    assert response.status == 404
    assert (await response.json())["Success"] == 404


async def test_get_not_allowed(httpv2_device: HttpV2Device) -> None:
    response = await httpv2_device.client.get("/Device/Keepalive")
    assert response.status == 405


async def test_document_example_with_trailing_comma_accepted(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    # The keep-alive example of the document ends with `"AlarmStatus": "",}`.
    body = load_text("httpv2", "keepalive_trailing_comma.txt")
    response = await httpv2_device.client.post(
        "/Device/Keepalive", data=body, headers={"Content-Type": "application/json"}
    )
    assert await response.json() == {"Success": 1}
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{ENTITY}_door").state == "on"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"SN": "' + SERIAL.encode() + b'", "RelayStatus": ', {}),  # truncated
        (b"[1, 2, 3]", {}),  # not an object
        (b"\x00\xff garbage", {}),
        (b'{"SN": 12.5e999}', {}),  # not a serial
        (b'{"SN": "' + b"9" * 5000 + b'"}', {}),  # absurd serial
        (b'{"SN": ' + b"[" * 100000 + b"]" * 100000 + b"}", {}),  # nesting bomb
        (b"\x1f\x8b\x08\x00 not really gzip", {}),  # gzip magic, broken stream
        (b"this is not gzip", {"Content-Encoding": "gzip"}),
    ],
)
async def test_broken_json_refused_cleanly(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    headers: dict[str, str],
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await httpv2_device.client.post(
        "/Device/Keepalive", data=body, headers={"Content-Type": "application/json", **headers}
    )
    assert response.status == 400
    reply = await response.json()
    assert reply["Success"] == 400
    assert reply["Message"]
    assert "Traceback" not in caplog.text


async def test_whole_body_gzip_accepted(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    body = gzip.compress(json.dumps({"SN": SERIAL, "DoorSensorStatus": 1}).encode())
    for headers in ({"Content-Encoding": "gzip"}, {}):  # declared, and magic bytes only
        response = await httpv2_device.client.post(
            "/Device/Keepalive", data=body, headers={"Content-Type": "application/json", **headers}
        )
        assert await response.json() == {"Success": 1}


async def test_wrong_types_in_optional_fields_tolerated(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    reply = await httpv2_device.keepalive(RelayStatus="open", DoorSensorStatus=[1], AlarmStatus=5)
    assert reply == {"Success": 1}


async def test_unreadable_record_acknowledged_and_logged(
    hass: HomeAssistant, httpv2_device: HttpV2Device, caplog: pytest.LogCaptureFixture
) -> None:
    # Refused, the device would send it again every ten seconds and hold back all later ones.
    events = bus_events(hass)
    reply = await httpv2_device.record(record_type="face")  # type: ignore[arg-type]
    assert reply == {"Success": 1}
    assert await httpv2_device.record(3) == {"Success": 1}
    await hass.async_block_till_done()
    assert [event.data["record_id"] for event in events] == ["2"]
    assert "unreadable" in caplog.text
    assert '"RecordType": "face"' in caplog.text
    assert "Traceback" not in caplog.text


async def test_gzip_bomb_refused(httpv2_device: HttpV2Device) -> None:
    detail = gzip.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}")
    parts = [
        ("SN", SERIAL.encode(), {}),
        ("RecordDetail", detail, {"Content-Encoding": "gzip"}),
    ]
    response = await httpv2_device.client.post(
        "/Record/UploadIdentifyRecord", data=multipart(parts), headers=MULTIPART
    )
    assert response.status == 413


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            multipart([("SN", SERIAL.encode(), {})])[:-10],
            MULTIPART["Content-Type"],
        ),  # cut off
        (multipart([("SN", SERIAL.encode(), {})]), "multipart/form-data"),  # no boundary
        (b"--" + BOUNDARY.encode() + b"\r\nno header end", MULTIPART["Content-Type"]),
        (
            multipart([("RecordDetail", b"\x1f\x8bnot gzip", {"Content-Encoding": "gzip"})]),
            MULTIPART["Content-Type"],
        ),
        (multipart([("RecordDetail", b"{}", {})]), MULTIPART["Content-Type"]),  # no serial
    ],
)
async def test_broken_multipart_refused(
    hass: HomeAssistant, httpv2_device: HttpV2Device, body: bytes, content_type: str
) -> None:
    events = bus_events(hass)
    response = await httpv2_device.client.post(
        "/Record/UploadIdentifyRecord", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 400
    assert (await response.json())["Success"] == 400
    await hass.async_block_till_done()
    assert events == []


async def test_non_utf8_name_decoded(hass: HomeAssistant, httpv2_device: HttpV2Device) -> None:
    events = bus_events(hass)
    detail = {"RecordID": 7, "RecordType": 3, "RecordDate": 1718616771, "UserID": "5"}
    raw = json.dumps(detail)[:-1] + ', "Name": "张三"}'
    parts: list[tuple[str, bytes, dict[str, str]]] = [
        ("SN", SERIAL.encode(), {}),
        ("RecordDetail", raw.encode("gbk"), {}),
    ]
    response = await httpv2_device.client.post(
        "/Record/UploadIdentifyRecord", data=multipart(parts), headers=MULTIPART
    )
    assert await response.json() == {"Success": 1}
    await hass.async_block_till_done()
    assert [event.data["user_name"] for event in events] == ["张三"]


async def test_legacy_part_names_and_plain_detail(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    events = bus_events(hass)
    detail = {"RecordID": 9, "RecordType": 1, "RecordDate": 1718616771, "UserID": "2"}
    parts = record_parts(SERIAL, detail, b"\xff\xd8photo", gzip_detail=False, legacy_names=True)
    assert await httpv2_device.post_parts("/Record/UploadIdentifyRecord", parts) == {"Success": 1}
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["methods"], e.data["has_photo"]) for e in events] == [
        ("access_granted", ["card"], True)
    ]


async def test_resent_batch_of_system_records_is_not_repeated(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    events = bus_events(hass)
    codes = [1, 2] * 200  # a door opened and closed 200 times, in one batch of 400 records
    assert await httpv2_device.system_records(1, *codes) == {"Success": 1}
    await hass.async_block_till_done()
    assert len(events) == 400
    assert await httpv2_device.system_records(1, *codes) == {"Success": 1}  # sent again
    await hass.async_block_till_done()
    assert len(events) == 400


async def test_hostile_json_answered_quickly(httpv2_device: HttpV2Device) -> None:
    # Many unterminated strings: a naive repair is quadratic and would block the event loop.
    body = ('{"SN":"' + SERIAL + '","a":' + '"\\' * 900_000).encode()
    response = await httpv2_device.client.post(
        "/Device/Keepalive", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "JSON" in (await response.json())["Message"]


async def test_too_many_parts_refused(httpv2_device: HttpV2Device) -> None:
    parts: list[tuple[str, bytes, dict[str, str]]] = [
        (f"Extra{n}", gzip.compress(b"x" * 1000), {"Content-Encoding": "gzip"}) for n in range(40)
    ]
    response = await httpv2_device.client.post(
        "/Record/UploadIdentifyRecord", data=multipart(parts), headers=MULTIPART
    )
    assert response.status == 400
    assert "parts" in (await response.json())["Message"]


async def test_decompression_budget_is_shared_by_all_parts(httpv2_device: HttpV2Device) -> None:
    # Each part is under the limit, together they are not.
    packed = gzip.compress(b" " * (700 * 1024))
    parts: list[tuple[str, bytes, dict[str, str]]] = [("SN", SERIAL.encode(), {})] + [
        (f"Part{n}", packed, {"Content-Encoding": "gzip"}) for n in range(4)
    ]
    response = await httpv2_device.client.post(
        "/Record/UploadIdentifyRecord", data=multipart(parts), headers=MULTIPART
    )
    assert response.status == 413


async def test_free_pass_card_and_refused_exit_button(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    events = bus_events(hass)
    await httpv2_device.record(25, UserID="12345678", Name="")  # no verification: the card's number
    await httpv2_device.system_records(
        1, 7, first_id=50
    )  # exit button while locked: door stays shut
    await httpv2_device.system_records(2, 9, first_id=60)  # lock-out released: nothing unlocked
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["user_id"], e.data["card_number"]) for e in events] == [
        ("access_granted", None, "12345678"),
        ("access_denied", None, None),
        ("lockout_ended", None, None),  # the door back to normal, not a remote opening
    ]
    assert events[1].data["reason"] == "locked"
    assert events[1].data["methods"] == ["button"]


@pytest.mark.parametrize(
    ("boundary", "taken"), [("grenze-€-1", True), ("边界", True), ("\udcff-raw", False)]
)
async def test_a_boundary_that_is_not_latin_1(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    boundary: str,
    taken: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A non-Latin-1 multipart boundary once raised UnicodeEncodeError: a 500 and a traceback."""
    events = bus_events(hass)
    detail = {"RecordID": 11, "RecordType": 3, "RecordDate": int(time.time()), "UserID": "3"}
    wire = boundary.encode("utf-8", "surrogateescape")
    body = build_multipart(
        [(name, data, headers) for name, data, headers in record_parts(SERIAL, detail)],
        boundary=wire.decode("latin-1"),
    )
    response = await httpv2_device.client.post(
        "/Record/UploadIdentifyRecord",
        data=body.replace(wire.decode("latin-1").encode("utf-8"), wire),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    # Read as the UTF-8 its bytes are (aiohttp reads header bytes so): the record is taken;
    # bytes that are no UTF-8 at all give the protocol's refusal, never a 500.
    assert (response.status, (await response.json())["Success"]) == (
        (200, 1) if taken else (400, 400)
    )
    await hass.async_block_till_done()
    assert "Traceback" not in caplog.text
    assert [event.data["user_id"] for event in events] == (["3"] if taken else [])
