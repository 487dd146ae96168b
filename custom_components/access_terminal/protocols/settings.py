"""The protocol-neutral vocabulary of terminal settings: what a door or a terminal can be set to.

Every family speaks of the same things in its own words (ZK `LockDriveTime`, HTTPv2's door
release time, the cloud's open delay...). Here each setting is declared once: its name, whether it
belongs to a door or to the whole terminal, what kind of value it takes, its unit and its widest
range. A family's `Terminal.settings` says which of them it has, narrowed to its own range or
choices (`narrowed(Setting.UNLOCK_TIME, maximum=60)`), reads them into `Terminal.setting_values`
and writes them with `Terminal.write_setting`. Home Assistant shows each as a configuration entity
(number, select, switch, time or text) whose key is the setting's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from enum import StrEnum
import math
from typing import NamedTuple

from .errors import InvalidRequestError


class SettingKind(StrEnum):
    """The kind of value a setting takes, and so the entity platform that shows it."""

    NUMBER = "number"
    SELECT = "select"
    SWITCH = "switch"
    TIME = "time"
    TEXT = "text"


class Scope(StrEnum):
    """Whether a setting belongs to one door or to the whole terminal."""

    TERMINAL = "terminal"
    DOOR = "door"


class Setting(StrEnum):
    """Every setting any family has, by its protocol-neutral name (the entity key)."""

    # -- per door --------------------------------------------------------------------------
    # Seconds the lock stays released after a granted access (or a remote opening).
    UNLOCK_TIME = "unlock_time"
    # How the door contact is wired: none, normally open, normally closed.
    DOOR_SENSOR_TYPE = "door_sensor_type"
    # Seconds a door may stay open before the held-open alarm.
    HELD_OPEN_ALARM_DELAY = "held_open_alarm_delay"
    # How people prove who they are at this door.
    DOOR_VERIFY_MODE = "door_verify_mode"
    # -- per terminal ----------------------------------------------------------------------
    VERIFY_MODE = "verify_mode"
    ANTI_PASSBACK = "anti_passback"
    INTERLOCK = "interlock"
    FACE_ENABLED = "face_enabled"
    FINGERPRINT_ENABLED = "fingerprint_enabled"
    CARD_ENABLED = "card_enabled"
    PASSWORD_ENABLED = "password_enabled"  # noqa: S105 - a setting's name, not a secret
    VOLUME = "volume"
    LANGUAGE = "language"
    TEMPERATURE_CHECK = "temperature_check"
    TEMPERATURE_THRESHOLD = "temperature_threshold"
    MASK_REQUIRED = "mask_required"
    DEVICE_NAME = "device_name"
    # The terminal's own number (shown on it, sent in Wiegand output).
    TERMINAL_NUMBER = "terminal_number"
    # Seconds without use before the screensaver (0: never).
    SCREENSAVER_DELAY = "screensaver_delay"
    SLEEP_MODE = "sleep_mode"
    FINGERPRINTS_PER_USER = "fingerprints_per_user"
    # Warn on the screen when fewer records than this are left (0: no warning).
    LOG_FULL_WARNING = "log_full_warning"
    # Minutes in which the same person verifying again counts once (0: always counts).
    REVERIFY_INTERVAL = "reverify_interval"
    # What a duress credential does: nothing special, alarm and open, alarm only, open only.
    DURESS_ALARM = "duress_alarm"
    # Which alarm output the alarm input drives (off: none).
    ALARM_INPUT = "alarm_input"
    # Failed verifications in a row before the alarm (0: never).
    FAILED_ATTEMPTS_ALARM = "failed_attempts_alarm"
    TAMPER_ALARM = "tamper_alarm"
    # People who must verify together to open (0: one is enough).
    MULTI_PERSON_OPENING = "multi_person_opening"
    # Groups of people whose members together may open, e.g. "129, 348" (user groups 1-9).
    OPENING_GROUPS = "opening_groups"
    WIEGAND_FORMAT = "wiegand_format"
    # What the Wiegand output carries for a person.
    WIEGAND_OUTPUT = "wiegand_output"
    # The Wiegand output carries the person's card number where they have a card.
    WIEGAND_CARD_OUTPUT = "wiegand_card_output"
    # Passages a person may make (0: no limit).
    ACCESS_LIMIT = "access_limit"
    # Punches a person may make within a time zone (0: no limit).
    PUNCH_LIMIT = "punch_limit"


# A setting's value: number (int or float), select (an option), switch, time of day, text.
type SettingValue = bool | int | float | str | time


class SettingAddress(NamedTuple):
    """One setting of one terminal: `door` is the door's number for per-door settings, else None."""

    setting: Setting
    door: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SettingSpec:
    """What a setting is: scope, kind, unit and range (the family narrows range and choices)."""

    setting: Setting
    kind: SettingKind
    scope: Scope = Scope.TERMINAL
    # NUMBER: "s", "min", "%", "°C" or None.
    unit: str | None = None
    minimum: float = 0
    maximum: float = 0
    step: float = 1
    # SELECT: the protocol-neutral choices (each translated).
    options: tuple[str, ...] = ()
    # TEXT: the longest value.
    max_length: int = 0
    # Rarely changed: the entity is disabled until a person enables it.
    advanced: bool = False

    def address(self, door: int | None = None) -> SettingAddress:
        """Return this setting's address (`door` for per-door settings)."""
        return SettingAddress(self.setting, door if self.scope is Scope.DOOR else None)

    def check(self, value: object) -> SettingValue:
        """Return `value` as this setting holds it; raise InvalidRequestError if it cannot."""
        match self.kind:
            case SettingKind.NUMBER:
                return self._check_number(value)
            case SettingKind.SWITCH:
                if not isinstance(value, bool):
                    raise InvalidRequestError(f"{self.setting} must be on or off")
                return value
            case SettingKind.SELECT:
                if not isinstance(value, str) or value not in self.options:
                    choices = ", ".join(self.options)
                    raise InvalidRequestError(f"{self.setting} must be one of: {choices}")
                return value
            case SettingKind.TIME:
                if not isinstance(value, time):
                    raise InvalidRequestError(f"{self.setting} must be a time of day")
                return value.replace(second=0, microsecond=0, tzinfo=None)
            case SettingKind.TEXT:
                return self._check_text(value)

    def _check_number(self, value: object) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidRequestError(f"{self.setting} must be a number")
        if not math.isfinite(value) or not self.minimum <= value <= self.maximum:
            raise InvalidRequestError(
                f"{self.setting} must be from {self.minimum:g} to {self.maximum:g}"
            )
        steps = (value - self.minimum) / self.step
        if abs(steps - round(steps)) > 1e-6:
            raise InvalidRequestError(f"{self.setting} goes in steps of {self.step:g}")
        if float(self.step).is_integer() and float(self.minimum).is_integer():
            return round(value)
        return round(float(value), 6)

    def _check_text(self, value: object) -> str:
        if not isinstance(value, str):
            raise InvalidRequestError(f"{self.setting} must be text")
        text = value.strip()
        if not text or len(text) > self.max_length:
            raise InvalidRequestError(f"{self.setting} takes 1 to {self.max_length} characters")
        if any(not character.isprintable() for character in text):
            raise InvalidRequestError(f"{self.setting} cannot hold control characters")
        return text


