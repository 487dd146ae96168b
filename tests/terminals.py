"""One test terminal per protocol family: its config entry, its simulator, how it says hello.

tests/conftest.py builds the terminal of the `family` under test with these kits. A kit's
`exercise` brings its terminal to the state the snapshots show: someone let in, a door event, an
alarm and an admin event, as far as the family reports them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from aiohttp import ClientSession
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import CONF_FAMILY, CONF_SERIAL, DOMAIN
from custom_components.access_terminal.coordinator import AccessTerminalConfigEntry
from custom_components.access_terminal.families import FAMILIES
from custom_components.access_terminal.protocols.cloud_ws import CloudWsTerminal
from custom_components.access_terminal.protocols.model import Credential, Family
from simulator import control_api, webjson
from simulator.cloud_ws import CloudWsSimulator
from simulator.cloud_ws_device import DOOR_OPENED as CLOUD_DOOR_OPENED
from simulator.common import Runnable, jpeg_photo
from simulator.control_api import ControlApiSimulator
from simulator.httpv2 import DOOR_OPENED, KIND_DOOR, HttpV2Simulator
from simulator.webjson import WebJsonSimulator
from simulator.zk_push import EVENT_EXIT_BUTTON, EVENT_TAMPER, VERIFY_OTHER, ZkPushSimulator
from simulator.zk_push_device import ALARM_TAMPER, SENSOR_CLOSED
from simulator.zk_push_doors import EVENT_DOOR_CLOSED, EVENT_DOOR_OPENED

from .helpers import bus_events, poll, settle_until, wait_until, with_device

HTTPV2_SERIAL: Final = "FC-8200H12345678"
ZK_SERIAL: Final = "CGXH201360001"
CLOUD_SERIAL: Final = "ZX12345678"
WEBJSON_SERIAL: Final = webjson.DEFAULT_SERIAL
CONTROL_SERIAL: Final = control_api.DEFAULT_SERIAL
# The secret in the URL a control API terminal uploads its logs to (made when it is added).
UPLOAD_SECRET: Final = "s3cret-upload-path-token"
# The cloud terminal's door event that reports the terminal taken off the wall (an alarm).
CLOUD_TAMPER: Final = 6

ALL_FAMILIES: Final = list(FAMILIES)
PUSH_FAMILIES: Final = [family for family, spec in FAMILIES.items() if spec.pull is None]
PULL_FAMILIES: Final = [family for family, spec in FAMILIES.items() if spec.pull is not None]

type Simulator = (
    HttpV2Simulator | ZkPushSimulator | CloudWsSimulator | WebJsonSimulator | ControlApiSimulator
)
type PullSimulator = WebJsonSimulator | ControlApiSimulator
# The `add_terminal` fixture: add(family, serial=None, **simulator_options) -> (entry, simulator).
type AddTerminal = Callable[..., Awaitable[tuple[MockConfigEntry, Any]]]


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


def push_entry(family: Family, serial: str, **options: Any) -> MockConfigEntry:
    """Return the entry of a terminal that calls Home Assistant."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=serial,
        unique_id=serial,
        data={CONF_FAMILY: str(family), CONF_SERIAL: serial},
        options=options,
    )


def pull_data(sim: PullSimulator) -> dict[str, Any]:
    """Return the config data that reaches a simulated terminal Home Assistant calls."""
    data: dict[str, Any] = {
        "family": sim.family,
        "serial": sim.serial,
        "host": sim.host,
        "port": sim.port,
        "ssl": False,
        "verify_ssl": True,
    }
    if isinstance(sim, WebJsonSimulator):
        data["password"] = sim.password
    else:
        data["api_key"] = sim.api_key
        data["upload_secret"] = UPLOAD_SECRET
    return data


