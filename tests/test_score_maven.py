"""The priority score and each stage's best converter on real data: the Maven
CRM data set (tests/maven_load.py), against figures computed here straight
from the CSV with the csv module, on SQLite and (FUNNEL_TEST_ENGINE=postgres)
on a team database the file is copied into.

Score (docs/metrics.md). Maven's open deals are its Prospecting and Engaging
rows; none has a value (open rows have no close_value), a follow-up or a
logged touch, so each has no score, and its order is by urgency: idle factor
(1 + min(idle, rot) ÷ rot; rot 30 days in Prospecting, 60 in Engaging; idle
since engage_date for Engaging rows, since the data set's last date,
2017-12-31, for Prospecting rows, which have none) × overdue factor 1 ×
touch factor 2 (no touch of the five). Seen on 2018-01-20, idle days range
from 20 to over 60, so the idle factor is not the same for all.

Best converter (`report owners`), per agent from `sales_pipeline.csv`: every
deal reaches Prospecting, the ones with an engage date reach Engaging, and
the Won rows are won; Prospecting → Engaging = engaged ÷ all, Engaging → won
= won ÷ engaged, among agents with at least --min-deals deals at the stage.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction

import pytest

import maven_csv
from conftest import ENGINE

pytestmark = [pytest.mark.maven, pytest.mark.slow]  # loads the data set

TODAY = date(2018, 1, 20)
SNAPSHOT = date(2017, 12, 31)
ROT = {"Prospecting": 30, "Engaging": 60}


def urgency(row: maven_csv.Row) -> float:
    rot = ROT[row.stage]
    idle = (TODAY - (row.engaged or SNAPSHOT)).days
    return float(rot + min(idle, rot)) / rot * 1 * 2


def expected_best(rows: list[maven_csv.Row], min_deals: int) -> dict[str, object]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # all, engaged, won
    for r in rows:
        c = counts[r.agent]
        c[0] += 1
        c[1] += r.engaged is not None
        c[2] += r.stage == "Won"
    best: dict[str, object] = {}
    for i, stage in enumerate(["Prospecting", "Engaging"]):
        fit = {a: Fraction(c[i + 1], c[i]) for a, c in counts.items() if c[i] >= max(min_deals, 1)}
        if not fit:
            best[stage] = None
            continue
        top = max(fit.values())
        owners = sorted(a for a, f in fit.items() if f == top)
        best[stage] = {
            "owners": owners,
            "conversion": round(float(top) * 100, 2),
            "reached": [counts[a][i] for a in owners],
        }
    return best


@pytest.fixture
def on_engine(maven_db, funnel, monkeypatch, request):
    """FUNNEL_DB: the Maven file, or on PostgreSQL a team database it was copied into."""
    if ENGINE == "postgres":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("FUNNEL_DB", url)
        run = funnel("team", "migrate-from", str(maven_db))
        assert run.exit_code == 0, run.stderr
    else:
        monkeypatch.setenv("FUNNEL_DB", str(maven_db))
    monkeypatch.setenv("FUNNEL_NOW", TODAY.isoformat() + "T09:00")
    return funnel


def test_score_and_best_converter_on_maven(on_engine, rows):
    funnel = on_engine
    open_rows = [r for r in rows if r.stage in ROT]
    assert sum(r.stage == "Prospecting" for r in open_rows) == 500
    # CSV order is deal number order (the loader adds them in it): ties by number
    number = {r.id: n for n, r in enumerate(rows)}
    want = sorted(open_rows, key=lambda r: (-urgency(r), number[r.id]))

    run = funnel("list", "--sort", "score", "--explain", "--pipeline", "maven", "--format", "json")
    assert run.exit_code == 0, run.stderr
    got = run.json()
    assert [d["external_id"] for d in got] == [r.id for r in want]
    for d, r in zip(got, want, strict=True):
        parts = d["score_parts"]
        idle = (TODAY - (r.engaged or SNAPSHOT)).days
        assert (d["score"], parts["expected_value"]) == (None, None)
        assert (parts["idle_days"], parts["rot_days"]) == (idle, ROT[r.stage]), r.id
        assert (parts["days_overdue"], parts["touches"], parts["touch_factor"]) == (0, 0, 2)
        assert parts["urgency"] == round(urgency(r), 4), r.id

    # `due` scores in Python what `list` ranked in SQL: the same order, every deal
    # with no next step; `show` gives the same parts
    due = funnel("due", "--pipeline", "maven", "--format", "json").json()
    assert [d["external_id"] for d in due] == [r.id for r in want]
    assert {d["due_state"] for d in due} == {"unscheduled"}
    for d in (got[0], got[1000], got[-1]):
        shown = funnel("show", str(d["id"]), "--format", "json").json()
        assert shown["score_parts"] == d["score_parts"]

    for min_deals in (10, 300):
        report = funnel(
            "report", "owners", "--pipeline", "maven", "--min-deals", str(min_deals),
            "--format", "json",
        ).json()  # fmt: skip
        assert report[0]["best_converter"] == expected_best(rows, min_deals), min_deals
