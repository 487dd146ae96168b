"""The ZKTeco PUSH terminal's hardware: its doors, their status line and its parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
import hashlib
from typing import Final

SENSOR_NONE: Final = "none"
SENSOR_CLOSED: Final = "closed"
SENSOR_OPEN: Final = "open"
# rtstate: two sensor bits per door.
SENSOR_BITS: Final = {SENSOR_NONE: 0b00, SENSOR_CLOSED: 0b01, SENSOR_OPEN: 0b10}

# Alarm bits of a door's rtstate byte (section 10.3), lowest first.
ALARM_FORCED: Final = 0
ALARM_TAMPER: Final = 1
ALARM_DURESS_PASSWORD: Final = 2
ALARM_DURESS_FINGERPRINT: Final = 3
ALARM_HELD_OPEN: Final = 4
ALARM_MAINS: Final = 5
ALARM_BATTERY: Final = 6
ALARM_READER_TAMPER: Final = 7
# The status line reports alarms for at least this many doors, as in the document's example.
ALARM_BYTES_MIN: Final = 8

# Biometric types (Appendix 18): fingerprint, palm, visible-light face.
BIO_FINGERPRINT: Final = 1
BIO_PALM: Final = 8
BIO_FACE: Final = 9
BIO_TYPES: Final = 10
# (major, minor) algorithm version of the templates this terminal makes, per type.
TEMPLATE_VERSIONS: Final = {
    BIO_FINGERPRINT: ("10", "0"),
    BIO_PALM: ("1", "0"),
    BIO_FACE: ("5", "8"),
}

PUSH_VERSION: Final = "3.1.2"
ATTENDANCE_PUSH_VERSION: Final = "2.4.1"
DEFAULT_DRIVE_SECONDS: Final = 5
AUX_INPUTS: Final = 4  # InAddr: "the door ID or the auxiliary input ID", 1 to 4
# Capacities in the firmware's units: users and fingerprints in hundreds, records in ten
# thousands, faces and unified templates one by one.
MAX_USERS_HUNDREDS: Final = 100
MAX_RECORDS_TEN_THOUSANDS: Final = 10
MAX_FINGERPRINTS_HUNDREDS: Final = 30
MAX_TEMPLATES: Final = 3000

# Verification modes (Appendix 3) the reader offers: auto, fingerprint, card, password, face...
VERIFY_MODES: Final = (0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 15, 16, 17, 18, 19, 200)
# Events (Appendix 2) this firmware writes.
EVENT_CODES: Final = (
    *(0, 1, 4, 5, 7, 8, 9, 10, 11, 12, 13, 20, 21, 22, 23, 27, 28, 29, 39, 41, 44, 45, 63),
    *(100, 101, 102, 105, 200, 201, 202, 204, 205, 206, 222, 223, 224, 225, 226, 233, 234),
    *(212, 213, 217, 235),
)
# AccSupportFunList positions (section 7.4) that are always on: door locking, ACCOUNT,
# verification modes by period.
ACC_SUPPORT_ALWAYS: Final = (2, 11, 12)
ACC_SUPPORT_MULTI_CARD: Final = 7
ACC_SUPPORT_MULTI_BIO: Final = (38, 39, 40)
ACC_SUPPORT_LENGTH: Final = 50


# Appendix 10 parameters of each door as the firmware comes (Door<n><name>).
DOOR_PARAMETERS: Final = {
    "Drivertime": str(DEFAULT_DRIVE_SECONDS),
    "KeepOpenTimeZone": "0",
    "CancelKeepOpenDelay": "0",
    "VerifyType": "0",
    "SensorType": "2",
    "Detectortime": "15",
    "CloseAndLock": "1",
    "InOutAntiPassback": "0",
    "REXInput": "1",
    "Disable": "1",
    "MultiCardOpenDoor": "0",
    "FirstCardOpenDoor": "0",
}
# Appendix 9: the doors each InterLock value ties together (one open keeps the others shut).
INTERLOCK_GROUPS: Final[dict[int, tuple[frozenset[int], ...]]] = {
    1: (frozenset({1, 2}),),
    2: (frozenset({3, 4}),),
    3: (frozenset({1, 2, 3}),),
    4: (frozenset({1, 2}), frozenset({3, 4})),
    5: (frozenset({1, 2, 3, 4}),),
}


@dataclass(kw_only=True)
class DoorSim:
    """One door: its contact, its lock relay and the modes the server can set."""

    number: int
    sensor: str = SENSOR_CLOSED
    relay: bool = False
    normal_open: bool = False
    locked_out: bool = False
    alarms: set[int] = field(default_factory=set)


def rtstate_fields(doors: Sequence[DoorSim]) -> tuple[str, str, str]:
    """Return the hex `sensor`, `relay` and `alarm` values of the status line."""
    sensor = bytearray((len(doors) + 3) // 4 or 1)
    relay = bytearray((len(doors) + 7) // 8 or 1)
    alarm = bytearray(max(len(doors), ALARM_BYTES_MIN))
    for position, door in enumerate(doors):
        sensor[position // 4] |= SENSOR_BITS.get(door.sensor, 0) << (position % 4 * 2)
        if door.relay:
            relay[position // 8] |= 1 << (position % 8)
        for bit in door.alarms:
            if 0 <= bit < 8:
                alarm[position] |= 1 << bit
    return sensor.hex().upper(), relay.hex().upper(), alarm.hex().upper()


def _bits_hex(positions: Sequence[int], length: int, *, low_bit_first: bool) -> str:
    """Encode bit positions as hex bytes, counting from the first byte's low or high bit."""
    data = bytearray(length // 8)
    for position in positions:
        bit = position % 8 if low_bit_first else 7 - position % 8
        data[position // 8] |= 1 << bit
    return data.hex().upper()


def _mac_address(serial: str) -> str:
    digest = hashlib.sha256(serial.encode()).digest()
    return "00:17:61:" + ":".join(f"{byte:02x}" for byte in digest[:3])


def multi_bio_list(values: dict[int, str]) -> str:
    """Write a MultiBio* option: one colon-separated value per biometric type 0-9."""
    return ":".join(values.get(bio_type, "0") for bio_type in range(BIO_TYPES))


def initial_options(
    *,
    serial: str,
    doors: int,
    firmware_version: str,
    date_fmt: bool,
    mul_card: bool,
    multi_bio: bool,
    aux_outputs: int = 1,
) -> dict[str, str]:
    """Return the parameters a Security PUSH terminal registers with (section 7.4)."""
    support = set(ACC_SUPPORT_ALWAYS)
    if mul_card:
        support.add(ACC_SUPPORT_MULTI_CARD)
    if multi_bio:
        support.update(ACC_SUPPORT_MULTI_BIO)
    options = {
        "DeviceType": "acc",
        "~DeviceName": "SpeedFace-V5L",
        "FirmVer": firmware_version,
        "PushVersion": f"Ver {PUSH_VERSION}",
        "MAC": _mac_address(serial),
        "CommType": "ethernet",
        "MaxPackageSize": "2048000",
        "LockCount": str(doors),
        "ReaderCount": str(doors),
        "AuxInCount": str(AUX_INPUTS),
        "AuxOutCount": str(aux_outputs),
        "MachineType": "101",
        "~IsOnlyRFMachine": "0",
        "~MaxUserCount": str(MAX_USERS_HUNDREDS),
        "~MaxAttLogCount": str(MAX_RECORDS_TEN_THOUSANDS),
        "~MaxFingerCount": str(MAX_FINGERPRINTS_HUNDREDS),
        "~MaxFaceCount": str(MAX_TEMPLATES),
        "~MaxUserFingerCount": "10",
        "MThreshold": "60",
        "IPAddress": "192.168.1.201",
        "NetMask": "255.255.255.0",
        "GATEIPAddress": "192.168.1.1",
        "~ZKFPVersion": "10",
        "IclockSvrFun": "1",
        "SimpleEventType": "1",
        "VerifyStyles": _bits_hex(VERIFY_MODES[:-1], 32, low_bit_first=False),
        "EventTypes": _bits_hex(EVENT_CODES, 256, low_bit_first=True),
        "DisableUserFunOn": "1",
        "DeleteAndFunOn": "0",
        "LogIDFunOn": "1",
        "DateFmtFunOn": str(int(date_fmt)),
        "DelAllLossCardFunOn": "0",
        "AutoClearDay": "0",
        "StopAllVerify": "0",
        "FvFunOn": "0",
        "FaceFunOn": "1",
        "FingerFunOn": "1",
        "CameraOpen": "1",
        "AccSupportFunList": "".join(
            "1" if position in support else "0" for position in range(ACC_SUPPORT_LENGTH)
        ),
        "AutoServerFunOn": "1",
        "MulCardUserFunOn": str(int(mul_card)),
        # Super users (SuperAuthorize) and a longer unlock time per person (extuser).
        "~SupAuthzizeFunOn": "1",
        "UserOpenDoorDelayFunOn": "1",
        "UserNameFunOn": "1",
        "StringPinFunOn": "0",
        "MaxLockCount": str(doors),
        "BioPhotoFun": str(int(multi_bio)),
        "BioDataFun": str(int(multi_bio)),
        "IRTempDetectionFunOn": "0",
        "MaskDetectionFunOn": "0",
        # Appendix 12: no interlock, no anti-passback between doors, no daylight saving.
        "InterLock": "0",
        "AntiPassback": "0",
        "DSTOn": "0",
        # Appendix 12: how many of the oldest records a full log deletes (0 here: none, so a
        # full log records nothing more, as a terminal without the setting does).
        "DelRecord": "0",
        # Appendix 4: English.
        "Language": "69",
    }
    for door in range(1, doors + 1):
        options |= {f"Door{door}{name}": value for name, value in DOOR_PARAMETERS.items()}
        options[f"ExtDoor{door}DelayDrivertime"] = "0"
    if multi_bio:
        options |= {
            "MultiBioDataSupport": multi_bio_list(
                {BIO_FINGERPRINT: "1", BIO_PALM: "1", BIO_FACE: "1"}
            ),
            "MultiBioPhotoSupport": multi_bio_list({BIO_FACE: "1"}),
            "MultiBioVersion": multi_bio_list(
                {bio_type: ".".join(version) for bio_type, version in TEMPLATE_VERSIONS.items()}
            ),
            "MaxMultiBioDataCount": multi_bio_list(
                dict.fromkeys((BIO_FINGERPRINT, BIO_PALM, BIO_FACE), str(MAX_TEMPLATES))
            ),
            "MaxMultiBioPhotoCount": multi_bio_list({BIO_FACE: str(MAX_TEMPLATES)}),
        }
    return options


def enrollable_types(*, multi_bio: bool) -> frozenset[int]:
    """Biometric types the terminal can capture: fingerprint only without unified templates."""
    return frozenset(TEMPLATE_VERSIONS) if multi_bio else frozenset({BIO_FINGERPRINT})