def pull_form(sim: PullSimulator, secret: str, port: int = 0) -> dict[str, Any]:
    """Return what a person types into the form of a terminal Home Assistant calls."""
    key = "password" if isinstance(sim, WebJsonSimulator) else "api_key"
    return {
        "host": sim.host,
        "port": port or sim.port,
        key: secret,
        "ssl": False,
        "verify_ssl": True,
    }


def pull_entry(sim: PullSimulator, **options: Any) -> MockConfigEntry:
    """Return the config entry of a simulated terminal Home Assistant calls."""
    return MockConfigEntry(
        domain=DOMAIN, title=sim.serial, unique_id=sim.serial, data=pull_data(sim), options=options
    )


async def settings_read(hass: HomeAssistant, serial: str) -> None:
    """Wait for the reading of an AiFace terminal's settings (and clock) that follows its hello."""
    entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, serial)
    if entry is not None and entry.state is ConfigEntryState.LOADED:
        terminal = entry.runtime_data.coordinator.terminal
        await wait_until(lambda: terminal.clock_offset is not None)
        await hass.async_block_till_done()


class TerminalKit[S: Simulator](ABC):
    """How the tests build, greet and exercise the terminal of one family."""

    family: ClassVar[Family]
    serial: ClassVar[str]

    @abstractmethod
    def entry(self, sim: S | None = None, **options: Any) -> MockConfigEntry:
        """Return the config entry of `sim` (terminals that call us: of the kit's serial)."""

    @abstractmethod
    async def simulator(self, farm: SimulatorFarm, serial: str | None = None, **kwargs: Any) -> S:
        """Build the simulator (a terminal Home Assistant calls is listening already).

        `kwargs` are the simulator's own options; `users=N` pre-loads N demo users where the
        kit's terminal has some by default.
        """

    @abstractmethod
    async def hello(self, hass: HomeAssistant, sim: S) -> None:
        """Let the terminal of a loaded entry say hello (or answer its first poll)."""

    @abstractmethod
    async def exercise(self, hass: HomeAssistant, sim: S, entry: AccessTerminalConfigEntry) -> None:
        """Use the terminal: an access, door, alarm and admin events, as the family reports them."""


class _PushKit[S: Simulator](TerminalKit[S]):
    def entry(self, sim: S | None = None, **options: Any) -> MockConfigEntry:
        return push_entry(self.family, self.serial if sim is None else sim.serial, **options)


class HttpV2Kit(_PushKit[HttpV2Simulator]):
    """A face terminal with one door, a camera and a thermometer; it starts with no users."""

    family = Family.HTTPV2
    serial = HTTPV2_SERIAL

    async def simulator(
        self, farm: SimulatorFarm, serial: str | None = None, **kwargs: Any
    ) -> HttpV2Simulator:
        kwargs.setdefault("keepalive_interval", 30)
        kwargs.setdefault("enroll_delay", 0.01)
        kwargs.setdefault("release_time", 1)
        kwargs.setdefault("seed", 7)
        return farm.add(
            HttpV2Simulator(farm.server, serial or self.serial, session=farm.session, **kwargs)
        )

    async def hello(self, hass: HomeAssistant, sim: HttpV2Simulator) -> None:
        assert (await sim.keepalive_cycle()) is not None
        await hass.async_block_till_done()

    async def exercise(
        self, hass: HomeAssistant, sim: HttpV2Simulator, entry: AccessTerminalConfigEntry
    ) -> None:
        sim.add_demo_users(2)
        sim.queue_access(3, 2, body_temp=366)  # Bob, by face, with a photo
        sim.door_sensor = 1  # he opens the door
        sim.queue_system_record(KIND_DOOR, DOOR_OPENED)
        sim.raise_alarm("fire")
        sim.add_local_user(3, "Carol")  # added in the terminal's menu
        await sim.upload_work_setting()  # the new head count
        await sim.keepalive_cycle()
        coordinator = entry.runtime_data.coordinator
        await with_device(hass, sim, coordinator.async_request_snapshot())


