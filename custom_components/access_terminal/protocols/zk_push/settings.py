"""ZK PUSH settings: the access control parameters as options (specs/003_918f4eda729658fc.txt).

Appendix 10 (per door, as `Door<n><Name>` options), Appendix 9 (`InterLock`), Appendix 12
(`DSTOn`, `DelRecord`) and the `Language` option (Appendix 4's numbers) are read with GET
OPTIONS and written with SET OPTIONS (section 12.5). The same parameters travel in the
DoorParameters and DevParameters tables of newer controllers, which cannot be read back: the
options are used.
Each setting of the vocabulary maps onto one option and its values onto the option's codes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
import re

from ..codec import optional_int
from ..settings import (
    Scope,
    Setting,
    SettingAddress,
    SettingKind,
    SettingSpec,
    SettingValue,
    family_settings,
    narrowed,
)
from .codes import LANGUAGES, is_verify_bits

# Drive times 0 (never opens) and 255 (normally open) are modes, not unlock times.
MAX_DRIVE_SECONDS = 254
# Door sensor delay: the document gives no limit; the controllers' software offers 0-254.
MAX_DETECTOR_SECONDS = 254


@dataclass(frozen=True, slots=True)
class ZkOption:
    """How one setting is an option: its name (`{door}` for per-door ones) and its codes."""

    setting: Setting
    name: str
    # SELECT: the option's code of each neutral choice; SWITCH: the codes of on and off.
    codes: Mapping[SettingValue, str] = field(default_factory=dict)

    def option(self, door: int | None) -> str:
        """Return the option's name for `door` (terminal settings: the name itself)."""
        return self.name.format(door=door)

    def decode(self, spec: SettingSpec, text: str) -> SettingValue | None:
        """Return the setting's value from the option's text (None: not one it can show)."""
        if spec.kind is SettingKind.NUMBER:
            number = optional_int(text)
            if number is None or not spec.minimum <= number <= spec.maximum:
                return None
            return number
        value = next((value for value, code in self.codes.items() if code == text.strip()), None)
        if spec.kind is SettingKind.SELECT and value not in spec.options:
            return None
        return value

    def encode(self, value: SettingValue) -> str:
        """Return the option's text for a checked value."""
        if isinstance(value, bool | str):
            return self.codes[value]
        return str(value)


_SWITCH: Mapping[SettingValue, str] = {True: "1", False: "0"}

# Appendix 3 codes of the neutral verification modes.
VERIFY_CODES: Mapping[SettingValue, str] = {
    "any": "0",
    "fingerprint": "1",
    "password": "3",
    "card": "4",
    "fingerprint_and_password": "9",
    "card_and_fingerprint": "10",
    "card_and_password": "11",
    "face": "15",
    "face_and_password": "17",
    "face_and_card": "18",
}

# The same modes in the new bit form (section 12.5.1, "Access control new verification
# parameters"): a bit per method (face 1, fingerprint 4, password 9, card 11) and bit 0 set when
# all of them are needed; 16 digits, bit 0 last.
_VF_BITS = {"face": 1, "fingerprint": 4, "password": 9, "card": 11}
_VF_AND = 1


def _vf(*methods: str, all_needed: bool = False) -> int:
    return sum(1 << _VF_BITS[method] for method in methods) | (_VF_AND if all_needed else 0)


VERIFY_BIT_CODES: Mapping[str, int] = {
    "any": _vf("face", "fingerprint", "password", "card"),
    "fingerprint": _vf("fingerprint"),
    "password": _vf("password"),
    "card": _vf("card"),
    "face": _vf("face"),
    "fingerprint_and_password": _vf("fingerprint", "password", all_needed=True),
    "card_and_fingerprint": _vf("card", "fingerprint", all_needed=True),
    "card_and_password": _vf("card", "password", all_needed=True),
    "face_and_password": _vf("face", "password", all_needed=True),
    "face_and_card": _vf("face", "card", all_needed=True),
}
_VERIFY_OF_BITS = {bits: mode for mode, bits in VERIFY_BIT_CODES.items()}


