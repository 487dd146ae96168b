"""What Home Assistant's hassfest checks of a core integration, checked offline here.

The manifest's keys; translations that match the services, the flows, the entities, the
selectors and every error the code raises; one language file per language with exactly the keys
of en.json; icons for every entity state and action; quality_scale.yaml listing every rule.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
import homeassistant.components
from homeassistant.components.lock.const import LockState
from homeassistant.const import Platform
from homeassistant.helpers.entity import EntityDescription
from homeassistant.util.yaml import load_yaml_dict
import pytest

import custom_components.access_terminal as integration
from custom_components.access_terminal import (
    binary_sensor,
    button,
    device_trigger,
    event,
    image,
    lock,
    number,
    select as select_platform,
    sensor,
    switch,
    text as text_platform,
    time as time_platform,
    update,
)
from custom_components.access_terminal.families import FAMILIES
from custom_components.access_terminal.protocols.model import (
    AlarmReason,
    DenyReason,
    ErrorReason,
    EventType,
    Method,
    event_types_of,
)
from custom_components.access_terminal.setting_entity import is_per_door

FOLDER = Path(integration.__file__).parent
TRANSLATIONS = FOLDER / "translations"
EN: dict[str, Any] = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
ICONS: dict[str, Any] = json.loads((FOLDER / "icons.json").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = load_yaml_dict(str(FOLDER / "services.yaml"))
MANIFEST: dict[str, Any] = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))
# Home Assistant's own integrations (those this one may depend on).
CORE = Path(homeassistant.components.__file__).parent
SOURCES = sorted(path for path in FOLDER.rglob("*.py") if "protocols" not in path.parts)

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def flatten(tree: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Yield (dotted key, text) of every string of a translation file."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else key)
    else:
        assert isinstance(tree, str), prefix
        yield prefix, tree


EN_FLAT = dict(flatten(EN))


def source_literals(pattern: str, paths: list[Path] = SOURCES) -> set[str]:
    """Return what `pattern`'s first group matched in the integration's code."""
    found: set[str] = set()
    for path in paths:
        found.update(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


# -- manifest ------------------------------------------------------------------------------


def test_manifest_keys() -> None:
    """The keys hassfest wants of a custom integration, in its order, with valid values."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    required = {"domain", "name", "codeowners", "documentation", "integration_type"}
    required |= {"iot_class", "issue_tracker", "requirements", "version", "config_flow"}
    assert required <= set(MANIFEST)
    allowed = required | {"dependencies", "after_dependencies", "loggers", "quality_scale"}
    assert set(MANIFEST) <= allowed
    assert MANIFEST["domain"] == FOLDER.name
    assert MANIFEST["integration_type"] in {"device", "hub", "service", "helper", "system"}
    assert MANIFEST["iot_class"] in {
        "assumed_state",
        "cloud_polling",
        "cloud_push",
        "local_polling",
        "local_push",
        "calculated",
    }
    assert AwesomeVersion(MANIFEST["version"]).valid
    assert all(owner.startswith("@") for owner in MANIFEST["codeowners"])
    for dependency in MANIFEST.get("dependencies", []):
        assert (CORE / dependency / "manifest.json").is_file(), dependency


# -- translations --------------------------------------------------------------------------


def test_translation_sections_are_ones_home_assistant_reads() -> None:
    known = {"config", "options", "selector", "entity", "exceptions", "services", "issues"}
    # The logbook's sentences are read by logbook.py (Home Assistant's translation cache).
    known |= {"device_automation", "logbook", "title"}
    # The access directory's people and access levels (config subentries, 2025.3 on).
    known |= {"config_subentries"}
    assert set(EN) <= known


@pytest.mark.parametrize("language", sorted(path.stem for path in TRANSLATIONS.glob("*.json")))
def test_every_language_has_exactly_the_keys_of_english(language: str) -> None:
    """Every language file says everything en.json says, with the same placeholders."""
    texts = dict(flatten(json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))))
    assert sorted(texts) == sorted(EN_FLAT)
    for key, text in texts.items():
        assert text.strip(), key
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(EN_FLAT[key])), key


def test_there_is_a_simplified_chinese_translation() -> None:
    """These terminals' home market: a complete zh-Hans (checked above like every language)."""
    assert (TRANSLATIONS / "zh-Hans.json").is_file()


@pytest.mark.parametrize("language", sorted(path.stem for path in TRANSLATIONS.glob("*.json")))
def test_texts_the_frontend_can_render(language: str) -> None:
    """No '<' (read as a tag: "Translation error"), placeholders that are plain names."""
    texts = dict(flatten(json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))))
    for key, text in texts.items():
        assert "<" not in text, key
        # ICU quoting would eat the brace.
        assert "'{" not in text, key
        assert "'}" not in text, key
        assert text.count("{") == text.count("}"), key
        for name in PLACEHOLDER.findall(text):
            assert IDENTIFIER.match(name), (key, name)
        assert "[%key:" not in text, key  # custom integrations ship full texts


