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
import os
import re
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from funnelcli.clock import start_of_day, utc_text
from funnelcli.errors import FunnelError, Invalid, UsageError
from funnelcli.models import Pipeline, Stage, stage_key
from funnelcli.services import Context, resolve_pipeline
from funnelcli.services.import_writer import Seen, Writer
from funnelcli.services.sources import (
    Progress,
    Source,
    SourceError,
    UnreadableJSON,
    open_source,
    parse_json,
)

FIELDS = (
    "external_id", "title", "org", "contact", "email", "phone", "value", "currency",
    "owner", "pipeline", "stage", "status", "probability", "tags", "source",
    "lost_reason", "expected_close", "next_follow_up", "created_at", "closed_at",
    "snoozed_until", "snooze_reason", "fields",
)  # fmt: skip
# What funnelcli's own export adds, read back only from it.
OWN_FIELDS = ("id", "uuid", "probability_override", "stage_entered_at", "history", "activities")
# Derived on write, so an export's copy is ignored rather than kept as a custom field
# (but for its updated_at: _Reader._updated).
DERIVED = ("updated_at", "touches", "last_activity_at", "pipelines")
# Between tags in a cell: "," in funnelcli's own CSV export (a tag may hold ";"),
# "," or ";" in anyone else's.
TAG_SEPARATOR = {True: ",", False: "[,;]"}
ALIASES = {
    "name": "title", "deal": "title", "deal_name": "title", "deal_title": "title",
    "company": "org", "organization": "org", "organisation": "org", "account": "org",
    "organization_name": "org", "company_name": "org",
    "amount": "value", "deal_value": "value",
    "contact_person": "contact", "person": "contact", "contact_name": "contact",
    "e_mail": "email", "email_address": "email", "phone_number": "phone",
    "deal_stage": "stage", "pipeline_stage": "stage", "deal_status": "status",
    "tag": "tags", "labels": "tags", "label": "tags",
    "expected_close_date": "expected_close", "close_date": "closed_at", "closed": "closed_at",
    "closed_date": "closed_at", "won_date": "closed_at",
    "created": "created_at", "create_date": "created_at", "created_date": "created_at",
    "add_time": "created_at", "owner_name": "owner", "deal_owner": "owner",
    "lost_reason_text": "lost_reason", "next_activity_date": "next_follow_up",
}  # fmt: skip
# Stage values that close a deal (HubSpot calls them "Closed Won" / "closedwon").
OUTCOME_WORDS = {
    "won": "won", "lost": "lost", "closed won": "won", "closed lost": "lost",
    "closedwon": "won", "closedlost": "lost",
}  # fmt: skip
# Text fields read as they are (email is checked apart).
TEXT_FIELDS = (
    "external_id", "org", "contact", "email", "phone", "source", "lost_reason",
    "snooze_reason", "owner",
)  # fmt: skip
BATCH = 2000


def column_key(name: str) -> str:
    """How headers are matched: case, spacing and punctuation ignored."""
    return "_".join(re.findall(r"[0-9a-z]+", name.casefold()))


@dataclass
class LineError:
    line: int
    message: str
    column: str | None = None
    value: str | None = None


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


class ImportFailed(FunnelError):
    """Bad rows: nothing was written; the report names every one."""

    def __init__(self, report: ImportReport) -> None:
        n = len(report.errors)
        first = report.errors[0]
        where = f"line {first.line}" + (f", column {first.column}" if first.column else "")
        more = f" (and {n - 1} more bad line{'s' if n > 2 else ''})" if n > 1 else ""
        super().__init__(f"{report.file}: nothing imported: {where}: {first.message}{more}")
        self.report = report


class _DryRun(Exception):
    pass


