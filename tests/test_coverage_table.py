"""docs/coverage.md agrees with its inventory (docs/coverage/), and the inventory with the code.

Every item that says how it is reached must name things that exist: the code that implements it,
the action, the entity description, the event type. Deleting or renaming any of them fails here,
as does a code table whose mapping gained or lost a code the inventory lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
import importlib
import os
from pathlib import Path
from typing import Any

from homeassistant.const import Platform
from homeassistant.helpers.entity import EntityDescription
from homeassistant.util.yaml import load_yaml_dict
import pytest

from custom_components.access_terminal.const import DOMAIN
from custom_components.access_terminal.protocols.model import EventType, Family
from custom_components.access_terminal.protocols.webjson.terminal import WebJsonTerminal
from scripts.coverage_table import (
    LIBRARY,
    NOT_APPLICABLE,
    OUTPUT,
    REACHABLE,
    ROOT,
    STATUSES,
    Document,
    InventoryError,
    Item,
    load_document,
    load_inventory,
    render,
)

PACKAGE = "custom_components.access_terminal"
SERVICES = Path(__file__).parent.parent / "custom_components" / DOMAIN / "services.yaml"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """These tests read files and import modules: no Home Assistant instance is started."""


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    """Return the whole inventory."""
    return load_inventory()


def _items(documents: Iterable[Document]) -> Iterator[tuple[Document, Item]]:
    for document in documents:
        for item in document.items:
            yield document, item


def _reach(item: Item, kind: str) -> Iterator[str]:
    """Yield what each `kind:` entry of an item's reach names."""
    for entry in item.reach:
        prefix, _, what = entry.partition(":")
        if prefix == kind:
            yield what.strip()


def resolve(path: str) -> Any:
    """Import the longest module prefix of a dotted path, then follow its attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            target: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name is not None and module_name.startswith(err.name):
                continue  # not a module: an attribute of a shorter prefix
            raise
        for name in parts[cut:]:
            if isinstance(target, type) and name not in vars(target):
                # Inherited only: deleting a method that overrides one must not go unnoticed.
                raise AttributeError(f"{target.__name__} does not define {name} itself")
            target = getattr(target, name)
        return target
    raise ModuleNotFoundError(path)


def unresolved(documents: Iterable[Document]) -> list[str]:
    """Return every `code` or `mapping` path that does not lead to an existing attribute."""
    problems = []
    for document, item in _items(documents):
        for path in [*item.code, *([item.mapping] if item.mapping else [])]:
            try:
                resolve(document.dotted(path))
            except (ImportError, AttributeError) as err:
                problems.append(f"{item.id}: {path} ({type(err).__name__}: {err})")
    return problems


def _description_keys(platform: str) -> set[str]:
    """Return the keys of the entity descriptions a platform module declares."""
    module = importlib.import_module(f"{PACKAGE}.{platform}")
    keys: set[str] = set()

    def collect(value: object, depth: int) -> None:
        # By name: Home Assistant's frozen-dataclass shim gives plain descriptions (such as a
        # LockEntityDescription used as is) a base that is not EntityDescription itself.
        if any(base.__name__ == EntityDescription.__name__ for base in type(value).__mro__):
            keys.add(value.key)  # type: ignore[attr-defined]
        elif depth < 2 and isinstance(value, tuple | list | set | frozenset):
            for entry in value:
                collect(entry, depth + 1)
        elif depth < 2 and isinstance(value, Mapping):
            for entry in value.values():
                collect(entry, depth + 1)

    for value in vars(module).values():
        collect(value, 0)
    return keys


def _specs_folder() -> Path | None:
    """Return where the protocol documents are (they live beside the repository)."""
    candidates = [
        os.environ.get("ACCESS_TERMINAL_SPECS"),
        ROOT / "specs",
        ROOT.parent / "shared" / "specs",
    ]
    for candidate in candidates:
        if candidate and (folder := Path(candidate)).is_dir():
            return folder
    return None


# -- the page -----------------------------------------------------------------------------------


def test_page_is_up_to_date(documents: list[Document]) -> None:
    """The committed docs/coverage.md is what the script renders from the inventory."""
    assert OUTPUT.read_text(encoding="utf-8") == render(documents), (
        "docs/coverage.md is stale: run .venv/bin/python scripts/coverage_table.py"
    )


def test_one_inventory_per_family(documents: list[Document]) -> None:
    """Every protocol family has its document's inventory, and no other inventory exists."""
    assert sorted(document.family for document in documents) == sorted(map(str, Family))
    assert len({document.file for document in documents}) == len(documents)


# -- the inventory's own rules ------------------------------------------------------------------


