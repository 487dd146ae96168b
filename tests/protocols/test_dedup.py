"""The record ledger: what was handled, per stream, across re-sends and device resets."""

from __future__ import annotations

import json

from custom_components.access_terminal.protocols.dedup import (
    CURSOR_AHEAD,
    UNORDERED_WINDOW,
    WINDOW,
    RecordLedger,
)

DAY = 1_718_600_000
NOW = DAY + 10 * 86400  # Home Assistant's clock: every record above is in its past


def test_new_records_pass_and_repeats_do_not() -> None:
    ledger = RecordLedger()
    for number in range(1, 1001):
        assert not ledger.handled("door", number, DAY + number)
        ledger.remember("door", number, DAY + number, now=NOW)
    # The whole batch sent again (far more than the window holds): all recognised.
    assert not any(ledger.handled("door", n, DAY + n) for n in range(1001, 1002))
    assert all(ledger.handled("door", number, DAY + number) for number in range(1, 1001))


def test_streams_are_independent() -> None:
    ledger = RecordLedger()
    ledger.remember("door", 5, DAY, now=NOW)
    assert not ledger.handled("system", 5, DAY)
    assert not ledger.handled("identify", 1, DAY)


def test_a_cleared_device_counts_again_with_later_dates() -> None:
    ledger = RecordLedger()
    ledger.remember("identify", 900, DAY, now=NOW)
    assert not ledger.handled("identify", 1, DAY + 60)
    ledger.remember("identify", 1, DAY + 60, now=NOW)
    assert not ledger.handled("identify", 2, DAY + 61)
    assert ledger.handled("identify", 1, DAY + 60)


def test_clock_set_back_does_not_hide_new_records() -> None:
    ledger = RecordLedger()
    ledger.remember("identify", 10, DAY, now=NOW)
    assert not ledger.handled("identify", 11, DAY - 3600)  # a higher number is always new
    ledger.remember("identify", 11, DAY - 3600, now=NOW)
    assert ledger.handled("identify", 11, DAY - 3600)  # and its repeat is caught by the window


def test_out_of_order_records_within_the_window() -> None:
    ledger = RecordLedger()
    ledger.remember("identify", 7, DAY + 7, now=NOW)
    assert not ledger.handled("identify", 8, DAY + 5)
    ledger.remember("identify", 8, DAY + 5, now=NOW)
    assert ledger.handled("identify", 8, DAY + 5)


def test_records_without_a_date_rely_on_the_window() -> None:
    ledger = RecordLedger()
    ledger.remember("door", 3, 0, now=NOW)
    assert ledger.handled("door", 3, 0)
    assert not ledger.handled("door", 2, 0)  # no date: the cursor cannot vouch for it
    for number in range(10, 10 + WINDOW):
        ledger.remember("door", number, 0, now=NOW)
    assert not ledger.handled("door", 3, 0)  # left the window


def test_export_restore_round_trip_with_large_numbers() -> None:
    ledger = RecordLedger()
    ledger.remember("auth", 1_718_616_771_001, DAY, now=NOW)  # authorization ids are milliseconds
    ledger.remember("door", 4, DAY, now=NOW)
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


def test_a_single_absurd_record_cannot_blind_the_cursor() -> None:
    # ZK: a record numbered 4294967295 dated 2099; HTTPv2: RecordID 2**53 - 2 dated 4102444799.
    for stream, absurd in (("rtlog", 4_294_967_295), ("identify", 2**53 - 2)):
        ledger = RecordLedger()
        ledger.remember(stream, 10, NOW - 60, now=NOW)
        assert not ledger.remember(stream, absurd, 4_102_444_799, now=NOW)  # said so
        assert ledger.handled(stream, absurd, 4_102_444_799)  # its repeat: the window
        # Later normal records are new.
        assert not ledger.handled(stream, 11, NOW)
        ledger.remember(stream, 11, NOW, now=NOW)
        assert ledger.cursors[stream] == (11, NOW)


def test_the_cursor_follows_records_a_little_ahead_of_the_clock() -> None:
    ledger = RecordLedger()
    assert ledger.remember("rtlog", 5, NOW + CURSOR_AHEAD, now=NOW)
    assert ledger.cursors["rtlog"] == (5, NOW + CURSOR_AHEAD)
    assert not ledger.remember("rtlog", 6, NOW + CURSOR_AHEAD + 1, now=NOW)
    assert ledger.cursors["rtlog"] == (5, NOW + CURSOR_AHEAD)


def test_numbers_beyond_storage_are_not_remembered() -> None:
    ledger = RecordLedger()
    for number, date in ((2**64, DAY), (-1, DAY), (5, -1), (5, 10**10)):
        assert ledger.remember("rtlog", number, date, now=NOW)
        assert not ledger.handled("rtlog", number, date)
    assert ledger.export() == {"cursors": {}, "windows": {}, "spans": {}}
    json.dumps(ledger.export())


def test_a_whole_log_sent_again_is_recognised_when_late() -> None:
    # An attendance terminal re-sends 3000 punches (128 a request), far more than the window.
    ledger = RecordLedger()
    punches = [(n * 7919 % 2**31, DAY + n * 60) for n in range(3000)]
    for start in range(0, len(punches), 128):
        batch = punches[start : start + 128]
        for identity, date in batch:
            assert not ledger.handled("attlog", identity, date, ordered=False, late=True)
            ledger.remember("attlog", identity, date, ordered=False, now=NOW)
        ledger.covered("attlog", [date for _, date in batch])
    assert len(ledger.export()["windows"]["attlog"]) == UNORDERED_WINDOW
    assert all(
        ledger.handled("attlog", identity, date, ordered=False, late=True)
        for identity, date in punches
    )
    # A live punch is recognised by the window only: one made in an hour the clock went back
    # over (daylight saving time ends) is new.
    assert not ledger.handled("attlog", 42, DAY + 600, ordered=False, late=False)
    # A late punch dated after everything delivered is new.
    assert not ledger.handled("attlog", 43, DAY + 3000 * 60, ordered=False, late=True)


def test_spans_are_merged_and_bounded() -> None:
    ledger = RecordLedger()
    for n in range(200):
        ledger.covered("log", [DAY + n * 1000, DAY + n * 1000 + 10])
    spans = ledger.export()["spans"]["log"]
    assert len(spans) == 64
    assert spans[0][0] == DAY
    assert spans[-1][1] == DAY + 199 * 1000 + 10
    restored = RecordLedger()
    restored.restore(json.loads(json.dumps(ledger.export())))
    assert restored.export()["spans"] == ledger.export()["spans"]
    ledger.covered("log", [0, -5])  # no date: nothing
    assert len(ledger.export()["spans"]["log"]) == 64


def test_restore_drops_values_out_of_range() -> None:
    ledger = RecordLedger()
    ledger.restore(
        {
            "cursors": {"a": [2**64, DAY], "b": [1, DAY], "c": [True, DAY]},
            "windows": {"a": [[2**70, 1], [3, DAY]]},
            "spans": {"log": [[DAY, DAY + 10], [DAY, "x"], "y"], "x": "z"},
        }
    )
    assert ledger.cursors == {"b": (1, DAY)}
    assert ledger.handled("a", 3, DAY)
    assert ledger.export()["spans"] == {"log": [[DAY, DAY + 10]]}
