"""`report metrics --per week|month|quarter` (issue 16): a hand-computed
series, each period against `report metrics --since START --until END` (the
independent check: the series comes from grouped queries, the report from
its own), --compare last-year with and without --per, and the errors."""

from __future__ import annotations

from typing import Any

from helpers import fails, ok, ok_json, one_error, report
from test_fit_views import at_terminal

SERIES_ONLY = ("period", "new_deals")


def plain(rec: dict[str, Any]) -> dict[str, Any]:
    """A series record without the keys the series adds."""
    return {k: v for k, v in rec.items() if k not in SERIES_ONLY}


def test_series_by_hand(history):
    recs = report(history, "metrics", "--per", "month", "--since", "2026-10", "--until", "2026-11")
    usd = [r for r in recs if r["currency"] == "USD"]
    eur = [r for r in recs if r["currency"] == "EUR"]
    # every period lists every currency in scope, in the order report metrics gives
    assert [(r["period"], r["currency"]) for r in recs] == [
        ("2026-10", "EUR"),
        ("2026-10", "USD"),
        ("2026-11", "EUR"),
        ("2026-11", "USD"),
    ]
    oct_, nov = usd
    assert (oct_["since"], oct_["until"]) == ("2026-10-01T00:00", "2026-11-01T00:00")
    assert (nov["since"], nov["until"]) == ("2026-11-01T00:00", "2026-12-01T00:00")
    # October: won #1 (Oct 21, 1000, created Oct 1: 20 days), lost #3 (Oct 15);
    # created #1 #2 #3 #4 #5 #8
    assert (oct_["won"], oct_["lost"], oct_["win_rate"], oct_["won_value"]) == (1, 1, 50.0, 1000)
    assert (oct_["sales_cycle_days"], oct_["new_deals"], oct_["lost_value"]) == (20.0, 6, 3000)
    # November: won #2 (2500, Oct 5 -> Nov 2: 28 days), #5 (no value, Oct 20 ->
    # Nov 10: 21), #10 (600, Nov 5 -> Nov 9: 4); lost #4 (500); #8 lost Nov 8 but
    # reopened: open. Created: #7 #9 #10 (USD), #6 (EUR).
    assert (nov["won"], nov["lost"], nov["win_rate"], nov["won_value"]) == (3, 1, 75.0, 3100)
    assert (nov["sales_cycle_days"], nov["sales_cycle_median_days"]) == (17.67, 21.0)
    assert (nov["avg_deal_size"], nov["new_deals"]) == (1550, 3)
    assert [r["new_deals"] for r in eur] == [0, 1]
    # open deals are today's in every period, as in report metrics
    assert {r["open_deals"] for r in usd} == {3}  # #7, #8 (reopened), #9
    week_labels_are_iso_weeks_from_monday(history)
    the_table_draws_bars_and_sparklines(history)
    each_period_is_what_report_metrics_gives_for_it(history)  # one history for all


WINDOWS = [
    (("--per", "week", "--since", "2026-09-28", "--until", "2026-11-29"), ()),
    (("--per", "month", "--since", "2026-10-15"), ()),  # the first month cut short
    (("--per", "quarter", "--since", "2026-Q3"), ("--owner", "anna")),
    (("--per", "quarter"), ("--pipeline", "renewals")),  # the default: the last 8 quarters
]


def each_period_is_what_report_metrics_gives_for_it(history: Any) -> None:
    for window, filters in WINDOWS:
        recs = report(history, "metrics", *window, *filters)
        periods = list(dict.fromkeys((r["since"], r["until"]) for r in recs))
        for since, until in periods:
            alone = report(history, "metrics", "--since", since, "--until", until, *filters)
            assert [plain(r) for r in recs if (r["since"], r["until"]) == (since, until)] == alone
        assert sum(r["won"] for r in recs) > 0, window  # the check counted something