class ZkPushKit(_PushKit[ZkPushSimulator]):
    """A two-door Security PUSH controller; door timers run a hundred times faster."""

    family = Family.ZK_PUSH
    serial = ZK_SERIAL

    async def simulator(
        self, farm: SimulatorFarm, serial: str | None = None, **kwargs: Any
    ) -> ZkPushSimulator:
        kwargs.setdefault("enroll_delay", 0.01)
        kwargs.setdefault("seed", 7)
        kwargs.setdefault("doors", 2)
        sim = farm.add(
            ZkPushSimulator(farm.server, serial or self.serial, session=farm.session, **kwargs)
        )
        sim.door_second = 0.01
        return sim

    async def hello(self, hass: HomeAssistant, sim: ZkPushSimulator) -> None:
        assert await sim.connect()
        await hass.async_block_till_done()

    async def exercise(
        self, hass: HomeAssistant, sim: ZkPushSimulator, entry: AccessTerminalConfigEntry
    ) -> None:
        sim.add_demo_users(2)
        sim.options.update(IRTempDetectionFunOn="1", MaskDetectionFunOn="1")
        assert await sim.connect()  # restarted, it reports its people and its thermometer
        sim.add_local_user("7", "Grace")  # enrolled at the terminal
        sim.queue_event(
            0, "7", door=2, verify=15, temperature=36.4, mask=1, snapshot=jpeg_photo("Grace")
        )
        sim.queue_event(EVENT_EXIT_BUTTON, "0", door=1, verify=VERIFY_OTHER, inout=2)
        for event in (EVENT_DOOR_OPENED, EVENT_DOOR_CLOSED):  # someone passes door 2
            sim.queue_event(event, "0", door=2, verify=VERIFY_OTHER, inout=2)
        for door in sim.doors:
            door.sensor = SENSOR_CLOSED
        sim.doors[0].alarms.add(ALARM_TAMPER)  # someone opens door 1's reader
        sim.queue_event(EVENT_TAMPER, "0", door=1, verify=VERIFY_OTHER, inout=2)
        await sim.cycle()
        await hass.async_block_till_done()


class CloudWsKit(_PushKit[CloudWsSimulator]):
    """A cloud WebSocket terminal with three demo users (`users=`), on Home Assistant's port."""

    family = Family.CLOUD_WS
    serial = CLOUD_SERIAL

    async def simulator(
        self, farm: SimulatorFarm, serial: str | None = None, **kwargs: Any
    ) -> CloudWsSimulator:
        kwargs.setdefault("enroll_delay", 0.01)
        kwargs.setdefault("reconnect_delay", 0.05)
        kwargs.setdefault("seed", 7)
        kwargs.setdefault("server", farm.server)
        users = kwargs.pop("users", 3)
        sim = farm.add(
            CloudWsSimulator(serial=serial or self.serial, session=farm.session, **kwargs)
        )
        sim.add_demo_users(users)
        return sim

    async def hello(self, hass: HomeAssistant, sim: CloudWsSimulator) -> None:
        await sim.start()
        await asyncio.wait_for(sim.wait_registered(), 10)
        await hass.async_block_till_done()
        # Once registered and caught up, the terminal answers the reading of its settings.
        await settings_read(hass, sim.serial)

    async def exercise(
        self, hass: HomeAssistant, sim: CloudWsSimulator, entry: AccessTerminalConfigEntry
    ) -> None:
        terminal = entry.runtime_data.coordinator.terminal
        assert isinstance(terminal, CloudWsTerminal)
        # What follows a registration (capacities, then the logs recorded offline) is done.
        await wait_until(lambda: terminal._backfill is not None and terminal._backfill.done())
        assert await sim.access(2, mode=8, temperature=36.6) is not None
        assert await sim.door_event(CLOUD_DOOR_OPENED) is not None
        assert await sim.door_event(CLOUD_TAMPER) is not None
        events = bus_events(hass)
        await entry.runtime_data.coordinator.async_enroll("77", Credential.FACE, None)
        await settle_until(
            hass, lambda: any(e.data["type"] == "enrollment_finished" for e in events)
        )


