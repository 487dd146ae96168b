"""ZKTeco PUSH codes mapped to the shared vocabulary, and record parsing.

Tables from specs/003_918f4eda729658fc.txt: Appendix 1 (command results), Appendix 2 (real-time
events), Appendix 3 (verification modes) and the bitmask form of `verifytype` (section 10.2).
Every code of Appendix 2 is either an event (EVENT_CODES) or, in NO_EVENT_CODES, no event for a
stated reason (network up, a verification step...); their records are still acknowledged. Code
255 (door status) only updates the doors (uploads.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
import zlib

from ..codec import body_temperature, naive_time, optional_int
from ..fields import (
    MAX_DOORS,
    DeviceInput,
    InvalidInputError,
    check_door,
    check_time,
    integer,
    key,
    lenient,
    local_time,
    text,
)
from ..model import (
    AccessEvent,
    AlarmReason,
    DenyReason,
    Direction,
    DoorState,
    ErrorReason,
    EventType,
    Method,
    Record,
)
from ..vocab import (
    Meaning,
    alarm,
    aux_input,
    aux_output,
    cleared,
    denied,
    device_error,
    device_status,
    door,
    events,
    fire,
    granted,
)
from .wire import old_decode_time, parse_fields

F, FP, C, PW, QR, PALM, FV, IRIS, IDC = (
    Method.FACE,
    Method.FINGERPRINT,
    Method.CARD,
    Method.PASSWORD,
    Method.QR,
    Method.PALM,
    Method.FINGER_VEIN,
    Method.IRIS,
    Method.ID_CARD,
)
R = DenyReason
A = AlarmReason
E = EventType
ER = ErrorReason

# Appendix 2. Merged codes ("0, 14 and 17 have the same meaning") share their meaning.
EVENT_CODES: dict[int, tuple[Meaning, ...]] = {
    0: granted("opened after verification"),
    1: granted("verified during the normal-open period"),
    2: granted("first user opened the door"),
    3: granted("several users opened the door"),
    4: granted("opened with the emergency password", PW),
    5: door(E.DOOR_OPENED, "opened during the normal-open period"),
    7: cleared(A.OTHER, "alarm cancelled"),
    8: door(E.REMOTE_UNLOCK, "opened remotely"),
    9: door(E.REMOTE_LOCK, "closed remotely"),
    14: granted("opened after verification"),
    15: granted("several users opened the door"),
    16: granted("verified during the normal-open period"),
    17: granted("opened after verification"),
    18: granted("first user opened the door"),
    19: granted("first user opened the door"),
    20: denied("verified again too soon", R.INTERVAL),
    21: denied("outside the user's time period", R.TIME_ZONE),
    22: denied("invalid time period", R.TIME_ZONE),
    23: denied("no access to this door", R.DOOR_RIGHTS),
    24: denied("anti-passback", R.ANTI_PASSBACK),
    25: denied("interlock: another door is open", R.LOCKED),
    27: denied("not registered", R.UNREGISTERED),
    28: alarm(A.HELD_OPEN, "door open too long", E.DOOR_HELD_OPEN),
    29: denied("validity expired", R.EXPIRED),
    30: denied("not registered", R.UNREGISTERED),
    31: denied("verified again too soon", R.INTERVAL),
    33: denied("validity expired", R.EXPIRED),
    34: denied("not registered", R.UNREGISTERED),
    35: denied("outside the user's time period", R.TIME_ZONE),
    36: denied("exit button outside its time period", R.TIME_ZONE, Method.BUTTON),
    38: denied("card reported lost", R.BLACKLIST, C),
    39: denied("blacklisted", R.BLACKLIST),
    40: denied("multi-user verification failed", R.VERIFY_MODE),
    41: denied("wrong verification mode", R.VERIFY_MODE),
    42: denied("wrong Wiegand format", R.OTHER, C),
    44: denied("remote identification failed", R.SERVER_DENIED),
    45: denied("remote identification timed out", R.SERVER_DENIED),
    48: denied("multi-user verification failed", R.VERIFY_MODE),
    49: denied("outside the user's time period", R.TIME_ZONE),
    50: denied("verified again too soon", R.INTERVAL),
    52: denied("multi-user verification failed", R.VERIFY_MODE),
    53: denied("validity expired", R.EXPIRED),
    54: alarm(A.BATTERY, "battery voltage too low"),
    55: alarm(A.BATTERY, "replace the battery now"),
    56: denied("unauthorised operation", R.OTHER),
    57: alarm(A.POWER, "running on backup power"),
    58: alarm(A.OTHER, "normal-open alarm"),
    59: denied("unauthorised administrator", R.OTHER),
    60: denied("door locked from inside", R.LOCKED),
    61: denied("verified again", R.INTERVAL),
    62: denied("prohibited user", R.DISABLED),
    63: denied("door locked", R.LOCKED),
    64: denied("exit button outside its time period", R.TIME_ZONE, Method.BUTTON),
    65: aux_input(True, "auxiliary input triggered outside its time period"),
    67: denied("identified remotely, but the terminal is not authorised", R.SERVER_DENIED),
    68: denied("body temperature too high", R.TEMPERATURE),
    69: denied("no mask", R.MASK),
    73: denied("invalid QR code", R.UNREGISTERED, QR),
    74: denied("QR code expired", R.EXPIRED, QR),
    75: denied("combined verification timed out", R.VERIFY_MODE),
    100: alarm(A.TAMPER, "tamper alarm"),
    101: alarm(A.DURESS, "duress password"),
    102: alarm(A.FORCED, "door opened without permission", E.DOOR_FORCED_OPEN),
    103: alarm(A.DURESS, "duress fingerprint"),
    104: alarm(A.OTHER, "repeated invalid card"),
    106: alarm(A.BATTERY, "battery power failure"),
    107: alarm(A.POWER, "mains power failure"),
    109: alarm(A.READER, "reader taken off the wall"),
    110: alarm(A.READER, "reader offline"),
    111: alarm(A.POWER, "PoE power lost"),
    112: alarm(A.OTHER, "extension board offline"),
    113: alarm(A.OTHER, "illegal security level"),
    114: alarm(A.OTHER, "fire alarm input line broken"),
    115: alarm(A.OTHER, "fire alarm input line short-circuited"),
    116: alarm(A.OTHER, "auxiliary input line broken"),
    117: alarm(A.OTHER, "auxiliary input line short-circuited"),
    118: alarm(A.OTHER, "exit button line broken"),
    119: alarm(A.OTHER, "exit button line short-circuited"),
    120: alarm(A.OTHER, "door contact line broken"),
    121: alarm(A.OTHER, "door contact line short-circuited"),
    200: door(E.DOOR_OPENED, "door opened"),
    201: door(E.DOOR_CLOSED, "door closed"),
    202: door(E.EXIT_BUTTON, "opened with the exit button"),
    203: granted("several users opened the door"),
    204: door(E.NORMALLY_OPEN_ENDED, "the door's normal-open period ended"),
    205: door(E.REMOTE_UNLOCK, "held open remotely"),
    207: granted("opened with a password", PW),
    208: granted("opened by a super user"),
    209: denied("exit button pressed while locked", R.LOCKED, Method.BUTTON),
    210: fire("fire: doors opened"),
    211: door(E.REMOTE_LOCK, "closed by a super user"),
    215: granted("first card opened the door with its password", C, PW),
    216: granted("password during the normal-open period", PW),
    218: granted("passed with an identity card", IDC),
    219: granted("verified during the exit button's normal-open period"),
    # 220 / 221 are the input's line: open (released) / closed (triggered) for a normally-open
    # contact; 225 / 226 say it in words.
    220: aux_input(False, "auxiliary input open"),
    221: aux_input(True, "auxiliary input closed"),
    222: granted("remote identification succeeded"),
    224: door(E.DOORBELL, "doorbell rung"),
    225: aux_input(False, "auxiliary input back to normal"),
    226: aux_input(True, "auxiliary input triggered"),
    # Auxiliary outputs: switched by a command (the aux_output action, CONTROL DEVICE 01) or
    # held on by their schedule; the record's door field is the output's number.
    12: aux_output(True, "auxiliary output switched on remotely"),
    13: aux_output(False, "auxiliary output switched off remotely"),
    229: aux_output(True, "auxiliary output held on by its schedule"),
    230: aux_output(False, "auxiliary output's schedule ended"),
    232: granted("verified"),
    233: door(E.REMOTE_LOCK, "locked remotely"),
    234: door(E.REMOTE_UNLOCK, "unlocked remotely"),
    236: cleared(A.READER, "reader back on the wall"),
    237: cleared(A.READER, "reader back online"),
    239: door(E.DOORBELL, "visitor called from the terminal"),
    # The fire input's line: whether open or closed means fire depends on its wiring (NC / NO);
    # the terminal reports it because the fire input changed, which is the alarm.
    243: fire("fire alarm input open"),
    244: fire("fire alarm input closed"),
    247: cleared(A.OTHER, "extension board back online"),
    # The day's normal-open period switched on or off (by CONTROL DEVICE 04 or at the
    # terminal): the door is held open for everyone within it, or back to normal.
    10: door(E.NORMALLY_OPEN_ENDED, "the day's normal-open period disabled"),
    11: door(E.NORMALLY_OPEN_STARTED, "the day's normal-open period enabled"),
    # Emergency modes: every door held open (dual-on) or kept shut (dual-off).
    227: door(E.NORMALLY_OPEN_STARTED, "emergency: door held open (dual-on mode)"),
    228: door(E.LOCKOUT_STARTED, "emergency: door kept shut (dual-off mode)"),
    # The terminal failed at something of its own.
    66: device_error(ER.FIRMWARE_FAILED, "reader firmware upgrade failed"),
    70: device_error(ER.CONNECTION_LOST, "face server unreachable"),
    71: device_error(ER.CONNECTION_LOST, "face server answered abnormally"),
    76: device_error(ER.OTHER, "no fingerprint registered in TITAN mode"),
    108: device_error(ER.CONNECTION_LOST, "main controller unreachable"),
    47: device_error(ER.OTHER, "failed to send a command"),
    # Told to close a door (remotely or at the terminal) while its normal-open period runs.
    37: device_error(ER.OTHER, "the door cannot be closed during its normal-open period"),
    # What the terminal reports of itself; 217 ends the outage 108 reported, 235 is the upgrade
    # that 66 reports failed.
    206: device_status(E.DEVICE_STARTED, "the terminal started"),
    217: device_status(E.DEVICE_CONNECTED, "connected to the main controller"),
    235: device_status(E.FIRMWARE_UPGRADED, "reader firmware upgraded"),
    212: device_status(E.ELEVATOR_CONTROL_ENABLED, "elevator control enabled"),
    213: device_status(E.ELEVATOR_CONTROL_DISABLED, "elevator control disabled"),
}
# Appendix 2 codes that give no event, and why. A test checks that every code of the
# document is in one of the two tables, so none is dropped without a stated reason.
NO_EVENT_CODES: dict[int, str] = {
    6: "linkage triggered: what the linkage does (a door, an output) arrives as its own code",
    26: "several users waiting to verify: a step; the outcome follows (3, 15, 203 or 40, 48, 52)",
    32: "several users waiting to verify: a step; the outcome follows (3, 15, 203 or 40, 48, 52)",
    51: "several users waiting to verify: a step; the outcome follows (3, 15, 203 or 40, 48, 52)",
    72: "intercom call unanswered: the call itself was the doorbell event (239)",
    77: "network cable unplugged: the connectivity sensor shows the link",
    78: "hotspot disconnected: the connectivity sensor shows the link",
    79: "mobile network disconnected: the connectivity sensor shows the link",
    105: "server unreachable: the connectivity sensor shows the link",
    214: "connected to the server: the connectivity sensor shows the link",
    223: "remote identification asked: Home Assistant answers it; the outcome is 222, 44 or 45",
    231: "camera (IPC) linkage: what the linkage does arrives as its own code",
    240: "intercom call ended: the call itself was the doorbell event (239)",
    241: "camera capture linked: the snapshot itself is an ATTPHOTO upload",
    242: "camera recording linked: the recording stays on the camera",
    245: "connected to a hotspot: the connectivity sensor shows the link",
    246: "mobile network connected: the connectivity sensor shows the link",
    248: "network cable plugged in: the connectivity sensor shows the link",
    254: "not an event: announces extended event numbers",
    255: "door status only: its sensor / relay / alarm fields update the doors, no event",
}
# Events a person causes without identifying (no user behind pin=0): the door, its modes,
# alarms and what the terminal reports of itself (errors, a start, an upgrade...).
_DEVICE_EVENT_TYPES = frozenset(
    {
        E.DOOR_OPENED,
        E.DOOR_CLOSED,
        E.DOOR_FORCED_OPEN,
        E.DOOR_HELD_OPEN,
        E.DOORBELL,
        E.NORMALLY_OPEN_STARTED,
        E.NORMALLY_OPEN_ENDED,
        E.LOCKOUT_STARTED,
        E.LOCKOUT_ENDED,
        E.DEVICE_ERROR,
        E.ALARM,
        E.ALARM_CLEARED,
        E.FIRE_ALARM,
        E.AUX_INPUT_ON,
        E.AUX_INPUT_OFF,
        E.AUX_OUTPUT_ON,
        E.AUX_OUTPUT_OFF,
        *(E.DEVICE_STARTED, E.DEVICE_CONNECTED, E.FIRMWARE_UPGRADED),
        *(E.ELEVATOR_CONTROL_ENABLED, E.ELEVATOR_CONTROL_DISABLED),
    }
)

# Appendix 3: verification modes. "A or B" does not say which one was used: no method.
VERIFY_MODES: dict[int, tuple[Method, ...]] = {
    1: (FP,),
    2: (Method.USER_ID,),
    3: (PW,),
    4: (C,),
    8: (Method.USER_ID, FP),
    9: (FP, PW),
    10: (C, FP),
    11: (C, PW),
    12: (FP, PW, C),
    13: (Method.USER_ID, FP, PW),
    14: (FP,),
    15: (F,),
    16: (F, FP),
    17: (F, PW),
    18: (F, C),
    19: (F, FP, C),
    20: (F, FP, PW),
    21: (FV,),
    22: (FV, PW),
    23: (FV, C),
    24: (FV, PW, C),
}
# The bitmask form: bit n counted from the right is VF_STYLE n (section 10.2 / 12.5.1).
VERIFY_BITS: dict[int, Method] = {
    1: F,
    2: PALM,
    3: PALM,
    4: FP,
    5: FV,
    6: Method.VOICE,
    7: IRIS,
    8: IRIS,
    9: PW,
    10: Method.USER_ID,
    11: C,
}
# Attendance PUSH verify codes of ATTLOG lines.
ATTLOG_VERIFY: dict[int, tuple[Method, ...]] = {
    0: (PW,),
    1: (FP,),
    2: (C,),
    3: (PW,),
    4: (C,),
    15: (F,),
    25: (PALM,),
}

# Appendix 4: the terminal's Language option, and the language setting's neutral choice for
# each (protocols/settings.py; None where the setting has no such choice).
LANGUAGES: dict[int, tuple[str, str | None]] = {
    83: ("Simplified Chinese", "zh_hans"),
    69: ("English", "en"),
    97: ("Spanish", "es"),
    70: ("French", "fr"),
    66: ("Arabic", "ar"),
    80: ("Portuguese", "pt"),
    82: ("Russian", "ru"),
    71: ("German", "de"),
    65: ("Farsi", None),
    76: ("Thai", None),
    73: ("Indonesian", None),
    74: ("Japanese", "ja"),
    75: ("Korean", None),
    86: ("Vietnamese", None),
    116: ("Turkish", None),
    72: ("Hebrew", None),
    90: ("Czech", None),
    68: ("Dutch", None),
    105: ("Italian", None),
    89: ("Slovak", None),
    103: ("Greek", None),
    112: ("Polish", None),
    84: ("Traditional Chinese", "zh_hant"),
}
_LANGUAGE_NUMBERS = {choice: number for number, (_, choice) in LANGUAGES.items() if choice}


def language_choice(value: str | None) -> str | None:
    """Return the neutral language choice of a Language option (None: not one we can name)."""
    number = optional_int(value)
    return None if number is None else LANGUAGES.get(number, ("", None))[1]


def language_number(choice: str) -> int | None:
    """Return the Language option of a neutral language choice (None: the terminal has none)."""
    return _LANGUAGE_NUMBERS.get(choice)


# Appendix 1: command results below 0.
RESULT_TEXTS: dict[int, str] = {
    -1: "failed to send the command",
    -2: "no response to the command",
    -3: "insufficient cache",
    -4: "failed to decompress",
    -5: "incorrect length of data read",
    -6: "decompressed length differs from the expected one",
    -7: "repeated command",
    -8: "unauthorised connection",
    -9: "incorrect data (CRC)",
    -10: "incorrect data",
    -11: "incorrect data parameter",
    -12: "command execution error",
    -13: "unknown command",
    -14: "incorrect communication password",
    -15: "failed to write the file",
    -16: "failed to read the file",
    -17: "the file does not exist",
    -18: "the device has no space left",
    -19: "checksum error",
    -20: "received length differs from the announced length",
    -21: "no platform parameter set on the device",
    -22: "firmware for another platform",
    -23: "firmware older than the installed one",
    -24: "incorrect upgrade file flag",
    -25: "upgrade file not named emfw.cfg",
    -26: "empty fingerprint template",
    -27: "fingerprint template for an unknown user",
    -28: "door already open for its open period",
    -100: "table does not exist",
    -101: "condition field does not exist",
    -102: "field count mismatch",
    -103: "field order mismatch",
    -105: "data could not be parsed",
    -106: "data larger than 4 MB",
    -108: "invalid option",
    -603: "internal error: invalid handle",
    -604: "insufficient memory",
    -609: "internal error: invalid handle",
    -612: "the device failed to save the parameter",
    -614: "failed to cancel the alarm",
    -615: "restart failed",
    -616: "failed to switch normal-open mode",
    -618: "incorrect URL",
    -619: "firmware internal error: blank input parameter",
    -620: "incorrect data format",
    -621: "field not supported",
    -628: "failed to load the fingerprints into memory",
    -629: "incorrect table name",
    -630: "failed to execute the shell command",
    -631: "incorrect base64 length",
    -632: "incorrect file name",
    -708: "the firmware does not support this command",
    -709: "failed to upload the options",
    -720: "firmware upgrade failed",
    -721: "the device is downloading the file",
    -722: "failed to upload the data to the server",
    -725: "the device timed out waiting for the result",
    -726: "the server returned an HTTP error",
    -728: "failed to upload the number of table entries",
    -730: "no response from the server",
    -731: "the server could not receive the data",
    -801: "incorrect command format",
}


def describe_result(code: int) -> str:
    """Return a readable text for a command result code."""
    return RESULT_TEXTS.get(code, f"error {code}")


def is_verify_bits(text: str) -> bool:
    """Return True for the new bit form of a verification mode ("0000101000000011")."""
    return len(text) >= 8 and set(text) <= {"0", "1"}


def verify_methods(value: str | None) -> tuple[Method, ...]:
    """Read `verifytype`: an Appendix 3 code, or the bitmask string ("0000000000000010")."""
    text = (value or "").strip()
    if is_verify_bits(text):
        found: list[Method] = []
        for bit, char in enumerate(reversed(text)):
            method = VERIFY_BITS.get(bit)
            if char == "1" and method is not None and method not in found:
                found.append(method)
        return tuple(found)
    code = optional_int(text)
    return VERIFY_MODES.get(code, ()) if code is not None else ()


def _direction(status: int | None) -> Direction | None:
    return {0: Direction.IN, 1: Direction.OUT}.get(status) if status is not None else None


# ZK numbers its records (`index`) and times (`time_second`) in 32 bits.
_UINT32 = 2**32 - 1


@dataclass(slots=True, frozen=True, kw_only=True)
class _EventFields(DeviceInput):
    """What an rtlog line and a transaction row share (their parsed `key=value` fields)."""

    index: int | None = key("index", integer(0, _UINT32), default=None)
    pin: str | None = key("pin", text(32), default=None)
    card: str | None = key("cardno", lenient(text(32)), default=None)
    mask: int | None = key("maskflag", lenient(integer(0, 255)), default=None)
    temperature: str | None = key("temperature", lenient(text(16)), default=None)
    # In the unit the server asked for (IRTempUnitTrans=0 at push: Celsius), unlike
    # `temperature`, which is in the terminal's own unit (IRTempUnit, Fahrenheit on some).
    converted: str | None = key("convtemperature", lenient(text(16)), default=None)


@dataclass(slots=True, frozen=True, kw_only=True)
class RtlogFields(_EventFields):
    """An rtlog line: the terminal's local time, its event code and the door (`eventaddr`)."""

    time: datetime = key("time", local_time())
    event: int = key("event", integer(0, 65535))
    door: int | None = key("eventaddr", integer(0, MAX_DOORS), default=None)
    verify: str | None = key("verifytype", lenient(text(32)), default=None)
    inout: int | None = key("inoutstatus", lenient(integer(0, 255)), default=None)


