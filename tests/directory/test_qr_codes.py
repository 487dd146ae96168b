"""QR codes shown at a cloud terminal, decided by Home Assistant from the directory's passes."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.directory.entry import DirectoryConfigEntry
from custom_components.access_terminal.protocols.model import Family
from simulator.cloud_ws import CloudWsSimulator

from ..helpers import bus_events, device_id
from .conftest import Converge
from .helpers import TUESDAY, act, at

pytestmark = [
    pytest.mark.usefixtures("tuesday"),
    pytest.mark.parametrize("family", [Family.CLOUD_WS], indirect=True),
]


async def qr_pass(hass: HomeAssistant, simulator: CloudWsSimulator, **fields: Any) -> Any:
    """Give the terminal's door a level and create a pass of it with a QR code."""
    terminal = device_id(hass, simulator.serial)
    await act(hass, "set_access_level", name="Front", doors=[{"device_id": terminal}])
    return await act(
        hass,
        "create_pass",
        access_levels=["Front"],
        valid_until=at(TUESDAY, 18),
        credential="qr",
        **fields,
    )


async def test_a_pass_qr_code_opens_until_its_uses_are_gone(
    hass: HomeAssistant,
    simulator: CloudWsSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
    converge: Converge,
) -> None:
    """The visitor's code opens twice, then no more; a forged code never; each is an event."""
    events = bus_events(hass)
    created = await qr_pass(hass, simulator, name="Plumber", max_uses=2)
    await converge((init_integration, simulator))
    code = created["credential"]["value"]
    person_id = created["person_id"]
    answers = [await simulator.scan_qr(code) for _ in range(3)]
    assert [(a or {}).get("access") for a in answers] == [1, 1, 0]
    assert (answers[0] or {})["enrollid"] == int(person_id)
    assert (answers[0] or {})["username"] == "Plumber"
    forged = await simulator.scan_qr("not-a-pass")
    assert (forged or {}).get("access") == 0
    await hass.async_block_till_done()
    decisions = [e.data for e in events if "qr" in e.data["methods"]]
    assert [(d["type"], d["person_id"], d["reason"]) for d in decisions] == [
        ("access_granted", person_id, None),
        ("access_granted", person_id, None),
        ("access_denied", person_id, "server_denied"),
        ("access_denied", None, "unregistered"),
    ]
    assert all(code not in str(d) for d in decisions)
    passes = (await act(hass, "get_directory"))["passes"]
    assert passes[0]["uses"] == 2


async def test_a_revoked_pass_code_opens_no_more(
    hass: HomeAssistant,
    simulator: CloudWsSimulator,
    init_integration: MockConfigEntry,
    directory: DirectoryConfigEntry,
) -> None:
    """Once the pass is revoked its code is unknown: refused, and nobody is named."""
    created = await qr_pass(hass, simulator, name="Courier")
    assert (await simulator.scan_qr(created["credential"]["value"]) or {}).get("access") == 1
    await act(hass, "revoke_pass", person_id=created["person_id"])
    answer = await simulator.scan_qr(created["credential"]["value"])
    assert answer is not None
    assert (answer["access"], answer["message"]) == (0, "Unknown QR code")
    assert "enrollid" not in answer