def verify_mode_of_bits(text: str) -> str | None:
    """Return the vocabulary's mode of a bit-form verification (None: one it has no word for)."""
    bits = int(text, 2)
    if (bits & ~_VF_AND).bit_count() == 1:
        bits &= ~_VF_AND  # one method: "and" or "or" is the same
    return _VERIFY_OF_BITS.get(bits)


OPTIONS: tuple[ZkOption, ...] = (
    ZkOption(Setting.UNLOCK_TIME, "Door{door}Drivertime"),
    # Appendix 10 "ExtDoorDelayDrivertime": named ExtDoor<n>DelayDrivertime by the controllers.
    ZkOption(Setting.EXTENDED_UNLOCK_TIME, "ExtDoor{door}DelayDrivertime"),
    ZkOption(
        Setting.DOOR_SENSOR_TYPE,
        "Door{door}SensorType",
        {"none": "0", "normally_open": "1", "normally_closed": "2"},
    ),
    ZkOption(Setting.HELD_OPEN_ALARM_DELAY, "Door{door}Detectortime"),
    ZkOption(Setting.DOOR_VERIFY_MODE, "Door{door}VerifyType", VERIFY_CODES),
    ZkOption(
        Setting.DOOR_ANTI_PASSBACK,
        "Door{door}InOutAntiPassback",
        {"off": "0", "in": "1", "out": "2", "in_out": "3"},
    ),
    ZkOption(Setting.LOCK_ON_CLOSE, "Door{door}CloseAndLock", _SWITCH),
    # "Exit button status. 1: Do not lock (default). 0: Lock" - 1 lets the button open.
    ZkOption(Setting.EXIT_BUTTON, "Door{door}REXInput", _SWITCH),
    # Appendix 10: "DoorDisable: Enable or disable the door. 1: Enable. 0: Disable."
    ZkOption(Setting.DOOR_ENABLED, "Door{door}Disable", _SWITCH),
    ZkOption(Setting.MULTI_CARD_OPENING, "Door{door}MultiCardOpenDoor", _SWITCH),
    # Appendix 9; value 4 interlocks doors 1 and 2, and doors 3 and 4.
    ZkOption(
        Setting.INTERLOCK,
        "InterLock",
        {
            "off": "0",
            "doors_1_2": "1",
            "doors_3_4": "2",
            "doors_1_2_3": "3",
            "doors_1_2_and_3_4": "4",
            "doors_1_2_3_4": "5",
        },
    ),
    # Appendix 8, the values between doors; those between readers (16 and up) are not shown.
    ZkOption(
        Setting.ANTI_PASSBACK_BETWEEN_DOORS,
        "AntiPassback",
        {
            "off": "0",
            "doors_1_2": "1",
            "doors_3_4": "2",
            "doors_1_2_and_3_4": "3",
            "doors_1_2_vs_3_4": "4",
            "door_1_vs_2_3": "5",
            "door_1_vs_2_3_4": "6",
        },
    ),
    ZkOption(Setting.DAYLIGHT_SAVING, "DSTOn", _SWITCH),
    # Appendix 12: how many of the oldest event records go when the log is full.
    ZkOption(Setting.RECORDS_DROPPED_WHEN_FULL, "DelRecord"),
    # Appendix 4: the Language option's number of each of the setting's choices (the other
    # languages have no choice, so a terminal set to one shows none).
    ZkOption(
        Setting.LANGUAGE,
        "Language",
        {choice: str(number) for number, (_, choice) in LANGUAGES.items() if choice},
    ),
    # Appendix 10: the date (YYYYMMDD) the day's normal-open period was cancelled (CONTROL
    # DEVICE 04 <door> 00); the period runs today unless that date is today.
    ZkOption(Setting.SCHEDULED_OPENING, "Door{door}CancelKeepOpenDelay"),
)
_BY_SETTING = {option.setting: option for option in OPTIONS}
# The option names read here: `Door<n><Name>` for doors 1 to 99, and the terminal's own.
SETTING_OPTION = re.compile(
    "|".join(re.escape(option.name).replace(re.escape("{door}"), r"\d{1,2}") for option in OPTIONS)
)

