"""The normalized model every protocol family maps to, and the terminal interface.

Nothing here knows Home Assistant or any vendor protocol: protocol modules turn device bytes into
these objects, and the integration turns these objects into entities, events and service results.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from .errors import NotSupportedError
from .fields import InputProblems
from .settings import Setting, SettingAddress, SettingSpec, SettingValue

if TYPE_CHECKING:
    from .access import AccessPlan, AccessProfile, DoorSchedules, PersonPolicy
    from .questionnaire import Questionnaire


class Family(StrEnum):
    """The protocol families (see specs/README.md)."""

    HTTPV2 = "httpv2"
    ZK_PUSH = "zk_push"
    CLOUD_WS = "cloud_ws"
    WEBJSON = "webjson"
    CONTROL_API = "control_api"


class EventType(StrEnum):
    """The event vocabulary shared by every family."""

    ACCESS_GRANTED = "access_granted"
    ACCESS_DENIED = "access_denied"
    DOOR_OPENED = "door_opened"
    DOOR_CLOSED = "door_closed"
    DOOR_FORCED_OPEN = "door_forced_open"
    DOOR_HELD_OPEN = "door_held_open"
    EXIT_BUTTON = "exit_button"
    REMOTE_UNLOCK = "remote_unlock"
    REMOTE_LOCK = "remote_lock"
    DOORBELL = "doorbell"
    NORMALLY_OPEN_STARTED = "normally_open_started"
    NORMALLY_OPEN_ENDED = "normally_open_ended"
    LOCKOUT_STARTED = "lockout_started"
    LOCKOUT_ENDED = "lockout_ended"
    ALARM = "alarm"
    ALARM_CLEARED = "alarm_cleared"
    FIRE_ALARM = "fire_alarm"
    AUX_INPUT_ON = "aux_input_on"
    AUX_INPUT_OFF = "aux_input_off"
    AUX_OUTPUT_ON = "aux_output_on"
    AUX_OUTPUT_OFF = "aux_output_off"
    USER_ADDED = "user_added"
    USER_UPDATED = "user_updated"
    USER_DELETED = "user_deleted"
    ENROLLMENT_FINISHED = "enrollment_finished"
    ENROLLMENT_FAILED = "enrollment_failed"
    ID_CARD_READ = "id_card_read"
    DEVICE_ERROR = "device_error"
    DEVICE_STARTED = "device_started"
    DEVICE_CONNECTED = "device_connected"
    FIRMWARE_UPGRADED = "firmware_upgraded"
    ELEVATOR_CONTROL_ENABLED = "elevator_control_enabled"
    ELEVATOR_CONTROL_DISABLED = "elevator_control_disabled"


class EventCategory(StrEnum):
    """Which event stream (event entity) an event type belongs to."""

    ACCESS = "access"
    DOOR = "door"
    ALARM = "alarm"
    ADMIN = "admin"


EVENT_CATEGORIES: Mapping[EventType, EventCategory] = {
    EventType.ACCESS_GRANTED: EventCategory.ACCESS,
    EventType.ACCESS_DENIED: EventCategory.ACCESS,
    EventType.DOOR_OPENED: EventCategory.DOOR,
    EventType.DOOR_CLOSED: EventCategory.DOOR,
    EventType.DOOR_FORCED_OPEN: EventCategory.DOOR,
    EventType.DOOR_HELD_OPEN: EventCategory.DOOR,
    EventType.EXIT_BUTTON: EventCategory.DOOR,
    EventType.REMOTE_UNLOCK: EventCategory.DOOR,
    EventType.REMOTE_LOCK: EventCategory.DOOR,
    EventType.DOORBELL: EventCategory.DOOR,
    # The door's mode changing by itself (a schedule, an emergency, an alarm), or by someone at
    # the terminal: held open for everyone, or locked for everyone, and back to normal.
    EventType.NORMALLY_OPEN_STARTED: EventCategory.DOOR,
    EventType.NORMALLY_OPEN_ENDED: EventCategory.DOOR,
    EventType.LOCKOUT_STARTED: EventCategory.DOOR,
    EventType.LOCKOUT_ENDED: EventCategory.DOOR,
    EventType.ALARM: EventCategory.ALARM,
    EventType.ALARM_CLEARED: EventCategory.ALARM,
    # The fire input or fire linkage (reason fire); it ends with alarm_cleared (reason fire).
    EventType.FIRE_ALARM: EventCategory.ALARM,
    # An auxiliary input (a sensor wired to the terminal): `door` is the input's number.
    EventType.AUX_INPUT_ON: EventCategory.ALARM,
    EventType.AUX_INPUT_OFF: EventCategory.ALARM,
    # An auxiliary output (a siren, a light wired to the terminal) switched on or off, by a
    # command or by its schedule: `door` is the output's number.
    EventType.AUX_OUTPUT_ON: EventCategory.ALARM,
    EventType.AUX_OUTPUT_OFF: EventCategory.ALARM,
    EventType.USER_ADDED: EventCategory.ADMIN,
    EventType.USER_UPDATED: EventCategory.ADMIN,
    EventType.USER_DELETED: EventCategory.ADMIN,
    EventType.ENROLLMENT_FINISHED: EventCategory.ADMIN,
    EventType.ENROLLMENT_FAILED: EventCategory.ADMIN,
    # An identity card read that is no access decision (ZK `identitycard` uploads).
    EventType.ID_CARD_READ: EventCategory.ACCESS,
    # The terminal failed at something it was doing (reason: an ErrorReason; ZK `errorlog`).
    EventType.DEVICE_ERROR: EventCategory.ADMIN,
    # What the terminal reports of itself: it started, reached its main controller again, a
    # reader's firmware was upgraded, its elevator control was switched on or off.
    EventType.DEVICE_STARTED: EventCategory.ADMIN,
    EventType.DEVICE_CONNECTED: EventCategory.ADMIN,
    EventType.FIRMWARE_UPGRADED: EventCategory.ADMIN,
    EventType.ELEVATOR_CONTROL_ENABLED: EventCategory.ADMIN,
    EventType.ELEVATOR_CONTROL_DISABLED: EventCategory.ADMIN,
}


# Event types only some families report (the others report every type of their streams).
OPTIONAL_EVENT_TYPES: frozenset[EventType] = frozenset(
    {
        EventType.DOORBELL,
        EventType.NORMALLY_OPEN_STARTED,
        EventType.NORMALLY_OPEN_ENDED,
        EventType.LOCKOUT_STARTED,
        EventType.LOCKOUT_ENDED,
        EventType.FIRE_ALARM,
        EventType.AUX_INPUT_ON,
        EventType.AUX_INPUT_OFF,
        EventType.AUX_OUTPUT_ON,
        EventType.AUX_OUTPUT_OFF,
        EventType.ID_CARD_READ,
        EventType.DEVICE_ERROR,
        EventType.DEVICE_STARTED,
        EventType.DEVICE_CONNECTED,
        EventType.FIRMWARE_UPGRADED,
        EventType.ELEVATOR_CONTROL_ENABLED,
        EventType.ELEVATOR_CONTROL_DISABLED,
    }
)


def event_types_of(category: EventCategory) -> list[str]:
    """Return the event types of one stream, in vocabulary order."""
    return [str(kind) for kind, cat in EVENT_CATEGORIES.items() if cat is category]


class DenyReason(StrEnum):
    """Why a person was refused (reason of access_denied)."""

    UNREGISTERED = "unregistered"
    EXPIRED = "expired"
    TIME_ZONE = "time_zone"
    BLACKLIST = "blacklist"
    VERIFY_MODE = "verify_mode"
    ANTI_PASSBACK = "anti_passback"
    TEMPERATURE = "temperature"
    MASK = "mask"
    INTERVAL = "interval"
    LOCKED = "locked"
    SERVER_DENIED = "server_denied"
    DISABLED = "disabled"
    DOOR_RIGHTS = "door_rights"
    HOLIDAY = "holiday"
    PASS_USED_UP = "pass_used_up"
    OTHER = "other"


class AlarmReason(StrEnum):
    """What an alarm is about (reason of alarm / alarm_cleared, active alarms of a door)."""

    TAMPER = "tamper"
    DURESS = "duress"
    FIRE = "fire"
    FORCED = "forced"
    HELD_OPEN = "held_open"
    POWER = "power"
    BATTERY = "battery"
    READER = "reader"
    OTHER = "other"


class ErrorReason(StrEnum):
    """What went wrong at the terminal (reason of device_error)."""

    FACE_NOT_DETECTED = "face_not_detected"
    FACE_COVERED = "face_covered"
    FACE_UNCLEAR = "face_unclear"
    FACE_ANGLE = "face_angle"
    LIVENESS_FAILED = "liveness_failed"
    TEMPLATE_FAILED = "template_failed"
    # A link of the terminal's own (a face server, its main controller) was lost.
    CONNECTION_LOST = "connection_lost"
    FIRMWARE_FAILED = "firmware_failed"
    # The terminal restarted after a fault (its watchdog).
    FAULT_RESTART = "fault_restart"
    OTHER = "other"


# Every reason an event may carry.
type Reason = DenyReason | AlarmReason | ErrorReason


class Method(StrEnum):
    """How a person identified themselves."""

    FACE = "face"
    FINGERPRINT = "fingerprint"
    CARD = "card"
    PASSWORD = "password"
    QR = "qr"
    PALM = "palm"
    FINGER_VEIN = "finger_vein"
    IRIS = "iris"
    ID_CARD = "id_card"
    VOICE = "voice"
    # The user's number typed on the keypad, alone (ZK verification mode 2).
    USER_ID = "user_id"
    REMOTE = "remote"
    BUTTON = "button"


class Direction(StrEnum):
    """Passage direction."""

    IN = "in"
    OUT = "out"


class Feature(StrEnum):
    """What a terminal can sense or store."""

    FACE = "face"
    FINGERPRINT = "fingerprint"
    CARD = "card"
    PALM = "palm"
    PASSWORD = "password"
    QR = "qr"
    TEMPERATURE = "temperature"
    MASK = "mask"


class Operation(StrEnum):
    """What can be asked of a terminal; a terminal lists the ones it supports."""

    OPEN_DOOR = "open_door"
    TIMED_OPEN = "timed_open"
    HOLD_OPEN = "hold_open"
    NORMAL_MODE = "normal_mode"
    LOCKOUT = "lockout"
    RELEASE_LOCKOUT = "release_lockout"
    CLEAR_ALARM = "clear_alarm"
    LIST_USERS = "list_users"
    SET_USERS = "set_users"
    DELETE_USERS = "delete_users"
    ENROLL = "enroll"
    PUSH_FIRMWARE = "push_firmware"
    SET_TIME = "set_time"
    REBOOT = "reboot"
    SNAPSHOT = "snapshot"
    # Holds time zones, holidays and door rights (see protocols/access.py).
    ACCESS_RULES = "access_rules"
    # Hands over its stored records again on request / erases them (see protocols/history.py).
    RECOVER_RECORDS = "recover_records"
    CLEAR_RECORDS = "clear_records"
    # Erases users, records and settings, back to how the terminal left the factory.
    FACTORY_RESET = "factory_reset"
    # Drives an auxiliary output (a siren, a light, a second lock) for some seconds.
    AUX_OUTPUT = "aux_output"
    # Tests whether it can reach an address (a host and port of its network).
    TEST_HOST = "test_host"
    # Keeps linkage rules: an event at a door or input drives a lock or an output by itself.
    LINKAGE = "linkage"
    # Reads identity cards presented at a door's reader for a while, to register their holders
    # (each card read is an id_card_read event).
    ID_CARD_REGISTRATION = "id_card_registration"
    # Releases, holds open, returns to normal or locks elevator floors.
    ELEVATOR = "elevator"
    # Clears kinds of data (see ClearableData; `Terminal.clearable` says which).
    CLEAR_DATA = "clear_data"
    # Keeps a schedule of bell rings (start of work, breaks) and rings them itself.
    BELLS = "bells"
    # Keeps attendance shifts (periods of work) its own attendance reports count against.
    SHIFTS = "shifts"
    # Keeps each person's rota: which shift (or trip, leave, day off) they work day by day.
    USER_SHIFTS = "user_shifts"
    # Deletes one kind of credential of a user (face, fingerprints, palms, card, password).
    DELETE_CREDENTIAL = "delete_credential"
    # Shows a message on the screen: to everyone, or to one person when they are recognised.
    SCREEN_MESSAGE = "screen_message"
    # Holds a questionnaire (a question asked of whoever the terminal recognises).
    QUESTIONNAIRE = "questionnaire"
    # Shows pictures of one's own on the screen (standby slideshow, boot picture).
    SCREEN_PICTURE = "screen_picture"
    # Stops recognising people for a while (maintenance) and resumes on request.
    DISABLE_TERMINAL = "disable_terminal"
    # Keeps an attendance log that records can be added to by hand (a forgotten clock-in).
    ADD_ATTENDANCE = "add_attendance"
    # Hands over a person's attendance report of some days, as it counts it.
    ATTENDANCE_REPORT = "attendance_report"


# Operation groups most families share (each family adds its own to them).
DOOR_MODE_OPERATIONS: frozenset[Operation] = frozenset(
    {
        Operation.OPEN_DOOR,
        Operation.HOLD_OPEN,
        Operation.NORMAL_MODE,
        Operation.LOCKOUT,
        Operation.RELEASE_LOCKOUT,
    }
)
USER_OPERATIONS: frozenset[Operation] = frozenset(
    {Operation.LIST_USERS, Operation.SET_USERS, Operation.DELETE_USERS, Operation.ENROLL}
)


class ClearableData(StrEnum):
    """What the `clear_data` action erases (records: `clear_records`; everyone: `delete_user`)."""

    # Administrator rights (the people stay, as ordinary users).
    ADMINISTRATORS = "administrators"
    # The log of what was done at the terminal's menu (not the access records).
    ADMIN_LOG = "admin_log"
    # Users who are disabled (kept but barred).
    INACTIVE_USERS = "inactive_users"
    # The photos kept with access records (the records stay).
    RECORD_PHOTOS = "record_photos"
    # The settings of the terminal's own menu, back to their defaults.
    MENU_SETTINGS = "menu_settings"
    # Everything the terminal stores (users, records, rules); it restarts.
    DATABASE = "database"


class BellRinger(StrEnum):
    """Which bell a scheduled ring sounds."""

    INTERNAL = "internal"
    EXTERNAL = "external"
    BOTH = "both"


@dataclass(frozen=True, slots=True, kw_only=True)
class Bell:
    """One scheduled ring of a terminal's bell (`start` None: this bell is off)."""

    number: int
    start: time | None
    # Weekdays it rings on: 0 Monday to 6 Sunday, as `date.weekday()`.
    weekdays: frozenset[int] = frozenset(range(7))
    seconds: int = 5
    ringer: BellRinger = BellRinger.INTERNAL


