"""Users of the device control interface in the shared model (specs/001_0944bd5a8bd87614.txt).

`GetUserInfo` returns the whole person, templates included (`fp` and `palm` are lists, `face`
one template); `SetUserInfo` creates or changes one, keeping every field it is not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..codec import optional_str
from ..model import Credentials, Family, Privilege, User

# "manager" (administrator) and "admin" (super administrator) both manage the device.
ADMIN_PRIVILEGES = frozenset({"manager", "admin"})


def _templates(value: Any) -> dict[int, str]:
    if not isinstance(value, list):
        return {}
    return {index: item for index, item in enumerate(value) if isinstance(item, str) and item}


def user_from_info(payload: Mapping[str, Any], *, with_credentials: bool) -> User | None:
    """Read a UserInfo payload; templates become presence markers unless asked for."""
    user_id = optional_str(payload.get("id"))
    if user_id is None:
        return None
    privilege = optional_str(payload.get("privilege")) or "user"
    card = optional_str(payload.get("card"))
    face = optional_str(payload.get("face"))
    credentials = Credentials(
        face=face,
        fingerprints=_templates(payload.get("fp")),
        palms=_templates(payload.get("palm")),
        origin=Family.CONTROL_API,
    )
    return User(
        user_id=user_id,
        name=optional_str(payload.get("name")),
        privilege=Privilege.ADMIN if privilege.lower() in ADMIN_PRIVILEGES else Privilege.USER,
        cards=() if card in (None, "0") else (str(card),),
        password=optional_str(payload.get("password")),
        department=optional_str(payload.get("depart")),
        credentials=credentials if with_credentials else credentials.without_data(),
    )


def user_payload(user: User, *, keep_held_credentials: bool) -> dict[str, Any]:
    """Return the SetUserInfo payload of a user (templates only those of this family).

    Without `keep_held_credentials`, templates the user does not bring are cleared; with it,
    they are sent only when the user brings some (a photo alone leaves them as they are).
    """
    payload: dict[str, Any] = {
        "id": user.user_id,
        "name": user.name or "",
        "depart": user.department or "",
        "privilege": "manager" if user.privilege is Privilege.ADMIN else "user",
        "card": user.cards[0] if user.cards else "",
    }
    if user.password is not None:
        payload["password"] = user.password
    creds = user.credentials
    templates = bool(creds.face or any(creds.fingerprints.values()) or any(creds.palms.values()))
    if creds.templates_for(Family.CONTROL_API) and (templates or not keep_held_credentials):
        payload["fp"] = [data for _index, data in sorted(creds.fingerprints.items()) if data]
        payload["palm"] = [data for _index, data in sorted(creds.palms.items()) if data]
        payload["face"] = creds.face or ""
    return payload


def department_names(payload: Mapping[str, Any]) -> set[str]:
    """Return the department names of a DeptList answer.

    The document's example has no key for the list ("Up to 100 departments"): the first list of
    objects in the answer is read, and each `name` that is text.
    """
    for value in payload.values():
        if isinstance(value, list):
            return {
                name
                for item in value
                if isinstance(item, dict) and (name := optional_str(item.get("name")))
            }
    return set()
