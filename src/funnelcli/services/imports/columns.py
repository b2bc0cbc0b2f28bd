"""Which column feeds which deal field: by name (case, spacing and punctuation
ignored, plus a few common aliases), by `--map FIELD=COLUMN`, and the dates a
deal entered a stage (`--stage-date STAGE=COLUMN`, or `entered_<stage>`);
what is left becomes custom fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from funnelcli.errors import FunnelError, UsageError
from funnelcli.models import Pipeline, stage_key
from funnelcli.services import Context, resolve_pipeline

FIELDS = (
    "external_id", "title", "org", "contact", "email", "phone", "value", "currency",
    "owner", "pipeline", "stage", "status", "probability", "tags", "source",
    "lost_reason", "expected_close", "next_follow_up", "created_at", "closed_at",
    "snoozed_until", "snooze_reason", "fields", "is_won", "is_closed",
)  # fmt: skip
# What funnelcli's own export adds, read back only from it.
OWN_FIELDS = (
    "id", "uuid", "probability_override", "stage_entered_at", "history", "activities",
    "next_follow_up_at",
)  # fmt: skip
# Derived on write, so an export's copy is ignored rather than kept as a custom field
# (but for its updated_at: Cells.updated).
DERIVED = ("updated_at", "touches", "last_activity_at", "pipelines")
ALIASES = {
    "name": "title", "deal": "title", "deal_name": "title", "deal_title": "title",
    "company": "org", "organization": "org", "organisation": "org", "account": "org",
    "organization_name": "org", "company_name": "org",
    "amount": "value", "deal_value": "value",
    "contact_person": "contact", "person": "contact", "contact_name": "contact",
    "e_mail": "email", "email_address": "email", "phone_number": "phone",
    "deal_stage": "stage", "pipeline_stage": "stage", "stage_name": "stage",
    "opportunity_name": "title", "account_name": "org", "opportunity_owner": "owner",
    "deal_status": "status",
    "tag": "tags", "labels": "tags", "label": "tags",
    "expected_close_date": "expected_close", "close_date": "closed_at", "closed": "closed_at",
    "closed_date": "closed_at", "won_date": "closed_at",
    "created": "created_at", "create_date": "created_at", "created_date": "created_at",
    "add_time": "created_at", "owner_name": "owner", "deal_owner": "owner",
    "lost_reason_text": "lost_reason", "next_activity_date": "next_follow_up",
    # true/false columns that close a deal (Salesforce's IsWon, IsClosed)
    "iswon": "is_won", "won_flag": "is_won", "isclosed": "is_closed", "closed_flag": "is_closed",
}  # fmt: skip
# Text fields read as they are (email is checked apart).
TEXT_FIELDS = (
    "external_id", "org", "contact", "email", "phone", "source", "lost_reason",
    "snooze_reason", "owner",
)  # fmt: skip


def column_key(name: str) -> str:
    """How headers are matched: case, spacing and punctuation ignored."""
    return "_".join(re.findall(r"[0-9a-z]+", name.casefold()))


def entered(column: str) -> bool:
    return column_key(column).startswith("entered_")


@dataclass
class Columns:
    mapping: dict[str, list[str]]  # field -> the columns feeding it
    stage_dates: list[tuple[str, str]]  # (stage name as given, column)
    used: set[str]  # the columns mapping and stage_dates read
    skip: set[str]  # an export's derived columns
    custom: list[str]  # the columns that become custom fields
    dynamic: bool  # JSON rows: any deal field may come in a later row
    text_fields: list[str]

    def col(self, name: str) -> str | None:
        """The (first) column of a field, if one feeds it."""
        cols = self.mapping.get(name)
        return cols[0] if cols else None


def read_columns(
    ctx: Context,
    columns: list[str],
    fmt: str,
    maps: list[str],
    stage_dates: list[str],
    own: bool,
    fixed: Pipeline | None,
) -> Columns:
    """The header (`columns`, extended in place for JSON) read as the options say."""
    dynamic = fmt != "csv"
    if dynamic:
        extra = FIELDS + (OWN_FIELDS if own else ())
        columns += [f for f in extra if f not in columns]
    mapping = _mapping(columns, maps, own)
    dates = _stage_date_columns(ctx, columns, stage_dates, own, fixed)
    used = {c for cols in mapping.values() for c in cols}
    used |= {c for _, c in dates}
    return Columns(
        mapping=mapping,
        stage_dates=dates,
        used=used,
        skip={c for c in columns if own and column_key(c) in DERIVED},
        custom=[
            c
            for c in columns
            if c not in used and not (own and (column_key(c) in DERIVED or entered(c)))
        ],
        dynamic=dynamic,
        text_fields=[f for f in TEXT_FIELDS if f in mapping and f != "email"],
    )


def _mapping(columns: list[str], maps: list[str], own: bool) -> dict[str, list[str]]:
    """field -> the columns feeding it (one, or several for `fields`)."""
    known = FIELDS + (OWN_FIELDS if own else ())
    out: dict[str, list[str]] = {}
    for c in columns:
        k = column_key(c)
        name = k if k in known else ALIASES.get(k)
        if name is not None and name not in out and (name in known):
            out[name] = [c]
    explicit = _explicit_maps(columns, maps)
    for target, cols in explicit.items():
        # an explicit map wins, and takes its columns away from fields they fed by name
        for name, fed in list(out.items()):
            if fed[0] in cols and name not in explicit:
                del out[name]
        out[target] = cols
    return out


def _explicit_maps(columns: list[str], maps: list[str]) -> dict[str, list[str]]:
    """--map FIELD=COLUMN, each checked: field -> its columns, in the order given."""
    by_key = {column_key(c): c for c in columns}
    explicit: dict[str, list[str]] = {}
    for m in maps:
        target, sep, col = m.partition("=")
        target, col = column_key(target), col.strip()
        if not sep or not target or not col:
            raise UsageError(f"--map takes FIELD=COLUMN, not '{m}'")
        if target not in FIELDS:
            raise UsageError(f"--map: '{target}' is not a deal field (fields: {', '.join(FIELDS)})")
        column = col if col in columns else by_key.get(column_key(col))
        if column is None:
            raise UsageError(
                f"--map {m}: the file has no column '{col}' "
                f"(columns: {', '.join(columns) or 'none'})"
            )
        # mapped twice: the first column with a value wins (Won time, Lost time)
        explicit.setdefault(target, []).append(column)
    return explicit


def _stage_date_columns(
    ctx: Context,
    columns: list[str],
    given: list[str],
    own: bool,
    fixed: Pipeline | None,
) -> list[tuple[str, str]]:
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
    if not given and not own:
        out += _entered_columns(ctx, columns, fixed)
    return out


def _entered_columns(
    ctx: Context, columns: list[str], fixed: Pipeline | None
) -> list[tuple[str, str]]:
    """entered_<stage> columns (as export writes them) of stages the pipeline
    has; any other entered_… column is just a column."""
    try:
        p = fixed or resolve_pipeline(ctx, None)
    except FunnelError:
        p = None
    keys = {stage_key(s.name) for s in p.stages} if p is not None else set()
    out = []
    for c in columns:
        name = column_key(c).removeprefix("entered_").replace("_", " ")
        if entered(c) and stage_key(name) in keys:
            out.append((name, c))
    return out
