"""Floor for `funnel list [--stage STAGE] [--limit N] --format json`: the same
statements funnelcli runs, and the same JSON.

Connect (timeout 30, autocommit; a read sets no pragmas; the schema version
and journal mode in one SELECT), BEGIN, with --stage read pipelines with
their stages (one query) to find the stage in every pipeline that has it, run DEAL_SELECT with
the same WHERE/ORDER BY (and LIMIT; `d.status || ''` keeps SQLite off the status
index, so rows come in rowid order), and for each row build the deal's JSON
object (same keys, tags and fields decoded, value in major units) and write
it with json.dumps, streamed; COMMIT. 4 statements (5 with --stage).
"""

import json
import os
import sys

import typer
from floor_sql import ALL_PIPELINES, DEAL_SELECT, connect, deal_record

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Floor for list."""


@app.command("list")
def list_(
    stage: str = typer.Option(None, "--stage"),
    limit: int = typer.Option(None, "--limit"),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    conn = connect(os.environ["FUNNEL_DB"], write=False)
    conn.execute("BEGIN")
    where = "d.status || '' = :status"
    params: dict[str, object] = {"status": "open"}
    if stage is not None:
        rows = conn.execute(ALL_PIPELINES).fetchall()
        ids = [r[3] for r in rows if r[5] is not None and r[5].casefold() == stage.casefold()]
        names = [f":stage{i}" for i in range(len(ids))]
        params.update({n[1:]: sid for n, sid in zip(names, ids, strict=True)})
        where += f" AND d.stage_id IN ({', '.join(names)})"
    sql = DEAL_SELECT + f" WHERE {where} ORDER BY d.id"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    write = sys.stdout.write
    dumps = json.dumps
    loads = json.loads
    n = 0
    for r in conn.execute(sql, params):
        record = deal_record(r, loads)
        write(("[\n" if n == 0 else ",\n") + dumps(record, ensure_ascii=False))
        n += 1
    write("[]\n" if n == 0 else "\n]\n")
    conn.execute("COMMIT")
    conn.close()


if __name__ == "__main__":
    app()
