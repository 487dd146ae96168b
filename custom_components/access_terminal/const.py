"""Constants of the Access Terminal integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "access_terminal"

CONF_FAMILY: Final = "family"
# The MQTT bridge's entry is marked in its data ({"bridge": "mqtt"}); see kinds.py.
CONF_BRIDGE: Final = "bridge"
BRIDGE_KIND: Final = "mqtt"
CONF_SERIAL: Final = "serial"
CONF_OFFLINE_WINDOW: Final = "offline_window"
CONF_COMMAND_TIMEOUT: Final = "command_timeout"
CONF_ONLINE_AUTHORIZATION: Final = "online_authorization"
# Seconds between a record's own time and now beyond which it is catch-up, not live (0: off).
CONF_CATCH_UP_AFTER: Final = "catch_up_after"
DEFAULT_OFFLINE_WINDOW: Final = 90  # seconds: three missed keep-alives of a 30 s device
DEFAULT_COMMAND_TIMEOUT: Final = 60  # seconds: a polling device picks work up at its next poll
# Two minutes: a terminal's clock may drift or lag a little, a backlog is older.
DEFAULT_CATCH_UP_AFTER: Final = 120

# Answers to online authorization requests (HTTPv2 RequestAuthorization).
AUTH_DEVICE: Final = "device"  # grant whom the device recognised as a registered user
AUTH_DENY: Final = "deny"  # refuse every online request (lock-down)

EVENT_ACCESS_TERMINAL: Final = "access_terminal_event"

ATTR_DEVICE_ID: Final = "device_id"
ATTR_SERIAL: Final = "serial"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
# True on the bus event of a record that arrived late (see events.py, the catch-up rule).
ATTR_CATCH_UP: Final = "catch_up"

# Dispatcher signals a terminal's entry sends for the MQTT bridge: loaded (coordinator),
# unloaded (serial) and removed for good (serial).
SIGNAL_TERMINAL_LOADED: Final = f"{DOMAIN}_terminal_loaded"
SIGNAL_TERMINAL_UNLOADED: Final = f"{DOMAIN}_terminal_unloaded"
SIGNAL_TERMINAL_REMOVED: Final = f"{DOMAIN}_terminal_removed"
# Options of terminals that take firmware: an image to offer besides the firmware folder.
CONF_FIRMWARE_URL: Final = "firmware_url"
CONF_FIRMWARE_VERSION: Final = "firmware_version"