@dataclass(slots=True, frozen=True, kw_only=True)
class TransactionFields(_EventFields):
    """A `transaction` row (ACCOUNT archives, DATA QUERY answers): ZK seconds, `doorid`."""

    seconds: int = key("time_second", integer(0, _UINT32))
    event: int = key("eventtype", integer(0, 65535))
    door: int | None = key("doorid", integer(0, MAX_DOORS), default=None)
    verify: str | None = key("verified", lenient(text(32)), default=None)
    inout: int | None = key("inoutstate", lenient(integer(0, 255)), default=None)


def _zk_event(
    fields: RtlogFields | TransactionFields, moment: datetime, *, stream: str, received: datetime
) -> Record:
    code = fields.event
    meanings = EVENT_CODES.get(code, ())
    pin, card = fields.pin, fields.card
    user_id = None if pin in (None, "0") else pin
    if user_id is None:
        # pin=0 is the terminal itself: only door and alarm events stand without a person.
        meanings = tuple(m for m in meanings if m.type in _DEVICE_EVENT_TYPES) or tuple(
            m for m in meanings if m.type is not E.ACCESS_GRANTED
        )
    moment = check_time(moment, received)
    number = fields.index
    built = events(
        meanings,
        time=moment,
        raw_code=f"{stream}:{code}",
        door_number=check_door(fields.door),
        methods=verify_methods(fields.verify),
        user_id=user_id,
        direction=_direction(fields.inout),
        card_number=None if card in (None, "0") else card,
        temperature=body_temperature(fields.converted) or body_temperature(fields.temperature),
        mask=None if fields.mask is None else fields.mask == 1,
        record_id=None if number is None else str(number),
    )
    return Record(built, stream, number, int(moment.timestamp()))


