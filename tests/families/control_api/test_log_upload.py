"""The control API's log uploader endpoint: /api/access_terminal/log_upload/<secret>."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from tests.helpers import TestClient, bus_events
from tests.terminals import UPLOAD_SECRET


async def test_upload_endpoint_refuses_bad_requests(
    hass: HomeAssistant, client: TestClient, loaded_entry: MockConfigEntry
) -> None:
    entry = loaded_entry
    url = f"/api/access_terminal/log_upload/{UPLOAD_SECRET}"
    response = await client.post("/api/access_terminal/log_upload/guessed", json={})
    assert response.status == 404
    for body, status in (
        (b"{broken", 400),
        (b"[1, 2]", 400),
        (b'{"start_pos": "x", "logs": []}', 400),
        (b'{"start_pos": 0, "logs": {"a": 1}}', 400),
        (b"\xff\xfe\x00\x01", 400),
        (b"{" + b" " * (2 * 1024 * 1024) + b"}", 413),
    ):
        response = await client.post(url, data=body)
        assert response.status == status, body[:20]
        assert "error" in await response.json()
    response = await client.post(url, data=b"")  # where to start: after what was polled
    assert (response.status, await response.json()) == (200, {"next_upload_pos": 0})
    events = bus_events(hass)
    logs = [{"user_id": "7", "time": "2025-01-02T03:04:05", "mode": "card"}]
    response = await client.post(url, json={"start_pos": 0, "next_pos": 1, "logs": logs})
    assert await response.json() == {"next_upload_pos": 1}
    await hass.async_block_till_done()
    assert [e.data["user_id"] for e in events] == ["7"]
    # Unloaded: refused like an unknown secret.
    assert await hass.config_entries.async_unload(entry.entry_id)
    response = await client.post(url, json={})
    assert response.status == 404


async def test_no_local_address_is_a_repair(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, issue_registry: ir.IssueRegistry
) -> None:
    """Without a local URL the uploader cannot be set: Repairs says what to do."""
    issue_id = f"no_upload_url_{mock_config_entry.entry_id}"
    mock_config_entry.add_to_hass(hass)
    with patch(
        "custom_components.access_terminal.families.control_api.get_url",
        side_effect=NoURLAvailableError,
    ):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "no_upload_url"
    await hass.config_entries.async_reload(mock_config_entry.entry_id)  # an address now
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
