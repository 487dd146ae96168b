"""Actions of cloud terminals beyond users (credentials, screen messages), through the socket."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
import voluptuous as vol

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


async def test_screen_messages_public_and_personal(
    hass: HomeAssistant, simulator: CloudWsSimulator
) -> None:
    """The public message and one person's: written, read back, taken away."""
    simulator.tables.users[31] = SimUser(name="Ada")
    terminal = device_id(hass, simulator.serial)
    await call(hass, "set_screen_message", {"device_id": [terminal], "message": "Bonjour à tous"})
    await call(
        hass,
        "set_screen_message",
        {"device_id": terminal, "user_id": "031", "message": "Your parcel is at the desk"},
    )
    assert simulator.tables.public_profile == "Bonjour à tous"
    assert simulator.tables.users[31].profile == "Your parcel is at the desk"
    read = await hass.services.async_call(
        DOMAIN,
        "get_screen_message",
        {"device_id": terminal, "user_id": "31"},
        blocking=True,
        return_response=True,
    )
    assert read == {"message": "Your parcel is at the desk"}
    await call(hass, "set_screen_message", {"device_id": terminal, "message": ""})
    read = await hass.services.async_call(
        DOMAIN, "get_screen_message", {"device_id": terminal}, blocking=True, return_response=True
    )
    assert read == {"message": ""}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"message": "é" * 101}, "invalid_request"),  # 202 bytes: more than the terminal holds
        ({"message": "line\nbreak"}, "screen_message_invalid"),
        ({"message": "hi", "user_id": "ada"}, "invalid_request"),
        ({"message": "hi", "user_id": "404"}, "device_error"),
    ],
)
async def test_screen_message_refusals_are_readable(
    hass: HomeAssistant, simulator: CloudWsSimulator, data: dict[str, Any], key: str
) -> None:
    simulator.tables.public_profile = "kept"
    with pytest.raises(HomeAssistantError) as caught:
        await call(
            hass, "set_screen_message", {"device_id": device_id(hass, simulator.serial), **data}
        )
    assert caught.value.translation_key == key
    assert simulator.tables.public_profile == "kept"


@pytest.mark.parametrize("data", [{}, {"message": "x" * 201}, {"message": ["a"]}, {"user_id": ""}])
async def test_screen_message_refuses_bad_fields(
    hass: HomeAssistant, simulator: CloudWsSimulator, data: dict[str, Any]
) -> None:
    base = {"device_id": device_id(hass, simulator.serial)}
    if "message" not in data and data:
        base["message"] = "hi"
    with pytest.raises(vol.Invalid):
        await call(hass, "set_screen_message", {**base, **data})
