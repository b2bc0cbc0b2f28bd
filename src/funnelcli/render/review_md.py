"""`funnel report review --format markdown`: the review's sections as
Markdown tables (GitHub-flavoured), for a chat or a wiki; a chart becomes a
text bar. User text through review_text.md: it can't split a cell, start a
link, an image or HTML."""

from __future__ import annotations

from typing import Any

from funnelcli.render.review_text import NONE, bar, figure, md, money, num, pct
from funnelcli.render.review_words import (
    HEADLINE,
    TITLE,
    funnel_words,
    lost_name,
    period_words,
    scope_words,
)


def _table(head: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """A table; `right`: the columns of figures, right-aligned."""
    rule = ["---:" if i in right else "---" for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _headline(p: dict[str, Any]) -> list[str]:
    if not p["metrics"]:
        return ["No deals in scope.", ""]
    head = ["Metric", *(rec["currency"] for rec in p["metrics"])]
    rows = [
        [label, *(figure(rec[key], unit, rec["currency"]) for rec in p["metrics"])]
        for label, key, unit in HEADLINE
    ]
    return _table(head, rows, set(range(1, len(head))))


def _funnel(p: dict[str, Any]) -> list[str]:
    f = p["funnel"]
    top = max([s["reached"] for s in f["stages"]] + [1])
    rows = [
        [
            md(s["stage"]),
            num(s["reached"]),
            bar(s["reached"], top),
            pct(s["conversion_to_next"]),
            num(s["dropped"]),
            num(s["open_count"]),
        ]
        for s in f["stages"]
    ]
    rows.append(["**won**", num(f["won"]), bar(f["won"], top), "", "", ""])
    rows.append(["**lost**", num(f["lost"]), bar(f["lost"], top), "", "", ""])
    head = ["Stage", "Reached", "", "→ next", "Dropped", "Open now"]
    words = funnel_words(p)
    return _table(head, rows, {1, 3, 4, 5}) + ([] if words is None else [md(words), ""])


def _trends(p: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    recs = p["trend"]
    currencies = list(dict.fromkeys(r["currency"] for r in recs))
    for cur in currencies:
        if len(currencies) > 1:
            lines += [f"**{md(cur)}**", ""]
        mine = [r for r in recs if r["currency"] == cur]
        top = max([r["won_value"] or 0 for r in mine] + [0])
        rows = [
            [
                md(r["period"]),
                num(r["new_deals"]),
                num(r["won"]),
                num(r["lost"]),
                money(r["won_value"], cur),
                bar(r["won_value"], top, 12),
                pct(r["win_rate"]),
                figure(r["sales_cycle_days"], "days", cur),
            ]
            for r in mine
        ]
        head = [p["per"].capitalize(), "New", "Won", "Lost", "Won value", "", "Win rate", "Cycle"]
        lines += _table(head, rows, {1, 2, 3, 4, 6, 7})
    return lines or ["No periods.", ""]


def _sellers(p: dict[str, Any]) -> list[str]:
    rows = [
        [
            md(o["owner"] or "(nobody)"),
            num(o["open_deals"]),
            num(o["won"]),
            num(o["lost"]),
            pct(o["win_rate"]),
            money(o["won_value"], o["currency"]),
            money(o["avg_deal_size"], o["currency"]),
            figure(o["sales_cycle_days"], "days", o["currency"]),
        ]
        for o in p["owners"]
    ]
    head = ["Seller", "Open", "Won", "Lost", "Win rate", "Won value", "Avg deal", "Cycle"]
    return _table(head, rows, set(range(1, 8))) if rows else ["No sellers.", ""]


def _matrix(p: dict[str, Any]) -> list[str]:
    m = p["matrix"]
    names = list(m["by_owner"])
    rows = []
    for i, stage in enumerate(m["stages"]):
        cells = [md(stage), pct(m["team"][i])]
        for name in names:
            values = m["by_owner"][name]
            cells.append(pct(values[i] if i < len(values) else None))
        best = m["best"][i]
        cells.append(", ".join(md(b) for b in best) if best else "too few")
        rows.append(cells)
    head = ["Stage → next", "Team", *(md(n) for n in names), "Best"]
    lines = _table(head, rows, set(range(1, len(names) + 2)))
    return [
        *lines,
        f"Best: the highest conversion among sellers with at least {m['min_deals']} deals "
        "that reached the stage.",
        "",
    ]


def _lost(p: dict[str, Any]) -> list[str]:
    groups = p["lost"]
    if not groups:
        return ["No deals lost in the period.", ""]
    top = max(g["lost"] for g in groups)
    rows = [
        [
            md(lost_name(g["group"])),
            num(g["lost"]),
            bar(g["lost"], top, 12),
            pct(g["share"]),
            ", ".join(money(v, c) for c, v in g["lost_value_by_currency"].items()) or NONE,
            md(", ".join(f"{k} {v}" for k, v in g["lost_in"].items())),
        ]
        for g in groups
    ]
    return _table(["Reason", "Lost", "", "Share", "Lost value", "Lost in"], rows, {1, 3, 4})


def _forecast(p: dict[str, Any]) -> list[str]:
    rows = [
        [
            "**slipped**" if f["period"] == "slipped" else md(f["period"] or "no date"),
            num(f["deals"]),
            money(f["value"], f["currency"]),
            money(f["weighted_value"], f["currency"]),
        ]
        for f in p["forecast"]
    ]
    if not rows:
        return ["No open deals.", ""]
    return [
        *_table(["Expected close", "Deals", "Value", "Weighted"], rows, {1, 2, 3}),
        "Weighted: value × the stage's probability. Slipped: expected to close before "
        "today, still open.",
        "",
    ]


def _slipped(p: dict[str, Any]) -> list[str]:
    s = p["slipped"]
    if not s["count"]:
        return ["No open deal is past its expected close.", ""]
    rows = [
        [
            f"\\#{d['id']}",
            md(d["title"]),
            md(d["org"] or ""),
            md(d["owner"] or ""),
            md(d["stage"]),
            money(d["value"], d["currency"]),
            d["expected_close"],
            str(d["days_late"]),
        ]
        for d in s["deals"]
    ]
    head = ["Deal", "Title", "Org", "Owner", "Stage", "Value", "Expected", "Days late"]
    lines = _table(head, rows, {0, 5, 6, 7})
    shown = len(s["deals"])
    count = f"The {shown} longest slipped of {s['count']}." if shown < s["count"] else ""
    return [*lines, count, ""] if count else lines


def review_markdown(p: dict[str, Any]) -> str:
    lines = [
        f"# {TITLE}: {md(p['pipeline'])}",
        "",
        f"{md(period_words(p))} · as of {md(p['as_of'])}",
        "",
    ]
    for line in scope_words(p):
        lines += [md(line), ""]
    sections = [
        ("Headline", _headline),
        ("The funnel", _funnel),
        (f"Trends per {p['per']}", _trends),
        ("Sellers", _sellers),
        ("Stage × seller: conversion to the next stage", _matrix),
        ("Lost reasons", _lost),
        ("Forecast", _forecast),
        ("Slipped deals", _slipped),
    ]
    for title, section in sections:
        lines += [f"## {title}", "", *section(p)]
    return "\n".join(lines).rstrip("\n") + "\n"
