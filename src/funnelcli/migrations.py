"""Schema migrations, in order. Shipped migrations are never edited.

Imported only when `PRAGMA user_version` is behind `schema.SCHEMA_VERSION`.
A migration only runs its statements: `store.connection.migrate` applies every
pending one in one transaction and then sets `user_version` to
`SCHEMA_VERSION`, once. Statements run one by one with `db.execute`:
`executescript` would COMMIT the transaction the caller holds.

What a shipped migration creates is fixed text, never generated from the
code of the day: m004's undo triggers are frozen in
`funnelcli.m004_undo_triggers`. (m006 copies a table's own `CREATE` text
and its indexes and triggers from `sqlite_master`: what the database holds,
not what a helper makes.)
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from funnelcli.m004_undo_triggers import TRIGGERS as M004_UNDO_TRIGGERS
from funnelcli.m008_settings import SETTINGS_TRIGGERS as M008_SETTINGS_TRIGGERS
from funnelcli.m010_indexes import INDEXES as M010_INDEXES
from funnelcli.m011_indexes import INDEXES as M011_INDEXES
from funnelcli.schema import UNDO_TABLES as UNDO_TABLES  # its old home, re-exported

migrations = Migrations("funnelcli")


def _run(db: Database, statements: list[str]) -> None:
    for sql in statements:
        db.execute(sql)


@migrations()
def m001_initial(db: Database) -> None:
    _run(
        db,
        [
            """CREATE TABLE pipelines (
                id INTEGER PRIMARY KEY,
                uuid TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                key TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE stages (
                id INTEGER PRIMARY KEY,
                pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
                name TEXT NOT NULL,
                key TEXT NOT NULL,
                position INTEGER NOT NULL,
                probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
                rot_days INTEGER NOT NULL CHECK (rot_days > 0),
                cadence_days INTEGER NOT NULL CHECK (cadence_days >= 0),
                removed_at TEXT
            )""",
            "CREATE UNIQUE INDEX stages_key ON stages(pipeline_id, key) WHERE removed_at IS NULL",
            # AUTOINCREMENT: a deal's number is never given to another deal,
            # even after the newest one is deleted; people type these numbers.
            """CREATE TABLE deals (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                external_id TEXT UNIQUE,
                title TEXT NOT NULL,
                org TEXT,
                contact TEXT,
                email TEXT,
                phone TEXT,
                value INTEGER CHECK (value >= 0),
                currency TEXT NOT NULL,
                owner TEXT NOT NULL,
                pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
                stage_id INTEGER NOT NULL REFERENCES stages(id),
                status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
                probability INTEGER CHECK (probability BETWEEN 0 AND 100),
                source TEXT,
                lost_reason TEXT,
                expected_close TEXT,
                next_follow_up TEXT,
                stage_entered_at TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                closed_at TEXT
            )""",
            "CREATE INDEX deals_stage ON deals(stage_id, status)",
            "CREATE INDEX deals_pipeline ON deals(pipeline_id, status)",
            "CREATE INDEX deals_owner ON deals(owner, status)",
            "CREATE INDEX deals_follow_up ON deals(status, next_follow_up)",
            """CREATE TABLE deal_tags (
                deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
                tag TEXT NOT NULL,
                PRIMARY KEY (deal_id, tag)
            ) WITHOUT ROWID""",
            "CREATE INDEX deal_tags_tag ON deal_tags(tag)",
            """CREATE TABLE deal_fields (
                deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (deal_id, key)
            ) WITHOUT ROWID""",
            # Append-only: a move, close or reopen adds a row; nothing edits one.
            """CREATE TABLE stage_events (
                id INTEGER PRIMARY KEY,
                deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
                from_stage_id INTEGER REFERENCES stages(id),
                from_status TEXT CHECK (from_status IN ('open', 'won', 'lost')),
                to_stage_id INTEGER NOT NULL REFERENCES stages(id),
                to_status TEXT NOT NULL CHECK (to_status IN ('open', 'won', 'lost')),
                at TEXT NOT NULL,
                note TEXT,
                recorded_at TEXT NOT NULL
            )""",
            "CREATE INDEX stage_events_deal ON stage_events(deal_id, at, id)",
            """CREATE TRIGGER stage_events_append_only BEFORE UPDATE ON stage_events
               BEGIN SELECT RAISE(ABORT, 'stage history is append-only'); END""",
            # Derived from stage_events on write, for reports: one row per stay.
            """CREATE TABLE stage_stays (
                id INTEGER PRIMARY KEY,
                deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
                stage_id INTEGER NOT NULL REFERENCES stages(id),
                entered_at TEXT NOT NULL,
                left_at TEXT
            )""",
            "CREATE INDEX stage_stays_deal ON stage_stays(deal_id, left_at)",
            "CREATE INDEX stage_stays_stage ON stage_stays(stage_id, entered_at)",
            """CREATE TABLE activities (
                id INTEGER PRIMARY KEY,
                deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                note TEXT,
                at TEXT NOT NULL,
                recorded_at TEXT NOT NULL
            )""",
            "CREATE INDEX activities_deal ON activities(deal_id, at)",
        ],
    )


@migrations()
def m002_follow_ups(db: Database) -> None:
    """Snoozing and the last touch, for `due` and `stale`."""
    _run(
        db,
        [
            "ALTER TABLE deals ADD COLUMN snoozed_until TEXT",
            "ALTER TABLE deals ADD COLUMN snooze_reason TEXT",
            # Maintained on write, so `stale` needn't scan activities.
            "ALTER TABLE deals ADD COLUMN last_activity_at TEXT",
            """UPDATE deals SET last_activity_at =
                   (SELECT max(at) FROM activities a WHERE a.deal_id = deals.id)""",
        ],
    )


@migrations()
def m003_report_columns(db: Database) -> None:
    """What reports need, kept on write: each deal's furthest stage and each
    ended stay's length, so no report replays the event log."""
    _run(
        db,
        [
            "ALTER TABLE deals ADD COLUMN furthest_stage_id INTEGER REFERENCES stages(id)",
            "ALTER TABLE stage_stays ADD COLUMN days REAL",
            "UPDATE stage_stays SET days = julianday(left_at) - julianday(entered_at) "
            "WHERE left_at IS NOT NULL",
            # A copy, not schema.FURTHEST_STAGE: a shipped migration must not change.
            """UPDATE deals SET furthest_stage_id =
                (SELECT s.id FROM stage_stays st JOIN stages s ON s.id = st.stage_id
                 WHERE st.deal_id = deals.id AND s.pipeline_id = deals.pipeline_id
                 AND s.removed_at IS NULL
                 ORDER BY s.position DESC, s.id DESC LIMIT 1)""",
            "CREATE INDEX deals_furthest ON deals(pipeline_id, furthest_stage_id, status)",
            "CREATE INDEX deals_created ON deals(pipeline_id, created_at)",
            "CREATE INDEX deals_closed ON deals(status, closed_at)",
            "CREATE INDEX stage_stays_days ON stage_stays(stage_id, days)",
        ],
    )


def undo_trigger_sql(table: str, columns: tuple[str, ...]) -> list[str]:
    """The AFTER INSERT/UPDATE/DELETE triggers that note, for the change being
    made (the `changes` row with open = 1), each row's key and its old values,
    for `table` with `columns` (key columns from `UNDO_TABLES`).

    Never called by a migration: a migration that changes an undoable table's
    columns freezes this function's output for them as text (as m004 did, see
    funnelcli.m004_undo_triggers), drops the table's triggers and creates those.
    tests/test_schema.py checks that it matches the triggers of today's schema."""
    key = UNDO_TABLES[table]

    def pairs(alias: str, names: tuple[str, ...]) -> str:
        return ", ".join(f"'{c}', {alias}.{c}" for c in names)

    current = "FROM changes WHERE open = 1"
    when = "WHEN EXISTS (SELECT 1 FROM changes WHERE open = 1)"
    out = []
    for op, ref, old in (
        ("insert", "NEW", "NULL"),
        ("update", "OLD", f"json_object({pairs('OLD', columns)})"),
        ("delete", "OLD", f"json_object({pairs('OLD', columns)})"),
    ):
        out.append(
            f"""CREATE TRIGGER {table}_undo_{op} AFTER {op.upper()} ON {table} {when}
            BEGIN
                INSERT INTO change_rows (change_id, tbl, op, key, old)
                SELECT id, '{table}', '{op}', json_object({pairs(ref, key)}), {old}
                {current};
            END"""
        )
    return out


@migrations()
def m004_changes(db: Database) -> None:
    """`funnel changes` and `funnel undo`: every write command is one change,
    and triggers keep, per change, the rows it touched and their old values."""
    statements = [
        """CREATE TABLE changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            command TEXT NOT NULL,
            undoes INTEGER REFERENCES changes(id),
            undone_by INTEGER REFERENCES changes(id),
            open INTEGER NOT NULL DEFAULT 1
        )""",
        "CREATE INDEX changes_open ON changes(open) WHERE open > 0",
        """CREATE TABLE change_rows (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
            tbl TEXT NOT NULL,
            op TEXT NOT NULL,
            key TEXT NOT NULL,
            old TEXT
        )""",
        "CREATE INDEX change_rows_change ON change_rows(change_id, id)",
        "CREATE INDEX change_rows_key ON change_rows(tbl, key)",
    ]
    # the triggers as m004 shipped them: frozen text, see m004_undo_triggers
    _run(db, [*statements, *M004_UNDO_TRIGGERS])


@migrations()
def m005_stay_lengths_index(db: Database) -> None:
    """Days in stage read from the index alone: lengths in order (for the
    median) with the leave time beside them (for a period's window)."""
    _run(
        db,
        [
            "DROP INDEX stage_stays_days",
            "CREATE INDEX stage_stays_days ON stage_stays(stage_id, days, left_at)",
        ],
    )


# The tables m006 rebuilds with AUTOINCREMENT, in an order that copies parents first.
_NEVER_REUSED = ("pipelines", "stages", "stage_events", "stage_stays", "activities")


def _never_reuse_ids(db: Database, table: str) -> list[str]:
    """Statements that rebuild `table` with `id INTEGER PRIMARY KEY AUTOINCREMENT`,
    keeping its rows, indexes and triggers, and start its sequence past every id
    it ever held (the change log remembers the ids of deleted rows).

    SQLite's own recipe for changing a table (connection.migrate turns foreign
    keys off for it): make the new table, copy, drop the old, rename the new."""
    rows = db.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
        "AND type IN ('table', 'index', 'trigger') ORDER BY type = 'table' DESC, rowid",
        [table],
    ).fetchall()
    create, *others = (sql for _, sql in rows)
    new = create.replace("id INTEGER PRIMARY KEY,", "id INTEGER PRIMARY KEY AUTOINCREMENT,", 1)
    assert new != create, table
    new = new.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {table}_m006 (", 1)
    return [
        new,
        f"INSERT INTO {table}_m006 SELECT * FROM {table}",
        f"DROP TABLE {table}",
        f"ALTER TABLE {table}_m006 RENAME TO {table}",
        *others,
        # past the largest id the table or the change log ever held
        f"DELETE FROM sqlite_sequence WHERE name = '{table}'",
        f"""INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', max(
               coalesce((SELECT max(id) FROM {table}), 0),
               coalesce((SELECT max(CAST(json_extract(key, '$.id') AS INTEGER))
                         FROM change_rows WHERE tbl = '{table}' AND op != 'insert_range'), 0))""",
    ]


@migrations()
def m006_ids_never_reused(db: Database) -> None:
    """Undo may bring back a deleted row with its id, so no id is ever given to
    another row (AUTOINCREMENT, as deals and changes already had); and the
    change log can be pruned (`changes.pruned_at`)."""
    statements = [s for table in _NEVER_REUSED for s in _never_reuse_ids(db, table)]
    # `funnel changes --prune`: when a change's notes went, and its row counts
    statements.append("ALTER TABLE changes ADD COLUMN pruned_at TEXT")
    statements.append("ALTER TABLE changes ADD COLUMN pruned_rows TEXT")
    _run(db, statements)


@migrations()
def m007_touches_and_wake_up_days(db: Database) -> None:
    """A touch is contact with the customer: `last_activity_at` is the latest
    activity other than a note (notes made deals fresh for `stale`). And a
    snoozed deal is due on its wake-up day: a follow-up before that day, or
    none, becomes the wake-up day, as `funnel snooze` now sets it."""
    _run(
        db,
        [
            """UPDATE deals SET last_activity_at =
                   (SELECT max(at) FROM activities a
                    WHERE a.deal_id = deals.id AND a.kind <> 'note')
               WHERE last_activity_at IS NOT
                   (SELECT max(at) FROM activities a
                    WHERE a.deal_id = deals.id AND a.kind <> 'note')""",
            """UPDATE deals SET next_follow_up = snoozed_until
               WHERE status = 'open' AND snoozed_until IS NOT NULL
               AND (next_follow_up IS NULL OR substr(next_follow_up, 1, 10) < snoozed_until)""",
        ],
    )


@migrations()
def m008_timezone(db: Database) -> None:
    """The database's own settings, shared by everyone who opens the file: its
    `timezone` (an IANA name) decides report windows, bare dates and today.
    A database made before this gets the machine's zone, the one its bare
    dates and windows were read in so far (it was always the local one). And a
    stay's `days` are calendar days in that zone: the connection's
    `julianday` reads a stored instant as wall-clock time there
    (store/zone.py), so the stays are counted again with it."""
    from funnelcli.clock import machine_zone

    _run(
        db,
        [
            """CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) WITHOUT ROWID""",
            *M008_SETTINGS_TRIGGERS,
        ],
    )
    db.execute("INSERT INTO settings (key, value) VALUES ('timezone', ?)", [machine_zone()])
    db.execute(
        "UPDATE stage_stays SET days = julianday(left_at) - julianday(entered_at) "
        "WHERE left_at IS NOT NULL AND days IS NOT julianday(left_at) - julianday(entered_at)"
    )


@migrations()
def m009_stage_owners_and_handoffs(db: Database) -> None:
    """Issue 16's conveyor: a stage may have an owner, and a deal that enters
    it is handed to them; `handoffs` records each hand-off, `inbox_seen` how
    far each receiver has looked (funnelcli.m009_handoffs, frozen text).
    Applies after m008 whatever comes between: it touches only `stages`."""
    from funnelcli.m009_handoffs import TABLES, TRIGGERS

    _run(db, [*TABLES, *TRIGGERS])


@migrations()
def m010_stays_by_leave_and_inbox_index(db: Database) -> None:
    """Two indexes, no data changed (funnelcli.m010_indexes, frozen text)."""
    _run(db, M010_INDEXES)


@migrations()
def m011_won_deals_by_close(db: Database) -> None:
    """One index, no data changed (funnelcli.m011_indexes, frozen text)."""
    _run(db, M011_INDEXES)
