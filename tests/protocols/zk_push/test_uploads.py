"""Tests of what ZK terminals upload: real-time records, tables and attendance logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from custom_components.access_terminal.protocols.model import (
    AlarmReason,
    DenyReason,
    Direction,
    DoorAction,
    EventType,
    Method,
    Record,
    Usage,
    UserChange,
)
from custom_components.access_terminal.protocols.zk_push import Endpoint

from .helpers import RTLOG_EXAMPLE, SERIAL, ZONE, Device, door, obey

# -- records -------------------------------------------------------------------------------------


async def test_rtlog_records_reach_the_listener(plain: Device) -> None:
    body = (
        f"{RTLOG_EXAMPLE}\ntime=2024-05-01 08:00:00\tpin=42\tcardno=0\teventaddr=1\tevent=0"
        "\tinoutstatus=0\tverifytype=15\tindex=22\n"
    )
    reply = await plain.upload("rtlog", body)
    assert (reply.status, reply.text) == (200, "OK")
    first, second = plain.listener.received
    moment = datetime(2017, 1, 10, 11, 49, 32, tzinfo=ZONE)
    assert first.key == f"rtlog:21:{int(moment.timestamp())}"
    (denied,) = first.events
    assert (denied.type, denied.reason, denied.user_id) == (
        EventType.ACCESS_DENIED,
        DenyReason.UNREGISTERED,
        None,
    )
    assert (denied.time, denied.direction) == (moment, Direction.OUT)
    (granted,) = second.events
    assert (granted.type, granted.user_id, granted.methods) == (
        EventType.ACCESS_GRANTED,
        "42",
        (Method.FACE,),
    )
    assert second.record_id == 22


async def test_rtlog_sent_again_keeps_its_identity(plain: Device) -> None:
    # Telling duplicates apart is the listener's job: the records carry what it needs.
    await plain.upload("rtlog", RTLOG_EXAMPLE)
    await plain.upload("rtlog", RTLOG_EXAMPLE)
    first, second = plain.listener.received
    assert first.key == second.key
    assert first.key is not None


async def test_rtlog_of_a_forced_door_is_a_door_event_and_an_alarm(controller: Device) -> None:
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:00\tpin=0\teventaddr=3\tevent=102\tindex=5"
    )
    assert [(e.type, e.reason, e.door) for e in controller.listener.events] == [
        (EventType.DOOR_FORCED_OPEN, None, 3),
        (EventType.ALARM, AlarmReason.FORCED, 3),
    ]


async def test_rtstate_rows_inside_an_rtlog_body(controller: Device) -> None:
    body = (
        "time=2024-05-01 08:00:00\tsensor=02\trelay=01\talarm=0100000000000000\n"
        "time=2024-05-01 08:00:01\tpin=1\tevent=0\tindex=3"
    )
    assert (await controller.upload("rtlog", body)).text == "OK"
    assert len(controller.listener.received) == 1
    state = door(controller, 1)
    assert (state.is_open, state.relay_energised, state.alarms) == (
        True,
        True,
        frozenset({AlarmReason.FORCED}),
    )


async def test_door_status_code_255_updates_the_doors_without_an_event(controller: Device) -> None:
    body = (
        "time=2024-05-01 08:00:00\tpin=0\tevent=255\teventaddr=1\tindex=4"
        "\tsensor=02\trelay=01\talarm=0100000000000000"
    )
    assert (await controller.upload("rtlog", body)).text == "OK"
    # Acknowledged as a record (its number is the terminal's cursor), but nothing happened.
    (record,) = controller.listener.received
    assert (record.record_id, record.events) == (4, ())
    state = door(controller, 1)
    assert (state.is_open, state.relay_energised, state.alarms) == (
        True,
        True,
        frozenset({AlarmReason.FORCED}),
    )


async def test_rtstate_door_states(controller: Device) -> None:
    listener = controller.listener
    changes = listener.calls["state_changed"]
    body = "time=2024-05-01 08:00:00\tsensor=19\trelay=05\talarm=0002000000000000"
    assert (await controller.upload("rtstate", body)).text == "OK"
    doors = controller.terminal.doors
    assert [doors[n].is_open for n in range(1, 5)] == [False, True, False, None]
    assert [doors[n].relay_energised for n in range(1, 5)] == [True, False, True, False]
    assert doors[2].alarms == {AlarmReason.TAMPER}
    assert listener.calls["state_changed"] == changes + 1
    # Nothing new: nothing to tell.
    await controller.upload("rtstate", body.replace("08:00:00", "08:00:05"))
    assert listener.calls["state_changed"] == changes + 1
    assert listener.received == []


async def test_rtstate_keeps_what_only_commands_say(controller: Device) -> None:
    await obey(controller, controller.terminal.door_control(1, DoorAction.HOLD_OPEN))
    await obey(controller, controller.terminal.door_control(2, DoorAction.LOCKOUT))
    await controller.upload("rtstate", "time=2024-05-01 08:00:00\tsensor=01\trelay=00\talarm=00")
    doors = controller.terminal.doors
    assert (doors[1].held_open, doors[1].locked_out, doors[1].is_open) == (True, None, False)
    assert (doors[2].held_open, doors[2].locked_out) == (None, True)


async def test_door_state_from_door_events(controller: Device) -> None:
    listener = controller.listener
    changes = listener.calls["state_changed"]
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:00\tpin=0\teventaddr=2\tevent=200\tindex=1"
    )
    assert door(controller, 2).is_open is True
    assert listener.calls["state_changed"] == changes + 1
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:01\tpin=0\teventaddr=2\tevent=200\tindex=2"
    )
    assert listener.calls["state_changed"] == changes + 1
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:09\tpin=0\teventaddr=2\tevent=201\tindex=3"
    )
    assert door(controller, 2).is_open is False
    # Doors are numbered 1 to 4: a record of door 9 is unreadable (acknowledged, logged).
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:09\tpin=0\teventaddr=9\tevent=200\tindex=4"
    )
    assert set(controller.terminal.doors) == {1, 2, 3, 4}
    assert listener.calls["state_changed"] == changes + 2
    assert controller.terminal.problems.counts["rtlog record"] == 1
    assert [e.type for e in listener.events] == [
        EventType.DOOR_OPENED,
        EventType.DOOR_OPENED,
        EventType.DOOR_CLOSED,
    ]


async def test_late_door_events_move_no_door(controller: Device) -> None:
    # A record that arrives late (a backlog) is kept and shown, but the door it tells of was
    # closed again long ago: only new, live records move a door.
    listener = controller.listener
    original = listener.records

    async def all_late(records: Sequence[Record]) -> Sequence[Record]:
        listener.late.extend(records)
        return await original(records)

    listener.records = all_late  # type: ignore[method-assign]
    await controller.upload(
        "rtlog", "time=2024-05-01 08:00:00\tpin=0\teventaddr=2\tevent=200\tindex=1"
    )
    assert [e.type for e in listener.events] == [EventType.DOOR_OPENED]
    assert door(controller, 2).is_open is None


async def test_listener_failure_means_nothing_is_acknowledged(controller: Device) -> None:
    listener = controller.listener
    listener.fail = True
    reply = await controller.upload("rtlog", RTLOG_EXAMPLE)
    assert (reply.status, reply.text) == (503, "server busy, send again later")
    user = await controller.rows("user", "user uid=5 cardno= pin=4 password= name=Ann")
    assert user.status == 503
    assert listener.user_changes == []


async def test_punches_kept_when_the_listener_fails(attendance: Device) -> None:
    attendance.listener.fail = True
    punches = await attendance.upload("ATTLOG", "7\t2024-05-01 08:00:00\t0\t1", Stamp="77")
    assert (punches.status, punches.text) == (503, "server busy, send again later")
    # The terminal sends them again from the same point.
    assert "ATTLOGStamp=0" in (await attendance.handshake()).text.split("\n")


# -- table uploads -------------------------------------------------------------------------------


async def test_user_upload(controller: Device) -> None:
    # Section 10.5's example.
    body = (
        "user uid=5 cardno= pin=4 password= group=1 starttime=0 endtime=0 name= privilege=0  \n"
        "disable=0 verify=0"
    )
    reply = await controller.rows("user", body, count="1")
    assert (reply.status, reply.text) == (200, "user=1")
    assert controller.listener.user_changes == [("4", UserChange.UPDATED)]
    (event,) = controller.listener.events
    assert (event.type, event.user_id, event.detail, event.raw_code) == (
        EventType.USER_UPDATED,
        "4",
        "user changed at the terminal",
        "tabledata:user",
    )


async def test_template_uploads(controller: Device) -> None:
    # Section 10.11's example, wrapped as printed.
    biodata = (
        "biodata pin=1 no=0 index=0 valid=1 duress=0 type=8 majorver=5 minorver=0  \nformat=0\n\n"
        "tmp=apUBD+cAC44IAAEAAJfKWIBWAQQFAAAAAAAAEAcHAcQAAAA3PJc4PO4W/AxrTnYNXQ7cJ0+ObT  \n"
        "0vBE81KyGPkzSHuh7ul+wP647kWNnMTDA8WMwlanRcNTpzTjc2hzUGZ488FweSBlaN0kY2GdZeNHIVXCs\n"
    )
    assert (await controller.rows("biodata", biodata, count="1")).text == "biodata=1"
    # Two fingers of the same person: one change.
    templates = (
        "templatev10 size=4 uid=4 pin=4 fingerid=7 valid=1 template=AAAA resverd= endtag=\n"
        "templatev10 size=4 uid=3 pin=4 fingerid=6 valid=1 template=BBBB resverd= endtag="
    )
    assert (await controller.rows("templatev10", templates, count="2")).text == "templatev10=2"
    photo = "biophoto pin=9 filename=9.jpg type=9 size=4 content=AAAA"
    assert (await controller.rows("biophoto", photo, count="1")).text == "biophoto=1"
    userpic = "userpic pin=10 filename=10.jpg size=4 content=AAAA"
    assert (await controller.rows("userpic", userpic, count="1")).text == "userpic=1"
    assert controller.listener.user_changes == [
        ("1", UserChange.UPDATED),
        ("4", UserChange.UPDATED),
        ("9", UserChange.UPDATED),
        ("10", UserChange.UPDATED),
    ]
    assert {event.detail for event in controller.listener.events} == {
        "credential enrolled at the terminal"
    }


async def test_uploads_that_change_no_user(controller: Device) -> None:
    # (An error log is no change to a user either, but an event: see test_errorlog.py.)
    terminal_row = "user uid=1 cardno= pin=0 password= name="
    assert (await controller.rows("user", terminal_row, count="1")).text == "user=1"
    authorize = "DeviceAuthorize SN=SUB1\tOnline=1\tIsAuthorize=0"
    reply = await controller.send(
        Endpoint.CDATA, authorize, type="registry", table="tabledata", tablename="DeviceAuthorize"
    )
    assert reply.text == "DeviceAuthorize=1"
    assert controller.listener.user_changes == []
    assert controller.listener.received == []


async def test_an_identity_card_read_is_an_event_without_personal_data(controller: Device) -> None:
    card = (
        "identitycard pin=1 SN_Num=26121292460088826975 ID_Num=110101199003074514"
        " Name=Zhangsan Gender=1 Address=Beijing PhotoJPG=AAAA"
    )
    assert (await controller.rows("identitycard", card, count="1")).text == "identitycard=1"
    # The card was read at the terminal: an event, no change to a user.
    assert controller.listener.user_changes == []
    (event,) = controller.listener.events
    assert event.type is EventType.ID_CARD_READ
    assert (event.user_id, event.user_name) == ("1", "Zhangsan")
    assert event.card_number == "26121292460088826975"
    assert event.methods == (Method.ID_CARD,)
    # The citizen number, the address and the photo are not kept.
    fields = str(event.as_dict())
    assert "110101199003074514" not in fields
    assert "Beijing" not in fields
    assert not event.as_dict()["has_photo"]


# -- attendance uploads --------------------------------------------------------------------------


async def test_attlog_punches_and_stamp(attendance: Device) -> None:
    body = "7\t2024-05-01 08:00:00\t0\t1\t0\t0\n8\t2024-05-01 08:01:00\t1\t15\t0\t0\ngarbage\n"
    reply = await attendance.upload("ATTLOG", body, Stamp="9999")
    # Unreadable lines are counted too: the terminal must not send them forever.
    assert (reply.status, reply.text) == (200, "OK: 3")
    assert [(e.user_id, e.direction) for e in attendance.listener.events] == [
        ("7", Direction.IN),
        ("8", Direction.OUT),
    ]
    assert all(record.stream == "attlog" for record in attendance.listener.received)
    assert "ATTLOGStamp=9999" in (await attendance.handshake()).text.split("\n")
    assert attendance.terminal.export_state()["stamps"] == {"ATTLOG": "9999"}


async def test_operlog_lines(attendance: Device) -> None:
    lines = [
        "USER PIN=5\tName=Ann\tPri=0\tPasswd=\tCard=\tGrp=1",
        "FP PIN=6\tFID=1\tSize=4\tValid=1\tTMP=AAAA",
        "OPLOG 6\t0\t2024-05-01 08:00:00\t7\t1\t0\t0",
        "OPLOG 9\t0\t2024-05-01 08:00:00\t8\t0\t0\t0",
        "OPLOG 4\t0\t2024-05-01 08:00:00\t0\t0\t0\t0",
        "OPLOG 5\t0\t2024-05-01 08:00:00\t11\t0\t0\t0",
        "OPLOG 7\t0\t2024-05-01 08:00:00",
        "OPLOG\t0",
        "USER PIN=0\tName=terminal",
        "FACE PIN=9\tFID=0",
        "BIODATA Pin=10\tNo=0",
        "FP FID=1",
        "something new",
    ]
    body = "\n".join(lines)
    reply = await attendance.upload("OPERLOG", body, Stamp="42")
    assert (reply.status, reply.text) == (200, "OK: 13")
    assert attendance.listener.user_changes == [
        ("5", UserChange.UPDATED),
        ("6", UserChange.UPDATED),
        ("7", UserChange.UPDATED),
        ("8", UserChange.DELETED),
        ("9", UserChange.UPDATED),
        ("10", UserChange.UPDATED),
    ]
    assert "OPERLOGStamp=42" in (await attendance.handshake()).text.split("\n")


async def test_attendance_photos_and_templates_are_counted(attendance: Device) -> None:
    photo = (
        b"PIN=7_20240501080000.jpg\nSN="
        + SERIAL.encode()
        + b"\nsize=4\nCMD=uploadphoto\x00\xff\xd8\xff\xd9"
    )
    reply = await attendance.upload("ATTPHOTO", photo, Stamp="5")
    assert (reply.status, reply.text) == (200, "OK: 1")
    templates = (
        "BIODATA Pin=5\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=5\tMinorVer=8\tTmp=AA\n"
        "BIODATA Pin=6\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=5\tMinorVer=8\tTmp=BB\n"
        "BIODATA No=0"
    )
    assert (await attendance.upload("BIODATA", templates)).text == "OK: 3"
    assert attendance.listener.user_changes == [
        ("5", UserChange.UPDATED),
        ("6", UserChange.UPDATED),
    ]
    stamps = attendance.terminal.export_state()["stamps"]
    assert stamps == {"ATTPHOTO": "5"}
    assert "ATTPHOTOStamp=5" in (await attendance.handshake()).text.split("\n")


async def test_attendance_info_in_getrequest(attendance: Device) -> None:
    listener = attendance.listener
    changes = listener.calls["state_changed"]
    info = "Ver 8.0.4.1-20180102,7,4,23,192.168.1.201,10,7,3,2"
    assert (await attendance.get(Endpoint.GETREQUEST, INFO=info)).text == "OK"
    terminal = attendance.terminal
    assert terminal.info is not None
    assert terminal.info.firmware == "Ver 8.0.4.1-20180102"
    assert terminal.info.usage == {
        "users": Usage(7, None),
        "fingerprints": Usage(4, None),
        "faces": Usage(2, None),
        "logs": Usage(23, None),
    }
    assert terminal.options["IPAddress"] == "192.168.1.201"
    assert listener.calls["state_changed"] == changes + 1
    await attendance.get(Endpoint.GETREQUEST, INFO=info)
    assert listener.calls["state_changed"] == changes + 1
    await attendance.get(Endpoint.GETREQUEST, INFO="Ver 8.0.5,8,,,")
    assert terminal.info.firmware == "Ver 8.0.5"
    assert terminal.info.usage["users"] == Usage(8, None)
    assert terminal.info.usage["fingerprints"] == Usage(4, None)