def test_ids_are_unique(documents: list[Document]) -> None:
    """No two items share an id, in one document or across them."""
    ids = [item.id for _, item in _items(documents)]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_statuses_and_reasons(documents: list[Document]) -> None:
    """Statuses come from the allowed set, and each says what it must."""
    for _, item in _items(documents):
        assert item.status in STATUSES, item.id
        if item.status == NOT_APPLICABLE:
            assert item.reason, f"{item.id}: a reason is required"
            assert item.reason.strip(), f"{item.id}: a reason is required"
        if item.status == REACHABLE:
            assert item.reach, f"{item.id}: say how it is reached"
            assert item.code, f"{item.id}: say which code reaches it"
        if item.status == LIBRARY:
            assert item.code, f"{item.id}: name the library method"
            assert not item.reach, f"{item.id}: a library item is reached by nothing"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"status": "done"}, "status 'done'"),
        ({"status": "not_applicable"}, "a reason is given exactly for the not_applicable items"),
        ({"reach": ["option: x"]}, "is not '<entity|action|event|automatic>: ...'"),
        ({"reason": "because"}, "a reason is given exactly for the not_applicable items"),
        ({"codes": [1]}, "`codes` and `mapping` go together"),
        ({"id": "webjson.first"}, "the id is used twice"),
        ({"id": "zk_push.elsewhere"}, "ids of this document start with 'webjson.'"),
        ({"surprise": 1}, "unknown key(s) surprise"),
    ],
)
def test_loader_refuses_a_malformed_item(
    tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    """The script refuses an inventory that breaks the rules, naming the problem."""
    first = {
        "id": "webjson.first",
        "line": 1,
        "quote": "q",
        "section": "s",
        "kind": "command",
        "name": "n",
        "status": "missing",
    }
    second = {**first, "id": "webjson.second", **change}
    lines = ["document: d.txt", "family: webjson", "title: T", "code_base: cb", "items:"]
    lines += [f"  - {_flow(item)}" for item in (first, second)]
    path = tmp_path / "webjson.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        load_document(path)
    assert problem in str(caught.value)


def _flow(item: Mapping[str, Any]) -> str:
    """Write a mapping as a YAML flow mapping (the values here are plain)."""
    return "{" + ", ".join(f"{key}: {value!r}" for key, value in item.items()) + "}"


# -- the inventory against the code -------------------------------------------------------------


def test_code_paths_resolve(documents: list[Document]) -> None:
    """Every `code` and `mapping` path imports and names an existing attribute."""
    assert unresolved(documents) == []


def test_deleted_code_is_noticed(
    documents: list[Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleting code an item points to makes the check fail, naming the item."""
    monkeypatch.delattr(WebJsonTerminal, "set_time")
    assert any(problem.startswith("webjson.settime:") for problem in unresolved(documents))


def test_actions_exist(documents: list[Document]) -> None:
    """Every `action:` names a service of services.yaml."""
    services = load_yaml_dict(str(SERVICES))
    wrong = [
        f"{item.id}: {action}"
        for _, item in _items(documents)
        for action in _reach(item, "action")
        if action.partition(".")[0] != DOMAIN or action.partition(".")[2] not in services
    ]
    assert wrong == []


def test_events_are_in_the_vocabulary(documents: list[Document]) -> None:
    """Every `event:` is an event type of the shared vocabulary."""
    vocabulary = {str(kind) for kind in EventType}
    wrong = [
        f"{item.id}: {event}"
        for _, item in _items(documents)
        for event in _reach(item, "event")
        if event not in vocabulary
    ]
    assert wrong == []


def test_entities_exist(documents: list[Document]) -> None:
    """Every `entity:` names an entity description key of that platform."""
    platforms = {str(platform) for platform in Platform}
    wrong = []
    for _, item in _items(documents):
        for entity in _reach(item, "entity"):
            platform, _, key = entity.partition(".")
            if platform not in platforms:
                wrong.append(f"{item.id}: {entity} (no such platform)")
            elif key not in _description_keys(platform):
                wrong.append(f"{item.id}: {entity} (no such description key)")
    assert wrong == []


def test_code_tables_match_their_mappings(documents: list[Document]) -> None:
    """A reachable code group is all mapped; a missing or not-applicable one not at all."""
    wrong = []
    for document, item in _items(documents):
        if item.mapping is None:
            continue
        mapping = resolve(document.dotted(item.mapping))
        wrong += [
            f"{item.id}: code {code!r} ({item.status})"
            for code in item.codes
            if (code in mapping) != (item.status == REACHABLE)
        ]
    assert wrong == []


def test_quotes_are_on_their_lines(documents: list[Document]) -> None:
    """Each item's quote is on the document line it names (where the documents are at hand)."""
    folder = _specs_folder()
    if folder is None:
        pytest.skip("the protocol documents are not beside the repository")
    wrong = []
    for document in documents:
        lines = (folder / document.file).read_text(encoding="utf-8").split("\n")
        for item in document.items:
            text = " ".join(lines[item.line - 1].split()) if item.line <= len(lines) else ""
            if item.quote not in text:
                wrong.append(f"{item.id}: line {item.line} does not say {item.quote!r}")
    assert wrong == []
