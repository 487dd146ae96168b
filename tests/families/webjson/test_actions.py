"""Actions of Webserver + JSON terminals beyond users (credentials, erasing, questionnaire)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
import pytest
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN
from simulator.webjson import WebJsonSimulator
from tests.helpers import device_id

pytestmark = pytest.mark.usefixtures("loaded_entry")


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, **kwargs)


async def test_delete_credential_keeps_the_user(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    """The face goes, the name and card stay; get_users shows it."""
    user = simulator.add_user("12", "Ada")
    user.templates[0] = "fp0"
    target = {"device_id": device_id(hass, simulator.serial), "user_id": "0012"}
    await call(hass, "delete_credential", {**target, "credential": "face"})
    assert set(user.templates) == {0}
    await call(hass, "delete_credential", {**target, "credential": "fingerprint"})
    assert user.templates == {}
    response = await call(
        hass, "get_users", {"device_id": target["device_id"], "user_id": "12"}, return_response=True
    )
    (listed,) = response["users"]
    assert (listed["name"], listed["credentials"]["face"]) == ("Ada", False)
    assert listed["cards"] == [str(user.card)]


async def test_delete_credential_of_an_unknown_user_says_so(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    data = {"device_id": device_id(hass, simulator.serial), "user_id": "404", "credential": "palm"}
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "delete_credential", data)
    assert caught.value.translation_key == "device_error"


async def test_delete_credential_refuses_ids_the_terminal_cannot_hold(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    data = {"device_id": device_id(hass, simulator.serial), "user_id": "ada", "credential": "face"}
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "delete_credential", data)
    assert caught.value.translation_key == "invalid_request"
    assert not any(c.startswith("deleteuser") for c in simulator.commands)


async def test_delete_credential_is_for_administrators(
    hass: HomeAssistant, simulator: WebJsonSimulator, hass_read_only_user: Any
) -> None:
    data = {"device_id": device_id(hass, simulator.serial), "user_id": "1", "credential": "face"}
    with pytest.raises(Unauthorized):
        await call(hass, "delete_credential", data, context=Context(user_id=hass_read_only_user.id))
    assert not any(c.startswith("deleteuser") for c in simulator.commands)


async def test_erase_disabled_users(hass: HomeAssistant, simulator: WebJsonSimulator) -> None:
    """Only the disabled user goes; the others stay."""
    simulator.add_user("21", "Gone").enabled = False
    kept = set(simulator.users) - {"21"}
    await call(
        hass,
        "clear_data",
        {
            "device_id": device_id(hass, simulator.serial),
            "data": "inactive_users",
            "confirm": True,
        },
    )
    assert set(simulator.users) == kept


@pytest.mark.parametrize("confirm", [None, False])
async def test_clear_data_needs_confirmation(
    hass: HomeAssistant, simulator: WebJsonSimulator, confirm: bool | None
) -> None:
    data: dict[str, Any] = {"device_id": device_id(hass, simulator.serial), "data": "database"}
    if confirm is not None:
        data["confirm"] = confirm
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "clear_data", data)
    assert caught.value.translation_key == "clear_data_unconfirmed"
    assert simulator.users
    assert "cleandatebase" not in simulator.commands


async def test_questionnaire_set_read_cleared(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    terminal = device_id(hass, simulator.serial)
    await call(
        hass,
        "set_questionnaire",
        {
            "device_id": terminal,
            "title": "Why are you here?",
            "items": ["Work", "Visit", "Delivery"],
            "multiple_choice": True,
            "required": [3, 1],
        },
    )
    assert simulator.questionnaire["optionflag"] == 0b101
    read = await call(hass, "get_questionnaire", {"device_id": terminal}, return_response=True)
    assert read["questionnaire"]["items"] == ["Work", "Visit", "Delivery"]
    assert read["questionnaire"]["required"] == [1, 3]
    await call(hass, "clear_questionnaire", {"device_id": terminal})
    read = await call(hass, "get_questionnaire", {"device_id": terminal}, return_response=True)
    assert read == {"questionnaire": None}


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"required": [1]}, "only a multiple choice"),
        ({"multiple_choice": True, "items": [str(n) for n in range(9)]}, "1 to 8 answers"),
        ({"multiple_choice": True, "required": [3]}, "numbered 1 to 2"),
        ({"title": "two\nlines"}, "control characters"),
    ],
)
async def test_questionnaire_no_terminal_holds_is_refused(
    hass: HomeAssistant, simulator: WebJsonSimulator, data: dict[str, Any], why: str
) -> None:
    base = {"device_id": device_id(hass, simulator.serial), "title": "Q", "items": ["a", "b"]}
    with pytest.raises(ServiceValidationError, match=why) as caught:
        await call(hass, "set_questionnaire", {**base, **data})
    assert caught.value.translation_key == "questionnaire_invalid"
    assert simulator.questionnaire == {}


async def test_get_users_reads_the_validity_back(
    hass: HomeAssistant, simulator: WebJsonSimulator
) -> None:
    """What set_user wrote (setuserlock) comes back from the terminal (getuserlock)."""
    terminal = device_id(hass, simulator.serial)
    await call(
        hass,
        "set_user",
        {
            "device_id": terminal,
            "user_id": "61",
            "name": "Temp",
            "valid_from": "2030-01-01T08:00:00+00:00",
            "valid_until": "2030-02-01T18:00:00+00:00",
        },
    )
    await call(hass, "set_user", {"device_id": terminal, "user_id": "62", "name": "Always"})
    simulator.locks.pop("62", None)  # a person the terminal holds no access parameters for
    response = await call(
        hass, "get_users", {"device_id": terminal, "user_id": ["61", "62"]}, return_response=True
    )
    validity = {u["user_id"]: (u["valid_from"], u["valid_until"]) for u in response["users"]}
    assert validity == {
        "61": ("2030-01-01T08:00:00+00:00", "2030-02-01T18:00:00+00:00"),
        "62": (None, None),
    }


# What each action needs, and the command it must not send when refused.
VALID: dict[str, tuple[dict[str, Any], str]] = {
    "delete_credential": ({"user_id": "1", "credential": "face"}, "deleteuser"),
    "clear_data": ({"data": "database", "confirm": True}, "cleandatebase"),
    "set_questionnaire": ({"title": "Q", "items": ["a", "b"]}, "setquestionnaire"),
}


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("delete_credential", {"credential": "iris"}),
        ("delete_credential", {"credential": ""}),
        ("delete_credential", {"user_id": ""}),
        ("delete_credential", {"user_id": "1" * 33}),
        ("delete_credential", {"user_id": ["1", "2"]}),
        ("clear_data", {"data": "everything"}),
        ("clear_data", {"data": ""}),
        ("clear_data", {"data": None}),
        ("clear_data", {"data": []}),
        ("clear_data", {"confirm": "maybe"}),
        ("set_questionnaire", {"title": ""}),
        ("set_questionnaire", {"title": "x" * 65}),
        ("set_questionnaire", {"items": []}),
        ("set_questionnaire", {"items": [""]}),
        ("set_questionnaire", {"items": [str(n) for n in range(17)]}),
        ("set_questionnaire", {"required": ["first"]}),
        ("set_questionnaire", {"required": [0]}),
        ("set_questionnaire", {"multiple_choice": "sometimes"}),
    ],
)
async def test_actions_refuse_bad_fields(
    hass: HomeAssistant, simulator: WebJsonSimulator, service: str, data: dict[str, Any]
) -> None:
    """Refused by the action's schema: nothing reaches the terminal, nothing is lost."""
    valid, command = VALID[service]
    target = {"device_id": device_id(hass, simulator.serial)}
    with pytest.raises(vol.Invalid):
        await call(hass, service, {**target, **valid, **data})
    assert not any(sent.startswith(command) for sent in simulator.commands)
    assert "1" in simulator.users
