"""What the device registry shows of a terminal: its name, maker, model, firmware and pages.

One rule for every family: what the terminal says of itself wins, then what its family knows
(`FamilySpec.model`, `FamilySpec.configuration_url`); a maker nobody named stays empty rather
than invented. A terminal that reports no name of its own is named by its serial number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .const import CONF_SERIAL
from .protocols.model import TerminalInfo

if TYPE_CHECKING:
    from .families import FamilySpec


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceDetails:
    """The device registry fields of one terminal."""

    name: str
    model: str | None
    manufacturer: str | None
    sw_version: str | None
    configuration_url: str | None

    def as_fields(self) -> dict[str, Any]:
        """Return the fields as the device registry takes them."""
        return asdict(self)


def device_details(
    spec: FamilySpec, data: Mapping[str, Any], info: TerminalInfo | None
) -> DeviceDetails:
    """Describe the terminal of an entry (`data`) from what it said of itself (`info`)."""
    return DeviceDetails(
        name=(info.name if info else None) or data[CONF_SERIAL],
        model=(info.model if info else None) or spec.model,
        manufacturer=info.manufacturer if info else None,
        sw_version=info.firmware if info else None,
        configuration_url=spec.configuration_url(data),
    )


@callback
def async_update_device(hass: HomeAssistant, device_id: str, details: DeviceDetails) -> None:
    """Write `details` to the device (a name given by the user stays: it is kept apart)."""
    dr.async_get(hass).async_update_device(device_id, **details.as_fields())
