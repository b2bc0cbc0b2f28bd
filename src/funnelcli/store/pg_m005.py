"""Team schema migration 5 (SQLite's m010): two indexes, as frozen SQL text;
never edited once shipped.

- `stage_stays_left`: a stage's stays by leave time, the length carried in
  the index (INCLUDE: not part of the key, as SQLite's third column is in
  effect), so days in stage for a window (`report funnel --since`) reads a
  range of it, index only, instead of every stay of the stage.
- `handoffs_to`: a receiver's hand-offs, the name folded as `funnel inbox`
  folds it (`lower()` of the "C" column folds ASCII only, as SQLite's), in
  id order.

Plain CREATE INDEX, in migrate()'s transaction (CONCURRENTLY can't run in
one): it holds off writers, not readers, while it builds (at 1M deals,
4.6M stays: seconds).
"""

from __future__ import annotations

MIGRATION: tuple[str, ...] = (
    "CREATE INDEX stage_stays_left ON stage_stays (stage_id, left_at) INCLUDE (days)",
    "CREATE INDEX handoffs_to ON handoffs (lower(to_owner), id)",
)
