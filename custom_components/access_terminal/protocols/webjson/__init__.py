"""The "Webserver + JSON" device-hosted API (specs/000_021a89f13c4f291f.txt): we call the device."""

from .client import WebJsonClient
from .terminal import WebJsonTerminal

__all__ = ["WebJsonClient", "WebJsonTerminal"]
