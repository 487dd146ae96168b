"""What the benchmark needs per protocol family: a light load terminal, baselines and a sync.

Every family provides the same three things, so that scripts/bench.py measures them alike:
- a load terminal (hello, keep-alive, one access record and its round trip) for the load process;
- what the bare and floor baselines answer for the family's requests;
- a user sync driven through the family's simulator, and the same transfer from the bare view.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import re
import tempfile
import time
from typing import Any, Protocol
from unittest.mock import patch

from aiohttp import ClientSession, ThreadedResolver, web
from aiohttp.test_utils import TestServer
from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_test_home_assistant

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.protocols import httpv2
from custom_components.access_terminal.protocols.httpv2.people import people_json
from custom_components.access_terminal.protocols.model import User
from custom_components.access_terminal.protocols.zk_push.wire import parse_fields
from scripts.bench_cloud_ws import BareSocket, CloudWsLoad, sync_cloud_ws as cloud_sync
from simulator.common import jpeg_photo
from simulator.httpv2 import HttpV2Simulator
from simulator.httpv2_settings import initial_settings
from simulator.httpv2_transport import FormPart, encode_multipart
from simulator.zk_push import ZkPushSimulator
from simulator.zk_push_device import initial_options

RESOLVER = "homeassistant.helpers.aiohttp_client._async_make_resolver"

BOUNDARY = "----------------------------bench"
FAMILIES = ("httpv2", "zk_push", "cloud_ws")
# Families whose terminals stay connected (their open socket counts in the memory figure).
PERSISTENT = frozenset({"cloud_ws"})
# How often a terminal of the family calls when idle (keep-alive, or ZK's command poll; a cloud
# terminal's socket needs nothing but the server's pings).
KEEPALIVES = {"httpv2": 10.0, "zk_push": 3.0, "cloud_ws": 30.0}
RECORD_KINDS = {
    "httpv2": "face records with a photo",
    "zk_push": "rtlog face verifications",
    "cloud_ws": "sendlog face records with a photo",
}
# How a sync is split: HTTPv2 people pages, ZK table commands (100 users each, 20 per poll),
# cloud commands (one user each, one in flight).
SYNC_UNITS = {"httpv2": ("pages", 1000), "zk_push": ("commands", 100), "cloud_ws": ("commands", 1)}


class LoadTerminal(Protocol):
    """A terminal of the load process."""

    async def hello(self) -> None:
        """Introduce itself as at boot."""

    async def keepalive(self) -> None:
        """Send one keep-alive (or command poll)."""

    async def record(self) -> float:
        """Upload one access record; return the round trip in seconds."""


# -- HTTPv2 ----------------------------------------------------------------------------------


class HttpV2Load:
    """A lightweight HTTPv2 terminal: keep-alives and face records with a photo."""

    def __init__(self, session: ClientSession, base: str, serial: str) -> None:
        """Prepare what does not change between requests."""
        self.session = session
        self.base = base
        self.serial = serial
        self.record_id = 0
        self.photo = jpeg_photo(serial)
        status = {"RelayStatus": 0, "KeepOpenStatus": 0, "DoorSensorStatus": 0}
        self.keepalive_body = json.dumps({"SN": serial, **status}).encode()

    async def post(self, path: str, body: bytes, content_type: str) -> dict[str, Any]:
        """Send one request and return the JSON reply."""
        headers = {"Content-Type": content_type}
        async with self.session.post(self.base + path, data=body, headers=headers) as response:
            reply: dict[str, Any] = await response.json(content_type=None)
            return reply

    async def keepalive(self) -> None:
        """Send a keep-alive."""
        await self.post("/Device/Keepalive", self.keepalive_body, "application/json")

    async def hello(self) -> None:
        """Keep-alive, then work settings."""
        await self.keepalive()
        settings = initial_settings(
            serial=self.serial,
            firmware_version="8.46",
            server=self.base,
            keepalive_interval=10,
            release_time=3,
            gzip=True,
            now=int(time.time()),
        )
        body = json.dumps(settings).encode()
        await self.post("/Device/UploadWorkSetting", body, "application/json")

    async def record(self) -> float:
        """Upload one face record with its photo."""
        self.record_id += 1
        detail = {
            "RecordID": self.record_id,
            "RecordType": 3,
            "RecordDate": int(time.time()),
            "UserID": str(1 + self.record_id % 50),
            "Name": f"Person {self.record_id % 50}",
            "CardNum": "0",
            "IsEntry": 1,
            "BodyTemp": 365,
            "PhotoLen": len(self.photo),
        }
        parts = [
            FormPart(name="SN", data=self.serial.encode()),
            FormPart(
                name="RecordDetail",
                data=json.dumps(detail).encode(),
                content_type="application/octet-stream",
                gzip=True,
            ),
            FormPart(name="Photo", data=self.photo, filename="p.jpg", content_type="image/jpeg"),
        ]
        body = encode_multipart(parts, BOUNDARY)
        started = time.perf_counter()
        reply = await self.post(
            "/Record/UploadIdentifyRecord", body, f"multipart/form-data; boundary={BOUNDARY}"
        )
        if reply.get("Success") != 1:
            raise RuntimeError(f"record refused: {reply}")
        return time.perf_counter() - started


# -- ZK PUSH ---------------------------------------------------------------------------------


class ZkLoad:
    """A lightweight one-door Security PUSH controller: command polls and rtlog events."""

    def __init__(self, session: ClientSession, base: str, serial: str) -> None:
        """Prepare the registration body."""
        self.session = session
        self.base = base
        self.serial = serial
        self.index = 0
        options = initial_options(
            serial=serial,
            doors=1,
            firmware_version="ZAM70-NF24VB-Ver1.0.2",
            date_fmt=True,
            mul_card=False,
            multi_bio=True,
        )
        self.registry_body = ",".join(f"{key}={value}" for key, value in options.items())

    async def request(self, method: str, path: str, query: str, body: str = "") -> str:
        """Send one request and return the text answer."""
        url = f"{self.base}/iclock/{path}?SN={self.serial}{'&' + query if query else ''}"
        async with self.session.request(method, url, data=body.encode()) as response:
            text = await response.text()
            if response.status != 200:
                raise RuntimeError(f"{path} refused: {response.status} {text}")
            return text

    async def hello(self) -> None:
        """options=all, registry, push (as a controller does at boot)."""
        await self.request("GET", "cdata", "options=all&pushver=3.1.2")
        await self.request("POST", "registry", "", self.registry_body)
        await self.request("POST", "push", "")

    async def keepalive(self) -> None:
        """Ask for commands."""
        await self.request("GET", "getrequest", "")

    async def record(self) -> float:
        """Upload one face verification (rtlog)."""
        self.index += 1
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        line = (
            f"time={stamp}\tpin={1 + self.index % 50}\tcardno=0\tsitecode=0\tlinkid=0\t"
            f"eventaddr=1\tevent=0\tinoutstatus=0\tverifytype=15\tindex={self.index}\t"
            "maskflag=1\ttemperature=36.5\tconvtemperature=97.7"
        )
        started = time.perf_counter()
        answer = await self.request("POST", "cdata", "table=rtlog", line)
        if answer != "OK":
            raise RuntimeError(f"record refused: {answer}")
        return time.perf_counter() - started


LOAD_TERMINALS: dict[str, Callable[[ClientSession, str, str], LoadTerminal]] = {
    "httpv2": HttpV2Load,
    "zk_push": ZkLoad,
    "cloud_ws": CloudWsLoad,
}


# -- baselines -------------------------------------------------------------------------------


class BareAnswers:
    """What a server with nothing to do answers, per family; it can replay a user sync."""

    def __init__(self) -> None:
        """Start with nothing to hand out."""
        self.pages: list[list[dict[str, Any]]] = []  # HTTPv2 people pages
        self.commands: list[str] = []  # ZK command lines
        self.cloud_ws = BareSocket()  # cloud terminals' socket

    def httpv2(self, path: str) -> web.Response:
        """Answer {"Success":1}, handing out queued people pages."""
        reply: dict[str, Any] = {"Success": 1}
        if path == "device/keepalive" and self.pages:
            reply["AddPeople"] = sum(len(page) for page in self.pages)
        elif path == "people/downloadpeoplelist":
            page = self.pages.pop(0) if self.pages else []
            reply.update(PeopleCount=len(page), PeopleList=page)
        return web.json_response(reply)

    def zk_push(self, name: str) -> web.Response:
        """Answer OK, the registry code and session, and queued commands 20 at a time."""
        name = name.lower().removesuffix(".aspx")
        text = "OK"
        if name == "registry":
            text = "RegistryCode=BareBench1"
        elif name == "push":
            text = "SessionID=00000000000000000000000000000000\nRequestDelay=3"
        elif name == "getrequest" and self.commands:
            text = "\n".join(self.commands[:20])
            del self.commands[:20]
        return web.Response(text=text, content_type="text/plain")


def floor_httpv2(group: str, action: str, content_type: str | None, body: bytes) -> Any:
    """Parse an HTTPv2 request with our parser; return the record document, if any."""
    endpoint = httpv2.endpoint_for(group, action) or httpv2.Endpoint.KEEPALIVE
    parsed = httpv2.parse_request(endpoint, content_type, body)
    return (parsed.serial, parsed.document)


def floor_zk_push(serial: str, table: str | None, body: bytes) -> dict[str, str] | None:
    """Parse an rtlog upload with our parser; return its fields."""
    if table != "rtlog":
        return None
    return parse_fields(body.decode())


def floor_answer(family: str) -> web.Response:
    """Return what the floor view answers once it did its work."""
    if family == "zk_push":
        return web.Response(text="OK", content_type="text/plain")
    return web.json_response({"Success": 1})


# -- user sync -------------------------------------------------------------------------------


@dataclass
class SyncRun:
    """How a sync went: time, how it was split, what the second sync sent."""

    users_on_device: int
    first_sync_s: float
    first_sync_pages: int
    largest_page: int
    second_sync_s: float
    second_sync_people_sent: int
    bare_transfer_s: float


async def _drive(step: Callable[[], Awaitable[Any]], work: Awaitable[Any]) -> float:
    """Run `work` while the simulator takes its steps; return the seconds it took."""
    task = asyncio.ensure_future(work)
    started = time.perf_counter()
    while not task.done():
        await step()
        await asyncio.sleep(0)
    await task
    return time.perf_counter() - started


async def sync_httpv2(
    session: ClientSession,
    base: str,
    bare: BareAnswers,
    sync: Callable[[list[User]], Awaitable[Any]],
    desired: list[User],
) -> SyncRun:
    """Sync to an HTTPv2 simulator (pages of 1000), then the same pages from the bare view."""
    sim = HttpV2Simulator(base, "SYNC00000001", session=session, download_limit=1000, seed=1)
    await sim.keepalive_cycle()
    first = await _drive(sim.keepalive_cycle, sync(desired))
    pages = len(sim.download_results)
    desired[len(desired) // 2].name = "Renamed"
    second = await _drive(sim.keepalive_cycle, sync(desired))
    documents = [people_json(user, datetime.now(UTC)) for user in desired]
    bare.pages = [documents[i : i + 1000] for i in range(0, len(documents), 1000)]
    bare_sim = HttpV2Simulator(f"{base}/bare", "BARE00000001", session=session, download_limit=1000)
    started = time.perf_counter()
    while bare.pages:
        await bare_sim.keepalive_cycle()
    later = sim.download_results[pages:]
    return SyncRun(
        users_on_device=len(sim.users),
        first_sync_s=first,
        first_sync_pages=pages,
        largest_page=max(result["SuccessCount"] for result in sim.download_results),
        second_sync_s=second,
        second_sync_people_sent=sum(r["SuccessCount"] + r["FailCount"] for r in later),
        bare_transfer_s=time.perf_counter() - started,
    )


async def sync_zk_push(
    session: ClientSession,
    base: str,
    bare: BareAnswers,
    sync: Callable[[list[User]], Awaitable[Any]],
    desired: list[User],
) -> SyncRun:
    """Sync to a ZK PUSH simulator, then replay the same commands from the bare view."""
    sim = ZkPushSimulator(base, "SYNC00000001", session=session, seed=1)
    await sim.connect()
    first = await _drive(sim.cycle, sync(desired))
    commands = list(sim.commands)
    desired[len(desired) // 2].name = "Renamed"
    second = await _drive(sim.cycle, sync(desired))
    later = sim.commands[len(commands) :]
    # The same writes, without the listing that the first sync starts with.
    bare.commands = [command for command in commands if ":DATA QUERY " not in command]
    bare_sim = ZkPushSimulator(f"{base}/bare", "BARE00000001", session=session, seed=1)
    await bare_sim.connect()
    started = time.perf_counter()
    while bare.commands:
        await bare_sim.cycle()
    return SyncRun(
        users_on_device=len(sim.users),
        first_sync_s=first,
        first_sync_pages=len(commands),
        largest_page=max(command.count("\n") + 1 for command in commands),
        second_sync_s=second,
        second_sync_people_sent=len(
            {pin for command in later for pin in re.findall(r"\bPin=([^\t\n]+)", command)}
        ),
        bare_transfer_s=time.perf_counter() - started,
    )


async def sync_cloud_ws(
    session: ClientSession,
    base: str,
    bare: BareAnswers,
    sync: Callable[[list[User]], Awaitable[Any]],
    desired: list[User],
) -> SyncRun:
    """Sync to a cloud simulator, then replay its commands from the bare socket."""
    return SyncRun(**await cloud_sync(session, base, bare.cloud_ws, sync, desired))


SYNCS = {"httpv2": sync_httpv2, "zk_push": sync_zk_push, "cloud_ws": sync_cloud_ws}


# -- Home Assistant --------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """Run Home Assistant's real core (the test harness's) with the integration set up.

    As the test harness does, terminals are addressed by IP with no mDNS resolver (it needs
    zeroconf, which a second Home Assistant in this process cannot start).
    """
    with (
        patch(RESOLVER, side_effect=lambda _hass: ThreadedResolver()),
        tempfile.TemporaryDirectory() as config_dir,
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # allow custom integrations
            if not await async_setup_component(hass, DOMAIN, {DOMAIN: {}}):
                raise RuntimeError("the integration did not set up")
            yield hass


async def serve_app(hass: HomeAssistant) -> TestServer:
    """Serve Home Assistant's HTTP app on a real loopback socket (close it when done)."""
    # As Home Assistant does: integrations set up later may still register views.
    hass.http.app._router.freeze = lambda: None  # type: ignore[method-assign]  # noqa: SLF001
    server = TestServer(hass.http.app, host="127.0.0.1")
    await server.start_server()
    return server
