"""Control API settings and actions through Home Assistant: entities, actions, the simulator."""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.number.const import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN
from simulator.access_rules import GRANTED
from simulator.common import jpeg_photo, monotonic
from simulator.control_api import VERIFY_MODE, ControlApiSimulator
from tests.helpers import device_id, poll


def entity(sim: ControlApiSimulator, platform: str, key: str) -> str:
    return f"{platform}.{sim.serial.lower()}_{key}"


async def choose_verify_mode(hass: HomeAssistant, sim: ControlApiSimulator, mode: str) -> None:
    """Pick a verification mode in the terminal's select entity."""
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity(sim, "select", "verification_mode"), ATTR_OPTION: mode},
        blocking=True,
    )


async def act(
    hass: HomeAssistant, sim: ControlApiSimulator, service: str, data: dict[str, object]
) -> None:
    """Call one of the integration's actions on the simulated terminal."""
    await hass.services.async_call(
        DOMAIN, service, {"device_id": device_id(hass, sim.serial), **data}, blocking=True
    )


@pytest.fixture
async def loaded(
    hass: HomeAssistant, simulator: ControlApiSimulator, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    simulator.settings["SoundVolume"]["sound_volume"] = 4
    simulator.settings["AcSetting"]["unlock_time"] = 7
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return mock_config_entry


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "loaded")
async def test_settings_are_entities_with_the_values_read(
    hass: HomeAssistant, simulator: ControlApiSimulator, entity_registry: er.EntityRegistry
) -> None:
    volume = hass.states.get(entity(simulator, "number", "volume"))
    assert volume is not None
    assert (volume.state, volume.attributes["min"], volume.attributes["step"]) == ("40", 10, 10)
    unlock = hass.states.get(entity(simulator, "number", "unlock_time"))
    assert unlock is not None
    assert (unlock.state, unlock.attributes["max"]) == ("7", 200)
    mode = hass.states.get(entity(simulator, "select", "verification_mode"))
    assert mode is not None
    assert mode.state == "any"
    assert "face_fingerprint_and_password" in mode.attributes["options"]
    assert "door_sensor_type" not in str(hass.states.async_entity_ids())
    assert hass.states.get(entity(simulator, "switch", "tamper_alarm")).state == "off"
    assert hass.states.get(entity(simulator, "select", "shift_mode")).state == "user"
    registered = entity_registry.async_get(entity(simulator, "number", "volume"))
    assert registered is not None
    assert registered.entity_category is EntityCategory.CONFIG
    # Still no door of its own: the unlock time is the terminal's one lock.
    assert hass.states.get(f"lock.{simulator.serial.lower()}_door_lock") is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "loaded")
