"""The control API's log uploader endpoint: /api/access_terminal/log_upload/<secret>."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

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
