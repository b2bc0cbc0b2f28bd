"""`funnel report calibration`: each stage's configured probability against
the share won of the deals closed in the period whose furthest stage was
that stage or a later one (docs/metrics.md).

By hand on helpers.HISTORY (the sales pipeline; lead 10 %, qualified 20 %,
contacted 30 %, demo 50 %, proposal 65 %, negotiation 80 %). The closed
deals and their furthest stages: #1 won (demo), #2 won (proposal), #3 lost
(qualified), #4 lost (demo: it went back to qualified), #5 won (lead); #8
was lost and reopened, so it is open, like the rest.

On the real data set against the CSV: every closed deal got to Prospecting,
and Engaging when it has an engage date.
"""

from __future__ import annotations

from datetime import date

import pytest

from helpers import ERROR

SALES = ["lead", "qualified", "contacted", "demo", "proposal", "negotiation"]
PROBABILITY = [10, 20, 30, 50, 65, 80]


def rows(history, *args):
    run = history("report", "calibration", "--format", "json", *args)
    assert run.exit_code == 0, run.stderr
    return run.json()


def figures(records):
    return [(r["stage"], r["won"], r["lost"], r["observed_win_rate"], r["gap"]) for r in records]


def test_calibration_by_hand(history):
    got = rows(history)
    assert [r["probability"] for r in got] == PROBABILITY
    assert figures(got) == [
        ("lead", 3, 2, 60.0, 50.0),  # all five
        ("qualified", 2, 2, 50.0, 30.0),  # not #5
        ("contacted", 2, 1, 66.67, 36.67),  # #1, #2, #4
        ("demo", 2, 1, 66.67, 16.67),
        ("proposal", 1, 0, 100.0, 35.0),  # #2
        ("negotiation", 0, 0, None, None),
    ]
    assert [r["closed"] for r in got] == [5, 4, 3, 3, 1, 0]
    assert {(r["pipeline"], r["since"], r["until"]) for r in got} == {("sales", None, None)}


def test_calibration_of_a_period_and_an_owner(history):
    # closed in November: #2 (won Nov 2), #4 (lost Nov 6), #5 (won Nov 10)
    assert figures(rows(history, "--since", "2026-11-01")) == [
        ("lead", 2, 1, 66.67, 56.67),
        ("qualified", 1, 1, 50.0, 30.0),
        ("contacted", 1, 1, 50.0, 20.0),
        ("demo", 1, 1, 50.0, 0.0),
        ("proposal", 1, 0, 100.0, 35.0),
        ("negotiation", 0, 0, None, None),
    ]
    # anna's: #2 won (proposal), #4 lost (demo)
    assert [r[1:3] for r in figures(rows(history, "--owner", "anna"))] == [
        (1, 1), (1, 1), (1, 1), (1, 1), (1, 0), (0, 0)
    ]  # fmt: skip
    # the other pipeline: Juliet won in quote, its furthest
    renewals = rows(history, "--pipeline", "renewals")
    assert figures(renewals) == [
        ("ask", 1, 0, 100.0, renewals[0]["gap"]),
        ("quote", 1, 0, 100.0, renewals[1]["gap"]),
        ("signed", 0, 0, None, None),
    ]


def test_calibration_table(history):
    run = history("report", "calibration")
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["Stage", "Probability", "Won", "there", "Gap", "Won", "Lost"]
    assert lines[1].split() == ["lead", "10%", "60.0%", "+50.0", "3", "2"]
    assert lines[6].split() == ["negotiation", "80%", "–", "–", "0", "0"]


def test_calibration_refuses_what_it_cant_read(history):
    run = history("report", "calibration", "--pipeline", "nope")
    assert run.exit_code == 1
    assert run.stderr.startswith(f"{ERROR}no pipeline 'nope'")
    run = history("report", "calibration", "--since", "2026-11-10", "--until", "2026-11-01")
    assert (run.exit_code, run.stderr) == (1, f"{ERROR}--since must be before --until\n")


@pytest.mark.maven
@pytest.mark.slow
@pytest.mark.parametrize("window", [(), ("--since", "2017-07-01", "--until", "2017-10-01")])
def test_calibration_on_the_real_data_set(report, rows, window):
    def closed_in(day: date | None) -> bool:
        if not window:
            return day is not None
        return day is not None and date(2017, 7, 1) <= day < date(2017, 10, 1)

    closed = [r for r in rows if r.stage in ("Won", "Lost") and closed_in(r.closed)]
    engaged = [r for r in closed if r.engaged is not None]

    def share(of):
        won = sum(r.stage == "Won" for r in of)
        return won, len(of) - won, round(100 * won / len(of), 2)

    got = report("calibration", "--pipeline", "maven", *window)
    assert [(r["stage"], r["won"], r["lost"], r["observed_win_rate"]) for r in got] == [
        ("Prospecting", *share(closed)),
        ("Engaging", *share(engaged)),
    ]
    if not window:  # all 6,711 closed deals, 4,238 won
        assert (got[0]["won"], got[0]["lost"]) == (4238, 2473)
