"""ZK PUSH endpoints (/iclock/...) on Home Assistant's real HTTP app, driven with raw requests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
import gzip
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import CONF_FAMILY, CONF_SERIAL, DOMAIN
from custom_components.access_terminal.protocols.model import Family
from custom_components.access_terminal.protocols.zk_push import ZkPushTerminal
from custom_components.access_terminal.protocols.zk_push.wire import old_encode_time
from tests.helpers import TestClient, bus_events, device_id, load_bytes, load_text, offer_firmware
from tests.terminals import ZK_SERIAL, push_entry

from .device import REGISTRY_BODY, ZkDevice, parameters

ATTENDANCE_SERIAL = "A8N5230560123"


@pytest.fixture
async def attendance_loaded(hass: HomeAssistant) -> MockConfigEntry:
    """The loaded entry of an attendance terminal."""
    entry = push_entry(Family.ZK_PUSH, ATTENDANCE_SERIAL)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


@pytest.fixture
async def zk(hass: HomeAssistant, loaded_entry: MockConfigEntry, client: TestClient) -> ZkDevice:
    """A known Security PUSH controller that registered."""
    device = ZkDevice(client)
    await device.register()
    await hass.async_block_till_done()
    return device


@pytest.fixture
async def attendance(
    hass: HomeAssistant, attendance_loaded: MockConfigEntry, client: TestClient
) -> ZkDevice:
    """A known attendance PUSH terminal that said hello."""
    device = ZkDevice(client, ATTENDANCE_SERIAL)
    status, _ = await device.get("cdata", "options=all&pushver=2.4.1&language=69")
    assert status == 200
    await hass.async_block_till_done()
    return device


def terminal(hass: HomeAssistant, serial: str = ZK_SERIAL) -> ZkPushTerminal:
    """Return the protocol object behind a loaded entry."""
    entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, serial)
    assert entry is not None
    found = entry.runtime_data.coordinator.terminal
    assert isinstance(found, ZkPushTerminal)
    return found


def local(text: str) -> datetime:
    """Return a naive local wall time in Home Assistant's zone, as terminals report it."""
    zone = dt_util.get_default_time_zone()
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)


def now_at(seconds: float = 0) -> str:
    """Return the terminal's local time, `seconds` from now (records as they happen: live)."""
    moment = dt_util.now() + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# -- unknown terminals -----------------------------------------------------------------------------


async def test_unknown_serial_refused_and_offered_once(
    hass: HomeAssistant, client: TestClient
) -> None:
    """A terminal nobody added gets 401 (registry 406) and one discovery flow, nothing kept."""
    stranger = ZkDevice(client, "UNKNOWN0001")
    assert await stranger.get("cdata", "options=all&pushver=3.1.2") == (401, "unknown device")
    assert (await stranger.post("registry", "", REGISTRY_BODY))[0] == 406
    assert (await stranger.rtlog("time=2024-01-01 10:00:00\tpin=1\tevent=0\tindex=1"))[0] == 401
    assert (await stranger.get("getrequest"))[0] == 401
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    assert flows[0]["context"]["unique_id"] == "UNKNOWN0001"
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_discovered_terminal_added_in_one_click(
    hass: HomeAssistant, client: TestClient
) -> None:
    """Confirming the offer adds the terminal; its next hand-shake is answered."""
    stranger = ZkDevice(client, "NEWONE0001")
    await stranger.get("cdata", "options=all&pushver=3.1.2")
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] == "create_entry"
    assert result["data"] == {CONF_FAMILY: "zk_push", CONF_SERIAL: "NEWONE0001"}
    await hass.async_block_till_done()
    assert await stranger.get("cdata", "options=all&pushver=3.1.2") == (200, "OK")


