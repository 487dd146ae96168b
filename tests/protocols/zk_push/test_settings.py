"""ZK PUSH settings, auxiliary outputs and normal-open periods, at the protocol level."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from custom_components.access_terminal.protocols.access import DoorSchedules
from custom_components.access_terminal.protocols.errors import (
    DeviceError,
    InvalidRequestError,
    NotSupportedError,
)
from custom_components.access_terminal.protocols.model import Operation
from custom_components.access_terminal.protocols.settings import (
    Setting,
    SettingAddress,
)
from custom_components.access_terminal.protocols.zk_push.access import (
    compile_access,
    table_commands,
)
from custom_components.access_terminal.protocols.zk_push.settings import (
    option_names,
    setting_option,
    setting_values,
    settings_for,
)
from custom_components.access_terminal.protocols.zk_push.users import Capabilities

from ..access_helpers import CLEANER, TUESDAY, hours, person, weekly
from .helpers import PLAIN, Device, issue, obey

TWO_DOORS = Capabilities.from_options({"LockCount": "2"}, attendance=False)
SHOP_HOURS = weekly(**{day: hours((9, 18)) for day in ("mon", "tue", "wed", "thu", "fri")})


def test_settings_follow_the_doors() -> None:
    """Interlock only where there are doors to tie; its choices those the doors allow."""
    assert Setting.INTERLOCK not in settings_for(1)
    assert settings_for(2)[Setting.INTERLOCK].options == ("off", "doors_1_2")
    assert "doors_1_2_3" in settings_for(3)[Setting.INTERLOCK].options
    assert "doors_1_2_and_3_4" in settings_for(4)[Setting.INTERLOCK].options
    between = Setting.ANTI_PASSBACK_BETWEEN_DOORS
    assert between not in settings_for(1)
    assert settings_for(3)[between].options == ("off", "doors_1_2", "door_1_vs_2_3")
    assert len(settings_for(4)[between].options) == 7
    assert settings_for(1)[Setting.UNLOCK_TIME].maximum == 254
    assert option_names(settings_for(2), 2)[:3] == [
        "Door1Drivertime",
        "Door2Drivertime",
        "Door1SensorType",
    ]


def test_options_become_values_and_values_options() -> None:
    """Codes of Appendices 3, 9 and 10 read as the vocabulary's words, and written back."""
    settings = settings_for(2)
    values = setting_values(
        settings,
        2,
        {
            "Door1Drivertime": "7",
            "Door2Drivertime": "255",  # normally open: no unlock time to show
            "Door1SensorType": "1",
            "Door1VerifyType": "11",
            "Door2VerifyType": "0000101000000011",  # card & password & face: no word for it
            "Door1InOutAntiPassback": "2",
            "Door1Disable": "0",
            "InterLock": "1",
            "AntiPassback": "1",
            "DSTOn": "1",
            "DelRecord": "500",
            "Door1Detectortime": "x",
            "Door1CancelKeepOpenDelay": "20250114",  # skipped today
            "Door2CancelKeepOpenDelay": "20250113",  # skipped yesterday: runs today
        },
        TUESDAY,
    )
    assert values == {
        SettingAddress(Setting.UNLOCK_TIME, 1): 7,
        SettingAddress(Setting.DOOR_SENSOR_TYPE, 1): "normally_open",
        SettingAddress(Setting.DOOR_VERIFY_MODE, 1): "card_and_password",
        SettingAddress(Setting.DOOR_ANTI_PASSBACK, 1): "out",
        SettingAddress(Setting.DOOR_ENABLED, 1): False,
        SettingAddress(Setting.INTERLOCK): "doors_1_2",
        SettingAddress(Setting.ANTI_PASSBACK_BETWEEN_DOORS): "doors_1_2",
        SettingAddress(Setting.DAYLIGHT_SAVING): True,
        SettingAddress(Setting.RECORDS_DROPPED_WHEN_FULL): 500,
        SettingAddress(Setting.SCHEDULED_OPENING, 1): False,
        SettingAddress(Setting.SCHEDULED_OPENING, 2): True,
    }
    assert setting_option(SettingAddress(Setting.UNLOCK_TIME, 2), 3, {}) == {"Door2Drivertime": "3"}
    assert setting_option(SettingAddress(Setting.LOCK_ON_CLOSE, 1), False, {}) == {
        "Door1CloseAndLock": "0"
    }
    assert setting_option(SettingAddress(Setting.INTERLOCK), "off", {}) == {"InterLock": "0"}
    # A 2-door controller cannot show value 3 (three doors): left out.
    assert not setting_values(settings, 2, {"InterLock": "3"}, TUESDAY)
    # Anti-passback between readers (16 and up) has no word here: not shown.
    assert not setting_values(settings, 2, {"AntiPassback": "16"}, TUESDAY)
    assert setting_option(SettingAddress(Setting.ANTI_PASSBACK_BETWEEN_DOORS), "off", {}) == {
        "AntiPassback": "0"
    }


