"""The registry of families (families/__init__.py): every family brings all of its parts.

A family added to FAMILIES without its menu text, its form labels, its endpoint, its credential,
its simulator or its test kit fails here.
"""

from __future__ import annotations

from collections.abc import Generator
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.helpers.selector import SelectSelector
import pytest

from custom_components.access_terminal import families
from custom_components.access_terminal.families import FAMILIES
from custom_components.access_terminal.protocols.model import Family
from simulator.__main__ import FAMILIES as SIMULATORS
from tests.helpers import TestClient, start_add_flow
from tests.terminals import ALL_FAMILIES, KITS, PULL_FAMILIES, PUSH_FAMILIES

TRANSLATIONS: dict[str, Any] = json.loads(
    (Path(families.__file__).parent.parent / "translations" / "en.json").read_text(encoding="utf-8")
)
STEPS: dict[str, Any] = TRANSLATIONS["config"]["step"]


@pytest.fixture
def registered_views() -> Generator[list[HomeAssistantView]]:
    """Collect the views registered on Home Assistant's HTTP server from now on."""
    views: list[HomeAssistantView] = []
    register = HomeAssistantView.register

    def spy(view: HomeAssistantView, *args: Any) -> None:
        views.append(view)
        register(view, *args)

    with patch.object(HomeAssistantView, "register", spy):
        yield views


def test_every_family_is_offered_in_the_menu() -> None:
    assert list(FAMILIES) == ALL_FAMILIES
    menu = STEPS["user"]["menu_options"]
    assert list(menu) == [*(str(family) for family in FAMILIES), "mqtt_bridge", "directory"]
    assert all(text for text in menu.values())


@pytest.mark.parametrize("family", ALL_FAMILIES)
async def test_every_family_form_is_described(hass: HomeAssistant, family: Family) -> None:
    """The family's step has a title, a description and a label for every field of its form."""
    step = STEPS[family]
    assert step["title"]
    assert step["description"]
    result = await start_add_flow(hass, family)
    assert result["step_id"] == family
    fields = {str(key) for key in result["data_schema"].schema}
    assert fields
    assert fields <= set(step["data"])
    assert all(step["data"][field] for field in fields)


@pytest.mark.parametrize("family", ALL_FAMILIES)
def test_every_family_option_is_described(family: Family) -> None:
    labels = TRANSLATIONS["options"]["step"]["init"]["data"]
    for key, selector in FAMILIES[family].options_schema.items():
        assert labels[str(key)], key
        if isinstance(selector, SelectSelector) and (
            name := selector.config.get("translation_key")
        ):
            choices = TRANSLATIONS["selector"][name]["options"]
            assert set(selector.config["options"]) <= set(choices), key


@pytest.mark.parametrize("family", PUSH_FAMILIES)
async def test_every_push_family_is_discoverable_and_listens(
    registered_views: list[HomeAssistantView], client: TestClient, family: Family
) -> None:
    """A terminal that calls Home Assistant can be offered, and finds its endpoint there."""
    spec = FAMILIES[family]
    assert spec.discoverable
    assert spec.views or spec.async_setup is not None
    names = {getattr(view, "name", None) for view in registered_views}
    assert f"access_terminal:{family}" in names


@pytest.mark.parametrize("family", PULL_FAMILIES)
def test_every_pull_family_has_a_credential(family: Family) -> None:
    """A terminal Home Assistant calls is added, re-authenticated and reconfigured with it."""
    spec = FAMILIES[family]
    assert not spec.discoverable
    assert spec.pull is not None
    key = spec.pull.credential_key
    for step in (family, "reauth_confirm", "reconfigure_pull"):
        assert STEPS[step]["data"][key], step


@pytest.mark.parametrize("family", ALL_FAMILIES)
def test_every_family_has_a_simulator_and_a_test_kit(family: Family) -> None:
    assert family in {simulator.name for simulator in SIMULATORS}
    assert KITS[family].family is family