_INTERLOCKS = {
    2: ("off", "doors_1_2"),
    3: ("off", "doors_1_2", "doors_1_2_3"),
}
_ANTI_PASSBACKS = {
    2: ("off", "doors_1_2"),
    3: ("off", "doors_1_2", "door_1_vs_2_3"),
}


def settings_for(doors: int) -> dict[Setting, SettingSpec]:
    """Return the settings of a Security PUSH controller with `doors` doors."""
    between_doors: list[Setting | SettingSpec] = []
    if doors >= 2:
        for setting, narrower in (
            (Setting.INTERLOCK, _INTERLOCKS),
            (Setting.ANTI_PASSBACK_BETWEEN_DOORS, _ANTI_PASSBACKS),
        ):
            options = narrower.get(doors)
            between_doors.append(narrowed(setting, options=options) if options else setting)
    return family_settings(
        narrowed(Setting.UNLOCK_TIME, maximum=MAX_DRIVE_SECONDS),
        Setting.DOOR_SENSOR_TYPE,
        narrowed(Setting.HELD_OPEN_ALARM_DELAY, maximum=MAX_DETECTOR_SECONDS),
        Setting.DOOR_VERIFY_MODE,
        Setting.DOOR_ANTI_PASSBACK,
        Setting.LOCK_ON_CLOSE,
        Setting.EXIT_BUTTON,
        Setting.DOOR_ENABLED,
        Setting.MULTI_CARD_OPENING,
        Setting.EXTENDED_UNLOCK_TIME,
        *between_doors,
        Setting.DAYLIGHT_SAVING,
        Setting.RECORDS_DROPPED_WHEN_FULL,
        Setting.LANGUAGE,
        Setting.SCHEDULED_OPENING,
    )


def _addresses(
    settings: Mapping[Setting, SettingSpec], doors: int
) -> Iterator[tuple[SettingAddress, ZkOption]]:
    for setting, spec in settings.items():
        option = _BY_SETTING[setting]
        if spec.scope is Scope.DOOR:
            for door in range(1, doors + 1):
                yield SettingAddress(setting, door), option
        else:
            yield SettingAddress(setting), option


def option_names(settings: Mapping[Setting, SettingSpec], doors: int) -> list[str]:
    """Return the options GET OPTIONS asks for to read every setting."""
    return [option.option(address.door) for address, option in _addresses(settings, doors)]


def day_number(day: date) -> int:
    """Return a date as DoorCancelKeepOpenDelay writes it: year * 10000 + month * 100 + day."""
    return day.year * 10000 + day.month * 100 + day.day


def setting_values(
    settings: Mapping[Setting, SettingSpec],
    doors: int,
    options: Mapping[str, str],
    today: date,
) -> dict[SettingAddress, SettingValue]:
    """Return the values the options hold (a value the vocabulary cannot show is left out)."""
    values: dict[SettingAddress, SettingValue] = {}
    for address, option in _addresses(settings, doors):
        text = options.get(option.option(address.door))
        value: SettingValue | None = None
        if text is not None and address.setting is Setting.SCHEDULED_OPENING:
            value = optional_int(text) != day_number(today)
        elif (
            text is not None
            and address.setting is Setting.DOOR_VERIFY_MODE
            and is_verify_bits(text.strip())
        ):
            value = verify_mode_of_bits(text.strip())
        elif text is not None:
            value = option.decode(settings[address.setting], text)
        if value is not None:
            values[address] = value
    return values


def setting_option(
    address: SettingAddress, value: SettingValue, options: Mapping[str, str]
) -> dict[str, str]:
    """Return the option that writes a checked value (for SET OPTIONS).

    A verification mode is written in the form the terminal holds it (`options`, as read).
    """
    option = _BY_SETTING[address.setting]
    name = option.option(address.door)
    current = options.get(name, "").strip()
    if address.setting is Setting.DOOR_VERIFY_MODE and is_verify_bits(current):
        return {name: format(VERIFY_BIT_CODES[str(value)], f"0{len(current)}b")}
    return {name: option.encode(value)}
