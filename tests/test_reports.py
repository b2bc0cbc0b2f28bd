"""`funnel report funnel` and `funnel report metrics` on a history built by hand
through the CLI, every field checked against the definitions in PRODUCT.md,
with the arithmetic next to each figure.

The history (all `--at` backdated; the clock is 2026-11-23 10:15, TZ=UTC).
Default pipeline "sales": lead 10 %, qualified 20 %, contacted 30 %, demo 50 %,
proposal 65 %, negotiation 80 %. Days are whole unless a time is given.

 #  deal     owner  value         history                                          now
 1  Alpha    me     USD 1,000     lead 10-01 → qualified 10-03 → demo 10-08 → won 10-21   won
 2  Bravo    anna   USD 2,000     lead 10-05 → contacted 10-06 → proposal 10-12 →          won
                    (won at 2,500)  won 11-02 --value 2500
 3  Charlie  me     USD 3,000     lead 10-10 → qualified 10-12 12:00 → lost 10-15          lost
 4  Delta    anna   USD 500       lead 10-15 → demo 10-20 → back to qualified 10-25 →      lost
                                    lost 11-06
 5  Echo     me     (no value)    lead 10-20 → won 11-10 (straight from lead)              won
 6  Foxtrot  me     EUR 1,200.50  lead 11-01 → qualified 11-03                             open
 7  Golf     me     USD 4,000     lead 11-02 → negotiation 11-09; --probability 35         open
 8  Hotel    me     USD 800       lead 10-25 → proposal 10-28 → lost 11-08 →               open
                                    reopened 11-12 (in proposal)
 9  India    me     USD 300       lead 11-20 → qualified 11-21                             open
10  Juliet   me     USD 600       pipeline "renewals" (ask 25 %, quote 50 %, signed 75 %): won
                                    ask 11-05 → quote 11-07 06:00 → won 11-09

Stays that ended (leave − enter, days):
  lead:        1: 2, 2: 1, 3: 2.5, 4: 5, 5: 21 (ended by the win), 6: 2, 7: 7, 8: 3, 9: 1
  qualified:   1: 5, 3: 2.5 (ended by the loss), 4: 12        (6 and 9 still there)
  contacted:   2: 6
  demo:        1: 13 (ended by the win), 4: 5
  proposal:    2: 21, 8: 11 (ended by the loss)               (8's second stay is open)
  negotiation: none                                           (7 still there)
  ask: 10: 2.25; quote: 10: 1.75; signed: none
Furthest stage (by stage order, over the deal's stays): 1 demo, 2 proposal, 3 qualified,
4 demo (moved back from it), 5 lead, 6 qualified, 7 negotiation, 8 proposal, 9 qualified.
"""

from __future__ import annotations

from functools import partial

import helpers

# These figures are checked without looking at stderr.
report = partial(helpers.report, quiet=False)

STAGES = ["lead", "qualified", "contacted", "demo", "proposal", "negotiation"]
WINDOW = ("--since", "2026-10-15", "--until", "2026-11-06")


def stage(
    name: str,
    *,
    open_count: int = 0,
    open_value: object = 0,
    by_currency: dict[str, float] | None = None,
    reached: int,
    conversion: float | None,
    dropped: int = 0,
    avg: float | None = None,
    median: float | None = None,
) -> dict[str, object]:
    return {
        "stage": name,
        "open_count": open_count,
        "open_value": open_value,
        "open_value_by_currency": by_currency or {},
        "reached": reached,
        "conversion_to_next": conversion,
        "dropped": dropped,
        "avg_days_in_stage": avg,
        "median_days_in_stage": median,
    }


# -- all time ---------------------------------------------------------------


