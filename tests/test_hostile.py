"""Hostile input: whatever text, numbers and dates reach any command, funnel
ends with exit 0, 1 or 2 (3 only for `due --check`), says why on stderr when
not 0, and never shows a traceback. Text that reaches the database is kept
exactly, shown inertly (no escape sequence, bell or bidi override reaches a
terminal) and survives export → import unchanged.

The commands and their options come from the Typer app itself, so a new
command or option is fuzzed without anyone adding it here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import funnelcli.render.output
from funnelcli.cli import app
from funnelcli.config import DEFAULTS
from helpers import ok

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# What must never reach a terminal raw: ESC (CSI/OSC sequences), BEL, NUL,
# CSI as one C1 byte, backspace, and the bidi overrides and isolates.
RAW = ["\x1b", "\x07", "\x00", "\x9b", "\x08", "\u202e", "\u202d", "\u2066", "\u2067"]

HOSTILE = {
    "markup": "[bold]x[/] [link=http://x]y[/link] [red",
    "ansi": "\x1b[31mred\x1b[0m \x1b[2J",
    "osc8": "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07",
    "nul": "a\x00b",
    "rtl": "invoice \u202egnp.exe",
    "c1 and isolates": "\x9b31m \u2066x\u2069 \u200fy",
    "lines": "one\ntwo\r\nthree\ttab",
    "formula": '=HYPERLINK("http://x","y")',
    "quote first": "'quoted",
    "wide": "Zoë 👩‍👩‍👧 ﷽ 文字 e\u0301",
    "backspace": "abc\x08\x08\x08xyz",
    "carriage return": "typed\rover",  # a CSV cell that must be quoted
}


def one_error_line(run: Any) -> str:
    assert run.exit_code == 1, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("funnel: error: ")
    return lines[0]


def assert_inert(text: str) -> None:
    for ch in RAW:
        assert ch not in text, (repr(ch), text[:500])


# -- every command, every option -----------------------------------------------


def all_commands() -> list[tuple[tuple[str, ...], Any]]:
    """(path, click command) for every command of the app, like
    docs/cogutil.py's all_commands."""
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            found.append((path, cmd))
            return
        for name, sub in sorted(subs.items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = all_commands()

GOOD = ["1", "2", "3", "#1", "SF-1", "99", "lead", "demo", "qualified", "won", "lost", "sales",
        "renewals", "json", "table", "csv", "jsonl", "all", "open", "me", "anna", "call",
        "4800", "€1.200,50", "USD", "EUR", "segment=smb", "region=", "month", "quarter",
        "previous", "ymd", "dmy", "mdy", "owner", "currency", "date_order", "db", "", " ", "-",
        "--", "-1", "0", "title=Deal Name"]  # fmt: skip
DATES = ["today", "tomorrow", "yesterday", "+3d", "-2w", "+1m", "3d", "fri", "eow", "eom",
         "eoq", "2026-11-01", "2026-02-30", "0001-01-01", "9999-12-31T23:59", "+99999999d",
         "-1000000w", "24:00", "today 25:00", "03/04/2026", "2026-13-01", "1e9", "T",
         "Z"]  # fmt: skip
ODD = ["~nosuchuser", "~", "%s %d {0}", "'; DROP TABLE deals; --", "\ufeff1", "１２", "٣",
       "1e309", "nan", "inf", "-0", "0x10", "1_000", "9" * 40, "x" * 5000, "\udcff",
       "a=b=c", "=", "#", "#0", "#-1", "NULL"]  # fmt: skip

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)
dates = st.one_of(
    st.sampled_from(DATES),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
)
strings = st.one_of(
    st.sampled_from(GOOD),
    text,
    numbers,
    dates,
    st.sampled_from(list(HOSTILE.values())),
    st.sampled_from(ODD),
)
# Files a path argument may name (relative to the working directory, where
# nothing else lives), and names that don't exist yet.
FILES = ["deals.csv", "deals.jsonl", "deals.json", "latin1.csv", "junk.bin", "empty.csv",
         "old.db", "adir", "funnel-copy.db"]  # fmt: skip
