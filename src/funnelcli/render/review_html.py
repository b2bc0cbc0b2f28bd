"""`funnel report review` as one self-contained HTML page: inline `<style>`,
inline SVG charts, no script and nothing fetched (no URL at all). Every
user text through review_text.h. Each figure's cell carries its key and the
report JSON's value (`data-k`, `data-v`), so a test (or a reader's tool) can
hold the page to the reports."""

from __future__ import annotations

import json
from typing import Any

from funnelcli.render import svg
from funnelcli.render.review_text import NONE, figure, h, money, num, pct
from funnelcli.render.review_words import (
    HEADLINE,
    TITLE,
    funnel_words,
    lost_name,
    period_words,
    scope_words,
)

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1f2933;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 28px 56px; }
header { border-bottom: 1px solid #e3e6ea; padding-bottom: 16px; margin-bottom: 8px; }
h1 { font-size: 26px; font-weight: 650; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 18px; font-weight: 620; margin: 36px 0 12px; }
h3 { font-size: 14px; font-weight: 600; margin: 0 0 6px; color: #4b5563; }
.meta { color: #6b7280; margin: 0; font-size: 14px; }
.meta b { color: #1f2933; font-weight: 600; }
main > h3 { margin: 20px 0 -8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
  gap: 12px; margin-top: 20px; }
.card { background: #fff; border: 1px solid #e3e6ea; border-radius: 10px; padding: 12px 14px; }
.card .label { font-size: 12px; color: #6b7280; text-transform: uppercase;
  letter-spacing: 0.04em; }
.card .value { font-size: 21px; font-weight: 640; font-variant-numeric: tabular-nums;
  margin-top: 2px; white-space: nowrap; }
.card .cur { font-size: 12px; font-weight: 500; color: #6b7280; }
.panel { background: #fff; border: 1px solid #e3e6ea; border-radius: 12px; padding: 18px 20px;
  overflow-x: auto; }
.funnel svg { display: block; margin: 4px auto 8px; max-width: 100%; height: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr));
  gap: 14px; }
.charts svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin-top: 10px; }
th, td { padding: 6px 10px; border-bottom: 1px solid #eef0f3; text-align: left;
  vertical-align: top; }
th { font-size: 12px; font-weight: 600; color: #6b7280; text-transform: uppercase;
  letter-spacing: 0.03em; border-bottom: 1px solid #d9dde3; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.slipped td { color: #b91c1c; }
td.up { background: #ecfdf3; } td.down { background: #fef2f2; }
.muted { color: #6b7280; } .won { color: #15803d; } .lost { color: #b91c1c; }
.note { color: #6b7280; font-size: 13px; margin: 8px 0 0; }
footer { margin-top: 40px; color: #9aa1ab; font-size: 12px; }
@media print { body { background: #fff; } main { padding: 0; }
  section, .card { break-inside: avoid; } }
"""


def _v(key: str, value: object, shown: str, cls: str = "n") -> str:
    """A figure's cell: what it shows, its key and the report JSON's value."""
    return f'<td class="{cls}" data-k="{h(key)}" data-v="{h(json.dumps(value))}">{h(shown)}</td>'


def _table(head: list[tuple[str, bool]], rows: list[str]) -> str:
    cells = "".join(f"<th{' class=n' if n else ''}>{h(name)}</th>" for name, n in head)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _headline(p: dict[str, Any]) -> str:
    blocks = []
    for rec in p["metrics"]:
        cur = rec["currency"]
        cards = "".join(
            f'<div class="card"><div class="label">{h(label)}</div>'
            f'<div class="value" data-k="metrics.{h(cur)}.{key}" '
            f'data-v="{h(json.dumps(rec[key]))}">{_card(rec[key], unit, cur)}</div></div>'
            for label, key, unit in HEADLINE
        )
        label = f"<h3>{h(cur)}</h3>" if len(p["metrics"]) > 1 else ""
        blocks.append(f'{label}<div class="cards">{cards}</div>')
    return "".join(blocks) or '<p class="note">No deals in scope.</p>'


def _card(value: Any, unit: str, cur: str) -> str:
    """A headline figure; money with its currency small beside it."""
    if unit != "money" or value is None:
        return h(figure(value, unit, cur))
    return f'{h(money(value, cur, code=False))} <span class="cur">{h(cur)}</span>'


def _funnel(p: dict[str, Any]) -> str:
    f = p["funnel"]
    stages = f["stages"]
    bars = [
        svg.Bar(
            s["stage"],
            s["reached"],
            num(s["reached"]),
            note=NONE if s["conversion_to_next"] is None else f"→ {pct(s['conversion_to_next'])}",
        )
        for s in stages
    ]
    outcome = [
        svg.Bar("won", f["won"], num(f["won"]), svg.WON),
        svg.Bar("lost", f["lost"], num(f["lost"]), svg.LOST),
    ]
    chart = svg.funnel(
        bars, outcome, f"The funnel of {f['pipeline']}: deals that reached each stage"
    )
    rows = [
        f"<tr><td>{h(s['stage'])}</td>"
        + _v(f"funnel.{i}.reached", s["reached"], num(s["reached"]))
        + _v(
            f"funnel.{i}.conversion_to_next", s["conversion_to_next"], pct(s["conversion_to_next"])
        )
        + _v(f"funnel.{i}.dropped", s["dropped"], num(s["dropped"]))
        + _v(f"funnel.{i}.open_count", s["open_count"], num(s["open_count"]))
        + _v(f"funnel.{i}.avg_days_in_stage", s["avg_days_in_stage"], num(s["avg_days_in_stage"]))
        + "</tr>"
        for i, s in enumerate(stages)
    ]
    rows.append(
        '<tr><td><b>outcome</b></td><td class="n"></td><td class="n"></td><td class="n"></td>'
        '<td class="n"></td><td class="n">'
        f'<span class="won" data-k="funnel.won" data-v="{f["won"]}">won {f["won"]}</span> · '
        f'<span class="lost" data-k="funnel.lost" data-v="{f["lost"]}">lost {f["lost"]}</span>'
        "</td></tr>"
    )
    head = [("Stage", False), ("Reached", True), ("→ next", True), ("Dropped", True)]
    table = _table([*head, ("Open now", True), ("Avg days", True)], rows)
    words = funnel_words(p)
    note = "" if words is None else f'<p class="note">{h(words)}</p>'
    return f'<div class="panel funnel">{chart}{table}{note}</div>'


def _trends(p: dict[str, Any]) -> str:
    recs = p["trend"]
    if not recs:
        return '<div class="panel"><p class="note">No periods.</p></div>'
    parts = []
    for cur in dict.fromkeys(r["currency"] for r in recs):
        mine = [r for r in recs if r["currency"] == cur]
        charts = [
            ("New deals", "new_deals", "", "#2563eb"),
            (f"Won value ({cur})", "won_value", "money", svg.WON),
            ("Win rate", "win_rate", "%", "#7c3aed"),
        ]
        drawn = "".join(
            "<div><h3>"
            + h(title)
            + "</h3>"
            + svg.columns(
                [svg.Bar(r["period"], r[key] or 0, figure(r[key], unit, cur), color) for r in mine],
                f"{title} per {p['per']}",
            )
            + "</div>"
            for title, key, unit, color in charts
        )
        rows = [
            f"<tr><td>{h(r['period'])}</td>"
            + "".join(
                _v(f"trend.{r['period']}.{cur}.{key}", r[key], figure(r[key], unit, cur))
                for key, unit in (
                    ("new_deals", ""),
                    ("won", ""),
                    ("lost", ""),
                    ("won_value", "money"),
                    ("win_rate", "%"),
                    ("sales_cycle_days", "days"),
                )
            )
            + "</tr>"
            for r in mine
        ]
        head = [(p["per"].capitalize(), False), ("New", True), ("Won", True), ("Lost", True)]
        table = _table([*head, ("Won value", True), ("Win rate", True), ("Cycle", True)], rows)
        parts.append(f'<div class="panel"><div class="charts">{drawn}</div>{table}</div>')
    return "".join(parts)


def _sellers(p: dict[str, Any]) -> str:
    rows = []
    for i, o in enumerate(p["owners"]):
        cur = o["currency"]
        rows.append(
            f"<tr><td>{h(o['owner'] or '(nobody)')}</td>"
            + _v(f"owners.{i}.open_deals", o["open_deals"], num(o["open_deals"]))
            + _v(f"owners.{i}.won", o["won"], num(o["won"]))
            + _v(f"owners.{i}.lost", o["lost"], num(o["lost"]))
            + _v(f"owners.{i}.win_rate", o["win_rate"], pct(o["win_rate"]))
            + _v(f"owners.{i}.won_value", o["won_value"], money(o["won_value"], cur))
            + _v(f"owners.{i}.avg_deal_size", o["avg_deal_size"], money(o["avg_deal_size"], cur))
            + _v(
                f"owners.{i}.sales_cycle_days",
                o["sales_cycle_days"],
                figure(o["sales_cycle_days"], "days", cur),
            )
            + "</tr>"
        )
    head = [("Seller", False), ("Open", True), ("Won", True), ("Lost", True), ("Win rate", True)]
    head += [("Won value", True), ("Avg deal", True), ("Cycle", True)]
    return f'<div class="panel">{_table(head, rows)}</div>'


def _matrix(p: dict[str, Any]) -> str:
    m = p["matrix"]
    names = list(m["by_owner"])
    head = [("Stage → next", False), ("Team", True), *((n, True) for n in names), ("Best", False)]
    rows = []
    for i, stage in enumerate(m["stages"]):
        team = m["team"][i]
        cells = _v(f"matrix.team.{i}", team, pct(team))
        for name in names:
            value = m["by_owner"][name][i] if i < len(m["by_owner"][name]) else None
            cls = "n"
            if value is not None and team is not None and value != team:
                cls += " up" if value > team else " down"
            cells += _v(f"matrix.by.{name}.{i}", value, pct(value), cls)
        best = m["best"][i]
        rows.append(
            f"<tr><td>{h(stage)}</td>{cells}"
            f"<td>{h(', '.join(best)) if best else '<span class=muted>too few</span>'}</td></tr>"
        )
    note = (
        f'<p class="note">Conversion to the next stage per seller (green: above the team, '
        f"red: below). Best: the highest conversion among sellers with at least "
        f"{m['min_deals']} deals that reached the stage.</p>"
    )
    return f'<div class="panel">{_table(head, rows)}{note}</div>'


def _lost(p: dict[str, Any]) -> str:
    groups = p["lost"]
    if not groups:
        return '<div class="panel"><p class="note">No deals lost in the period.</p></div>'
    bars = [
        svg.Bar(lost_name(g["group"]), g["lost"], f"{g['lost']} · {pct(g['share'])}", svg.LOST)
        for g in groups
    ]
    rows = [
        f"<tr><td>{h(lost_name(g['group']))}</td>"
        + _v(f"lost.{i}.lost", g["lost"], num(g["lost"]))
        + _v(f"lost.{i}.share", g["share"], pct(g["share"]))
        + f'<td class="n">{h(_values(g["lost_value_by_currency"]))}</td>'
        + f"<td>{h(', '.join(f'{k} {v}' for k, v in g['lost_in'].items()))}</td></tr>"
        for i, g in enumerate(groups)
    ]
    head = [("Reason", False), ("Lost", True), ("Share", True), ("Lost value", True)]
    chart = svg.hbars(bars, "Deals lost by reason")
    return f'<div class="panel">{chart}{_table([*head, ("Lost in", False)], rows)}</div>'


def _values(by_currency: dict[str, float]) -> str:
    return ", ".join(money(v, c) for c, v in by_currency.items()) or NONE


def _forecast(p: dict[str, Any]) -> str:
    rows = []
    for f in p["forecast"]:
        key = f"forecast.{f['period']}.{f['currency']}"
        cls = ' class="slipped"' if f["period"] == "slipped" else ""
        rows.append(
            f"<tr{cls}><td>{h(f['period'] or 'no date')}</td>"
            + _v(f"{key}.deals", f["deals"], num(f["deals"]))
            + _v(f"{key}.value", f["value"], money(f["value"], f["currency"]))
            + _v(
                f"{key}.weighted_value",
                f["weighted_value"],
                money(f["weighted_value"], f["currency"]),
            )
            + "</tr>"
        )
    if not rows:
        return '<div class="panel"><p class="note">No open deals.</p></div>'
    head = [("Expected close", False), ("Deals", True), ("Value", True), ("Weighted", True)]
    bars = [
        svg.Bar(
            f"{f['period'] or 'no date'} ({f['currency']})",
            f["weighted_value"] or 0,
            money(f["weighted_value"], f["currency"]),
            svg.LOST if f["period"] == "slipped" else "#0f766e",
        )
        for f in p["forecast"]
    ]
    chart = svg.hbars(bars, "Weighted value by expected close")
    note = (
        '<p class="note">Open deals by expected close month; weighted: value × the '
        "stage's probability. Slipped: expected to close before today, still open.</p>"
    )
    return f'<div class="panel">{chart}{_table(head, rows)}{note}</div>'


def _slipped(p: dict[str, Any]) -> str:
    s = p["slipped"]
    if not s["count"]:
        return (
            '<div class="panel"><p class="note"><span data-k="slipped.count" data-v="0">No</span> '
            "open deal is past its expected close.</p></div>"
        )
    rows = [
        f"<tr><td class=n>#{d['id']}</td><td>{h(d['title'])}</td><td>{h(d['org'] or '')}</td>"
        f"<td>{h(d['owner'] or '')}</td><td>{h(d['stage'])}</td>"
        f'<td class="n">{h(money(d["value"], d["currency"]))}</td>'
        f"<td class=n>{h(d['expected_close'])}</td><td class=n>{d['days_late']}</td></tr>"
        for d in s["deals"]
    ]
    head = [("Deal", True), ("Title", False), ("Org", False), ("Owner", False), ("Stage", False)]
    head += [("Value", True), ("Expected", True), ("Days late", True)]
    more = len(s["deals"]) < s["count"]
    note = (
        f'<p class="note">The {len(s["deals"])} longest slipped of <span data-k="slipped.count" '
        f'data-v="{s["count"]}">{s["count"]}</span>.</p>'
        if more
        else f'<p class="note"><span data-k="slipped.count" data-v="{s["count"]}">'
        f"{s['count']}</span> slipped.</p>"
    )
    return f'<div class="panel">{_table(head, rows)}{note}</div>'


def review_html(p: dict[str, Any]) -> str:
    sections = [
        ("The funnel", _funnel(p)),
        (f"Trends per {p['per']}", _trends(p)),
        ("Sellers", _sellers(p)),
        ("Stage × seller: conversion to the next stage", _matrix(p)),
        ("Lost reasons", _lost(p)),
        ("Forecast", _forecast(p)),
        ("Slipped deals", _slipped(p)),
    ]
    body = "".join(f"<section><h2>{h(title)}</h2>{html}</section>" for title, html in sections)
    scope = "".join(f"<p class=meta>{h(line)}</p>" for line in scope_words(p))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{h(TITLE)} — {h(p['pipeline'])}</title><style>{STYLE}</style></head>"
        f"<body><main><header><h1>{h(TITLE)} — {h(p['pipeline'])}</h1>"
        f"<p class=meta>{h(period_words(p))} · as of <b>{h(p['as_of'])}</b></p>{scope}"
        f"</header>{_headline(p)}{body}"
        "<footer>Made by funnel report review: each figure is the one its report "
        "(funnel report metrics, funnel, owners, lost, forecast) gives for the same options."
        "</footer>"
        "</main></body></html>\n"
    )
