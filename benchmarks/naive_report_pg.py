"""The naive way to the funnel's days in stage on PostgreSQL: replay the event log.

    python benchmarks/naive_report_pg.py URL [--since UTC] [--until UTC]
        [--pipeline sales] [--days native|julianday] [--plan]

naive_report.py's query for a team database (postgresql:// URL): every stay
rebuilt from stage_events with `lead(at) OVER (PARTITION BY deal_id ORDER
BY at, id)`, then per stage of the pipeline the stays that ended in the
window counted, averaged, and their median picked with row_number(). Prints
one JSON object a stage, in pipeline order: {stage, stays, avg_days,
median_days}.

A stay's days are SQLite's julianday() difference, which funnel's stored
stage_stays.days are: whole milliseconds since the Julian epoch over
86,400,000, for each end. `--days native` (the default) gets the
milliseconds from PostgreSQL's own parser (`at::timestamptz`, every `at`
being ISO 8601 UTC text ending in Z); `--days julianday` calls the team
schema's julianday(text) instead (store/pg_m001.py: the same figures
through a PL/pgSQL parser, much slower). Both read the session in UTC:
funnel's julianday() is the wall clock of the database's time zone, the
same numbers for generate.py's data (Etc/UTC); reports.py's check column
says whether they agree. `--plan` prints EXPLAIN (ANALYZE, BUFFERS) instead
of the figures.

Only psycopg and the standard library, so that it times the query and a
Python start, like naive_report.py. reports.py --engine postgres times it
beside `funnel report` and checks its figures against funnel's.
"""

from __future__ import annotations

import argparse
import json
import sys

import psycopg

# SQLite's julianday() of ISO 8601 UTC text, with PostgreSQL's own parser.
NATIVE_DAY = (
    "((210866760000000 + floor(extract(epoch FROM ({0})::timestamptz) * 1000)::bigint)"
    "::double precision / 86400000.0::double precision)"
)
FUNNEL_DAY = "julianday({0})"  # the team schema's function (pg_m001.py)

# naive_report.py's NAIVE_DAYS; `%(…)s` are psycopg's parameters.
NAIVE_DAYS = """
WITH stays AS (
    SELECT e.to_stage_id AS stage_id, e.to_status, e.at AS entered_at,
           lead(e.at) OVER (PARTITION BY e.deal_id ORDER BY e.at, e.id) AS left_at
    FROM stage_events e
),
ended AS (
    SELECT st.stage_id, {left_day} - {entered_day} AS days
    FROM stays st JOIN stages s ON s.id = st.stage_id
    WHERE st.to_status = 'open' AND st.left_at IS NOT NULL
      AND (%(since)s::text IS NULL OR st.left_at >= %(since)s::text)
      AND (%(until)s::text IS NULL OR st.left_at < %(until)s::text)
      AND s.pipeline_id = (SELECT id FROM pipelines WHERE key = %(pipeline)s)
),
ranked AS (
    SELECT stage_id, days,
           row_number() OVER (PARTITION BY stage_id ORDER BY days) AS n,
           count(*) OVER (PARTITION BY stage_id) AS total,
           avg(days) OVER (PARTITION BY stage_id) AS avg_days
    FROM ended
)
SELECT s.name, r.total, r.avg_days, r.median_days
FROM stages s
LEFT JOIN (
    SELECT stage_id, max(total) AS total, max(avg_days) AS avg_days, avg(days) AS median_days
    FROM ranked WHERE n IN ((total + 1) / 2, (total + 2) / 2)
    GROUP BY stage_id
) r ON r.stage_id = s.id
WHERE s.pipeline_id = (SELECT id FROM pipelines WHERE key = %(pipeline)s)
  AND s.removed_at IS NULL
ORDER BY s.position
"""


def naive_sql(days: str = "native") -> str:
    """NAIVE_DAYS with a stay's ends turned into day numbers the `days` way."""
    day = NATIVE_DAY if days == "native" else FUNNEL_DAY
    return NAIVE_DAYS.format(
        left_day=day.format("st.left_at"), entered_day=day.format("st.entered_at")
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", help="the team database, postgresql://…")
    ap.add_argument("--since", help="stays that ended at or after this UTC text")
    ap.add_argument("--until", help="stays that ended before this UTC text")
    ap.add_argument("--pipeline", default="sales", help="pipeline key (sales)")
    ap.add_argument(
        "--days",
        choices=("native", "julianday"),
        default="native",
        help="day numbers from PostgreSQL's parser (native) or the schema's julianday()",
    )
    ap.add_argument("--plan", action="store_true", help="print EXPLAIN ANALYZE instead")
    args = ap.parse_args(argv)
    params = {"since": args.since, "until": args.until, "pipeline": args.pipeline}
    sql = naive_sql(args.days)
    with psycopg.connect(args.url, autocommit=True, options="-c TimeZone=UTC") as conn:
        if args.plan:
            for (line,) in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params):
                print(line)
            return 0
        for name, total, avg, median in conn.execute(sql, params):
            record = {"stage": name, "stays": total or 0, "avg_days": avg, "median_days": median}
            sys.stdout.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
