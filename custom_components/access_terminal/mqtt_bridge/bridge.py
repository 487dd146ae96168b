"""The bridge: every terminal's info, state and events to MQTT, and door commands back.

It watches the coordinators of loaded terminals (they announce themselves with dispatcher
signals), publishes what changed, and answers every command on the command's result topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from ..const import (
    DOMAIN,
    SIGNAL_TERMINAL_LOADED,
    SIGNAL_TERMINAL_REMOVED,
    SIGNAL_TERMINAL_UNLOADED,
)
from ..kinds import loaded_terminal_entries
from ..protocols.model import AccessEvent, DoorAction, EventCategory
from ..state import DoorView
from .connection import BrokerSettings, Message, MqttConnection
from .const import (
    CONF_BASE_TOPIC,
    CONF_CA_CERTS,
    CONF_CLIENT_ID,
    CONF_COMMAND_DEVICES,
    CONF_COMMANDS,
    CONF_DISCOVERY,
    CONF_DISCOVERY_PREFIX,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PHOTOS,
    CONF_PORT,
    CONF_TLS,
    CONF_USERNAME,
    DEFAULT_BASE_TOPIC,
    DEFAULT_DISCOVERY_PREFIX,
    DEFAULT_PORT,
)
from .topics import OFFLINE, ONLINE, Discovery, Topics

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from ..coordinator import AccessTerminalCoordinator

_LOGGER = logging.getLogger(__name__)

COMMAND_ACTIONS = {"open": DoorAction.OPEN, "lock": DoorAction.NORMAL}
MAX_COMMAND_BYTES = 1024
MAX_COMMAND_ID = 64


def broker_settings(hass: HomeAssistant, options: Mapping[str, Any]) -> BrokerSettings:
    """Return the connection settings of the bridge's options."""
    ca_certs = options.get(CONF_CA_CERTS) or None
    if ca_certs is not None:
        ca_certs = str(Path(hass.config.path()) / ca_certs)  # an absolute path stays as it is
    return BrokerSettings(
        host=options[CONF_HOST],
        port=int(options.get(CONF_PORT, DEFAULT_PORT)),
        username=options.get(CONF_USERNAME) or None,
        password=options.get(CONF_PASSWORD) or None,
        tls=bool(options.get(CONF_TLS)),
        ca_certs=ca_certs,
        client_id=options.get(CONF_CLIENT_ID) or "",
    )


