"""Pipelines and stages through the CLI: the default pipeline, create, templates,
stage add/rename/move/remove/set, name matching, and what deals see of it."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

import pytest

from helpers import add, fails, ok_json, one_error

NOW_UTC = "2026-11-23T10:15:00Z"
SALES = [
    # name, probability, rot days, cadence days
    ("lead", 10, 14, 3),
    ("qualified", 20, 14, 3),
    ("contacted", 30, 10, 3),
    ("demo", 50, 14, 5),
    ("proposal", 65, 21, 5),
    ("negotiation", 80, 21, 7),
]


def pipelines(funnel: Any) -> dict[str, list[str]]:
    return {
        p["name"]: [s["name"] for s in p["stages"]] for p in ok_json(funnel, "pipeline", "list")
    }


def stages(funnel: Any, pipeline: str = "sales") -> list[str]:
    return pipelines(funnel)[pipeline]


# -- pipelines -----------------------------------------------------------------


def test_default_pipeline_on_first_use_without_creating_the_file(funnel, fresh):
    listed = ok_json(funnel, "pipeline", "list", quiet=False)
    assert not fresh.exists()  # reading never creates the database
    assert len(listed) == 1
    sales = listed[0]
    assert (sales["name"], sales["default"]) == ("sales", True)
    assert isinstance(sales["uuid"], str) and len(sales["uuid"]) == 36
    assert sales["stages"] == [
        {
            "name": n,
            "position": i + 1,
            "probability": p,
            "rot_days": r,
            "cadence_days": c,
            "owner": None,
            "open_deals": 0,
        }
        for i, (n, p, r, c) in enumerate(SALES)
    ]
    add(funnel, "Acme")
    assert fresh.exists()
    assert ok_json(funnel, "pipeline", "list")[0]["stages"][0]["open_deals"] == 1


def test_pipeline_list_counts_open_deals(funnel):
    add(funnel, "A")
    add(funnel, "B", "--stage", "demo")
    add(funnel, "C", "--stage", "demo")
    ok_json(funnel, "won", "3")
    counts = {s["name"]: s["open_deals"] for s in ok_json(funnel, "pipeline", "list")[0]["stages"]}
    assert counts == {
        "lead": 1,
        "qualified": 0,
        "contacted": 0,
        "demo": 1,
        "proposal": 0,
        "negotiation": 0,
    }
    r = funnel("pipeline", "list")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == [
        "Pipeline",
        "#",
        "Stage",
        "Prob",
        "%",
        "Rot",
        "days",
        "Cadence",
        "Open",
    ]
    assert lines[4].split() == ["sales", "*", "4", "demo", "50", "14", "5", "1"]


def test_default_pipeline_from_config(funnel):
    ok_json(funnel, "pipeline", "create", "Renewals", "--stages", "due,signed")
    assert funnel("config", "set", "default_pipeline", "ren").exit_code == 0
    assert add(funnel, "A")["pipeline"] == "Renewals"
    assert [(p["name"], p["default"]) for p in ok_json(funnel, "pipeline", "list")] == [
        ("sales", False),
        ("Renewals", True),
    ]
    assert "Renewals *" in funnel("pipeline", "list").stdout
    assert ok_json(funnel, "stage", "add", "quoted", "--after", "due")["position"] == 2
    assert funnel("config", "set", "default_pipeline", "nope").exit_code == 0
    fails(
        funnel,
        1,
        "no pipeline 'nope' (the default; change it with `funnel config set "
        "default_pipeline NAME`); pipelines: sales, Renewals",
        "add",
        "B",
    )
    assert [p["default"] for p in ok_json(funnel, "pipeline", "list")] == [False, False]
    assert add(funnel, "B", "--pipeline", "sales")["pipeline"] == "sales"


def test_pipeline_list_csv_has_json_stages(funnel, empty_db):
    rows = list(csv.DictReader(io.StringIO(funnel("pipeline", "list", "-f", "csv").stdout)))
    assert len(rows) == 1
    assert rows[0]["default"] == "true"
    assert [s["name"] for s in json.loads(rows[0]["stages"])] == [s[0] for s in SALES]


def test_create_with_stages(funnel):
    created = ok_json(funnel, "pipeline", "create", "Renewals", "--stages", " Due , quoted,Signed ")
    assert created["name"] == "Renewals"
    assert created["default"] is False
    assert created["stages"] == [
        {
            "name": "Due",
            "position": 1,
            "probability": 25,
            "rot_days": 14,
            "cadence_days": 3,
            "owner": None,
            "open_deals": 0,
        },
        {
            "name": "quoted",
            "position": 2,
            "probability": 50,
            "rot_days": 14,
            "cadence_days": 3,
            "owner": None,
            "open_deals": 0,
        },
        {
            "name": "Signed",
            "position": 3,
            "probability": 75,
            "rot_days": 14,
            "cadence_days": 3,
            "owner": None,
            "open_deals": 0,
        },
    ]
    r = funnel("pipeline", "create", "upsell", "--stages", "ask,yes")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "created pipeline upsell: ask, yes\n")
    assert list(pipelines(funnel)) == ["sales", "Renewals", "upsell"]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("default", ["lead", "qualified", "contacted", "demo", "proposal", "negotiation"]),
        ("simple", ["prospecting", "pricing", "negotiation", "closing"]),
        ("lifecycle", ["aware", "interested", "engaged", "bought", "repeat", "advocate"]),
        (
            "contract",
            ["first contact", "qualification", "meeting", "objections", "contract", "payment"],
        ),
        (
            "b2b",
            [
                "prospecting",
                "lead generation",
                "first contact",
                "needs assessment",
                "solution presentation",
                "proposal",
                "negotiation",
            ],
        ),
    ],
)
def test_create_from_template(funnel, template, expected):
    created = ok_json(funnel, "pipeline", "create", "p", "--template", template)
    assert [s["name"] for s in created["stages"]] == expected
    assert [s["position"] for s in created["stages"]] == list(range(1, len(expected) + 1))
    probabilities = [s["probability"] for s in created["stages"]]
    assert probabilities == sorted(probabilities)
    assert stages(funnel, "p") == expected


def test_templates_listed(funnel):
    listed = ok_json(funnel, "pipeline", "templates")
    assert [t["template"] for t in listed] == ["default", "simple", "lifecycle", "contract", "b2b"]
    assert listed[1]["stages"] == ["prospecting", "pricing", "negotiation", "closing"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x"], 'give either --stages "A,B,C" or --template NAME'),
        (
            ["x", "--stages", "a,b", "--template", "simple"],
            'give either --stages "A,B,C" or --template NAME',
        ),
        (
            ["x", "--template", "nope"],
            "no template 'nope' (templates: default, simple, lifecycle, contract, b2b)",
        ),
        (["sales", "--stages", "a"], "pipeline 'sales' already exists"),
        (["SALES", "--template", "simple"], "pipeline 'SALES' already exists"),
        (["  ", "--stages", "a"], "a pipeline needs a name"),
        (["x", "--stages", "a,,b"], "a stage needs a name"),
        (["x", "--stages", ""], "a stage needs a name"),
        (["x", "--stages", "a,-"], "a stage needs a name"),
        (["x", "--stages", "Demo,demo"], "stage 'demo' is listed twice"),
        (
            ["x", "--stages", "a,Won"],
            "'Won' is an outcome, not a stage: every pipeline has won and lost",
        ),
        (
            ["x", "--stages", "lost"],
            "'lost' is an outcome, not a stage: every pipeline has won and lost",
        ),
        (["x", "--stages", "a,42"], "'42' can't be a stage name: numbers name deals"),
    ],
)
def test_create_refusals(funnel, args, message):
    # Neither/both of --stages and --template is a usage error (exit 2).
    code = 2 if message.startswith("give either") else 1
    fails(funnel, code, message, "pipeline", "create", *args)
    assert list(pipelines(funnel)) == ["sales"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_create_with_list_format_refused_before_writing(funnel, empty_db, fmt):
    fails(
        funnel,
        2,
        f"--format {fmt} is for lists; use table or json here",
        "pipeline",
        "create",
        "x",
        "--stages",
        "a",
        "--format",
        fmt,
    )
    assert list(pipelines(funnel)) == ["sales"]


# -- stage add -----------------------------------------------------------------


def test_stage_add_places(funnel):
    r = funnel("stage", "add", "won over")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "added stage won over\n")
    assert ok_json(funnel, "stage", "add", "trial", "--after", "demo") == {
        "name": "trial",
        "position": 5,
        "probability": 58,
        "rot_days": 14,
        "cadence_days": 3,
        "owner": None,
    }
    assert ok_json(funnel, "stage", "add", "research", "--before", "LEAD")["position"] == 1
    assert ok_json(funnel, "stage", "add", "signing", "--position", "10")["position"] == 10
    added = ok_json(
        funnel,
        "stage",
        "add",
        "kickoff",
        "--position",
        "2",
        "--probability",
        "5",
        "--rot-days",
        "7",
        "--cadence",
        "0",
    )
    assert added == {
        "name": "kickoff",
        "position": 2,
        "probability": 5,
        "rot_days": 7,
        "cadence_days": 0,
        "owner": None,
    }
    assert stages(funnel) == [
        "research",
        "kickoff",
        "lead",
        "qualified",
        "contacted",
        "demo",
        "trial",
        "proposal",
        "negotiation",
        "won over",
        "signing",
    ]
    listed = ok_json(funnel, "stage", "list")
    assert [s["position"] for s in listed] == list(range(1, 12))


def test_stage_add_in_another_pipeline(funnel):
    ok_json(funnel, "pipeline", "create", "renewals", "--stages", "due,signed")
    ok_json(funnel, "stage", "add", "quoted", "--pipeline", "ren", "--after", "due")
    assert stages(funnel, "renewals") == ["due", "quoted", "signed"]
    assert stages(funnel) == [s[0] for s in SALES]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["DEMO"], 1, "pipeline sales already has a stage 'DEMO'"),
        (["won"], 1, "'won' is an outcome, not a stage: every pipeline has won and lost"),
        ([" Lost "], 1, "'Lost' is an outcome, not a stage: every pipeline has won and lost"),
        (["7"], 1, "'7' can't be a stage name: numbers name deals"),
        (["", "--after", "demo"], 1, "a stage needs a name"),
        (
            ["x", "--after", "nope"],
            1,
            "no stage 'nope' in pipeline sales (stages: lead, "
            "qualified, contacted, demo, proposal, negotiation)",
        ),
        (
            ["x", "--after", "demo", "--before", "lead"],
            1,
            "give only one of --after, --before, --position",
        ),
        (["x", "--position", "0"], 1, "--position must be between 1 and 7"),
        (["x", "--position", "8"], 1, "--position must be between 1 and 7"),
        (["x", "--pipeline", "nope"], 1, "no pipeline 'nope'; pipelines: sales"),
        (["x", "--probability", "101"], 1, "--probability must be between 0 and 100, not 101"),
        (["x", "--rot-days", "0"], 1, "--rot-days must be at least 1, not 0"),
        (
            ["x", "--rot-days", "99999999999999999999"],
            1,
            "--rot-days must be at most 3650 days, not 99999999999999999999",
        ),
        (["x", "--cadence", "-1"], 1, "--cadence can't be negative (-1)"),
        (["x", "--format", "csv"], 2, "--format csv is for lists; use table or json here"),
    ],
)
def test_stage_add_refusals(funnel, empty_db, args, code, message):
    fails(funnel, code, message, "stage", "add", *args)
    assert stages(funnel) == [s[0] for s in SALES]


# -- rename --------------------------------------------------------------------


def test_stage_rename_keeps_deals_and_history(funnel):
    add(funnel, "Acme", "--stage", "demo")
    add(funnel, "Globex")
    ok_json(funnel, "move", "2", "demo")
    ok_json(funnel, "move", "2", "proposal")
    r = funnel("stage", "rename", "dem", "Presentation")
    assert (r.exit_code, r.stderr) == (0, "renamed to stage Presentation\n")
    assert stages(funnel)[3] == "Presentation"
    assert ok_json(funnel, "show", "1")["stage"] == "Presentation"
    assert [h["to_stage"] for h in ok_json(funnel, "show", "2")["history"]] == [
        "lead",
        "Presentation",
        "proposal",
    ]
    assert ok_json(funnel, "list", "--stage", "presentation")[0]["id"] == 1
    # A change of case only is a rename too.
    assert (
        ok_json(funnel, "stage", "rename", "presentation", "presentation")["name"] == "presentation"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "Lead"], "pipeline sales already has a stage 'lead'"),
        (["demo", "won"], "'won' is an outcome, not a stage: every pipeline has won and lost"),
        (["demo", "12"], "'12' can't be a stage name: numbers name deals"),
        (["demo", " "], "a stage needs a name"),
        (
            ["nope", "x"],
            "no stage 'nope' in pipeline sales (stages: lead, qualified, contacted, "
            "demo, proposal, negotiation)",
        ),
        (["won", "x"], "'won' is an outcome, not a stage: use `funnel won DEAL`"),
    ],
)
def test_stage_rename_refusals(funnel, args, message):
    fails(funnel, 1, message, "stage", "rename", *args)
    assert stages(funnel) == [s[0] for s in SALES]


# -- move ----------------------------------------------------------------------


def test_stage_move(funnel):
    add(funnel, "Acme", "--stage", "proposal")
    moved = ok_json(funnel, "stage", "move", "proposal", "--after", "negotiation")
    assert [s["name"] for s in moved["stages"]] == [
        "lead",
        "qualified",
        "contacted",
        "demo",
        "negotiation",
        "proposal",
    ]
    assert [s["position"] for s in moved["stages"]] == [1, 2, 3, 4, 5, 6]
    assert stages(funnel)[-1] == "proposal"
    r = funnel("stage", "move", "demo", "--position", "1")
    assert (r.exit_code, r.stderr) == (
        0,
        "sales: demo → lead → qualified → contacted → negotiation → proposal\n",
    )
    ok_json(funnel, "stage", "move", "demo", "--before", "contacted")
    assert stages(funnel) == ["lead", "qualified", "demo", "contacted", "negotiation", "proposal"]
    # Deals stay where they are; list --sort stage follows the new order.
    add(funnel, "Globex", "--stage", "negotiation")
    assert [d["id"] for d in ok_json(funnel, "list", "--sort", "stage")] == [2, 1]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["demo"], 1, "say where: --after STAGE, --before STAGE or --position N"),
        (["demo", "--after", "demo"], 1, "can't place demo relative to itself"),
        (["demo", "--position", "7"], 1, "--position must be between 1 and 6"),
        (
            ["demo", "--after", "lead", "--position", "1"],
            1,
            "give only one of --after, --before, --position",
        ),
        (
            ["nope", "--position", "1"],
            1,
            "no stage 'nope' in pipeline sales (stages: lead, "
            "qualified, contacted, demo, proposal, negotiation)",
        ),
        (
            ["demo", "--position", "1", "-f", "jsonl"],
            2,
            "--format jsonl is for lists; use table or json here",
        ),
    ],
)
def test_stage_move_refusals(funnel, empty_db, args, code, message):
    fails(funnel, code, message, "stage", "move", *args)
    assert stages(funnel) == [s[0] for s in SALES]


# -- remove --------------------------------------------------------------------


def test_stage_remove_refused_while_it_holds_deals(funnel):
    add(funnel, "Acme", "--stage", "demo")
    add(funnel, "Globex", "--stage", "demo")
    ok_json(funnel, "won", "2")
    add(funnel, "Initech")
    fails(
        funnel,
        1,
        "stage demo holds 2 deal(s): #1 (open), #2 (won); move them to another stage first",
        "stage",
        "remove",
        "demo",
    )
    assert stages(funnel) == [s[0] for s in SALES]


def test_stage_remove_names_at_most_ten_deals(funnel):
    for i in range(12):
        add(funnel, f"D{i}")
    shown = ", ".join(f"#{i} (open)" for i in range(1, 11))
    fails(
        funnel,
        1,
        f"stage lead holds 12 deal(s): {shown} and 2 more; move them to another stage first",
        "stage",
        "remove",
        "lead",
    )


def test_stage_remove_when_empty_keeps_history(funnel):
    add(funnel, "Acme", "--at", "2026-11-02")
    ok_json(funnel, "move", "1", "qualified", "--at", "2026-11-03")
    ok_json(funnel, "move", "1", "contacted", "--at", "2026-11-04")
    r = funnel("stage", "remove", "QUALIFIED")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "removed stage qualified\n")
    assert stages(funnel) == ["lead", "contacted", "demo", "proposal", "negotiation"]
    assert [s["position"] for s in ok_json(funnel, "stage", "list")] == [1, 2, 3, 4, 5]
    assert [(h["from_stage"], h["to_stage"]) for h in ok_json(funnel, "show", "1")["history"]] == [
        (None, "lead"),
        ("lead", "qualified"),
        ("qualified", "contacted"),
    ]
    # The name is free again, and the old history keeps its own stage.
    ok_json(funnel, "stage", "add", "qualified", "--after", "lead")
    ok_json(funnel, "move", "1", "qualified")
    assert [h["to_stage"] for h in ok_json(funnel, "show", "1")["history"]] == [
        "lead",
        "qualified",
        "contacted",
        "qualified",
    ]
    fails(
        funnel,
        1,
        "no stage 'nope' in pipeline sales (stages: lead, qualified, contacted, "
        "demo, proposal, negotiation)",
        "stage",
        "remove",
        "nope",
    )


def test_stage_remove_last_stage_refused(funnel):
    ok_json(funnel, "pipeline", "create", "tiny", "--stages", "only")
    fails(
        funnel, 1, "only is the last stage of tiny", "stage", "remove", "only", "--pipeline", "tiny"
    )
    assert stages(funnel, "tiny") == ["only"]


def test_stage_remove_with_list_format_refused_before_writing(funnel, empty_db):
    fails(
        funnel,
        2,
        "--format csv is for lists; use table or json here",
        "stage",
        "remove",
        "demo",
        "--format",
        "csv",
    )
    assert "demo" in stages(funnel)


# -- set -----------------------------------------------------------------------


def test_stage_set(funnel):
    add(funnel, "Acme", "--stage", "demo")
    add(funnel, "Globex", "--stage", "demo", "--probability", "5")
    changed = ok_json(
        funnel, "stage", "set", "DEM", "--probability", "60", "--rot-days", "10", "--cadence", "4"
    )
    assert changed == {
        "name": "demo",
        "position": 4,
        "probability": 60,
        "rot_days": 10,
        "cadence_days": 4,
        "owner": None,
    }
    assert ok_json(funnel, "show", "1")["probability"] == 60
    assert ok_json(funnel, "show", "2")["probability"] == 5  # overridden
    assert ok_json(funnel, "stage", "set", "demo", "--cadence", "0")["cadence_days"] == 0
    assert ok_json(funnel, "stage", "set", "demo", "--probability", "0")["probability"] == 0
    assert ok_json(funnel, "stage", "set", "demo", "--probability", "100")["probability"] == 100
    assert ok_json(funnel, "stage", "set", "demo", "--rot-days", "3650")["rot_days"] == 3650
    r = funnel("stage", "set", "lead", "--rot-days", "2")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "set stage lead\n")
    settings = {
        s["name"]: (s["probability"], s["rot_days"], s["cadence_days"])
        for s in ok_json(funnel, "stage", "list")
    }
    assert settings["demo"] == (100, 3650, 0)
    assert settings["lead"] == (10, 2, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--probability", "101"], "--probability must be between 0 and 100, not 101"),
        (["--probability", "-1"], "--probability must be between 0 and 100, not -1"),
        (["--rot-days", "0"], "--rot-days must be at least 1, not 0"),
        (["--rot-days", "3651"], "--rot-days must be at most 3650 days, not 3651"),
        (["--cadence", "-1"], "--cadence can't be negative (-1)"),
        (
            ["--cadence", "99999999999999999999"],
            "--cadence must be at most 3650 days, not 99999999999999999999",
        ),
        ([], "nothing to set: give --probability, --rot-days, --cadence or --owner"),
        (["--probability", "60", "--cadence", "-2"], "--cadence can't be negative (-2)"),
    ],
)
def test_stage_set_out_of_range(funnel, args, message):
    fails(funnel, 1, message, "stage", "set", "demo", *args)
    assert ok_json(funnel, "stage", "list")[3] == {
        "name": "demo",
        "position": 4,
        "probability": 50,
        "rot_days": 14,
        "cadence_days": 5,
        "owner": None,
        "open_deals": 0,
    }


# -- names ---------------------------------------------------------------------


def test_stage_and_pipeline_names_match_by_prefix_and_case(funnel):
    ok_json(funnel, "pipeline", "create", "Customer Lifecycle", "--template", "contract")
    deal = add(funnel, "A", "--pipeline", "customer-lifecycle", "--stage", "FIRST_CONTACT")
    assert (deal["pipeline"], deal["stage"]) == ("Customer Lifecycle", "first contact")
    assert ok_json(funnel, "move", "1", "obj")["stage"] == "objections"
    assert ok_json(funnel, "move", "1", "Contract")["stage"] == "contract"  # exact beats prefix
    assert ok_json(funnel, "stage", "set", "pay", "-p", "cust", "--rot-days", "9")["rot_days"] == 9
    ok_json(funnel, "pipeline", "create", "x", "--stages", "proof,proposal,price")
    fails(
        funnel,
        1,
        "'pr' matches several stages of x: proof, proposal, price",
        "add",
        "B",
        "--pipeline",
        "x",
        "--stage",
        "pr",
    )
    assert add(funnel, "B", "--pipeline", "x", "--stage", "prop")["stage"] == "proposal"
    ok_json(funnel, "pipeline", "create", "sales team", "--stages", "a")
    fails(
        funnel, 1, "'sa' matches several pipelines: sales, sales team", "list", "--pipeline", "sa"
    )
    assert [d["id"] for d in ok_json(funnel, "list", "--pipeline", "Sales")] == []


def test_stage_name_from_another_pipeline_is_refused_on_move(funnel):
    ok_json(funnel, "pipeline", "create", "renewals", "--stages", "due,quoted,signed")
    add(funnel, "A", "--pipeline", "renewals")
    fails(
        funnel,
        1,
        "no stage 'demo' in pipeline renewals (stages: due, quoted, signed)",
        "move",
        "1",
        "demo",
    )
    assert ok_json(funnel, "move", "1", "sig")["stage"] == "signed"


def test_outcomes_are_not_stages_anywhere(funnel):
    add(funnel, "A")
    fails(
        funnel,
        1,
        "'won' is an outcome, not a stage: use `funnel won DEAL`",
        "stage",
        "set",
        "won",
        "--probability",
        "100",
    )
    fails(
        funnel,
        1,
        "'lost' is an outcome, not a stage: use `funnel lost DEAL`",
        "stage",
        "remove",
        "lost",
    )
    fails(
        funnel, 1, "'LOST' is an outcome, not a stage: use `funnel lost DEAL`", "move", "1", "LOST"
    )
    fails(
        funnel,
        1,
        "'won' is an outcome, not a stage: every pipeline has won and lost",
        "stage",
        "rename",
        "lead",
        "won",
    )


@pytest.mark.parametrize("pipeline", [[], ["--pipeline", "sales"]])
def test_list_by_an_outcome_points_to_status(funnel, pipeline):
    # issue 13: `list --stage won` said "use `funnel won DEAL`", which closes a deal
    add(funnel, "A")
    fails(
        funnel,
        1,
        "'won' is an outcome, not a stage: use `--status won`",
        "list",
        "--stage",
        "won",
        *pipeline,
    )
    fails(
        funnel,
        1,
        "'Lost' is an outcome, not a stage: use `--status lost`",
        "list",
        "-s",
        "Lost",
        *pipeline,
    )


def test_outcome_words_never_match_a_stage_by_prefix(funnel):
    """`funnel move 1 won` must not move the deal to a stage called "won over"."""
    ok_json(funnel, "stage", "add", "won over")
    ok_json(funnel, "stage", "add", "lost contact")
    add(funnel, "A")
    fails(funnel, 1, "'won' is an outcome, not a stage: use `funnel won DEAL`", "move", "1", "won")
    fails(
        funnel, 1, "'Lost' is an outcome, not a stage: use `funnel lost DEAL`", "move", "1", "Lost"
    )
    assert ok_json(funnel, "show", "1")["stage"] == "lead"
    assert ok_json(funnel, "move", "1", "won ov")["stage"] == "won over"


@pytest.mark.sqlite_only  # the SQLite file's mode
def test_database_file_mode_unchanged_by_stage_commands(funnel, isolated):
    add(funnel, "A")
    ok_json(funnel, "stage", "add", "trial")
    assert os.stat(isolated / "funnel.db").st_mode & 0o777 == 0o600


def test_create_and_stage_move_report_the_default_flag_and_open_counts(funnel):
    r = funnel("pipeline", "create", "renewals", "--stages", "a,b,c", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["default"] is False
    assert funnel("config", "set", "default_pipeline", "renewals").exit_code == 0
    assert funnel("add", "X", "--format", "json").json()["pipeline"] == "renewals"
    r = funnel("stage", "move", "a", "--position", "3", "--format", "json")
    assert r.exit_code == 0, r.stderr
    record = r.json()
    assert record["default"] is True
    assert [(s["name"], s["open_deals"]) for s in record["stages"]] == [
        ("b", 0),
        ("c", 0),
        ("a", 1),
    ]


def test_a_stage_prefix_ambiguous_in_any_pipeline_is_refused(funnel):
    funnel("pipeline", "create", "shop", "--template", "simple")  # prospecting, pricing…
    one_error(funnel("list", "--stage", "p"), 1, "matches several stages of shop")