class RotaDay(StrEnum):
    """A day of a person's rota that is not a shift."""

    TRIP = "trip"
    LEAVE = "leave"
    OFF = "off"


# A day of a rota: the number of a shift (1-based), or a day without one.
type RotaEntry = int | RotaDay


@dataclass(frozen=True, slots=True)
class Period:
    """A period of a day, from `start` to `end`."""

    start: time
    end: time


class DoorAction(StrEnum):
    """Door commands, each tied to the operation that must be supported for it."""

    OPEN = "open"
    HOLD_OPEN = "hold_open"
    NORMAL = "normal"
    LOCKOUT = "lockout"
    RELEASE_LOCKOUT = "release_lockout"

    @property
    def operation(self) -> Operation:
        """Return the operation a terminal must support to obey this action."""
        return _DOOR_ACTION_OPERATIONS[self]


_DOOR_ACTION_OPERATIONS = {
    DoorAction.OPEN: Operation.OPEN_DOOR,
    DoorAction.HOLD_OPEN: Operation.HOLD_OPEN,
    DoorAction.NORMAL: Operation.NORMAL_MODE,
    DoorAction.LOCKOUT: Operation.LOCKOUT,
    DoorAction.RELEASE_LOCKOUT: Operation.RELEASE_LOCKOUT,
}


