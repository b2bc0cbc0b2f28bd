"""`funnel import`, `funnel export`, `funnel backup` and `funnel restore`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from funnelcli.cli.options import PipelineOpt
from funnelcli.cli.state import state
from funnelcli.errors import StorageError, UsageError
from funnelcli.render.output import Output
from funnelcli.render.text import safe

if TYPE_CHECKING:
    from funnelcli.services import Context
    from funnelcli.services.exports import ExportedDeal, ExportScope

FileArg = Annotated[
    Path,
    typer.Argument(help="The file; - reads standard input.", metavar="FILE", show_default=False),
]


@contextmanager
def _progress(label: str, total: int | None):  # type: ignore[no-untyped-def]
    """A rich progress bar on stderr when stderr is a terminal; else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
    with Progress(
        f"[bold]{label}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def import_cmd(
    ctx: typer.Context,
    file: FileArg,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="csv, json or jsonl (default: from the file's extension; for - from its "
            "first line).",
        ),
    ] = None,
    pipeline: PipelineOpt = None,
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=COLUMN: fill a deal field from a column (repeatable).",
            metavar="FIELD=COLUMN",
        ),
    ] = None,
    stage_dates: Annotated[
        list[str] | None,
        typer.Option(
            "--stage-date",
            help="STAGE=COLUMN: the date the deal entered STAGE (repeatable); builds history.",
            metavar="STAGE=COLUMN",
        ),
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            "--date-order", help="ymd, dmy or mdy: how to read 03/04/2017 (default: config)."
        ),
    ] = None,
    create_stages: Annotated[
        bool,
        typer.Option("--create-stages", help="Add stages (and pipelines) the file names."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, report, write nothing.")
    ] = False,
    stage_maps: Annotated[
        list[str] | None,
        typer.Option(
            "--stage-map",
            help="SOURCE=STAGE: read the file's stage SOURCE as STAGE, or as won or lost "
            "(closes the deal) (repeatable).",
            metavar="SOURCE=STAGE",
        ),
    ] = None,
    excel_dates: Annotated[
        bool,
        typer.Option(
            "--excel-dates", help="A number in a date column is an Excel serial date (45482)."
        ),
    ] = False,
    lenient: Annotated[
        bool,
        typer.Option(
            "--lenient",
            help="Drop a stage date before the creation or after the close (never the deal) "
            "and list each drop, instead of failing.",
        ),
    ] = False,
    report: Annotated[
        str,
        typer.Option("--report", help="table or json: how to print the summary.", metavar="FORMAT"),
    ] = "table",
    hooks: Annotated[
        bool,
        typer.Option("--hooks", help="Run the on-add hook for each new deal (else none runs)."),
    ] = False,
) -> None:
    """Import deals from CSV, JSON or JSONL: all or nothing.

    Columns named like deal fields (title, org, value, stage, owner, …; case
    and spacing ignored) map themselves; --map maps others; the rest become
    custom fields. A stage value of won/lost closes the deal at closed_at.
    Rows whose external id (or uuid) is known update that deal. Any bad line:
    nothing is written, exit 1, and every bad line is reported.

    FILE - reads standard input: `funnel export | funnel --db copy.db import -`.

    Example: funnel import leads.csv --map title=Deal --stage-date demo=demo_date
    """
    from funnelcli.cli.import_report import print_report
    from funnelcli.services.imports import ImportFailed, Options, import_file

    if report not in ("table", "json"):
        raise UsageError(f"--report must be table or json, not '{report}'")
    if date_order is not None and date_order.lower() not in ("ymd", "dmy", "mdy"):
        raise UsageError(f"--date-order must be ymd, dmy or mdy, not '{date_order}'")
    opts = Options(
        fmt=fmt,
        pipeline=pipeline,
        maps=maps or [],
        stage_dates=stage_dates or [],
        date_order=date_order.lower() if date_order else None,
        create_stages=create_stages,
        dry_run=dry_run,
        stage_maps=stage_maps or [],
        excel_dates=excel_dates,
        lenient=lenient,
        hooks=hooks,
    )
    c = state(ctx).context(write=True)
    out = Output("table")
    size = file.stat().st_size if file.is_file() else None
    try:
        with _progress("importing", size) as tick:
            result = import_file(c, file, opts, tick)
    except ImportFailed as exc:
        print_report(out, exc.report, report)
        raise
    print_report(out, result, report)


