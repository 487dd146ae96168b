"""History: recovering records a terminal holds and Home Assistant lost, and clearing them.

End to end against each family's simulator: a record is lost on the way (an answer lost in
transit, an acknowledgement nobody should have given, a log the cursor skipped), the
`recover_records` action asks the terminal's own history query, and the record arrives exactly
once, as a late record (`catch_up: true`); asking again adds nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.coordinator import AccessTerminalCoordinator
from custom_components.access_terminal.protocols.control_api.terminal import ControlApiTerminal
from custom_components.access_terminal.protocols.model import Family
from simulator.cloud_ws import CloudWsSimulator
from simulator.control_api import ControlApiSimulator
from simulator.httpv2 import HttpV2Simulator
from simulator.webjson import WebJsonSimulator
from simulator.zk_push import ZkPushSimulator

from .helpers import (
    bus_events,
    device_id,
    poll,
    registered_entity_id,
    settle_until,
    with_device,
)
from .terminals import ALL_FAMILIES, AddTerminal

ACCESS_TYPES = frozenset({"access_granted", "access_denied"})


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, **kwargs)


def coordinator_of(entry: MockConfigEntry) -> AccessTerminalCoordinator:
    coordinator: AccessTerminalCoordinator = entry.runtime_data.coordinator
    return coordinator


# -- losing a record on the way, family by family --------------------------------------------
#
# Each makes three records: the first and the last reach Home Assistant, the middle one never
# does. Returns the user id of the lost one.


async def _lose_httpv2(hass: HomeAssistant, sim: HttpV2Simulator, _entry: MockConfigEntry) -> str:
    sim.add_demo_users(3)
    sim.queue_access(3, 1)
    await sim.keepalive_cycle()
    sim.queue_access(3, 2)
    assert sim.lose_pending() == 1
    sim.queue_access(3, 3)
    await sim.keepalive_cycle()
    await hass.async_block_till_done()
    return "2"


async def _lose_zk(hass: HomeAssistant, sim: ZkPushSimulator, _entry: MockConfigEntry) -> str:
    sim.queue_event(0, "1")
    await sim.cycle()
    sim.queue_event(0, "2")
    assert sim.lose_pending() == 1
    sim.queue_event(0, "3")
    await sim.cycle()
    await hass.async_block_till_done()
    return "2"


async def _lose_cloud(hass: HomeAssistant, sim: CloudWsSimulator, _entry: MockConfigEntry) -> str:
    assert await sim.access(1) is not None
    sim.lost_access(2)
    assert await sim.access(3) is not None
    await hass.async_block_till_done()
    return "2"


async def _lose_webjson(hass: HomeAssistant, sim: WebJsonSimulator, _entry: MockConfigEntry) -> str:
    sim.record("1")
    await poll(hass)
    sim.record("2", realtime=False)  # its getrtlog answer was lost: the device deleted it
    sim.record("3")
    await poll(hass)
    return "2"


async def _lose_control_api(
    hass: HomeAssistant, sim: ControlApiSimulator, entry: MockConfigEntry
) -> str:
    sim.punch("1")
    await poll(hass)
    sim.punch("2")
    terminal = coordinator_of(entry).terminal
    assert isinstance(terminal, ControlApiTerminal)
    terminal.next_pos = sim.next_pos  # the cursor skipped it (as a broken answer would)
    sim.punch("3")
    await poll(hass)
    return "2"


LOSE: dict[Family, Callable[[HomeAssistant, Any, MockConfigEntry], Awaitable[str]]] = {
    Family.HTTPV2: _lose_httpv2,
    Family.ZK_PUSH: _lose_zk,
    Family.CLOUD_WS: _lose_cloud,
    Family.WEBJSON: _lose_webjson,
    Family.CONTROL_API: _lose_control_api,
}


async def _recover(
    hass: HomeAssistant, family: Family, sim: Any, data: dict[str, Any]
) -> dict[str, Any]:
    """Call recover_records while a polling terminal keeps polling."""
    action = call(hass, "recover_records", data, return_response=True)
    if family in (Family.HTTPV2, Family.ZK_PUSH):
        response: dict[str, Any] = await with_device(hass, sim, action)
        if family is Family.HTTPV2:
            await sim.keepalive_cycle()  # the records sent again follow the command
    else:
        response = await action
    await hass.async_block_till_done()
    return response


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
async def test_a_lost_record_is_recovered_exactly_once(
    hass: HomeAssistant, family: Family, simulator: Any, init_integration: MockConfigEntry
) -> None:
    lost_user = await LOSE[family](hass, simulator, init_integration)
    target = device_id(hass, simulator.serial)
    events = bus_events(hass)
    start = (dt_util.utcnow() - timedelta(hours=1)).isoformat()
    data = {"device_id": target, "start": start}

    access_events = registered_entity_id(hass, "event", simulator.serial, "access")
    shown = hass.states.get(access_events)
    assert shown is not None
    assert shown.attributes["user_id"] == "3"  # the last one let in, as it happened

    response = await _recover(hass, family, simulator, data)

    access = [e.data for e in events if e.data["type"] in ACCESS_TYPES]
    assert [(e["user_id"], e["catch_up"]) for e in access] == [(lost_user, True)]
    # A record of the past moves nothing current: the access event entity stays as it was.
    assert hass.states.get(access_events) == shown
    result = response["devices"][target]
    if family is Family.HTTPV2:  # the terminal sends everything again on its own schedule
        assert result == {"records": None, "recovered": None}
    else:
        assert result == {"records": 3, "recovered": 1}
    assert coordinator_of(init_integration).diagnostics()["records"]["recovered"] == 1

    events.clear()
    response = await _recover(hass, family, simulator, data)
    assert [e.data for e in events if e.data["type"] in ACCESS_TYPES] == []
    if family is not Family.HTTPV2:
        assert response["devices"][target] == {"records": 3, "recovered": 0}


# -- clearing ----------------------------------------------------------------------------------


def _stored(family: Family, sim: Any) -> int:
    """Return how many records the simulated terminal holds."""
    if family is Family.HTTPV2:
        return len(sim.pending_records) + len(sim.uploaded_records)
    if family is Family.ZK_PUSH:
        return len(sim.pending_records) + len(sim.uploaded_records)
    if family is Family.CLOUD_WS:
        return len(sim.tables.logs)
    if family is Family.WEBJSON:
        return len(sim.attendance)
    return len(sim.logs)


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
async def test_clear_records_erases_the_terminals_log(
    hass: HomeAssistant, family: Family, simulator: Any, init_integration: MockConfigEntry
) -> None:
    await LOSE[family](hass, simulator, init_integration)
    assert _stored(family, simulator) == 3
    target = device_id(hass, simulator.serial)
    action = call(hass, "clear_records", {"device_id": target, "confirm": True})
    if family in (Family.HTTPV2, Family.ZK_PUSH):
        await with_device(hass, simulator, action)
    else:
        await action
    assert _stored(family, simulator) == 0


@pytest.mark.parametrize("family", [Family.CLOUD_WS], indirect=True)
async def test_clearing_takes_the_logs_not_reported_yet_first(
    hass: HomeAssistant, simulator: CloudWsSimulator, init_integration: MockConfigEntry
) -> None:
    """A log the terminal has not reported (made while disconnected) is fetched, not lost."""
    simulator.tables.record(2, mode=8, photo=False)  # new: not reported yet
    events = bus_events(hass)
    target = device_id(hass, simulator.serial)
    await call(hass, "clear_records", {"device_id": target, "confirm": True})
    assert [e.data["user_id"] for e in events if e.data["type"] in ACCESS_TYPES] == ["2"]
    assert simulator.tables.logs == []


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "key"),
    [
        (timedelta(hours=-1), timedelta(hours=-2), "records_reversed"),
        (timedelta(hours=1), timedelta(hours=2), "records_future"),
        (None, None, "records_too_early"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_recover_refuses_ranges_no_terminal_has(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    start: timedelta | None,
    end: timedelta | None,
    key: str,
) -> None:
    now = dt_util.utcnow()
    data: dict[str, Any] = {"device_id": device_id(hass, simulator.serial)}
    if start is None:
        data["start"] = "1999-12-31T23:00:00+00:00"
    else:
        data["start"] = (now + start).isoformat()
        data["end"] = (now + end).isoformat() if end is not None else None
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "recover_records", data, return_response=True)
    assert err.value.translation_key == key


@pytest.mark.parametrize("confirm", [None, False])
@pytest.mark.usefixtures("init_integration")
async def test_clear_records_needs_confirmation(
    hass: HomeAssistant, simulator: HttpV2Simulator, confirm: bool | None
) -> None:
    simulator.queue_access(3, 1)
    await simulator.keepalive_cycle()
    data: dict[str, Any] = {"device_id": device_id(hass, simulator.serial)}
    if confirm is not None:
        data["confirm"] = confirm
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "clear_records", data)
    assert err.value.translation_key == "clear_records_unconfirmed"
    await simulator.keepalive_cycle()
    assert len(simulator.uploaded_records) == 1  # nothing was sent: the record is still there


@pytest.mark.usefixtures("init_integration")
async def test_records_are_for_administrators(
    hass: HomeAssistant, simulator: HttpV2Simulator, hass_read_only_user: Any
) -> None:
    target = device_id(hass, simulator.serial)
    context = Context(user_id=hass_read_only_user.id)
    start = (dt_util.utcnow() - timedelta(hours=1)).isoformat()
    with pytest.raises(Unauthorized):
        await call(
            hass,
            "recover_records",
            {"device_id": target, "start": start},
            context=context,
            return_response=True,
        )
    with pytest.raises(Unauthorized):
        await call(hass, "clear_records", {"device_id": target, "confirm": True}, context=context)


async def test_attendance_terminals_cannot_be_asked(
    hass: HomeAssistant, add_terminal: AddTerminal
) -> None:
    """The attendance PUSH has no history query in the document (its stamps resend)."""
    await add_terminal(Family.ZK_PUSH, "ATT0000001", attendance=True)
    target = device_id(hass, "ATT0000001")
    start = (dt_util.utcnow() - timedelta(hours=1)).isoformat()
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "recover_records", {"device_id": target, "start": start}, return_response=True
        )
    assert err.value.translation_key == "not_supported"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "clear_records", {"device_id": target, "confirm": True})
    assert err.value.translation_key == "not_supported"


# -- automatically, after an outage --------------------------------------------------------------


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_records_lost_in_an_outage_are_recovered_when_the_terminal_is_back(
    hass: HomeAssistant, simulator: WebJsonSimulator, init_integration: MockConfigEntry
) -> None:
    coordinator = coordinator_of(init_integration)
    simulator.record("1")
    await poll(hass)
    events = bus_events(hass)
    await simulator.go_away()
    await poll(hass)
    assert not coordinator.online
    # Recorded while unreachable, and its real-time copy lost with the device's restart.
    simulator.record("2", realtime=False)
    await simulator.come_back()
    await poll(hass)
    await settle_until(hass, lambda: any(e.data["type"] in ACCESS_TYPES for e in events))
    access = [e.data for e in events if e.data["type"] in ACCESS_TYPES]
    assert [(e["user_id"], e["catch_up"]) for e in access] == [("2", True)]
    # Back online, polls go on as usual: nothing is asked for again.
    await poll(hass)
    assert [e.data for e in events if e.data["type"] in ACCESS_TYPES] == access


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
async def test_a_controller_without_account_is_queried(
    hass: HomeAssistant, simulator: ZkPushSimulator, init_integration: MockConfigEntry
) -> None:
    """ACCOUNT refused: DATA QUERY transaction, as the document advises, brings the record."""
    simulator.account_supported = False
    lost_user = await _lose_zk(hass, simulator, init_integration)
    target = device_id(hass, simulator.serial)
    events = bus_events(hass)
    start = (dt_util.utcnow() - timedelta(hours=1)).isoformat()
    response = await _recover(
        hass, Family.ZK_PUSH, simulator, {"device_id": target, "start": start}
    )
    access = [e.data for e in events if e.data["type"] in ACCESS_TYPES]
    assert [(e["user_id"], e["catch_up"]) for e in access] == [(lost_user, True)]
    assert response["devices"][target] == {"records": 3, "recovered": 1}
    assert [c.split(":", 2)[2].split(" ")[0:2] for c in simulator.commands][-2:] == [
        ["ACCOUNT", "transaction"],
        ["DATA", "QUERY"],
    ]


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_records_made_while_home_assistant_was_stopped_are_recovered(
    hass: HomeAssistant, simulator: WebJsonSimulator, init_integration: MockConfigEntry
) -> None:
    simulator.record("1")
    await poll(hass)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    # Recorded meanwhile, and its real-time copy lost when the terminal restarted.
    simulator.record("2", realtime=False)
    events = bus_events(hass)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    access = [e.data for e in events if e.data["type"] in ACCESS_TYPES]
    assert [(e["user_id"], e["catch_up"]) for e in access] == [("2", True)]


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_a_recovery_that_fails_after_an_outage_is_logged(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = coordinator_of(init_integration)
    await simulator.go_away()
    await poll(hass)
    assert not coordinator.online
    simulator.refusals["getlog"] = [1]
    await simulator.come_back()
    await poll(hass)
    assert coordinator_of(init_integration).online
    assert "records since" in caplog.text
    assert "could not be recovered" in caplog.text
    # Not asked again at every poll: the next outage asks again.
    asked = simulator.commands.count("getlog")
    await poll(hass)
    assert simulator.commands.count("getlog") == asked


async def test_one_action_for_terminals_of_two_families(
    hass: HomeAssistant, add_terminal: AddTerminal
) -> None:
    """The action is family-blind: each terminal answers with what its family can tell."""
    http_entry, http_sim = await add_terminal(Family.HTTPV2)
    web_entry, web_sim = await add_terminal(Family.WEBJSON)
    await _lose_httpv2(hass, http_sim, http_entry)
    await _lose_webjson(hass, web_sim, web_entry)
    targets = [device_id(hass, http_sim.serial), device_id(hass, web_sim.serial)]
    events = bus_events(hass)
    start = (dt_util.utcnow() - timedelta(hours=1)).isoformat()
    response = await _recover(hass, Family.HTTPV2, http_sim, {"device_id": targets, "start": start})
    assert response["devices"] == {
        targets[0]: {"records": None, "recovered": None},
        targets[1]: {"records": 3, "recovered": 1},
    }
    recovered = sorted(
        (e.data["serial"], e.data["user_id"])
        for e in events
        if e.data["type"] in ACCESS_TYPES and e.data["catch_up"]
    )
    assert recovered == sorted([(http_sim.serial, "2"), (web_sim.serial, "2")])


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
async def test_a_record_not_sent_yet_stays_a_live_one(
    hass: HomeAssistant, simulator: ZkPushSimulator, init_integration: MockConfigEntry
) -> None:
    """The archive holds a record made a moment ago: it is new (live), not a recovered one."""
    lost_user = await _lose_zk(hass, simulator, init_integration)
    simulator.queue_event(0, "4")  # queued, its rtlog upload not made yet
    events = bus_events(hass)
    start = (dt_util.utcnow() - timedelta(hours=1)).isoformat()
    target = device_id(hass, simulator.serial)
    await _recover(hass, Family.ZK_PUSH, simulator, {"device_id": target, "start": start})
    await simulator.cycle()  # its rtlog upload comes after: the same record, not repeated
    await hass.async_block_till_done()
    access = sorted(
        (e.data["user_id"], e.data["catch_up"]) for e in events if e.data["type"] in ACCESS_TYPES
    )
    assert access == [(lost_user, True), ("4", False)]
