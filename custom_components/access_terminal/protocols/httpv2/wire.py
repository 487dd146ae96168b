"""HTTPv2 requests and replies on the wire (specs/004_14e2b1c146f04a83.txt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import json
from typing import Any

from ..codec import Part, header_params, is_valid_serial, parse_json_bytes, parse_multipart
from ..errors import PayloadTooLargeError, ProtocolError

# A whole request: a person with a 400 KB photo, a face template and ten fingerprints fits.
MAX_BODY = 2 * 1024 * 1024


class Endpoint(StrEnum):
    """Every path a device calls, lower-cased (firmware differs in case)."""

    KEEPALIVE = "device/keepalive"
    UPLOAD_WORK_SETTING = "device/uploadworksetting"
    DOWNLOAD_WORK_SETTING = "device/downloadworksetting"
    REMOTE_COMMAND = "device/remotecommand"
    REGISTER_RESULT = "device/registeridentifyticketresult"
    UPLOAD_SNAPSHOT = "device/uploadsnapshoot"
    REQUEST_AUTHORIZATION = "device/requestauthorization"
    DOWNLOAD_PEOPLE = "people/downloadpeoplelist"
    DOWNLOAD_PEOPLE_RESULT = "people/downloadpeoplelistresult"
    DELETE_PEOPLE = "people/deletepeoplelist"
    DELETE_PEOPLE_RESULT = "people/deletepeoplelistresult"
    PUSH_PEOPLE = "people/pushpeople"
    UPLOAD_IDENTIFY_RECORD = "record/uploadidentifyrecord"
    UPLOAD_SYSTEM_RECORD = "record/uploadsystemrecord"


def endpoint_for(group: str, action: str) -> Endpoint | None:
    """Map the two path segments of a request to an endpoint (case-insensitive)."""
    try:
        return Endpoint(f"{group}/{action}".lower())
    except ValueError:
        return None


# Multipart parts that carry JSON, under their two documented names, and the photo part names.
_JSON_PARTS = ("RecordDetail", "recordJson", "ResultJson", "Detail")
_PHOTO_PARTS = ("Photo", "pic", "photo", "Pic")
# Plain fields (SN, PushType, UserID) are short; longer ones are ignored, not decoded.
_MAX_FIELD = 1024


@dataclass(slots=True, frozen=True)
class Request:
    """A parsed device request: its plain fields, its JSON document and its photo."""

    endpoint: Endpoint
    serial: str
    fields: dict[str, Any]
    document: dict[str, Any] | None = None
    photo: bytes | None = field(default=None, repr=False)
    # Why the JSON part could not be read, when the request is otherwise sound: the terminal
    # decides (a record is acknowledged and logged rather than refused forever).
    problem: str | None = None


@dataclass(slots=True, frozen=True)
class Reply:
    """What to answer: an HTTP status and the JSON object of the protocol."""

    payload: dict[str, Any]
    status: int = 200

    @property
    def body(self) -> bytes:
        """Return the compact JSON body."""
        return json.dumps(self.payload, separators=(",", ":"), ensure_ascii=False).encode()


def ok(**fields: Any) -> Reply:
    """Return a success reply with optional extra fields."""
    return Reply({"Success": 1, **fields})


def refusal(code: int = 401, message: str | None = None) -> Reply:
    """Return the protocol's refusal: the device stays quiet until its next keep-alive."""
    payload: dict[str, Any] = {"Success": code}
    if message:
        payload["Message"] = message
    return Reply(payload)


def error_reply(err: ProtocolError) -> Reply:
    """Return the protocol-level error for a request we cannot accept."""
    return Reply({"Success": err.status, "Message": str(err)}, status=err.status)


def parse_request(
    endpoint: Endpoint, content_type: str | None, body: bytes, *, gzip_declared: bool = False
) -> Request:
    """Parse a device request of any documented shape; raise ProtocolError otherwise."""
    kind, _ = header_params(content_type or "")
    if kind == "multipart/form-data":
        return _parse_multipart(endpoint, content_type or "", body)
    document = parse_json_bytes(body, MAX_BODY, declared_gzip=gzip_declared)
    if not isinstance(document, dict):
        raise ProtocolError("expected a JSON object")
    serial = document.get("SN", document.get("DeviceSN"))
    return Request(endpoint, _valid_serial(serial), document)


def _parse_multipart(endpoint: Endpoint, content_type: str, body: bytes) -> Request:
    parts = parse_multipart(body, content_type, MAX_BODY)
    problem = None
    try:
        document = _json_part(parts)
    except PayloadTooLargeError:
        raise
    except ProtocolError as err:
        document, problem = None, str(err)
    fields: dict[str, Any] = {
        name: part.text
        for name, part in parts.items()
        if part.filename is None and name not in _JSON_PARTS and len(part.data) <= _MAX_FIELD
    }
    photo = next((parts[name].data for name in _PHOTO_PARTS if name in parts), None)
    if photo is None:
        photo = next(
            (part.data for part in parts.values() if part.filename is not None and part.data),
            None,
        )
    serial = fields.get("SN") or (document or {}).get("SN")
    return Request(endpoint, _valid_serial(serial), fields, document, photo or None, problem)


def _json_part(parts: dict[str, Part]) -> dict[str, Any] | None:
    for name in _JSON_PARTS:
        if (part := parts.get(name)) is not None:
            document = parse_json_bytes(part.data, MAX_BODY)
            if not isinstance(document, dict):
                raise ProtocolError(f"part {name}: expected a JSON object")
            return document
    return None


def _valid_serial(value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ProtocolError("missing serial number (SN)")
    serial = str(value).strip()
    if not is_valid_serial(serial):
        raise ProtocolError("serial number (SN) does not look like one")
    return serial
