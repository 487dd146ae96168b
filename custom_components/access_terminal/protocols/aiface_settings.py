"""Terminal and access parameters of AiFace-class terminals (cloud WebSocket, Webserver + JSON).

specs/002_c663bad8f76a6161.txt, "Set terminal parameter" / "Get terminal parameter"
(`setdevinfo` / `getdevinfo`: terminal id, language, volume, screensaver, verify mode, sleep,
fingerprints per user, log-full hint, re-verification time) and "Set the access parameter" /
"Get the access parameter" (`setdevlock` / `getdevlock`: open delay, door sensor, alarms,
anti-passback, interlock, multi-person opening and lock groups, Wiegand, access counts; the day
and week zones of protocols/weekzones.py travel in the same command). The Webserver + JSON
document (000_...txt) names the same four commands; its terminals are of the same make.

Both set commands take partial documents ("the items are option, if your don't want to set this
item you can ignore them"), so a setting is written alone: a settings write never carries the
day and week zones the access directory writes, and the directory's write carries no setting.
The Webserver + JSON document spells the parameters in capitals (`VOLUME`, `LANGUAGE`), the
cloud document in small letters (and `InputAlarm` mixed): keys are read whatever their case and
written as the terminal itself last spelled them.

Our readings where the document is silent: language codes are those of `getlangoption`'s
example (0 English, 1 Simplified Chinese); volume 0-10 is shown as 0-100 %; the held-open alarm
delay in minutes is shown in seconds; a terminal has one open delay, door sensor and alarm delay,
shown for each of its doors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
import re
from typing import Any

from .errors import InvalidRequestError
from .fields import InputProblems, flag, integer
from .settings import (
    Scope,
    Setting,
    SettingAddress,
    SettingKind,
    SettingSpec,
    SettingValue,
    family_settings,
    narrowed,
)

# Numbers the terminal sends are read up to this (anything larger is not a setting's value).
_LARGEST = 1_000_000
# Lock groups: at most 5 groups of at most 4 people, each a user group 1-9 ("About the lockgroup").
MAX_LOCK_GROUPS = 5
_LOCK_GROUP = re.compile(r"^[1-9]{1,4}$")


class Group(StrEnum):
    """The two parameter documents: terminal (`devinfo`) and access (`devlock`)."""

    TERMINAL = "devinfo"
    ACCESS = "devlock"

    @property
    def get_command(self) -> str:
        """Return the command that reads this document."""
        return f"get{self}"

    @property
    def set_command(self) -> str:
        """Return the command that writes (part of) this document."""
        return f"set{self}"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One key of a parameter document and the setting it is.

    Numbers are the terminal's number times `scale`; selects map the terminal's `codes` onto the
    setting's options; switches are 0 / 1; the lock groups are a list shown as text.
    """

    key: str
    group: Group
    spec: SettingSpec
    codes: Mapping[int, str] = field(default_factory=dict)
    scale: int = 1

    def decode(self, raw: Any) -> SettingValue:
        """Return the setting's value of a terminal's `raw` value (ValueError / TypeError)."""
        match self.spec.kind:
            case SettingKind.SWITCH:
                return flag()(raw)
            case SettingKind.SELECT:
                code = integer(0, _LARGEST)(raw)
                if code not in self.codes:
                    raise ValueError(f"{code} is none of {sorted(self.codes)}")
                return self.codes[code]
            case SettingKind.TEXT:
                return _groups_text(raw)
            case _:
                return integer(0, _LARGEST)(raw) * self.scale

    def encode(self, value: SettingValue) -> Any:
        """Return what the terminal takes for a (checked) value."""
        match self.spec.kind:
            case SettingKind.SWITCH:
                return int(bool(value))
            case SettingKind.SELECT:
                return next(code for code, option in self.codes.items() if option == value)
            case SettingKind.TEXT:
                return [{"group": int(group)} for group in _parse_groups(str(value))]
            case _:
                return int(value) // self.scale  # type: ignore[arg-type]


def _groups_text(raw: Any) -> str:
    if not isinstance(raw, list):
        raise TypeError("lockgroup is not a list")
    groups = [integer(0, _LARGEST)(item.get("group")) for item in raw if isinstance(item, dict)]
    return ", ".join(str(group) for group in groups if group)


