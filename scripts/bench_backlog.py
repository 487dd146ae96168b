"""The backlog phase of scripts/bench: one terminal hands over (then re-sends) a 50,000-record log.

A terminal that was away, or was just added, or re-sends its whole log whatever it was told (a ZK
MB10-VL re-sent 44,718 records, 128 a request), pages its records in the family's real page
sizes: HTTPv2 one identify record (with its photo) per UploadIdentifyRecord, ZK attendance
terminals 128 ATTLOG lines per upload, cloud terminals 50 logs per `getnewlog` page fetched by
Home Assistant after the registration. The records are dated over the last days (late: catch-up).

Measured, for the first delivery and for the same backlog sent again: how long Home Assistant
takes to drain it, the longest stall of its event loop (the garbage collector's pauses apart),
the state writes of the terminal's event entities (must be 0: catch-up records fire no entity),
the bus events and memory.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
import gc
import json
import resource
import time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, WSMsgType
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant, callback

from custom_components.access_terminal.const import EVENT_ACCESS_TERMINAL
from simulator.common import jpeg_photo
from simulator.httpv2_transport import FormPart, encode_multipart

BOUNDARY = "----------------------------backlog"
PAGE_SIZES = {"httpv2": 1, "zk_push": 128, "cloud_ws": 50}
PAGE_NAMES = {
    "httpv2": "UploadIdentifyRecord requests of 1 record with its photo",
    "zk_push": "ATTLOG uploads of 128 punches (attendance terminal)",
    "cloud_ws": "getnewlog pages of 50 logs, fetched after the registration",
}
SPREAD = 30 * 86400  # the backlog's records are dated over the last thirty days...
LATE = 3600  # ...the newest an hour ago


def newest_date() -> int:
    """Return the date of the backlog's newest record (fixed once: both passes send the same)."""
    return int(time.time()) - LATE


