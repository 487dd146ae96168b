"""The bridge's MQTT connection against a real Mosquitto: errors, will, outbox, reconnects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
import signal
from unittest.mock import patch

import pytest

from custom_components.access_terminal.mqtt_bridge import connection as connection_module
from custom_components.access_terminal.mqtt_bridge.connection import (
    BrokerAuthError,
    BrokerError,
    BrokerSettings,
    BrokerTlsError,
    BrokerUnreachableError,
    Message,
    MqttConnection,
    Outbox,
    classify_connect_error,
)
from tests.helpers import free_port, wait_until

from .mqtt_broker import Mosquitto, MqttProbe, make_tls_files

pytestmark = pytest.mark.usefixtures("mqtt_ready")

WILL = Message("test/availability", b"offline", 1, True)


@pytest.fixture
async def running(broker: Mosquitto) -> AsyncGenerator[MqttConnection]:
    """Keep a connection (with a will) up in the background."""
    connection = MqttConnection(
        BrokerSettings(host="127.0.0.1", port=broker.port, client_id="bridge-test", keepalive=2),
        will=WILL,
    )
    task = asyncio.create_task(connection.run())
    await wait_until(lambda: connection.connected)
    yield connection
    await connection.stop()
    await asyncio.wait_for(task, 10)


async def test_publishes_and_receives(running: MqttConnection, probe: MqttProbe) -> None:
    """What the bridge publishes reaches another client, and what it subscribed reaches it."""
    received: list[tuple[str, bytes, bool]] = []
    running.on_message = lambda topic, payload, retained: received.append(
        (topic, payload, retained)
    )
    running.subscribe("test/in")
    running.publish(Message("test/out", "Grüße".encode(), 1, False))
    message = await probe.wait_for("test/out")
    assert message.payload.decode() == "Grüße"
    await asyncio.sleep(0.1)  # the subscription is on its way to the broker
    probe.publish("test/in", b"hello")
    await wait_until(lambda: received)
    assert received == [("test/in", b"hello", False)]


async def test_a_failing_message_handler_does_not_break_the_connection(
    running: MqttConnection, probe: MqttProbe, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler that raises is logged; the next message still arrives."""
    calls: list[bytes] = []

    def handler(_topic: str, payload: bytes, _retained: bool) -> None:
        calls.append(payload)
        if payload == b"bad":
            raise ValueError("boom")

    running.on_message = handler
    running.subscribe("test/in")
    await asyncio.sleep(0.1)
    probe.publish("test/in", b"bad")
    probe.publish("test/in", b"good")
    await wait_until(lambda: calls == [b"bad", b"good"])
    assert running.connected
    assert "Error handling MQTT message on test/in" in caplog.text


async def test_clean_stop_says_offline(broker: Mosquitto, probe: MqttProbe) -> None:
    """Stopping publishes what the will says (a clean disconnect suppresses the will)."""
    connection = MqttConnection(
        BrokerSettings(host="127.0.0.1", port=broker.port, client_id="clean"), will=WILL
    )
    await connection.connect_once()
    await connection.stop()
    message = await probe.wait_for("test/availability")
    assert (message.payload, message.retain) == (b"offline", False)
    assert not connection.connected


async def test_will_is_sent_when_the_connection_dies(
    running: MqttConnection, probe: MqttProbe
) -> None:
    """When Home Assistant vanishes without a goodbye, the broker publishes the will."""
    sock = running._sock
    assert sock is not None
    sock.close()  # as a crash or a cut network cable would
    # The broker notices after 1.5 keep-alives (2 s) at most.
    message = await probe.wait_for("test/availability", within=10)
    assert message.payload == b"offline"


async def test_broker_restart_is_survived_and_outbox_delivered(
    running: MqttConnection, broker: Mosquitto, caplog: pytest.LogCaptureFixture
) -> None:
    """Messages published while the broker is away arrive once it is back, in order."""
    broker.stop()
    await wait_until(lambda: not running.connected)
    for number in range(3):
        running.publish(Message("test/event", str(number).encode(), 1, False))
    running.publish(Message("test/state", b"old", 1, True), keep=False)
    assert len(running.outbox) == 3
    broker.start()
    probe = MqttProbe(broker)
    try:
        await wait_until(lambda: running.connected)
        await wait_until(lambda: len(probe.received("test/event")) == 3)
        assert [m.payload for m in probe.received("test/event")] == [b"0", b"1", b"2"]
        assert probe.received("test/state") == []  # not kept: published afresh on connect
    finally:
        probe.close()
    assert "unavailable" in caplog.text
    assert "is back" in caplog.text


