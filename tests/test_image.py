"""Images: the photo of the last access and the last camera snapshot."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable

from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.access_terminal.protocols.model import Family
from simulator.cloud_ws import CloudWsSimulator
from simulator.cloud_ws_device import DOOR_OPENED
from simulator.common import jpeg_photo
from simulator.httpv2 import HttpV2Simulator
from simulator.zk_push import ZkPushSimulator

from .families.httpv2.device import HttpV2Device
from .helpers import TestClient, bus_events
from .terminals import ALL_FAMILIES, CLOUD_SERIAL, HTTPV2_SERIAL, ZK_SERIAL

ENTITY = HTTPV2_SERIAL.lower().replace("-", "_")


# The families whose terminals send access photos (the others have no picture to show): ZK
# terminals with a camera (CameraOpen=1) upload snapshots with their records.
PHOTO_FAMILIES = [Family.HTTPV2, Family.CLOUD_WS, Family.ZK_PUSH]


@pytest.mark.parametrize("family", PHOTO_FAMILIES, indirect=True)
@pytest.mark.parametrize("platforms", [[Platform.IMAGE]], ids=["image"])
@pytest.mark.usefixtures("frozen_clock", "entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    terminal_in_use: MockConfigEntry,
) -> None:
    """Every image of every family that sends pictures, after the terminal was used."""
    await snapshot_platform(hass, entity_registry, snapshot, terminal_in_use.entry_id)


@pytest.mark.parametrize(
    "family", [family for family in ALL_FAMILIES if family not in PHOTO_FAMILIES], indirect=True
)
@pytest.mark.parametrize("platforms", [[Platform.IMAGE]], ids=["image"])
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_no_picture_where_none_is_ever_sent(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, terminal_in_use: MockConfigEntry
) -> None:
    """A "Last access photo" that would stay unknown for ever is not made at all."""
    entries = er.async_entries_for_config_entry(entity_registry, terminal_in_use.entry_id)
    assert entries == []


@pytest.mark.usefixtures("init_integration")
async def test_no_picture_link_before_the_first_photo(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    hass_client: Callable[[], Awaitable[TestClient]],
) -> None:
    """Before any photo the entity links no picture (the frontend fetched an error, 500)."""
    photo = hass.states.get(f"image.{ENTITY}_last_access_photo")
    assert photo.state == STATE_UNKNOWN
    assert "entity_picture" not in photo.attributes
    simulator.add_demo_users(1)
    simulator.queue_access(3, 1)
    await simulator.upload_pending()
    await hass.async_block_till_done()
    photo = hass.states.get(f"image.{ENTITY}_last_access_photo")
    client = await hass_client()
    response = await client.get(photo.attributes["entity_picture"])
    assert response.status == 200
    assert response.content_type == "image/jpeg"


async def test_photo_stays_viewable_offline(
    hass: HomeAssistant, httpv2_device: HttpV2Device
) -> None:
    await httpv2_device.record(3, photo=b"\xff\xd8\xff\xe0face")
    await hass.async_block_till_done()
    photo = hass.states.get(f"image.{ENTITY}_last_access_photo")
    assert photo is not None
    assert photo.state != STATE_UNKNOWN


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_httpv2_access_event_with_user_method_and_photo(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    hass_client: Callable[[], Awaitable[TestClient]],
) -> None:
    simulator.add_demo_users(2)
    events = bus_events(hass)
    record = simulator.queue_access(3, 2)
    assert await simulator.upload_pending() == 1
    await hass.async_block_till_done()

    state = hass.states.get(f"event.{ENTITY}_access")
    assert state.attributes["event_type"] == "access_granted"
    assert state.attributes["user_id"] == "2"
    assert state.attributes["user_name"] == simulator.users[2]["Name"]
    assert state.attributes["methods"] == ["face"]
    assert state.attributes["has_photo"] is True
    assert [e.data["record_id"] for e in events] == [str(record["RecordID"])]
    assert hass.states.get(f"sensor.{ENTITY}_last_user").state == simulator.users[2]["Name"]
    assert hass.states.get(f"sensor.{ENTITY}_last_access_method").state == "face"

    photo = simulator.record_photo(record["RecordID"])
    assert photo is not None
    assert photo.startswith(b"\xff\xd8")
    web = await hass_client()
    response = await web.get(f"/api/image_proxy/image.{ENTITY}_last_access_photo")
    assert response.status == 200
    assert await response.read() == photo


@pytest.mark.parametrize("family", [Family.CLOUD_WS], indirect=True)
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_cloud_access_events_with_photos_and_door_events(
    hass: HomeAssistant,
    simulator: CloudWsSimulator,
    hass_client: Callable[[], Awaitable[TestClient]],
) -> None:
    entity = CLOUD_SERIAL.lower()
    events = bus_events(hass)
    answer = await simulator.access(2, mode=8, inout=1, temperature=36.6)
    assert answer is not None
    assert (answer["result"], answer["logindex"], answer["access"]) == (True, 1, 1)
    await hass.async_block_till_done()
    state = hass.states.get(f"event.{entity}_access")
    assert state.attributes["event_type"] == "access_granted"
    assert (state.attributes["user_id"], state.attributes["methods"]) == ("2", ["face"])
    assert (state.attributes["direction"], state.attributes["has_photo"]) == ("out", True)
    assert hass.states.get(f"sensor.{entity}_body_temperature").state == "36.6"
    photo = base64.b64decode(simulator.tables.logs[-1].fields["image"])
    web = await hass_client()
    response = await web.get(f"/api/image_proxy/image.{entity}_last_access_photo")
    assert response.status == 200
    assert await response.read() == photo

    await simulator.door_event(DOOR_OPENED)
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{entity}_door").state == "on"
    door = hass.states.get(f"event.{entity}_door_events")
    assert door.attributes["event_type"] == "door_opened"
    assert [e.data["type"] for e in events] == ["access_granted", "door_opened"]


@pytest.mark.parametrize("family", [Family.ZK_PUSH], indirect=True)
@pytest.mark.usefixtures("init_integration")
async def test_zk_snapshots_show_when_live(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    hass_client: Callable[[], Awaitable[TestClient]],
) -> None:
    """A ZK terminal's snapshot is the photo; one of a record from its backlog is not."""
    entity_id = f"image.{ZK_SERIAL.lower()}_last_access_photo"
    simulator.queue_event(0, "1", time="2021-03-04 05:06:07", snapshot=jpeg_photo("old"))
    await simulator.cycle()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_UNKNOWN

    simulator.queue_event(0, "1", snapshot=jpeg_photo("now"))
    await simulator.cycle()
    await hass.async_block_till_done()
    client = await hass_client()
    response = await client.get(hass.states.get(entity_id).attributes["entity_picture"])
    assert await response.read() == jpeg_photo("now")