def test_funnel_all_time(history):
    # The cohort: deals 1-9 (the sales pipeline; 10 is in renewals).
    # Won: 1, 2, 5 = 3 (5 reaches every stage by winning, though it skipped them).
    # Lost: 3, 4 = 2 (8 was lost, then reopened: it is open now, not a drop-off).
    # Not won, by furthest stage: qualified 3 (3, 6, 9), demo 1 (4),
    # proposal 1 (8), negotiation 1 (7).
    assert report(history, "funnel") == {
        "pipeline": "sales",
        "stages": [
            stage(
                "lead",
                reached=9,  # all 9
                conversion=100.0,  # 9 / 9
                # stays 2, 1, 2.5, 5, 21, 2, 7, 3, 1: 44.5 / 9 = 4.944…
                avg=4.94,
                median=2.5,  # sorted 1 1 2 2 [2.5] 3 5 7 21
            ),
            stage(
                "qualified",
                open_count=2,  # 6 (EUR) and 9 (USD)
                open_value=None,  # two currencies: no single number
                by_currency={"EUR": 1200.5, "USD": 300},
                reached=9,  # 3 won + 6 not won whose furthest is qualified or later
                conversion=66.67,  # contacted 6 / 9
                dropped=1,  # 3 was lost in qualified
                avg=6.5,  # stays 5, 2.5, 12: 19.5 / 3
                median=5.0,  # 2.5 [5] 12
            ),
            stage(
                "contacted",
                reached=6,  # 3 won + 4, 7, 8 (furthest demo, negotiation, proposal)
                conversion=100.0,  # demo 6 / 6
                avg=6.0,  # 2: 10-06 → 10-12
                median=6.0,
            ),
            stage(
                "demo",
                reached=6,  # 3 won + 4, 7, 8: 4 counts though it was moved back
                conversion=83.33,  # proposal 5 / 6
                dropped=1,  # 4 was lost in qualified, but its furthest stage was demo
                avg=9.0,  # stays 13 and 5: 18 / 2
                median=9.0,  # (5 + 13) / 2
            ),
            stage(
                "proposal",
                open_count=1,  # 8, reopened
                open_value=800,
                by_currency={"USD": 800},
                reached=5,  # 3 won + 7, 8
                conversion=80.0,  # negotiation 4 / 5
                avg=16.0,  # stays 21 and 11 (8's second stay hasn't ended): 32 / 2
                median=16.0,
            ),
            stage(
                "negotiation",
                open_count=1,  # 7
                open_value=4000,
                by_currency={"USD": 4000},
                reached=4,  # 3 won + 7
                conversion=75.0,  # after the last stage "next" is won: 3 / 4
                avg=None,  # 7's stay hasn't ended
                median=None,
            ),
        ],
        "won": 3,
        "lost": 2,
        "since": None,
        "until": None,
    }


EUR_ALL_TIME = {
    "open_deals": 1,  # 6
    "open_value": 1200.5,
    "weighted_value": 240.1,  # 1,200.50 × 20 % (qualified)
    "won": 0,
    "lost": 0,
    "won_value": 0,
    "lost_value": 0,
    "win_rate": None,  # nothing closed
    "conversion_rate": 0.0,  # 0 won of 1 created
    "avg_deal_size": None,
    "sales_cycle_days": None,
    "sales_velocity": None,
    "sales_cycle_median_days": None,
    "avg_touches_per_won_deal": None,
    "currency": "EUR",
    "since": None,
    "until": None,
}


def test_metrics_all_time_one_object_per_currency(history):
    assert report(history, "metrics") == [
        EUR_ALL_TIME,
        {
            "open_deals": 3,  # 7, 8 (reopened), 9
            "open_value": 5100,  # 4,000 + 800 + 300
            # 4,000 × 35 % (7's own probability, not negotiation's 80 %)
            # + 800 × 65 % (proposal) + 300 × 20 % (qualified) = 1,400 + 520 + 60
            "weighted_value": 1980,
            "won": 4,  # 1, 2, 5, 10 (10 in renewals: metrics span every pipeline)
            "lost": 2,  # 3, 4 (8 is open again)
            "won_value": 4100,  # 1,000 + 2,500 + 5's none + 600
            "lost_value": 3500,  # 3,000 + 500 (8's 800: open again)
            "win_rate": 66.67,  # 4 / (4 + 2)
            "conversion_rate": 44.44,  # USD deals created: 1-5, 7-10 = 9; won 4: 4 / 9
            # won with a value: 1,000 + 2,500 (2's value at the win) + 600; 5 has
            # none and is left out: 4,100 / 3 = 1,366.666…
            "avg_deal_size": 1366.67,
            # won − created: 1: 20, 2: 28, 5: 21, 10: 4 → 73 / 4
            "sales_cycle_days": 18.25,
            # 3 open × 1,366.666… × (4 / 6) ÷ 18.25 = 2,733.33 / 18.25 = 149.7717
            # (from the exact win rate; the rounded 66.67 % would give 149.78)
            "sales_velocity": 149.77,
            "sales_cycle_median_days": 20.5,  # 4, 20, 21, 28 → (20 + 21) / 2
            # touches (logged activities) up to the win: 1: 2, 2: 1, 5: 0,
            # 10: 1 → 4 / 4 won (3's call: a loss, not counted)
            "avg_touches_per_won_deal": 1.0,
            "currency": "USD",
            "since": None,
            "until": None,
        },
    ]