def rtlog_record(line: str | Mapping[str, str], zone: tzinfo, received: datetime) -> Record:
    """Turn one rtlog line (fields in any order), or its parsed fields, into a Record.

    Raises InvalidInputError (a ProtocolError) for a line that cannot be read.
    """
    fields = RtlogFields.read(parse_fields(line) if isinstance(line, str) else line)
    return _zk_event(fields, fields.time.replace(tzinfo=zone), stream="rtlog", received=received)


def transaction_record(line: str, zone: tzinfo, received: datetime) -> Record:
    """Turn a `transaction` line (ACCOUNT archives, DATA QUERY answers) into a Record.

    These are the same events as rtlog, numbered the same way, so they share its stream: a
    record recovered after an outage that had already arrived live is not repeated.
    """
    fields = TransactionFields.read(parse_fields(line))
    moment = old_decode_time(fields.seconds, zone)
    if moment is None:
        raise InvalidInputError(f"time_second: {fields.seconds} names no date")
    return _zk_event(fields, moment, stream="rtlog", received=received)


_PUNCH_PIN = text(32)
_PUNCH_CODE = lenient(integer(0, 255))


def attlog_record(line: str, zone: tzinfo, received: datetime) -> Record:
    """Turn an attendance punch (PIN, time, status, verify... separated by tabs) into a Record.

    Firmware sends 7 to 11 fields (trailing tabs too); the first four are read. Punches carry no
    record number: the whole line identifies the punch (an unordered stream).
    """
    parts = [part.strip() for part in line.split("\t")]
    try:
        pin = _PUNCH_PIN(parts[0])
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"PIN: {err}") from None
    local = naive_time(parts[1]) if len(parts) > 1 else None
    if pin is None or local is None:
        raise InvalidInputError("a punch needs a PIN and a time")
    moment = check_time(local.replace(tzinfo=zone), received)
    status = _PUNCH_CODE(parts[2]) if len(parts) > 2 else None
    verify = _PUNCH_CODE(parts[3]) if len(parts) > 3 else None
    direction = None
    if status is not None:
        direction = Direction.OUT if status in (1, 2, 5) else Direction.IN
    built = events(
        granted("attendance punch"),
        time=moment,
        raw_code=f"attlog:{status}:{verify}",
        methods=ATTLOG_VERIFY.get(verify, ()) if verify is not None else (),
        user_id=pin,
        direction=direction,
    )
    identity = zlib.crc32("\t".join(parts[:4]).encode()) & 0x7FFFFFFF
    return Record(built, "attlog", identity, int(moment.timestamp()), ordered=False)


