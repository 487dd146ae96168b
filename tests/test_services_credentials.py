"""Actions a family cannot do (credentials, messages, erasing, questionnaire): refused."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
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
async def test_erase_data_not_supported(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    data = {"device_id": device_id(hass, HTTPV2_SERIAL), "data": "record_photos", "confirm": True}
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(DOMAIN, "erase_data", data, blocking=True)
    assert caught.value.translation_key == "not_supported"


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