def test_verification_modes_in_the_new_bit_form() -> None:
    """Firmware holding the bit form reads as the same words and is written in its own form."""
    settings = settings_for(1)
    address = SettingAddress(Setting.DOOR_VERIFY_MODE, 1)
    for text, mode in (
        ("0000100000000010", None),  # card or face: no word for it
        ("0000101000000001", "card_and_password"),
        ("0000100000000000", "card"),
        ("0000100000000001", "card"),  # one method: "and" changes nothing
        ("0000101000010010", "any"),
        ("0000000000000100", None),  # palm print: not a mode of the vocabulary
    ):
        values = setting_values(settings, 1, {"Door1VerifyType": text}, TUESDAY)
        assert values.get(address) == mode, text
    held = {"Door1VerifyType": "0000100000000000"}
    assert setting_option(address, "face_and_card", held) == {"Door1VerifyType": "0000100000000011"}
    assert setting_option(address, "face_and_card", {"Door1VerifyType": "4"}) == {
        "Door1VerifyType": "18"
    }


async def test_settings_read_and_written(controller: Device) -> None:
    """Registration tells the settings; GET OPTIONS reads them again; SET OPTIONS writes one."""
    terminal = controller.terminal
    assert terminal.setting_values[SettingAddress(Setting.UNLOCK_TIME, 2)] == 10
    calls = controller.listener.calls["state_changed"]

    task, commands = await issue(controller, terminal.read_settings())
    ((number, text),) = commands
    assert text.startswith("GET OPTIONS Door1Drivertime,Door2Drivertime,")
    assert "Door4MultiCardOpenDoor" in text
    cancelled = ",".join(f"Door{door}CancelKeepOpenDelay" for door in range(1, 5))
    assert text.endswith(f",InterLock,AntiPassback,DSTOn,DelRecord,Language,{cancelled}")
    reply = await controller.answer_options(
        number, "Door1Drivertime=3,Door3SensorType=0,InterLock=5"
    )
    assert reply.status == 200
    await controller.report((number, 0))
    await task
    assert terminal.setting_values[SettingAddress(Setting.UNLOCK_TIME, 1)] == 3
    assert terminal.setting_values[SettingAddress(Setting.DOOR_SENSOR_TYPE, 3)] == "none"
    assert terminal.setting_values[SettingAddress(Setting.INTERLOCK)] == "doors_1_2_3_4"
    assert controller.listener.calls["state_changed"] > calls

    address = SettingAddress(Setting.HELD_OPEN_ALARM_DELAY, 4)
    assert await obey(controller, terminal.write_setting(address, 30)) == [
        "SET OPTIONS Door4Detectortime=30"
    ]
    assert terminal.setting_values[address] == 30

    # Refused by the terminal: the value shown stays the one it holds.
    task, ((number, _),) = await issue(controller, terminal.write_setting(address, 40))
    await controller.report((number, -11))
    with pytest.raises(DeviceError):
        await task
    assert terminal.setting_values[address] == 30


