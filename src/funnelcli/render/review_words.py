"""What the review's HTML and Markdown both say: the title, the headline
figures, the period and the scope in words (plain text: each format escapes
it its own way)."""

from __future__ import annotations

from typing import Any

from funnelcli.render.review_text import day

TITLE = "Weekly review"
# (label, the report metrics JSON key, unit)
HEADLINE = [
    ("Won value", "won_value", "money"),
    ("Win rate", "win_rate", "%"),
    ("Won", "won", ""),
    ("Lost", "lost", ""),
    ("Open deals", "open_deals", ""),
    ("Open value", "open_value", "money"),
    ("Weighted value", "weighted_value", "money"),
    ("Avg deal size", "avg_deal_size", "money"),
    ("Sales cycle", "sales_cycle_days", "days"),
    ("Lost value", "lost_value", "money"),
]


def period_words(p: dict[str, Any]) -> str:
    since, until = p["since"], p["until"]
    if since is None and until is None:
        return "All time"
    start = "the beginning" if since is None else day(since)
    end = "now" if until is None else f"{day(until)} (not included)"
    return f"From {start} to {end}"


def scope_words(p: dict[str, Any]) -> list[str]:
    """The scope, a line each: which pipeline counts where, and the filters."""
    lines = []
    if p["all_pipelines"]:  # and there are several
        lines.append(
            f"Figures over every pipeline; the funnel and the stage matrix: {p['pipeline']}"
        )
    if p["owners_asked"]:
        lines.append("Owner: " + ", ".join(p["owners_asked"]))
    if p["tags"]:
        lines.append("Tags: " + ", ".join(p["tags"]))
    if p["fields"]:
        lines.append("Fields: " + ", ".join(p["fields"]))
    return lines


def funnel_words(p: dict[str, Any]) -> str | None:
    """What the funnel counts, said when a period makes it differ from the
    headline: the deals created in the period (the funnel report's cohort),
    where the headline counts the deals closed in it."""
    if p["since"] is None and p["until"] is None:
        return None
    return (
        "The deals created in the period, by how far they got; the headline counts "
        "the deals closed in it, so their won and lost can differ."
    )


def lost_name(group: str | None) -> str:
    return "(no reason)" if group is None else group
