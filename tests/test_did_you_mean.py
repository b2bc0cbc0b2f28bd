"""Issue 13: a mistyped name gets the closest known one suggested; a filter
naming an owner, tag or source no deal has is an error, never an empty list;
`--owner` may be repeated; and `due` lists a readable number of deals with
no next step."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from funnelcli.suggest import closest, did_you_mean, listed
from helpers import add, fails, ok, ok_json, run_on_a_terminal

STAGES = "lead, qualified, contacted, demo, proposal, negotiation"


# -- the helper -------------------------------------------------------------------------


def test_closest_names():
    assert closest("qualifed", STAGES.split(", ")) == ["qualified"]
    assert closest("QUALIFED", STAGES.split(", ")) == ["qualified"]  # case ignored
    assert closest("zzz", STAGES.split(", ")) == []
    # a prefix is suggested, never taken: the shortest names first
    assert closest("mee", ["anna", "meera", "meena", "meenakshi"]) == [
        "meena",
        "meera",
        "meenakshi",
    ]
    # ties are all named, at most three
    assert did_you_mean("anne", ["anna", "anni", "bob"]) == "did you mean anna or anni? "
    assert did_you_mean("x", ["anna"]) == ""
    assert listed([]) == "none"
    assert listed([str(i) for i in range(12)]) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 … and 2 more"


def test_difflib_is_loaded_only_on_an_error_path():
    code = (
        "import sys, funnelcli.suggest, funnelcli.services, funnelcli.services.deals, "
        "funnelcli.services.followups, funnelcli.store.filters; print('difflib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- stages, pipelines, kinds -----------------------------------------------------------


def test_a_mistyped_stage_or_pipeline_gets_the_closest_name(funnel):
    add(funnel, "Acme")
    stage = f"no stage 'qualifed' in pipeline sales (did you mean qualified? stages: {STAGES})"
    fails(funnel, 1, stage, "move", "1", "qualifed")
    fails(funnel, 1, stage, "add", "Globex", "--stage", "qualifed")
    fails(funnel, 1, stage, "list", "--stage", "qualifed")
    fails(funnel, 1, f"no stage 'trial' in pipeline sales (stages: {STAGES})", "move", "1", "trial")
    ok(funnel, "pipeline", "create", "renewals", "--stages", "ask,quote,signed")
    fails(
        funnel, 1, "no stage 'qoute' in any pipeline (did you mean quote?)", "list", "-s", "qoute"
    )
    fails(
        funnel,
        1,
        "no pipeline 'renewls'; did you mean renewals? pipelines: sales, renewals",
        "list",
        "--pipeline",
        "renewls",
    )
    fails(
        funnel,
        1,
        "no pipeline 'slaes'; did you mean sales? pipelines: sales, renewals",
        "due",
        "--pipeline",
        "slaes",
    )
    fails(funnel, 1, "no pipeline 'xyz'; pipelines: sales, renewals", "board", "-p", "xyz")


def test_a_mistyped_kind_gets_the_closest_kind(funnel):
    add(funnel, "Acme")
    run = funnel("log", "1", "meetng")
    assert run.exit_code == 1
    assert "unknown activity kind 'meetng' (did you mean meeting? known:" in run.stderr


# -- filters: owner, tag, source --------------------------------------------------------


@pytest.fixture
def team(funnel: Any) -> Any:
    """#1 Meera's (hot, referral, follow-up today), #2 Anna's (cold), #3 Ben's
    won deal (Website), #4 Meena's in renewals."""
    add(funnel, "Acme", "--owner", "meera", "--tag", "hot", "--source", "referral",
        "--follow-up", "today", "--at", "2026-11-01")  # fmt: skip
    add(funnel, "Globex", "--owner", "Anna", "--tag", "cold", "--at", "2026-11-01")
    add(funnel, "Initech", "--owner", "ben", "--source", "Website", "--at", "2026-11-01")
    ok(funnel, "won", "3")
    ok(funnel, "pipeline", "create", "renewals", "--stages", "ask,quote,signed")
    add(funnel, "Hooli", "--owner", "meena", "--pipeline", "renewals")
    return funnel


OWNERS = "owners: Anna, ben, meena, meera"


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["list", "--status", "all"],
        ["due"],
        ["stale"],
        ["board"],
        ["report", "metrics"],
        ["report", "funnel"],
        ["report", "owners"],
        ["report", "forecast"],
    ],
    ids=" ".join,
)
def test_an_owner_no_deal_has_is_an_error_with_suggestions(team, command):
    # a prefix is never silently a different name: it is named instead
    prefix = f"no deal has owner 'mee' (did you mean meena or meera? {OWNERS})"
    for fmt in ("table", "json"):
        fails(team, 1, prefix, *command, "--owner", "mee", "--format", fmt)
    fails(team, 1, f"no deal has owner 'anan' (did you mean Anna? {OWNERS})",
          *command, "--owner", "anan")  # fmt: skip
    fails(team, 1, f"no deal has owner 'zed' ({OWNERS})", *command, "--owner", "zed")
    # one unknown among several is still an error
    fails(team, 1, f"no deal has owner 'zed' ({OWNERS})",
          *command, "--owner", "meera", "--owner", "zed")  # fmt: skip
    assert team(*command, "--owner", "MEERA").exit_code == 0  # case ignored, as before