class Credential(StrEnum):
    """What can be enrolled remotely."""

    FACE = "face"
    FINGERPRINT = "fingerprint"
    CARD = "card"
    PALM = "palm"
    PASSWORD = "password"


class Privilege(StrEnum):
    """A user's role on the terminal."""

    USER = "user"
    ADMIN = "admin"


@dataclass(slots=True, frozen=True)
class Usage:
    """How much of one kind of storage is used."""

    used: int | None
    capacity: int | None


@dataclass(slots=True, frozen=True, kw_only=True)
class TerminalInfo:
    """What a terminal says about itself (a value: build a new one with `replace`)."""

    serial: str
    family: Family
    model: str | None = None
    manufacturer: str | None = None
    firmware: str | None = None
    name: str | None = None
    features: frozenset[Feature] = frozenset()
    doors: int = 1
    # Keys: users, faces, fingerprints, cards, palms, passwords, admins, logs, photos.
    usage: Mapping[str, Usage] = field(default_factory=dict)
    keepalive_interval: int | None = None
    release_time: int | None = None
    # Live figures a terminal reports about itself (not saved: they come with its next report):
    # days_running, watchdog_resets, storage_formats; and when it last started.
    counters: Mapping[str, int] = field(default_factory=dict)
    booted_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly form (persisted so entities exist before the device talks)."""
        return {
            "serial": self.serial,
            "family": str(self.family),
            "model": self.model,
            "manufacturer": self.manufacturer,
            "firmware": self.firmware,
            "name": self.name,
            "features": sorted(str(feature) for feature in self.features),
            "doors": self.doors,
            "usage": {key: [value.used, value.capacity] for key, value in self.usage.items()},
            "keepalive_interval": self.keepalive_interval,
            "release_time": self.release_time,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TerminalInfo:
        """Rebuild from as_dict() output."""
        return cls(
            serial=data["serial"],
            family=Family(data["family"]),
            model=data.get("model"),
            manufacturer=data.get("manufacturer"),
            firmware=data.get("firmware"),
            name=data.get("name"),
            features=frozenset(Feature(value) for value in data.get("features", [])),
            doors=int(data.get("doors", 1)),
            usage={key: Usage(*value) for key, value in data.get("usage", {}).items()},
            keepalive_interval=data.get("keepalive_interval"),
            release_time=data.get("release_time"),
        )


@dataclass(slots=True, frozen=True, kw_only=True)
class DoorState:
    """The state of one door; None means the device does not report it."""

    door: int = 1
    is_open: bool | None = None
    relay_energised: bool | None = None
    held_open: bool | None = None
    locked_out: bool | None = None
    alarms: frozenset[AlarmReason] = frozenset()


@dataclass(slots=True, kw_only=True)
class AccessEvent:
    """One thing that happened at a terminal, in the shared vocabulary."""

    type: EventType
    time: datetime
    door: int = 1
    user_id: str | None = None
    user_name: str | None = None
    methods: tuple[Method, ...] = ()
    direction: Direction | None = None
    card_number: str | None = None
    temperature: float | None = None
    mask: bool | None = None
    reason: Reason | None = None
    record_id: str | None = None
    raw_code: str | None = None
    detail: str | None = None
    photo: bytes | None = field(default=None, repr=False)
    # The person of Home Assistant's directory this user is, and their `person` entity.
    person_id: str | None = None
    ha_person: str | None = None
    # A QR code shown at the terminal, for online authorization to find its pass by; a
    # credential: never published (as_dict leaves it out).
    qr_code: str | None = field(default=None, repr=False)

    @property
    def category(self) -> EventCategory:
        """Return the stream this event belongs to."""
        return EVENT_CATEGORIES[self.type]

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-friendly fields (the photo is replaced by has_photo)."""
        return {
            "type": str(self.type),
            "time": self.time.isoformat(),
            "door": self.door,
            "user_id": self.user_id,
            "user_name": self.user_name,
            "methods": [str(method) for method in self.methods],
            "direction": None if self.direction is None else str(self.direction),
            "card_number": self.card_number,
            "temperature": self.temperature,
            "mask": self.mask,
            "reason": None if self.reason is None else str(self.reason),
            "record_id": self.record_id,
            "raw_code": self.raw_code,
            "detail": self.detail,
            "has_photo": self.photo is not None,
            "person_id": self.person_id,
            "ha_person": self.ha_person,
        }


