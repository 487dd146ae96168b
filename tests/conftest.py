"""Fixtures shared by the Access Terminal tests.

Most fixtures stand for the terminal of one protocol family, `family`: HTTPv2 unless a test
asks for another one, with `@pytest.mark.parametrize("family", [...], indirect=True)` (every
family: `ALL_FAMILIES`), or a folder's conftest pins it (tests/families/<family>/).

- `mock_config_entry`: the terminal's entry (of a terminal we call: where its simulator listens);
- `simulator`: the family's simulator, built to call Home Assistant's real HTTP server, or
  serving on a loopback port for Home Assistant to call;
- `loaded_entry`: the entry set up; a terminal that calls us has not called yet;
- `init_integration`: the entry set up and the terminal heard from (hello, first poll);
- `terminal_in_use`: that, and the terminal used as the snapshots show it.

A platform's snapshot test parametrises `platforms` to set up only its own platform, freezes
the clock (`frozen_clock`) and snapshots `terminal_in_use`. Snapshots live in tests/snapshots/.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from pathlib import Path
from typing import Any, Final
from unittest.mock import PropertyMock, patch

from freezegun import api as freezegun_api
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

# Import before the harness's own testing_config/custom_components package can shadow ours.
import custom_components.access_terminal  # noqa: F401
from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.families import FAMILIES
from custom_components.access_terminal.protocols.model import Family
from custom_components.access_terminal.terminal_entry import PLATFORMS

from .families.httpv2.device import HttpV2Device
from .helpers import TestClient
from .terminals import HTTPV2_SERIAL, KITS, AddTerminal, Simulator, SimulatorFarm, TerminalKit

pytest_plugins = ["pytest_homeassistant_custom_component"]

# The moment the snapshot tests take place (winter: Home Assistant's test zone, US/Pacific,
# is eight whole hours behind UTC).
FROZEN_AT: Final = "2025-01-14T08:30:00+00:00"


class SnapshotsFolder(HomeAssistantSnapshotExtension):  # type: ignore[misc]  # untyped harness
    """Home Assistant's snapshots, kept in tests/snapshots/ (its folders mirror the tests')."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """Return tests/snapshots/ plus the test module's folder under tests/."""
        tests = Path(__file__).parent
        folder = Path(test_location.filepath).parent.relative_to(tests)
        return str(tests / "snapshots" / folder)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return the snapshot assertion, keeping its files in tests/snapshots/."""
    return snapshot.use_extension(SnapshotsFolder)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components."""


@pytest.fixture(autouse=True)
def quick_user_listing() -> Generator[None]:
    """A user listing ends at the first keep-alive after the pushes stop."""
    with patch(
        "custom_components.access_terminal.protocols.httpv2.terminal.LIST_QUIET_SECONDS", 0.0
    ):
        yield


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
def frozen_clock(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Generator[None]:
    """Stop the wall clock (Home Assistant's, the simulators') at FROZEN_AT.

    The event loop's own clock keeps running: simulators and sockets wait on it. Image entities
    get a fixed access token.
    """
    freezer.move_to(FROZEN_AT)
    with (
        # freezegun's own module keeps the real clock (it fakes the copies held elsewhere).
        patch.object(hass.loop, "time", freezegun_api.real_monotonic),
        patch.object(image._RND, "getrandbits", return_value=0xC0FFEE),
    ):
        yield


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
async def farm(client: TestClient, socket_enabled: None) -> AsyncGenerator[SimulatorFarm]:
    """Where simulators are built; every one is stopped after the test."""
    farm = SimulatorFarm(str(client.make_url("")).rstrip("/"), client.session)
    yield farm
    for simulator in farm.built:
        await simulator.stop()


# -- the terminal of one family ----------------------------------------------------------------


@pytest.fixture
def family(request: pytest.FixtureRequest) -> Family:
    """Return the family under test (parametrise it indirectly; HTTPv2 by default)."""
    return Family(getattr(request, "param", Family.HTTPV2))


@pytest.fixture
def kit(family: Family) -> TerminalKit[Any]:
    """Return how the tests build the family's terminal."""
    return KITS[family]


@pytest.fixture
async def simulator(kit: TerminalKit[Any], farm: SimulatorFarm) -> Simulator:
    """Return the family's simulator (one Home Assistant calls is listening already)."""
    sim: Simulator = await kit.simulator(farm)
    return sim


@pytest.fixture
def make_simulator(kit: TerminalKit[Any], farm: SimulatorFarm) -> Callable[..., Awaitable[Any]]:
    """Build more simulators of the family (another serial, other settings)."""

    async def build(serial: str | None = None, **kwargs: Any) -> Any:
        return await kit.simulator(farm, serial, **kwargs)

    return build


@pytest.fixture
def mock_config_entry(
    family: Family, kit: TerminalKit[Any], request: pytest.FixtureRequest
) -> MockConfigEntry:
    """Return the entry of the family's terminal."""
    if FAMILIES[family].pull is None:
        return kit.entry()
    # A terminal Home Assistant calls is wherever its simulator listens.
    return kit.entry(request.getfixturevalue("simulator"))


@pytest.fixture
def platforms() -> list[Platform]:
    """Return the platforms a terminal's entry sets up (a platform's tests: only theirs)."""
    return list(PLATFORMS)


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, platforms: list[Platform]
) -> AsyncGenerator[MockConfigEntry]:
    """Set the terminal's entry up (a terminal we call answered; one that calls us did not yet)."""
    with patch("custom_components.access_terminal.terminal_entry.PLATFORMS", platforms):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        yield mock_config_entry
        if platforms != PLATFORMS and mock_config_entry.state is ConfigEntryState.LOADED:
            # Unloaded while only these platforms are known (unloading asks every platform).
            assert await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    kit: TerminalKit[Any],
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
) -> MockConfigEntry:
    """Set the terminal's entry up and let its simulator say hello."""
    await kit.hello(hass, simulator)
    return loaded_entry


@pytest.fixture
async def terminal_in_use(
    hass: HomeAssistant,
    kit: TerminalKit[Any],
    simulator: Simulator,
    init_integration: MockConfigEntry,
) -> MockConfigEntry:
    """Use the terminal: someone let in, a door event, an alarm, an admin event (see KITS)."""
    await kit.exercise(hass, simulator, init_integration)
    await hass.async_block_till_done()
    return init_integration


@pytest.fixture
def add_terminal(hass: HomeAssistant, farm: SimulatorFarm) -> AddTerminal:
    """Add a terminal of any family (entry set up, simulator heard from) next to the others."""

    async def add(
        family: Family, serial: str | None = None, **kwargs: Any
    ) -> tuple[MockConfigEntry, Any]:
        kit = KITS[family]
        sim = await kit.simulator(farm, serial, **kwargs)
        entry = kit.entry(sim)
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await kit.hello(hass, sim)
        return entry, sim

    return add


@pytest.fixture
async def httpv2_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, client: TestClient
) -> HttpV2Device:
    """Return a raw HTTPv2 device that already said hello (keep-alive and work settings)."""
    device = HttpV2Device(client, HTTPV2_SERIAL)
    assert (await device.keepalive())["Success"] == 1
    assert (await device.upload_settings())["Success"] == 1
    await hass.async_block_till_done()
    return device
