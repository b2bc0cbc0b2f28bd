"""A row's dates put in order: creation, the stage dates, the close.

A bare date says only the day: a stage date (or close) on the day of a
timestamped creation happened that day, not before it, so its moment is the
creation's (a close on the day of its last stage date, that date's). A stage
date still before the creation, or after the close, is an error naming its
column and value; with `--lenient` it is dropped (the deal is kept) and the
drop reported.
"""

from __future__ import annotations

from typing import NamedTuple

from funnelcli.models import Stage
from funnelcli.services.imports.cells import Cells
from funnelcli.services.imports.model import Dropped, RowError


class Entry(NamedTuple):
    """A stage date as read: when, the stage, where it came from."""

    at: str
    stage: Stage
    column: str
    text: str
    end: str | None  # a bare date: the start of the next day


class Dated:
    """A creation or close date of a row: its moment, and where it came from."""

    def __init__(self, text: str | None, column: str | None, cells: Cells) -> None:
        self.text, self.column = text, column
        self.at: str | None
        self.end: str | None
        self.at, self.end = cells.moment(text, column)

    def named(self) -> str:
        return f"{self.column} {self.text!r}" if self.column else repr(self.text)


class Order:
    def __init__(self, lenient: bool) -> None:
        self.lenient = lenient
        self.dropped: list[Dropped] = []

    def settle(
        self, line: int, entries: list[Entry], created: Dated, closed: Dated
    ) -> list[tuple[str, Stage]]:
        """(when, stage) of the stage dates that fit between creation and
        close, in order; `closed.at` moved to its day's last known moment."""
        if created.at is not None and entries:
            entries = [_not_before(e, created.at) for e in entries]
        if closed.at is not None and closed.end is not None:
            same_day = [e.at for e in entries if closed.at < e.at < closed.end]
            if created.at is not None and closed.at < created.at < closed.end:
                same_day.append(created.at)
            closed.at = max(same_day, default=closed.at)
        if created.at is not None and closed.at is not None and closed.at < created.at:
            raise RowError(
                f"closed before the deal was created ({created.named()})",
                closed.column,
                closed.text,
                cause="closed before it was created",
            )
        kept = [(e.at, e.stage) for e in entries if self._fits(line, e, created, closed)]
        if len(kept) > 1:
            kept.sort(key=lambda e: (e[0], e[1].position))
        return kept

    def _fits(self, line: int, e: Entry, created: Dated, closed: Dated) -> bool:
        if created.at is not None and e.at < created.at:
            why = f"before the deal was created ({created.named()})"
            cause = "a stage date before the creation date"
        elif closed.at is not None and e.at > closed.at:
            why = f"after the deal closed ({closed.named()})"
            cause = "a stage date after the close"
        else:
            return True
        if not self.lenient:
            raise RowError(why, e.column, e.text, cause=f"{cause} (--lenient drops it)")
        self.dropped.append(Dropped(line, e.column, e.text, why, cause))
        return False


def _not_before(e: Entry, created: str) -> Entry:
    """A bare date on the creation's day is entered at the creation."""
    if e.end is not None and e.at < created < e.end:
        return e._replace(at=created)
    return e
