"""The SQL text the floors share, copied from src/funnelcli/store/ (not
imported: a floor must not load funnelcli; `funnelcli.store.deal_row`, the
one deal-row decoder, would do, but importing it runs funnelcli/store's
package __init__, which imports the whole store: ~13 ms here), and the helpers
that connect and open and close a change as funnel's
write transactions do. run.py's floor check traces the statements each
floor runs and compares them with funnel's (whitespace and literals
normalized), so a copy that falls behind shows up there."""

import sqlite3

# store/deal_row.py DEAL_FIELDS + DEAL_FROM (DEAL_ROW's SQL, in its order):
# one row per deal, tags and custom fields folded in, then snooze, last touch
# and the number of touches (activities but notes), the stage's rot limit.
DEAL_FIELDS = """
SELECT d.id, d.uuid, d.external_id, d.title, d.org, d.contact, d.email, d.phone,
       d.value, d.currency, d.owner, d.pipeline_id, p.name, d.stage_id, s.name, s.position,
       d.status, d.probability, s.probability, d.source, d.lost_reason, d.expected_close,
       d.next_follow_up, d.stage_entered_at, d.created_at, d.updated_at, d.closed_at,
       (SELECT json_group_array(tag) FROM
           (SELECT tag FROM deal_tags t WHERE t.deal_id = d.id ORDER BY tag) AS dt),
       (SELECT json_group_object(key, value) FROM
           (SELECT key, value FROM deal_fields f WHERE f.deal_id = d.id ORDER BY key) AS df),
       d.snoozed_until, d.snooze_reason, d.last_activity_at,
       (SELECT count(*) FROM activities a WHERE a.deal_id = d.id AND a.kind <> 'note'),
       s.rot_days
"""
DEAL_FROM = """
FROM deals d
JOIN pipelines p ON p.id = d.pipeline_id
JOIN stages s ON s.id = d.stage_id
"""
DEAL_SELECT = DEAL_FIELDS + DEAL_FROM

# schema.py FURTHEST_STAGE: the deal's furthest stage of its pipeline.
FURTHEST = """(SELECT s.id FROM stage_stays st JOIN stages s ON s.id = st.stage_id
    WHERE st.deal_id = deals.id AND s.pipeline_id = deals.pipeline_id
    AND s.removed_at IS NULL
    ORDER BY s.position DESC, s.id DESC LIMIT 1)"""

# store/deals.py refresh_furthest() (add, after the first event).
REFRESH_FURTHEST = f"UPDATE deals SET furthest_stage_id = {FURTHEST} WHERE id = :id"


def set_deal(values: dict) -> str:  # type: ignore[type-arg]
    """store/deals.py append_event()'s last statement: the deal's new columns
    and its furthest stage in one UPDATE (the stage of :pipeline_id when the
    deal changes pipeline: SET sees the row as it was)."""
    pipeline = ":pipeline_id" if "pipeline_id" in values else "deals.pipeline_id"
    furthest = FURTHEST.replace("deals.pipeline_id", pipeline)
    sets = "".join(f"{col} = :{col}, " for col in values)
    return f"UPDATE deals SET {sets}furthest_stage_id = {furthest} WHERE id = :id"


# store/deals.py by_ref(): the deal whose number, external id or uuid is the
# argument, in one query (find_deal then takes the one by number).
FIND_DEAL = DEAL_SELECT + " WHERE d.id = :id OR d.external_id = :ref OR d.uuid = :ref"


def find_deal(conn: sqlite3.Connection, ref: str) -> tuple:  # type: ignore[type-arg]
    """The DEAL_SELECT row of deal number `ref` (the floors are given numbers)."""
    rows = conn.execute(FIND_DEAL, {"id": int(ref), "ref": ref}).fetchall()
    return next(r for r in rows if r[0] == int(ref))


# store/pipelines.py: pipelines with their stages in one query, a row per
# stage; by_id() of one (PIPELINE_STAGES), all() of every one (ALL_PIPELINES).
# The last column is the stage's owner (issue 16: a move into a stage with an
# owner hands the deal over); the benchmark databases have no stage owners.
_PIPELINES = (
    "SELECT p.id, p.uuid, p.name, s.id, s.pipeline_id, s.name, s.position, "
    "s.probability, s.rot_days, s.cadence_days, s.owner FROM pipelines p "
    "LEFT JOIN stages s ON s.pipeline_id = p.id AND s.removed_at IS NULL "
)
PIPELINE_STAGES = _PIPELINES + "WHERE p.id = :id ORDER BY s.position"
ALL_PIPELINES = _PIPELINES + "ORDER BY p.id, s.position"


