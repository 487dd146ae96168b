"""The AiFace actions elsewhere: refused by families that cannot, and to non-administrators."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, Unauthorized
import pytest

from custom_components.access_terminal.const import DOMAIN
from simulator.httpv2 import HttpV2Simulator

from .helpers import device_id
from .terminals import HTTPV2_SERIAL


@pytest.mark.usefixtures("init_integration")
async def test_delete_credential_not_supported(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    data = {"device_id": device_id(hass, HTTPV2_SERIAL), "user_id": "1", "credential": "face"}
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(DOMAIN, "delete_credential", data, blocking=True)
    assert caught.value.translation_key == "not_supported"


@pytest.mark.usefixtures("init_integration")
async def test_screen_message_not_supported(
    hass: HomeAssistant, simulator: HttpV2Simulator
) -> None:
    target = {"device_id": device_id(hass, HTTPV2_SERIAL)}
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "set_screen_message", {**target, "message": "hi"}, blocking=True
        )
    assert caught.value.translation_key == "not_supported"
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "get_screen_message", target, blocking=True, return_response=True
        )
    assert caught.value.translation_key == "not_supported"


@pytest.mark.usefixtures("init_integration")
async def test_clear_data_not_supported(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    data = {"device_id": device_id(hass, HTTPV2_SERIAL), "data": "record_photos", "confirm": True}
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(DOMAIN, "clear_data", data, blocking=True)
    assert caught.value.translation_key == "not_supported"
    assert caught.value.translation_placeholders["operation"] == "clear_data record_photos"


@pytest.mark.usefixtures("init_integration")
async def test_questionnaire_not_supported(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    target = {"device_id": device_id(hass, HTTPV2_SERIAL)}
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "set_questionnaire", {**target, "title": "Q", "items": ["a"]}, blocking=True
        )
    assert caught.value.translation_key == "not_supported"
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "get_questionnaire", target, blocking=True, return_response=True
        )
    assert caught.value.translation_key == "not_supported"
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(DOMAIN, "clear_questionnaire", target, blocking=True)
    assert caught.value.translation_key == "not_supported"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("service", "data", "response"),
    [
        ("delete_credential", {"user_id": "1", "credential": "face"}, False),
        ("clear_data", {"data": "database", "confirm": True}, False),
        ("set_questionnaire", {"title": "Q", "items": ["a"]}, False),
        ("get_questionnaire", {}, True),
        ("clear_questionnaire", {}, False),
        ("set_screen_message", {"message": "hi"}, False),
        ("get_screen_message", {}, True),
    ],
)
async def test_only_administrators(
    hass: HomeAssistant,
    simulator: HttpV2Simulator,
    hass_read_only_user: Any,
    service: str,
    data: dict[str, Any],
    response: bool,
) -> None:
    """Changing, erasing or reading what a terminal shows people is for administrators."""
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            service,
            {"device_id": device_id(hass, HTTPV2_SERIAL), **data},
            blocking=True,
            return_response=response,
            context=Context(user_id=hass_read_only_user.id),
        )
