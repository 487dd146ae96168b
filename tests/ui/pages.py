"""Checks every page of the suite gets, and ways to drive the frontend's dialogs.

A page fails when it shows "Translation error", a raw translation key (a text that is exactly
one of en.json's keys, e.g. `hold_open` or `invalid_serial`), or when the browser saw one of the
integration's endpoints or pictures fail.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import re
from typing import Any, Final

from playwright.sync_api import Error as PlaywrightError, Locator, Page, expect

from .harness import INTEGRATION, RAW_KEY, Problems, every_text, wait_for

EN: Final[dict[str, Any]] = json.loads(
    (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8")
)


def _keys(tree: Any) -> Iterator[str]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield key
            yield from _keys(value)


# Every key of en.json that only a missing translation would show (not "Door", "mask"...):
# snake_case keys, and the options of every select.
RAW_KEYS: Final = frozenset(key for key in _keys(EN) if "_" in key) | frozenset(
    option for choice in EN["selector"].values() for option in choice["options"]
)


def check_page(page: Page, problems: Problems, where: str) -> list[str]:
    """Fail on what a person must never see; return the page's texts."""
    texts = every_text(page)
    joined = "\n".join(texts)
    assert "Translation error" not in joined, f"{where}: {joined}"
    raw = sorted({text for text in texts if text in RAW_KEYS or RAW_KEY.search(text)})
    assert not raw, f"{where}: raw translation keys {raw}"
    assert not (seen := problems.take()), f"{where}: {seen}"
    return texts


def wait_for_text(page: Page, pattern: str | re.Pattern[str], timeout: float = 60.0) -> str:
    """Wait until a text of the page matches `pattern`; return it."""
    wanted = re.compile(pattern) if isinstance(pattern, str) else pattern

    def found() -> str:
        return next((text for text in every_text(page) if wanted.search(text)), "")

    return wait_for(found, f"a text matching {wanted.pattern!r}", timeout)


def dialog(page: Page) -> Locator:
    """Return the open config, options or repair flow dialog."""
    return page.locator("dialog-data-entry-flow ha-dialog[open]")


def submit(page: Page) -> None:
    """Press the flow dialog's Submit (or Next) button."""
    buttons = dialog(page).get_by_role("button", name=re.compile("^(Submit|Next)$"))
    buttons.first.click()


def close_dialog(page: Page) -> None:
    """Close the flow dialog with its close button (or Finish)."""
    flow = dialog(page)
    finish = flow.get_by_role("button", name="Finish")
    if finish.count():
        finish.first.click()
    else:
        flow.get_by_role("button", name="Close").first.click()
    expect(flow).to_have_count(0)


def fill(page: Page, label: str, value: str) -> None:
    """Type into the flow form's field called `label`."""
    field = dialog(page).get_by_label(label, exact=True)
    field.fill(value)


def open_page(page: Page, url: str) -> None:
    """Go to `url`; again if the frontend's own routing aborted the first load."""
    for attempt in range(3):
        try:
            page.goto(url)
        except PlaywrightError as error:
            if "ERR_ABORTED" not in str(error) or attempt == 2:
                raise
        else:
            return
