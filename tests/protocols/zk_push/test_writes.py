"""Tests of ZK PUSH user writes and deletions: batches, sizes, failures and timeouts."""

from __future__ import annotations

import gc
import re
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    DeviceError,
    InvalidRequestError,
    TerminalClosedError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.model import Privilege, User
from custom_components.access_terminal.protocols.zk_push import (
    commands as commands_module,
    terminal as terminal_module,
    writes as writes_module,
)
from custom_components.access_terminal.protocols.zk_push.operations import count_commands
from custom_components.access_terminal.protocols.zk_push.users import Capabilities
from custom_components.access_terminal.protocols.zk_push.wire import Endpoint
from custom_components.access_terminal.protocols.zk_push.writes import raise_for_results

from .helpers import PLAIN, SHORT, Device, issue, obey, settle

# -- writing and deleting users ------------------------------------------------------------------


async def test_set_users_sends_every_table(controller: Device) -> None:
    persists = controller.listener.calls["persist"]
    users = [
        User(user_id="1", name="Ann", cards=("1", "2")),
        User(user_id="2", name="Bo", enabled=False),
    ]
    assert await obey(controller, controller.terminal.set_users(users)) == [
        "DATA UPDATE user CardNo=1\tPin=1\tPassword=\tGroup=1\tStartTime=0\tEndTime=0\tName=Ann\t"
        "Privilege=0\tDisable=0\n"
        "CardNo=\tPin=2\tPassword=\tGroup=1\tStartTime=0\tEndTime=0\tName=Bo\tPrivilege=0\tDisable=1",
        "DATA DELETE mulcarduser Pin=1\nPin=2",
        "DATA UPDATE mulcarduser Pin=1\tCardNo=00000001\tLossCardFlag=0\tCardType=0\n"
        "Pin=1\tCardNo=00000002\tLossCardFlag=0\tCardType=1",
        "DATA UPDATE userauthorize Pin=1\tAuthorizeTimezoneId=1\tAuthorizeDoorId=15\tDevID=1",
        "DATA DELETE userauthorize Pin=2",
    ]
    # Queued data commands are saved before anything else happens.
    assert controller.listener.calls["persist"] > persists


async def test_set_users_in_batches(plain: Device, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writes_module, "USERS_PER_BATCH", 2)
    users = [User(user_id=str(number)) for number in (1, 2, 3)]
    texts = await obey(plain, plain.terminal.set_users(users))
    assert [text.split(" ", 3)[2] for text in texts] == ["user", "userauthorize"] * 2
    assert [re.findall(r"Pin=(\d+)\tAuthorize", text) for text in texts[1::2]] == [
        ["1", "2"],
        ["3"],
    ]


async def test_set_users_splits_commands_by_size(
    plain: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writes_module, "MAX_COMMAND_BYTES", 150)
    users = [User(user_id=str(number), name=f"Person {number}") for number in (1, 2, 3)]
    texts = await obey(plain, plain.terminal.set_users(users))
    assert [re.findall(r"\bPin=(\d+)", text) for text in texts] == [
        ["1"],
        ["2"],
        ["3"],
        ["1", "2"],
        ["3"],
    ]
    assert all(len(text) <= 150 for text in texts)
    # A record longer than the limit still goes, alone.
    monkeypatch.setattr(writes_module, "MAX_COMMAND_BYTES", 10)
    # (The first write's table counts go out with the next commands.)
    texts = await obey(plain, plain.terminal.set_users(users[:2]))
    assert len([text for text in texts if not text.startswith("DATA COUNT")]) == 4


async def test_set_users_names_the_users_that_failed(controller: Device) -> None:
    users = [User(user_id="1", cards=("1", "2")), User(user_id="2")]
    task, commands = await issue(controller, controller.terminal.set_users(users))
    await controller.report(
        *(
            (number, -621 if text.startswith("DATA UPDATE mulcarduser") else 0)
            for number, text in commands
        )
    )
    with pytest.raises(
        UserWriteError, match=r"1 user\(s\) not written: 1: field not supported"
    ) as err:
        await task
    assert err.value.failures == {"1": "field not supported [code -621]"}


