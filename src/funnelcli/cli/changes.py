"""`funnel changes` and `funnel undo`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from funnelcli.cli.options import Format
from funnelcli.cli.state import state
from funnelcli.render.output import Column, Output, single_output
from funnelcli.render.text import safe

if TYPE_CHECKING:
    from funnelcli.store.changelog import Change

TABLE_NAMES = {
    "deals": ("deal", "deals"),
    "stage_events": ("stage event", "stage events"),
    "stage_stays": ("stay", "stays"),
    "activities": ("touch", "touches"),
    "deal_tags": ("tag", "tags"),
    "deal_fields": ("field", "fields"),
    "pipelines": ("pipeline", "pipelines"),
    "stages": ("stage", "stages"),
    "settings": ("setting", "settings"),
    "handoffs": ("hand-off", "hand-offs"),
    "inbox_seen": ("inbox mark", "inbox marks"),
}
VERBS = {"insert": "added", "insert_range": "imported", "update": "changed", "delete": "removed"}


def change_record(c: Change) -> dict[str, Any]:
    return {
        "id": c.id,
        "at": c.at,
        "who": c.who,
        "command": c.command,
        "undoes": c.undoes,
        "redoes": c.redoes,
        "undone_by": c.undone_by,
        "rows": c.counts,
        "pruned": c.pruned,
    }


def _rows_text(counts: dict[str, dict[str, int]]) -> str:
    parts = []
    for table, ops in counts.items():
        one, many = TABLE_NAMES.get(table, (table, table))
        for op, n in ops.items():
            if op == "insert_range":  # n: the deals in the import's id ranges
                parts.append(f"{n} {one if n == 1 else many} {VERBS[op]}")
            else:
                parts.append(f"{n} {one if n == 1 else many} {VERBS.get(op, op)}")
    return ", ".join(parts)


def _state(c: Change) -> str:
    parts = []
    if c.undone_by is not None:
        parts.append(f"undone by #{c.undone_by}")
    elif c.redoes is not None:
        parts.append(f"redo of #{c.redoes}")
    elif c.undoes is not None:
        parts.append(f"undo of #{c.undoes}")
    if c.pruned:
        parts.append("pruned")
    return ", ".join(parts)


def _when(at: str) -> str:
    from funnelcli.clock import local_from_utc

    return local_from_utc(at).strftime("%Y-%m-%d %H:%M")


def changes_cmd(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many, newest first.")] = 20,
    prune: Annotated[
        str | None,
        typer.Option(
            "--prune",
            metavar="BEFORE",
            help="Drop the undo notes of the changes before BEFORE (a change number, "
            "or a date) and compact the file; they stay listed but can't be undone.",
            show_default=False,
        ),
    ] = None,
    fmt: Format = "table",
) -> None:
    """Recent changes, newest first: who ran which command, and when.

    Each also says what it touched, and whether it was undone.

    Example: funnel changes -n 5 · funnel changes --prune 2026-01-01
    """
    from funnelcli.services.changes import list_changes

    if prune is not None:
        _prune(ctx, prune, fmt)
        return
    out = Output(fmt)
    items = list_changes(state(ctx).context(write=False), limit)
    out.emit_list(
        items,
        change_record,
        [
            Column("#", lambda c: str(c.id), "right"),
            Column("When", lambda c: _when(c.at)),
            Column("Who", lambda c: c.who, cut=True, drop=2, least=6),
            Column("Command", lambda c: c.command, cut=True, least=14),
            Column("Rows", lambda c: _rows_text(c.counts), cut=True, drop=1, least=12),
            Column("State", _state, cut=True, least=12),
        ],
    )


def _prune(ctx: typer.Context, before: str, fmt: str) -> None:
    from funnelcli.services.changes import prune

    out = single_output(fmt)
    r = prune(state(ctx).context(write=True), before)
    mb = 1024 * 1024
    text = (
        f"pruned the notes of {r.pruned} change{'' if r.pruned == 1 else 's'} before "
        f"#{r.before} ({r.freed / mb:.1f} MB); the {r.what} is {r.file_after / mb:.1f} MB "
        f"(was {r.file_before / mb:.1f} MB)"
    )
    if r.vacuum_error is not None:
        text += f"; compacting it failed ({r.vacuum_error}): the space is reused as it grows"
    out.message(safe(text))
    if out.fmt == "json":
        record = {
            "before": r.before,
            "pruned": r.pruned,
            "freed_bytes": r.freed,
            "file_bytes_before": r.file_before,
            "file_bytes": r.file_after,
            "vacuum_error": r.vacuum_error,
        }
        out.emit_object(lambda: record, list)


def undo_cmd(
    ctx: typer.Context,
    change: Annotated[
        str | None,
        typer.Argument(
            help="A change number from `funnel changes` (default: the newest in effect; "
            "on a team database, your newest).",
            metavar="CHANGE",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Show what undo would revert, and any refusal, and revert nothing."
        ),
    ] = False,
    fmt: Format = "table",
) -> None:
    """Revert the last change (or CHANGE); undoing an undo redoes it.

    A change is what one command did: an add, edit, move, close, log, delete
    or a whole import. On a team database a bare `funnel undo` takes back
    your own last change, never a teammate's.

    Example: funnel undo
    """
    from funnelcli.services.changes import undo

    if dry_run:
        _dry_run(ctx, change, fmt)
        return
    out = single_output(fmt)
    result = undo(state(ctx).context(write=True), change)
    r = result.reverted
    shown = result.original or r  # a redo names the change it puts back
    verb = "redid" if result.redo else "undid"
    out.message(
        safe(
            f"{verb} change #{shown.id} ({shown.command}; {shown.who}, {_when(shown.at)}): "
            f"{_rows_text(shown.counts)}; recorded as change #{result.change.id}"
        )
    )
    if out.fmt == "json":
        record = {"undone": change_record(r), "change": change_record(result.change)}
        out.emit_object(lambda: {**record, "redo": result.redo}, list)


SHOWN_DEALS = 10  # a dry run's table names this many of the deals


def _dry_run(ctx: typer.Context, change: str | None, fmt: str) -> None:
    """`undo --dry-run`: what undo would revert, on stdout; a refusal a real
    undo would meet is then its error line and exit 1, as undo's would be."""
    from funnelcli.errors import Conflict
    from funnelcli.services.changes import undo_preview

    out = single_output(fmt)
    p = undo_preview(state(ctx).context(write=False), change)
    if out.fmt == "json":
        record = {
            "target": change_record(p.target),
            "redo": p.redo,
            "age_seconds": p.age_seconds,
            "deals": [{"id": i, "title": t} for i, t in p.deals],
            "refused": p.refused,
        }
        out.emit_object(lambda: record, list)
    else:
        shown = p.original or p.target  # a redo names the change it puts back
        verb = "redo" if p.redo else "undo"
        lines = [
            f"would {verb} change #{shown.id}: {shown.command} "
            f"({shown.who}, {_age(p.age_seconds, shown.at)})",
            f"  {_rows_text(shown.counts) or 'no rows'}",
            *(f"  #{i} {t}" for i, t in p.deals[:SHOWN_DEALS]),
        ]
        if len(p.deals) > SHOWN_DEALS:
            lines.append(f"  … and {len(p.deals) - SHOWN_DEALS} more deals")
        out.lines([[(line, "")] for line in lines])  # fitted at a terminal
    if p.refused is not None:
        raise Conflict(p.refused)


def _age(seconds: int, at: str) -> str:
    """How long ago: "just now", "12 min ago", "3 h ago", else the local date and time."""
    if 0 <= seconds < 60:
        return "just now"
    if 0 <= seconds < 3600:
        return f"{seconds // 60} min ago"
    if 0 <= seconds < 86400:
        return f"{seconds // 3600} h ago"
    return _when(at)