def _parse_groups(text: str) -> list[str]:
    """Read "129, 348" into its groups; InvalidRequestError for anything else."""
    groups = [part.strip() for part in re.split(r"[,;\s]+", text) if part.strip()]
    if not groups or len(groups) > MAX_LOCK_GROUPS:
        raise InvalidRequestError(f"give 1 to {MAX_LOCK_GROUPS} opening groups")
    for group in groups:
        if not _LOCK_GROUP.match(group):
            raise InvalidRequestError(
                f"opening group {group!r}: 1 to 4 user groups, each a digit from 1 to 9"
            )
    return groups


def _codes(*options: str) -> dict[int, str]:
    return dict(enumerate(options))


# antpass 1: the host (main) machine is inside, 2: outside.
_PASSBACK = ("off", "main_reader_inside", "main_reader_outside")
_VERIFY_KINDS = {
    # VERIFY_KIND_* of "Set terminal parameter", tips 2.
    0: "any",
    1: "card_and_fingerprint",
    2: "fingerprint_and_password",
    3: "card_fingerprint_and_password",
    4: "card_and_password",
}

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("deviceid", Group.TERMINAL, narrowed(Setting.DEVICE_NUMBER)),
    Parameter(
        "language",
        Group.TERMINAL,
        narrowed(Setting.LANGUAGE, options=("en", "zh_hans")),
        codes=_codes("en", "zh_hans"),
    ),
    Parameter("volume", Group.TERMINAL, narrowed(Setting.VOLUME, step=10), scale=10),
    Parameter("screensaver", Group.TERMINAL, narrowed(Setting.SCREENSAVER_DELAY, maximum=255)),
    Parameter(
        "verifymode",
        Group.TERMINAL,
        narrowed(Setting.VERIFY_MODE, options=tuple(_VERIFY_KINDS.values())),
        codes=_VERIFY_KINDS,
    ),
    Parameter("sleep", Group.TERMINAL, narrowed(Setting.SLEEP_MODE)),
    Parameter("userfpnum", Group.TERMINAL, narrowed(Setting.FINGERPRINTS_PER_USER)),
    Parameter("loghint", Group.TERMINAL, narrowed(Setting.LOG_FULL_WARNING)),
    Parameter("reverifypm", Group.TERMINAL, narrowed(Setting.REVERIFY_INTERVAL, maximum=255)),
    Parameter("opendelay", Group.ACCESS, narrowed(Setting.UNLOCK_TIME, maximum=254)),
    Parameter(
        "doorsensor",
        Group.ACCESS,
        narrowed(Setting.DOOR_SENSOR_TYPE),
        codes=_codes("none", "normally_closed", "normally_open"),
    ),
    Parameter(
        "alarmdelay",
        Group.ACCESS,
        narrowed(Setting.HELD_OPEN_ALARM_DELAY, maximum=255 * 60, step=60),
        scale=60,
    ),
    Parameter(
        "threat",
        Group.ACCESS,
        narrowed(Setting.DURESS_ALARM),
        codes=_codes("off", "alarm_and_open", "alarm", "open"),
    ),
    Parameter(
        "InputAlarm",
        Group.ACCESS,
        narrowed(Setting.ALARM_INPUT),
        codes=_codes("off", "output_1", "output_2"),
    ),
    Parameter(
        "antpass",
        Group.ACCESS,
        narrowed(
            Setting.ANTI_PASSBACK, options=("off", "main_reader_inside", "main_reader_outside")
        ),
        codes=_codes("off", "main_reader_inside", "main_reader_outside"),
    ),
    Parameter(
        "interlock",
        Group.ACCESS,
        narrowed(Setting.INTERLOCK, options=("off", "doors_1_2")),
        codes=_codes("off", "doors_1_2"),
    ),
    Parameter("mutiopen", Group.ACCESS, narrowed(Setting.MULTI_PERSON_COUNT, maximum=4)),
    Parameter("lockgroup", Group.ACCESS, narrowed(Setting.OPENING_GROUPS, max_length=32)),
    Parameter("tryalarm", Group.ACCESS, narrowed(Setting.FAILED_ATTEMPTS_LIMIT, maximum=10)),
    Parameter("tamper", Group.ACCESS, narrowed(Setting.TAMPER_ALARM)),
    Parameter(
        "wgformat",
        Group.ACCESS,
        narrowed(Setting.WIEGAND_FORMAT),
        codes=_codes("wiegand_26", "wiegand_34"),
    ),
    Parameter(
        "wgoutput",
        Group.ACCESS,
        narrowed(Setting.WIEGAND_OUTPUT_CONTENT),
        codes=_codes("user_id", "prefixed_user_id", "terminal_and_user_id"),
    ),
    Parameter("cardoutput", Group.ACCESS, narrowed(Setting.WIEGAND_CARD_OUTPUT)),
    Parameter("access_times", Group.ACCESS, narrowed(Setting.ACCESS_LIMIT)),
    Parameter("punchtimes", Group.ACCESS, narrowed(Setting.PUNCH_LIMIT)),
)
_BY_SETTING = {parameter.spec.setting: parameter for parameter in PARAMETERS}