def test_every_action_and_field_is_described() -> None:
    translated = EN["services"]
    assert set(translated) == set(SERVICES)
    for service, schema in SERVICES.items():
        assert translated[service]["name"], service
        assert translated[service]["description"], service
        fields = (schema or {}).get("fields") or {}  # an action without fields is `name:`
        assert set(translated[service].get("fields", {})) == set(fields), service
        for field in fields:
            assert translated[service]["fields"][field]["name"], (service, field)
            assert translated[service]["fields"][field]["description"], (service, field)


def _selects() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for service, schema in SERVICES.items():
        for field, spec in ((schema or {}).get("fields") or {}).items():
            if "select" in (spec.get("selector") or {}):
                yield service, field, spec["selector"]["select"]


def test_every_action_choice_is_translated() -> None:
    """A select of an action shows words, not `hold_open` or `release_lockout`."""
    for service, field, select in _selects():
        key = select.get("translation_key")
        assert key, (service, field)
        assert set(select["options"]) <= set(EN["selector"][key]["options"]), (service, field)


def test_open_door_offers_only_terminals_with_a_door() -> None:
    selector = SERVICES["open_door"]["fields"]["device_id"]["selector"]["device"]
    assert "integration" not in selector  # every terminal, doors or not
    assert selector["entity"] == [{"integration": "access_terminal", "domain": "lock"}]


def test_every_flow_step_is_described() -> None:
    steps = EN["config"]["step"]
    expected = {str(family) for family in FAMILIES} | {"user", "mqtt_bridge", "reauth_confirm"}
    expected |= {"directory"}
    expected |= {"discovery_confirm", "reconfigure", "reconfigure_pull", "reconfigure_bridge"}
    assert set(steps) == expected
    for step, texts in steps.items():
        assert texts["title"], step
    assert set(EN["options"]["step"]) == {"init", "bridge", "directory"}


def test_every_flow_error_and_abort_is_translated() -> None:
    """The error and abort keys the flows set, found in their code."""
    flows = [
        FOLDER / "config_flow.py",
        FOLDER / "terminal_options.py",
        FOLDER / "mqtt_bridge/flow.py",
    ]
    errors = source_literals(r'errors\[[^\]]+\] = "([a-z_]+)"', flows)
    errors |= source_literals(r'return (?:None|options), "([a-z_]+)"', flows)
    errors |= source_literals(r'return \{"base": "([a-z_]+)"\}', flows)
    aborts = source_literals(r'reason="([a-z_]+)"', flows)
    assert errors
    assert aborts
    # Options flows show errors of their own section.
    assert errors <= set(EN["config"]["error"]) | set(EN["options"]["error"])
    assert aborts <= set(EN["config"]["abort"])
    # Home Assistant's own aborts and errors the flows rely on.
    assert {"already_configured", "already_in_progress", "reauth_successful"} <= set(
        EN["config"]["abort"]
    )
    assert {"reconfigure_successful", "unknown"} <= set(EN["config"]["abort"]) | set(
        EN["config"]["error"]
    )


def test_every_error_the_code_raises_is_translated() -> None:
    """Each translation_key= of an error or a repair, and each key passed to the helpers."""
    platforms = {FOLDER / f"{platform}.py" for platform in Platform}
    raised = source_literals(
        r'translation_key="([a-z_]+)"', [path for path in SOURCES if path not in platforms]
    )
    raised |= source_literals(r'validation_error\(\s*"([a-z_]+)"')
    raised |= source_literals(r'_error\(\s*\w+,\s*"([a-z_]+)"')
    # errors.py words a timeout by what is left (queued or not) and whether the terminal is on.
    raised |= {"timeout", "timeout_offline", "timeout_queued", "timeout_queued_offline"}
    assert "unknown_family" in raised
    # A repair's key: in the call, before its closing parenthesis alone on a line.
    issues = source_literals(
        r'(?s)ir\.async_create_issue\((?:(?!\n\s*\)\n).)*?translation_key="([a-z_]+)"'
    )
    assert issues
    for key in raised - issues:
        assert EN["exceptions"][key]["message"], key
    for key in issues:
        assert EN["issues"][key]["title"], key
        assert EN["issues"][key]["description"], key


# -- entities ------------------------------------------------------------------------------

DESCRIPTIONS: dict[str, list[EntityDescription]] = {
    "binary_sensor": [*binary_sensor.SENSORS, binary_sensor.DOOR_CONTACT],
    "button": list(button.BUTTONS),
    "event": list(event.STREAMS.values()),
    "image": list(image.IMAGES),
    "lock": [lock.DOOR_LOCK],
    "sensor": list(sensor.SENSORS),
    "update": [update.FIRMWARE],
    "number": list(number.DESCRIPTIONS.values()),
    "select": list(select_platform.DESCRIPTIONS.values()),
    "switch": list(switch.DESCRIPTIONS.values()),
    "text": list(text_platform.DESCRIPTIONS.values()),
    "time": list(time_platform.DESCRIPTIONS.values()),
}
SETTING_PLATFORMS = ("number", "select", "switch", "text", "time")
# Entities of one door are named "Door 2 ..." on terminals with several doors.
PER_DOOR = {
    ("binary_sensor", binary_sensor.DOOR_CONTACT.translation_key),
    ("lock", lock.DOOR_LOCK.translation_key),
    ("event", event.DOOR_EVENTS.translation_key),
    *(
        (platform, description.key)
        for platform in SETTING_PLATFORMS
        for description in DESCRIPTIONS[platform]
        if is_per_door(description.key)
    ),
}