async def test_outbox_overflow_is_counted_and_logged(
    running: MqttConnection, broker: Mosquitto, caplog: pytest.LogCaptureFixture
) -> None:
    """A bounded outbox drops the oldest messages and says how many when the broker is back."""
    running.outbox = Outbox(max_messages=2)
    broker.stop()
    await wait_until(lambda: not running.connected)
    for number in range(5):
        running.publish(Message("test/event", str(number).encode(), 1, False))
    assert "MQTT outbox full" in caplog.text
    broker.start()
    probe = MqttProbe(broker)
    try:
        await wait_until(lambda: len(probe.received("test/event")) == 2)
        assert [m.payload for m in probe.received("test/event")] == [b"3", b"4"]
    finally:
        probe.close()
    assert "3 messages were dropped while it was away" in caplog.text


def test_outbox_bounds_bytes() -> None:
    """Large messages (photos) are bounded by size as well as by count."""
    outbox = Outbox(max_messages=10, max_bytes=10)
    outbox.put(Message("a", b"12345"))
    outbox.put(Message("b", b"123456"))
    outbox.put(Message("c", b"x" * 11))  # larger than the whole outbox
    assert [m.topic for m in outbox.take()] == ["b"]
    assert outbox.dropped == 2
    assert len(outbox) == 0


async def test_unreachable_broker() -> None:
    """Nobody listening: a clear 'unreachable' error, no hanging."""
    connection = MqttConnection(BrokerSettings(host="127.0.0.1", port=free_port()))
    with pytest.raises(BrokerUnreachableError):
        await connection.connect_once()
    await connection.stop()


async def test_invalid_host() -> None:
    """An empty or impossible host name is an unreachable broker, not a crash."""
    connection = MqttConnection(BrokerSettings(host="", port=1883))
    with pytest.raises(BrokerUnreachableError):
        await connection.connect_once()


def test_error_classification() -> None:
    """Timeouts and unknown hosts read as such."""
    import socket

    assert "timed out" in str(classify_connect_error(TimeoutError()))
    assert "unknown host" in str(classify_connect_error(socket.gaierror(-2, "Name unknown")))
    auth = BrokerAuthError("no")
    assert classify_connect_error(auth) is auth


