"""Docs can't drift: every command has help with an example, and is in the docs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import typer.main

from funnelcli.cli import app

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "docs"))


def _leaves() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []

    def walk(cmd: object, path: str) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{path} {name}")
        else:
            found.append((path, cmd))

    walk(typer.main.get_command(app), "funnel")
    return found


@pytest.mark.parametrize(("path", "cmd"), _leaves(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help_with_an_example(path: str, cmd: object) -> None:
    text = getattr(cmd, "help", "") or ""
    assert text.strip(), f"{path} has no help"
    assert "Example" in text, f"{path}'s help has no example"


def test_every_command_is_in_the_readme_and_reference() -> None:
    readme = (REPO / "README.md").read_text()
    reference = (REPO / "docs" / "commands.md").read_text()
    for path, _ in _leaves():
        assert f"## `{path}`" in reference, path
        assert path in readme, f"README.md doesn't show `{path}`"
