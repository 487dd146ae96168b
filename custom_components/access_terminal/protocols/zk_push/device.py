"""What a ZK terminal is, from the options it announced: variant, capabilities, info, zone.

A terminal says what it is in its registry body (Security PUSH), its `table=options` uploads, the
`INFO` of its command requests (attendance PUSH) and the answers to `GET OPTIONS`. Only the
options read here and in users.py are kept (a registration carries some fifty).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from enum import StrEnum

from ..codec import optional_int
from ..errors import InvalidRequestError
from ..fields import MAX_COUNT, MAX_DOORS, read_count, read_doors, read_seconds, read_text
from ..model import (
    USER_OPERATIONS,
    DoorState,
    EventCategory,
    Family,
    Feature,
    Method,
    Operation,
    TerminalInfo,
    Usage,
)
from .codes import VERIFY_MODES
from .settings import SETTING_OPTION
from .support import (
    EVENT_TYPES_BYTES,
    VERIFY_STYLES_BYTES,
    is_bitmap,
    machine_model,
    supported_verify_modes,
)
from .users import BIO_FINGERPRINT, BIO_PALM, Capabilities

# Seconds between a Security terminal's command requests (RequestDelay) and an attendance
# terminal's (Delay): the first drives how soon a door opens after it is asked to.
REQUEST_DELAY = 3
ATTENDANCE_DELAY = 10
DEFAULT_OPEN_SECONDS = 5
MAX_OPEN_SECONDS = 254
# CONTROL DEVICE carries an output's number in one byte.
MAX_AUX_OUTPUTS = 255
# Options naming a count and its capacity; ZK reports some capacities in hundreds or ten
# thousands ("~MaxUserCount=100" is 10,000 users); options are kept without the "~" mark.
_USAGE_OPTIONS = {
    "users": ("UserCount", "MaxUserCount", 100),
    "fingerprints": ("FPCount", "MaxFingerCount", 100),
    "faces": ("FaceCount", "MaxFaceCount", 1),
    "palms": ("PvCount", "MaxPvCount", 1),
    "logs": ("TransactionCount", "MaxAttLogCount", 10000),
}
# The options kept per terminal: what capabilities, info and diagnostics read.
_KEPT_OPTIONS = frozenset(
    {
        "AccSupportFunList",
        "AuxInCount",
        "AuxOutCount",
        "CmdFormat",
        "CameraOpen",
        "DateFmtFunOn",
        "DeviceName",
        "DeviceType",
        "DisableUserFunOn",
        "EventTypes",
        "FaceCount",
        "FaceFunOn",
        "FaceVersion",
        "FirmVer",
        "FingerFunOn",
        "FPCount",
        "FWVersion",
        "IPAddress",
        "IRTempDetectionFunOn",
        "IsSupportQRcode",
        "Language",
        "LockCount",
        "MAC",
        "MachineType",
        "MaskDetectionFunOn",
        "MaxAttLogCount",
        "MaxFaceCount",
        "MaxFingerCount",
        "MaxPvCount",
        "MaxUserCount",
        "MulCardUserFunOn",
        "MultiBioDataSupport",
        "MultiBioPhotoSupport",
        "MultiBioVersion",
        "OEMVendor",
        "PhotoFunOn",
        "Platform",
        "PushVersion",
        "PvCount",
        "PvFunOn",
        "ReaderCount",
        "StringPinFunOn",
        "SupAuthrizeFunOn",
        "SupAuthzizeFunOn",
        "TimeZone",
        "TransactionCount",
        "UserCount",
        "UserOpenDoorDelayFunOn",
        "VerifyStyles",
        "ZKFPVersion",
    }
)
# "1": the terminal has a camera and uploads snapshots with its records (ATTPHOTO).
CAMERA_OPTION = "CameraOpen"


class Variant(StrEnum):
    """Which protocol a terminal speaks on the iclock endpoints."""

    SECURITY = "security"
    ATTENDANCE = "attendance"


# ZK's lock-out is the controller's lock option, so it is added where the firmware has one.
_SECURITY_OPERATIONS = USER_OPERATIONS | {
    Operation.ACCESS_RULES,
    Operation.OPEN_DOOR,
    Operation.TIMED_OPEN,
    Operation.HOLD_OPEN,
    Operation.NORMAL_MODE,
    Operation.CLEAR_ALARM,
    Operation.PUSH_FIRMWARE,
    Operation.SET_TIME,
    Operation.REBOOT,
    Operation.RECOVER_RECORDS,
    Operation.CLEAR_RECORDS,
    Operation.TEST_HOST,
    Operation.ID_CARD_REGISTRATION,
    Operation.LINKAGE,
}
_LOCK_OPERATIONS = frozenset({Operation.LOCKOUT, Operation.RELEASE_LOCKOUT})
# Auxiliary outputs are driven where the controller announces some (AuxOutCount).
_AUX_OPERATIONS = frozenset({Operation.AUX_OUTPUT})
_ATTENDANCE_OPERATIONS = USER_OPERATIONS | {Operation.SET_TIME, Operation.REBOOT}
# Until a terminal says which protocol it speaks: what both variants can do.
UNKNOWN_VARIANT_OPERATIONS = _SECURITY_OPERATIONS & _ATTENDANCE_OPERATIONS


def event_categories_for(variant: Variant | None) -> frozenset[EventCategory]:
    """Return the event streams a terminal of `variant` fills (attendance: no doors, alarms)."""
    if variant is Variant.ATTENDANCE:
        return frozenset({EventCategory.ACCESS, EventCategory.ADMIN})
    return frozenset(EventCategory)


def operations_for(
    variant: Variant | None, caps: Capabilities, aux_outputs: int = 0
) -> frozenset[Operation]:
    """Return what a terminal of `variant` with `caps` and `aux_outputs` outputs can do."""
    if variant is Variant.ATTENDANCE:
        return _ATTENDANCE_OPERATIONS
    return (
        _SECURITY_OPERATIONS
        | (_LOCK_OPERATIONS if caps.lock_control else frozenset())
        | (_AUX_OPERATIONS if aux_outputs else frozenset())
    )


def kept_options(options: Mapping[str, str]) -> dict[str, str]:
    """Return the options the integration reads, out of all a terminal announced."""
    return {
        key: value
        for key, value in options.items()
        if key in _KEPT_OPTIONS or SETTING_OPTION.fullmatch(key)
    }


def refused_options(options: Mapping[str, str]) -> dict[str, str]:
    """Return the options whose values no terminal can have, and why (they are not kept).

    Doors are numbered 1 to 4 in every document (`LockCount`): a terminal announcing a hundred
    gets no hundred locks.
    """
    refused: dict[str, str] = {}
    lock_count = options.get("LockCount")
    if lock_count is not None and read_doors(lock_count) is None:
        refused["LockCount"] = f"LockCount={lock_count[:20]}: doors are numbered 1 to {MAX_DOORS}"
    for key, size in (("EventTypes", EVENT_TYPES_BYTES), ("VerifyStyles", VERIFY_STYLES_BYTES)):
        value = options.get(key)
        if value is not None and not is_bitmap(value, size):
            refused[key] = f"{key}={value[:80]}: not a bitmap of {size} bytes in hex"
    return refused


def _flag_on(options: Mapping[str, str], *keys: str) -> bool:
    return any((optional_int(options.get(key)) or 0) > 0 for key in keys)


def info_from_options(serial: str, options: Mapping[str, str], caps: Capabilities) -> TerminalInfo:
    """Build TerminalInfo from the options a terminal announced."""
    features = {Feature.CARD, Feature.PASSWORD}
    # The methods of the verification modes it offers (VerifyStyles), where it said.
    offered = {
        m for mode in supported_verify_modes(options) or () for m in VERIFY_MODES.get(mode, ())
    }
    if (
        BIO_FINGERPRINT in caps.bio_data
        or _flag_on(options, "FingerFunOn", "ZKFPVersion")
        or Method.FINGERPRINT in offered
    ):
        features.add(Feature.FINGERPRINT)
    if (
        caps.face_type is not None
        or _flag_on(options, "FaceFunOn", "FaceVersion")
        or Method.FACE in offered
    ):
        features.add(Feature.FACE)
    if BIO_PALM in caps.bio_data or _flag_on(options, "PvFunOn"):
        features.add(Feature.PALM)
    if _flag_on(options, "IRTempDetectionFunOn"):
        features.add(Feature.TEMPERATURE)
    if _flag_on(options, "MaskDetectionFunOn"):
        features.add(Feature.MASK)
    if (optional_int(options.get("IsSupportQRcode")) or 0) >= 2:
        features.add(Feature.QR)
    usage: dict[str, Usage] = {}
    for key, (count, capacity, unit) in _USAGE_OPTIONS.items():
        used, most = read_count(options.get(count)), read_count(options.get(capacity))
        if most is not None and most * unit > MAX_COUNT:
            most = None  # no terminal stores that much: not a capacity
        if used is not None or most is not None:
            usage[key] = Usage(used, None if most is None else most * unit)
    return TerminalInfo(
        serial=serial,
        family=Family.ZK_PUSH,
        model=read_text(options.get("DeviceName")) or machine_model(options),
        manufacturer=read_text(options.get("OEMVendor")) or "ZKTeco",
        firmware=read_text(options.get("FirmVer") or options.get("FWVersion")),
        features=frozenset(features),
        doors=caps.doors,
        usage=usage,
        keepalive_interval=ATTENDANCE_DELAY if caps.attendance else REQUEST_DELAY,
        release_time=read_seconds(options.get("Door1Drivertime")),
    )


def zone_from_option(value: str | None) -> tzinfo | None:
    """Read the TimeZone option: whole hours, or minutes for half-hour zones."""
    number = optional_int(value)
    if number is None:
        return None
    minutes = number * 60 if -14 <= number <= 14 else number
    if not -14 * 60 <= minutes <= 14 * 60:
        return None
    return timezone(timedelta(minutes=minutes))


def zone_option(moment: datetime) -> str:
    """Return the TimeZone option for the zone of `moment`: hours, or minutes if not whole."""
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    return str(minutes // 60) if minutes % 60 == 0 else str(minutes)


def open_seconds(options: Mapping[str, str], door: int, duration: int | None) -> int:
    """Return how long `door` opens: `duration`, else its drive time, else the default."""
    if duration is None:
        # The door's drive time, unless it is no opening time (0 closed, 255 normally open).
        configured = optional_int(options.get(f"Door{door}Drivertime"))
        duration = (
            configured
            if configured is not None and 1 <= configured <= MAX_OPEN_SECONDS
            else DEFAULT_OPEN_SECONDS
        )
    if not 1 <= duration <= MAX_OPEN_SECONDS:
        raise InvalidRequestError(f"doors open for 1 to {MAX_OPEN_SECONDS} seconds")
    return duration


def aux_output_count(options: Mapping[str, str], name: str = "AuxOutCount") -> int:
    """Return how many auxiliary outputs (or inputs: AuxInCount) the controller announced.

    At most 255; a value that is no such count is none.
    """
    count = optional_int(options.get(name))
    return count if count is not None and 0 <= count <= MAX_AUX_OUTPUTS else 0


def check_door(doors: Mapping[int, DoorState], door: int) -> None:
    """Refuse a door the terminal does not have (or before it said which it has)."""
    if door not in doors:
        if not doors:
            raise InvalidRequestError("the terminal has not said yet which doors it has")
        raise InvalidRequestError(f"door {door}: this terminal has {len(doors)} door(s)")
