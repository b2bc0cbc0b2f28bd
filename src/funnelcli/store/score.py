"""SQL for the priority score of open deals (docs/metrics.md, "priority
score"): its parts, each a whole number, and the score they make, written
once here for `list --sort score`, `show` and `due`.

    score = expected value × idle factor × overdue factor × touch factor

    expected value = value × probability ÷ 100 (the deal's, else its stage's)
    idle factor    = 1 + min(idle days, rot days) ÷ rot days       (1 to 2)
    overdue factor = 1 + min(days overdue, 5) ÷ 5                  (1 to 2)
    touch factor   = 1 + (5 − min(touches, 5)) ÷ 5                 (1 to 2)

in the deal's currency (minor units here); a deal without a value has no
score. Computed in double precision, one operation after another in the
same order on both engines, so SQLite and PostgreSQL give the same number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from funnelcli.store.deal_row import DEAL_FIELDS, DEAL_FROM, DEAL_ROW, deal_values
from funnelcli.store.dialect import Connection
from funnelcli.store.filters import deal_where

if TYPE_CHECKING:
    from funnelcli.store.deals import DealFilter

TOUCH_RULE = 5  # the seeds: most sales need about five touches
OVERDUE_CAP = 5  # days overdue at which the overdue factor stops growing (the seeds' longest gap)

# Whole calendar days in the database's zone since the later of entering the
# stage and the last touch, as `stale` counts them (:today is today's date
# there, what `stale`'s zone_date(:now) is). A snoozed deal (until after
# today) is parked, not idle: 0 idle days until it wakes.
_IDLE = (
    "CASE WHEN d.snoozed_until > :today THEN 0 ELSE CAST(julianday(:today) - "
    "julianday(zone_date(max(d.stage_entered_at, coalesce(d.last_activity_at, "
    "d.stage_entered_at)))) AS INTEGER) END"
)
# Days overdue, as `due` counts them: today − the day it is due, its next
# follow-up or its wake-up day when that is later (services/score.py due_day).
_DUE_DAY = "max(substr(d.next_follow_up, 1, 10), coalesce(d.snoozed_until, ''))"
_OVERDUE = (
    "CASE WHEN d.next_follow_up IS NULL THEN 0 "
    f"ELSE CAST(julianday(:today) - julianday({_DUE_DAY}) AS INTEGER) END"
)
_TOUCHES = dict(DEAL_ROW)["touches"]

# (name, SQL over deals `d` and stages `s`, SQL over those as `sc_raw_NAME`)
# of the parts, whole numbers (each counted once: the raw ones go through
# a materialized CTE, so a Python-made SQLite function runs once a deal).
_PARTS: tuple[tuple[str, str, str], ...] = (
    ("probability", "coalesce(d.probability, s.probability)", "sc_raw_probability"),
    ("idle_days", _IDLE, "CASE WHEN sc_raw_idle_days < 0 THEN 0 ELSE sc_raw_idle_days END"),
    ("rot_days", "s.rot_days", "sc_raw_rot_days"),
    (
        "days_overdue",
        _OVERDUE,
        "CASE WHEN sc_raw_days_overdue < 0 THEN 0 ELSE sc_raw_days_overdue END",
    ),
    ("touches", _TOUCHES, "sc_raw_touches"),
)
PART_NAMES = tuple(name for name, _, _ in _PARTS)


def _capped(column: str, cap: str) -> str:
    return f"(CASE WHEN {column} > {cap} THEN {cap} ELSE {column} END)"


def urgency_sql(p: str) -> str:
    """The product of the three factors, over part columns prefixed `p`."""
    return (
        f"CAST({p}rot_days + {_capped(p + 'idle_days', p + 'rot_days')} AS DOUBLE PRECISION)"
        f" / {p}rot_days"
        f" * ({OVERDUE_CAP} + {_capped(p + 'days_overdue', str(OVERDUE_CAP))}) / {OVERDUE_CAP}"
        f" * ({2 * TOUCH_RULE} - {_capped(p + 'touches', str(TOUCH_RULE))}) / {TOUCH_RULE}"
    )


def score_sql(p: str, value: str) -> str:
    """The score in minor units (NULL without a value), parts prefixed `p`."""
    return (
        f"CASE WHEN {value} IS NULL THEN NULL ELSE "
        f"CAST({value} AS DOUBLE PRECISION) * {p}probability / 100"
        f" * ({urgency_sql(p)}) END"
    )


# Highest first; a deal without a score after those with one; scores in
# different currencies are not compared: by currency (A-Z) first. Equal
# scores: the more urgent first, then the sooner follow-up (none last), then
# by number.
_ORDER = (
    "sc_score IS NULL, CASE WHEN sc_score IS NULL THEN '' ELSE sc_currency END, "
    "sc_score DESC, sc_urgency DESC, sc_next IS NULL, sc_next, sc_id"
)


def ranked_sql(where: list[str], limit: bool, more: tuple[str, str] = ("", "")) -> str:
    """The deals matching `where`, by score: each deal's row (DEAL_FIELDS)
    followed by its parts, urgency and score (and `more`'s columns, from its
    joins). The parts are computed for every deal that matches, the deal
    rows (tags, fields) only for those kept."""
    raw = ",\n  ".join(f"{sql} AS sc_raw_{name}" for name, sql, _ in _PARTS)
    parts = ", ".join(f"{sql} AS sc_{name}" for name, _, sql in _PARTS)
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    keep = " LIMIT :limit" if limit else ""
    names = ", ".join(f"r.sc_{n}" for n in (*PART_NAMES, "urgency", "score"))
    return f"""WITH raw AS MATERIALIZED (
  SELECT d.id AS sc_id, d.value AS sc_value, d.currency AS sc_currency,
  d.next_follow_up AS sc_next, {raw}
  FROM deals d JOIN stages s ON s.id = d.stage_id{cond}
), parts AS (
  SELECT sc_id, sc_value, sc_currency, sc_next, {parts} FROM raw
), scored AS (
  SELECT parts.*, {urgency_sql("sc_")} AS sc_urgency, {score_sql("sc_", "sc_value")} AS sc_score
  FROM parts
), ranked AS (
  SELECT * FROM scored ORDER BY {_ORDER}{keep}
){DEAL_FIELDS}, {names}{more[0]}{DEAL_FROM} JOIN ranked r ON r.sc_id = d.id{more[1]}
ORDER BY {_ORDER.replace("sc_", "r.sc_")}"""


def scored_row(row: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ranked_sql() row: (deal_values() dict, the parts, urgency and score)."""
    n = len(DEAL_ROW)
    return deal_values(row), dict(zip((*PART_NAMES, "urgency", "score"), row[n:], strict=True))


class ScoreStore:
    """The priority score's reads (built over the run's connection)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def ranked(
        self, flt: DealFilter, today: str
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(deal_values() dict, parts with urgency and score) of the deals
        `flt` selects, highest score first (flt's sort is not used)."""
        params: dict[str, Any] = {"today": today}
        where = deal_where(self.conn, flt, params)
        if flt.limit is not None:
            params["limit"] = flt.limit
        sql = ranked_sql(where, flt.limit is not None)
        return map(scored_row, self.conn.execute(sql, params))
