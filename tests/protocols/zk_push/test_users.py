"""Tests of ZK PUSH users: capabilities, command records, rows read back and attendance users."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.access_terminal.protocols.errors import InvalidRequestError
from custom_components.access_terminal.protocols.model import (
    Credentials,
    Family,
    Privilege,
    User,
)
from custom_components.access_terminal.protocols.zk_push.users import (
    MAX_PHOTO,
    Capabilities,
    TableWrites,
    Template,
    add_card,
    add_template,
    canonical_pin,
    card_hex,
    chunks,
    decode_time,
    delete_records,
    encode_time,
    photo_from_row,
    read_card,
    template_from_row,
    template_v10_from_row,
    user_from_row,
    user_from_userinfo,
    user_records,
    userinfo_command,
)
from custom_components.access_terminal.protocols.zk_push.wire import parse_fields

ZONE = timezone(timedelta(hours=1))
# AccSupportFunList positions 2 (door locking), 5 (long names) and 26 (DevID).
ALL_FUNCTIONS = "0010010000000000000000000010000000"
FULL_OPTIONS = {
    "LockCount": "4",
    "DateFmtFunOn": "1",
    "DisableUserFunOn": "1",
    "MulCardUserFunOn": "1",
    "AccSupportFunList": ALL_FUNCTIONS,
    "MultiBioDataSupport": "0:1:0:0:0:0:0:0:1:1",
    "MultiBioPhotoSupport": "0:0:0:0:0:0:0:0:0:1",
    "MultiBioVersion": "0:10.0:0:0:0:0:0:0:1.0:5.8",
}
FULL = Capabilities.from_options(FULL_OPTIONS, attendance=False)
BASIC = Capabilities.from_options({"LockCount": "1"}, attendance=False)
FROM = datetime(2024, 1, 1, 8, 0, tzinfo=ZONE)
UNTIL = datetime(2024, 12, 31, 18, 30, tzinfo=ZONE)


def writes(user: User, caps: Capabilities) -> dict[str, list[str]]:
    """Return the records of one user per command prefix."""
    into = TableWrites()
    user_records(user, caps, ZONE, into)
    return {prefix: [record for _, record in rows] for prefix, rows in into.commands()}


# -- capabilities ------------------------------------------------------------------------------


def test_capabilities_from_the_options_of_a_full_controller() -> None:
    assert FULL.doors == 4
    assert FULL.door_mask == 0b1111
    assert (FULL.date_fmt, FULL.disable_user, FULL.mul_card) == (True, True, True)
    assert (FULL.lock_control, FULL.long_name, FULL.dev_id) == (True, True, True)
    assert FULL.string_pin is False
    assert FULL.bio_data == {1, 8, 9}
    assert FULL.bio_photo == {9}
    assert FULL.bio_versions == {1: "10.0", 8: "1.0", 9: "5.8"}
    assert FULL.face_type == 9
    assert FULL.encoding == "utf-8"
    assert FULL.attendance is False


def test_capabilities_of_a_terminal_that_announced_little() -> None:
    caps = Capabilities.from_options({}, attendance=False)
    assert caps.doors == 1
    assert caps.door_mask == 1
    assert (caps.date_fmt, caps.disable_user, caps.mul_card) == (False, False, False)
    assert (caps.lock_control, caps.long_name, caps.dev_id) == (False, False, False)
    assert caps.bio_data == caps.bio_photo == frozenset()
    assert caps.bio_versions == {}
    assert caps.face_type is None


@pytest.mark.parametrize(
    ("functions", "lock", "long_name", "dev_id"),
    [
        ("001", True, False, False),
        ("000001", False, True, False),
        ("0" * 26 + "1", False, False, True),
        ("1101101111111111111111111101111", False, False, False),
        ("", False, False, False),
    ],
)
def test_capabilities_function_list_bits(
    functions: str, lock: bool, long_name: bool, dev_id: bool
) -> None:
    caps = Capabilities.from_options({"AccSupportFunList": functions}, attendance=False)
    assert (caps.lock_control, caps.long_name, caps.dev_id) == (lock, long_name, dev_id)


def test_capabilities_biometric_lists_with_spaces() -> None:
    # The document writes them with spaces after the colons.
    caps = Capabilities.from_options(
        {
            "MultiBioDataSupport": "0: 1: 1: 0: 0: 0: 0: 0: 0",
            "MultiBioVersion": "0: 10: 7: 0: 0: 0: 0: 0: 0",
        },
        attendance=False,
    )
    assert caps.bio_data == {1, 2}
    assert caps.bio_versions == {1: "10", 2: "7"}
    assert caps.face_type == 2


@pytest.mark.parametrize(
    ("options", "encoding"),
    [
        ({"Language": "83"}, "gb18030"),
        ({"Language": "84"}, "gb18030"),
        ({"language": "83"}, "gb18030"),
        ({"Language": "69"}, "utf-8"),
        ({"Language": ""}, "utf-8"),
    ],
)
def test_capabilities_chinese_terminals_read_gb18030(
    options: dict[str, str], encoding: str
) -> None:
    assert Capabilities.from_options(options, attendance=False).encoding == encoding


def test_capabilities_of_attendance_terminals_have_no_doors() -> None:
    caps = Capabilities.from_options({"LockCount": "4"}, attendance=True)
    assert caps.attendance is True
    assert caps.doors == 0
    assert Capabilities.from_options({"LockCount": "0"}, attendance=False).doors == 1


# -- user ids and cards --------------------------------------------------------------------------


STRING_PINS = Capabilities.from_options({"StringPinFunOn": "1"}, attendance=False)


@pytest.mark.parametrize(
    ("user_id", "caps", "pin"),
    [
        ("42", BASIC, "42"),
        (" 42 ", BASIC, "42"),
        ("007", BASIC, "7"),
        ("0000000001", BASIC, "1"),
        ("999999999", BASIC, "999999999"),
        ("007", STRING_PINS, "007"),
        ("A-17_b", STRING_PINS, "A-17_b"),
        ("1234567890", STRING_PINS, "1234567890"),
        ("x" * 24, STRING_PINS, "x" * 24),
    ],
)
def test_canonical_pin(user_id: str, caps: Capabilities, pin: str) -> None:
    assert canonical_pin(user_id, caps) == pin


@pytest.mark.parametrize(
    ("user_id", "caps", "message"),
    [
        ("0", BASIC, "user id 0 is the terminal itself"),
        ("000", STRING_PINS, "user id 0 is the terminal itself"),
        ("1234567890", BASIC, "a number of at most 9 digits"),
        ("abc", BASIC, "a number of at most 9 digits"),
        ("", BASIC, "a number of at most 9 digits"),
        ("²", BASIC, "a number of at most 9 digits"),
        ("a b", STRING_PINS, "letters, digits, '-' and '_', at most 24"),
        ("x" * 25, STRING_PINS, "letters, digits, '-' and '_', at most 24"),
    ],
)
def test_canonical_pin_refused(user_id: str, caps: Capabilities, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        canonical_pin(user_id, caps)


@pytest.mark.parametrize(
    ("card", "text"),
    [
        ("123456789", "075BCD15"),
        ("3432592093", "CC9932DD"),
        ("1", "00000001"),
        (str(2**40), "010000000000"),
        (str(0xDF349C3BEA5277ED), "DF349C3BEA5277ED"),
    ],
)
def test_card_hex(card: str, text: str) -> None:
    assert card_hex(card) == text
    assert read_card(text, hexadecimal=True) == card


@pytest.mark.parametrize(
    ("value", "card"),
    [
        ("123456789", "123456789"),
        ("0123", "123"),
        # Section 10.5: "[15CD5B07]" is 123456789, its bytes lowest first.
        ("[15CD5B07]", "123456789"),
        ("[15cd5b07]", "123456789"),
        ("[00000000]", None),
        ("[15CD5B0]", None),
        ("0", None),
        ("", None),
        (None, None),
        ("-5", None),
        ("CC9932DD", None),
    ],
)
def test_read_card(value: str | None, card: str | None) -> None:
    assert read_card(value) == card


# -- users as records --------------------------------------------------------------------------


def test_user_records_of_a_full_controller() -> None:
    user = User(
        user_id="5",
        name="Ann B",
        privilege=Privilege.ADMIN,
        cards=("0123456789", "3432592093"),
        password="1234",
        valid_from=FROM,
        valid_until=UNTIL.astimezone(UTC),
    )
    start = (24 * 12 * 31 + 0 * 31 + 0) * 86400 + 8 * 3600
    end = (24 * 12 * 31 + 11 * 31 + 30) * 86400 + (18 * 60 + 30) * 60
    assert writes(user, FULL) == {
        "DATA UPDATE user": [
            f"CardNo=123456789\tPin=5\tPassword=1234\tGroup=1\tStartTime={start}\t"
            f"EndTime={end}\tName=Ann B\tPrivilege=14\tDisable=0"
        ],
        "DATA DELETE mulcarduser": ["Pin=5"],
        "DATA UPDATE mulcarduser": [
            "Pin=5\tCardNo=075BCD15\tLossCardFlag=0\tCardType=0",
            "Pin=5\tCardNo=CC9932DD\tLossCardFlag=0\tCardType=1",
        ],
        "DATA UPDATE userauthorize": ["Pin=5\tAuthorizeTimezoneId=1\tAuthorizeDoorId=15\tDevID=1"],
    }


def test_user_records_of_a_basic_controller() -> None:
    user = User(user_id="7", valid_until=datetime(2025, 3, 1, 0, 30, tzinfo=UTC))
    assert writes(user, BASIC) == {
        "DATA UPDATE user": [
            "CardNo=\tPin=7\tPassword=\tGroup=1\tStartTime=0\tEndTime=20250301\tName=\tPrivilege=0"
        ],
        "DATA UPDATE userauthorize": ["Pin=7\tAuthorizeTimezoneId=1\tAuthorizeDoorId=1"],
    }


def test_disabled_users_lose_their_door_rights() -> None:
    user = User(user_id="5", name="Gone", enabled=False)
    full = writes(user, FULL)
    assert full["DATA UPDATE user"][0].endswith("\tName=Gone\tPrivilege=0\tDisable=1")
    assert full["DATA DELETE userauthorize"] == ["Pin=5"]
    assert "DATA UPDATE userauthorize" not in full
    # Without DisableUserFunOn the row has no Disable field: the missing rights keep them out.
    basic = writes(user, BASIC)
    assert "Disable" not in basic["DATA UPDATE user"][0]
    assert basic["DATA DELETE userauthorize"] == ["Pin=5"]


def test_user_records_photo() -> None:
    photo = b"\xff\xd8\xff\xe0 a JPEG \xff\xd9"
    content = base64.b64encode(photo).decode()
    user = User(user_id="5", credentials=Credentials(photo=photo))
    assert writes(user, FULL)["DATA UPDATE biophoto"] == [
        f"PIN=5\tType=9\tSize={len(content)}\tContent={content}\tFormat=0\tUrl=\tPostBackTmpFlag=0"
    ]


def test_user_records_templates_of_supported_types_and_versions() -> None:
    credentials = Credentials(
        face="9:5.8:0:0:FACE",
        fingerprints={
            6: "1:10.0:0:1:FINGER6",  # duress finger
            7: "1:12.0:0:0:FINGER7",  # another algorithm generation: left out
            8: "FINGER8",  # bare base64: a fingerprint of no stated version
            9: "",  # a presence marker: nothing to write
        },
        palms={0: "8:1.0:0:0:PALM0", 1: "x:1.0:0:0:BAD"},
        origin=Family.ZK_PUSH,
    )
    records = writes(User(user_id="5", credentials=credentials), FULL)["DATA UPDATE biodata"]
    assert records == [
        "Pin=5\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=9\tMajorVer=5\tMinorVer=8\tFormat=0\t"
        "Tmp=FACE",
        "Pin=5\tNo=6\tIndex=0\tValid=1\tDuress=1\tType=1\tMajorVer=10\tMinorVer=0\tFormat=0\t"
        "Tmp=FINGER6",
        "Pin=5\tNo=8\tIndex=0\tValid=1\tDuress=0\tType=1\tMajorVer=0\tMinorVer=0\tFormat=0\t"
        "Tmp=FINGER8",
        "Pin=5\tNo=0\tIndex=0\tValid=1\tDuress=0\tType=8\tMajorVer=1\tMinorVer=0\tFormat=0\t"
        "Tmp=PALM0",
    ]


def test_user_records_leave_out_templates_the_terminal_cannot_store() -> None:
    credentials = Credentials(face="FACE", fingerprints={1: "1:10.0:0:0:F"}, palms={0: "P"})
    # Only near-infrared faces: a bare face template is taken for that type.
    caps = Capabilities.from_options({"MultiBioDataSupport": "0:0:1"}, attendance=False)
    (record,) = writes(User(user_id="5", credentials=credentials), caps)["DATA UPDATE biodata"]
    assert "\tType=2\t" in record
    assert record.endswith("Tmp=FACE")
    assert "DATA UPDATE biodata" not in writes(User(user_id="5", credentials=credentials), BASIC)


def test_templates_of_another_family_are_left_out() -> None:
    photo = b"jpeg"
    credentials = Credentials(
        face="9:5.8:0:0:FACE", fingerprints={1: "F"}, photo=photo, origin=Family.HTTPV2
    )
    records = writes(User(user_id="5", credentials=credentials), FULL)
    assert "DATA UPDATE biodata" not in records
    # The photo is a JPEG any terminal can take.
    assert len(records["DATA UPDATE biophoto"]) == 1


def test_table_writes_come_in_sending_order() -> None:
    into = TableWrites()
    user_records(User(user_id="1", cards=("1", "2")), FULL, ZONE, into)
    user_records(
        User(user_id="2", enabled=False, credentials=Credentials(photo=b"x", face="F")),
        FULL,
        ZONE,
        into,
    )
    assert [prefix for prefix, _ in into.commands()] == [
        "DATA UPDATE user",
        "DATA DELETE mulcarduser",
        "DATA UPDATE mulcarduser",
        "DATA UPDATE userauthorize",
        "DATA DELETE userauthorize",
        "DATA UPDATE biophoto",
        "DATA UPDATE biodata",
    ]
    assert [pin for pin, _ in into.user] == ["1", "2"]


@pytest.mark.parametrize(
    ("user", "caps", "message"),
    [
        (User(user_id="5", name="Ann\tB"), FULL, "name must be on one line"),
        (User(user_id="5", name="Ann\nB"), FULL, "name must be on one line"),
        (User(user_id="5", name="x" * 25), BASIC, "name must be at most 24 characters"),
        (User(user_id="5", name="x" * 65), FULL, "name must be at most 64 characters"),
        (User(user_id="5", cards=("12a",)), FULL, "card '12a': a number of at most 20 digits"),
        (User(user_id="5", cards=("0",)), FULL, "card '0': a number of at most 20 digits"),
        (User(user_id="5", cards=("1" * 21,)), FULL, "a number of at most 20 digits"),
        (User(user_id="5", cards=("1", "2")), BASIC, "this terminal holds one card per user"),
        (User(user_id="5", password="12ab"), FULL, "passwords are at most 8 digits"),
        (User(user_id="5", password="123456789"), FULL, "passwords are at most 8 digits"),
        (
            User(user_id="5", valid_from=UNTIL, valid_until=FROM),
            FULL,
            "the validity ends before it starts",
        ),
        (
            User(user_id="5", credentials=Credentials(photo=b"jpeg")),
            BASIC,
            "this terminal does not take face photos",
        ),
        (
            User(user_id="5", credentials=Credentials(photo=b"x" * (MAX_PHOTO + 1))),
            FULL,
            "photos must be at most 512 KB",
        ),
    ],
)
def test_user_records_refused(user: User, caps: Capabilities, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        user_records(user, caps, ZONE, TableWrites())


def test_user_records_accept_the_longest_values() -> None:
    user = User(user_id="5", name="x" * 64, cards=("9" * 20,), password="12345678")
    (row,) = writes(user, FULL)["DATA UPDATE user"]
    assert f"CardNo={'9' * 20}\t" in row
    assert "\tPassword=12345678\t" in row
    assert f"\tName={'x' * 64}\t" in row
    assert writes(User(user_id="5", name="x" * 24), BASIC)


# -- validity times ----------------------------------------------------------------------------


def test_encode_and_decode_time_in_zk_seconds() -> None:
    moment = datetime(2018, 2, 27, 13, 51, tzinfo=UTC)  # 14:51 at the terminal
    assert encode_time(moment, ZONE, FULL) == "583512660"
    assert decode_time("583512660", ZONE, FULL) == moment
    assert encode_time(None, ZONE, FULL) == "0"
    assert decode_time("0", ZONE, FULL) is None
    assert decode_time(None, ZONE, FULL) is None
    assert decode_time("soon", ZONE, FULL) is None
    # Eight digits are still ZK seconds on these terminals: 234 days (7 months of 31 and 17
    # days) and 22502 seconds.
    assert decode_time("20240102", ZONE, FULL) == datetime(2000, 8, 18, 6, 15, 2, tzinfo=ZONE)


def test_encode_and_decode_time_as_dates() -> None:
    # 23:30 UTC is the next day at the terminal.
    assert encode_time(datetime(2024, 1, 1, 23, 30, tzinfo=UTC), ZONE, BASIC) == "20240102"
    assert decode_time("20240102", ZONE, BASIC) == datetime(2024, 1, 2, tzinfo=ZONE)
    assert decode_time("20241302", ZONE, BASIC) is None
    assert decode_time("0", ZONE, BASIC) is None
    # A value that is not a date is read as ZK seconds (a terminal with DateFmtFunOn unsaid).
    assert decode_time("583512660", ZONE, BASIC) == datetime(2018, 2, 27, 14, 51, tzinfo=ZONE)


# -- rows read back ----------------------------------------------------------------------------


def test_user_from_row() -> None:
    row = (
        "user uid=5 cardno=[15CD5B07] pin=4 password=12 group=1 starttime=583512660 "
        "endtime=0 name=Ann B privilege=14 disable=1 verify=0"
    )
    user = user_from_row(parse_fields(row), FULL, ZONE)
    assert user == User(
        user_id="4",
        name="Ann B",
        privilege=Privilege.ADMIN,
        cards=("123456789",),
        password="12",
        valid_from=datetime(2018, 2, 27, 14, 51, tzinfo=ZONE),
        valid_until=None,
        enabled=False,
    )


def test_user_from_row_of_the_documents_example() -> None:
    row = "user uid=5 cardno= pin=4 password= group=1 starttime=0 endtime=0 name= privilege=0"
    assert user_from_row(parse_fields(row), BASIC, ZONE) == User(user_id="4")


@pytest.mark.parametrize(("privilege", "expected"), [("0", Privilege.USER), ("2", Privilege.ADMIN)])
def test_user_from_row_privilege(privilege: str, expected: Privilege) -> None:
    user = user_from_row({"pin": "1", "privilege": privilege}, BASIC, ZONE)
    assert user is not None
    assert user.privilege is expected


@pytest.mark.parametrize("fields", [{}, {"pin": ""}, {"pin": "0"}, {"name": "Ann"}])
def test_user_from_row_without_a_user(fields: dict[str, str]) -> None:
    assert user_from_row(fields, BASIC, ZONE) is None


def test_add_card_from_mulcarduser_rows() -> None:
    user = User(user_id="5", cards=("99",))
    add_card(user, {"cardno": "CC9932DD", "cardtype": "1", "losscardflag": "0"})
    add_card(user, {"cardno": "075BCD15", "cardtype": "0", "losscardflag": "0"})
    add_card(user, {"cardno": "00000001", "cardtype": "1", "losscardflag": "1"})  # lost
    add_card(user, {"cardno": "CC9932DD", "cardtype": "1"})  # again
    add_card(user, {"cardno": "", "cardtype": "1"})
    add_card(user, {"cardno": "zz", "cardtype": "1"})
    assert user.cards == ("123456789", "99", "3432592093")


def test_template_from_row_and_its_encoding() -> None:
    row = (
        "biodata pin=1 no=6 index=0 valid=1 duress=1 type=1 majorver=10 minorver=3 format=0\n"
        "tmp=QwGI EgEL\tUQAA"
    )
    template = template_from_row(parse_fields(row.replace("\n", "\t")))
    assert template == Template("1", 1, 6, "QwGIEgELUQAA", "10", "3", "0", True)
    assert template is not None
    assert template.encoded() == "1:10.3:0:1:QwGIEgELUQAA"
    assert Template.decode("1", 6, template.encoded(), 9) == template


def test_template_from_row_defaults() -> None:
    template = template_from_row({"pin": "1", "type": "9", "tmp": "AAAA"})
    assert template == Template("1", 9, 0, "AAAA")
    assert template is not None
    assert template.encoded() == "9:0.0:0:0:AAAA"


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "1", "tmp": "AAAA"},
        {"pin": "1", "tmp": "AAAA"},
        {"pin": "1", "type": "1", "tmp": " "},
        {"pin": "1", "type": "1", "tmp": "AAAA", "valid": "0"},
        # Further samples of the same finger: the first one stands for it.
        {"pin": "1", "type": "1", "tmp": "AAAA", "index": "1"},
    ],
)
def test_template_from_row_left_out(fields: dict[str, str]) -> None:
    assert template_from_row(fields) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("AAAA", Template("1", 9, 0, "AAAA")),
        ("1:10:0:0:AAAA", Template("1", 1, 0, "AAAA", "10", "0")),
        ("8::1:0:AAAA", Template("1", 8, 0, "AAAA", "0", "0", "1")),
        ("", None),
        ("1:10.0:0:0:", None),
        ("1:10.0:AAAA", None),
        ("x:10.0:0:0:AAAA", None),
    ],
)
def test_template_decode(value: str, expected: Template | None) -> None:
    assert Template.decode("1", 0, value, 9) == expected


def test_add_template_where_credentials_keep_it() -> None:
    credentials = Credentials()
    add_template(credentials, Template("1", 9, 0, "FACE", "5", "8"), with_data=True)
    add_template(credentials, Template("1", 1, 6, "F6"), with_data=True)
    add_template(credentials, Template("1", 8, 1, "P1"), with_data=False)
    add_template(credentials, Template("1", 7, 2, "VEIN"), with_data=True)  # no place for it
    assert credentials.face == "9:5.8:0:0:FACE"
    assert credentials.fingerprints == {6: "1:0.0:0:0:F6"}
    assert credentials.palms == {1: ""}
    assert credentials.origin is Family.ZK_PUSH
    near_infrared = Credentials()
    add_template(near_infrared, Template("1", 2, 0, "NIR"), with_data=True)
    assert near_infrared.face == "2:0.0:0:0:NIR"


def test_photo_from_row() -> None:
    content = base64.b64encode(b"\xff\xd8jpeg\xff\xd9").decode()
    row = f"biophoto pin=123\tfilename=123.jpg\ttype=9\tsize={len(content)}\tcontent={content}"
    assert photo_from_row(parse_fields(row)) == ("123", b"\xff\xd8jpeg\xff\xd9")
    wrapped = {"pin": "1", "content": f"{content[:4]}\t{content[4:]}"}
    assert photo_from_row(wrapped) == ("1", b"\xff\xd8jpeg\xff\xd9")


@pytest.mark.parametrize(
    "fields",
    [
        {"pin": "1", "type": "2", "content": "AAAA"},  # near-infrared photo
        {"pin": "1", "type": "9", "content": "not base64!"},
        {"pin": "1", "type": "9", "content": ""},
        {"type": "9", "content": "AAAA"},
    ],
)
def test_photo_from_row_left_out(fields: dict[str, str]) -> None:
    assert photo_from_row(fields) is None


# -- older tables: templatev10 fingerprints and userpic display photos ------------------------

# A fingerprint controller without unified templates, and a terminal with a display (PhotoFunOn).
V10 = Capabilities.from_options({"LockCount": "2", "ZKFPVersion": "10"}, attendance=False)
DISPLAY = Capabilities.from_options({"LockCount": "1", "PhotoFunOn": "1"}, attendance=False)


def test_capabilities_of_the_older_tables() -> None:
    assert V10.fingerprint_v10
    assert not V10.user_photo
    assert Capabilities.from_options({"FingerFunOn": "1"}, attendance=False).fingerprint_v10
    assert DISPLAY.user_photo
    assert not DISPLAY.fingerprint_v10
    # Unified templates and comparison photos take precedence over the older tables.
    assert not FULL.fingerprint_v10
    both = Capabilities.from_options({**FULL_OPTIONS, "PhotoFunOn": "1"}, attendance=False)
    assert not both.user_photo
    # Attendance terminals keep fingerprints their own way.
    attendance = Capabilities.from_options({"FingerFunOn": "1", "PhotoFunOn": "1"}, attendance=True)
    assert not attendance.fingerprint_v10
    assert not attendance.user_photo


def test_user_records_fingerprints_as_templatev10() -> None:
    credentials = Credentials(
        fingerprints={
            6: "1:10.0:0:1:FINGER6",  # duress finger: Valid=3
            7: "1:12.0:0:0:FINGER7",  # another algorithm generation: left out
            8: "FINGER8",  # bare base64: of no stated version
            9: "",  # a presence marker
            12: "1:10.0:0:0:NOFINGER",  # no such finger
        },
        face="9:5.8:0:0:FACE",  # no face table on this terminal
        palms={0: "8:1.0:0:0:PALM0"},
        origin=Family.ZK_PUSH,
    )
    records = writes(User(user_id="5", credentials=credentials), V10)
    assert records["DATA UPDATE templatev10"] == [
        "Pin=5\tFingerID=6\tValid=3\tTemplate=FINGER6",
        "Pin=5\tFingerID=8\tValid=1\tTemplate=FINGER8",
    ]
    assert "DATA UPDATE biodata" not in records
    # A palm template is no fingerprint, whatever finger number it has.
    palm_only = Credentials(fingerprints={1: "8:1.0:0:0:PALM"}, origin=Family.ZK_PUSH)
    assert "DATA UPDATE templatev10" not in writes(User(user_id="5", credentials=palm_only), V10)
    # Fingerprints of another family's terminal are not written.
    other = Credentials(fingerprints={1: "F"}, origin=Family.HTTPV2)
    assert "DATA UPDATE templatev10" not in writes(User(user_id="5", credentials=other), V10)


def test_user_records_photo_as_a_display_photo() -> None:
    photo = b"\xff\xd8 a JPEG \xff\xd9"
    content = base64.b64encode(photo).decode()
    records = writes(User(user_id="5", credentials=Credentials(photo=photo)), DISPLAY)
    assert records["DATA UPDATE userpic"] == [
        f"pin=5\tsize={len(content)}\tformat=0\tcontent={content}"
    ]
    assert "DATA UPDATE biophoto" not in records
    # Too large for either table.
    with pytest.raises(InvalidRequestError, match="at most"):
        writes(User(user_id="5", credentials=Credentials(photo=b"x" * (MAX_PHOTO + 1))), DISPLAY)
    # A terminal with neither table refuses the photo.
    with pytest.raises(InvalidRequestError, match="face photos"):
        writes(User(user_id="5", credentials=Credentials(photo=photo)), BASIC)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"pin": "4", "fingerid": "7", "valid": "1", "template": "AA AA"},
            Template("4", 1, 7, "AAAA", "10", "0"),
        ),
        (
            {"pin": "4", "fingerid": "0", "valid": "3", "template": "BBBB"},
            Template("4", 1, 0, "BBBB", "10", "0", duress=True),
        ),
        ({"pin": "4", "fingerid": "7", "valid": "0", "template": "AAAA"}, None),
        ({"pin": "4", "fingerid": "10", "template": "AAAA"}, None),
        ({"pin": "4", "fingerid": "x", "template": "AAAA"}, None),
        ({"pin": "", "fingerid": "1", "template": "AAAA"}, None),
        ({"pin": "4", "fingerid": "1", "template": ""}, None),
    ],
)
def test_template_v10_from_row(fields: dict[str, str], expected: Template | None) -> None:
    assert template_v10_from_row(fields) == expected


def test_delete_records_of_the_older_tables() -> None:
    assert delete_records(["Ab"], V10) == [
        ("DATA DELETE userauthorize", [("Ab", "Pin=Ab")]),
        ("DATA DELETE templatev10", [("Ab", "Pin=Ab")]),
        ("DATA DELETE user", [("Ab", "Pin=Ab")]),
    ]
    assert delete_records(None, DISPLAY) == [
        ("DATA DELETE userauthorize", [("*", "*")]),
        ("DATA DELETE userpic", [("*", "*")]),
        ("DATA DELETE user", [("*", "*")]),
    ]
    assert ("DATA DELETE userpic", [("7", "pin=7")]) in delete_records(["7"], DISPLAY)


# -- deletions ---------------------------------------------------------------------------------


def test_delete_records_of_some_users() -> None:
    assert delete_records(["1", "2"], FULL) == [
        ("DATA DELETE userauthorize", [("1", "Pin=1"), ("2", "Pin=2")]),
        ("DATA DELETE mulcarduser", [("1", "Pin=1"), ("2", "Pin=2")]),
        ("DATA DELETE biophoto", [("1", "PIN=1"), ("2", "PIN=2")]),
        ("DATA DELETE biodata", [("1", "Pin=1"), ("2", "Pin=2")]),
        ("DATA DELETE user", [("1", "Pin=1"), ("2", "Pin=2")]),
    ]


def test_delete_records_of_everyone() -> None:
    assert delete_records(None, BASIC) == [
        ("DATA DELETE userauthorize", [("*", "*")]),
        ("DATA DELETE user", [("*", "*")]),
    ]


# -- attendance terminals ----------------------------------------------------------------------


def test_userinfo_command() -> None:
    user = User(user_id="5", name="Ann B", privilege=Privilege.ADMIN, cards=("0042",), password="9")
    assert userinfo_command(user) == (
        "DATA UPDATE USERINFO PIN=5\tName=Ann B\tPri=14\tPasswd=9\tCard=42\tGrp=1\t"
        "TZ=0000000000000000"
    )
    assert userinfo_command(User(user_id="6")) == (
        "DATA UPDATE USERINFO PIN=6\tName=\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000000000000"
    )


@pytest.mark.parametrize(
    ("user", "message"),
    [
        (User(user_id="5", cards=("1", "2")), "attendance terminals hold one card per user"),
        (User(user_id="5", enabled=False), "cannot disable a user: delete them"),
        (User(user_id="5", valid_from=FROM), "cannot hold a validity period"),
        (User(user_id="5", valid_until=UNTIL), "cannot hold a validity period"),
        (User(user_id="5", name="x" * 25), "name must be at most 24 characters"),
        (User(user_id="5", password="abc"), "passwords are at most 8 digits"),
    ],
)
def test_userinfo_command_refused(user: User, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        userinfo_command(user)


def test_user_from_userinfo() -> None:
    fields = parse_fields("USER PIN=5\tName=Ann B\tPri=14\tPasswd=123\tCard=[15CD5B07]\tGrp=1")
    assert user_from_userinfo(fields) == User(
        user_id="5",
        name="Ann B",
        privilege=Privilege.ADMIN,
        cards=("123456789",),
        password="123",
    )
    plain = user_from_userinfo(parse_fields("USER PIN=6\tName=\tPri=0\tPasswd=\tCard=0"))
    assert plain == User(user_id="6")
    assert user_from_userinfo(parse_fields("USER PIN=0\tName=x")) is None
    assert user_from_userinfo({}) is None


def test_chunks() -> None:
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks(range(4), 2)) == [[0, 1], [2, 3]]
    assert list(chunks([], 3)) == []
