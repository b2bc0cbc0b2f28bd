"""What `funnel import` prints: the first bad lines, the count of the rest and
the causes they share (or, with `--report json`, all of them as JSON on
stdout), the stage dates `--lenient` dropped, and the summary line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from funnelcli.render.output import Output
from funnelcli.render.text import dumps, safe

if TYPE_CHECKING:
    from funnelcli.services.imports.model import Dropped, ImportReport, LineError

SHOWN = 20  # bad lines printed one by one; the rest are counted (and drops all listed)


def report_record(r: ImportReport) -> dict[str, Any]:
    from funnelcli.services.imports.model import causes

    return {
        "imported": r.imported,
        "updated": r.updated,
        "skipped": r.skipped,
        "duplicates": r.duplicates,
        "errors": [
            {"line": e.line, "message": e.message, "column": e.column, "value": e.value}
            for e in r.errors
        ],
        "causes": [
            {"column": c.column, "cause": c.cause, "rows": c.rows, "first_line": c.first_line}
            for c in causes(r.errors)
        ],
        "dropped": [
            {"line": d.line, "column": d.column, "value": d.value, "message": d.message}
            for d in r.dropped
        ],
        "dry_run": r.dry_run,
        "created_pipelines": r.created_pipelines,
        "created_stages": r.created_stages,
    }


def print_report(out: Output, r: ImportReport, fmt: str) -> None:
    if fmt == "json":
        out.out.write(dumps(report_record(r)) + "\n")
        out.out.flush()
    if r.errors:
        _listed(out, r.errors, "bad line", fmt, SHOWN)
        return
    # every drop: what --lenient left out of the database is never only counted
    _listed(out, r.dropped, "dropped stage date", fmt, len(r.dropped))
    out.message(safe(summary(r)))


def summary(r: ImportReport) -> str:
    verb = "would import" if r.dry_run else "imported"
    made = ""
    if r.created_pipelines or r.created_stages:
        made = "; created " + ", ".join(
            [f"pipeline {p}" for p in r.created_pipelines]
            + [f"stage {s}" for s in r.created_stages]
        )
    extra = ""
    if r.duplicates:
        extra += f"; skipped {_count(r.duplicates, 'duplicate row')}"
    if r.dropped:
        extra += f"; dropped {_count(len(r.dropped), 'stage date')} (--lenient)"
    return (
        # plain numbers, as scripts have read them (grep "imported 8800 deals")
        f"{verb} {r.imported} deal{'' if r.imported == 1 else 's'}, "
        f"updated {r.updated}, unchanged {r.skipped}"
        + made
        + extra
        + (" (dry run: nothing written)" if r.dry_run else "")
    )


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def _listed(
    out: Output, found: list[LineError] | list[Dropped], what: str, fmt: str, shown: int
) -> None:
    """The first `shown` one by one, a count of the rest, and the causes that repeat."""
    from funnelcli.services.imports.model import causes

    for e in found[:shown]:
        where = f"line {e.line}" + (f", column {e.column}" if e.column else "")
        value = "" if e.value is None else f" ({e.value!r})"
        out.message(safe(f"  {where}{value}: {e.message}"))
    rest = len(found) - shown
    if rest > 0:
        every = (
            "the JSON report has every one" if fmt == "json" else "--report json lists every one"
        )
        out.message(safe(f"  … and {_count(rest, 'more ' + what)} ({every})"))
    grouped = causes(found)
    if len(grouped) < len(found):
        out.message(f"{what}s by cause:")
        for c in grouped:
            where = f"column {c.column}: " if c.column else ""
            first = f"line {c.first_line}" if c.rows == 1 else f"first at line {c.first_line:,}"
            out.message(safe(f"  {where}{c.cause}: {_count(c.rows, 'row')}, {first}"))
