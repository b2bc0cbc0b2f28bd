"""The numbers of the reports as their JSON and tables write them: money in
major units, rounded figures, a figure shown with its unit, and what
`--compare previous` adds (each figure's change, every one always)."""

from typing import Any

from funnelcli.render.output import Column, Output


def _major(minor: float | None, currency: str) -> float | None:
    if minor is None:
        return None
    from funnelcli.money import minor_exponent

    digits = minor_exponent(currency)  # 0 for JPY, 3 for KWD
    major = round(minor / 10**digits, digits)
    return int(major) if major == int(major) else major


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# The figures a `change` object has, every one always (issue 13: one shape),
# and which are money (rounded to their currency's minor unit).
METRIC_FIGURES = {
    "open_deals": "",
    "open_value": "money",
    "weighted_value": "money",
    "won": "",
    "lost": "",
    "won_value": "money",
    "lost_value": "money",
    "win_rate": "",
    "conversion_rate": "",
    "avg_deal_size": "money",
    "sales_cycle_days": "",
    "sales_velocity": "money",
    "sales_cycle_median_days": "",
    "avg_touches_per_won_deal": "",
}
FUNNEL_FIGURES = dict.fromkeys(
    (
        "open_count",
        "open_value",
        "reached",
        "conversion_to_next",
        "dropped",
        "avg_days_in_stage",
        "median_days_in_stage",
    ),
    "",
)


def _changes(
    now: dict[str, Any], before: dict[str, Any] | None, figures: dict[str, str], currency: str = ""
) -> dict[str, Any]:
    """now − before for each of `figures`, every key present: null where
    either side has no number (or there is no period before)."""
    from funnelcli.money import minor_exponent

    digits = max(2, minor_exponent(currency)) if currency else 2
    out: dict[str, Any] = {}
    for key, kind in figures.items():
        value, old = now[key], None if before is None else before[key]
        both = _is_number(value) and _is_number(old)
        out[key] = round(value - old, digits if kind else 2) + 0 if both else None
    return out


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _signed(value: float | None, unit: str, currency: str = "") -> str:
    """A change as the table shows it: signed; money as money (`-5,500.00 USD`)."""
    if value is None:
        return ""
    if unit.startswith("money"):
        from funnelcli.money import minor_exponent

        suffix = "/day" if unit == "money/day" else ""
        return f"{value:+,.{minor_exponent(currency)}f} {currency}{suffix}"
    text = f"{value:+.1f}" if isinstance(value, float) else f"{value:+d}"
    return text + (" pts" if unit == "%" else "")


def _show(value: float | None, unit: str, currency: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "days":
        return f"{value:.1f} days"
    if unit.startswith("money"):
        from funnelcli.money import minor_exponent

        suffix = "/day" if unit == "money/day" else ""
        return f"{value:,.{minor_exponent(currency)}f} {currency}{suffix}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def funnel_table(
    out: Output, record: dict[str, Any], compare: bool, before: str | None = None
) -> None:
    """A funnel record as a table, each stage drawn as a bar, and its won and
    lost; with `compare`, each conversion before (heading `before`) and the change."""
    top = max([s["reached"] for s in record["stages"]] + [1])
    bar = "█" if out.tty else "#"

    def draw(s: dict[str, Any]) -> str:
        width: int = max(round(24 * s["reached"] / top), 1 if s["reached"] else 0)
        return bar * width

    columns: list[Column[dict[str, Any]]] = [
        Column("Stage", lambda s: s["stage"], style="magenta", cut=True),
        Column("Reached", lambda s: str(s["reached"]), "right"),
        Column("", draw, style="cyan", drop=1),
        Column("→ next", lambda s: _show(s["conversion_to_next"], "%", ""), "right"),
        *(
            [
                Column(
                    before or "before", lambda s: _show(_prev_conv(record, s), "%", ""), "right"
                ),
                Column(
                    "change",
                    lambda s: _signed(s["change"].get("conversion_to_next"), "%"),
                    "right",
                    "yellow",
                ),
            ]
            if compare
            else []
        ),
        Column("Dropped", lambda s: str(s["dropped"]), "right", "red"),
        Column("Open", lambda s: str(s["open_count"]), "right"),
        Column("Avg days", lambda s: _show(s["avg_days_in_stage"], "", ""), "right", drop=3),
        Column("Median", lambda s: _show(s["median_days_in_stage"], "", ""), "right", drop=2),
    ]
    out.emit_list(record["stages"], lambda s: s, columns)
    out.lines([[(f"won {record['won']}, lost {record['lost']}", "bold")]])


def _prev_conv(record: dict[str, Any], stage: dict[str, Any]) -> Any:
    for old in record["previous"]["stages"]:
        if old["stage"] == stage["stage"]:
            return old["conversion_to_next"]
    return None
