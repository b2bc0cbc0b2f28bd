"""--compare previous: the same figures for the period of equal length before."""

from __future__ import annotations

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
