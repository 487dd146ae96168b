"""What a terminal's entry saves: restored in an order that cannot crash, never poisoned, and
consistent wherever Home Assistant is killed.

The kill test runs a ZK terminal (a Security PUSH controller, and an attendance terminal that
resumes from the stamps Home Assistant gives it) through adoption, records and saves, kills Home
Assistant after each step (what was on disk then is all the next start has; the terminal, on the
same power, restarts too), starts again and lets the terminal carry on: every record must give
exactly one event, and the entry must set up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import copy
from datetime import UTC, datetime, timedelta
import logging
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.protocols.httpv2.codes import identify_record
from custom_components.access_terminal.protocols.model import Family, Record
from custom_components.access_terminal.protocols.push import PushTerminal
from custom_components.access_terminal.store import DeviceStore
from simulator.zk_push import ZkPushSimulator

from .families.httpv2.device import HttpV2Device
from .helpers import bus_events
from .terminals import KITS, SimulatorFarm

RECORDS_PER_BATCH = 3


def _record(number: int) -> Record:
    detail = {"RecordID": number, "RecordType": 3, "RecordDate": int(time.time()), "UserID": "1"}
    return identify_record(detail, None, datetime.now(UTC))


def _files(storage: dict[str, Any], entry: MockConfigEntry) -> dict[str, Any]:
    prefix = f"{DOMAIN}.{entry.entry_id}"
    return {key: copy.deepcopy(value) for key, value in storage.items() if key.startswith(prefix)}


class _Run:
    """One terminal's life: each step is something that happens; Home Assistant may die after."""

    def __init__(
        self,
        hass: HomeAssistant,
        freezer: FrozenDateTimeFactory,
        sim: ZkPushSimulator,
        entry: MockConfigEntry,
    ) -> None:
        self.hass = hass
        self.freezer = freezer
        self.sim = sim
        self.entry = entry
        self.queued = 0

    async def adopt(self) -> None:
        self.entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()

    async def hello(self) -> None:
        assert await self.sim.connect()
        await self.sim.cycle()
        await self.hass.async_block_till_done()

    async def records(self) -> None:
        for _ in range(RECORDS_PER_BATCH):
            self.queued += 1
            self.sim.queue_event(0, str(self.queued))
        await self.sim.cycle()
        await self.hass.async_block_till_done()
        assert self.sim.pending_records == []

    def wait(self, seconds: float) -> Callable[[], Awaitable[None]]:
        async def wait() -> None:
            self.freezer.tick(timedelta(seconds=seconds))
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done()

        return wait

    def steps(self) -> list[Callable[[], Awaitable[None]]]:
        # Adopted; says hello; its queue file is written (the power cut ~10 s after adoption);
        # records; everything written; more records; written again.
        return [
            self.adopt,
            self.hello,
            self.wait(10),
            self.records,
            self.wait(60),
            self.records,
            self.records,
            self.wait(60),
        ]


@pytest.mark.parametrize("attendance", [False, True], ids=["controller", "attendance"])
@pytest.mark.parametrize("killed_after", range(8))
async def test_killed_at_every_point(
    hass: HomeAssistant,
    farm: SimulatorFarm,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    attendance: bool,
    killed_after: int,
) -> None:
    sim = await KITS[Family.ZK_PUSH].simulator(farm, attendance=attendance)
    assert isinstance(sim, ZkPushSimulator)
    entry = KITS[Family.ZK_PUSH].entry(sim)
    run = _Run(hass, freezer, sim, entry)
    events = bus_events(hass)
    steps = run.steps()
    for step in steps[: killed_after + 1]:
        await step()

    # Killed: what was on disk is all there is; the terminal, on the same power, restarts.
    on_disk = _files(hass_storage, entry)
    assert await hass.config_entries.async_unload(entry.entry_id)  # (its saves are undone)
    for key in _files(hass_storage, entry):
        del hass_storage[key]
    hass_storage.update(on_disk)
    sim._restart()

    # Home Assistant starts again: the entry sets up, the terminal carries on.
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    for step in steps[killed_after + 1 :]:
        if step != run.adopt:
            await step()
    await run.hello()
    await run.records()
    assert sim.pending_records == []

    people = [event.data["user_id"] for event in events if event.data["type"] == "access_granted"]
    assert sorted(people, key=int) == [str(n) for n in range(1, run.queued + 1)]
    assert not any(event.data["catch_up"] for event in events)
    coordinator = entry.runtime_data.coordinator
    assert coordinator.terminal.info is not None
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, sim.serial)})
    assert device is not None
    assert device.id == coordinator.device_id


