"""End to end: the ZK PUSH simulator against Home Assistant's real HTTP app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import hashlib
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import CONF_COMMAND_TIMEOUT, DOMAIN
from custom_components.access_terminal.protocols.model import Family
from simulator.zk_push import ZkPushSimulator
from tests.helpers import TestClient, bus_events, device_id, wait_until, with_device
from tests.terminals import ZK_SERIAL, push_entry

ENTITY = ZK_SERIAL.lower()


async def test_discovery_confirm_then_doors(
    hass: HomeAssistant,
    client: TestClient,
    make_simulator: Callable[..., Awaitable[ZkPushSimulator]],
) -> None:
    """An unknown controller is refused and offered; once added it registers with two doors."""
    sim = await make_simulator(doors=2)
    assert not await sim.connect()
    assert sim.rejected
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"family": "zk_push", "serial": ZK_SERIAL}
    await hass.async_block_till_done()

    assert await sim.connect()
    await sim.cycle()
    await hass.async_block_till_done()
    assert sim.registry_code is not None
    for door in (1, 2):
        assert hass.states.get(f"lock.{ENTITY}_door_{door}_lock").state == "locked"
        assert hass.states.get(f"binary_sensor.{ENTITY}_door_{door}").state == "off"
    assert hass.states.get(f"binary_sensor.{ENTITY}_connectivity").state == "on"
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, ZK_SERIAL)})
    assert device is not None
    assert (device.manufacturer, device.model, device.sw_version) == (
        "ZKTeco",
        "SpeedFace-V5L",
        sim.firmware_version,
    )


@pytest.mark.usefixtures("init_integration")
async def test_events_per_door_once(hass: HomeAssistant, simulator: ZkPushSimulator) -> None:
    """Events reach the access and per-door entities; records sent again are not repeated."""
    events = bus_events(hass)
    simulator.add_local_user("7", "Grace")
    simulator.queue_event(0, "7", door=2, verify=15, temperature=36.4, mask=1)
    simulator.queue_event(27, "0", door=1, verify=4, cardno="123456")
    simulator.queue_event(202, "0", door=2, verify=200, inout=2)
    await simulator.cycle()
    await hass.async_block_till_done()
    assert [
        (e.data["type"], e.data["door"]) for e in events if e.data["type"] != "user_updated"
    ] == [
        ("access_granted", 2),
        ("access_denied", 1),
        ("exit_button", 2),
    ]
    state = hass.states.get(f"event.{ENTITY}_access")
    assert state.attributes["event_type"] == "access_denied"
    assert state.attributes["card_number"] == "123456"
    door_two = hass.states.get(f"event.{ENTITY}_door_2_events")
    assert door_two.attributes["event_type"] == "exit_button"
    assert hass.states.get(f"event.{ENTITY}_door_1_events").attributes["event_type"] is None

    # The terminal uploads the same records again (our answer was lost): nothing new.
    before = len(events)
    await simulator.remote_identify("7", door=1)  # unrelated traffic in between
    # Its opening ends (the door falls shut) before the old records are sent again: only they
    # go, whatever the machine's load (the door's own events were a race with the replay).
    await wait_until(lambda: not simulator.doors[0].relay)
    simulator._pending = list(simulator._uploaded)
    await simulator.cycle()
    await hass.async_block_till_done()
    assert [e.data["type"] for e in events[before:]] == []


@pytest.mark.usefixtures("init_integration")
async def test_user_written_read_and_deleted(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """set_user fills the terminal's tables; get_users reads them back; delete_user empties."""
    target = {"device_id": device_id(hass, ZK_SERIAL)}
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN,
            "set_user",
            {
                **target,
                "user_id": "0042",
                "name": "Zoë Ångström",
                "cards": ["123456789"],
                "password": "1234",
                "valid_until": "2031-01-01T00:00:00+00:00",
            },
            blocking=True,
        ),
    )
    stored = simulator.users["42"]
    assert stored["Name"] == "Zoë Ångström"
    assert stored["Password"] == "1234"
    assert simulator.authorize["42"]["1"]["AuthorizeDoorId"] == "3"  # both doors, zone 1

    response = await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN, "get_users", {**target, "user_id": ["42"]}, blocking=True, return_response=True
        ),
    )
    (user,) = response["users"]
    assert (user["user_id"], user["name"], user["cards"]) == ("42", "Zoë Ångström", ["123456789"])
    assert user["valid_until"].startswith("2031-01-01")
    assert "password" not in user

    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN, "delete_user", {**target, "user_id": ["42"]}, blocking=True
        ),
    )
    assert "42" not in simulator.users
    assert "42" not in simulator.authorize