paths = st.one_of(
    st.sampled_from(FILES),
    st.text(st.characters(codec="utf-8", exclude_characters="/\x00~"), min_size=1, max_size=12)
    .filter(lambda s: s not in (".", ".."))
    .map(lambda s: f"new-{s}"),
)


# Values that get past the first check, by parameter name, so that half the
# time a fuzzed command goes deep (an unknown name gets arbitrary strings only).
LIKELY: dict[str, st.SearchStrategy[str]] = {
    "deal": st.sampled_from(["1", "2", "3", "#2", "SF-1"]),
    "stage": st.sampled_from(["lead", "qualified", "demo", "proposal", "neg", "ask"]),
    "pipeline": st.sampled_from(["sales", "renewals", "SALES"]),
    "fmt": st.sampled_from(["table", "json", "jsonl", "csv"]),
    "status": st.sampled_from(["open", "won", "lost", "all"]),
    "kind": st.sampled_from(["call", "email", "meeting"]),
    "owner": st.sampled_from(["me", "anna", "ME"]),
    "sort": st.sampled_from(["value", "-value", "title", "next", "-closed"]),
    "by": st.sampled_from(["month", "quarter"]),
    "compare": st.just("previous"),
    "date_order": st.sampled_from(["ymd", "dmy", "mdy"]),
    "report": st.sampled_from(["table", "json"]),
    "key": st.sampled_from(list(DEFAULTS)),
    "value": st.one_of(numbers, st.sampled_from(["4800", "€1.200,50", "4 800,50 zł", "¥5"])),
    "goal": st.sampled_from(["10000", "€5000", "0"]),
    "field": st.sampled_from(["segment=smb", "region=", "a=b=c", "="]),
    "tag": st.sampled_from(["eu", "priority", "a;b", "new logo"]),
    "currency": st.sampled_from(["USD", "EUR", "KWD", "JPY", "usd", "XXX"]),
    "change": st.sampled_from(["1", "2", "last"]),
}
for name in ("at", "follow_up", "expected_close", "next_when", "when_", "until", "since"):
    LIKELY[name] = dates
LIKELY["untag"] = LIKELY["tag"]
LIKELY["after"] = LIKELY["before"] = LIKELY["new"] = LIKELY["stage"]


def value_for(param: Any) -> st.SearchStrategy[str]:
    likely = LIKELY.get(param.name or "")
    anything = _value_for(param)
    if likely is None:
        return anything
    return st.booleans().flatmap(lambda deep: likely if deep else anything)


def _value_for(param: Any) -> st.SearchStrategy[str]:
    kind = type(param.type).__name__
    if kind == "TyperPath" or kind == "Path":
        return paths
    if kind == "IntRange":
        low = param.type.min if param.type.min is not None else 0
        high = param.type.max if param.type.max is not None else low + 10
        # inside and just outside, but not the expensive top (demo --deals 5000)
        return st.sampled_from([low - 1, low, low + 1, high + 1, -(2**70)]).map(str)
    if kind == "IntParamType":
        return st.one_of(
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
            st.sampled_from(["0", "-1", "1", "3650", "3651", "abc", "", "1.5"]),
        )
    return strings


@st.composite
def command_lines(draw: Any) -> list[str]:
    path, cmd = draw(st.sampled_from(COMMANDS))
    options: list[str] = []
    arguments: list[str] = []
    for param in cmd.params:
        if param.param_type_name == "argument":
            if param.required or draw(st.booleans()):
                count = 1 if param.nargs == 1 else draw(st.integers(0, 3))
                arguments += [draw(value_for(param)) for _ in range(count)]
            continue
        if draw(st.integers(0, 3)) != 0 and not param.required:
            continue  # most options are left out
        name = draw(st.sampled_from(param.opts))
        if getattr(param, "is_flag", False):
            options.append(name)
            continue
        for _ in range(draw(st.integers(1, 3)) if param.multiple else 1):
            options += [name, draw(value_for(param))]
    order = draw(st.sampled_from(["options first", "arguments first"]))
    rest = options + arguments if order == "options first" else arguments + options
    root: list[str] = []
    if draw(st.integers(0, 9)) == 0:
        root = ["--db", draw(paths)]
    return [*root, *path, *rest]