def connect(path: str, *, write: bool) -> sqlite3.Connection:
    """store/connection.py open_connection() on a database of the current
    schema: timeout 30, autocommit; for a write foreign keys on and
    synchronous FULL (a read sets neither); the schema version and journal
    mode in one SELECT, then its time zone; for a write `journal_mode = WAL`
    only when the connection says the file isn't WAL yet."""
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    if write:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
    _version, mode = conn.execute(
        "SELECT * FROM pragma_user_version, pragma_journal_mode"
    ).fetchone()
    # store/zone.py read_zone(): the database's time zone (m008; here always
    # UTC, the zone the benchmark databases are made and run in)
    conn.execute("SELECT value FROM settings WHERE key = ?", ("timezone",)).fetchone()
    if write and mode != "wal":
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
    return conn


# store/followups.py: due_deals() and unscheduled_deals() without --owner/--pipeline,
# each deal with the hand-off its owner hasn't looked at (_HANDED, _HANDED_FROM:
# the last six columns of every row, None when there is none to show).
AWAKE = "(d.snoozed_until IS NULL OR d.snoozed_until <= :today)"
HANDED = ", h.from_owner, h.to_owner, hfs.name, hts.name, h.handed_by, h.at"
HANDED_FROM = """
LEFT JOIN handoffs h ON h.id = (SELECT max(x.id) FROM handoffs x WHERE x.deal_id = d.id)
    AND lower(h.to_owner) = lower(d.owner)
    AND h.id > coalesce((SELECT m.last_seen FROM inbox_seen m
                         WHERE m.owner = lower(h.to_owner)), 0)
LEFT JOIN stages hfs ON hfs.id = h.from_stage_id
LEFT JOIN stages hts ON hts.id = h.to_stage_id
"""
DUE = (
    DEAL_FIELDS
    + HANDED
    + DEAL_FROM
    + HANDED_FROM
    + " WHERE d.status = 'open' AND d.next_follow_up < :until AND "
    + AWAKE
    + " ORDER BY d.next_follow_up, d.id"
)
UNSCHEDULED = (
    DEAL_FIELDS
    + HANDED
    + DEAL_FROM
    + HANDED_FROM
    + " WHERE d.status = 'open' AND d.next_follow_up IS NULL AND "
    + AWAKE
    + " ORDER BY d.id"
)
# As a table, `due` lists the first 20 and counts them all when there may be more.
UNSCHEDULED_COUNT = (
    "SELECT count(*) FROM deals d WHERE d.status = 'open' AND d.next_follow_up IS NULL AND " + AWAKE
)

