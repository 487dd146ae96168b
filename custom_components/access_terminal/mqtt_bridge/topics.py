"""The bridge's topics, and the Home Assistant MQTT discovery configs built on them.

Layout under the base topic (default `access_terminal`), documented in the README:

    <base>/availability                online / offline (retained; the last will says offline)
    <base>/<serial>/availability       online / offline: the terminal is heard from (retained)
    <base>/<serial>/info               the terminal's model, firmware, features, usage (retained)
    <base>/<serial>/state              doors and alarms (retained)
    <base>/<serial>/event/<category>   each event: access, door, alarm, admin (not retained)
    <base>/<serial>/photo              the JPEG of an access event, when enabled
    <base>/<serial>/command            commands in; answers on <base>/<serial>/command/result
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..protocols.model import EventCategory, event_types_of

ONLINE = "online"
OFFLINE = "offline"

_NODE_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class Topics:
    """Every topic of the bridge, under one base."""

    def __init__(self, base: str) -> None:
        """Use `base` (without surrounding slashes) as the root of every topic."""
        self.base = base.strip("/")
        self.availability = f"{self.base}/availability"
        self.command_filter = f"{self.base}/+/command"

    def terminal(self, serial: str) -> str:
        """Return the root of one terminal's topics."""
        return f"{self.base}/{serial}"

    def terminal_availability(self, serial: str) -> str:
        """Return the topic saying whether the terminal is online."""
        return f"{self.base}/{serial}/availability"

    def info(self, serial: str) -> str:
        """Return the topic of the terminal's info."""
        return f"{self.base}/{serial}/info"

    def state(self, serial: str) -> str:
        """Return the topic of the terminal's doors and alarms."""
        return f"{self.base}/{serial}/state"

    def event(self, serial: str, category: EventCategory | str) -> str:
        """Return the topic of one event stream."""
        return f"{self.base}/{serial}/event/{category}"

    def photo(self, serial: str) -> str:
        """Return the topic of access photos."""
        return f"{self.base}/{serial}/photo"

    def command(self, serial: str) -> str:
        """Return the topic commands for the terminal arrive on."""
        return f"{self.base}/{serial}/command"

    def result(self, serial: str) -> str:
        """Return the topic command results are published on."""
        return f"{self.base}/{serial}/command/result"

    def serial_of_command(self, topic: str) -> str | None:
        """Return the serial of a command topic (None if it is not one)."""
        prefix, suffix = f"{self.base}/", "/command"
        if not topic.startswith(prefix) or not topic.endswith(suffix):
            return None
        serial = topic[len(prefix) : -len(suffix)]
        return serial if serial and "/" not in serial else None


def valid_base_topic(base: str) -> bool:
    """Return True for a base topic others can subscribe below (no wildcards, not empty)."""
    base = base.strip("/")
    return bool(base) and not any(char in base for char in "+#\0") and "//" not in base


def _node(serial: str) -> str:
    # Discovery node ids allow only [A-Za-z0-9_-]; serials may also hold '.' and ':'.
    return _NODE_UNSAFE.sub("_", f"access_terminal_{serial}")


def command_payload(action: str, door: int) -> str:
    """Return the JSON command the lock entity of another hub sends."""
    return json.dumps({"action": action, "door": door}, separators=(",", ":"))