async def test_set_users_without_result_after_three_handouts(
    plain: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commands_module, "RESEND_AFTER", 0.0)
    users = [User(user_id="1"), User(user_id="2")]
    task, commands = await issue(plain, plain.terminal.set_users(users))
    user_command, authorize = commands
    await plain.report((user_command[0], 0))
    assert await plain.commands() == [authorize]
    assert await plain.commands() == [authorize]
    assert await plain.commands() == []
    with pytest.raises(UserWriteError, match="no result after 3 tries") as err:
        await task
    assert set(err.value.failures) == {"1", "2"}


async def test_set_users_timeout_leaves_them_queued(
    plain: Device, monkeypatch: pytest.MonkeyPatch, loop_errors: list[dict[str, Any]]
) -> None:
    monkeypatch.setattr(terminal_module, "SECONDS_PER_USER", 0.0)
    plain.terminal.command_timeout = SHORT
    with pytest.raises(CommandTimeoutError, match="did not complete user update in time") as err:
        await plain.terminal.set_users([User(user_id="1")])
    assert err.value.still_queued is True
    del err
    await settle()
    gc.collect()
    assert loop_errors == []
    assert plain.terminal.diagnostics()["data_commands_queued"] == 2
    # The terminal gets them when it asks next.
    texts = [text for _, text in await plain.commands()]
    assert [text.split(" ", 3)[2] for text in texts] == ["user", "userauthorize"]
    await plain.report((1, 0), (2, 0))
    assert plain.terminal.diagnostics()["data_commands_queued"] == 0


async def test_set_users_refuses_invalid_users_before_queuing(controller: Device) -> None:
    with pytest.raises(InvalidRequestError, match="name must be on one line"):
        await controller.terminal.set_users([User(user_id="1"), User(user_id="2", name="a\tb")])
    assert await controller.commands() == []


async def test_set_users_of_an_attendance_terminal(attendance: Device) -> None:
    users = [
        User(user_id="5", name="Ann", cards=("42",)),
        User(user_id="6", privilege=Privilege.ADMIN),
    ]
    assert await obey(attendance, attendance.terminal.set_users(users)) == [
        "DATA UPDATE USERINFO PIN=5\tName=Ann\tPri=0\tPasswd=\tCard=42\tGrp=1\tTZ=0000000000000000",
        "DATA UPDATE USERINFO PIN=6\tName=\tPri=14\tPasswd=\tCard=\tGrp=1\tTZ=0000000000000000",
    ]
    with pytest.raises(InvalidRequestError, match="cannot disable a user"):
        await attendance.terminal.set_users([User(user_id="7", enabled=False)])


async def test_delete_some_users(controller: Device) -> None:
    assert await obey(controller, controller.terminal.delete_users(["1", "2"])) == [
        "DATA DELETE userauthorize Pin=1\nPin=2",
        "DATA DELETE mulcarduser Pin=1\nPin=2",
        "DATA DELETE biophoto PIN=1\nPIN=2",
        "DATA DELETE biodata Pin=1\nPin=2",
        "DATA DELETE user Pin=1\nPin=2",
    ]


async def test_delete_everyone(plain: Device) -> None:
    assert await obey(plain, plain.terminal.delete_users(None)) == [
        "DATA DELETE userauthorize *",
        "DATA DELETE user *",
    ]


async def test_delete_nobody_sends_nothing(plain: Device) -> None:
    await plain.terminal.delete_users([])
    assert await plain.commands() == []


async def test_delete_failure_names_the_users(plain: Device) -> None:
    task, commands = await issue(plain, plain.terminal.delete_users(["3"]))
    await plain.report(*((number, -12) for number, _ in commands))
    with pytest.raises(UserWriteError) as err:
        await task
    assert err.value.failures == {"3": "command execution error [code -12]"}


async def test_delete_users_of_an_attendance_terminal(attendance: Device) -> None:
    assert await obey(attendance, attendance.terminal.delete_users(["5"])) == [
        "DATA DELETE USERINFO PIN=5"
    ]


async def test_delete_everyone_on_an_attendance_terminal(attendance: Device) -> None:
    # USERINFO has no "everyone": list the users, then delete each.
    task, commands = await issue(attendance, attendance.terminal.delete_users(None))
    assert [text for _, text in commands] == ["DATA QUERY USERINFO"]
    await attendance.upload("OPERLOG", "USER PIN=5\tName=Ann\nUSER PIN=6\tName=Bo")
    await attendance.report((commands[0][0], 0))
    deletions = await attendance.commands()
    assert [text for _, text in deletions] == [
        "DATA DELETE USERINFO PIN=5",
        "DATA DELETE USERINFO PIN=6",
    ]
    await attendance.report(*((number, 0) for number, _ in deletions))
    await task


