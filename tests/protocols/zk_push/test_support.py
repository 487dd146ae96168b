"""Tests of what a controller says it supports: EventTypes, VerifyStyles, MachineType."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.model import (
    EventType,
    Feature,
)
from custom_components.access_terminal.protocols.zk_push.device import (
    info_from_options,
    refused_options,
)
from custom_components.access_terminal.protocols.zk_push.support import (
    ZK_OPTIONAL_EVENT_TYPES,
    machine_model,
    optional_event_types,
    supported_events,
    supported_verify_modes,
)
from custom_components.access_terminal.protocols.zk_push.users import Capabilities
from custom_components.access_terminal.protocols.zk_push.wire import Endpoint

from .helpers import PLAIN, Device

# Section 7.4's example: byte 0 is BF (every event of 0-7 but the linkage, 6).
DOCUMENT_EVENT_TYPES = "BF0FE03D300001000000000070000000000000000000000077002001000000"
# Appendix 3's example: FB1E1F00, modes 0-4, 6, 7, 11-14, 19-23 (positions from the left).
DOCUMENT_VERIFY_STYLES = "FB1E1F00"


def bits(*codes: int, size: int = 32) -> str:
    """Return an EventTypes bitmap (low bit first) of `codes`."""
    data = bytearray(size)
    for code in codes:
        data[code // 8] |= 1 << code % 8
    return data.hex().upper()


def test_the_documents_event_types() -> None:
    codes = supported_events({"EventTypes": DOCUMENT_EVENT_TYPES})
    assert codes is not None
    assert {0, 1, 2, 3, 4, 5, 7} <= codes
    assert 6 not in codes


def test_the_documents_verify_styles() -> None:
    assert supported_verify_modes({"VerifyStyles": DOCUMENT_VERIFY_STYLES}) == frozenset(
        (0, 1, 2, 3, 4, 6, 7, 11, 12, 13, 14, 19, 20, 21, 22, 23)
    )


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ((224,), {EventType.DOORBELL}),
        ((239,), {EventType.DOORBELL}),
        ((210, 221), {EventType.FIRE_ALARM, EventType.AUX_INPUT_ON}),
        ((225, 226), {EventType.AUX_INPUT_ON, EventType.AUX_INPUT_OFF}),
        ((0, 200, 201), set()),
    ],
)
def test_optional_event_types_follow_the_announced_codes(
    codes: tuple[int, ...], expected: set[EventType]
) -> None:
    # ID card reads and error logs come as tables of their own: no event code announces them.
    table_events = {EventType.ID_CARD_READ, EventType.DEVICE_ERROR}
    assert optional_event_types({"EventTypes": bits(*codes)}) == {*expected, *table_events}


@pytest.mark.parametrize("value", [None, "", "XYZ", "ABC", "00" * 33])
def test_without_a_readable_bitmap_everything_may_come(value: str | None) -> None:
    options = {} if value is None else {"EventTypes": value, "VerifyStyles": value}
    assert optional_event_types(options) == ZK_OPTIONAL_EVENT_TYPES
    assert supported_verify_modes(options) is None


@pytest.mark.parametrize(
    ("key", "value"),
    [("EventTypes", "not hex"), ("EventTypes", "0" * 66), ("VerifyStyles", "FB1E1F0000")],
)
def test_bitmaps_that_are_none_are_refused(key: str, value: str) -> None:
    assert key in refused_options({key: value})


def test_machine_type_names_the_model_where_the_device_name_does_not() -> None:
    caps = Capabilities()
    assert machine_model({"MachineType": "2"}) == "C3-400"
    assert machine_model({"MachineType": "999"}) is None
    assert machine_model({"MachineType": "x"}) is None
    assert info_from_options("S", {"MachineType": "28"}, caps).model == "inBio5-400"
    named = {"MachineType": "101", "DeviceName": "SpeedFace-V5L"}
    assert info_from_options("S", named, caps).model == "SpeedFace-V5L"


def test_verify_styles_add_the_methods_offered() -> None:
    caps = Capabilities()
    features = info_from_options("S", {"VerifyStyles": "00010000"}, caps).features  # face, 15
    assert Feature.FACE in features
    assert Feature.FINGERPRINT not in features
    features = info_from_options("S", {"VerifyStyles": "40000000"}, caps).features  # 1
    assert Feature.FINGERPRINT in features


async def test_a_controller_without_a_doorbell_offers_none(device: Device) -> None:
    await device.register(f"{PLAIN},EventTypes={bits(0, 200, 201, 221)},MachineType=2")
    terminal = device.terminal
    assert terminal.optional_event_types == {
        EventType.AUX_INPUT_ON,
        EventType.ID_CARD_READ,
        EventType.DEVICE_ERROR,
    }
    assert terminal.info is not None
    assert terminal.info.model == "F20/M"
    # A broken bitmap in a later upload is noted, not kept: the last good one stands.
    await device.send(Endpoint.CDATA, "EventTypes=nonsense", table="options")
    assert terminal.problems.counts["option"] == 1
    assert terminal.optional_event_types == {
        EventType.AUX_INPUT_ON,
        EventType.ID_CARD_READ,
        EventType.DEVICE_ERROR,
    }