@pytest.mark.usefixtures("init_integration")
async def test_user_added_at_the_terminal(hass: HomeAssistant, simulator: ZkPushSimulator) -> None:
    """A user enrolled at the terminal is an admin event, and the next listing has them."""
    events = bus_events(hass)
    simulator.add_local_user("77", "Heidi")
    await simulator.cycle()
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["user_id"]) for e in events] == [("user_updated", "77")]
    response = await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN,
            "get_users",
            {"device_id": device_id(hass, ZK_SERIAL)},
            blocking=True,
            return_response=True,
        ),
    )
    assert {user["user_id"]: user["name"] for user in response["users"]} == {"77": "Heidi"}


@pytest.mark.usefixtures("init_integration")
async def test_sync_users_sends_only_changes(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """A second sync with one change sends one user."""
    target = {"device_id": device_id(hass, ZK_SERIAL)}
    users = [{"user_id": str(n), "name": f"Person {n}"} for n in range(1, 31)]
    result = await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN, "sync_users", {**target, "users": users}, blocking=True, return_response=True
        ),
        cycles=10,
    )
    assert len(result["devices"][target["device_id"]]["written"]) == 30
    assert len(simulator.users) == 30
    users[4]["name"] = "Renamed"
    commands_before = len(simulator.commands)
    result = await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN, "sync_users", {**target, "users": users}, blocking=True, return_response=True
        ),
    )
    assert result["devices"][target["device_id"]]["written"] == ["5"]
    assert simulator.users["5"]["Name"] == "Renamed"
    sent = simulator.commands[commands_before:]
    assert all("Pin=5\t" in command or command.endswith("Pin=5") for command in sent), sent


@pytest.mark.usefixtures("init_integration")
async def test_enrollment_outcome_is_an_admin_event(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """ENROLL_BIO runs at the terminal; its result comes back as enrollment_finished."""
    events = bus_events(hass)
    simulator.add_local_user("9", "Ivan")
    await simulator.cycle()
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN,
            "enroll",
            {"device_id": device_id(hass, ZK_SERIAL), "user_id": "9", "credential": "face"},
            blocking=True,
        ),
    )
    await simulator.cycle()
    await hass.async_block_till_done()
    assert ("9", 9, 0) in simulator.biodata
    kinds = [(e.data["type"], e.data["user_id"]) for e in events]
    assert ("enrollment_finished", "9") in kinds
    state = hass.states.get(f"event.{ENTITY}_admin_events")
    assert state.attributes["event_type"] in ("enrollment_finished", "user_updated")


@pytest.mark.usefixtures("init_integration")
async def test_enrollment_of_unknown_user_fails_readably(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """The terminal refuses to enroll someone it does not know: enrollment_failed says why."""
    events = bus_events(hass)
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN,
            "enroll",
            {
                "device_id": device_id(hass, ZK_SERIAL),
                "user_id": "404",
                "credential": "fingerprint",
            },
            blocking=True,
        ),
    )
    await hass.async_block_till_done()
    (event,) = [e for e in events if e.data["type"].startswith("enrollment")]
    assert event.data["type"] == "enrollment_failed"
    assert event.data["detail"] == "fingerprint template for an unknown user"


