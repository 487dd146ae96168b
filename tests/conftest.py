"""Fixtures shared by the Access Terminal tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

from aiohttp import ClientSession
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

# Import before the harness's own testing_config/custom_components package can shadow ours.
import custom_components.access_terminal  # noqa: F401
from custom_components.access_terminal.const import CONF_FAMILY, CONF_SERIAL, DOMAIN
from simulator.cloud_ws import CloudWsSimulator
from simulator.common import Runnable
from simulator.control_api import ControlApiSimulator
from simulator.httpv2 import HttpV2Simulator
from simulator.webjson import WebJsonSimulator
from simulator.zk_push import ZkPushSimulator

from .helpers import SERIAL, HttpV2Device, TestClient
from .mqtt_broker import Mosquitto, MqttProbe
from .zk_helpers import ZK_SERIAL

pytest_plugins = ["pytest_homeassistant_custom_component"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components."""


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create every entity enabled, including those disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return the entry of an HTTPv2 terminal."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=SERIAL,
        unique_id=SERIAL,
        data={CONF_FAMILY: "httpv2", CONF_SERIAL: SERIAL},
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set the terminal's entry up."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


@pytest.fixture
async def client(
    hass: HomeAssistant,
    hass_client_no_auth: Callable[[], Awaitable[TestClient]],
) -> TestClient:
    """Return a client of Home Assistant's real HTTP app (the push endpoints need no auth).

    The integration is set up first: its views must be registered before the server starts.
    """
    assert await async_setup_component(hass, DOMAIN, {})
    # The image platform registers its own views: entries added later (discovery) need them.
    assert await async_setup_component(hass, "image", {})
    return await hass_client_no_auth()


@pytest.fixture
async def device(
    hass: HomeAssistant, init_integration: MockConfigEntry, client: TestClient
) -> HttpV2Device:
    """Return a raw HTTPv2 device that already said hello (keep-alive and work settings)."""
    device = HttpV2Device(client, SERIAL)
    assert (await device.keepalive())["Success"] == 1
    assert (await device.upload_settings())["Success"] == 1
    await hass.async_block_till_done()
    return device


@pytest.fixture(autouse=True)
def quick_user_listing() -> Any:
    """A user listing ends at the first keep-alive after the pushes stop."""
    with patch(
        "custom_components.access_terminal.protocols.httpv2.terminal.LIST_QUIET_SECONDS", 0.0
    ):
        yield


@dataclass
class SimulatorFarm:
    """Simulators calling Home Assistant's HTTP server over a real socket, stopped at the end."""

    server: str
    session: ClientSession
    built: list[Runnable] = field(default_factory=list)

    def add[S: Runnable](self, simulator: S) -> S:
        """Keep `simulator` to stop it when the test ends."""
        self.built.append(simulator)
        return simulator


@pytest.fixture
async def farm(client: TestClient) -> AsyncGenerator[SimulatorFarm]:
    """Where simulators are built; every one is stopped after the test."""
    farm = SimulatorFarm(str(client.make_url("")).rstrip("/"), client.session)
    yield farm
    for simulator in farm.built:
        await simulator.stop()


@pytest.fixture
def make_simulator(farm: SimulatorFarm) -> Callable[..., HttpV2Simulator]:
    """Build HTTPv2 simulators."""

    def build(serial: str = SERIAL, **kwargs: Any) -> HttpV2Simulator:
        kwargs.setdefault("keepalive_interval", 30)
        kwargs.setdefault("enroll_delay", 0.01)
        kwargs.setdefault("release_time", 1)
        kwargs.setdefault("seed", 7)
        return farm.add(HttpV2Simulator(farm.server, serial, session=farm.session, **kwargs))

    return build


@pytest.fixture
async def sim(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    make_simulator: Callable[..., HttpV2Simulator],
) -> HttpV2Simulator:
    """A known simulator that has said hello."""
    sim = make_simulator()
    assert (await sim.keepalive_cycle()) is not None
    await hass.async_block_till_done()
    return sim


