"""The parameters of AiFace terminals as settings: read whatever their spelling, written alone."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.access_terminal.protocols.aiface_settings import (
    PARAMETERS,
    SETTINGS,
    AiFaceSettings,
    Group,
)
from custom_components.access_terminal.protocols.errors import InvalidRequestError
from custom_components.access_terminal.protocols.fields import InputProblems
from custom_components.access_terminal.protocols.settings import (
    SETTINGS as VOCABULARY,
    Setting,
    SettingAddress,
)
from simulator.aiface_parameters import ACCESS_DEFAULTS, TERMINAL_DEFAULTS

A = SettingAddress


def test_every_parameter_of_the_documents_is_a_setting_of_the_vocabulary() -> None:
    keys = {parameter.key for parameter in PARAMETERS}
    assert keys == set(TERMINAL_DEFAULTS) | set(ACCESS_DEFAULTS)
    for setting, spec in SETTINGS.items():
        # Narrowed, never wider than the vocabulary (narrowed() refuses that).
        assert spec.kind is VOCABULARY[setting].kind


def test_reading_the_documents_defaults() -> None:
    parameters = AiFaceSettings()
    values, refused = parameters.read(Group.TERMINAL, TERMINAL_DEFAULTS, doors=1)
    assert refused == []
    assert values[A(Setting.VOLUME)] == 60  # 6 of 0-10
    assert values[A(Setting.LANGUAGE)] == "en"
    assert values[A(Setting.VERIFY_MODE)] == "any"
    assert values[A(Setting.SLEEP_MODE)] is False
    assert values[A(Setting.FINGERPRINTS_PER_USER)] == 3
    access = {**ACCESS_DEFAULTS, "alarmdelay": 2, "lockgroup": [{"group": 129}, {"group": 34}]}
    values, refused = parameters.read(Group.ACCESS, access, doors=2)
    assert refused == []
    # One open delay for the terminal, shown on each of its doors.
    assert values[A(Setting.UNLOCK_TIME, 1)] == values[A(Setting.UNLOCK_TIME, 2)] == 5
    assert values[A(Setting.HELD_OPEN_ALARM_DELAY, 1)] == 120  # minutes shown in seconds
    assert values[A(Setting.DOOR_SENSOR_TYPE, 2)] == "none"
    assert values[A(Setting.OPENING_GROUPS)] == "129, 34"
    assert values[A(Setting.ANTI_PASSBACK)] == "off"


def test_a_terminal_only_has_what_it_reports() -> None:
    values, _refused = AiFaceSettings().read(Group.TERMINAL, {"volume": 10}, doors=1)
    assert values == {A(Setting.VOLUME): 100}


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("volume", "loud"),
        ("volume", -1),
        ("volume", [6]),
        ("language", 7),  # a language nobody named
        ("verifymode", 5),
        ("sleep", 2),
        ("deviceid", None),
        ("volume", 1.5),
    ],
)
def test_values_that_are_none_are_refused_alone(key: str, raw: Any) -> None:
    answer = {**TERMINAL_DEFAULTS, key: raw}
    values, refused = AiFaceSettings().read(Group.TERMINAL, answer, doors=1)
    assert [content for content, _problem in refused] == [{key: raw}]
    assert len(values) == len(TERMINAL_DEFAULTS) - 1  # the others are read


@pytest.mark.parametrize("raw", ["129", [{"group": "x"}], [{"group": -1}]])
def test_lock_groups_that_are_none(raw: Any) -> None:
    _values, refused = AiFaceSettings().read(Group.ACCESS, {"lockgroup": raw}, doors=1)
    assert len(refused) == 1


def test_writes_carry_one_parameter_as_the_terminal_spells_it() -> None:
    parameters = AiFaceSettings(capitals=frozenset({Group.TERMINAL}))
    # Before any reading: the document's own spelling (capitals for Webserver + JSON).
    assert parameters.write(A(Setting.VOLUME), 80) == ("setdevinfo", {"VOLUME": 8})
    assert parameters.write(A(Setting.ALARM_INPUT), "output_2") == (
        "setdevlock",
        {"InputAlarm": 2},
    )
    parameters.read(Group.TERMINAL, {"Volume": 3}, doors=1)
    parameters.read(Group.ACCESS, {"inputalarm": 0}, doors=1)
    assert parameters.write(A(Setting.VOLUME), 0) == ("setdevinfo", {"Volume": 0})
    assert parameters.write(A(Setting.ALARM_INPUT), "off") == ("setdevlock", {"inputalarm": 0})


@pytest.mark.parametrize(
    ("address", "value", "written"),
    [
        (A(Setting.UNLOCK_TIME, 1), 2, {"opendelay": 2}),
        (A(Setting.HELD_OPEN_ALARM_DELAY, 1), 180, {"alarmdelay": 3}),
        (A(Setting.DOOR_SENSOR_TYPE, 1), "normally_open", {"doorsensor": 2}),
        (A(Setting.VERIFY_MODE), "card_and_password", {"verifymode": 4}),
        (A(Setting.TAMPER_ALARM), True, {"tamper": 1}),
        (A(Setting.DURESS_ALARM), "alarm", {"threat": 2}),
        (A(Setting.ANTI_PASSBACK), "main_reader_outside", {"antpass": 2}),
        (A(Setting.INTERLOCK), "doors_1_2", {"interlock": 1}),
        (A(Setting.WIEGAND_FORMAT), "wiegand_34", {"wgformat": 1}),
        (
            A(Setting.OPENING_GROUPS),
            "129; 348 15",
            {"lockgroup": [{"group": 129}, {"group": 348}, {"group": 15}]},
        ),
    ],
)
def test_each_kind_is_written_as_the_document_says(
    address: SettingAddress, value: Any, written: dict[str, Any]
) -> None:
    _command, fields = AiFaceSettings().write(address, value)
    assert fields == written


@pytest.mark.parametrize("text", ["0", "12a", "1, 2, 3, 4, 5, 6", "12345", ", ,"])
def test_opening_groups_that_are_none(text: str) -> None:
    with pytest.raises(InvalidRequestError):
        AiFaceSettings().write(A(Setting.OPENING_GROUPS), text)


def test_a_setting_the_terminals_do_not_have() -> None:
    with pytest.raises(InvalidRequestError):
        AiFaceSettings().write(A(Setting.TEMPERATURE_THRESHOLD), 37.5)


def test_the_narrowed_ranges_refuse_what_the_terminal_cannot_take() -> None:
    with pytest.raises(InvalidRequestError):
        SETTINGS[Setting.VOLUME].check(65)  # steps of 10 %
    with pytest.raises(InvalidRequestError):
        SETTINGS[Setting.HELD_OPEN_ALARM_DELAY].check(90)  # whole minutes
    with pytest.raises(InvalidRequestError):
        SETTINGS[Setting.LANGUAGE].check("fr")
    assert SETTINGS[Setting.FAILED_ATTEMPTS_LIMIT].maximum == 10


async def test_read_from_notes_what_it_could_not_read() -> None:
    asked: list[str] = []

    async def call(name: str, fields: dict[str, Any]) -> dict[str, Any]:
        asked.append(name)
        return {"volume": "x"} if name == "getdevinfo" else {"opendelay": 3}

    problems = InputProblems("S1")
    values = await AiFaceSettings().read_from(call, 1, problems)
    assert asked == ["getdevinfo", "getdevlock"]
    assert values == {A(Setting.UNLOCK_TIME, 1): 3}
    assert problems.as_dict() == {"getdevinfo parameter": 1}
