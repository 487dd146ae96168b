"""What each family's terminals send, broken (used by scripts/fuzz.py): one generator per endpoint.

Push families: HTTP requests (HTTPv2, ZK PUSH, the control API's log upload) and WebSocket frames
(cloud terminals). Pull families: the answers a terminal Home Assistant calls gives to each
command. Every generator starts from the documents' own examples.
"""

from __future__ import annotations

import base64
import functools
import gzip
import io
import json
import random
import tarfile
from typing import Any

from scripts.fuzz_inputs import (
    NASTY_TEXT,
    Generator,
    HttpInput,
    dumps,
    local,
    multipart,
    mutate_bytes,
    mutate_document,
    nasty,
    now,
)

HTTPV2_SERIAL = "FC-8200H00FUZZ01"
ZK_SERIAL = "CGXHFUZZ00001"
ZK_ATTENDANCE_SERIAL = "A8NFUZZ000001"
CLOUD_SERIAL = "ZXFUZZ0001"
UPLOAD_SECRET = "fuzz-upload-secret-0001"  # noqa: S105 - a test secret in a URL
JSON_HEADERS = {"Content-Type": "application/json"}
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"


def _serial(rng: random.Random, known: str) -> str:
    pick = rng.random()
    if pick < 0.93:
        return known
    if pick < 0.97:
        return known[:-1] + "9"  # a stranger: refused, offered for discovery
    return rng.choice(NASTY_TEXT)[:80]


# -- HTTPv2 ------------------------------------------------------------------------------------


def _identify_detail(rng: random.Random) -> dict[str, Any]:
    return {
        "RecordID": rng.randint(1, 10**6),
        "RecordType": rng.choice((1, 3, 15, 19, 25, 33, 99)),
        "RecordDate": now() - rng.choice((0, 5, 3600, 10**6)),
        "UserID": str(rng.randint(0, 50)),
        "Name": rng.choice(("Ann", "张三", "Bob")),
        "CardNum": "0",
        "IsEntry": rng.randint(0, 1),
        "BodyTemp": rng.choice((0, 365, 372)),
        "PhotoLen": len(PHOTO),
    }


def _httpv2_json(path: str, document: dict[str, Any]) -> Generator:
    def build(rng: random.Random) -> HttpInput:
        doc = {"SN": _serial(rng, HTTPV2_SERIAL), **document}
        return HttpInput("POST", path, dumps(rng, mutate_document(rng, doc)), JSON_HEADERS)

    return build


def _httpv2_parts(path: str, json_part: str | None, *, photo: bool = True) -> Generator:
    def build(rng: random.Random) -> HttpInput:
        parts: list[tuple[str, bytes, dict[str, str]]] = [
            ("SN", _serial(rng, HTTPV2_SERIAL).encode("utf-8", "surrogatepass"), {})
        ]
        if json_part == "PushPeople":
            parts += [
                ("PushType", str(rng.choice((1, 2, 3, 4, "x", ""))).encode(), {}),
                ("UserID", str(nasty(rng))[:40].encode("utf-8", "surrogatepass"), {}),
            ]
            detail: dict[str, Any] = {"UserID": "5", "Name": "Ann", "CardNum": "1234"}
            parts.append(("Detail", dumps(rng, mutate_document(rng, detail)), {}))
        elif json_part == "ResultJson":
            result = {"UserID": "5", "ResultCode": rng.randint(0, 5), "Type": rng.randint(0, 4)}
            parts.append(("ResultJson", dumps(rng, mutate_document(rng, result)), {}))
        elif json_part is not None:
            raw = dumps(rng, mutate_document(rng, _identify_detail(rng)))
            headers = {"Content-Type": "application/octet-stream"}
            if rng.random() < 0.5:
                raw, headers["Content-Encoding"] = gzip.compress(raw), "gzip"
            parts.append((rng.choice((json_part, "recordJson")), raw, headers))
        if photo and rng.random() < 0.8:
            data = PHOTO if rng.random() < 0.8 else mutate_bytes(rng, PHOTO)
            parts.append((rng.choice(("Photo", "pic")), data, {"filename": "p.jpg"}))
        body, content_type = multipart(rng, parts)
        if rng.random() < 0.1:
            body = mutate_bytes(rng, body)
        return HttpInput("POST", path, body, {"Content-Type": content_type})

    return build


