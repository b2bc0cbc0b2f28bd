"""m009's statements as the frozen SQL text it shipped: stage owners and the
record of hand-offs (issue 16's conveyor).

- `stages.owner`: who a deal entering the stage is handed to (NULL: nobody);
  the stages' undo triggers are made again with that column noted.
- `handoffs`: one row per hand-off, written with the move (or the add) that
  made it, in its transaction: the deal, the stage event of the move
  (`event_id`, the history row it goes with), the stages it came from and
  went to, the owners before and after, who moved it and when.
- `inbox_seen`: per receiver (the owner's name case-folded as --owner
  filters fold it), the newest hand-off `funnel inbox` has shown them.

Both new tables are under the undo triggers (`undo_trigger_sql`'s output
for their columns, frozen here), so a move and its hand-off are one change.
"""

from __future__ import annotations

TABLES: list[str] = [
    "ALTER TABLE stages ADD COLUMN owner TEXT",
    "DROP TRIGGER stages_undo_insert",
    "DROP TRIGGER stages_undo_update",
    "DROP TRIGGER stages_undo_delete",
    """CREATE TABLE handoffs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
                event_id INTEGER NOT NULL,
                from_stage_id INTEGER REFERENCES stages(id),
                to_stage_id INTEGER NOT NULL REFERENCES stages(id),
                from_owner TEXT NOT NULL,
                to_owner TEXT NOT NULL,
                handed_by TEXT NOT NULL,
                at TEXT NOT NULL
            )""",
    "CREATE INDEX handoffs_deal ON handoffs(deal_id, id)",
    """CREATE TABLE inbox_seen (
                owner TEXT PRIMARY KEY,
                last_seen INTEGER NOT NULL
            ) WITHOUT ROWID""",
]

# undo_trigger_sql's output for stages (with owner), handoffs and inbox_seen, frozen.
TRIGGERS: list[str] = [
    # stages
    (
        "CREATE TRIGGER stages_undo_insert AFTER INSERT ON stages "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stages', 'insert', json_object('id', NEW.id), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER stages_undo_update AFTER UPDATE ON stages "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stages', 'update', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'pipeline_id', OLD.pipeline_id, 'name', "
        "OLD.name, 'key', OLD.key, 'position', OLD.position, 'probability', "
        "OLD.probability, 'rot_days', OLD.rot_days, 'cadence_days', "
        "OLD.cadence_days, 'removed_at', OLD.removed_at, 'owner', OLD.owner)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER stages_undo_delete AFTER DELETE ON stages "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stages', 'delete', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'pipeline_id', OLD.pipeline_id, 'name', "
        "OLD.name, 'key', OLD.key, 'position', OLD.position, 'probability', "
        "OLD.probability, 'rot_days', OLD.rot_days, 'cadence_days', "
        "OLD.cadence_days, 'removed_at', OLD.removed_at, 'owner', OLD.owner)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    # handoffs
    (
        "CREATE TRIGGER handoffs_undo_insert AFTER INSERT ON handoffs "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'handoffs', 'insert', json_object('id', NEW.id), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER handoffs_undo_update AFTER UPDATE ON handoffs "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'handoffs', 'update', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'deal_id', OLD.deal_id, 'event_id', "
        "OLD.event_id, 'from_stage_id', OLD.from_stage_id, 'to_stage_id', "
        "OLD.to_stage_id, 'from_owner', OLD.from_owner, 'to_owner', "
        "OLD.to_owner, 'handed_by', OLD.handed_by, 'at', OLD.at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER handoffs_undo_delete AFTER DELETE ON handoffs "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'handoffs', 'delete', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'deal_id', OLD.deal_id, 'event_id', "
        "OLD.event_id, 'from_stage_id', OLD.from_stage_id, 'to_stage_id', "
        "OLD.to_stage_id, 'from_owner', OLD.from_owner, 'to_owner', "
        "OLD.to_owner, 'handed_by', OLD.handed_by, 'at', OLD.at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    # inbox_seen
    (
        "CREATE TRIGGER inbox_seen_undo_insert AFTER INSERT ON inbox_seen "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'inbox_seen', 'insert', json_object('owner', NEW.owner), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER inbox_seen_undo_update AFTER UPDATE ON inbox_seen "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'inbox_seen', 'update', json_object('owner', OLD.owner), "
        "json_object('owner', OLD.owner, 'last_seen', OLD.last_seen)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER inbox_seen_undo_delete AFTER DELETE ON inbox_seen "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'inbox_seen', 'delete', json_object('owner', OLD.owner), "
        "json_object('owner', OLD.owner, 'last_seen', OLD.last_seen)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
]
