"""What ZK PUSH operations ask a terminal to do: the command texts, checked before queuing.

Section 12 of specs/003_918f4eda729658fc.txt: CONTROL DEVICE (doors, alarms), ENROLL_BIO and the
attendance ENROLL_FP, UPGRADE, SET / GET OPTIONS, ACCOUNT and DATA DELETE of the records. A text
a terminal could misread is refused here, before anything is queued.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, tzinfo
import ipaddress

from ..errors import InvalidRequestError, NotSupportedError
from ..model import Credential, DoorAction, Feature, FirmwareImage, Operation
from .users import BIO_FACE, BIO_FINGERPRINT, BIO_PALM, Capabilities

# 12.1.2.5: every access control record.
CLEAR_RECORDS_COMMAND = "DATA DELETE transaction *"
# 12.1.4.3, for controllers that fail ACCOUNT: every record (the time filter is "on some
# devices" only, in no format the document gives: the range is narrowed here).
TRANSACTION_QUERY = "DATA QUERY tablename=transaction,fielddesc=*,filter=*"
_ACCOUNT_TIME = "%Y-%m-%d %H:%M:%S"
MAX_PORT = 65535
# CONTROL DEVICE's door field: 00 every door, 01-10 one of them (section 12.4).
MAX_DOOR_ID = 10
# Appendix 1 results that say a command was not understood, rather than that it failed:
# incorrect data or parameter, unknown command, wrong format, not supported by the firmware.
NOT_UNDERSTOOD = frozenset({-10, -11, -13, -620, -708, -801})

_DOOR_CODES = {
    DoorAction.HOLD_OPEN: "01{door:02X}01FF",
    DoorAction.NORMAL: "01{door:02X}0100",
    DoorAction.LOCKOUT: "06{door:02X}0100",
    DoorAction.RELEASE_LOCKOUT: "06{door:02X}0000",
}
_ENROLL_TYPES = {
    Credential.FACE: BIO_FACE,
    Credential.FINGERPRINT: BIO_FINGERPRINT,
    Credential.PALM: BIO_PALM,
}
_ENROLL_INDEXES = {
    Credential.FACE: range(1),
    Credential.FINGERPRINT: range(10),
    Credential.PALM: range(2),
}
# Right index finger, the one people offer first (0-4 left little..thumb, 5-9 right thumb..).
_DEFAULT_FINGER = 6
_CREDENTIAL_FEATURES = {
    Credential.FACE: Feature.FACE,
    Credential.FINGERPRINT: Feature.FINGERPRINT,
    Credential.PALM: Feature.PALM,
}


def door_command(door: int, action: DoorAction, seconds: int = 0) -> str:
    """Return CONTROL DEVICE for a door: output 01 (open `seconds`, hold, normal), lock 06."""
    if action is DoorAction.OPEN:
        return f"CONTROL DEVICE 01{door:02X}01{seconds:02X}"
    return f"CONTROL DEVICE {_DOOR_CODES[action].format(door=door)}"


def normal_open_command(door: int, enabled: bool) -> str:
    """Return CONTROL DEVICE 04 <door> 01 (run today's normal-open period) or 00 (skip it)."""
    return f"CONTROL DEVICE 04{door:02X}{1 if enabled else 0:02X}00"


def output_command(output: int, seconds: int) -> str:
    """Return CONTROL DEVICE 01 <output> 02 <seconds> (00 off, FF on until told otherwise)."""
    if not 1 <= output <= 0xFF or not 0 <= seconds <= 0xFF:
        raise InvalidRequestError("an output is 1 to 255 and runs 0 to 255 seconds")
    return f"CONTROL DEVICE 01{output:02X}02{seconds:02X}"


def id_card_registration_command(door: int, seconds: int, enabled: bool) -> str:
    """Return CONTROL DEVICE 12 <01 on | 00 off> <door, 00 every door> <timeout seconds>."""
    if not 0 <= door <= MAX_DOOR_ID or not 1 <= seconds <= 0xFF:
        raise InvalidRequestError("a door is 0 (every door) to 10 and a timeout 1 to 255 seconds")
    return f"CONTROL DEVICE 12{int(enabled):02X}{door:02X}{seconds:02X}"


def enrollment_command(
    pin: str,
    credential: Credential,
    index: int | None,
    *,
    features: Collection[Feature] | None,
    caps: Capabilities,
    attendance: bool,
) -> str:
    """Return ENROLL_BIO (ENROLL_FP on attendance terminals) for a terminal with `features`.

    `features` None: the terminal has not said yet what it reads.
    """
    feature = _CREDENTIAL_FEATURES.get(credential)
    if feature is None or (features is not None and feature not in features):
        raise NotSupportedError(f"{Operation.ENROLL} {credential}")
    allowed = _ENROLL_INDEXES[credential]
    if index is not None and index not in allowed:
        raise InvalidRequestError(f"index {index} is not valid for {credential}")
    if index is None:
        index = _DEFAULT_FINGER if credential is Credential.FINGERPRINT else 0
    if attendance:
        if credential is not Credential.FINGERPRINT:
            raise NotSupportedError(f"{Operation.ENROLL} {credential}")
        return f"ENROLL_FP PIN={pin}\tFID={index}\tRETRY=3\tOVERWRITE=1"
    kind = _ENROLL_TYPES[credential]
    if credential is Credential.FACE:
        kind = caps.face_type or BIO_FACE
    return f"ENROLL_BIO type={kind}\tno={index}\tpin={pin}\tretry=3\toverwrite=1"


def firmware_command(firmware: FirmwareImage, *, base64: bool = False) -> str:
    """Return UPGRADE with the URL the terminal downloads the image from.

    Method 2 (`type=1`) serves the file as it is; method 1 (controllers) serves it base64-encoded,
    `size` being the original file's (section 12.4.1).
    """
    if firmware.url is None:
        raise InvalidRequestError("ZK terminals download firmware: a URL is needed")
    checksum, size = firmware.md5.lower(), len(firmware.data)
    if base64:
        return f"UPGRADE checksum={checksum},url={firmware.url},size={size}"
    return f"UPGRADE type=1,checksum={checksum},size={size},url={firmware.url}"


def set_options_command(options: Mapping[str, str]) -> str:
    """Return SET OPTIONS key=value,... (refusing what the command cannot carry)."""
    for key, value in options.items():
        if not key or any(char in f"{key}{value}" for char in ",=\t\r\n"):
            raise InvalidRequestError(f"option {key!r}: no commas, '=', tabs or line breaks")
    return "SET OPTIONS " + ",".join(f"{key}={value}" for key, value in options.items())


def get_options_command(names: Sequence[str]) -> str:
    """Return GET OPTIONS name,... (refusing what the command cannot carry)."""
    for name in names:
        if not name or any(char in name for char in ",=\t\r\n"):
            raise InvalidRequestError(f"option {name!r}: no commas, '=', tabs or line breaks")
    return f"GET OPTIONS {','.join(names)}"


def count_commands(caps: Capabilities) -> list[tuple[str, str]]:
    """Return the DATA COUNT commands (section 12.1.3) of users, credentials and records.

    Each with the option its answer stands for (the counts a terminal also announces): users,
    records, fingerprints (templatev10 or unified), faces (unified templates, else comparison
    photos) and palms.
    """
    counts = [("DATA COUNT user", "UserCount"), ("DATA COUNT transaction", "TransactionCount")]
    if caps.fingerprint_v10:
        counts.append(("DATA COUNT templatev10", "FPCount"))
    for kind, option in (
        (BIO_FINGERPRINT, "FPCount"),
        (caps.face_type, "FaceCount"),
        (BIO_PALM, "PvCount"),
    ):
        if kind in caps.bio_data:
            counts.append((f"DATA COUNT biodata Type={kind}", option))
    if caps.face_type is None and BIO_FACE in caps.bio_photo:
        # Faces kept as comparison photos only: each photo is a face it knows.
        counts.append((f"DATA COUNT biophoto Type={BIO_FACE}", "FaceCount"))
    return counts


def test_host_command(host: str, port: int) -> str:
    """Return Test Host Address=<ip>:<port> (section 12.3) for an IPv4 address and a port."""
    try:
        address = ipaddress.IPv4Address(host.strip())
    except ValueError:
        raise InvalidRequestError(f"{host!r} is not an IPv4 address") from None
    if not 1 <= port <= MAX_PORT:
        raise InvalidRequestError(f"port {port} is not one of 1 to {MAX_PORT}")
    return f"Test Host Address={address}:{port}"


def account_command(start: datetime, end: datetime, zone: tzinfo) -> str:
    """Return ACCOUNT transaction StartTime / EndTime (12.2.2) in the terminal's local time."""
    first, last = (moment.astimezone(zone).strftime(_ACCOUNT_TIME) for moment in (start, end))
    return f"ACCOUNT transaction StartTime={first}\tEndTime={last}"
