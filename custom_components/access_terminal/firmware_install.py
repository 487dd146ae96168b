"""Installing firmware on a terminal: load the image, hand it over, follow its progress.

Shared by the `push_firmware` action and the update entity. Terminals that download (HTTPv2,
ZK PUSH) are given a single-use URL on Home Assistant's own server; the others get the image
from the protocol library (the pull families upload it in blocks). Either way the caller may
follow the share of the image the terminal has received.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .const import DOMAIN
from .coordinator import AccessTerminalCoordinator
from .files import async_download, async_read_file, md5_hex, validation_error
from .firmware import FIRMWARE_PATH
from .protocols.model import FirmwareImage, Operation
from .push import DATA_PUSH

MAX_FIRMWARE_BYTES: Final = 128 * 1024 * 1024
# How long a terminal that was told the URL has to download the image.
FIRMWARE_DOWNLOAD_TIMEOUT = 600.0

type Progress = Callable[[float], None]


def require_firmware_support(coordinator: AccessTerminalCoordinator) -> None:
    """Refuse a terminal whose protocol has no firmware command (before any download)."""
    if not coordinator.data.supports(Operation.PUSH_FIRMWARE):
        raise validation_error(
            "firmware_not_supported", serial=coordinator.serial, family=coordinator.family
        )


async def async_load_image(
    hass: HomeAssistant, *, file: str | None = None, url: str | None = None, md5: str | None = None
) -> tuple[bytes, str]:
    """Read (`file`, relative to the configuration folder) or download (`url`) an image.

    Returns the image and its MD5; an `md5` given that differs refuses it.
    """
    if file is not None:
        data = await async_read_file(hass, file, MAX_FIRMWARE_BYTES)
    elif url is not None:
        data = await async_download(hass, url, MAX_FIRMWARE_BYTES)
    else:  # pragma: no cover - callers give one (the action's schema, the update's offer)
        raise ValueError("a firmware file or URL is needed")
    actual = await hass.async_add_executor_job(md5_hex, data)
    if md5 is not None and md5.lower() != actual:
        raise validation_error("md5_mismatch", expected=md5.lower(), actual=actual)
    return data, actual


async def async_install(
    hass: HomeAssistant,
    coordinator: AccessTerminalCoordinator,
    data: bytes,
    md5: str,
    version: str | None,
    progress: Progress | None = None,
) -> None:
    """Hand the image to the terminal; return once it has it (downloaded, or uploaded)."""
    if not coordinator.terminal.downloads_firmware:
        image = FirmwareImage(data=data, md5=md5, version=version, progress=progress)
        await coordinator.async_push_firmware(image)
        return

    def hand_over(url: str) -> Awaitable[None]:
        image = FirmwareImage(data=data, md5=md5, version=version, url=url)
        return coordinator.async_push_firmware(image)

    # What the terminal downloads: the image itself, or its own encoding of it (ZK method 1).
    served = coordinator.terminal.firmware_download(data)
    await async_offer_download(hass, coordinator, served, hand_over, progress=progress)


async def async_offer_download(
    hass: HomeAssistant,
    coordinator: AccessTerminalCoordinator,
    data: bytes,
    hand_over: Callable[[str], Awaitable[None]],
    *,
    progress: Progress | None = None,
    not_downloaded: str = "firmware_not_downloaded",
) -> None:
    """Offer `data` at a single-use URL, hand the URL over, return once the terminal has it.

    A terminal that took the URL but did not download in time raises the translated
    `not_downloaded` error.
    """
    try:
        base_url = get_url(hass, allow_external=False, allow_cloud=False)
    except NoURLAvailableError as err:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="no_local_url") from err
    server = hass.data[DATA_PUSH].firmware
    # One single-use URL per terminal.
    token, downloaded = server.publish(data, FIRMWARE_DOWNLOAD_TIMEOUT, progress)
    try:
        await hand_over(f"{base_url}{FIRMWARE_PATH}/{token}")
        try:
            async with asyncio.timeout(FIRMWARE_DOWNLOAD_TIMEOUT):
                fetched = await downloaded
        except TimeoutError:
            fetched = False
    finally:
        server.withdraw(token)
    if not fetched:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=not_downloaded,
            translation_placeholders={"serial": coordinator.serial},
        )