async def test_changes_reach_the_terminal(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity(simulator, "number", "unlock_time"), ATTR_VALUE: 2},
        blocking=True,
    )
    assert simulator.settings["AcSetting"]["unlock_time"] == 2
    assert hass.states.get(entity(simulator, "number", "unlock_time")).state == "2"
    # The terminal opens its lock for 2 s now.
    simulator.add_user("1", "Ada")
    assert simulator.verify("1") == GRANTED
    assert 1.5 < simulator.relay_until - monotonic() <= 2

    await choose_verify_mode(hass, simulator, "face_and_password")
    assert simulator.settings["VerifyMode"] == {"verify_mode": 11}
    await hass.services.async_call(
        "switch",
        SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: entity(simulator, "switch", "liveness_detection")},
        blocking=True,
    )
    assert simulator.settings["FaceVerifySetting"]["use_antispoofing"] is False
    assert simulator.settings["FaceVerifySetting"]["antispoofing_thre"] == 2  # kept
    await hass.services.async_call(
        "switch",
        SERVICE_TURN_ON,
        {ATTR_ENTITY_ID: entity(simulator, "switch", "tamper_alarm")},
        blocking=True,
    )
    assert simulator.settings["AcSetting"]["monitor_tamper"] is True
    assert simulator.settings["AcSetting"]["unlock_time"] == 2  # kept


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "loaded")
@pytest.mark.parametrize(("key", "value"), [("volume", 0), ("volume", 110), ("unlock_time", 201)])
async def test_a_value_out_of_range_is_refused_and_nothing_is_sent(
    hass: HomeAssistant, simulator: ControlApiSimulator, key: str, value: float
) -> None:
    sent = len(simulator.commands)
    with pytest.raises(ServiceValidationError):
        # The entity's min / max are the terminal's: Home Assistant refuses before we are asked.
        await hass.services.async_call(
            "number",
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: entity(simulator, "number", key), ATTR_VALUE: value},
            blocking=True,
        )
    assert not [c for c in simulator.commands[sent:] if c.startswith("Set")]
    assert simulator.settings["SoundVolume"]["sound_volume"] == 4


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "loaded")
async def test_a_step_between_the_terminals_levels_is_the_translated_refusal(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "number",
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: entity(simulator, "number", "volume"), ATTR_VALUE: 45},
            blocking=True,
        )
    assert (caught.value.translation_domain, caught.value.translation_key) == (
        DOMAIN,
        "invalid_request",
    )
    assert "SetSoundVolume" not in simulator.commands


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "loaded")
async def test_settings_are_unavailable_while_the_terminal_is_offline(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    volume = entity(simulator, "number", "volume")
    assert hass.states.get(volume).state == "40"
    await simulator.go_away()
    await poll(hass)
    assert hass.states.get(volume).state == STATE_UNAVAILABLE
    simulator.settings["SoundVolume"]["sound_volume"] = 9  # changed at its menu meanwhile
    await simulator.come_back()
    await poll(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(volume).state == "90"


async def test_clear_data_and_factory_reset(
    hass: HomeAssistant, simulator: ControlApiSimulator, loaded: MockConfigEntry
) -> None:
    terminal = device_id(hass, simulator.serial)
    simulator.add_user("5", "Eve").privilege = "manager"
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "clear_data",
            {"device_id": terminal, "data": ["administrators"]},
            blocking=True,
        )
    assert caught.value.translation_key == "clear_data_unconfirmed"
    assert simulator.users["5"].privilege == "manager"
    await hass.services.async_call(
        DOMAIN,
        "clear_data",
        {"device_id": terminal, "data": ["administrators", "admin_log"], "confirm": True},
        blocking=True,
    )
    assert simulator.users["5"].privilege == "user"
    assert simulator.admin_log == []
    await hass.services.async_call(
        DOMAIN,
        "delete_user",
        {"device_id": terminal, "all_users": True},
        blocking=True,
    )
    assert simulator.users == {}
    users = await hass.services.async_call(
        DOMAIN, "get_users", {"device_id": terminal}, blocking=True, return_response=True
    )
    assert users == {"users": []}

    await act(hass, simulator, "set_user", {"user_id": "6", "name": "Finn"})
    simulator.punch("6")
    store = loaded.runtime_data.coordinator.store
    assert list(store.users) == ["6"]
    await act(hass, simulator, "factory_reset", {"confirm": True})
    assert (simulator.users, simulator.logs) == ({}, [])
    # Home Assistant knows the terminal holds nobody now (the directory writes people again).
    assert store.users == {}


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(
    "data",
    [
        {"data": ["everything"], "confirm": True},
        {"data": [], "confirm": True},
        {"confirm": True},
        {"data": ["users"], "confirm": True},
        {"data": ["admin_log"], "confirm": "perhaps"},
    ],
)
async def test_clear_data_refuses_bad_input(
    hass: HomeAssistant, simulator: ControlApiSimulator, data: dict[str, object]
) -> None:
    simulator.add_user("5", "Eve")
    with pytest.raises(vol.Invalid):
        await act(hass, simulator, "clear_data", data)
    assert "5" in simulator.users


@pytest.mark.usefixtures("loaded")
async def test_a_photo_becomes_the_face_template(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    """set_user with a photo: PhotoToFacedata turns it into the face; a refusal says why."""
    photos = Path(hass.config.path("access_terminal"))
    photos.mkdir(exist_ok=True)
    (photos / "eve.jpg").write_bytes(jpeg_photo("Eve"))
    (photos / "big.jpg").write_bytes(jpeg_photo("Big"))
    simulator.photo_states[jpeg_photo("Big")] = "dimension_overflow"
    terminal = device_id(hass, simulator.serial)
    await hass.services.async_call(
        DOMAIN,
        "set_user",
        {"device_id": terminal, "user_id": "5", "name": "Eve", "photo": "access_terminal/eve.jpg"},
        blocking=True,
    )
    assert simulator.users["5"].face
    with pytest.raises(HomeAssistantError, match="larger than 480 x 640"):
        await hass.services.async_call(
            DOMAIN,
            "set_user",
            {"device_id": terminal, "user_id": "6", "photo": "access_terminal/big.jpg"},
            blocking=True,
        )
    assert "6" not in simulator.users


@pytest.mark.usefixtures("loaded")
async def test_set_bell_and_set_shift(hass: HomeAssistant, simulator: ControlApiSimulator) -> None:
    terminal = device_id(hass, simulator.serial)
    await hass.services.async_call(
        DOMAIN,
        "set_bell",
        {
            "device_id": terminal,
            "bell": 2,
            "time": "12:30",
            "weekdays": ["mon", "fri"],
            "duration": 30,
            "ringer": "external",
        },
        blocking=True,
    )
    assert simulator.bells[1] == {
        "start": "12:30",
        "duration_index": 6,
        "type_index": 1,
        "weekmask": 0b100010,
    }
    await hass.services.async_call(
        DOMAIN,
        "set_bell",
        {"device_id": terminal, "bell": 2, "time": "12:30", "enabled": False},
        blocking=True,
    )
    assert simulator.bells[1]["duration_index"] == 0
    await hass.services.async_call(
        DOMAIN,
        "set_shift",
        {"device_id": terminal, "shift": 24, "periods": ["08:00-12:00", "13:30 - 17:30"]},
        blocking=True,
    )
    assert simulator.shifts[23][:2] == [
        {"start": "08:00", "end": "12:00"},
        {"start": "13:30", "end": "17:30"},
    ]


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("set_bell", {"bell": 0, "time": "08:00"}),
        ("set_bell", {"bell": 1, "time": "25:00"}),
        ("set_bell", {"bell": 1}),
        ("set_bell", {"bell": 1, "time": "08:00", "weekdays": ["funday"]}),
        ("set_bell", {"bell": 1, "time": "08:00", "weekdays": []}),
        ("set_bell", {"bell": 1, "time": "08:00", "duration": 0}),
        ("set_bell", {"bell": 1, "time": "08:00", "ringer": "loud"}),
        ("set_shift", {"shift": 0}),
        ("set_shift", {"shift": 1, "periods": ["9 to 5"]}),
        ("set_shift", {"shift": 1, "periods": ["09:00-09:00"]}),
        ("set_shift", {"shift": 1, "periods": ["09:00-25:00"]}),
    ],
)
async def test_bells_and_shifts_refuse_bad_input(
    hass: HomeAssistant, simulator: ControlApiSimulator, service: str, data: dict[str, object]
) -> None:
    with pytest.raises(vol.Invalid):
        await act(hass, simulator, service, data)
    assert not {"SetBellSetting", "SetShiftSetting"} & set(simulator.commands)


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(
    ("service", "data", "words"),
    [
        ("set_bell", {"bell": 25, "time": "08:00"}, "bell 25 is not one of 1 to 24"),
        ("set_bell", {"bell": 1, "time": "08:00", "duration": 7}, "rings a bell for 3, 5"),
        ("set_shift", {"shift": 25}, "shift 25 is not one of 1 to 24"),
        ("set_shift", {"shift": 1, "periods": ["08:00-09:00"] * 4}, "at most 3 periods"),
    ],
)
async def test_what_the_terminal_cannot_hold_is_the_translated_refusal(
    hass: HomeAssistant,
    simulator: ControlApiSimulator,
    service: str,
    data: dict[str, object],
    words: str,
) -> None:
    with pytest.raises(ServiceValidationError, match=words) as caught:
        await act(hass, simulator, service, data)
    assert (caught.value.translation_domain, caught.value.translation_key) == (
        DOMAIN,
        "invalid_request",
    )
    assert not {"SetBellSetting", "SetShiftSetting"} & set(simulator.commands)


