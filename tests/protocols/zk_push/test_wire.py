"""Tests of the ZK PUSH wire layer: endpoints, requests, record fields and ZK seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.access_terminal.protocols.codec import parse_local_time
from custom_components.access_terminal.protocols.errors import ProtocolError
from custom_components.access_terminal.protocols.zk_push.wire import (
    OK,
    REFUSED,
    Endpoint,
    Reply,
    endpoint_for,
    event_rows,
    old_decode_time,
    old_encode_time,
    parse_fields,
    parse_options,
    parse_request,
    record_lines,
    table_rows,
)

SERIAL = "3383154200002"
PLUS_EIGHT = timezone(timedelta(hours=8))


# -- endpoints and requests --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "endpoint"),
    [
        ("cdata", Endpoint.CDATA),
        ("cdata.aspx", Endpoint.CDATA),
        ("CDATA.ASPX", Endpoint.CDATA),
        ("GetRequest", Endpoint.GETREQUEST),
        ("getrequest.aspx", Endpoint.GETREQUEST),
        ("devicecmd", Endpoint.DEVICECMD),
        ("registry", Endpoint.REGISTRY),
        ("push", Endpoint.PUSH),
        ("exchange", Endpoint.EXCHANGE),
        ("querydata", Endpoint.QUERYDATA),
        ("file", Endpoint.FILE),
        ("ping", Endpoint.PING),
        ("RtData", Endpoint.RTDATA),
        ("nothing", None),
        ("", None),
        ("cdata.php", None),
        (".aspx", None),
    ],
)
def test_endpoint_for(name: str, endpoint: Endpoint | None) -> None:
    assert endpoint_for(name) is endpoint


def test_parse_request_gathers_what_the_terminal_sent() -> None:
    request = parse_request(
        Endpoint.CDATA,
        "get",
        {"SN": f" {SERIAL} ", "Options": "all", "pushver": "3.0.1"},
        None,
        b"",
    )
    assert request.endpoint is Endpoint.CDATA
    assert request.method == "GET"
    assert request.serial == SERIAL
    # Keys are looked up in lower case whatever the terminal sent.
    assert request.param("options") == "all"
    assert request.param("pushver") == "3.0.1"
    assert request.param("Options") is None
    assert request.token is None


@pytest.mark.parametrize(
    "query",
    [{}, {"SN": ""}, {"SN": "   "}, {"SN": "bad serial"}, {"SN": "bad\nserial"}, {"sn": "-X"}],
)
def test_parse_request_refuses_a_missing_or_invalid_serial(query: dict[str, str]) -> None:
    with pytest.raises(ProtocolError, match=r"missing or invalid serial number \(SN\)") as err:
        parse_request(Endpoint.GETREQUEST, "GET", query, None, b"")
    assert err.value.status == 400


@pytest.mark.parametrize(
    ("cookie", "token"),
    [
        (None, None),
        ("", None),
        ("token=9d41643bfba01fe8b49143c21defc20a", "9d41643bfba01fe8b49143c21defc20a"),
        # Section 7.5: "Cookie: token=${XXX}, timestamp=${XXX}".
        (
            "token=9D41643BFBA01FE8B49143C21DEFC20A, timestamp=1547000000",
            "9d41643bfba01fe8b49143c21defc20a",
        ),
        ("JSESSIONID=30BFB04B; token=cb386eb5f8219329", "cb386eb5f8219329"),
        ("token=not-hex", None),
        ("JSESSIONID=30BFB04B", None),
    ],
)
def test_parse_request_reads_the_token_cookie(cookie: str | None, token: str | None) -> None:
    request = parse_request(Endpoint.PING, "GET", {"SN": SERIAL}, cookie, b"")
    assert request.token == token


def test_request_text_is_utf8_or_gb18030() -> None:
    utf8 = parse_request(Endpoint.CDATA, "POST", {"SN": SERIAL}, None, "name=Zoë".encode())
    assert utf8.text == "name=Zoë"
    chinese = parse_request(
        Endpoint.CDATA, "POST", {"SN": SERIAL}, None, "name=张三".encode("gb18030")
    )
    assert chinese.text == "name=张三"


def test_reply_bodies() -> None:
    assert OK.body == b"OK"
    assert OK.status == 200
    assert (REFUSED.status, REFUSED.body) == (401, b"Unauthorized")
    # Terminals set to Chinese read names as GB2312: the reply is encoded for them.
    assert Reply("Name=张三", encoding="gb18030").body == "Name=张三".encode("gb18030")
    assert Reply("Name=张三").body == "Name=张三".encode()


# -- record fields -----------------------------------------------------------------------------


def test_parse_fields_the_documents_spaced_rtlog_line() -> None:
    # Section 10.2's example: runs of spaces between fields, one space inside the time.
    line = (
        "time=2017-01-10 11:49:32      pin=0      cardno=0      eventaddr=1 event=27"
        "      inoutstatus=1\tverifytype=0      index=21"
    )
    assert parse_fields(line) == {
        "time": "2017-01-10 11:49:32",
        "pin": "0",
        "cardno": "0",
        "eventaddr": "1",
        "event": "27",
        "inoutstatus": "1",
        "verifytype": "0",
        "index": "21",
    }


def test_parse_fields_tabs_names_with_spaces_and_empty_values() -> None:
    line = "pin=7\tname=Ann Marie B\tcardno=\tpassword=\tprivilege=14"
    assert parse_fields(line) == {
        "pin": "7",
        "name": "Ann Marie B",
        "cardno": "",
        "password": "",
        "privilege": "14",
    }


def test_parse_fields_skips_the_table_name_and_lowers_keys() -> None:
    # Section 10.5's example, with its `~` keys and mixed case as some firmware sends them.
    fields = parse_fields("user uid=5 cardno= pin=4 ~Name=Bo PRIVILEGE=0\tdisable=0 verify=0")
    assert fields == {
        "uid": "5",
        "cardno": "",
        "pin": "4",
        "name": "Bo",
        "privilege": "0",
        "disable": "0",
        "verify": "0",
    }
    assert parse_fields("USER PIN=1\tName=Ann") == {"pin": "1", "name": "Ann"}


def test_parse_fields_keeps_the_first_of_repeated_keys() -> None:
    assert parse_fields("pin=1\tpin=2") == {"pin": "1"}


def test_parse_fields_base64_values() -> None:
    # Padding and '=' inside base64 never start a field.
    assert parse_fields("pin=1\ttmp=QwGI+/EgEL==\tformat=0") == {
        "pin": "1",
        "tmp": "QwGI+/EgEL==",
        "format": "0",
    }
    assert parse_fields("no fields here") == {}
    assert parse_fields("") == {}


def test_parse_options_commas_newlines_and_marks() -> None:
    # Section 7.4 / 7.6: `~` marks a key, values may hold spaces, lines may break anywhere
    # between parameters.
    text = (
        "DeviceType=acc,~DeviceName=F20/M,FirmVer=Ver 8.0.1.3-20151229,\r\n"
        "LockCount=4,~OEMVendor= ZKTeco Inc. ,~MaxPvCount=,\nEmpty,=nokey,TransTimes=00:00;14:00"
    )
    assert parse_options(text) == {
        "DeviceType": "acc",
        "DeviceName": "F20/M",
        "FirmVer": "Ver 8.0.1.3-20151229",
        "LockCount": "4",
        "OEMVendor": "ZKTeco Inc.",
        "MaxPvCount": "",
        "TransTimes": "00:00;14:00",
    }
    assert parse_options("") == {}


def test_record_lines_drop_blank_lines_and_carriage_returns() -> None:
    assert record_lines("a=1\r\n\r\n  \nb=2\n") == ["a=1", "b=2"]


def test_table_rows_join_the_documents_wrapped_user_rows() -> None:
    # Section 12.1.4.1's answer (three users) and 10.5's wrapped row.
    text = (
        "user uid=1 cardno= pin=1 password= group=1 starttime=0 endtime=0 name= privilege=0\n"
        "disable=0 verify=0\n"
        "\n"
        "user uid=2 cardno= pin=2 password=1 group=1 starttime=0 endtime=0 name= privilege=0"
        " disable=0 verify=0\n"
    )
    rows = table_rows(text, "user")
    assert len(rows) == 2
    assert parse_fields(rows[0])["verify"] == "0"
    assert parse_fields(rows[0])["pin"] == "1"
    assert parse_fields(rows[1])["password"] == "1"


def test_table_rows_join_a_wrapped_template() -> None:
    # Section 10.11's example: fields and base64 wrapped over several lines.
    text = (
        "biodata pin=1 no=0 index=0 valid=1 duress=0 type=8 majorver=5 minorver=0  \n"
        "format=0\n"
        "\n"
        "tmp=apUBD+cAC44IAAEAAJfKWIBWAQQFAAAAAAAAEAcHAcQAAAA3PJc4PO4W/AxrTnYNXQ7cJ0+ObT  \n"
        "0vBE81KyGPkzSHuh7ul+wP647kWNnMTDA8WMwlanRcNTpzTjc2hzUGZ488FweSBlaN0kY2GdZeNHIVXCs\n"
        "xaKzU0WvnUk06a2L1Prlu1jzwLvYf3U6wBrBG80yLbMc+g0DPL9MClyPTCNk50Fzws8xBsN\n"
        "biodata pin=2 no=0 index=0 valid=1 duress=0 type=8 majorver=5 minorver=0 format=0 tmp=QQ\n"
    )
    rows = table_rows(text, "biodata")
    assert len(rows) == 2
    fields = parse_fields(rows[0])
    assert fields["format"] == "0"
    assert "".join(fields["tmp"].split()) == (
        "apUBD+cAC44IAAEAAJfKWIBWAQQFAAAAAAAAEAcHAcQAAAA3PJc4PO4W/AxrTnYNXQ7cJ0+ObT"
        "0vBE81KyGPkzSHuh7ul+wP647kWNnMTDA8WMwlanRcNTpzTjc2hzUGZ488FweSBlaN0kY2GdZeNHIVXCs"
        "xaKzU0WvnUk06a2L1Prlu1jzwLvYf3U6wBrBG80yLbMc+g0DPL9MClyPTCNk50Fzws8xBsN"
    )
    assert parse_fields(rows[1])["pin"] == "2"


def test_table_rows_keep_base64_padding_in_the_template() -> None:
    # The end of section 10.7's first template: its last wrapped line ends in "==".
    text = (
        "templatev10 size=1808 uid=4 pin=4 fingerid=7 valid=1\n"
        "template=TAITUzlxAAAFsksECAUHCc7QAAAdS2kBAAAAhfvcU0o3AIAPswD/AltFJQBWAG0PcABfSo0Pog\n"
        "Sgo2nQQQVEDogwBaf0oewnME1f9hN0tSQgALQ8QABUFEUg== resverd= endtag=\n"
    )
    (row,) = table_rows(text, "templatev10")
    fields = parse_fields(row)
    assert "".join(fields["template"].split()).endswith("ABUFEUg==")
    assert set(fields) == {
        "size",
        "uid",
        "pin",
        "fingerid",
        "valid",
        "template",
        "resverd",
        "endtag",
    }


def test_table_rows_accept_table_name_with_equals_sign() -> None:
    # Section 10.8 writes the record as "biophoto=${SP}pin=...".
    text = (
        "biophoto= pin=1\tfilename=1.jpg\tcontent=AA\nbiophoto= pin=2\tfilename=2.jpg\tcontent=BB"
    )
    assert [parse_fields(row)["pin"] for row in table_rows(text, "biophoto")] == ["1", "2"]


def test_table_rows_first_line_starts_a_row_whatever_it_is() -> None:
    assert table_rows("uid=5 pin=4\nname=Ann", "user") == ["uid=5 pin=4\tname=Ann"]
    assert table_rows("", "user") == []


def test_event_rows_join_the_documents_wrapped_rtlog() -> None:
    text = (
        "time=2017-01-10 11:49:32      pin=0      cardno=0      eventaddr=1 event=27"
        "      inoutstatus=1\n\nverifytype=0      index=21\n"
        "time=2017-01-10 11:49:40\tpin=1\tevent=0\tindex=22\n"
        "event=200\ttime=2017-01-10 11:49:41\tindex=23\n"
    )
    rows = event_rows(text)
    assert len(rows) == 3
    assert parse_fields(rows[0])["index"] == "21"
    assert parse_fields(rows[0])["verifytype"] == "0"
    assert parse_fields(rows[1])["index"] == "22"
    assert parse_fields(rows[2])["event"] == "200"


def test_event_rows_keep_rtstate_records_apart() -> None:
    text = (
        "time=2017-01-10 15:42:40    sensor=00    relay=00    alarm=0200000000000000\n"
        "time=2017-01-10 15:42:45    sensor=01    relay=01    alarm=0000000000000000"
    )
    assert [parse_fields(row)["sensor"] for row in event_rows(text)] == ["00", "01"]
    # A body starting with a continuation still yields that line as a record.
    assert event_rows("index=5") == ["index=5"]


# -- times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "moment"),
    [
        # Section 10.5 / 12.1.1.1: StartTime=583512660.
        (583512660, datetime(2018, 2, 27, 14, 51, 0, tzinfo=PLUS_EIGHT)),
        # Section 12.5.1: DateTime=583080894 and the rtdata answer DateTime=583050990.
        (583080894, datetime(2018, 2, 22, 14, 54, 54, tzinfo=PLUS_EIGHT)),
        (583050990, datetime(2018, 2, 22, 6, 36, 30, tzinfo=PLUS_EIGHT)),
        # Section 12.2.2's ACCOUNT record time_second=548003687.
        (548003687, datetime(2017, 1, 19, 15, 14, 47, tzinfo=PLUS_EIGHT)),
        (0, datetime(2000, 1, 1, tzinfo=PLUS_EIGHT)),
    ],
)
def test_old_encode_and_decode_time(seconds: int, moment: datetime) -> None:
    assert old_decode_time(seconds, PLUS_EIGHT) == moment
    assert old_encode_time(moment) == seconds
    # The zone is not part of the value: the wall clock is.
    assert old_encode_time(moment.replace(tzinfo=UTC)) == seconds


def test_old_encode_time_months_have_31_days() -> None:
    # From 28 February to 1 March is four days in ZK seconds: through 29, 30 and 31 February.
    march = datetime(2023, 3, 1, tzinfo=UTC)
    assert old_encode_time(march) - old_encode_time(march - timedelta(days=1)) == 4 * 86400


@pytest.mark.parametrize(
    ("year", "month", "day", "last"),
    [
        (2023, 2, 29, 28),
        (2024, 2, 30, 29),
        (2024, 2, 31, 29),
        (2024, 4, 31, 30),
        (2024, 11, 31, 30),
    ],
)
def test_old_decode_time_refuses_days_that_do_not_exist(
    year: int, month: int, day: int, last: int
) -> None:
    def seconds(day: int) -> int:
        return ((year - 2000) * 12 * 31 + (month - 1) * 31 + day - 1) * 86400 + 3600

    assert old_decode_time(seconds(day), UTC) is None
    assert old_decode_time(seconds(last), UTC) == datetime(year, month, last, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-01-10 11:49:32", datetime(2017, 1, 10, 11, 49, 32, tzinfo=PLUS_EIGHT)),
        (" 2017-01-10 11:49:32 ", datetime(2017, 1, 10, 11, 49, 32, tzinfo=PLUS_EIGHT)),
        ("2017-01-10T11:49:32", None),
        ("2017-02-30 11:49:32", None),
        ("2017-01-10", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_local_time(text: str | None, expected: datetime | None) -> None:
    assert parse_local_time(text, PLUS_EIGHT) == expected
