"""HTTPv2 work settings as settings: read from UploadWorkSetting, written by DownloadWorkSetting."""

from __future__ import annotations

import asyncio
from datetime import time
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    InvalidRequestError,
    NotSupportedError,
)
from custom_components.access_terminal.protocols.httpv2 import Endpoint
from custom_components.access_terminal.protocols.httpv2.work_settings import (
    elevator_floors,
    read_work_settings,
)
from custom_components.access_terminal.protocols.model import DoorAction, Operation
from custom_components.access_terminal.protocols.settings import (
    SETTINGS as SETTINGS_VOCABULARY,
    Setting,
    SettingAddress,
)
from tests.helpers import load_json

from .helpers import SETTINGS, SHORT, keepalive, make_terminal, remote, send, settle, start

# The work settings of the document's example (line 183), the fields settings are made of.
EXAMPLE: dict[str, Any] = SETTINGS | load_json("httpv2", "work_settings_example.json")


def value(values: dict[SettingAddress, Any], setting: Setting) -> Any:
    return values[SETTINGS_VOCABULARY[setting].address(1)]


def test_the_documents_example_read() -> None:
    specs, values = read_work_settings(EXAMPLE)
    assert value(values, Setting.UNLOCK_TIME) == 3
    assert value(values, Setting.HELD_OPEN_ALARM) is False
    assert value(values, Setting.TAMPER_ALARM) is True
    assert value(values, Setting.FAILED_ATTEMPTS_LIMIT) == 30
    # 37.29999 is the threshold 37.3 written in binary floating point.
    assert value(values, Setting.TEMPERATURE_THRESHOLD) == 37.3
    assert value(values, Setting.VOLUME) == 60
    assert value(values, Setting.DISPLAY_BRIGHTNESS) == 60
    assert value(values, Setting.DAILY_RESTART_TIME) == time(2, 0)
    assert value(values, Setting.SCREEN_MESSAGE) == ""
    assert value(values, Setting.KEEPALIVE_INTERVAL) == 20  # HTTPClient_KeepaliveTime
    assert value(values, Setting.DEVICE_NAME) == "Front door"
    assert value(values, Setting.WIEGAND_FORMAT) == "wiegand_26"
    # FunctionList: no mask and no fingerprint reader on this terminal.
    assert Setting.MASK_REQUIRED not in specs
    assert Setting.MASK_THRESHOLD not in specs
    assert Setting.FINGERPRINT_THRESHOLD not in specs
    assert Setting.ELEVATOR_CONTROL not in specs  # FunctionList.Lift is not announced
    assert specs[Setting.VOLUME].step == 10
    assert specs[Setting.HELD_OPEN_ALARM_DELAY].maximum == 255


def test_older_firmware_without_fields_or_function_list() -> None:
    document = {"ReleaseTime": 5, "KeepaliveTime": 30, "FaceMask": 1}
    specs, values = read_work_settings(document)
    assert set(specs) == {Setting.UNLOCK_TIME, Setting.KEEPALIVE_INTERVAL, Setting.MASK_REQUIRED}
    assert value(values, Setting.KEEPALIVE_INTERVAL) == 30
    assert value(values, Setting.MASK_REQUIRED) is True


@pytest.mark.parametrize(
    ("field", "raw", "setting"),
    [
        ("FireAlarm", 7, Setting.FIRE_ALARM),
        ("FireAlarm", "yes", Setting.FIRE_ALARM),
        ("Volume", -1, Setting.VOLUME),
        ("Volume", [6], Setting.VOLUME),
        ("TemperatureAlarmThreshold", "hot", Setting.TEMPERATURE_THRESHOLD),
        ("TemperatureAlarmThreshold", None, Setting.TEMPERATURE_THRESHOLD),
        ("TemperatureAlarmThreshold", True, Setting.TEMPERATURE_THRESHOLD),
        ("TemperatureAlarmThreshold", "nan", Setting.TEMPERATURE_THRESHOLD),
        ("TemperatureAlarmThreshold", 1e300, Setting.TEMPERATURE_THRESHOLD),
        ("AutoRestartTime", "25:00", Setting.DAILY_RESTART_TIME),
        ("AutoRestartTime", 200, Setting.DAILY_RESTART_TIME),
        ("ShortMessage", {"text": "hi"}, Setting.SCREEN_MESSAGE),
        ("WgFormat", 66, Setting.WIEGAND_FORMAT),
        ("WgFormat", "26 bits", Setting.WIEGAND_FORMAT),
    ],
)
def test_unreadable_values_stay_unknown(field: str, raw: Any, setting: Setting) -> None:
    specs, values = read_work_settings({**EXAMPLE, field: raw})
    assert setting in specs  # the terminal has it: its entity exists, unavailable
    assert SettingAddress(setting) not in values


