"""The AiFace questionnaire: what a terminal can hold, what is written, what is read back."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.access_terminal.protocols.errors import InvalidRequestError
from custom_components.access_terminal.protocols.questionnaire import Questionnaire, from_fields

ASKED = Questionnaire(
    title="Why are you here?",
    items=("Work", "Visit", "Delivery"),
    multiple_choice=True,
    required=(1, 3),
    voice="please select",
    error_message="Choose work or delivery",
    start_with_card=True,
)


def test_written_as_the_document_says_and_read_back_the_same() -> None:
    ASKED.check()
    fields = ASKED.fields()
    assert fields == {
        "title": "Why are you here?",
        "radio": False,
        "optionflag": 0b101,
        "usequestion": True,
        "useschedule": False,
        "card": 1,
        "items": ["Work", "Visit", "Delivery"],
        "voice": "please select",
        "errmsg": "Choose work or delivery",
    }
    assert from_fields(fields) == ASKED
    single = Questionnaire(title="In or out?", items=("in", "out"))
    assert single.fields()["radio"] is True
    assert "voice" not in single.fields()
    assert from_fields(single.fields()) == single


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"items": ()}, "1 to 8 answers"),
        ({"items": tuple(str(n) for n in range(9))}, "1 to 8 answers"),
        ({"multiple_choice": False, "items": tuple(str(n) for n in range(17))}, "1 to 16"),
        ({"title": " "}, "1 to 64 characters"),
        ({"items": ("x" * 65,)}, "1 to 64 characters"),
        ({"voice": ""}, "1 to 64 characters"),
        ({"title": "line\nbreak"}, "control characters"),
        ({"multiple_choice": False}, "only a multiple choice"),
        ({"required": (4,)}, "numbered 1 to 3"),
        ({"required": (0,)}, "numbered 1 to 3"),
    ],
)
def test_what_no_terminal_can_hold_is_refused(changes: dict[str, Any], why: str) -> None:
    fields = {**ASKED.as_dict(), **changes}
    fields["items"] = tuple(fields["items"])
    fields["required"] = tuple(fields["required"])
    with pytest.raises(InvalidRequestError, match=why):
        Questionnaire(**fields).check()


@pytest.mark.parametrize(
    ("answer", "read"),
    [
        ({"result": True}, None),
        ({"title": "", "items": []}, None),
        ({"title": "Q", "items": "in,out"}, Questionnaire(title="Q", items=())),
        (
            {"title": "Q", "items": ["in", 7, None, {"x": 1}], "radio": "maybe", "card": 9},
            Questionnaire(title="Q", items=("in", "7")),
        ),
        (
            {"items": [str(n) for n in range(40)], "optionflag": -1, "usequestion": 0},
            Questionnaire(title="", items=tuple(str(n) for n in range(16)), enabled=False),
        ),
    ],
)
def test_device_answers_of_every_shape(answer: dict[str, Any], read: Questionnaire | None) -> None:
    assert from_fields(answer) == read
