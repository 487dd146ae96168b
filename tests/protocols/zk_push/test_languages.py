"""Tests of Appendix 4: the Language option's numbers and the language setting's choices."""

from __future__ import annotations

import pytest

from custom_components.access_terminal.protocols.settings import SETTINGS, Setting
from custom_components.access_terminal.protocols.zk_push.codes import (
    LANGUAGES,
    language_choice,
    language_number,
)
from custom_components.access_terminal.protocols.zk_push.users import Capabilities


def test_every_language_of_the_document_is_listed() -> None:
    assert len(LANGUAGES) == 23
    assert LANGUAGES[83] == ("Simplified Chinese", "zh_hans")
    assert LANGUAGES[116] == ("Turkish", None)


def test_the_choices_are_the_language_settings_own() -> None:
    language = SETTINGS[Setting.LANGUAGE]
    choices = {choice for _, choice in LANGUAGES.values() if choice}
    # Each of the setting's choices has a number here, and no other choice is made up.
    assert choices == set(language.options)
    for choice in choices:
        number = language_number(choice)
        assert number is not None
        assert language_choice(str(number)) == choice


@pytest.mark.parametrize(
    ("value", "choice"),
    [("69", "en"), (" 84 ", "zh_hant"), ("65", None), ("999", None), ("x", None), (None, None)],
)
def test_language_choice(value: str | None, choice: str | None) -> None:
    assert language_choice(value) == choice


def test_unknown_choice_has_no_number() -> None:
    assert language_number("tlh") is None


@pytest.mark.parametrize(
    ("value", "encoding"), [("83", "gb18030"), ("84", "gb18030"), ("69", "utf-8")]
)
def test_chinese_terminals_take_names_in_gb18030(value: str, encoding: str) -> None:
    caps = Capabilities.from_options({"Language": value}, attendance=False)
    assert caps.encoding == encoding
