"""What the current code expects of the database, cheap to import.

`SCHEMA_VERSION` is written to `PRAGMA user_version` by the last migration,
so every command can tell with one pragma whether migrations are pending
without importing sqlite-utils (~115 ms).
"""

SCHEMA_VERSION = 6

# The furthest stage a deal reached in its current pipeline, by the stages'
# current order (kept in deals.furthest_stage_id on write; used by m003 too).
FURTHEST_STAGE = """(SELECT s.id FROM stage_stays st JOIN stages s ON s.id = st.stage_id
    WHERE st.deal_id = deals.id AND s.pipeline_id = deals.pipeline_id
    AND s.removed_at IS NULL
    ORDER BY s.position DESC, s.id DESC LIMIT 1)"""
