"""`report metrics --per month` and `report activity` on the real data set
(tests/maven_load.py), against figures computed here from
`sales_pipeline.csv` with the csv module (maven_csv.Row):

- per month of `close_date`: Won rows (count, Σ close_value), Lost rows,
  win rate = won ÷ (won + lost) × 100, cycle = mean(close − engage) of the
  Won rows; new deals per month of `engage_date` (the loader's creation
  date; the 500 Prospecting rows are created on 2017-12-31);
- per agent and month: Won rows and Σ close_value (wins, won value), rows
  engaged that month (each enters Engaging from Prospecting then: a forward
  move), and for a few agents the win rate per month.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest

from maven_csv import Row

pytestmark = [pytest.mark.maven, pytest.mark.slow]

MONTHS = ("--since", "2016-10", "--until", "2017-12")  # October 2016 to December 2017


def month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def pct(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 2)


def monthly(rows: list[Row]) -> dict[str, dict[str, Any]]:
    """month -> won, won_value, lost, win_rate, cycle sum, new deals."""
    out: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"won": 0, "won_value": 0, "lost": 0, "days": 0, "new": 0}
    )
    for r in rows:
        if r.stage in ("Won", "Lost"):
            assert r.closed is not None
            m = out[month(r.closed)]
            if r.stage == "Won":
                m["won"] += 1
                m["won_value"] += r.value or 0
                m["days"] += r.days
            else:
                m["lost"] += 1
        out[month(r.engaged) if r.engaged else "2017-12"]["new"] += 1
    return out


def test_monthly_series_matches_the_csv(report, rows):
    recs = report("metrics", "--pipeline", "maven", "--per", "month", *MONTHS)
    expected = monthly(rows)
    assert [r["period"] for r in recs] == ["2016-10", "2016-11", "2016-12"] + [
        f"2017-{m:02d}" for m in range(1, 13)
    ]
    for r in recs:
        e = expected.get(r["period"], {"won": 0, "won_value": 0, "lost": 0, "days": 0, "new": 0})
        assert (r["won"], r["won_value"], r["lost"]) == (e["won"], e["won_value"], e["lost"])
        assert r["win_rate"] == pct(e["won"], e["won"] + e["lost"]), r["period"]
        cycle = None if not e["won"] else pytest.approx(e["days"] / e["won"], abs=0.006)
        assert r["sales_cycle_days"] == cycle, r["period"]
        assert r["new_deals"] == e["new"], r["period"]
    assert sum(r["won"] for r in recs) == sum(r.stage == "Won" for r in rows) > 4000
    assert sum(r["new_deals"] for r in recs) == 8800


def test_per_agent_per_month_matches_the_csv(report, rows):
    recs = report("activity", "--pipeline", "maven", "--by", "owner", "--per", "month", *MONTHS)
    wins: Counter[tuple[str, str]] = Counter()
    value: Counter[tuple[str, str]] = Counter()
    engaged: Counter[tuple[str, str]] = Counter()
    for r in rows:
        if r.stage == "Won" and r.closed:
            wins[r.agent, month(r.closed)] += 1
            value[r.agent, month(r.closed)] += r.value or 0
        if r.engaged:
            engaged[r.agent, month(r.engaged)] += 1
    agents = {r.agent for r in rows}
    assert {r["owner"] for r in recs} == agents and len(agents) == 30
    assert len(recs) == 30 * 15
    for r in recs:
        key = (r["owner"], r["period"])
        assert (r["won"], r["won_value"], r["forward_moves"]) == (
            wins[key],
            value[key],
            engaged[key],
        ), key
        assert r["touches"] == 0  # the data set logs no activities
    assert sum(r["won"] for r in recs) == sum(wins.values())

    # the win rate per month of a few agents, as report metrics --owner gives it
    for agent in sorted(agents)[:3]:
        mine = [r for r in rows if r.agent == agent]
        expected = monthly(mine)
        series = report(
            "metrics", "--pipeline", "maven", "--owner", agent, "--per", "month", *MONTHS
        )
        for r in series:
            e = expected.get(r["period"], {"won": 0, "lost": 0})
            assert r["win_rate"] == pct(e["won"], e["won"] + e["lost"]), (agent, r["period"])