VERIFY_MODES = (
    "any",
    "card",
    "fingerprint",
    "face",
    "password",
    "card_and_password",
    "card_and_fingerprint",
    "fingerprint_and_password",
    "face_and_card",
    "face_and_password",
    "card_and_fingerprint_and_password",
)

# The widest form of every setting; families narrow ranges and choices with `replace`.
SETTINGS: Mapping[Setting, SettingSpec] = {
    spec.setting: spec
    for spec in (
        SettingSpec(
            setting=Setting.UNLOCK_TIME,
            kind=SettingKind.NUMBER,
            scope=Scope.DOOR,
            unit="s",
            minimum=1,
            maximum=254,
        ),
        SettingSpec(
            setting=Setting.DOOR_SENSOR_TYPE,
            kind=SettingKind.SELECT,
            scope=Scope.DOOR,
            options=("none", "normally_open", "normally_closed"),
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.HELD_OPEN_ALARM_DELAY,
            kind=SettingKind.NUMBER,
            scope=Scope.DOOR,
            unit="s",
            minimum=0,
            maximum=65535,
        ),
        SettingSpec(
            setting=Setting.DOOR_VERIFY_MODE,
            kind=SettingKind.SELECT,
            scope=Scope.DOOR,
            options=VERIFY_MODES,
            advanced=True,
        ),
        SettingSpec(setting=Setting.VERIFY_MODE, kind=SettingKind.SELECT, options=VERIFY_MODES),
        SettingSpec(
            setting=Setting.ANTI_PASSBACK,
            kind=SettingKind.SELECT,
            options=("off", "out", "in", "in_out", "main_reader_inside", "main_reader_outside"),
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.INTERLOCK,
            kind=SettingKind.SELECT,
            options=("off", "doors_1_2", "doors_3_4", "doors_1_2_3", "doors_1_2_3_4"),
            advanced=True,
        ),
        SettingSpec(setting=Setting.FACE_ENABLED, kind=SettingKind.SWITCH),
        SettingSpec(setting=Setting.FINGERPRINT_ENABLED, kind=SettingKind.SWITCH),
        SettingSpec(setting=Setting.CARD_ENABLED, kind=SettingKind.SWITCH),
        SettingSpec(setting=Setting.PASSWORD_ENABLED, kind=SettingKind.SWITCH),
        SettingSpec(
            setting=Setting.VOLUME, kind=SettingKind.NUMBER, unit="%", minimum=0, maximum=100
        ),
        SettingSpec(
            setting=Setting.LANGUAGE,
            kind=SettingKind.SELECT,
            options=("en", "zh_hans", "zh_hant", "es", "fr", "de", "pt", "ru", "ar", "ja"),
            advanced=True,
        ),
        SettingSpec(setting=Setting.TEMPERATURE_CHECK, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.TEMPERATURE_THRESHOLD,
            kind=SettingKind.NUMBER,
            unit="°C",
            minimum=35,
            maximum=42,
            step=0.1,
            advanced=True,
        ),
        SettingSpec(setting=Setting.MASK_REQUIRED, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.DEVICE_NAME, kind=SettingKind.TEXT, max_length=32, advanced=True
        ),
        SettingSpec(
            setting=Setting.TERMINAL_NUMBER,
            kind=SettingKind.NUMBER,
            minimum=1,
            maximum=65535,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.SCREENSAVER_DELAY,
            kind=SettingKind.NUMBER,
            unit="s",
            minimum=0,
            maximum=3600,
            advanced=True,
        ),
        SettingSpec(setting=Setting.SLEEP_MODE, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.FINGERPRINTS_PER_USER,
            kind=SettingKind.NUMBER,
            minimum=1,
            maximum=10,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.LOG_FULL_WARNING,
            kind=SettingKind.NUMBER,
            minimum=0,
            maximum=65535,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.REVERIFY_INTERVAL,
            kind=SettingKind.NUMBER,
            unit="min",
            minimum=0,
            maximum=255,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.DURESS_ALARM,
            kind=SettingKind.SELECT,
            options=("off", "alarm_and_open", "alarm", "open"),
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.ALARM_INPUT,
            kind=SettingKind.SELECT,
            options=("off", "output_1", "output_2"),
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.FAILED_ATTEMPTS_ALARM,
            kind=SettingKind.NUMBER,
            minimum=0,
            maximum=255,
            advanced=True,
        ),
        SettingSpec(setting=Setting.TAMPER_ALARM, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.MULTI_PERSON_OPENING,
            kind=SettingKind.NUMBER,
            minimum=0,
            maximum=9,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.OPENING_GROUPS, kind=SettingKind.TEXT, max_length=64, advanced=True
        ),
        SettingSpec(
            setting=Setting.WIEGAND_FORMAT,
            kind=SettingKind.SELECT,
            options=("wiegand_26", "wiegand_34"),
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.WIEGAND_OUTPUT,
            kind=SettingKind.SELECT,
            options=("user_id", "prefixed_user_id", "terminal_and_user_id"),
            advanced=True,
        ),
        SettingSpec(setting=Setting.WIEGAND_CARD_OUTPUT, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.ACCESS_LIMIT,
            kind=SettingKind.NUMBER,
            minimum=0,
            maximum=65535,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.PUNCH_LIMIT,
            kind=SettingKind.NUMBER,
            minimum=0,
            maximum=65535,
            advanced=True,
        ),
    )
}


def family_settings(
    *settings: Setting | SettingSpec,
) -> dict[Setting, SettingSpec]:
    """Return a family's settings: vocabulary entries as they are, or narrowed specs."""
    specs = (SETTINGS[item] if isinstance(item, Setting) else item for item in settings)
    return {spec.setting: spec for spec in specs}


def narrowed(setting: Setting, **changes: object) -> SettingSpec:
    """Return the vocabulary's spec of `setting` with a family's own range or choices.

    A family may narrow a range or a list of choices, never widen it: Home Assistant's entities
    (and their translations) are declared from the vocabulary.
    """
    base = SETTINGS[setting]
    spec = replace(base, **changes)  # type: ignore[arg-type]
    if spec.kind is not base.kind or spec.scope is not base.scope or spec.unit != base.unit:
        raise ValueError(f"{setting}: kind, scope and unit are the vocabulary's")
    if spec.minimum < base.minimum or spec.maximum > base.maximum:
        raise ValueError(f"{setting}: range wider than the vocabulary's")
    if not set(spec.options) <= set(base.options):
        raise ValueError(f"{setting}: choices the vocabulary does not have")
    if spec.max_length > base.max_length:
        raise ValueError(f"{setting}: longer text than the vocabulary's")
    return spec