@pytest.mark.usefixtures("init_integration")
async def test_firmware_push_checked_by_the_terminal(
    hass: HomeAssistant, simulator: ZkPushSimulator
) -> None:
    """The terminal downloads the image through /iclock/file and verifies size and MD5."""
    folder = Path(hass.config.path("access_terminal"))
    folder.mkdir(exist_ok=True)
    image = bytes(range(256)) * 300
    (folder / "emfw.cfg").write_bytes(image)
    before = simulator.firmware_version
    await with_device(
        hass,
        simulator,
        hass.services.async_call(
            DOMAIN,
            "push_firmware",
            {
                "device_id": device_id(hass, ZK_SERIAL),
                "file": "access_terminal/emfw.cfg",
                "md5": hashlib.md5(image).hexdigest(),  # noqa: S324 - the protocol's checksum
            },
            blocking=True,
        ),
    )
    (install,) = simulator.firmware_installs
    assert install["md5_ok"] is True
    assert install["size"] == len(image)
    assert simulator.firmware_version != before
    # The single-use URL is gone after the download (the terminal restarted meanwhile).
    assert await simulator.connect()
    response = await simulator._transport.get("/iclock/file", {"url": install["url"]})
    assert response.status == 404


async def test_queued_user_survives_restart(
    hass: HomeAssistant,
    client: TestClient,
    make_simulator: Callable[..., Awaitable[ZkPushSimulator]],
) -> None:
    """A user written while the terminal is away is kept across an HA restart and delivered."""
    entry = push_entry(Family.ZK_PUSH, ZK_SERIAL)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_COMMAND_TIMEOUT: 0.2})
    assert await hass.config_entries.async_setup(entry.entry_id)
    sim = await make_simulator(doors=1)
    assert await sim.connect()
    await hass.async_block_till_done()

    with pytest.raises(HomeAssistantError, match="stays queued"):
        await hass.services.async_call(
            DOMAIN,
            "set_user",
            {"device_id": device_id(hass, ZK_SERIAL), "user_id": "5", "name": "Erin"},
            blocking=True,
        )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await sim.cycle()
    assert sim.users["5"]["Name"] == "Erin"
    assert sim.authorize["5"]["1"]["AuthorizeDoorId"] == "1"


async def test_attendance_terminal_end_to_end(
    hass: HomeAssistant,
    client: TestClient,
    make_simulator: Callable[..., Awaitable[ZkPushSimulator]],
) -> None:
    """An attendance terminal: punches become events, users go as USERINFO, no doors."""
    entry = push_entry(Family.ZK_PUSH, "ATT0000001")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    sim = await make_simulator("ATT0000001", attendance=True)
    events = bus_events(hass)
    assert await sim.connect()
    sim.queue_event(pin="3", verify=1, inout=1)
    await sim.cycle()
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["user_id"], e.data["direction"]) for e in events] == [
        ("access_granted", "3", "out")
    ]
    assert hass.states.get("lock.att0000001_door_lock") is None
    await with_device(
        hass,
        sim,
        hass.services.async_call(
            DOMAIN,
            "set_user",
            {"device_id": device_id(hass, "ATT0000001"), "user_id": "8", "name": "Judy"},
            blocking=True,
        ),
    )
    assert sim.users["8"]["Name"] == "Judy"
    with pytest.raises(HomeAssistantError, match="not supported|cannot"):
        await hass.services.async_call(
            DOMAIN,
            "open_door",
            {"device_id": device_id(hass, "ATT0000001")},
            blocking=True,
        )


async def test_offered_entry_ignored_keeps_refusing(
    hass: HomeAssistant,
    client: TestClient,
    make_simulator: Callable[..., Awaitable[ZkPushSimulator]],
) -> None:
    """An entry that is not loaded refuses the terminal like an unknown one."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=ZK_SERIAL,
        data={"family": "zk_push", "serial": ZK_SERIAL},
        disabled_by=None,
    )
    entry.add_to_hass(hass)
    sim = await make_simulator()
    assert not await sim.connect()
    assert sim.rejected
