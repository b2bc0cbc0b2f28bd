"""The SQL text the floors share, copied from src/funnelcli/store/ (not
imported: a floor must not load funnelcli), and the two helpers that open and
close a change as funnel's write transactions do. run.py's floor check traces
the statements each floor runs and compares them with funnel's, so a copy
that falls behind shows up there."""

import sqlite3

# store/deals.py DEAL_FIELDS + DEAL_FROM: one row per deal, tags and custom
# fields folded in, then snooze, last touch and the number of touches.
DEAL_SELECT = """
SELECT d.id, d.uuid, d.external_id, d.title, d.org, d.contact, d.email, d.phone,
       d.value, d.currency, d.owner, d.pipeline_id, p.name, d.stage_id, s.name, s.position,
       d.status, d.probability, s.probability, d.source, d.lost_reason, d.expected_close,
       d.next_follow_up, d.stage_entered_at, d.created_at, d.updated_at, d.closed_at,
       (SELECT json_group_array(tag) FROM
           (SELECT tag FROM deal_tags t WHERE t.deal_id = d.id ORDER BY tag)),
       (SELECT json_group_object(key, value) FROM
           (SELECT key, value FROM deal_fields f WHERE f.deal_id = d.id ORDER BY key)),
       d.snoozed_until, d.snooze_reason, d.last_activity_at,
       (SELECT count(*) FROM activities a WHERE a.deal_id = d.id)

FROM deals d
JOIN pipelines p ON p.id = d.pipeline_id
JOIN stages s ON s.id = d.stage_id
"""

# schema.py FURTHEST_STAGE, as store/deals.py refresh_furthest() runs it.
REFRESH_FURTHEST = """UPDATE deals SET furthest_stage_id = (SELECT s.id FROM stage_stays st JOIN stages s ON s.id = st.stage_id
    WHERE st.deal_id = deals.id AND s.pipeline_id = deals.pipeline_id
    AND s.removed_at IS NULL
    ORDER BY s.position DESC, s.id DESC LIMIT 1) WHERE id = :id"""  # noqa: E501

# store/deals.py deal_ids_by_ref(): a number, then an external id or uuid.
BY_NUMBER = "SELECT id FROM deals WHERE id = :id"
BY_REF = "SELECT id FROM deals WHERE external_id = :ref OR uuid = :ref LIMIT 1"

# store/followups.py: due_deals() and unscheduled_deals() without --owner/--pipeline.
AWAKE = "(d.snoozed_until IS NULL OR d.snoozed_until <= :today)"
DUE = (
    DEAL_SELECT
    + " WHERE d.status = 'open' AND d.next_follow_up < :until AND "
    + AWAKE
    + " ORDER BY d.next_follow_up, d.id"
)
UNSCHEDULED = (
    DEAL_SELECT
    + " WHERE d.status = 'open' AND d.next_follow_up IS NULL AND "
    + AWAKE
    + " ORDER BY d.id"
)

# store/changes.py (m004): each write command is one change, opened after
# BEGIN IMMEDIATE and, before COMMIT, kept if its triggers noted rows, else
# deleted.
BEGIN_CHANGE = "INSERT INTO changes (at, who, command) VALUES (:at, :who, :cmd) RETURNING id"
CHANGE_TOUCHED = "SELECT 1 FROM change_rows WHERE change_id = :c LIMIT 1"
DROP_CHANGE = "DELETE FROM changes WHERE id = :c"
CLOSE_CHANGE = "UPDATE changes SET open = 0 WHERE id = :c"


def begin_change(conn: sqlite3.Connection, stamp: str) -> int:
    """Open the change as funnel does: who is the OS user, the command line as typed."""
    import getpass
    import shlex
    import sys

    cmd = "funnel " + shlex.join(sys.argv[1:])
    row = conn.execute(BEGIN_CHANGE, {"at": stamp, "who": getpass.getuser(), "cmd": cmd})
    return row.fetchone()[0]


def end_change(conn: sqlite3.Connection, change: int) -> None:
    touched = conn.execute(CHANGE_TOUCHED, {"c": change}).fetchone()
    conn.execute(DROP_CHANGE if touched is None else CLOSE_CHANGE, {"c": change})


# The deals columns a bulk load writes (generate.py; floor_import.py adds
# furthest_stage_id), in the order of the table.
DEAL_COLUMNS = [
    "id",
    "uuid",
    "external_id",
    "title",
    "org",
    "contact",
    "email",
    "phone",
    "value",
    "currency",
    "owner",
    "pipeline_id",
    "stage_id",
    "status",
    "probability",
    "source",
    "lost_reason",
    "expected_close",
    "next_follow_up",
    "stage_entered_at",
    "created_at",
    "updated_at",
    "closed_at",
    "snoozed_until",
    "snooze_reason",
    "last_activity_at",
]


def deal_record(r: tuple, loads) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """A DEAL_SELECT row as the deal's JSON object (funnelcli's deal_row_record),
    in its key order; `loads` is json.loads (this module imports no json: not
    every floor needs it)."""
    v = r[8]
    return {
        "id": r[0],
        "uuid": r[1],
        "external_id": r[2],
        "title": r[3],
        "org": r[4],
        "contact": r[5],
        "email": r[6],
        "phone": r[7],
        "value": None if v is None else (v // 100 if v % 100 == 0 else v / 100),
        "currency": r[9],
        "owner": r[10],
        "pipeline": r[12],
        "stage": r[14],
        "status": r[16],
        "probability": r[18] if r[17] is None else r[17],
        "tags": loads(r[27]) if r[27] != "[]" else [],
        "source": r[19],
        "lost_reason": r[20],
        "expected_close": r[21],
        "next_follow_up": r[22],
        "created_at": r[24],
        "updated_at": r[25],
        "closed_at": r[26],
        "stage_entered_at": r[23],
        "fields": loads(r[28]) if r[28] != "{}" else {},
        "touches": r[32],
        "last_activity_at": r[31],
        "snoozed_until": r[29],
        "snooze_reason": r[30],
    }
