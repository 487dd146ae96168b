"""A new user's walk through the integration in a real browser, as the steps of #12 list it.

The steps share one Home Assistant and run in this order: the terminals found on the
network are added from their cards, the others by hand, then options, reconfiguration,
re-authentication and repairs, a device page per family, a lock, the logbook and an action.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import Ui
from .harness import wait_for
from .pages import check_page, close_dialog, dialog, fill, open_page, submit, wait_for_text

# The discovered cards: serial and protocol (the demo's terminals that call Home Assistant).
DISCOVERED = {
    "FC-8200H00000001": "HTTPv2",
    "CGXH201360001": "ZKTeco PUSH",
    "A8N5230560001": "ZKTeco PUSH",
    "ZX12345678": "Cloud WebSocket",
}


def _entries(ui: Ui) -> dict[str, dict[str, str]]:
    entries = ui.run(ui.api.ws("config_entries/get", domain="access_terminal"))
    return {entry["title"]: entry for entry in entries}


def _wait_until_added(ui: Ui, title: str) -> None:
    """Wait for the flow's answer (leaving earlier would cancel the setup), then the entry."""
    expect(dialog(ui.page).get_by_role("button", name="Finish")).to_be_visible(timeout=60_000)
    check_page(ui.page, ui.problems, f"{title} added")
    close_dialog(ui.page)

    def loaded() -> bool:
        entry = _entries(ui).get(title)
        return entry is not None and entry["state"] == "loaded"

    wait_for(loaded, f"{title} set up")


def test_discovered_terminals_are_added_from_their_cards(ui: Ui) -> None:
    page = ui.page
    open_page(page, ui.url("/config/integrations/dashboard"))
    for serial, protocol in DISCOVERED.items():
        wait_for_text(page, re.escape(f"{serial} ({protocol})"))
    check_page(page, ui.problems, "discovered cards")
    for serial, protocol in DISCOVERED.items():
        # Adding one opens the integration's page: back to the dashboard for the next card.
        open_page(page, ui.url("/config/integrations/dashboard"))
        wait_for_text(page, re.escape(f"{serial} ({protocol})"))
        card = page.locator("ha-integration-card, ha-config-flow-card").filter(has_text=serial)
        card.get_by_role("button", name="Add").first.click()
        flow = dialog(page)
        wait_for_text(page, re.escape(f"Terminal {serial} ({protocol}) is calling"))
        check_page(page, ui.problems, f"discovery of {serial}")
        assert flow.get_by_text("New access terminal").count()
        submit(page)
        _wait_until_added(ui, serial)
    assert set(DISCOVERED) <= set(_entries(ui))


def test_the_menu_and_every_form_then_the_terminals_home_assistant_calls(ui: Ui) -> None:
    page = ui.page
    webjson, control = ui.demo.webjson[0], ui.demo.control_api[0]
    forms = {
        "HTTPv2 face terminal": "Serial number",
        "ZKTeco PUSH controller": "Serial number",
        "Cloud WebSocket terminal": "Serial number",
    }
    for option, field in forms.items():
        _open_menu(ui)
        dialog(page).get_by_text(option).first.click()
        wait_for_text(page, f"^{field}$")
        check_page(page, ui.problems, f"form of {option}")
        close_dialog(page)
    _open_menu(ui)
    dialog(page).get_by_text("Webserver + JSON terminal").first.click()
    fill(page, "Host", webjson.host)
    fill(page, "Port", str(webjson.port))
    fill(page, "Device password", "wrong")
    submit(page)
    wait_for_text(page, "refused the password or API key")
    check_page(page, ui.problems, "Webserver + JSON form with an error")
    fill(page, "Device password", webjson.password)
    submit(page)
    _wait_until_added(ui, webjson.serial)
    _open_menu(ui)
    dialog(page).get_by_text("Terminal with the device control interface").first.click()
    wait_for_text(page, "calls the terminal's /control address")
    check_page(page, ui.problems, "control API form")
    fill(page, "Host", control.host)
    fill(page, "Port", str(control.port))
    fill(page, "API key", control.api_key)
    submit(page)
    _wait_until_added(ui, control.serial)
    _open_menu(ui)
    dialog(page).get_by_text("MQTT bridge").first.click()
    wait_for_text(page, "^Publish access photos$")
    check_page(page, ui.problems, "MQTT bridge form")
    fill(page, "Broker host", "127.0.0.1")
    fill(page, "Port", str(ui.broker.port))
    submit(page)
    _wait_until_added(ui, "MQTT bridge")


def _open_menu(ui: Ui) -> None:
    """Add integration, Access Terminal: the menu of what can be added."""
    page = ui.page
    open_page(page, ui.url("/config/integrations/dashboard/add?domain=access_terminal"))
    # With entries already there, the frontend first asks whether to add another.
    confirm = page.get_by_role("button", name="OK")
    menu = dialog(page).get_by_text("Which kind of terminal do you want to add")
    expect(confirm.or_(menu).first).to_be_visible(timeout=60_000)
    if confirm.count() and confirm.first.is_visible():
        confirm.first.click()
    wait_for_text(page, "Which kind of terminal do you want to add")
    check_page(page, ui.problems, "add menu")
