"""What the current code expects of the database, cheap to import.

`SCHEMA_VERSION` is the number of migrations in funnelcli.migrations;
`store.connection.migrate` writes it to `PRAGMA user_version` once every
pending migration is applied, so every command can tell with one pragma
whether migrations are pending without importing sqlite-utils (~115 ms).
"""

SCHEMA_VERSION = 11

# Tables whose changes `funnel undo` can revert, with their key columns. Each
# has undo triggers that note every one of its columns (m004's, frozen text);
# a migration that adds a column to one drops and recreates its triggers.
UNDO_TABLES: dict[str, tuple[str, ...]] = {
    "pipelines": ("id",),
    "stages": ("id",),
    "deals": ("id",),
    "deal_tags": ("deal_id", "tag"),
    "deal_fields": ("deal_id", "key"),
    "stage_events": ("id",),
    "stage_stays": ("id",),
    "activities": ("id",),
    "settings": ("key",),  # m008: the database's own settings (timezone)
    "handoffs": ("id",),  # m009: a deal handed to a stage's owner
    "inbox_seen": ("owner",),  # m009: the newest hand-off each receiver has looked at
}

# The furthest stage a deal reached in its current pipeline, by the stages'
# current order (kept in deals.furthest_stage_id on write; used by m003 too).
FURTHEST_STAGE = """(SELECT s.id FROM stage_stays st JOIN stages s ON s.id = st.stage_id
    WHERE st.deal_id = deals.id AND s.pipeline_id = deals.pipeline_id
    AND s.removed_at IS NULL
    ORDER BY s.position DESC, s.id DESC LIMIT 1)"""
