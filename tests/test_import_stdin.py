"""`funnel import -` reads standard input (issue 13): the format is --format,
else sniffed from the first line (`[` JSON, a whole object per line JSONL, a
`{` that goes on JSON, anything else CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from funnelcli.services.imports.sources import sniff_format
from helpers import ok, ok_json


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("title,value\nA,10\n", "csv"),
        ("title;value\nA;10\n", "csv"),
        ('{"title": "A"}\n{"title": "B"}\n', "jsonl"),
        ('[{"title": "A"}, {"title": "B"}]', "json"),
        ('\ufeff  [\n  {"title": "A"},\n  {"title": "B"}\n]\n', "json"),
        ('{\n  "funnelcli_export": 1,\n  "deals": [{"title": "A"}, {"title": "B"}]\n}\n', "json"),
    ],
)
def test_standard_input_is_read_and_its_format_sniffed(funnel: Any, text: str, fmt: str) -> None:
    assert sniff_format(text.encode()) == fmt
    run = funnel("import", "-", "--report", "json", input=text)
    assert run.exit_code == 0, run.stderr
    assert run.json()["imported"] == (1 if text.count("A") and "B" not in text else 2)
    titles = [d["title"] for d in ok_json(funnel, "list")]
    assert titles[:1] == ["A"]


def test_format_says_what_standard_input_is(funnel: Any) -> None:
    run = funnel("import", "-", "--format", "jsonl", "--report", "json", input='{"title": "A"}\n')
    assert (run.exit_code, run.json()["imported"]) == (0, 1)
    # told CSV, a JSON line is one column called {"title": "A"} and no title
    run = funnel("import", "-", "--format", "csv", input='{"title": "A"}\nx\n')
    assert run.exit_code == 1


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_an_export_piped_into_import(funnel: Any, isolated: Path, fmt: str) -> None:
    ok(funnel, "add", "Acme", "--value", "10", "--follow-up", "fri 10:00")
    ok(funnel, "add", "Globex", "--tag", "eu")
    exported = ok(funnel, "export", "--format", fmt).stdout
    new = ("--db", str(isolated / "new.db"))
    csv = ["--format", "csv"] if fmt == "csv" else []
    run = funnel(*new, "import", "-", *csv, input=exported)
    assert run.exit_code == 0, run.stderr
    assert ok_json(funnel, *new, "list") == ok_json(funnel, "list")
