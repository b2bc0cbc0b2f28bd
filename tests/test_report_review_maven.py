"""`funnel report review` on the real data set (the Maven CRM's 8,800
opportunities, loaded once by tests/maven_load.py): every figure on the
page is the one the reports' JSON gives for the same options, and the
headline and per-seller figures are those computed here straight from the
CSV (as tests/test_reports_team_maven.py does; see its docstring for the
rules: won/lost by close date, open = Prospecting or Engaging)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from maven_csv import Row
from test_report_review import expected, figures

pytestmark = [pytest.mark.maven, pytest.mark.slow]

Q3 = ("--pipeline", "maven", "--since", "2017-07-01", "--until", "2017-10-01")
START, END = date(2017, 7, 1), date(2017, 10, 1)


def test_the_review_of_a_quarter(
    funnel: Any, maven_db: Any, rows: list[Row], monkeypatch: Any
) -> None:
    """Q3 2017: the page's figures are the reports', and the CSV's."""
    monkeypatch.setenv("FUNNEL_DB", str(maven_db))
    run = funnel("report", "review", *Q3)
    assert run.exit_code == 0, run.stderr
    md = funnel("report", "review", *Q3, "--format", "markdown")
    assert md.exit_code == 0, md.stderr
    got = figures(run.stdout)
    assert got == expected(funnel, *Q3)
    assert len(got) > 150  # headline, funnel, 14 weeks, 30 sellers, …
    against_the_csv(got, md.stdout, rows)


def against_the_csv(got: dict[str, Any], md: str, rows: list[Row]) -> None:
    closed = [r for r in rows if r.closed is not None and START <= r.closed < END]
    won = [r for r in closed if r.stage == "Won"]
    lost = [r for r in closed if r.stage == "Lost"]
    assert (got["metrics.USD.won"], got["metrics.USD.lost"]) == (len(won), len(lost))
    assert got["metrics.USD.won_value"] == sum(r.value or 0 for r in won)
    rate = round(100 * len(won) / (len(won) + len(lost)), 2)
    assert got["metrics.USD.win_rate"] == pytest.approx(rate, abs=0.006)
    assert got["metrics.USD.open_deals"] == sum(
        r.stage in ("Prospecting", "Engaging") for r in rows
    )
    # per seller: won and lost in the quarter, by the CSV, in the page's order (by name)
    agents = sorted({r.agent for r in rows})
    wins, losses = Counter(r.agent for r in won), Counter(r.agent for r in lost)
    for i, agent in enumerate(agents):
        assert (got[f"owners.{i}.won"], got[f"owners.{i}.lost"]) == (wins[agent], losses[agent])
    assert got["slipped.count"] == 0  # the data set has no expected close dates
    # the Markdown says the same
    assert f"| Won | {len(won):,} |" in md
