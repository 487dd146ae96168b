"""HTTPv2 work settings as the protocol-neutral settings (protocols/settings.py).

specs/004_14e2b1c146f04a83.txt, "UploadWorkSetting" / "DownloadWorkSetting": the terminal uploads
its whole work-settings document and takes back "every field that can be changed". Each setting
here is one field of that document, read when the terminal uploads it and written through the
next DownloadWorkSetting together with the other fields of its group, as last read: a group
(the door, one alarm, the face recognition...) is never sent half, and a field Home Assistant
does not know (FreeOpen, Relay, FillLight...) is sent back exactly as the terminal gave it.

The document gives the fields and one example value each, not their ranges (it refers to a
"设备工作参数.md" it does not include): ranges here are what the example implies (Volume 6 and
DisplayBrightness 6 on a 0-10 scale, thresholds in percent), and fields whose codes it does
not explain (VerificationType, Language, FillLight, WgFormat...) are not offered.
"""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
from dataclasses import dataclass
from datetime import time
import re
from typing import Any

from ..fields import decimal, flag, integer, lenient, text
from ..settings import (
    SETTINGS,
    Setting,
    SettingAddress,
    SettingKind,
    SettingSpec,
    SettingValue,
    narrowed,
)

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_read_flag = lenient(flag())
_read_text = lenient(text(64))


@dataclass(frozen=True, slots=True)
class WorkSetting:
    """One setting kept in one field of the work settings (`aliases` are written the same)."""

    spec: SettingSpec
    field: str
    # The fields sent with it, as last read (its group of the document).
    group: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # NUMBER: the document's value times `scale` is the setting's (Volume 0-10 -> 0-100 %).
    scale: int = 1
    # The FunctionList flag the terminal must announce (absent list: assumed there).
    function: str | None = None
    # SELECT: the document's codes of the setting's choices.
    choices: Mapping[int, str] = dataclasses.field(default_factory=dict)

    def read(self, document: Mapping[str, Any]) -> SettingValue | None:
        """Return the setting's value in `document` (None: absent or unreadable)."""
        raw = document.get(self.field)
        match self.spec.kind:
            case SettingKind.SWITCH:
                return _read_flag(raw)
            case SettingKind.NUMBER:
                return self._read_number(raw)
            case SettingKind.TIME:
                return _read_clock(raw)
            case SettingKind.SELECT:
                return self.choices.get(_read_code(raw) or -1)
            case _:  # TEXT: an empty text is a value here (no message on the screen)
                return "" if raw == "" else _read_text(raw)

    def _read_number(self, raw: Any) -> int | float | None:
        if self.spec.step < 1:  # a decimal (37.29999 -> 37.3)
            number = _read_decimal(raw)
            if number is None:
                return None
            steps = round((number - self.spec.minimum) / self.spec.step)
            return round(self.spec.minimum + steps * self.spec.step, 6)
        value = lenient(integer(0, 1_000_000))(raw)
        return None if value is None else value * self.scale

    def encode(self, value: SettingValue) -> Any:
        """Return `value` (checked against the spec) as the document holds it."""
        match value:
            case bool():
                return int(value)
            case time():
                return f"{value.hour:02d}:{value.minute:02d}"
            case str() if self.choices:
                return next(code for code, choice in self.choices.items() if choice == value)
            case int():
                return value // self.scale
            case _:
                return value

    def fields_to_send(self, value: SettingValue, document: Mapping[str, Any]) -> dict[str, Any]:
        """Return the group of fields to send: as in `document`, with this setting's value."""
        fields = {name: document[name] for name in self.group if name in document}
        encoded = self.encode(value)
        fields[self.field] = encoded
        fields.update(dict.fromkeys(self.aliases, encoded))
        return fields


_read_code = lenient(integer(0, 255))
_read_decimal = lenient(decimal(-1000, 1000))


def _read_clock(raw: Any) -> time | None:
    match = _CLOCK.match(raw) if isinstance(raw, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))