async def test_scheduled_opening_skipped_and_resumed(controller: Device) -> None:
    """CONTROL DEVICE 04 skips today's normal-open period of a door, or lets it run again."""
    terminal = controller.terminal
    address = SettingAddress(Setting.SCHEDULED_OPENING, 2)
    assert await obey(controller, terminal.write_setting(address, False)) == [
        "CONTROL DEVICE 04020000"
    ]
    assert terminal.setting_values[address] is False
    assert await obey(controller, terminal.write_setting(address, True)) == [
        "CONTROL DEVICE 04020100"
    ]
    assert terminal.setting_values[address] is True


async def test_a_skipped_opening_runs_again_the_next_day(controller: Device, freezer: Any) -> None:
    """The switch shows the period back on at the first poll of the next day."""
    terminal = controller.terminal
    address = SettingAddress(Setting.SCHEDULED_OPENING, 1)
    freezer.move_to(datetime(2025, 1, 14, 23, 59, tzinfo=terminal.zone))
    await obey(controller, terminal.write_setting(address, False))
    assert terminal.setting_values[address] is False
    changes = controller.listener.calls["state_changed"]
    freezer.move_to(datetime(2025, 1, 15, 0, 0, 30, tzinfo=terminal.zone))
    await controller.commands()
    assert terminal.setting_values[address] is True
    assert controller.listener.calls["state_changed"] == changes + 1


async def test_settings_refused_before_sending(controller: Device) -> None:
    """A door the terminal lacks, or a setting it does not have, is refused; nothing is queued."""
    with pytest.raises(InvalidRequestError):
        await controller.terminal.write_setting(SettingAddress(Setting.UNLOCK_TIME, 5), 3)
    plain = Device()
    await plain.register(PLAIN)
    with pytest.raises(NotSupportedError):
        await plain.terminal.write_setting(SettingAddress(Setting.INTERLOCK), "off")
    assert await controller.commands() == []
    assert await plain.commands() == []


async def test_attendance_terminals_have_no_settings(attendance: Device) -> None:
    """Attendance PUSH has no SET OPTIONS: no settings, nothing to read."""
    assert attendance.terminal.settings == {}
    await attendance.terminal.read_settings()
    assert await attendance.commands() == []


async def test_aux_output(device: Device) -> None:
    """CONTROL DEVICE 01 <output> 02 <seconds>, for the outputs the controller announced."""
    await device.register(PLAIN)
    assert not device.terminal.supports(Operation.AUX_OUTPUT)
    with pytest.raises(NotSupportedError):
        await device.terminal.output_control(1, 5)

    other = Device()
    await other.register(f"{PLAIN},AuxOutCount=2")
    terminal = other.terminal
    assert terminal.aux_outputs == 2
    assert terminal.supports(Operation.AUX_OUTPUT)
    assert await obey(other, terminal.output_control(2, 10)) == ["CONTROL DEVICE 0102020A"]
    assert await obey(other, terminal.output_control(1, 255)) == ["CONTROL DEVICE 010102FF"]
    assert await obey(other, terminal.output_control(1, 0)) == ["CONTROL DEVICE 01010200"]
    for output, seconds in ((3, 5), (0, 5), (1, 256), (1, -1)):
        with pytest.raises(InvalidRequestError):
            await terminal.output_control(output, seconds)
    assert await other.commands() == []


async def test_aux_outputs_beyond_a_byte_are_not_believed() -> None:
    """An AuxOutCount no controller has gives no outputs."""
    device = Device()
    await device.register(f"{PLAIN},AuxOutCount=9999")
    assert device.terminal.aux_outputs == 0


def test_door_schedules_share_the_book_with_people() -> None:
    """A door schedule is a time zone like the people's; the same rule shares its number."""
    plan = compile_access(
        [person("7", ({2}, CLEANER))],
        TWO_DOORS,
        TUESDAY,
        doors=DoorSchedules({1: SHOP_HOURS, 2: CLEANER}),
    )
    zones = {zone["id"]: zone["days"] for zone in plan.tables["timezones"]}
    assert plan.tables["keep_open"] == [{"door": 1, "zone": 3}, {"door": 2, "zone": 2}]
    assert zones[3][1] == [[540, 1080]]  # Monday, Sunday first
    assert table_commands(plan.tables)[-1] == (
        "SET OPTIONS Door1KeepOpenTimeZone=3,Door2KeepOpenTimeZone=2"
    )


