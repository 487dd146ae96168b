"""Constants of the Access Terminal integration."""

from __future__ import annotations

from typing import Final

from .protocols.model import Family

DOMAIN: Final = "access_terminal"

CONF_FAMILY: Final = "family"
CONF_SERIAL: Final = "serial"
CONF_OFFLINE_WINDOW: Final = "offline_window"
CONF_COMMAND_TIMEOUT: Final = "command_timeout"
CONF_ONLINE_AUTHORIZATION: Final = "online_authorization"
# Cloud WebSocket terminals: their dedicated listener (0: none) and which `mode` table they use.
CONF_LISTEN_PORT: Final = "listen_port"
CONF_MODE_TABLE: Final = "mode_table"
# configuration.yaml: `access_terminal: websocket_port: 7788` listens before any terminal is added.
CONF_WEBSOCKET_PORT: Final = "websocket_port"
DEFAULT_LISTEN_PORT: Final = 7788  # what the cloud terminals' document names

DEFAULT_OFFLINE_WINDOW: Final = 90  # seconds: three missed keep-alives of a 30 s device
DEFAULT_COMMAND_TIMEOUT: Final = 60  # seconds: a polling device picks work up at its next poll

# Answers to online authorization requests (HTTPv2 RequestAuthorization).
AUTH_DEVICE: Final = "device"  # grant whom the device recognised as a registered user
AUTH_DENY: Final = "deny"  # refuse every online request (lock-down)

# Families whose terminals can be added today, in the order the config flow offers them.
SUPPORTED_FAMILIES: Final = (Family.HTTPV2, Family.ZK_PUSH, Family.CLOUD_WS)

EVENT_ACCESS_TERMINAL: Final = "access_terminal_event"

ATTR_DEVICE_ID: Final = "device_id"
ATTR_SERIAL: Final = "serial"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
