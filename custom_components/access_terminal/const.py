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
# Pull families: where the terminal's API listens is in CONF_HOST, CONF_PORT, CONF_SSL and
# CONF_VERIFY_SSL (homeassistant.const), its credential in CONF_PASSWORD or CONF_API_KEY.
# The secret in the URL the control API's log uploader posts to.
CONF_UPLOAD_SECRET: Final = "upload_secret"  # noqa: S105 - a key name
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
SUPPORTED_FAMILIES: Final = (
    Family.HTTPV2,
    Family.ZK_PUSH,
    Family.CLOUD_WS,
    Family.WEBJSON,
    Family.CONTROL_API,
)
# Families Home Assistant calls (the terminal serves an API): added by address, not discovered.
PULL_FAMILIES: Final = (Family.WEBJSON, Family.CONTROL_API)
DEFAULT_PULL_PORT: Final = 80

LOG_UPLOAD_PATH: Final = "/api/access_terminal/log_upload"

EVENT_ACCESS_TERMINAL: Final = "access_terminal_event"

ATTR_DEVICE_ID: Final = "device_id"
ATTR_SERIAL: Final = "serial"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"

# Dispatcher signals a terminal's entry sends for the MQTT bridge: loaded (coordinator),
# unloaded (serial) and removed for good (serial).
SIGNAL_TERMINAL_LOADED: Final = f"{DOMAIN}_terminal_loaded"
SIGNAL_TERMINAL_UNLOADED: Final = f"{DOMAIN}_terminal_unloaded"
SIGNAL_TERMINAL_REMOVED: Final = f"{DOMAIN}_terminal_removed"
