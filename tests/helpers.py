"""Raw HTTPv2 requests, shaped like the examples of specs/004_14e2b1c146f04a83.txt."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import gzip
import json
from pathlib import Path
import time
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient as AiohttpTestClient
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from custom_components.access_terminal.const import DOMAIN
from simulator.httpv2 import HttpV2Simulator
from simulator.zk_push import ZkPushSimulator

from .protocols.common import build_multipart

# The client of Home Assistant's HTTP app that the harness hands out.
TestClient = AiohttpTestClient[web.Request, web.Application]

SERIAL = "FC-8200H12345678"
FIXTURES = Path(__file__).parent / "fixtures"
BOUNDARY = "--------------------------506873351428002157394455"


def fixture_json(name: str) -> dict[str, Any]:
    """Load a JSON fixture."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def multipart(parts: list[tuple[str, bytes, dict[str, str]]], boundary: str = BOUNDARY) -> bytes:
    """Build a multipart/form-data body by hand, so tests control every header and byte."""
    return build_multipart(parts, boundary=boundary)


def record_parts(
    serial: str,
    detail: dict[str, Any],
    photo: bytes | None = None,
    *,
    gzip_detail: bool = True,
    legacy_names: bool = False,
) -> list[tuple[str, bytes, dict[str, str]]]:
    """Return the parts of an UploadIdentifyRecord / RequestAuthorization request."""
    raw = json.dumps(detail).encode()
    headers = {"Content-Type": "application/octet-stream"}
    if gzip_detail:
        raw = gzip.compress(raw)
        headers["Content-Encoding"] = "gzip"
    parts = [
        ("SN", f" {serial}".encode(), {}),  # the document's example has a leading space
        ("recordJson" if legacy_names else "RecordDetail", raw, headers),
    ]
    if photo is not None:
        parts.append(
            (
                "pic" if legacy_names else "Photo",
                photo,
                {"filename": "p.jpg", "Content-Type": "image/jpeg"},
            )
        )
    return parts


class HttpV2Device:
    """A scripted HTTPv2 device: each method is one request, returning the reply JSON."""

    def __init__(self, client: TestClient, serial: str = SERIAL) -> None:
        self.client = client
        self.serial = serial
        self.next_record_id = 1

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body)
        reply: dict[str, Any] = await response.json()
        return reply

    async def post_parts(
        self, path: str, parts: list[tuple[str, bytes, dict[str, str]]]
    ) -> dict[str, Any]:
        response = await self.client.post(
            path,
            data=multipart(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        reply: dict[str, Any] = await response.json()
        return reply

    async def keepalive(self, **status: Any) -> dict[str, Any]:
        body = {
            "SN": self.serial,
            "RelayStatus": 0,
            "KeepOpenStatus": 0,
            "DoorSensorStatus": 0,
            "LockDoorStatus": 0,
            "AlarmStatus": "",
        }
        body.update(status)
        return await self.post_json("/Device/Keepalive", body)

    async def upload_settings(self, **changes: Any) -> dict[str, Any]:
        settings = fixture_json("httpv2_work_settings.json")
        settings["DeviceSN"] = self.serial
        settings.update(changes)
        return await self.post_json("/Device/UploadWorkSetting", settings)

    async def remote(self) -> dict[str, Any]:
        return await self.post_json("/Device/RemoteCommand", {"SN": self.serial})

    async def record(
        self, record_type: int = 3, photo: bytes | None = None, **fields: Any
    ) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "RecordID": self.next_record_id,
            "RecordType": record_type,
            "RecordDate": 1718616771 + self.next_record_id,
            "UserID": "1",
            "Name": "Alice",
            "CardNum": "0",
            "IsEntry": 1,
            "BodyTemp": 0,
            "PhotoLen": len(photo or b""),
        }
        detail.update(fields)
        self.next_record_id += 1
        return await self.post_parts(
            "/Record/UploadIdentifyRecord", record_parts(self.serial, detail, photo)
        )

    async def system_records(self, kind: int, *codes: int, first_id: int = 1) -> dict[str, Any]:
        records = [
            {"RecordID": first_id + i, "RecordType": code, "RecordDate": 1718616771 + i}
            for i, code in enumerate(codes)
        ]
        return await self.post_json(
            "/Record/UploadSystemRecord",
            {"SN": self.serial, "RecordType": kind, "Records": records},
        )


def bus_events(hass: HomeAssistant) -> list[Event]:
    """Collect access_terminal_event bus events, in the order they were fired."""
    events: list[Event] = []

    @callback
    def collect(event: Event) -> None:
        # A plain function would run in the executor, and list the events in any order.
        events.append(event)

    hass.bus.async_listen("access_terminal_event", collect)
    return events


async def with_device(
    hass: HomeAssistant,
    sim: HttpV2Simulator | ZkPushSimulator,
    call: Awaitable[Any],
    cycles: int = 4,
) -> Any:
    """Run a service call while the simulated device polls, as a real one would."""
    step = sim.keepalive_cycle if isinstance(sim, HttpV2Simulator) else sim.cycle
    task = asyncio.ensure_future(call)
    for _ in range(cycles):
        await asyncio.sleep(0.01)  # let the call queue its work
        if task.done():
            break
        await step()
    result = await asyncio.wait_for(task, 5)
    await hass.async_block_till_done()
    return result


def device_id(hass: HomeAssistant, serial: str = SERIAL) -> str:
    """Return the device registry id of a terminal."""
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, serial)})
    assert device is not None
    return device.id


async def wait_until(condition: Callable[[], object], within: float = 15.0) -> None:
    """Poll `condition` until it holds (generous: the machine may be busy)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
