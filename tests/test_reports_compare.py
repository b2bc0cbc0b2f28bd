"""--compare previous: the same figures for the period of equal length before."""

from __future__ import annotations

import json

from funnelcli.cli.report_figures import METRIC_FIGURES, _changes
from helpers import ok


def test_metrics_and_funnel_against_the_previous_period(funnel):
    # Previous period [2026-10-23, 2026-11-07): deals 1, 2 created; 1 won, 2 lost.
    ok(funnel, "add", "A", "--value", "100", "--at", "2026-10-25")
    ok(funnel, "add", "B", "--value", "300", "--at", "2026-10-26")
    ok(funnel, "won", "1", "--at", "2026-10-30")
    ok(funnel, "lost", "2", "--reason", "x", "--at", "2026-11-02")
    # This period [2026-11-07, 2026-11-22): deals 3, 4, 5 created; 3 and 4 won.
    ok(funnel, "add", "C", "--value", "200", "--at", "2026-11-08")
    ok(funnel, "add", "D", "--value", "400", "--at", "2026-11-09")
    ok(funnel, "add", "E", "--at", "2026-11-10")
    ok(funnel, "move", "3", "demo", "--at", "2026-11-10")
    ok(funnel, "won", "3", "--at", "2026-11-12")
    ok(funnel, "won", "4", "--at", "2026-11-19")
    args = ("--since", "2026-11-07", "--until", "2026-11-22", "--compare", "previous")
    (m,) = ok(funnel, "report", "metrics", *args, "--format", "json").json()  # one currency
    # now: won 2, lost 0 → win rate 100; before: won 1, lost 1 → 50
    assert (m["won"], m["lost"], m["win_rate"]) == (2, 0, 100.0)
    assert (m["previous"]["won"], m["previous"]["lost"], m["previous"]["win_rate"]) == (1, 1, 50.0)
    assert m["previous"]["since"] == "2026-10-23T00:00"
    assert m["previous"]["until"] == "2026-11-07T00:00"
    # avg deal size now (200 + 400) / 2 = 300, before 100 → +200; conversion now
    # 2 of 3 created = 66.67, before 1 of 2 = 50 → +16.67
    assert m["change"]["win_rate"] == 50.0
    assert m["change"]["avg_deal_size"] == 200
    assert m["change"]["conversion_rate"] == 16.67
    assert m["change"]["won"] == 1
    f = ok(funnel, "report", "funnel", *args, "--format", "json").json()
    lead = f["stages"][0]
    # now: 3 created, 2 won → reached(lead)=3, reached(qualified)=2 → 66.67;
    # before: 2 created, 1 won → reached 2 → 1 → 50.0
    assert (lead["reached"], lead["conversion_to_next"]) == (3, 66.67)
    assert f["previous"]["stages"][0]["conversion_to_next"] == 50.0
    assert lead["change"]["conversion_to_next"] == 16.67
    table = ok(funnel, "report", "funnel", *args).stdout
    assert "+16.7 pts" in table


def test_compare_needs_since_and_says_previous(funnel, empty_db):
    r = funnel("report", "metrics", "--compare", "previous")
    assert (r.exit_code, r.stderr) == (
        1,
        "funnel: error: --compare previous needs --since (the period to compare)\n",
    )
    r = funnel("report", "funnel", "--since", "30d", "--compare", "last")
    assert r.exit_code == 2


FUNNEL_CHANGE = [
    "open_count",
    "open_value",
    "reached",
    "conversion_to_next",
    "dropped",
    "avg_days_in_stage",
    "median_days_in_stage",
]
METRICS_CHANGE = [
    "open_deals",
    "open_value",
    "weighted_value",
    "won",
    "lost",
    "won_value",
    "lost_value",
    "win_rate",
    "conversion_rate",
    "avg_deal_size",
    "sales_cycle_days",
    "sales_velocity",
    "sales_cycle_median_days",
    "avg_touches_per_won_deal",
]


def test_a_stage_change_has_every_key_whatever_the_stage(funnel):
    # issue 13: conversion_to_next was only on some stages, the days in stage
    # left out when null; one shape now, null where a figure has no number
    ok(funnel, "add", "A", "--value", "100", "--at", "2026-10-05")
    ok(funnel, "add", "C", "--value", "300", "--at", "2026-11-10")
    args = ("--since", "2026-11-01", "--until", "2026-11-21", "--compare", "previous")
    f = ok(funnel, "report", "funnel", *args, "--format", "json").json()
    assert [list(s["change"]) for s in f["stages"]] == [FUNNEL_CHANGE] * len(f["stages"])
    qualified = f["stages"][1]["change"]
    assert qualified["conversion_to_next"] is None and qualified["avg_days_in_stage"] is None
    assert qualified["reached"] == 0
    rows = ok(funnel, "report", "funnel", *args, "--format", "jsonl").stdout.splitlines()
    assert {tuple(json.loads(r)["change"]) for r in rows} == {tuple(FUNNEL_CHANGE)}


