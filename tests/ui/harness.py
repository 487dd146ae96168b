"""What the real-browser tests run: Home Assistant with its frontend, the terminals, Chromium.

Home Assistant runs in a process of its own on a free port (a developer's demo on 8123 can keep
running), with a configuration made for the run; the demo's terminals (simulator/demo.py) run
in this process on a loop of their own, so that a test can make one of them raise an alarm.
Everything a test waits for is a condition, polled; nothing sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import re
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Final, TypeVar

import aiohttp

ROOT: Final = Path(__file__).resolve().parents[2]
INTEGRATION: Final = ROOT / "custom_components" / "access_terminal"
CHROMIUM: Final = "/usr/bin/chromium"
# What the suite launches Chromium with: headless, no sandbox (root in CI), nothing that
# calls out to Google, a fresh profile per run.
CHROMIUM_ARGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USER: Final = "ui"
PASSWORD: Final = "ui-tests-only"  # the throw-away test owner's password
FIRMWARE_MODEL: Final = "FC-8200H"
FIRMWARE_VERSION: Final = "8.47"

T = TypeVar("T")


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(
    condition: Callable[[], T], what: str, timeout: float = 60.0, every: float = 0.25
) -> T:
    """Poll `condition` until it returns something true; fail saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


class BackgroundLoop:
    """An asyncio loop on a thread of its own: the terminals and the API client live there."""

    def __init__(self) -> None:
        """Start the loop."""
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="ui-terminals", daemon=True
        )
        self._thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        """Run `work` on the loop and return its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


CONFIGURATION = """\
homeassistant:
  name: Access Terminal UI tests
  unit_system: metric
  time_zone: UTC
  internal_url: {url}
http:
  server_host: 127.0.0.1
  server_port: {port}
frontend:
config:
automation:
logbook:
history:
repairs:
access_terminal:
logger:
  default: warning
  logs:
    custom_components.access_terminal: info
"""


@dataclass
class HomeAssistantProcess:
    """Home Assistant with the frontend, in a process of its own, on a free port."""

    config_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return Home Assistant's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """Return Home Assistant's log file."""
        return self.config_dir / "home-assistant.log"

    def prepare(self) -> None:
        """Write the configuration, link the integration, leave only onboarding's user step."""
        config = self.config_dir
        (config / "custom_components").mkdir(parents=True, exist_ok=True)
        (config / "custom_components" / "access_terminal").symlink_to(INTEGRATION)
        (config / "configuration.yaml").write_text(
            CONFIGURATION.format(url=self.url, port=self.port)
        )
        # The owner is made through the onboarding API; the rest of onboarding (location,
        # analytics, default integrations such as the radio browser) is not what is tested.
        storage = config / ".storage"
        storage.mkdir(exist_ok=True)
        (storage / "onboarding").write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["core_config", "analytics", "integration"]},
                }
            )
        )
        # A firmware image for the HTTPv2 terminals' model: their update entity offers it.
        firmware = config / "access_terminal" / "firmware" / FIRMWARE_MODEL
        firmware.mkdir(parents=True)
        (firmware / f"{FIRMWARE_VERSION}.bin").write_bytes(b"FIRMWARE" * 20_000)

    def start(self, timeout: float = 300.0) -> None:
        """Start Home Assistant and wait until its frontend answers."""
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "homeassistant",
                "--config",
                str(self.config_dir),
                "--skip-pip",
                "--log-file",
                str(self.log),
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answering() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"Home Assistant stopped:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                return False
            return True

        wait_for(answering, "Home Assistant to listen", timeout)

    def stop(self) -> None:
        """Stop Home Assistant (and kill it if it takes too long)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def log_tail(self, lines: int = 80) -> str:
        """Return the end of Home Assistant's log."""
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class HomeAssistantApi:
    """Home Assistant's REST and WebSocket APIs, as the owner (on the background loop)."""

    def __init__(self, url: str) -> None:
        """Talk to Home Assistant at `url` (log in with `async_onboard`)."""
        self.url = url
        self.tokens: dict[str, Any] = {}
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._next_id = 0
        self._lock = asyncio.Lock()

    @property
    def session(self) -> aiohttp.ClientSession:
        """Return the HTTP session (made on first use, on the loop)."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def async_onboard(self) -> None:
        """Create the owner through onboarding, then log in as them."""
        client_id = f"{self.url}/"
        deadline = time.monotonic() + 120.0
        while True:  # the onboarding view exists once Home Assistant has started
            with contextlib.suppress(aiohttp.ClientError):
                async with self.session.get(f"{self.url}/api/onboarding") as response:
                    if response.status == 200:
                        break
            if time.monotonic() > deadline:
                raise AssertionError("onboarding never became available")
            await asyncio.sleep(0.5)
        async with self.session.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "UI tests",
                "username": USER,
                "password": PASSWORD,
                "language": "en",
            },
        ) as response:
            assert response.status == 200, await response.text()
            code = (await response.json())["auth_code"]
        async with self.session.post(
            f"{self.url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
        ) as response:
            assert response.status == 200, await response.text()
            self.tokens = await response.json()

    def browser_tokens(self) -> dict[str, Any]:
        """Return what the frontend keeps in localStorage ("hassTokens") after a login."""
        return {
            "access_token": self.tokens["access_token"],
            "token_type": "Bearer",
            "expires_in": self.tokens["expires_in"],
            "refresh_token": self.tokens["refresh_token"],
            "hassUrl": self.url,
            "clientId": f"{self.url}/",
            "expires": int(time.time() * 1000) + self.tokens["expires_in"] * 1000,
        }

    async def ws(self, command: str, **fields: Any) -> Any:
        """Send one WebSocket command and return its result (fail on an error)."""
        async with self._lock:
            if self._socket is None or self._socket.closed:
                self._socket = await self.session.ws_connect(f"{self.url}/api/websocket")
                await self._socket.receive_json()
                await self._socket.send_json(
                    {"type": "auth", "access_token": self.tokens["access_token"]}
                )
                assert (await self._socket.receive_json())["type"] == "auth_ok"
            self._next_id += 1
            await self._socket.send_json({"id": self._next_id, "type": command, **fields})
            while True:
                answer = await self._socket.receive_json(timeout=120)
                if answer.get("id") == self._next_id and answer.get("type") == "result":
                    break
            if not answer["success"]:
                raise AssertionError(f"{command}: {answer['error']}")
            return answer["result"]

    async def states(self) -> dict[str, dict[str, Any]]:
        """Return every state, by entity id."""
        return {state["entity_id"]: state for state in await self.ws("get_states")}

    async def call(self, domain: str, service: str, **data: Any) -> Any:
        """Call an action (and wait for it)."""
        return await self.ws("call_service", domain=domain, service=service, service_data=data)

    async def close(self) -> None:
        """Close the socket and the session."""
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()


def every_text(page: Any) -> list[str]:
    """Return every visible text of a page, through the frontend's shadow roots."""
    texts: list[str] = page.evaluate(
        """() => {
            const out = [];
            const skip = new Set(["STYLE", "SCRIPT", "TEMPLATE"]);
            const walk = (node) => {
                if (node.nodeType === Node.TEXT_NODE) {
                    const text = node.textContent.trim();
                    if (text) out.push(text);
                    return;
                }
                if (node.nodeType === Node.ELEMENT_NODE && skip.has(node.tagName)) return;
                if (node.shadowRoot) walk(node.shadowRoot);
                for (const child of node.childNodes) walk(child);
            };
            walk(document.body);
            return out;
        }"""
    )
    return texts


