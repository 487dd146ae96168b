"""Malformed device input of every shape, generated from a seed (used by scripts/fuzz.py).

Each generator starts from what a terminal of the family really sends (the documents' examples)
and breaks it the ways devices and attackers do: wrong types, numbers beyond 64 bits, lone
surrogates, control characters, bodies cut short or compressed wrongly, multipart parts mangled,
lines wrapped and padded. Generation is cheap (the harness sends tens of thousands per endpoint).
"""

from __future__ import annotations

from collections.abc import Callable
import copy
from dataclasses import dataclass, field
import gzip
import json
import random
import time
from typing import Any

NASTY_NUMBERS: list[Any] = [
    0,
    -1,
    1,
    5,
    255,
    256,
    65536,
    2**31,
    2**32 - 1,
    2**32,
    2**53 - 2,
    2**53,
    2**63,
    2**64,
    10**20,
    -(2**63) - 1,
    99999999,
    4294967295,
    4102444799,
    946684799,
    99999999999999999,
    1.5,
    -0.0,
    1e308,
]
NASTY_TEXT: list[str] = [
    "",
    " ",
    "0",
    "1",
    "-1",
    "abc",
    "\x00",
    "a\x00b",
    "\udc80",
    "\ud800",
    "x\udcffy",
    "😀",
    "张三",
    "\u202egnp.exe",
    "A" * 300,
    "B" * 70000,
    "9" * 21,
    "18446744073709551616",
    "4294967295",
    "1e309",
    "NaN",
    "true",
    "null",
    "{",
    "2099-12-31 23:59:59",
    "1999-12-31 23:59:59",
    "2024-02-30 08:00:00",
    "2024-05-01T08:00:00",
    "yesterday",
    "\r\n\t",
    "../../etc/passwd",
    "%s%n%x",
    "0000000000000010",
]
NASTY_VALUES: list[Any] = [None, True, False, [], {}, [1, 2], {"a": 1}, [[[[[]]]]]]


def nasty(rng: random.Random) -> Any:
    """Return one value of any shape that a field may wrongly hold (a fresh copy)."""
    pick = rng.random()
    if pick < 0.4:
        return rng.choice(NASTY_NUMBERS)
    if pick < 0.8:
        return rng.choice(NASTY_TEXT)
    return copy.deepcopy(rng.choice(NASTY_VALUES))


def mutate_document(rng: random.Random, document: dict[str, Any], rounds: int = 3) -> Any:
    """Break a JSON document: values of the wrong kind, keys gone or added, odd nesting."""
    doc: Any = json.loads(json.dumps(document))
    for _ in range(rng.randint(1, rounds)):
        action = rng.random()
        if not isinstance(doc, dict) or not doc:
            break
        key = rng.choice(list(doc))
        if action < 0.55:
            if isinstance(doc[key], dict) and rng.random() < 0.5:
                doc[key] = mutate_document(rng, doc[key], 2)
            elif isinstance(doc[key], list) and doc[key] and rng.random() < 0.6:
                index = rng.randrange(len(doc[key]))
                item = doc[key][index]
                doc[key][index] = (
                    mutate_document(rng, item, 2) if isinstance(item, dict) else nasty(rng)
                )
            else:
                doc[key] = nasty(rng)
        elif action < 0.7:
            del doc[key]
        elif action < 0.8:
            doc[rng.choice(NASTY_TEXT)[:40]] = nasty(rng)
        elif action < 0.85:
            doc[key] = [doc[key]] * rng.randint(0, 3)  # the same value repeated (no cycle)
        elif action < 0.9:
            nested: Any = doc[key]
            for _ in range(rng.choice((5, 50, 500))):
                nested = [nested]
            doc[key] = nested
        elif action < 0.95 and isinstance(doc[key], int | float) and not isinstance(doc[key], bool):
            doc[key] = str(doc[key])
        else:
            return nasty(rng)
    return doc


def dumps(rng: random.Random, value: Any) -> bytes:
    """Write JSON the way odd firmware does (escapes or raw UTF-8, commas, cut short...)."""
    try:
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only an escape can carry it
        text = json.dumps(value, ensure_ascii=True)
        data = text.encode()
    return mutate_bytes(rng, data) if rng.random() < 0.25 else data


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """Break a body at the byte level."""
    action = rng.random()
    if not data:
        return rng.choice((b"", b"\x00", b"\xff\xfe", gzip.compress(b"")))
    if action < 0.2:
        return data[: rng.randrange(len(data))]
    if action < 0.35:
        buffer = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        return bytes(buffer)
    if action < 0.5:
        return gzip.compress(data)
    if action < 0.6:
        compressed = bytearray(gzip.compress(data))
        compressed[rng.randrange(2, len(compressed))] ^= 0xFF
        return bytes(compressed)
    if action < 0.7:
        return data.replace(b"}", b",}", 1).replace(b'"', b"", 2)
    if action < 0.8:
        return data * rng.randint(2, 4)
    if action < 0.9:
        return data + b"\x00" * rng.randint(1, 100)
    return data.decode("utf-8", "replace").encode("gb18030", "replace")


@dataclass(slots=True)
class HttpInput:
    """One request: method, path (with its query), headers and body."""

    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def multipart(
    rng: random.Random, fields: list[tuple[str, bytes, dict[str, str]]]
) -> tuple[bytes, str]:
    """Build a multipart body, sometimes broken: boundaries, line breaks, headers, ends."""
    boundary = rng.choice(
        ("----fuzz506873351428002157394455", "b", "€-grenze", "边界", "x" * 200, '"q"')
    )
    newline = rng.choice((b"\r\n", b"\n"))
    wire = boundary.encode("utf-8")
    out = b""
    for name, data, headers in fields:
        out += b"--" + wire + newline
        if rng.random() < 0.05:
            continue  # a part without headers
        disposition = f'form-data; name="{name}"'
        if "filename" in headers:
            disposition += f'; filename="{headers["filename"]}"'
        out += f"Content-Disposition: {disposition}".encode() + newline
        for key, value in headers.items():
            if key != "filename":
                out += f"{key}: {value}".encode() + newline
        if rng.random() < 0.1:
            out += b"Content-Encoding: gzip" + newline
        out += newline + data + newline
    if rng.random() < 0.9:
        out += b"--" + wire + b"--" + newline
    content_type = f"multipart/form-data; boundary={boundary}"
    if rng.random() < 0.05:
        content_type = rng.choice(("multipart/form-data", "text/plain", "multipart/mixed; b=1"))
    return out, content_type


def now() -> int:
    """Return the current unix time (records as they happen)."""
    return int(time.time())


def local(offset: float = 0.0) -> str:
    """Return the local time (the machine's zone) `offset` seconds from now, as ZK writes it."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() + offset))


type Generator = Callable[[random.Random], HttpInput]