def test_elevator_floors() -> None:
    ports = [{"Num": 1}, {"Num": 8}, {"Num": "x"}, "garbage", {"Num": 99}]
    assert elevator_floors({"UseElevator": 1, "ElevatorPorts": ports}) == 8
    assert elevator_floors({"UseElevator": 0, "ElevatorPorts": ports}) == 0
    assert elevator_floors({"UseElevator": 1, "ElevatorPorts": "none"}) == 0


async def uploaded(**changes: Any) -> Any:
    terminal, listener = make_terminal()
    reply = await send(terminal, Endpoint.UPLOAD_WORK_SETTING, {**EXAMPLE, **changes})
    assert reply.payload == {"Success": 1}
    return terminal, listener


async def test_values_shown_after_the_upload() -> None:
    terminal, listener = await uploaded(Volume=3)
    assert terminal.setting_values[SettingAddress(Setting.VOLUME)] == 30
    assert terminal.settings[Setting.UNLOCK_TIME].maximum == 254
    assert listener.state_changes >= 1


async def test_read_settings_asks_for_an_upload() -> None:
    terminal, _ = await uploaded()
    assert "UploadWorkParameter" not in await keepalive(terminal)
    await terminal.read_settings()
    assert (await keepalive(terminal))["UploadWorkParameter"] == 1


async def test_write_sends_the_whole_group_with_the_new_value() -> None:
    terminal, listener = await uploaded()
    writing = start(terminal.write_setting(SettingAddress(Setting.UNLOCK_TIME, 1), 7))
    await settle()
    assert (await keepalive(terminal))["SyncParameter"] == 1
    before = listener.state_changes
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    await writing
    # The door group as read, ReleaseTime changed; nothing else of the document.
    assert reply.payload == {
        "Success": 1,
        "ReleaseTime": 7,
        "FreeOpen": 0,
        "OpenInterval": 2,
        "OpenInterval_SaveRecord": 0,
        "Relay": 0,
    }
    assert terminal.setting_values[SettingAddress(Setting.UNLOCK_TIME, 1)] == 7
    assert terminal.info is not None
    assert terminal.info.release_time == 7  # a momentary opening lasts as long now
    assert listener.state_changes == before + 1
    # The next change of the group starts from what the terminal took.
    writing = start(terminal.write_setting(SettingAddress(Setting.REENTRY_INTERVAL), 9))
    await settle()
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    await writing
    assert (reply.payload["ReleaseTime"], reply.payload["OpenInterval"]) == (7, 9)


async def test_two_changes_to_one_group_before_the_fetch_keep_both() -> None:
    terminal, _ = await uploaded()
    first = start(terminal.write_setting(SettingAddress(Setting.LIVENESS_DETECTION), False))
    second = start(terminal.write_setting(SettingAddress(Setting.FACE_THRESHOLD), 70))
    await settle()
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    await asyncio.gather(first, second)
    assert reply.payload == {
        "Success": 1,
        "FaceIR": 0,
        "FaceIRThreshold": 5,
        "FaceDistance": 3,
        "FaceThreshold": 70,
        "FPComparison": 80,
    }


@pytest.mark.parametrize(
    ("setting", "written", "fields"),
    [
        (Setting.VOLUME, 80, {"Volume": 8, "Language": 1, "Voice": 1}),
        (Setting.TEMPERATURE_THRESHOLD, 37.8, {"TemperatureAlarmThreshold": 37.8}),
        (Setting.DAILY_RESTART_TIME, time(3, 30), {"AutoRestartTime": "03:30", "AutoRestart": 0}),
        (Setting.SCREEN_MESSAGE, "欢迎光临", {"ShortMessage": "欢迎光临"}),
        (Setting.KEEPALIVE_INTERVAL, 60, {"KeepaliveTime": 60, "HTTPClient_KeepaliveTime": 60}),
        (Setting.DOOR_SENSOR_ALARM, True, {"DoorSensorAlarm": 1}),
        (Setting.WIEGAND_FORMAT, "wiegand_34", {"WgFormat": 34, "CardBytes": 3, "WGContent": 1}),
    ],
)
async def test_each_kind_written_as_the_document_holds_it(
    setting: Setting, written: Any, fields: dict[str, Any]
) -> None:
    terminal, _ = await uploaded()
    address = SETTINGS_VOCABULARY[setting].address(1)
    writing = start(terminal.write_setting(address, written))
    await settle()
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    await writing
    assert fields.items() <= reply.payload.items()
    assert terminal.setting_values[address] == written


