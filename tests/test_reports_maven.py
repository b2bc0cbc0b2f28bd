"""The reports on real data: the Maven CRM data set (8,800 opportunities), loaded
by tests/maven_load.py (see its docstring for the decisions the data forces),
against figures computed here straight from the CSV with the csv module.

Each expected figure is computed independently of funnelcli and rounded as the
reports round (2 decimals); floats are compared with pytest.approx.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date

import pytest

from maven_csv import Row

pytestmark = [pytest.mark.maven, pytest.mark.slow]

OPEN = ("Prospecting", "Engaging")


def pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 2)


def approx(value: float) -> object:
    return pytest.approx(value, abs=0.006)  # both sides rounded to 2 decimals


def expected_metrics(rows: list[Row], closed_in=lambda r: True, created_in=lambda r: True):
    """The metrics of PRODUCT.md, from the CSV rows: open deals now; won, lost,
    win rate, average size and cycle over the deals closed in the period;
    conversion over the deals created in the period (created = engage date,
    or the data set's last date for Prospecting rows, as the loader documents)."""
    won = [r for r in rows if r.stage == "Won" and closed_in(r)]
    lost = [r for r in rows if r.stage == "Lost" and closed_in(r)]
    created = [r for r in rows if created_in(r)]
    open_deals = sum(r.stage in OPEN for r in rows)
    size = sum(r.value for r in won) / len(won)  # type: ignore[misc]
    cycle = statistics.fmean(r.days for r in won)
    rate = len(won) / (len(won) + len(lost))
    return {
        "open_deals": open_deals,
        "open_value": 0,  # open rows have no close_value: no value
        "weighted_value": 0,
        "won": len(won),
        "lost": len(lost),
        "won_value": sum(r.value for r in won),  # type: ignore[misc]
        "lost_value": sum(r.value or 0 for r in lost),  # the CSV's close_value of Lost rows: 0
        "win_rate": approx(pct(len(won), len(won) + len(lost))),
        "conversion_rate": approx(pct(sum(r.stage == "Won" for r in created), len(created))),
        "avg_deal_size": approx(round(size, 2)),
        "sales_cycle_days": approx(round(cycle, 2)),
        "sales_velocity": approx(round(open_deals * size * rate / cycle, 2)),
        "sales_cycle_median_days": approx(statistics.median(r.days for r in won)),
        "avg_touches_per_won_deal": 0.0,  # the data set logs no activities
        "currency": "USD",
    }


def days_stats(days: Iterable[int]) -> tuple[object, object]:
    days = list(days)
    return approx(round(statistics.fmean(days), 2)), approx(statistics.median(days))


# -- the data set as a whole ---------------------------------------------------


def test_the_load_keeps_every_deal_and_its_status(maven_db, rows, funnel, monkeypatch):
    monkeypatch.setenv("FUNNEL_DB", str(maven_db))
    run = funnel("list", "--status", "all", "--pipeline", "maven", "--format", "jsonl")
    assert run.exit_code == 0, run.stderr
    import json

    deals = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(deals) == len(rows) == 8800
    status = {"Prospecting": "open", "Engaging": "open", "Won": "won", "Lost": "lost"}
    assert Counter(d["status"] for d in deals) == Counter(status[r.stage] for r in rows)
    assert Counter(d["status"] for d in deals) == {"open": 2089, "won": 4238, "lost": 2473}
    by_id = {d["external_id"]: d for d in deals}
    for r in rows:
        d = by_id[r.id]
        assert d["owner"] == r.agent
        assert d["value"] == (r.value if r.stage == "Won" else None)


def test_metrics(report, rows):
    expected = expected_metrics(rows)
    # the figures, as plain numbers (4238 won of 6711 closed, 4238 of 8800 created)
    assert (expected["open_deals"], expected["won"], expected["lost"]) == (2089, 4238, 2473)
    assert expected["win_rate"] == 63.15
    assert expected["conversion_rate"] == 48.16
    everything = {**expected, "since": None, "until": None}
    assert report("metrics", "--pipeline", "maven") == [everything]  # one currency
    # the default pipeline is empty: all pipelines give the same figures
    assert report("metrics") == [everything]


def test_funnel(report, rows):
    closed = [r for r in rows if r.stage in ("Won", "Lost")]
    engaged = sum(r.engaged is not None for r in rows)  # 8,300
    won = sum(r.stage == "Won" for r in rows)
    avg, median = days_stats(r.days for r in closed)
    assert report("funnel", "--pipeline", "maven") == {
        "pipeline": "maven",
        "stages": [
            {
                "stage": "Prospecting",
                "open_count": sum(r.stage == "Prospecting" for r in rows),  # 500
                "open_value": 0,
                "open_value_by_currency": {"USD": 0},
                "reached": len(rows),  # every deal
                "conversion_to_next": approx(pct(engaged, len(rows))),  # 8300 / 8800
                "dropped": 0,  # nobody was lost before engaging
                # created and engaged at the same instant (no creation date in
                # the data): every ended Prospecting stay lasts 0 days
                "avg_days_in_stage": 0.0,
                "median_days_in_stage": 0.0,
            },
            {
                "stage": "Engaging",
                "open_count": sum(r.stage == "Engaging" for r in rows),  # 1,589
                "open_value": 0,
                "open_value_by_currency": {"USD": 0},
                "reached": engaged,
                "conversion_to_next": approx(pct(won, engaged)),  # won 4238 / 8300
                "dropped": sum(r.stage == "Lost" for r in rows),  # 2,473
                # close − engage over every closed deal
                "avg_days_in_stage": avg,
                "median_days_in_stage": median,
            },
        ],
        "won": won,
        "lost": len(closed) - won,
        "since": None,
        "until": None,
    }


def test_per_agent_win_rate_and_won_value(report, rows):
    agents = sorted({r.agent for r in rows})
    assert len(agents) == 30
    total_won = 0
    for agent in agents:
        mine = [r for r in rows if r.agent == agent]
        (got,) = report("metrics", "--pipeline", "maven", "--owner", agent)  # one currency
        assert got == {**expected_metrics(mine), "since": None, "until": None}, agent
        # won value, back from the average deal size (rounded to cents)
        won_value = sum(r.value for r in mine if r.stage == "Won")  # type: ignore[misc]
        assert got["avg_deal_size"] * got["won"] == pytest.approx(won_value, abs=0.005 * got["won"])
        total_won += got["won"]
    assert total_won == 4238


# -- a quarter -----------------------------------------------------------------


Q3_START, Q3_END = date(2017, 7, 1), date(2017, 10, 1)


def in_q3(day: date | None) -> bool:
    return day is not None and Q3_START <= day < Q3_END


def test_metrics_in_a_quarter(report, rows):
    # won/lost/win rate/size/cycle: closed in Q3 2017; conversion: created
    # (engaged) in Q3 2017 and won by the end of the data.
    expected = expected_metrics(
        rows, closed_in=lambda r: in_q3(r.closed), created_in=lambda r: in_q3(r.engaged)
    )
    assert 0 < expected["won"] < 4238 and 0 < expected["lost"] < 2473
    got = report("metrics", "--pipeline", "maven", "--since", "2017-07-01", "--until", "2017-10-01")
    assert got == [{**expected, "since": "2017-07-01T00:00", "until": "2017-10-01T00:00"}]


def test_funnel_in_a_quarter(report, rows):
    cohort = [r for r in rows if in_q3(r.engaged)]  # created in Q3 (no Prospecting rows)
    won = sum(r.stage == "Won" for r in cohort)
    lost = sum(r.stage == "Lost" for r in cohort)
    # stays that ended in Q3: Prospecting ones at the engage date (0 days),
    # Engaging ones at the close date, whenever the deal was created
    avg, median = days_stats(r.days for r in rows if in_q3(r.closed))
    got = report("funnel", "--pipeline", "maven", "--since", "2017-07-01", "--until", "2017-10-01")
    open_engaging = sum(r.stage == "Engaging" for r in cohort)
    assert got == {
        "pipeline": "maven",
        "stages": [
            {
                "stage": "Prospecting",
                "open_count": 0,
                "open_value": 0,
                "open_value_by_currency": {},
                "reached": len(cohort),
                "conversion_to_next": 100.0,  # every Q3 deal was engaged
                "dropped": 0,
                "avg_days_in_stage": 0.0,
                "median_days_in_stage": 0.0,
            },
            {
                "stage": "Engaging",
                "open_count": open_engaging,
                "open_value": 0,
                "open_value_by_currency": {"USD": 0} if open_engaging else {},
                "reached": len(cohort),
                "conversion_to_next": approx(pct(won, len(cohort))),
                "dropped": lost,
                "avg_days_in_stage": avg,
                "median_days_in_stage": median,
            },
        ],
        "won": won,
        "lost": lost,
        "since": "2017-07-01T00:00",
        "until": "2017-10-01T00:00",
    }


def test_prospecting_rows_sit_on_the_last_day(report, rows):
    # 500 open Prospecting deals, created at the data set's last date
    # (2017-12-31), make up that day's cohort with the deals engaged on it.
    last = max(d for r in rows for d in (r.engaged, r.closed) if d)
    assert last == date(2017, 12, 31)
    day = ("--since", "2017-12-31", "--until", "2018-01-01")
    funnel = report("funnel", "--pipeline", "maven", *day)
    engaged_that_day = sum(r.engaged == last for r in rows)
    assert funnel["stages"][0]["reached"] == 500 + engaged_that_day
    assert funnel["stages"][0]["open_count"] == 500
    assert funnel["stages"][1]["reached"] == engaged_that_day