def export_cmd(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="jsonl, json or csv (default: from --output, else jsonl)."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE (else stdout).", dir_okay=False),
    ] = None,
    status: Annotated[str, typer.Option("--status", help="open, won, lost or all.")] = "all",
    pipeline: PipelineOpt = None,
) -> None:
    """Export deals and all they hold, for `funnel import` to read back.

    That is the pipelines and stages, and each deal's history, touches and
    custom fields; `funnel import` reads it back as it was.

    CSV is one row per deal with an entered_<stage> date per stage; cells a
    spreadsheet would run as a formula start with ' (import removes it).

    Example: funnel export --output deals.csv
    """
    from funnelcli.render.export import (
        finish_output,
        open_output,
        write_csv,
        write_json,
        write_jsonl,
    )
    from funnelcli.services.exports import ExportScope

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in ("csv", "json", "jsonl") else "jsonl"
    writers = {"jsonl": write_jsonl, "json": write_json, "csv": write_csv}
    if fmt not in writers:
        raise UsageError(f"--format must be jsonl, json or csv, not '{fmt}'")
    if status not in ("open", "won", "lost", "all"):
        raise UsageError(f"--status must be open, won, lost or all, not '{status}'")
    c = state(ctx).context(write=False)
    scope = ExportScope(None if status == "all" else status, pipeline)
    if output is None:
        with c.reading():
            _export(c, scope, writers[fmt], sys.stdout)
        return
    target, tmp = open_output(output)
    try:
        with c.reading():
            n = _export(c, scope, writers[fmt], target)
        finish_output(target, tmp, output)
        tmp = None  # renamed: the name is no longer ours
    except BrokenPipeError:  # a FIFO whose reader went away: quiet, as stdout
        raise
    except OSError as exc:  # a full disk, a file size limit, a device gone
        raise StorageError(f"can't write {output}: {exc.strerror or exc}") from None
    finally:
        if not target.closed:
            with suppress(OSError):
                target.close()
        if tmp is not None:
            with suppress(OSError):
                tmp.unlink()  # a failed run leaves nothing behind
    state(ctx).done.append(f"the export was written to {output}")
    Output("table").message(safe(f"exported {n} deal{'s' if n != 1 else ''} to {output}"))


Writer = Callable[[TextIO, dict[str, Any], Iterator["ExportedDeal"]], int]


def _export(c: Context, scope: ExportScope, writer: Writer, target: TextIO) -> int:
    """Write the deals in scope to `target`; how many. Inside a read transaction."""
    from funnelcli.services.exports import deal_records

    header, total, _ = deal_records(c, scope)
    with _progress("exporting", total) as tick:
        count = [0]

        def step() -> None:
            count[0] += 1
            if tick is not None and count[0] % 1000 == 0:
                tick(count[0])

        _, _, deals = deal_records(c, scope, step if tick is not None else None)
        return writer(target, header, deals)


def backup_cmd(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="Where to write the copy.", metavar="PATH", show_default=False)
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Copy the database to PATH, consistently, even while others write.

    The copy is made with SQLite's backup API and is an ordinary funnelcli
    database.

    Example: funnel backup ~/backups/funnel-$(date +%F).db
    """
    from funnelcli.services.backup import backup

    st = state(ctx)
    backup(st.context(write=False, missing_ok=True), st.db_path(), path, force=force)
    st.done.append(f"the backup was written to {path}")
    Output("table").message(safe(f"backed up to {path}"))


def restore_cmd(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="A funnelcli backup.", metavar="PATH", show_default=False)
    ],
) -> None:
    """Replace the database with a backup, keeping the replaced one.

    The replaced one is kept beside it (funnel.db.before-restore-<time>, or
    -2, -3 … when that name is taken; never overwritten). Refuses a file that
    is not a funnelcli database.

    Example: funnel restore ~/backups/funnel-2026-11-20.db
    """
    from funnelcli.services.backup import restore

    st = state(ctx)
    kept = restore(st.db_path(), path, st.now)
    st.done.append(
        f"the database was restored from {path}"
        + (f", the replaced one kept at {kept}" if kept else "")
    )
    where = f"; the replaced database is kept at {kept}" if kept else ""
    Output("table").message(safe(f"restored from {path}{where}"))