def assert_well_behaved(args: list[str], run: Any) -> None:
    allowed = {0, 1, 2} | ({3} if "due" in args and "--check" in args else set())
    assert run.exit_code in allowed, (args, run.exit_code, run.stderr)
    if run.exit_code in (1, 2):
        assert "funnel: error: " in run.stderr, (args, run.stderr)
    assert_inert(run.stderr)
    if "export" not in args and not any(f in args for f in ("csv", "jsonl")):
        # tables and JSON escape what a terminal would act on (CSV, JSONL and
        # exports carry the text as it is: they are data for programs)
        assert_inert(run.stdout)


@pytest.fixture
def playground(funnel, isolated, monkeypatch):
    """A database with a few deals, sample files to import, and a working
    directory with nothing else in it; `reset()` puts all of it back."""
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-21T12:00")  # so #1 is overdue by the 23rd
    for args in (
        ["add", "Acme", "--value", "4800", "--external-id", "SF-1", "--tag", "eu",
         "--field", "segment=smb", "--at", "2026-11-20", "--note", "hello",
         "--follow-up", "2026-11-22"],
        ["move", "1", "demo", "--at", "2026-11-21"],
        ["add", "Globex", "--stage", "proposal", "--owner", "anna", "--value", "€1.200,50"],
        ["won", "2"],
        ["add", "Initech", "--pipeline", "sales", "--expected-close", "eom"],
        ["log", "3", "call", "walked through pricing"],
        ["lost", "3", "--reason", "budget"],
        ["reopen", "3"],
    ):  # fmt: skip
        ok(funnel, *args)
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T10:15:00")
    db = isolated / "funnel.db"
    template = isolated / "template.db"
    shutil.copyfile(db, template)
    files = {
        "deals.csv": b"title,org,value,stage\nNew,Org,100,demo\n",
        "deals.jsonl": ok(funnel, "export").stdout.encode(),
        "deals.json": ok(funnel, "export", "--format", "json").stdout.encode(),
        "latin1.csv": "title,org\nCaf\xe9,M\xfcller\n".encode("latin-1"),
        "junk.bin": bytes(range(256)) * 4,
        "empty.csv": b"",
        "old.db": (FIXTURES / "schema-v1.sqlite").read_bytes(),
        "funnel-copy.db": template.read_bytes(),
    }
    work = isolated / "work"
    scratch = isolated / "tmp"
    monkeypatch.chdir(isolated)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # `funnel demo` writes here

    def reset() -> None:
        for d in (work, scratch):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir()
        for name, data in files.items():
            (work / name).write_bytes(data)
        (work / "adir").mkdir()
        shutil.copyfile(template, db)
        (isolated / "config.toml").unlink(missing_ok=True)
        os.chdir(work)

    reset()
    return reset


def _huge(arg: str) -> bool:
    try:
        return abs(int(arg)) >= 2**63
    except ValueError:
        return False


# Bugs found and not yet fixed, each with a strict xfail test below; the fuzz
# steps around them so that it keeps looking for new ones. Remove an entry when
# its xfail starts passing.
KNOWN_BUGS = {}


def examples(default: int) -> int:
    """FUNNEL_FUZZ_EXAMPLES=5000 pytest tests/test_hostile.py: a longer hunt."""
    return int(os.environ.get("FUNNEL_FUZZ_EXAMPLES", default))


@pytest.mark.slow
@pytest.mark.sqlite_only  # each example starts from a copy of the playground's file
@settings(
    max_examples=examples(250),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=st.lists(command_lines(), min_size=1, max_size=3))
def test_any_arguments_to_any_command_end_in_a_clean_exit(funnel, playground, lines):
    assume(not any(bug(args) for args in lines for bug in KNOWN_BUGS.values()))
    playground()
    for args in lines:
        run = funnel(*args)  # the fixture fails on a traceback or an internal error
        assert_well_behaved(args, run)
        if os.environ.get("FUNNEL_FUZZ_LOG"):
            with open(os.environ["FUNNEL_FUZZ_LOG"], "a") as log:
                log.write(json.dumps([run.exit_code, args]) + "\n")