async def test_saved_info_that_differs_from_the_options_restores(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A ZK terminal killed ~10 s after adoption: only the queue file (its options) was written.

    Its options restore before its device exists (an AttributeError in _update_device once put
    the entry in setup error, and the terminal was then refused as unknown).
    """
    entry = KITS[Family.ZK_PUSH].entry()
    prefix = f"{DOMAIN}.{entry.entry_id}"
    hass_storage[f"{prefix}.queue"] = {
        "version": 1,
        "key": f"{prefix}.queue",
        "data": {
            "protocol": {
                "variant": "security",
                "registry_code": "Abc123Xyz0",
                "session": "0A1B",
                "token_required": True,
                "options": {"LockCount": "2", "DeviceName": "InBio260", "FirmVer": "AC 5.7"},
            }
        },
    }
    hass_storage[prefix] = {
        "version": 1,
        "key": prefix,
        "data": {"info": {"serial": entry.unique_id, "family": "zk_push", "doors": 1}},
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data.coordinator
    assert coordinator.data.door_numbers == [1, 2]
    device = dr.async_get(hass).async_get(coordinator.device_id or "")
    assert device is not None
    assert (device.model, device.sw_version) == ("InBio260", "AC 5.7")


async def test_values_json_cannot_hold_never_stop_the_saves(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Whatever slips past the validation: an integer beyond 64 bits, a lone surrogate.
    store = loaded_entry.runtime_data.coordinator.store
    store.info = {"model": "F\udc80", "usage": {"users": [1, 2**70]}, 2**70: "x"}
    await store.async_flush()
    key = f"{DOMAIN}.{loaded_entry.entry_id}"
    assert hass_storage[key]["data"]["info"] == {
        "model": "F\ufffd",
        "usage": {"users": [1, None]},
        str(2**70): "x",
    }
    assert "Values JSON cannot hold were replaced" in caplog.text
    # Later saves go on.
    await httpv2_device.record(3)
    await store.async_flush()
    assert hass_storage[key]["data"]["records"]["cursors"]["identify"][0] == 1


async def test_device_input_that_poisoned_the_store(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Record numbers beyond 64 bits, counts of 10**20, lone surrogates in names and versions."""
    events = bus_events(hass)
    storage = {"Person": {"Current": 3, "Max": 100000000000000000000}}
    await httpv2_device.upload_settings(
        PeopleStorageInfo=storage, FirmwareVerson="8.\udc46", DeviceName="Door\ud800"
    )
    await httpv2_device.record(3, RecordID=123456789012345678901)  # 21 digits: unreadable
    await httpv2_device.record(3, RecordID=18446744073709551616, Name="Ann\udcff")  # 2**64
    await httpv2_device.record(3, RecordID=5, Name="Bob\udcff")
    await hass.async_block_till_done()
    assert [event.data["user_name"] for event in events] == ["Bob\ufffd"]
    coordinator = loaded_entry.runtime_data.coordinator
    assert coordinator.terminal.problems.counts["record/uploadidentifyrecord"] == 2
    await coordinator.store.async_flush()
    saved = hass_storage[f"{DOMAIN}.{loaded_entry.entry_id}"]["data"]
    assert saved["info"]["firmware"] == "8.\ufffd"
    assert saved["info"]["usage"]["users"] == [3, None]
    device = dr.async_get(hass).async_get(coordinator.device_id or "")
    assert device is not None
    assert device.sw_version == "8.\ufffd"
    # After a restart the records sent again give no second event.
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    httpv2_device.next_record_id = 1
    await httpv2_device.record(3, RecordID=5, Name="Bob\udcff", RecordDate=httpv2_device.dates[-1])
    await hass.async_block_till_done()
    assert len(events) == 1


async def test_a_record_during_the_stop_is_saved_by_the_final_write(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Nothing is scheduled after the stop flush, and nothing that arrived before it is lost.

    (Home Assistant's HTTP server answers 503 while stopping, but sockets stay open until they
    close, and terminals we call are still read: records still reach the coordinator.)
    """
    key = f"{DOMAIN}.{loaded_entry.entry_id}"
    coordinator = loaded_entry.runtime_data.coordinator
    hass.set_state(CoreState.stopping)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await coordinator.records([_record(1)])  # after the stop flush
    await hass.async_block_till_done()
    scheduled = [
        handle
        for handle in hass.loop._scheduled  # type: ignore[attr-defined]
        if "_ThrottledFile" in repr(handle) and not handle.cancelled()
    ]
    assert scheduled == []  # no timer of ours outlives the stop
    assert key not in hass_storage  # while stopping, Home Assistant writes at its final write
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert hass_storage[key]["data"]["records"]["cursors"]["identify"][0] == 1
    # Past the final write nothing can be saved: records are refused (sent again later).
    hass.set_state(CoreState.final_write)
    assert isinstance(coordinator.terminal, PushTerminal)
    assert await coordinator.terminal.deliver([_record(2)]) is None
    hass.set_state(CoreState.running)


async def test_a_save_past_the_final_write_is_never_scheduled(hass: HomeAssistant) -> None:
    store = DeviceStore(hass, "entry")
    store.stop_seen = True
    hass.set_state(CoreState.not_running)
    assert not store.writable
    store.schedule_save()
    store.schedule_save_queue()
    store.schedule_save_users()
    await store.async_flush()
    await store.async_commit()
    timers = hass.loop._scheduled  # type: ignore[attr-defined]
    assert not [h for h in timers if "_ThrottledFile" in repr(h) and not h.cancelled()]
    hass.set_state(CoreState.running)


async def test_unreadable_saved_files_count_as_none(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    for suffix, data in (("", ["x"]), (".queue", {"protocol": "x"}), (".users", {"users": 5})):
        hass_storage[f"{DOMAIN}.entry{suffix}"] = {"version": 1, "key": "k", "data": data}
    store = DeviceStore(hass, "entry")
    with caplog.at_level(logging.ERROR):
        await store.async_load()
    assert (store.info, store.protocol_state, store.users) == (None, {}, {})