# -- a period ------------------------------------------------------------------


def test_funnel_in_a_period(history):
    # [2026-10-15, 2026-11-06): the cohort is the deals created in it:
    # 4 (10-15, on the boundary: in), 5 (10-20), 8 (10-25), 6 (11-01), 7 (11-02).
    # Out: 1 (10-01), 2 (10-05), 3 (10-10), 9 (11-20); 10 is in renewals.
    # Won 5; lost 4 (closed 11-06, after the period, but it is the cohort's).
    # Not won, by furthest stage: qualified 6, demo 4, proposal 8, negotiation 7.
    # Days in stage count the stays that ended in the period, of any deal.
    assert report(history, "funnel", *WINDOW) == {
        "pipeline": "sales",
        "stages": [
            stage(
                "lead",
                reached=5,
                conversion=100.0,  # 5 / 5
                # ended in the period: 4 (left 10-20) 5, 8 (10-28) 3, 6 (11-03) 2;
                # not 1, 2, 3 (left before 10-15), 5, 7, 9 (after 11-06)
                avg=3.33,  # 10 / 3
                median=3.0,
            ),
            stage(
                "qualified",
                open_count=1,  # 6 (9 was created after the period)
                open_value=1200.5,  # one currency now: a number
                by_currency={"EUR": 1200.5},
                reached=5,  # 1 won + 6, 4, 8, 7
                conversion=80.0,  # contacted 4 / 5
                # 3's stay ended 10-15 00:00 (in: since is inclusive); 4's ended
                # 11-06 00:00 (out: until is exclusive); 1's ended 10-08 (out)
                avg=2.5,
                median=2.5,
            ),
            stage(
                "contacted",
                reached=4,  # 1 won + 4, 8, 7
                conversion=100.0,  # 4 / 4
                avg=None,  # 2's stay ended 10-12
                median=None,
            ),
            stage(
                "demo",
                reached=4,
                conversion=75.0,  # proposal 3 / 4
                dropped=1,  # 4
                avg=9.0,  # 1 (ended 10-21) 13 and 4 (ended 10-25) 5
                median=9.0,
            ),
            stage(
                "proposal",
                open_count=1,  # 8
                open_value=800,
                by_currency={"USD": 800},
                reached=3,  # 1 won + 8, 7
                conversion=66.67,  # negotiation 2 / 3
                avg=21.0,  # 2's stay ended 11-02 (2 itself is not in the cohort);
                median=21.0,  # 8's ended 11-08, out
            ),
            stage(
                "negotiation",
                open_count=1,  # 7
                open_value=4000,
                by_currency={"USD": 4000},
                reached=2,  # 1 won + 7
                conversion=50.0,  # won 1 / 2
            ),
        ],
        "won": 1,
        "lost": 1,
        "since": "2026-10-15T00:00",
        "until": "2026-11-06T00:00",
    }


def test_metrics_in_a_period(history):
    # Open deals and values are what is open now, whatever the period.
    # Won/lost, win rate, average size and cycle: deals CLOSED in the period
    # [10-15, 11-06): won 1 (10-21), 2 (11-02); lost 3 (10-15, on the boundary).
    # Out: 5 won 11-10, 10 won 11-09, 4 lost 11-06 (until is exclusive).
    # Conversion: deals CREATED in the period, won so far.
    since_until = {"since": "2026-10-15T00:00", "until": "2026-11-06T00:00"}
    assert report(history, "metrics", *WINDOW) == [
        {
            **EUR_ALL_TIME,
            "conversion_rate": 0.0,  # 6 created 11-01 (in), not won: 0 / 1
            **since_until,
        },
        {
            "open_deals": 3,  # 7, 8, 9: open now
            "open_value": 5100,
            "weighted_value": 1980,  # as all time
            "won": 2,  # 1, 2
            "lost": 1,  # 3
            "won_value": 3500,  # 1,000 + 2,500
            "lost_value": 3000,  # 3
            "win_rate": 66.67,  # 2 / (2 + 1)
            # created in the period: 4, 5, 7, 8, 10 = 5; won so far (even after
            # the period): 5 (11-10), 10 (11-09) → 2 / 5
            "conversion_rate": 40.0,
            "avg_deal_size": 1750,  # (1,000 + 2,500) / 2
            "sales_cycle_days": 24.0,  # (20 + 28) / 2
            # 3 × 1,750 × (2 / 3) ÷ 24 = 3,500 / 24 = 145.833… (not 145.84)
            "sales_velocity": 145.83,
            "sales_cycle_median_days": 24.0,  # 20, 28 → (20 + 28) / 2
            "avg_touches_per_won_deal": 1.5,  # 1: 2, 2: 1 → 3 / 2
            "currency": "USD",
            **since_until,
        },
    ]