@pytest.mark.parametrize("args", [["changes", "--limit", str(2**63)], ["undo", str(2**63)]])
def test_numbers_past_64_bits_for_changes_and_undo(funnel, args):
    one_error_line(funnel(*args))


def test_the_fuzzer_sees_every_command(funnel):
    """COMMANDS is the app's own tree, lazily registered verbs included."""
    from funnelcli.cli.root import DATA_VERBS, DEAL_VERBS, FOLLOW_UP_VERBS

    names = {" ".join(path) for path, _ in COMMANDS}
    assert {*DEAL_VERBS, *FOLLOW_UP_VERBS, *DATA_VERBS} <= names
    assert {"report funnel", "stage set", "pipeline create", "config set", "demo"} <= names
    for path, _ in COMMANDS:
        assert "Usage" in ok(funnel, *path, "--help").stdout, path


# -- hostile text: kept exactly, shown inertly, exported losslessly ----------------


def key(s: str) -> str:
    """A custom field's name from `s` (`--field KEY=VALUE` splits at the first =)."""
    return "K " + s.replace("=", "")


def tag(s: str) -> str:
    """A tag from `s` (a tag has no commas: they separate tags)."""
    return "G " + s.replace(",", "")


def _store_everywhere(funnel: Any, s: str) -> tuple[Any, dict[str, Any] | None]:
    """A deal with `s` in every free-text place; returns the add run and the deal
    as `show --format json` gives it (None when the text was refused)."""
    run = funnel(
        "add", f"T {s}", "--org", f"O {s}", "--contact", f"C {s}", "--source", f"S {s}",
        "--owner", f"W {s}", "--note", f"N {s}", "--tag", tag(s),
        "--field", f"{key(s)}=V {s}", "--external-id", f"X {s}",
    )  # fmt: skip
    if run.exit_code != 0:
        return run, None
    ok(funnel, "move", "1", "demo", "--note", f"M {s}")
    ok(funnel, "log", "1", "call", f"L {s}")
    ok(funnel, "add", f"Second {s}", "--owner", "me")
    ok(funnel, "lost", "2", "--reason", f"R {s}")
    return run, ok(funnel, "show", "1", "--format", "json").json()


# A command line can't carry NUL; refusing it would be fair (today it is kept).
MAY_BE_REFUSED = {"nul"}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_is_kept_exactly_and_shown_inertly(funnel, name):
    s = HOSTILE[name]
    added, deal = _store_everywhere(funnel, s)
    if deal is None:  # refused: one clear line, and nothing written
        assert name in MAY_BE_REFUSED, added.stderr
        one_error_line(added)
        assert_inert(added.stderr)
        assert ok(funnel, "list", "--status", "all", "--format", "json").json() == []
        return
    assert_inert(added.stderr)
    expected = {
        "title": f"T {s}", "org": f"O {s}", "contact": f"C {s}", "source": f"S {s}",
        "owner": f"W {s}", "tags": [tag(s)], "fields": {key(s): f"V {s}"},
        "external_id": f"X {s}",
    }  # fmt: skip
    assert {k: deal[k] for k in expected} == expected
    assert [a["note"] for a in deal["activities"]] == [f"N {s}", f"L {s}"]
    assert deal["history"][-1]["note"] == f"M {s}"
    lost = ok(funnel, "show", "2", "--format", "json").json()
    assert lost["lost_reason"] == f"R {s}"
    # found by what it holds
    found = ok(funnel, "list", "--status", "all", "--search", s, "--format", "json").json()
    assert 1 in [d["id"] for d in found]
    assert ok(funnel, "show", f"X {s}", "--format", "json").json()["id"] == 1
    # every table view, and JSON, keep the terminal safe
    for args in (
        ["list", "--status", "all"],
        ["show", "1"],
        ["show", "2"],
        ["due", "--within", "30"],
        ["stale"],
        ["board"],
        ["report", "owners"],
        ["report", "funnel"],
        ["report", "metrics", "--explain"],
        ["report", "forecast"],
        ["list", "--status", "all", "--format", "json"],
        ["show", "1", "--format", "json"],
        ["config", "get"],
    ):
        run = ok(funnel, *args)
        assert_inert(run.stdout)
        assert_inert(run.stderr)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_hostile_text_survives_export_and_import(funnel, isolated, monkeypatch, fmt):
    for i, s in enumerate(HOSTILE.values(), 1):
        run = funnel(
            "add", f"T{i} {s}", "--org", s, "--contact", s, "--owner", f"W {s}",
            "--note", s, "--tag", f"{i}{tag(s)}", "--field", f"k{i}={s}", "--source", s,
            "--format", "json",
        )  # fmt: skip
        if run.exit_code:  # refused in full (see the test above)
            one_error_line(run)
            continue
        ok(funnel, "log", str(run.json()["id"]), "email", s)
    before = ok(funnel, "list", "--status", "all", "--format", "json").json()
    shown = [ok(funnel, "show", str(d["id"]), "--format", "json").json() for d in before]
    assert len(before) >= len(HOSTILE) - 2
    path = isolated / f"all.{fmt}"
    ok(funnel, "export", "--format", fmt, "--output", str(path))
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "fresh.db"))
    ok(funnel, "import", str(path))
    after = ok(funnel, "list", "--status", "all", "--format", "json").json()
    assert after == before
    assert [ok(funnel, "show", str(d["id"]), "--format", "json").json() for d in after] == shown


