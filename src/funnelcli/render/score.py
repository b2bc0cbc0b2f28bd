"""The priority score as `list --sort score [--explain]`, `show` and `due`
write it: the score in money, and each part with what it makes of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from funnelcli.render.output import Column
from funnelcli.render.views import DEAL_COLUMNS

if TYPE_CHECKING:
    from funnelcli.models import Deal
    from funnelcli.services.score import Score

FACTOR_DIGITS = 4  # JSON's factors; the score itself is the store's, to the cent


def _money(minor: float | None, currency: str) -> str:
    if minor is None:
        return ""
    from funnelcli.money import format_amount

    return format_amount(round(minor), currency)


def _major(minor: float | None, currency: str) -> int | float | None:
    if minor is None:
        return None
    from funnelcli.money import to_major

    return to_major(round(minor), currency)


def score_text(s: Score) -> str:
    return _money(s.score, s.currency) or "no value"


def idle_text(s: Score) -> str:
    return f"{s.idle_days}/{s.rot_days}d ×{s.idle_factor:.2f}"


def overdue_text(s: Score) -> str:
    return f"{s.days_overdue}d ×{s.overdue_factor:.2f}"


def touches_text(s: Score) -> str:
    return f"{s.touches} ×{s.touch_factor:.2f}"


def explain_line(s: Score) -> str:
    """The sum a seller can redo: `2,880.00 EUR × 1.60 × 1.40 × 1.60 = …`."""
    head = (
        f"{_money(s.value, s.currency)} × {s.probability}% = "
        f"{_money(s.expected_value, s.currency)} expected"
        if s.value is not None
        else "no value, no expected value"
    )
    return (
        f"{head}; × idle {s.idle_factor:.2f} ({s.idle_days} of {s.rot_days} rot days)"
        f" × overdue {s.overdue_factor:.2f} ({s.days_overdue} days)"
        f" × touches {s.touch_factor:.2f} ({s.touches} of 5)"
        f" = {score_text(s)}"
    )


def parts_record(s: Score) -> dict[str, Any]:
    return {
        "expected_value": _major(s.expected_value, s.currency),
        "probability": s.probability,
        "idle_days": s.idle_days,
        "rot_days": s.rot_days,
        "idle_factor": round(s.idle_factor, FACTOR_DIGITS),
        "days_overdue": s.days_overdue,
        "overdue_factor": round(s.overdue_factor, FACTOR_DIGITS),
        "touches": s.touches,
        "touch_factor": round(s.touch_factor, FACTOR_DIGITS),
        "urgency": round(s.urgency, FACTOR_DIGITS),
    }


def score_fields(s: Score | None, explain: bool) -> dict[str, Any]:
    """`score` (money in major units, the deal's currency; None without a
    value or for a closed deal), and with `explain` its `score_parts`."""
    fields: dict[str, Any] = {"score": None if s is None else _major(s.score, s.currency)}
    if explain:
        fields["score_parts"] = None if s is None else parts_record(s)
    return fields


def _of_deal(c: Column[Deal]) -> Column[tuple[Deal, Score]]:
    """A deal column over (deal, score) pairs."""
    return Column(c.header, lambda ds: c.cell(ds[0]), c.justify, c.style, c.cut, c.drop, c.least)


def ranked_columns(explain: bool) -> list[Column[tuple[Deal, Score]]]:
    """list's columns, with the score (and with `explain` its parts) after Value."""
    cols = [_of_deal(c) for c in DEAL_COLUMNS]
    at = next(i for i, c in enumerate(cols) if c.header == "Value") + 1
    extra: list[Column[tuple[Deal, Score]]] = [
        Column("Score", lambda ds: score_text(ds[1]), "right", "bold green")
    ]
    if explain:
        extra += [
            Column("Expected", lambda ds: _money(ds[1].expected_value, ds[1].currency), "right"),
            Column("Idle", lambda ds: idle_text(ds[1]), "right"),
            Column("Overdue", lambda ds: overdue_text(ds[1]), "right"),
            Column("Touches", lambda ds: touches_text(ds[1]), "right"),
        ]
    return cols[:at] + extra + cols[at:]