@pytest.mark.usefixtures("loaded")
async def test_set_user_shifts_returns_the_rota_held(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    simulator.add_user("5", "Eve")
    terminal = device_id(hass, simulator.serial)
    response = await hass.services.async_call(
        DOMAIN,
        "set_user_shifts",
        {
            "device_id": terminal,
            "user_id": "5",
            "start": "2025-03-03",
            "days": [1, "2", "leave", "off"],
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["start"] == "2025-03-03"
    assert response["devices"] == {terminal: ([1, 2, "leave", "off"] * 25)}
    assert simulator.users["5"].shift[:4] == [0, 1, 25, 100]
    with pytest.raises(HomeAssistantError, match="user 9 does not exist"):
        await hass.services.async_call(
            DOMAIN,
            "set_user_shifts",
            {"device_id": terminal, "user_id": "9", "days": [1]},
            blocking=True,
        )


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(
    "data",
    [
        {"user_id": "5", "days": []},
        {"user_id": "5", "days": [True]},
        {"user_id": "5", "days": [1.5]},
        {"user_id": "5", "days": ["holidays"]},
        {"user_id": "5", "days": [65]},
        {"user_id": "5", "days": [1], "start": "someday"},
        {"user_id": "", "days": [1]},
        {"days": [1]},
    ],
)
async def test_set_user_shifts_refuses_bad_input(
    hass: HomeAssistant, simulator: ControlApiSimulator, data: dict[str, object]
) -> None:
    simulator.add_user("5", "Eve")
    with pytest.raises(vol.Invalid):
        await act(hass, simulator, "set_user_shifts", data)
    assert "SetUserShift" not in simulator.commands


@pytest.mark.usefixtures("loaded")
async def test_a_shift_beyond_the_terminals_is_the_translated_refusal(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    simulator.add_user("5", "Eve")
    with pytest.raises(ServiceValidationError, match="shift 30 is not one of 1 to 24") as caught:
        await hass.services.async_call(
            DOMAIN,
            "set_user_shifts",
            {"device_id": device_id(hass, simulator.serial), "user_id": "5", "days": [30]},
            blocking=True,
        )
    assert caught.value.translation_key == "invalid_request"
    assert "SetUserShift" not in simulator.commands


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "loaded")
async def test_the_verification_mode_decides_who_gets_in(
    hass: HomeAssistant, simulator: ControlApiSimulator
) -> None:
    simulator.add_user("1", "Ada")
    assert simulator.verify("1", "card") == GRANTED
    await choose_verify_mode(hass, simulator, "face_and_card")
    assert simulator.verify("1", "card") == VERIFY_MODE
    assert simulator.verify("1", "face,card") == GRANTED
