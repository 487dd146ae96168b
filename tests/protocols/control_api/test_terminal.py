"""The device control interface client and terminal against the simulator and scripted answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import aiohttp
import pytest
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.control_api import (
    ControlApiClient,
    ControlApiTerminal,
)
from custom_components.access_terminal.protocols.control_api.client import check_answer
from custom_components.access_terminal.protocols.control_api.logs import parse_batch
from custom_components.access_terminal.protocols.errors import (
    AuthError,
    DeviceError,
    InvalidRequestError,
    ProtocolError,
    UserWriteError,
)
from custom_components.access_terminal.protocols.model import (
    Credential,
    Credentials,
    EventType,
    Family,
    Feature,
    Method,
    Privilege,
    User,
)
from custom_components.access_terminal.protocols.pull import DeviceAddress
from simulator.control_api import ControlApiSimulator

from ..common import RecordingListener
from ..pull_helpers import FakeDevice, running, serve_fake

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def sim(session: aiohttp.ClientSession) -> AsyncIterator[ControlApiSimulator]:
    simulator = ControlApiSimulator(enroll_delay=0.05, seed=5, session=session, uploader=False)
    async with running(simulator):
        simulator.add_demo_users(3)
        yield simulator


def make_terminal(
    sim: ControlApiSimulator,
    session: aiohttp.ClientSession,
    key: str = "demo-key",
    zone: timezone = UTC,
) -> tuple[ControlApiTerminal, RecordingListener]:
    listener = RecordingListener()
    terminal = ControlApiTerminal(
        sim.serial,
        listener,
        session=session,
        address=DeviceAddress(host=sim.host, port=sim.port),
        api_key=key,
        zone=zone,
    )
    terminal.enroll_poll = 0.02
    return terminal, listener


# --- answers and error codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "arguments", "text"),
    [
        ("user_id_not_exists", [12], "user 12 does not exist"),
        ("job_id_not_exists", [3], "enrollment job 3 does not exist"),
        ("invalid_parameter", ["interval"], "invalid parameter interval"),
        ("not_supported", [], "the device does not support this command"),
        ("device_busy", None, "the device is busy"),
        ("disk_full", ["logs", 7], "disk full (logs, 7)"),
        ("user_id_not_exists", [], "user id not exists"),
    ],
)
def test_error_codes_are_readable(code: str, arguments: object, text: str) -> None:
    answer = {"mid": "1", "result": "Error", "payload": {"code": code, "arguments": arguments}}
    with pytest.raises(DeviceError) as caught:
        check_answer("X", "1", answer, "Success")
    assert (caught.value.code, caught.value.reason) == (code, text)


def test_refused_key_codes_are_auth_errors() -> None:
    with pytest.raises(AuthError):
        check_answer("X", "1", {"result": "Error", "payload": {"code": "unauthorized"}}, "X")


@pytest.mark.parametrize(
    "answer",
    [
        [],
        {"mid": "2", "result": "Success"},
        {"mid": "1", "result": "UserInfo"},
        {"mid": "1"},
    ],
)
def test_unexpected_answers(answer: object) -> None:
    with pytest.raises(ProtocolError):
        check_answer("GetUserIdList", "1", answer, "UserIdList")


def test_error_without_a_code() -> None:
    with pytest.raises(DeviceError, match="unknown error"):
        check_answer("X", "1", {"mid": "1", "result": "Error", "payload": None}, "Success")


async def test_client_sends_key_mid_and_payload(
    aiohttp_server: AiohttpServer, session: aiohttp.ClientSession
) -> None:
    fake: FakeDevice = await serve_fake(aiohttp_server)
    fake.json({"mid": "1", "result": "Success", "payload": {}})
    fake.json({"mid": "2", "result": "DeviceTime", "payload": {"time": "x"}})
    client = ControlApiClient(session, fake.address, "k")
    assert await client.call("LockDevice", {"is_locked": "yes"}) == {}
    assert await client.call("GetDeviceTime", expect="DeviceTime") == {"time": "x"}
    assert fake.received == [
        {"mid": "1", "cmd": "LockDevice", "payload": {"is_locked": "yes"}},
        {"mid": "2", "cmd": "GetDeviceTime", "payload": {}},
    ]


async def test_wrong_key(sim: ControlApiSimulator, session: aiohttp.ClientSession) -> None:
    terminal, _listener = make_terminal(sim, session, key="wrong")
    with pytest.raises(AuthError):
        await terminal.refresh()


# --- info and logs -------------------------------------------------------------------------


async def test_info_and_incremental_logs(
    sim: ControlApiSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, listener = make_terminal(sim, session)
    for _ in range(150):
        sim.punch("1", "face, pwd")
    await terminal.refresh()
    info = terminal.info
    assert info is not None
    assert (info.serial, info.family, info.firmware, info.doors) == (
        sim.serial,
        Family.CONTROL_API,
        "13750C v3.11.802",
        0,
    )
    assert {Feature.FACE, Feature.PALM, Feature.FINGERPRINT} <= info.features
    assert (info.usage["users"].used, info.usage["users"].capacity) == (3, 5000)
    assert terminal.doors == {}
    assert len(listener.events) == 150  # two pages
    first = listener.events[0]
    assert (first.user_id, first.methods, first.record_id) == (
        "1",
        (Method.FACE, Method.PASSWORD),
        "0",
    )
    assert listener.received[-1].record_id == 149
    assert terminal.next_pos == 150
    assert terminal.export_state() == {"next_pos": 150}
    sim.punch("2", "card")
    await terminal.refresh()
    assert [event.user_id for event in listener.events[150:]] == ["2"]

    # A new terminal object (Home Assistant restarted) continues from the saved cursor.
    again, listener_again = make_terminal(sim, session)
    again.restore_state(terminal.export_state())
    sim.punch("3", "fp")
    await again.refresh()
    assert [event.user_id for event in listener_again.events] == ["3"]


async def test_a_clock_on_another_zone_gives_true_times(
    sim: ControlApiSimulator, session: aiohttp.ClientSession
) -> None:
    # Home Assistant eight hours behind UTC, the terminal's clock (and its logs) on UTC: read
    # on Home Assistant's zone, every access was eight hours in the future.
    terminal, listener = make_terminal(sim, session, zone=timezone(timedelta(hours=-8)))
    sim.punch("1")
    await terminal.refresh()
    (event,) = listener.events
    assert abs(event.time - datetime.now(UTC)) < timedelta(minutes=1)
    assert terminal.device_zone == timezone(timedelta(0))
    # The same terminal on Home Assistant's zone needs nothing learned.
    same, same_listener = make_terminal(sim, session)
    sim.punch("2")
    await same.refresh()
    assert same.device_zone is None
    assert abs(same_listener.events[-1].time - datetime.now(UTC)) < timedelta(minutes=1)


async def test_cleared_log_starts_over(
    sim: ControlApiSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, listener = make_terminal(sim, session)
    sim.punch("1")
    sim.punch("1")
    await terminal.refresh()
    await terminal.client.call("DeviceControl", {"Action": "ClearAttendLog"})
    sim.punch("2")
    await terminal.refresh()
    assert [event.user_id for event in listener.events] == ["1", "1", "2"]
    assert terminal.next_pos == 1


def test_batches_refuse_broken_positions() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    for payload in ({"start_pos": -1}, {"start_pos": 2**60}, {"logs": "x"}, {"next_pos": "x"}):
        with pytest.raises(ProtocolError):
            parse_batch(payload, UTC, now, default_start=0)
    logs = [1, {"user_id": 5, "time": "bad"}, {"user_id": 7, "time": "2024-12-31T23:00:00"}]
    batch = parse_batch({"logs": logs}, UTC, now, default_start=4)
    assert (batch.start_pos, batch.next_pos) == (4, 7)
    # Unreadable logs are set aside (logged by the terminal), never stamped with the time
    # they arrived.
    assert [log for log, _ in batch.refused] == logs[:2]
    (record,) = batch.records
    assert (record.record_id, record.events[0].user_id) == (6, "7")
    assert record.events[0].time == datetime(2024, 12, 31, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    "log",
    [
        {"time": "2024-12-31T23:00:00"},
        {"user_id": None, "time": "2024-12-31T23:00:00"},
        {"user_id": "", "time": "2024-12-31T23:00:00"},
        {"user_id": ["1"], "time": "2024-12-31T23:00:00"},
        {"user_id": {"id": 1}, "time": "2024-12-31T23:00:00"},
        {"user_id": "1"},
        {"user_id": "1", "time": 1735686000},
        {"user_id": "1", "time": "2024-12-31T25:00:00"},
        {"user_id": "1", "time": "2099-12-31T23:00:00"},
    ],
)
def test_logs_without_a_user_or_a_time_are_unreadable(log: dict[str, object]) -> None:
    # Once an access granted to nobody at the time the log arrived.
    now = datetime(2025, 1, 1, tzinfo=UTC)
    batch = parse_batch({"logs": [log]}, UTC, now, default_start=0)
    assert batch.records == []
    assert len(batch.refused) == 1


@pytest.mark.parametrize("payload", ["x", 5, [1]])
def test_an_answer_whose_payload_is_no_object(payload: object) -> None:
    with pytest.raises(ProtocolError, match="payload"):
        check_answer(
            "GetAttendLog",
            "1",
            {"mid": "1", "result": "AttendLog", "payload": payload},
            "AttendLog",
        )
    with pytest.raises(ProtocolError, match="result"):
        check_answer("GetAttendLog", "1", {"mid": "1", "result": ["AttendLog"]}, "AttendLog")


async def test_uploader_protocol(sim: ControlApiSimulator, session: aiohttp.ClientSession) -> None:
    terminal, listener = make_terminal(sim, session)
    assert await terminal.handle_upload({}) == {}
    logs = [{"user_id": "1", "time": "2020-04-01T08:10:05", "mode": "face "}]
    reply = await terminal.handle_upload({"start_pos": 0, "next_pos": 1, "logs": logs})
    assert reply == {"next_upload_pos": 1}
    assert listener.events[0].time == datetime(2020, 4, 1, 8, 10, 5, tzinfo=UTC)
    assert await terminal.handle_upload({}) == {"next_upload_pos": 1}
    # A batch after a gap: the device is asked once to go back, then taken.
    gap = {"start_pos": 5, "next_pos": 6, "logs": logs}
    assert await terminal.handle_upload(gap) == {"next_upload_pos": 1}
    assert await terminal.handle_upload(gap) == {"next_upload_pos": 6}
    assert listener.calls["seen"] == 5


async def test_uploader_configured_or_polling(session: aiohttp.ClientSession) -> None:
    async with running(ControlApiSimulator(session=session)) as sim:
        terminal, _listener = make_terminal(sim, session)
        terminal.upload_url = "http://127.0.0.1:9/api/access_terminal/log_upload/s"
        await terminal.refresh()
        assert terminal.uploader is True
        assert sim.upload_target == terminal.upload_url
        assert "GetAttendLog" not in sim.commands
        terminal.invalidate_info()
        await terminal.refresh()  # still active: not configured again
        assert sim.commands.count("ConfigAttendLogUploader") == 1
    async with running(ControlApiSimulator(session=session, uploader=False)) as sim:
        terminal, _listener = make_terminal(sim, session)
        terminal.upload_url = "http://127.0.0.1:9/x"
        await terminal.refresh()
        assert terminal.uploader is False
        assert "GetAttendLog" in sim.commands


# --- users and enrollment ------------------------------------------------------------------


async def test_users_round_trip(sim: ControlApiSimulator, session: aiohttp.ClientSession) -> None:
    terminal, _listener = make_terminal(sim, session)
    for index in range(4, 121):
        sim.add_user(str(index), f"User {index}")
    listed = await terminal.list_users(with_credentials=False)
    assert len(listed) == 120
    assert listed[0].credentials.face == ""
    await terminal.set_users(
        [
            User(
                user_id="A-7",
                name="Zoe",
                privilege=Privilege.ADMIN,
                cards=("4455",),
                password="9999",
                department="Lab",
                credentials=Credentials(fingerprints={0: "RlA="}, origin=Family.CONTROL_API),
            )
        ]
    )
    stored = sim.users["A-7"]
    assert (stored.name, stored.privilege, stored.card, stored.depart, stored.fp) == (
        "Zoe",
        "manager",
        "4455",
        "Lab",
        ["RlA="],
    )
    (zoe,) = await terminal.list_users(["A-7", "missing"])
    assert zoe.privilege is Privilege.ADMIN
    assert zoe.credentials.fingerprints == {0: "RlA="}
    # Renamed without templates: the held ones stay.
    await terminal.set_users([User(user_id="A-7", name="Zoé")], keep_held_credentials=["A-7"])
    assert (sim.users["A-7"].name, sim.users["A-7"].fp) == ("Zoé", ["RlA="])
    await terminal.delete_users(["A-7", "missing"])
    assert "A-7" not in sim.users
    await terminal.delete_users(None)
    assert sim.users == {}
    with pytest.raises(InvalidRequestError):
        terminal.canonical_user_id("x" * 33)


async def test_user_write_failures(
    sim: ControlApiSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    sim.errors["SetUserInfo"] = ["invalid_parameter"]
    with pytest.raises(UserWriteError, match="1 user"):
        await terminal.set_users([User(user_id="1"), User(user_id="2")])


@pytest.mark.parametrize(
    ("credential", "check"),
    [
        (Credential.FACE, lambda user: bool(user.face)),
        (Credential.CARD, lambda user: user.card.isdigit()),
        (Credential.FINGERPRINT, lambda user: len(user.fp) == 1),
        (Credential.PALM, lambda user: len(user.palm) == 1),
    ],
)
async def test_enrollment_jobs_store_what_they_captured(
    sim: ControlApiSimulator,
    session: aiohttp.ClientSession,
    credential: Credential,
    check: object,
) -> None:
    terminal, listener = make_terminal(sim, session)
    await terminal.start_enrollment("50", credential)
    while not listener.received:
        await terminal.refresh()
    (event,) = listener.events
    assert event.type is EventType.ENROLLMENT_FINISHED
    assert check(sim.users["50"])  # type: ignore[operator]


async def test_enrollment_timeout_cancels_the_job(
    sim: ControlApiSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, listener = make_terminal(sim, session)
    sim.enroll_delay = 3600
    terminal.enroll_timeout = 0.1
    await terminal.start_enrollment("50", Credential.FACE)
    while not listener.received:
        await terminal.refresh()
    assert listener.events[0].type is EventType.ENROLLMENT_FAILED
    assert "CancelJob" in sim.commands
    assert sim.jobs[1].state == "failed"


async def test_enrollment_of_a_password_is_refused(
    sim: ControlApiSimulator, session: aiohttp.ClientSession
) -> None:
    terminal, _listener = make_terminal(sim, session)
    with pytest.raises(InvalidRequestError):
        await terminal.start_enrollment("50", Credential.PASSWORD)
    sim.errors["BeginEnrollFace"] = ["device_busy"]
    with pytest.raises(DeviceError, match="busy"):
        await terminal.start_enrollment("50", Credential.FACE)


async def test_set_time(sim: ControlApiSimulator, session: aiohttp.ClientSession) -> None:
    terminal, _listener = make_terminal(sim, session)
    await terminal.set_time(datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC))
    assert abs(sim._clock.now() - datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC).timestamp()) < 5
