"""m004's undo triggers, frozen as the SQL text that shipped.

m004 made them with a helper from the columns each table then had; this is
that helper's output, copied once, byte for byte, from the `sqlite_master` of a
database m004 migrated (tests/fixtures/schema-v4.sqlite; tests/test_schema.py
checks that they still match). Frozen, so that no later edit of a helper, and no
column a later migration adds, can change what m004 creates: a database made
today and one upgraded from any release end up with the same schema. Never
edit; a migration that changes a table's columns drops that table's triggers and
creates new ones from text frozen the same way (`undo_trigger_sql` in
funnelcli.migrations prints it).

Imported only by funnelcli.migrations, i.e. only when a database is migrated.
"""

from __future__ import annotations

# In the order m004 created them: by table as in schema.UNDO_TABLES, then
# insert, update, delete.
TRIGGERS: tuple[str, ...] = (
    # pipelines
    (
        "CREATE TRIGGER pipelines_undo_insert AFTER INSERT ON pipelines "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'pipelines', 'insert', json_object('id', NEW.id), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER pipelines_undo_update AFTER UPDATE ON pipelines "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'pipelines', 'update', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'uuid', OLD.uuid, 'name', OLD.name, 'key', OLD.key, "
        "'created_at', OLD.created_at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER pipelines_undo_delete AFTER DELETE ON pipelines "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'pipelines', 'delete', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'uuid', OLD.uuid, 'name', OLD.name, 'key', OLD.key, "
        "'created_at', OLD.created_at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
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
        "json_object('id', OLD.id, 'pipeline_id', OLD.pipeline_id, 'name', OLD.name, 'key', "
        "OLD.key, 'position', OLD.position, 'probability', OLD.probability, 'rot_days', "
        "OLD.rot_days, 'cadence_days', OLD.cadence_days, 'removed_at', OLD.removed_at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER stages_undo_delete AFTER DELETE ON stages "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stages', 'delete', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'pipeline_id', OLD.pipeline_id, 'name', OLD.name, 'key', "
        "OLD.key, 'position', OLD.position, 'probability', OLD.probability, 'rot_days', "
        "OLD.rot_days, 'cadence_days', OLD.cadence_days, 'removed_at', OLD.removed_at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    # deals
    (
        "CREATE TRIGGER deals_undo_insert AFTER INSERT ON deals "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deals', 'insert', json_object('id', NEW.id), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER deals_undo_update AFTER UPDATE ON deals "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deals', 'update', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'uuid', OLD.uuid, 'external_id', OLD.external_id, "
        "'title', OLD.title, 'org', OLD.org, 'contact', OLD.contact, 'email', OLD.email, "
        "'phone', OLD.phone, 'value', OLD.value, 'currency', OLD.currency, 'owner', "
        "OLD.owner, 'pipeline_id', OLD.pipeline_id, 'stage_id', OLD.stage_id, 'status', "
        "OLD.status, 'probability', OLD.probability, 'source', OLD.source, 'lost_reason', "
        "OLD.lost_reason, 'expected_close', OLD.expected_close, 'next_follow_up', "
        "OLD.next_follow_up, 'stage_entered_at', OLD.stage_entered_at, 'created_at', "
        "OLD.created_at, 'updated_at', OLD.updated_at, 'closed_at', OLD.closed_at, "
        "'snoozed_until', OLD.snoozed_until, 'snooze_reason', OLD.snooze_reason, "
        "'last_activity_at', OLD.last_activity_at, 'furthest_stage_id', "
        "OLD.furthest_stage_id)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER deals_undo_delete AFTER DELETE ON deals "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deals', 'delete', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'uuid', OLD.uuid, 'external_id', OLD.external_id, "
        "'title', OLD.title, 'org', OLD.org, 'contact', OLD.contact, 'email', OLD.email, "
        "'phone', OLD.phone, 'value', OLD.value, 'currency', OLD.currency, 'owner', "
        "OLD.owner, 'pipeline_id', OLD.pipeline_id, 'stage_id', OLD.stage_id, 'status', "
        "OLD.status, 'probability', OLD.probability, 'source', OLD.source, 'lost_reason', "
        "OLD.lost_reason, 'expected_close', OLD.expected_close, 'next_follow_up', "
        "OLD.next_follow_up, 'stage_entered_at', OLD.stage_entered_at, 'created_at', "
        "OLD.created_at, 'updated_at', OLD.updated_at, 'closed_at', OLD.closed_at, "
        "'snoozed_until', OLD.snoozed_until, 'snooze_reason', OLD.snooze_reason, "
        "'last_activity_at', OLD.last_activity_at, 'furthest_stage_id', "
        "OLD.furthest_stage_id)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    # deal_tags
    (
        "CREATE TRIGGER deal_tags_undo_insert AFTER INSERT ON deal_tags "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deal_tags', 'insert', json_object('deal_id', "
        "NEW.deal_id, 'tag', NEW.tag), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER deal_tags_undo_update AFTER UPDATE ON deal_tags "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deal_tags', 'update', json_object('deal_id', "
        "OLD.deal_id, 'tag', OLD.tag), json_object('deal_id', OLD.deal_id, 'tag', OLD.tag)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER deal_tags_undo_delete AFTER DELETE ON deal_tags "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deal_tags', 'delete', json_object('deal_id', "
        "OLD.deal_id, 'tag', OLD.tag), json_object('deal_id', OLD.deal_id, 'tag', OLD.tag)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    # deal_fields
    (
        "CREATE TRIGGER deal_fields_undo_insert AFTER INSERT ON deal_fields "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deal_fields', 'insert', json_object('deal_id', "
        "NEW.deal_id, 'key', NEW.key), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER deal_fields_undo_update AFTER UPDATE ON deal_fields "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deal_fields', 'update', json_object('deal_id', "
        "OLD.deal_id, 'key', OLD.key), json_object('deal_id', OLD.deal_id, 'key', OLD.key, "
        "'value', OLD.value)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER deal_fields_undo_delete AFTER DELETE ON deal_fields "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'deal_fields', 'delete', json_object('deal_id', "
        "OLD.deal_id, 'key', OLD.key), json_object('deal_id', OLD.deal_id, 'key', OLD.key, "
        "'value', OLD.value)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    # stage_events
    (
        "CREATE TRIGGER stage_events_undo_insert AFTER INSERT ON stage_events "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stage_events', 'insert', json_object('id', NEW.id), "
        "NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER stage_events_undo_update AFTER UPDATE ON stage_events "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stage_events', 'update', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'deal_id', OLD.deal_id, 'from_stage_id', "
        "OLD.from_stage_id, 'from_status', OLD.from_status, 'to_stage_id', OLD.to_stage_id, "
        "'to_status', OLD.to_status, 'at', OLD.at, 'note', OLD.note, 'recorded_at', "
        "OLD.recorded_at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER stage_events_undo_delete AFTER DELETE ON stage_events "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stage_events', 'delete', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'deal_id', OLD.deal_id, 'from_stage_id', "
        "OLD.from_stage_id, 'from_status', OLD.from_status, 'to_stage_id', OLD.to_stage_id, "
        "'to_status', OLD.to_status, 'at', OLD.at, 'note', OLD.note, 'recorded_at', "
        "OLD.recorded_at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    # stage_stays
    (
        "CREATE TRIGGER stage_stays_undo_insert AFTER INSERT ON stage_stays "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stage_stays', 'insert', json_object('id', NEW.id), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER stage_stays_undo_update AFTER UPDATE ON stage_stays "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stage_stays', 'update', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'deal_id', OLD.deal_id, 'stage_id', OLD.stage_id, "
        "'entered_at', OLD.entered_at, 'left_at', OLD.left_at, 'days', OLD.days)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER stage_stays_undo_delete AFTER DELETE ON stage_stays "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'stage_stays', 'delete', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'deal_id', OLD.deal_id, 'stage_id', OLD.stage_id, "
        "'entered_at', OLD.entered_at, 'left_at', OLD.left_at, 'days', OLD.days)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    # activities
    (
        "CREATE TRIGGER activities_undo_insert AFTER INSERT ON activities "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'activities', 'insert', json_object('id', NEW.id), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER activities_undo_update AFTER UPDATE ON activities "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'activities', 'update', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'deal_id', OLD.deal_id, 'kind', OLD.kind, 'note', "
        "OLD.note, 'at', OLD.at, 'recorded_at', OLD.recorded_at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER activities_undo_delete AFTER DELETE ON activities "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'activities', 'delete', json_object('id', OLD.id), "
        "json_object('id', OLD.id, 'deal_id', OLD.deal_id, 'kind', OLD.kind, 'note', "
        "OLD.note, 'at', OLD.at, 'recorded_at', OLD.recorded_at)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
)
