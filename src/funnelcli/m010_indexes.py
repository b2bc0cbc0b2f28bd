"""m010's statements as the frozen SQL text it shipped: two indexes, no data
changed (team schema 5, store/pg_m005.py, makes the same on PostgreSQL).

- `stage_stays_left`: days in stage for a window (`report funnel --since`)
  counts the stays of a stage that ended in it: a range of this index
  (stage, leave time, with the length beside it for the sum), instead of
  every stay of the stage in stage_stays_days.
- `handoffs_to`: `funnel inbox` finds a receiver's hand-offs, the name
  folded as the query folds it (`lower()`), in id order.
"""

from __future__ import annotations

INDEXES: list[str] = [
    "CREATE INDEX stage_stays_left ON stage_stays(stage_id, left_at, days)",
    "CREATE INDEX handoffs_to ON handoffs(lower(to_owner), id)",
]
