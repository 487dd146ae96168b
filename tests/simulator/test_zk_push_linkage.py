"""The simulated controller's linkage table: what it takes, refuses and which rules fire."""

from __future__ import annotations

import pytest

from simulator.zk_push_codec import ERR_PARAMETER, OK
from simulator.zk_push_linkage import LinkageTable, Rule

RULE = {"Index": "1", "EventType": "102", "InAddr": "1", "OutType": "1", "OutAddr": "1"}


def test_rules_fire_at_their_place_or_anywhere() -> None:
    table = LinkageTable()
    assert table.update({**RULE, "OutTime": "30"}) == OK
    assert table.update({**RULE, "Index": "2", "InAddr": "0", "OutTime": "255"}) == OK
    assert [rule.index for rule in table.fired(102, 1)] == [1, 2]
    assert table.fired(102, 2) == [Rule(2, 102, 0, 1, 1, 255)]
    assert table.fired(200, 1) == []
    assert table.delete("Index=1") == OK
    assert list(table.rules) == [2]
    assert table.delete("*") == OK
    assert table.rules == {}


@pytest.mark.parametrize(
    "changes",
    [
        {"Index": "0"},
        {"EventType": "x"},
        {"InAddr": "5"},
        {"OutType": "2"},
        {"OutAddr": "0"},
        {"OutTime": "256"},
        {"OutTime": ""},
    ],
)
def test_rules_the_firmware_cannot_read_are_refused(changes: dict[str, str]) -> None:
    table = LinkageTable()
    assert table.update({**RULE, "OutTime": "5", **changes}) == ERR_PARAMETER
    assert table.rules == {}


def test_a_deletion_names_a_rule_or_all() -> None:
    assert LinkageTable().delete("Pin=1") == ERR_PARAMETER