def test_a_metrics_change_has_every_figure_always(funnel):
    ok(funnel, "add", "A", "--value", "100", "--at", "2026-10-25")
    ok(funnel, "won", "1", "--at", "2026-10-30")
    ok(funnel, "add", "B", "--value", "50", "--currency", "EUR", "--at", "2026-11-10")
    ok(funnel, "won", "2", "--at", "2026-11-12")
    args = ("--since", "2026-11-07", "--until", "2026-11-22", "--compare", "previous")
    records = ok(funnel, "report", "metrics", *args, "--format", "json").json()
    assert [r["currency"] for r in records] == ["EUR", "USD"]
    assert all(list(r["change"]) == METRICS_CHANGE for r in records)
    usd = records[1]["change"]
    assert usd["win_rate"] is None and usd["won"] == -1  # nothing closed in USD now
    # a currency the period before had nothing of: every figure, all null
    assert _changes(records[0], None, METRIC_FIGURES, "EUR") == dict.fromkeys(METRICS_CHANGE)


def test_the_metrics_table_shows_money_changes_as_money(funnel):
    # issue 13: "-5500" and "-12491.1" beside "900.00 USD"
    ok(funnel, "add", "A", "--value", "6400", "--at", "2026-10-25")
    ok(funnel, "won", "1", "--at", "2026-10-30")
    ok(funnel, "add", "B", "--value", "900", "--at", "2026-11-08")
    ok(funnel, "won", "2", "--at", "2026-11-12")
    ok(funnel, "add", "C", "--value", "1000", "--currency", "JPY", "--at", "2026-11-08")
    ok(funnel, "add", "D", "--value", "1.234", "--currency", "KWD", "--at", "2026-11-08")
    args = ("--since", "2026-11-07", "--until", "2026-11-22", "--compare", "previous")
    table = ok(funnel, "report", "metrics", *args).stdout
    avg = next(line for line in table.splitlines() if line.startswith("avg deal size"))
    assert avg.split()[-2:] == ["-5,500.00", "USD"], avg
    assert "+0.00 USD" in table and "+0 JPY" in table and "+0.000 KWD" in table
    velocity = next(line for line in table.splitlines() if line.startswith("sales velocity"))
    assert velocity.endswith(" USD/day") or velocity.rstrip().endswith("USD/day")
    assert "-5500" not in table and "+0.0 " not in table.replace("+0.0 pts", "")


def test_funnel_against_the_same_period_last_year(funnel):
    """report funnel --compare last-year: October 2026 beside October 2025,
    by hand. Last year: A (won after qualified) and B (lost in lead) created
    in October 2025, D created 2 November 2025 (outside); now C, qualified."""
    ok(funnel, "add", "A", "--value", "100", "--at", "2025-10-05")
    ok(funnel, "move", "1", "qualified", "--at", "2025-10-07")
    ok(funnel, "won", "1", "--at", "2025-10-20")
    ok(funnel, "add", "B", "--value", "50", "--owner", "anna", "--at", "2025-10-10")
    ok(funnel, "lost", "2", "--reason", "x", "--at", "2025-10-12")
    ok(funnel, "add", "D", "--at", "2025-11-02")
    ok(funnel, "add", "C", "--value", "300", "--at", "2026-10-03")
    ok(funnel, "move", "4", "qualified", "--at", "2026-10-04")
    october = ("--since", "2026-10-01", "--until", "2026-11-01")
    f = ok(
        funnel, "report", "funnel", *october, "--compare", "last-year", "--format", "json"
    ).json()
    before = f["previous"]
    assert (before["since"], before["until"]) == ("2025-10-01T00:00", "2025-11-01T00:00")
    assert (f["won"], f["lost"], before["won"], before["lost"]) == (0, 0, 1, 1)
    lead, qualified = f["stages"][:2]
    old_lead, old_qualified = before["stages"][:2]
    # last year: reached lead 2, qualified 1 (A; B was lost in lead) → 50 %;
    # now: 1 and 1 → 100 %
    assert (old_lead["reached"], old_qualified["reached"], old_lead["conversion_to_next"]) == (
        2, 1, 50.0,
    )  # fmt: skip
    assert (lead["reached"], qualified["reached"], lead["conversion_to_next"]) == (1, 1, 100.0)
    assert (old_lead["dropped"], lead["change"]["reached"]) == (1, -1)
    assert lead["change"]["conversion_to_next"] == 50.0
    # `previous` is what report funnel gives for October 2025 on its own
    alone = ok(funnel, "report", "funnel", "--since", "2025-10-01", "--until", "2025-11-01",
               "--format", "json").json()  # fmt: skip
    assert before == alone
    # per group: the groups of this period (anna, with nothing now, has none),
    # each beside its own last year
    [me] = ok(funnel, "report", "funnel", *october, "--compare", "last-year", "--by",
              "owner", "--format", "json").json()  # fmt: skip
    assert (me["group"], me["previous"]["won"], me["previous"]["lost"]) == ("me", 1, 0)
    text = ok(funnel, "report", "funnel", *october, "--compare", "last-year").stdout
    assert "last year" in text and "50.0%" in text
    # no period to compare: refused as report metrics refuses it
    r = funnel("report", "funnel", "--compare", "last-year")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        "funnel: error: --compare last-year needs --since (the period to compare)\n",
    )