class _RowError(Exception):
    def __init__(self, message: str, column: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.message, self.column = message, column
        self.value = None if value is None else str(value)


@dataclass
class Options:
    fmt: str | None = None
    pipeline: str | None = None
    maps: list[str] = field(default_factory=list)
    stage_dates: list[str] = field(default_factory=list)
    date_order: str | None = None
    create_stages: bool = False
    dry_run: bool = False


@dataclass
class Draft:
    """One row, read and checked, ready to write."""

    line: int
    values: dict[str, Any]  # deal columns
    events: list[tuple[tuple[int, str] | None, tuple[int, str], str, str | None, str]]
    tags: list[str]
    fields: dict[str, str]
    activities: list[tuple[int | None, str, str | None, str, str]]  # id, kind, note, at, recorded
    uuid: str
    id: int | None = None


def import_file(
    ctx: Context, path: Path, opts: Options, progress: Progress | None = None
) -> ImportReport:
    report = ImportReport(str(path), dry_run=opts.dry_run)
    try:
        src = open_source(path, opts.fmt, progress)
        ctx.store.prepare_bulk()
        with ctx.store.write():
            _run(ctx, src, opts, report)
            if report.errors:
                raise ImportFailed(report)
            if opts.dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except SourceError as exc:
        report.errors.append(LineError(exc.line or 0, exc.detail))
        raise ImportFailed(report) from None
    return report


# -- the run ---------------------------------------------------------------


def _run(ctx: Context, src: Source, opts: Options, report: ImportReport) -> None:
    own = src.meta is not None or {"uuid", "history"} <= set(src.columns)
    if own and src.meta is None and "pipelines" in src.columns:
        # a CSV export carries its pipelines in the first row's `pipelines` cell
        first = next(src.rows, None)
        if first is not None:
            cell = first[1].get("pipelines") or ""
            try:
                given = parse_json(cell) if cell.strip() else None
                src.meta = None if given is None else {"pipelines": given, "line": first[0]}
            except UnreadableJSON as exc:
                raise SourceError(first[0], f"the pipelines cell: {exc.msg}") from None
            except json.JSONDecodeError:
                raise SourceError(first[0], "the pipelines cell is not JSON") from None
            src.rows = itertools.chain([first], src.rows)
    reader = _Reader(ctx, src, opts, report, own)
    writer = Writer(ctx)
    seen = Seen(ctx)
    batch: list[Draft] = []
    for line, row in src.rows:
        if "__cells__" in row:
            report.errors.append(
                LineError(
                    line, f"{row['__cells__']} cells, but the header has {len(src.columns)} columns"
                )
            )
            continue
        if "__not_object__" in row:
            report.errors.append(LineError(line, "not a JSON object"))
            continue
        try:
            draft = reader.draft(line, row)
            key = draft.values.get("external_id") or draft.uuid
            first = seen.line(key)
            if first is not None:
                raise _RowError(f"the same deal as line {first} ({key})")
            seen.add(key, line)
        except _RowError as exc:
            report.errors.append(LineError(line, exc.message, exc.column, exc.value))
            continue
        if report.errors:
            continue  # keep checking, stop writing: it all rolls back
        existing = writer.existing(draft)
        if existing is not None:
            changed = writer.update(existing, draft)
            if changed:
                report.updated += 1
            else:
                report.skipped += 1
            continue
        batch.append(draft)
        if len(batch) >= BATCH:
            writer.insert(batch)
            report.imported += len(batch)
            batch = []
    if batch and not report.errors:
        writer.insert(batch)
        report.imported += len(batch)
    seen.close()
    report.created_stages = reader.created_stages
    report.created_pipelines = reader.created_pipelines


# -- reading rows ----------------------------------------------------------


class _Reader:
    def __init__(
        self, ctx: Context, src: Source, opts: Options, report: ImportReport, own: bool
    ) -> None:
        self.ctx = ctx
        self.own = own
        # Export guards a CSV cell a spreadsheet would run (a leading '); only
        # its own CSV has the guard to undo: JSON carries text as it is.
        self.unguard = own and src.fmt == "csv"
        self.opts = opts
        self.order = opts.date_order or ctx.config.date_order
        self.created_stages: list[str] = []
        self.created_pipelines: list[str] = []
        self._dates: dict[str, datetime | date] = {}
        self._pipelines: dict[str, Pipeline] = {}
        self._removed: dict[tuple[int, str], Stage] = {}  # stages an export marks removed
        self.recorded = ctx.now_utc
        if own and src.meta is not None:
            from funnelcli.services.import_pipelines import recreate

            made = recreate(ctx, src.meta.get("pipelines") or [], src.meta.get("line", 1))
            self._pipelines, self._removed = made.pipelines, made.removed
            self.created_stages += made.created_stages
            self.created_pipelines += made.created_pipelines
        self.fixed = None if opts.pipeline is None else self._pipeline(opts.pipeline, None)
        # JSON rows needn't all have the same keys: any deal field may come later
        self.dynamic = src.fmt != "csv"
        if self.dynamic:
            extra = FIELDS + (OWN_FIELDS if own else ())
            src.columns += [f for f in extra if f not in src.columns]
        self.mapping = self._mapping(src.columns, opts.maps)
        self.stage_dates = self._stage_date_columns(src.columns, opts.stage_dates)
        used = {c for cols in self.mapping.values() for c in cols}
        used |= {c for _, c in self.stage_dates}
        self.used = used
        self.skip = {c for c in src.columns if self.own and column_key(c) in DERIVED}
        self.custom = [
            c
            for c in src.columns
            if c not in used and not (self.own and (column_key(c) in DERIVED or self._entered(c)))
        ]
        self.fresh = ctx.store.deal_count() == 0
        self.text_fields = [f for f in TEXT_FIELDS if f in self.mapping and f != "email"]
        self._instants: dict[str, str] = {}
        self._currencies: dict[str, str] = {}
        self._scales: dict[str, int] = {}
        self._stages: dict[tuple[int, str], Stage] = {}

    # - columns -

    def _mapping(self, columns: list[str], maps: list[str]) -> dict[str, list[str]]:
        """field -> the columns feeding it (one, or several for `fields`)."""
        known = FIELDS + (OWN_FIELDS if self.own else ())
        out: dict[str, list[str]] = {}
        by_key = {column_key(c): c for c in columns}
        for c in columns:
            k = column_key(c)
            name = k if k in known else ALIASES.get(k)
            if name is not None and name not in out and (name in known):
                out[name] = [c]
        explicit: dict[str, list[str]] = {}
        for m in maps:
            target, sep, col = m.partition("=")
            target, col = column_key(target), col.strip()
            if not sep or not target or not col:
                raise UsageError(f"--map takes FIELD=COLUMN, not '{m}'")
            if target not in FIELDS:
                raise UsageError(
                    f"--map: '{target}' is not a deal field (fields: {', '.join(FIELDS)})"
                )
            column = col if col in columns else by_key.get(column_key(col))
            if column is None:
                raise UsageError(
                    f"--map {m}: the file has no column '{col}' "
                    f"(columns: {', '.join(columns) or 'none'})"
                )
            # mapped twice: the first column with a value wins (Won time, Lost time)
            explicit.setdefault(target, []).append(column)
        for target, cols in explicit.items():
            # an explicit map wins, and takes its columns away from fields they fed by name
            for name, fed in list(out.items()):
                if fed[0] in cols and name not in explicit:
                    del out[name]
            out[target] = cols
        return out

    def _entered(self, column: str) -> bool:
        return column_key(column).startswith("entered_")

    def _stage_date_columns(self, columns: list[str], given: list[str]) -> list[tuple[str, str]]:
        """(stage name as given, column); resolved per pipeline as rows come."""
        out: list[tuple[str, str]] = []
        by_key = {column_key(c): c for c in columns}
        for item in given:
            stage, sep, col = item.partition("=")
            stage, col = stage.strip(), col.strip()
            if not sep or not stage or not col:
                raise UsageError(f"--stage-date takes STAGE=COLUMN, not '{item}'")
            column = col if col in columns else by_key.get(column_key(col))
            if column is None:
                raise UsageError(f"--stage-date {item}: the file has no column '{col}'")
            out.append((stage, column))
        if not given and not self.own:
            # entered_<stage> columns (as export writes them) of stages the
            # pipeline has; any other entered_… column is just a column
            try:
                p = self.fixed or resolve_pipeline(self.ctx, None)
            except FunnelError:
                p = None
            keys = {stage_key(s.name) for s in p.stages} if p is not None else set()
            for c in columns:
                name = column_key(c).removeprefix("entered_").replace("_", " ")
                if self._entered(c) and stage_key(name) in keys:
                    out.append((name, c))
        return out

    # - pipelines and stages -

    def _pipeline(self, name: str | None, row_line: int | None) -> Pipeline:
        key = stage_key(name) if name is not None else None
        if key is not None and key in self._pipelines:
            return self._pipelines[key]
        try:
            p = resolve_pipeline(self.ctx, name)
        except FunnelError as exc:
            if name is None or not (self.opts.create_stages or self.own):
                if row_line is None:
                    raise
                raise _RowError(
                    exc.message + " (or add --create-stages)", "pipeline", name
                ) from None
            pid = self.ctx.store.create_pipeline(name, [], self.ctx.now)
            self.created_pipelines.append(name)
            p = self.ctx.store.pipeline_by_id(pid)
        self._pipelines[stage_key(p.name)] = p
        if key is not None:
            self._pipelines[key] = p
        return p

    def _stage(self, p: Pipeline, name: str, column: str | None) -> Stage:
        hit = self._stages.get((p.id, name))
        if hit is not None:
            return hit
        key = stage_key(name)
        for s in p.stages:
            if stage_key(s.name) == key:
                self._stages[(p.id, name)] = s
                return s
        if (p.id, key) in self._removed:
            return self._removed[(p.id, key)]
        if not (self.opts.create_stages or self.own):
            stages = ", ".join(s.name for s in p.stages) or "none"
            raise _RowError(
                f"no stage '{name}' in pipeline {p.name} (stages: {stages}; "
                "--create-stages adds it)",
                column,
                name,
            )
        from funnelcli.templates import CUSTOM_STAGE_ROT_DAYS

        prob = p.stages[-1].probability if p.stages else 10
        cadence = p.stages[-1].cadence_days if p.stages else 3
        self.ctx.store.insert_stage(
            p.id, (name.strip(), prob, CUSTOM_STAGE_ROT_DAYS, cadence), len(p.stages) + 1
        )
        self.created_stages.append(f"{p.name}/{name.strip()}")
        fresh = self.ctx.store.pipeline_by_id(p.id)
        p.stages[:] = fresh.stages
        return next(s for s in p.stages if stage_key(s.name) == key)

    # - cells -

    def _cell(self, row: dict[str, Any], name: str) -> Any:
        """The field's value in this row: from its column, or the first of its
        columns that has one; None for an empty cell."""
        cols = self.mapping.get(name)
        if cols is None:
            return None
        for col in cols:
            value = row.get(col)
            if isinstance(value, str):
                # a spreadsheet's stray spaces go; funnelcli's own export is kept
                # exactly (add and edit store text as given)
                if not self.own:
                    value = value.strip()
                if self.unguard:
                    value = unescape_cell(value)
                if value.strip() == "":
                    continue
            if value is not None:
                return value
        return None

    def _text(self, row: dict[str, Any], name: str) -> str | None:
        value = self._cell(row, name)
        if value is None:
            return None
        if isinstance(value, dict | list):
            raise _RowError(f"{name} must be text", self.mapping[name][0], json.dumps(value))
        return str(value)

    def _when(self, text: str, column: str) -> datetime | date:
        hit = self._dates.get(text)
        if hit is not None:
            return hit
        from funnelcli.dates import parse_when

        try:
            when = parse_when(text, self.ctx.now, self.order)
        except Invalid as exc:
            message = exc.message
            if "ambiguous" in message:
                message += " (or give --date-order)"
            raise _RowError(message, column, text) from None
        if len(self._dates) < 100_000:
            self._dates[text] = when
        return when

    def _instant(self, text: str | None, column: str) -> str | None:
        """A moment in the past, as stored UTC text; a date is the start of its day."""
        if text is None:
            return None
        hit = self._instants.get(text)
        if hit is not None:
            return hit
        when = self._when(text, column)
        moment = when if isinstance(when, datetime) else start_of_day(when)
        if moment > self.ctx.now:
            raise _RowError("is in the future; history records what already happened", column, text)
        stamp = utc_text(moment)
        if len(self._instants) < 100_000:
            self._instants[text] = stamp
        return stamp

    # - a row -

    def draft(self, line: int, row: dict[str, Any]) -> Draft:
        try:
            return self._draft(line, row)
        except RecursionError:  # a value nested nearly as deep as the parser could go
            raise _RowError("a value nested too deeply to read") from None
        except _RowError as first:
            # read the row again cell by cell, to report every bad one at once
            more = [e for e in self._cell_errors(line, row) if e.column != first.column]
            if more:
                first.message += "; " + "; ".join(
                    f"{e.column}: {e.message}" if e.column else e.message for e in more
                )
            raise

    def _checks(self, line: int, row: dict[str, Any]) -> list[tuple[Callable[..., Any], tuple]]:  # type: ignore[type-arg]
        values: dict[str, Any] = {}
        return [
            (self._email, (row,)),
            (self._money, (row,)),
            (self._probability, (row,)),
            (self._day, (row, "expected_close")),
            (self._follow_up, (row,)),
            (self._day, (row, "snoozed_until")),
            (self._tags, (row,)),
            (self._fields, (row,)),
            (self._history, (line, row, values)),
            (self._activities, (row,)),
            (self._ids, (row,)),
        ]

    def _cell_errors(self, line: int, row: dict[str, Any]) -> list[_RowError]:
        errors = []
        for fn, args in self._checks(line, row):
            try:
                fn(*args)
            except _RowError as exc:
                errors.append(exc)
        return errors

    def _draft(self, line: int, row: dict[str, Any]) -> Draft:
        """The row as a Draft; the first bad cell raises _RowError."""
        text = self._text
        values: dict[str, Any] = dict.fromkeys(TEXT_FIELDS)
        title = text(row, "title")
        if not title and "external_id" in self.mapping:
            title = text(row, "external_id")
        if not title:
            col = (self.mapping.get("title") or [None])[0]
            raise _RowError(
                "a deal needs a title" + ("" if col else " (map a column with --map title=COLUMN)"),
                col,
            )
        values["title"] = title
        for name in self.text_fields:
            values[name] = text(row, name)
        if "email" in self.mapping:
            values["email"] = self._email(row)
        values["owner"] = values["owner"] or self.ctx.config.owner
        values["value"], values["currency"] = self._money(row)
        mapped = self.mapping
        values["probability"] = (
            self._probability(row) if "probability" in mapped or self.own else None
        )
        values["expected_close"] = self._day(row, "expected_close")
        values["next_follow_up"] = self._follow_up(row) if "next_follow_up" in mapped else None
        values["snoozed_until"] = self._day(row, "snoozed_until")
        tags = self._tags(row) if "tags" in mapped else []
        fields = self._fields(row)
        events, state = self._history(line, row, values)
        activities = self._activities(row) if self.own else []
        deal_uuid, deal_id = self._ids(row)
        values.update(state)
        values["updated_at"] = self._updated(row, values["created_at"])
        values["last_activity_at"] = max((a[3] for a in activities), default=None)
        if values["status"] != "lost" and not self.own:
            values["lost_reason"] = None
        return Draft(line, values, events, tags, fields, activities, deal_uuid, deal_id)

    def _updated(self, row: dict[str, Any], created: str) -> str:
        """When the deal last changed: an export's own, when it is a time that
        can be (not before the deal, not to come); else now."""
        text = row.get("updated_at") if self.own else None
        if not isinstance(text, str) or not text.strip():
            return self.recorded
        if len(text) == 20 and text[10] == "T" and text[19] == "Z":  # as stored: no parse
            try:
                datetime.fromisoformat(text[:19])
            except ValueError:
                return self.recorded
            return text if created <= text <= self.recorded else self.recorded
        try:
            at = self._instant(text, "updated_at")
        except _RowError:
            return self.recorded
        return at if at is not None and at >= created else self.recorded

    def _email(self, row: dict[str, Any]) -> str | None:
        text = self._text(row, "email")
        if text is None:
            return None
        local, _, domain = text.partition("@")
        if not local or not domain or any(c.isspace() for c in text):
            raise _RowError("not an e-mail address", self.mapping["email"][0], text)
        return text

    def _money(self, row: dict[str, Any]) -> tuple[int | None, str]:
        from funnelcli.money import normalize_currency, parse_amount

        currency = self._text(row, "currency")
        default = self.ctx.config.currency
        if currency is not None:
            default = self._currencies.get(currency) or ""
            if not default:
                try:
                    default = self._currencies[currency] = normalize_currency(currency)
                except Invalid as exc:
                    raise _RowError(exc.message, self.mapping["currency"][0], currency) from None
        value = self._cell(row, "value")
        if value is None:
            return None, default
        if type(value) is str and value.isascii() and value.isdigit() and len(value) < 16:
            return int(value) * self._scale(default), default  # whole units: most amounts
        col = self.mapping["value"][0]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _RowError("not an amount", col, value)
        try:
            minor, cur = parse_amount(str(value), default)
        except Invalid as exc:
            raise _RowError(exc.message, col, value) from None
        if currency is not None and cur != default:
            raise _RowError(f"the amount is in {cur} but the currency column says {default}", col)
        return minor, cur

    def _scale(self, currency: str) -> int:
        scale = self._scales.get(currency)
        if scale is None:
            from funnelcli.money import minor_exponent

            scale = self._scales[currency] = 10 ** minor_exponent(currency)
        return scale

    def _probability(self, row: dict[str, Any]) -> int | None:
        name = (
            "probability_override" if self.own and "probability_override" in self.mapping else None
        )
        if self.own and name is None:
            return None  # an export's `probability` is the effective one, not an override
        value = self._cell(row, name or "probability")
        if value is None:
            return None
        col = self.mapping[name or "probability"][0]
        text = str(value).strip().removesuffix("%").strip()
        try:
            number = float(text)
        except ValueError:
            raise _RowError("not a probability (0-100)", col, value) from None
        if not 0 <= number <= 100 or number != int(number):
            raise _RowError("a probability is a whole number from 0 to 100", col, value)
        return int(number)

    def _day(self, row: dict[str, Any], name: str) -> str | None:
        text = self._text(row, name)
        if text is None:
            return None
        when = self._when(text, self.mapping[name][0])
        return (when.date() if isinstance(when, datetime) else when).isoformat()

    def _follow_up(self, row: dict[str, Any]) -> str | None:
        text = self._text(row, "next_follow_up")
        if text is None:
            return None
        from funnelcli.dates import to_iso

        return to_iso(self._when(text, self.mapping["next_follow_up"][0]))

    def _tags(self, row: dict[str, Any]) -> list[str]:
        value = self._cell(row, "tags")
        if value is None:
            return []
        if isinstance(value, list):  # a tag holds no comma (as --tag says): split there too
            parts = [part for v in value for part in str(v).split(",")]
        else:
            parts = re.split(TAG_SEPARATOR[self.own], str(value))
        return sorted({str(t).strip() for t in parts if str(t).strip()})

    def _fields(self, row: dict[str, Any]) -> dict[str, str]:
        out: dict[str, str] = {}
        given = self._cell(row, "fields")
        if given is not None:
            if isinstance(given, str):
                given = _json_cell(given, "not a JSON object", self.mapping["fields"][0])
            if not isinstance(given, dict):
                raise _RowError("not a JSON object", self.mapping["fields"][0], given)
            out.update({str(k): str(v) for k, v in given.items() if v is not None})
        custom = self.custom
        if self.dynamic:
            custom = [c for c in row if c not in self.used and c not in self.skip]
        for c in custom:
            value = row.get(c)
            if value is None:
                continue
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            text = unescape_cell(str(value)) if self.unguard else str(value)
            if text.strip():
                out[c] = text
        return out

    def _ids(self, row: dict[str, Any]) -> tuple[str, int | None]:
        deal_uuid = self._text(row, "uuid") if self.own else None
        if deal_uuid is not None:
            try:
                deal_uuid = str(uuidlib.UUID(deal_uuid))
            except ValueError:
                raise _RowError("not a uuid", self.mapping["uuid"][0], deal_uuid) from None
        deal_id = None
        raw = self._cell(row, "id") if self.own and self.fresh else None
        if raw is not None:
            try:
                deal_id = int(raw)
            except (TypeError, ValueError):
                raise _RowError("not a deal number", self.mapping["id"][0], raw) from None
        return deal_uuid or _uuid4(), deal_id

    def _activities(
        self, row: dict[str, Any]
    ) -> list[tuple[int | None, str, str | None, str, str]]:
        given = self._cell(row, "activities") if self.own else None
        if given is None:
            return []
        col = self.mapping["activities"][0]
        if isinstance(given, str):
            given = _json_cell(given, "not a JSON list", col)
        if not isinstance(given, list):
            raise _RowError("not a JSON list", col, given)
        out = []
        for a in given:
            if not isinstance(a, dict) or not a.get("kind") or not a.get("at"):
                raise _RowError("each activity needs a kind and an at", col)
            at = self._instant(str(a["at"]), col)
            assert at is not None
            keep = a.get("id") if self.fresh and isinstance(a.get("id"), int) else None
            note = _note(a.get("note"), col)
            out.append((keep, str(a["kind"]), note, at, str(a.get("recorded_at") or at)))
        return out

    # - history -

    def _history(
        self, line: int, row: dict[str, Any], values: dict[str, Any]
    ) -> tuple[list[Any], dict[str, Any]]:
        name = self.fixed.name if self.fixed is not None else self._text(row, "pipeline")
        p = self.fixed if self.fixed is not None else self._pipeline(name, line)
        if self.own and self._cell(row, "history") is not None:
            return self._own_history(p, row)
        if not p.stages and not self.stage_dates and self._cell(row, "stage") is None:
            raise _RowError(f"pipeline {p.name} has no stages", "pipeline", p.name)
        stage_text = self._text(row, "stage")
        status_text = self._text(row, "status")
        status = "open"
        stage: Stage | None = None
        if stage_text is not None and stage_key(stage_text) in OUTCOME_WORDS:
            status = OUTCOME_WORDS[stage_key(stage_text)]
        elif stage_text is not None:
            stage = self._stage(p, stage_text, self.mapping["stage"][0])
        if status_text is not None:
            key = stage_key(status_text)
            if key not in ("open", "won", "lost"):
                raise _RowError(
                    "status must be open, won or lost", self.mapping["status"][0], status_text
                )
            if status != "open" and key != status:
                raise _RowError(
                    f"the stage column says {status}, the status column {key}", "status"
                )
            status = key
        entries: list[tuple[str, Stage]] = []
        for stage_name, column in self.stage_dates:
            text = row.get(column)
            if isinstance(text, str):
                text = text.strip()
            if not text:
                continue
            at = self._instant(str(text), column)
            assert at is not None
            entries.append((at, self._stage(p, stage_name, column)))
        entries.sort(key=lambda e: (e[0], e[1].position))
        created = self._instant(self._text(row, "created_at"), self._col("created_at"))
        # an open deal's close date (a planned one, as HubSpot's) is no close
        closed = (
            None
            if status == "open"
            else self._instant(self._text(row, "closed_at"), self._col("closed_at"))
        )
        known = [e[0] for e in entries] + ([closed] if closed else [])
        if created is None:
            # PRODUCT.md: without a creation date, the earliest date in the history
            created = min(known) if known else self.ctx.now_utc
        elif known and min(known) < created:
            raise _RowError(
                f"a date in its history ({min(known)[:10]}) is before created_at", "created_at"
            )
        if status != "open" and closed is None:
            raise _RowError(
                f"a {status} deal needs a close date (map one with --map closed_at=COLUMN)",
                self._col("closed_at") or self._col("stage"),
            )
        if stage is None:
            stage = entries[-1][1] if entries else (p.stages[0] if p.stages else None)
        if stage is None:
            raise _RowError(f"pipeline {p.name} has no stages", "pipeline", p.name)
        rec = self.recorded
        first = (
            entries[0][1]
            if entries and entries[0][0] == created
            else (p.stages[0] if entries else stage)
        )
        events: list[Any] = [(None, (first.id, "open"), created, None, rec)]
        current = first
        last_at = created
        for at, s in entries:
            if s.id != current.id:
                events.append(((current.id, "open"), (s.id, "open"), at, None, rec))
                current = s
            last_at = max(last_at, at)
        if stage.id != current.id:
            # the row's stage, entered at an unknown time: the last date it has
            events.append(((current.id, "open"), (stage.id, "open"), last_at, None, rec))
            current = stage
        entered = next(e[2] for e in reversed(events))
        if status != "open":
            assert closed is not None
            if closed < last_at:
                raise _RowError(f"closed before it entered {current.name}", self._col("closed_at"))
            events.append(((current.id, "open"), (current.id, status), closed, None, rec))
        state = {
            "pipeline_id": p.id,
            "stage_id": current.id,
            "status": status,
            "created_at": created,
            "closed_at": closed,
            "stage_entered_at": entered,
        }
        return events, state

    def _col(self, name: str) -> str | None:
        return (self.mapping.get(name) or [None])[0]

    def _own_history(self, p: Pipeline, row: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        col = self.mapping["history"][0]
        given = self._cell(row, "history")
        if isinstance(given, str):
            given = _json_cell(given, "not a JSON list", col)
        if not isinstance(given, list) or not given:
            raise _RowError("a history is a non-empty JSON list", col)
        events: list[Any] = []
        state: tuple[int, str] | None = None
        for e in given:
            if not isinstance(e, dict):
                raise _RowError("each history entry is an object", col)
            frm = None
            if e.get("from_stage") is not None:
                fp = self._pipeline(e.get("from_pipeline") or p.name, 0)
                frm = (self._stage(fp, str(e["from_stage"]), col).id, str(e["from_status"]))
            tp = self._pipeline(e.get("to_pipeline") or p.name, 0)
            to = (self._stage(tp, str(e["to_stage"]), col).id, str(e["to_status"]))
            if frm != state:
                raise _RowError("the history entries don't follow one another", col)
            at = self._instant(str(e.get("at")), col)
            assert at is not None
            note = _note(e.get("note"), col)
            events.append((frm, to, at, note, str(e.get("recorded_at") or self.recorded)))
            state = to
        assert state is not None
        created = self._instant(self._text(row, "created_at"), col) or events[0][2]
        closed = self._instant(self._text(row, "closed_at"), col)
        entered = self._instant(self._text(row, "stage_entered_at"), col)
        if entered is None:
            entered = next(
                ev[2] for ev in reversed(events) if ev[0] is None or ev[0][0] != ev[1][0]
            )
        stage_id, status = state
        pid = self.ctx.store.stage_pipeline_id(stage_id)
        return events, {
            "pipeline_id": pid,
            "stage_id": stage_id,
            "status": status,
            "created_at": created,
            "closed_at": closed,
            "stage_entered_at": entered,
        }


def _uuid4() -> str:
    """str(uuid.uuid4()), without building a UUID object (a third of the time)."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _note(value: Any, column: str) -> str | None:
    """A history or activity note: text or nothing (SQLite would refuse a list
    later, far from its line)."""
    if value is None or isinstance(value, str):
        return value
    raise _RowError("a note is text", column)


def _json_cell(text: str, what: str, column: str) -> Any:
    """A cell holding JSON (fields, history, activities in a CSV), parsed."""
    try:
        return parse_json(text)
    except UnreadableJSON as exc:  # the message says what; the cell may be huge
        raise _RowError(exc.msg, column) from None
    except json.JSONDecodeError:
        raise _RowError(what, column, text) from None


def unescape_cell(text: str) -> str:
    """Undo the formula guard of funnelcli's own CSV: a leading ' before = + - @
    tab CR or another ' (render.text.guard_formula)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r'":
        return text[1:]
    return text
