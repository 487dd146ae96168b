"""Helpers shared by the protocol tests."""

from __future__ import annotations

from typing import Any

# The boundary of the document's examples: 26 dashes in the header, 28 on the delimiter lines.
BOUNDARY = "--------------------------506873351428002157394455"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"

# An identify record shaped like the document's RecordDetail example.
RECORD_DETAIL: dict[str, Any] = {
    "RecordID": 120,
    "RecordType": 3,
    "RecordDate": 1718616771,
    "UserID": "1",
    "Name": "1",
    "CardNum": "0",
    "IsEntry": 1,
    "BodyTemp": 0,
    "PhotoLen": 40363,
}


def build_multipart(
    parts: list[tuple[str, bytes, dict[str, str]]],
    *,
    boundary: str = BOUNDARY,
    newline: bytes = b"\r\n",
    terminate: bool = True,
) -> bytes:
    """Build a multipart body by hand so every byte is under the test's control."""
    out = b""
    for name, data, headers in parts:
        out += b"--" + boundary.encode() + newline
        disposition = f'form-data; name="{name}"'
        if "filename" in headers:
            disposition += f'; filename="{headers["filename"]}"'
        out += f"Content-Disposition: {disposition}".encode() + newline
        for key, value in headers.items():
            if key != "filename":
                out += f"{key}: {value}".encode() + newline
        out += newline + data + newline
    if terminate:
        out += b"--" + boundary.encode() + b"--" + newline
    return out
