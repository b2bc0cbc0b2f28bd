"""Team schema migration 6 (SQLite's m011): one index, as frozen SQL text;
never edited once shipped.

- `deals_won`: the won deals by close time (`status` first, as SQLite's
  key has it), their currency, creation time and id carried in the index
  (INCLUDE; SQLite's rowid is the id), so the sales cycle and the touches
  per win of the deals won in a window (`report metrics --since`, the
  review) read a range of it, index only, instead of a bitmap of heap pages
  spread over the whole table (at 1M deals: all 35,000 of them).

Plain CREATE INDEX, in migrate()'s transaction, as migration 5's.
"""

from __future__ import annotations

MIGRATION: tuple[str, ...] = (
    "CREATE INDEX deals_won ON deals (status, closed_at) INCLUDE (currency, created_at, id) "
    "WHERE status = 'won'",
)