def test_due_check_from_cron_fails_loudly_on_a_mistyped_owner(team):
    run = team("due", "--check", "--owner", "mera")
    assert (run.exit_code, run.stdout) == (1, "")
    assert "did you mean meera?" in run.stderr


def test_an_owner_with_no_deals_in_scope_is_no_error(team):
    # Ben's only deal is won: an empty due list is the truth, not a typo
    assert ok_json(team, "due", "--owner", "ben") == []
    assert ok_json(team, "list", "--owner", "ben") == []
    assert ok_json(team, "list", "--owner", "meena", "--pipeline", "sales") == []


def ids(funnel: Any, *args: str) -> list[int]:
    return [d["id"] for d in ok_json(funnel, *args)]


def one_currency(metrics: Any) -> Any:
    """`report metrics` JSON of one currency, whether an object or a list of one."""
    if isinstance(metrics, list):
        (metrics,) = metrics
    return metrics


def test_owner_may_be_repeated_any_of_them(team):
    assert ids(team, "list", "--owner", "meera", "--owner", "anna") == [1, 2]
    assert ids(team, "list", "--owner", "meera", "--owner", "meena") == [1, 4]
    assert ids(team, "list", "--owner", "ben", "--owner", "Anna", "--status", "all") == [2, 3]
    assert ids(team, "due", "--owner", "meera", "--owner", "anna") == [1, 2]
    assert ids(team, "due", "--owner", "meera") == [1]
    board = ok_json(team, "board", "--owner", "meera", "--owner", "anna")
    assert [d["id"] for s in board["stages"] for d in s["deals"]] == [1, 2]
    both = one_currency(ok_json(team, "report", "metrics", "--owner", "Anna", "--owner", "meera"))
    alone = one_currency(ok_json(team, "report", "metrics", "--owner", "meera"))
    assert (both["open_deals"], alone["open_deals"]) == (2, 1)
    funnel_both = ok_json(team, "report", "funnel", "--owner", "Anna", "--owner", "meera")
    assert funnel_both["stages"][0]["open_count"] == 2
    rows = ok_json(team, "report", "owners", "--owner", "anna", "--owner", "BEN")
    assert sorted(r["owner"] for r in rows) == ["Anna", "ben"]


def test_a_tag_no_deal_has_is_an_error_with_suggestions(team):
    tags = "tags: cold, hot"
    fails(team, 1, f"no deal has tag 'hott' (did you mean hot? {tags})", "list", "--tag", "hott")
    fails(team, 1, f"no deal has tag 'HOT' (did you mean hot? {tags})", "list", "-t", "HOT")
    fails(team, 1, f"no deal has tag 'warm' ({tags})", "list", "--tag", "hot", "--tag", "warm")
    assert ids(team, "list", "--tag", "hot") == [1]
    assert ids(team, "list", "--tag", "hot", "--tag", "cold") == []  # all of them: none has both


def test_a_source_no_deal_has_is_an_error_with_suggestions(team):
    sources = "sources: referral, Website"
    fails(team, 1, f"no deal has source 'referal' (did you mean referral? {sources})",
          "list", "--source", "referal")  # fmt: skip
    fails(team, 1, f"no deal has source 'web' (did you mean Website? {sources})",
          "list", "--source", "web", "--status", "all")  # fmt: skip
    assert ids(team, "list", "--source", "REFERRAL") == [1]
    assert ids(team, "list", "--source", "referral", "--source", "website", "--status", "all") == [
        1,
        3,
    ]


def test_filters_when_no_deal_is_left_say_so(funnel):
    add(funnel, "Acme", "--owner", "anna", "--tag", "hot")
    ok(funnel, "delete", "1", "--yes")
    fails(funnel, 1, "no deal has owner 'anna' (owners: none)", "due", "--owner", "anna")
    fails(funnel, 1, "no deal has tag 'hot' (tags: none)", "list", "--tag", "hot")


def test_a_long_list_of_known_names_is_cut(funnel, isolated):
    rows = "".join(f"Deal {i},owner{i:02d}\n" for i in range(15))
    (isolated / "d.csv").write_text("title,owner\n" + rows)
    ok(funnel, "import", str(isolated / "d.csv"))
    fails(
        funnel,
        1,
        "no deal has owner 'owner99' (did you mean owner09? owners: owner00, owner01, owner02, "
        "owner03, owner04, owner05, owner06, owner07, owner08, owner09 … and 5 more)",
        "list",
        "--owner",
        "owner99",
    )


# -- due: a list a person reads ---------------------------------------------------------


@pytest.fixture
def imported(funnel: Any, isolated: Path) -> Any:
    """50 open deals with no next step (#1–#50), and #51 due today."""
    rows = "".join(f"Lead {i},anna\n" for i in range(1, 51))
    (isolated / "leads.csv").write_text("title,owner\n" + rows)
    ok(funnel, "import", str(isolated / "leads.csv"))
    add(funnel, "Call back", "--owner", "anna", "--follow-up", "today")
    return funnel