def week_labels_are_iso_weeks_from_monday(history: Any) -> None:
    recs = report(
        history, "metrics", "--per", "week", "--since", "2026-10-01", "--until", "2026-10-13"
    )
    usd = [r for r in recs if r["currency"] == "USD"]
    # 1 Oct 2026 is a Thursday: the first week is cut to start there
    assert [(r["period"], r["since"], r["until"]) for r in usd] == [
        ("2026-W40", "2026-10-01T00:00", "2026-10-05T00:00"),
        ("2026-W41", "2026-10-05T00:00", "2026-10-12T00:00"),
        ("2026-W42", "2026-10-12T00:00", "2026-10-13T00:00"),
    ]
    # created: #1 (Oct 1); #2 (Oct 5), #3 (Oct 10); none on Oct 12
    assert [r["new_deals"] for r in usd] == [1, 2, 0]
    # the default window: 13 weeks, this one (23 Nov 2026) the last
    default = [r for r in report(history, "metrics", "--per", "week") if r["currency"] == "USD"]
    assert len(default) == 13
    assert (default[0]["period"], default[-1]["period"]) == ("2026-W36", "2026-W48")
    assert default[-1]["until"] == "2026-11-30T00:00"


def test_compare_last_year_without_per(funnel, at):
    at("2028-03-20T12:00")
    ok(funnel, "add", "Then", "--value", "100", "--at", "2027-03-01")
    ok(funnel, "won", "1", "--at", "2027-03-05")
    ok(funnel, "add", "Now", "--value", "300", "--at", "2028-03-01")
    ok(funnel, "won", "2", "--at", "2028-03-05")
    ok(funnel, "add", "Lost", "--at", "2028-03-02")
    ok(funnel, "lost", "3", "--reason", "x", "--at", "2028-03-06")
    # 29 Feb 2028 a year before is 28 Feb 2027
    (m,) = report(
        funnel,
        "metrics",
        "--since",
        "2028-02-29",
        "--until",
        "2028-03-10",
        "--compare",
        "last-year",
    )
    assert (m["previous"]["since"], m["previous"]["until"]) == (
        "2027-02-28T00:00",
        "2027-03-10T00:00",
    )
    assert (m["won"], m["won_value"], m["win_rate"]) == (1, 300, 50.0)
    assert (m["previous"]["won"], m["previous"]["won_value"], m["previous"]["win_rate"]) == (
        1,
        100,
        100.0,
    )
    assert (m["change"]["won_value"], m["change"]["win_rate"]) == (200, -50.0)
    # with --per: each period beside its twin a year before
    recs = report(
        funnel,
        "metrics",
        "--per",
        "month",
        "--since",
        "2028-02",
        "--until",
        "2028-03",
        "--compare",
        "last-year",
    )
    assert [(r["period"], r["previous"]["period"]) for r in recs] == [
        ("2028-02", "2027-02"),
        ("2028-03", "2027-03"),
    ]
    march = recs[1]
    assert (march["previous"]["since"], march["previous"]["until"]) == (
        "2027-03-01T00:00",
        "2027-04-01T00:00",
    )
    assert (march["won_value"], march["previous"]["won_value"], march["change"]["won_value"]) == (
        300,
        100,
        200,
    )
    assert march["change"]["new_deals"] == 1  # 2 created in March 2028, 1 in March 2027
    # weeks: 52 weeks before, the same weekdays
    (week,) = report(
        funnel,
        "metrics",
        "--per",
        "week",
        "--since",
        "2028-03-06",
        "--until",
        "2028-03-13",
        "--compare",
        "last-year",
    )
    assert (week["period"], week["previous"]["period"]) == ("2028-W10", "2027-W10")
    assert week["previous"]["since"] == "2027-03-08T00:00"  # a Monday, as 6 March 2028