async def test_the_door_sensor_periods_go_back_as_read() -> None:
    terminal, _ = await uploaded()
    writing = start(terminal.write_setting(SettingAddress(Setting.DOOR_SENSOR_ALARM, 1), True))
    await settle()
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    await writing
    assert reply.payload["DoorSensorAlarmTimegroup"] == EXAMPLE["DoorSensorAlarmTimegroup"]


async def test_a_setting_the_terminal_lacks_is_refused() -> None:
    terminal, _ = await uploaded()
    with pytest.raises(NotSupportedError):
        await terminal.write_setting(SettingAddress(Setting.MASK_REQUIRED), True)
    with pytest.raises(NotSupportedError):
        await terminal.write_setting(SettingAddress(Setting.ANTI_PASSBACK), "off")
    assert (await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)).payload == {"Success": 1}


async def test_a_write_not_fetched_in_time_stays_queued() -> None:
    terminal, _ = make_terminal(command_timeout=SHORT)
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, EXAMPLE)
    with pytest.raises(CommandTimeoutError) as caught:
        await terminal.write_setting(SettingAddress(Setting.FIRE_ALARM), True)
    assert caught.value.still_queued
    # Not taken yet: the value shown is still the terminal's.
    assert terminal.setting_values[SettingAddress(Setting.FIRE_ALARM)] is False
    reply = await send(terminal, Endpoint.DOWNLOAD_WORK_SETTING)
    assert reply.payload["FireAlarm"] == 1
    assert terminal.setting_values[SettingAddress(Setting.FIRE_ALARM)] is True


# -- factory reset and elevator floors ------------------------------------------------------


async def test_factory_reset_sends_recover() -> None:
    terminal, _ = await uploaded()
    assert terminal.supports(Operation.FACTORY_RESET)
    resetting = start(terminal.factory_reset())
    await settle()
    assert await remote(terminal) == {"Success": 1, "Recover": 1}
    await resetting


@pytest.mark.parametrize(
    ("floors", "action", "command"),
    [
        ([3, 1, 3], DoorAction.OPEN, {"OpenElevatorPort": "1,3"}),
        (None, DoorAction.HOLD_OPEN, {"KeepOpenElevatorPort": "1,2,3,4"}),
        ([4], DoorAction.NORMAL, {"CloseElevatorPort": "4"}),
        ([2], DoorAction.LOCKOUT, {"LockElevatorPort": "2"}),
        ([2], DoorAction.RELEASE_LOCKOUT, {"UnlockElevatorPort": "2"}),
    ],
)
async def test_elevator_port_commands(
    floors: list[int] | None, action: DoorAction, command: dict[str, str]
) -> None:
    ports = [{"Num": number} for number in range(1, 5)]
    terminal, _ = await uploaded(UseElevator=1, ElevatorPorts=ports)
    assert terminal.floors == 4
    driving = start(terminal.floor_control(floors, action))
    await settle()
    assert await remote(terminal) == {"Success": 1, **command}
    await driving


@pytest.mark.parametrize("floors", [[], [0], [5]])
async def test_elevator_floors_out_of_range(floors: list[int]) -> None:
    ports = [{"Num": number} for number in range(1, 5)]
    terminal, _ = await uploaded(UseElevator=1, ElevatorPorts=ports)
    with pytest.raises(InvalidRequestError):
        await terminal.floor_control(floors, DoorAction.OPEN)
    assert await remote(terminal) == {"Success": 1}


async def test_no_elevator_without_ports() -> None:
    terminal, _ = await uploaded()
    with pytest.raises(NotSupportedError):
        await terminal.floor_control([1], DoorAction.OPEN)