def test_due_piped_shows_the_first_20_unscheduled_and_a_count(imported):
    run = imported("due")
    assert (run.exit_code, run.stderr) == (0, "")
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Due ")
    assert lines[1].startswith("today ")
    unscheduled = [line for line in lines if line.startswith("unscheduled ")]
    assert len(unscheduled) == 20
    assert re.split(r"\s+", unscheduled[-1])[1] == "20"  # the first 20, by number
    assert lines[-1] == "30 more with no next step: funnel due --unscheduled lists them all"
    assert len(lines) == 1 + 1 + 20 + 1
    # the command it names carries the run's filters
    run = imported("due", "--owner", "anna", "--pipeline", "sales")
    assert run.stdout.splitlines()[-1] == (
        "30 more with no next step: funnel due --unscheduled --owner anna --pipeline sales "
        "lists them all"
    )
    # ... and the database it read, when --db named it
    path = os.environ["FUNNEL_DB"]
    run = imported("--db", path, "due")
    assert run.stdout.splitlines()[-1] == (
        f"30 more with no next step: funnel --db {shlex.quote(path)} due --unscheduled "
        "lists them all"
    )


def test_due_unscheduled_lists_them_all_and_only_them(imported):
    run = imported("due", "--unscheduled")
    lines = run.stdout.splitlines()
    assert (run.exit_code, len(lines)) == (0, 51)  # header and 50 deals, no count
    assert all(line.startswith("unscheduled ") for line in lines[1:])
    assert ids(imported, "due", "--unscheduled") == list(range(1, 51))


def test_due_no_unscheduled_leaves_them_out(imported):
    run = imported("due", "--no-unscheduled")
    assert run.stdout.splitlines()[1].startswith("today ")
    assert len(run.stdout.splitlines()) == 2 and "unscheduled" not in run.stdout
    assert ids(imported, "due", "--no-unscheduled") == [51]


def test_due_as_data_lists_every_unscheduled_deal(imported):
    assert ids(imported, "due") == [51, *range(1, 51)]
    run = imported("due", "--format", "jsonl")
    assert len(run.stdout.splitlines()) == 51
    run = imported("due", "--format", "csv")
    assert len(run.stdout.splitlines()) == 52


def test_due_with_20_unscheduled_shows_them_all(funnel, isolated):
    rows = "".join(f"Lead {i}\n" for i in range(1, 21))
    (isolated / "leads.csv").write_text("title\n" + rows)
    ok(funnel, "import", str(isolated / "leads.csv"))
    lines = funnel("due").stdout.splitlines()
    assert len(lines) == 21 and "more" not in lines[-1]


def _in_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run the installed `funnel` with stdout on a pseudo-terminal."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["COLUMNS"] = "80"
    env["NO_COLOR"] = "1"
    code, out, err = run_on_a_terminal(["funnel", *args], env)
    assert err == b""
    return code, out


def test_due_at_a_terminal_shows_the_first_20_and_counts_them_all(imported):
    code, text = _in_a_terminal(["due"])
    assert code == 0
    lines = text.splitlines()
    assert "Today (1)" in lines
    assert "No next step (50)" in lines
    assert len([line for line in lines if "Lead " in line]) == 20
    assert lines[-1] == "30 more with no next step: funnel due --unscheduled lists them all"
    code, text = _in_a_terminal(["due", "--unscheduled"])
    assert len([line for line in text.splitlines() if "Lead " in line]) == 50
    assert "more with no next step" not in text


def test_a_new_name_that_looks_like_a_typo_is_kept_and_noted(funnel):
    """add and edit may bring a new owner, source or tag (a new colleague, a new
    channel); when it is close to a known one, they say so on stderr."""
    r = funnel("add", "A", "--owner", "anna", "--source", "website", "--tag", "priority")
    assert (r.exit_code, r.stderr) == (0, "added #1 A (lead)\n")
    r = funnel("add", "B", "--owner", "ana", "--source", "webiste", "--tag", "priorty")
    assert r.exit_code == 0
    assert r.stderr.splitlines() == [
        "added #2 B (lead)",
        "note: new owner 'ana' (did you mean anna?)",
        "note: new source 'webiste' (did you mean website?)",
        "note: new tag 'priorty' (did you mean priority?)",
    ]
    assert [d["owner"] for d in ok_json(funnel, "list")] == ["anna", "ana"]  # kept as given
    # Known names (owner and source: any case) and names like nothing known: no note.
    for args in (["--owner", "ANNA", "--tag", "priority"], ["--owner", "zoe", "--tag", "q4"]):
        r = funnel("add", "C", *args)
        assert r.exit_code == 0 and "note:" not in r.stderr, r.stderr
    r = funnel("edit", "1", "--tag", "priorityy")
    assert r.stderr.splitlines()[-1] == "note: new tag 'priorityy' (did you mean priority?)"