# store/score.py ranked_sql() (the priority score), for `due`'s deals with
# no next step as a table: all ranked, the first 20 read in full, each with
# its parts and score after the deal's columns (r[34:]: probability, idle
# days, rot days, days overdue, touches, urgency, score). A copy of its
# text; ranked(where, keep) puts the conditions and the LIMIT in.
RANKED_CTE = """WITH raw AS MATERIALIZED (
  SELECT d.id AS sc_id, d.value AS sc_value, d.currency AS sc_currency,
  d.next_follow_up AS sc_next, coalesce(d.probability, s.probability) AS sc_raw_probability,
  CASE WHEN d.snoozed_until > :today THEN 0 ELSE CAST(julianday(:today) -
      julianday(zone_date(max(d.stage_entered_at, coalesce(d.last_activity_at,
      d.stage_entered_at)))) AS INTEGER) END AS sc_raw_idle_days,
  s.rot_days AS sc_raw_rot_days,
  CASE WHEN d.next_follow_up IS NULL THEN 0 ELSE CAST(julianday(:today) -
      julianday(max(substr(d.next_follow_up, 1, 10), coalesce(d.snoozed_until, ''))) AS
      INTEGER) END AS sc_raw_days_overdue,
  (SELECT count(*) FROM activities a WHERE a.deal_id = d.id AND a.kind <> 'note') AS
      sc_raw_touches
  FROM deals d JOIN stages s ON s.id = d.stage_id WHERE {where}
), parts AS (
  SELECT sc_id, sc_value, sc_currency, sc_next, sc_raw_probability AS sc_probability, CASE
      WHEN sc_raw_idle_days < 0 THEN 0 ELSE sc_raw_idle_days END AS sc_idle_days,
      sc_raw_rot_days AS sc_rot_days, CASE WHEN sc_raw_days_overdue < 0 THEN 0 ELSE
      sc_raw_days_overdue END AS sc_days_overdue, sc_raw_touches AS sc_touches FROM raw
), scored AS (
  SELECT parts.*, CAST(sc_rot_days + (CASE WHEN sc_idle_days > sc_rot_days THEN sc_rot_days
      ELSE sc_idle_days END) AS DOUBLE PRECISION) / sc_rot_days * (5 + (CASE WHEN
      sc_days_overdue > 5 THEN 5 ELSE sc_days_overdue END)) / 5 * (10 - (CASE WHEN
      sc_touches > 5 THEN 5 ELSE sc_touches END)) / 5 AS sc_urgency, CASE WHEN sc_value IS
      NULL THEN NULL ELSE CAST(sc_value AS DOUBLE PRECISION) * sc_probability / 100 *
      (CAST(sc_rot_days + (CASE WHEN sc_idle_days > sc_rot_days THEN sc_rot_days ELSE
      sc_idle_days END) AS DOUBLE PRECISION) / sc_rot_days * (5 + (CASE WHEN sc_days_overdue
      > 5 THEN 5 ELSE sc_days_overdue END)) / 5 * (10 - (CASE WHEN sc_touches > 5 THEN 5
      ELSE sc_touches END)) / 5) END AS sc_score
  FROM parts
), ranked AS (
  SELECT * FROM scored ORDER BY sc_score IS NULL, CASE WHEN sc_score IS NULL THEN '' ELSE
      sc_currency END, sc_score DESC, sc_urgency DESC, sc_next IS NULL, sc_next, sc_id{keep}
)"""
RANKED_COLUMNS = (
    ", r.sc_probability, r.sc_idle_days, r.sc_rot_days, r.sc_days_overdue, "
    "r.sc_touches, r.sc_urgency, r.sc_score "
)
RANKED_JOIN = (
    " JOIN ranked r ON r.sc_id = d.id" + HANDED_FROM.rstrip() + "\n"
    "ORDER BY r.sc_score IS NULL, CASE WHEN r.sc_score IS NULL THEN '' ELSE "
    "r.sc_currency END, r.sc_score DESC, r.sc_urgency DESC, r.sc_next IS NULL, "
    "r.sc_next, r.sc_id "
)


def ranked(where: str, keep: str) -> str:
    return (
        RANKED_CTE.replace("{where}", where).replace("{keep}", keep)
        + DEAL_FIELDS
        + RANKED_COLUMNS.rstrip()
        + HANDED
        + DEAL_FROM
        + RANKED_JOIN
    )


# store/changes.py (m004): each write command is one change, opened after
# BEGIN IMMEDIATE and, before COMMIT, closed in one UPDATE if its triggers
# noted rows, else deleted.
BEGIN_CHANGE = "INSERT INTO changes (at, who, command) VALUES (:at, :who, :cmd) RETURNING id"
CLOSE_CHANGE = (
    "UPDATE changes SET open = 0 WHERE id = :c AND (:keep OR EXISTS "
    "(SELECT 1 FROM change_rows WHERE change_id = :c))"
)
DROP_CHANGE = "DELETE FROM changes WHERE id = :c AND open > 0"


def begin_change(conn: sqlite3.Connection, stamp: str) -> int:
    """Open the change as funnel does: who is the OS user, the command line as typed."""
    import getpass
    import shlex
    import sys

    cmd = "funnel " + shlex.join(sys.argv[1:])
    row = conn.execute(BEGIN_CHANGE, {"at": stamp, "who": getpass.getuser(), "cmd": cmd})
    return row.fetchone()[0]


def end_change(conn: sqlite3.Connection, change: int) -> None:
    if not conn.execute(CLOSE_CHANGE, {"c": change, "keep": False}).rowcount:
        conn.execute(DROP_CHANGE, {"c": change})  # touched nothing


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
        "next_follow_up": r[22] and r[22][:10],  # a day; its time, if any, in _at
        "created_at": r[24],
        "updated_at": r[25],
        "closed_at": r[26],
        "stage_entered_at": r[23],
        "fields": loads(r[28]) if r[28] != "{}" else {},
        "touches": r[32],
        "last_activity_at": r[31],
        "snoozed_until": r[29],
        "snooze_reason": r[30],
        "next_follow_up_at": follow_up_at(r[22]),
    }


def follow_up_at(value: str | None) -> str | None:
    """render/records.py follow_up_at(): a follow-up set with a time as a local
    timestamp with its offset; None for a day (or none)."""
    if value is None or "T" not in value:
        return None
    from datetime import datetime

    return datetime.fromisoformat(value).astimezone().isoformat(timespec="seconds")
