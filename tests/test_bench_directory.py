"""A small run of the directory benchmark (scripts/bench --phases directory runs 10,000 people).

Fifty people on one terminal of each family: the counts the benchmark reports must hold (each
person written once, never fewer exchanges than the protocol's minimum, and one changed person
written once to each terminal that holds them, to no other). Not timed.
"""

from __future__ import annotations

import argparse

from homeassistant.core import HomeAssistant
import pytest

from scripts.bench_directory import broken, measure_directory, report_directory

from .helpers import TestClient


@pytest.fixture
def expected_lingering_timers() -> bool:
    """Allow the schedule helpers' own timers (set for their next block) to outlive the test."""
    return True


@pytest.mark.usefixtures("socket_enabled")
async def test_the_directory_benchmark_counts(hass: HomeAssistant, client: TestClient) -> None:
    args = argparse.Namespace(people=50, terminals=5, poll=0.02, verbose=True)
    base = str(client.make_url("")).rstrip("/")
    rows = await measure_directory(hass, base, client.session, args)
    report = "\n".join(report_directory(rows, args))
    assert sorted(row["family"] for row in rows) == sorted(
        ["httpv2", "zk_push", "cloud_ws", "webjson", "control_api"]
    ), report
    assert broken(rows) == [], report
    # A write to a terminal that does not hold the person breaks the rule (exit status 1).
    assert broken([{**rows[3], "change_writes": 1}]) == [rows[3]["serial"]]
    assert [row["holds_changed"] for row in rows] == [True, True, True, False, False], report
    for row in rows:
        assert row["held"] in (33, 34), report  # Staff and one of the two scheduled levels
        assert row["first_people_written"] == row["held"], report
        assert row["first_written_twice"] == 0, report
        assert row["first_table_writes"] == 1, report
        assert row["first_exchanges"] >= row["minimum"], report
        assert row["change_exchanges"] >= row["change_minimum"], report
