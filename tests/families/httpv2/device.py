"""A scripted HTTPv2 device: raw requests, each method one request.

Shaped like the examples of specs/004_14e2b1c146f04a83.txt; the tests drive every byte themselves
(the simulator plays a whole terminal instead).
"""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

from tests.helpers import TestClient, load_json
from tests.protocols.common import build_multipart
from tests.terminals import HTTPV2_SERIAL

BOUNDARY = "--------------------------506873351428002157394455"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}

type Part = tuple[str, bytes, dict[str, str]]


def multipart(parts: list[Part], boundary: str = BOUNDARY) -> bytes:
    """Build a multipart/form-data body by hand, so tests control every header and byte."""
    return build_multipart(parts, boundary=boundary)


def record_parts(
    serial: str,
    detail: dict[str, Any],
    photo: bytes | None = None,
    *,
    gzip_detail: bool = True,
    legacy_names: bool = False,
) -> list[Part]:
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

    def __init__(self, client: TestClient, serial: str = HTTPV2_SERIAL) -> None:
        self.client = client
        self.serial = serial
        self.next_record_id = 1
        # The date of each record sent: the device's clock when it happened (live records).
        self.dates: list[int] = []
        # System records are dated when the device was made (the same batch sent again is
        # the same records).
        self.started = int(time.time())

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body)
        reply: dict[str, Any] = await response.json()
        return reply

    async def post_parts(self, path: str, parts: list[Part]) -> dict[str, Any]:
        response = await self.client.post(path, data=multipart(parts), headers=MULTIPART)
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
        settings = load_json("httpv2", "work_settings.json")
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
            "RecordDate": int(time.time()),
            "UserID": "1",
            "Name": "Alice",
            "CardNum": "0",
            "IsEntry": 1,
            "BodyTemp": 0,
            "PhotoLen": len(photo or b""),
        }
        detail.update(fields)
        self.dates.append(detail["RecordDate"])
        self.next_record_id += 1
        return await self.post_parts(
            "/Record/UploadIdentifyRecord", record_parts(self.serial, detail, photo)
        )

    async def system_records(
        self, kind: int, *codes: int, first_id: int = 1, date: int | None = None
    ) -> dict[str, Any]:
        """Upload door (kind 1) or system (kind 2) records, dated now unless `date` says."""
        records = [
            {"RecordID": first_id + i, "RecordType": code, "RecordDate": date or self.started}
            for i, code in enumerate(codes)
        ]
        return await self.post_json(
            "/Record/UploadSystemRecord",
            {"SN": self.serial, "RecordType": kind, "Records": records},
        )
