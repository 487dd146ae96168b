"""Images: the photo of the last access and the last camera snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AccessTerminalConfigEntry, AccessTerminalCoordinator
from .entity import AccessTerminalEntity, async_add_dynamic_entities
from .protocols.model import Operation
from .state import Picture, TerminalState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class AccessTerminalImageDescription(ImageEntityDescription):
    """A picture the terminal sent."""

    image_fn: Callable[[TerminalState], Picture | None]
    exists_fn: Callable[[TerminalState], bool] = lambda _: True


IMAGES = (
    AccessTerminalImageDescription(
        key="last_photo",
        translation_key="last_photo",
        image_fn=lambda state: state.last_photo,
        exists_fn=lambda state: state.sends_photos,
    ),
    AccessTerminalImageDescription(
        key="snapshot",
        translation_key="snapshot",
        entity_registry_enabled_default=False,
        image_fn=lambda state: state.snapshot,
        exists_fn=lambda state: state.supports(Operation.SNAPSHOT),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AccessTerminalConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the pictures the terminal sends (known once it described itself)."""
    coordinator = entry.runtime_data.coordinator
    async_add_dynamic_entities(
        entry,
        async_add_entities,
        lambda state: (
            (description.key, partial(AccessTerminalImage, coordinator, description))
            for description in IMAGES
            if description.exists_fn(state)
        ),
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

    def _showing(self) -> tuple[Any, ...]:
        # Access events without a photo leave the picture (and the state) as it was.
        return (self.image_last_updated,)

    @property
    def available(self) -> bool:
        """A picture stays viewable while the terminal is offline."""
        return True

    @property
    def entity_picture(self) -> str | None:
        """Link the picture only once there is one (else the frontend fetches an error)."""
        if self.entity_description.image_fn(self.terminal) is None:
            return None
        return super().entity_picture

    @property
    def image_last_updated(self) -> datetime | None:
        """Return when the current picture was taken."""
        picture = self.entity_description.image_fn(self.terminal)
        return None if picture is None else picture.taken

    async def async_image(self) -> bytes | None:
        """Return the JPEG bytes."""
        picture = self.entity_description.image_fn(self.terminal)
        return None if picture is None else picture.data
