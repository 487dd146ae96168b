"""The registry of protocol families: one line per family, in the order people are offered them.

Adding a family: `protocols/<family>/` (the library), `families/<family>.py` (its `SPEC`),
`simulator/<family>.py`, its texts in `translations/`, its tests, and one line below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..protocols.model import Family
from . import cloud_ws, control_api, httpv2, webjson, zk_push
from .base import BuildContext, FamilySpec, PullConnection

__all__ = ["FAMILIES", "BuildContext", "FamilySpec", "PullConnection", "family_spec"]

FAMILIES: Final[Mapping[Family, FamilySpec]] = {
    spec.family: spec
    for spec in (
        httpv2.SPEC,
        zk_push.SPEC,
        cloud_ws.SPEC,
        webjson.SPEC,
        control_api.SPEC,
    )
}


def family_spec(family: object) -> FamilySpec | None:
    """Return the registered family called `family` (None for anything else)."""
    try:
        return FAMILIES.get(Family(str(family)))
    except ValueError:
        return None
