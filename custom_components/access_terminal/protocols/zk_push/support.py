"""What a Security PUSH controller says it is and supports, from its registry (section 7.4).

`EventTypes` is a bitmap of the Appendix 2 event codes the firmware writes (32 bytes, the low bit
of each byte first); `VerifyStyles` one of the Appendix 3 verification modes it offers (32 bits,
the high bit of the first byte is mode 0); `MachineType` a number of Appendix 7. Values that are
not such bitmaps are refused at the boundary (device.refused_options) and the terminal is then
taken to support everything, as before it said anything.
"""

from __future__ import annotations

from collections.abc import Mapping
import re

from ..codec import optional_int
from ..model import OPTIONAL_EVENT_TYPES, EventType
from .codes import EVENT_CODES

EVENT_TYPES_BYTES = 32
VERIFY_STYLES_BYTES = 4
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")

# Appendix 7: the controller models of MachineType (101 and above are terminal kinds).
MACHINE_TYPES: dict[int, str] = {
    1: "C3-200",
    2: "C3-400",
    3: "C4-400",
    4: "C3-100",
    5: "C4-200 / inBio280",
    6: "C4 (four-door as two-door)",
    7: "C3 (four-door as two-door)",
    8: "C3-160 / inBio160",
    9: "C3-260 / inBio260",
    10: "C3-460 / inBio460",
    23: "C5-100",
    24: "C5-200",
    25: "C5-400",
    26: "inBio5-100",
    27: "inBio5-200",
    28: "inBio5-400",
    40: "BioIR9000",
    101: "PULL SDK device",
    102: "Finger vein terminal",
    103: "iFace7",
    301: "Wireless lock",
}

# Controllers (Appendix 7 up to the BioIR9000) take firmware as base64 (section 12.4.1, method 1).
_BASE64_UPGRADE_UP_TO = 40

# The optional event types an rtlog code can carry (a doorbell, a fire input, an aux input).
_OPTIONAL_BY_CODE: dict[int, frozenset[EventType]] = {
    code: kinds
    for code, meanings in EVENT_CODES.items()
    if (kinds := frozenset(m.type for m in meanings) & OPTIONAL_EVENT_TYPES)
}
_RTLOG_OPTIONAL = frozenset().union(*_OPTIONAL_BY_CODE.values())
# Optional events that come as tables of their own (identitycard, errorlog): no code announces them.
_TABLE_OPTIONAL = frozenset({EventType.ID_CARD_READ, EventType.DEVICE_ERROR})
# Every optional event a ZK terminal can send (until it says which codes it has).
ZK_OPTIONAL_EVENT_TYPES = _RTLOG_OPTIONAL | _TABLE_OPTIONAL


def is_bitmap(value: str, size: int) -> bool:
    """Return True if `value` is hex of whole bytes, at most `size` of them."""
    text = value.strip()
    return not text or (bool(_HEX.fullmatch(text)) and len(text) <= 2 * size)


def _positions(value: str | None, size: int, *, low_bit_first: bool) -> frozenset[int] | None:
    """Read a hex bitmap into the positions set in it; None when absent or not a bitmap."""
    if value is None or not value.strip() or not is_bitmap(value, size):
        return None
    data = bytes.fromhex(value.strip())
    return frozenset(
        index * 8 + bit
        for index, byte in enumerate(data)
        for bit in range(8)
        if byte >> (bit if low_bit_first else 7 - bit) & 1
    )


def supported_events(options: Mapping[str, str]) -> frozenset[int] | None:
    """Return the Appendix 2 codes the terminal writes (None: it did not say)."""
    return _positions(options.get("EventTypes"), EVENT_TYPES_BYTES, low_bit_first=True)


def supported_verify_modes(options: Mapping[str, str]) -> frozenset[int] | None:
    """Return the Appendix 3 verification modes the terminal offers (None: it did not say)."""
    return _positions(options.get("VerifyStyles"), VERIFY_STYLES_BYTES, low_bit_first=False)


def optional_event_types(options: Mapping[str, str]) -> frozenset[EventType]:
    """Return the optional event types the terminal can send (every one until it says).

    A doorbell, fire input, auxiliary input, normal-open period or emergency mode exists where
    EventTypes has one of its codes; ID card reads and error logs come as tables of their own,
    which no event code announces.
    """
    codes = supported_events(options)
    if codes is None:
        return ZK_OPTIONAL_EVENT_TYPES
    announced = frozenset().union(*(_OPTIONAL_BY_CODE.get(code, ()) for code in codes))
    return _TABLE_OPTIONAL | announced


def machine_model(options: Mapping[str, str]) -> str | None:
    """Return the Appendix 7 model of MachineType (None: not a type the document lists)."""
    number = optional_int(options.get("MachineType"))
    return None if number is None else MACHINE_TYPES.get(number)


def upgrades_in_base64(options: Mapping[str, str]) -> bool:
    """Return True for a controller, which downloads its firmware base64-encoded (method 1)."""
    number = optional_int(options.get("MachineType"))
    return number is not None and number in MACHINE_TYPES and number <= _BASE64_UPGRADE_UP_TO