async def test_unknown_endpoint_and_missing_serial(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Requests that cannot be routed get a plain refusal, never a 500."""
    response = await zk.client.get(f"/iclock/nothing?SN={ZK_SERIAL}")
    assert response.status == 404
    response = await zk.client.get("/iclock/getrequest")
    assert response.status == 400
    response = await zk.client.get("/iclock/getrequest?SN=bad%20serial%0A")
    assert response.status == 400


# -- hand-shake ------------------------------------------------------------------------------------


async def test_security_handshake_exact_answers(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, client: TestClient
) -> None:
    """Unregistered: OK; registry: RegistryCode=<code> exactly; push: the parameters."""
    device = ZkDevice(client)
    response = await client.get(f"/iclock/cdata?SN={ZK_SERIAL}&options=all&pushver=3.1.2")
    assert response.status == 200
    assert await response.read() == b"OK"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Date" in response.headers
    status, text = await device.post("registry", "", REGISTRY_BODY)
    assert status == 200
    assert text.startswith("RegistryCode=")
    assert "\n" not in text
    code = text.removeprefix("RegistryCode=")
    assert len(code) == 10
    assert code.isalnum()
    for method in ("get", "post"):
        status, text = await getattr(device, method)("push")
        assert status == 200
        answer = parameters(text)
        assert "registry" not in answer
        assert "RegistryCode" not in answer
        assert answer["PushProtVer"] == "3.0.1"  # plain text: encryption starts at 3.1.1
        assert len(answer["SessionID"]) == 32
        assert answer["MultiBioPhotoSupport"] == "0:0:0:0:0:0:0:0:0:1"
    # Registered now: the hand-shake answers with the same code and a session.
    status, text = await device.get("cdata", "options=all&pushver=3.1.2")
    answer = parameters(text)
    assert text.splitlines()[0] == "registry=ok"
    assert answer["RegistryCode"] == code
    assert answer["RequestDelay"] == "3"
    # The terminal describes itself: four doors, ZKTeco, firmware and capacities.
    await hass.async_block_till_done()
    info = terminal(hass).info
    assert info is not None
    assert (info.model, info.manufacturer, info.firmware, info.doors) == (
        "InBio460",
        "ZKTeco",
        "AC Ver 5.7.8.3033",
        4,
    )
    assert info.usage["users"].used == 3
    assert info.usage["users"].capacity == 5000
    assert hass.states.get("lock.cgxh201360001_door_4_lock") is not None


async def test_aspx_paths_and_letter_case(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Firmware calling /iclock/cdata.aspx or GetRequest.aspx is answered the same way."""
    response = await zk.client.get(f"/iclock/cdata.aspx?SN={ZK_SERIAL}&options=all&pushver=3.0")
    assert response.status == 200
    assert (await response.text()).startswith("registry=ok")
    response = await zk.client.get(f"/iclock/GetRequest.aspx?SN={ZK_SERIAL}")
    assert (response.status, await response.text()) == (200, "OK")


async def test_registry_without_parameters_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, client: TestClient
) -> None:
    """An empty registration gets 406, as the document says for a failed one."""
    assert (await ZkDevice(client).post("registry", "", ""))[0] == 406


async def test_registration_survives_restart(hass: HomeAssistant, zk: ZkDevice) -> None:
    """The registry code and session outlive a reload: the terminal's token stays valid."""
    zk.use_token = True
    assert await zk.get("getrequest") == (200, "OK")
    entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, ZK_SERIAL)
    assert entry is not None
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    # Accepted with the same token; the reloaded entry asks for the settings first thing.
    status, text = await zk.get("getrequest")
    assert status == 200
    assert text.startswith("C:1:GET OPTIONS Door1Drivertime,"), text
    status, text = await zk.get("cdata", "options=all&pushver=3.1.2")
    assert parameters(text)["RegistryCode"] == zk.registry_code


# -- token -----------------------------------------------------------------------------------------