def test_a_period_with_nothing_in_it(history):
    period = ("--since", "2025-01-01", "--until", "2025-02-01")
    eur, usd = report(history, "metrics", *period)
    nothing = {
        "won": 0,
        "lost": 0,
        "won_value": 0,
        "lost_value": 0,
        "win_rate": None,
        "conversion_rate": None,  # no deal created: nothing to divide by
        "avg_deal_size": None,
        "sales_cycle_days": None,
        "sales_velocity": None,
        "sales_cycle_median_days": None,
        "avg_touches_per_won_deal": None,
        "since": "2025-01-01T00:00",
        "until": "2025-02-01T00:00",
    }
    assert eur == {**EUR_ALL_TIME, **nothing}
    assert usd == {
        "open_deals": 3,
        "open_value": 5100,
        "weighted_value": 1980,
        "currency": "USD",
        **nothing,
    }
    funnel = report(history, "funnel", *period)
    assert funnel["stages"] == [stage(s, reached=0, conversion=None) for s in STAGES]
    assert (funnel["won"], funnel["lost"]) == (0, 0)


# -- narrowed by owner and pipeline --------------------------------------------


def test_owner(history):
    # anna owns 2 (won at 2,500 after 28 days) and 4 (lost; furthest demo).
    assert report(history, "metrics", "--owner", "anna") == [
        {
            "open_deals": 0,
            "open_value": 0,
            "weighted_value": 0,
            "won": 1,
            "lost": 1,
            "won_value": 2500,  # 2
            "lost_value": 500,  # 4
            "win_rate": 50.0,  # 1 / (1 + 1)
            "conversion_rate": 50.0,  # created 2, won 1
            "avg_deal_size": 2500,
            "sales_cycle_days": 28.0,  # 10-05 → 11-02
            "sales_velocity": 0,  # 0 open × 2,500 × 0.5 ÷ 28
            "sales_cycle_median_days": 28.0,  # one won deal
            "avg_touches_per_won_deal": 1.0,  # 2's meeting
            "currency": "USD",  # one currency: still an array, of one
            "since": None,
            "until": None,
        }
    ]
    assert report(history, "funnel", "--owner", "anna") == {
        "pipeline": "sales",
        "stages": [
            stage("lead", reached=2, conversion=100.0, avg=3.0, median=3.0),  # 2: 1, 4: 5
            stage("qualified", reached=2, conversion=100.0, avg=12.0, median=12.0),  # 4: 12
            stage("contacted", reached=2, conversion=100.0, avg=6.0, median=6.0),  # 2: 6
            # reached: 1 won + 4 (furthest demo) = 2; proposal 1 / 2
            stage("demo", reached=2, conversion=50.0, dropped=1, avg=5.0, median=5.0),
            stage("proposal", reached=1, conversion=100.0, avg=21.0, median=21.0),  # 2: 21
            stage("negotiation", reached=1, conversion=100.0),  # won 1 / 1
        ],
        "won": 1,
        "lost": 1,
        "since": None,
        "until": None,
    }
    # owner names match regardless of case
    assert report(history, "metrics", "--owner", "ANNA")[0]["won"] == 1
    # an owner with no deals in scope: the empty figures in the default currency
    (empty,) = report(history, "metrics", "--owner", "anna", "--pipeline", "renewals")
    assert (empty["open_deals"], empty["won"], empty["lost"]) == (0, 0, 0)
    # an owner no deal has is an error naming the closest ones, never empty figures
    helpers.fails(
        history,
        1,
        "no deal has owner 'ana' (did you mean anna? owners: anna, me)",
        "report",
        "metrics",
        "--owner",
        "ana",
    )


