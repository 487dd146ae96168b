"""Render docs/coverage.md from the coverage inventory (docs/coverage/<family>.yaml).

Every item of the five protocol documents (endpoints, commands, table x operation, settings
groups, code tables) is listed in a YAML file per document with its status today; this script
checks the files' shape and writes the table people read. docs/coverage/README.md describes the
fields and conventions; tests/test_coverage_table.py checks that the table is up to date and that
every item points at code that exists.

    .venv/bin/python scripts/coverage_table.py           # write docs/coverage.md
    .venv/bin/python scripts/coverage_table.py --check   # exit 1 when docs/coverage.md is stale
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
import sys
from typing import Any, Final

import yaml  # type: ignore[import-untyped]  # PyYAML ships without type hints

ROOT: Final = Path(__file__).resolve().parent.parent
INVENTORY: Final = ROOT / "docs" / "coverage"
OUTPUT: Final = ROOT / "docs" / "coverage.md"

REACHABLE: Final = "reachable"
LIBRARY: Final = "library"
NOT_APPLICABLE: Final = "not_applicable"
MISSING: Final = "missing"
STATUSES: Final = (REACHABLE, LIBRARY, NOT_APPLICABLE, MISSING)
STATUS_TEXTS: Final = {
    REACHABLE: "reachable",
    LIBRARY: "library only",
    NOT_APPLICABLE: "not applicable",
    MISSING: "missing",
}
KINDS: Final = (
    "endpoint",
    "command",
    "table_operation",
    "settings_group",
    "code_table",
    "field",
)
# How a user reaches an item: `<kind>: <what>` (see docs/coverage/README.md).
REACH_KINDS: Final = ("entity", "action", "event", "automatic")

_DOCUMENT_KEYS: Final = frozenset({"document", "family", "title", "code_base", "items"})
_REQUIRED_ITEM_KEYS: Final = frozenset({"id", "line", "quote", "section", "kind", "name", "status"})
_ITEM_KEYS: Final = _REQUIRED_ITEM_KEYS | {"reach", "code", "reason", "note", "mapping", "codes"}


class InventoryError(ValueError):
    """An inventory file that is not shaped as docs/coverage/README.md says."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One item of a protocol document and how far the integration covers it."""

    id: str
    line: int
    quote: str
    section: str
    kind: str
    name: str
    status: str
    reach: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    reason: str | None = None
    note: str | None = None
    mapping: str | None = None
    codes: tuple[int | str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """The inventory of one protocol document."""

    file: str
    family: str
    title: str
    code_base: str
    items: tuple[Item, ...]
    source: Path

    def count(self, status: str) -> int:
        """Return how many items have `status`."""
        return sum(item.status == status for item in self.items)

    def dotted(self, path: str) -> str:
        """Return the full dotted path of a `code` or `mapping` entry."""
        return f"{self.code_base}.{path}"


def _text(value: Any, where: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: expected a non-empty text, got {value!r}")
        return ""
    return " ".join(value.split())


def _texts(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list, got {value!r}")
        return ()
    return tuple(_text(entry, f"{where}[{index}]", problems) for index, entry in enumerate(value))


def _codes(value: Any, where: str, problems: list[str]) -> tuple[int | str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: expected a non-empty list of codes, got {value!r}")
        return ()
    codes: list[int | str] = []
    for entry in value:
        if isinstance(entry, bool) or not isinstance(entry, int | str):
            problems.append(f"{where}: {entry!r} is not a code (a number or a text)")
        else:
            codes.append(entry)
    if len(set(codes)) != len(codes):
        problems.append(f"{where}: a code is listed twice")
    return tuple(codes)


def _status_rules(item: Item, where: str, problems: list[str]) -> None:
    """Check what each status needs (and what it must not have)."""
    if item.status not in STATUSES:
        problems.append(f"{where}: status {item.status!r} is not one of {', '.join(STATUSES)}")
    if item.kind not in KINDS:
        problems.append(f"{where}: kind {item.kind!r} is not one of {', '.join(KINDS)}")
    for entry in item.reach:
        kind, _, what = entry.partition(":")
        if kind not in REACH_KINDS or not what.strip():
            problems.append(f"{where}: reach {entry!r} is not '<{'|'.join(REACH_KINDS)}>: ...'")
    if item.status == REACHABLE and not (item.reach and item.code):
        problems.append(f"{where}: a reachable item names how (reach) and where (code)")
    if item.status != REACHABLE and item.reach:
        problems.append(f"{where}: only a reachable item has `reach`")
    if item.status == LIBRARY and not item.code:
        problems.append(f"{where}: a library item names its method (code)")
    if (item.status == NOT_APPLICABLE) != (item.reason is not None):
        problems.append(f"{where}: a reason is given exactly for the not_applicable items")
    if (item.mapping is None) != (not item.codes):
        problems.append(f"{where}: `codes` and `mapping` go together")
    if item.codes and item.kind != "code_table":
        problems.append(f"{where}: only a code_table lists codes")


def _item(raw: Any, where: str, problems: list[str]) -> Item | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping")
        return None
    if missing := _REQUIRED_ITEM_KEYS - raw.keys():
        problems.append(f"{where}: missing {', '.join(sorted(missing))}")
        return None
    if unknown := raw.keys() - _ITEM_KEYS:
        problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    where = f"{where} ({raw['id']})"
    line = raw["line"]
    if isinstance(line, bool) or not isinstance(line, int) or line < 1:
        problems.append(f"{where}: line must be a line number")
        line = 0
    reason, note, mapping = raw.get("reason"), raw.get("note"), raw.get("mapping")
    item = Item(
        id=_text(raw["id"], f"{where}.id", problems),
        line=line,
        quote=_text(raw["quote"], f"{where}.quote", problems),
        section=_text(raw["section"], f"{where}.section", problems),
        kind=_text(raw["kind"], f"{where}.kind", problems),
        name=_text(raw["name"], f"{where}.name", problems),
        status=_text(raw["status"], f"{where}.status", problems),
        reach=_texts(raw.get("reach"), f"{where}.reach", problems),
        code=_texts(raw.get("code"), f"{where}.code", problems),
        reason=None if reason is None else _text(reason, f"{where}.reason", problems),
        note=None if note is None else _text(note, f"{where}.note", problems),
        mapping=None if mapping is None else _text(mapping, f"{where}.mapping", problems),
        codes=_codes(raw.get("codes"), f"{where}.codes", problems),
    )
    _status_rules(item, where, problems)
    return item


def load_document(path: Path) -> Document:
    """Read one inventory file; raise InventoryError listing every problem in it."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InventoryError(f"{path.name}: not YAML: {err}") from err
    problems: list[str] = []
    if not isinstance(raw, dict) or set(raw) != _DOCUMENT_KEYS:
        raise InventoryError(f"{path.name}: expected exactly {', '.join(sorted(_DOCUMENT_KEYS))}")
    family = _text(raw["family"], "family", problems)
    raw_items = raw["items"]
    if not isinstance(raw_items, list) or not raw_items:
        raise InventoryError(f"{path.name}: items must be a non-empty list")
    items = [_item(entry, f"items[{index}]", problems) for index, entry in enumerate(raw_items)]
    seen: set[str] = set()
    for item in items:
        if item is None:
            continue
        if item.id in seen:
            problems.append(f"{item.id}: the id is used twice")
        seen.add(item.id)
        if not item.id.startswith(f"{family}."):
            problems.append(f"{item.id}: ids of this document start with '{family}.'")
    document = Document(
        file=_text(raw["document"], "document", problems),
        family=family,
        title=_text(raw["title"], "title", problems),
        code_base=_text(raw["code_base"], "code_base", problems),
        items=tuple(item for item in items if item is not None),
        source=path,
    )
    if problems:
        raise InventoryError(f"{path.name}:\n  " + "\n  ".join(problems))
    return document


def load_inventory(folder: Path = INVENTORY) -> list[Document]:
    """Read every inventory file, in the order of the documents' file names."""
    documents = [load_document(path) for path in sorted(folder.glob("*.yaml"))]
    if not documents:
        raise InventoryError(f"no inventory files in {folder}")
    return sorted(documents, key=lambda document: document.file)


# -- rendering --------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Make text safe inside a Markdown table cell (`<n>` outside code spans is not HTML)."""
    pieces = " ".join(text.split()).replace("|", "\\|").split("`")
    for index in range(0, len(pieces), 2):  # the even pieces are outside code spans
        pieces[index] = pieces[index].replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(pieces)


def _share(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.0f} %)" if total else "0"


def _counts_row(label: str, family: str, counts: Mapping[str, int]) -> str:
    total = sum(counts.values())
    cells = [label, family, str(total), *(_share(counts[status], total) for status in STATUSES)]
    return "| " + " | ".join(cells) + " |"


def _how(item: Item, document: Document) -> str:
    """Say how an item is reached, or why not, and what else matters about it."""
    if item.status == REACHABLE:
        parts = [_reach_cell(entry) for entry in item.reach]
    elif item.status == LIBRARY:
        parts = ["no action or entity calls the library method"]
    elif item.status == NOT_APPLICABLE:
        parts = [_cell(item.reason or "")]
    else:
        parts = []
    if item.codes:
        codes = ", ".join(str(code) for code in item.codes)
        parts.append(f"codes: {codes} (`{item.mapping}`)")
    if item.note:
        parts.append(f"*{_cell(item.note)}*")
    return "<br>".join(parts) or "—"


def _reach_cell(entry: str) -> str:
    """Show `entity: lock.lock` as entity `lock.lock`; automatic behaviour as words."""
    kind, _, what = entry.partition(":")
    what = what.strip()
    return f"automatic: {_cell(what)}" if kind == "automatic" else f"{kind} `{what}`"


def _code(item: Item) -> str:
    return "<br>".join(f"`{path}`" for path in item.code) or "—"


def _document_section(document: Document) -> list[str]:
    counts = {status: document.count(status) for status in STATUSES}
    total = len(document.items)
    summary = ", ".join(
        f"{STATUS_TEXTS[status]} {_share(counts[status], total)}" for status in STATUSES
    )
    lines = [
        f"## {document.title} (`{document.family}`)",
        "",
        f"Document `specs/{document.file}`, inventory `docs/coverage/{document.source.name}`: "
        f"{total} items; {summary}. Code paths are relative to `{document.code_base}`.",
        "",
        "| Id | Where (line) | Kind | Item | Status | Reached by / why not | Code |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in sorted(document.items, key=lambda item: item.line):
        cells = [
            f"`{item.id}`",
            f"{_cell(item.section)} ({item.line})",
            item.kind.replace("_", " "),
            _cell(item.name),
            STATUS_TEXTS[item.status],
            _how(item, document),
            _code(item),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def render(documents: Sequence[Document]) -> str:
    """Return docs/coverage.md for the inventory."""
    totals = dict.fromkeys(STATUSES, 0)
    rows = []
    for document in documents:
        counts = {status: document.count(status) for status in STATUSES}
        for status in STATUSES:
            totals[status] += counts[status]
        link = f"[{document.title}](#{_anchor(document)})"
        rows.append(_counts_row(link, document.family, counts))
    lines = [
        "# Protocol coverage",
        "",
        "<!-- Generated by scripts/coverage_table.py from docs/coverage/*.yaml: edit those, then",
        "     run `.venv/bin/python scripts/coverage_table.py`. -->",
        "",
        "Every item of the five protocol documents in `specs/` (endpoints, commands, table",
        "operations, settings groups, code tables) and how far Access Terminal covers it today:",
        "",
        "- **reachable**: a user reaches it through an entity (`platform.key`), an action",
        "  (`access_terminal.<service>`), an event (`event_type` of `access_terminal_event`) or",
        "  something the integration does by itself (*automatic*);",
        "- **library only**: a method of the protocol library that no action or entity calls",
        "  (only Python code can, with `coordinator.async_call(...)`);",
        "- **not applicable**: not meant for a local integration, or superseded by another item",
        "  that gives the user the same; the reason is given;",
        "- **missing**: not implemented.",
        "",
        "How items are counted (code tables in groups of one status, settings groups, what",
        "*superseded* means) is explained in `docs/coverage/README.md`;",
        "`tests/test_coverage_table.py` fails when this page, the inventory and the code disagree.",
        "",
        "## Summary",
        "",
        "| Document | Family | Items | Reachable | Library only | Not applicable | Missing |",
        "|---|---|---|---|---|---|---|",
        *rows,
        _counts_row("**All documents**", "", totals),
        "",
    ]
    for document in documents:
        lines += _document_section(document)
    return "\n".join(lines)


def _anchor(document: Document) -> str:
    """Return the GitHub anchor of a document's section heading."""
    heading = f"{document.title} ({document.family})".lower()
    kept = "".join(char for char in heading if char.isalnum() or char in " -_")
    return kept.replace(" ", "-")


def main(argv: Sequence[str] | None = None) -> int:
    """Write docs/coverage.md, or with --check say whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if docs/coverage.md is not up to date"
    )
    args = parser.parse_args(argv)
    try:
        text = render(load_inventory())
    except InventoryError as err:
        print(err, file=sys.stderr)
        return 2
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run scripts/coverage_table.py")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
