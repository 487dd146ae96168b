"""Tests of ZK PUSH user listings: the queries asked and the rows collected."""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime
import re

import pytest

from custom_components.access_terminal.protocols.errors import DeviceError
from custom_components.access_terminal.protocols.model import (
    Credentials,
    Family,
    Privilege,
    User,
    UserChange,
)
from custom_components.access_terminal.protocols.zk_push.wire import Endpoint

from .helpers import PLAIN, ZONE, Device, issue

# -- listing users -------------------------------------------------------------------------------


FACE_PHOTO = b"\xff\xd8 face \xff\xd9"
USER_ROWS = (
    "user uid=1 cardno=123 pin=1 password=12 group=1 starttime=0 endtime=0 name=Ann B "
    "privilege=14 disable=0 verify=0\n"
    "user uid=2 cardno=[15CD5B07] pin=2 password= group=1 starttime=583512660 endtime=0 "
    "name=Bo privilege=0 disable=1 verify=0"
)
MULCARD_ROWS = (
    "mulcarduser pin=1 cardno=CC9932DD losscardflag=0 cardtype=1\n"
    "mulcarduser pin=1 cardno=0000007B losscardflag=0 cardtype=0\n"
    "mulcarduser pin=1 cardno=00000001 losscardflag=1 cardtype=1"
)
FINGER_ROWS = (
    "biodata pin=1 no=6 index=0 valid=1 duress=0 type=1 majorver=10 minorver=0 format=0 tmp=FP6\n"
    "biodata pin=1 no=6 index=1 valid=1 duress=0 type=1 majorver=10 minorver=0 format=0 tmp=FP6b"
)
FACE_ROWS = (
    "biodata pin=2 no=0 index=0 valid=1 duress=0 type=9 majorver=5 minorver=8 format=0 tmp=FACE"
)
PHOTO_CONTENT = base64.b64encode(FACE_PHOTO).decode()
PHOTO_ROWS = (
    f"biophoto pin=2 filename=2.jpg type=9 size={len(PHOTO_CONTENT)} content={PHOTO_CONTENT}\n"
    "biophoto pin=1 filename=1.jpg type=2 size=4 content=AAAA"
)
# Rows of someone the user table does not have (a half-deleted person): left out.
ORPHAN_ROWS = {
    "user": "user uid=9 cardno= pin=0 password= name=terminal",
    "mulcarduser": "mulcarduser pin=3 cardno=0000007B losscardflag=0 cardtype=0",
    "biodata": "biodata pin=3 no=1 index=0 valid=1 duress=0 type=1 majorver=10 tmp=FP1",
    "biophoto": f"biophoto pin=3 filename=3.jpg type=9 size=4 content={PHOTO_CONTENT}",
}


async def answer(device: Device, commands: list[tuple[int, str]], rows: dict[str, str]) -> None:
    """Answer each DATA QUERY with the rows of its table, then report every result."""
    for number, text in commands:
        table = re.search(r"tablename=(\w+)", text)
        assert table is not None
        if body := rows.get(table[1], ""):
            reply = await device.rows(table[1], body, cmdid=str(number), packcnt="1", packidx="1")
            assert reply.text == f"{table[1]}={len(body.splitlines())}"
    await device.report(*((number, 0) for number, _ in commands))


ALL_ROWS = {
    "user": f"{USER_ROWS}\n{ORPHAN_ROWS['user']}",
    "mulcarduser": f"{MULCARD_ROWS}\n{ORPHAN_ROWS['mulcarduser']}",
    "biodata": f"{FINGER_ROWS}\n{FACE_ROWS}\n{ORPHAN_ROWS['biodata']}",
    "biophoto": f"{PHOTO_ROWS}\n{ORPHAN_ROWS['biophoto']}",
}
QUERIES = [
    "DATA QUERY tablename=user,fielddesc=*,filter=*",
    "DATA QUERY tablename=mulcarduser,fielddesc=*,filter=*",
    "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=1",
    "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=8",
    "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=9",
    "DATA QUERY tablename=biophoto,fielddesc=*,filter=Type=9",
]


