"""m008's undo triggers for `settings(key, value)` as the frozen SQL text it
shipped (undo_trigger_sql's output then): moved out of migrations.py, the
text unchanged."""

from __future__ import annotations

SETTINGS_TRIGGERS: list[str] = [
    (
        "CREATE TRIGGER settings_undo_insert AFTER INSERT ON settings "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'settings', 'insert', json_object('key', NEW.key), NULL\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER settings_undo_update AFTER UPDATE ON settings "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'settings', 'update', json_object('key', OLD.key), "
        "json_object('key', OLD.key, 'value', OLD.value)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
    (
        "CREATE TRIGGER settings_undo_delete AFTER DELETE ON settings "
        "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)\n"
        "            BEGIN\n"
        "                INSERT INTO change_rows (change_id, tbl, op, key, old)\n"
        "                SELECT id, 'settings', 'delete', json_object('key', OLD.key), "
        "json_object('key', OLD.key, 'value', OLD.value)\n"
        "                FROM changes WHERE open = 1;\n"
        "            END"
    ),
]
