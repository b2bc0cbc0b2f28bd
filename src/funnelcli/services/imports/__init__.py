"""`funnel import`: rows of a CSV, JSON or JSONL file become deals with history.

All or nothing. Every row is read and checked; the new deals go to the
database in batches inside one write transaction, and any bad row (or a
failure of the write itself) rolls the whole import back and reports every
bad line. `--dry-run` does all of it and rolls back on purpose.

Columns map to deal fields by name (case, spacing and punctuation ignored,
plus a few common aliases), `--map FIELD=COLUMN` maps the rest, and what is
left becomes custom fields. `--stage-date STAGE=COLUMN` (and, on its own, a
column named `entered_<stage>`) gives the date a deal entered a stage, from
which its history is built. funnelcli's own export is recognised and read back
whole: pipelines and stages, history, touches, numbers and uuids.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from funnelcli.services import Context
from funnelcli.services.imports.cells import unescape_cell
from funnelcli.services.imports.model import (
    Draft,
    Dropped,
    ImportFailed,
    ImportReport,
    LineError,
    Options,
    RowError,
)
from funnelcli.services.imports.reader import Reader
from funnelcli.services.imports.seen import Seen, digest
from funnelcli.services.imports.sources import (
    Progress,
    Source,
    SourceError,
    UnreadableJSON,
    open_source,
    parse_json,
)
from funnelcli.services.imports.writer import Writer
from funnelcli.store.transfer import TransferStore

__all__ = [
    "Draft",
    "Dropped",
    "ImportFailed",
    "ImportReport",
    "LineError",
    "Options",
    "import_file",
    "unescape_cell",
]

BATCH = 2000


class _DryRun(Exception):
    pass


def import_file(
    ctx: Context, path: Path, opts: Options, progress: Progress | None = None
) -> ImportReport:
    report = ImportReport(str(path), dry_run=opts.dry_run)
    new_ids: list[int] = []  # the new deals' numbers (--hooks)
    try:
        src = open_source(path, opts.fmt, progress)
        TransferStore(ctx.store.conn).prepare_bulk()
        with ctx.store.write():
            _run(ctx, src, opts, report, new_ids if opts.hooks else None)
            if report.errors:
                raise ImportFailed(report)
            if opts.dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except SourceError as exc:
        report.errors.append(LineError(exc.line or 0, exc.detail))
        raise ImportFailed(report) from None
    if opts.hooks and not opts.dry_run:
        _note_new_deals(ctx, new_ids)
    return report


def _note_new_deals(ctx: Context, ids: list[int]) -> None:
    """Each new deal, for its `on-add` hook (`--hooks`): read once the import
    committed."""
    with ctx.store.read():
        deals = [ctx.store.deals.get(i) for i in ids]
    for deal in deals:
        if deal is not None:
            ctx.happened("add", deal, imported=True)


def _run(
    ctx: Context, src: Source, opts: Options, report: ImportReport, new_ids: list[int] | None
) -> None:
    own = src.meta is not None or {"uuid", "history"} <= set(src.columns)
    if own and src.meta is None and "pipelines" in src.columns:
        _pipelines_cell(src)
    reader = Reader(ctx, src, opts, own)
    writer = Writer(ctx)
    seen = Seen(ctx)
    batch: list[Draft] = []
    for line, row in src.rows:
        draft = _checked(reader, seen, src, line, row, report)
        if draft is None or report.errors:
            continue  # keep checking, stop writing: it all rolls back
        report.dropped += draft.dropped
        existing = writer.existing(draft)
        if existing is not None:
            if writer.update(existing, draft):
                report.updated += 1
            else:
                report.skipped += 1
            continue
        batch.append(draft)
        if len(batch) >= BATCH:
            _insert(writer, batch, report, new_ids)
            batch = []
    if batch and not report.errors:
        _insert(writer, batch, report, new_ids)
    if not report.errors:
        writer.finish()
    seen.close()
    report.created_stages = reader.created_stages
    report.created_pipelines = reader.created_pipelines


def _insert(
    writer: Writer, batch: list[Draft], report: ImportReport, new_ids: list[int] | None
) -> None:
    writer.insert(batch)  # gives each draft its number
    report.imported += len(batch)
    if new_ids is not None:
        new_ids.extend(d.id for d in batch if d.id is not None)


def _checked(
    reader: Reader, seen: Seen, src: Source, line: int, row: dict[str, Any], report: ImportReport
) -> Draft | None:
    """The row as a Draft, or None when it is bad (its error noted in the report)."""
    if "__cells__" in row:
        report.errors.append(
            LineError(
                line, f"{row['__cells__']} cells, but the header has {len(src.columns)} columns"
            )
        )
        return None
    if "__not_object__" in row:
        report.errors.append(LineError(line, "not a JSON object"))
        return None
    try:
        named = reader.key(row)
        if named is not None:
            key, column = named
            cells = digest(row, src.fmt == "csv")
            first = seen.first(key)
            if first is not None:
                if first[1] == cells:
                    report.duplicates += 1  # the same row again, cell for cell: skipped
                    return None
                raise RowError(
                    f"the same deal as line {first[0]}, with other cells",
                    column,
                    key,
                    cause="the same deal as an earlier line, with other cells",
                )
            seen.add(key, line, cells)
        return reader.draft(line, row)
    except RowError as exc:
        report.errors.append(LineError(line, exc.message, exc.column, exc.value, exc.cause))
        return None


def _pipelines_cell(src: Source) -> None:
    """A CSV export carries its pipelines in the first row's `pipelines` cell:
    read into src.meta, as JSON's header has them."""
    first = next(src.rows, None)
    if first is None:
        return
    cell = first[1].get("pipelines") or ""
    try:
        given = parse_json(cell) if cell.strip() else None
        src.meta = None if given is None else {"pipelines": given, "line": first[0]}
    except UnreadableJSON as exc:
        raise SourceError(first[0], f"the pipelines cell: {exc.msg}") from None
    except json.JSONDecodeError:
        raise SourceError(first[0], "the pipelines cell is not JSON") from None
    src.rows = itertools.chain([first], src.rows)