def _system_records(rng: random.Random) -> HttpInput:
    records = [
        {"RecordID": rng.randint(1, 10**6), "RecordType": rng.randint(0, 50), "RecordDate": now()}
        for _ in range(rng.randint(0, 20))
    ]
    doc = {"SN": _serial(rng, HTTPV2_SERIAL), "RecordType": rng.choice((1, 2)), "Records": records}
    return HttpInput(
        "POST", "/Record/UploadSystemRecord", dumps(rng, mutate_document(rng, doc)), JSON_HEADERS
    )


def _work_settings(rng: random.Random) -> HttpInput:
    settings = {
        "DeviceSN": _serial(rng, HTTPV2_SERIAL),
        "DeviceName": "Front",
        "FirmwareVerson": "8.46",
        "Manufacturer": "",
        "ReleaseTime": 4,
        "KeepaliveTime": 30,
        "MenuPassword": "4321",
        "RelayStatus": 0,
        "DoorSensorStatus": 0,
        "AlarmStatus": "",
        "PeopleStorageInfo": {"Person": {"Max": 20000, "Current": 12}},
        "RecordStorageInfo": {"VerifyRecord": {"Max": 100000, "Current": 3}},
        "FunctionList": {"Face": True, "BodyTemperature": True},
    }
    body = dumps(rng, mutate_document(rng, settings, 5))
    return HttpInput("POST", "/Device/UploadWorkSetting", body, JSON_HEADERS)


KEEPALIVE = {"RelayStatus": 0, "KeepOpenStatus": 0, "DoorSensorStatus": 1, "AlarmStatus": ""}
HTTPV2: dict[str, Generator] = {
    "httpv2 Keepalive": _httpv2_json("/Device/Keepalive", KEEPALIVE),
    "httpv2 UploadWorkSetting": _work_settings,
    "httpv2 DownloadWorkSetting": _httpv2_json("/Device/DownloadWorkSetting", {}),
    "httpv2 RemoteCommand": _httpv2_json("/Device/RemoteCommand", {}),
    "httpv2 RegisterIdentifyTicketResult": _httpv2_parts(
        "/Device/RegisterIdentifyTicketResult", "ResultJson"
    ),
    "httpv2 UploadSnapshoot": _httpv2_parts("/Device/UploadSnapshoot", None),
    "httpv2 RequestAuthorization": _httpv2_parts("/Device/RequestAuthorization", "RecordDetail"),
    "httpv2 DownloadPeopleList": _httpv2_json("/People/DownloadPeopleList", {"Limit": 10}),
    "httpv2 DownloadPeopleListResult": _httpv2_json(
        "/People/DownloadPeopleListResult", {"FailCount": 1, "FailList": [{"UserID": "5"}]}
    ),
    "httpv2 DeletePeopleList": _httpv2_json("/People/DeletePeopleList", {"Limit": 10}),
    "httpv2 DeletePeopleListResult": _httpv2_json("/People/DeletePeopleListResult", {}),
    "httpv2 PushPeople": _httpv2_parts("/People/PushPeople", "PushPeople"),
    "httpv2 UploadIdentifyRecord": _httpv2_parts("/Record/UploadIdentifyRecord", "RecordDetail"),
    "httpv2 UploadSystemRecord": _system_records,
}


# -- ZK PUSH -----------------------------------------------------------------------------------


def _zk_value(rng: random.Random, value: str) -> str:
    if rng.random() < 0.2:
        return str(nasty(rng))[:100]
    return value


