"""The MQTT bridge end to end: simulated terminals → Home Assistant → a real Mosquitto → a hub."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.kinds import EntryKind, kind_of
from custom_components.access_terminal.protocols.model import Family
from simulator.common import jpeg_photo
from simulator.zk_push import ZkPushSimulator
from tests.directory.helpers import act, directory_entry
from tests.families.httpv2.device import HttpV2Device
from tests.helpers import device_id, free_port, wait_until
from tests.terminals import CLOUD_SERIAL, HTTPV2_SERIAL, ZK_SERIAL, AddTerminal

from .mqtt_broker import Mosquitto, MqttProbe, make_tls_files

BASE = "access_terminal"

# The bridge is tried with the two-door ZK controller of the `simulator` fixture (conftest.py).
pytestmark = pytest.mark.usefixtures("mqtt_ready")


def bridge_options(broker: Mosquitto, **changes: Any) -> dict[str, Any]:
    """Return the bridge's options for `broker`."""
    return {
        "host": "127.0.0.1",
        "port": broker.port,
        "client_id": "ha-bridge",
        "base_topic": BASE,
        "discovery": False,
        "discovery_prefix": "homeassistant",
        "photos": False,
        "commands": False,
        "command_devices": [],
        **changes,
    }


@pytest.fixture
def start_bridge(hass: HomeAssistant, broker: Mosquitto) -> Callable[..., Any]:
    """Set the bridge up with some options changed; wait until it is connected."""

    async def start(**changes: Any) -> MockConfigEntry:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="MQTT bridge",
            unique_id="mqtt_bridge",
            data={"bridge": "mqtt"},
            options=bridge_options(broker, **changes),
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await wait_until(lambda: _bridge(hass).connection.connected)
        return entry

    return start


def _bridge(hass: HomeAssistant) -> Any:
    (entry,) = [
        entry
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        if kind_of(entry) is EntryKind.MQTT_BRIDGE
    ]
    return entry.runtime_data.bridge


def _json(message: Any) -> Any:
    return json.loads(message.payload)


# -- config and options flows ---------------------------------------------------------------


