"""A bounded run of the fuzz harness (scripts/fuzz.py runs ten thousand inputs per endpoint).

Every push endpoint gets a few generated inputs, every pull command a few generated answers:
nothing may answer 5xx, log an error or a traceback, or leave a store that does not save. Not
timed (loop stalls are the script's to measure).
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from scripts.fuzz import Fuzzer, serve

from .helpers import TestClient

INPUTS = 8  # per endpoint: some four hundred in all


@pytest.mark.usefixtures("socket_enabled")
async def test_every_boundary_takes_malformed_input(
    hass: HomeAssistant, client: TestClient, hass_storage: dict[str, Any]
) -> None:
    def read_stored(key: str) -> Any:
        return hass_storage.get(key, {}).get("data")

    fuzzer = Fuzzer(
        hass, client.session, str(client.make_url("")).rstrip("/"), read_stored=read_stored, seed=7
    )
    async with serve(fuzzer.device.app) as device:
        await fuzzer.set_up(device.port or 0)
        report = await fuzzer.run(INPUTS, warm_up=0)
    for endpoint in report.endpoints.values():
        endpoint.stalls = endpoint.gc_pauses = 0  # a test does not time
    assert report.clean, "\n".join(report.lines())
    assert sum(endpoint.inputs for endpoint in report.endpoints.values()) >= 300
    assert report.store_checks > 0
