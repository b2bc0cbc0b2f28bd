"""The report arithmetic of funnelcli.metrics, case by case, against values
worked out by hand (the working is in each row's comment)."""

from __future__ import annotations

import pytest

from funnelcli import metrics


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (3, 5, 60.0),  # 3 / 5 × 100
        (2, 3, 66.67),  # 66.666… rounded to 2 decimals
        (1, 3, 33.33),  # 33.333…
        (1, 6, 16.67),  # 16.666…
        (5, 5, 100.0),
        (0, 7, 0.0),  # nothing won of 7 is 0 %, not "nothing to count"
        (0, 0, None),  # nothing to divide by
        (1, 0, None),
        (7, 4, 175.0),  # more than whole: arithmetic, not clamped
        (1, 8, 12.5),
        (0.5, 2, 25.0),  # floats too
    ],
)
def test_percent(part, whole, expected):
    assert metrics.percent(part, whole) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (2, 3, 200 / 3),  # unrounded when asked: 66.666…
        (1, 8, 12.5),
        (0, 3, 0.0),
        (1, 0, None),
    ],
)
def test_percent_unrounded(part, whole, expected):
    assert metrics.percent(part, whole, ndigits=None) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        (73, 4, 18.25),  # (20 + 28 + 21 + 4) days / 4 won deals
        (4100, 3, 4100 / 3),  # not rounded: 1366.666…
        (0, 5, 0.0),
        (10.5, 1, 10.5),
        (0, 0, None),  # nothing to average
        (12, 0, None),
    ],
)
def test_mean(total, count, expected):
    assert metrics.mean(total, count) == expected


@pytest.mark.parametrize(
    ("won", "lost", "expected"),
    [
        (3, 2, 60.0),  # 3 / (3 + 2) × 100
        (4, 2, 66.67),  # 4 / 6 = 66.666…
        (1, 1, 50.0),
        (1, 0, 100.0),  # won everything closed
        (0, 3, 0.0),  # lost everything closed
        (0, 0, None),  # nothing closed: no win rate
        (4238, 2473, 63.15),  # Maven CRM: 4238 / 6711 = 63.150…
    ],
)
def test_win_rate(won, lost, expected):
    assert metrics.win_rate(won, lost) == expected


def test_win_rate_unrounded():
    assert metrics.win_rate(2, 1, ndigits=None) == pytest.approx(200 / 3)
    assert metrics.win_rate(0, 0, ndigits=None) is None


@pytest.mark.parametrize(
    ("open_deals", "size", "rate", "cycle", "expected"),
    [
        # 3 open × 1,750 × 0.60 ÷ 23 days = 3,150 / 23 = 136.956…
        (3, 1750, 60.0, 23, 3150 / 23),
        # 5 open × 13,100 × 1.0 ÷ 21.43 days (the README's figure)
        (5, 13100, 100.0, 21.43, 65500 / 21.43),
        # 3 × 1,366.67 × 2/3 ÷ 18.25 = 2,733.33 / 18.25 = 149.77…
        (3, 4100 / 3, 200 / 3, 18.25, 149.7716894977169),
        (0, 2500, 50.0, 28, 0.0),  # no open deals: nothing flowing
        (4, 1000, 0.0, 10, 0.0),  # never wins: nothing flowing
        (4, None, 50.0, 10, None),  # no average deal size
        (4, 1000, None, 10, None),  # no win rate
        (4, 1000, 50.0, None, None),  # no sales cycle
        (4, 1000, 50.0, 0, None),  # a zero-day cycle can't be divided by
    ],
)
def test_sales_velocity(open_deals, size, rate, cycle, expected):
    got = metrics.sales_velocity(open_deals, size, rate, cycle)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("furthest", "won", "expected"),
    [
        # furthest per stage (not won): lead 0, qualified 3, contacted 0,
        # demo 1, proposal 1, negotiation 1; 3 won reach every stage.
        # negotiation 3+1=4, proposal 4+1=5, demo 5+1=6, contacted 6+0=6,
        # qualified 6+3=9, lead 9+0=9
        ([0, 3, 0, 1, 1, 1], 3, [9, 9, 6, 6, 5, 4]),
        ([2, 0, 0], 0, [2, 0, 0]),  # nobody got past the first stage
        ([0, 0, 0], 4, [4, 4, 4]),  # only wins: all reached everything
        ([1, 1, 1], 1, [4, 3, 2]),
        ([500, 2473 + 1589], 4238, [8800, 8300]),  # Maven CRM
        ([], 5, []),  # a pipeline without stages
        ([0, 0], 0, [0, 0]),
    ],
)
def test_reached_by_stage(furthest, won, expected):
    assert metrics.reached_by_stage(furthest, won) == expected


@pytest.mark.parametrize(
    ("reached", "won", "expected"),
    [
        # 9→9 100, 9→6 66.67, 6→6 100, 6→5 83.33, 5→4 80, 4→won 3 75
        ([9, 9, 6, 6, 5, 4], 3, [100.0, 66.67, 100.0, 83.33, 80.0, 75.0]),
        # 8800→8300 = 94.32 %, 8300→4238 won = 51.06 %
        ([8800, 8300], 4238, [94.32, 51.06]),
        ([2, 0, 0], 0, [0.0, None, None]),  # nothing reached: no conversion
        ([1], 1, [100.0]),  # the last stage converts to won
        ([], 0, []),
    ],
)
def test_stage_conversions(reached, won, expected):
    assert metrics.stage_conversions(reached, won) == expected
