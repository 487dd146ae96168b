"""The Webserver + JSON door status (`getdoorstatus`): 0 closed, 1 open, anything else unknown."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.access_terminal.protocols.webjson.records import (
    LOCK_NORMAL,
    door_from_status,
)


@pytest.mark.parametrize(
    ("answer", "is_open"),
    [
        ({"status": 1}, True),
        ({"status": 0}, False),
        ({"doorstatus": "1"}, True),
        ({"state": 0}, False),
        # Out of the document's range, or no number: the contact is not known (never "closed").
        ({"status": 7}, None),
        ({"status": -1}, None),
        ({"status": "open"}, None),
        ({"status": [1]}, None),
        ({"status": 1.5}, None),
        ({"status": None}, None),
        ({}, None),
    ],
)
def test_door_status(answer: dict[str, Any], is_open: bool | None) -> None:
    assert door_from_status({"ret": "getdoorstatus", **answer}, LOCK_NORMAL).is_open is is_open
