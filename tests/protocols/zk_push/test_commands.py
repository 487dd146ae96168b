"""Tests of the ZK PUSH command queue: handouts, limits, resends, results and persistence."""

from __future__ import annotations

import json

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    DeviceError,
    TerminalClosedError,
)
from custom_components.access_terminal.protocols.zk_push import commands
from custom_components.access_terminal.protocols.zk_push.commands import (
    MAX_BYTES,
    MAX_COMMANDS,
    CommandQueue,
    CommandResult,
    parse_results,
)


def lines(queue: CommandQueue) -> list[str]:
    return [command.line() for command in queue.handout()]


@pytest.fixture
def resend_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every handed-out command due again at once."""
    monkeypatch.setattr(commands, "RESEND_AFTER", 0.0)


async def test_ids_count_up_from_one() -> None:
    queue = CommandQueue()
    first = queue.add("DATA UPDATE user Pin=1", persistent=True)
    second = queue.add("CONTROL DEVICE 01010105", persistent=False)
    assert (first.id, second.id) == (1, 2)
    assert queue.next_id == 3
    assert len(queue) == 2
    assert queue.pending_data == 1


async def test_urgent_commands_go_before_data() -> None:
    queue = CommandQueue()
    queue.add("DATA UPDATE user Pin=1", persistent=True)
    queue.add("CONTROL DEVICE 01010105", persistent=False)
    queue.add("DATA UPDATE user Pin=2", persistent=True)
    assert lines(queue) == [
        "C:2:CONTROL DEVICE 01010105",
        "C:1:DATA UPDATE user Pin=1",
        "C:3:DATA UPDATE user Pin=2",
    ]
    # Handed out and waiting for their results: nothing to send.
    assert queue.handout() == []
    assert len(queue) == 3


async def test_at_most_twenty_commands_per_request() -> None:
    queue = CommandQueue()
    for number in range(MAX_COMMANDS + 5):
        queue.add(f"DATA UPDATE user Pin={number}", persistent=True)
    assert len(queue.handout()) == MAX_COMMANDS
    assert [command.id for command in queue.handout()] == [21, 22, 23, 24, 25]


async def test_at_most_64_kb_per_request() -> None:
    queue = CommandQueue()
    big = "x" * (MAX_BYTES // 3)
    for _ in range(4):
        queue.add(f"DATA UPDATE biophoto {big}", persistent=True)
    assert [command.id for command in queue.handout()] == [1, 2]
    assert [command.id for command in queue.handout()] == [3, 4]


async def test_an_oversized_command_still_goes_alone() -> None:
    queue = CommandQueue()
    queue.add("x" * (MAX_BYTES * 2), persistent=True)
    queue.add("DATA UPDATE user Pin=2", persistent=True)
    assert [command.id for command in queue.handout()] == [1]
    assert [command.id for command in queue.handout()] == [2]


@pytest.mark.usefixtures("resend_now")
async def test_data_commands_are_handed_out_again_then_fail() -> None:
    queue = CommandQueue()
    command = queue.add("DATA UPDATE user Pin=1", persistent=True)
    assert command.future is not None
    for handout in range(1, commands.MAX_HANDOUTS + 1):
        assert lines(queue) == ["C:1:DATA UPDATE user Pin=1"]
        assert command.handouts == handout
    # Three handouts without a result: the caller learns it, the command is dropped.
    assert queue.handout() == []
    with pytest.raises(CommandTimeoutError, match="command 1: no result after 3 tries"):
        await command.future
    assert len(queue) == 0


async def test_commands_in_flight_wait_for_resend_after() -> None:
    queue = CommandQueue()
    queue.add("DATA UPDATE user Pin=1", persistent=True)
    assert len(queue.handout()) == 1
    assert queue.handout() == []
    assert queue.handout() == []
    assert len(queue) == 1


@pytest.mark.usefixtures("resend_now")
async def test_urgent_commands_are_handed_out_once() -> None:
    queue = CommandQueue()
    command = queue.add("CONTROL DEVICE 01010105", persistent=False)
    assert command.future is not None
    assert lines(queue) == ["C:1:CONTROL DEVICE 01010105"]
    # A door must not open late: no second handout.
    assert queue.handout() == []
    with pytest.raises(CommandTimeoutError, match="command 1: no result after 1 tries"):
        await command.future


@pytest.mark.usefixtures("resend_now")
async def test_a_command_nobody_waits_for_is_dropped_quietly() -> None:
    queue = CommandQueue()
    queue.add("REBOOT", persistent=False, wait=False)
    assert len(queue.handout()) == 1
    assert queue.handout() == []
    assert len(queue) == 0


@pytest.mark.parametrize("code", [0, 3, 41])
async def test_result_zero_or_more_succeeds(code: int) -> None:
    queue = CommandQueue()
    command = queue.add("DATA QUERY tablename=user,fielddesc=*,filter=*", persistent=False)
    queue.handout()
    assert queue.result(1, code) is command
    assert command.future is not None
    assert await command.future == code
    assert len(queue) == 0
    # A second result for the same id is not ours any more.
    assert queue.result(1, 0) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (-1, "device error -1: failed to send the command"),
        (-629, "device error -629: incorrect table name"),
        (-5000, "device error -5000: error -5000"),
        # Repeated on the first handout: the terminal knew an id it never got from us.
        (-7, "device error -7: repeated command"),
    ],
)
async def test_result_below_zero_fails_readably(code: int, message: str) -> None:
    queue = CommandQueue()
    command = queue.add("DATA UPDATE user Pin=1", persistent=True)
    queue.handout()
    queue.result(1, code)
    assert command.future is not None
    with pytest.raises(DeviceError, match=message) as err:
        await command.future
    assert err.value.code == code


@pytest.mark.usefixtures("resend_now")
async def test_repeated_on_a_command_handed_out_again_is_success() -> None:
    queue = CommandQueue()
    command = queue.add("DATA UPDATE user Pin=1", persistent=True)
    queue.handout()
    queue.handout()  # our first result got lost: handed out again
    results: list[int] = []
    command.on_result = results.append
    queue.result(1, -7)
    assert command.future is not None
    assert await command.future == 0
    assert results == [0]


async def test_on_result_is_called_whether_or_not_anyone_waits() -> None:
    queue = CommandQueue()
    results: list[int] = []
    queue.add("ENROLL_BIO type=1", persistent=False, wait=False, on_result=results.append)
    queue.handout()
    queue.result(1, -27)
    assert results == [-27]


async def test_handed_resolves_when_the_terminal_takes_the_command() -> None:
    queue = CommandQueue()
    command = queue.add("CONTROL DEVICE 03000000", persistent=False, wait=False, handed=True)
    assert command.handed is not None
    assert command.future is None
    assert not command.handed.done()
    queue.handout()
    await command.handed


async def test_withdraw_drops_urgent_and_keeps_data_unwatched() -> None:
    queue = CommandQueue()
    door = queue.add("CONTROL DEVICE 01010105", persistent=False, handed=True)
    user = queue.add("DATA UPDATE user Pin=1", persistent=True)
    handed = door.handed
    queue.withdraw([door, user])
    assert handed is not None
    assert handed.cancelled()
    assert (door.future, door.handed, user.future) == (None, None, None)
    # The door command never goes out; the user is still written.
    assert lines(queue) == ["C:2:DATA UPDATE user Pin=1"]
    assert queue.pending_data == 1
    assert queue.result(2, -12) is user
    assert len(queue) == 0


async def test_fail_all_fails_callers_and_keeps_data() -> None:
    queue = CommandQueue()
    door = queue.add("CONTROL DEVICE 01010105", persistent=False)
    reboot = queue.add("CONTROL DEVICE 03000000", persistent=False, wait=False, handed=True)
    user = queue.add("DATA UPDATE user Pin=1", persistent=True)
    futures = [door.future, reboot.handed, user.future]
    queue.fail_all(TerminalClosedError("unloaded"))
    for future in futures:
        assert future is not None
        with pytest.raises(TerminalClosedError, match="unloaded"):
            await future
    assert len(queue) == 1
    assert lines(queue) == ["C:3:DATA UPDATE user Pin=1"]


async def test_render_at_handout_time() -> None:
    queue = CommandQueue()
    values = iter(["SET OPTIONS DateTime=1", "SET OPTIONS DateTime=2"])
    command = queue.add("SET OPTIONS DateTime", persistent=False, render=lambda: next(values))
    assert command.line() == "C:1:SET OPTIONS DateTime=1"
    assert command.line() == "C:1:SET OPTIONS DateTime=2"


async def test_export_and_restore_data_commands() -> None:
    queue = CommandQueue()
    queue.add("CONTROL DEVICE 01010105", persistent=False)
    queue.add("DATA UPDATE user Pin=1", persistent=True)
    queue.add("DATA DELETE user Pin=2", persistent=True)
    queue.handout()
    saved = json.loads(json.dumps(queue.export()))
    assert saved == {
        "next_id": 4,
        "commands": [[2, "DATA UPDATE user Pin=1", 1], [3, "DATA DELETE user Pin=2", 1]],
    }
    restored = CommandQueue()
    restored.restore(saved)
    assert restored.pending_data == 2
    # Ids never repeat after a restart.
    assert restored.add("CONTROL DEVICE 03000000", persistent=False).id == 4
    # Results of restored commands are taken (nobody waits for them any more).
    assert restored.result(2, 0) is not None
    assert restored.result(3, -1) is not None
    assert len(restored) == 1


@pytest.mark.usefixtures("resend_now")
async def test_restored_commands_keep_their_handout_count() -> None:
    queue = CommandQueue()
    queue.restore({"next_id": 9, "commands": [[8, "DATA UPDATE user Pin=1", 2]]})
    assert lines(queue) == ["C:8:DATA UPDATE user Pin=1"]
    assert queue.handout() == []
    assert len(queue) == 0


async def test_restore_skips_unreadable_entries() -> None:
    queue = CommandQueue()
    queue.add("CONTROL DEVICE 01010105", persistent=False)
    queue.add("CONTROL DEVICE 01010105", persistent=False)
    queue.restore(
        {
            "next_id": 1,  # lower than ours: ids still never repeat
            "commands": [
                [7, "DATA UPDATE user Pin=7", 0],
                ["8", "DATA UPDATE user Pin=8", 0],
                [9, None, 0],
                [10, "DATA UPDATE user Pin=10", "0"],
                [11, "DATA UPDATE user Pin=11"],
                "junk",
            ],
        }
    )
    assert queue.pending_data == 1
    assert queue.next_id == 8
    queue.restore({"next_id": "20", "commands": None})
    queue.restore({})
    assert queue.next_id == 8


def test_parse_results() -> None:
    text = (
        "ID=1&Return=0&CMD=DATA UPDATE\n"
        "ID=2&return=-629&CMD=DATA QUERY\r\n"
        "garbage\n"
        "\n"
        "ID=3&Return=&CMD=DATA\n"
        "ID=x&Return=0&CMD=DATA\n"
        "ID=4&amp;Return=41&amp;CMD=ACCOUNT\n"
        "ID=5&Return=2&CMD=ACCOUNT&transaction&StartTime=&EndTime=&RecordSum=2\n"
        "ID=6&Return=0\n"
        "ID=7&Return=0&CMD=CONTROL DEVICE&SN=SUB0001"
    )
    assert parse_results(text) == [
        CommandResult("1", 0, "DATA UPDATE"),
        CommandResult("2", -629, "DATA QUERY"),
        # Ids firmware makes up are read too (acknowledged, not ours: see `number`).
        CommandResult("x", 0, "DATA"),
        CommandResult("4", 41, "ACCOUNT"),
        CommandResult("5", 2, "ACCOUNT"),
        CommandResult("6", 0, ""),
        CommandResult("7", 0, "CONTROL DEVICE"),
    ]
    assert [result.number for result in parse_results(text)] == [1, 2, None, 4, 5, 6, 7]
    assert parse_results("") == []


def test_parse_results_of_real_firmware() -> None:
    # Several results with ids of the firmware's own in one body.
    assert parse_results("ID=info8487&Return=0&CMD=DATA\nID=info8488&Return=0&CMD=DATA\n") == [
        CommandResult("info8487", 0, "DATA"),
        CommandResult("info8488", 0, "DATA"),
    ]
    # One key per line, the shell's output after it.
    text = "ID=32\r\nReturn=0\r\nCMD=Shell\r\nContent=total 4\r\ndrwxr-xr-x 2 root\r\n"
    assert parse_results(text) == [CommandResult("32", 0, "Shell")]
    text = "ID=33\nReturn=-1002\nCMD=Shell\nID=34\nReturn=0\nCMD=DATA"
    assert parse_results(text) == [
        CommandResult("33", -1002, "Shell"),
        CommandResult("34", 0, "DATA"),
    ]


async def test_a_result_nobody_waits_for_is_only_logged(caplog: pytest.LogCaptureFixture) -> None:
    queue = CommandQueue()
    queue.add("REBOOT", persistent=False, wait=False)
    queue.handout()
    queue.result(1, -615)
    assert "Command 1 failed: restart failed (-615)" in caplog.text
