"""The demo: every simulated terminal `scripts/develop` runs, in one process.

``python -m simulator.demo --server http://127.0.0.1:8123`` runs two HTTPv2 face terminals, a
two-door ZKTeco Security PUSH controller and a ZKTeco attendance terminal, a cloud WebSocket AI
face terminal, and a Webserver + JSON and a control API terminal that Home Assistant calls (on
ports 8080 and 8081). The real-browser tests (tests/ui/) run the same set, faster.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
import sys
from typing import Any

from simulator.cli import DemoDevice, run_until_signal, seconds, setup_logging
from simulator.cloud_ws import CloudWsSimulator
from simulator.control_api import ControlApiSimulator
from simulator.httpv2 import HttpV2Simulator
from simulator.webjson import WebJsonSimulator
from simulator.zk_push import ZkPushSimulator

DEMO_USERS = 5
WEBJSON_PASSWORD = "123456"  # noqa: S105 - the demo terminal's published password
CONTROL_API_KEY = "demo-key"
ZK_CONTROLLER = "CGXH201360001"
ZK_ATTENDANCE = "A8N5230560001"
CLOUD_SERIAL = "ZX12345678"


def httpv2_serial(number: int) -> str:
    """Return the serial of the demo's `number`-th HTTPv2 terminal (1-based)."""
    return f"FC-8200H{number:08d}"


@dataclass(frozen=True, kw_only=True)
class DemoSettings:
    """Which terminals the demo runs, and how busy they are."""

    server: str
    httpv2: int = 2
    zk: bool = True
    cloud: bool = True
    pull: bool = True
    pull_host: str = "127.0.0.1"
    webjson_port: int = 8080
    control_api_port: int = 8081
    # Mean seconds between random events of an HTTPv2 terminal; the others are paced alike.
    event_interval: float = 20.0
    keepalive: float = 10.0
    seed: int | None = None


@dataclass
class Demo:
    """The demo's terminals, started and stopped together."""

    httpv2: list[HttpV2Simulator]
    zk: list[ZkPushSimulator]
    cloud: list[CloudWsSimulator]
    webjson: list[WebJsonSimulator]
    control_api: list[ControlApiSimulator]

    @property
    def terminals(self) -> list[DemoDevice]:
        """Return every terminal."""
        return [*self.httpv2, *self.zk, *self.cloud, *self.webjson, *self.control_api]

    async def start(self) -> None:
        """Start every terminal (those Home Assistant calls listen at once)."""
        for terminal in self.terminals:
            await terminal.start()

    async def stop(self) -> None:
        """Stop every terminal."""
        for terminal in reversed(self.terminals):
            await terminal.stop()


def build(settings: DemoSettings) -> Demo:
    """Build the demo's terminals with their demo users (nothing runs before start())."""

    def paced(seconds: float) -> dict[str, Any]:
        # The other families' event pace, relative to the HTTPv2 terminals' 20 s.
        return {"event_interval": seconds * settings.event_interval / 20.0, "seed": settings.seed}

    server = settings.server
    zk = [
        ZkPushSimulator(server, ZK_CONTROLLER, doors=2, **paced(20)),
        ZkPushSimulator(server, ZK_ATTENDANCE, attendance=True, **paced(30)),
    ]
    demo = Demo(
        httpv2=[
            HttpV2Simulator(
                server, httpv2_serial(number), keepalive_interval=settings.keepalive, **paced(20)
            )
            for number in range(1, settings.httpv2 + 1)
        ],
        zk=zk if settings.zk else [],
        cloud=[CloudWsSimulator(server, CLOUD_SERIAL, **paced(25))] if settings.cloud else [],
        webjson=[
            WebJsonSimulator(
                password=WEBJSON_PASSWORD,
                port=settings.webjson_port,
                host=settings.pull_host,
                **paced(20),
            )
        ]
        if settings.pull
        else [],
        control_api=[
            ControlApiSimulator(
                api_key=CONTROL_API_KEY,
                port=settings.control_api_port,
                host=settings.pull_host,
                **paced(30),
            )
        ]
        if settings.pull
        else [],
    )
    for terminal in demo.terminals:
        terminal.add_demo_users(DEMO_USERS)
    return demo


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo's terminals until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m simulator.demo", description=__doc__)
    parser.add_argument("--server", default="http://127.0.0.1:8123", help="Home Assistant")
    parser.add_argument("--httpv2", type=int, default=2, help="HTTPv2 terminals (default 2)")
    parser.add_argument("--no-zk", action="store_true", help="leave out the ZKTeco terminals")
    parser.add_argument("--no-cloud", action="store_true", help="leave out the cloud terminal")
    parser.add_argument("--no-pull", action="store_true", help="leave out the terminals HA calls")
    parser.add_argument("--webjson-port", type=int, default=8080, help="(default 8080)")
    parser.add_argument("--control-api-port", type=int, default=8081, help="(default 8081)")
    parser.add_argument(
        "--event-interval",
        type=seconds(allow_zero=False),
        default=20.0,
        help="mean seconds between an HTTPv2 terminal's random events (default 20)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    args = parser.parse_args(argv)
    setup_logging(verbose=args.verbose)
    demo = build(
        DemoSettings(
            server=args.server,
            httpv2=args.httpv2,
            zk=not args.no_zk,
            cloud=not args.no_cloud,
            pull=not args.no_pull,
            webjson_port=args.webjson_port,
            control_api_port=args.control_api_port,
            event_interval=args.event_interval,
        )
    )
    try:
        asyncio.run(run_until_signal(demo))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