def test_without_door_schedules_the_doors_are_left_alone() -> None:
    """No free_open: the normal-open periods are not touched; an empty one clears them."""
    plan = compile_access([person("7", ({2}, CLEANER))], TWO_DOORS, TUESDAY)
    assert "keep_open" not in plan.tables
    assert not any("KeepOpenTimeZone" in text for text in table_commands(plan.tables))
    cleared = compile_access([], TWO_DOORS, TUESDAY, doors=DoorSchedules())
    assert table_commands(cleared.tables)[-1] == (
        "SET OPTIONS Door1KeepOpenTimeZone=0,Door2KeepOpenTimeZone=0"
    )
    # A door the terminal lacks is not written.
    extra = compile_access([], TWO_DOORS, TUESDAY, doors=DoorSchedules({3: SHOP_HOURS}))
    assert extra.tables["keep_open"] == [{"door": 1, "zone": 0}, {"door": 2, "zone": 0}]


async def test_controllers_keep_door_schedules(controller: Device) -> None:
    """A controller says it keeps door schedules; an attendance terminal does not."""
    profile = controller.terminal.access_profile
    assert profile is not None
    assert profile.free_open
    attendance = Device()
    assert (await attendance.handshake(pushver="2.4.1", language="69")).status == 200
    other = attendance.terminal.access_profile
    assert other is not None
    assert not other.free_open


def test_language_is_the_language_option() -> None:
    """Appendix 4's numbers as the language setting's choices; other languages show none."""
    settings = settings_for(1)
    address = SettingAddress(Setting.LANGUAGE)
    assert "Language" in option_names(settings, 1)
    for text, choice in (("69", "en"), ("83", "zh_hans"), ("84", "zh_hant"), ("116", None)):
        assert setting_values(settings, 1, {"Language": text}, TUESDAY).get(address) == choice
    assert setting_option(address, "ja", {}) == {"Language": "74"}
    assert setting_option(address, "de", {}) == {"Language": "71"}


async def test_test_host_reports_whether_the_address_was_reached(controller: Device) -> None:
    """Test Host (12.3): 0 reached, a failure not reached, a command not understood raised."""
    terminal = controller.terminal
    assert terminal.supports(Operation.TEST_HOST)
    task, commands = await issue(controller, terminal.test_host("192.168.1.10", 8080))
    assert commands[0][1] == "Test Host Address=192.168.1.10:8080"
    await controller.report((commands[0][0], 0))
    assert await task is True
    task, commands = await issue(controller, terminal.test_host("10.0.0.1", 80))
    await controller.report((commands[0][0], -12))
    assert await task is False
    task, commands = await issue(controller, terminal.test_host("10.0.0.1", 80))
    await controller.report((commands[0][0], -13))  # unknown command: not an answer
    with pytest.raises(DeviceError):
        await task
    for host, port in (("example.com", 80), ("10.0.0.1", 0), ("10.0.0.1", 70000)):
        with pytest.raises(InvalidRequestError):
            await terminal.test_host(host, port)


async def test_identity_card_registration_command(controller: Device) -> None:
    """CONTROL DEVICE 12 <on/off> <door> <timeout>; doors it does not have are refused."""
    terminal = controller.terminal
    assert terminal.supports(Operation.ID_CARD_REGISTRATION)
    texts = await obey(controller, terminal.id_card_registration(2, 60, True))
    assert texts == ["CONTROL DEVICE 1201023C"]
    texts = await obey(controller, terminal.id_card_registration(0, 1, False))
    assert texts == ["CONTROL DEVICE 12000001"]
    for door, seconds in ((5, 60), (1, 0), (1, 256)):
        with pytest.raises(InvalidRequestError):
            await terminal.id_card_registration(door, seconds, True)