_DOOR = ("ReleaseTime", "FreeOpen", "OpenInterval", "OpenInterval_SaveRecord", "Relay")
_HELD_OPEN = ("DoorLongOpenAlarm", "DoorLongOpenTime")
_FAILED = ("IllegalVerificationAlarm", "IllegalVerificationAlarmLimit")
_TEMPERATURE = (
    "UseBodyTemperature",
    "UseFahrenheitDisplay",
    "TemperatureCompensate",
    "TemperatureAlarmThreshold",
    "TemperatureDisplay",
)
_MASK = ("FaceMask", "FaceMaskThreshold")
_FACE = ("FaceIR", "FaceIRThreshold", "FaceDistance", "FaceThreshold", "FPComparison")
_VOICE = ("Language", "Volume", "Voice")
_DISPLAY = (
    "DisplayBrightness",
    "ShowIR",
    "ShowPersonPhoto",
    "PlayPersonName",
    "RecognitionButton",
    "UnregisteredWarn",
    "ShowPersonName",
    "FillLight",
)
_RESTART = ("AutoRestart", "AutoRestartTime")
_RECORDS = ("RecordAutoCycle", "SaveUnregistered", "SaveRecordPicture")
_REMINDER = ("OverdueRemind", "OverdueRemind_Day")


def _setting(
    setting: Setting | SettingSpec, field: str, group: tuple[str, ...] = (), **options: Any
) -> WorkSetting:
    spec = SETTINGS[setting] if isinstance(setting, Setting) else setting
    return WorkSetting(spec, field, group, **options)


WORK_SETTINGS: Mapping[Setting, WorkSetting] = {
    item.spec.setting: item
    for item in (
        _setting(Setting.UNLOCK_TIME, "ReleaseTime", _DOOR),
        _setting(narrowed(Setting.REENTRY_INTERVAL, maximum=255), "OpenInterval", _DOOR),
        _setting(Setting.HELD_OPEN_ALARM, "DoorLongOpenAlarm", _HELD_OPEN),
        _setting(
            narrowed(Setting.HELD_OPEN_ALARM_DELAY, maximum=255), "DoorLongOpenTime", _HELD_OPEN
        ),
        # The periods (DoorSensorAlarmTimegroup) are sent back as they are.
        _setting(
            Setting.DOOR_SENSOR_ALARM,
            "DoorSensorAlarm",
            ("DoorSensorAlarm", "DoorSensorAlarmTimegroup"),
        ),
        _setting(Setting.FIRE_ALARM, "FireAlarm"),
        _setting(Setting.BLACKLIST_ALARM, "BlacklistAlarm"),
        _setting(Setting.TAMPER_ALARM, "AntiDisassemblyAlarm"),
        _setting(Setting.FAILED_ATTEMPTS_ALARM, "IllegalVerificationAlarm", _FAILED),
        _setting(
            narrowed(Setting.FAILED_ATTEMPTS_LIMIT, minimum=1),
            "IllegalVerificationAlarmLimit",
            _FAILED,
        ),
        _setting(Setting.USER_CLEARS_ALARM, "UseUserCloseAlarm"),
        _setting(
            Setting.TEMPERATURE_CHECK,
            "UseBodyTemperature",
            _TEMPERATURE,
            function="BodyTemperature",
        ),
        _setting(
            Setting.TEMPERATURE_THRESHOLD,
            "TemperatureAlarmThreshold",
            _TEMPERATURE,
            function="BodyTemperature",
        ),
        _setting(
            Setting.TEMPERATURE_FAHRENHEIT,
            "UseFahrenheitDisplay",
            _TEMPERATURE,
            function="BodyTemperature",
        ),
        _setting(Setting.MASK_REQUIRED, "FaceMask", _MASK, function="FaceMask"),
        _setting(Setting.MASK_THRESHOLD, "FaceMaskThreshold", _MASK, function="FaceMask"),
        _setting(Setting.LIVENESS_DETECTION, "FaceIR", _FACE, function="Face"),
        _setting(Setting.FACE_THRESHOLD, "FaceThreshold", _FACE, function="Face"),
        _setting(Setting.FINGERPRINT_THRESHOLD, "FPComparison", _FACE, function="Fingerprint"),
        _setting(narrowed(Setting.VOLUME, step=10), "Volume", _VOICE, scale=10),
        _setting(Setting.VOICE_PROMPTS, "Voice", _VOICE),
        _setting(
            narrowed(Setting.DISPLAY_BRIGHTNESS, step=10), "DisplayBrightness", _DISPLAY, scale=10
        ),
        _setting(Setting.SHOW_PERSON_NAME, "ShowPersonName", _DISPLAY),
        _setting(Setting.SHOW_PERSON_PHOTO, "ShowPersonPhoto", _DISPLAY),
        _setting(Setting.ANNOUNCE_PERSON_NAME, "PlayPersonName", _DISPLAY),
        _setting(Setting.DAILY_RESTART, "AutoRestart", _RESTART),
        _setting(Setting.DAILY_RESTART_TIME, "AutoRestartTime", _RESTART),
        _setting(Setting.RECORD_OVERWRITE, "RecordAutoCycle", _RECORDS),
        _setting(Setting.RECORD_UNREGISTERED, "SaveUnregistered", _RECORDS),
        _setting(Setting.RECORD_PHOTOS, "SaveRecordPicture", _RECORDS),
        _setting(Setting.SCREEN_MESSAGE, "ShortMessage"),
        _setting(Setting.EXPIRY_REMINDER, "OverdueRemind", _REMINDER),
        _setting(Setting.EXPIRY_REMINDER_DAYS, "OverdueRemind_Day", _REMINDER),
        # The terminal calls every KeepaliveTime seconds (HTTPClient_ on newer firmware).
        _setting(
            Setting.KEEPALIVE_INTERVAL,
            "HTTPClient_KeepaliveTime",
            aliases=("KeepaliveTime",),
        ),
        _setting(Setting.DEVICE_NAME, "DeviceName"),
        # WgFormat is the Wiegand frame's length in bits (the example's 26); CardBytes and
        # WGContent are sent back as read (the document does not say what their values mean).
        _setting(
            Setting.WIEGAND_FORMAT,
            "WgFormat",
            ("CardBytes", "WgFormat", "WGContent"),
            choices={26: "wiegand_26", 34: "wiegand_34"},
        ),
        # The ports themselves (ElevatorPorts: relay type, release time) are sent back as read.
        _setting(
            Setting.ELEVATOR_CONTROL,
            "UseElevator",
            ("UseElevator", "ElevatorPorts"),
            function="Lift",
        ),
    )
}