def the_table_draws_bars_and_sparklines(history: Any) -> None:
    out = ok(
        history,
        "report",
        "metrics",
        "--per",
        "month",
        "--since",
        "2026-09",
        "--until",
        "2026-11",
        "--compare",
        "last-year",
    ).stdout
    assert "Period" in out and "2026-10" in out and "Last year" in out
    assert "won value  ▁▃█" in out  # 0, 1000, 3100: 0, 2.3 and 7 eighths of 3100 (USD)
    assert "win rate   ·▆█" in out  # none closed in September: no figure; 50, 75
    assert "\x1b" not in out  # piped: no colour
    # at a terminal 80 columns wide (NO_COLOR): it fits, checked by at_terminal;
    # columns leave, the sparklines show the latest periods
    args = ("--per", "week", "--since", "2025-11-24", "--compare", "last-year")
    lines = at_terminal(80, "report", "metrics", *args)
    assert any(line.startswith("2026-W48") for line in lines)
    assert any(line.startswith("won value  …") for line in lines)
    assert not any("\x1b" in line for line in lines)


def test_series_errors(funnel, empty_db):
    history = funnel  # no deals needed
    fails(
        history,
        2,
        "--explain with --per: explain one period (--since/--until)",
        "report",
        "metrics",
        "--per",
        "month",
        "--explain",
    )
    one_error(
        history("report", "metrics", "--per", "month", "--since", "30d", "--compare", "previous"),
        2,
        "--compare last-year pairs each",
    )
    one_error(history("report", "metrics", "--per", "month", "--by", "colour"), 2, "--by takes")
    fails(
        history,
        2,
        "--compare takes 'previous' or 'last-year', not 'ly'",
        "report",
        "metrics",
        "--compare",
        "ly",
    )
    fails(
        history,
        2,
        "--per must be one of week, month, quarter, not 'day'",
        "report",
        "metrics",
        "--per",
        "day",
    )
    fails(
        history,
        1,
        "--compare last-year needs --since (the period to compare)",
        "report",
        "metrics",
        "--compare",
        "last-year",
    )
    one_error(
        history("report", "metrics", "--per", "week", "--since", "2000-01-01"),
        1,
        "more than 1000 periods",
    )
    fails(
        history,
        1,
        "--since must be before --until",
        "report",
        "metrics",
        "--per",
        "week",
        "--since",
        "2026-11-01",
        "--until",
        "2026-10-01",
    )


def test_an_empty_database_gives_zeros_in_every_period(funnel, empty_db):
    recs = ok_json(funnel, "report", "metrics", "--per", "quarter")
    assert [r["period"] for r in recs] == [f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]
    assert all((r["won"], r["new_deals"], r["win_rate"]) == (0, 0, None) for r in recs)
    rows = ok(
        funnel, "report", "metrics", "--per", "quarter", "--format", "csv"
    ).stdout.splitlines()
    assert len(rows) == 1 + 8 and rows[0].startswith("period,open_deals,")


def test_series_and_activity_take_the_report_filters(funnel):
    """--tag and --field narrow report metrics --per and report activity as
    they narrow every report: each period is what report metrics --tag
    gives for it, and only the tagged deals' touches and wins count."""
    for args in (
        (
            "add",
            "Vip won",
            "--value",
            "1000",
            "--tag",
            "vip",
            "--field",
            "region=EU",
            "--at",
            "2026-10-01",
        ),
        ("add", "Plain won", "--value", "7000", "--field", "region=US", "--at", "2026-10-02"),
        ("add", "Vip lost", "--value", "300", "--tag", "vip", "--at", "2026-10-03"),
        ("log", "1", "call", "--at", "2026-10-06"),
        ("log", "2", "call", "--at", "2026-10-06"),
        ("log", "2", "email", "--at", "2026-10-07"),
        ("won", "1", "--at", "2026-10-08"),
        ("won", "2", "--at", "2026-11-09"),
        ("lost", "3", "--reason", "price", "--at", "2026-11-10"),
    ):
        assert funnel(*args).exit_code == 0, args
    window = ("--since", "2026-10-01", "--until", "2026-12-01")
    for scope in (("--tag", "vip"), ("--field", "region=EU")):
        recs = report(funnel, "metrics", "--per", "month", *window, *scope)
        for rec in recs:
            alone = report(
                funnel, "metrics", "--since", rec["since"], "--until", rec["until"], *scope
            )
            assert [plain(rec)] == alone
        assert [r["won"] for r in recs] == [1, 0]  # #2, won in November, has neither
        assert [r["won_value"] for r in recs] == [1000.0, 0.0]
    assert [
        r["lost"] for r in report(funnel, "metrics", "--per", "month", *window, "--tag", "vip")
    ] == [0, 1]
    weeks = report(
        funnel, "activity", "--since", "2026-10-05", "--until", "2026-10-12", "--tag", "vip"
    )
    assert [(w["touches"], w["won"]) for w in weeks] == [(1, 1)]  # #1's call and win only
    everyone = report(funnel, "activity", "--since", "2026-10-05", "--until", "2026-10-12")
    assert [(w["touches"], w["won"]) for w in everyone] == [(3, 1)]
    one_error(funnel("report", "activity", "--tag", "vipp"), 1, "vipp")


