"""`funnel report owners` and `funnel report forecast` on a history built by hand
through the CLI, every figure checked against the definitions in PRODUCT.md,
with the arithmetic next to each one.

The history (all `--at` backdated; the clock is 2026-11-23 10:15, a Monday,
TZ=UTC). Default pipeline "sales": lead 10 %, qualified 20 %, contacted 30 %,
demo 50 %, proposal 65 %, negotiation 80 %; "renewals": ask 25 %, quote 50 %,
signed 75 %. "me" is the configured owner of deals added without --owner.

 #  owner pipeline value         history                                        now   expected
 1  anna  sales    USD 1,000     lead 10-01 → qualified 10-03 → demo 10-10 →    won   2026-10-31
                                   won 10-21
 2  anna  sales    USD 3,000     lead 10-05 → contacted 10-07 → proposal 10-15  won
                   (won at 3,500)  → won 11-05 --value 3500
 3  anna  sales    USD 2,000     lead 10-12 → qualified 10-14 → lost 10-15      lost
 4  anna  sales    EUR 900       lead 10-20 → qualified 10-22 → demo 11-02 →    won
                                   won 11-12
 5  anna  sales    USD 5,000     lead 11-01 → proposal 11-05; --probability 40  open  2026-12-10
 6  ben   sales    USD 800       lead 10-02 → lost 10-09                        lost
 7  ben   sales    USD 1,200     lead 10-08 → qualified 10-10 → contacted 10-12 won
                                   → demo 10-20 → won 11-06 12:00
 8  ben   sales    USD 600       lead 10-15 → demo 10-18 → lost 11-01           lost
 9  ben   sales    USD 2,500     lead 11-03 → negotiation 11-10                 open  2027-01-15
10  ben   sales    USD 400       lead 11-10                                     open  (none)
11  me    sales    EUR 1,500.50  lead 11-05 → qualified 11-07                   open  2026-12-20
12  me    renewals USD 700       ask 11-02 → quote 11-05 → won 11-09            won
13  me    sales    (no value)    lead 11-15                                     open  2027-02-03
14  me    renewals USD 1,000     ask 11-10 → quote 11-12                        open  2026-11-30
15  cara  renewals USD 300       ask 11-11                                      open  (none)

Sales cycles (won − created, days): 1: 20, 2: 31, 4: 23, 7: 29.5, 12: 7.
Furthest stage of the deals not won (sales): 3 qualified, 5 proposal, 6 lead,
8 demo, 9 negotiation, 10 lead, 11 qualified, 13 lead; (renewals) 14 quote, 15 ask.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from helpers import ok, one_error, open_store, report, run_on_a_terminal

HISTORY: list[tuple[str, ...]] = [
    ("pipeline", "create", "renewals", "--stages", "ask,quote,signed"),
    ("add", "A1", "--owner", "anna", "--value", "1000", "--expected-close", "2026-10-31",
     "--at", "2026-10-01"),
    ("move", "1", "qualified", "--at", "2026-10-03"),
    ("move", "1", "demo", "--at", "2026-10-10"),
    ("won", "1", "--at", "2026-10-21"),
    ("add", "A2", "--owner", "anna", "--value", "3000", "--at", "2026-10-05"),
    ("move", "2", "contacted", "--at", "2026-10-07"),
    ("move", "2", "proposal", "--at", "2026-10-15"),
    ("won", "2", "--value", "3500", "--at", "2026-11-05"),
    ("add", "A3", "--owner", "anna", "--value", "2000", "--at", "2026-10-12"),
    ("move", "3", "qualified", "--at", "2026-10-14"),
    ("lost", "3", "--reason", "budget", "--at", "2026-10-15"),
    ("add", "A4", "--owner", "anna", "--value", "900", "--currency", "EUR", "--at", "2026-10-20"),
    ("move", "4", "qualified", "--at", "2026-10-22"),
    ("move", "4", "demo", "--at", "2026-11-02"),
    ("won", "4", "--at", "2026-11-12"),
    ("add", "A5", "--owner", "anna", "--value", "5000", "--probability", "40",
     "--expected-close", "2026-12-10", "--at", "2026-11-01"),
    ("move", "5", "proposal", "--at", "2026-11-05"),
    ("add", "B1", "--owner", "ben", "--value", "800", "--at", "2026-10-02"),
    ("lost", "6", "--reason", "no budget", "--at", "2026-10-09"),
    ("add", "B2", "--owner", "ben", "--value", "1200", "--at", "2026-10-08"),
    ("move", "7", "qualified", "--at", "2026-10-10"),
    ("move", "7", "contacted", "--at", "2026-10-12"),
    ("move", "7", "demo", "--at", "2026-10-20"),
    ("won", "7", "--at", "2026-11-06T12:00"),
    ("add", "B3", "--owner", "ben", "--value", "600", "--at", "2026-10-15"),
    ("move", "8", "demo", "--at", "2026-10-18"),
    ("lost", "8", "--reason", "competitor", "--at", "2026-11-01"),
    ("add", "B4", "--owner", "ben", "--value", "2500", "--expected-close", "2027-01-15",
     "--at", "2026-11-03"),
    ("move", "9", "negotiation", "--at", "2026-11-10"),
    ("add", "B5", "--owner", "ben", "--value", "400", "--at", "2026-11-10"),
    ("add", "M1", "--value", "1500.50", "--currency", "EUR", "--expected-close", "2026-12-20",
     "--at", "2026-11-05"),
    ("move", "11", "qualified", "--at", "2026-11-07"),
    ("add", "M2", "--pipeline", "renewals", "--value", "700", "--at", "2026-11-02"),
    ("move", "12", "quote", "--at", "2026-11-05"),
    ("won", "12", "--at", "2026-11-09"),
    ("add", "M3", "--expected-close", "2027-02-03", "--at", "2026-11-15"),
    ("add", "M4", "--pipeline", "renewals", "--value", "1000", "--expected-close", "2026-11-30",
     "--at", "2026-11-10"),
    ("move", "14", "quote", "--at", "2026-11-12"),
    ("add", "C1", "--owner", "cara", "--pipeline", "renewals", "--value", "300",
     "--at", "2026-11-11"),
]  # fmt: skip

SALES = ["lead", "qualified", "contacted", "demo", "proposal", "negotiation"]
RENEWALS = ["ask", "quote", "signed"]
WINDOW = ("--since", "2026-10-15", "--until", "2026-11-05")

# CLI.md's keys for `report owners` and `report forecast`; records may carry
# more (CLI.md allows adding keys), and these tests check the ones below.
OWNER_KEYS = {
    "owner", "open_deals", "won", "lost", "win_rate", "won_value", "avg_deal_size",
    "sales_cycle_days",
}  # fmt: skip
OWNER_CHECKED = [
    *sorted(OWNER_KEYS), "currency", "conversion_to_next", "team_conversion_to_next",
    "since", "until",
]  # fmt: skip
FORECAST_KEYS = {"period", "deals", "value", "weighted_value"}
FORECAST_CHECKED = [*sorted(FORECAST_KEYS), "currency"]


@pytest.fixture
def history(funnel):
    for args in HISTORY:
        run = funnel(*args)
        assert run.exit_code == 0, (args, run.stderr)
    return funnel


def owners(funnel, *args: str) -> list[dict[str, object]]:
    records = report(funnel, "owners", *args)
    assert isinstance(records, list)
    for r in records:
        assert set(r) >= OWNER_KEYS, r
    return [{k: r[k] for k in OWNER_CHECKED} for r in records]


def forecast(funnel, *args: str) -> list[dict[str, object]]:
    records = report(funnel, "forecast", *args)
    assert isinstance(records, list)
    return [_forecast_row(r) for r in records]


def _forecast_row(r: dict[str, object]) -> dict[str, object]:
    assert set(r) >= FORECAST_KEYS, r
    return {k: r[k] for k in FORECAST_CHECKED}


def row(
    owner: str,
    currency: str,
    *,
    open_deals: int = 0,
    won: int = 0,
    lost: int = 0,
    win_rate: float | None = None,
    won_value: float = 0,
    avg: float | None = None,
    cycle: float | None = None,
    conversion: dict[str, float | None],
    team: dict[str, float | None],
    since: str | None = None,
    until: str | None = None,
) -> dict[str, object]:
    return {
        "owner": owner,
        "open_deals": open_deals,
        "won": won,
        "lost": lost,
        "win_rate": win_rate,
        "won_value": won_value,
        "avg_deal_size": avg,
        "sales_cycle_days": cycle,
        "currency": currency,
        "conversion_to_next": conversion,
        "team_conversion_to_next": team,
        "since": since,
        "until": until,
    }


def conv(stages: list[str], *values: float | None) -> dict[str, float | None]:
    assert len(values) == len(stages)
    return dict(zip(stages, values, strict=True))


def period(p: str | None, deals: int, value: float, weighted: float, cur: str = "USD") -> dict:
    return {
        "period": p,
        "deals": deals,
        "value": value,
        "weighted_value": weighted,
        "currency": cur,
    }


def cells(table: str) -> list[list[str]]:
    """A plain (piped) table as rows of cells: columns are 2+ spaces apart."""
    return [re.split(r"\s{2,}", line.strip()) for line in table.splitlines()]


# -- the stage-by-owner matrix (sales, all time) ---------------------------------
# Cohort: the 12 sales deals (1-11, 13). Won 1, 2, 4, 7 = 4. Not won, by furthest
# stage: lead 3 (6, 10, 13), qualified 2 (3, 11), demo 1 (8), proposal 1 (5),
# negotiation 1 (9). Reached (from the end, won deals reach every stage):
# negotiation 4 + 1 = 5, proposal 6, demo 7, contacted 7, qualified 9, lead 12.
TEAM = conv(
    SALES,
    75.0,  # qualified 9 / lead 12
    77.78,  # contacted 7 / 9
    100.0,  # demo 7 / 7
    85.71,  # proposal 6 / 7
    83.33,  # negotiation 5 / 6
    80.0,  # won 4 / 5
)
# anna: 1, 2, 4 won; 3 (furthest qualified), 5 (proposal).
# Reached: lead 5, qualified 5, contacted 4, demo 4, proposal 4, negotiation 3.
ANNA = conv(SALES, 100.0, 80.0, 100.0, 100.0, 75.0, 100.0)  # 5/5 4/5 4/4 4/4 3/4 3/3
# ben: 7 won; 6 (lead), 8 (demo), 9 (negotiation), 10 (lead).
# Reached: lead 5, qualified 3, contacted 3, demo 3, proposal 2, negotiation 2.
BEN = conv(SALES, 60.0, 100.0, 100.0, 66.67, 100.0, 50.0)  # 3/5 3/3 3/3 2/3 2/2 1/2
# me: 11 (qualified), 13 (lead); 12 and 14 are in renewals. Nothing won.
# Reached: lead 2, qualified 1, then 0: nothing to divide by.
ME = conv(SALES, 50.0, 0.0, None, None, None, None)  # 1/2 0/1
# cara has no deal in sales: no row of the matrix (an empty object).
NONE: dict[str, float | None] = {}


# -- owners: all time --------------------------------------------------------------


def test_owners_all_time(history):
    # No --pipeline: the figures span every pipeline (12, 14, 15 are renewals);
    # one row per owner and currency, ordered by owner then currency.
    # Won/lost: closed at any time. Open deals: open now.
    assert owners(history) == [
        row(
            "anna",
            "EUR",  # 4 alone: euros are never added to dollars
            won=1,
            win_rate=100.0,  # 1 / (1 + 0)
            won_value=900,
            avg=900,
            cycle=23.0,  # 10-20 → 11-12
            conversion=ANNA,  # the matrix counts deals, whatever their currency
            team=TEAM,
        ),
        row(
            "anna",
            "USD",
            open_deals=1,  # 5
            won=2,  # 1, 2
            lost=1,  # 3
            win_rate=66.67,  # 2 / 3
            won_value=4500,  # 1,000 + 3,500 (2's value at the win, not 3,000)
            avg=2250,  # 4,500 / 2
            cycle=25.5,  # 1: 10-01 → 10-21 = 20, 2: 10-05 → 11-05 = 31; 51 / 2
            conversion=ANNA,
            team=TEAM,
        ),
        row(
            "ben",
            "USD",
            open_deals=2,  # 9, 10
            won=1,  # 7
            lost=2,  # 6, 8
            win_rate=33.33,  # 1 / 3
            won_value=1200,
            avg=1200,
            cycle=29.5,  # 10-08 → 11-06 12:00
            conversion=BEN,
            team=TEAM,
        ),
        row("cara", "USD", open_deals=1, conversion=NONE, team=TEAM),  # 15, open, renewals
        row("me", "EUR", open_deals=1, conversion=ME, team=TEAM),  # 11: nothing closed
        row(
            "me",
            "USD",
            open_deals=2,  # 13 (sales), 14 (renewals)
            won=1,  # 12 (renewals)
            win_rate=100.0,
            won_value=700,
            avg=700,
            cycle=7.0,  # 11-02 → 11-09
            conversion=ME,
            team=TEAM,
        ),
    ]


def test_owners_totals_agree_with_report_metrics(history):
    # The per-owner rows split `report metrics` (same definitions) by owner: the
    # counts add up per currency, and money is summed within a currency only.
    rows = owners(history)
    metrics = {m["currency"]: m for m in report(history, "metrics")}
    for cur in ("EUR", "USD"):
        mine = [r for r in rows if r["currency"] == cur]
        for key in ("open_deals", "won", "lost"):
            assert sum(r[key] for r in mine) == metrics[cur][key], (cur, key)
    # USD won value 4,500 + 1,200 + 700 = 6,400 over 4 won deals: metrics' 1,600
    usd = [r for r in rows if r["currency"] == "USD"]
    assert sum(r["won_value"] for r in usd) == 6400
    assert metrics["USD"]["avg_deal_size"] == 1600
    # each owner's row equals `report metrics --owner` for the same figures
    anna = {m["currency"]: m for m in report(history, "metrics", "--owner", "anna")}
    for r in rows[:2]:
        m = anna[r["currency"]]
        got = (r["open_deals"], r["won"], r["lost"], r["win_rate"], r["avg_deal_size"])
        assert got == (m["open_deals"], m["won"], m["lost"], m["win_rate"], m["avg_deal_size"])
        assert r["sales_cycle_days"] == m["sales_cycle_days"]


# -- owners: a period ----------------------------------------------------------------


def test_owners_in_a_period(history):
    # [2026-10-15, 2026-11-05). Won/lost/win rate/won value/size/cycle: deals
    # CLOSED in it: 1 won 10-21, 3 lost 10-15 (on since: in), 8 lost 11-01.
    # Out: 2 won 11-05 (on until: out), 4 won 11-12, 6 lost 10-09, 7 won 11-06,
    # 12 won 11-09. Open deals: open now, whatever the period.
    #
    # The matrix: sales deals CREATED in it: 4 (10-20), 5 (11-01), 8 (10-15, in),
    # 9 (11-03); not 11 (11-05, out), 3 (10-12). Won: 4 (after the period, but
    # the cohort's). Not won: 5 proposal, 8 demo, 9 negotiation.
    # Team reached: lead 4, qualified 4, contacted 4, demo 4, proposal 3, negotiation 2.
    team = conv(SALES, 100.0, 100.0, 100.0, 75.0, 66.67, 50.0)  # ... 3/4 2/3 won 1/2
    # anna: 4 won, 5 proposal: reached 2 2 2 2 2 1
    anna = conv(SALES, 100.0, 100.0, 100.0, 100.0, 50.0, 100.0)
    # ben: 8 demo, 9 negotiation, none won: reached 2 2 2 2 1 1
    ben = conv(SALES, 100.0, 100.0, 100.0, 50.0, 100.0, 0.0)
    nothing = conv(SALES, *[None] * 6)  # me: 11 and 13 were created after
    p = {"since": "2026-10-15T00:00", "until": "2026-11-05T00:00"}
    assert owners(history, *WINDOW) == [
        row("anna", "EUR", conversion=anna, team=team, **p),  # 4 won after the period
        row(
            "anna",
            "USD",
            open_deals=1,
            won=1,  # 1
            lost=1,  # 3
            win_rate=50.0,
            won_value=1000,
            avg=1000,
            cycle=20.0,
            conversion=anna,
            team=team,
            **p,
        ),
        row(
            "ben",
            "USD",
            open_deals=2,
            lost=1,  # 8
            win_rate=0.0,  # 0 / (0 + 1): a rate, not "nothing"
            conversion=ben,
            team=team,
            **p,
        ),
        row("cara", "USD", open_deals=1, conversion=NONE, team=team, **p),
        row("me", "EUR", open_deals=1, conversion=nothing, team=team, **p),
        row("me", "USD", open_deals=2, conversion=nothing, team=team, **p),
    ]


def test_owners_since_a_bare_offset_looks_back(history):
    # `--since 30d` is 30 days before 2026-11-23: 2026-10-24 00:00, as in the
    # other reports. Closed since: 2 won 11-05, 4 won 11-12, 7 won 11-06 12:00,
    # 8 lost 11-01, 12 won 11-09.
    got = {(r["owner"], r["currency"]): r for r in owners(history, "--since", "30d")}
    assert got["anna", "USD"]["since"] == "2026-10-24T00:00"
    assert [(k, r["won"], r["lost"], r["won_value"]) for k, r in got.items()] == [
        (("anna", "EUR"), 1, 0, 900),
        (("anna", "USD"), 1, 0, 3500),
        (("ben", "USD"), 1, 1, 1200),
        (("cara", "USD"), 0, 0, 0),
        (("me", "EUR"), 0, 0, 0),
        (("me", "USD"), 1, 0, 700),
    ]


# -- owners: narrowed by pipeline and owner ----------------------------------------------


def test_owners_of_one_pipeline(history):
    # renewals holds 12 (me, won), 14 (me, open in quote), 15 (cara, open in ask).
    # Matrix: won 1 (12); not won: 14 quote, 15 ask. Reached: ask 3, quote 2, signed 1.
    team = conv(RENEWALS, 66.67, 50.0, 100.0)  # 2/3, 1/2, won 1/1
    assert owners(history, "--pipeline", "renewals") == [
        row("cara", "USD", open_deals=1, conversion=conv(RENEWALS, 0.0, None, None), team=team),
        row(
            "me",
            "USD",
            open_deals=1,  # 14
            won=1,  # 12
            win_rate=100.0,
            won_value=700,
            avg=700,
            cycle=7.0,
            conversion=conv(RENEWALS, 100.0, 50.0, 100.0),  # reached 2, 2, 1
            team=team,
        ),
    ]
    # sales alone: as all time, without 12, 14 and 15 (cara has no row at all)
    everything = owners(history)
    sales = owners(history, "--pipeline", "sales")
    assert [r["owner"] for r in sales] == ["anna", "anna", "ben", "me", "me"]
    assert sales[:4] == [everything[i] for i in (0, 1, 2, 4)]  # anna ×2, ben, me EUR
    assert sales[4] == row("me", "USD", open_deals=1, conversion=ME, team=TEAM)  # 13 only


def test_owners_of_one_owner(history):
    # --owner narrows the rows to that owner (matched in any case)
    rows = owners(history, "--owner", "ANNA")
    assert [(r["owner"], r["currency"], r["won"], r["lost"]) for r in rows] == [
        ("anna", "EUR", 1, 0),
        ("anna", "USD", 2, 1),
    ]
    assert all(r["conversion_to_next"] == ANNA for r in rows)
    assert report(history, "owners", "--owner", "anna", "--pipeline", "renewals") == []
    one_error(history("report", "owners", "--owner", "nobody"), 1, "no deal has owner 'nobody'")
    rows = owners(history, "--owner", "anna", "--owner", "Ben")
    assert sorted({r["owner"] for r in rows}) == ["anna", "ben"]


def test_owners_of_one_owner_are_still_compared_with_the_team(history):
    (eur, usd) = owners(history, "--owner", "anna")
    assert eur["team_conversion_to_next"] == usd["team_conversion_to_next"] == TEAM
    run = history("report", "owners", "--owner", "anna")
    matrix = cells(run.stdout.split("\n\n")[1].split("\n", 1)[1])
    assert matrix[1] == ["lead", "75%", "100% (+25)"]


# -- owners: the table ------------------------------------------------------------------


def test_owners_table_piped_is_plain_and_shows_the_figures(history):
    run = history("report", "owners")
    assert run.exit_code == 0, run.stderr
    assert "\x1b[" not in run.stdout  # no colour codes when not a terminal
    # the figures, a blank line, the matrix, a blank line, the best converters
    figures, matrix, best = run.stdout.split("\n\n")
    assert cells(figures) == [
        ["Owner", "Open", "Won", "Lost", "Win rate", "Won value", "Avg deal", "Cycle"],
        ["anna", "0", "1", "0", "100.0%", "900.00 EUR", "900.00 EUR", "23.0 days"],
        ["anna", "1", "2", "1", "66.7%", "4,500.00 USD", "2,250.00 USD", "25.5 days"],
        ["ben", "2", "1", "2", "33.3%", "1,200.00 USD", "1,200.00 USD", "29.5 days"],
        ["cara", "1", "0", "0", "–", "0.00 USD", "–", "–"],
        ["me", "1", "0", "0", "–", "0.00 EUR", "–", "–"],
        ["me", "2", "1", "0", "100.0%", "700.00 USD", "700.00 USD", "7.0 days"],
    ]
    heading_line, *matrix_lines = matrix.splitlines()
    assert heading_line == (
        "Conversion to the next stage, sales (owner, and points above or below the team)"
    )
    # the owner's rate rounded, and owner − team in points (from the 2-decimal rates)
    assert cells("\n".join(matrix_lines)) == [
        ["Stage", "team", "anna", "ben", "me"],  # cara: no deal in sales
        ["lead", "75%", "100% (+25)", "60% (-15)", "50% (-25)"],
        # 80 − 77.78 = +2.22; 100 − 77.78 = +22.22; 0 − 77.78 = −77.78
        ["qualified", "78%", "80% (+2)", "100% (+22)", "0% (-78)"],
        ["contacted", "100%", "100% (+0)", "100% (+0)", "–"],
        # 100 − 85.71 = +14.29; 66.67 − 85.71 = −19.04
        ["demo", "86%", "100% (+14)", "67% (-19)", "–"],
        # 75 − 83.33 = −8.33; 100 − 83.33 = +16.67
        ["proposal", "83%", "75% (-8)", "100% (+17)", "–"],
        ["negotiation", "80%", "100% (+20)", "50% (-30)", "–"],
    ]
    heading_line, *best_lines = best.splitlines()
    assert (
        heading_line == "Best converter at each stage (at least 10 deals reached it: --min-deals)"
    )
    assert cells("\n".join(best_lines))[1] == ["lead", "–", "too few"]


# -- owners: each stage's best converter ------------------------------------------------
# Deals that reached each stage of "sales" (then won), from the history above:
#   anna 5 5 4 4 4 3, won 3 (3 lost in qualified, 5 open in proposal)
#   ben  5 3 3 3 2 2, won 1 (6 lost in lead, 10 open in lead, 8 lost in demo, 9 open in
#        negotiation)
#   me   2 1 0 0 0 0, won 0 (13 in lead, 11 in qualified)


def best(funnel, *args: str) -> dict[str, object]:
    rows = report(funnel, "owners", "--pipeline", "sales", *args)
    assert len({json.dumps(r["best_converter"]) for r in rows}) == 1  # the same in every row
    assert {r["best_converter_min_deals"] for r in rows} == {int(args[-1]) if args else 10}
    return rows[0]["best_converter"]


def test_best_converter_by_hand(history):
    assert best(history, "--min-deals", "1") == {
        # anna 5/5 = 100 %, ben 3/5 = 60 %, me 1/2 = 50 %
        "lead": {"owners": ["anna"], "conversion": 100.0, "reached": [5]},
        # ben 3/3 = 100 %, anna 4/5 = 80 %, me 0/1
        "qualified": {"owners": ["ben"], "conversion": 100.0, "reached": [3]},
        # anna 4/4 and ben 3/3: both 100 %, both named, by name
        "contacted": {"owners": ["anna", "ben"], "conversion": 100.0, "reached": [4, 3]},
        "demo": {"owners": ["anna"], "conversion": 100.0, "reached": [4]},  # ben 2/3
        "proposal": {"owners": ["ben"], "conversion": 100.0, "reached": [2]},  # anna 3/4
        "negotiation": {"owners": ["anna"], "conversion": 100.0, "reached": [3]},  # ben 1/2
    }
    # at least 4 deals: ben counts at lead only, so anna is the best wherever she counts;
    # at negotiation nobody has 4
    assert best(history, "--min-deals", "4") == {
        "lead": {"owners": ["anna"], "conversion": 100.0, "reached": [5]},
        "qualified": {"owners": ["anna"], "conversion": 80.0, "reached": [5]},
        "contacted": {"owners": ["anna"], "conversion": 100.0, "reached": [4]},
        "demo": {"owners": ["anna"], "conversion": 100.0, "reached": [4]},
        "proposal": {"owners": ["anna"], "conversion": 75.0, "reached": [4]},
        "negotiation": None,
    }
    # the default, 10: too few deals anywhere
    assert set(best(history).values()) == {None}


def test_best_converter_table_and_errors(history):
    run = history("report", "owners", "--pipeline", "sales", "--min-deals", "4")
    table = cells(run.stdout.split("\n\n")[2].split("\n", 1)[1])
    assert table[0] == ["Stage", "Best", "Conversion", "Deals"]
    assert table[2] == ["qualified", "anna", "80%", "5"]
    assert table[-1] == ["negotiation", "–", "too few"]
    one_error(history("report", "owners", "--min-deals", "-1"), 1, "--min-deals can't be negative")


FUNNEL = shutil.which("funnel") or str(Path(sys.executable).with_name("funnel"))


def in_a_terminal(*args: str) -> str:
    """`funnel ARGS…` with stdout on a pseudo-terminal (120 columns, NO_COLOR)."""
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm-256color", "NO_COLOR": "1"}
    code, out, err = run_on_a_terminal([FUNNEL, *args], env)
    assert (code, err) == (0, b"")
    return out


@pytest.mark.slow
def test_owners_and_forecast_in_a_terminal(history):
    # at a terminal the tables are rich's (ruled), with the same figures
    text = in_a_terminal("report", "owners")
    assert "─" in text
    assert re.search(r"anna +1 +2 +1 +66\.7% +4,500\.00 USD +2,250\.00 USD +25\.5 days", text)
    assert re.search(r"lead +75% +100% \(\+25\) +60% \(-15\) +50% \(-25\)", text)
    text = in_a_terminal("report", "forecast", "--by", "quarter", "--goal", "10000")
    assert re.search(r"2026-Q4 +2 +6,000\.00 USD +2,500\.00 USD", text)
    assert re.search(r"no date +2 +700\.00 USD +115\.00 USD", text)
    assert "gap 5,385.00 USD" in text and "needs 9,423.75 USD more" in text


def test_owners_csv_and_jsonl_are_the_json_records(history):
    records = report(history, "owners")
    jsonl = history("report", "owners", "--format", "jsonl")
    assert jsonl.exit_code == 0
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == records
    csv_run = history("report", "owners", "--format", "csv")
    assert csv_run.exit_code == 0
    got = list(csv.DictReader(io.StringIO(csv_run.stdout)))
    assert [(r["owner"], r["currency"], r["won_value"], r["win_rate"]) for r in got] == [
        ("anna", "EUR", "900", "100.0"),
        ("anna", "USD", "4500", "66.67"),
        ("ben", "USD", "1200", "33.33"),
        ("cara", "USD", "0", ""),
        ("me", "EUR", "0", ""),
        ("me", "USD", "700", "100.0"),
    ]


def test_owner_names_differing_in_case_are_one_owner(funnel):
    for args in (
        ("add", "X", "--owner", "Anna", "--value", "100", "--at", "2026-10-01"),
        ("won", "1", "--at", "2026-10-05"),
        ("add", "Y", "--owner", "anna", "--value", "100", "--at", "2026-10-01"),
        ("lost", "2", "--reason", "x", "--at", "2026-10-05"),
    ):
        assert funnel(*args).exit_code == 0
    rows = owners(funnel)
    # One person, as --owner treats names (case ignored), shown with the first
    # spelling in sort order: won 1 (X), lost 1 (Y); lead → qualified 1 / 2.
    assert len(rows) == 1
    assert rows[0]["owner"] == "Anna"
    assert (rows[0]["won"], rows[0]["lost"]) == (1, 1)
    assert rows[0]["conversion_to_next"]["lead"] == 50.0


def test_touches_per_win_are_counted_per_owner_and_currency(funnel, monkeypatch):
    """The owners' metrics count each owner's and currency's touches up to the
    win: the records the report is made of, as the owners table shows no
    touches. Both ways of counting them, on either engine: a subquery of
    metric_counts() (SQLite's) or a statement of their own (PostgreSQL's)."""
    from datetime import datetime

    from funnelcli.store import reports as store_reports
    from funnelcli.store.reports import ReportStore, Window

    for args in (
        ("add", "X", "--owner", "Anna", "--value", "100", "--at", "2026-10-01"),
        ("log", "1", "call", "--no-next", "--at", "2026-10-02"),
        ("log", "1", "note", "internal", "--no-next", "--at", "2026-10-03"),
        ("log", "1", "email", "--no-next", "--at", "2026-10-04"),
        ("won", "1", "--at", "2026-10-05"),
        ("add", "Y", "--owner", "anna", "--value", "100", "--at", "2026-10-01"),
        ("won", "2", "--at", "2026-10-06"),
        ("add", "Z", "--owner", "anna", "--currency", "EUR", "--at", "2026-10-01"),
        ("log", "3", "meeting", "--no-next", "--at", "2026-10-02"),
        ("won", "3", "--at", "2026-10-07"),
        ("add", "P", "--owner", "a|b", "--at", "2026-10-01"),  # the key's separator
        ("log", "4", "call", "--no-next", "--at", "2026-10-02"),
        ("log", "4", "call", "--no-next", "--at", "2026-10-03"),
        ("won", "4", "--at", "2026-10-08"),
        ("add", "Q", "--owner", "ben", "--at", "2026-10-01"),
        ("log", "5", "call", "--no-next", "--at", "2026-10-02"),
        ("lost", "5", "--reason", "x", "--at", "2026-10-09"),  # not won: not counted
    ):
        ok(funnel, *args)
    store = open_store(for_write=False, now=datetime(2026, 11, 23, 10, 15))
    in_oct = Window(since="2026-10-06T00:00:00Z", until="2026-10-08T00:00:00Z")
    counted = {}
    try:
        for apart in (False, True):
            monkeypatch.setattr(store_reports, "scans_in_parallel", lambda conn, a=apart: a)
            with store.read():
                reports = ReportStore(store.conn)
                counted[apart] = (
                    reports.metric_counts(Window(), by_owner=True),
                    reports.metric_counts(in_oct),
                )
    finally:
        store.close()
    assert counted[False] == counted[True]
    by_owner, one_window = counted[True]
    # Anna and anna are one owner: USD 1 (call, email; the note isn't a
    # touch) and 2 (none); EUR 3 (meeting; spelt anna there); a|b USD 4 (two
    # calls); ben none
    assert sorted((c.currency, c.won, c.won_touches) for c in by_owner) == [
        ("Anna|USD", 2, 2),
        ("anna|EUR", 1, 1),
        ("a|b|USD", 1, 2),
        ("ben|USD", 0, 0),
    ]
    # won in [10-06, 10-08): 2 (USD, none) and 3 (EUR, a meeting)
    assert [(c.currency, c.won, c.won_touches) for c in one_window] == [
        ("EUR", 1, 1),
        ("USD", 1, 0),
    ]


def test_owners_bad_input(history):
    for args, message in (
        (("--since", "2026-11-05", "--until", "2026-10-15"), "--since must be before --until"),
        (("--since", "nonsense"), "--since: can't read 'nonsense' as a date"),
        (("--pipeline", "nope"), "no pipeline 'nope'; pipelines: sales, renewals"),
    ):
        run = history("report", "owners", *args)
        assert run.exit_code == 1, args
        assert run.stdout == ""
        assert len(run.stderr.splitlines()) == 1
        assert run.stderr.startswith("funnel: error: " + message), run.stderr


# -- forecast ------------------------------------------------------------------------------
# Open deals, by expected close. Weighted = value × the deal's own probability if
# set, else its current stage's. Closed deals are out (1, expected 2026-10-31, won).
#   5  USD 5,000     2026-12-10  × 40 % (its own; proposal would be 65 %) = 2,000
#   9  USD 2,500     2027-01-15  × 80 % (negotiation)                     = 2,000
#  10  USD 400       none        × 10 % (lead)                            = 40
#  11  EUR 1,500.50  2026-12-20  × 20 % (qualified)                       = 300.10
#  13  USD no value  2027-02-03  × 10 %                                   = 0
#  14  USD 1,000     2026-11-30  × 50 % (renewals quote)                  = 500
#  15  USD 300       none        × 25 % (renewals ask)                    = 75

BY_MONTH = [
    period("2026-11", 1, 1000, 500),  # 14 (due already, still open: counted)
    period("2026-12", 1, 1500.5, 300.1, "EUR"),  # 11, apart from the dollars
    period("2026-12", 1, 5000, 2000),  # 5
    period("2027-01", 1, 2500, 2000),  # 9
    period("2027-02", 1, 0, 0),  # 13: a deal, with no value
    period(None, 2, 700, 115),  # 10 + 15: 400 + 300; 40 + 75 (last, period null)
]


def test_forecast_by_month(history):
    assert forecast(history) == BY_MONTH
    assert forecast(history, "--by", "month") == BY_MONTH


def test_forecast_by_quarter(history):
    assert forecast(history, "--by", "quarter") == [
        period("2026-Q4", 1, 1500.5, 300.1, "EUR"),  # 11
        period("2026-Q4", 2, 6000, 2500),  # 14 (Nov) + 5 (Dec): 1,000 + 5,000; 500 + 2,000
        period("2027-Q1", 2, 2500, 2000),  # 9 (Jan) + 13 (Feb)
        period(None, 2, 700, 115),
    ]


def test_forecast_weighted_follows_the_stage_unless_the_deal_overrides(history):
    # negotiation 80 % → 90 %: 9 is 2,500 × 90 % = 2,250; 5 keeps its own 40 %
    # though proposal goes 65 % → 70 %
    for stage, pct in (("negotiation", "90"), ("proposal", "70")):
        assert history("stage", "set", stage, "--probability", pct).exit_code == 0
    got = forecast(history)
    assert got[2] == period("2026-12", 1, 5000, 2000)
    assert got[3] == period("2027-01", 1, 2500, 2250)
    # an override of 0 % counts as 0, not as "unset"
    assert history("edit", "9", "--probability", "0").exit_code == 0
    assert forecast(history)[3] == period("2027-01", 1, 2500, 0)


def test_forecast_narrowed(history):
    # expected close in [2026-12-10, 2027-01-15): 5 (on since: in), 11; not 9
    # (on until: out), 14, 13. Deals with no date stay in, counted apart.
    assert forecast(history, "--since", "2026-12-10", "--until", "2027-01-15") == [
        BY_MONTH[1],
        BY_MONTH[2],
        BY_MONTH[5],
    ]
    # relative dates look ahead here: --until 30d is 2026-12-23 (expected close
    # before it: 14, 5, 11)
    assert forecast(history, "--until", "30d") == [*BY_MONTH[:3], BY_MONTH[5]]
    assert forecast(history, "--pipeline", "renewals") == [
        period("2026-11", 1, 1000, 500),  # 14
        period(None, 1, 300, 75),  # 15
    ]
    assert forecast(history, "--owner", "me") == [BY_MONTH[0], BY_MONTH[1], BY_MONTH[4]]
    assert forecast(history, "--owner", "cara") == [period(None, 1, 300, 75)]


def test_forecast_counts_slipped_deals_apart(history, at):
    # on 15 December 14 (expected 2026-11-30) and 5 (2026-12-10) should have
    # closed and haven't: slipped, apart from the periods; 11 (12-20) is due
    at("2026-12-15T09:00")
    slipped = period("slipped", 2, 6000, 2500)  # 1,000 + 5,000; 500 + 2,000
    assert forecast(history) == [BY_MONTH[1], BY_MONTH[3], BY_MONTH[4], slipped, BY_MONTH[5]]
    assert forecast(history, "--by", "quarter") == [
        period("2026-Q4", 1, 1500.5, 300.1, "EUR"),  # 11
        period("2027-Q1", 2, 2500, 2000),  # 9 + 13
        slipped,
        period(None, 2, 700, 115),
    ]
    # the day itself is not past: 5 on 10 December is due, not slipped
    at("2026-12-10T09:00")
    assert forecast(history)[:2] == [BY_MONTH[1], BY_MONTH[2]]
    assert period("slipped", 1, 1000, 500) in forecast(history)  # 14 alone
    run = history("report", "forecast")
    assert ["slipped", "1", "1,000.00", "USD", "500.00", "USD"] in [
        line.split() for line in run.stdout.splitlines()
    ]


def test_forecast_table_piped(history):
    run = history("report", "forecast", "--by", "quarter")
    assert run.exit_code == 0, run.stderr
    assert cells(run.stdout) == [
        ["Period", "Deals", "Value", "Weighted"],
        ["2026-Q4", "1", "1,500.50 EUR", "300.10 EUR"],
        ["2026-Q4", "2", "6,000.00 USD", "2,500.00 USD"],
        ["2027-Q1", "2", "2,500.00 USD", "2,000.00 USD"],
        ["no date", "2", "700.00 USD", "115.00 USD"],
    ]


# -- forecast --goal ------------------------------------------------------------------------
# The code's definition (services/team.py forecast_report): in the goal's
# currency, weighted = Σ weighted value of the rows shown (dated or not);
# gap = max(goal − weighted, 0); win rate = won ÷ (won + lost) over ALL TIME in
# the --pipeline/--owner scope; pipeline needed = gap ÷ win rate: the open value
# that, converting at the usual rate, brings in the missing expected revenue.
#
# USD weighted: 500 + 2,000 + 2,000 + 0 + 40 + 75 = 4,615.
# USD win rate (every pipeline): won 1, 2, 7, 12 = 4; lost 3, 6, 8 = 3: 4 / 7.


def goal(funnel, *args: str) -> dict[str, object]:
    got = report(funnel, "forecast", *args)
    assert isinstance(got, dict)
    got["periods"] = [_forecast_row(r) for r in got["periods"]]
    return got


def test_forecast_goal(history):
    assert goal(history, "--goal", "10000") == {
        "periods": BY_MONTH,
        "goal": 10000,
        "weighted_value": 4615,
        "gap": 5385,  # 10,000 − 4,615
        "win_rate": 57.14,  # 4 / 7 = 57.142857 %
        "pipeline_needed": 9423.75,  # 5,385 ÷ (4 / 7) = 5,385 × 7 / 4 = 37,695 / 4
        "currency": "USD",
    }


def test_forecast_goal_table(history):
    run = history("report", "forecast", "--goal", "10,000")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert cells("\n".join(lines[:-2]))[-1] == ["no date", "2", "700.00 USD", "115.00 USD"]
    assert lines[-2:] == [
        "goal 10,000.00 USD; weighted pipeline 4,615.00 USD; gap 5,385.00 USD",
        "at the current win rate (57.1%) that needs 9,423.75 USD more in open deals",
    ]


def test_forecast_goal_in_another_currency(history):
    # EUR: weighted 300.10 (11); win rate: 4 won, nothing lost = 100 %
    got = goal(history, "--goal", "2000 EUR")
    assert {k: v for k, v in got.items() if k != "periods"} == {
        "goal": 2000,
        "weighted_value": 300.1,
        "gap": 1699.9,  # 2,000 − 300.10
        "win_rate": 100.0,
        "pipeline_needed": 1699.9,  # 1,699.90 ÷ 1
        "currency": "EUR",
    }


def test_forecast_goal_narrowed(history):
    # ben: 9 (2,000 weighted) and 10 (40): 2,040; win rate 1 won (7), 2 lost
    # (6, 8) = 1 / 3. Gap 3,000 − 2,040 = 960; needed 960 ÷ (1 / 3) = 2,880.
    got = goal(history, "--owner", "ben", "--goal", "3000")
    assert got == {
        "periods": [period("2027-01", 1, 2500, 2000), period(None, 1, 400, 40)],
        "goal": 3000,
        "weighted_value": 2040,
        "gap": 960,
        "win_rate": 33.33,
        "pipeline_needed": 2880,
        "currency": "USD",
    }
    # December only: 5 (2,000) + the undated 10 and 15 (115) = 2,115;
    # gap 10,000 − 2,115 = 7,885; × 7 / 4 = 13,798.75
    got = goal(history, "--since", "2026-12-01", "--until", "2027-01-01", "--goal", "10000")
    assert (got["weighted_value"], got["gap"], got["pipeline_needed"]) == (2115, 7885, 13798.75)


def test_forecast_goal_already_met(history):
    got = goal(history, "--goal", "4000")  # 4,615 weighted ≥ 4,000
    assert (got["gap"], got["pipeline_needed"], got["win_rate"]) == (0, 0, 57.14)


def test_forecast_goal_without_a_win_rate(funnel):
    # nothing closed: no rate, so no "pipeline needed"
    assert funnel("add", "Open", "--value", "1000", "--expected-close", "2026-12-01").exit_code == 0
    got = goal(funnel, "--goal", "5000")
    assert {k: v for k, v in got.items() if k != "periods"} == {
        "goal": 5000,
        "weighted_value": 100,  # 1,000 × 10 % (lead)
        "gap": 4900,
        "win_rate": None,
        "pipeline_needed": None,
        "currency": "USD",
    }
    # everything lost: a 0 % win rate, and no amount of pipeline closes the gap
    assert funnel("add", "Gone", "--value", "50", "--at", "2026-11-01").exit_code == 0
    assert funnel("lost", "2", "--reason", "x").exit_code == 0
    got = goal(funnel, "--goal", "5000")
    assert (got["gap"], got["win_rate"], got["pipeline_needed"]) == (4900, 0.0, None)


# -- forecast: bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--by", "week"), 2, "--by must be month or quarter, not 'week'"),
        (("--goal", "abc"), 1, "can't read 'abc' as an amount"),
        (("--goal", "-5"), 1, "amounts can't be negative: '-5'"),
        (("--since", "nonsense"), 1, "--since: can't read 'nonsense' as a date"),
        (("--pipeline", "nope"), 1, "no pipeline 'nope'; pipelines: sales, renewals"),
        (("--goal", "5", "--format", "csv"), 2, "--format csv is for lists"),
    ],
)
def test_forecast_bad_input(history, args, code, message):
    run = history("report", "forecast", *args)
    assert run.exit_code == code
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1
    assert run.stderr.startswith("funnel: error: " + message), run.stderr


def test_forecast_since_after_until_is_an_error(history):
    run = history("report", "forecast", "--since", "2027-01-01", "--until", "2026-12-01")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr == "funnel: error: --since must be before --until\n"


# -- nothing at all ------------------------------------------------------------------------


def test_empty_database(funnel, fresh):
    assert report(funnel, "owners", quiet=False) == []
    assert report(funnel, "forecast", quiet=False) == []
    assert report(funnel, "forecast", "--by", "quarter", quiet=False) == []
    for kind in ("owners", "forecast"):
        run = funnel("report", kind)
        assert (run.exit_code, run.stdout) == (0, "")  # cron mails nothing
    assert report(funnel, "forecast", "--goal", "100", quiet=False) == {
        "periods": [],
        "goal": 100,
        "weighted_value": 0,
        "gap": 100,
        "win_rate": None,
        "pipeline_needed": None,
        "currency": "USD",
    }
    assert not fresh.exists()  # a report creates no database