# rtstate: alarm bits of a door's byte (section 10.3), and what each means.
_ALARM_BITS = (
    A.FORCED,
    A.TAMPER,
    A.DURESS,
    A.DURESS,
    A.HELD_OPEN,
    A.POWER,
    A.BATTERY,
    A.READER,
)


def _hex_int(value: str | None) -> int | None:
    try:
        return int(value, 16) if value else None
    except ValueError:
        return None


def rtstate_doors(line: str, door_count: int) -> dict[int, DoorState]:
    """Read `sensor=AABB relay=CC alarm=DDEE...` into the state of each door."""
    fields = parse_fields(line)
    sensor, relay = fields.get("sensor", ""), _hex_int(fields.get("relay"))
    alarm_hex = fields.get("alarm", "")
    doors: dict[int, DoorState] = {}
    for number in range(1, max(door_count, 1) + 1):
        byte = _hex_int(sensor[(number - 1) // 4 * 2 : (number - 1) // 4 * 2 + 2])
        contact = None if byte is None else (byte >> ((number - 1) % 4 * 2)) & 0b11
        alarm_byte = _hex_int(alarm_hex[(number - 1) * 2 : number * 2])
        doors[number] = DoorState(
            door=number,
            is_open={0b01: False, 0b10: True}.get(contact) if contact is not None else None,
            relay_energised=None if relay is None else bool(relay >> (number - 1) & 1),
            alarms=frozenset(
                reason
                for bit, reason in enumerate(_ALARM_BITS)
                if alarm_byte is not None and alarm_byte >> bit & 1
            ),
        )
    return doors


def device_event_types() -> frozenset[EventType]:
    """Return the event types that stand without a person (for tests and docs)."""
    return _DEVICE_EVENT_TYPES


__all__ = [
    "ATTLOG_VERIFY",
    "EVENT_CODES",
    "NO_EVENT_CODES",
    "VERIFY_MODES",
    "AccessEvent",
    "attlog_record",
    "describe_result",
    "rtlog_record",
    "rtstate_doors",
    "transaction_record",
    "verify_methods",
]