def test_results_name_the_users_of_each_failed_command() -> None:
    batches = [("DATA UPDATE user", ["1", "2"]), ("DATA UPDATE user", ["3"]), ("DATA", ["2", "4"])]
    raise_for_results(batches, [0, 0, 0])
    with pytest.raises(UserWriteError) as err:
        raise_for_results(
            batches, [0, DeviceError(-1003, "full"), CommandTimeoutError("command 3: no result")]
        )
    assert err.value.failures == {
        "3": "full [code -1003]",
        "2": "device did not complete command 3: no result in time",
        "4": "device did not complete command 3: no result in time",
    }
    with pytest.raises(TerminalClosedError):
        raise_for_results(batches, [0, TerminalClosedError("unloaded"), 0])


# -- counting the tables after a write ---------------------------------------------------------


async def test_a_write_is_followed_by_table_counts(controller: Device) -> None:
    """The terminal counts users, records and templates; the answers become its usage."""
    await obey(controller, controller.terminal.set_users([User(user_id="1")]))
    counts = await controller.commands()
    assert [text for _, text in counts] == [
        "DATA COUNT user",
        "DATA COUNT transaction",
        "DATA COUNT biodata Type=1",
        "DATA COUNT biodata Type=9",
        "DATA COUNT biodata Type=8",
    ]
    answers = ["user=3", "transaction=12", "biodata=4", "biodata=2", "biodata=x"]
    for (number, text), answer in zip(counts, answers, strict=True):
        table = text.split(" ")[2]
        reply = await controller.send(
            Endpoint.QUERYDATA, answer, type="count", cmdid=str(number), tablename=table
        )
        assert reply.text == "OK"
    await controller.report(*((number, 0) for number, _ in counts))
    usage = controller.terminal.info.usage
    assert (usage["users"].used, usage["logs"].used) == (3, 12)
    assert (usage["fingerprints"].used, usage["faces"].used) == (4, 2)
    # Not a count: refused and noted, the usage keeps what it had.
    assert controller.terminal.problems.counts["table count"] == 1
    # A count nobody asked for changes nothing.
    await controller.send(
        Endpoint.QUERYDATA, "user=99", type="count", cmdid="999", tablename="user"
    )
    assert controller.terminal.info.usage["users"].used == 3


async def test_counts_of_the_older_tables_and_a_newer_count_supersedes(plain: Device) -> None:
    await plain.send(Endpoint.REGISTRY, PLAIN + ",~ZKFPVersion=10")
    await obey(plain, plain.terminal.delete_users(["1"]))
    # The first counts go out with the second deletion, which asks for its own.
    second = await obey(plain, plain.terminal.delete_users(["2"]))
    assert "DATA DELETE templatev10 Pin=2" in second
    assert "DATA COUNT templatev10" in second
    texts = [text for _, text in await plain.commands()]
    assert texts == ["DATA COUNT user", "DATA COUNT transaction", "DATA COUNT templatev10"]
    # Only the newest count of each table is waited for.
    assert sorted(plain.terminal._counts.values()) == ["FPCount", "TransactionCount", "UserCount"]


async def test_no_counts_after_a_write_the_terminal_never_ran(
    plain: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commands_module, "RESEND_AFTER", 0.0)
    task, _ = await issue(plain, plain.terminal.delete_users(["1"]))
    for _ in range(3):
        await plain.commands()
    with pytest.raises(UserWriteError):
        await task
    assert await plain.commands() == []


def test_faces_kept_as_photos_only_are_counted_as_photos() -> None:
    caps = Capabilities.from_options(
        {"MultiBioDataSupport": "0:1", "MultiBioPhotoSupport": "0:0:0:0:0:0:0:0:0:1"},
        attendance=False,
    )
    assert count_commands(caps)[2:] == [
        ("DATA COUNT biodata Type=1", "FPCount"),
        ("DATA COUNT biophoto Type=9", "FaceCount"),
    ]
