"""The firmware update entity: images from the firmware folder or a URL, installed with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from homeassistant.components.update import ATTR_INSTALLED_VERSION, ATTR_LATEST_VERSION
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import CONF_FIRMWARE_URL, CONF_FIRMWARE_VERSION
from custom_components.access_terminal.protocols.model import Family
from custom_components.access_terminal.update import FirmwareOffer, folder_offers
from simulator.httpv2 import HttpV2Simulator
from simulator.webjson import WebJsonSimulator

from .helpers import TestClient, registered_entity_id, with_device
from .terminals import ALL_FAMILIES, KITS, pull_entry


@pytest.fixture
async def firmware_folder(hass: HomeAssistant, tmp_path: Path) -> Path:
    """The configuration's firmware folder (set before the entry: it is read at once)."""
    assert await async_setup_component(hass, "homeassistant", {})  # update_entity
    hass.config.config_dir = str(tmp_path)
    folder = tmp_path / "access_terminal" / "firmware"
    folder.mkdir(parents=True)
    return folder


def _entity(hass: HomeAssistant, family: Family) -> str:
    return registered_entity_id(hass, "update", KITS[family].serial, "firmware")


def _percentages(hass: HomeAssistant, entity_id: str) -> list[Any]:
    seen: list[Any] = []

    @callback
    def progress(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None and state.attributes["in_progress"]:
            seen.append(state.attributes["update_percentage"])

    async_track_state_change_event(hass, entity_id, progress)
    return seen


async def _install(hass: HomeAssistant, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        "update", "install", {"entity_id": entity_id, **data}, blocking=True
    )


@pytest.mark.usefixtures("init_integration")
async def test_an_image_in_the_folder_is_offered_and_installed(
    hass: HomeAssistant, simulator: HttpV2Simulator, client: TestClient, firmware_folder: Path
) -> None:
    await async_process_ha_core_config(hass, {"internal_url": str(client.make_url("")).rstrip("/")})
    (firmware_folder / "FC-8200H").mkdir()
    (firmware_folder / "FC-8200H" / "8.47.bin").write_bytes(b"FIRMWARE" * 100_000)
    (firmware_folder / "SpeedFace-V5L").mkdir()  # another model's folder is not this one's
    (firmware_folder / "SpeedFace-V5L" / "9.0.bin").write_bytes(b"other")
    entity_id = _entity(hass, Family.HTTPV2)
    await hass.services.async_call("homeassistant", "update_entity", {"entity_id": entity_id})
    await hass.async_block_till_done()
    state = hass.states.get(entity_id)
    assert state.state == STATE_ON
    assert (state.attributes[ATTR_INSTALLED_VERSION], state.attributes[ATTR_LATEST_VERSION]) == (
        "8.46",
        "8.47",
    )
    percentages = _percentages(hass, entity_id)
    await with_device(hass, simulator, _install(hass, entity_id))
    # The terminal downloaded it (Home Assistant saw every byte go), checked it and restarts.
    assert simulator.firmware_installs[-1]["md5_ok"] is True
    assert percentages[0] is None
    assert percentages[-1] == 100
    await simulator.keepalive_cycle()
    await hass.async_block_till_done()
    state = hass.states.get(entity_id)
    assert (state.state, state.attributes["in_progress"]) == (STATE_OFF, False)
    assert state.attributes[ATTR_INSTALLED_VERSION] == "8.47"


@pytest.mark.usefixtures("init_integration")
async def test_a_version_nobody_offered(hass: HomeAssistant, firmware_folder: Path) -> None:
    (firmware_folder / "fc-8200h").mkdir()  # the model's name in any case
    for version in ("8.47", "8.50", "8.5-beta"):
        (firmware_folder / "fc-8200h" / f"{version}.bin").write_bytes(b"x")
    entity_id = _entity(hass, Family.HTTPV2)
    await hass.services.async_call("homeassistant", "update_entity", {"entity_id": entity_id})
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).attributes[ATTR_LATEST_VERSION] == "8.50"
    with pytest.raises(HomeAssistantError) as caught:
        await _install(hass, entity_id, version="9.99")
    assert caught.value.translation_key == "firmware_not_found"
    assert hass.states.get(entity_id).attributes["in_progress"] is False


@pytest.mark.parametrize("family", [Family.WEBJSON], indirect=True)
async def test_an_image_named_by_url_is_uploaded_in_blocks(
    hass: HomeAssistant,
    simulator: WebJsonSimulator,
    aiohttp_server: Any,
    firmware_folder: Path,
    socket_enabled: None,
) -> None:
    image = bytes(range(256)) * 4000

    async def firmware(_: web.Request) -> web.Response:
        return web.Response(body=image)

    app = web.Application()
    app.router.add_get("/ai-2.4.0.pkg", firmware)
    server = await aiohttp_server(app)
    entry = pull_entry(
        simulator,
        **{
            CONF_FIRMWARE_URL: str(server.make_url("/ai-2.4.0.pkg")),
            CONF_FIRMWARE_VERSION: "ai-2.4.0",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    entity_id = _entity(hass, Family.WEBJSON)
    assert hass.states.get(entity_id).attributes[ATTR_LATEST_VERSION] == "ai-2.4.0"
    percentages = _percentages(hass, entity_id)
    await _install(hass, entity_id)
    assert simulator.installed[-1][2] == image
    assert percentages[-1] == 100
    assert len(percentages) > 2  # block after block


@pytest.mark.parametrize("family", ALL_FAMILIES, indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_only_terminals_that_take_firmware(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_config_entry: MockConfigEntry,
    family: Family,
) -> None:
    """Cloud and control API terminals have no firmware command: no update entity."""
    entries = er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
    updates = [entry for entry in entries if entry.domain == "update"]
    assert len(updates) == (family in (Family.HTTPV2, Family.ZK_PUSH, Family.WEBJSON))


def test_folder_offers(tmp_path: Path) -> None:
    model = tmp_path / "FC-8200H"
    model.mkdir()
    (model / "8.47.bin").write_bytes(b"x")
    (model / ".hidden").write_bytes(b"x")
    (model / "notes").mkdir()
    assert folder_offers(tmp_path, "fc-8200h") == [
        FirmwareOffer(version="8.47", file="access_terminal/firmware/FC-8200H/8.47.bin")
    ]
    assert folder_offers(tmp_path, None) == []
    assert folder_offers(tmp_path / "missing", "FC-8200H") == []
    assert folder_offers(tmp_path, "other") == []
