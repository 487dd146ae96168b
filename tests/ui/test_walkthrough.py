"""A new user's walk through the integration in a real browser, as the steps of #12 list it.

The steps share one Home Assistant and run in this order: the terminals found on the
network are added from their cards, the others (and the MQTT bridge) by hand through every
form of the menu, then a device page per terminal, the options of every kind of entry, the
logbook, a lock action and the open_door action form. Reconfiguration, re-authentication and
repairs are tested by the pytest suite (tests/test_config_flow.py, tests/families/), not
walked in the browser yet.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from .conftest import Ui
from .harness import entity_badges, wait_for
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
    _add_by_hand(
        ui,
        "Terminal with the device control interface",
        "calls the terminal's /control address",
        {"Host": control.host, "Port": str(control.port), "API key": control.api_key},
        control.serial,
    )
    _add_by_hand(
        ui,
        "MQTT bridge",
        "^Publish access photos$",
        {"Broker host": "127.0.0.1", "Port": str(ui.broker.port)},
        "MQTT bridge",
    )


def _add_by_hand(ui: Ui, option: str, text: str, fields: dict[str, str], title: str) -> None:
    """Pick `option` in the menu, see `text`, fill the form and wait for the entry `title`."""
    page = ui.page
    _open_menu(ui)
    dialog(page).get_by_text(option).first.click()
    wait_for_text(page, text)
    check_page(page, ui.problems, f"form of {option}")
    for label, value in fields.items():
        fill(page, label, value)
    submit(page)
    _wait_until_added(ui, title)


def _open_menu(ui: Ui) -> None:
    """Add integration, Access Terminal: the menu of what can be added (as a person clicks)."""
    page = ui.page
    open_page(page, ui.url("/config/integrations/dashboard"))
    page.get_by_role("button", name=re.compile("Add integration", re.IGNORECASE)).click()
    picker = page.locator("dialog-add-integration")
    picker.get_by_role("textbox").first.fill("Access Terminal")
    picker.locator("ha-integration-list-item").filter(has_text="Access Terminal").first.click()
    wait_for_text(page, "Which kind of terminal do you want to add")
    check_page(page, ui.problems, "add menu")


# One device page per family (the MQTT bridge has no device).
FAMILY_DEVICES = {
    "HTTPv2": "FC-8200H00000001",
    "ZKTeco PUSH controller": "CGXH201360001",
    "ZKTeco PUSH attendance": "A8N5230560001",
    "Cloud WebSocket": "ZX12345678",
}


def _device_entities(ui: Ui, serial: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return a terminal's device and its enabled entities (from the registries)."""
    devices = ui.run(ui.api.ws("config/device_registry/list"))
    device = next(d for d in devices if ["access_terminal", serial] in d["identifiers"])
    entities = ui.run(ui.api.ws("config/entity_registry/list"))
    mine = [e for e in entities if e["device_id"] == device["id"] and not e["disabled_by"]]
    return device, mine


