"""Cloud WebSocket settings and device commands through Home Assistant, against the simulator."""

from __future__ import annotations

from datetime import timedelta
import time
from typing import Any
from unittest.mock import patch

from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.components.number.const import SERVICE_SET_VALUE
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN
from simulator.cloud_ws import CloudWsSimulator
from tests.helpers import device_id, entity_id, settle_until, wait_until
from tests.terminals import CLOUD_SERIAL

UNLOCK_TIME = entity_id("number", CLOUD_SERIAL, "unlock_time")
VOLUME = entity_id("number", CLOUD_SERIAL, "volume")
VERIFY_MODE = entity_id("select", CLOUD_SERIAL, "verification_mode")


async def on_terminal(hass: HomeAssistant, service: str, **data: Any) -> None:
    """Call one of the integration's actions on the cloud terminal."""
    await hass.services.async_call(
        DOMAIN, service, {"device_id": [device_id(hass, CLOUD_SERIAL)], **data}, blocking=True
    )


def sent(simulator: CloudWsSimulator, name: str) -> list[dict[str, object]]:
    return [c for c in simulator.tables.received if c.get("cmd") == name]


async def test_settings_are_shown_and_written(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: CloudWsSimulator
) -> None:
    assert hass.states.get(UNLOCK_TIME).state == "5"
    assert hass.states.get(VOLUME).state == "60"
    assert hass.states.get(VERIFY_MODE).state == "any"
    # Rarely changed ones exist, disabled until a person enables them.
    limit = er.async_get(hass).async_get(
        entity_id("number", CLOUD_SERIAL, "failed_attempts_before_alarm")
    )
    assert limit is not None
    assert limit.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # The clock is read with the settings: a diagnostic sensor of how far it is off.
    clock = er.async_get(hass).async_get(entity_id("sensor", CLOUD_SERIAL, "clock_offset"))
    assert clock is not None
    assert clock.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    data = init_integration.runtime_data.coordinator.data
    assert data.clock_offset is not None
    assert abs(data.clock_offset) <= 5  # the terminal took Home Assistant's time at registration

    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: UNLOCK_TIME, "value": 2},
        blocking=True,
    )
    assert sent(simulator, "setdevlock")[-1] == {"cmd": "setdevlock", "opendelay": 2}
    assert simulator.door_seconds == 2  # a passage now holds the door open for 2 s
    assert hass.states.get(UNLOCK_TIME).state == "2"

    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: VERIFY_MODE, "option": "card_and_fingerprint"},
        blocking=True,
    )
    assert simulator.tables.settings.get("verifymode") == 1
    assert hass.states.get(VERIFY_MODE).state == "card_and_fingerprint"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("entity", "value", "refusal"),
    [
        # Home Assistant refuses what is outside the entity's range (the terminal's own)...
        (UNLOCK_TIME, 255, ("number", "out_of_range")),
        (VOLUME, -10, ("number", "out_of_range")),
        # ...and the integration what falls between the terminal's steps (0-10 as 0-100 %).
        (VOLUME, 65, (DOMAIN, "invalid_request")),
    ],
)
async def test_values_out_of_the_terminals_range_are_refused(
    hass: HomeAssistant,
    simulator: CloudWsSimulator,
    entity: str,
    value: float,
    refusal: tuple[str, str],
) -> None:
    before = len(simulator.tables.received)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: entity, "value": value},
            blocking=True,
        )
    assert (err.value.translation_domain, err.value.translation_key) == refusal
    assert len(simulator.tables.received) == before  # nothing was sent
    assert simulator.tables.access.get("opendelay") == 5


async def test_settings_are_unavailable_while_the_terminal_is_away(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: CloudWsSimulator,
) -> None:
    terminal = init_integration.runtime_data.coordinator.terminal
    await simulator.go_offline()
    await wait_until(lambda: not terminal.connected)
    later = time.monotonic() + 600  # ten minutes without a word
    with patch("custom_components.access_terminal.coordinator.time.monotonic", return_value=later):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=10))
        await hass.async_block_till_done()
    assert hass.states.get(UNLOCK_TIME).state == STATE_UNAVAILABLE
    assert hass.states.get(VOLUME).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_factory_reset_initialises_the_terminal(
    hass: HomeAssistant, simulator: CloudWsSimulator
) -> None:
    assert simulator.tables.users
    await on_terminal(hass, "factory_reset", confirm=True)
    await settle_until(hass, lambda: simulator.tables.initializations == 1)
    assert simulator.tables.users == {}


@pytest.mark.usefixtures("init_integration")
async def test_delete_every_user(hass: HomeAssistant, simulator: CloudWsSimulator) -> None:
    assert simulator.tables.users
    await on_terminal(hass, "delete_user", all_users=True)
    assert sent(simulator, "cleanuser") == [{"cmd": "cleanuser"}]
    assert simulator.tables.users == {}


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    "data",
    [
        {},  # neither some users nor all
        {"all_users": False},
        {"all_users": True, "user_id": "2"},  # both
    ],
)
async def test_delete_user_needs_to_know_which(
    hass: HomeAssistant, simulator: CloudWsSimulator, data: dict[str, Any]
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await on_terminal(hass, "delete_user", **data)
    assert err.value.translation_key == "delete_user_which"
    assert sent(simulator, "cleanuser") == sent(simulator, "deleteuser") == []
    assert len(simulator.tables.users) == 3


@pytest.mark.usefixtures("init_integration")
async def test_delete_every_user_is_said_plainly(
    hass: HomeAssistant, simulator: CloudWsSimulator
) -> None:
    with pytest.raises(vol.Invalid):
        await on_terminal(hass, "delete_user", all_users="perhaps")
    assert len(simulator.tables.users) == 3


@pytest.mark.usefixtures("init_integration")
async def test_clear_administrators(
    hass: HomeAssistant, simulator: CloudWsSimulator, hass_read_only_user: Any
) -> None:
    simulator.tables.users[2].admin = 1
    data = {
        "device_id": [device_id(hass, CLOUD_SERIAL)],
        "data": ["administrators"],
        "confirm": True,
    }
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "clear_data",
            data,
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(DOMAIN, "clear_data", {}, blocking=True)
    assert simulator.tables.users[2].admin == 1
    await on_terminal(hass, "clear_data", data=["administrators"], confirm=True)
    assert sent(simulator, "cleanadmin") == [{"cmd": "cleanadmin"}]
    assert [user.admin for user in simulator.tables.users.values()] == [0, 0, 0]
    assert len(simulator.tables.users) == 3  # the people stay
