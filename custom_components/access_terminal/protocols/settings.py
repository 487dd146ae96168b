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
    # Per door: which way a person must pass before passing the same way again.
    DOOR_ANTI_PASSBACK = "door_anti_passback"
    # Per door: the lock closes as soon as the door shuts, before the unlock time is over.
    LOCK_ON_CLOSE = "lock_on_close"
    # Per door: the exit button releases the lock.
    EXIT_BUTTON = "exit_button"
    # Per door: the door is in use (a disabled door lets nobody in).
    DOOR_ENABLED = "door_enabled"
    # Per door: several people must identify before the door opens.
    MULTI_CARD_OPENING = "multi_card_opening"
    # The terminal moves its clock for daylight saving time.
    DAYLIGHT_SAVING = "daylight_saving"
    # Per door: today's scheduled opening (normally-open period) runs; off skips it until tomorrow.
    SCHEDULED_OPENING = "scheduled_opening"
    # Which doors' passages must alternate (in at one, then out at the other) on a controller.
    ANTI_PASSBACK_BETWEEN_DOORS = "anti_passback_between_doors"
    # Minutes during which a second verification of the same person is not recorded again.
    REVERIFY_INTERVAL = "reverify_interval"
    # Face liveness (anti-spoofing) detection, and how strict it is.
    LIVENESS_DETECTION = "liveness_detection"
    LIVENESS_LEVEL = "liveness_level"
    # Recognise several faces in one picture.
    MULTI_FACE = "multi_face"
    # People may be added or changed at the terminal's own menu.
    LOCAL_USER_EDITING = "local_user_editing"
    # The terminal's own number (1-255) that its logs and reports carry.
    DEVICE_NUMBER = "device_number"
    # An alarm when the terminal is taken off the wall.
    TAMPER_ALARM = "tamper_alarm"
    # How many people must verify together before the door opens.
    MULTI_PERSON_COUNT = "multi_person_count"
    # What the terminal sends on its Wiegand output.
    WIEGAND_OUTPUT = "wiegand_output"
    # Whether attendance shifts are given to each person or to each department.
    SHIFT_MODE = "shift_mode"
    # Minutes late (in) or early (out) before the terminal's attendance counts it.
    MORNING_LATE_TOLERANCE = "morning_late_tolerance"
    MORNING_EARLY_LEAVE_TOLERANCE = "morning_early_leave_tolerance"
    AFTERNOON_LATE_TOLERANCE = "afternoon_late_tolerance"
    AFTERNOON_EARLY_LEAVE_TOLERANCE = "afternoon_early_leave_tolerance"
    # The company (or site) name the terminal shows on its screen.
    COMPANY_NAME = "company_name"
    # -- added for the HTTPv2 work settings (#13) -------------------------------------------
    # The door's held-open alarm on or off (its delay is HELD_OPEN_ALARM_DELAY).
    HELD_OPEN_ALARM = "held_open_alarm"
    # The alarm of a door opened without a passage (the door sensor watched).
    DOOR_SENSOR_ALARM = "door_sensor_alarm"
    FIRE_ALARM = "fire_alarm"
    BLACKLIST_ALARM = "blacklist_alarm"
    # An alarm after too many failed verifications in a row, and how many.
    FAILED_ATTEMPTS_ALARM = "failed_attempts_alarm"
    FAILED_ATTEMPTS_LIMIT = "failed_attempts_limit"
    # A person who verifies at the terminal silences its alarm.
    USER_CLEARS_ALARM = "user_clears_alarm"
    # Seconds before the same person may pass again.
    REENTRY_INTERVAL = "reentry_interval"
    TEMPERATURE_FAHRENHEIT = "temperature_fahrenheit"
    MASK_THRESHOLD = "mask_threshold"
    FACE_THRESHOLD = "face_threshold"
    FINGERPRINT_THRESHOLD = "fingerprint_threshold"
    VOICE_PROMPTS = "voice_prompts"
    DISPLAY_BRIGHTNESS = "display_brightness"
    SHOW_PERSON_NAME = "show_person_name"
    SHOW_PERSON_PHOTO = "show_person_photo"
    ANNOUNCE_PERSON_NAME = "announce_person_name"
    DAILY_RESTART = "daily_restart"
    DAILY_RESTART_TIME = "daily_restart_time"
    # When the log is full: overwrite the oldest records (else stop recording).
    RECORD_OVERWRITE = "record_overwrite"
    RECORD_UNREGISTERED = "record_unregistered"
    RECORD_PHOTOS = "record_photos"
    # A message shown on the terminal's screen.
    SCREEN_MESSAGE = "screen_message"
    # Remind people whose validity ends within EXPIRY_REMINDER_DAYS days.
    EXPIRY_REMINDER = "expiry_reminder"
    EXPIRY_REMINDER_DAYS = "expiry_reminder_days"
    # Seconds between two calls of a terminal that calls Home Assistant.
    KEEPALIVE_INTERVAL = "keepalive_interval"
    # The terminal drives elevator floors (its ports) after a passage.
    ELEVATOR_CONTROL = "elevator_control"
    # The frame a Wiegand reader or controller on the terminal's Wiegand port speaks.
    WIEGAND_FORMAT = "wiegand_format"
    # Seconds without use before the screensaver (0: never).
    SCREENSAVER_DELAY = "screensaver_delay"
    SLEEP_MODE = "sleep_mode"
    FINGERPRINTS_PER_USER = "fingerprints_per_user"
    # Warn on the screen when fewer records than this are left (0: no warning).
    LOG_FULL_WARNING = "log_full_warning"
    # How many of the oldest records the terminal deletes when its log is full.
    RECORDS_DROPPED_WHEN_FULL = "records_dropped_when_full"
    # What a duress credential does: nothing special, alarm and open, alarm only, open only.
    DURESS_ALARM = "duress_alarm"
    # Which alarm output the alarm input drives (off: none).
    ALARM_INPUT = "alarm_input"
    # Groups of people whose members together may open, e.g. "129, 348" (user groups 1-9).
    OPENING_GROUPS = "opening_groups"
    # What the Wiegand output carries for a person (its user id, prefixed, with the terminal's).
    WIEGAND_OUTPUT_CONTENT = "wiegand_output_content"
    # The Wiegand output carries the person's card number where they have a card.
    WIEGAND_CARD_OUTPUT = "wiegand_card_output"
    # Passages a person may make (0: no limit).
    ACCESS_LIMIT = "access_limit"
    # Punches a person may make within a time zone (0: no limit).
    PUNCH_LIMIT = "punch_limit"
    # Per door: seconds the lock stays released for people with an extended unlock time.
    EXTENDED_UNLOCK_TIME = "extended_unlock_time"


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
    # TEXT: the longest value, and the shortest (0: the text may be cleared).
    max_length: int = 0
    min_length: int = 1
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
        if not self.min_length <= len(text) <= self.max_length:
            raise InvalidRequestError(
                f"{self.setting} takes {self.min_length} to {self.max_length} characters"
            )
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
    "user_id_and_fingerprint",
    "card_fingerprint_and_password",
    "face_card_and_password",
    "face_and_fingerprint",
    "face_fingerprint_and_card",
    "face_fingerprint_and_password",
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
            options=(
                "off",
                "doors_1_2",
                "doors_3_4",
                "doors_1_2_3",
                "doors_1_2_3_4",
                "doors_1_2_and_3_4",
            ),
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
            setting=Setting.DOOR_ANTI_PASSBACK,
            kind=SettingKind.SELECT,
            scope=Scope.DOOR,
            options=("off", "out", "in", "in_out"),
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.LOCK_ON_CLOSE, kind=SettingKind.SWITCH, scope=Scope.DOOR, advanced=True
        ),
        SettingSpec(
            setting=Setting.EXIT_BUTTON, kind=SettingKind.SWITCH, scope=Scope.DOOR, advanced=True
        ),
        SettingSpec(
            setting=Setting.DOOR_ENABLED, kind=SettingKind.SWITCH, scope=Scope.DOOR, advanced=True
        ),
        SettingSpec(
            setting=Setting.MULTI_CARD_OPENING,
            kind=SettingKind.SWITCH,
            scope=Scope.DOOR,
            advanced=True,
        ),
        SettingSpec(setting=Setting.DAYLIGHT_SAVING, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.SCHEDULED_OPENING, kind=SettingKind.SWITCH, scope=Scope.DOOR),
        SettingSpec(
            setting=Setting.ANTI_PASSBACK_BETWEEN_DOORS,
            kind=SettingKind.SELECT,
            options=(
                "off",
                "doors_1_2",
                "doors_3_4",
                "doors_1_2_and_3_4",
                "doors_1_2_vs_3_4",
                "door_1_vs_2_3",
                "door_1_vs_2_3_4",
            ),
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.REVERIFY_INTERVAL,
            kind=SettingKind.NUMBER,
            unit="min",
            minimum=0,
            maximum=1440,
            advanced=True,
        ),
        SettingSpec(setting=Setting.LIVENESS_DETECTION, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.LIVENESS_LEVEL,
            kind=SettingKind.SELECT,
            options=("lowest", "low", "normal", "high", "highest"),
            advanced=True,
        ),
        SettingSpec(setting=Setting.MULTI_FACE, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.LOCAL_USER_EDITING, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.DEVICE_NUMBER,
            kind=SettingKind.NUMBER,
            minimum=1,
            maximum=255,
            advanced=True,
        ),
        SettingSpec(setting=Setting.TAMPER_ALARM, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.MULTI_PERSON_COUNT,
            kind=SettingKind.NUMBER,
            minimum=0,
            maximum=10,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.WIEGAND_OUTPUT,
            kind=SettingKind.SELECT,
            options=("none", "wiegand_26", "wiegand_34"),
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.SHIFT_MODE,
            kind=SettingKind.SELECT,
            options=("user", "department"),
            advanced=True,
        ),
        *(
            SettingSpec(
                setting=tolerance,
                kind=SettingKind.NUMBER,
                unit="min",
                minimum=0,
                maximum=120,
                advanced=True,
            )
            for tolerance in (
                Setting.MORNING_LATE_TOLERANCE,
                Setting.MORNING_EARLY_LEAVE_TOLERANCE,
                Setting.AFTERNOON_LATE_TOLERANCE,
                Setting.AFTERNOON_EARLY_LEAVE_TOLERANCE,
            )
        ),
        SettingSpec(
            setting=Setting.COMPANY_NAME, kind=SettingKind.TEXT, max_length=64, advanced=True
        ),
        SettingSpec(setting=Setting.HELD_OPEN_ALARM, kind=SettingKind.SWITCH, scope=Scope.DOOR),
        SettingSpec(
            setting=Setting.DOOR_SENSOR_ALARM,
            kind=SettingKind.SWITCH,
            scope=Scope.DOOR,
            advanced=True,
        ),
        SettingSpec(setting=Setting.FIRE_ALARM, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.BLACKLIST_ALARM, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.FAILED_ATTEMPTS_ALARM, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.FAILED_ATTEMPTS_LIMIT,
            kind=SettingKind.NUMBER,
            minimum=0,
            maximum=255,
            advanced=True,
        ),
        SettingSpec(setting=Setting.USER_CLEARS_ALARM, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.REENTRY_INTERVAL,
            kind=SettingKind.NUMBER,
            unit="s",
            minimum=0,
            maximum=3600,
            advanced=True,
        ),
        SettingSpec(setting=Setting.TEMPERATURE_FAHRENHEIT, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.MASK_THRESHOLD,
            kind=SettingKind.NUMBER,
            unit="%",
            minimum=0,
            maximum=100,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.FACE_THRESHOLD,
            kind=SettingKind.NUMBER,
            unit="%",
            minimum=0,
            maximum=100,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.FINGERPRINT_THRESHOLD,
            kind=SettingKind.NUMBER,
            unit="%",
            minimum=0,
            maximum=100,
            advanced=True,
        ),
        SettingSpec(setting=Setting.VOICE_PROMPTS, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.DISPLAY_BRIGHTNESS,
            kind=SettingKind.NUMBER,
            unit="%",
            minimum=0,
            maximum=100,
            advanced=True,
        ),
        SettingSpec(setting=Setting.SHOW_PERSON_NAME, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.SHOW_PERSON_PHOTO, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.ANNOUNCE_PERSON_NAME, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.DAILY_RESTART, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.DAILY_RESTART_TIME, kind=SettingKind.TIME, advanced=True),
        SettingSpec(setting=Setting.RECORD_OVERWRITE, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.RECORD_UNREGISTERED, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(setting=Setting.RECORD_PHOTOS, kind=SettingKind.SWITCH, advanced=True),
        # Empty: no message on the screen (the screen-message actions reach it too).
        SettingSpec(
            setting=Setting.SCREEN_MESSAGE,
            kind=SettingKind.TEXT,
            max_length=64,
            min_length=0,
            advanced=True,
        ),
        SettingSpec(setting=Setting.EXPIRY_REMINDER, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.EXPIRY_REMINDER_DAYS,
            kind=SettingKind.NUMBER,
            minimum=1,
            maximum=365,
            advanced=True,
        ),
        SettingSpec(
            setting=Setting.KEEPALIVE_INTERVAL,
            kind=SettingKind.NUMBER,
            unit="s",
            minimum=5,
            maximum=300,
            advanced=True,
        ),
        SettingSpec(setting=Setting.ELEVATOR_CONTROL, kind=SettingKind.SWITCH, advanced=True),
        SettingSpec(
            setting=Setting.WIEGAND_FORMAT,
            kind=SettingKind.SELECT,
            options=("wiegand_26", "wiegand_34"),
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
            setting=Setting.RECORDS_DROPPED_WHEN_FULL,
            kind=SettingKind.NUMBER,
            minimum=0,
            maximum=65535,
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
            setting=Setting.OPENING_GROUPS, kind=SettingKind.TEXT, max_length=64, advanced=True
        ),
        SettingSpec(
            setting=Setting.WIEGAND_OUTPUT_CONTENT,
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
        SettingSpec(
            setting=Setting.EXTENDED_UNLOCK_TIME,
            kind=SettingKind.NUMBER,
            scope=Scope.DOOR,
            unit="s",
            minimum=0,
            maximum=254,
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
    if spec.max_length > base.max_length or spec.min_length < base.min_length:
        raise ValueError(f"{setting}: longer or shorter text than the vocabulary's")
    return spec
