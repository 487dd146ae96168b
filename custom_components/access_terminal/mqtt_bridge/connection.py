"""One paho-mqtt client driven by the asyncio event loop: back-off, will and a bounded outbox.

paho's own network loop is not used: its socket is watched by the event loop (`add_reader` /
`add_writer`) and a small task runs its keep-alive housekeeping, so nothing blocks the loop but
the TCP and TLS connect, which runs in the default executor. Nothing here imports Home Assistant.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import random
import socket
import ssl
import threading
from typing import Any

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

_LOGGER = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0  # seconds for TCP, TLS and the broker's CONNACK together
MIN_BACKOFF = 1.0
MAX_BACKOFF = 60.0
MISC_INTERVAL = 1.0  # how often paho's keep-alive housekeeping runs
OUTBOX_MESSAGES = 1000  # what waits for the broker at most: messages...
OUTBOX_BYTES = 8 * 1024 * 1024  # ...and bytes (photos are large)
STOP_FLUSH_TIMEOUT = 3.0  # seconds a clean stop waits for its goodbye to be written

# CONNACK reason codes meaning the credentials were refused (MQTT 3.1.1: 4 and 5; MQTT 5: 134, 135).
_AUTH_REFUSED = {4, 5, 134, 135}


class BrokerError(Exception):
    """The broker could not be used."""


class BrokerUnreachableError(BrokerError):
    """No connection to the broker (refused, unknown host, timeout)."""


class BrokerAuthError(BrokerError):
    """The broker refused the username or password."""


class BrokerTlsError(BrokerError):
    """The TLS handshake failed (certificate not trusted, wrong host name, not TLS)."""


@dataclass(frozen=True, kw_only=True)
class BrokerSettings:
    """Where and how to connect."""

    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    ca_certs: str | None = None  # a PEM file; None trusts the system's certificate authorities
    client_id: str = ""
    keepalive: int = 60


@dataclass(frozen=True, slots=True)
class Message:
    """One message to publish."""

    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


MessageHandler = Callable[[str, bytes, bool], None]  # topic, payload, retained


class Outbox:
    """Messages waiting for the broker, bounded by count and bytes; the oldest go first."""

    def __init__(self, max_messages: int = OUTBOX_MESSAGES, max_bytes: int = OUTBOX_BYTES) -> None:
        """Start empty."""
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self._messages: deque[Message] = deque()
        self._bytes = 0
        self.dropped = 0

    def __len__(self) -> int:
        """Return how many messages wait."""
        return len(self._messages)

    def put(self, message: Message) -> None:
        """Keep a message, dropping the oldest when full (counted in `dropped`)."""
        if len(message.payload) > self.max_bytes:
            self.dropped += 1
            return
        self._messages.append(message)
        self._bytes += len(message.payload)
        while len(self._messages) > self.max_messages or self._bytes > self.max_bytes:
            self._bytes -= len(self._messages.popleft().payload)
            self.dropped += 1

    def take(self) -> list[Message]:
        """Return every waiting message and forget them."""
        messages = list(self._messages)
        self._messages.clear()
        self._bytes = 0
        return messages


def classify_connect_error(err: BaseException) -> BrokerError:
    """Turn what a failed connect raised into the error a person can act on."""
    if isinstance(err, BrokerError):
        return err
    if isinstance(err, ssl.SSLError | ssl.CertificateError):
        return BrokerTlsError(str(err))
    if isinstance(err, socket.gaierror):
        return BrokerUnreachableError(f"unknown host: {err}")
    if isinstance(err, TimeoutError):
        return BrokerUnreachableError("timed out")
    return BrokerUnreachableError(str(err) or type(err).__name__)


class MqttConnection:
    """A connection to one broker that keeps itself up until stopped."""

    def __init__(
        self,
        settings: BrokerSettings,
        *,
        will: Message | None = None,
        on_connect: Callable[[], None] | None = None,
        on_message: MessageHandler | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        """Prepare the client; nothing connects before `run` or `connect_once`."""
        self.settings = settings
        self.will = will
        self.on_connect = on_connect
        self.on_message = on_message
        self.outbox = outbox or Outbox()
        self.connected = False
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._client: Client | None = None
        self._sock: Any = None
        self._misc_task: asyncio.Task[None] | None = None
        self._connack: asyncio.Future[ReasonCode] | None = None
        self._lost = asyncio.Event()
        self._stopping = asyncio.Event()
        self._outage_logged = False

    # -- life cycle -----------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, and reconnect with back-off whenever the connection fails, until stopped."""
        delay = MIN_BACKOFF
        while not self._stopping.is_set():
            try:
                await self.connect_once()
            except BrokerError as err:
                self._log_outage(err)
            else:
                delay = MIN_BACKOFF
                await self._lost.wait()
                if self._stopping.is_set():
                    break
                self._log_outage(BrokerUnreachableError("connection lost"))
            # Jitter spreads the reconnects of many clients after a broker restart.
            wait = delay * random.uniform(0.8, 1.2)  # noqa: S311 (not a secret)
            delay = min(delay * 2, MAX_BACKOFF)
            try:
                await asyncio.wait_for(self._stopping.wait(), wait)
            except TimeoutError:
                continue

    async def connect_once(self) -> None:
        """Connect and wait for the broker's answer; raise a BrokerError when that fails."""
        self._lost.clear()
        self._connack = connack = self._loop.create_future()
        # Failed while the connect itself still ran (it then raises its own error): taken here.
        connack.add_done_callback(lambda done: done.cancelled() or done.exception())
        settings = self.settings
        try:
            if self._client is None:
                # One client for good: paho re-sends what the broker did not acknowledge.
                self._client = await self._new_client()
            client = self._client
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await self._loop.run_in_executor(
                    None, client.connect, settings.host, settings.port, settings.keepalive
                )
                code = await self._connack
        except (OSError, ValueError, TimeoutError, BrokerError) as err:
            self._drop_socket()
            raise classify_connect_error(err) from err
        finally:
            self._connack = None
        if code.is_failure:
            self._drop_socket()
            if code.value in _AUTH_REFUSED:
                raise BrokerAuthError(str(code))
            raise BrokerError(str(code))

    async def stop(self) -> None:
        """Say goodbye cleanly (so the broker does not send the will) and stop reconnecting."""
        self._stopping.set()
        self._fail_connack(BrokerUnreachableError("stopped"))
        client = self._client
        if client is not None and self.connected:
            # On a clean disconnect the broker drops the will: publish what it would have said.
            # The broker reads it before the DISCONNECT that follows it on the same connection,
            # so nothing waits for its acknowledgement (a broker that stopped answering would
            # hold Home Assistant's stop for nothing).
            if (will := self.will) is not None:
                client.publish(will.topic, will.payload, will.qos, will.retain)
            client.disconnect()  # sent by the writer callback; paho then closes the socket
            try:
                async with asyncio.timeout(STOP_FLUSH_TIMEOUT):
                    await self._lost.wait()
            except TimeoutError:
                _LOGGER.debug("The broker did not take the disconnect in time")
        self._drop_socket()
        self._lost.set()

    def _log_outage(self, err: BrokerError) -> None:
        if not self._outage_logged:
            self._outage_logged = True
            _LOGGER.warning(
                "MQTT broker %s:%s unavailable (%s); retrying with back-off",
                self.settings.host,
                self.settings.port,
                err,
            )
        else:
            _LOGGER.debug("MQTT broker still unavailable: %s", err)

    # -- publishing -----------------------------------------------------------------------

    def publish(self, message: Message, *, keep: bool = True) -> None:
        """Publish now, or keep the message in the outbox until the broker is back.

        `keep=False` is for state that is published afresh at every connect anyway.
        """
        client = self._client
        if self.connected and client is not None:
            info = client.publish(message.topic, message.payload, message.qos, message.retain)
            if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                return
        if not keep:
            return
        dropped = self.outbox.dropped
        self.outbox.put(message)
        if self.outbox.dropped > dropped and dropped == 0:
            _LOGGER.warning(
                "MQTT outbox full (%d messages): dropping the oldest until the broker is back",
                self.outbox.max_messages,
            )

    def subscribe(self, topic: str, qos: int = 1) -> None:
        """Subscribe (call from on_connect: subscriptions do not outlive a connection)."""
        if self._client is not None:
            self._client.subscribe(topic, qos)

    def _flush_outbox(self) -> None:
        dropped = self.outbox.dropped
        messages = self.outbox.take()
        self.outbox.dropped = 0
        if dropped:
            _LOGGER.warning(
                "MQTT broker is back: %d messages were dropped while it was away; sending %d",
                dropped,
                len(messages),
            )
        for message in messages:
            self.publish(message)

    # -- paho -----------------------------------------------------------------------------

    async def _new_client(self) -> Client:
        settings = self.settings
        client = Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=MQTTProtocolVersion.MQTTv311,
            reconnect_on_failure=False,
        )
        client.max_queued_messages_set(OUTBOX_MESSAGES)
        if settings.username:
            client.username_pw_set(settings.username, settings.password or None)
        if self.will is not None:
            will = self.will
            client.will_set(will.topic, will.payload, will.qos, will.retain)
        if settings.tls:
            # Loading certificate authorities reads files: not on the event loop.
            try:
                context = await self._loop.run_in_executor(None, _tls_context, settings.ca_certs)
            except OSError as err:  # ssl.SSLError included: not a PEM file
                raise BrokerTlsError(
                    f"cannot use the CA certificates {settings.ca_certs}: {err}"
                ) from err
            client.tls_set_context(context)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_socket_open = self._threadsafe(self._on_socket_open)
        client.on_socket_close = self._threadsafe(self._on_socket_close)
        client.on_socket_register_write = self._threadsafe(self._on_register_write)
        client.on_socket_unregister_write = self._threadsafe(self._on_unregister_write)
        return client

    def _threadsafe(self, handler: Callable[[Client, Any, Any], None]) -> Callable[..., None]:
        """Run a socket callback on the event loop (connect runs in an executor thread)."""

        def call(client: Client, userdata: Any, sock: Any) -> None:
            if threading.get_ident() == self._loop_thread:
                handler(client, userdata, sock)
            else:
                self._loop.call_soon_threadsafe(handler, client, userdata, sock)

        return call

    def _on_socket_open(self, client: Client, _userdata: Any, sock: Any) -> None:
        if sock.fileno() == -1:
            return  # closed again before the loop got here
        self._sock = sock
        self._loop.add_reader(sock, self._read, client)
        if self._misc_task is None:
            self._misc_task = self._loop.create_task(self._misc(client))

    def _read(self, client: Client) -> None:
        client.loop_read()
        # TLS may hold decrypted bytes the socket no longer signals: read them too.
        sock = self._sock
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            self._loop.call_soon(self._read, client)

    def _on_socket_close(self, _client: Client, _userdata: Any, sock: Any) -> None:
        self._forget_socket(sock)
        self._fail_connack(BrokerUnreachableError("the broker closed the connection"))

    def _fail_connack(self, error: BrokerError) -> None:
        """End a connection attempt at once (rather than after the whole connect timeout)."""
        if self._connack is not None and not self._connack.done():
            self._connack.set_exception(error)

    def _on_register_write(self, client: Client, _userdata: Any, sock: Any) -> None:
        if sock.fileno() != -1:
            self._loop.add_writer(sock, client.loop_write)

    def _on_unregister_write(self, _client: Client, _userdata: Any, sock: Any) -> None:
        if sock.fileno() != -1:
            self._loop.remove_writer(sock)

    async def _misc(self, client: Client) -> None:
        while True:
            await asyncio.sleep(MISC_INTERVAL)
            if client.loop_misc() == MQTTErrorCode.MQTT_ERR_NO_CONN:
                break

    def _forget_socket(self, sock: Any) -> None:
        if sock is not None and sock.fileno() != -1:
            self._loop.remove_reader(sock)
            self._loop.remove_writer(sock)
        if sock is self._sock:
            self._sock = None
        if self._misc_task is not None:
            self._misc_task.cancel()
            self._misc_task = None

    def _drop_socket(self) -> None:
        """Close what a failed or finished connection left behind."""
        sock = self._sock
        self._forget_socket(sock)
        if sock is not None:
            sock.close()
        self.connected = False

    def _on_connect(
        self,
        _client: Client,
        _userdata: Any,
        _flags: ConnectFlags,
        code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        if self._connack is not None and not self._connack.done():
            self._connack.set_result(code)
        if code.is_failure:
            return
        self.connected = True
        if self._outage_logged:
            _LOGGER.info("MQTT broker %s:%s is back", self.settings.host, self.settings.port)
        self._outage_logged = False
        self._flush_outbox()  # older than anything on_connect publishes
        if self.on_connect is not None:
            self.on_connect()

    def _on_disconnect(
        self,
        _client: Client,
        _userdata: Any,
        _flags: DisconnectFlags,
        _code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        self.connected = False
        self._lost.set()
        self._fail_connack(BrokerUnreachableError("the broker closed the connection"))

    def _on_message(self, _client: Client, _userdata: Any, message: MQTTMessage) -> None:
        if self.on_message is None:
            return
        try:
            self.on_message(message.topic, message.payload, message.retain)
        except Exception:  # one bad message must not stop the connection
            _LOGGER.exception("Error handling MQTT message on %s", message.topic)


def _tls_context(ca_certs: str | None) -> ssl.SSLContext:
    """Return a context that verifies the broker's certificate and host name."""
    return ssl.create_default_context(cafile=ca_certs)