# Every setting an AiFace terminal has (those it does not report stay unavailable).
SETTINGS: dict[Setting, SettingSpec] = family_settings(*(p.spec for p in PARAMETERS))


# Sends one command with its fields and returns the answer's fields (raising on a refusal).
type Call = Callable[[str, dict[str, Any]], Awaitable[Mapping[str, Any]]]


class AiFaceSettings:
    """Reads parameter documents into setting values and builds the documents that write them."""

    def __init__(self, *, capitals: frozenset[Group] = frozenset()) -> None:
        """Spell the keys of the `capitals` documents in capitals until the terminal spells them."""
        self._capitals = capitals
        # Each key as the terminal last spelled it (lower-cased key -> its spelling).
        self._spelling: dict[str, str] = {}

    def read(
        self, group: Group, answer: Mapping[str, Any], doors: int
    ) -> tuple[dict[SettingAddress, SettingValue], list[tuple[Any, str]]]:
        """Return the values a `get` answer holds, and the (value, problem) it could not read.

        A key the answer lacks is a setting the terminal does not have: it gets no value.
        """
        keys = {key.lower(): key for key in answer if isinstance(key, str)}
        values: dict[SettingAddress, SettingValue] = {}
        refused: list[tuple[Any, str]] = []
        for parameter in PARAMETERS:
            spelled = keys.get(parameter.key.lower())
            if parameter.group is not group or spelled is None:
                continue
            self._spelling[parameter.key.lower()] = spelled
            raw = answer[spelled]
            try:
                value = parameter.decode(raw)
            except (TypeError, ValueError) as err:
                refused.append(({spelled: raw}, str(err)))
                continue
            values.update(dict.fromkeys(self.addresses(parameter.spec.setting, doors), value))
        return values, refused

    def write(self, address: SettingAddress, value: SettingValue) -> tuple[str, dict[str, Any]]:
        """Return the command and the one parameter that write a (checked) value."""
        parameter = _BY_SETTING.get(address.setting)
        if parameter is None:
            raise InvalidRequestError(f"AiFace terminals have no setting {address.setting}")
        key = self._spelling.get(parameter.key.lower())
        if key is None:
            key = parameter.key.upper() if parameter.group in self._capitals else parameter.key
        return parameter.group.set_command, {key: parameter.encode(value)}

    async def read_from(
        self, call: Call, doors: int, problems: InputProblems
    ) -> dict[SettingAddress, SettingValue]:
        """Read both documents; what the terminal sent that is no value is noted in `problems`."""
        values: dict[SettingAddress, SettingValue] = {}
        for group in Group:
            read, refused = self.read(group, await call(group.get_command, {}), doors)
            for content, problem in refused:
                problems.note(f"{group.get_command} parameter", problem, content)
            values.update(read)
        return values

    async def write_to(
        self, call: Call, address: SettingAddress, value: SettingValue, doors: int
    ) -> dict[SettingAddress, SettingValue]:
        """Write one setting alone; return where its value now shows."""
        command, fields = self.write(address, value)
        await call(command, fields)
        return dict.fromkeys(self.addresses(address.setting, doors), value)

    @staticmethod
    def addresses(setting: Setting, doors: int) -> list[SettingAddress]:
        """Return where a value of the terminal shows: once, or on each door for door settings."""
        if SETTINGS[setting].scope is Scope.DOOR:
            return [SettingAddress(setting, door) for door in range(1, max(doors, 1) + 1)]
        return [SettingAddress(setting)]


def clock_offset(clock: datetime | None) -> float | None:
    """Return the seconds a terminal's clock (`gettime`, read just now) is ahead of ours.

    The terminal tells whole seconds: ours is cut to the second too, so a clock that is right
    shows 0.
    """
    if clock is None:
        return None
    return round((clock - datetime.now(UTC).replace(microsecond=0)).total_seconds())
