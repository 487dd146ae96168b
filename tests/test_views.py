"""What every endpoint terminals call shares: refusals, bounded bodies, firmware downloads.

Shown with HTTPv2 and ZK PUSH requests; each family's own endpoints are tested in tests/families/.
"""

from __future__ import annotations

import json

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_INTEGRATION_DISCOVERY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import CONF_FAMILY, CONF_SERIAL, DOMAIN
from custom_components.access_terminal.push import MAX_OFFERS

from .families.httpv2.device import HttpV2Device
from .families.zk_push.device import ZkDevice
from .helpers import TestClient, bus_events, offer_firmware
from .terminals import HTTPV2_SERIAL

UNKNOWN = "FC-8200H99999999"


async def test_unknown_serial_refused_and_offered_once(
    hass: HomeAssistant,
    client: TestClient,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, object],
) -> None:
    stranger = HttpV2Device(client, UNKNOWN)
    events = bus_events(hass)
    for _ in range(3):
        assert await stranger.keepalive() == {"Success": 401}
    assert await stranger.record(3, photo=b"\xff\xd8jpeg") == {"Success": 401}
    assert (await stranger.upload_settings())["Success"] == 401
    await hass.async_block_till_done()

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    assert flows[0]["context"]["unique_id"] == UNKNOWN
    # Nothing of the stranger is kept: no entry, no event, no stored file, no entity.
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    assert events == []
    assert not [key for key in hass_storage if UNKNOWN in json.dumps(hass_storage[key])]
    assert not [e for e in hass.states.async_entity_ids() if "99999999" in e]


async def test_ignored_terminal_stays_refused(hass: HomeAssistant, client: TestClient) -> None:
    MockConfigEntry(
        domain=DOMAIN,
        source=SOURCE_IGNORE,
        unique_id=UNKNOWN,
        data={CONF_FAMILY: "httpv2", CONF_SERIAL: UNKNOWN},
    ).add_to_hass(hass)
    await hass.async_block_till_done()
    stranger = HttpV2Device(client, UNKNOWN)
    assert await stranger.keepalive() == {"Success": 401}
    await hass.async_block_till_done()
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_unloaded_terminal_refused(
    hass: HomeAssistant, client: TestClient, loaded_entry: MockConfigEntry
) -> None:
    device = HttpV2Device(client)
    assert await device.keepalive() == {"Success": 1, "UploadWorkParameter": 1}
    await hass.config_entries.async_unload(loaded_entry.entry_id)
    events = bus_events(hass)
    assert await device.keepalive() == {"Success": 401}
    assert await device.record(3) == {"Success": 401}
    await hass.async_block_till_done()
    assert events == []
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_oversized_body_refused(httpv2_device: HttpV2Device) -> None:
    body = json.dumps({"SN": HTTPV2_SERIAL, "Padding": "x" * (3 * 1024 * 1024)}).encode()
    response = await httpv2_device.client.post(
        "/Device/Keepalive", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert (await response.json())["Success"] == 413


async def test_other_family_cannot_claim_a_zk_serial(
    hass: HomeAssistant, client: TestClient, loaded_entry: MockConfigEntry
) -> None:
    """An HTTPv2 terminal's serial calling the iclock endpoints is refused."""
    assert (await ZkDevice(client, HTTPV2_SERIAL).get("cdata", "options=all"))[0] == 401


async def test_firmware_in_ranges_then_gone(hass: HomeAssistant, client: TestClient) -> None:
    """A terminal pulling 1 MB pieces (ZK PUSH 12.4.1, method 3) gets every piece, then 404."""
    image = bytes(range(256)) * 40
    path = offer_firmware(hass, image)
    pieces = []
    for first in range(0, len(image), 4096):
        response = await client.get(path, headers={"Range": f"bytes={first}-{first + 4095}"})
        assert response.status == 206
        assert response.headers["Content-Range"].endswith(f"/{len(image)}")
        pieces.append(await response.read())
    assert b"".join(pieces) == image
    assert (await client.get(path)).status == 404


async def test_firmware_suffix_and_bad_ranges(hass: HomeAssistant, client: TestClient) -> None:
    """Unreadable or impossible ranges get 416; the last N bytes can be asked for."""
    image = bytes(range(200))
    path = offer_firmware(hass, image)
    for bad in ("bytes=abc", "bytes=-", "bytes=150-100", "items=0-1"):
        response = await client.get(path, headers={"Range": bad})
        assert response.status == 416, bad
        assert response.headers["Content-Range"] == "bytes */200"
    response = await client.get(path, headers={"Range": "bytes=100-"})
    assert await response.read() == image[100:]
    assert (await client.get(path)).status == 404  # the last byte was sent: withdrawn
    path = offer_firmware(hass, image)
    response = await client.get(path, headers={"Range": "bytes=-10"})
    assert response.status == 206
    assert await response.read() == image[-10:]


async def test_terminals_added_do_not_count_against_new_offers(
    hass: HomeAssistant, client: TestClient
) -> None:
    """Discovery stopped offering after 64 terminals in ten minutes, added ones included."""
    assert await async_setup_component(hass, DOMAIN, {})
    for number in range(MAX_OFFERS + 10):
        serial = f"FC-8200H{number:08d}"
        assert await HttpV2Device(client, serial).keepalive() == {"Success": 401}
        await hass.async_block_till_done()
        (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert flow["context"]["unique_id"] == serial
        result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        # Once added, it is no stranger: its next call is taken.
        assert (await HttpV2Device(client, serial).keepalive())["Success"] == 1
    assert len(hass.config_entries.async_entries(DOMAIN)) == MAX_OFFERS + 10


async def test_a_flood_of_strangers_is_offered_no_further(
    hass: HomeAssistant, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Terminals still unknown do count: a flood of invented serials stops being offered."""
    assert await async_setup_component(hass, DOMAIN, {})
    for number in range(MAX_OFFERS + 3):
        assert await HttpV2Device(client, f"FC-8200H{number:08d}").keepalive() == {"Success": 401}
        await hass.async_block_till_done()
    assert len(hass.config_entries.flow.async_progress_by_handler(DOMAIN)) == MAX_OFFERS
    assert caplog.text.count("Many unknown access terminals are calling") == 1
