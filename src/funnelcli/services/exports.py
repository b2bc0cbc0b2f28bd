"""`funnel export`: every deal with everything it holds, streamed.

Three cursors (deals, stage events, activities), each ordered by deal, are
walked side by side, so memory stays flat however many deals there are.
This module makes the header (the export's version, its time, the pipelines
and their stages) and each deal with its history and activities;
`render/export.py` encodes them as JSONL, JSON or CSV and writes the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from funnelcli import __version__
from funnelcli.services import Context, resolve_pipeline
from funnelcli.store.transfer import TransferStore

EXPORT_VERSION = 1


@dataclass
class ExportScope:
    status: str | None = None  # None: every deal
    pipeline: str | None = None


@dataclass
class ExportedDeal:
    """One deal of an export: the store's deal_values() dict, and its history
    and activities as the export's objects."""

    values: dict[str, Any]
    history: list[dict[str, Any]]
    activities: list[dict[str, Any]]


def _pipelines(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for pid, puuid, pname, sname, prob, rot, cad, removed, owner in rows:
        p = out.setdefault(pid, {"name": pname, "uuid": puuid, "stages": []})
        if sname is not None:
            stage = {"name": sname, "probability": prob, "rot_days": rot, "cadence_days": cad}
            stage["owner"] = owner
            if removed:
                stage["removed"] = True
            p["stages"].append(stage)
    return list(out.values())


def _grouped(cursor: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """(deal id, its rows) from a cursor ordered by deal id."""
    from itertools import groupby
    from operator import itemgetter

    for deal_id, rows in groupby(cursor, itemgetter(0)):
        yield deal_id, list(rows)


def _history(rows: list[tuple[Any, ...]], pipeline: str) -> list[dict[str, Any]]:
    out = []
    for _, fs, fp, fst, ts, tp, tst, at, note, rec in rows:
        e: dict[str, Any] = {
            "from_stage": fs,
            "from_status": fst,
            "to_stage": ts,
            "to_status": tst,
            "at": at,
            "note": note,
            "recorded_at": rec,
        }
        if fp is not None and fp != pipeline:
            e["from_pipeline"] = fp
        if tp != pipeline:
            e["to_pipeline"] = tp
        out.append(e)
    return out


def _activities(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [
        {"id": i, "kind": k, "note": n, "at": at, "recorded_at": rec}
        for _, k, n, at, rec, i in rows
    ]


def deal_records(
    ctx: Context, scope: ExportScope, tick: Callable[[], None] | None = None
) -> tuple[dict[str, Any], int, Iterator[ExportedDeal]]:
    """(the header, how many deals, the deals one by one). Call inside a read
    transaction that lasts until the deals are consumed."""
    store = TransferStore(ctx.store.conn)
    pid = None if scope.pipeline is None else resolve_pipeline(ctx, scope.pipeline).id
    header = {
        "funnelcli_export": EXPORT_VERSION,
        "version": __version__,
        "exported_at": ctx.now_utc,
        "pipelines": _pipelines(store.all_stages()),
    }
    total = store.deal_count(scope.status, pid)

    def deals() -> Iterator[ExportedDeal]:
        events = _grouped(store.export_events(scope.status, pid))
        acts = _grouped(store.export_activities(scope.status, pid))
        ev_next = next(events, None)
        act_next = next(acts, None)
        for row in store.export_deals(scope.status, pid):
            deal_id = row["id"]
            hist: list[tuple[Any, ...]] = []
            while ev_next is not None and ev_next[0] <= deal_id:
                if ev_next[0] == deal_id:
                    hist = ev_next[1]
                ev_next = next(events, None)
            mine: list[tuple[Any, ...]] = []
            while act_next is not None and act_next[0] <= deal_id:
                if act_next[0] == deal_id:
                    mine = act_next[1]
                act_next = next(acts, None)
            deal = ExportedDeal(row, _history(hist, row["pipeline"]), _activities(mine))
            if tick is not None:
                tick()
            yield deal

    return header, total, deals()
