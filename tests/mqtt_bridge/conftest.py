"""Fixtures of the MQTT bridge tests: a real Mosquitto per test, and a probe listening to it."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from unittest.mock import patch

import pytest

from custom_components.access_terminal.mqtt_bridge import connection
from custom_components.access_terminal.protocols.model import Family

from .mqtt_broker import Mosquitto, MqttProbe


@pytest.fixture
def mqtt_ready(socket_enabled: None) -> Generator[None]:
    """Allow loopback sockets, and reconnect to brokers after tenths of seconds."""
    with (
        patch.object(connection, "MIN_BACKOFF", 0.1),
        patch.object(connection, "MAX_BACKOFF", 0.2),
    ):
        yield


@pytest.fixture
def broker(mqtt_ready: None, tmp_path: Path) -> Generator[Mosquitto]:
    """Run an anonymous Mosquitto on a free loopback port."""
    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def probe(broker: Mosquitto) -> Generator[MqttProbe]:
    """Another hub that hears everything on the broker."""
    probe = MqttProbe(broker)
    yield probe
    probe.close()


@pytest.fixture
def family(request: pytest.FixtureRequest) -> Family:
    """Bridge a two-door ZK controller, unless a test asks for another family."""
    return Family(getattr(request, "param", Family.ZK_PUSH))