async def test_list_users_reads_every_table(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users())
    assert [text for _, text in commands] == QUERIES
    await answer(controller, commands, ALL_ROWS)
    ann, bo = await task
    assert ann == User(
        user_id="1",
        name="Ann B",
        privilege=Privilege.ADMIN,
        # mulcarduser holds the cards: the main card first, lost cards left out.
        cards=("123", "3432592093"),
        password="12",
        credentials=Credentials(fingerprints={6: "1:10.0:0:0:FP6"}, origin=Family.ZK_PUSH),
    )
    assert bo == User(
        user_id="2",
        name="Bo",
        cards=("123456789",),
        valid_from=datetime(2018, 2, 27, 14, 51, tzinfo=ZONE),
        enabled=False,
        credentials=Credentials(face="9:5.8:0:0:FACE", photo=FACE_PHOTO, origin=Family.ZK_PUSH),
    )
    # Nothing left waiting.
    assert await controller.commands() == []


async def test_list_fingerprints_of_an_older_controller(plain: Device) -> None:
    """Without unified templates, fingerprints are listed from templatev10 (sections 10.7)."""
    await plain.send(Endpoint.REGISTRY, PLAIN + ",FingerFunOn=1")
    task, commands = await issue(plain, plain.terminal.list_users(["1"]))
    assert [text for _, text in commands] == [
        "DATA QUERY tablename=user,fielddesc=*,filter=Pin=1",
        "DATA QUERY tablename=templatev10,fielddesc=*,filter=Pin=1",
    ]
    rows = {
        "user": "user uid=1 cardno= pin=1 password= name=Ann privilege=0",
        "templatev10": "templatev10 size=4 uid=1 pin=1 fingerid=3 valid=3 template=FP3\n"
        "templatev10 size=4 uid=1 pin=1 fingerid=4 valid=0 template=FP4",
    }
    await answer(plain, commands, rows)
    (ann,) = await task
    assert ann.credentials == Credentials(fingerprints={3: "1:10.0:0:1:FP3"}, origin=Family.ZK_PUSH)


async def test_list_users_without_credentials_gives_presence_only(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users(with_credentials=False))
    await answer(controller, commands, ALL_ROWS)
    ann, bo = await task
    assert ann.credentials.fingerprints == {6: ""}
    assert (bo.credentials.face, bo.credentials.photo) == ("", b"")
    assert bo.credentials.summary() == {
        "face": True,
        "fingerprints": [],
        "palms": [],
        "photo": True,
    }


async def test_list_users_rows_in_several_packs(plain: Device) -> None:
    task, commands = await issue(plain, plain.terminal.list_users())
    ((number, text),) = commands
    assert text == "DATA QUERY tablename=user,fielddesc=*,filter=*"
    first, second = USER_ROWS.split("\n")
    for index, row in enumerate((first, second), 1):
        reply = await plain.rows("user", row, cmdid=str(number), packcnt="2", packidx=str(index))
        assert reply.text == "user=1"
    await plain.report((number, 2))
    assert [user.user_id for user in await task] == ["1", "2"]


async def test_list_some_users_one_query_each(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users(["2", "007"]))
    texts = [text for _, text in commands]
    assert texts == [
        "DATA QUERY tablename=user,fielddesc=*,filter=Pin=2",
        "DATA QUERY tablename=mulcarduser,fielddesc=*,filter=Pin=2",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=1\tPin=2",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=8\tPin=2",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=9\tPin=2",
        "DATA QUERY tablename=biophoto,fielddesc=*,filter=Type=9\tPin=2",
        "DATA QUERY tablename=user,fielddesc=*,filter=Pin=7",
        "DATA QUERY tablename=mulcarduser,fielddesc=*,filter=Pin=7",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=1\tPin=7",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=8\tPin=7",
        "DATA QUERY tablename=biodata,fielddesc=*,filter=Type=9\tPin=7",
        "DATA QUERY tablename=biophoto,fielddesc=*,filter=Type=9\tPin=7",
    ]
    # Rows of other people are left out, whatever the terminal sends.
    await answer(controller, commands[:6], ALL_ROWS)
    await answer(controller, commands[6:], {})
    (bo,) = await task
    assert bo.user_id == "2"
    assert bo.credentials.face == "9:5.8:0:0:FACE"


