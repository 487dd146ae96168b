"""Keys, limits and defaults of the access directory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..protocols.model import AccessEvent

if TYPE_CHECKING:
    from ..coordinator import AccessTerminalCoordinator

# The directory's entry: marked in its data ({"directory": True}) and unique.
CONF_DIRECTORY: Final = "directory"
DIRECTORY_UNIQUE_ID: Final = "directory"

SUBENTRY_PERSON: Final = "person"
SUBENTRY_LEVEL: Final = "access_level"
SUBENTRY_DOOR_SCHEDULE: Final = "door_schedule"

# Options of the directory's entry.
CONF_READBACK_HOURS: Final = "readback_hours"
CONF_REPAIR_AFTER: Final = "repair_after_minutes"
DEFAULT_READBACK_HOURS: Final = 24
DEFAULT_REPAIR_AFTER: Final = 60

# Person and access level fields (subentry data, action fields).
ATTR_PERSON_ID: Final = "person_id"
ATTR_NAME: Final = "name"
ATTR_HA_PERSON: Final = "ha_person"
ATTR_CARDS: Final = "cards"
ATTR_PIN: Final = "pin"
ATTR_PHOTO: Final = "photo"
ATTR_ENABLED: Final = "enabled"
ATTR_VALID_FROM: Final = "valid_from"
ATTR_VALID_UNTIL: Final = "valid_until"
ATTR_LEVELS: Final = "access_levels"
ATTR_PASS: Final = "pass"  # noqa: S105 - a visitor pass, not a password
ATTR_MAX_USES: Final = "max_uses"
ATTR_QR_CODE: Final = "qr_code"
ATTR_DOORS: Final = "doors"
ATTR_DOOR: Final = "door"
ATTR_DEVICE_ID: Final = "device_id"
ATTR_SCHEDULE: Final = "schedule"
ATTR_HOLIDAY_CALENDAR: Final = "holiday_calendar"
ATTR_HOLIDAY_DATES: Final = "holiday_dates"
ATTR_HOLIDAY_SCHEDULE: Final = "holiday_schedule"
# A level's verification mode (one of protocols/settings.py VERIFY_MODES; none: as set).
ATTR_VERIFY_MODE: Final = "verify_mode"
# A door schedule's mode: doors free (the default), or locked needing a verification mode.
ATTR_DOOR_MODE: Final = "door_mode"
DOOR_MODE_FREE_OPEN: Final = "free_open"
# Translations of their choices (translations/*.json "selector").
SELECTOR_VERIFY_MODE: Final = "verify_mode"
SELECTOR_DOOR_MODE: Final = "door_schedule_mode"
# Roles: a level's people free its doors (first-card opening) or pass at any time (super
# users); a person's doors stay unlocked longer (accessibility).
ATTR_FIRST_CARD_OPENS: Final = "first_card_opens"
ATTR_SUPER_USERS: Final = "super_users"
ATTR_EXTENDED_UNLOCK: Final = "extended_unlock"

# A person id is valid on every family: cloud terminals number users up to 99,999,999.
MAX_PERSON_ID: Final = 99_999_999
# Passes Home Assistant numbers itself get ids from here on (people get theirs from people).
FIRST_PASS_ID: Final = 90_000_000
# Names as the shortest family holds them (ZK terminals without long names).
MAX_NAME: Final = 24
MAX_CARDS: Final = 8
MAX_CARD_DIGITS: Final = 20
PIN_DIGITS: Final = (4, 8)  # what every family with passwords takes
MAX_LEVEL_NAME: Final = 64
MAX_PHOTO_BYTES: Final = 400 * 1024
JPEG_MAGIC: Final = b"\xff\xd8\xff"


class DirectoryDecisions(Protocol):
    """What a terminal's coordinator asks of the directory (directory.Directory answers)."""

    async def authorize(
        self, coordinator: AccessTerminalCoordinator, event: AccessEvent
    ) -> tuple[bool, str | None] | None:
        """Decide an online authorization from the directory (None: not a directory person).

        An event with a QR code and no user id is named after the pass holding that code.
        """


DATA_DIRECTORY: HassKey[DirectoryDecisions] = HassKey(f"{DOMAIN}_directory")
