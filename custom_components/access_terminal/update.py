"""The firmware of terminals that take firmware: installed version, an image to install.

An image is offered when it is placed in the integration's firmware folder under the model's
name, `<config>/access_terminal/firmware/<model>/<version>.<ext>` (for example
`access_terminal/firmware/FC-8200H/8.47.bin`), or named by URL (and version) in the
terminal's options. Installing shows how much of the image the terminal has received; the
installed version follows once the terminal reports it. The `push_firmware` action does the
same for automations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, Final

from awesomeversion import AwesomeVersion, AwesomeVersionCompareException
from homeassistant.components.update import (
    UpdateDeviceClass,
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_FIRMWARE_URL, CONF_FIRMWARE_VERSION, DOMAIN
from .coordinator import AccessTerminalConfigEntry, AccessTerminalCoordinator
from .entity import AccessTerminalEntity, async_add_dynamic_entities
from .files import FILES_FOLDER, files_folder
from .firmware_install import async_install, async_load_image
from .protocols.model import Operation

PARALLEL_UPDATES = 1  # one installation at a time
SCAN_INTERVAL = timedelta(minutes=5)  # how often the firmware folder is looked at

FIRMWARE_FOLDER: Final = "firmware"

FIRMWARE = UpdateEntityDescription(
    key="firmware",
    device_class=UpdateDeviceClass.FIRMWARE,
    entity_category=EntityCategory.CONFIG,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmwareOffer:
    """An image that can be installed: a file of the firmware folder, or a URL."""

    version: str
    file: str | None = None  # relative to the configuration folder
    url: str | None = None


def _newest(offers: list[FirmwareOffer]) -> FirmwareOffer | None:
    """Return the offer of the highest version (the last one found where none compares)."""
    versions = [(AwesomeVersion(offer.version), offer) for offer in offers]
    valid = [(version, offer) for version, offer in versions if version.valid]
    if not valid:
        return offers[-1] if offers else None
    try:
        return max(valid, key=lambda pair: pair[0])[1]
    except AwesomeVersionCompareException:
        return offers[-1]


def folder_offers(folder: Path, model: str | None) -> list[FirmwareOffer]:
    """Return the images of the firmware folder for `model` (runs in the executor)."""
    if not model or not folder.is_dir():
        return []
    wanted = model.casefold()
    for model_folder in folder.iterdir():
        if model_folder.is_dir() and model_folder.name.casefold() == wanted:
            return [
                FirmwareOffer(
                    version=image.stem,
                    file=f"{FILES_FOLDER}/{FIRMWARE_FOLDER}/{model_folder.name}/{image.name}",
                )
                for image in sorted(model_folder.iterdir())
                if image.is_file() and not image.name.startswith(".") and image.stem
            ]
    return []


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the firmware entity of a terminal that takes firmware (known once it said so)."""
    coordinator = entry.runtime_data.coordinator
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda state: (
            [(FIRMWARE.key, partial(AccessTerminalUpdate, coordinator, FIRMWARE))]
            if state.supports(Operation.PUSH_FIRMWARE)
            else []
        ),
    )


class AccessTerminalUpdate(AccessTerminalEntity, UpdateEntity):
    """The terminal's firmware."""

    _attr_supported_features = (
        UpdateEntityFeature.INSTALL
        | UpdateEntityFeature.PROGRESS
        | UpdateEntityFeature.SPECIFIC_VERSION
    )

    def __init__(
        self, coordinator: AccessTerminalCoordinator, description: UpdateEntityDescription
    ) -> None:
        """Start with no image found yet (the folder is read when the entity is added)."""
        super().__init__(coordinator, description)
        self._offers: list[FirmwareOffer] = []
        self._model: str | None = None  # the model whose images were looked for

    @property
    def entity_picture(self) -> str | None:
        """Show the firmware icon (the default, a brand logo, has not been published)."""
        return None

    @property
    def should_poll(self) -> bool:
        """Look at the firmware folder now and then (the terminal itself pushes its state)."""
        return True

    async def async_added_to_hass(self) -> None:
        """Look for images at once (in the background: setting up waits for no disk)."""
        await super().async_added_to_hass()
        self.async_schedule_update_ha_state(force_refresh=True)

    def _showing(self) -> tuple[Any, ...]:
        return (self.available, self.installed_version, self.latest_version)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Look for images again when the terminal names its model (or another one)."""
        info = self.terminal.info
        if info is not None and info.model != self._model:
            self.async_schedule_update_ha_state(force_refresh=True)
        super()._handle_coordinator_update()

    @property
    def installed_version(self) -> str | None:
        """Return the version the terminal reports."""
        info = self.terminal.info
        return info.firmware if info else None

    @property
    def latest_version(self) -> str | None:
        """Return the newest image offered (the installed version when there is none)."""
        newest = _newest(self._offers)
        return newest.version if newest is not None else self.installed_version

    async def async_update(self) -> None:
        """Read the firmware folder (and the image named in the options)."""
        info = self.terminal.info
        self._model = info.model if info else None
        folder = files_folder(self.hass) / FIRMWARE_FOLDER
        offers = await self.hass.async_add_executor_job(folder_offers, folder, self._model)
        options = self.coordinator.config_entry.options
        if (url := options.get(CONF_FIRMWARE_URL)) and (
            version := options.get(CONF_FIRMWARE_VERSION)
        ):
            offers.append(FirmwareOffer(version=str(version), url=str(url)))
        self._offers = offers

    async def async_install(self, version: str | None, backup: bool, **kwargs: Any) -> None:
        """Send the chosen image (the newest without a version) and follow its transfer."""
        offer = _newest(self._offers) if version is None else self._offer(version)
        if offer is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="firmware_not_found",
                translation_placeholders={"version": str(version)},
            )
        self._attr_in_progress = True
        self._attr_update_percentage = None
        self.async_write_ha_state()
        data, md5 = await async_load_image(self.hass, file=offer.file, url=offer.url)
        await async_install(self.hass, self.coordinator, data, md5, offer.version, self._progress)

    def _offer(self, version: str) -> FirmwareOffer | None:
        return next((offer for offer in self._offers if offer.version == version), None)

    @callback
    def _progress(self, share: float) -> None:
        percentage = round(share * 100)
        if percentage != self._attr_update_percentage:
            self._attr_update_percentage = percentage
            self.async_write_ha_state()
