"""docs/json.md lists every key of every command's JSON: each command runs with
--format json on a small database, and every key it prints must be in the
tables of its section (a key added to the output and not to the doc fails
here)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers import add, ok, ok_json

DOC = Path(__file__).resolve().parent.parent / "docs" / "json.md"
ROW = re.compile(
    r"^\| (?:`(?P<path>[^`]+)`|\*\(every key of a deal\)\*) "
    r"\|\s*(?P<type>[^|]*?)\s*\|(?P<meaning>.*)\|$"
)
LINK = re.compile(r"\]\(#([a-z-]+)\)")


def sections() -> dict[str, set[str]]:
    """Section anchor -> the key paths its tables list (a deal's keys where a
    row says "every key of a deal"; a linked section's keys under a row that
    links one, as `board`'s deals do)."""
    return {name: set(table) for name, table in typed_sections().items()}


def typed_sections() -> dict[str, dict[str, str]]:
    """Section anchor -> {key path: its type as the doc writes it}."""
    raw: dict[str, list[tuple[str | None, str, str]]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].strip().lower().replace(" ", "-")
            raw[current] = []
        elif current and (m := ROW.match(line)):
            raw[current].append((m["path"], m["type"], m["meaning"]))

    def keys(name: str, seen: frozenset[str] = frozenset()) -> dict[str, str]:
        found: dict[str, str] = {}
        for path, kind, meaning in raw[name]:
            if path is None:
                found |= keys("deal", seen | {name})
                continue
            found[path] = kind
            for target in LINK.findall(kind + meaning):
                if target in raw and target not in seen and target != name:
                    under = path + ("[]" if kind.startswith("array") else "")
                    found |= {f"{under}.{k}": t for k, t in keys(target, seen | {name}).items()}
        return found

    return {name: keys(name) for name in raw}


def emitted(value: Any, documented: set[str], prefix: str = "") -> set[str]:
    """The key paths of `value` (the elements of a top-level array are the
    objects the doc describes); an object the doc marks `{}` is a map."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= emitted(item, documented, f"{prefix}[]" if prefix else "")
    elif isinstance(value, dict):
        if f"{prefix}{{}}" in documented:
            for item in value.values():
                found.add(f"{prefix}{{}}")
                found |= emitted(item, documented, f"{prefix}{{}}")
        else:
            for key, item in value.items():
                path = f"{prefix}.{key}" if prefix else key
                found.add(path)
                found |= emitted(item, documented, path)
    return found


# what a text value of each date or time type looks like (docs/json.md, Conventions)
FORMATS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "instant": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"),
    "time": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?"),
    "timestamp": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}"),
}


def is_a(value: Any, kind: str) -> bool:
    """`value` is of the type the doc writes as `kind` (`int`, `instant or
    null`, `array of text`, `array of [deal](#deal)` …)."""
    kind = kind.strip()
    if kind.endswith(" or null"):
        return value is None or is_a(value, kind.removesuffix(" or null"))
    if kind.startswith("array"):
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str)
    pattern = FORMATS.get(kind)
    assert pattern is not None, f"docs/json.md has a type this test doesn't know: {kind!r}"
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def mistyped(value: Any, types: dict[str, str], prefix: str = "") -> set[str]:
    """The key paths of `value` whose value is not of the type the doc gives
    them (as `path: value`); paths the doc does not list are left to `emitted`."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= mistyped(item, types, f"{prefix}[]" if prefix else "")
        return found
    if not isinstance(value, dict):
        return found
    mapped = f"{prefix}{{}}" in types
    for key, item in value.items():
        path = f"{prefix}{{}}" if mapped else (f"{prefix}.{key}" if prefix else key)
        kind = types.get(path)
        if kind and not is_a(item, kind):
            found.add(f"{path}: {item!r}")
        found |= mistyped(item, types, path)
    return found


@pytest.fixture
def small(funnel: Any, monkeypatch: pytest.MonkeyPatch, isolated: Path) -> Any:
    """Deals in two currencies with history, touches, custom fields and
    follow-ups; one stale, one snoozed, one won, one lost."""
    monkeypatch.setenv("FUNNEL_NOW", "2026-10-01T09:00")
    add(funnel, "Old", "--value", "100", "--org", "Initech", "--field", "size=10")
    add(funnel, "Idle", "--follow-up", "2026-10-20")
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T10:15")
    add(funnel, "Acme", "--value", "4800", "--tag", "eu", "--follow-up", "fri 10:00")
    add(
        funnel,
        "Globex",
        "--value",
        "1200.50",
        "--currency",
        "EUR",
        "--expected-close",
        "2026-12-15",
    )
    add(funnel, "Hooli", "--owner", "anna", "--value", "50", "--stage", "demo")
    ok(funnel, "move", "3", "demo", "--note", "went well")
    ok(funnel, "log", "3", "call", "hello")
    ok(funnel, "won", "5")
    ok(funnel, "lost", "1", "--reason", "budget")
    ok(funnel, "reopen", "1")
    ok(funnel, "snooze", "4", "+3d", "--reason", "holiday")
    ok(funnel, "stage", "set", "proposal", "--owner", "bob")
    ok(funnel, "move", "1", "proposal")  # handed to bob: inbox, due and show say so
    ok(funnel, "pipeline", "create", "renewals", "--stages", "ask,quote")
    ok(funnel, "config", "set", "owner", "me")
    csv = isolated / "in.csv"
    csv.write_text("title,value\nFrom a file,10\n")
    return funnel


COMMANDS: list[tuple[str, list[str]]] = [
    ("deal", ["list", "--status", "all"]),
    ("list-score", ["list", "--sort", "score", "--explain"]),
    ("show", ["show", "3"]),
    ("show", ["show", "1"]),
    ("due", ["due", "--within", "30"]),
    ("inbox", ["inbox", "--owner", "bob", "--peek"]),
    ("stale", ["stale"]),
    ("board", ["board"]),
    ("report-funnel", ["report", "funnel"]),
    ("report-funnel", ["report", "funnel", "--since", "60d", "--compare", "previous"]),
    ("report-funnel", ["report", "funnel", "--explain"]),
    ("report-metrics", ["report", "metrics"]),
    ("report-metrics", ["report", "metrics", "--since", "60d", "--compare", "previous"]),
    ("report-metrics", ["report", "metrics", "--explain"]),
    ("report-metrics", ["report", "metrics", "--by", "owner"]),
    (
        "report-funnel",
        ["report", "funnel", "--by", "owner", "--since", "60d", "--compare", "previous"],
    ),
    ("report-metrics", ["report", "metrics", "--per", "month", "--compare", "last-year"]),
    ("report-activity", ["report", "activity", "--by", "owner"]),
    ("report-owners", ["report", "owners"]),
    ("report-owners", ["report", "owners", "--min-deals", "1"]),
    ("report-forecast", ["report", "forecast"]),
    ("report-forecast", ["report", "forecast", "--by", "quarter", "--goal", "1000"]),
    ("move", ["add", "New", "--value", "5", "--field", "a=b"]),
    ("deal", ["edit", "3", "--contact", "Jo"]),
    ("move", ["move", "3", "proposal"]),
    ("deal", ["log", "3", "email", "sent"]),
    ("deal", ["follow-up", "3", "tomorrow"]),
    ("deal", ["snooze", "1", "+1d"]),
    ("deal", ["won", "3"]),
    ("move", ["reopen", "3"]),
    ("deal", ["lost", "3", "--reason", "price"]),
    ("deal", ["delete", "6", "--yes"]),
    ("changes", ["changes", "-n", "50"]),
    ("undo", ["undo", "--dry-run"]),
    ("undo", ["undo"]),
    ("undo", ["changes", "--prune", "2"]),
    ("doctor", ["doctor"]),
    ("pipeline", ["pipeline", "list"]),
    ("pipeline", ["pipeline", "templates"]),
    ("pipeline", ["pipeline", "create", "later", "--stages", "x,y"]),
    ("pipeline", ["stage", "move", "ask", "--after", "quote", "--pipeline", "renewals"]),
    ("stage", ["stage", "list"]),
    ("stage", ["stage", "add", "extra"]),
    ("stage", ["stage", "rename", "extra", "more"]),
    ("stage", ["stage", "set", "more", "--probability", "5"]),
    ("stage", ["stage", "remove", "more"]),
    ("config", ["config", "get"]),
    ("config", ["config", "get", "owner"]),
]


def test_every_key_a_command_prints_is_in_docs_json(small: Any, isolated: Path) -> None:
    doc = sections()
    missing: dict[str, set[str]] = {}
    seen: set[str] = set()
    for section, args in COMMANDS:
        value = ok_json(small, *args, quiet=False)
        assert value not in ([], {}, None), args  # the check needs something to look at
        found = emitted(value, doc[section])
        seen |= {f"{section}:{k}" for k in found}
        if found - doc[section]:
            missing[" ".join(args)] = found - doc[section]
    run = ok(small, "import", str(isolated / "in.csv"), "--report", "json")
    found = emitted(json.loads(run.stdout), doc["import"])
    assert found - doc["import"] == set()
    assert missing == {}, f"keys docs/json.md does not list: {missing}"
    # the check sees keys: a deal's, a nested one and a map's values
    assert {"deal:next_follow_up", "show:history[].to_stage", "changes:rows{}{}"} <= seen


def test_every_value_has_the_type_docs_json_gives_it(small: Any, isolated: Path) -> None:
    # issue 13: instants (`created_at`, a history event's `at`) are UTC with
    # `Z`; the doc called them local times without an offset
    types = typed_sections()
    wrong: dict[str, set[str]] = {}
    for section, args in COMMANDS:
        value = ok_json(small, *args, quiet=False)
        if bad := mistyped(value, types[section]):
            wrong[" ".join(args)] = bad
    assert wrong == {}, f"values not of their docs/json.md type: {wrong}"


def test_the_export_is_in_docs_json(small: Any) -> None:
    """Issue 13: `export`'s JSON and JSONL, every key and its type, and the
    doc lists no key the export lacks (its optional keys made to appear)."""
    ok(small, "edit", "2", "--pipeline", "renewals", "--stage", "ask")  # from_pipeline
    ok(small, "stage", "add", "extra")
    ok(small, "stage", "remove", "extra")  # a removed stage
    doc, types = sections()["export"], typed_sections()["export"]
    whole = json.loads(ok(small, "export", "--format", "json").stdout)
    found = emitted(whole, doc)
    assert found - doc == set(), "keys docs/json.md does not list"
    assert doc - found == set(), "keys docs/json.md lists that the export lacks"
    assert mistyped(whole, types) == set()
    header, *deals = map(json.loads, ok(small, "export").stdout.splitlines())
    assert set(header) == set(whole) - {"deals"} and len(deals) == len(whole["deals"])
    lines = emitted(header, doc) | {"deals"} | emitted(deals, doc, "deals")
    assert lines == found
    assert mistyped({**header, "deals": deals}, types) == set()


def test_the_type_check_knows_the_time_types() -> None:
    types = typed_sections()["deal"]
    assert types["created_at"] == "instant" and types["next_follow_up"] == "date or null"
    assert mistyped({"created_at": "2026-12-07T08:00:00Z"}, types) == set()
    assert mistyped({"created_at": "2026-12-07T09:00"}, types) == {"created_at: '2026-12-07T09:00'"}
    assert typed_sections()["report-metrics"]["since"] == "time or null"
    assert is_a("2026-11-01T00:00", "time") and not is_a("2026-11-01T00:00:00Z", "time")


def test_a_key_the_doc_lacks_is_caught() -> None:
    doc = sections()
    assert emitted({"id": 1, "surprise": 2}, doc["deal"]) - doc["deal"] == {"surprise"}
    assert emitted([{"fields": {"any name": "x"}}], doc["deal"]) <= doc["deal"]


def test_the_readme_points_to_it() -> None:
    readme = (DOC.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "docs/json.md" in readme