def test_pipeline(history):
    # renewals holds 10 only: ask 11-05 → quote 11-07 06:00 → won 11-09.
    assert report(history, "funnel", "--pipeline", "renewals") == {
        "pipeline": "renewals",
        "stages": [
            stage("ask", reached=1, conversion=100.0, avg=2.25, median=2.25),  # 2 d 6 h
            stage("quote", reached=1, conversion=100.0, avg=1.75, median=1.75),  # 1 d 18 h
            stage("signed", reached=1, conversion=100.0),  # reached by winning; won 1 / 1
        ],
        "won": 1,
        "lost": 0,
        "since": None,
        "until": None,
    }
    assert report(history, "metrics", "--pipeline", "renewals") == [
        {
            "open_deals": 0,
            "open_value": 0,
            "weighted_value": 0,
            "won": 1,
            "lost": 0,
            "won_value": 600,  # 10
            "lost_value": 0,
            "win_rate": 100.0,  # 1 / (1 + 0)
            "conversion_rate": 100.0,  # 1 / 1
            "avg_deal_size": 600,
            "sales_cycle_days": 4.0,  # 11-05 → 11-09
            "sales_velocity": 0,  # no open deals
            "sales_cycle_median_days": 4.0,
            "avg_touches_per_won_deal": 1.0,  # 10's call
            "currency": "USD",
            "since": None,
            "until": None,
        }
    ]
    # the sales pipeline alone: all-time USD without 10
    eur, usd = report(history, "metrics", "--pipeline", "sales")
    assert eur == EUR_ALL_TIME
    assert usd == {
        "open_deals": 3,
        "open_value": 5100,
        "weighted_value": 1980,
        "won": 3,  # 1, 2, 5
        "lost": 2,  # 3, 4
        "won_value": 3500,  # 1,000 + 2,500 (5 has no value)
        "lost_value": 3500,  # 3,000 + 500
        "win_rate": 60.0,  # 3 / 5
        "conversion_rate": 37.5,  # created 8 (1-5, 7-9), won 3: 3 / 8
        "avg_deal_size": 1750,  # (1,000 + 2,500) / 2
        "sales_cycle_days": 23.0,  # (20 + 28 + 21) / 3
        "sales_velocity": 136.96,  # 3 × 1,750 × 0.6 ÷ 23 = 3,150 / 23 = 136.956…
        "sales_cycle_median_days": 21.0,  # 20, 21, 28
        "avg_touches_per_won_deal": 1.0,  # 1: 2, 2: 1, 5: 0 → 3 / 3
        "currency": "USD",
        "since": None,
        "until": None,
    }
    # the funnel's default pipeline is the default one, same as --pipeline sales
    assert report(history, "funnel", "--pipeline", "sales") == report(history, "funnel")


# -- nothing at all ------------------------------------------------------------


def test_empty_database(funnel, fresh):
    assert report(funnel, "metrics") == [
        {
            "open_deals": 0,
            "open_value": 0,
            "weighted_value": 0,
            "won": 0,
            "lost": 0,
            "won_value": 0,
            "lost_value": 0,
            "win_rate": None,
            "conversion_rate": None,
            "avg_deal_size": None,
            "sales_cycle_days": None,
            "sales_velocity": None,
            "sales_cycle_median_days": None,
            "avg_touches_per_won_deal": None,
            "currency": "USD",  # the configured default
            "since": None,
            "until": None,
        }
    ]
    assert report(funnel, "funnel") == {
        "pipeline": "sales",
        "stages": [stage(s, reached=0, conversion=None) for s in STAGES],
        "won": 0,
        "lost": 0,
        "since": None,
        "until": None,
    }
    assert not fresh.exists()  # a report creates no database


def test_days_in_stage_count_stays_of_deals_since_moved_to_another_pipeline(funnel):
    funnel("pipeline", "create", "renewals", "--stages", "ask,quote")
    funnel("add", "B", "--at", "2026-11-01")
    funnel("move", "1", "demo", "--at", "2026-11-03")
    # to renewals now (2026-11-23 10:15): the demo stay ends there
    assert funnel("edit", "1", "--pipeline", "renewals", "--stage", "ask").exit_code == 0
    sales = report(funnel, "funnel")
    # 1 is no longer in the sales pipeline's cohort…
    assert [s["reached"] for s in sales["stages"]] == [0] * 6
    # …but its stays in sales stages happened: lead 11-01 → 11-03 = 2 days,
    # demo 11-03 → 11-23 10:15 = 20 + 10.25 / 24 = 20.427… days
    days = {
        s["stage"]: (s["avg_days_in_stage"], s["median_days_in_stage"]) for s in sales["stages"]
    }
    assert days["lead"] == (2.0, 2.0)
    assert days["demo"] == (20.43, 20.43)
    assert days["qualified"] == (None, None)
    renewals = report(funnel, "funnel", "--pipeline", "renewals")
    assert [(s["reached"], s["open_count"]) for s in renewals["stages"]] == [(1, 1), (0, 0)]


