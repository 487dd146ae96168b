"""The HTTPv2 push endpoints on Home Assistant's real HTTP app: routing and bad input."""

from __future__ import annotations

import gzip
import json
import logging

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_INTEGRATION_DISCOVERY
from homeassistant.core import Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import CONF_FAMILY, CONF_SERIAL, DOMAIN

from .helpers import BOUNDARY, SERIAL, HttpV2Device, TestClient, multipart, record_parts

UNKNOWN = "FC-8200H99999999"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def access_events(hass: HomeAssistant) -> list[Event]:
    """Collect access_terminal_event bus events."""
    events: list[Event] = []
    hass.bus.async_listen("access_terminal_event", events.append)
    return events


async def test_unknown_serial_refused_and_offered_once(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, object],
) -> None:
    stranger = HttpV2Device(client, UNKNOWN)
    events = access_events(hass)
    for _ in range(3):
        assert await stranger.keepalive() == {"Success": 401}
    assert await stranger.record(3, photo=b"\xff\xd8jpeg") == {"Success": 401}
    assert (await stranger.upload_settings())["Success"] == 401
    await hass.async_block_till_done()

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    assert flows[0]["context"]["unique_id"] == UNKNOWN
    # Nothing of the stranger is kept: no entry, no event, no stored file, no entity.
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    assert events == []
    assert not [key for key in hass_storage if UNKNOWN in json.dumps(hass_storage[key])]
    assert not [e for e in hass.states.async_entity_ids() if "99999999" in e]


async def test_ignored_terminal_stays_refused(hass: HomeAssistant, client: TestClient) -> None:
    MockConfigEntry(
        domain=DOMAIN,
        source=SOURCE_IGNORE,
        unique_id=UNKNOWN,
        data={CONF_FAMILY: "httpv2", CONF_SERIAL: UNKNOWN},
    ).add_to_hass(hass)
    await hass.async_block_till_done()
    stranger = HttpV2Device(client, UNKNOWN)
    assert await stranger.keepalive() == {"Success": 401}
    await hass.async_block_till_done()
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_unloaded_terminal_refused(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    device = HttpV2Device(client)
    assert await device.keepalive() == {"Success": 1, "UploadWorkParameter": 1}
    await hass.config_entries.async_unload(init_integration.entry_id)
    events = access_events(hass)
    assert await device.keepalive() == {"Success": 401}
    assert await device.record(3) == {"Success": 401}
    await hass.async_block_till_done()
    assert events == []
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_paths_are_case_insensitive(device: HttpV2Device) -> None:
    response = await device.client.post("/device/KEEPALIVE", json={"SN": SERIAL})
    assert response.status == 200
    assert await response.json() == {"Success": 1}


async def test_unknown_endpoint(device: HttpV2Device) -> None:
    response = await device.client.post("/Device/SelfDestruct", json={"SN": SERIAL})
    assert response.status == 404
    assert (await response.json())["Success"] == 404


async def test_get_not_allowed(device: HttpV2Device) -> None:
    response = await device.client.get("/Device/Keepalive")
    assert response.status == 405


async def test_document_example_with_trailing_comma_accepted(
    hass: HomeAssistant, device: HttpV2Device
) -> None:
    # The keep-alive example of the document ends with `"AlarmStatus": "",}`.
    body = f'{{"SN":"{SERIAL}", "RelayStatus":\t1, "KeepOpenStatus":\t0, "DoorSensorStatus":\t1,'
    body += ' "LockDoorStatus":\t0, "AlarmStatus":\t"",\n}'
    response = await device.client.post(
        "/Device/Keepalive", data=body, headers={"Content-Type": "application/json"}
    )
    assert await response.json() == {"Success": 1}
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{SERIAL.lower().replace('-', '_')}_door").state == "on"


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
    device: HttpV2Device,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    headers: dict[str, str],
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await device.client.post(
        "/Device/Keepalive", data=body, headers={"Content-Type": "application/json", **headers}
    )
    assert response.status == 400
    reply = await response.json()
    assert reply["Success"] == 400
    assert reply["Message"]
    assert "Traceback" not in caplog.text


async def test_whole_body_gzip_accepted(hass: HomeAssistant, device: HttpV2Device) -> None:
    body = gzip.compress(json.dumps({"SN": SERIAL, "DoorSensorStatus": 1}).encode())
    for headers in ({"Content-Encoding": "gzip"}, {}):  # declared, and magic bytes only
        response = await device.client.post(
            "/Device/Keepalive", data=body, headers={"Content-Type": "application/json", **headers}
        )
        assert await response.json() == {"Success": 1}


async def test_wrong_types_in_optional_fields_tolerated(
    hass: HomeAssistant, device: HttpV2Device
) -> None:
    reply = await device.keepalive(RelayStatus="open", DoorSensorStatus=[1], AlarmStatus=5)
    assert reply == {"Success": 1}


async def test_unreadable_record_acknowledged_and_logged(
    hass: HomeAssistant, device: HttpV2Device, caplog: pytest.LogCaptureFixture
) -> None:
    # Refused, the device would send it again every ten seconds and hold back all later ones.
    events = access_events(hass)
    reply = await device.record(record_type="face")  # type: ignore[arg-type]
    assert reply == {"Success": 1}
    assert await device.record(3) == {"Success": 1}
    await hass.async_block_till_done()
    assert [event.data["record_id"] for event in events] == ["2"]
    assert "unreadable" in caplog.text
    assert '"RecordType": "face"' in caplog.text
    assert "Traceback" not in caplog.text


async def test_oversized_body_refused(device: HttpV2Device) -> None:
    body = json.dumps({"SN": SERIAL, "Padding": "x" * (3 * 1024 * 1024)}).encode()
    response = await device.client.post(
        "/Device/Keepalive", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert (await response.json())["Success"] == 413


async def test_gzip_bomb_refused(device: HttpV2Device) -> None:
    detail = gzip.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}")
    parts = [
        ("SN", SERIAL.encode(), {}),
        ("RecordDetail", detail, {"Content-Encoding": "gzip"}),
    ]
    response = await device.client.post(
        "/Record/UploadIdentifyRecord", data=multipart(parts), headers=MULTIPART
    )
    assert response.status == 413


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (multipart([("SN", SERIAL.encode(), {})])[:-10], MULTIPART["Content-Type"]),  # cut off
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
    hass: HomeAssistant, device: HttpV2Device, body: bytes, content_type: str
) -> None:
    events = access_events(hass)
    response = await device.client.post(
        "/Record/UploadIdentifyRecord", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 400
    assert (await response.json())["Success"] == 400
    await hass.async_block_till_done()
    assert events == []


async def test_non_utf8_name_decoded(hass: HomeAssistant, device: HttpV2Device) -> None:
    events = access_events(hass)
    detail = {"RecordID": 7, "RecordType": 3, "RecordDate": 1718616771, "UserID": "5"}
    raw = json.dumps(detail)[:-1] + ', "Name": "张三"}'
    parts: list[tuple[str, bytes, dict[str, str]]] = [
        ("SN", SERIAL.encode(), {}),
        ("RecordDetail", raw.encode("gbk"), {}),
    ]
    response = await device.client.post(
        "/Record/UploadIdentifyRecord", data=multipart(parts), headers=MULTIPART
    )
    assert await response.json() == {"Success": 1}
    await hass.async_block_till_done()
    assert [event.data["user_name"] for event in events] == ["张三"]


async def test_legacy_part_names_and_plain_detail(
    hass: HomeAssistant, device: HttpV2Device
) -> None:
    events = access_events(hass)
    detail = {"RecordID": 9, "RecordType": 1, "RecordDate": 1718616771, "UserID": "2"}
    parts = record_parts(SERIAL, detail, b"\xff\xd8photo", gzip_detail=False, legacy_names=True)
    assert await device.post_parts("/Record/UploadIdentifyRecord", parts) == {"Success": 1}
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["methods"], e.data["has_photo"]) for e in events] == [
        ("access_granted", ["card"], True)
    ]


