"""Tests of the byte-level helpers: tolerant JSON, device text, gzip and multipart."""

from __future__ import annotations

import gzip
import json
from typing import Any
import zlib

import pytest

from custom_components.access_terminal.protocols.codec import (
    decode_text,
    gunzip,
    header_params,
    is_valid_serial,
    loads_lenient,
    maybe_gunzip,
    optional_int,
    optional_str,
    parse_json_bytes,
    parse_multipart,
    to_int,
)
from custom_components.access_terminal.protocols.errors import (
    PayloadTooLargeError,
    ProtocolError,
)

from .common import BOUNDARY, CONTENT_TYPE, RECORD_DETAIL, build_multipart

LIMIT = 1024 * 1024

# -- loads_lenient ---------------------------------------------------------------------------


def test_loads_lenient_valid_json() -> None:
    assert loads_lenient('{"SN": "FC-8200H12345678", "Limit": 100, "A": [1, 2.5, null]}') == {
        "SN": "FC-8200H12345678",
        "Limit": 100,
        "A": [1, 2.5, None],
    }


def test_loads_lenient_trailing_commas() -> None:
    # The keep-alive example of the document ends its object with a comma.
    text = '{\n  "SN":"FC-8200H12345678",\n  "AlarmStatus":\t"",\n}'
    assert loads_lenient(text) == {"SN": "FC-8200H12345678", "AlarmStatus": ""}
    assert loads_lenient("[1, 2, 3, ]") == [1, 2, 3]
    assert loads_lenient('{"a": [1, {"b": 2,},\n],}') == {"a": [1, {"b": 2}]}


def test_loads_lenient_unquoted_keys() -> None:
    # The fingerprint objects of the document use bare keys.
    text = '[\n {\n  Num: 1,\n  Data: "abc==",\n  MD5: "abcdefg"\n },\n]'
    assert loads_lenient(text) == [{"Num": 1, "Data": "abc==", "MD5": "abcdefg"}]
    assert loads_lenient("{Num: 1}") == {"Num": 1}


def test_loads_lenient_leaves_strings_alone() -> None:
    # Commas, colons, brackets and key-like words inside strings survive the repair untouched.
    text = '{"Name": "a, b: c,}", Data: "x,]", "Esc": "q\\", k: v,}", "n": 1,}'
    assert loads_lenient(text) == {"Name": "a, b: c,}", "Data": "x,]", "Esc": 'q", k: v,}', "n": 1}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        '{"a": }',
        "{'a': 1}",
        "not json at all",
        '{"a": 1} trailing',
        '{"a": "unterminated}',
        "[1, 2",
    ],
)
def test_loads_lenient_refuses_broken_json(text: str) -> None:
    with pytest.raises(ProtocolError) as info:
        loads_lenient(text)
    assert info.value.status == 400


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "[" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        # Deep enough for Python's recursion, not for json's: a lone surrogate inside answered
        # 500 (RecursionError while replacing it; found by scripts/fuzz).
        "[" * 5_000 + '"\\udcff"' + "]" * 5_000,
    ],
)
def test_loads_lenient_deep_nesting_is_a_protocol_error(text: str) -> None:
    with pytest.raises(ProtocolError):
        loads_lenient(text)


def test_loads_lenient_huge_number_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        loads_lenient("9" * 5000)
    with pytest.raises(ProtocolError):
        loads_lenient('{"RecordID": ' + "1" * 5000 + "}")


def test_parse_json_bytes_gzip_and_gbk() -> None:
    raw = json.dumps({"Name": "张三"}, ensure_ascii=False).encode("gbk")
    assert parse_json_bytes(raw, LIMIT) == {"Name": "张三"}
    assert parse_json_bytes(gzip.compress(raw), LIMIT) == {"Name": "张三"}
    assert parse_json_bytes(b'  {"a": 1,}\r\n', LIMIT) == {"a": 1}


# -- decode_text -----------------------------------------------------------------------------


def test_decode_text_utf8() -> None:
    assert decode_text("张三 Zoë".encode()) == "张三 Zoë"


@pytest.mark.parametrize("encoding", ["gbk", "gb2312", "gb18030"])
def test_decode_text_chinese_legacy_encodings(encoding: str) -> None:
    assert decode_text("张三".encode(encoding)) == "张三"
    assert decode_text("销售部 开发".encode(encoding)) == "销售部 开发"


@pytest.mark.parametrize(
    "raw", [b"\xff\xfe\xfd", b"\x80", b"\xc3", b"\x81\x30", bytes(range(256)), b""]
)
def test_decode_text_never_raises(raw: bytes) -> None:
    text = decode_text(raw)
    assert isinstance(text, str)
    if raw:
        assert text


# -- gunzip / maybe_gunzip -------------------------------------------------------------------


def test_gunzip_round_trip() -> None:
    data = b"hello " * 1000
    assert gunzip(gzip.compress(data), LIMIT) == data
    assert gunzip(zlib.compress(data), LIMIT) == data  # a zlib stream is accepted as well