async def test_token_checked_once_used(hass: HomeAssistant, zk: ZkDevice) -> None:
    """A wrong token is refused; after a right one, requests without a token are too."""
    assert await zk.get("getrequest") == (200, "OK")  # no token at all: accepted
    assert (await zk.get("getrequest", cookie="token=0123456789abcdef0123456789abcdef"))[0] == 401
    assert await zk.get("getrequest", cookie=f"token={zk.token}, timestamp=1") == (200, "OK")
    assert (await zk.get("getrequest"))[0] == 401
    assert (await zk.rtlog("time=2024-01-01 10:00:00\tpin=1\tevent=0\tindex=1"))[0] == 401
    # The hand-shake is how a terminal gets a new session: never refused.
    status, text = await zk.get("cdata", "options=all&pushver=3.1.2")
    assert status == 200
    zk.session = parameters(text)["SessionID"]
    assert await zk.get("getrequest", cookie=f"token={zk.token}") == (200, "OK")


async def test_previous_session_valid_for_a_minute(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Tokens computed from the session before the latest push are still accepted."""
    old = zk.token
    await zk.post("push")
    assert await zk.get("getrequest", cookie=f"token={old}") == (200, "OK")


# -- records ---------------------------------------------------------------------------------------


async def test_rtlog_document_example_wrapped_and_spaced(hass: HomeAssistant, zk: ZkDevice) -> None:
    """The document's example: spaces between fields, the record wrapped over two lines."""
    events = bus_events(hass)
    body = load_text("zk_push", "rtlog_document_example.txt")
    assert await zk.rtlog(body) == (200, "OK")
    await hass.async_block_till_done()
    (event,) = events
    assert event.data["type"] == "access_denied"
    assert event.data["reason"] == "unregistered"
    assert event.data["record_id"] == "21"
    assert event.data["direction"] == "out"
    assert event.data["user_id"] is None  # pin=0: nobody identified
    assert event.data["time"] == local("2017-01-10 11:49:32").isoformat()


async def test_rtlog_fields_shuffled_and_duplicate_index(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Fields in any order; the same index sent again is one event; a new index another."""
    events = bus_events(hass)
    first = (
        "index=7\tverifytype=15\tevent=0\tpin=42\tcardno=0\teventaddr=2\tinoutstatus=0\t"
        f"time={now_at(-5)}\tmaskflag=1\ttemperature=36.6"
    )
    assert await zk.rtlog(first) == (200, "OK")
    assert await zk.rtlog(first) == (200, "OK")
    again = first.replace("index=7", "index=8").replace(now_at(-5), now_at())
    assert await zk.rtlog(again + "\n" + first) == (200, "OK")
    await hass.async_block_till_done()
    assert [event.data["record_id"] for event in events] == ["7", "8"]
    granted = events[0].data
    assert granted["type"] == "access_granted"
    assert granted["user_id"] == "42"
    assert granted["door"] == 2
    assert granted["methods"] == ["face"]
    assert granted["mask"] is True
    assert granted["temperature"] == 36.6
    state = hass.states.get("event.cgxh201360001_access")
    assert state is not None
    assert state.attributes["event_type"] == "access_granted"


async def test_rtlog_bitmask_verify_and_device_events(hass: HomeAssistant, zk: ZkDevice) -> None:
    """A bitmask verifytype names each method; pin=0 door events are the terminal's own."""
    events = bus_events(hass)
    body = (
        f"time={now_at(-9)}\tpin=5\tevent=0\teventaddr=1\tverifytype=0000100000000010\t"
        "index=30\n"
        f"time={now_at(-8)}\tpin=0\tevent=200\teventaddr=3\tverifytype=200\tindex=31\n"
        f"time={now_at()}\tpin=0\tevent=102\teventaddr=3\tverifytype=200\tindex=32"
    )
    assert await zk.rtlog(body) == (200, "OK")
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["door"]) for e in events] == [
        ("access_granted", 1),
        ("door_opened", 3),
        ("door_forced_open", 3),
        ("alarm", 3),
    ]
    assert events[0].data["methods"] == ["face", "card"]
    assert events[3].data["reason"] == "forced"
    # Door 3's contact follows its opened event.
    assert hass.states.get("binary_sensor.cgxh201360001_door_3").state == STATE_ON


