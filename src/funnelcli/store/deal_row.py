"""The deal row: what DEAL_SELECT returns, column by column, and its one decoder.

Each column is named once, beside its SQL; every reader of a deal (the Deal
dataclass, `list`'s streamed records, `export`) gets it by that name from
deal_values(). Adding a column is one line in DEAL_ROW (and the field of the
same name on models.Deal). Cheap to import: no models, no json until a row
holds tags or fields. The benchmark floors import it too, so they decode as
funnel does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# (name, SQL): one row per deal, pipeline and stage joined, tags and custom
# fields folded in as JSON, and the number of touches.
DEAL_ROW: tuple[tuple[str, str], ...] = (
    ("id", "d.id"),
    ("uuid", "d.uuid"),
    ("external_id", "d.external_id"),
    ("title", "d.title"),
    ("org", "d.org"),
    ("contact", "d.contact"),
    ("email", "d.email"),
    ("phone", "d.phone"),
    ("value", "d.value"),
    ("currency", "d.currency"),
    ("owner", "d.owner"),
    ("pipeline_id", "d.pipeline_id"),
    ("pipeline", "p.name"),
    ("stage_id", "d.stage_id"),
    ("stage", "s.name"),
    ("stage_position", "s.position"),
    ("status", "d.status"),
    ("probability_override", "d.probability"),
    ("stage_probability", "s.probability"),
    ("source", "d.source"),
    ("lost_reason", "d.lost_reason"),
    ("expected_close", "d.expected_close"),
    ("next_follow_up", "d.next_follow_up"),
    ("stage_entered_at", "d.stage_entered_at"),
    ("created_at", "d.created_at"),
    ("updated_at", "d.updated_at"),
    ("closed_at", "d.closed_at"),
    (
        "tags",
        "(SELECT json_group_array(tag) FROM "
        "(SELECT tag FROM deal_tags t WHERE t.deal_id = d.id ORDER BY tag) AS dt)",
    ),
    (
        "fields",
        "(SELECT json_group_object(key, value) FROM "
        "(SELECT key, value FROM deal_fields f WHERE f.deal_id = d.id ORDER BY key) AS df)",
    ),
    ("snoozed_until", "d.snoozed_until"),
    ("snooze_reason", "d.snooze_reason"),
    ("last_activity_at", "d.last_activity_at"),
    # a touch is contact with the customer: an internal note is none
    ("touches", "(SELECT count(*) FROM activities a WHERE a.deal_id = d.id AND a.kind <> 'note')"),
    # the stage's rot limit: the priority score's idle factor (services/score.py)
    ("rot_days", "s.rot_days"),
)
DEAL_NAMES = tuple(name for name, _ in DEAL_ROW)

# Split in two so a query can add columns of its own before FROM (they come
# after DEAL_NAMES in the row, and deal_values() leaves them out).
DEAL_FIELDS = "\nSELECT " + ",\n       ".join(sql for _, sql in DEAL_ROW) + "\n"
DEAL_FROM = """
FROM deals d
JOIN pipelines p ON p.id = d.pipeline_id
JOIN stages s ON s.id = d.stage_id
"""
DEAL_SELECT = DEAL_FIELDS + DEAL_FROM


def deal_values(row: Sequence[Any]) -> dict[str, Any]:
    """A DEAL_SELECT row by column name, tags as a list and fields as a dict."""
    values = dict(zip(DEAL_NAMES, row, strict=False))
    tags, fields = values["tags"], values["fields"]
    if tags != "[]" or fields != "{}":
        import json  # ~3 ms to import; most deals have neither

        values["tags"], values["fields"] = json.loads(tags), json.loads(fields)
    else:
        values["tags"], values["fields"] = [], {}
    return values
