"""The device control interface (specs/001_0944bd5a8bd87614.txt): we call it, it posts logs."""

from .client import ControlApiClient
from .terminal import ControlApiTerminal

__all__ = ["ControlApiClient", "ControlApiTerminal"]
