"""The pull-family simulators on the wire: bad requests, the log uploader, the command line."""

from __future__ import annotations

from collections.abc import AsyncIterator
import socket
from typing import Any

import aiohttp
from aiohttp import web
import pytest
from pytest_aiohttp import AiohttpServer

from simulator.__main__ import build_parser
from simulator.control_api import ControlApiSimulator, run as run_control_api
from simulator.webjson import WebJsonSimulator, run as run_webjson

from . import common


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    session: aiohttp.ClientSession, url: str, body: bytes | dict[str, Any]
) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else None
    document = body if isinstance(body, dict) else None
    async with session.post(url, data=data, json=document) as response:
        return response.status, await response.json(content_type=None)


# --- webjson ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"{not json", b"\xff\xfe\x00binary", b"[1, 2]", b'{"cmd": 5}', b""]
)
async def test_webjson_refuses_bad_requests(session: aiohttp.ClientSession, body: bytes) -> None:
    sim = WebJsonSimulator()
    await sim.start()
    try:
        status, answer = await post(session, sim.url + "/", body)
    finally:
        await sim.stop()
    assert (status, answer) == (400, {"result": False, "reason": 1})


async def test_webjson_commands(session: aiohttp.ClientSession) -> None:
    sim = WebJsonSimulator(seed=1)
    sim.add_demo_users(2)
    await sim.start()
    try:
        url = sim.url + "/"
        assert (await post(session, url, {"cmd": "getuserids", "password": "123456"}))[1][
            "record"
        ] == ["1", "2"]
        _status, answer = await post(session, url, {"cmd": "nosuch", "password": "123456"})
        assert (answer["result"], answer["reason"]) == (False, 1)
        _status, answer = await post(
            session, url, {"cmd": "setuserinfo", "password": "123456", "name": "no id"}
        )
        assert answer["reason"] == 1
        _status, answer = await post(
            session,
            url,
            {
                "cmd": "setuserinfo",
                "password": "123456",
                "enrollid": "3",
                "backupnum": 50,
                "record": "not base64!",
            },
        )
        assert answer["reason"] == 5  # "No face detected in picture"
        sim.record("1")
        _status, answer = await post(session, url, {"cmd": "getlog", "password": "123456"})
        assert [item["enrollid"] for item in answer["record"]] == ["1"]
        _status, answer = await post(
            session, url, {"cmd": "lockctrl", "password": "123456", "mode": 9}
        )
        assert answer["reason"] == 1
        sim.random_event()
        assert len(sim.rtlog) == 2
    finally:
        await sim.stop()


async def test_webjson_firmware_gap_and_size(session: aiohttp.ClientSession) -> None:
    sim = WebJsonSimulator()
    await sim.start()
    try:
        url = sim.url + "/"
        base = {"cmd": "upgrade", "password": "123456", "filename": "f", "md5": "0" * 32}
        _status, answer = await post(session, url, {**base, "index": 1, "total": 3, "record": ""})
        assert answer["reason"] == 1  # block 0 never came
        _status, answer = await post(
            session, url, {**base, "index": 0, "size": 2**40, "record": ""}
        )
        assert answer["reason"] == 2  # "File too large"
        empty = {**base, "md5": "1" * 32, "index": 0, "total": 1, "record": ""}
        _status, answer = await post(session, url, empty)
        assert answer["reason"] == 3  # "File size is 0"
    finally:
        await sim.stop()


# --- control_api -----------------------------------------------------------------------------


async def test_control_api_refuses_bad_requests(session: aiohttp.ClientSession) -> None:
    sim = ControlApiSimulator(session=session)
    await sim.start()
    try:
        control = sim.url + "/control"
        status, answer = await post(session, control + "?api_key=nope", {"cmd": "GetDeviceUid"})
        assert (status, answer["payload"]["code"]) == (401, "invalid_api_key")
        status, answer = await post(session, control + "?api_key=demo-key", b"{oops")
        assert (status, answer["payload"]["code"]) == (400, "invalid_json")
        status, answer = await post(session, control + "?api_key=demo-key", {"mid": "1"})
        assert (status, answer["payload"]["code"]) == (400, "invalid_request")
        _status, answer = await post(
            session,
            control + "?api_key=demo-key",
            {"mid": "9", "cmd": "GetUserInfo", "payload": {}},
        )
        assert (answer["mid"], answer["result"], answer["payload"]["code"]) == (
            "9",
            "Error",
            "invalid_parameter",
        )
        _status, answer = await post(
            session,
            control + "?api_key=demo-key",
            {
                "mid": "3",
                "cmd": "ConfigAttendLogUploader",
                "payload": {"target_uri": "x", "interval": 1},
            },
        )
        assert answer["payload"]["arguments"] == ["interval"]
    finally:
        await sim.stop()