def _entity_keys() -> Iterator[tuple[str, str]]:
    for platform, descriptions in DESCRIPTIONS.items():
        for description in descriptions:
            if (key := description.translation_key) is not None:
                yield platform, key
                if (platform, key) in PER_DOOR:
                    yield platform, f"{key}_n"


def test_every_entity_is_named_and_has_an_icon() -> None:
    keys = set(_entity_keys())
    translated = {(platform, key) for platform, names in EN["entity"].items() for key in names}
    assert keys == translated
    for platform, key in keys:
        texts = EN["entity"][platform][key]
        # Only an entity whose device class names it goes without a name (connectivity).
        description_names = texts.get("name") or key == "connectivity"
        assert description_names, (platform, key)
        assert ICONS["entity"][platform][key]["default"].startswith("mdi:"), (platform, key)
    icons = {(platform, key) for platform, names in ICONS["entity"].items() for key in names}
    assert icons == keys


def test_every_setting_choice_is_translated() -> None:
    """A select shows each of its choices in words, in every language."""
    for description in select_platform.DESCRIPTIONS.values():
        assert description.translation_key is not None
        keys = [description.translation_key]
        if ("select", description.key) in PER_DOOR:
            keys.append(f"{description.translation_key}_n")
        for key in keys:
            # (every language has the keys of English: checked above)
            assert set(EN["entity"]["select"][key]["state"]) == set(description.options or ())


def test_every_lock_state_has_an_icon() -> None:
    """The lock's icon follows its state (locked, opening, open, unlocking...)."""
    for key in ("door", "door_n"):
        assert set(ICONS["entity"]["lock"][key]["state"]) == {str(state) for state in LockState}


def test_every_event_type_has_a_name_and_an_icon() -> None:
    for stream in event.STREAMS.values():
        keys = [stream.translation_key]
        if stream is event.DOOR_EVENTS:
            keys.append(f"{stream.translation_key}_n")
        for key in keys:
            assert key is not None
            names = EN["entity"]["event"][key]["state_attributes"]["event_type"]["state"]
            icons = ICONS["entity"]["event"][key]["state_attributes"]["event_type"]["state"]
            assert set(names) == set(icons) == set(event_types_of(stream.category)), key


def test_every_event_attribute_has_a_name() -> None:
    """The more-info dialog names each field of an event (see AccessEvent.as_dict)."""
    for key, texts in EN["entity"]["event"].items():
        attributes = texts["state_attributes"]
        for name in (*event.EVENT_ATTRIBUTES, "event_type"):
            assert attributes[name]["name"], (key, name)
        reasons = set(attributes["reason"]["state"])
        assert {str(reason) for reason in (*DenyReason, *AlarmReason, *ErrorReason)} <= reasons


def test_every_action_has_an_icon() -> None:
    assert set(ICONS["services"]) == set(SERVICES)
    assert all(icon["service"].startswith("mdi:") for icon in ICONS["services"].values())


def test_device_triggers_are_translated() -> None:
    automation = EN["device_automation"]
    assert set(automation["trigger_type"]) == {str(kind) for kind in device_trigger.TRIGGER_TYPES}
    assert set(automation["extra_fields"]) == {
        device_trigger.CONF_USER_ID,
        device_trigger.CONF_DOOR,
    }


def test_logbook_has_words_for_everything_an_event_carries() -> None:
    """Every event type, method and reason has its phrase (logbook.py builds sentences)."""
    phrases = EN["logbook"]
    for kind in EventType:
        assert phrases[str(kind)], kind
    assert {str(method) for method in Method} <= set(phrases["methods"])
    reasons = (*DenyReason, *AlarmReason, *ErrorReason)
    assert {str(reason) for reason in reasons} <= set(phrases["reasons"])


# -- quality scale -------------------------------------------------------------------------

# The rules of Home Assistant 2025.4's Integration Quality Scale, by tier (hassfest's
# script/hassfest/quality_scale.py of that release).
RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
ALL_RULES = {rule for rules in RULES.values() for rule in rules}


def test_the_rule_list_is_home_assistants() -> None:
    """The core integrations installed with Home Assistant list exactly these rules."""
    listed: set[str] = set()
    for path in CORE.glob("*/quality_scale.yaml"):
        listed.update(load_yaml_dict(str(path)).get("rules", {}))
    assert listed == ALL_RULES


def test_quality_scale_lists_every_rule() -> None:
    rules = load_yaml_dict(str(FOLDER / "quality_scale.yaml"))["rules"]
    assert set(rules) == ALL_RULES
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in {"done", "exempt", "todo"}, name
        if status != "done":
            assert isinstance(rule, dict), name
            assert rule.get("comment"), f"{name}: say why it is {status}"