class _PullKit[S: PullSimulator](TerminalKit[S]):
    def entry(self, sim: S | None = None, **options: Any) -> MockConfigEntry:
        assert sim is not None, "a terminal Home Assistant calls is where its simulator listens"
        return pull_entry(sim, **options)

    async def hello(self, hass: HomeAssistant, sim: S) -> None:
        """Setting the entry up read the terminal once: nothing more to say."""
        await hass.async_block_till_done()

    async def _enroll(
        self,
        hass: HomeAssistant,
        sim: S,
        entry: AccessTerminalConfigEntry,
        user_id: str,
        credential: Credential,
    ) -> None:
        # The person is quick: the simulator times enrollment on the clock the snapshots stop.
        sim.enroll_delay = 0
        events = bus_events(hass)
        await entry.runtime_data.coordinator.async_enroll(user_id, credential, None)
        await settle_until(
            hass, lambda: any(e.data["type"] == "enrollment_finished" for e in events)
        )


class WebJsonKit(_PullKit[WebJsonSimulator]):
    """A Webserver + JSON terminal with three users, serving on a free loopback port."""

    family = Family.WEBJSON
    serial = WEBJSON_SERIAL

    async def simulator(
        self, farm: SimulatorFarm, serial: str | None = None, **kwargs: Any
    ) -> WebJsonSimulator:
        kwargs.setdefault("enroll_delay", 0.05)
        kwargs.setdefault("seed", 11)
        users = kwargs.pop("users", 3)
        sim = farm.add(WebJsonSimulator(serial or self.serial, **kwargs))
        sim.add_demo_users(users)
        await sim.start()
        return sim

    async def hello(self, hass: HomeAssistant, sim: WebJsonSimulator) -> None:
        """The first poll read the terminal; its settings and clock are read beside it."""
        await super().hello(hass, sim)
        await settings_read(hass, sim.serial)

    async def exercise(
        self, hass: HomeAssistant, sim: WebJsonSimulator, entry: AccessTerminalConfigEntry
    ) -> None:
        sim.open_seconds = 3600  # the door stays open over the polls below
        sim.record("2", mode=1, event=1)  # Bob clocks in with his card
        await poll(hass)
        await self._enroll(hass, sim, entry, "3", Credential.FACE)


class ControlApiKit(_PullKit[ControlApiSimulator]):
    """A control API terminal with three users whose firmware has no log uploader."""

    family = Family.CONTROL_API
    serial = CONTROL_SERIAL

    async def simulator(
        self, farm: SimulatorFarm, serial: str | None = None, **kwargs: Any
    ) -> ControlApiSimulator:
        kwargs.setdefault("enroll_delay", 0.05)
        kwargs.setdefault("seed", 13)
        kwargs.setdefault("uploader", False)
        users = kwargs.pop("users", 3)
        sim = farm.add(ControlApiSimulator(serial or self.serial, **kwargs))
        sim.add_demo_users(users)
        await sim.start()
        return sim

    async def exercise(
        self, hass: HomeAssistant, sim: ControlApiSimulator, entry: AccessTerminalConfigEntry
    ) -> None:
        # Its clock is set (the simulated terminal keeps UTC: Home Assistant reads that zone
        # from its clock, as the control API names no time zone).
        await entry.runtime_data.coordinator.async_sync_time()
        sim.punch("2", "fp")  # Bob, by fingerprint
        await poll(hass)
        await self._enroll(hass, sim, entry, "3", Credential.PALM)


# Every registered family has a kit (tests/families/test_registry.py checks it).
KITS: Final[Mapping[Family, TerminalKit[Any]]] = {
    kit.family: kit
    for kit in (HttpV2Kit(), ZkPushKit(), CloudWsKit(), WebJsonKit(), ControlApiKit())
}
