"""Tests of ZK PUSH codes: Appendix 2 events, Appendix 3 verify modes, records and door states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.access_terminal.protocols.errors import ProtocolError
from custom_components.access_terminal.protocols.model import (
    EVENT_CATEGORIES,
    AlarmReason as A,
    DenyReason as R,
    Direction,
    DoorState,
    ErrorReason,
    EventCategory,
    EventType as E,
    Method,
    Reason,
)
from custom_components.access_terminal.protocols.zk_push.codes import (
    EVENT_CODES,
    NO_EVENT_CODES,
    attlog_record,
    describe_result,
    device_event_types,
    rtlog_record,
    rtstate_doors,
    transaction_record,
    verify_methods,
)

ZONE = timezone(timedelta(hours=8))
RECEIVED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
# Every rtlog line carries the terminal's time.
AT = "time=2024-05-01 08:00:00"

Kinds = list[tuple[E, Reason | None]]


def _group(codes: list[int], kinds: Kinds) -> dict[int, Kinds]:
    return dict.fromkeys(codes, kinds)


# What every Appendix 2 code means, grouped as the document merges them.
EXPECTED: dict[int, Kinds] = {
    **_group(
        [0, 1, 2, 3, 4, 14, 15, 16, 17, 18, 19, 203, 207, 208, 215, 216, 218, 219, 222, 232],
        [(E.ACCESS_GRANTED, None)],
    ),
    **_group([20, 31, 50, 61], [(E.ACCESS_DENIED, R.INTERVAL)]),
    **_group([21, 22, 35, 36, 49, 64], [(E.ACCESS_DENIED, R.TIME_ZONE)]),
    **_group([23], [(E.ACCESS_DENIED, R.DOOR_RIGHTS)]),
    **_group([42, 56, 59], [(E.ACCESS_DENIED, R.OTHER)]),
    **_group([24], [(E.ACCESS_DENIED, R.ANTI_PASSBACK)]),
    **_group([25, 60, 63, 209], [(E.ACCESS_DENIED, R.LOCKED)]),
    **_group([27, 30, 34, 73], [(E.ACCESS_DENIED, R.UNREGISTERED)]),
    **_group([29, 33, 53, 74], [(E.ACCESS_DENIED, R.EXPIRED)]),
    **_group([38, 39], [(E.ACCESS_DENIED, R.BLACKLIST)]),
    **_group([62], [(E.ACCESS_DENIED, R.DISABLED)]),
    **_group([40, 41, 48, 52, 75], [(E.ACCESS_DENIED, R.VERIFY_MODE)]),
    **_group([44, 45], [(E.ACCESS_DENIED, R.SERVER_DENIED)]),
    **_group([68], [(E.ACCESS_DENIED, R.TEMPERATURE)]),
    **_group([69], [(E.ACCESS_DENIED, R.MASK)]),
    **_group([5, 200], [(E.DOOR_OPENED, None)]),
    **_group([201], [(E.DOOR_CLOSED, None)]),
    **_group([202], [(E.EXIT_BUTTON, None)]),
    **_group([8, 205, 234], [(E.REMOTE_UNLOCK, None)]),
    **_group([9, 211, 233], [(E.REMOTE_LOCK, None)]),
    **_group([28], [(E.DOOR_HELD_OPEN, None), (E.ALARM, A.HELD_OPEN)]),
    **_group([102], [(E.DOOR_FORCED_OPEN, None), (E.ALARM, A.FORCED)]),
    **_group([100], [(E.ALARM, A.TAMPER)]),
    **_group([101, 103], [(E.ALARM, A.DURESS)]),
    **_group([54, 55, 106], [(E.ALARM, A.BATTERY)]),
    **_group([57, 107, 111], [(E.ALARM, A.POWER)]),
    **_group([109, 110], [(E.ALARM, A.READER)]),
    **_group([58, 104, *range(112, 122)], [(E.ALARM, A.OTHER)]),
    **_group([210, 243, 244], [(E.FIRE_ALARM, A.FIRE)]),
    **_group([7, 247], [(E.ALARM_CLEARED, A.OTHER)]),
    **_group([236, 237], [(E.ALARM_CLEARED, A.READER)]),
    **_group([224, 239], [(E.DOORBELL, None)]),
    **_group([65, 221, 226], [(E.AUX_INPUT_ON, None)]),
    **_group([220, 225], [(E.AUX_INPUT_OFF, None)]),
    **_group([12, 229], [(E.AUX_OUTPUT_ON, None)]),
    **_group([13, 230], [(E.AUX_OUTPUT_OFF, None)]),
    **_group([67], [(E.ACCESS_DENIED, R.SERVER_DENIED)]),
    **_group([11, 227], [(E.NORMALLY_OPEN_STARTED, None)]),
    **_group([10, 204], [(E.NORMALLY_OPEN_ENDED, None)]),
    **_group([228], [(E.LOCKOUT_STARTED, None)]),
    **_group([70, 71, 108], [(E.DEVICE_ERROR, ErrorReason.CONNECTION_LOST)]),
    **_group([66], [(E.DEVICE_ERROR, ErrorReason.FIRMWARE_FAILED)]),
    **_group([37, 47, 76], [(E.DEVICE_ERROR, ErrorReason.OTHER)]),
    **_group([206], [(E.DEVICE_STARTED, None)]),
    **_group([217], [(E.DEVICE_CONNECTED, None)]),
    **_group([235], [(E.FIRMWARE_UPGRADED, None)]),
    **_group([212], [(E.ELEVATOR_CONTROL_ENABLED, None)]),
    **_group([213], [(E.ELEVATOR_CONTROL_DISABLED, None)]),
}
# Codes acknowledged without an event: linkage, status notes, network, calls...
SILENT = [6, 26, 32, 51, 72, 77, 78, 79]
SILENT += [105, 214, 223]
SILENT += [231, 240, 241, 242, 245, 246, 248, 254, 255]
# Every code of Appendix 2 (rows 43, 46, 238 and 249-253 are empty in the document).
DOCUMENT_CODES = {*range(43), 44, 45, *range(47, 80), *range(100, 122), *range(200, 238)}
DOCUMENT_CODES |= {*range(239, 249), 254, 255}


def rtlog(line: str) -> list[tuple[E, Reason | None]]:
    record = rtlog_record(line, ZONE, RECEIVED)
    return [(event.type, event.reason) for event in record.events]


def test_every_mapped_code_is_classified_here() -> None:
    assert set(EVENT_CODES) == set(EXPECTED)
    assert not set(SILENT) & set(EXPECTED)


def test_no_code_of_the_document_is_dropped_without_a_reason() -> None:
    # Each code is an event, or no event for a reason written down in the code table.
    assert set(EVENT_CODES) | set(NO_EVENT_CODES) == DOCUMENT_CODES
    assert not set(EVENT_CODES) & set(NO_EVENT_CODES)
    assert set(NO_EVENT_CODES) == set(SILENT)
    assert all(len(reason) > 20 for reason in NO_EVENT_CODES.values())


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_event_code_meaning(code: int) -> None:
    assert rtlog(f"time=2024-05-01 08:00:00\tpin=5\tevent={code}\tindex=1") == EXPECTED[code]


@pytest.mark.parametrize("code", SILENT)
def test_codes_without_an_event_are_still_records(code: int) -> None:
    record = rtlog_record(f"time=2024-05-01 08:00:00\tpin=5\tevent={code}\tindex=9", ZONE, RECEIVED)
    assert record.events == ()
    # Acknowledged and numbered all the same, so the terminal moves on.
    assert (record.stream, record.record_id) == ("rtlog", 9)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # A door or an alarm stands without a person.
        (200, [(E.DOOR_OPENED, None)]),
        (102, [(E.DOOR_FORCED_OPEN, None), (E.ALARM, A.FORCED)]),
        (28, [(E.DOOR_HELD_OPEN, None), (E.ALARM, A.HELD_OPEN)]),
        (100, [(E.ALARM, A.TAMPER)]),
        (7, [(E.ALARM_CLEARED, A.OTHER)]),
        # A visitor rings, a sensor on an auxiliary input trips, the fire input goes off.
        (224, [(E.DOORBELL, None)]),
        (226, [(E.AUX_INPUT_ON, None)]),
        (225, [(E.AUX_INPUT_OFF, None)]),
        (210, [(E.FIRE_ALARM, A.FIRE)]),
        # Someone unknown refused: the refusal stays, without a user.
        (27, [(E.ACCESS_DENIED, R.UNREGISTERED)]),
        (8, [(E.REMOTE_UNLOCK, None)]),
        # "Granted" to nobody is not a passage.
        (0, []),
        (222, []),
    ],
)
def test_pin_zero_is_the_terminal_itself(code: int, expected: Kinds) -> None:
    line = f"time=2017-01-10 11:49:32\tpin=0\tcardno=0\teventaddr=1\tevent={code}\tindex=21"
    assert rtlog(line) == expected
    assert all(event.user_id is None for event in rtlog_record(line, ZONE, RECEIVED).events)
    assert rtlog(line.replace("pin=0", "pin=")) == expected


def test_device_event_types() -> None:
    # Every door and alarm event stands without a person, but those someone causes by a button
    # or remotely; and so do the terminal's own errors and what it reports of itself.
    caused = {E.EXIT_BUTTON, E.REMOTE_UNLOCK, E.REMOTE_LOCK}
    streams = {EventCategory.DOOR, EventCategory.ALARM}
    assert device_event_types() == {
        kind for kind in E if EVENT_CATEGORIES[kind] in streams and kind not in caused
    } | {
        E.DEVICE_ERROR,
        E.DEVICE_STARTED,
        E.DEVICE_CONNECTED,
        E.FIRMWARE_UPGRADED,
        E.ELEVATOR_CONTROL_ENABLED,
        E.ELEVATOR_CONTROL_DISABLED,
    }


def test_doorbell_and_auxiliary_input_name_their_place() -> None:
    # eventaddr is the door of a doorbell and the input's number of an auxiliary input.
    (bell,) = rtlog_record(f"{AT}\tpin=0\teventaddr=2\tevent=224\tindex=3", ZONE, RECEIVED).events
    assert (bell.type, bell.door, bell.detail) == (E.DOORBELL, 2, "doorbell rung")
    line = f"{AT}\tpin=0\teventaddr=1\tevent=226\tindex=4"
    (aux,) = rtlog_record(line, ZONE, RECEIVED).events
    assert (aux.type, aux.door, aux.category.value) == (E.AUX_INPUT_ON, 1, "alarm")


def test_rtlog_record_of_the_documents_example() -> None:
    line = (
        "time=2017-01-10 11:49:32      pin=0      cardno=0      eventaddr=1 event=27"
        "      inoutstatus=1\tverifytype=0      index=21"
    )
    record = rtlog_record(line, ZONE, RECEIVED)
    moment = datetime(2017, 1, 10, 11, 49, 32, tzinfo=ZONE)
    assert record.stream == "rtlog"
    assert record.record_id == 21
    assert record.date == int(moment.timestamp())
    assert record.key == f"rtlog:21:{int(moment.timestamp())}"
    (event,) = record.events
    assert event.type is E.ACCESS_DENIED
    assert event.reason is R.UNREGISTERED
    assert event.time == moment
    assert event.user_id is None
    assert event.card_number is None
    assert event.direction is Direction.OUT
    assert event.door == 1
    assert event.methods == ()
    assert event.record_id == "21"
    assert event.raw_code == "rtlog:27"
    assert event.detail == "not registered"


def test_rtlog_record_of_a_person() -> None:
    line = (
        "index=7\tverifytype=4\ttemperature=36.6\tmaskflag=1\tinoutstatus=0\tevent=0"
        "\teventaddr=3\tcardno=123456789\tpin=42\ttime=2024-05-01 08:00:00\tsitecode=0\tlinkid=0"
    )
    (event,) = rtlog_record(line, ZONE, RECEIVED).events
    assert event.type is E.ACCESS_GRANTED
    assert event.user_id == "42"
    assert event.card_number == "123456789"
    assert event.door == 3
    assert event.direction is Direction.IN
    assert event.methods == (Method.CARD,)
    assert event.temperature == 36.6
    assert event.mask is True
    assert event.time == datetime(2024, 5, 1, 8, 0, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("extra", "field", "value"),
    [
        ("maskflag=0", "mask", False),
        ("maskflag=x", "mask", None),
        ("temperature=0", "temperature", None),
        ("temperature=255.0", "temperature", None),
        ("temperature=warm", "temperature", None),
        ("temperature=", "temperature", None),
        # convtemperature is in Celsius (IRTempUnitTrans=0): it wins over the terminal's unit.
        ("temperature=97.9\tconvtemperature=36.6", "temperature", 36.6),
        ("temperature=36.2\tconvtemperature=", "temperature", 36.2),
        ("temperature=36.2\tconvtemperature=hot", "temperature", 36.2),
        ("temperature=97.9\tconvtemperature=0", "temperature", None),
        ("inoutstatus=2", "direction", None),
        ("inoutstatus=1", "direction", Direction.OUT),
        ("eventaddr=0", "door", 1),
        ("eventaddr=4", "door", 4),
        ("cardno=0", "card_number", None),
    ],
)
def test_rtlog_record_optional_fields(extra: str, field: str, value: object) -> None:
    (event,) = rtlog_record(f"pin=1\tevent=0\t{AT}\t{extra}", ZONE, RECEIVED).events
    assert getattr(event, field) == value


def test_rtlog_record_without_index() -> None:
    record = rtlog_record(f"pin=1\tevent=0\t{AT}", ZONE, RECEIVED)
    # No number: never taken for a duplicate.
    assert record.key is None
    assert record.events[0].record_id is None
    assert rtlog_record(f"pin=1\tevent=999\t{AT}", ZONE, RECEIVED).events == ()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        # Never stamped with the time it arrived: a record without its own time is unreadable.
        ("pin=1\tevent=0", "time: missing"),
        ("pin=1\tevent=0\ttime=yesterday", "time"),
        ("pin=1\tevent=0\ttime=2024-02-30 08:00:00", "time"),
        # ... as is one dated where no terminal records (a corrupt 2099 record, 1999).
        ("pin=1\tevent=0\ttime=2099-12-31 23:59:59\tindex=4294967295", "sane window"),
        ("pin=1\tevent=0\ttime=1999-12-31 23:59:59", "sane window"),
        (f"pin=1\t{AT}", "event: missing"),
        (f"event=abc\tpin=1\t{AT}", "event"),
        # Doors are numbered 1 to 4: a record of door 5 or 99999999 names no door.
        (f"pin=1\tevent=0\t{AT}\teventaddr=5", "eventaddr"),
        (f"pin=1\tevent=0\t{AT}\teventaddr=99999999", "eventaddr"),
        (f"pin=1\tevent=0\t{AT}\teventaddr=x", "eventaddr"),
        # Record numbers are 32 bits.
        (f"pin=1\tevent=0\t{AT}\tindex=4294967296", "index"),
        (f"pin=1\tevent=0\t{AT}\tindex=123456789012345678901", "index"),
    ],
)
def test_rtlog_record_unreadable(line: str, problem: str) -> None:
    with pytest.raises(ProtocolError, match=problem):
        rtlog_record(line, ZONE, RECEIVED)


def test_codes_that_say_how_people_identified() -> None:
    def methods(code: int, verify: str = "4") -> tuple[Method, ...]:
        line = f"pin=1\tevent={code}\tverifytype={verify}\t{AT}"
        return rtlog_record(line, ZONE, RECEIVED).events[0].methods

    assert methods(4) == (Method.PASSWORD,)  # emergency password, whatever verifytype says
    assert methods(215) == (Method.CARD, Method.PASSWORD)
    assert methods(218) == (Method.ID_CARD,)
    assert methods(73) == (Method.QR,)
    assert methods(209) == (Method.BUTTON,)
    assert methods(202, "200") == (Method.BUTTON,)
    assert methods(8, "200") == (Method.REMOTE,)
    assert methods(233, "200") == (Method.REMOTE,)
    assert methods(0, "15") == (Method.FACE,)


# -- verification modes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "methods"),
    [
        # Appendix 3 codes.
        ("0", ()),  # automatically identified: not said which
        ("1", (Method.FINGERPRINT,)),
        ("2", (Method.USER_ID,)),  # the user id alone
        ("3", (Method.PASSWORD,)),
        ("4", (Method.CARD,)),
        ("5", ()),  # fingerprint or password: not said which
        ("6", ()),
        ("7", ()),
        ("8", (Method.USER_ID, Method.FINGERPRINT)),  # the user id typed, then a finger
        ("9", (Method.FINGERPRINT, Method.PASSWORD)),
        ("10", (Method.CARD, Method.FINGERPRINT)),
        ("11", (Method.CARD, Method.PASSWORD)),
        ("12", (Method.FINGERPRINT, Method.PASSWORD, Method.CARD)),
        ("13", (Method.USER_ID, Method.FINGERPRINT, Method.PASSWORD)),
        ("14", (Method.FINGERPRINT,)),
        ("15", (Method.FACE,)),
        ("16", (Method.FACE, Method.FINGERPRINT)),
        ("17", (Method.FACE, Method.PASSWORD)),
        ("18", (Method.FACE, Method.CARD)),
        ("19", (Method.FACE, Method.FINGERPRINT, Method.CARD)),
        ("20", (Method.FACE, Method.FINGERPRINT, Method.PASSWORD)),
        ("21", (Method.FINGER_VEIN,)),
        ("22", (Method.FINGER_VEIN, Method.PASSWORD)),
        ("23", (Method.FINGER_VEIN, Method.CARD)),
        ("24", (Method.FINGER_VEIN, Method.PASSWORD, Method.CARD)),
        ("200", ()),
        (" 15 ", (Method.FACE,)),
        # Section 10.2's bitmask strings: bit n from the right is VF_STYLE n.
        ("0000000000000010", (Method.FACE,)),
        ("00000000000000010", (Method.FACE,)),
        ("0000000000000100", (Method.PALM,)),
        ("0000000000001000", (Method.PALM,)),
        ("0000000000001100", (Method.PALM,)),
        ("0000000000010000", (Method.FINGERPRINT,)),
        ("0000000000100000", (Method.FINGER_VEIN,)),
        ("0000000010000000", (Method.IRIS,)),
        ("0000001000000000", (Method.PASSWORD,)),
        ("0000010000000000", (Method.USER_ID,)),  # the user id typed (VF_STYLE 10)
        ("0000000001000000", (Method.VOICE,)),  # voiceprint (VF_STYLE 6)
        ("0000100000000000", (Method.CARD,)),
        ("0000101000000011", (Method.FACE, Method.PASSWORD, Method.CARD)),
        ("00000001", ()),
        ("", ()),
        (None, ()),
        ("face", ()),
    ],
)
def test_verify_methods(value: str | None, methods: tuple[Method, ...]) -> None:
    assert verify_methods(value) == methods


# -- ACCOUNT and attendance records --------------------------------------------------------------


def test_transaction_record_of_an_account_archive() -> None:
    # Section 12.2.2's transaction.txt, one record per line.
    line = (
        "cardno=0\tpin=0\tverified=200\tdoorid=1\teventtype=100\tinoutstate=2\t"
        "time_second=548003687\tindex=92"
    )
    record = transaction_record(line, ZONE, RECEIVED)
    moment = datetime(2017, 1, 19, 15, 14, 47, tzinfo=ZONE)
    # The same stream and numbers as rtlog: a record already received live is not repeated.
    assert (record.stream, record.record_id, record.date) == ("rtlog", 92, int(moment.timestamp()))
    (event,) = record.events
    assert (event.type, event.reason, event.time) == (E.ALARM, A.TAMPER, moment)
    assert event.direction is None
    assert event.user_id is None


def test_transaction_record_of_a_person() -> None:
    line = (
        "cardno=4242\tpin=12\tverified=15\tdoorid=2\teventtype=0\tinoutstate=1\t"
        "time_second=583512660\tindex=93\tmaskflag=0\ttemperature=36.1"
    )
    (event,) = transaction_record(line, ZONE, RECEIVED).events
    assert event.type is E.ACCESS_GRANTED
    assert (event.user_id, event.card_number, event.door) == ("12", "4242", 2)
    assert event.methods == (Method.FACE,)
    assert event.direction is Direction.OUT
    assert event.time == datetime(2018, 2, 27, 14, 51, tzinfo=ZONE)
    assert (event.mask, event.temperature) == (False, 36.1)


@pytest.mark.parametrize(
    "seconds",
    [
        None,
        "99999999999999999",  # an OverflowError once (only ValueError was caught)
        str(2**32),
        "4294967295",  # the largest ZK time: 2137
        "3000000000",  # a date in 2093
        "x",
    ],
)
def test_transaction_record_without_a_usable_time(seconds: str | None) -> None:
    line = "pin=12\teventtype=0\tindex=5"
    if seconds is not None:
        line += f"\ttime_second={seconds}"
    with pytest.raises(ProtocolError, match="time"):
        transaction_record(line, ZONE, RECEIVED)


@pytest.mark.parametrize(
    ("status", "direction"),
    [
        ("0", Direction.IN),
        ("3", Direction.IN),
        ("4", Direction.IN),
        ("1", Direction.OUT),
        ("2", Direction.OUT),
        ("5", Direction.OUT),
    ],
)
def test_attlog_status_is_in_or_out(status: str, direction: Direction) -> None:
    record = attlog_record(f"7\t2024-05-01 08:00:00\t{status}\t1\t0\t0", ZONE, RECEIVED)
    assert record is not None
    assert record.events[0].direction is direction
    assert record.events[0].raw_code == f"attlog:{status}:1"


@pytest.mark.parametrize(
    ("verify", "methods"),
    [
        ("0", (Method.PASSWORD,)),
        ("1", (Method.FINGERPRINT,)),
        ("2", (Method.CARD,)),
        ("3", (Method.PASSWORD,)),
        ("4", (Method.CARD,)),
        ("15", (Method.FACE,)),
        ("25", (Method.PALM,)),
        ("9", ()),
        ("x", ()),
    ],
)
def test_attlog_verify_codes(verify: str, methods: tuple[Method, ...]) -> None:
    record = attlog_record(f"7\t2024-05-01 08:00:00\t0\t{verify}", ZONE, RECEIVED)
    assert record is not None
    assert record.events[0].methods == methods


def test_attlog_punch() -> None:
    record = attlog_record(" 7 \t2024-05-01 08:00:00\t0\t15\t0\t0\t\t\t\t", ZONE, RECEIVED)
    assert record is not None
    moment = datetime(2024, 5, 1, 8, 0, tzinfo=ZONE)
    (event,) = record.events
    assert (event.type, event.user_id, event.time) == (E.ACCESS_GRANTED, "7", moment)
    assert event.detail == "attendance punch"
    assert (record.stream, record.date, record.ordered) == (
        "attlog",
        int(moment.timestamp()),
        False,
    )
    # Without status and verify: a punch all the same.
    bare = attlog_record("7\t2024-05-01 08:00:00", ZONE, RECEIVED)
    assert bare is not None
    assert (bare.events[0].direction, bare.events[0].methods) == (None, ())


def test_attlog_identity_is_stable_for_the_same_punch() -> None:
    line = "7\t2024-05-01 08:00:00\t0\t1\t0\t0"

    def identity(text: str) -> int | None:
        record = attlog_record(text, ZONE, RECEIVED)
        assert record is not None
        return record.record_id

    assert identity(line) == identity(line)
    assert identity(line) == identity(" 7\t2024-05-01 08:00:00 \t0\t1\t0\t0")
    # Another person, time, status or verify is another punch.
    assert identity(line) != identity("8\t2024-05-01 08:00:00\t0\t1\t0\t0")
    assert identity(line) != identity("7\t2024-05-01 08:00:01\t0\t1\t0\t0")
    assert identity(line) != identity("7\t2024-05-01 08:00:00\t1\t1\t0\t0")
    assert identity(line) != identity("7\t2024-05-01 08:00:00\t0\t15\t0\t0")


@pytest.mark.parametrize(
    "line", ["", "7", "\t2024-05-01 08:00:00\t0\t1", "7\t2024-05-01\t0\t1", "7\tyesterday\t0"]
)
def test_attlog_unreadable_lines(line: str) -> None:
    with pytest.raises(ProtocolError):
        attlog_record(line, ZONE, RECEIVED)


# -- door states -------------------------------------------------------------------------------


def test_rtstate_the_documents_example() -> None:
    line = "time=2017-01-10 15:42:40    sensor=00    relay=00    alarm=0200000000000000"
    doors = rtstate_doors(line, 4)
    # No door sensor anywhere, relays off, door 1 reports a tamper alarm (second bit).
    assert doors == {
        1: DoorState(door=1, is_open=None, relay_energised=False, alarms=frozenset({A.TAMPER})),
        2: DoorState(door=2, is_open=None, relay_energised=False),
        3: DoorState(door=3, is_open=None, relay_energised=False),
        4: DoorState(door=4, is_open=None, relay_energised=False),
    }


def test_rtstate_sensor_two_bits_relay_one_bit_per_door() -> None:
    # sensor 0x19 = 00 01 10 01 (doors 4..1): door 1 closed, 2 open, 3 closed, 4 no sensor;
    # 0x02 in the second byte: door 5 open. relay 0x05: doors 1 and 3 energised.
    doors = rtstate_doors("time=2024-05-01 08:00:00\tsensor=1902\trelay=05\talarm=", 6)
    assert [doors[n].is_open for n in range(1, 7)] == [False, True, False, None, True, None]
    assert [doors[n].relay_energised for n in range(1, 7)] == [
        True,
        False,
        True,
        False,
        False,
        False,
    ]
    assert all(not door.alarms for door in doors.values())


@pytest.mark.parametrize(
    ("bits", "alarms"),
    [
        ("01", {A.FORCED}),
        ("02", {A.TAMPER}),
        ("04", {A.DURESS}),
        ("08", {A.DURESS}),
        ("10", {A.HELD_OPEN}),
        ("20", {A.POWER}),
        ("40", {A.BATTERY}),
        ("80", {A.READER}),
        ("FF", {A.FORCED, A.TAMPER, A.DURESS, A.HELD_OPEN, A.POWER, A.BATTERY, A.READER}),
        ("00", set()),
    ],
)
def test_rtstate_alarm_byte_per_door(bits: str, alarms: set[A]) -> None:
    doors = rtstate_doors(f"sensor=00\trelay=00\talarm=00{bits}0000", 3)
    assert doors[2].alarms == alarms
    assert doors[1].alarms == doors[3].alarms == frozenset()


def test_rtstate_missing_or_unreadable_fields() -> None:
    assert rtstate_doors("time=2024-05-01 08:00:00", 2) == {
        1: DoorState(door=1),
        2: DoorState(door=2),
    }
    assert rtstate_doors("sensor=zz\trelay=qq\talarm=xy", 1) == {1: DoorState(door=1)}
    # A terminal that has not said how many doors it has: one.
    assert list(rtstate_doors("sensor=01", 0)) == [1]
    assert rtstate_doors("sensor=01", 0)[1].is_open is False


# -- command results ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (-1, "failed to send the command"),
        (-7, "repeated command"),
        (-27, "fingerprint template for an unknown user"),
        (-629, "incorrect table name"),
        (-708, "the firmware does not support this command"),
        (-6, "decompressed length differs from the expected one"),
        (-604, "insufficient memory"),
        (-801, "incorrect command format"),
        (-999, "error -999"),
        (5, "error 5"),
    ],
)
def test_describe_result(code: int, text: str) -> None:
    assert describe_result(code) == text
