"""Helpers of the pull-family protocol tests: a device that answers what the test scripts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pytest_aiohttp import AiohttpServer

from custom_components.access_terminal.protocols.pull import DeviceAddress
from simulator.common import Runnable


@dataclass
class FakeDevice:
    """Answers each request with the next scripted response (JSON by default)."""

    answers: list[Callable[[web.Request], Awaitable[web.StreamResponse]]] = field(
        default_factory=list
    )
    received: list[Any] = field(default_factory=list)
    address: DeviceAddress = field(default_factory=lambda: DeviceAddress(host="", port=0))

    def json(self, document: Any, status: int = 200) -> None:
        async def answer(_request: web.Request) -> web.StreamResponse:
            return web.json_response(document, status=status)

        self.answers.append(answer)

    def raw(self, body: bytes, status: int = 200) -> None:
        async def answer(_request: web.Request) -> web.StreamResponse:
            return web.Response(body=body, status=status)

        self.answers.append(answer)

    def silent(self) -> None:
        """Never answer (until the client gives up)."""

        async def answer(_request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(3600)
            return web.Response()

        self.answers.append(answer)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(await request.json())
        return await self.answers.pop(0)(request)


async def serve_fake(aiohttp_server: AiohttpServer) -> FakeDevice:
    """Start a fake device on a free loopback port."""
    fake = FakeDevice()
    app = web.Application()
    app.router.add_post("/{tail:.*}", fake.handle)
    server = await aiohttp_server(app)
    fake.address = DeviceAddress(host="127.0.0.1", port=server.port or 0)
    return fake


@contextlib.asynccontextmanager
async def running[S: Runnable](simulator: S) -> AsyncIterator[S]:
    """Run a simulator for the duration of the block."""
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()