async def test_not_an_mqtt_server_times_out(unused_tcp_port: int) -> None:
    """A port that accepts but never answers CONNECT gives up after the timeout."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # keeps the connection open, silent

    server = await asyncio.start_server(hold, "127.0.0.1", unused_tcp_port)
    try:
        connection = MqttConnection(BrokerSettings(host="127.0.0.1", port=unused_tcp_port))
        with (
            patch.object(connection_module, "CONNECT_TIMEOUT", 0.5),
            pytest.raises(BrokerUnreachableError, match="timed out"),
        ):
            await connection.connect_once()
        await connection.stop()
    finally:
        server.close()


async def test_wrong_password(tmp_path: Path) -> None:
    """The broker refuses the credentials: an authentication error, not 'unreachable'."""
    broker = Mosquitto(tmp_path / "auth", users={"hub": "secret"})
    broker.start()
    try:
        wrong = MqttConnection(
            BrokerSettings(host="127.0.0.1", port=broker.port, username="hub", password="nope")
        )
        with pytest.raises(BrokerAuthError):
            await wrong.connect_once()
        await wrong.stop()
        anonymous = MqttConnection(BrokerSettings(host="127.0.0.1", port=broker.port))
        with pytest.raises(BrokerAuthError):
            await anonymous.connect_once()
        await anonymous.stop()
        right = MqttConnection(
            BrokerSettings(host="127.0.0.1", port=broker.port, username="hub", password="secret")
        )
        await right.connect_once()
        assert right.connected
        await right.stop()
    finally:
        broker.stop()


async def test_tls(tmp_path: Path) -> None:
    """TLS works with the right CA; an untrusted certificate or a wrong host name is refused."""
    files = make_tls_files(tmp_path / "tls")
    other = make_tls_files(tmp_path / "other", name="other")
    broker = Mosquitto(tmp_path / "tls-broker", tls=files)
    broker.start()
    try:
        good = MqttConnection(
            BrokerSettings(host="127.0.0.1", port=broker.port, tls=True, ca_certs=str(files.ca))
        )
        await good.connect_once()
        assert good.connected
        await good.stop()
        for settings in (
            # Signed by a CA we do not trust.
            BrokerSettings(host="127.0.0.1", port=broker.port, tls=True, ca_certs=str(other.ca)),
            # The system's CAs do not know the test CA either.
            BrokerSettings(host="127.0.0.1", port=broker.port, tls=True),
        ):
            connection = MqttConnection(settings)
            with pytest.raises(BrokerTlsError, match="certificate verify failed"):
                await connection.connect_once()
            await connection.stop()
        plain = MqttConnection(BrokerSettings(host="127.0.0.1", port=broker.port))
        with pytest.raises(BrokerError):  # a TLS port spoken to in plain MQTT
            await plain.connect_once()
        await plain.stop()
    finally:
        broker.stop()


async def test_tls_host_name_must_match(tmp_path: Path) -> None:
    """A trusted certificate issued for another name than the one dialled is refused."""
    files = make_tls_files(tmp_path / "tls", host="broker.example", loopback=False)
    broker = Mosquitto(tmp_path / "tls-broker", tls=files)
    broker.start()
    try:
        connection = MqttConnection(
            BrokerSettings(host="127.0.0.1", port=broker.port, tls=True, ca_certs=str(files.ca))
        )
        with pytest.raises(BrokerTlsError, match="IP address mismatch|match"):
            await connection.connect_once()
        await connection.stop()
    finally:
        broker.stop()


async def test_missing_ca_file_is_a_tls_error(tmp_path: Path) -> None:
    """A CA file that cannot be read is reported as a TLS problem."""
    files = make_tls_files(tmp_path / "tls")
    broker = Mosquitto(tmp_path / "tls-broker", tls=files)
    broker.start()
    try:
        connection = MqttConnection(
            BrokerSettings(
                host="127.0.0.1", port=broker.port, tls=True, ca_certs=str(tmp_path / "none.pem")
            )
        )
        with pytest.raises(BrokerTlsError):  # a CA file that does not exist
            await connection.connect_once()
        await connection.stop()
    finally:
        broker.stop()


async def test_a_broker_that_closes_before_answering_fails_at_once(unused_tcp_port: int) -> None:
    """The pending connection fails when the broker hangs up (it waited the whole timeout)."""

    async def hang_up(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", unused_tcp_port)
    try:
        connection = MqttConnection(BrokerSettings(host="127.0.0.1", port=unused_tcp_port))
        with (
            patch.object(connection_module, "CONNECT_TIMEOUT", 3600),
            pytest.raises(BrokerUnreachableError, match="closed the connection"),
        ):
            await asyncio.wait_for(connection.connect_once(), 30)
        await connection.stop()
    finally:
        server.close()


async def test_stopping_with_a_broker_that_stopped_answering(
    broker: Mosquitto, probe: MqttProbe
) -> None:
    """A frozen broker held the stop for the acknowledgement of an offline it never sent."""
    connection = MqttConnection(
        BrokerSettings(host="127.0.0.1", port=broker.port, client_id="frozen"), will=WILL
    )
    await connection.connect_once()
    assert broker._process is not None
    broker._process.send_signal(signal.SIGSTOP)
    try:
        with patch.object(connection_module, "STOP_FLUSH_TIMEOUT", 3600):
            await asyncio.wait_for(connection.stop(), 30)
    finally:
        broker._process.send_signal(signal.SIGCONT)
    assert not connection.connected
    # Its goodbye was written before the DISCONNECT: the broker says it once it runs again.
    message = await probe.wait_for("test/availability")
    assert message.payload == b"offline"