def zk_entry(serial: str = ZK_SERIAL) -> MockConfigEntry:
    """Return the entry of a ZK PUSH terminal."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=serial,
        unique_id=serial,
        data={CONF_FAMILY: "zk_push", CONF_SERIAL: serial},
    )


@pytest.fixture
async def zk_loaded(hass: HomeAssistant) -> MockConfigEntry:
    """The loaded entry of a Security PUSH controller (set up before the server starts)."""
    entry = zk_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


@pytest.fixture
def make_zk_simulator(farm: SimulatorFarm) -> Callable[..., ZkPushSimulator]:
    """Build ZK PUSH simulators (door timers run a hundred times faster)."""

    def build(serial: str = ZK_SERIAL, **kwargs: Any) -> ZkPushSimulator:
        kwargs.setdefault("enroll_delay", 0.01)
        kwargs.setdefault("seed", 7)
        sim = farm.add(ZkPushSimulator(farm.server, serial, session=farm.session, **kwargs))
        sim.door_second = 0.01
        return sim

    return build


@pytest.fixture
async def zk_sim(
    hass: HomeAssistant,
    zk_loaded: MockConfigEntry,
    make_zk_simulator: Callable[..., ZkPushSimulator],
) -> ZkPushSimulator:
    """A known two-door controller that registered."""
    sim = make_zk_simulator(doors=2)
    assert await sim.connect()
    await hass.async_block_till_done()
    return sim


@pytest.fixture
def mqtt_ready(socket_enabled: None) -> Generator[None]:
    """Allow loopback sockets, and reconnect to brokers after tenths of seconds."""
    from custom_components.access_terminal.mqtt_bridge import connection

    with (
        patch.object(connection, "MIN_BACKOFF", 0.1),
        patch.object(connection, "MAX_BACKOFF", 0.2),
    ):
        yield


@pytest.fixture
def broker(mqtt_ready: None, tmp_path: Path) -> Generator[Mosquitto]:
    """Run an anonymous Mosquitto on a free loopback port."""
    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def probe(broker: Mosquitto) -> Generator[MqttProbe]:
    """Another hub that hears everything on the broker."""
    probe = MqttProbe(broker)
    yield probe
    probe.close()


@pytest.fixture
async def webjson_sim() -> AsyncGenerator[WebJsonSimulator]:
    """A Webserver + JSON terminal with three users, serving on a free loopback port."""
    sim = WebJsonSimulator(enroll_delay=0.05, seed=11)
    sim.add_demo_users(3)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def control_sim() -> AsyncGenerator[ControlApiSimulator]:
    """A terminal with the device control interface (three users), on a free loopback port.

    Its firmware has no log uploader (Home Assistant reads the logs); see `uploading_sim`.
    """
    sim = ControlApiSimulator(enroll_delay=0.05, seed=13, uploader=False)
    sim.add_demo_users(3)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def uploading_sim(
    hass: HomeAssistant, farm: SimulatorFarm
) -> AsyncGenerator[ControlApiSimulator]:
    """A control API terminal whose log uploader posts to Home Assistant's real HTTP server."""
    await async_process_ha_core_config(hass, {"internal_url": farm.server})
    sim = ControlApiSimulator(enroll_delay=0.05, seed=17, session=farm.session)
    sim.add_demo_users(3)
    await sim.start()
    yield sim
    await sim.stop()


CLOUD_SERIAL = "ZX12345678"


def cloud_entry(serial: str = CLOUD_SERIAL, **options: Any) -> MockConfigEntry:
    """Return the entry of a cloud WebSocket terminal."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=serial,
        unique_id=serial,
        data={CONF_FAMILY: "cloud_ws", CONF_SERIAL: serial},
        options=options,
    )


@pytest.fixture
async def cloud_loaded(hass: HomeAssistant) -> MockConfigEntry:
    """The loaded entry of a cloud WebSocket terminal (set up before the server starts)."""
    entry = cloud_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


@pytest.fixture
def make_cloud_simulator(farm: SimulatorFarm) -> Callable[..., CloudWsSimulator]:
    """Build cloud WebSocket simulators connecting to Home Assistant's own port."""

    def build(serial: str = CLOUD_SERIAL, **kwargs: Any) -> CloudWsSimulator:
        kwargs.setdefault("enroll_delay", 0.01)
        kwargs.setdefault("reconnect_delay", 0.05)
        kwargs.setdefault("seed", 7)
        kwargs.setdefault("server", farm.server)
        return farm.add(CloudWsSimulator(serial=serial, session=farm.session, **kwargs))

    return build


@pytest.fixture
async def cloud_sim(
    hass: HomeAssistant,
    cloud_loaded: MockConfigEntry,
    make_cloud_simulator: Callable[..., CloudWsSimulator],
) -> CloudWsSimulator:
    """A known cloud terminal with three demo users, connected and registered."""
    sim = make_cloud_simulator()
    sim.add_demo_users(3)
    await sim.start()
    await asyncio.wait_for(sim.wait_registered(), 10)
    await hass.async_block_till_done()
    return sim
