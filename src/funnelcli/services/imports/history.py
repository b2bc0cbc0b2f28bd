"""A row's history: the stage events that lead from its creation to the stage
and status it names, through the stages it gives a date for; or, from
funnelcli's own export, its history read back as it was."""

from __future__ import annotations

from typing import Any

from funnelcli.errors import UsageError
from funnelcli.models import Pipeline, Stage, stage_key
from funnelcli.services import Context
from funnelcli.services.imports.cells import CACHED, Cells, json_cell, note_text
from funnelcli.services.imports.columns import Columns
from funnelcli.services.imports.model import Dropped, Event, RowError
from funnelcli.services.imports.order import Dated, Entry, Order
from funnelcli.services.imports.pipelines import Lookup
from funnelcli.store.transfer import TransferStore

# Stage values that close a deal (HubSpot calls them "Closed Won" / "closedwon").
OUTCOME_WORDS = {
    "won": "won", "lost": "lost", "closed won": "won", "closed lost": "lost",
    "closedwon": "won", "closedlost": "lost",
}  # fmt: skip

Built = tuple[list[Event], dict[str, Any]]  # the events, and the deal's columns they set


def read_stage_maps(given: list[str]) -> dict[str, str]:
    """--stage-map SOURCE=STAGE (STAGE may be won or lost): the stage key of a
    name the file has -> the name to read instead."""
    out: dict[str, str] = {}
    for item in given:
        source, sep, target = item.rpartition("=")
        source, target = source.strip(), target.strip()
        if not sep or not stage_key(source) or not stage_key(target):
            raise UsageError(f"--stage-map takes SOURCE=STAGE (or =won, =lost), not '{item}'")
        key = stage_key(source)
        if key in out and stage_key(out[key]) != stage_key(target):
            raise UsageError(f"--stage-map maps '{source}' twice: to {out[key]} and {target}")
        out[key] = target
    return out


