"""The naive way to the funnel's days in stage: replay the event log.

    python benchmarks/naive_report.py DB [--since UTC] [--until UTC] [--pipeline sales]

What `funnel report funnel` would cost without the columns funnelcli keeps on
write (stage_stays.days, deals.furthest_stage_id): every stay is rebuilt
from stage_events with `LEAD(at) OVER (PARTITION BY deal_id ORDER BY at, id)`
(read in order from the stage_events_deal index), then per stage of the
pipeline the stays that ended in the window are counted, averaged, and their
median picked with row_number(). Prints one JSON object a stage, in
pipeline order: {stage, stays, avg_days, median_days}.

Only sqlite3 and the standard library, so that it times the query and a
Python start, like the floors. reports.py times it beside `funnel report`
and checks its figures against funnel's.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys

# A stay starts at an event into an open stage and ends at the deal's next
# event (a move, or a close in the stage); the last stay of an open deal
# hasn't ended.
NAIVE_DAYS = """
WITH stays AS (
    SELECT e.to_stage_id AS stage_id, e.to_status, e.at AS entered_at,
           lead(e.at) OVER (PARTITION BY e.deal_id ORDER BY e.at, e.id) AS left_at
    FROM stage_events e
),
ended AS (
    SELECT st.stage_id, julianday(st.left_at) - julianday(st.entered_at) AS days
    FROM stays st JOIN stages s ON s.id = st.stage_id
    WHERE st.to_status = 'open' AND st.left_at IS NOT NULL
      AND (:since IS NULL OR st.left_at >= :since)
      AND (:until IS NULL OR st.left_at < :until)
      AND s.pipeline_id = (SELECT id FROM pipelines WHERE key = :pipeline)
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
WHERE s.pipeline_id = (SELECT id FROM pipelines WHERE key = :pipeline) AND s.removed_at IS NULL
ORDER BY s.position
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db")
    ap.add_argument("--since", help="stays that ended at or after this UTC text")
    ap.add_argument("--until", help="stays that ended before this UTC text")
    ap.add_argument("--pipeline", default="sales", help="pipeline key (sales)")
    ap.add_argument("--plan", action="store_true", help="print EXPLAIN QUERY PLAN instead")
    args = ap.parse_args(argv)
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True, isolation_level=None)
    params = {"since": args.since, "until": args.until, "pipeline": args.pipeline}
    if args.plan:
        for row in conn.execute("EXPLAIN QUERY PLAN " + NAIVE_DAYS, params):
            print(row[3])
        return 0
    for name, total, avg, median in conn.execute(NAIVE_DAYS, params):
        record = {"stage": name, "stays": total or 0, "avg_days": avg, "median_days": median}
        sys.stdout.write(json.dumps(record) + "\n")
    conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
