"""The questionnaire of AiFace-class terminals: a question asked of whoever the terminal recognises.

specs/002_c663bad8f76a6161.txt, "Set questionnaire parameter" / "Get questionnaire parameter": a
title shown at the top, up to 16 answers for a single choice (8 for a multiple one, where some may
be required: `optionflag`, one bit per answer), an optional spoken prompt (`voice`), the text shown
when a required answer is missing (`errmsg`), whether it is on (`usequestion`) and whether a card
starts it (`card`). The Webserver + JSON document (000_...txt) names `setquestionnaire`,
`getquestionnaire` and `cleanquestionnaire` without their fields: its terminals are of the same
make and take the same ones. The event schedules (`useschedule`, `schedules`) are not written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidRequestError
from .fields import flag, integer, lenient, text

MAX_SINGLE_CHOICE = 16
MAX_MULTIPLE_CHOICE = 8
MAX_TEXT = 64

_read_text = lenient(text(MAX_TEXT))
_read_flag = lenient(flag())
_read_mask = lenient(integer(0, 2**MAX_SINGLE_CHOICE - 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Questionnaire:
    """A question and its answers; `required` numbers answers (1-based) of a multiple choice."""

    title: str
    items: tuple[str, ...]
    multiple_choice: bool = False
    required: tuple[int, ...] = ()
    voice: str | None = None
    error_message: str | None = None
    enabled: bool = True
    start_with_card: bool = False

    def check(self) -> None:
        """Raise InvalidRequestError unless a terminal can hold this questionnaire."""
        limit = MAX_MULTIPLE_CHOICE if self.multiple_choice else MAX_SINGLE_CHOICE
        if not 1 <= len(self.items) <= limit:
            kind = "a multiple" if self.multiple_choice else "a single"
            raise InvalidRequestError(f"{kind} choice offers 1 to {limit} answers")
        prompts = (prompt for prompt in (self.voice, self.error_message) if prompt is not None)
        texts = (self.title, *self.items, *prompts)
        if any(not value.strip() or len(value) > MAX_TEXT for value in texts):
            raise InvalidRequestError(f"title and answers take 1 to {MAX_TEXT} characters")
        if any(not character.isprintable() for value in texts for character in value):
            raise InvalidRequestError("title and answers cannot hold control characters")
        if self.required and not self.multiple_choice:
            raise InvalidRequestError("only a multiple choice has required answers")
        if any(not 1 <= number <= len(self.items) for number in self.required):
            raise InvalidRequestError(f"required answers are numbered 1 to {len(self.items)}")

    def fields(self) -> dict[str, Any]:
        """Return the `setquestionnaire` fields (after `check`)."""
        document: dict[str, Any] = {
            "title": self.title,
            "radio": not self.multiple_choice,
            "optionflag": sum(1 << (number - 1) for number in set(self.required)),
            "usequestion": self.enabled,
            "useschedule": False,
            "card": int(self.start_with_card),
            "items": list(self.items),
        }
        if self.voice is not None:
            document["voice"] = self.voice
        if self.error_message is not None:
            document["errmsg"] = self.error_message
        return document

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly form (what the get_questionnaire action answers)."""
        return {
            "title": self.title,
            "items": list(self.items),
            "multiple_choice": self.multiple_choice,
            "required": list(self.required),
            "voice": self.voice,
            "error_message": self.error_message,
            "enabled": self.enabled,
            "start_with_card": self.start_with_card,
        }


# What a terminal without a questionnaire holds when told to clear it (for those without
# `cleanquestionnaire`): switched off, nothing to ask.
CLEARED: Mapping[str, Any] = {"title": "", "usequestion": False, "useschedule": False, "items": []}


def from_fields(answer: Mapping[str, Any]) -> Questionnaire | None:
    """Read a `getquestionnaire` answer (None: the terminal holds no questionnaire).

    Device input: answers that are not text are left out, and at most 16 are kept.
    """
    raw_items = answer.get("items")
    items = (
        tuple(
            item
            for item in (_read_text(value) for value in (raw_items or ())[:MAX_SINGLE_CHOICE])
            if item is not None
        )
        if isinstance(raw_items, list)
        else ()
    )
    title = _read_text(answer.get("title"))
    if title is None and not items:
        return None
    mask = _read_mask(answer.get("optionflag")) or 0
    single = _read_flag(answer.get("radio"))
    return Questionnaire(
        title=title or "",
        items=items,
        multiple_choice=single is False,
        required=tuple(n for n in range(1, len(items) + 1) if mask & (1 << (n - 1))),
        voice=_read_text(answer.get("voice")),
        error_message=_read_text(answer.get("errmsg")),
        enabled=_read_flag(answer.get("usequestion")) is not False,
        start_with_card=bool(_read_flag(answer.get("card"))),
    )