def entity_badges(page: Any) -> list[dict[str, Any]]:
    """Return every entity row's badge on a page: its entity, icon path or picture."""
    badges: list[dict[str, Any]] = page.evaluate(
        """() => {
            const found = [];
            const pathOf = (element) => {
                let node = element;
                while (node && node.shadowRoot) {
                    const path = node.shadowRoot.querySelector("path");
                    if (path) return path.getAttribute("d");
                    node = node.shadowRoot.querySelector("ha-svg-icon, ha-icon");
                }
                return null;
            };
            const walk = (node) => {
                if (node.tagName === "STATE-BADGE") {
                    const icon = node.shadowRoot && node.shadowRoot.querySelector("ha-state-icon");
                    found.push({
                        entity: node.stateObj ? node.stateObj.entity_id : null,
                        icon: icon ? pathOf(icon) : null,
                        picture: node.style.backgroundImage || null,
                    });
                }
                if (node.shadowRoot) walk(node.shadowRoot);
                for (const child of node.children || []) walk(child);
            };
            walk(document.body);
            return found;
        }"""
    )
    return badges


# Texts that mean a translation is missing: Home Assistant's key, or the frontend's error.
RAW_KEY: Final = re.compile(r"component\.access_terminal\.|ui\.panel\.|state_attributes\.")


@dataclass
class Problems:
    """What the browser saw go wrong: errors of our endpoints and of the console."""

    seen: list[str] = field(default_factory=list)

    def response(self, status: int, url: str) -> None:
        """Note a failed response of one of our endpoints or pictures."""
        ours = ("/api/access_terminal", "/api/image_proxy/image.", "access_terminal")
        if status >= 400 and any(part in url for part in ours):
            self.seen.append(f"HTTP {status} {url}")

    def console(self, kind: str, text: str) -> None:
        """Note a console error that names the integration."""
        if kind == "error" and "access_terminal" in text:
            self.seen.append(f"console: {text}")

    def take(self) -> list[str]:
        """Return what was seen since the last call."""
        seen, self.seen = self.seen, []
        return seen


async def gather_all(*work: Awaitable[Any]) -> list[Any]:
    """Run awaitables together (on the background loop)."""
    return list(await asyncio.gather(*work))
