"""The records of a deal's detail (`show`: its history and touches) and of
pipeline summaries: apart from funnelcli.models so that the commands that
don't show them don't load them."""

from __future__ import annotations

from typing import Any

from funnelcli.models import Deal, Pipeline, Record


class HistoryEntry(Record):
    """One stage event of a deal: from where to where, when, and its note;
    and the hand-off it made, if any (from whom, to whom, by whom)."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "from_stage",
        "to_stage",
        "at",
        "note",
        "from_owner",
        "to_owner",
        "by",
    )

    def __init__(
        self,
        from_stage: str | None,
        to_stage: str,
        at: str,
        note: str | None,
        from_owner: str | None = None,
        to_owner: str | None = None,
        by: str | None = None,
    ) -> None:
        self.from_stage = from_stage
        self.to_stage = to_stage
        self.at = at
        self.note = note
        self.from_owner = from_owner
        self.to_owner = to_owner
        self.by = by


class Activity(Record):
    """One logged touch or note on a deal."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "id",
        "kind",
        "note",
        "at",
    )

    def __init__(
        self,
        id: int,
        kind: str,
        note: str | None,
        at: str,
    ) -> None:
        self.id = id
        self.kind = kind
        self.note = note
        self.at = at


class DealDetail(Record):
    """A deal with its stage history and activities, oldest first (`show`)."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "deal",
        "history",
        "activities",
        "score",
    )

    def __init__(
        self,
        deal: Deal,
        history: list[HistoryEntry],
        activities: list[Activity],
        score: Any = None,
    ) -> None:
        self.deal = deal
        self.history = history
        self.activities = activities
        self.score = score  # an open deal's services.score.Score; None when closed


class PipelineSummary(Record):
    """A pipeline, whether it is the default, and its open deals per stage."""

    __slots__ = (  # noqa: RUF023 (in field order, as repr lists them)
        "pipeline",
        "is_default",
        "open_deals",
    )

    def __init__(
        self,
        pipeline: Pipeline,
        is_default: bool,
        open_deals: dict[int, int],
    ) -> None:
        self.pipeline = pipeline
        self.is_default = is_default
        self.open_deals = open_deals  # stage id -> open deal count
