"""What an import is given, makes of a row and reports (no logic beyond that)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from funnelcli.errors import FunnelError

# One stage event as written: (from (stage, status) or None, to (stage, status),
# at, note, recorded_at).
Event = tuple[tuple[int, str] | None, tuple[int, str], str, str | None, str]
# One touch: (id to keep or None, kind, note, at, recorded_at).
Activity = tuple[int | None, str, str | None, str, str]


@dataclass
class LineError:
    line: int
    message: str
    column: str | None = None
    value: str | None = None
    cause: str | None = None  # the message without this row's particulars, to group by


@dataclass
class Dropped:
    """A stage date `--lenient` left out (the deal is imported without it)."""

    line: int
    column: str
    value: str
    message: str
    cause: str | None = None


@dataclass
class Cause:
    """Bad lines (or drops) for one reason in one column: how many, the first."""

    column: str | None
    cause: str
    rows: int
    first_line: int


def causes(found: list[LineError] | list[Dropped]) -> list[Cause]:
    """`found` grouped by column and cause (the message where it has none),
    the commonest first."""
    groups: dict[tuple[str | None, str], Cause] = {}
    for e in found:
        key = (e.column, e.cause or e.message)
        hit = groups.get(key)
        if hit is None:
            groups[key] = Cause(e.column, key[1], 1, e.line)
        else:
            hit.rows += 1
    return sorted(groups.values(), key=lambda c: (-c.rows, c.first_line))


@dataclass
class ImportReport:
    file: str
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[LineError] = field(default_factory=list)
    dry_run: bool = False
    created_stages: list[str] = field(default_factory=list)
    created_pipelines: list[str] = field(default_factory=list)
    duplicates: int = 0  # rows equal to an earlier row in every cell, skipped
    dropped: list[Dropped] = field(default_factory=list)  # --lenient


class ImportFailed(FunnelError):
    """Bad rows: nothing was written; the report names every one."""

    def __init__(self, report: ImportReport) -> None:
        n = len(report.errors)
        first = report.errors[0]
        where = f"line {first.line}" + (f", column {first.column}" if first.column else "")
        more = f" (and {n - 1:,} more bad line{'s' if n > 2 else ''})" if n > 1 else ""
        super().__init__(f"{report.file}: nothing imported: {where}: {first.message}{more}")
        self.report = report


class RowError(Exception):
    """One bad cell (or row): the row is reported, the import goes on checking."""

    def __init__(
        self,
        message: str,
        column: str | None = None,
        value: object = None,
        cause: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.column = message, column
        self.value = None if value is None else str(value)
        self.cause = cause


@dataclass
class Options:
    fmt: str | None = None
    pipeline: str | None = None
    maps: list[str] = field(default_factory=list)
    stage_dates: list[str] = field(default_factory=list)
    date_order: str | None = None
    create_stages: bool = False
    dry_run: bool = False
    stage_maps: list[str] = field(default_factory=list)  # SOURCE=STAGE (or won/lost)
    excel_dates: bool = False  # a number in a date column is an Excel serial date
    lenient: bool = False  # drop a stage date out of order instead of failing
    hooks: bool = False  # note each new deal for its on-add hook


@dataclass
class Draft:
    """One row, read and checked, ready to write."""

    line: int
    values: dict[str, Any]  # deal columns
    events: list[Event]
    tags: list[str]
    fields: dict[str, str]
    activities: list[Activity]  # id, kind, note, at, recorded
    uuid: str
    id: int | None = None
    dropped: list[Dropped] = field(default_factory=list)