def _zk_query(serial: str, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"SN={serial}" + (f"&{query}" if query else "")


def _zk_line(rng: random.Random, fields: dict[str, str]) -> str:
    items = [f"{key}={_zk_value(rng, value)}" for key, value in fields.items()]
    if rng.random() < 0.2:
        rng.shuffle(items)
    separator = rng.choice(("\t", "\t", "    ", " \t"))
    line = separator.join(items)
    if rng.random() < 0.1:  # wrapped over lines
        cut = rng.randrange(len(line) + 1)
        line = line[:cut] + "\n" + line[cut:]
    return line


def _rtlog_line(rng: random.Random) -> str:
    return _zk_line(
        rng,
        {
            "time": local(-rng.choice((0, 0, 30, 86400 * 400))),
            "pin": str(rng.randint(0, 30)),
            "cardno": "0",
            "eventaddr": str(rng.randint(0, 4)),
            "event": str(rng.choice((0, 27, 200, 201, 102))),
            "inoutstatus": "0",
            "verifytype": rng.choice(("15", "0000000000000010", "200")),
            "index": str(rng.randint(1, 10**6)),
        },
    )


def _zk_lines(rng: random.Random, make: Any, most: int = 30) -> bytes:
    lines = [make(rng) for _ in range(rng.randint(0, most))]
    if rng.random() < 0.02:  # a large body of wrapped lines
        lines.append("\n".join("\t" + "A" * 60 for _ in range(rng.randint(1000, 20000))))
    text = rng.choice(("\n", "\r\n")).join(lines)
    data = text.encode("utf-8", "surrogatepass")
    return mutate_bytes(rng, data) if rng.random() < 0.1 else data


def _zk_post(path: str, make_body: Any, serial: str = ZK_SERIAL, **params: str) -> Generator:
    def build(rng: random.Random) -> HttpInput:
        query = _zk_query(_serial(rng, serial), **params)
        return HttpInput("POST", f"/iclock/{path}?{query}", make_body(rng))

    return build


def _zk_get(path: str, serial: str = ZK_SERIAL, **params: str) -> Generator:
    def build(rng: random.Random) -> HttpInput:
        values = {key: _zk_value(rng, value) for key, value in params.items()}
        if rng.random() < 0.2:
            values[rng.choice(("INFO", "options", "language", "cmdid"))] = str(nasty(rng))[:60]
        query = "&".join(f"{key}={value}" for key, value in values.items())
        sn = _serial(rng, serial)
        return HttpInput("GET", f"/iclock/{path}?SN={sn}&{query}")

    return build


def _options_text(rng: random.Random) -> bytes:
    options = {
        "DeviceType": "acc",
        "~DeviceName": "InBio460",
        "FirmVer": "AC Ver 5.7",
        "LockCount": rng.choice(("1", "2", "4", "100", "4294967295", "x")),
        "~OEMVendor": "ZKTECO CO., LTD.",
        "~MaxUserCount": rng.choice(("50", "100000000000000000000")),
        "MultiBioDataSupport": "0:1:0:0:0:0:0:0:1:1",
        "AccSupportFunList": "0010010000000000000000000010000000",
        "TimeZone": rng.choice(("0", "8", "330", "99999")),
    }
    items = [f"{key}={_zk_value(rng, value)}" for key, value in options.items()]
    data = rng.choice((",", ",\r\n", "\n")).join(items).encode("utf-8", "surrogatepass")
    return mutate_bytes(rng, data) if rng.random() < 0.1 else data


def _table_row(rng: random.Random) -> str:
    table = rng.choice(("user", "biodata", "userpic", "errorlog", "transaction"))
    fields = {
        "pin": str(rng.randint(0, 30)),
        "name": rng.choice(("Ann", "张三")),
        "tmp": base64.b64encode(rng.randbytes(64)).decode(),
        "time_second": str(rng.choice((583512660, 99999999999999999, 4294967295))),
        "eventtype": "0",
        "index": str(rng.randint(1, 1000)),
    }
    return f"{table} " + _zk_line(rng, fields)


def _attlog_line(rng: random.Random) -> str:
    parts = [str(rng.randint(1, 30)), local(-rng.choice((0, 60, 86400 * 40))), "0", "1", "0", "0"]
    parts += [""] * rng.randint(0, 5)
    if rng.random() < 0.2:
        parts[rng.randrange(len(parts))] = str(nasty(rng))[:60]
    return "\t".join(parts)


def _operlog_line(rng: random.Random) -> str:
    return rng.choice(
        (
            f"USER PIN={rng.randint(1, 30)}\tName=Ann\tPri=0\tCard=",
            f"{rng.choice(('', ' ', chr(9)))}OPLOG {rng.randint(0, 10)}\t0\t{local()}\t7\t0\t0",
            f"FP PIN=3\tFID=1\tTMP={base64.b64encode(rng.randbytes(40)).decode()}",
            "\tAAAAAAAAAAAA==",
            f"biodata pin={rng.randint(1, 30)}\ttype=9\ttmp=Zm9v",
        )
    )


def _results(rng: random.Random) -> bytes:
    lines = []
    for _ in range(rng.randint(0, 5)):
        number = rng.choice((str(rng.randint(1, 50)), "info8487", str(nasty(rng))[:20]))
        style = rng.random()
        code = rng.choice(("0", "-1", "-1002", "x", ""))
        if style < 0.7:
            lines.append(f"ID={number}&Return={code}&CMD=DATA")
        else:
            lines.append(f"ID={number}\nReturn={code}\nCMD=Shell\nContent=ok")
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@functools.cache
def _bombs() -> tuple[bytes, ...]:
    """Gzip streams of 1 and 20 MB of zeros (made once: compressing them takes a while)."""
    return tuple(gzip.compress(b"\0" * size * 1024 * 1024, compresslevel=9) for size in (1, 20))


def _archive(rng: random.Random) -> bytes:
    rows = "\n".join(
        f"cardno=0\tpin={n}\tverified=1\tdoorid={rng.randint(0, 5)}\teventtype=0\tinoutstate=0"
        f"\ttime_second={rng.choice((583512660, 99999999999999999))}\tindex={n}"
        for n in range(rng.randint(0, 50))
    ).encode()
    pick = rng.random()
    if pick < 0.05:
        return rng.choice(_bombs())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("transaction.txt")
        info.size = len(rows)
        archive.addfile(info, io.BytesIO(rows))
    data = buffer.getvalue()
    return mutate_bytes(rng, data) if pick < 0.4 else data


ZK: dict[str, Generator] = {
    "zk cdata handshake": _zk_get("cdata", options="all", pushver="3.1.2", DeviceType="acc"),
    "zk cdata rtlog": _zk_post("cdata", lambda r: _zk_lines(r, _rtlog_line), table="rtlog"),
    "zk cdata rtstate": _zk_post(
        "cdata",
        lambda r: _zk_lines(
            r,
            lambda g: _zk_line(g, {"time": local(), "sensor": "02", "relay": "01", "alarm": "00"}),
        ),
        table="rtstate",
    ),
    "zk cdata tabledata": _zk_post(
        "cdata", lambda r: _zk_lines(r, _table_row), table="tabledata", tablename="user"
    ),
    "zk cdata options": _zk_post("cdata", _options_text, table="options"),
    "zk cdata ATTLOG": _zk_post(
        "cdata",
        lambda r: _zk_lines(r, _attlog_line),
        ZK_ATTENDANCE_SERIAL,
        table="ATTLOG",
        Stamp="9999",
    ),
    "zk cdata OPERLOG": _zk_post(
        "cdata",
        lambda r: _zk_lines(r, _operlog_line),
        ZK_ATTENDANCE_SERIAL,
        table="OPERLOG",
        OpStamp="3",
    ),
    "zk cdata BIODATA": _zk_post(
        "cdata", lambda r: _zk_lines(r, _operlog_line), ZK_ATTENDANCE_SERIAL, table="BIODATA"
    ),
    "zk cdata results": _zk_post("cdata", _results),
    "zk registry": _zk_post("registry", _options_text),
    "zk push": _zk_post("push", _options_text),
    "zk getrequest": _zk_get("getrequest", INFO="Ver 8.0.4,3,2,23,192.168.1.2,10,7,2,1"),
    "zk devicecmd": _zk_post("devicecmd", _results),
    "zk querydata": _zk_post(
        "querydata",
        lambda r: _zk_lines(r, _table_row),
        type="tabledata",
        tablename="transaction",
        cmdid="1",
    ),
    "zk file": _zk_post("file", _archive, table="transaction"),
    "zk ping": _zk_get("ping"),
    "zk rtdata": _zk_get("rtdata", type="time"),
}


# -- the control API's log uploader ---------------------------------------------------------------


def _log_upload(rng: random.Random) -> HttpInput:
    start = rng.choice((0, 5, 2**53, -1))
    logs = [
        {
            "user_id": str(rng.randint(1, 30)),
            "time": local(-rng.choice((0, 3600))).replace(" ", "T"),
        }
        for _ in range(rng.randint(0, 20))
    ]
    doc = {"start_pos": start, "next_pos": start + len(logs), "logs": logs}
    secret = UPLOAD_SECRET if rng.random() < 0.95 else "wrong"
    path = f"/api/access_terminal/log_upload/{secret}"
    return HttpInput("POST", path, dumps(rng, mutate_document(rng, doc)), JSON_HEADERS)


CONTROL_UPLOAD: dict[str, Generator] = {"control_api log_upload": _log_upload}


# -- cloud WebSocket frames ----------------------------------------------------------------------


def _log_item(rng: random.Random) -> dict[str, Any]:
    item: dict[str, Any] = {
        "enrollid": rng.randint(0, 30),
        "time": local(-rng.choice((0, 0, 3600, 86400 * 30))),
        "mode": rng.choice((1, 3, 8)),
        "inout": rng.randint(0, 1),
        "event": rng.randint(0, 7),
        "doornum": rng.randint(1, 4),
        "temp": 36.5,
    }
    if rng.random() < 0.3:
        item["image"] = base64.b64encode(PHOTO).decode()
    return item


def _frame(document: Any) -> Any:
    return document


def _cloud(name: str) -> Any:
    def build(rng: random.Random) -> bytes | str:
        sn = _serial(rng, CLOUD_SERIAL)
        if name == "reg":
            doc: dict[str, Any] = {
                "cmd": "reg",
                "sn": sn,
                "devinfo": {"modelname": "tfs30", "usersize": 3000, "firmware": "ai1.0"},
            }
        elif name == "sendlog":
            records = [_log_item(rng) for _ in range(rng.randint(0, 10))]
            doc = {"cmd": "sendlog", "sn": sn, "count": len(records), "logindex": 5}
            doc["record"] = records
        elif name == "senduser":
            doc = {"cmd": "senduser", "sn": sn, "enrollid": 5, "name": "Ann", "backupnum": 50}
        elif name == "sendqrcode":
            doc = {"cmd": "sendqrcode", "sn": sn, "record": "QR-123"}
        else:  # an answer to one of our commands, asked or not
            doc = {"ret": rng.choice(("getnewlog", "getdevcap", "opendoor", "getuserlist"))}
            doc.update({"result": True, "count": 1, "from": 0, "to": 0, "record": [_log_item(rng)]})
        mutated = mutate_document(rng, doc)
        data = dumps(rng, mutated)
        if rng.random() < 0.05:
            return data  # a binary frame
        return data.decode("utf-8", "replace")

    return build


CLOUD: dict[str, Any] = {
    f"cloud_ws {name}": _cloud(name)
    for name in ("reg", "sendlog", "senduser", "sendqrcode", "answers")
}


# -- pull families: the answers to our commands ----------------------------------------------


def _webjson_answer(cmd: str) -> Any:
    def build(rng: random.Random, serial: str) -> Any:
        if cmd == "reg":
            doc: dict[str, Any] = {
                "ret": "reg",
                "result": True,
                "sn": serial,
                "devinfo": {
                    "modelname": "AI",
                    "usersize": 3000,
                    "useduser": 2,
                    "timezone": "GMT+0",
                },
            }
        elif cmd == "getrtlog":
            doc = {
                "ret": "getrtlog",
                "result": True,
                "count": 1,
                "record": [
                    {
                        "enrollid": rng.randint(0, 9),
                        "time": local(-rng.choice((0, 3600))),
                        "mode": 3,
                        "event": 1,
                        "name": "Ann",
                    }
                ],
            }
        else:
            doc = {"ret": "getdoorstatus", "result": True, "status": rng.randint(0, 1)}
        return mutate_document(rng, doc)

    return build


def _control_answer(cmd: str, kind: str, payload: dict[str, Any]) -> Any:
    def build(rng: random.Random, _serial: str) -> Any:
        body = dict(payload)
        if cmd == "GetAttendLog":
            start = rng.choice((0, 3))
            logs = [
                {
                    "user_id": str(rng.randint(1, 9)),
                    "time": local(-rng.choice((0, 60))).replace(" ", "T"),
                }
                for _ in range(rng.randint(0, 5))
            ]
            body = {"start_pos": start, "next_pos": start + len(logs), "logs": logs}
        elif cmd == "GetDeviceTime":
            body = {"time": local(rng.choice((0, 8 * 3600))).replace(" ", "T")}
        return mutate_document(rng, {"mid": "m", "result": kind, "payload": body})

    return build


PULL: dict[str, tuple[str, str, Any]] = {
    "webjson reg": ("webjson", "reg", _webjson_answer("reg")),
    "webjson getrtlog": ("webjson", "getrtlog", _webjson_answer("getrtlog")),
    "webjson getdoorstatus": ("webjson", "getdoorstatus", _webjson_answer("getdoorstatus")),
    "control_api GetVersionInfo": (
        "control_api",
        "GetVersionInfo",
        _control_answer("GetVersionInfo", "VersionInfo", {"firmware_version": "1.2"}),
    ),
    "control_api GetCapacityLimit": (
        "control_api",
        "GetCapacityLimit",
        _control_answer("GetCapacityLimit", "CapacityLimit", {"max_user": 3000}),
    ),
    "control_api GetCurrentUsage": (
        "control_api",
        "GetCurrentUsage",
        _control_answer("GetCurrentUsage", "CurrentUsage", {"user_count": 3}),
    ),
    "control_api GetDeviceTime": (
        "control_api",
        "GetDeviceTime",
        _control_answer("GetDeviceTime", "DeviceTime", {}),
    ),
    "control_api GetAttendLog": (
        "control_api",
        "GetAttendLog",
        _control_answer("GetAttendLog", "AttendLog", {}),
    ),
}


def json_text(value: Any) -> bytes:
    """Encode an answer (a lone surrogate can only travel as an escape)."""
    return json.dumps(value).encode()