def test_every_device_page_shows_a_value_a_name_and_an_icon_for_every_entity(ui: Ui) -> None:
    page = ui.page
    serials = [*FAMILY_DEVICES.values(), ui.demo.webjson[0].serial, ui.demo.control_api[0].serial]
    for serial in serials:
        device, entities = _device_entities(ui, serial)
        assert entities, serial
        ids = [entity["entity_id"] for entity in entities]

        def unknown(ids: list[str] = ids) -> list[str]:
            states = ui.states()
            blank = [i for i in ids if states.get(i, {}).get("state") in (None, "unknown")]
            # An event entity is the time of its last event: an alarm nobody raised leaves
            # it empty, honestly; but the terminal's accesses must have arrived.
            events = [i for i in ids if i.startswith("event.")]
            if events and set(events) <= set(blank):
                return blank
            return [i for i in blank if not i.startswith("event.")]

        # Every entity gets its value with the terminal's first calls and events.
        try:
            wait_for(lambda u=unknown: not u(), f"values of {serial}", timeout=90)  # type: ignore[misc]
        except AssertionError as error:
            raise AssertionError(f"{serial}: still unknown {unknown()}") from error
        # The demo raises no alarm and nobody tampers with it: none may show.
        states = ui.states()
        raised = [
            i
            for i in ids
            if states[i]["attributes"].get("device_class") in ("safety", "tamper")
            and states[i]["state"] != "off"
        ]
        assert not raised, f"{serial}: alarms nobody raised {raised}"
        # Every door that opens for an access closes again.
        for door in (i for i in ids if states[i]["attributes"].get("device_class") == "door"):
            wait_for(
                lambda d=door: ui.states()[d]["state"] == "off",  # type: ignore[misc]
                f"{door} to close",
            )
        open_page(page, ui.url(f"/config/devices/device/{device['id']}"))
        wait_for_text(page, f"Serial number: {re.escape(serial)}")
        states = ui.states()
        names = [states[i]["attributes"].get("friendly_name") for i in ids]
        for name in names:
            wait_for_text(page, re.escape(name.removeprefix(device["name"]).strip()))
        check_page(page, ui.problems, f"device page of {serial}")
        badges = {b["entity"]: b for b in entity_badges(page) if b["entity"] in ids}
        faceless = [i for i, b in badges.items() if not (b["icon"] or b["picture"])]
        assert not faceless, f"{serial}: no icon for {faceless}"


def test_the_options_of_every_kind_of_entry(ui: Ui) -> None:
    page = ui.page
    configure = re.compile("configure", re.IGNORECASE)
    pulled = (ui.demo.webjson[0].serial, ui.demo.control_api[0].serial)
    for title in (*FAMILY_DEVICES.values(), *pulled, "MQTT bridge"):
        open_page(page, ui.url("/config/integrations/integration/access_terminal"))
        row = page.locator("ha-md-list-item, ha-list-item").filter(has_text=title).first
        row.get_by_role("button", name=configure).first.click()
        wait_for_text(page, "Submit")
        check_page(page, ui.problems, f"options of {title}")
        if title in pulled:
            # Terminals Home Assistant calls: the catch-up window only, none of the callers'.
            wait_for_text(page, "Records late after")
            expect(dialog(page).get_by_text("Offline after")).to_have_count(0)
        submit(page)
        expect(dialog(page).get_by_role("button", name="Finish")).to_be_visible()
        close_dialog(page)
        wait_for(
            lambda t=title: _entries(ui)[t]["state"] == "loaded",  # type: ignore[misc]
            f"{title} loaded again after its options",
        )


def test_the_logbook_names_the_person_and_the_door(ui: Ui) -> None:
    page = ui.page
    open_page(page, ui.url("/logbook"))
    row = wait_for_text(page, r"^\S.* was let in at .+", timeout=90)
    assert not re.search(r"\buser \d+|\bdoor_|\bNone\b", row), row
    check_page(page, ui.problems, "logbook")


def test_a_lock_action_from_the_device_page(ui: Ui) -> None:
    page = ui.page
    device, entities = _device_entities(ui, "FC-8200H00000001")
    lock = next(e["entity_id"] for e in entities if e["entity_id"].startswith("lock."))
    before = ui.states()[lock]["state"]
    open_page(page, ui.url(f"/config/devices/device/{device['id']}"))
    verb = "Unlock" if before == "locked" else "Lock"
    row = page.locator("hui-lock-entity-row, hui-generic-entity-row").filter(has_text="Door")
    row.get_by_role("button", name=re.compile(f"^{verb}$", re.IGNORECASE)).first.click()
    wait_for(lambda: ui.states()[lock]["state"] != before, f"{lock} to leave {before}")
    check_page(page, ui.problems, "lock action")


def test_the_open_door_action_form(ui: Ui) -> None:
    page = ui.page
    open_page(page, ui.url("/developer-tools/action"))
    picker = page.locator("ha-service-picker").get_by_role("combobox").first
    picker.fill("access_terminal.open_door")
    page.get_by_role("option").filter(has_text="open_door").first.click()
    wait_for_text(page, "^Opens a door for a moment")
    wait_for_text(page, "^Terminal$")
    check_page(page, ui.problems, "open_door action form")
