"""One row of an import file read and checked into a Draft; a bad row is a
RowError naming every bad cell."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from funnelcli.services import Context
from funnelcli.services.imports.cells import Cells
from funnelcli.services.imports.columns import TEXT_FIELDS, read_columns
from funnelcli.services.imports.history import History
from funnelcli.services.imports.model import Draft, Options, RowError
from funnelcli.services.imports.pipelines import Lookup
from funnelcli.services.imports.sources import Source


class Reader:
    def __init__(self, ctx: Context, src: Source, opts: Options, own: bool) -> None:
        self.ctx = ctx
        self.own = own
        self.lookup = Lookup(ctx, opts.create_stages or own)
        if own and src.meta is not None:
            self.lookup.recreate(src.meta.get("pipelines") or [], src.meta.get("line", 1))
        fixed = None if opts.pipeline is None else self.lookup.pipeline(opts.pipeline, None)
        self.columns = read_columns(
            ctx, src.columns, src.fmt, opts.maps, opts.stage_dates, own, fixed
        )
        self.mapping = self.columns.mapping
        self.external_col = self.columns.col("external_id")
        self.cells = Cells(
            ctx,
            self.columns,
            own,
            # Export guards a CSV cell a spreadsheet would run (a leading '); only
            # its own CSV has the guard to undo: JSON carries text as it is.
            unguard=own and src.fmt == "csv",
            order=opts.date_order or ctx.config.date_order,
            excel=opts.excel_dates,
        )
        # custom fields, or a `fields` column: else every row's are none
        self.any_fields = bool(
            self.columns.custom or self.columns.dynamic or "fields" in self.mapping
        )
        self.history = History(
            ctx, self.columns, self.cells, self.lookup, own, fixed, opts.stage_maps, opts.lenient
        )

    @property
    def created_stages(self) -> list[str]:
        return self.lookup.created_stages

    @property
    def created_pipelines(self) -> list[str]:
        return self.lookup.created_pipelines

    def draft(self, line: int, row: dict[str, Any]) -> Draft:
        try:
            return self._draft(line, row)
        except RecursionError:  # a value nested nearly as deep as the parser could go
            raise RowError("a value nested too deeply to read") from None
        except RowError as first:
            # read the row again cell by cell, to report every bad one at once
            more = [e for e in self._cell_errors(line, row) if e.column != first.column]
            if more:
                first.message += "; " + "; ".join(
                    f"{e.column}: {e.message}" if e.column else e.message for e in more
                )
            raise

    def key(self, row: dict[str, Any]) -> tuple[str, str | None] | None:
        """What names the row's deal, and its column: its external id, else
        (in an export) its uuid; None when it has neither."""
        key = self.cells.text(row, "external_id")
        if key is not None:
            return key, self.external_col
        if self.own and self.cells.text(row, "uuid"):
            return self.cells.ids(row)[0], self.columns.col("uuid")
        return None

    def _checks(
        self, line: int, row: dict[str, Any]
    ) -> list[tuple[Callable[..., Any], tuple[Any, ...]]]:
        c = self.cells
        return [
            (c.email, (row,)),
            (c.money, (row,)),
            (c.probability, (row,)),
            (c.day, (row, "expected_close")),
            (c.follow_up, (row,)),
            (c.day, (row, "snoozed_until")),
            (c.tags, (row,)),
            (c.fields, (row,)),
            (self.history.build, (line, row)),
            (c.activities, (row,)),
            (c.ids, (row,)),
        ]

    def _cell_errors(self, line: int, row: dict[str, Any]) -> list[RowError]:
        errors = []
        for fn, args in self._checks(line, row):
            try:
                fn(*args)
            except RowError as exc:
                errors.append(exc)
        return errors

    def _draft(self, line: int, row: dict[str, Any]) -> Draft:
        """The row as a Draft; the first bad cell raises RowError."""
        c, mapped = self.cells, self.mapping
        values: dict[str, Any] = dict.fromkeys(TEXT_FIELDS)
        values["title"] = self._title(row)
        for name in self.columns.text_fields:
            values[name] = c.text(row, name)
        if "email" in mapped:
            values["email"] = c.email(row)
        values["owner"] = values["owner"] or self.ctx.config.new_deal_owner(self.ctx.store.team)
        values["value"], values["currency"] = c.money(row)
        values["probability"] = c.probability(row) if "probability" in mapped or self.own else None
        # an unmapped field is None (or empty) without a call
        values["expected_close"] = (
            c.day(row, "expected_close") if "expected_close" in mapped else None
        )
        values["next_follow_up"] = c.follow_up(row) if "next_follow_up" in mapped else None
        values["snoozed_until"] = c.day(row, "snoozed_until") if "snoozed_until" in mapped else None
        tags = c.tags(row) if "tags" in mapped else []
        fields = c.fields(row) if self.any_fields else {}
        events, state = self.history.build(line, row)
        dropped = list(self.history.dropped)
        activities = c.activities(row) if self.own else []
        deal_uuid, deal_id = c.ids(row)
        values.update(state)
        values["updated_at"] = c.updated(row, values["created_at"]) if self.own else c.recorded
        values["last_activity_at"] = (
            max((a[3] for a in activities if a[1] != "note"), default=None)  # a note: no touch
            if activities
            else None
        )
        if values["status"] != "lost" and not self.own:
            values["lost_reason"] = None
        return Draft(line, values, events, tags, fields, activities, deal_uuid, deal_id, dropped)

    def _title(self, row: dict[str, Any]) -> str:
        title = self.cells.text(row, "title")
        if not title and "external_id" in self.mapping:
            title = self.cells.text(row, "external_id")
        if not title:
            col = self.columns.col("title")
            raise RowError(
                "a deal needs a title" + ("" if col else " (map a column with --map title=COLUMN)"),
                col,
                cause="no title",
            )
        return title