def test_series_by_group_by_hand(history):
    """--per with --by: one series per group, each period's figures those of
    that group alone (anna: #2 won 2 Nov, 2500, created 5 Oct: 28 days; #4
    lost 6 Nov, 500; both created in October)."""
    window = ("--per", "month", "--since", "2026-10", "--until", "2026-11-30")
    got = report(history, "metrics", *window, "--by", "owner")
    assert [(g["by"], g["group"]) for g in got] == [("owner", "anna"), ("owner", "me")]
    anna = got[0]["periods"]
    assert [(p["period"], p["currency"]) for p in anna] == [("2026-10", "USD"), ("2026-11", "USD")]
    oct_, nov = anna
    assert (oct_["new_deals"], oct_["won"], oct_["lost"], oct_["win_rate"]) == (2, 0, 0, None)
    assert (nov["won"], nov["lost"], nov["win_rate"], nov["won_value"]) == (1, 1, 50.0, 2500)
    assert (nov["lost_value"], nov["sales_cycle_days"], nov["new_deals"]) == (500, 28.0, 0)
    # the rest ("me"): EUR and USD in every period; each group's series is the
    # series of its deals alone (--owner), each period what report metrics --by gives
    for g in got:
        assert g["periods"] == report(history, "metrics", *window, "--owner", g["group"])
        for p in g["periods"]:
            alone = report(
                history, "metrics", "--by", "owner", "--since", p["since"], "--until", p["until"]
            )
            [same] = [
                r for r in alone if r["group"] == g["group"] and r["currency"] == p["currency"]
            ]
            assert plain(p) == {k: v for k, v in same.items() if k not in ("by", "group")}
    by_pipeline_and_last_year(history)


def by_pipeline_and_last_year(history: Any) -> None:
    # --compare last-year falls out: each group's periods with their twins
    got = report(history, "metrics", "--per", "quarter", "--by", "pipeline", "--compare",
                 "last-year", "--since", "2026-10")  # fmt: skip
    assert [g["group"] for g in got] == ["sales", "renewals"]
    renewals = got[1]["periods"]
    assert [(p["period"], p["won"], p["previous"]["period"]) for p in renewals] == [
        ("2026-Q4", 1, "2025-Q4")
    ]
    assert renewals[0]["previous"]["won"] == 0 and renewals[0]["change"]["won"] == 1
    # CSV: a row per group, period and currency, the group first
    rows = ok(history, "report", "metrics", "--per", "quarter", "--by", "pipeline",
              "--since", "2026-10", "--format", "csv").stdout.splitlines()  # fmt: skip
    assert rows[0].startswith("by,group,period,")
    assert [r.split(",")[:3] for r in rows[1:]] == [
        ["pipeline", "sales", "2026-Q4"],
        ["pipeline", "sales", "2026-Q4"],
        ["pipeline", "renewals", "2026-Q4"],
    ]
    # the terminal: a block per group under its name
    text = ok(
        history, "report", "metrics", "--per", "month", "--by", "owner", "--since", "2026-10"
    ).stdout
    assert text.index("owner: anna") < text.index("owner: me")
    assert text.count("win rate ") == 3  # anna's USD, me's EUR and USD
