"""`funnel report activity`: per period (and per seller with --by owner),
the touches by kind, the forward moves, the wins and the won value
(docs/metrics.md), every period shown, a quiet one as zeros."""

from __future__ import annotations

from dataclasses import dataclass, field

from funnelcli.errors import UsageError
from funnelcli.services import Context, Owners, resolve_pipeline
from funnelcli.services.report_scope import DealScope
from funnelcli.services.reports import Bound, Period
from funnelcli.services.series import check_per, series_window
from funnelcli.store.report_series import SeriesStore
from funnelcli.store.reports import ReportStore, owner_key

ACTIVITY_PERS = ("day", "week", "month")
# without --since: this week and the 6 days before, 4 weeks, 3 months
DEFAULT_PERIODS = {"day": 7, "week": 4, "month": 3}
BY = ("owner",)


@dataclass
class ActivityRow:
    label: str
    period: Period
    owner: str | None  # with --by owner
    touches: dict[str, int] = field(default_factory=dict)  # kind -> touches
    forward_moves: int = 0
    won: int = 0
    won_value: dict[str, int] = field(default_factory=dict)  # currency -> minor units


@dataclass
class Activity:
    rows: list[ActivityRow]
    kinds: list[str]  # every kind in the report, most touches first
    currencies: list[str]  # of the wins in the report (none: the default currency)


def _key(owner: str | None) -> str | None:
    return None if owner is None else owner_key(owner, "")


def activity_report(
    ctx: Context,
    *,
    per: str = "week",
    by: str | None = None,
    since: Bound = None,
    until: Bound = None,
    pipeline: str | None = None,
    owner: Owners = None,
    scope: DealScope | None = None,
) -> Activity:
    """One row per period (per period and seller with by="owner"), oldest
    first; sellers by name. The sellers listed are those with an open deal
    in scope or anything counted in the window."""
    check_per(per, ACTIVITY_PERS)
    if by is not None and by not in BY:
        raise UsageError(f"--by must be {' or '.join(BY)}, not '{by}'")
    by_owner = by == "owner"
    with ctx.store.read():
        pid = None if pipeline is None else resolve_pipeline(ctx, pipeline).id
        w, found = series_window(ctx, per, since, until, pid, owner, DEFAULT_PERIODS[per], scope)
        store = SeriesStore(ctx.store.conn)
        touches = store.touches(w, per, by_owner=by_owner)
        moves = store.forward_moves(w, per, by_owner=by_owner)
        wins = store.wins(w, per, by_owner=by_owner)
        names: dict[str | None, str | None] = {None: None}
        if by_owner:
            # each seller under their first spelling by name order, as every report
            names = {}
            for spelled in ReportStore(ctx.store.conn).owners(w):
                names.setdefault(_key(spelled), spelled)
            seen = [*store.open_owners(w), *(r[1] for r in (*touches, *moves, *wins))]
            active = {_key(o) for o in seen}
            names = {k: v for k, v in names.items() if k in active}
    rows: dict[tuple[object, str | None], ActivityRow] = {}
    for span in found:
        for key, name in sorted(names.items(), key=lambda kv: kv[1] or ""):
            rows[span.key, key] = ActivityRow(span.label, Period(span.since, span.until), name)
    kinds: dict[str, int] = {}
    currencies: set[str] = set()
    for p, o, kind, count in touches:
        rows[p, _key(o)].touches[kind] = count
        kinds[kind] = kinds.get(kind, 0) + count
    for p, o, count in moves:
        rows[p, _key(o)].forward_moves = count
    for p, o, currency, count, value in wins:
        row = rows[p, _key(o)]
        row.won += count
        row.won_value[currency] = value
        currencies.add(currency)
    ranked = sorted(kinds, key=lambda k: (-kinds[k], k))
    return Activity(list(rows.values()), ranked, sorted(currencies) or [ctx.config.currency])
