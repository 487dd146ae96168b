"""The record ledger: what was handled, per stream, across re-sends and device resets."""

from __future__ import annotations

import json

from custom_components.access_terminal.protocols.dedup import WINDOW, RecordLedger

DAY = 1_718_600_000


def test_new_records_pass_and_repeats_do_not() -> None:
    ledger = RecordLedger()
    for number in range(1, 1001):
        assert not ledger.handled("door", number, DAY + number)
        ledger.remember("door", number, DAY + number)
    # The whole batch sent again (far more than the window holds): all recognised.
    assert not any(ledger.handled("door", n, DAY + n) for n in range(1001, 1002))
    assert all(ledger.handled("door", number, DAY + number) for number in range(1, 1001))


def test_streams_are_independent() -> None:
    ledger = RecordLedger()
    ledger.remember("door", 5, DAY)
    assert not ledger.handled("system", 5, DAY)
    assert not ledger.handled("identify", 1, DAY)


def test_a_cleared_device_counts_again_with_later_dates() -> None:
    ledger = RecordLedger()
    ledger.remember("identify", 900, DAY)
    assert not ledger.handled("identify", 1, DAY + 60)
    ledger.remember("identify", 1, DAY + 60)
    assert not ledger.handled("identify", 2, DAY + 61)
    assert ledger.handled("identify", 1, DAY + 60)


def test_clock_set_back_does_not_hide_new_records() -> None:
    ledger = RecordLedger()
    ledger.remember("identify", 10, DAY)
    assert not ledger.handled("identify", 11, DAY - 3600)  # a higher number is always new
    ledger.remember("identify", 11, DAY - 3600)
    assert ledger.handled("identify", 11, DAY - 3600)  # and its repeat is caught by the window


def test_out_of_order_records_within_the_window() -> None:
    ledger = RecordLedger()
    ledger.remember("identify", 7, DAY + 7)
    assert not ledger.handled("identify", 8, DAY + 5)
    ledger.remember("identify", 8, DAY + 5)
    assert ledger.handled("identify", 8, DAY + 5)


def test_records_without_a_date_rely_on_the_window() -> None:
    ledger = RecordLedger()
    ledger.remember("door", 3, 0)
    assert ledger.handled("door", 3, 0)
    assert not ledger.handled("door", 2, 0)  # no date: the cursor cannot vouch for it
    for number in range(10, 10 + WINDOW):
        ledger.remember("door", number, 0)
    assert not ledger.handled("door", 3, 0)  # left the window


def test_export_restore_round_trip_with_large_numbers() -> None:
    ledger = RecordLedger()
    ledger.remember("auth", 1_718_616_771_001, DAY)  # authorization ids are milliseconds
    ledger.remember("door", 4, DAY)
    exported = json.loads(json.dumps(ledger.export()))
    restored = RecordLedger()
    restored.restore(exported)
    assert restored.handled("auth", 1_718_616_771_001, DAY)
    assert restored.handled("door", 4, DAY)
    assert restored.cursors == {"auth": (1_718_616_771_001, DAY), "door": (4, DAY)}


def test_restore_ignores_garbage() -> None:
    ledger = RecordLedger()
    garbage: list[object] = [
        None,
        [],
        {"cursors": {"a": [1]}},
        {"windows": {"a": [[1, "x"], 3, "y"]}},
    ]
    for data in garbage:
        ledger.restore(data)
    assert ledger.cursors == {}
    assert not ledger.handled("a", 1, 0)
