"""The settings vocabulary: every value a person writes is checked before a terminal sees it."""

from __future__ import annotations

from datetime import time

import pytest

from custom_components.access_terminal.protocols.errors import InvalidRequestError
from custom_components.access_terminal.protocols.settings import (
    SETTINGS,
    Scope,
    Setting,
    SettingAddress,
    SettingKind,
    family_settings,
    narrowed,
)


def test_every_setting_is_declared_once() -> None:
    assert set(SETTINGS) == set(Setting)
    for setting, spec in SETTINGS.items():
        assert spec.setting is setting
        if spec.kind is SettingKind.NUMBER:
            assert spec.minimum < spec.maximum, setting
            assert spec.step > 0, setting
        if spec.kind is SettingKind.SELECT:
            assert len(set(spec.options)) == len(spec.options) >= 2, setting
        if spec.kind is SettingKind.TEXT:
            assert 0 <= spec.min_length < spec.max_length, setting


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        (Setting.UNLOCK_TIME, 5, 5),
        (Setting.UNLOCK_TIME, 5.0, 5),  # the frontend sends floats
        (Setting.TEMPERATURE_THRESHOLD, 37.3, 37.3),
        (Setting.FACE_ENABLED, False, False),
        (Setting.ANTI_PASSBACK, "in_out", "in_out"),
        (Setting.DEVICE_NAME, "  Front door ", "Front door"),
        # A screen message may be cleared; a terminal's name may not.
        (Setting.SCREEN_MESSAGE, "  ", ""),
    ],
)
def test_values_a_terminal_takes(setting: Setting, value: object, expected: object) -> None:
    checked = SETTINGS[setting].check(value)
    assert checked == expected
    assert type(checked) is type(expected)


def test_a_time_of_day_loses_seconds_and_zone() -> None:
    spec = SETTINGS[Setting.UNLOCK_TIME]
    timed = type(spec)(setting=Setting.UNLOCK_TIME, kind=SettingKind.TIME, scope=Scope.DOOR)
    assert timed.check(time(3, 30, 12)) == time(3, 30)
    with pytest.raises(InvalidRequestError, match="time of day"):
        timed.check("03:30")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        (Setting.UNLOCK_TIME, 0, "from 1 to 254"),
        (Setting.UNLOCK_TIME, 255, "from 1 to 254"),
        (Setting.UNLOCK_TIME, 2.5, "steps of 1"),
        (Setting.UNLOCK_TIME, float("nan"), "from 1 to 254"),
        (Setting.UNLOCK_TIME, True, "a number"),
        (Setting.UNLOCK_TIME, "5", "a number"),
        (Setting.TEMPERATURE_THRESHOLD, 37.25, "steps of 0.1"),
        (Setting.FACE_ENABLED, 1, "on or off"),
        (Setting.ANTI_PASSBACK, "sideways", "one of"),
        (Setting.ANTI_PASSBACK, 1, "one of"),
        (Setting.DEVICE_NAME, "", "1 to 32"),
        (Setting.DEVICE_NAME, "x" * 33, "1 to 32"),
        (Setting.DEVICE_NAME, "door\x00", "control characters"),
        (Setting.DEVICE_NAME, 7, "must be text"),
    ],
)
def test_values_refused(setting: Setting, value: object, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        SETTINGS[setting].check(value)


def test_a_family_narrows_and_never_widens() -> None:
    spec = narrowed(Setting.UNLOCK_TIME, maximum=60)
    assert spec.check(60) == 60
    with pytest.raises(InvalidRequestError, match="from 1 to 60"):
        spec.check(61)
    choices = narrowed(Setting.ANTI_PASSBACK, options=("off", "in_out"))
    with pytest.raises(InvalidRequestError, match="off, in_out"):
        choices.check("in")
    with pytest.raises(ValueError, match="wider"):
        narrowed(Setting.UNLOCK_TIME, maximum=1000)
    with pytest.raises(ValueError, match="choices"):
        narrowed(Setting.ANTI_PASSBACK, options=("off", "both_ways"))
    with pytest.raises(ValueError, match="kind, scope and unit"):
        narrowed(Setting.UNLOCK_TIME, unit="min")
    with pytest.raises(ValueError, match="longer"):
        narrowed(Setting.DEVICE_NAME, max_length=64)
    with pytest.raises(ValueError, match="shorter"):
        narrowed(Setting.DEVICE_NAME, min_length=0)
    assert family_settings(Setting.VOLUME, spec) == {
        Setting.VOLUME: SETTINGS[Setting.VOLUME],
        Setting.UNLOCK_TIME: spec,
    }


def test_addresses() -> None:
    assert SETTINGS[Setting.UNLOCK_TIME].address(2) == SettingAddress(Setting.UNLOCK_TIME, 2)
    # A terminal-wide setting has no door, whatever door it is asked for.
    assert SETTINGS[Setting.VOLUME].address(2) == SettingAddress(Setting.VOLUME, None)
