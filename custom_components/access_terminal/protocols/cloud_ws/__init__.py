"""Cloud WebSocket terminals (AiFace / TFS class): the device connects to us over a WebSocket."""

from .channel import Connection
from .codes import ModeTable
from .session import DeviceSession
from .terminal import CloudWsTerminal
from .wire import MAX_FRAME, Message, Reply, parse_message

__all__ = [
    "MAX_FRAME",
    "CloudWsTerminal",
    "Connection",
    "DeviceSession",
    "Message",
    "ModeTable",
    "Reply",
    "parse_message",
]
