"""`funnel export`: every deal with everything it holds, streamed.

Three cursors (deals, stage events, activities), each ordered by deal, are
walked side by side, so memory stays flat however many deals there are.

JSONL: a first line `{"funnelcli_export": 1, "version", "exported_at",
"pipelines": [...]}`, then one deal per line: the deal's JSON (as `list`
prints it) plus `probability_override`, `history` and `activities`.
JSON: the same header object with a `deals` array. CSV: one row per deal,
the deal's columns, one `entered_<stage>` column per stage (when the deal
last entered it), `history` and `activities` as JSON, and the pipelines as
JSON in the `pipelines` cell of the first row; cells that a spreadsheet
would run as a formula get a leading `'`, which `funnel import` removes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from funnelcli import __version__
from funnelcli.models import stage_key
from funnelcli.render.output import csv_row_writer
from funnelcli.render.records import deal_row_record
from funnelcli.render.text import guard_formula, json_encoder
from funnelcli.services import Context, resolve_pipeline
from funnelcli.store.transfer import TransferStore

EXPORT_VERSION = 1


@dataclass
class ExportScope:
    status: str | None = None  # None: every deal
    pipeline: str | None = None


def _pipelines(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for pid, puuid, pname, sname, prob, rot, cad, removed in rows:
        p = out.setdefault(pid, {"name": pname, "uuid": puuid, "stages": []})
        if sname is not None:
            stage = {"name": sname, "probability": prob, "rot_days": rot, "cadence_days": cad}
            if removed:
                stage["removed"] = True
            p["stages"].append(stage)
    return list(out.values())


def _grouped(cursor: Any) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
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
) -> tuple[dict[str, Any], int, Iterator[dict[str, Any]]]:
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

    def deals() -> Iterator[dict[str, Any]]:
        events = _grouped(store.export_events(scope.status, pid))
        acts = _grouped(store.export_activities(scope.status, pid))
        ev_next = next(events, None)
        act_next = next(acts, None)
        for row in store.export_deals(scope.status, pid):
            record = deal_row_record(row)
            record["probability_override"] = row["probability_override"]
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
            record["history"] = _history(hist, record["pipeline"])
            record["activities"] = _activities(mine)
            if tick is not None:
                tick()
            yield record

    return header, total, deals()


def write_jsonl(out: TextIO, header: dict[str, Any], deals: Iterator[dict[str, Any]]) -> int:
    dumps = json_encoder(separators=(",", ":"))
    out.write(dumps(header) + "\n")
    n = 0
    for record in deals:
        out.write(dumps(record) + "\n")
        n += 1
    return n


def write_json(out: TextIO, header: dict[str, Any], deals: Iterator[dict[str, Any]]) -> int:
    dumps = json_encoder()
    out.write("{" + dumps(header)[1:-1] + ', "deals": [')
    n = 0
    for record in deals:
        out.write(("\n" if n == 0 else ",\n") + dumps(record))
        n += 1
    out.write("\n]}\n")
    return n


def entered_columns(header: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(column, pipeline, stage) for each live stage; `entered_<stage>`, with the
    pipeline in the name when two pipelines have a stage of that name."""
    stages = [
        (p["name"], s["name"])
        for p in header["pipelines"]
        for s in p["stages"]
        if not s.get("removed")
    ]
    counts: dict[str, int] = {}
    for _, s in stages:
        counts[stage_key(s)] = counts.get(stage_key(s), 0) + 1
    out = []
    for p, s in stages:
        name = s if counts[stage_key(s)] == 1 else f"{p} {s}"
        out.append(("entered_" + "_".join(stage_key(name).split()), p, s))
    return out


def write_csv(out: TextIO, header: dict[str, Any], deals: Iterator[dict[str, Any]]) -> int:
    writerow = csv_row_writer(out, at_terminal=None)
    entered = entered_columns(header)
    columns: list[str] | None = None
    dumps = json_encoder(separators=(",", ":"))
    n = 0
    for record in deals:
        history = record.pop("history")
        activities = record.pop("activities")
        if columns is None:
            columns = [*record, *(c for c, _, _ in entered), "history", "activities", "pipelines"]
            writerow(columns)
        last: dict[tuple[str, str], str] = {}
        for e in history:
            moved = e["from_stage"] != e["to_stage"] or e.get("from_pipeline") != e.get(
                "to_pipeline"
            )
            if e["to_status"] == "open" and (moved or e["from_status"] != "open"):
                last[(e.get("to_pipeline") or record["pipeline"], e["to_stage"])] = e["at"]
        cells = [_cell(v, dumps) for v in record.values()]
        cells += [last.get((p, s), "") for _, p, s in entered]
        cells += [dumps(history), dumps(activities) if activities else ""]
        cells.append(dumps(header["pipelines"]) if n == 0 else "")
        writerow(cells)
        n += 1
    if columns is None:  # no deals: the header row still says what a row holds
        writerow(
            [
                *_EMPTY_COLUMNS,
                *(c for c, _, _ in entered),
                "history",
                "activities",
                "pipelines",
            ]
        )
    return n


_EMPTY_COLUMNS = (  # noqa: SIM905
    "id uuid external_id title org contact email phone value currency owner pipeline stage "
    "status probability tags source lost_reason expected_close next_follow_up created_at "
    "updated_at closed_at stage_entered_at fields touches last_activity_at snoozed_until "
    "snooze_reason probability_override"
).split()


def _cell(value: Any, dumps: Callable[[Any], str]) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return guard_formula(",".join(str(v) for v in value))  # tags
    if isinstance(value, dict):
        return dumps(value) if value else ""
    return guard_formula(str(value))
