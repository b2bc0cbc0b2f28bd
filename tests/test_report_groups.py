"""`--by` on report metrics and report funnel, and `--tag`/`--field` on every
report, on five deals built by hand (the clock: 2026-11-23 10:15, UTC).

 #  title  owner  value    tags      office  history                                 now
 1  A1     anna   USD 1000 vip       East    lead 10-01 → qualified 10-03 → won 10-11 won
 2  A2     anna   USD 2000 vip, web  West    lead 10-05 → lost 10-15                 lost
 3  B1     bob    USD 500  –         east    lead 10-10 → demo 10-12 → won 10-30     won
 4  B2     Bob    USD 300  web       –       lead 11-01                              open
 5  C1     cara   EUR 700  vip       West    lead 11-02 → qualified 11-04            open

Owners and field values group as --owner and --field match them (ASCII case
ignored: bob and Bob are one group, named by the first spelling in byte
order, "Bob"; East and east likewise); tags exactly. A deal with two tags
counts in both tags' groups; deals with no value form the last group, null.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from helpers import ERROR, add, build, fails, module_database, ok, report

DEALS = [
    ("A1", "anna", "1000", ["vip"], "East", "2026-10-01"),
    ("A2", "anna", "2000", ["vip", "web"], "West", "2026-10-05"),
    ("B1", "bob", "500", [], "east", "2026-10-10"),
    ("B2", "Bob", "300", ["web"], None, "2026-11-01"),
    ("C1", "cara", "700", ["vip"], "West", "2026-11-02"),
]


def five_commands() -> list[tuple[str, ...]]:
    commands: list[tuple[str, ...]] = []
    for title, owner, value, tags, office, at in DEALS:
        args = ["add", title, "--owner", owner, "--value", value, "--at", at]
        args += [a for t in tags for a in ("--tag", t)]
        args += ["--field", f"office={office}"] if office else []
        args += ["--currency", "EUR"] if title == "C1" else []
        commands.append(tuple(args))
    return [
        *commands,
        ("move", "1", "qualified", "--at", "2026-10-03"),
        ("won", "1", "--at", "2026-10-11"),
        ("lost", "2", "--reason", "price", "--at", "2026-10-15"),
        ("move", "3", "demo", "--at", "2026-10-12"),
        ("won", "3", "--at", "2026-10-30"),
        ("move", "5", "qualified", "--at", "2026-11-04"),
    ]


@pytest.fixture(scope="module")
def five_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """The five deals, built once for the module: the tests only read."""
    with module_database(request) as db:
        build(db, five_commands())
        yield db


@pytest.fixture
def five(funnel: Any, five_db: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("FUNNEL_DB", five_db)
    return funnel


def groups(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["group"], r["currency"], r["won"], r["lost"], r["open_deals"]) for r in records]


def test_metrics_by_owner_tag_field_stage_hand_computed(five: Any) -> None:
    by_owner = report(five, "metrics", "--by", "owner")
    assert {r["by"] for r in by_owner} == {"owner"}
    assert groups(by_owner) == [
        ("anna", "USD", 1, 1, 0),
        ("Bob", "USD", 1, 0, 1),  # bob and Bob
        ("cara", "EUR", 0, 0, 1),
    ]
    anna, bob, cara = by_owner
    assert (anna["win_rate"], anna["won_value"], anna["lost_value"]) == (50.0, 1000, 2000)
    assert (anna["sales_cycle_days"], anna["conversion_rate"]) == (10.0, 50.0)  # 10-01 → 10-11
    assert (bob["sales_cycle_days"], bob["weighted_value"]) == (20.0, 30)  # 300 × lead's 10 %
    assert (cara["open_value"], cara["weighted_value"], cara["win_rate"]) == (700, 140, None)

    # Deal 2 has two tags: it counts in both, so the groups' lost (2) exceed the total (1).
    assert groups(report(five, "metrics", "--by", "tag")) == [
        ("vip", "EUR", 0, 0, 1),  # currencies in order within a group
        ("vip", "USD", 1, 1, 0),
        ("web", "USD", 0, 1, 1),
        (None, "USD", 1, 0, 0),  # no tag: deal 3
    ]
    office = report(five, "metrics", "--by", "field:Office")  # the name's case ignored too
    assert [r["by"] for r in office] == ["field:Office"] * 4
    assert groups(office) == [
        ("East", "USD", 2, 0, 0),  # East and east
        ("West", "EUR", 0, 0, 1),
        ("West", "USD", 0, 1, 0),
        (None, "USD", 0, 0, 1),
    ]
    assert (office[0]["sales_cycle_days"], office[0]["sales_cycle_median_days"]) == (15.0, 15.0)
    # The stage a deal is in now (a closed deal keeps the stage it closed in),
    # in pipeline order.
    assert groups(report(five, "metrics", "--by", "stage")) == [
        ("lead", "USD", 0, 1, 1),
        ("qualified", "EUR", 0, 0, 1),
        ("qualified", "USD", 1, 0, 0),
        ("demo", "USD", 1, 0, 0),
    ]
    assert groups(report(five, "metrics", "--by", "pipeline")) == [
        ("sales", "EUR", 0, 0, 1),
        ("sales", "USD", 2, 1, 1),
    ]


def without_group(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in ("by", "group")} for r in records]


@pytest.mark.parametrize(
    ("by", "filters"),
    [
        ("owner", {"anna": ["--owner", "anna"], "Bob": ["--owner", "bob"]}),
        ("tag", {"vip": ["--tag", "vip"], "web": ["--tag", "web"]}),
        ("field:office", {"East": ["--field", "office=east"], "West": ["--field", "office=West"]}),
    ],
)
def test_each_group_has_the_figures_its_filter_gives(
    five: Any, by: str, filters: dict[str, list[str]]
) -> None:
    """The same figures as the report narrowed to the group, in both reports."""
    window = ["--since", "2026-10-04"]
    for kind in ("metrics", "funnel"):
        grouped = report(five, kind, "--by", by, *window)
        for name, narrow in filters.items():
            mine = [r for r in grouped if r["group"] == name]
            alone = report(five, kind, *narrow, *window)
            assert without_group(mine) == (alone if kind == "metrics" else [alone]), (kind, name)


def test_funnel_by_owner_hand_computed(five: Any) -> None:
    funnels = report(five, "funnel", "--by", "owner")
    assert [(f["by"], f["group"], f["won"], f["lost"]) for f in funnels] == [
        ("owner", "anna", 1, 1),
        ("owner", "Bob", 1, 0),
        ("owner", "cara", 0, 0),
    ]
    lead, qualified = funnels[0]["stages"][:2]
    # anna: both reached lead; 1 (won) reached qualified and on; 2 dropped at lead.
    assert (lead["reached"], lead["conversion_to_next"], lead["dropped"]) == (2, 50.0, 1)
    # stays in lead: 1 for 2 days, 2 for 10 (ended by the loss)
    assert (lead["avg_days_in_stage"], lead["median_days_in_stage"]) == (6.0, 6.0)
    assert (qualified["reached"], qualified["avg_days_in_stage"]) == (1, 8.0)  # 10-03 → 10-11
    bob_lead = funnels[1]["stages"][0]
    assert (bob_lead["open_count"], bob_lead["open_value"], bob_lead["reached"]) == (1, 300, 2)


def test_funnel_by_pipeline_is_each_pipelines_own(funnel: Any) -> None:
    ok(funnel, "pipeline", "create", "renewals", "--stages", "lead,quote")
    add(funnel, "S1", "--at", "2026-11-01")
    add(funnel, "R1", "--pipeline", "renewals", "--at", "2026-11-10")
    ok(funnel, "move", "R1", "quote", "--at", "2026-11-12")
    add(funnel, "R2", "--pipeline", "renewals", "--at", "2026-11-13")
    # by stage: pipeline order; a stage name two pipelines' groups share names its pipeline
    by_stage = report(funnel, "metrics", "--by", "stage")
    assert [(r["group"], r["open_deals"]) for r in by_stage] == [
        ("sales: lead", 1),
        ("renewals: lead", 1),
        ("quote", 1),
    ]
    funnels = report(funnel, "funnel", "--by", "pipeline")
    assert [(f["group"], f["pipeline"]) for f in funnels] == [
        ("sales", "sales"),
        ("renewals", "renewals"),
    ]
    assert [s["stage"] for s in funnels[1]["stages"]] == ["lead", "quote"]
    lead, quote = funnels[1]["stages"]
    assert (lead["reached"], lead["avg_days_in_stage"], quote["open_count"]) == (2, 2.0, 1)
    assert without_group(funnels[:1]) == [report(funnel, "funnel")]
    assert without_group(funnels[1:]) == [report(funnel, "funnel", "--pipeline", "renewals")]


def test_compare_previous_per_group(five: Any) -> None:
    window = ("--since", "2026-11-01", "--compare", "previous")
    anna = report(five, "metrics", "--by", "owner", *window)[0]
    # previous period: [2026-10-09 13:45, 2026-11-01): anna's win (10-11) and loss (10-15)
    assert (anna["won"], anna["previous"]["won"], anna["change"]["won"]) == (0, 1, -1)
    assert (anna["previous"]["lost"], anna["change"]["win_rate"]) == (1, None)
    # the funnel's cohort: deals created in each period
    funnels = report(five, "funnel", "--by", "owner", *window)
    # anna: no deal created since 11-01 and no stay ended then: no group
    assert [f["group"] for f in funnels] == ["Bob", "cara"]
    bob, cara = funnels
    # B2 now, B1 (won) before
    assert (bob["group"], bob["previous"]["won"], bob["stages"][0]["change"]["reached"]) == (
        "Bob",
        1,
        0,
    )
    # cara had no deal before (nor a stay that ended): her funnel then is all zeros
    assert (cara["group"], cara["previous"]["stages"][0]["reached"]) == ("cara", 0)
    assert cara["stages"][0]["change"]["reached"] == 1


def test_tables_and_csv_one_block_or_row_per_group(five: Any) -> None:
    table = ok(five, "report", "metrics", "--by", "owner").stdout
    heads = [line for line in table.splitlines() if line.startswith("owner: ")]
    assert heads == ["owner: anna", "owner: Bob", "owner: cara"]
    assert max(len(line) for line in table.splitlines()) <= 80
    funnel = ok(five, "report", "funnel", "--by", "tag").stdout
    assert [line for line in funnel.splitlines() if line.startswith("tag: ")] == [
        "tag: vip",
        "tag: web",
        "tag: (none)",
    ]
    csv = ok(five, "report", "metrics", "--by", "tag", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("by,group,open_deals,")
    assert [line.split(",")[:2] for line in csv[1:]] == [
        ["tag", "vip"],
        ["tag", "vip"],
        ["tag", "web"],
        ["tag", ""],
    ]
    rows = ok(five, "report", "funnel", "--by", "owner", "--format", "jsonl").stdout.splitlines()
    assert len(rows) == 3 * 6  # a row per owner and stage


def test_bad_by_and_filters_are_one_line_errors(five: Any) -> None:
    by = "owner, pipeline, source, tag, org, stage or field:NAME"
    fails(five, 2, f"--by takes {by}, not 'title'", "report", "metrics", "--by", "title")
    fails(five, 2, f"--by takes {by}, not 'owner:x'", "report", "funnel", "--by", "owner:x")
    fails(
        five,
        2,
        "--by field:NAME needs the custom field's name, e.g. field:manager",
        *("report", "metrics", "--by", "field:"),
    )
    fails(
        five,
        1,
        "no deal has a field 'ofice' (did you mean office? fields: office)",
        *("report", "funnel", "--by", "field:ofice"),
    )
    fails(
        five,
        2,
        "--explain lists the deals of one report: narrow it with --owner, --tag or --field "
        "instead of --by",
        *("report", "metrics", "--by", "owner", "--explain"),
    )
    for kind in ("metrics", "funnel", "owners", "forecast", "calibration", "lost"):
        fails(
            five,
            1,
            "no deal has tag 'VIP' (did you mean vip? tags: vip, web)",
            "report",
            kind,
            "--tag",
            "VIP",
        )
        fails(
            five,
            1,
            "no deal has office 'North' (office values: East, West)",
            *("report", kind, "--field", "office=North"),
        )
        fails(
            five, 2, "--field takes NAME=VALUE, not 'office'", "report", kind, "--field", "office"
        )
    run = five("report", "metrics", "--field", "offce=East")
    assert (
        run.stderr == f"{ERROR}no deal has a field 'offce' (did you mean office? fields: office)\n"
    )


def test_filters_on_every_report(five: Any) -> None:
    # --tag repeated: all of them (deal 2 alone); --field repeated: any of its values
    [both] = report(five, "metrics", "--tag", "vip", "--tag", "web")
    assert (both["won"], both["lost"], both["open_deals"]) == (0, 1, 0)
    either = report(five, "metrics", "--field", "office=east", "--field", "OFFICE=west")
    assert groups([{**r, "group": None} for r in either]) == [
        (None, "EUR", 0, 0, 1),
        (None, "USD", 2, 1, 0),
    ]
    # different names: all of them
    [east_vip] = report(five, "metrics", "--field", "office=East", "--tag", "vip")
    assert (east_vip["won"], east_vip["lost"]) == (1, 0)

    owners = report(five, "owners", "--tag", "vip")
    assert [(r["owner"], r["won"], r["lost"], r["open_deals"]) for r in owners] == [
        ("anna", 1, 1, 0),
        ("cara", 0, 0, 1),
    ]
    lost = report(five, "lost", "--field", "office=west")
    assert [(g["group"], g["lost"]) for g in lost] == [("price", 1)]
    assert report(five, "lost", "--field", "office=east") == []
    calibration = report(five, "calibration", "--tag", "web")
    assert [(r["stage"], r["won"], r["lost"]) for r in calibration[:2]] == [
        ("lead", 0, 1),
        ("qualified", 0, 0),
    ]
    forecast = report(five, "forecast", "--tag", "vip")
    assert [(r["period"], r["deals"], r["value"], r["currency"]) for r in forecast] == [
        (None, 1, 700, "EUR")
    ]
    [lead, *_] = report(five, "funnel", "--tag", "web")["stages"]
    assert (lead["reached"], lead["dropped"], lead["avg_days_in_stage"]) == (2, 1, 10.0)


def test_explain_lists_the_filtered_deals(five: Any) -> None:
    eur, usd = report(five, "metrics", "--tag", "vip", "--explain")
    assert usd["explain"]["won"]["deal_ids"] == [1]
    assert usd["explain"]["lost"]["deal_ids"] == [2]
    assert eur["explain"]["open_deals"]["deal_ids"] == [5]
    stages = report(five, "funnel", "--field", "office=EAST", "--explain")["stages"]
    assert stages[0]["explain"]["reached"]["deal_ids"] == [1, 3]
    assert stages[0]["explain"]["avg_days_in_stage"]["deal_ids"] == [1, 3]
    assert stages[3]["explain"]["reached"]["deal_ids"] == [1, 3]  # demo: 3, and 1 won


def test_at_an_80_column_terminal_a_block_per_group(five: Any) -> None:
    import os
    import shutil
    import sys
    from pathlib import Path

    from helpers import run_on_a_terminal

    funnel_bin = shutil.which("funnel") or str(Path(sys.executable).with_name("funnel"))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", NO_COLOR="1")
    for kind, by, heads in [
        (
            "funnel",
            "field:office",
            ["field:office: East", "field:office: West", "field:office: (none)"],
        ),
        ("metrics", "tag", ["tag: vip", "tag: web", "tag: (none)"]),
    ]:
        argv = [funnel_bin, "report", kind, "--by", by, "--since", "2026-10-01"]
        code, text, err = run_on_a_terminal(argv, env, width=80)
        assert code == 0, err
        lines = text.splitlines()
        assert max(len(line) for line in lines) <= 80
        assert [line for line in lines if line.startswith(by.split(":")[0] + ":")] == heads


def test_group_names_stay_inert(funnel: Any) -> None:
    """A hostile tag or owner is text in the table, formula-safe in CSV."""
    add(funnel, "X", "--tag", "=HYPERLINK(1)", "--owner", "ev\x1b[31mil", "--value", "5")
    table = ok(funnel, "report", "metrics", "--by", "owner").stdout
    assert "\x1b" not in table and "owner: ev" in table
    csv = ok(funnel, "report", "metrics", "--by", "tag", "--format", "csv").stdout
    assert csv.splitlines()[1].startswith("tag,'=HYPERLINK(1),")
    [record] = report(funnel, "funnel", "--by", "tag")
    assert record["group"] == "=HYPERLINK(1)"
