"""Tests of what a ZK terminal is: options kept, info, capabilities, zone and encoding."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from custom_components.access_terminal.protocols.errors import TerminalClosedError
from custom_components.access_terminal.protocols.model import (
    Credential,
    Family,
    Feature,
    Usage,
    User,
)
from custom_components.access_terminal.protocols.zk_push import Endpoint
from custom_components.access_terminal.protocols.zk_push.device import info_from_options
from custom_components.access_terminal.protocols.zk_push.users import Capabilities

from .helpers import PLAIN, REGISTRY, SERIAL, ZONE, Device, obey, settle

# -- options and info ----------------------------------------------------------------------------


# Section 7.6's table=options example (on one line, as terminals send it).
OPTIONS_EXAMPLE = (
    "~DeviceName=ProBio,MAC=00:17:61:11:ad:4f,TransactionCount=23,~MaxAttLogCount=10,UserCount=7,"
    "~MaxUserCount=100,PhotoFunOn=1,~MaxUserPhotoCount=3000,FingerFunOn=1,FPVersion=10,"
    "~MaxFingerCount=40,FPCount=4,FaceFunOn=1,FaceVersion=7,~MaxFaceCount=2000,FaceCount=3,"
    "FvFunOn=0,FvVersion=3,~MaxFvCount=10,FvCount=0,PvFunOn=0,PvVersion=5,~MaxPvCount=,PvCount=0,"
    "Language=69,IPAddress=192.168.52.71,~Platform=ZMM220_TFT,~OEMVendor= ZKTeco Inc. ,"
    "FWVersion=Ver 8.0.4.1-20180102,PushVersion=Ver 2.0.34-20180822"
)


async def test_options_upload_tells_what_the_terminal_is(plain: Device) -> None:
    changes = plain.listener.calls["state_changed"]
    reply = await plain.upload("options", OPTIONS_EXAMPLE)
    assert (reply.status, reply.text) == (200, "OK")
    info = plain.terminal.info
    assert info is not None
    assert (info.serial, info.family) == (SERIAL, Family.ZK_PUSH)
    assert (info.model, info.manufacturer) == ("ProBio", "ZKTeco Inc.")
    assert info.firmware == "Ver 8.0.4.1-20180102"
    assert info.doors == 1
    assert info.features == {Feature.CARD, Feature.PASSWORD, Feature.FINGERPRINT, Feature.FACE}
    assert info.usage == {
        "users": Usage(7, 10000),
        "fingerprints": Usage(4, 4000),
        "faces": Usage(3, 2000),
        "palms": Usage(0, None),
        "logs": Usage(23, 100000),
    }
    assert info.keepalive_interval == 3
    assert info.release_time is None
    assert plain.listener.calls["state_changed"] == changes + 1
    # The same options again change nothing.
    await plain.upload("options", OPTIONS_EXAMPLE)
    assert plain.listener.calls["state_changed"] == changes + 1


@pytest.mark.parametrize(
    ("options", "features"),
    [
        ({}, set()),
        ({"IRTempDetectionFunOn": "1"}, {Feature.TEMPERATURE}),
        ({"MaskDetectionFunOn": "1"}, {Feature.MASK}),
        ({"IsSupportQRcode": "1"}, set()),
        ({"IsSupportQRcode": "2"}, {Feature.QR}),
        ({"IsSupportQRcode": "3"}, {Feature.QR}),
        ({"PvFunOn": "1"}, {Feature.PALM}),
        ({"MultiBioDataSupport": "0:0:0:0:0:0:0:0:1"}, {Feature.PALM}),
        ({"MultiBioDataSupport": "0:1"}, {Feature.FINGERPRINT}),
        ({"~ZKFPVersion": "10"}, {Feature.FINGERPRINT}),
        ({"FingerFunOn": "0", "ZKFPVersion": "0"}, set()),
        ({"MultiBioDataSupport": "0:0:1"}, {Feature.FACE}),
    ],
)
def test_info_features(options: dict[str, str], features: set[Feature]) -> None:
    options = {key.lstrip("~"): value for key, value in options.items()}
    caps = Capabilities.from_options(options, attendance=False)
    info = info_from_options(SERIAL, options, caps)
    assert info.features == {Feature.CARD, Feature.PASSWORD, *features}


def test_info_defaults() -> None:
    info = info_from_options(SERIAL, {}, Capabilities(attendance=True, doors=0))
    assert (info.model, info.manufacturer, info.firmware) == (None, "ZKTeco", None)
    assert info.usage == {}
    assert info.keepalive_interval == 10
    options = {"FirmVer": "AC Ver 5.7", "FWVersion": "other", "Door1Drivertime": "6"}
    info = info_from_options(SERIAL, options, Capabilities())
    assert (info.firmware, info.release_time) == ("AC Ver 5.7", 6)


@pytest.mark.parametrize(
    ("option", "minutes"),
    [
        ("8", 8 * 60),
        ("-5", -5 * 60),
        ("0", 0),
        ("330", 330),
        ("-210", -210),
        # Not a zone: the terminal is where Home Assistant is.
        ("900", 120),
        ("abc", 120),
        ("", 120),
    ],
)
async def test_rtlog_times_are_read_in_the_terminals_zone(
    plain: Device, option: str, minutes: int
) -> None:
    await plain.upload("options", f"TimeZone={option}")
    await plain.upload("rtlog", "time=2024-05-01 08:00:00\tpin=1\tevent=0\tindex=1")
    (event,) = plain.listener.events
    assert event.time == datetime(2024, 5, 1, 8, 0, tzinfo=timezone(timedelta(minutes=minutes)))


@pytest.mark.parametrize(
    ("zone", "option"),
    [
        (ZONE, "2"),
        (UTC, "0"),
        (timezone(timedelta(hours=-5)), "-5"),
        (timezone(timedelta(hours=5, minutes=30)), "330"),
        (timezone(timedelta(hours=-3, minutes=-30)), "-210"),
    ],
)
async def test_attendance_options_answer(zone: tzinfo, option: str) -> None:
    device = Device(zone=zone)
    reply = await device.handshake(pushver="2.4.1", language="69")
    assert reply.text.split("\n") == [
        f"GET OPTION FROM: {SERIAL}",
        "ATTLOGStamp=0",
        "OPERLOGStamp=0",
        "ATTPHOTOStamp=0",
        "ErrorDelay=30",
        "Delay=10",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        "TransFlag=TransData AttLog OpLog AttPhoto EnrollUser ChgUser EnrollFP ChgFP UserPic",
        f"TimeZone={option}",
        "Realtime=1",
        "Encrypt=None",
    ]


async def test_chinese_attendance_terminal_gets_gb18030(device: Device) -> None:
    await device.handshake(pushver="2.4.1", language="83")
    terminal = device.terminal
    task = asyncio.get_running_loop().create_task(
        terminal.set_users([User(user_id="5", name="张三")])
    )
    await settle()
    reply = await device.get(Endpoint.GETREQUEST)
    assert reply.body == (
        "C:1:DATA UPDATE USERINFO PIN=5\tName=张三\tPri=0\tPasswd=\tCard=\tGrp=1\t"
        "TZ=0000000000000000"
    ).encode("gb18030")
    await device.report((1, 0))
    await task


async def test_getrequest_encodes_names_for_chinese_controllers(device: Device) -> None:
    await device.register(f"{PLAIN},Language=83")
    task = asyncio.get_running_loop().create_task(
        device.terminal.set_users([User(user_id="5", name="张三")])
    )
    await settle()
    reply = await device.get(Endpoint.GETREQUEST)
    assert "Name=张三".encode("gb18030") in reply.body
    assert reply.body.decode("gb18030").startswith("C:1:DATA UPDATE user ")
    device.terminal.close()
    with pytest.raises(TerminalClosedError):
        await task


async def test_only_the_options_read_are_kept(device: Device) -> None:
    """A registration carries some fifty options; the ones nothing reads are not kept."""
    await device.register(REGISTRY + ",VerifyStyles=ff7f0000,EventTypes=BF0FE03D30,MThreshold=60")
    options = device.terminal.options
    assert "MThreshold" not in options
    # What the terminal supports decides its event types and methods (support.py): kept.
    assert (options["VerifyStyles"], options["EventTypes"]) == ("ff7f0000", "BF0FE03D30")
    assert options["Door2Drivertime"] == "10"
    assert options["MultiBioVersion"] == "0:10.0:0:0:0:0:0:0:1.0:5.8"
    assert device.terminal.export_state()["options"] == options


async def test_attendance_info_announces_fingerprints_and_faces(attendance: Device) -> None:
    """The FP and face versions of getrequest INFO say what the terminal can enroll."""
    await attendance.get(
        Endpoint.GETREQUEST, INFO="Ver 6.60 Apr 28 2017,2,1,100,192.168.1.201,10,7,0,0"
    )
    info = attendance.terminal.info
    assert info is not None
    assert {Feature.FINGERPRINT, Feature.FACE} <= info.features
    commands = await obey(
        attendance, attendance.terminal.start_enrollment("5", Credential.FINGERPRINT)
    )
    assert commands == ["ENROLL_FP PIN=5\tFID=6\tRETRY=3\tOVERWRITE=1"]


async def test_language_change_switches_the_name_encoding(attendance: Device) -> None:
    """A terminal switched to Chinese gets its names in GB18030 from its next hand-shake."""
    assert attendance.terminal.caps.encoding == "utf-8"
    await attendance.handshake(pushver="2.4.1", language="83")
    assert attendance.terminal.caps.encoding == "gb18030"
