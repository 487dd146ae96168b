"""Error logs a ZK terminal uploads (`tablename=errorlog`), read into `device_error` events.

specs/003_918f4eda729658fc.txt, 10.12 "Upload Error Log" and Appendix 17: a row
`errcode=D01E0001  errmsg=..  dataorigin=dev|cmd  cmdid=..  additional=<base64 JSON>`. The code
is the error's source (D the device, S the software), its module (two digits), E, and a number;
the document names six of them (all about faces), the rest are described by their module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import re

from ..fields import DeviceInput, InvalidInputError, integer, key, lenient, text
from ..model import AccessEvent, ErrorReason, EventType

# Appendix 17: the codes the document names, and what they mean (English for `detail`; the
# logbook says them in Home Assistant's language through the reason).
ERROR_LOG_CODES: Mapping[str, tuple[ErrorReason, str]] = {
    "D01E0001": (ErrorReason.FACE_NOT_DETECTED, "face detection failed"),
    "D01E0002": (ErrorReason.FACE_COVERED, "face covered"),
    "D01E0003": (ErrorReason.FACE_UNCLEAR, "picture not clear enough"),
    "D01E0004": (ErrorReason.FACE_ANGLE, "face turned too far"),
    "D01E0005": (ErrorReason.LIVENESS_FAILED, "liveness detection failed"),
    "D01E0006": (ErrorReason.TEMPLATE_FAILED, "template extraction failed"),
}
# "Successful": nothing went wrong, no event.
SUCCESS = "00000000"
# Appendix 17, the second and third characters of a device's code.
_MODULES = {
    "01": "PUSH communication",
    "02": "template processing",
    "03": "hardware interaction",
    "04": "PULL communication",
    "05": "standalone communication",
    "06": "data relay",
    "07": "license service",
}
_CODE = re.compile(r"[0-9A-Z]{8}")


@dataclass(slots=True, frozen=True, kw_only=True)
class ErrorLogFields(DeviceInput):
    """The fields of an errorlog row read (the code strictly, the rest describes it)."""

    code: str | None = key("errcode", text(16), default=None)
    message: str | None = key("errmsg", lenient(text(128)), default=None)
    origin: str | None = key("dataorigin", lenient(text(8)), default=None)
    command: int | None = key("cmdid", lenient(integer(0, 2**31 - 1)), default=None)


def read_error(fields: Mapping[str, str]) -> AccessEvent | None:
    """Read one errorlog row into a `device_error` event (None: the code says "successful").

    Raises InvalidInputError (a ProtocolError) when the row has no code of eight characters.
    """
    row = ErrorLogFields.read(fields)
    code = (row.code or "").upper()
    if not _CODE.fullmatch(code):
        raise InvalidInputError(f"errcode: {row.code!r} (not an error code of 8 characters)")
    if code == SUCCESS:
        return None
    reason, detail = ERROR_LOG_CODES.get(code, (ErrorReason.OTHER, _described(code)))
    if row.message:
        detail = f"{detail}: {row.message}"
    if row.origin == "cmd" and row.command is not None:
        detail = f"{detail} (command {row.command})"
    return AccessEvent(
        type=EventType.DEVICE_ERROR,
        time=datetime.now(UTC),  # the row carries no time: it is sent as it happens
        reason=reason,
        raw_code=f"errorlog:{code}",
        detail=detail,
    )


def _described(code: str) -> str:
    """Describe a code the document does not name by its source and module."""
    source = {"D": "device", "S": "software"}.get(code[0], "unknown source")
    module = _MODULES.get(code[1:3]) if code[0] == "D" else None
    where = f"{module} module" if module else source
    return f"error {int(code[4:]) if code[4:].isdigit() else code[4:]} of the {where}"
