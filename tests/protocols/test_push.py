"""Tests of the push kit: record delivery, command deadlines and listings uploaded row by row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
import gc
import logging
from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import (
    CommandTimeoutError,
    DeviceError,
    UnreachableError,
)
from custom_components.access_terminal.protocols.model import (
    AccessEvent,
    EventType,
    Family,
    Record,
)
from custom_components.access_terminal.protocols.push import (
    Listing,
    PushTerminal,
    await_result,
    await_results,
    gather_results,
)

from .common import RecordingListener

SHORT = 0.05


class Waiters:
    """Commands waiting for the device, as a family keeps them: an answer finds its waiter."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[str]] = {}

    def add(self, number: int) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.waiting[number] = future
        return future

    def withdraw(self, number: int) -> None:
        self.waiting.pop(number, None)

    def answer(self, number: int, result: str) -> bool:
        """Resolve a command's waiter; False when nobody waits (a late answer is dropped)."""
        future = self.waiting.pop(number, None)
        if future is None or future.done():
            return False
        future.set_result(result)
        return True


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Collect what asyncio reports as unhandled (never-retrieved errors, ...)."""
    errors: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield errors
    loop.set_exception_handler(previous)


# -- one command ---------------------------------------------------------------------------


async def test_a_result_in_time_is_returned_and_nothing_withdrawn() -> None:
    waiters = Waiters()
    future = waiters.add(1)
    withdrawn: list[int] = []
    asyncio.get_running_loop().call_soon(waiters.answer, 1, "done")

    result = await await_result(
        future, "door command", within=5, withdraw=lambda: withdrawn.append(1)
    )

    assert result == "done"
    assert withdrawn == []


async def test_a_command_not_answered_in_time_is_withdrawn() -> None:
    waiters = Waiters()
    future = waiters.add(1)

    with pytest.raises(CommandTimeoutError) as caught:
        await await_result(
            future, "door command", within=SHORT, withdraw=lambda: waiters.withdraw(1)
        )

    assert caught.value.what == "door command"
    assert caught.value.still_queued is False
    assert "door command" in str(caught.value)
    assert waiters.waiting == {}
    assert future.cancelled()


async def test_a_late_result_is_dropped() -> None:
    waiters = Waiters()
    future = waiters.add(7)
    with pytest.raises(CommandTimeoutError):
        await await_result(
            future, "door command", within=SHORT, withdraw=lambda: waiters.withdraw(7)
        )

    assert waiters.answer(7, "too late") is False
    assert future.cancelled()


async def test_a_timeout_without_withdraw_still_fails_and_cancels_the_wait() -> None:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    with pytest.raises(CommandTimeoutError) as caught:
        await await_result(future, "time setting", within=SHORT, still_queued=True)

    assert caught.value.still_queued is True
    assert future.cancelled()  # whoever delivers it later sees nobody waits


async def test_a_device_error_reaches_the_caller_without_a_withdraw() -> None:
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    future.set_exception(DeviceError(-1002, "refused"))
    withdrawn: list[bool] = []

    with pytest.raises(DeviceError):
        await await_result(
            future, "door command", within=5, withdraw=lambda: withdrawn.append(True)
        )

    assert withdrawn == []


async def test_a_coroutine_is_waited_for_as_a_whole() -> None:
    """Connecting and sending count against the same deadline as the answer."""
    steps: list[str] = []

    async def exchange() -> str:
        steps.append("connected")
        await asyncio.sleep(SHORT / 2)
        steps.append("sent")
        await asyncio.sleep(3600)
        return "never"

    with pytest.raises(CommandTimeoutError):
        await await_result(exchange(), "user write", within=SHORT)

    assert steps == ["connected", "sent"]


# -- many commands -------------------------------------------------------------------------


async def test_results_of_many_commands_in_order_with_their_errors() -> None:
    loop = asyncio.get_running_loop()
    futures: list[asyncio.Future[int]] = [loop.create_future() for _ in range(3)]
    futures[2].set_result(0)
    futures[0].set_result(5)
    futures[1].set_exception(DeviceError(-3, "full"))

    results = await await_results(futures, "user update", within=5, forget=lambda: None)

    assert results[0] == 5
    assert isinstance(results[1], DeviceError)
    assert results[2] == 0


async def test_many_commands_past_the_deadline_stay_queued() -> None:
    loop = asyncio.get_running_loop()
    futures: list[asyncio.Future[int]] = [loop.create_future() for _ in range(2)]
    futures[0].set_result(0)
    forgotten: list[bool] = []

    with pytest.raises(CommandTimeoutError) as caught:
        await await_results(
            futures, "user update", within=SHORT, forget=lambda: forgotten.append(True)
        )

    assert caught.value.still_queued is True
    assert forgotten == [True]
    # The queue still holds the second command: its future outlives the wait.
    assert not futures[1].cancelled()
    futures[1].set_result(0)


async def test_no_commands_means_no_wait() -> None:
    assert await gather_results([]) == []
    assert await await_results([], "user deletion", within=SHORT, forget=lambda: None) == []


# -- listings ------------------------------------------------------------------------------


async def test_a_listing_returns_its_outcome() -> None:
    listing = Listing()
    outcome: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(outcome.set_result, ["1", "2"])

    assert await listing.wait(outcome, "user listing", silence=5) == ["1", "2"]


async def test_rows_arriving_move_the_deadline() -> None:
    """Rows keep coming for six times the silence allowed: the listing is waited for."""
    listing = Listing()
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def upload() -> None:
        for _ in range(12):
            await asyncio.sleep(SHORT / 2)
            listing.arrived()
        outcome.set_result("complete")

    uploading = asyncio.create_task(upload())
    assert await listing.wait(outcome, "user listing", silence=SHORT * 2) == "complete"
    await uploading


async def test_a_quiet_listing_fails_and_its_outcome_is_cancelled(
    loop_errors: list[dict[str, Any]],
) -> None:
    listing = Listing()
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    with pytest.raises(CommandTimeoutError) as caught:
        await listing.wait(outcome, "user listing", silence=SHORT)

    assert caught.value.what == "user listing"
    assert caught.value.still_queued is False
    assert outcome.cancelled()
    assert loop_errors == []


async def test_a_listing_given_up_on_leaves_no_unretrieved_error(
    loop_errors: list[dict[str, Any]],
) -> None:
    """The outcome of a listing of several queries is a gather: it must end quietly."""
    loop = asyncio.get_running_loop()
    futures: list[asyncio.Future[int]] = [loop.create_future() for _ in range(2)]

    with pytest.raises(CommandTimeoutError):
        await Listing().wait(gather_results(futures), "user listing", silence=SHORT)

    futures[0].set_exception(DeviceError(-1, "late"))
    futures[1].set_result(0)
    for _ in range(5):
        await asyncio.sleep(0)
    gc.collect()  # an error nobody took is reported when its future goes
    assert loop_errors == []


async def test_a_listing_that_failed_raises_its_error() -> None:
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    outcome.set_exception(DeviceError(-1, "no such table"))

    with pytest.raises(DeviceError):
        await Listing().wait(outcome, "user listing", silence=5)


async def test_a_listing_starts_its_clock_when_made() -> None:
    listing = Listing()
    await asyncio.sleep(SHORT)
    assert listing.quiet_for() >= SHORT
    listing.arrived()
    assert listing.quiet_for() < SHORT


async def test_a_listing_already_quiet_too_long_fails_at_once() -> None:
    listing = Listing(last_arrival=0.0)
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    with pytest.raises(CommandTimeoutError):
        await listing.wait(outcome, "user listing", silence=SHORT)
    assert outcome.cancelled()


# -- the terminal --------------------------------------------------------------------------


class Terminal(PushTerminal):
    family = Family.HTTPV2


def make() -> tuple[Terminal, RecordingListener]:
    listener = RecordingListener()
    return Terminal("SN1", listener, authorizer=None, command_timeout=30), listener


RECORD = Record(
    (AccessEvent(type=EventType.ACCESS_GRANTED, time=datetime(2024, 5, 1, tzinfo=UTC)),)
)


async def test_delivered_records_reach_the_listener() -> None:
    terminal, listener = make()

    assert await terminal.deliver([RECORD]) == [RECORD]  # new and live: may move a door
    assert listener.received == [RECORD]
    assert terminal.command_timeout == 30
    assert terminal.authorizer is None


async def test_a_failing_listener_makes_delivery_fail(caplog: pytest.LogCaptureFixture) -> None:
    terminal, listener = make()
    listener.fail = True

    assert await terminal.deliver([RECORD]) is None
    assert listener.received == []
    assert "Could not handle records from SN1" in caplog.text
    assert any(record.levelno == logging.ERROR and record.exc_info for record in caplog.records)


async def test_background_work_failures_are_logged_not_raised(
    caplog: pytest.LogCaptureFixture, loop_errors: list[dict[str, Any]]
) -> None:
    caplog.set_level(logging.INFO)
    terminal, _ = make()

    async def unreachable() -> None:
        raise UnreachableError("gone")

    async def bug() -> None:
        raise ZeroDivisionError

    first = terminal.spawn(unreachable, "log backfill")
    second = terminal.spawn(bug, "keep-alive")
    assert first.get_name() == "SN1 log backfill"
    await asyncio.gather(first, second)

    assert "Terminal SN1: log backfill stopped: gone" in caplog.text
    assert "Terminal SN1: keep-alive failed" in caplog.text
    assert terminal._tasks == set()
    assert loop_errors == []


async def test_background_work_cancelled_before_it_runs_never_starts() -> None:
    terminal, _ = make()
    started: list[bool] = []

    async def work() -> None:
        started.append(True)

    task = terminal.spawn(work, "close the socket")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert started == []
    assert terminal._tasks == set()