def test_gunzip_exactly_at_the_limit() -> None:
    data = b"x" * 1000
    assert gunzip(gzip.compress(data), 1000) == data
    with pytest.raises(PayloadTooLargeError):
        gunzip(gzip.compress(data), 999)


def test_maybe_gunzip_detects_magic_bytes() -> None:
    data = b'{"SN": "X"}'
    assert maybe_gunzip(gzip.compress(data), LIMIT) == data
    assert maybe_gunzip(data, LIMIT) == data  # plain data passes untouched
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256))
    assert maybe_gunzip(jpeg, LIMIT) == jpeg


def test_maybe_gunzip_declared() -> None:
    data = b"payload"
    assert maybe_gunzip(gzip.compress(data), LIMIT, declared=True) == data
    with pytest.raises(ProtocolError):
        maybe_gunzip(b"declared gzip but plain text", LIMIT, declared=True)


def test_gunzip_truncated_stream() -> None:
    compressed = gzip.compress(b"some record data " * 100)
    with pytest.raises(ProtocolError) as info:
        gunzip(compressed[: len(compressed) // 2], LIMIT)
    assert not isinstance(info.value, PayloadTooLargeError)


@pytest.mark.parametrize("garbage", [b"\x1f\x8bnot really gzip", b"\x1f\x8b", b"\x00" * 50])
def test_gunzip_garbage(garbage: bytes) -> None:
    with pytest.raises(ProtocolError):
        gunzip(garbage, LIMIT)


def test_gunzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (16 * LIMIT))
    assert len(bomb) < 20_000
    with pytest.raises(PayloadTooLargeError) as info:
        maybe_gunzip(bomb, LIMIT)
    assert info.value.status == 413
    assert info.value.limit == LIMIT


# -- header_params / parse_multipart ----------------------------------------------------------


def test_header_params() -> None:
    assert header_params('Multipart/Form-Data; Boundary="a;b"; charset=utf-8') == (
        "multipart/form-data",
        {"boundary": "a;b", "charset": "utf-8"},
    )
    assert header_params("application/json") == ("application/json", {})


def _document_example() -> tuple[bytes, bytes, dict[str, Any]]:
    detail = dict(RECORD_DETAIL)
    photo = b"\xff\xd8\xff\xe0JFIF\r\n\r\n--\r\n" + bytes(range(256)) + b"\r\n"
    body = build_multipart(
        [
            ("SN", b" FC-8380T12345678", {}),
            (
                "RecordDetail",
                gzip.compress(json.dumps(detail).encode()),
                {"Content-Encoding": "gzip", "Content-Type": "application/octet-stream"},
            ),
            ("pic", photo, {"filename": "Postman_file.jpg", "Content-Type": "image/jpeg"}),
        ]
    )
    return body, photo, detail


def test_parse_multipart_document_example() -> None:
    body, photo, detail = _document_example()
    parts = parse_multipart(body, CONTENT_TYPE, LIMIT)
    assert set(parts) == {"SN", "RecordDetail", "pic"}
    assert parts["SN"].text == "FC-8380T12345678"
    assert parts["SN"].filename is None
    assert json.loads(parts["RecordDetail"].data) == detail
    assert parts["RecordDetail"].content_type == "application/octet-stream"
    assert parts["pic"].data == photo  # binary bytes with CRLF kept exactly
    assert parts["pic"].filename == "Postman_file.jpg"
    assert parts["pic"].content_type == "image/jpeg"


@pytest.mark.parametrize(
    "content_type",
    [
        f'multipart/form-data; boundary="{BOUNDARY}"',
        f"multipart/form-data;boundary={BOUNDARY}",
        f"Multipart/Form-Data; charset=utf-8; boundary={BOUNDARY}",
    ],
)
def test_parse_multipart_boundary_forms(content_type: str) -> None:
    body = build_multipart([("SN", b"ABC123", {})])
    assert parse_multipart(body, content_type, LIMIT)["SN"].text == "ABC123"


def test_parse_multipart_undeclared_gzip_part() -> None:
    body = build_multipart([("Detail", gzip.compress(b'{"UserID": "3"}'), {})])
    assert parse_multipart(body, CONTENT_TYPE, LIMIT)["Detail"].data == b'{"UserID": "3"}'


def test_parse_multipart_gzip_part_over_the_limit() -> None:
    body = build_multipart(
        [("Detail", gzip.compress(b" " * 100_000), {"Content-Encoding": "gzip"})]
    )
    with pytest.raises(PayloadTooLargeError):
        parse_multipart(body, CONTENT_TYPE, 10_000)


def test_parse_multipart_lf_only() -> None:
    body = build_multipart([("SN", b"ABC123", {}), ("PushType", b"4", {})], newline=b"\n")
    parts = parse_multipart(body, CONTENT_TYPE, LIMIT)
    assert parts["SN"].data == b"ABC123"
    assert parts["PushType"].data == b"4"


def test_parse_multipart_lf_only_binary_photo_with_crlf() -> None:
    # LF-only firmware sending a JPEG whose bytes happen to contain CR LF CR LF.
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\r\n\r\nmore image data\xff\xd9"
    body = build_multipart(
        [("SN", b"ABC123", {}), ("Photo", photo, {"filename": "p.jpg"})], newline=b"\n"
    )
    parts = parse_multipart(body, CONTENT_TYPE, LIMIT)
    assert parts["Photo"].filename == "p.jpg"
    assert parts["Photo"].data == photo


def test_parse_multipart_binary_data_preserved_exactly() -> None:
    photo = b"\r\n" + b"\r\n\r\n".join(bytes([i]) * 7 for i in range(256)) + b"\r\n"
    body = build_multipart([("Photo", photo, {"filename": "x.jpg"})])
    assert parse_multipart(body, CONTENT_TYPE, LIMIT)["Photo"].data == photo


def test_parse_multipart_unquoted_part_name() -> None:
    body = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=SN\r\n\r\nABC123\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode()
    assert parse_multipart(body, CONTENT_TYPE, LIMIT)["SN"].text == "ABC123"


def test_parse_multipart_first_part_of_a_name_wins() -> None:
    body = build_multipart([("SN", b"FIRST1", {}), ("SN", b"SECOND2", {})])
    assert parse_multipart(body, CONTENT_TYPE, LIMIT)["SN"].text == "FIRST1"


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        f"application/json; boundary={BOUNDARY}",
        f"multipart/mixed; boundary={BOUNDARY}",
        "",
    ],
)
def test_parse_multipart_wrong_content_type(content_type: str) -> None:
    body = build_multipart([("SN", b"ABC123", {})])
    with pytest.raises(ProtocolError):
        parse_multipart(body, content_type, LIMIT)


