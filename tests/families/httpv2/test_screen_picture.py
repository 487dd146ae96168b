"""The set_screen_picture action against the HTTPv2 simulator (PushSystemFile)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from homeassistant.core import Context, HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.exceptions import ServiceValidationError, Unauthorized
import pytest
import voluptuous as vol

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.protocols.model import Family
from simulator.httpv2 import HttpV2Simulator
from tests.helpers import TestClient, device_id, with_device
from tests.terminals import HTTPV2_SERIAL, AddTerminal

PICTURE = b"\xff\xd8\xff\xe0 a picture of the shop" * 100

pytestmark = pytest.mark.usefixtures("init_integration")


@pytest.fixture
async def pictures(hass: HomeAssistant, client: TestClient, tmp_path: Path) -> Path:
    """A configuration folder with access_terminal/shop.jpg, and a local URL to serve it at."""
    hass.config.config_dir = str(tmp_path)
    folder = tmp_path / "access_terminal"
    folder.mkdir()
    (folder / "shop.jpg").write_bytes(PICTURE)
    await async_process_ha_core_config(hass, {"internal_url": str(client.make_url("")).rstrip("/")})
    return folder


def action(hass: HomeAssistant, **data: Any) -> Any:
    return hass.services.async_call(
        DOMAIN,
        "set_screen_picture",
        {"device_id": device_id(hass, HTTPV2_SERIAL), **data},
        blocking=True,
    )


@pytest.mark.usefixtures("pictures")
@pytest.mark.parametrize(("picture", "index", "file_type"), [("standby", 3, 1), ("boot", 1, 2)])
async def test_picture_downloaded_by_the_terminal(
    hass: HomeAssistant, simulator: HttpV2Simulator, picture: str, index: int, file_type: int
) -> None:
    call = action(hass, picture=picture, index=index, file="access_terminal/shop.jpg")
    await with_device(hass, simulator, call)
    (installed,) = simulator.system_files
    assert installed["type"] == file_type
    assert installed["index"] == index
    assert installed["md5_ok"] is True  # the MD5 sent is the picture's
    assert installed["size"] == len(PICTURE)
    (command,) = [c for c in simulator.remote_commands if "PushSystemFile" in c]
    assert command["PushSystemFile"][0]["FileMD5"] == hashlib.md5(PICTURE).hexdigest().upper()  # noqa: S324


async def test_picture_removed(hass: HomeAssistant, simulator: HttpV2Simulator) -> None:
    await with_device(hass, simulator, action(hass, picture="standby", index=2, delete=True))
    (removed,) = simulator.system_files
    assert (removed["index"], removed["deleted"], removed["size"]) == (2, True, 0)


@pytest.mark.usefixtures("pictures")
@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"picture": "standby"}, "screen_picture_file_or_delete"),
        (
            {"picture": "standby", "file": "access_terminal/shop.jpg", "delete": True},
            "screen_picture_file_or_delete",
        ),
        ({"picture": "boot", "index": 2, "file": "access_terminal/shop.jpg"}, "invalid_request"),
        ({"picture": "standby", "file": "secrets.yaml"}, "file_not_allowed"),
        ({"picture": "standby", "file": "access_terminal/missing.jpg"}, "file_unreadable"),
    ],
)
async def test_refused_with_a_translated_error(
    hass: HomeAssistant, simulator: HttpV2Simulator, data: dict[str, Any], key: str
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await action(hass, **data)
    assert err.value.translation_key == key
    reply = await simulator.keepalive_cycle()
    assert reply is not None
    assert "Remote" not in reply  # nothing was sent
    assert simulator.system_files == []


@pytest.mark.parametrize(
    "data",
    [
        {"picture": "wallpaper", "delete": True},
        {"picture": "standby", "index": 0, "delete": True},
        {"picture": "standby", "index": 9, "delete": True},
        {"picture": "standby", "index": "second", "delete": True},
        {"picture": "standby", "delete": "maybe"},
        {"index": 1, "delete": True},
    ],
)
async def test_bad_fields_refused(hass: HomeAssistant, data: dict[str, Any]) -> None:
    with pytest.raises(vol.Invalid):
        await action(hass, **data)


async def test_for_administrators_only(
    hass: HomeAssistant, simulator: HttpV2Simulator, hass_read_only_user: Any
) -> None:
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "set_screen_picture",
            {"device_id": device_id(hass, HTTPV2_SERIAL), "picture": "boot", "delete": True},
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    assert simulator.remote_commands == []


@pytest.mark.usefixtures("pictures")
async def test_a_family_without_pictures_is_refused_first(
    hass: HomeAssistant, add_terminal: AddTerminal
) -> None:
    _, other = await add_terminal(Family.WEBJSON)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_screen_picture",
            {
                "device_id": [device_id(hass, other.serial), device_id(hass, HTTPV2_SERIAL)],
                "picture": "standby",
                "file": "access_terminal/shop.jpg",
            },
            blocking=True,
        )
    assert err.value.translation_key == "screen_picture_not_supported"