def _json(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _door_state(door: DoorView) -> dict[str, Any]:
    return {
        "open": door.is_open,
        "locked": door.locked,
        "released": door.releasing,
        "held_open": door.held_open,
        "locked_out": door.locked_out,
        "alarms": sorted(door.alarms),
    }


def _valid_id(command_id: object) -> str | int | None:
    """Return a command's id if it is one (text of up to MAX_COMMAND_ID characters, a number)."""
    if isinstance(command_id, str):
        return command_id if len(command_id) <= MAX_COMMAND_ID else None
    if isinstance(command_id, int) and not isinstance(command_id, bool):
        return command_id
    return None


class CommandRefusedError(Exception):
    """A command the bridge does not carry out; the code goes to the result topic."""

    def __init__(self, code: str, message: str) -> None:
        """Keep a stable code for machines and a sentence for people."""
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class _Watched:
    """A terminal the bridge follows, and what it last published for it."""

    coordinator: AccessTerminalCoordinator
    unsubscribes: list[CALLBACK_TYPE] = field(default_factory=list)
    published: dict[str, bytes] = field(default_factory=dict)  # retained topic → payload
    discovery: set[str] = field(default_factory=set)
    discovery_inputs: tuple[Any, ...] | None = None  # what the discovery configs were built from


class MqttBridge:
    """One MQTT connection for every terminal of this Home Assistant."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Prepare the topics and the connection from the entry's options."""
        self.hass = hass
        self.entry = entry
        options = entry.options
        self.topics = Topics(options.get(CONF_BASE_TOPIC) or DEFAULT_BASE_TOPIC)
        self.discovery = Discovery(
            self.topics,
            options.get(CONF_DISCOVERY_PREFIX) or DEFAULT_DISCOVERY_PREFIX,
            {"name": "Access Terminal", "support_url": "https://github.com/access-terminal"},
        )
        self.discovery_on = bool(options.get(CONF_DISCOVERY))
        self.photos = bool(options.get(CONF_PHOTOS))
        self.commands = bool(options.get(CONF_COMMANDS))
        self.command_devices = set(options.get(CONF_COMMAND_DEVICES) or ())
        self.connection = MqttConnection(
            broker_settings(hass, options),
            will=Message(self.topics.availability, OFFLINE.encode(), 1, True),
            on_connect=self._on_connect,
            on_message=self._on_message,
        )
        self._watched: dict[str, _Watched] = {}
        self._doors: dict[str, int] = {}  # doors each terminal had, to remove its discovery
        self._stopped = False

    # -- life cycle -----------------------------------------------------------------------

    async def async_start(self) -> None:
        """Follow every loaded terminal and keep connected to the broker."""
        entry = self.entry
        for signal, handler in (
            (SIGNAL_TERMINAL_LOADED, self._watch),
            (SIGNAL_TERMINAL_UNLOADED, self._unwatch),
            (SIGNAL_TERMINAL_REMOVED, self._forget),
        ):
            entry.async_on_unload(async_dispatcher_connect(self.hass, signal, handler))
        for terminal in loaded_terminal_entries(self.hass):
            self._watch(terminal.runtime_data.coordinator)
        # Not async_listen_once: unloading after the stop would remove a listener that is gone
        # ("Unable to remove unknown job listener"). Stopping twice is harmless (_stopped).
        entry.async_on_unload(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._on_hass_stop)
        )
        entry.async_create_background_task(
            self.hass, self.connection.run(), f"{DOMAIN} MQTT bridge"
        )

    def diagnostics(self) -> dict[str, Any]:
        """Return the bridge's state for diagnostics (no broker credentials)."""
        outbox = self.connection.outbox
        return {
            "connected": self.connection.connected,
            "terminals": sorted(self._watched),
            "outbox": {"waiting": len(outbox), "dropped": outbox.dropped},
            "discovery": self.discovery_on,
            "photos": self.photos,
            "commands": self.commands,
            "command_devices": len(self.command_devices),
        }

    async def _on_hass_stop(self, _event: Event) -> None:
        await self.async_stop()

    async def async_stop(self) -> None:
        """Stop following terminals and say goodbye to the broker."""
        if self._stopped:
            return
        self._stopped = True
        for serial in list(self._watched):
            self._unwatch_quietly(serial)
        await self.connection.stop()

    # -- terminals ------------------------------------------------------------------------

    @callback
    def _watch(self, coordinator: AccessTerminalCoordinator) -> None:
        serial = coordinator.serial
        self._unwatch_quietly(serial)
        watched = self._watched[serial] = _Watched(coordinator)
        self._doors[serial] = max(coordinator.data.door_numbers, default=1)
        watched.unsubscribes.append(
            coordinator.async_add_listener(partial(self._publish_state, serial))
        )
        for category in EventCategory:
            watched.unsubscribes.append(
                coordinator.events.async_subscribe(category, partial(self._publish_event, serial))
            )
        self._publish_state(serial)

    @callback
    def _unwatch(self, serial: str) -> None:
        """Stop following an unloaded terminal: it is offline as far as other hubs can tell."""
        if self._unwatch_quietly(serial):
            self._publish(self.topics.terminal_availability(serial), OFFLINE.encode(), retain=True)

    def _unwatch_quietly(self, serial: str) -> bool:
        watched = self._watched.pop(serial, None)
        if watched is None:
            return False
        for unsubscribe in watched.unsubscribes:
            unsubscribe()
        return True

    @callback
    def _forget(self, serial: str) -> None:
        """Remove everything retained about a deleted terminal, discovery included."""
        self._unwatch_quietly(serial)
        doors = self._doors.get(serial, 1)
        topics = self.topics
        for topic in (
            topics.terminal_availability(serial),
            topics.info(serial),
            topics.state(serial),
            *self.discovery.all_topics(serial, doors),
        ):
            self._publish(topic, b"", retain=True, keep=True)

    # -- publishing -----------------------------------------------------------------------

    def _publish(
        self, topic: str, payload: bytes, *, retain: bool = False, qos: int = 1, keep: bool = True
    ) -> None:
        self.connection.publish(Message(topic, payload, qos, retain), keep=keep)

    def _retain(self, watched: _Watched, topic: str, payload: bytes) -> None:
        """Publish retained state when it changed (all of it again after a reconnect)."""
        if watched.published.get(topic) == payload:
            return
        watched.published[topic] = payload
        # Not kept while the broker is away: the next connection publishes the state of then.
        self._publish(topic, payload, retain=True, keep=False)

    @callback
    def _publish_state(self, serial: str) -> None:
        watched = self._watched.get(serial)
        if watched is None or not self.connection.connected:
            return
        terminal = watched.coordinator.data
        topics = self.topics
        online = ONLINE if terminal.online else OFFLINE
        self._retain(watched, topics.terminal_availability(serial), online.encode())
        info = terminal.info
        info_dict = info.as_dict() if info else None
        if info_dict is not None:
            self._retain(watched, topics.info(serial), _json(info_dict))
        doors = terminal.door_numbers
        self._doors[serial] = max(doors, default=1)
        alarms = terminal.alarms
        state = {
            "alarm": None if alarms is None else bool(alarms),
            "alarms": sorted(alarms or ()),
            "doors": {str(door): _door_state(terminal.door(door)) for door in doors},
        }
        self._retain(watched, topics.state(serial), _json(state))
        if self.discovery_on:
            self._publish_discovery(watched, info_dict, doors)

    def _publish_discovery(
        self, watched: _Watched, info: dict[str, Any] | None, doors: list[int]
    ) -> None:
        serial = watched.coordinator.serial
        commands = self._commands_allowed(serial)
        # Door and alarm changes update listeners too: build configs only when their inputs change.
        inputs = (watched.published.get(self.topics.info(serial)), tuple(doors), commands)
        if inputs == watched.discovery_inputs:
            return
        watched.discovery_inputs = inputs
        configs = self.discovery.configs(
            serial,
            info,
            doors,
            commands=commands,
            photos=self.photos,
            alarms=watched.coordinator.data.reports_alarms,
        )
        for topic, config in configs.items():
            self._retain(watched, topic, _json(config))
        for gone in watched.discovery - configs.keys():
            watched.published.pop(gone, None)
            self._publish(gone, b"", retain=True, keep=False)
        watched.discovery = set(configs)

    def _publish_event(self, serial: str, event: AccessEvent, attributes: dict[str, Any]) -> None:
        watched = self._watched.get(serial)
        if watched is None:
            return
        payload = {
            **attributes,
            "event_type": attributes["type"],  # what MQTT event entities read
            "category": str(event.category),
            "serial": serial,
            "device_id": watched.coordinator.device_id,
        }
        self._publish(self.topics.event(serial, event.category), _json(payload))
        if self.photos and event.photo is not None:
            self._publish(self.topics.photo(serial), event.photo, qos=0)

    @callback
    def _on_connect(self) -> None:
        """Say we are here, listen for commands, and publish every retained state again."""
        self._publish(self.topics.availability, ONLINE.encode(), retain=True, keep=False)
        self.connection.subscribe(self.topics.command_filter)
        for serial, watched in self._watched.items():
            watched.published.clear()
            watched.discovery_inputs = None
            if not self.discovery_on:
                for topic in self.discovery.all_topics(serial, self._doors.get(serial, 1)):
                    self._publish(topic, b"", retain=True, keep=False)
            self._publish_state(serial)

    # -- commands -------------------------------------------------------------------------

    def _commands_allowed(self, serial: str) -> bool:
        if not self.commands:
            return False
        device = dr.async_get(self.hass).async_get_device(identifiers={(DOMAIN, serial)})
        return device is not None and device.id in self.command_devices

    @callback
    def _on_message(self, topic: str, payload: bytes, retained: bool) -> None:
        serial = self.topics.serial_of_command(topic)
        if serial is None:
            return
        # The id first: the other hub learns which of its commands was refused, whatever else
        # is wrong with it.
        command: dict[str, Any] = {"id": self._command_id(payload)}
        try:
            command = self._parse_command(payload)
            coordinator = self._command_target(serial, command, retained=retained)
        except CommandRefusedError as err:
            self._answer(serial, command, err)
            return
        self.entry.async_create_task(
            self.hass, self._run_command(coordinator, command), eager_start=True
        )

    def _command_target(
        self, serial: str, command: dict[str, Any], *, retained: bool
    ) -> AccessTerminalCoordinator:
        """Return the terminal a valid command is for, or refuse the command."""
        if retained:
            raise CommandRefusedError(
                "retained", "Retained commands are ignored: they would run at every connect"
            )
        if not self.commands:
            raise CommandRefusedError("disabled", "Commands are turned off in the bridge")
        if not self._commands_allowed(serial):
            raise CommandRefusedError(
                "not_allowed", f"Commands are not allowed for terminal {serial}"
            )
        watched = self._watched.get(serial)
        if watched is None:
            raise CommandRefusedError("unknown_terminal", f"No loaded terminal {serial}")
        if command["door"] not in watched.coordinator.data.doors:
            raise CommandRefusedError(
                "unknown_door", f"Terminal {serial} has no door {command['door']}"
            )
        return watched.coordinator

    @staticmethod
    def _command_id(payload: bytes) -> str | int | None:
        """Return the `id` of a JSON command, however invalid the rest of it is."""
        if len(payload) > MAX_COMMAND_BYTES:
            return None
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, ValueError):
            return None
        return _valid_id(data.get("id")) if isinstance(data, dict) else None

    @staticmethod
    def _parse_command(payload: bytes) -> dict[str, Any]:
        """Accept `{"action": "open", "door": 1, "id": "..."}` or a bare `open` / `lock`."""
        invalid = CommandRefusedError(
            "invalid", 'Send {"action": "open" or "lock", "door": 1, "id": "any"} or "open"'
        )
        if len(payload) > MAX_COMMAND_BYTES:
            raise invalid
        try:
            text = payload.decode().strip()
            data: Any = json.loads(text) if text.startswith("{") else {"action": text}
        except (UnicodeDecodeError, ValueError) as err:
            raise invalid from err
        if not isinstance(data, dict):
            raise invalid
        command_id = data.get("id")
        command = {
            "id": _valid_id(command_id),
            "action": data.get("action"),
            "door": data.get("door", 1),
        }
        if isinstance(command_id, str) and command["id"] is None:
            raise invalid  # an id too long to send back
        door = command["door"]
        if (
            command["action"] not in COMMAND_ACTIONS
            or isinstance(door, bool)
            or not isinstance(door, int)
            or not 1 <= door <= 255
        ):
            raise invalid
        return command

    async def _run_command(
        self, coordinator: AccessTerminalCoordinator, command: dict[str, Any]
    ) -> None:
        try:
            await coordinator.async_door_control(
                command["door"], COMMAND_ACTIONS[command["action"]]
            )
        except HomeAssistantError as err:
            self._answer(coordinator.serial, command, CommandRefusedError("failed", str(err)))
        else:
            self._answer(coordinator.serial, command, None)

    def _answer(
        self, serial: str, command: dict[str, Any], error: CommandRefusedError | None
    ) -> None:
        if error is not None:
            _LOGGER.info("MQTT command for %s refused: %s", serial, error)
        result = {
            "id": command.get("id"),
            "action": command.get("action"),
            "door": command.get("door"),
            "success": error is None,
            "error": None if error is None else error.code,
            "message": None if error is None else str(error),
        }
        self._publish(self.topics.result(serial), _json(result))
