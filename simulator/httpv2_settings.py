"""The HTTPv2 terminal's work settings document (what UploadWorkSetting sends)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

KIND_DOOR: Final = 1
ADMIN_MAX: Final = 5
PALM_MAX: Final = 10000
VERIFY_RECORD_MAX: Final = 1_000_000
OTHER_RECORD_MAX: Final = 10000
ELEVATOR_PORTS: Final = 8


def initial_settings(
    *,
    serial: str,
    firmware_version: str,
    server: str,
    keepalive_interval: float,
    release_time: float,
    gzip: bool,
    now: int,
) -> dict[str, Any]:
    """Return a realistic settings document, keys and spellings as in the document."""
    keepalive = max(round(keepalive_interval), 1)
    week = {f"Week{day}": "" for day in range(1, 8)}
    return {
        "DeviceSN": serial,
        "DeviceName": f"Face terminal {serial[-4:]}",
        "FirmwareVerson": firmware_version,
        "FingerprintVerson": "-",
        "FaceVerson": "6.01",
        "Manufacturer": "Simulated Access Co.",
        "ManufacturerPhone": "",
        "Website": "",
        "ProductionDate": "2024-06-15",
        "OEMText": "",
        # A fire input is wired (an alarm the tests raise).
        "FireAlarm": 1,
        "DoorLongOpenAlarm": 0,
        "DoorLongOpenTime": 0,
        "DoorSensorAlarm": 0,
        "DoorSensorAlarmTimegroup": dict(week),
        "BlacklistAlarm": 1,
        "AntiDisassemblyAlarm": 1,
        "IllegalVerificationAlarm": 0,
        "IllegalVerificationAlarmLimit": 30,
        "UseUserCloseAlarm": 1,
        "PasswordAlarm": 0,
        "PasswordAlarm_Password": "",
        "PasswordAlarm_Mode": 1,
        "UseBodyTemperature": 1,
        "UseFahrenheitDisplay": 0,
        "TemperatureCompensate": 0,
        "TemperatureAlarmThreshold": 37.3,
        "TemperatureDisplay": 1,
        "CardBytes": 4,
        "AccessType": 0,
        "WgFormat": 26,
        "WGContent": 1,
        "ReleaseTime": release_time,
        "FreeOpen": 0,
        # No re-entry interval: a person may pass again at once (the document's example is 2 s).
        "OpenInterval": 0,
        "OpenInterval_SaveRecord": 0,
        "Relay": 0,
        "ShortMessage": "",
        "OverdueRemind": 1,
        "OverdueRemind_Day": 3,
        "VerificationType": 1,
        "TimingOpen": 0,
        "TimingOpen_mode": 1,
        "TimingOpen_timegroup": dict(week),
        "TimingLocked": 0,
        "TimingLocked_timegroup": dict(week),
        "VisitorRootPassword": "",
        "MultiPerson": 1,
        "UseElevator": 0,
        "ElevatorPorts": [
            {"Num": number, "RelayType": 2, "ReleaseTime": 2}
            for number in range(1, ELEVATOR_PORTS + 1)
        ],
        "FaceIR": 1,
        "FaceIRThreshold": 5,
        "FaceDistance": 3,
        "FaceThreshold": 58,
        "FPComparison": 80,
        "FaceMask": 0,
        "FaceMaskThreshold": 65,
        "Holidays": [],
        "Language": 1,
        "SystemTime": now,
        "UseNTP": 1,
        "TimeZone": 8,
        "Volume": 6,
        "Voice": 1,
        "UseWired": 1,
        "WiredDHCP": 1,
        "WiredIP": "192.168.1.103",
        "WiredMAC": "7E-87-16-C1-E6-51",
        "UseWIFI": 0,
        "WIFIAPName": "",
        "WIFIAPPassword": "",
        "UseRTSP": 1,
        "RTSPPort": 554,
        "RTSPUser": "admin",
        "RTSPPassword": "12345678",
        "KeepaliveTime": keepalive,
        "UseHTTPClient": 1,
        "HTTPClient_ProtocolType": 100,
        "HTTPClient_ServerAddr": server,
        "HTTPClient_KeepaliveTime": keepalive,
        "HTTPClient_UseGZIP": int(gzip),
        "RunDays": 0,
        "FormatCount": 0,
        "WatchDogCount": 0,
        "BootTime": now,
        "RecordAutoCycle": 0,
        "SaveUnregistered": 1,
        "SaveRecordPicture": 1,
        "AutoRestart": 0,
        "AutoRestartTime": "02:00",
        "TimeGroups": [{"Num": 1} | {f"Week{day}": "00:00-23:59" for day in range(1, 8)}],
        "DisplayBrightness": 6,
        "MenuPassword": "0000",
        "ShowIR": 0,
        "ShowPersonPhoto": 1,
        "PlayPersonName": 1,
        "RecognitionButton": 0,
        "UnregisteredWarn": 0,
        "FillLight": 2,
        "ShowPersonName": 1,
        "FunctionList": {
            "BodyTemperature": True,
            "Fingerprint": False,
            "Palmvein": True,
            "Face": True,
            "QRCode": True,
            "FaceMask": True,
            "SafetyHelmet": False,
            "Lift": True,
            "AlarmClock": True,
            "TimeGroup": 64,
            "WIFI": True,
            "HTTPClient_V1": True,
            "HTTPClient_V2": True,
            "MQTT": True,
            "Websocket_V1": True,
            "Websocket_V2": True,
        },
    }


def _usage(maximum: int, current: int) -> dict[str, int]:
    return {"Max": maximum, "Current": current}


def _templates(user: dict[str, Any], key: str) -> int:
    templates = user.get(key)
    return len(templates) if isinstance(templates, list) else 0


def people_storage(
    users: Mapping[int, dict[str, Any]], photo_ids: Iterable[int], capacity: int
) -> dict[str, Any]:
    """Return PeopleStorageInfo counted from the user table."""
    with_photo = set(photo_ids)
    people = list(users.values())
    return {
        "Person": _usage(capacity, len(people)),
        "Face": _usage(
            capacity,
            sum(1 for uid, user in users.items() if user.get("FaceFeature") or uid in with_photo),
        ),
        "Card": _usage(
            capacity, sum(1 for user in people if user.get("CardNum") not in (None, "", "0"))
        ),
        # This model has no fingerprint reader (FunctionList.Fingerprint is false).
        "Fingerprint": _usage(0, sum(_templates(user, "Fingerprints") for user in people)),
        "PalmVein": _usage(PALM_MAX, sum(_templates(user, "Palmveins") for user in people)),
        "Pasword": _usage(capacity, sum(1 for user in people if user.get("Password"))),
        "Admin": _usage(ADMIN_MAX, sum(1 for user in people if user.get("AccessType") == 1)),
    }


def record_storage(
    identify_records: int, system_records: Iterable[Mapping[str, Any]], photos: int
) -> dict[str, Any]:
    """Return RecordStorageInfo for the records the device holds."""
    kinds = [record["kind"] for record in system_records]
    door = kinds.count(KIND_DOOR)
    return {
        "VerifyRecord": _usage(VERIFY_RECORD_MAX, identify_records),
        "DoorRecord": _usage(OTHER_RECORD_MAX, door),
        "SystemRecord": _usage(OTHER_RECORD_MAX, len(kinds) - door),
        "RecordPhoto": _usage(OTHER_RECORD_MAX, photos),
    }
