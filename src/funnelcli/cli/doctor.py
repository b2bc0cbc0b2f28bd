"""`funnel doctor`: check the database, name every problem, change nothing."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from funnelcli.cli.options import Format
from funnelcli.cli.state import state
from funnelcli.errors import FunnelError
from funnelcli.render.output import single_output
from funnelcli.render.text import dumps


def doctor(
    ctx: typer.Context,
    fmt: Format = "table",
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="SQLite's quick_check instead of integrity_check: doesn't compare "
            "indexes with their tables; several times faster on a big file.",
        ),
    ] = False,
) -> None:
    """Check the database; name every problem (exit 1) or say ok (exit 0).

    Runs SQLite's integrity and foreign-key checks, then funnelcli's own: each
    deal's history is one unbroken chain that ends where the deal is, its stage
    belongs to its pipeline, the stage stays, furthest stage, last touch and
    close date kept on write agree with it, and no row belongs to a deal or
    pipeline that is gone. Only reads: a read-only file is fine.

    Example: funnel doctor --format json
    """
    from funnelcli.services.doctor import diagnose, diagnose_team

    out = single_output(fmt)
    st = state(ctx)
    if st.db_url() is not None:
        result = diagnose_team(st.context(write=False))
    else:
        result = diagnose(st.db_path(), quick=quick)
    if out.fmt == "json":
        record: dict[str, Any] = {
            "ok": result.ok,
            "problems": [
                {"deal": p.deal, "check": p.check, "message": p.message} for p in result.problems
            ],
            "deals": result.deals,
            "events": result.events,
            "sqlite_version": result.sqlite_version,
            "journal_mode": result.journal_mode,
            "change_log": dict(zip(("changes", "notes", "bytes"), result.change_log, strict=True)),
        }
        if result.server_version:
            record["postgresql_version"] = result.server_version
        out.out.write(dumps(record, indent=2) + "\n")
    else:
        # one line a problem; at a terminal wrapped under its message
        out.lines(
            [
                [
                    (f"deal {p.deal}: " if p.deal is not None else "database: ", ""),
                    (f"{p.check}: {p.message}", ""),
                ]
                for p in result.problems
            ]
        )
    out.out.flush()
    if out.fmt != "json":  # JSON has them as keys
        if result.server_version:
            out.message(f"PostgreSQL {result.server_version} (its own checks are its own)")
        else:
            out.message(f"SQLite {result.sqlite_version}, journal mode {result.journal_mode}")
        changes, notes, size = result.change_log
        out.message(
            f"change log: {changes} change{'s' if changes != 1 else ''}, "
            f"{notes} undo note{'s' if notes != 1 else ''} ({_size(size)}; "
            "`funnel changes --prune BEFORE` trims it)"
        )
    checked = f"{result.deals} deal{'s' if result.deals != 1 else ''}, "
    checked += f"{result.events} event{'s' if result.events != 1 else ''} checked"
    if result.ok:
        out.message(f"ok: {checked}")
        return
    n = len(result.problems)
    raise FunnelError(f"{n} problem{'s' if n != 1 else ''} found ({checked})")


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"