def _offered(item: WorkSetting, document: Mapping[str, Any]) -> bool:
    if item.field not in document and not any(name in document for name in item.aliases):
        return False
    functions = document.get("FunctionList")
    if item.function is None or not isinstance(functions, dict):
        return True
    return functions.get(item.function) is True


def read_work_settings(
    document: Mapping[str, Any],
) -> tuple[dict[Setting, SettingSpec], dict[SettingAddress, SettingValue]]:
    """Return the settings a work-settings document has, and their values.

    A setting is offered where its field is in the document (and its function in FunctionList);
    an unreadable value leaves it unknown (its entity unavailable) until the next upload.
    """
    specs: dict[Setting, SettingSpec] = {}
    values: dict[SettingAddress, SettingValue] = {}
    for setting, item in WORK_SETTINGS.items():
        if not _offered(item, document):
            continue
        specs[setting] = item.spec
        source = item if item.field in document else _alias_reader(item, document)
        if (value := source.read(document)) is not None:
            values[item.spec.address(1)] = value
    return specs, values


def _alias_reader(item: WorkSetting, document: Mapping[str, Any]) -> WorkSetting:
    present = next(name for name in item.aliases if name in document)
    return WorkSetting(item.spec, present, scale=item.scale)


# The document's example has 64 ports (`Num` 1-64).
MAX_FLOORS = 64


def elevator_floors(document: Mapping[str, Any]) -> int:
    """Return how many elevator ports the terminal drives (0: elevator control is off)."""
    if _read_flag(document.get("UseElevator")) is not True:
        return 0
    ports = document.get("ElevatorPorts")
    numbers = [
        number
        for port in (ports if isinstance(ports, list) else [])
        if isinstance(port, dict)
        and (number := lenient(integer(1, MAX_FLOORS))(port.get("Num"))) is not None
    ]
    return max(numbers, default=0)
