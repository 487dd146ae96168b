"""Option keys and defaults of the MQTT bridge."""

from __future__ import annotations

from typing import Final

from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
)

__all__ = [
    "CONF_CLIENT_ID",
    "CONF_HOST",
    "CONF_PASSWORD",
    "CONF_PORT",
    "CONF_USERNAME",
]

BRIDGE_UNIQUE_ID: Final = "mqtt_bridge"

CONF_TLS: Final = "tls"
CONF_CA_CERTS: Final = "ca_certs"
CONF_BASE_TOPIC: Final = "base_topic"
CONF_DISCOVERY: Final = "discovery"
CONF_DISCOVERY_PREFIX: Final = "discovery_prefix"
CONF_PHOTOS: Final = "photos"
CONF_COMMANDS: Final = "commands"
CONF_COMMAND_DEVICES: Final = "command_devices"

DEFAULT_PORT: Final = 1883
DEFAULT_BASE_TOPIC: Final = "access_terminal"
DEFAULT_DISCOVERY_PREFIX: Final = "homeassistant"
