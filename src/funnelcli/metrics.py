"""The report definitions of PRODUCT.md as pure arithmetic on counted figures.

The store counts (one aggregate pass); these functions turn counts into the
numbers a report shows, so each is testable on a hand-made case.
"""

from __future__ import annotations


def percent(part: float, whole: float, ndigits: int | None = 2) -> float | None:
    """part ÷ whole × 100, or None when there is nothing to divide by; rounded
    for display unless `ndigits` is None (for figures computed from it)."""
    if not whole:
        return None
    value = 100.0 * part / whole
    return value if ndigits is None else round(value, ndigits)


def mean(total: float, count: int) -> float | None:
    return None if not count else total / count


def win_rate(won: int, lost: int, ndigits: int | None = 2) -> float | None:
    """won ÷ (won + lost) × 100, over deals closed in the period."""
    return percent(won, won + lost, ndigits)


def sales_velocity(
    open_deals: int,
    avg_deal_size: float | None,
    win_rate_pct: float | None,
    cycle_days: float | None,
) -> float | None:
    """Revenue per day: open deals × average deal size × win rate ÷ sales cycle."""
    if avg_deal_size is None or win_rate_pct is None or not cycle_days:
        return None
    return open_deals * avg_deal_size * (win_rate_pct / 100.0) / cycle_days


def reached_by_stage(furthest_counts: list[int], won: int) -> list[int]:
    """Deals that reached each stage: their furthest stage is it or a later one,
    or they were won. `furthest_counts[i]` counts non-won deals whose furthest
    stage is stage i (stages in pipeline order)."""
    reached = []
    running = won
    for count in reversed(furthest_counts):
        running += count
        reached.append(running)
    return list(reversed(reached))


def stage_conversions(reached: list[int], won: int) -> list[float | None]:
    """reached(next) ÷ reached(S) × 100; after the last stage, "next" is won."""
    if not reached:  # a pipeline without stages
        return []
    nexts = [*reached[1:], won]
    return [percent(n, r) for r, n in zip(reached, nexts, strict=True)]