@dataclass(slots=True, frozen=True)
class Record:
    """A device record as received: where it stands in its stream, and the events it means.

    A record may mean no event (a status note with no place in the vocabulary) or several
    (a forced door is both a door event and an alarm); it is acknowledged either way.
    `stream`, `record_id` and `date` (unix seconds, 0 when unknown) identify it for
    de-duplication; a record without a stream or number is never taken for a duplicate.
    In an unordered stream the number is only an identity (a checksum of the record), not a
    position: such records are recognised by a larger window of recent identities alone.
    `recovered` marks a record the terminal handed over again because it was asked for its
    history: never live, whatever its time (see protocols/history.py).
    """

    events: tuple[AccessEvent, ...]
    stream: str | None = None
    record_id: int | None = None
    date: int = 0
    ordered: bool = True
    recovered: bool = False

    @property
    def key(self) -> str | None:
        """Return a stable identity ("stream:number:date"), if the record has one."""
        if self.stream is None or self.record_id is None:
            return None
        return f"{self.stream}:{self.record_id}:{self.date}"


@dataclass(slots=True, kw_only=True)
class Credentials:
    """Biometric templates and photo of a user, in the family's own encoding (base64 text).

    Templates only mean something to terminals of the family they were read from (`origin`):
    a terminal of another family writes the photo and leaves the templates out.
    """

    face: str | None = field(default=None, repr=False)
    fingerprints: dict[int, str] = field(default_factory=dict, repr=False)
    palms: dict[int, str] = field(default_factory=dict, repr=False)
    photo: bytes | None = field(default=None, repr=False)
    origin: Family | None = None

    def templates_for(self, family: Family) -> bool:
        """Return True if a terminal of `family` can use these templates."""
        return self.origin is None or self.origin is family

    def has_any(self) -> bool:
        """Return True if any template or the photo is set."""
        return bool(self.face or self.fingerprints or self.palms or self.photo)

    def without_data(self) -> Credentials:
        """Return presence markers only (empty values): enough to show, never to write."""
        return Credentials(
            face="" if self.face is not None else None,
            fingerprints=dict.fromkeys(self.fingerprints, ""),
            palms=dict.fromkeys(self.palms, ""),
            photo=b"" if self.photo is not None else None,
            origin=self.origin,
        )

    def summary(self) -> dict[str, Any]:
        """Say which credentials exist without revealing any of them."""
        return {
            "face": self.face is not None,
            "fingerprints": sorted(self.fingerprints),
            "palms": sorted(self.palms),
            "photo": self.photo is not None,
        }


