"""Images: the photo of the last access and the last camera snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import AccessTerminalConfigEntry
from .coordinator import AccessTerminalCoordinator
from .entity import AccessTerminalEntity
from .protocols.model import Operation

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class AccessTerminalImageDescription(ImageEntityDescription):
    """An image kept by the coordinator."""

    image_fn: Callable[[AccessTerminalCoordinator], tuple[bytes, datetime] | None]
    exists_fn: Callable[[AccessTerminalCoordinator], bool] = lambda _: True


IMAGES = (
    AccessTerminalImageDescription(
        key="last_photo",
        translation_key="last_photo",
        image_fn=lambda coordinator: coordinator.last_photo,
    ),
    AccessTerminalImageDescription(
        key="snapshot",
        translation_key="snapshot",
        entity_registry_enabled_default=False,
        image_fn=lambda coordinator: coordinator.snapshot_image,
        exists_fn=lambda coordinator: coordinator.terminal.supports(Operation.SNAPSHOT),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the image entities."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        AccessTerminalImage(coordinator, description)
        for description in IMAGES
        if description.exists_fn(coordinator)
    )


class AccessTerminalImage(AccessTerminalEntity, ImageEntity):
    """A JPEG received from the terminal."""

    entity_description: AccessTerminalImageDescription
    _attr_content_type = "image/jpeg"

    def __init__(
        self, coordinator: AccessTerminalCoordinator, description: AccessTerminalImageDescription
    ) -> None:
        """Set up both parents (ImageEntity needs hass for its access tokens)."""
        AccessTerminalEntity.__init__(self, coordinator, description)
        ImageEntity.__init__(self, coordinator.hass)
        self._shown: datetime | None = None

    async def async_added_to_hass(self) -> None:
        """Access photos arrive with events, not with state updates."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_subscribe_access(self._on_access))

    @callback
    def _on_access(self) -> None:
        # Access events without a photo leave the picture (and the state) as it was.
        if self.image_last_updated != self._shown:
            self._shown = self.image_last_updated
            self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """A picture stays viewable while the terminal is offline."""
        return True

    @property
    def image_last_updated(self) -> datetime | None:
        """Return when the current picture was taken."""
        image = self.entity_description.image_fn(self.coordinator)
        return None if image is None else image[1]

    async def async_image(self) -> bytes | None:
        """Return the JPEG bytes."""
        image = self.entity_description.image_fn(self.coordinator)
        return None if image is None else image[0]
