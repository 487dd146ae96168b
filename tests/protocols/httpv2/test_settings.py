"""Tests of what an HTTPv2 terminal says about itself: keep-alives, work settings, doors."""

from __future__ import annotations

from datetime import UTC, datetime
import json

import pytest

from custom_components.access_terminal.protocols.errors import AccessTerminalError
from custom_components.access_terminal.protocols.httpv2 import Endpoint
from custom_components.access_terminal.protocols.httpv2.settings import (
    info_from_settings,
    model_from_serial,
)
from custom_components.access_terminal.protocols.model import (
    AlarmReason,
    DoorAction,
    Family,
    Feature,
    Usage,
    User,
)

from .helpers import SERIAL, SETTINGS, keepalive, make_terminal, send, settle, start

# -- keep-alive and work settings ------------------------------------------------------------


async def test_keepalive_asks_for_work_settings_until_uploaded() -> None:
    terminal, listener = make_terminal()
    assert await keepalive(terminal) == {"Success": 1, "UploadWorkParameter": 1}
    assert await keepalive(terminal) == {"Success": 1, "UploadWorkParameter": 1}
    reply = await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)
    assert reply.payload == {"Success": 1}
    assert await keepalive(terminal) == {"Success": 1}
    assert listener.seen_count == 4


async def test_keepalive_flags_only_when_there_is_work() -> None:
    terminal, _ = make_terminal()
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, SETTINGS)
    assert await keepalive(terminal) == {"Success": 1}
    tasks = [
        start(terminal.door_control(1, DoorAction.OPEN)),
        start(terminal.set_time(datetime(2024, 6, 17, 12, 0, tzinfo=UTC))),
        start(terminal.set_users([User(user_id="1"), User(user_id="2")])),
        start(terminal.delete_users(["3", "4", "5"])),
    ]
    await settle()
    assert await keepalive(terminal) == {
        "Success": 1,
        "Remote": 1,
        "SyncParameter": 1,
        "DeletePeople": 3,
        "AddPeople": 2,
    }
    terminal.close()
    for task in tasks:
        with pytest.raises(AccessTerminalError):
            await task


async def test_keepalive_delete_all_counts_as_one() -> None:
    terminal, _ = make_terminal()
    task = start(terminal.delete_users(None))
    await settle()
    assert (await keepalive(terminal))["DeletePeople"] == 1
    terminal.close()
    with pytest.raises(AccessTerminalError):
        await task


async def test_door_state_from_keepalive() -> None:
    terminal, listener = make_terminal()
    await keepalive(
        terminal,
        RelayStatus=1,
        KeepOpenStatus=0,
        DoorSensorStatus=1,
        LockDoorStatus=0,
        AlarmStatus="fire,anti",
    )
    door = terminal.doors[1]
    assert door.is_open is True
    assert door.relay_energised is True
    assert door.held_open is False
    assert door.locked_out is False
    assert door.alarms == {AlarmReason.FIRE, AlarmReason.TAMPER}
    assert listener.state_changes == 1
    # The same state again: nothing to tell.
    await keepalive(
        terminal,
        RelayStatus=1,
        KeepOpenStatus=0,
        DoorSensorStatus=1,
        LockDoorStatus=0,
        AlarmStatus="fire,anti",
    )
    assert listener.state_changes == 1
    await keepalive(
        terminal,
        RelayStatus=0,
        KeepOpenStatus=1,
        DoorSensorStatus=0,
        LockDoorStatus=1,
        AlarmStatus="",
    )
    door = terminal.doors[1]
    assert door.is_open is False
    assert door.held_open is True
    assert door.locked_out is True
    assert door.alarms == frozenset()
    assert listener.state_changes == 2


async def test_door_state_unknown_when_not_reported() -> None:
    terminal, _ = make_terminal()
    await keepalive(terminal)
    assert terminal.doors[1].is_open is None
    assert terminal.doors[1].locked_out is None


async def test_upload_work_setting_sets_info_and_door() -> None:
    terminal, listener = make_terminal()
    settings = {**SETTINGS, "DoorSensorStatus": 1}
    await send(terminal, Endpoint.UPLOAD_WORK_SETTING, settings)
    assert terminal.info is not None
    assert terminal.info.name == "Front door"
    assert terminal.doors[1].is_open is True
    assert listener.state_changes >= 1
    settings = terminal.diagnostics()["settings"]
    assert settings["DeviceName"] == "Front door"
    assert "Success" not in settings


def test_info_from_settings() -> None:
    info = info_from_settings(SERIAL, SETTINGS)
    assert info.serial == SERIAL
    assert info.family is Family.HTTPV2
    assert info.model == "FC-8200H"
    assert info.manufacturer == "ACME"
    assert info.firmware == "8.46"
    assert info.name == "Front door"
    assert info.doors == 1
    assert info.features == {
        Feature.CARD,
        Feature.PASSWORD,
        Feature.FACE,
        Feature.PALM,
        Feature.QR,
        Feature.TEMPERATURE,
    }
    assert info.usage["users"] == Usage(12, 20000)
    assert info.usage["faces"] == Usage(10, 20000)
    assert info.usage["cards"] == Usage(3, 20000)
    assert info.usage["fingerprints"] == Usage(0, 0)
    assert info.usage["passwords"] == Usage(2, 20000)
    assert info.usage["admins"] == Usage(1, 5)
    assert info.usage["logs"] == Usage(345, 1000000)
    assert info.usage["photos"] == Usage(300, 10000)
    assert info.keepalive_interval == 20
    assert info.release_time == 3
    # What is persisted comes back the same.
    assert type(info).from_dict(json.loads(json.dumps(info.as_dict()))) == info


def test_info_from_settings_without_function_list() -> None:
    settings = {key: value for key, value in SETTINGS.items() if key != "FunctionList"}
    del settings["HTTPClient_KeepaliveTime"]
    info = info_from_settings(SERIAL, settings)
    # A reader exists where there is storage for its templates (Fingerprint Max 0: none).
    assert info.features == {Feature.CARD, Feature.PASSWORD, Feature.FACE, Feature.PALM}
    assert info.keepalive_interval == 30


def test_info_from_settings_minimal() -> None:
    info = info_from_settings("XYZ", {"PeopleStorageInfo": "junk", "FunctionList": ["x"]})
    assert info.model is None
    assert info.features == {Feature.CARD, Feature.PASSWORD}
    assert info.usage == {}
    assert info.keepalive_interval is None
    assert info.manufacturer is None
    assert info.name is None
    assert info.counters == {}
    assert info.booted_at is None


def test_run_counters_read() -> None:
    """The document's run counters; a boot time outside 2000-2099 and garbage are left out."""
    document = {"RunDays": 12, "WatchDogCount": "7", "FormatCount": -1, "BootTime": 1718418194}
    info = info_from_settings(SERIAL, document)
    assert info.counters == {"days_running": 12, "watchdog_resets": 7}
    assert info.booted_at == datetime(2024, 6, 15, 2, 23, 14, tzinfo=UTC)
    assert info_from_settings(SERIAL, {"BootTime": 7}).booted_at is None
    # Live figures: not saved with the info (the next report brings them).
    assert "counters" not in info.as_dict()


@pytest.mark.parametrize(
    ("serial", "model"),
    [
        ("FC-8200H12345678", "FC-8200H"),
        ("FC-8380T12345678", "FC-8380T"),
        ("FC-8190H24052799", "FC-8190H"),
        ("12345678", None),
        ("ABC", None),
        ("FC-8200H123", None),
    ],
)
def test_model_from_serial(serial: str, model: str | None) -> None:
    assert model_from_serial(serial) == model