async def test_empty_and_unreadable_bodies(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Empty uploads are acknowledged; lines without meaning give no event; nothing breaks."""
    events = bus_events(hass)
    assert await zk.rtlog("") == (200, "OK")
    assert await zk.rtstate("") == (200, "OK")
    assert await zk.post("devicecmd", "", "") == (200, "OK")
    assert await zk.rtlog("garbage without fields\n\x00\x01") == (200, "OK")
    assert await zk.rtlog("time=not a time\tevent=999\tindex=x") == (200, "OK")
    # Acknowledged (refused, the terminal would post it forever), logged and counted.
    assert await zk.post("devicecmd", "", "this is no result") == (200, "OK")
    await hass.async_block_till_done()
    assert events == []


async def test_oversized_body_refused(hass: HomeAssistant, zk: ZkDevice) -> None:
    """A body over the limit (4 MB; 1 KB here) is refused with 413 before it is read."""
    with patch("custom_components.access_terminal.protocols.zk_push.MAX_BODY", 1024):
        response = await zk.raw_post("cdata", "table=rtlog", b"x" * 2048)
    assert response.status == 413


async def test_rtstate_per_door(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Two sensor bits, one relay bit and one alarm byte per door, for every door."""
    # Door 1 closed, door 2 open, door 3 no sensor, door 4 open; relay of door 2 on;
    # door 4 tamper alarm.
    body = "time=2024-03-01 10:00:00\tsensor=89\trelay=02\talarm=0000000200000000"
    assert await zk.rtstate(body) == (200, "OK")
    await hass.async_block_till_done()
    states = {
        door: hass.states.get(f"binary_sensor.cgxh201360001_door_{door}").state
        for door in range(1, 5)
    }
    assert states == {1: STATE_OFF, 2: STATE_ON, 3: "unknown", 4: STATE_ON}
    assert hass.states.get("lock.cgxh201360001_door_2_lock").state == "open"
    assert hass.states.get("lock.cgxh201360001_door_1_lock").state == "locked"
    assert hass.states.get("binary_sensor.cgxh201360001_tamper").state == STATE_ON


async def test_table_uploads_counted(hass: HomeAssistant, zk: ZkDevice) -> None:
    """tabledata uploads are answered `<table>=<count>`; a changed user, an error: admin events."""
    events = bus_events(hass)
    body = (
        "user uid=5 cardno= pin=4 password= group=1 starttime=0 endtime=0 name= privilege=0\n"
        "disable=0 verify=0"
    )
    assert await zk.post("cdata", "table=tabledata&tablename=user&count=1", body) == (
        200,
        "user=1",
    )
    errors = "errorlog errcode=D01E0001 errmsg= dataorigin=cmd cmdid=123 additional="
    assert await zk.post("cdata", "table=tabledata&tablename=errorlog&count=1", errors) == (
        200,
        "errorlog=1",
    )
    await hass.async_block_till_done()
    assert [(e.data["type"], e.data["user_id"]) for e in events] == [
        ("user_updated", "4"),
        ("device_error", None),
    ]


async def test_remote_identification(hass: HomeAssistant, zk: ZkDevice) -> None:
    """AuthType=device: a known person is let in through door 2 for its release time."""
    record = (
        "time=2024-03-01 10:00:00\tpin=9\tcardno=0\taddrtype=2\teventaddr=2\tevent=0\t"
        "inoutstatus=0\tverifytype=4"
    )
    status, text = await zk.post("cdata", "AuthType=device", record)
    assert status == 200
    assert text == f"AUTH=SUCCESS\r\n{record}\r\nCONTROL DEVICE 01020105"
    status, text = await zk.post("cdata", "AuthType=device", record.replace("pin=9", "pin=0"))
    assert text.startswith("AUTH=FAILED")


async def test_ping_and_server_time(hass: HomeAssistant, zk: ZkDevice) -> None:
    """ping is OK; rtdata answers the time in ZK seconds (UTC) and the server's zone."""
    assert await zk.get("ping") == (200, "OK")
    before = old_encode_time(dt_util.utcnow())
    status, text = await zk.get("rtdata", "type=time")
    answer = dict(item.split("=", 1) for item in text.split(","))
    assert before <= int(answer["DateTime"]) <= before + 2
    assert answer["ServerTZ"] == "-0800"  # the test instance runs in US/Pacific


async def test_exchange_refused(hass: HomeAssistant, zk: ZkDevice) -> None:
    """No encryption: key exchange gets 406, and the terminal keeps talking plain text."""
    assert await zk.post("exchange", "type=publickey", "PublicKey=AAAA") == (
        406,
        "encryption not supported",
    )
    assert await zk.get("getrequest") == (200, "OK")


# -- attendance terminals --------------------------------------------------------------------------


async def test_attendance_handshake_and_punches(hass: HomeAssistant, attendance: ZkDevice) -> None:
    """Older terminals: options with stamps, ATTLOG punches answered `OK: N`, no doors."""
    events = bus_events(hass)
    status, text = await attendance.get("cdata", "options=all&language=69")
    lines = text.splitlines()
    assert lines[0] == f"GET OPTION FROM: {ATTENDANCE_SERIAL}"
    assert parameters(text)["ATTLOGStamp"] == "0"
    assert parameters(text)["TimeZone"] == "-8"
    body = load_text("zk_push", "attlog.txt")
    assert await attendance.post("cdata", "table=ATTLOG&Stamp=9999", body) == (200, "OK: 2")
    # Sent again (our answer got lost): no new event.
    assert await attendance.post("cdata", "table=ATTLOG&Stamp=9999", body) == (200, "OK: 2")
    await hass.async_block_till_done()
    assert [(e.data["user_id"], e.data["direction"], e.data["methods"]) for e in events] == [
        ("1", "in", ["fingerprint"]),
        ("2", "out", ["face"]),
    ]
    # The terminal resumes after the stamp it uploaded last.
    status, text = await attendance.get("cdata", "options=all")
    assert parameters(text)["ATTLOGStamp"] == "9999"
    assert hass.states.get(f"lock.{ATTENDANCE_SERIAL.lower()}_door_lock") is None
    assert hass.states.get(f"binary_sensor.{ATTENDANCE_SERIAL.lower()}_alarm") is None


async def test_attendance_operlog_and_photos(hass: HomeAssistant, attendance: ZkDevice) -> None:
    """OPERLOG and ATTPHOTO uploads are acknowledged with their counts."""
    body = load_text("zk_push", "operlog.txt")
    assert await attendance.post("cdata", "table=OPERLOG&Stamp=12", body) == (200, "OK: 2")
    photo = load_bytes("zk_push", "attphoto.bin")
    assert await attendance.post("cdata", "table=ATTPHOTO&Stamp=13", photo) == (200, "OK: 1")
    status, text = await attendance.get("cdata", "options=all")
    assert parameters(text)["OPERLOGStamp"] == "12"


async def test_attendance_info_in_getrequest(hass: HomeAssistant, attendance: ZkDevice) -> None:
    """The INFO of an attendance terminal's command request fills its device info."""
    info = "Ver 6.60 Apr 28 2017,12,8,3021,192.168.1.201,10,7,12,11,111"
    assert await attendance.get("getrequest", f"INFO={info}") == (200, "OK")
    await hass.async_block_till_done()
    found = terminal(hass, ATTENDANCE_SERIAL).info
    assert found is not None
    assert found.firmware == "Ver 6.60 Apr 28 2017"
    assert found.usage["users"].used == 12
    assert found.usage["faces"].used == 11
    assert found.doors == 0


# -- commands --------------------------------------------------------------------------------------


async def _with_device(
    hass: HomeAssistant,
    device: ZkDevice,
    call: Coroutine[Any, Any, Any],
    answer: Callable[[int, str], str],
) -> Any:
    """Run an action while the raw device takes commands and answers each with `answer`."""
    task = asyncio.ensure_future(call)
    for _ in range(20):
        await asyncio.sleep(0.01)
        if task.done():
            break
        commands = await device.commands()
        if commands:
            await device.result(*(answer(number, text) for number, text in commands))
    return await asyncio.wait_for(task, 5)


async def test_open_door_command_and_result(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Opening door 1 sends CONTROL DEVICE 01010104 (its drive time) and waits for Return."""
    seen: list[str] = []

    def answer(number: int, text: str) -> str:
        seen.append(text)
        return f"ID={number}&Return=0&CMD=CONTROL DEVICE"

    await _with_device(
        hass,
        zk,
        hass.services.async_call(
            "lock", "open", {"entity_id": "lock.cgxh201360001_door_1_lock"}, blocking=True
        ),
        answer,
    )
    assert seen == ["CONTROL DEVICE 01010104"]


async def test_device_error_becomes_readable(hass: HomeAssistant, zk: ZkDevice) -> None:
    """A negative Return is shown with its Appendix 1 text."""

    with pytest.raises(HomeAssistantError, match="door already open"):
        await _with_device(
            hass,
            zk,
            hass.services.async_call(
                "lock", "open", {"entity_id": "lock.cgxh201360001_door_1_lock"}, blocking=True
            ),
            lambda number, _: f"ID={number}&Return=-28&CMD=CONTROL DEVICE",
        )


async def test_unavailable_until_registered(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, client: TestClient
) -> None:
    """A new entry has no doors until the terminal says how many it has."""
    await hass.async_block_till_done()
    assert hass.states.get("lock.cgxh201360001_door_lock") is None
    state = hass.states.get("binary_sensor.cgxh201360001_connectivity")
    assert state is not None
    assert state.state == STATE_OFF
    device = ZkDevice(client)
    await device.register()
    await hass.async_block_till_done()
    lock = hass.states.get("lock.cgxh201360001_door_1_lock")
    assert lock is not None
    assert lock.state != STATE_UNAVAILABLE


# -- firmware downloads ----------------------------------------------------------------------------


async def test_firmware_through_iclock_file(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Method 2: GET /iclock/file?url=<our URL> serves the image once; other URLs are 404."""
    image = b"firmware" * 100
    path = offer_firmware(hass, image)
    url = f"http://192.168.1.2:8123{path}"
    response = await zk.client.get(f"/iclock/file?SN={ZK_SERIAL}&url={url}")
    assert response.status == 200
    assert await response.read() == image
    assert (await zk.client.get(f"/iclock/file?SN={ZK_SERIAL}&url={url}")).status == 404
    response = await zk.client.get(f"/iclock/file?SN={ZK_SERIAL}&url=http://elsewhere/emfw.cfg")
    assert response.status == 404


async def test_firmware_download_needs_the_token(hass: HomeAssistant, zk: ZkDevice) -> None:
    """Once a terminal uses tokens, /iclock/file without one is refused like any request."""
    assert await zk.get("getrequest", cookie=f"token={zk.token}") == (200, "OK")
    path = offer_firmware(hass, b"image")
    response = await zk.client.get(f"/iclock/file?SN={ZK_SERIAL}&url=http://h{path}")
    assert response.status == 401
    response = await zk.client.get(
        f"/iclock/file?SN={ZK_SERIAL}&url=http://h{path}", headers={"Cookie": f"token={zk.token}"}
    )
    assert await response.read() == b"image"


async def test_gb2312_names_read_back(hass: HomeAssistant, zk: ZkDevice) -> None:
    """A Chinese terminal answers a listing with GB2312 names: get_users shows them right."""
    task = asyncio.ensure_future(
        hass.services.async_call(
            DOMAIN,
            "get_users",
            {"device_id": device_id(hass, ZK_SERIAL)},
            blocking=True,
            return_response=True,
        )
    )
    await asyncio.sleep(0.05)
    commands = await zk.commands()
    results = []
    for number, text in commands:
        if "tablename=user," in text:
            status, reply = await zk.post(
                "querydata",
                f"type=tabledata&cmdid={number}&tablename=user&count=1&packcnt=1&packidx=1",
                load_bytes("zk_push", "user_gb2312.bin"),
            )
            assert (status, reply) == (200, "user=1")
        results.append(f"ID={number}&Return=1&CMD=DATA QUERY")
    await zk.result(*results)
    response = await asyncio.wait_for(task, 5)
    assert response is not None
    users = response["users"]
    assert isinstance(users, list)
    (user,) = users
    assert isinstance(user, dict)
    assert (user["user_id"], user["name"], user["cards"]) == ("8", "张三", ["123456"])


# -- what the terminal says is checked ---------------------------------------------------------


async def test_a_hundred_doors_announced_give_no_hundred_locks(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, client: TestClient
) -> None:
    """`LockCount=100` once made 100 locks and 310 entities (4294967295: four billion)."""
    device = ZkDevice(client)
    await device.register(REGISTRY_BODY.replace("LockCount=4", "LockCount=100"))
    await hass.async_block_till_done()
    entities = er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
    assert len([e for e in entities if e.domain == "lock"]) == 1
    coordinator = loaded_entry.runtime_data.coordinator
    assert coordinator.data.door_numbers == [1]
    assert coordinator.diagnostics()["refused_input"] == {"option": 1}


async def test_registry_with_a_trailing_slash(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, client: TestClient
) -> None:
    """A C3-100Pro calls `/iclock/registry/` (and the others) with a trailing slash."""
    response = await client.post(f"/iclock/registry/?SN={ZK_SERIAL}", data=REGISTRY_BODY)
    assert response.status == 200
    assert (await response.text()).startswith("RegistryCode=")
    response = await client.get(f"/iclock/cdata.aspx/?SN={ZK_SERIAL}&options=all&pushver=3.1.2")
    assert response.status == 200


@pytest.mark.parametrize(
    ("table", "body"),
    [
        # An OPERLOG line starting with whitespace (IndexError once).
        ("OPERLOG", "\tOPLOG 4\t0\t2024-05-01 08:00:00\t7\t0\t0\t0\n"),
        # time_second=99999999999999999 in a transaction table (OverflowError once).
        ("tabledata", "transaction time_second=99999999999999999\tpin=1\teventtype=0\tindex=1"),
    ],
)
async def test_bodies_that_once_answered_500(
    hass: HomeAssistant, zk: ZkDevice, table: str, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    query = f"table={table}&tablename=transaction&Stamp=1"
    status, _ = await zk.post("cdata", query, body)
    assert status == 200
    assert "Traceback" not in caplog.text


async def test_a_corrupt_account_archive_is_acknowledged(
    hass: HomeAssistant, zk: ZkDevice, caplog: pytest.LogCaptureFixture
) -> None:
    archive = bytearray(gzip.compress(b"transaction pin=1\ttime_second=1\n" * 2000))
    archive[100:140] = b"\xff" * 40  # a zlib.error once
    assert await zk.post("file", "table=transaction", bytes(archive)) == (200, "OK")
    assert "Traceback" not in caplog.text


async def test_command_results_of_real_firmware_are_acknowledged(
    hass: HomeAssistant, zk: ZkDevice
) -> None:
    """Ids of the firmware's own and one key per line once got 400, re-posted forever."""
    body = "ID=info8487&Return=0&CMD=DATA\nID=info8488&Return=0&CMD=DATA"
    assert await zk.post("devicecmd", "", body) == (200, "OK")
    assert await zk.post("devicecmd", "", "ID=32\nReturn=0\nCMD=Shell\nContent=ok") == (200, "OK")
