"""HTTPv2 online authorization: whether the person at the door may pass (RequestAuthorization).

specs/004_14e2b1c146f04a83.txt: a device in online mode asks before it opens and waits for
`Success` 2 (open, with an optional message for its screen) or 0 (refused, with the reason). A
device that got no answer in time asks again: it gets the same answer, and one event.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from ..model import AccessEvent, Authorizer, DenyReason, EventType
from .wire import Reply, ok

REFUSED = Reply({"Success": 0, "Message": "Access denied"})
# Answers kept for a device that asks again.
_REMEMBERED = 64


async def decide(
    event: AccessEvent | None, authorizer: Authorizer | None
) -> tuple[Reply, AccessEvent | None]:
    """Decide on the passage `event` asks for; return the answer and the event to record.

    Only a passage the device itself would grant is put to the authorizer (none: granted); one
    it refuses stays refused. A passage the authorizer refuses is recorded as server_denied.
    """
    granted: bool = False
    message: str | None = "Access denied"
    if event is not None and event.type is EventType.ACCESS_GRANTED:
        granted, message = True, None
        if authorizer is not None:
            granted, message = await authorizer(event)
        if not granted:
            event = replace(
                event,
                type=EventType.ACCESS_DENIED,
                reason=DenyReason.SERVER_DENIED,
                detail=message or "refused by the server",
            )
    if granted:
        return (ok(Message=message) if message else Reply({"Success": 2})), event
    return Reply({"Success": 0, "Message": message or REFUSED.payload["Message"]}), event


class Decisions:
    """The latest answers, by the record they were about."""

    def __init__(self) -> None:
        """Start with none."""
        self._answers: OrderedDict[str, Reply] = OrderedDict()

    def get(self, key: str | None) -> Reply | None:
        """Return the answer already given about record `key`, if any."""
        return None if key is None else self._answers.get(key)

    def remember(self, key: str | None, reply: Reply) -> None:
        """Keep the answer about record `key` (records without a key are never asked again)."""
        if key is not None:
            self._answers[key] = reply
            while len(self._answers) > _REMEMBERED:
                self._answers.popitem(last=False)