async def test_list_many_users_filters_a_full_listing(plain: Device) -> None:
    wanted = [str(number) for number in range(2, 23)]
    task, commands = await issue(plain, plain.terminal.list_users(wanted))
    assert [text for _, text in commands] == ["DATA QUERY tablename=user,fielddesc=*,filter=*"]
    await answer(plain, commands, {"user": USER_ROWS})
    assert [user.user_id for user in await task] == ["2"]


async def test_list_no_users_asks_nothing(plain: Device) -> None:
    assert await plain.terminal.list_users([]) == []
    assert await plain.commands() == []


async def test_list_users_ignores_a_table_the_terminal_lacks(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users())
    await controller.rows("user", USER_ROWS, cmdid=str(commands[0][0]))
    results = [(number, -629 if "mulcarduser" in text else 0) for number, text in commands]
    await controller.report(*results)
    ann, _ = await task
    # The user row's card stands when mulcarduser cannot be read.
    assert ann.cards == ("123",)


async def test_list_users_fails_when_the_user_table_fails(controller: Device) -> None:
    task, commands = await issue(controller, controller.terminal.list_users())
    await controller.report(
        *((number, -629 if "=user," in text else 0) for number, text in commands)
    )
    with pytest.raises(DeviceError, match="device error -629: incorrect table name"):
        await task
    assert controller.terminal.diagnostics()["commands_queued"] == 0


async def test_list_users_waits_while_packs_arrive(plain: Device) -> None:
    plain.terminal.command_timeout = 0.1
    task, commands = await issue(plain, plain.terminal.list_users())
    ((number, _),) = commands
    # Four packs 0.04 s apart: longer than the timeout, but the terminal keeps sending.
    for index in range(4):
        await asyncio.sleep(0.04)
        row = f"user uid={index} cardno= pin={index + 1} password= name=P{index}"
        await plain.rows("user", row, cmdid=str(number), packcnt="4", packidx=str(index + 1))
    await plain.report((number, 4))
    assert [user.name for user in await task] == ["P0", "P1", "P2", "P3"]


async def test_attendance_listing_by_operlog(attendance: Device) -> None:
    task, commands = await issue(attendance, attendance.terminal.list_users())
    ((number, text),) = commands
    assert text == "DATA QUERY USERINFO"
    body = (
        "USER PIN=5\tName=Ann\tPri=14\tPasswd=12\tCard=[15CD5B07]\tGrp=1\n"
        "USER PIN=6\tName=Bo\tPri=0\tPasswd=\tCard=\tGrp=1\n"
        "USER PIN=0\tName=terminal"
    )
    assert (await attendance.upload("OPERLOG", body)).text == "OK: 3"
    await attendance.report((number, 0))
    ann, bo = await task
    assert ann == User(
        user_id="5", name="Ann", privilege=Privilege.ADMIN, cards=("123456789",), password="12"
    )
    assert bo == User(user_id="6", name="Bo")
    # Users read back are not changes made at the terminal.
    assert attendance.listener.user_changes == []


async def test_attendance_listing_of_some_users(attendance: Device) -> None:
    task, commands = await issue(attendance, attendance.terminal.list_users(["6"]))
    assert [text for _, text in commands] == ["DATA QUERY USERINFO PIN=6"]
    await attendance.upload("OPERLOG", "USER PIN=5\tName=Ann\nUSER PIN=6\tName=Bo")
    await attendance.report((commands[0][0], 0))
    assert [user.user_id for user in await task] == ["6"]


async def test_attendance_listing_failure(attendance: Device) -> None:
    task, commands = await issue(attendance, attendance.terminal.list_users())
    await attendance.report((commands[0][0], -13))
    with pytest.raises(DeviceError, match="unknown command"):
        await task
    # After the listing, USER lines are changes made at the terminal again.
    await attendance.upload("OPERLOG", "USER PIN=5\tName=Ann")
    assert attendance.listener.user_changes == [("5", UserChange.UPDATED)]