def test_tags_survive_a_csv_round_trip(funnel, isolated, monkeypatch):
    """Own CSV export joins tags with ","; a tag may hold ";" (which import
    splits on in other people's files) or start like a formula."""
    tags = ["a;b", "=cmd", "+x", "@y", "-z", "x y", "'q"]
    ok(funnel, "add", "Tagged", *[a for t in tags for a in ("--tag", t)])
    before = ok(funnel, "show", "1", "--format", "json").json()
    assert before["tags"] == sorted(tags)
    path = isolated / "tags.csv"
    ok(funnel, "export", "--format", "csv", "--output", str(path))
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "fresh.db"))
    ok(funnel, "import", str(path))
    assert ok(funnel, "show", "1", "--format", "json").json() == before
    # someone else's CSV: "," and ";" both separate tags, as before
    other = isolated / "other.csv"
    other.write_text("title,tags\nX,a;b\n")
    ok(funnel, "import", str(other))
    assert ok(funnel, "show", "2", "--format", "json").json()["tags"] == ["a", "b"]
    # a JSON list can't smuggle in a tag with a comma (which no CSV could carry)
    listed = isolated / "listed.jsonl"
    listed.write_text('{"title": "Y", "tags": ["c,d", "e;f"]}\n')
    ok(funnel, "import", str(listed))
    assert ok(funnel, "show", "3", "--format", "json").json()["tags"] == ["c", "d", "e;f"]


def test_a_terminal_sees_no_escapes_either(funnel, monkeypatch):
    """At a terminal rich draws the tables: with NO_COLOR it adds no escape
    sequences of its own, so any ESC on stdout would be the data's."""
    _store_everywhere(funnel, HOSTILE["ansi"] + HOSTILE["osc8"] + HOSTILE["rtl"])
    monkeypatch.setattr(funnelcli.render.output, "_isatty", lambda _f: True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "400")
    for args in (["list", "--status", "all"], ["show", "1"], ["due", "--within", "30"],
                 ["board"], ["report", "owners"]):  # fmt: skip
        run = ok(funnel, *args)
        assert "click" in run.stdout or args[0] in ("report",)
        assert_inert(run.stdout)


