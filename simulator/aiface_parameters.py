"""The terminal and access parameters of a simulated AiFace terminal (cloud, Webserver + JSON).

specs/002_c663bad8f76a6161.txt, "Set terminal parameter" (`setdevinfo`) and "Set the access
parameter" (`setdevlock`): every item is optional, the ones given change and the others stay.
The day and week zones of `setdevlock` are kept by access_rules.AiFaceZones, not here. Keys are
matched whatever their case (the Webserver + JSON document writes `VOLUME`, the cloud one
`volume`) and kept as the terminal first spelled them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What a terminal out of the box has (the document's defaults where it gives one).
TERMINAL_DEFAULTS: Mapping[str, Any] = {
    "deviceid": 1,
    "language": 0,
    "volume": 6,
    "screensaver": 0,
    "verifymode": 0,
    "sleep": 0,
    "userfpnum": 3,
    "loghint": 1000,
    "reverifypm": 0,
}
ACCESS_DEFAULTS: Mapping[str, Any] = {
    "opendelay": 5,
    "doorsensor": 0,
    "alarmdelay": 0,
    "threat": 0,
    "InputAlarm": 0,
    "antpass": 0,
    "interlock": 0,
    "mutiopen": 0,
    "tryalarm": 0,
    "tamper": 0,
    "wgformat": 0,
    "wgoutput": 0,
    "cardoutput": 0,
    "access_times": 0,
    "punchtimes": 0,
    "lockgroup": [],
}
# Keys of a request that are no parameter (the zones belong to AiFaceZones).
_NOT_PARAMETERS = frozenset({"cmd", "password", "sn", "dayzone", "weekzone"})
# The largest value of each number the terminal takes (the document's ranges).
_LARGEST = {"volume": 10, "screensaver": 255, "userfpnum": 10, "reverifypm": 255, "tryalarm": 10}


class Parameters:
    """One parameter document: what `get...` answers, changed item by item by `set...`."""

    def __init__(self, defaults: Mapping[str, Any], *, capitals: bool = False) -> None:
        """Start from `defaults` (spelled in capitals if `capitals`)."""
        self.values: dict[str, Any] = {
            (key.upper() if capitals else key): value for key, value in defaults.items()
        }

    def _spelled(self, key: str) -> str:
        return next((known for known in self.values if known.lower() == key.lower()), key)

    def get(self, key: str) -> Any:
        """Return an item, whatever the case of `key`."""
        return self.values.get(self._spelled(key))

    def update(self, request: Mapping[str, Any]) -> bool:
        """Take the items of a `set...` request; refuse all of them if one is not a value."""
        items = {k: v for k, v in request.items() if k.lower() not in _NOT_PARAMETERS}
        if not all(_valid(key.lower(), value) for key, value in items.items()):
            return False
        for key, value in items.items():
            self.values[self._spelled(key)] = int(value) if isinstance(value, bool) else value
        return True


_KNOWN = frozenset(key.lower() for key in (*TERMINAL_DEFAULTS, *ACCESS_DEFAULTS))


def _valid(key: str, value: Any) -> bool:
    if key == "lockgroup":
        return isinstance(value, list) and all(
            isinstance(item, dict) and isinstance(item.get("group"), int) for item in value
        )
    if key not in _KNOWN:  # NETIPADDRESS and the like: kept as they are
        return True
    return isinstance(value, int) and 0 <= value <= _LARGEST.get(key, 65535)