class History:
    def __init__(
        self,
        ctx: Context,
        columns: Columns,
        cells: Cells,
        lookup: Lookup,
        own: bool,
        fixed: Pipeline | None,
        stage_maps: list[str] | None = None,
        lenient: bool = False,
    ) -> None:
        self.ctx = ctx
        self.columns = columns
        self.cells = cells
        self.lookup = lookup
        self.own = own
        self.fixed = fixed
        self.recorded = ctx.now_utc
        self.stage_map = read_stage_maps(stage_maps or [])
        self.order = Order(lenient)
        # per column, not per row: where the dates come from, and what each
        # stage cell says (the file's text -> the name to read, its outcome)
        self.created_col = columns.col("created_at")
        self.closed_col = columns.col("closed_at")
        self.outcomes: dict[str, tuple[str, str | None]] = {}

    @property
    def dropped(self) -> list[Dropped]:
        """The stage dates --lenient left out of the row built last."""
        return self.order.dropped

    def build(self, line: int, row: dict[str, Any]) -> Built:
        cells, col = self.cells, self.columns.col
        self.order.dropped = []
        p = self.fixed
        if p is None:
            p = self.lookup.pipeline(cells.text(row, "pipeline"), line, col("pipeline"))
        if self.own and cells.cell(row, "history") is not None:
            return self._own(p, row)
        if not p.stages and not self.columns.stage_dates and cells.cell(row, "stage") is None:
            raise RowError(f"pipeline {p.name} has no stages", col("pipeline"), p.name)
        stage, status = self._stage_and_status(p, row)
        created = Dated(cells.text(row, "created_at"), self.created_col, cells)
        # an open deal's close date (a planned one, as HubSpot's) is no close
        closed = Dated(
            None if status == "open" else cells.text(row, "closed_at"), self.closed_col, cells
        )
        if status != "open" and closed.at is None:
            raise RowError(
                f"a {status} deal needs a close date (map one with --map closed_at=COLUMN)",
                col("closed_at") or col("stage"),
                cause=f"a {status} deal without a close date",
            )
        entries = self.order.settle(line, self._entries(p, row), created, closed)
        # without a creation date, the earliest date in its history stands for it;
        # with no date at all, the deal is created by the import
        start = created.at
        if not start:
            known = [e[0] for e in entries] + ([closed.at] if closed.at else [])
            start = min(known, default=self.recorded)
        if stage is None:
            stage = entries[-1][1] if entries else (p.stages[0] if p.stages else None)
        if stage is None:
            raise RowError(f"pipeline {p.name} has no stages", col("pipeline"), p.name)
        events, current, last_at = self._moves(p, entries, start, stage)
        entered = events[-1][2]
        if status != "open":
            assert closed.at is not None
            if closed.at < last_at:  # settle() keeps every date before the close
                raise RowError(
                    f"closed before it entered {current.name}", closed.column, closed.text
                )
            events.append(
                ((current.id, "open"), (current.id, status), closed.at, None, self.recorded)
            )
        return events, {
            "pipeline_id": p.id,
            "stage_id": current.id,
            "status": status,
            "created_at": start,
            "closed_at": closed.at,
            "stage_entered_at": entered,
        }

    def _stage_and_status(self, p: Pipeline, row: dict[str, Any]) -> tuple[Stage | None, str]:
        """The stage the row names (None for none, or won/lost), and its status."""
        cells, mapping = self.cells, self.columns.mapping
        stage_text = cells.text(row, "stage")
        status_text = cells.text(row, "status")
        status = "open"
        stage: Stage | None = None
        if stage_text is not None:
            said = self.outcomes.get(stage_text)
            if said is None:
                target = self.stage_map.get(stage_key(stage_text), stage_text)
                said = (target, OUTCOME_WORDS.get(stage_key(target)))
                if len(self.outcomes) < CACHED:
                    self.outcomes[stage_text] = said
            target, outcome = said
            if outcome is not None:
                status = outcome
            else:
                stage = self.lookup.stage(p, target, mapping["stage"][0], stage_text)
        if status_text is not None:
            key = stage_key(status_text)
            if key not in ("open", "won", "lost"):
                raise RowError(
                    "status must be open, won or lost", mapping["status"][0], status_text
                )
            if status != "open" and key != status:
                raise RowError(
                    f"the stage column says {status}, the status column {key}",
                    mapping["status"][0],
                    status_text,
                )
            status = key
        return stage, self._flagged(row, status)

    def _flagged(self, row: dict[str, Any], status: str) -> str:
        """The status once true/false columns (is_won, is_closed) have their say."""
        if "is_won" not in self.columns.mapping and "is_closed" not in self.columns.mapping:
            return status
        won = self.cells.flag(row, "is_won")
        closed = self.cells.flag(row, "is_closed")
        said = status
        if won:
            said = "won"
        elif closed and won is False:
            said = "lost"
        elif closed and status == "open":
            raise self._flag_error(
                row, "is_closed", "says closed, but nothing says won or lost (map is_won)"
            )
        elif closed is False:
            said = "open"
        if won and closed is False:
            raise self._flag_error(row, "is_closed", "says open, but is_won says won")
        if status != "open" and said != status:
            name = "is_won" if won is not None else "is_closed"
            raise self._flag_error(row, name, f"says otherwise than the stage or status ({status})")
        return said

    def _flag_error(self, row: dict[str, Any], name: str, why: str) -> RowError:
        column = self.columns.mapping[name][0]
        return RowError(f"{column} {why}", column, self.cells.cell(row, name))

    def _entries(self, p: Pipeline, row: dict[str, Any]) -> list[Entry]:
        """Each stage the row gives a date for, in order of date."""
        entries: list[Entry] = []
        for stage_name, column in self.columns.stage_dates:
            text = row.get(column)
            if isinstance(text, str):
                text = text.strip()
            if not text:
                continue
            at, end = self.cells.moment(str(text), column)
            assert at is not None
            stage = self.lookup.stage(p, stage_name, column)
            entries.append(Entry(at, stage, column, str(text), end))
        if len(entries) > 1:
            entries.sort(key=lambda e: (e.at, e.stage.position))
        return entries

    def _moves(
        self, p: Pipeline, entries: list[tuple[str, Stage]], created: str, stage: Stage
    ) -> tuple[list[Event], Stage, str]:
        """Creation and the moves through the dated stages to `stage`: the events,
        the stage it ends in and the last date it has."""
        rec = self.recorded
        first = (
            entries[0][1]
            if entries and entries[0][0] == created
            else (p.stages[0] if entries else stage)
        )
        events: list[Event] = [(None, (first.id, "open"), created, None, rec)]
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
        return events, current, last_at

    def _own(self, p: Pipeline, row: dict[str, Any]) -> Built:
        """The history of funnelcli's own export, as it was."""
        cells = self.cells
        col = self.columns.mapping["history"][0]
        given = cells.cell(row, "history")
        if isinstance(given, str):
            given = json_cell(given, "not a JSON list", col)
        if not isinstance(given, list) or not given:
            raise RowError("a history is a non-empty JSON list", col)
        events = self._own_events(p, given, col)
        state = events[-1][1]
        named = self.columns.col
        created = cells.instant(cells.text(row, "created_at"), named("created_at")) or events[0][2]
        closed = cells.instant(cells.text(row, "closed_at"), named("closed_at"))
        entered = cells.instant(cells.text(row, "stage_entered_at"), named("stage_entered_at"))
        if entered is None:
            entered = next(
                ev[2] for ev in reversed(events) if ev[0] is None or ev[0][0] != ev[1][0]
            )
        stage_id, status = state
        pid = TransferStore(self.ctx.store.conn).stage_pipeline_id(stage_id)
        return events, {
            "pipeline_id": pid,
            "stage_id": stage_id,
            "status": status,
            "created_at": created,
            "closed_at": closed,
            "stage_entered_at": entered,
        }

    def _own_events(self, p: Pipeline, given: list[Any], col: str) -> list[Event]:
        lookup = self.lookup
        events: list[Event] = []
        state: tuple[int, str] | None = None
        for e in given:
            if not isinstance(e, dict):
                raise RowError("each history entry is an object", col)
            frm = None
            if e.get("from_stage") is not None:
                fp = lookup.pipeline(e.get("from_pipeline") or p.name, 0)
                frm = (lookup.stage(fp, str(e["from_stage"]), col).id, str(e["from_status"]))
            tp = lookup.pipeline(e.get("to_pipeline") or p.name, 0)
            to = (lookup.stage(tp, str(e["to_stage"]), col).id, str(e["to_status"]))
            if frm != state:
                raise RowError("the history entries don't follow one another", col)
            at = self.cells.instant(str(e.get("at")), col)
            assert at is not None
            note = note_text(e.get("note"), col)
            events.append((frm, to, at, note, str(e.get("recorded_at") or self.recorded)))
            state = to
        return events