@pytest.mark.slow
def test_ten_megabytes_of_text(funnel, isolated, monkeypatch):
    big = ("0123456789" * 9 + "é\x1b[2J\u202e\n") * 100_000  # ~10 MB, hostile all along
    assert len(big.encode()) >= 10_000_000
    ok(funnel, "add", "Big", "--note", big, "--field", f"k={big}")
    deal = ok(funnel, "show", "1", "--format", "json").json()
    assert deal["activities"][0]["note"] == big and deal["fields"]["k"] == big
    assert_inert(ok(funnel, "show", "1").stdout)
    original = os.environ["FUNNEL_DB"]  # a file, or a team database
    for fmt in ("jsonl", "csv"):
        path = isolated / f"big.{fmt}"
        ok(funnel, "export", "--format", fmt, "--output", str(path))
        monkeypatch.setenv("FUNNEL_DB", str(isolated / f"fresh-{fmt}.db"))
        ok(funnel, "import", str(path))
        again = ok(funnel, "show", "1", "--format", "json").json()
        assert again["activities"][0]["note"] == big and again["fields"]["k"] == big, fmt
        monkeypatch.setenv("FUNNEL_DB", original)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("latin-1 csv", "title,org\nCaf\xe9,M\xfcller\n".encode("latin-1")),
        ("cp1252 quotes", b"title\n\x93smart\x94 quotes\n"),
        ("truncated utf-8", b"title\nAcme \xe2\x82\n"),
        ("lone continuation", b"title,org\nA,\x80\n"),
        ("utf-16", "title\nAcme\n".encode("utf-16")),
    ],
)
def test_invalid_utf8_in_an_import_is_refused_with_one_line(funnel, isolated, name, data):
    path = isolated / "in.csv"
    path.write_bytes(data)
    run = funnel("import", str(path))
    assert run.exit_code == 1, run.stderr
    assert run.stdout == ""
    last = run.stderr.splitlines()[-1]
    assert last.startswith("funnel: error: ") and "UTF-8" in run.stderr, run.stderr
    assert_inert(run.stderr)
    assert ok(funnel, "list", "--status", "all", "--format", "json").json() == []


any_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=16)
records = st.lists(
    st.fixed_dictionaries(
        {"title": any_text, "org": any_text, "owner": any_text, "source": any_text},
        optional={
            "fields": st.dictionaries(any_text, any_text, max_size=2),
            "tags": st.lists(any_text, max_size=2),
            "lost_reason": any_text,
            "status": st.sampled_from(["open", "won", "lost"]),
        },
    ).map(lambda d: {**d, "closed_at": "2026-11-01"} if d.get("status") in ("won", "lost") else d),
    min_size=1,
    max_size=3,
)


@pytest.mark.slow
@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(deals=records, fmt=st.sampled_from(["csv", "jsonl", "json"]))
def test_any_text_survives_export_and_import(funnel, isolated, monkeypatch, deals, fmt):
    """Whatever text an import lets in, export → import gives back exactly."""
    for name in ("first.db", "second.db"):
        (isolated / name).unlink(missing_ok=True)
    source = isolated / "in.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in deals))
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "first.db"))
    run = funnel("import", str(source))
    assert run.exit_code in (0, 1), run.stderr
    if os.environ.get("FUNNEL_FUZZ_LOG"):
        with open(os.environ["FUNNEL_FUZZ_LOG"], "a") as log:
            log.write(json.dumps([run.exit_code, fmt, run.stderr[-200:]]) + "\n")
    if run.exit_code:  # refused as a whole, with the reasons
        assert run.stderr.splitlines()[-1].startswith("funnel: error: ")
        return
    before = ok(funnel, "list", "--status", "all", "--format", "json").json()
    shown = [ok(funnel, "show", str(d["id"]), "--format", "json").json() for d in before]
    path = isolated / f"out.{fmt}"
    ok(funnel, "export", "--format", fmt, "--output", str(path))
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "second.db"))
    ok(funnel, "import", str(path))
    assert ok(funnel, "list", "--status", "all", "--format", "json").json() == before
    assert [ok(funnel, "show", str(d["id"]), "--format", "json").json() for d in before] == shown


@pytest.mark.sqlite_only  # NUL: a team database refuses it (test_team_mode)
def test_nul_and_escapes_in_an_import_file_are_kept(funnel, isolated):
    """What the command line can't carry (NUL) can come in through a file."""
    records = [{"title": f"T {s}", "org": s, "fields": {"note": s}} for s in HOSTILE.values()]
    path = isolated / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    ok(funnel, "import", str(path))
    got = ok(funnel, "list", "--status", "all", "--format", "json").json()
    assert [(d["title"], d["org"], d["fields"]) for d in got] == [
        (r["title"], r["org"], r["fields"]) for r in records
    ]
    assert_inert(ok(funnel, "list", "--status", "all").stdout)


