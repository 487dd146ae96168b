"""HTTPv2 remote enrollment: the RegisterIdentifyTicket sent and the result the device reports.

specs/004_14e2b1c146f04a83.txt, "RegisterIdentifyTicket" (which credential, which finger or palm)
and "RegisterIdentifyTicketResult" (the outcome, with the photo taken): the outcome becomes an
admin event.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from ..codec import optional_int, optional_str
from ..errors import InvalidRequestError, NotSupportedError
from ..model import AccessEvent, Credential, EventType, Feature, Operation
from .people import valid_user_id

_REGISTER_TYPES = {
    Credential.CARD: 1,
    Credential.PASSWORD: 2,
    Credential.FINGERPRINT: 3,
    Credential.FACE: 4,
    Credential.PALM: 5,
}
_CREDENTIAL_FEATURES = {
    Credential.FINGERPRINT: Feature.FINGERPRINT,
    Credential.FACE: Feature.FACE,
    Credential.PALM: Feature.PALM,
}
# "对于指纹的索引号是 0-9, 对于掌静脉的索引号是 1-2"
_CREDENTIAL_INDEXES = {Credential.FINGERPRINT: range(10), Credential.PALM: range(1, 3)}
_ENROLL_RESULTS = {
    2: "cancelled at the device",
    3: "credential already registered",
    4: "the device has no fingerprint reader",
    5: "the device has no palm vein reader",
    6: "the device is busy",
}


def enrollment_ticket(
    user_id: str, credential: Credential, index: int | None, features: Collection[Feature] | None
) -> dict[str, Any]:
    """Build the RegisterIdentifyTicket; `features` (None: not known yet) must have the reader."""
    number = valid_user_id(user_id)
    feature = _CREDENTIAL_FEATURES.get(credential)
    if feature is not None and features is not None and feature not in features:
        raise NotSupportedError(f"{Operation.ENROLL} {credential}")
    allowed = _CREDENTIAL_INDEXES.get(credential)
    if index is not None and (allowed is None or index not in allowed):
        raise InvalidRequestError(f"index {index} is not valid for {credential}")
    if index is None and allowed is not None:
        index = allowed[0]
    ticket = {"RegisterType": _REGISTER_TYPES[credential], "UserID": number}
    if index is not None:
        ticket["RegisterIndex"] = index
    return ticket


def enrollment_event(result: Mapping[str, Any], photo: bytes | None) -> AccessEvent:
    """Read a RegisterIdentifyTicketResult into an enrollment_finished or _failed event."""
    user_id = optional_str(result.get("UserID"))
    code = optional_int(result.get("Result"))
    if code == 1:
        kind, detail = EventType.ENROLLMENT_FINISHED, "credential enrolled"
    else:
        kind = EventType.ENROLLMENT_FAILED
        detail = _ENROLL_RESULTS.get(code or 0, f"enrollment failed (result {code})")
        if code == 3 and (other := optional_str(result.get("RepetitionUserID"))):
            detail = f"{detail} to user {other}"
    return AccessEvent(
        type=kind,
        time=datetime.now(UTC),
        user_id=user_id,
        raw_code=f"enroll:{code}",
        detail=detail,
        photo=photo,
    )
