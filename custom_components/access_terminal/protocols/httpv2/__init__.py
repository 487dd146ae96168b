"""HTTPv2 face terminals (specs/004_14e2b1c146f04a83.txt): the server side of every endpoint."""

from .terminal import HttpV2Terminal
from .wire import (
    MAX_BODY,
    Endpoint,
    Reply,
    Request,
    endpoint_for,
    error_reply,
    parse_request,
    refusal,
)

__all__ = [
    "MAX_BODY",
    "Endpoint",
    "HttpV2Terminal",
    "Reply",
    "Request",
    "endpoint_for",
    "error_reply",
    "parse_request",
    "refusal",
]
