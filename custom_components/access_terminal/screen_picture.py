"""Pictures of one's own on a terminal's screen: the standby slideshow and the boot picture.

The `set_screen_picture` action reads a picture from the allowed folders (files.py), offers it
at a single-use URL on Home Assistant's own server, as firmware is, and tells the terminal to
download it (HTTPv2 `PushSystemFile`); or tells it to remove one.
"""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant

from .coordinator import AccessTerminalCoordinator
from .files import async_read_file, md5_hex, validation_error
from .firmware_install import async_offer_download
from .protocols.model import Operation, ScreenPicture, ScreenPictureKind

# A JPEG or PNG for a screen: far more than a terminal's screen shows.
MAX_PICTURE_BYTES: Final = 4 * 1024 * 1024


def require_screen_pictures(coordinator: AccessTerminalCoordinator) -> None:
    """Refuse a terminal that shows no pictures of one's own (before any file is read)."""
    if not coordinator.data.supports(Operation.SCREEN_PICTURE):
        raise validation_error(
            "screen_picture_not_supported", serial=coordinator.serial, family=coordinator.family
        )


async def async_load_picture(hass: HomeAssistant, file: str) -> tuple[bytes, str]:
    """Read a picture from the allowed folders; return it and its MD5."""
    data = await async_read_file(hass, file, MAX_PICTURE_BYTES)
    return data, await hass.async_add_executor_job(md5_hex, data)


async def async_set_screen_picture(
    hass: HomeAssistant,
    coordinator: AccessTerminalCoordinator,
    kind: ScreenPictureKind,
    index: int,
    picture: tuple[bytes, str] | None,
) -> None:
    """Have the terminal download and show `picture` (None: remove the one it shows there)."""
    if picture is None:
        removal = ScreenPicture(kind=kind, index=index)
        await coordinator.async_call(coordinator.terminal.set_screen_picture(removal))
        return
    data, md5 = picture

    async def hand_over(url: str) -> None:
        shown = ScreenPicture(kind=kind, index=index, url=url, md5=md5)
        await coordinator.async_call(coordinator.terminal.set_screen_picture(shown))

    await async_offer_download(
        hass, coordinator, data, hand_over, not_downloaded="screen_picture_not_downloaded"
    )
