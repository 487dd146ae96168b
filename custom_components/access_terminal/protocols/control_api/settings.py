"""The device control interface's settings, read and written as Get/Set pairs.

specs/001_0944bd5a8bd87614.txt: "Device information query and settings", "Access control
settings", "Shift settings and user shift settings".
Each `Get<Group>` / `Set<Group>` pair carries one payload; a Set takes the whole payload, so a
group of several settings is read again and written back whole with the one value changed. Each
payload key maps onto a setting of the vocabulary (protocols/settings.py) through a `SettingField`
that reads the device's value (refusing what is out of its range) and writes ours back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..codec import whole_number
from ..fields import flag, integer
from ..settings import SETTINGS as VOCABULARY, Setting, SettingSpec, SettingValue, narrowed

# verify_mode (GetVerifyMode) -> the vocabulary's choice.
VERIFY_MODES: Mapping[int, str] = {
    0: "any",
    1: "fingerprint",
    2: "card_and_fingerprint",
    3: "card",
    4: "user_id_and_fingerprint",
    5: "password",  # "Id + Password": the PIN is typed after the user id
    6: "card_and_password",
    7: "fingerprint_and_password",
    8: "card_fingerprint_and_password",
    9: "face",
    10: "face_and_card",
    11: "face_and_password",
    12: "face_card_and_password",
    13: "face_and_fingerprint",
    14: "face_fingerprint_and_card",
    15: "face_fingerprint_and_password",
}
# antispoofing_thre (GetFaceVerifySetting) -> liveness level.
LIVENESS_LEVELS: Mapping[int, str] = {0: "lowest", 1: "low", 2: "normal", 3: "high", 4: "highest"}
# wiegand_format (GetAcSetting) -> Wiegand output.
WIEGAND_FORMATS: Mapping[int, str] = {0: "none", 1: "wiegand_26", 2: "wiegand_34"}
SHIFT_MODES: Mapping[str, str] = {"user": "user", "department": "department"}
# The document's sound_volume goes 1 to 10; the vocabulary's volume is a percentage.
VOLUME_STEP = 10


@dataclass(frozen=True, slots=True)
class SettingField:
    """One payload key of a group and the setting it holds."""

    spec: SettingSpec
    key: str
    # The device's value -> ours (raises TypeError / ValueError for what it may not be).
    read: Callable[[Any], SettingValue]
    # Ours -> the device's.
    write: Callable[[SettingValue], Any]
    # The door of per-door settings (this interface drives one lock: door 1).
    door: int | None = None


@dataclass(frozen=True, slots=True)
class SettingGroup:
    """A Get/Set pair: `Get<name>` answers `<name>`, `Set<name>` takes the same payload."""

    name: str
    fields: tuple[SettingField, ...]


def _number(spec: SettingSpec, key: str, *, door: int | None = None) -> SettingField:
    """Read a whole number within the setting's range; send it as it is."""
    return SettingField(spec, key, integer(int(spec.minimum), int(spec.maximum)), _whole, door=door)


def _whole(value: SettingValue) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return int(value)


def _switch(spec: SettingSpec, key: str, *, words: bool = False) -> SettingField:
    """Read on/off: JSON booleans, or "yes" / "no" where the document says so."""
    if words:
        return SettingField(spec, key, _yes_no, lambda value: "yes" if value else "no")
    return SettingField(spec, key, flag(), bool)


def _yes_no(value: Any) -> bool:
    if isinstance(value, str) and (word := value.strip().lower()) in ("yes", "no"):
        return word == "yes"
    raise ValueError("not yes or no")


def _choice(spec: SettingSpec, key: str, table: Mapping[Any, str]) -> SettingField:
    """Read a code of the document's table as the vocabulary's choice, and back."""
    codes = {choice: code for code, choice in table.items()}

    def read(value: Any) -> str:
        if isinstance(value, str) and not value.strip().isdigit():
            code: Any = value.strip().lower()
        else:
            code = whole_number(value)  # numbers may come as text
        if code not in table:
            raise ValueError(f"not one of {', '.join(map(str, table))}")
        return table[code]

    def write(value: SettingValue) -> Any:
        return codes[str(value)]

    return SettingField(spec, key, read, write)


def _volume(spec: SettingSpec) -> SettingField:
    read_level = integer(1, 10)
    return SettingField(
        spec,
        "sound_volume",
        lambda value: read_level(value) * VOLUME_STEP,
        lambda value: _whole(value) // VOLUME_STEP,
    )


def _spec(setting: Setting, **changes: object) -> SettingSpec:
    return narrowed(setting, **changes) if changes else VOCABULARY[setting]


GROUPS: tuple[SettingGroup, ...] = (
    SettingGroup(
        "SoundVolume",
        (_volume(_spec(Setting.VOLUME, minimum=VOLUME_STEP, step=VOLUME_STEP)),),
    ),
    SettingGroup(
        "VerifyMode",
        (
            _choice(
                _spec(Setting.VERIFY_MODE, options=tuple(VERIFY_MODES.values())),
                "verify_mode",
                VERIFY_MODES,
            ),
        ),
    ),
    SettingGroup(
        "ReverifyTime",
        (_number(_spec(Setting.REVERIFY_INTERVAL, maximum=59), "reverify_time"),),
    ),
    SettingGroup(
        "FaceVerifySetting",
        (
            _switch(_spec(Setting.LIVENESS_DETECTION), "use_antispoofing"),
            _choice(_spec(Setting.LIVENESS_LEVEL), "antispoofing_thre", LIVENESS_LEVELS),
            _switch(_spec(Setting.MULTI_FACE), "multi_veri_enabled"),
        ),
    ),
    SettingGroup(
        "ChangeUserInfoOnDeviceAllowed",
        (_switch(_spec(Setting.LOCAL_USER_EDITING), "is_allowed", words=True),),
    ),
    SettingGroup("DeviceId", (_number(_spec(Setting.DEVICE_NUMBER), "device_id"),)),
    SettingGroup(
        "AcSetting",
        (
            _switch(_spec(Setting.TAMPER_ALARM), "monitor_tamper"),
            _number(_spec(Setting.MULTI_PERSON_COUNT, minimum=1), "multi_verify_count"),
            # "Door opening delay, 0~200 seconds": 0 would never open; the vocabulary starts at 1.
            _number(_spec(Setting.UNLOCK_TIME, maximum=200), "unlock_time", door=1),
            _choice(_spec(Setting.WIEGAND_OUTPUT), "wiegand_format", WIEGAND_FORMATS),
        ),
    ),
    SettingGroup("ShiftMode", (_choice(_spec(Setting.SHIFT_MODE), "shift_mode", SHIFT_MODES),)),
    SettingGroup(
        "AttendaceTolerance",  # sic: the document's spelling
        (
            _number(_spec(Setting.MORNING_LATE_TOLERANCE), "morning_in_tolerance"),
            _number(_spec(Setting.MORNING_EARLY_LEAVE_TOLERANCE), "morning_out_tolerance"),
            _number(_spec(Setting.AFTERNOON_LATE_TOLERANCE), "afternoon_in_tolerance"),
            _number(_spec(Setting.AFTERNOON_EARLY_LEAVE_TOLERANCE), "afternoon_out_tolerance"),
        ),
    ),
)
# Every setting of the interface, and the group and field that hold it.
FIELDS: Mapping[Setting, tuple[SettingGroup, SettingField]] = {
    field.spec.setting: (group, field) for group in GROUPS for field in group.fields
}
SETTINGS: Mapping[Setting, SettingSpec] = {
    setting: field.spec for setting, (_group, field) in FIELDS.items()
}