async def test_resent_batch_of_system_records_is_not_repeated(
    hass: HomeAssistant, device: HttpV2Device
) -> None:
    events = access_events(hass)
    codes = [1, 2] * 200  # a door opened and closed 200 times, in one batch of 400 records
    assert await device.system_records(1, *codes) == {"Success": 1}
    await hass.async_block_till_done()
    assert len(events) == 400
    assert await device.system_records(1, *codes) == {"Success": 1}  # sent again
    await hass.async_block_till_done()
    assert len(events) == 400


async def test_hostile_json_answered_quickly(device: HttpV2Device) -> None:
    # Many unterminated strings: a naive repair is quadratic and would block the event loop.
    body = ('{"SN":"' + SERIAL + '","a":' + '"\\' * 900_000).encode()
    response = await device.client.post(
        "/Device/Keepalive", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "JSON" in (await response.json())["Message"]


async def test_too_many_parts_refused(device: HttpV2Device) -> None:
    parts: list[tuple[str, bytes, dict[str, str]]] = [
        (f"Extra{n}", gzip.compress(b"x" * 1000), {"Content-Encoding": "gzip"}) for n in range(40)
    ]
    response = await device.client.post(
        "/Record/UploadIdentifyRecord", data=multipart(parts), headers=MULTIPART
    )
    assert response.status == 400
    assert "parts" in (await response.json())["Message"]


async def test_decompression_budget_is_shared_by_all_parts(device: HttpV2Device) -> None:
    # Each part is under the limit, together they are not.
    packed = gzip.compress(b" " * (700 * 1024))
    parts: list[tuple[str, bytes, dict[str, str]]] = [("SN", SERIAL.encode(), {})] + [
        (f"Part{n}", packed, {"Content-Encoding": "gzip"}) for n in range(4)
    ]
    response = await device.client.post(
        "/Record/UploadIdentifyRecord", data=multipart(parts), headers=MULTIPART
    )
    assert response.status == 413
