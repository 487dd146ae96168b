"""Actions of cloud terminals beyond users: deleting one credential, through the real socket."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.access_terminal.const import DOMAIN
from simulator.cloud_ws import CloudWsSimulator
from simulator.cloud_ws_device import CARD, PASSWORD, SimUser
from tests.helpers import device_id

pytestmark = pytest.mark.usefixtures("init_integration")


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True)


async def test_delete_credential_keeps_the_user(
    hass: HomeAssistant, simulator: CloudWsSimulator
) -> None:
    """The card goes, the password and the person stay; nothing to delete is an error."""
    user = simulator.tables.users[31] = SimUser(name="Ada", records={CARD: 42, PASSWORD: 1234})
    target = {"device_id": device_id(hass, simulator.serial), "user_id": "31"}
    await call(hass, "delete_credential", {**target, "credential": "card"})
    assert user.records == {PASSWORD: 1234}
    assert simulator.tables.users[31].name == "Ada"
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "delete_credential", {**target, "credential": "palm"})
    assert caught.value.translation_key == "device_error"
    assert "has none of these" in str(caught.value)
