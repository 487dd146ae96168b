"""End to end: ZK terminals without unified templates (templatev10, userpic) and table counts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.protocols.model import Family
from simulator.zk_push import ZkPushSimulator
from tests.helpers import device_action, device_id, registered_entity_id
from tests.terminals import ZK_SERIAL, push_entry

OTHER = "ZK0000000002"
JPEG = b"\xff\xd8\xff\xe0 a display photo \xff\xd9"


async def older_terminal(
    make_simulator: Callable[..., Awaitable[ZkPushSimulator]], serial: str
) -> ZkPushSimulator:
    """Return a controller of fingerprints in templatev10 and display photos (no MultiBio)."""
    sim = await make_simulator(serial, multi_bio=False)
    sim.options["PhotoFunOn"] = "1"
    assert await sim.connect()
    return sim


async def test_fingerprints_and_photos_of_an_older_controller(
    hass: HomeAssistant,
    make_simulator: Callable[..., Awaitable[ZkPushSimulator]],
    tmp_path: Path,
) -> None:
    """Fingerprints are copied through templatev10, photos go as userpic, both are deleted."""
    for serial in (ZK_SERIAL, OTHER):
        entry = push_entry(Family.ZK_PUSH, serial)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    source = await older_terminal(make_simulator, OTHER)
    source.add_local_user("8", "Ida")
    source._tables.store_template("8", 1, 6, "RklOR0VSNg==")  # enrolled at the terminal
    target = await older_terminal(make_simulator, ZK_SERIAL)
    await hass.async_block_till_done()

    # get_users reads the fingerprint from templatev10.
    response = await device_action(
        hass, source, "get_users", {"device_id": device_id(hass, OTHER)}, response=True
    )
    (ida,) = response["users"]
    assert ida["credentials"]["fingerprints"] == [6]

    target_cycle = target.cycle

    async def both_poll() -> None:
        await source.cycle()
        await target_cycle()

    target.cycle = both_poll  # type: ignore[method-assign]
    both = {"device_id": device_id(hass, ZK_SERIAL), "source_device_id": device_id(hass, OTHER)}
    await device_action(hass, target, "sync_users", both, cycles=8)
    assert any(":DATA UPDATE templatev10 Pin=8\tFingerID=6\t" in c for c in target.commands)
    assert target.biodata[("8", 1, 6)]["Tmp"] == "RklOR0VSNg=="

    # A photo becomes the user's display photo.
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "access_terminal").mkdir()
    photo = tmp_path / "access_terminal" / "ida.jpg"
    photo.write_bytes(JPEG)
    terminal = device_id(hass, ZK_SERIAL)
    ida = {"device_id": terminal, "user_id": "8", "photo": str(photo.relative_to(tmp_path))}
    await device_action(hass, target, "set_user", ida)
    assert target.userpics["8"] == JPEG
    assert not target.biophotos

    # Deleting the person empties both older tables (asked for by name, not only the user).
    gone = {"device_id": terminal, "user_id": ["8"]}
    await device_action(hass, target, "delete_user", gone)
    assert any(c.endswith(":DATA DELETE templatev10 Pin=8") for c in target.commands)
    assert any(c.endswith(":DATA DELETE userpic pin=8") for c in target.commands)
    assert not target.biodata
    assert not target.userpics


async def test_counts_refresh_the_usage_sensors(
    hass: HomeAssistant, simulator: ZkPushSimulator, loaded_entry: MockConfigEntry
) -> None:
    """After a user write the terminal counts its tables, and the usage sensors follow."""
    assert await simulator.connect()
    await hass.async_block_till_done()
    users = registered_entity_id(hass, "sensor", ZK_SERIAL, "usage_users")
    assert hass.states.get(users).state == "0"
    users_data = [{"user_id": str(n), "name": f"P{n}"} for n in (1, 2, 3)]
    data = {"device_id": device_id(hass, ZK_SERIAL), "users": users_data}
    await device_action(hass, simulator, "sync_users", data)
    await simulator.cycle()  # the terminal takes the counts and answers them
    await hass.async_block_till_done()
    assert any(c.endswith(":DATA COUNT user") for c in simulator.commands)
    assert hass.states.get(users).state == "3"