async def test_config_flow_tries_the_broker(
    hass: HomeAssistant, broker: Mosquitto, tmp_path: Path
) -> None:
    """The bridge is saved only once the broker answered; it can be set up once."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    assert "mqtt_bridge" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "mqtt_bridge"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "mqtt_bridge"
    wrong = bridge_options(broker, port=free_port())
    result = await hass.config_entries.flow.async_configure(result["flow_id"], wrong)
    assert result["errors"] == {"base": "broker_unreachable"}
    assert result["description_placeholders"]["error"]  # the reason is shown

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], bridge_options(broker, base_topic=" /doors/ ")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MQTT bridge"
    entry = result["result"]
    assert entry.options["base_topic"] == "doors"
    assert entry.options["port"] == broker.port
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    again = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    again = await hass.config_entries.flow.async_configure(
        again["flow_id"], {"next_step_id": "mqtt_bridge"}
    )
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "bridge_already_configured"


async def _bridge_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "mqtt_bridge"}
    )
    return str(result["flow_id"])


async def test_config_flow_explains_bad_settings(
    hass: HomeAssistant, broker: Mosquitto, tmp_path: Path
) -> None:
    """Bad topics, commands without terminals and CA files are refused field by field."""
    flow_id = await _bridge_form(hass)
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"base_topic": "a/+/b"}, {"base_topic": "invalid_topic"}),
        ({"discovery_prefix": "#"}, {"discovery_prefix": "invalid_topic"}),
        ({"base_topic": "a//b"}, {"base_topic": "invalid_topic"}),
        ({"commands": True}, {"command_devices": "no_command_devices"}),
        ({"tls": True, "ca_certs": "missing.pem"}, {"ca_certs": "ca_not_found"}),
        ({"ca_certs": "missing.pem"}, {"ca_certs": "ca_without_tls"}),
    ]
    for changes, errors in cases:
        result = await hass.config_entries.flow.async_configure(
            flow_id, bridge_options(broker, **changes)
        )
        assert result["errors"] == errors, changes
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_config_flow_wrong_credentials(hass: HomeAssistant, tmp_path: Path) -> None:
    """A refused username or password says so (not 'cannot connect')."""
    broker = Mosquitto(tmp_path / "auth", users={"hub": "s3cret"})
    broker.start()
    try:
        flow_id = await _bridge_form(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, bridge_options(broker, username="hub", password="wrong")
        )
        assert result["errors"] == {"base": "broker_auth"}
        result = await hass.config_entries.flow.async_configure(
            flow_id, bridge_options(broker, username="hub", password="s3cret")
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["result"].options["password"] == "s3cret"
        await hass.async_block_till_done()
    finally:
        broker.stop()


async def test_config_flow_tls(hass: HomeAssistant, tmp_path: Path) -> None:
    """An untrusted broker certificate is a TLS error; with its CA file the bridge connects."""
    files = make_tls_files(Path(hass.config.path("tls")))
    broker = Mosquitto(tmp_path / "tls-broker", tls=files)
    broker.start()
    try:
        flow_id = await _bridge_form(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, bridge_options(broker, tls=True)
        )
        assert result["errors"] == {"base": "broker_tls"}
        assert "certificate verify failed" in result["description_placeholders"]["error"]
        result = await hass.config_entries.flow.async_configure(
            flow_id, bridge_options(broker, tls=True, ca_certs=f"tls/{files.ca.name}")
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        await wait_until(lambda: _bridge(hass).connection.connected)
    finally:
        broker.stop()


async def test_options_are_tried_then_applied(
    hass: HomeAssistant, broker: Mosquitto, probe: MqttProbe, start_bridge: Any
) -> None:
    """Changed options are tried first; once saved the bridge reconnects with them."""
    entry = await start_bridge()
    await probe.wait_for(f"{BASE}/availability", lambda m: m.payload == b"online")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "bridge"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], bridge_options(broker, port=free_port())
    )
    assert result["errors"] == {"base": "broker_unreachable"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], bridge_options(broker, base_topic="site2")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # The old bridge said goodbye; the new one speaks under the new base topic.
    await probe.wait_for(f"{BASE}/availability", lambda m: m.payload == b"offline")
    await probe.wait_for("site2/availability", lambda m: m.payload == b"online")


async def test_reconfigure_changes_the_bridge(
    hass: HomeAssistant, broker: Mosquitto, probe: MqttProbe, start_bridge: Any
) -> None:
    """ "Reconfigure" on the bridge shows its form, tries the broker and applies the change."""
    entry = await start_bridge()
    result = await entry.start_reconfigure_flow(hass)
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "reconfigure_bridge")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], bridge_options(broker, port=free_port())
    )
    assert result["errors"] == {"base": "broker_unreachable"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], bridge_options(broker, base_topic="site3")
    )
    assert (result["type"], result["reason"]) == (FlowResultType.ABORT, "bridge_updated")
    await hass.async_block_till_done()
    assert entry.options["base_topic"] == "site3"
    await probe.wait_for("site3/availability", lambda m: m.payload == b"online")


@pytest.fixture
async def diagnostics_ready(hass: HomeAssistant) -> None:
    """Register the diagnostics views before the HTTP test server freezes its routes."""
    assert await async_setup_component(hass, "diagnostics", {})


async def test_bridge_diagnostics_hide_the_credentials(
    diagnostics_ready: None,
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    start_bridge: Any,
    hass_client: Any,
) -> None:
    """The bridge's diagnostics show its connection and terminals, never the broker login."""
    from pytest_homeassistant_custom_component.components.diagnostics import (
        get_diagnostics_for_config_entry,
    )

    entry = await start_bridge(username="hub-user", password="hub-s3cret")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert "hub-s3cret" not in text
    assert "hub-user" not in text
    assert diagnostics["entry"]["options"]["base_topic"] == BASE
    bridge = diagnostics["bridge"]
    assert bridge["connected"] is True
    assert bridge["terminals"] == [ZK_SERIAL]
    assert bridge["outbox"] == {"waiting": 0, "dropped": 0}


# -- what other hubs see -------------------------------------------------------------------


