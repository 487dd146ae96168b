"""Route push requests to the terminal of their serial, and offer unknown serials for discovery.

Shared by every push family: the views parse a request far enough to know its serial, then ask
the router for the terminal. Unknown serials get None (the view sends the family's refusal) and a
single `integration_discovery` flow; nothing else of theirs is kept.
"""

from __future__ import annotations

from collections import OrderedDict
import logging
import time

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import discovery_flow
from homeassistant.util.hass_dict import HassKey

from .const import CONF_FAMILY, CONF_SERIAL, DOMAIN
from .coordinator import AccessTerminalConfigEntry
from .firmware import FirmwareServer
from .kinds import as_terminal_entry
from .protocols.model import Family, Terminal

_LOGGER = logging.getLogger(__name__)

DATA_PUSH: HassKey[PushRouter] = HassKey(DOMAIN)

# An unknown serial is offered again after this long (the flow may have been dismissed); at most
# this many serials are remembered, so a flood of invented serials cannot grow memory. A serial
# that was added (or ignored) is forgotten: only terminals still unknown count.
REOFFER_AFTER = 600.0
MAX_OFFERS = 64


class PushRouter:
    """Finds the terminal behind a serial number."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with no serial offered."""
        self.hass = hass
        self.firmware = FirmwareServer()
        self._offered: OrderedDict[str, float] = OrderedDict()
        self._flood_logged = False
        self._entries: dict[str, AccessTerminalConfigEntry] = {}

    @callback
    def terminal_for(self, family: Family, serial: str, host: str | None) -> Terminal | None:
        """Return the loaded terminal for `serial`, or None (refuse the device)."""
        entry = self._entries.get(serial)
        if entry is None or entry.unique_id != serial or entry.state is ConfigEntryState.NOT_LOADED:
            # Not cached, re-keyed by a reconfigure, or possibly removed: ask the registry.
            found = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, serial)
            entry = None if found is None else as_terminal_entry(found)
            if entry is None:
                self._entries.pop(serial, None)
                self._offer(family, serial, host)
                return None
            self._entries[serial] = entry
            # Added (or ignored): no longer an offer, so it does not count against new ones.
            self._offered.pop(serial, None)
        if entry.state is not ConfigEntryState.LOADED or entry.data.get(CONF_FAMILY) != family:
            return None  # ignored, disabled, failed, or a different family claiming the serial
        return entry.runtime_data.coordinator.terminal

    def _offer(self, family: Family, serial: str, host: str | None) -> None:
        now = time.monotonic()
        offered_at = self._offered.get(serial)
        if offered_at is not None and now - offered_at < REOFFER_AFTER:
            return
        if offered_at is None and len(self._offered) >= MAX_OFFERS:
            oldest = next(iter(self._offered.values()))
            if now - oldest < REOFFER_AFTER:
                if not self._flood_logged:
                    _LOGGER.warning(
                        "Many unknown access terminals are calling; not offering more of them"
                    )
                    self._flood_logged = True
                return
            self._offered.popitem(last=False)
        self._offered[serial] = now
        self._offered.move_to_end(serial)
        _LOGGER.info("Unknown %s terminal %s (%s) offered for discovery", family, serial, host)
        discovery_flow.async_create_flow(
            self.hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={CONF_FAMILY: str(family), CONF_SERIAL: serial, "host": host},
        )
