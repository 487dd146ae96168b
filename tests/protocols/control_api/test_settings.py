"""Control API settings, actions and the automatic LockDevice / CancelAllJobs (simulator)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, time

import aiohttp
import pytest

from custom_components.access_terminal.protocols.control_api import ControlApiTerminal
from custom_components.access_terminal.protocols.control_api.schedules import rota_from
from custom_components.access_terminal.protocols.control_api.settings import (
    FIELDS,
    VERIFY_MODES,
)
from custom_components.access_terminal.protocols.control_api.users import department_names
from custom_components.access_terminal.protocols.errors import (
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
    ProtocolError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.model import (
    Bell,
    BellRinger,
    ClearableData,
    Credential,
    Credentials,
    EventType,
    Operation,
    Period,
    Privilege,
    RotaDay,
    RotaEntry,
    User,
)
from custom_components.access_terminal.protocols.pull import DeviceAddress
from custom_components.access_terminal.protocols.settings import (
    SETTINGS,
    Setting,
    SettingAddress,
)
from simulator.access_rules import GRANTED
from simulator.common import jpeg_photo, monotonic
from simulator.control_api import LOCKED, ControlApiSimulator

from ..common import RecordingListener
from ..pull_helpers import running

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def sim() -> AsyncIterator[ControlApiSimulator]:
    simulator = ControlApiSimulator(seed=5, uploader=False, enroll_delay=0.05)
    async with running(simulator):
        simulator.add_demo_users(2)
        yield simulator


@pytest.fixture
async def terminal(sim: ControlApiSimulator) -> AsyncIterator[ControlApiTerminal]:
    async with aiohttp.ClientSession() as session:
        terminal = ControlApiTerminal(
            sim.serial,
            RecordingListener(),
            session=session,
            address=DeviceAddress(host=sim.host, port=sim.port),
            api_key="demo-key",
            zone=UTC,
        )
        terminal.enroll_poll = 0.02
        await terminal.refresh(records=False)
        yield terminal


def test_every_verify_mode_of_the_document_is_a_neutral_choice() -> None:
    assert sorted(VERIFY_MODES) == list(range(16))
    assert set(VERIFY_MODES.values()) <= set(SETTINGS[Setting.VERIFY_MODE].options)
    assert len(set(VERIFY_MODES.values())) == 16


async def test_settings_are_read_as_the_terminal_has_them(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    assert set(terminal.settings) == set(FIELDS)
    assert terminal.settings[Setting.UNLOCK_TIME].maximum == 200
    assert terminal.settings[Setting.VOLUME].step == 10
    sim.settings["SoundVolume"]["sound_volume"] = 3
    sim.settings["VerifyMode"]["verify_mode"] = "13"  # a number as text
    sim.settings["ShiftMode"]["shift_mode"] = "Department"
    await terminal.read_settings()
    values = terminal.setting_values
    assert values[SettingAddress(Setting.VOLUME)] == 30
    assert values[SettingAddress(Setting.VERIFY_MODE)] == "face_and_fingerprint"
    assert values[SettingAddress(Setting.SHIFT_MODE)] == "department"
    assert values[SettingAddress(Setting.UNLOCK_TIME, 1)] == 5
    assert values[SettingAddress(Setting.LIVENESS_LEVEL)] == "normal"
    assert values[SettingAddress(Setting.LOCAL_USER_EDITING)] is True
    assert values[SettingAddress(Setting.TAMPER_ALARM)] is False
    assert values[SettingAddress(Setting.REVERIFY_INTERVAL)] == 1
    assert values[SettingAddress(Setting.MORNING_LATE_TOLERANCE)] == 0


@pytest.mark.parametrize(
    ("address", "value", "group", "key", "sent"),
    [
        (SettingAddress(Setting.VOLUME), 80, "SoundVolume", "sound_volume", 8),
        (SettingAddress(Setting.VERIFY_MODE), "card_and_password", "VerifyMode", "verify_mode", 6),
        (SettingAddress(Setting.REVERIFY_INTERVAL), 30, "ReverifyTime", "reverify_time", 30),
        (
            SettingAddress(Setting.LIVENESS_DETECTION),
            False,
            "FaceVerifySetting",
            "use_antispoofing",
            False,
        ),
        (
            SettingAddress(Setting.LIVENESS_LEVEL),
            "highest",
            "FaceVerifySetting",
            "antispoofing_thre",
            4,
        ),
        (
            SettingAddress(Setting.MULTI_FACE),
            False,
            "FaceVerifySetting",
            "multi_veri_enabled",
            False,
        ),
        (
            SettingAddress(Setting.LOCAL_USER_EDITING),
            False,
            "ChangeUserInfoOnDeviceAllowed",
            "is_allowed",
            "no",
        ),
        (SettingAddress(Setting.DEVICE_NUMBER), 7, "DeviceId", "device_id", 7),
        (SettingAddress(Setting.TAMPER_ALARM), True, "AcSetting", "monitor_tamper", True),
        (SettingAddress(Setting.MULTI_PERSON_COUNT), 3, "AcSetting", "multi_verify_count", 3),
        (SettingAddress(Setting.UNLOCK_TIME, 1), 12, "AcSetting", "unlock_time", 12),
        (SettingAddress(Setting.WIEGAND_OUTPUT), "wiegand_34", "AcSetting", "wiegand_format", 2),
        (SettingAddress(Setting.SHIFT_MODE), "department", "ShiftMode", "shift_mode", "department"),
        (
            SettingAddress(Setting.MORNING_LATE_TOLERANCE),
            10,
            "AttendaceTolerance",
            "morning_in_tolerance",
            10,
        ),
        (
            SettingAddress(Setting.MORNING_EARLY_LEAVE_TOLERANCE),
            11,
            "AttendaceTolerance",
            "morning_out_tolerance",
            11,
        ),
        (
            SettingAddress(Setting.AFTERNOON_LATE_TOLERANCE),
            12,
            "AttendaceTolerance",
            "afternoon_in_tolerance",
            12,
        ),
        (
            SettingAddress(Setting.AFTERNOON_EARLY_LEAVE_TOLERANCE),
            120,
            "AttendaceTolerance",
            "afternoon_out_tolerance",
            120,
        ),
    ],
)
async def test_each_setting_reaches_the_terminal(
    sim: ControlApiSimulator,
    terminal: ControlApiTerminal,
    address: SettingAddress,
    value: object,
    group: str,
    key: str,
    sent: object,
) -> None:
    spec = terminal.settings[address.setting]
    await terminal.write_setting(address, spec.check(value))
    assert sim.settings[group][key] == sent
    assert terminal.setting_values[address] == value
    await terminal.read_settings()
    assert terminal.setting_values[address] == value


async def test_a_group_is_written_with_the_other_values_as_the_terminal_has_them(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    """Someone changed the tamper alarm at the menu: writing the unlock time keeps it."""
    await terminal.read_settings()
    sim.settings["AcSetting"]["monitor_tamper"] = True
    await terminal.write_setting(SettingAddress(Setting.UNLOCK_TIME, 1), 9)
    assert sim.settings["AcSetting"] == {
        "monitor_tamper": True,
        "multi_verify_count": 1,
        "unlock_time": 9,
        "wiegand_format": 0,
    }
    assert terminal.setting_values[SettingAddress(Setting.TAMPER_ALARM)] is True


async def test_the_unlock_time_is_how_long_the_lock_stays_released(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    await terminal.write_setting(SettingAddress(Setting.UNLOCK_TIME, 1), 2)
    assert sim.verify("1") == GRANTED
    assert sim.relay_open
    assert 1.5 < sim.relay_until - monotonic() <= 2
    await terminal.write_setting(SettingAddress(Setting.UNLOCK_TIME, 1), 30)
    assert sim.verify("1") == GRANTED
    assert 29 < sim.relay_until - monotonic() <= 30


async def test_the_terminal_refusing_a_value_is_an_error_and_nothing_changes(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    await terminal.read_settings()
    sim.errors["SetVerifyMode"] = ["invalid_parameter"]  # "the device does not support the mode"
    with pytest.raises(DeviceError, match="invalid parameter"):
        await terminal.write_setting(SettingAddress(Setting.VERIFY_MODE), "face_and_fingerprint")
    assert terminal.setting_values[SettingAddress(Setting.VERIFY_MODE)] == "any"
    assert sim.settings["VerifyMode"] == {"verify_mode": 0}


async def test_groups_older_firmware_lacks_are_dropped(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    del sim._handlers["GetAttendaceTolerance"]
    await terminal.read_settings()
    assert Setting.MORNING_LATE_TOLERANCE not in terminal.settings
    assert Setting.VOLUME in terminal.settings
    with pytest.raises(NotSupportedError):
        await terminal.write_setting(SettingAddress(Setting.MORNING_LATE_TOLERANCE), 5)
    # Refreshing the info keeps what the firmware was found to lack.
    terminal.invalidate_info()
    await terminal.refresh(records=False)
    assert Setting.MORNING_LATE_TOLERANCE not in terminal.settings


@pytest.mark.parametrize(
    ("group", "key", "value"),
    [
        ("SoundVolume", "sound_volume", 0),
        ("SoundVolume", "sound_volume", "loud"),
        ("VerifyMode", "verify_mode", 16),
        ("VerifyMode", "verify_mode", True),
        ("VerifyMode", "verify_mode", [1]),
        ("FaceVerifySetting", "antispoofing_thre", -1),
        ("FaceVerifySetting", "use_antispoofing", "maybe"),
        ("ChangeUserInfoOnDeviceAllowed", "is_allowed", True),
        ("DeviceId", "device_id", 256),
        ("AcSetting", "unlock_time", 10**30),
        ("ShiftMode", "shift_mode", "weekly"),
        ("ReverifyTime", "reverify_time", None),
    ],
)
async def test_values_out_of_range_are_not_shown_and_counted(
    sim: ControlApiSimulator, terminal: ControlApiTerminal, group: str, key: str, value: object
) -> None:
    await terminal.read_settings()
    sim.settings[group][key] = value
    await terminal.read_settings()
    setting = next(s for s, (g, f) in FIELDS.items() if g.name == group and f.key == key)
    door = FIELDS[setting][1].door
    assert SettingAddress(setting, door) not in terminal.setting_values
    assert terminal.problems.counts[f"setting {key}"] == 1
    # The rest of the group is still read.
    assert SettingAddress(Setting.VOLUME) in terminal.setting_values or group == "SoundVolume"


async def test_a_missing_key_is_not_shown(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    del sim.settings["AcSetting"]["wiegand_format"]
    await terminal.read_settings()
    assert SettingAddress(Setting.WIEGAND_OUTPUT) not in terminal.setting_values
    assert terminal.setting_values[SettingAddress(Setting.UNLOCK_TIME, 1)] == 5


# --- actions ---------------------------------------------------------------------------------


async def test_factory_reset_erases_everything(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    assert terminal.supports(Operation.FACTORY_RESET)
    sim.punch("1")
    terminal.next_pos = 1
    sim.settings["SoundVolume"]["sound_volume"] = 2
    await terminal.factory_reset()
    assert sim.users == {}
    assert sim.logs == []
    assert sim.settings["SoundVolume"] == {"sound_volume": 6}
    assert terminal.export_state() == {"next_pos": None}  # the log starts over
    assert terminal.setting_values == {}


@pytest.mark.parametrize(
    ("what", "users", "admin_log", "privileges"),
    [
        ({ClearableData.ADMINISTRATORS}, 2, 1, {"user"}),
        ({ClearableData.ADMIN_LOG}, 2, 0, {"user", "manager"}),
    ],
)
async def test_clear_data(
    sim: ControlApiSimulator,
    terminal: ControlApiTerminal,
    what: set[ClearableData],
    users: int,
    admin_log: int,
    privileges: set[str],
) -> None:
    assert terminal.supports(Operation.CLEAR_DATA)
    sim.users["1"].privilege = "manager"
    await terminal.clear_data(what)
    assert len(sim.users) == users
    assert len(sim.admin_log) == admin_log
    assert {user.privilege for user in sim.users.values()} == privileges


async def test_the_terminal_is_locked_while_users_are_written(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    """LockDevice as the document advises: nobody verifies against half-written users."""
    seen: list[str] = []
    original = sim._handlers["SetUserInfo"]

    def set_user(payload: dict[str, object]) -> tuple[str, dict[str, object]]:
        seen.append(sim.verify("1"))
        return original(payload)

    sim._handlers["SetUserInfo"] = set_user
    sim.commands.clear()
    await terminal.set_users([User(user_id="7", name="Ada"), User(user_id="8")])
    assert seen == [LOCKED, LOCKED]
    assert sim.commands[0] == "LockDevice"
    assert sim.commands[-1] == "LockDevice"
    assert not sim.locked
    assert sim.verify("7") == GRANTED


async def test_a_write_that_fails_still_unlocks(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    sim.errors["SetUserInfo"] = ["invalid_parameter"]
    with pytest.raises(UserWriteError):
        await terminal.set_users([User(user_id="7")])
    assert not sim.locked


async def test_an_unlock_that_failed_is_done_at_the_next_poll(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    original = sim._handlers["LockDevice"]
    calls = 0

    def lock_once(payload: dict[str, object]) -> tuple[str, dict[str, object]]:
        nonlocal calls
        calls += 1
        if calls == 2:  # the unlock: the terminal answers but takes nothing (a lost answer)
            raise ValueError("lost")
        return original(payload)

    sim._handlers["LockDevice"] = lock_once
    await terminal.set_users([User(user_id="7")])
    assert sim.locked
    assert sim.verify("7") == LOCKED
    await terminal.refresh()
    assert sim.verify("7") == GRANTED


async def test_firmware_without_lock_device_still_takes_users(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    del sim._handlers["LockDevice"]
    await terminal.set_users([User(user_id="7", name="Ada")])
    assert sim.users["7"].name == "Ada"
    await terminal.refresh()
    assert sim.commands.count("LockDevice") == 1  # no unlock to do, not at the poll either


async def test_a_job_left_by_an_earlier_run_is_cancelled_before_enrolling(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    sim.enroll_delay = 3600.0
    sim._begin("fp")  # started before Home Assistant restarted; nobody follows it
    sim.enroll_delay = 0.05
    await terminal.start_enrollment("9", Credential.FACE)
    assert "CancelAllJobs" in sim.commands
    listener = terminal.listener
    assert isinstance(listener, RecordingListener)
    while not listener.received:
        await terminal.refresh()
    (event,) = listener.events
    assert event.type is EventType.ENROLLMENT_FINISHED


async def test_a_second_enrollment_does_not_cancel_the_one_followed(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    sim.enroll_delay = 3600.0
    await terminal.start_enrollment("9", Credential.FACE)
    with pytest.raises(DeviceError, match="busy"):
        await terminal.start_enrollment("10", Credential.CARD)
    assert sim.commands.count("CancelAllJobs") == 1
    terminal.close()


@pytest.mark.parametrize(
    ("photo", "words"),
    [
        (b"GIF89a", "not a readable JPEG"),
        (b"\xff\xd8 no face", "no face could be taken"),
        (b"\xff\xd8 huge", "larger than 480 x 640"),
        (b"\xff\xd8 empty", "converted, but no face template came back"),
        (b"\xff\xd8 odd", "no face template came back \\(melted\\)"),
    ],
)
async def test_photo_conversion_failures_say_why(
    sim: ControlApiSimulator, terminal: ControlApiTerminal, photo: bytes, words: str
) -> None:
    sim.photo_states = {
        b"\xff\xd8 no face": "process_fail",
        b"\xff\xd8 huge": "dimension_overflow",
        b"\xff\xd8 empty": "succeeded",
        b"\xff\xd8 odd": "melted",
    }
    user = User(user_id="9", privilege=Privilege.USER, credentials=Credentials(photo=photo))
    with pytest.raises(UserWriteError, match=words):
        await terminal.set_users([user])
    assert "9" not in sim.users
    await terminal.set_users([User(user_id="9", credentials=Credentials(photo=jpeg_photo("x")))])
    assert sim.users["9"].face


# --- bells and shifts --------------------------------------------------------------------------


async def test_one_bell_is_set_and_the_others_kept(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    assert terminal.supports(Operation.BELLS)
    assert terminal.bells == 24
    sim.bells[0] = {"duration_index": 2, "start": "07:00", "type_index": 0, "weekmask": 1}
    workdays = frozenset(range(5))
    await terminal.set_bell(
        Bell(number=3, start=time(8, 30), weekdays=workdays, seconds=10, ringer=BellRinger.BOTH)
    )
    assert sim.bells[2] == {"start": "08:30", "duration_index": 3, "type_index": 2, "weekmask": 62}
    assert sim.bells[0]["start"] == "07:00"
    await terminal.set_bell(Bell(number=3, start=None))
    assert sim.bells[2] == {"start": "08:30", "duration_index": 0, "type_index": 2, "weekmask": 0}
    await terminal.set_bell(Bell(number=24, start=time(12), weekdays=frozenset({6}), seconds=60))
    assert sim.bells[23]["weekmask"] == 1  # Sunday is bit 0
    assert sim.bells[23]["duration_index"] == 8


@pytest.mark.parametrize(
    ("bell", "message"),
    [
        (Bell(number=1, start=time(8), seconds=7), "3, 5, 10, 15, 20, 30, 45, 60 seconds"),
        (Bell(number=1, start=time(8), weekdays=frozenset()), "at least one weekday"),
    ],
)
async def test_a_bell_the_terminal_cannot_ring_is_refused(
    sim: ControlApiSimulator, terminal: ControlApiTerminal, bell: Bell, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await terminal.set_bell(bell)
    assert "SetBellSetting" not in sim.commands


@pytest.mark.parametrize("answer", [{"bells": []}, {"bells": "all"}, {}])
async def test_a_bell_list_that_is_not_24_is_a_protocol_error(
    sim: ControlApiSimulator, terminal: ControlApiTerminal, answer: dict[str, object]
) -> None:
    sim._handlers["GetBellSetting"] = lambda _p: ("BellSetting", answer)
    with pytest.raises(ProtocolError, match="expected 24 bells"):
        await terminal.set_bell(Bell(number=1, start=time(8)))
    assert "SetBellSetting" not in sim.commands


async def test_one_shift_is_set_and_the_others_kept(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    assert (terminal.supports(Operation.SHIFTS), terminal.shifts) == (True, 24)
    morning, afternoon = Period(time(9), time(12)), Period(time(13), time(18))
    await terminal.set_shift(1, [morning, afternoon])
    await terminal.set_shift(2, [Period(time(22), time(23, 30))])
    assert sim.shifts[0] == [
        {"start": "09:00", "end": "12:00"},
        {"start": "13:00", "end": "18:00"},
        {"start": "", "end": ""},
    ]
    assert sim.shifts[1][0] == {"start": "22:00", "end": "23:30"}
    await terminal.set_shift(2, [])
    assert sim.shifts[1] == [{"start": "", "end": ""}] * 3
    assert sim.shifts[0][1] == {"start": "13:00", "end": "18:00"}
    with pytest.raises(InvalidRequestError, match="at most 3 periods"):
        await terminal.set_shift(3, [morning] * 4)
    # The terminal judges the periods itself: one ending before it starts is its refusal.
    with pytest.raises(DeviceError, match="invalid parameter shifts"):
        await terminal.set_shift(3, [Period(time(18), time(9))])


# --- departments -----------------------------------------------------------------------------


async def test_departments_users_are_written_with_are_created(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    await terminal.set_users(
        [
            User(user_id="7", department="Lab"),
            User(user_id="8", department="Company"),
            User(user_id="9", department="Lab"),
            User(user_id="10"),
        ]
    )
    assert list(sim.departments) == ["Company", "Lab"]
    assert sim.commands.count("SetDept") == 1
    sim.commands.clear()
    await terminal.set_users([User(user_id="11")])
    assert "GetDeptList" not in sim.commands


@pytest.mark.parametrize("refused", ["GetDeptList", "SetDept"])
async def test_users_are_written_when_departments_cannot_be_created(
    sim: ControlApiSimulator, terminal: ControlApiTerminal, refused: str
) -> None:
    sim.errors[refused] = ["not_supported"]
    await terminal.set_users([User(user_id="7", department="Lab")])
    assert sim.users["7"].depart == "Lab"
    assert "Lab" not in sim.departments


@pytest.mark.parametrize(
    ("payload", "names"),
    [
        ({"depts": [{"name": "A"}, {"name": 5}, "B", {"name": ""}, {}]}, {"A", "5"}),
        ({"count": 1, "list": [{"name": "A"}]}, {"A"}),
        ({}, set()),
    ],
)
def test_department_lists_of_any_shape(payload: dict[str, object], names: set[str]) -> None:
    assert department_names(payload) == names


# --- a person's rota --------------------------------------------------------------------------


async def test_a_weekly_rota_fills_the_hundred_days(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    week: list[RotaEntry] = [1, 1, 2, 2, RotaDay.TRIP, RotaDay.OFF, RotaDay.LEAVE]
    held = await terminal.set_user_shifts("1", date(2025, 1, 6), week)
    assert sim.users["1"].shift_start_day == "2025-01-06T00:00:00"
    assert sim.users["1"].shift[:8] == [0, 0, 1, 1, 24, 100, 25, 0]
    assert len(sim.users["1"].shift) == 100
    assert held[:7] == week
    assert held[98:] == [1, 1]  # day 98 is a Monday again


@pytest.mark.parametrize(
    ("days", "words"),
    [([], "at least one day"), ([25], "shift 25 is not one of 1 to 24"), ([0], "shift 0")],
)
async def test_a_rota_the_terminal_cannot_hold_is_refused(
    sim: ControlApiSimulator, terminal: ControlApiTerminal, days: list[RotaEntry], words: str
) -> None:
    with pytest.raises(InvalidRequestError, match=words):
        await terminal.set_user_shifts("1", date(2025, 1, 6), days)
    assert "SetUserShift" not in sim.commands


async def test_a_rota_of_someone_unknown_is_the_terminals_refusal(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    with pytest.raises(DeviceError, match="user 404 does not exist"):
        await terminal.set_user_shifts("404", date(2025, 1, 6), [1])


@pytest.mark.parametrize("answer", [{"shift": "all"}, {"shift": [0, 26]}, {"shift": [True]}, {}])
def test_rota_answers_of_the_wrong_shape(answer: dict[str, object]) -> None:
    with pytest.raises(ProtocolError):
        rota_from(answer)


async def test_day_zones_read_back_as_written(
    sim: ControlApiSimulator, terminal: ControlApiTerminal
) -> None:
    zones = [[{"start": "00:00", "end": "23:59"}]] + [[] for _ in range(254)]
    zones[3] = [{"start": "08:00", "end": "12:00"}]
    await terminal.set_access_tables({"zones": zones})
    assert await terminal.holds_access_tables({"zones": zones})
    changed = [list(zone) for zone in zones]
    changed[3] = [{"start": "08:00", "end": "13:00"}]
    assert not await terminal.holds_access_tables({"zones": changed})