@dataclass(slots=True, frozen=True, kw_only=True)
class UserAccess:
    """A person's rights on one terminal, in the numbers of its access tables.

    Written with the person; the tables they refer to come from `Terminal.set_access_tables`.
    `zones` gives each door the person may use its time zone (doors left out: none);
    `day_zones` a day zone per weekday, Monday first, for families that hold rights that way;
    `holidays` the holiday numbers the person is kept out on; `uses` how many passages are left
    (None: no limit).
    """

    zones: tuple[tuple[int, int], ...] = ()
    day_zones: tuple[int, ...] = ()
    holidays: tuple[int, ...] = ()
    uses: int | None = None

    def zone_of(self, door: int) -> int | None:
        """Return the time zone of `door` (None: no rights there)."""
        return next((zone for number, zone in self.zones if number == door), None)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly form (what a user digest covers)."""
        return {
            "zones": [list(pair) for pair in self.zones],
            "day_zones": list(self.day_zones),
            "holidays": list(self.holidays),
            "uses": self.uses,
        }


@dataclass(slots=True, kw_only=True)
class User:
    """A person known to a terminal. The password is write-only: never shown or published.

    `access` is set when Home Assistant's directory decides the person's rights; without it a
    family writes its default (every door, at any time).
    """

    user_id: str
    name: str | None = None
    privilege: Privilege = Privilege.USER
    cards: tuple[str, ...] = ()
    password: str | None = field(default=None, repr=False)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    enabled: bool = True
    department: str | None = None
    credentials: Credentials = field(default_factory=Credentials)
    qr_code: str | None = field(default=None, repr=False)
    access: UserAccess | None = None

    def public_dict(self) -> dict[str, Any]:
        """Return what may be shown to people: no password, no template, no photo bytes."""
        return {
            "user_id": self.user_id,
            "name": self.name,
            "privilege": str(self.privilege),
            "cards": list(self.cards),
            "has_password": bool(self.password),
            "valid_from": None if self.valid_from is None else self.valid_from.isoformat(),
            "valid_until": None if self.valid_until is None else self.valid_until.isoformat(),
            "enabled": self.enabled,
            "department": self.department,
            "credentials": self.credentials.summary(),
        }


@dataclass(slots=True, frozen=True, kw_only=True)
class FirmwareImage:
    """A firmware file to install; `url` is where the device can download it, if it downloads.

    `progress`, where given, hears the share (0 to 1) of the image the device has received,
    from families that hand the image over themselves.
    """

    data: bytes = field(repr=False)
    md5: str
    version: str | None = None
    url: str | None = None
    progress: Callable[[float], None] | None = field(default=None, repr=False, compare=False)


class ScreenPictureKind(StrEnum):
    """Where a picture of one's own shows on a terminal's screen."""

    # While nobody stands in front of it (a slideshow of several).
    STANDBY = "standby"
    # While it starts.
    BOOT = "boot"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenPicture:
    """A picture to show (`url` where the device downloads it, with its MD5) or to remove."""

    kind: ScreenPictureKind
    # Which picture of the kind (1-based: standby pictures are a numbered slideshow).
    index: int = 1
    url: str | None = None
    md5: str | None = None

    @property
    def delete(self) -> bool:
        """Return True when the picture is to be removed (no URL to download)."""
        return self.url is None


class LinkageOutput(StrEnum):
    """What a linkage rule drives (see protocols/linkage.py)."""

    LOCK = "lock"
    AUX_OUTPUT = "aux_output"


@dataclass(frozen=True, slots=True, kw_only=True)
class Linkage:
    """A linkage rule the terminal keeps (see protocols/linkage.py).

    `trigger` at `source` (0: anywhere) drives `output` `number` for `seconds` (0 off or closed,
    255 on or normally open); an `alarm` trigger names its `reason`.
    """

    index: int
    trigger: EventType
    source: int
    output: LinkageOutput
    number: int
    seconds: int
    reason: AlarmReason | None = None


class AttendanceKind(StrEnum):
    """What an attendance record says the person did (a terminal's attendance keys)."""

    NORMAL = "normal"
    CLOCK_IN = "clock_in"
    CLOCK_OUT = "clock_out"
    OVERTIME_IN = "overtime_in"
    OVERTIME_OUT = "overtime_out"
    CUSTOM_1 = "custom_1"
    CUSTOM_2 = "custom_2"
    CUSTOM_3 = "custom_3"
    CUSTOM_4 = "custom_4"


@dataclass(frozen=True, slots=True, kw_only=True)
class AttendanceEntry:
    """A record to add to a terminal's attendance log: who, when (aware), and what."""

    user_id: str
    time: datetime
    kind: AttendanceKind = AttendanceKind.NORMAL


class UserChange(StrEnum):
    """A change to a terminal's user table made at the device (not by us)."""

    ADDED = "added"
    UPDATED = "updated"
    DELETED = "deleted"
    ALL_DELETED = "all_deleted"


class TerminalListener(Protocol):
    """What a terminal reports to; implemented by the integration's coordinator.

    Each method returns once the report is handled: a push terminal acknowledges a record to the
    device only after `records` returned, so a failure here makes the device send it again.
    """

    async def records(self, records: Sequence[Record]) -> Sequence[Record]:
        """Handle records from the device (de-duplicate, then dispatch their events).

        Returns the records that may change what the terminal shows now: those new and live.
        A record that arrives late (its own time far from now: a backlog after an outage, a
        first import, a log sent again) is kept and shown, but must not move a door's state.
        Raises ListenerUnavailableError when records cannot be taken now (send them again).
        """

    def seen(self) -> None:
        """Note that the device just talked to us (drives online/offline)."""

    def state_changed(self) -> None:
        """Note that info or door state changed (read them from the terminal)."""

    def user_changed(self, user_id: str | None, change: UserChange) -> None:
        """Note that the device's user table changed at the device."""

    def snapshot(self, image: bytes) -> None:
        """Handle a camera snapshot from the device."""

    def photo(self, image: bytes, taken: datetime) -> None:
        """Handle the picture the device took with a record, sent apart from it (JPEG).

        It is shown as the terminal's last photo when `taken` is live (see `records`).
        """

    def persist(self) -> None:
        """Note that queued work changed and should be saved (see Terminal.export_state)."""

    async def commit(self) -> None:
        """Save now what was handled and queued (records seen, cursors, stamps).

        A family calls it before acknowledging records the device would send again from a
        cursor we gave it (ZK attendance stamps, the control API's next_pos): after a crash the
        device resumes from the saved cursor, and the saved ledger already knows those records.
        """


class Terminal:
    """The protocol-neutral face of a terminal: every family implements what it can.

    Operations a family cannot do keep the default, which raises NotSupportedError; `operations`
    lists what is supported so callers can refuse before trying.
    """

    family: Family
    operations: frozenset[Operation] = frozenset()
    # True where the device fetches firmware from a URL (rather than receiving its bytes).
    downloads_firmware: bool = False
    # True where the door status carries the alarms (and their end): alarm sensors mean something.
    reports_alarms: bool = False
    # True where access records come with the person's photo.
    sends_photos: bool = False
    # The event streams the terminal's records fill (a terminal without doors has no door
    # events, one without sensors raises no alarms): where event entities mean something.
    event_categories: frozenset[EventCategory] = frozenset(EventCategory)
    # Which of the OPTIONAL_EVENT_TYPES its records carry (a doorbell, a fire input...).
    optional_event_types: frozenset[EventType] = frozenset()
    # Seconds between two `refresh` calls for families that we call (pull); None: the device
    # calls us (push) and there is nothing to poll.
    poll_interval: float | None = None
    # True where records can be lost while the terminal is unreachable and must be asked for
    # when it is back (`recover_records` since it was last heard from); the others send again
    # by themselves what was not acknowledged.
    recovers_after_outage: bool = False
    # How many auxiliary outputs and elevator floors `output_control` / `floor_control` take.
    aux_outputs: int = 0
    # How many auxiliary inputs a linkage rule (`set_linkage`) can start from.
    aux_inputs: int = 0
    floors: int = 0
    # How many scheduled bells `set_bell` and attendance shifts `set_shift` take.
    bells: int = 0
    shifts: int = 0
    # How many days a person's rota (`set_user_shifts`) covers.
    rota_days: int = 0
    # What `clear_data` erases here besides users (which `delete_users(None)` erases).
    clearable: frozenset[ClearableData] = frozenset()

    def __init__(self, serial: str) -> None:
        """Start with nothing known but the serial."""
        self.serial = serial
        self.info: TerminalInfo | None = None
        self.doors: dict[int, DoorState] = {1: DoorState(door=1)}
        # What the device sent that could not be read (counted, logged with its content).
        self.problems = InputProblems(serial)
        # The settings this terminal has (protocols/settings.py), with its own ranges and
        # choices, and their values as last read or written; a family fills both once it
        # knows its model.
        self.settings: dict[Setting, SettingSpec] = {}
        self.setting_values: dict[SettingAddress, SettingValue] = {}
        # Seconds the terminal's clock is ahead of ours (behind: negative), as last read; None
        # where the family does not read its clock.
        self.clock_offset: float | None = None

    def supports(self, operation: Operation) -> bool:
        """Return True if this terminal can do `operation`."""
        return operation in self.operations

    def require(self, operation: Operation) -> None:
        """Raise NotSupportedError unless `operation` is supported."""
        if operation not in self.operations:
            raise NotSupportedError(operation)

    async def refresh(self, *, records: bool = True) -> None:
        """Read what changed at the device (pull families); records go to the listener.

        Without `records`, only what the device is (its info) is read.
        """

    async def door_control(
        self, door: int, action: DoorAction, *, duration: int | None = None
    ) -> None:
        """Open, hold open, return to normal or lock out a door."""
        raise NotSupportedError(action.operation)

    async def clear_alarm(self) -> None:
        """Silence every active alarm."""
        raise NotSupportedError(Operation.CLEAR_ALARM)

    def canonical_user_id(self, user_id: str) -> str:
        """Return the id as the device stores it (raise InvalidRequestError if it cannot)."""
        return user_id.strip()

    async def list_users(
        self, user_ids: Sequence[str] | None = None, *, with_credentials: bool = True
    ) -> list[User]:
        """Read users (all, or the given ids) from the device.

        Without credentials, templates and photos are replaced by presence markers as they
        arrive, so that reading thousands of users stays small.
        """
        raise NotSupportedError(Operation.LIST_USERS)

    async def set_users(
        self, users: Sequence[User], *, keep_held_credentials: Collection[str] = ()
    ) -> None:
        """Add or replace users; raises UserWriteError naming the users that failed.

        Users in `keep_held_credentials` (given without templates or photo) keep those the
        device holds: a family whose writes replace the whole person reads them first.
        """
        raise NotSupportedError(Operation.SET_USERS)

    async def delete_users(self, user_ids: Sequence[str] | None) -> None:
        """Delete the given users, or every user when `user_ids` is None."""
        raise NotSupportedError(Operation.DELETE_USERS)

    @property
    def access_profile(self) -> AccessProfile | None:
        """Return what the terminal can hold of an access policy (None: nothing yet known)."""
        return None

    def compile_access(
        self,
        policies: Sequence[PersonPolicy],
        today: date,
        doors: DoorSchedules | None = None,
    ) -> AccessPlan:
        """Compile the policies of the people on this terminal into its own tables.

        `today` is the terminal's date: holidays are written from it on, and families without
        holidays fold them into the coming week. `doors` gives what door schedules ask of the
        doors: when they stay unlocked (`free_open`, for terminals whose
        `access_profile.free_open` says they keep them; the others leave it out and the
        directory reports the shortfall) and which verification they demand during periods
        (`verify`, for terminals whose `access_profile.verify_modes` says they hold them; for
        the others the directory has taken those periods from the people's access).
        """
        raise NotSupportedError(Operation.ACCESS_RULES)

    async def set_access_tables(self, tables: Mapping[str, Any]) -> None:
        """Write the terminal-wide access tables of an AccessPlan (time zones, holidays)."""
        raise NotSupportedError(Operation.ACCESS_RULES)

    async def holds_access_tables(self, tables: Mapping[str, Any]) -> bool:
        """Read back whether the terminal still holds `tables` (True where it cannot tell)."""
        return True

    async def prune_access_tables(self, tables: Mapping[str, Any]) -> None:
        """Delete what earlier tables left that `tables` no longer has (unused time zones).

        Called once the people's rights were written against `tables`, never before: a right
        still pointing at an old entry would lock its person out meanwhile. Families that write
        their tables whole have nothing left over.
        """

    async def start_enrollment(
        self, user_id: str, credential: Credential, index: int | None = None
    ) -> None:
        """Start remote enrollment; its outcome arrives later as an admin event."""
        raise NotSupportedError(Operation.ENROLL)

    async def push_firmware(self, firmware: FirmwareImage) -> None:
        """Hand a firmware image to the device."""
        raise NotSupportedError(Operation.PUSH_FIRMWARE)

    def firmware_download(self, data: bytes) -> bytes:
        """Return what a device that downloads firmware fetches for an image (as it wants it)."""
        return data

    async def set_time(self, now: datetime) -> None:
        """Set the device clock (and time zone where the family carries one)."""
        raise NotSupportedError(Operation.SET_TIME)

    async def reboot(self) -> None:
        """Restart the device."""
        raise NotSupportedError(Operation.REBOOT)

    async def request_snapshot(self) -> None:
        """Ask the device for a camera snapshot; it arrives through TerminalListener.snapshot."""
        raise NotSupportedError(Operation.SNAPSHOT)

    async def recover_records(self, start: datetime, end: datetime) -> int | None:
        """Ask the device for its records of `start` to `end` again (its history query).

        They reach the listener marked `recovered` (never live); the ledger drops those already
        handled. Returns how many records the device handed over, or None where they come
        later on the device's own schedule (then it may send more than the range).
        """
        raise NotSupportedError(Operation.RECOVER_RECORDS)

    async def clear_records(self) -> None:
        """Erase the records stored at the device."""
        raise NotSupportedError(Operation.CLEAR_RECORDS)

    async def read_settings(self) -> None:
        """Read every setting of `settings` into `setting_values`.

        Families whose answers arrive later (push) return once the request is queued and tell the
        listener (`state_changed`) when the values are in.
        """

    async def write_setting(self, address: SettingAddress, value: SettingValue) -> None:
        """Write one setting (already checked against its spec) and record it in setting_values."""
        raise NotSupportedError(f"setting {address.setting}")

    async def factory_reset(self) -> None:
        """Erase users, records and settings (the terminal restarts as it left the factory)."""
        raise NotSupportedError(Operation.FACTORY_RESET)

    async def output_control(self, output: int, seconds: int) -> None:
        """Drive auxiliary output `output` (1 to `aux_outputs`) for `seconds` (0: switch off)."""
        raise NotSupportedError(Operation.AUX_OUTPUT)

    async def test_host(self, host: str, port: int) -> bool:
        """Return whether the terminal reaches `host`:`port` (a network test of its own)."""
        raise NotSupportedError(Operation.TEST_HOST)

    async def set_linkage(self, linkage: Linkage) -> None:
        """Add or replace linkage rule `linkage.index` (see protocols/linkage.py)."""
        raise NotSupportedError(Operation.LINKAGE)

    async def delete_linkages(self, index: int | None) -> None:
        """Delete linkage rule `index`, or every rule (None)."""
        raise NotSupportedError(Operation.LINKAGE)

    async def id_card_registration(self, door: int, seconds: int, enabled: bool) -> None:
        """Start (for `seconds`) or stop registering by identity card at `door` (0: every door)."""
        raise NotSupportedError(Operation.ID_CARD_REGISTRATION)

    async def floor_control(self, floors: Sequence[int] | None, action: DoorAction) -> None:
        """Apply a door action to elevator floors (1 to `floors`; None: every floor)."""
        raise NotSupportedError(Operation.ELEVATOR)

    async def clear_data(self, what: Collection[ClearableData]) -> None:
        """Erase each kind of data in `what` (all of `clearable`; the database last)."""
        raise NotSupportedError(Operation.CLEAR_DATA)

    async def set_bell(self, bell: Bell) -> None:
        """Set one scheduled bell (1 to `bells`), keeping the others."""
        raise NotSupportedError(Operation.BELLS)

    async def set_shift(self, shift: int, periods: Sequence[Period]) -> None:
        """Set the periods of work of attendance shift `shift` (1 to `shifts`)."""
        raise NotSupportedError(Operation.SHIFTS)

    async def set_user_shifts(
        self, user_id: str, start: date, days: Sequence[RotaEntry]
    ) -> list[RotaEntry]:
        """Set a person's rota from `start` (`days` repeat over `rota_days`); return it as held."""
        raise NotSupportedError(Operation.USER_SHIFTS)

    async def delete_credential(self, user_id: str, credential: Credential) -> None:
        """Delete one kind of credential of a user (every fingerprint, both palms...).

        The user and their other credentials stay.
        """
        raise NotSupportedError(Operation.DELETE_CREDENTIAL)

    async def set_questionnaire(self, questionnaire: Questionnaire) -> None:
        """Write the questionnaire (already checked: `Questionnaire.check`)."""
        raise NotSupportedError(Operation.QUESTIONNAIRE)

    async def get_questionnaire(self) -> Questionnaire | None:
        """Read the questionnaire (None: the terminal holds none)."""
        raise NotSupportedError(Operation.QUESTIONNAIRE)

    async def clear_questionnaire(self) -> None:
        """Take the questionnaire away."""
        raise NotSupportedError(Operation.QUESTIONNAIRE)

    async def set_screen_message(self, user_id: str | None, text: str) -> None:
        """Show `text` to everyone (`user_id` None) or to one user when recognised ("": none)."""
        raise NotSupportedError(Operation.SCREEN_MESSAGE)

    async def get_screen_message(self, user_id: str | None) -> str | None:
        """Return the message shown to everyone (`user_id` None) or to one user."""
        raise NotSupportedError(Operation.SCREEN_MESSAGE)

    async def set_screen_picture(self, picture: ScreenPicture) -> None:
        """Show a picture on the screen (the device downloads it), or remove it."""
        raise NotSupportedError(Operation.SCREEN_PICTURE)

    async def set_enabled(self, enabled: bool) -> None:
        """Stop recognising people (`enabled` False) until enabled again."""
        raise NotSupportedError(Operation.DISABLE_TERMINAL)

    async def add_attendance(self, entries: Sequence[AttendanceEntry]) -> None:
        """Add records to the terminal's attendance log (its reports count them)."""
        raise NotSupportedError(Operation.ADD_ATTENDANCE)

    async def attendance_report(self, user_id: str, first: date, last: date) -> dict[str, Any]:
        """Return a person's attendance report of `first` to `last` as the terminal gives it."""
        raise NotSupportedError(Operation.ATTENDANCE_REPORT)

    def close(self) -> None:
        """Fail every operation still waiting on the device (the terminal is going away)."""

    def export_state(self) -> dict[str, Any]:
        """Return queued work that must survive a restart (JSON-friendly)."""
        return {}

    def restore_state(self, data: Mapping[str, Any]) -> None:
        """Reload export_state() output."""

    def diagnostics(self) -> dict[str, Any]:
        """Return protocol state for diagnostics (the caller redacts secrets)."""
        return {}


# A callable deciding online authorization requests: given the person's event, grant or refuse.
Authorizer = Callable[[AccessEvent], Awaitable[tuple[bool, str | None]]]
