"""End to end: what a ZK controller says it supports shapes its entities and device page."""

from __future__ import annotations

import hashlib
import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.zk_push import ZkPushSimulator
from simulator.zk_push_device import _bits_hex
from tests.helpers import (
    bus_events,
    device_action,
    device_id,
    firmware_file,
    registered_entity_id,
)
from tests.terminals import ZK_SERIAL


async def test_a_controller_without_a_doorbell(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its door events offer no doorbell; one it sends all the same still reaches the bus."""
    simulator.options["EventTypes"] = _bits_hex((0, 200, 201), 256, low_bit_first=True)
    del simulator.options["~DeviceName"]
    simulator.options["MachineType"] = "2"
    assert await simulator.connect()
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get(device_id(hass, ZK_SERIAL))
    assert device is not None
    assert device.model == "C3-400"
    # Entities take the list when they are made: at the next start.
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    door_events = registered_entity_id(hass, "event", ZK_SERIAL, "door_1_door_events")
    state = hass.states.get(door_events)
    assert "doorbell" not in state.attributes["event_types"]
    assert "door_opened" in state.attributes["event_types"]

    events = bus_events(hass)
    simulator.ring_doorbell(1)
    await simulator.cycle()
    await hass.async_block_till_done()
    assert [event.data["type"] for event in events] == ["doorbell"]
    assert hass.states.get(door_events).state == state.state
    # Handled, not a failure (which would make the terminal send the record again).
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_a_controller_upgrades_from_base64(
    hass: HomeAssistant, simulator: ZkPushSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A C3-400 gets UPGRADE method 1: the image base64-encoded, checked once decoded."""
    simulator.options["MachineType"] = "2"
    assert await simulator.connect()
    await hass.async_block_till_done()
    image = bytes(range(256)) * 40
    md5 = hashlib.md5(image).hexdigest()  # noqa: S324 - the protocol's checksum
    data = {"device_id": device_id(hass, ZK_SERIAL), "file": firmware_file(hass, image)}
    await device_action(hass, simulator, "push_firmware", data)
    (command,) = [c for c in simulator.commands if ":UPGRADE " in c]
    assert command.endswith(f":UPGRADE checksum={md5},url={command.split('url=')[1]}")
    assert command.endswith(f",size={len(image)}")
    (install,) = simulator.firmware_installs
    assert install["md5_ok"] is True
    assert install["size"] == len(image)
