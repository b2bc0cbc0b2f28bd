"""What the everyday commands load. Start-up is most of a CLI's time
(benchmarks/README.md); these pin the heavy or rarely needed modules out of
the path of `add`, `move`, `list` and `--version`, and check the check can see
them (a report does load its store module)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

# Modules a deal command never needs: sqlite_utils (~115 ms) only migrates,
# rich only draws tables at a terminal, the rarer store modules are imported by the
# services of their commands only.
HEAVY = [
    "sqlite_utils",
    "rich",
    "dateutil.parser",
    "funnelcli.store.reports",
    "funnelcli.store.transfer",
    "funnelcli.store.doctor",
    "funnelcli.store.changelog",
    "funnelcli.details",
    # shell completion: only when the shell asks or --install/--show-completion
    "funnelcli.cli.completion",
    "funnelcli.cli.completion_install",
    "funnelcli.services.names",
    "funnelcli.store.names",
    # team mode: only for a postgresql:// database
    "psycopg",
    "funnelcli.store.pg",
    "funnelcli.store.pg_schema",
    "funnelcli.store.pg_copy",
    # hooks: the runner only when a hook file is there
    "funnelcli.hooks",
]

PROBE = """
import json, sys
sys.argv = ["funnel", *json.loads(sys.argv[1])]
from funnelcli.__main__ import main
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
import gc
collector = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
report = {"code": code, "modules": sorted(sys.modules), "gc": collector}
print(json.dumps(report), file=sys.stderr)
"""


def probe(args: list[str]) -> dict[str, Any]:
    env = {**os.environ, "NO_COLOR": "1"}
    r = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    last = r.stderr.strip().splitlines()[-1]
    report: dict[str, Any] = json.loads(last)
    assert report["code"] in (0, None), r.stderr
    return report


def loaded(args: list[str]) -> set[str]:
    return set(probe(args)["modules"])


@pytest.fixture
def seeded(funnel):
    assert funnel("add", "Acme", "--value", "100").exit_code == 0


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    "args",
    [
        ["add", "Globex", "--value", "4800"],
        ["move", "1", "demo"],
        ["list", "--stage", "lead", "--format", "json"],
        ["--version"],
    ],
    ids=["add", "move", "list", "version"],
)
@pytest.mark.sqlite_only  # the modules the SQLite path loads
def test_everyday_commands_stay_light(args):
    mods = loaded(args)
    assert "funnelcli.store" in mods or args == ["--version"]
    heavy = [m for m in HEAVY if m in mods]
    assert heavy == []


# DealChanges and the checks of what add/edit set: only add and edit need them.
DEAL_INPUT = "funnelcli.services.deal_input"


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    "args",
    [
        ["move", "1", "demo"],
        ["list", "--stage", "lead", "--format", "json"],
        ["show", "1", "--format", "json"],
        ["won", "1", "--value", "120"],
    ],
    ids=["move", "list", "show", "won"],
)
@pytest.mark.sqlite_only  # the modules the SQLite path loads
def test_deal_verbs_other_than_add_and_edit_skip_deal_input(args):
    assert DEAL_INPUT not in loaded(args)


# In Python 3.11 making a dataclass compiles its generated methods at import,
# ~1 ms each: the records of the everyday commands are plain classes
# (funnelcli.models.Record), so these never load the dataclasses module.
EVERYDAY = [
    ["add", "Globex", "--value", "4800", "--tag", "new", "--field", "k=v"],
    ["move", "1", "demo"],
    ["log", "1", "call", "intro"],
    ["won", "1", "--value", "120"],
    ["show", "1"],
    ["list", "--limit", "20", "--format", "json"],
    ["due", "--check"],
]


@pytest.mark.sqlite_only  # the modules the SQLite path loads
@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("args", EVERYDAY, ids=[a[0] for a in EVERYDAY])
def test_everyday_commands_make_no_dataclass(args, funnel):
    assert funnel("follow-up", "1", "today").exit_code == 0  # something due
    assert "dataclasses" not in loaded(args)


@pytest.mark.sqlite_only  # the modules the SQLite path loads
@pytest.mark.usefixtures("seeded")
def test_the_probe_sees_dataclasses_where_a_report_makes_them():
    assert "dataclasses" in loaded(["report", "funnel", "--format", "json"])


@pytest.mark.sqlite_only  # the modules the SQLite path loads
@pytest.mark.usefixtures("seeded")
def test_the_probe_sees_deal_input_for_add():
    assert DEAL_INPUT in loaded(["add", "Globex", "--value", "4800"])


@pytest.mark.sqlite_only  # the modules the SQLite path loads
@pytest.mark.usefixtures("seeded")
def test_the_probe_sees_completion_when_asked(monkeypatch):
    monkeypatch.setenv("_FUNNEL_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "funnel list --owner ")
    monkeypatch.setenv("COMP_CWORD", "3")
    assert "funnelcli.store.names" in loaded([])


@pytest.mark.sqlite_only  # the modules the SQLite path loads
@pytest.mark.usefixtures("seeded")
def test_the_probe_sees_lazy_modules():
    mods = loaded(["report", "metrics", "--format", "json"])
    assert "funnelcli.store.reports" in mods


@pytest.mark.sqlite_only  # the modules the SQLite path loads
@pytest.mark.skipif(sys.platform != "linux", reason="funnelcli.dirs' shortcut is for Linux only")
@pytest.mark.parametrize("args", [["add", "Globex"], ["due", "--check"]], ids=["add", "due"])
def test_the_default_config_and_database_need_no_platformdirs(args, monkeypatch, tmp_path):
    """platformdirs costs ~6 % of a command's start-up (funnelcli.dirs)."""
    monkeypatch.delenv("FUNNEL_DB")
    monkeypatch.delenv("FUNNEL_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    loaded(["add", "Acme"])
    assert (tmp_path / "xdg-data" / "funnelcli" / "funnel.db").exists()
    assert "platformdirs" not in loaded(args)


@pytest.mark.postgres
def test_the_probe_sees_psycopg_on_a_team_database(funnel, pg_url, monkeypatch):
    monkeypatch.setenv("FUNNEL_DB", pg_url)
    assert funnel("team", "init").exit_code == 0
    mods = loaded(["list", "--format", "json"])
    assert {"psycopg", "funnelcli.store.pg"} <= mods


@pytest.mark.sqlite_only  # the modules the SQLite path loads
@pytest.mark.usefixtures("seeded")
def test_hooks_cost_a_stat_until_a_hook_is_there(isolated):
    """A move notes its event: with no hooks directory nothing of the hooks
    is loaded; with no hook file the runner is not; with one it is (the
    probe sees it)."""
    runner = {"funnelcli.hooks"}
    assert {"funnelcli.cli.hooks", *runner} & loaded(["move", "1", "demo"]) == set()
    (isolated / "hooks").mkdir()
    mods = loaded(["move", "1", "lead"])
    assert "funnelcli.cli.hooks" in mods
    assert runner & mods == set()
    hook = isolated / "hooks" / "on-move"
    hook.write_text("#!/bin/sh\ncat > /dev/null\n")
    hook.chmod(0o755)
    assert runner <= loaded(["move", "1", "demo"])


# A piped table of ASCII text is padded by length (render/output.py
# plain_table): the display-width measuring (render/fit.py, unicodedata) is
# loaded only for a table that holds other text.
MEASURING = {"funnelcli.render.fit", "unicodedata"}


@pytest.mark.sqlite_only  # the modules the SQLite path loads
@pytest.mark.usefixtures("seeded")
def test_a_piped_ascii_table_measures_no_display_width(funnel):
    assert funnel("follow-up", "1", "today").exit_code == 0  # something due
    assert MEASURING & loaded(["due"]) == set()
    assert MEASURING & loaded(["list"]) == set()
    assert funnel("add", "東京 deal").exit_code == 0
    assert loaded(["list"]) >= MEASURING


@pytest.mark.sqlite_only  # the probe runs the SQLite path
@pytest.mark.usefixtures("seeded")
def test_start_up_freezes_what_it_imported_and_collects_again():
    """__main__ collects no cycles while Typer and the root import, freezes
    what they made, and turns the collector back on for the command's work
    (an import of a million rows must not run without it)."""
    collector = probe(["list", "--limit", "1"])["gc"]
    assert collector["enabled"] is True
    assert collector["frozen"] > 10_000  # Typer, Click and the root's objects