@pytest.mark.parametrize("tz", ["UTC", "Pacific/Kiritimati", "America/Anchorage"])
def test_times_at_the_ends_of_the_calendar(funnel, isolated, monkeypatch, tz):
    """datetime can't move 0001-01-01 or 9999-12-31 between local time and UTC:
    such times are refused in one line; the rest are kept, years padded."""
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    ok(funnel, "add", "Old", "--at", "0999-05-01")
    for args in (
        ["add", "X", "--at", "0001-01-01"],
        ["move", "1", "demo", "--at", "0001-01-01T12:00"],
        ["lost", "1", "--reason", "r", "--at", "0001-01-02"],
        ["report", "funnel", "--since", "0001-01-01"],
        ["report", "metrics", "--until", "0001-01-01"],
    ):
        line = one_error_line(funnel(*args))
        assert "outside the times funnelcli keeps (0001-01-03 to 9999-12-29)" in line, line
    shown = ok(funnel, "show", "1", "--format", "json").json()
    assert shown["created_at"].startswith("0999-0") and shown["created_at"].endswith("Z")
    ok(funnel, "show", "1")
    ok(funnel, "report", "funnel", "--since", "0001-01-05", "--until", "9999-12-20")
    ok(funnel, "snooze", "1", "9999-12-31")  # a local date, not an instant: no conversion


@pytest.mark.parametrize(
    "args",
    [
        ["--db", "~nosuchuser/f.db", "list"],
        ["--db", "~nosuchuser/f.db", "add", "X"],
        pytest.param(["backup", "~nosuchuser/b.db"], marks=pytest.mark.sqlite_only),
        pytest.param(["restore", "~nosuchuser/b.db"], marks=pytest.mark.sqlite_only),
        ["export", "--output", "~nosuchuser/out.jsonl"],
        ["import", "~nosuchuser/in.csv"],
    ],
)
def test_a_home_directory_that_does_not_exist(funnel, isolated, monkeypatch, args):
    ok(funnel, "add", "Mine")
    monkeypatch.chdir(isolated)  # where a literal "~nosuchuser" directory would appear
    run = funnel(*args)
    one_error_line(run)
    assert "nosuchuser" in run.stderr
    assert not (isolated / "~nosuchuser").exists()


def test_unknown_home_in_the_environment(funnel, isolated, monkeypatch):
    monkeypatch.setenv("FUNNEL_DB", "~nosuchuser/f.db")
    one_error_line(funnel("list"))
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "funnel.db"))
    monkeypatch.setenv("FUNNEL_CONFIG", "~nosuchuser/config.toml")
    one_error_line(funnel("config", "get"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        [b"add", b"Caf\xe9"],
        [b"show", b"\xff"],
        [b"list", b"--search", b"\xff\xfe"],
        [b"add", b"X", b"--field", b"k\xff=v"],
        [b"export", b"--output", b"out-\xff.jsonl"],
        [b"import", b"in-\xff.csv"],
    ],
)
def test_argv_that_is_not_utf8_in_a_real_process(isolated, args):
    """The only test here that starts a process: bytes that aren't UTF-8 can
    only come from a real argv (Python keeps them as surrogates)."""
    env = {**os.environ, "PYTHONIOENCODING": "", "LC_ALL": "C.UTF-8"}
    run = subprocess.run(
        [sys.executable.encode(), b"-m", b"funnelcli", *args],
        env=env,
        cwd=isolated,
        capture_output=True,
        timeout=60,
    )
    stderr = run.stderr.decode("utf-8", "replace")
    assert run.returncode in (0, 1), stderr
    assert b"Traceback" not in run.stderr and b"internal error" not in run.stderr, stderr
    if run.returncode:
        assert stderr.startswith("funnel: error: ") and len(stderr.splitlines()) == 1, stderr