async def test_uploader_sends_empty_then_batches(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    received: list[dict[str, Any]] = []

    async def collect(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        if not body:
            return web.json_response({"next_upload_pos": 1})
        return web.json_response({"next_upload_pos": body["next_pos"]})

    app = web.Application()
    app.router.add_post("/upload", collect)
    server = await aiohttp_server(app)
    sim = ControlApiSimulator(session=session)
    await sim.start()
    try:
        sim.punch("1")
        sim.punch("2")
        sim.punch("3")
        status, answer = await post(
            session,
            sim.url + "/control?api_key=demo-key",
            {
                "mid": "1",
                "cmd": "ConfigAttendLogUploader",
                "payload": {"target_uri": str(server.make_url("/upload")), "interval": 5},
            },
        )
        assert (status, answer["result"]) == (200, "Success")
        await common.wait_for(lambda: len(received) >= 2)
        assert received[0] == {}
        assert received[1]["start_pos"] == 1
        assert [log["user_id"] for log in received[1]["logs"]] == ["2", "3"]
        sim.punch("4")
        await common.wait_for(lambda: len(received) >= 3)
        assert received[2]["start_pos"] == 3
        _status, answer = await post(
            session,
            sim.url + "/control?api_key=demo-key",
            {"mid": "2", "cmd": "GetAttendLogUploaderStatus", "payload": {}},
        )
        assert answer["payload"] == {"status": "active", "pending_count": 0}
        await sim.go_away()
        await sim.come_back()
        await common.wait_for(lambda: len(received) >= 4)
        assert received[3] == {}  # after a restart the device asks where to start
    finally:
        await sim.stop()


async def test_uploader_survives_an_unreachable_server(session: aiohttp.ClientSession) -> None:
    sim = ControlApiSimulator(session=session)
    sim.upload_target = common.closed_url() + "/upload"
    with pytest.raises(aiohttp.ClientError):
        await sim.upload_once()
    await sim.stop()


async def test_erase_and_clear(session: aiohttp.ClientSession) -> None:
    sim = ControlApiSimulator(session=session)
    for user in "123":
        sim.punch(user)
    sim._erase_log({"end_pos": 2})
    assert sim.batch(0)["start_pos"] == 2
    assert sim.batch(9) == {"start_pos": 9, "next_pos": 3, "logs": []}
    sim.random_event()  # no users: nothing happens
    assert sim.next_pos == 3
    await sim.stop()


# --- command line ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_cli_arguments() -> None:
    args = build_parser().parse_args(
        ["webjson", "--listen", "192.0.2.1:8090", "--password", "pw", "--users", "3"]
    )
    assert (args.listen, args.password, args.users, args.run) == (
        ("192.0.2.1", 8090),
        "pw",
        3,
        run_webjson,
    )
    args = build_parser().parse_args(["control_api", "--api-key", "k", "--no-uploader"])
    assert (args.listen, args.api_key, args.no_uploader) == (("127.0.0.1", 8081), "k", True)


@pytest.mark.parametrize("listen", ["8080", "host:", "host:99999", "host:x"])
def test_cli_rejects_bad_listen(listen: str) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["webjson", "--listen", listen])


@pytest.mark.parametrize(
    ("family", "run"), [("webjson", run_webjson), ("control_api", run_control_api)]
)
async def test_run_serves_until_sigterm(family: str, run: Any) -> None:
    port = free_port()
    args = build_parser().parse_args(
        [family, "--listen", f"127.0.0.1:{port}", "--users", "2", "--event-interval", "0.01"]
    )

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    await common.stops_on_sigterm(run(args), listening)
