"""m011's statement as the frozen SQL text it shipped: one index, no data
changed (team schema 6, store/pg_m006.py, makes the same on PostgreSQL).

- `deals_won`: the won deals by close time, with their currency and
  creation time beside it (the rowid, their id, comes with every SQLite
  index). `status` leads the key though it is always 'won' here: without
  ANALYZE, SQLite's planner prefers an index with an equality on its first
  column, and would take `deals_closed (status, closed_at)` and read the
  table instead. `report metrics` (and the review, trends and roll-ups) reads the
  deals won in a window twice, for the sales cycle and for the touches per
  win: a range of this small index (won deals only) instead of a row of
  the table per deal, scattered over all of it.
"""

from __future__ import annotations

INDEXES: list[str] = [
    "CREATE INDEX deals_won ON deals(status, closed_at, currency, created_at) WHERE status = 'won'",
]
