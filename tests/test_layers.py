"""The layers of docs/architecture.md, checked on the source: only the store
speaks SQL or imports sqlite3; services never import the CLI or render (they
return data, never print or encode it); the CLI and render reach the store
only for types, except where the CLI opens the run's Store (cli/state.py)
and recognises SQLite's own errors (cli/group.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "funnelcli"
# Migrations are schema: their SQL is frozen text that sqlite-utils runs.
SQL_OUTSIDE_STORE_ALLOWED = {"migrations.py", "m004_undo_triggers.py"}
CLI_MAY_USE_STORE = {"cli/state.py", "cli/group.py"}


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(module imported, whether only under `if TYPE_CHECKING:`)."""
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                for sub in ast.walk(inner):
                    typing_only.add(id(sub))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in typing_only) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in typing_only))
    return found


def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_the_check_sees_the_modules() -> None:
    names = {_name(p) for p in _modules()}
    assert {"store/deals.py", "services/deals.py", "cli/deals.py", "render/output.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_only_the_store_speaks_sql(path: Path) -> None:
    name = _name(path)
    if name.startswith("store/") or name in SQL_OUTSIDE_STORE_ALLOWED:
        return
    tree = _parsed(path)
    assert not [m for m, _ in _imports(tree) if m == "sqlite3" or m.startswith("sqlite3.")], name
    calls = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("execute", "executemany", "executescript")
    ]
    assert calls == [], f"{name} runs SQL: {calls}"
    assert "store.conn.execute" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path", [p for p in _modules() if _name(p).startswith("services/")], ids=_name
)
def test_services_never_render_or_parse_arguments(path: Path) -> None:
    bad = [
        m
        for m, _ in _imports(_parsed(path))
        if m.startswith(("funnelcli.render", "funnelcli.cli", "typer", "rich"))
    ]
    assert bad == [], _name(path)


@pytest.mark.parametrize(
    "path", [p for p in _modules() if _name(p).startswith(("cli/", "render/"))], ids=_name
)
def test_cli_and_render_reach_the_store_only_for_types(path: Path) -> None:
    name = _name(path)
    if name in CLI_MAY_USE_STORE:
        return
    bad = [
        m
        for m, typing_only in _imports(_parsed(path))
        if m.startswith("funnelcli.store") and not typing_only
    ]
    assert bad == [], name


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path, known: set[str]) -> set[str]:
    """The funnelcli modules `path` imports when it is imported (imports inside
    functions are lazy by design, those under TYPE_CHECKING never run)."""
    found: set[str] = set()
    for node in _parsed(path).body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} & known
            found |= {f"{node.module}.{a.name}" for a in node.names} & known
    return found


def test_no_import_cycles() -> None:
    modules = {_module_name(p): p for p in _modules()}
    graph = {m: _top_level_imports(p, set(modules)) - {m} for m, p in modules.items()}
    assert graph["funnelcli.cli.deal_edit"] >= {"funnelcli.cli.deals"}  # the check sees edges
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph[module]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_module_over_400_lines() -> None:
    long = {_name(p): n for p in _modules() if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
