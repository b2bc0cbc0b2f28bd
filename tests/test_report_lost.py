"""`funnel report lost`: the deals lost in a period by reason, by the stage
they were lost in, or by owner (docs/metrics.md).

By hand on helpers.HISTORY: two deals are lost, #3 Charlie (3,000 USD,
budget, in qualified, on 15 October, owner me) and #4 Delta (500 USD,
competitor, in qualified: it went back there from demo, on 6 November, owner
anna). #8 Hotel was lost and then reopened: it is open, not lost.

On the real data set against the CSV: per agent, the Lost rows; by stage,
a Lost row with an engage date was lost in Engaging, one without in
Prospecting.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from helpers import ERROR

SALES = ["lead", "qualified", "contacted", "demo", "proposal", "negotiation"]


def lost(history, *args):
    run = history("report", "lost", "--format", "json", *args)
    assert run.exit_code == 0, run.stderr
    return run.json()


def test_lost_by_reason_by_hand(history):
    got = lost(history)
    assert got == [
        {"by": "reason", "group": "budget", "lost": 1, "share": 50.0, "lost_value": 3000,
         "currency": "USD", "lost_value_by_currency": {"USD": 3000},
         "lost_in": {"qualified": 1}, "since": None, "until": None},
        {"by": "reason", "group": "competitor", "lost": 1, "share": 50.0, "lost_value": 500,
         "currency": "USD", "lost_value_by_currency": {"USD": 500},
         "lost_in": {"qualified": 1}, "since": None, "until": None},
    ]  # fmt: skip


def test_lost_by_stage_and_owner_by_hand(history):
    by_stage = lost(history, "--by", "stage")
    assert [r["group"] for r in by_stage] == SALES  # every stage, in order
    assert [(r["lost"], r["share"], r["lost_value"]) for r in by_stage] == [
        (0, 0.0, None), (2, 100.0, 3500), (0, 0.0, None), (0, 0.0, None), (0, 0.0, None),
        (0, 0.0, None),
    ]  # fmt: skip
    by_owner = lost(history, "--by", "owner")
    assert [(r["group"], r["lost"], r["share"], r["lost_value"]) for r in by_owner] == [
        ("anna", 1, 50.0, 500),
        ("me", 1, 50.0, 3000),
    ]


def test_lost_in_a_period_for_an_owner(history):
    # November: only Delta
    got = lost(history, "--since", "2026-11-01")
    assert [(r["group"], r["lost"], r["share"]) for r in got] == [("competitor", 1, 100.0)]
    assert got[0]["since"].startswith("2026-11-01")
    assert [r["group"] for r in lost(history, "--owner", "me")] == ["budget"]
    # the renewals pipeline lost nothing: its stages, all at 0, no share
    renewals = lost(history, "--by", "stage", "--pipeline", "renewals")
    assert [(r["group"], r["lost"], r["share"]) for r in renewals] == [
        ("ask", 0, None), ("quote", 0, None), ("signed", 0, None)
    ]  # fmt: skip


def test_lost_table_and_no_reason(history):
    assert history("lost", "6", "--reason", "  ").exit_code != 0  # a reason is needed
    run = history("report", "lost")
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["Reason", "Lost", "Share", "Lost", "value", "Lost", "in"]
    assert lines[1].split() == ["budget", "1", "50.0%", "3,000.00", "USD", "qualified", "1"]
    bad = history("report", "lost", "--by", "month")
    assert (bad.exit_code, bad.stderr) == (
        2,
        f"{ERROR}--by must be one of reason, stage, owner, not 'month'\n",
    )


def test_lost_keeps_currencies_apart(history):
    assert history("lost", "6", "--reason", "budget").exit_code == 0  # 1,200.50 EUR
    budget = next(r for r in lost(history) if r["group"] == "budget")
    assert budget["lost"] == 2
    assert (budget["lost_value"], budget["currency"]) == (None, None)
    assert budget["lost_value_by_currency"] == {"EUR": 1200.5, "USD": 3000}


@pytest.mark.maven
@pytest.mark.slow
@pytest.mark.parametrize("window", [(), ("--since", "2017-07-01", "--until", "2017-10-01")])
def test_lost_on_the_real_data_set(report, rows, window):
    def closed_in(day: date | None) -> bool:
        return day is not None and (not window or date(2017, 7, 1) <= day < date(2017, 10, 1))

    lost_rows = [r for r in rows if r.stage == "Lost" and closed_in(r.closed)]
    total = len(lost_rows)
    by_agent = Counter(r.agent for r in lost_rows)
    got = report("lost", "--by", "owner", *window)
    assert {r["group"]: r["lost"] for r in got} == dict(by_agent)
    assert sum(r["lost"] for r in got) == total
    for r in got:
        assert r["share"] == pytest.approx(round(100 * by_agent[r["group"]] / total, 2), abs=0.006)
        assert r["lost_value_by_currency"] == {"USD": sum(x.value or 0 for x in lost_rows
                                                          if x.agent == r["group"])}  # fmt: skip
    by_stage = report("lost", "--by", "stage", "--pipeline", "maven", *window)
    engaged = sum(r.engaged is not None for r in lost_rows)
    assert [(r["group"], r["lost"]) for r in by_stage] == [
        ("Prospecting", total - engaged),
        ("Engaging", engaged),
    ]
    if not window:
        assert total == 2473
