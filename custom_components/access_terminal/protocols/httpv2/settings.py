"""What an HTTPv2 terminal says about itself: its work settings and the status of its door.

specs/004_14e2b1c146f04a83.txt, "UploadWorkSetting" (function list, storage, versions) and the
door fields that Keepalive and UploadWorkSetting share.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
import re
from typing import Any

from ..codec import optional_int
from ..fields import lenient, read_count, read_seconds, read_text, unix_date
from ..model import DoorState, Family, Feature, TerminalInfo, Usage
from .codes import parse_alarms

_FUNCTION_FEATURES = {
    "Face": Feature.FACE,
    "Fingerprint": Feature.FINGERPRINT,
    "Palmvein": Feature.PALM,
    "QRCode": Feature.QR,
    "BodyTemperature": Feature.TEMPERATURE,
    "FaceMask": Feature.MASK,
}
_STORAGE_FEATURES = {
    "Face": Feature.FACE,
    "Fingerprint": Feature.FINGERPRINT,
    "PalmVein": Feature.PALM,
}
_USAGE_KEYS = {
    "users": ("PeopleStorageInfo", "Person"),
    "faces": ("PeopleStorageInfo", "Face"),
    "cards": ("PeopleStorageInfo", "Card"),
    "fingerprints": ("PeopleStorageInfo", "Fingerprint"),
    "palms": ("PeopleStorageInfo", "PalmVein"),
    "passwords": ("PeopleStorageInfo", "Pasword"),
    "admins": ("PeopleStorageInfo", "Admin"),
    "logs": ("RecordStorageInfo", "VerifyRecord"),
    "photos": ("RecordStorageInfo", "RecordPhoto"),
}
# The run counters of the work settings, by the key TerminalInfo.counters gives them.
_COUNTERS = {
    "days_running": "RunDays",
    "watchdog_resets": "WatchDogCount",
    "storage_formats": "FormatCount",
}
_read_boot = lenient(unix_date())
_MODEL_IN_SERIAL = re.compile(r"^(.*?[A-Za-z])\d{6,}$")


def model_from_serial(serial: str) -> str | None:
    """Return the model prefix of a serial ("FC-8200H12345678" -> "FC-8200H")."""
    match = _MODEL_IN_SERIAL.match(serial)
    return match.group(1) if match else None


def _flag(document: Mapping[str, Any], key: str) -> bool | None:
    value = optional_int(document.get(key))
    return None if value is None else value == 1


def door_from_status(document: Mapping[str, Any]) -> DoorState:
    """Read the door fields shared by Keepalive and UploadWorkSetting."""
    return DoorState(
        door=1,
        is_open=_flag(document, "DoorSensorStatus"),
        relay_energised=_flag(document, "RelayStatus"),
        held_open=_flag(document, "KeepOpenStatus"),
        locked_out=_flag(document, "LockDoorStatus"),
        alarms=parse_alarms(document.get("AlarmStatus")),
    )


def info_from_settings(serial: str, settings: Mapping[str, Any]) -> TerminalInfo:
    """Build TerminalInfo from an UploadWorkSetting document."""
    usage: dict[str, Usage] = {}
    for key, (section, name) in _USAGE_KEYS.items():
        group = settings.get(section)
        entry = group.get(name) if isinstance(group, dict) else None
        if isinstance(entry, dict):
            usage[key] = Usage(read_count(entry.get("Current")), read_count(entry.get("Max")))
    features = {Feature.CARD, Feature.PASSWORD}
    functions = settings.get("FunctionList")
    if isinstance(functions, dict):
        features.update(
            feat for key, feat in _FUNCTION_FEATURES.items() if functions.get(key) is True
        )
    else:  # older firmware: a reader exists where it has storage for its templates
        storage = settings.get("PeopleStorageInfo")
        for key, feat in _STORAGE_FEATURES.items():
            entry = storage.get(key) if isinstance(storage, dict) else None
            if isinstance(entry, dict) and (read_count(entry.get("Max")) or 0) > 0:
                features.add(feat)
    counters = {
        key: count
        for key, field in _COUNTERS.items()
        if (count := read_count(settings.get(field))) is not None
    }
    booted = _read_boot(settings.get("BootTime"))
    keepalive = read_seconds(settings.get("HTTPClient_KeepaliveTime")) or read_seconds(
        settings.get("KeepaliveTime")
    )
    return TerminalInfo(
        serial=serial,
        family=Family.HTTPV2,
        model=model_from_serial(serial),
        manufacturer=read_text(settings.get("Manufacturer")),
        firmware=read_text(settings.get("FirmwareVerson")),
        name=read_text(settings.get("DeviceName")),
        features=frozenset(features),
        doors=1,
        usage=usage,
        keepalive_interval=keepalive,
        release_time=read_seconds(settings.get("ReleaseTime")),
        counters=counters,
        booted_at=None if booted is None else datetime.fromtimestamp(booted, UTC),
    )
