"""ZKTeco PUSH (iclock): Security PUSH controllers and attendance PUSH terminals."""

from .device import Variant
from .terminal import ZkPushTerminal
from .wire import MAX_BODY, OK, REFUSED, Endpoint, Reply, Request, endpoint_for, parse_request

__all__ = [
    "MAX_BODY",
    "OK",
    "REFUSED",
    "Endpoint",
    "Reply",
    "Request",
    "Variant",
    "ZkPushTerminal",
    "endpoint_for",
    "parse_request",
]