def test_a_period_must_start_before_it_ends(funnel, empty_db):
    for kind in ("funnel", "metrics"):
        run = funnel("report", kind, "--since", "2026-11-06", "--until", "2026-10-15")
        assert run.exit_code == 1
        assert "--since must be before --until" in run.stderr


def test_metrics_keep_each_currencys_decimals(funnel):
    assert funnel("add", "k", "--value", "1.234 KWD").exit_code == 0
    assert funnel("add", "j", "--value", "¥1500").exit_code == 0
    r = funnel("report", "metrics", "--format", "json")
    by_currency = {m["currency"]: m for m in r.json()}
    # 1.234 KWD has three decimals, 1500 JPY none: neither is rounded to cents.
    assert by_currency["KWD"]["open_value"] == 1.234
    assert by_currency["JPY"]["open_value"] == 1500
    table = funnel("report", "metrics").stdout
    assert "1.234 KWD" in table and "1,500 JPY" in table


# -- --explain -----------------------------------------------------------------


def test_metrics_explain_names_the_deals_each_figure_counted(history):
    eur, usd = report(history, "metrics", *WINDOW, "--explain")
    assert eur["explain"]["open_deals"]["deal_ids"] == [6]
    ex = usd["explain"]
    ids = {figure: e["deal_ids"] for figure, e in ex.items()}
    assert ids["open_deals"] == ids["open_value"] == ids["weighted_value"] == [7, 8, 9]
    assert ids["won"] == [1, 2]  # closed as won in [10-15, 11-06)
    assert ids["lost"] == [3]  # 4 lost on 11-06: the end is exclusive
    assert ids["win_rate"] == [1, 2, 3]
    assert ids["conversion_rate"] == [4, 5, 7, 8, 10]  # created in the period
    assert ids["avg_deal_size"] == [1, 2]  # won with a value
    assert ids["sales_cycle_days"] == ids["sales_cycle_median_days"] == [1, 2]
    assert ids["avg_touches_per_won_deal"] == [1, 2]
    assert ids["sales_velocity"] == [1, 2, 3, 7, 8, 9]
    # the count beside each list, and the figures agree with the report
    assert all(e["deals"] == len(e["deal_ids"]) for e in ex.values())
    assert ex["won"]["deals"] == usd["won"] and ex["lost"]["deals"] == usd["lost"]
    assert ex["win_rate"]["formula"] == "won ÷ (won + lost) × 100"
    # every figure of the report is explained, nothing else
    assert set(ex) == set(usd) - {"currency", "since", "until", "explain"}
    # without --explain, no key
    assert "explain" not in report(history, "metrics", *WINDOW)[1]


def test_funnel_explain_names_the_deals_per_stage(history):
    got = report(history, "funnel", "--explain")
    by_stage = {s["stage"]: s for s in got["stages"]}
    demo = by_stage["demo"]["explain"]
    # reached demo: won 1, 2, 5, and not won with demo or later furthest: 4, 7, 8
    assert demo["reached"]["deal_ids"] == [1, 2, 4, 5, 7, 8]
    assert demo["dropped"]["deal_ids"] == [4]
    assert demo["avg_days_in_stage"]["deal_ids"] == [1, 4]  # stays that ended
    for s in got["stages"]:
        e = s["explain"]
        assert e["reached"]["deals"] == s["reached"], s["stage"]
        assert e["dropped"]["deals"] == s["dropped"], s["stage"]


def test_explain_as_text(history):
    run = history("report", "metrics", *WINDOW, "--explain")
    assert run.exit_code == 0, run.stderr
    out = run.stdout
    assert "How these were counted (window: [2026-10-15T00:00, 2026-11-06T00:00))" in out
    assert "won: deals closed as won in the period — 2 deals" in out
    run = history("report", "funnel", "--explain")
    assert "How these were counted (window: [the beginning, now))" in run.stdout
    assert "dropped: lost, with this stage the furthest it reached — 1 deal" in run.stdout
