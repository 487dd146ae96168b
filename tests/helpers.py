"""What every Home Assistant side test shares: waiting, bus events, devices, payload files."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
import json
from pathlib import Path
import socket
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient as AiohttpTestClient
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.access_terminal.const import DOMAIN, EVENT_ACCESS_TERMINAL
from custom_components.access_terminal.firmware import FIRMWARE_PATH
from custom_components.access_terminal.push import DATA_PUSH
from simulator.httpv2 import HttpV2Simulator
from simulator.zk_push import ZkPushSimulator

# The client of Home Assistant's HTTP app that the harness hands out.
TestClient = AiohttpTestClient[web.Request, web.Application]

# Device payloads, one folder per family (tests/fixtures/<family>/).
FIXTURES = Path(__file__).parent / "fixtures"


def fixture_path(family: str, name: str) -> Path:
    """Return the path of a payload file of `family`."""
    return FIXTURES / family / name


def load_json(family: str, name: str) -> dict[str, Any]:
    """Load a JSON payload of `family`."""
    data: dict[str, Any] = json.loads(fixture_path(family, name).read_text(encoding="utf-8"))
    return data


def load_text(family: str, name: str) -> str:
    """Load a text payload of `family` exactly as stored (no newline is added or stripped)."""
    with fixture_path(family, name).open(encoding="utf-8", newline="") as file:
        return file.read()


def load_bytes(family: str, name: str) -> bytes:
    """Load a binary payload of `family` (bodies in a device's own encoding)."""
    return fixture_path(family, name).read_bytes()


async def start_add_flow(hass: HomeAssistant, step: str) -> ConfigFlowResult:
    """Open "Add integration" and choose `step` from its menu (a family, or the MQTT bridge)."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": step})


def offer_firmware(hass: HomeAssistant, data: bytes) -> str:
    """Publish an image as push_firmware does; return its single-use URL path."""
    token, _ = hass.data[DATA_PUSH].firmware.publish(data, 60)
    return f"{FIRMWARE_PATH}/{token}"


def bus_events(hass: HomeAssistant) -> list[Event]:
    """Collect access_terminal_event bus events, in the order they were fired."""
    events: list[Event] = []

    @callback
    def collect(event: Event) -> None:
        # A plain function would run in the executor, and list the events in any order.
        events.append(event)

    hass.bus.async_listen(EVENT_ACCESS_TERMINAL, collect)
    return events


def device_id(hass: HomeAssistant, serial: str) -> str:
    """Return the device registry id of a terminal."""
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, serial)})
    assert device is not None
    return device.id


def entity_id(platform: str, serial: str, key: str) -> str:
    """Return the entity id Home Assistant gives a terminal's entity (`key`: its name)."""
    slug = serial.lower().replace("-", "_")
    return f"{platform}.{slug}_{key}"


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _deadline(within: float) -> Callable[[], bool]:
    # The event loop's clock: it runs on while a test freezes time.
    loop = asyncio.get_running_loop()
    end = loop.time() + within
    return lambda: loop.time() < end


async def wait_until(condition: Callable[[], object], within: float = 15.0) -> None:
    """Poll `condition` until it holds (generous: the machine may be busy)."""
    in_time = _deadline(within)
    while not condition():
        assert in_time(), "condition not met in time"
        await asyncio.sleep(0.01)


async def settle_until(
    hass: HomeAssistant, condition: Callable[[], bool], within: float = 10
) -> None:
    """Wait until `condition` holds, letting Home Assistant finish its work in between."""
    in_time = _deadline(within)
    while not condition():
        assert in_time(), "condition not met in time"
        await asyncio.sleep(0.02)
        await hass.async_block_till_done(wait_background_tasks=True)


async def poll(hass: HomeAssistant, seconds: float = 20) -> None:
    """Let the polling interval pass so every terminal Home Assistant calls is read once."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    # The coordinator polls in a background task.
    await hass.async_block_till_done(wait_background_tasks=True)


async def with_device(
    hass: HomeAssistant,
    sim: HttpV2Simulator | ZkPushSimulator,
    call: Awaitable[Any],
    cycles: int = 4,
) -> Any:
    """Run a call while a simulated push terminal polls, as a real one would."""
    step = sim.keepalive_cycle if isinstance(sim, HttpV2Simulator) else sim.cycle
    task = asyncio.ensure_future(call)
    for _ in range(cycles):
        await asyncio.sleep(0.01)  # let the call queue its work
        if task.done():
            break
        await step()
    result = await asyncio.wait_for(task, 5)
    await hass.async_block_till_done()
    return result


async def device_action(
    hass: HomeAssistant,
    sim: HttpV2Simulator | ZkPushSimulator,
    service: str,
    data: dict[str, Any],
    *,
    cycles: int = 4,
    response: bool = False,
) -> Any:
    """Call one of our actions while a simulated push terminal polls (see with_device)."""
    call = hass.services.async_call(DOMAIN, service, data, blocking=True, return_response=response)
    return await with_device(hass, sim, call, cycles)


def firmware_file(hass: HomeAssistant, image: bytes) -> str:
    """Put a firmware image where actions may read it; return its path for `push_firmware`."""
    folder = Path(hass.config.path("access_terminal"))
    folder.mkdir(exist_ok=True)
    (folder / "emfw.cfg").write_bytes(image)
    return "access_terminal/emfw.cfg"


def registered_entity_id(hass: HomeAssistant, domain: str, serial: str, key: str) -> str:
    """Return the entity id of a terminal's entity by its key (unique id: serial_key).

    Entities added after a terminal reported its name take that name (as after a person
    renames a device), so their ids are found through the registry.
    """
    found = er.async_get(hass).async_get_entity_id(domain, DOMAIN, f"{serial}_{key}")
    assert found is not None, (domain, serial, key)
    return found