def _dates(count: int, newest: int) -> list[int]:
    step = max(SPREAD // max(count, 1), 1)
    return [newest - (count - n) * step for n in range(count)]


ZONE: list[tzinfo] = [UTC]  # Home Assistant's zone: terminals' local times carry none


def _local(date: int) -> str:
    return datetime.fromtimestamp(date, ZONE[0]).strftime("%Y-%m-%d %H:%M:%S")


# -- the terminal's side (load process) ------------------------------------------------------


async def _httpv2(session: ClientSession, base: str, serial: str, count: int, newest: int) -> int:
    photo = jpeg_photo(serial)
    pages = 0
    for number, date in enumerate(_dates(count, newest), start=1):
        detail = {
            "RecordID": number,
            "RecordType": 3,
            "RecordDate": date,
            "UserID": str(1 + number % 50),
            "Name": f"Person {number % 50}",
            "CardNum": "0",
            "IsEntry": 1,
            "BodyTemp": 0,
            "PhotoLen": len(photo),
        }
        parts = [
            FormPart(name="SN", data=serial.encode()),
            FormPart(name="RecordDetail", data=json.dumps(detail).encode(), gzip=True),
            FormPart(name="Photo", data=photo, filename="p.jpg", content_type="image/jpeg"),
        ]
        body = encode_multipart(parts, BOUNDARY)
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        async with session.post(
            f"{base}/Record/UploadIdentifyRecord", data=body, headers=headers
        ) as response:
            reply = await response.json(content_type=None)
        if reply.get("Success") != 1:
            raise RuntimeError(f"record {number} refused: {reply}")
        pages += 1
    return pages


async def _zk_push(session: ClientSession, base: str, serial: str, count: int, newest: int) -> int:
    lines = [
        f"{1 + n % 50}\t{_local(date)}\t0\t15\t0\t0\t0"
        for n, date in enumerate(_dates(count, newest))
    ]
    size = PAGE_SIZES["zk_push"]
    pages = 0
    for start in range(0, len(lines), size):
        page = lines[start : start + size]
        url = f"{base}/iclock/cdata?SN={serial}&table=ATTLOG&Stamp={start + len(page)}"
        async with session.post(url, data="\r\n".join(page).encode()) as response:
            text = await response.text()
        if not text.startswith("OK:"):
            raise RuntimeError(f"page at {start} refused: {response.status} {text}")
        pages += 1
    return pages


async def _cloud_ws(session: ClientSession, base: str, serial: str, count: int, newest: int) -> int:
    """Register, then answer Home Assistant's getnewlog pages until the backlog is handed over."""
    items = [
        {"enrollid": 1 + n % 50, "time": _local(date), "mode": 8, "inout": 0, "event": 0}
        for n, date in enumerate(_dates(count, newest))
    ]
    size = PAGE_SIZES["cloud_ws"]
    position = pages = 0
    async with session.ws_connect(base.replace("http", "ws", 1) + "/api/access_terminal/ws") as ws:
        await ws.send_str(json.dumps({"cmd": "reg", "sn": serial, "devinfo": {}}))
        while True:
            try:
                # After the last page Home Assistant asks nothing more: a quiet second ends it.
                frame = await ws.receive(timeout=1.0 if position >= len(items) else 60.0)
            except TimeoutError:
                break
            if frame.type is not WSMsgType.TEXT:
                break
            document = json.loads(frame.data)
            if document.get("cmd") == "getnewlog":
                page = items[position : position + size]
                answer = {
                    "ret": "getnewlog",
                    "result": True,
                    "count": len(items),
                    "from": position,
                    "to": position + len(page) - 1,
                    "record": page,
                }
                position += len(page)
                pages += bool(page)
                await ws.send_str(json.dumps(answer))
            elif "cmd" in document:
                await ws.send_str(json.dumps({"ret": document["cmd"], "result": True}))
    return pages


SENDERS = {"httpv2": _httpv2, "zk_push": _zk_push, "cloud_ws": _cloud_ws}


async def hello(session: ClientSession, base: str, family: str, serial: str) -> None:
    """Introduce the terminal (the cloud terminal registers while sending its backlog)."""
    if family == "httpv2":
        body = json.dumps({"SN": serial, "RelayStatus": 0, "DoorSensorStatus": 0}).encode()
        headers = {"Content-Type": "application/json"}
        async with session.post(f"{base}/Device/Keepalive", data=body, headers=headers) as reply:
            await reply.read()
    elif family == "zk_push":
        url = f"{base}/iclock/cdata?SN={serial}&options=all&pushver=2.4.1&DeviceType=att"
        async with session.get(url) as reply:
            await reply.read()


async def send_backlog(
    base: str, family: str, serial: str, count: int, newest: int
) -> dict[str, Any]:
    """Hand the backlog over as the terminal would; return pages and seconds (load process)."""
    async with ClientSession() as session:
        await hello(session, base, family, serial)
        started = time.perf_counter()
        pages = await SENDERS[family](session, base, serial, count, newest)
        return {"pages": pages, "elapsed": time.perf_counter() - started}


# -- Home Assistant's side -----------------------------------------------------------------------


@dataclass
class Watch:
    """What Home Assistant did while the backlog drained."""

    entity_writes: int = 0
    bus_events: int = 0
    catch_up: int = 0
    longest_stall_ms: float = 0.0
    longest_gc_ms: float = 0.0
    _gc: float = 0.0
    _gc_started: float = 0.0
    _unsubscribes: list[Callable[[], None]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def start(self, hass: HomeAssistant, serial: str) -> None:
        """Listen to the terminal's entities and events; watch the loop."""
        prefix = serial.lower()

        @callback
        def state_written(event: Event[Any]) -> None:
            # An event entity fired: its state (the time of its last event) changed to a time.
            # Becoming available when the terminal is first heard from is not an event.
            old, new = event.data["old_state"], event.data["new_state"]
            if (
                event.data["entity_id"].startswith(f"event.{prefix}")
                and new is not None
                and new.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
                and (old is None or old.state != new.state)
            ):
                self.entity_writes += 1

        @callback
        def fired(event: Event[Any]) -> None:
            self.bus_events += 1
            self.catch_up += bool(event.data.get("catch_up"))

        self._unsubscribes = [
            hass.bus.async_listen(EVENT_STATE_CHANGED, state_written),
            hass.bus.async_listen(EVENT_ACCESS_TERMINAL, fired),
        ]
        gc.callbacks.append(self._gc_callback)
        self._task = hass.loop.create_task(self._stalls())

    def stop(self) -> None:
        """Stop watching."""
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        gc.callbacks.remove(self._gc_callback)
        if self._task is not None:
            self._task.cancel()

    def _gc_callback(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            pause = time.perf_counter() - self._gc_started
            self._gc += pause
            self.longest_gc_ms = max(self.longest_gc_ms, pause * 1000)

    async def _stalls(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before, collected = loop.time(), self._gc
            await asyncio.sleep(0.01)
            late = loop.time() - before - 0.01 - (self._gc - collected)
            self.longest_stall_ms = max(self.longest_stall_ms, late * 1000)


def rss_kb() -> int:
    """Return the resident memory of this process now (KB)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def peak_kb() -> int:
    """Return the largest resident memory of this process so far (KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    """Be the terminal: hand the backlog over, print pages and seconds (the load process)."""
    parser = argparse.ArgumentParser()
    for option in ("url", "family", "serial"):
        parser.add_argument(f"--{option}", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--newest", type=int, required=True, help="date of the newest record")
    parser.add_argument("--zone", required=True, help="Home Assistant's time zone")
    args = parser.parse_args()
    ZONE[0] = ZoneInfo(args.zone)
    result = asyncio.run(send_backlog(args.url, args.family, args.serial, args.count, args.newest))
    print(json.dumps(result))


def report_backlog(results: dict[str, Any], family: str, count: int) -> list[str]:
    """Return the backlog figures as lines of the report."""
    lines = [
        "",
        f"Backlog of {count} records ({PAGE_NAMES[family]}), dated over the last 30 days",
    ]
    for name in ("first", "again"):
        run = results[f"backlog_{name}"]
        what = "handed over" if name == "first" else "sent again"
        lines.append(
            f"  {what:12s} drained in {run['elapsed']:6.1f} s ({run['records_per_s']:5.0f} "
            f"records/s, {run['pages']} pages); longest loop stall {run['longest_stall_ms']:4.0f} "
            f"ms (garbage collector apart, its longest pause {run['longest_gc_ms']:.0f} ms); "
            f"event entity writes {run['entity_writes']}; bus events {run['bus_events']} "
            f"({run['catch_up']} catch_up); memory +{run['rss_growth_kb'] / 1024:.1f} MB "
            f"resident after, peak +{run['peak_growth_kb'] / 1024:.1f} MB"
        )
    return lines


if __name__ == "__main__":
    main()