def test_parse_multipart_wrong_boundary() -> None:
    body = build_multipart([("SN", b"ABC123", {})], boundary="other-boundary")
    with pytest.raises(ProtocolError):
        parse_multipart(body, CONTENT_TYPE, LIMIT)


def test_parse_multipart_unterminated() -> None:
    body = build_multipart([("SN", b"ABC123", {}), ("X", b"1", {})], terminate=False)
    with pytest.raises(ProtocolError):
        parse_multipart(body, CONTENT_TYPE, LIMIT)


@pytest.mark.parametrize(
    "chunk",
    [
        b"Content-Disposition: form-data\r\n\r\nvalue\r\n",
        b'Content-Disposition: attachment; name="x"\r\n\r\nvalue\r\n',
        b"Content-Type: text/plain\r\n\r\nvalue\r\n",
        b'Content-Disposition: form-data; name=""\r\n\r\nvalue\r\n',
        b'Content-Disposition: form-data; name="x" but no blank line',
    ],
)
def test_parse_multipart_part_without_name(chunk: bytes) -> None:
    body = f"--{BOUNDARY}\r\n".encode() + chunk + f"--{BOUNDARY}--\r\n".encode()
    with pytest.raises(ProtocolError):
        parse_multipart(body, CONTENT_TYPE, LIMIT)


def test_parse_multipart_empty_body() -> None:
    with pytest.raises(ProtocolError):
        parse_multipart(b"", CONTENT_TYPE, LIMIT)


# -- to_int / optional_int / optional_str -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), (-3, -3), (7.0, 7), ("12", 12), (" 42 ", 42), ("-5", -5), ("0", 0), (2**40, 2**40)],
)
def test_to_int_accepts(value: object, expected: int) -> None:
    assert to_int(value, "x") == expected


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        1.5,
        float("nan"),
        float("inf"),
        "",
        "  ",
        "abc",
        "1.5",
        "1e3",
        "-",
        "+5",
        "1" * 30,
        "²",  # a digit to str.isdigit(), not to int()
        [],
        {},
    ],
)
def test_to_int_refuses(value: object) -> None:
    with pytest.raises(ProtocolError) as info:
        to_int(value, "RecordType")
    assert "RecordType" in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("abc", None),
        (True, None),
        (1.5, None),
        ("1" * 30, None),
        ("²", None),
        ([1], None),
        ("8", 8),
        (8, 8),
        (8.0, 8),
        (" 8", 8),
    ],
)
def test_optional_int(value: object, expected: int | None) -> None:
    assert optional_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, None),
        (False, None),
        ("", None),
        ("   ", None),
        (" Front door ", "Front door"),
        (0, "0"),
        (12, "12"),
        (36.5, "36.5"),
        ([], None),
        ({"a": 1}, None),
    ],
)
def test_optional_str(value: object, expected: str | None) -> None:
    assert optional_str(value) == expected


# -- is_valid_serial -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "serial",
    ["FC-8200H12345678", "A", "abc_123.x:y-z", "0" * 64, "CN:12.34-56_7"],
)
def test_is_valid_serial_accepts(serial: str) -> None:
    assert is_valid_serial(serial)


@pytest.mark.parametrize(
    "serial",
    [
        "",
        " FC-8200H12345678",
        "FC-8200H12345678 ",
        "FC-8200H12345678\n",
        "-abc",
        ".abc",
        "A" * 65,
        "abc/def",
        "abc?x=1",
        "张三",
        "a b",
        "abc\x00",
    ],
)
def test_is_valid_serial_refuses(serial: str) -> None:
    assert not is_valid_serial(serial)
