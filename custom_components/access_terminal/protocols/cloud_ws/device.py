"""What a cloud WebSocket terminal says about itself: `reg` devinfo and `getdevcap` answers.

specs/002_c663bad8f76a6161.txt, "Register" and "Get device information": capacities (`usersize`,
`fpsize`...) and usage (`useduser`, `usedfp`...) of each kind of storage, model and firmware.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..fields import read_count, read_text
from ..model import Family, Feature, TerminalInfo, Usage

# Usage key of TerminalInfo: (used field, capacity field).
_USAGE_FIELDS = {
    "users": ("useduser", "usersize"),
    "faces": ("usedface", "facesize"),
    "fingerprints": ("usedfp", "fpsize"),
    "palms": ("usedpalm", "palmsize"),
    "cards": ("usedcard", "cardsize"),
    "passwords": ("usedpwd", "pwdsize"),
    "logs": ("usedlog", "logsize"),
}
# A terminal with room for these has the matching reader.
_CAPACITY_FEATURES = {
    "faces": Feature.FACE,
    "fingerprints": Feature.FINGERPRINT,
    "palms": Feature.PALM,
    "cards": Feature.CARD,
    "passwords": Feature.PASSWORD,
}


def info_from_fields(
    serial: str, fields: Mapping[str, Any], previous: TerminalInfo | None = None
) -> TerminalInfo:
    """Merge what a `reg` devinfo or a `getdevcap` answer says into the terminal's info."""
    info = previous or TerminalInfo(serial=serial, family=Family.CLOUD_WS)
    usage = dict(info.usage)
    features = set(info.features)
    for key, (used_field, size_field) in _USAGE_FIELDS.items():
        used, size = read_count(fields.get(used_field)), read_count(fields.get(size_field))
        if used is None and size is None:
            continue
        usage[key] = Usage(used, size)
        if (feature := _CAPACITY_FEATURES.get(key)) is not None and size is not None:
            if size > 0:
                features.add(feature)
            else:
                features.discard(feature)
    return replace(
        info,
        model=read_text(fields.get("modelname")) or info.model,
        firmware=read_text(fields.get("firmware")) or info.firmware,
        usage=usage,
        features=frozenset(features),
    )