class Discovery:
    """Home Assistant MQTT discovery configs for one terminal."""

    def __init__(self, topics: Topics, prefix: str, origin: dict[str, str]) -> None:
        """Publish configs below `prefix` (Home Assistant's default is `homeassistant`)."""
        self.topics = topics
        self.prefix = prefix.strip("/")
        self.origin = origin

    def config_topic(self, component: str, serial: str, key: str) -> str:
        """Return the config topic of one entity."""
        return f"{self.prefix}/{component}/{_node(serial)}/{key}/config"

    def all_topics(self, serial: str, doors: int) -> set[str]:
        """Return every config topic the terminal could have (to remove them)."""
        keys = [
            ("binary_sensor", "connectivity"),
            ("binary_sensor", "alarm"),
            ("sensor", "last_user"),
            ("image", "photo"),
        ]
        keys += [("event", str(category)) for category in EventCategory]
        for door in range(1, doors + 1):
            keys += [
                ("binary_sensor", f"door_{door}"),
                ("binary_sensor", f"door_{door}_lock"),
                ("lock", f"door_{door}"),
            ]
        return {self.config_topic(component, serial, key) for component, key in keys}

    def configs(
        self,
        serial: str,
        info: dict[str, Any] | None,
        doors: list[int],
        *,
        commands: bool,
        photos: bool,
        alarms: bool,
    ) -> dict[str, dict[str, Any]]:
        """Return config topic → config for every entity the terminal has now."""
        topics = self.topics
        device: dict[str, Any] = {
            "identifiers": [_node(serial)],
            "name": serial,
            "serial_number": serial,
        }
        if info:
            device |= {
                key: value
                for key, value in (
                    ("manufacturer", info.get("manufacturer")),
                    ("model", info.get("model")),
                    ("sw_version", info.get("firmware")),
                )
                if value
            }
        bridge_only = [{"topic": topics.availability}]
        both = [*bridge_only, {"topic": topics.terminal_availability(serial)}]
        configs: dict[str, dict[str, Any]] = {}

        def add(component: str, key: str, config: dict[str, Any], *, follow: bool = True) -> None:
            configs[self.config_topic(component, serial, key)] = {
                "unique_id": f"{_node(serial)}_{key}",
                "device": device,
                "origin": self.origin,
                "availability": both if follow else bridge_only,
                "availability_mode": "all",
                **config,
            }

        state = topics.state(serial)
        add(
            "binary_sensor",
            "connectivity",
            {
                "name": "Connectivity",
                "device_class": "connectivity",
                "entity_category": "diagnostic",
                "state_topic": topics.terminal_availability(serial),
                "payload_on": ONLINE,
                "payload_off": OFFLINE,
            },
            follow=False,
        )
        if alarms:  # only where the terminal's door status reports them (as in Home Assistant)
            add(
                "binary_sensor",
                "alarm",
                {
                    "name": "Alarm",
                    "device_class": "problem",
                    "state_topic": state,
                    "value_template": "{{ value_json.alarm }}",
                    "payload_on": "True",
                    "payload_off": "False",
                    "json_attributes_topic": state,
                    "json_attributes_template": "{{ {'alarms': value_json.alarms} | tojson }}",
                },
            )
        add(
            "sensor",
            "last_user",
            {
                "name": "Last user",
                "state_topic": topics.event(serial, EventCategory.ACCESS),
                "value_template": "{{ value_json.user_name or value_json.user_id or 'None' }}",
            },
        )
        for category in EventCategory:
            add(
                "event",
                str(category),
                {
                    "name": f"{str(category).capitalize()} event",
                    "state_topic": topics.event(serial, category),
                    "event_types": event_types_of(category),
                },
            )
        if photos:
            add(
                "image",
                "photo",
                {
                    "name": "Last access photo",
                    "image_topic": topics.photo(serial),
                    "content_type": "image/jpeg",
                },
            )
        several = len(doors) > 1
        for door in doors:
            label = f"Door {door}" if several else "Door"
            door_json = f"(value_json.doors.get('{door}') or {{}})"
            add(
                "binary_sensor",
                f"door_{door}",
                {
                    "name": label,
                    "device_class": "door",
                    "state_topic": state,
                    "value_template": f"{{{{ {door_json}.get('open') }}}}",
                    "payload_on": "True",
                    "payload_off": "False",
                },
            )
            locked = (
                f"{{% set locked = {door_json}.get('locked') %}}"
                "{{ 'None' if locked is none else ('LOCKED' if locked else 'UNLOCKED') }}"
            )
            if commands:
                add(
                    "lock",
                    f"door_{door}",
                    {
                        "name": f"{label} lock",
                        "state_topic": state,
                        "value_template": locked,
                        "command_topic": topics.command(serial),
                        "payload_lock": command_payload("lock", door),
                        "payload_unlock": command_payload("open", door),
                        "payload_open": command_payload("open", door),
                    },
                )
            else:
                add(
                    "binary_sensor",
                    f"door_{door}_lock",
                    {
                        "name": f"{label} lock",
                        "device_class": "lock",  # on means unlocked
                        "state_topic": state,
                        "value_template": locked,
                        "payload_on": "UNLOCKED",
                        "payload_off": "LOCKED",
                    },
                )
        return configs
