"""The real-browser suite's session: Home Assistant, the demo's terminals, a broker, Chromium.

Run it through `scripts/test` (CI's command), which installs Chromium and runs this folder
in a pytest run of its own: `pytest -o addopts="" -p no:homeassistant tests/ui`. The Home
Assistant test harness is left out there: Home Assistant runs in its own process, as a person
runs it, and this process only drives a browser and the simulated terminals.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, sync_playwright
import pytest

from simulator.demo import Demo, DemoSettings, build
from tests.mqtt_bridge.mqtt_broker import Mosquitto

from .harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    BackgroundLoop,
    HomeAssistantApi,
    HomeAssistantProcess,
    Problems,
    free_port,
)

# The terminals are busier than the demo's, so that a run takes minutes, not hours.
EVENT_INTERVAL = 4.0
KEEPALIVE = 3.0


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Nothing to enable here: Home Assistant runs in its own process (see the docstring)."""


@dataclass
class Ui:
    """Everything the browser tests use."""

    home_assistant: HomeAssistantProcess
    api: HomeAssistantApi
    loop: BackgroundLoop
    demo: Demo
    broker: Mosquitto
    page: Page
    problems: Problems

    def run(self, work: Any, timeout: float = 120.0) -> Any:
        """Run a coroutine on the terminals' loop (API calls, simulator actions)."""
        return self.loop.run(work, timeout)

    def states(self) -> dict[str, dict[str, Any]]:
        """Return Home Assistant's states now."""
        states: dict[str, dict[str, Any]] = self.run(self.api.states())
        return states

    def url(self, path: str) -> str:
        """Return the address of a frontend page."""
        return f"{self.home_assistant.url}{path}"


@pytest.fixture(scope="session")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ui]:
    """Start everything once for the whole suite; stop it at the end."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Chromium (apt-get chromium)")
    loop = BackgroundLoop()
    home_assistant = HomeAssistantProcess(tmp_path_factory.mktemp("home-assistant"))
    home_assistant.prepare()
    broker = Mosquitto(tmp_path_factory.mktemp("broker"))
    api = HomeAssistantApi(home_assistant.url)
    demo = build(
        DemoSettings(
            server=home_assistant.url,
            httpv2=1,
            webjson_port=free_port(),
            control_api_port=free_port(),
            event_interval=EVENT_INTERVAL,
            keepalive=KEEPALIVE,
            seed=7,
        )
    )
    for terminal in demo.webjson:
        # Its door stays open 8 s after an access, told only when polled (every 5 s): with
        # this suite's busier terminals, a shorter opening lets a poll see it shut again.
        terminal.open_seconds = 2.0
    playwright = sync_playwright().start()
    context: BrowserContext | None = None
    try:
        broker.start()
        home_assistant.start()
        loop.run(api.async_onboard())
        loop.run(demo.start())
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(30_000)
        tokens = json.dumps(json.dumps(api.browser_tokens()))
        context.add_init_script(f"window.localStorage.setItem('hassTokens', {tokens});")
        page = context.pages[0] if context.pages else context.new_page()
        problems = Problems()
        page.on("response", lambda response: problems.response(response.status, response.url))
        page.on("console", lambda message: problems.console(message.type, message.text))
        yield Ui(home_assistant, api, loop, demo, broker, page, problems)
    finally:
        if context is not None:
            context.close()
        playwright.stop()
        loop.run(demo.stop())
        loop.run(api.close())
        home_assistant.stop()
        broker.stop()
        loop.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep a screenshot of the page a test failed on (UI_SCREENSHOTS=folder)."""
    report = yield
    folder = os.environ.get("UI_SCREENSHOTS")
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    if folder and report.when == "call" and report.failed and "ui" in funcargs:
        ui = funcargs["ui"]
        with contextlib.suppress(Exception):
            ui.page.screenshot(path=str(Path(folder) / f"{item.name}.png"))
    return report