async def test_terminal_info_state_and_events(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """Info and door states are retained; every event arrives as JSON on its stream's topic."""
    await start_bridge()
    root = f"{BASE}/{ZK_SERIAL}"
    availability = await probe.wait_for(f"{BASE}/availability")
    assert (availability.payload, availability.retain) == (b"online", False)
    assert (await probe.wait_for(f"{root}/availability")).payload == b"online"
    info = _json(await probe.wait_for(f"{root}/info"))
    assert (info["serial"], info["family"], info["model"], info["doors"]) == (
        ZK_SERIAL,
        "zk_push",
        "SpeedFace-V5L",
        2,
    )
    state = _json(await probe.wait_for(f"{root}/state"))
    assert set(state["doors"]) == {"1", "2"}
    simulator.doors[0].sensor = "closed"
    await simulator.send_state()  # the controller reports its doors
    state = _json(await probe.wait_for(f"{root}/state", lambda m: _json(m)["doors"]["1"]["locked"]))
    door_one = state["doors"]["1"]
    assert (door_one["open"], door_one["locked"], door_one["released"]) == (False, True, False)
    assert door_one["alarms"] == []
    assert (state["alarm"], state["alarms"]) == (False, [])

    # A late subscriber gets the retained info and state at once.
    late = MqttProbe(probe.broker, topic=f"{root}/#")
    try:
        info_message = await late.wait_for(f"{root}/info")
        assert info_message.retain
        assert (await late.wait_for(f"{root}/state")).retain
    finally:
        late.close()

    simulator.add_local_user("7", "Grace")
    simulator.queue_event(0, "7", door=2, verify=15, temperature=36.4)
    simulator.queue_event(27, "0", door=1, verify=4, cardno="123456")
    simulator.queue_event(202, "0", door=2, verify=200)
    await simulator.cycle()
    await hass.async_block_till_done()
    await wait_until(lambda: len(probe.received(f"{root}/event/access")) == 2)
    granted, denied = (_json(m) for m in probe.received(f"{root}/event/access"))
    assert granted["type"] == granted["event_type"] == "access_granted"
    assert (granted["user_id"], granted["door"], granted["temperature"]) == ("7", 2, 36.4)
    assert (granted["serial"], granted["category"]) == (ZK_SERIAL, "access")
    assert granted["device_id"] == device_id(hass, ZK_SERIAL)
    assert (denied["type"], denied["card_number"]) == ("access_denied", "123456")
    door = _json(await probe.wait_for(f"{root}/event/door"))
    assert (door["type"], door["door"]) == ("exit_button", 2)
    assert not any(m.retain for m in probe.received(f"{root}/event/access"))

    # The door opens at the device: the retained state follows.
    simulator.doors[0].sensor = "open"
    await simulator.send_state()
    await hass.async_block_till_done()
    state = _json(
        await probe.wait_for(f"{root}/state", lambda m: _json(m)["doors"]["1"]["open"] is True)
    )
    assert state["doors"]["2"]["open"] is False


@pytest.mark.parametrize("family", [Family.HTTPV2], indirect=True)
async def test_no_secrets_and_photos_only_when_enabled(
    hass: HomeAssistant,
    httpv2_device: HttpV2Device,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """Events carry no photo or password; the photo goes to its own topic only when enabled."""
    device = httpv2_device
    entry = await start_bridge()
    root = f"{BASE}/{HTTPV2_SERIAL}"
    photo = jpeg_photo("face", seed=3)
    await device.record(photo=photo)
    event = await probe.wait_for(f"{root}/event/access")
    payload = event.payload.decode()
    assert _json(event)["has_photo"] is True
    assert "photo" not in _json(event)
    assert "password" not in payload
    await asyncio.sleep(0.2)
    assert probe.received(f"{root}/photo") == []

    hass.config_entries.async_update_entry(entry, options={**entry.options, "photos": True})
    await hass.async_block_till_done()
    await wait_until(lambda: _bridge(hass).connection.connected)
    await device.record(photo=photo)
    message = await probe.wait_for(f"{root}/photo")
    assert message.payload == photo


# -- availability, will and restarts --------------------------------------------------------


async def test_unloading_says_offline(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """A terminal that unloads goes offline on MQTT; the bridge says offline when it stops."""
    entry = await start_bridge()
    root = f"{BASE}/{ZK_SERIAL}"
    await probe.wait_for(f"{root}/availability", lambda m: m.payload == b"online")
    (terminal,) = [e for e in hass.config_entries.async_entries(DOMAIN) if e is not entry]
    assert await hass.config_entries.async_unload(terminal.entry_id)
    await probe.wait_for(f"{root}/availability", lambda m: m.payload == b"offline")
    assert await hass.config_entries.async_setup(terminal.entry_id)
    await hass.async_block_till_done()
    await wait_until(lambda: probe.received(f"{root}/availability")[-1].payload == b"online")

    assert await hass.config_entries.async_unload(entry.entry_id)
    message = await probe.wait_for(f"{BASE}/availability", lambda m: m.payload == b"offline")
    assert message.retain is False or message.payload == b"offline"


async def test_last_will_when_home_assistant_vanishes(
    hass: HomeAssistant, broker: Mosquitto, probe: MqttProbe, start_bridge: Any
) -> None:
    """Other hubs learn Home Assistant is gone from the retained last will."""
    await start_bridge()
    sock = _bridge(hass).connection._sock
    sock.close()  # no goodbye, as when the machine loses power
    await probe.wait_for(f"{BASE}/availability", lambda m: m.payload == b"offline", within=20)
    late = MqttProbe(broker, topic=f"{BASE}/availability")
    try:
        # Retained: a hub that connects later still sees it (until the bridge is back).
        first = await late.wait_for(f"{BASE}/availability")
        assert first.retain
    finally:
        late.close()


async def test_broker_restart_loses_nothing(
    hass: HomeAssistant,
    broker: Mosquitto,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    start_bridge: Any,
) -> None:
    """Events during a broker outage arrive after it; retained state is published again."""
    await start_bridge()
    broker.stop()
    await wait_until(lambda: not _bridge(hass).connection.connected)
    simulator.queue_event(27, "0", door=1, verify=4, cardno="111")
    simulator.queue_event(27, "0", door=1, verify=4, cardno="222")
    await simulator.cycle()
    await hass.async_block_till_done()
    broker.start()  # with no memory of the retained messages
    probe = MqttProbe(broker)
    try:
        root = f"{BASE}/{ZK_SERIAL}"
        await wait_until(lambda: len(probe.received(f"{root}/event/access")) == 2)
        cards = [_json(m)["card_number"] for m in probe.received(f"{root}/event/access")]
        assert cards == ["111", "222"]
        assert _json(await probe.wait_for(f"{root}/info"))["serial"] == ZK_SERIAL
        await probe.wait_for(f"{root}/state")
        await probe.wait_for(f"{BASE}/availability", lambda m: m.payload == b"online")
    finally:
        probe.close()


# -- commands -------------------------------------------------------------------------------


async def _command(
    hass: HomeAssistant,
    probe: MqttProbe,
    sim: ZkPushSimulator,
    payload: str | bytes,
    **kwargs: Any,
) -> dict[str, Any]:
    """Send a command and let the controller poll until its result is published."""
    topic = f"{BASE}/{ZK_SERIAL}/command"
    before = len(probe.received(f"{topic}/result"))
    probe.publish(topic, payload, **kwargs)
    async with asyncio.timeout(15):
        while len(probe.received(f"{topic}/result")) == before:
            await sim.cycle()
            await asyncio.sleep(0.02)
    result: dict[str, Any] = _json(probe.received(f"{topic}/result")[-1])
    return result


async def test_commands_off_by_default(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """With commands off, a command is answered with a refusal and no door moves."""
    await start_bridge()
    result = await _command(hass, probe, simulator, '{"action": "open", "door": 1, "id": "a1"}')
    assert result == {
        "id": "a1",
        "action": "open",
        "door": 1,
        "success": False,
        "error": "disabled",
        "message": "Commands are turned off in the bridge",
    }
    assert simulator.door_commands == []


async def test_commands_only_for_chosen_terminals(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """Commands open doors of the chosen terminals only; bad commands are refused clearly."""
    await start_bridge(commands=True, command_devices=[device_id(hass, ZK_SERIAL)])
    result = await _command(hass, probe, simulator, '{"action": "open", "door": 2, "id": 7}')
    assert (result["success"], result["id"], result["error"]) == (True, 7, None)
    assert simulator.door_commands[-1][:2] == ("01", 2)

    result = await _command(hass, probe, simulator, "lock")
    assert (result["success"], result["action"], result["door"]) == (True, "lock", 1)

    opened = len(simulator.door_commands)
    for payload, error in (
        ("{broken", "invalid"),
        ('{"action": "explode"}', "invalid"),
        ('{"action": "open", "door": "1"}', "invalid"),
        ('{"action": "open", "door": true}', "invalid"),
        ("[1, 2]", "invalid"),
        (b"\xff\xfe", "invalid"),
        ('{"action": "open", "door": 3}', "unknown_door"),
        ('{"action": "open", "id": "' + "x" * 100 + '"}', "invalid"),
    ):
        result = await _command(hass, probe, simulator, payload)
        assert (result["success"], result["error"]) == (False, error), payload
    assert len(simulator.door_commands) == opened
    # An invalid command carrying an id is answered with that id (it was null once).
    for payload in (
        '{"action": "explode", "id": "c-9"}',
        '{"action": "open", "door": "1", "id": "c-9"}',
        '{"action": "open", "door": 300, "id": "c-9"}',
    ):
        result = await _command(hass, probe, simulator, payload)
        assert (result["id"], result["error"]) == ("c-9", "invalid"), payload
    result = await _command(hass, probe, simulator, '{"action": "open", "door": 9, "id": 12}')
    assert (result["id"], result["error"]) == (12, "unknown_door")

    # A retained command runs when sent, but never again when the bridge reconnects.
    result = await _command(hass, probe, simulator, '{"action": "open", "id": "r"}', retain=True)
    assert result["success"] is True
    opened = len(simulator.door_commands)
    bridge_entry = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, "mqtt_bridge")
    before = len(probe.received(f"{BASE}/{ZK_SERIAL}/command/result"))
    assert await hass.config_entries.async_reload(bridge_entry.entry_id)
    await wait_until(lambda: len(probe.received(f"{BASE}/{ZK_SERIAL}/command/result")) > before)
    result = _json(probe.received(f"{BASE}/{ZK_SERIAL}/command/result")[-1])
    assert (result["id"], result["error"]) == ("r", "retained")
    await simulator.cycle()
    assert len(simulator.door_commands) == opened
    probe.publish(f"{BASE}/{ZK_SERIAL}/command", b"", retain=True)  # clear it from the broker

    # Another terminal the user did not choose.
    other = "CGXH201360002"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=other,
        unique_id=other,
        data={"family": "zk_push", "serial": other},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    topic = f"{BASE}/{other}/command"
    probe.publish(topic, '{"action": "open"}')
    result = _json(await probe.wait_for(f"{topic}/result"))
    assert result["error"] == "not_allowed"


async def test_command_that_the_terminal_fails(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """A door the terminal cannot open is reported as failed with the reason."""
    await start_bridge(commands=True, command_devices=[device_id(hass, ZK_SERIAL)])
    (terminal,) = [e for e in hass.config_entries.async_entries(DOMAIN) if e.unique_id == ZK_SERIAL]
    terminal.runtime_data.coordinator.terminal.command_timeout = 0.2
    topic = f"{BASE}/{ZK_SERIAL}/command"
    probe.publish(topic, '{"action": "open", "door": 1}')
    result = _json(await probe.wait_for(f"{topic}/result"))  # the controller never polls
    assert (result["success"], result["error"]) == (False, "failed")
    assert result["message"]


# -- discovery -------------------------------------------------------------------------------


@pytest.fixture
async def upload_ready(hass: HomeAssistant) -> None:
    """Set up what Home Assistant's MQTT integration needs before the HTTP server starts."""
    Path(hass.config.path("configuration.yaml")).write_text("")  # MQTT reads it
    assert await async_setup_component(hass, "file_upload", {})


async def test_discovery_mirrors_the_terminal_in_another_home_assistant(
    hass: HomeAssistant,
    upload_ready: None,
    broker: Mosquitto,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """Home Assistant's own MQTT integration sees the doors, locks and events, and opens doors."""
    await start_bridge(discovery=True, commands=True, command_devices=[device_id(hass, ZK_SERIAL)])
    mqtt_entry = MockConfigEntry(
        domain="mqtt", data={"broker": "127.0.0.1", "port": broker.port, "discovery": True}
    )
    mqtt_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mqtt_entry.entry_id)
    try:
        await _mirror_checks(hass, simulator)
    finally:
        assert await hass.config_entries.async_unload(mqtt_entry.entry_id)
        await hass.async_block_till_done()


async def _mirror_checks(hass: HomeAssistant, simulator: ZkPushSimulator) -> None:
    # The mirrored entities are named like ours, so Home Assistant suffixes them with _2.
    mirror = ZK_SERIAL.lower()
    lock = f"lock.{mirror}_door_2_lock_2"
    await wait_until(lambda: hass.states.get(lock) is not None)
    simulator.doors[1].sensor = "closed"
    await simulator.send_state()
    await wait_until(lambda: hass.states.get(lock).state == "locked")
    await wait_until(lambda: hass.states.get(f"binary_sensor.{mirror}_door_2_2").state == "off")
    assert hass.states.get(f"binary_sensor.{mirror}_connectivity_2").state == "on"

    simulator.add_local_user("7", "Grace")
    simulator.queue_event(0, "7", door=2, verify=15)
    await simulator.cycle()
    event = f"event.{mirror}_access_event"
    await wait_until(
        lambda: hass.states.get(event).attributes.get("event_type") == "access_granted"
    )
    attributes = hass.states.get(event).attributes
    assert (attributes["user_id"], attributes["door"]) == ("7", 2)
    assert attributes["serial"] == ZK_SERIAL
    who = attributes["user_name"] or "7"
    await wait_until(lambda: hass.states.get(f"sensor.{mirror}_last_user_2").state == who)

    # Opening the mirrored lock opens the real door.
    task = asyncio.ensure_future(
        hass.services.async_call("lock", "open", {"entity_id": lock}, blocking=True)
    )
    async with asyncio.timeout(15):
        while not simulator.door_commands:
            await simulator.cycle()
            await asyncio.sleep(0.02)
    await task
    assert simulator.door_commands[-1][:2] == ("01", 2)


async def test_every_family_is_bridged_with_the_entities_it_has(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    add_terminal: AddTerminal,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """A cloud terminal is published like a ZK one, without an alarm it never reports."""
    await add_terminal(Family.CLOUD_WS)
    await start_bridge(discovery=True)
    info = _json(await probe.wait_for(f"{BASE}/{CLOUD_SERIAL}/info"))
    assert (info["family"], info["doors"]) == ("cloud_ws", 1)
    prefix = "homeassistant/binary_sensor/access_terminal_"
    await probe.wait_for(f"{prefix}{ZK_SERIAL}/alarm/config")
    # Configs go out in order on one connection: the cloud's door comes after where its alarm would.
    await probe.wait_for(f"{prefix}{CLOUD_SERIAL}/door_1/config")
    assert probe.received(f"{prefix}{CLOUD_SERIAL}/alarm/config") == []


async def test_removed_terminal_is_cleared(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """Deleting a terminal removes its retained info, state and discovery configs."""
    await start_bridge(discovery=True)
    root = f"{BASE}/{ZK_SERIAL}"
    await probe.wait_for(f"{root}/info")
    config = "homeassistant/lock/access_terminal_CGXH201360001/door_2/config"
    sensor = "homeassistant/binary_sensor/access_terminal_CGXH201360001/door_2_lock/config"
    assert probe.received(config) == []  # commands off: a lock sensor instead of a lock
    await probe.wait_for(sensor)
    (terminal,) = [
        e for e in hass.config_entries.async_entries(DOMAIN) if e.unique_id != "mqtt_bridge"
    ]
    assert await hass.config_entries.async_remove(terminal.entry_id)
    await hass.async_block_till_done()
    for topic in (f"{root}/info", f"{root}/state", f"{root}/availability", sensor):
        await probe.wait_for(topic, lambda m: m.payload == b"" and m.retain is False)


async def test_events_name_the_directory_person(
    hass: HomeAssistant,
    simulator: ZkPushSimulator,
    init_integration: MockConfigEntry,
    probe: MqttProbe,
    start_bridge: Any,
) -> None:
    """A person of the access directory is named on MQTT: id, linked person entity, name."""
    hass.states.async_set("person.g", "home")  # (the person integration wants a cold HTTP app)
    directory = directory_entry()
    directory.add_to_hass(hass)
    assert await hass.config_entries.async_setup(directory.entry_id)
    door = {"device_id": device_id(hass, ZK_SERIAL), "door": 2}
    await act(hass, "set_access_level", name="Back", doors=[door])
    await act(
        hass,
        "set_person",
        person_id="7",
        name="Grace Hopper",
        ha_person="person.g",
        access_levels=["Back"],
    )
    await start_bridge()
    root = f"{BASE}/{ZK_SERIAL}"
    simulator.add_local_user("7", "Grace")  # the terminal's own name for them
    simulator.queue_event(0, "7", door=2, verify=15)
    await simulator.cycle()
    await hass.async_block_till_done()
    granted = _json(await probe.wait_for(f"{root}/event/access"))
    assert (granted["user_id"], granted["person_id"], granted["ha_person"]) == (
        "7",
        "7",
        "person.g",
    )
    assert granted["user_name"] == "Grace Hopper"


async def test_unloading_after_home_assistant_stopped(
    hass: HomeAssistant, probe: MqttProbe, start_bridge: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The bridge stops with Home Assistant; unloading it afterwards logs no error."""
    entry = await start_bridge()
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await probe.wait_for(f"{BASE}/availability", lambda m: m.payload == b"offline")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert "Unable to remove unknown job listener" not in caplog.text
