"""The dataclasses of a deal's detail (`show`: its history and touches) and
of pipeline summaries: apart from funnelcli.models so that the commands that
don't show them don't pay for making them at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from funnelcli.models import Deal, Pipeline


@dataclass
class HistoryEntry:
    """One stage event of a deal: from where to where, when, and its note."""

    from_stage: str | None
    to_stage: str
    at: str
    note: str | None


@dataclass
class Activity:
    """One logged touch or note on a deal."""

    id: int
    kind: str
    note: str | None
    at: str


@dataclass
class DealDetail:
    """A deal with its stage history and activities, oldest first (`show`)."""

    deal: Deal
    history: list[HistoryEntry]
    activities: list[Activity]


@dataclass
class PipelineSummary:
    """A pipeline, whether it is the default, and its open deals per stage."""

    pipeline: Pipeline
    is_default: bool
    open_deals: dict[int, int]  # stage id -> open deal count
