"""Floor for funnel on PostgreSQL (issue 15): replay what funnel sent.

    FUNNEL_DB=postgresql://... FUNNEL_PG_REPLAY=DIR python floor_pg.py replay NAME [DEAL]

A Typer 0.28 app with a root callback and one command, like the SQLite
floors, that imports psycopg and nothing of funnelcli. `replay NAME` imports
the recording NAME (a Python module pg_startup.py writes into
$FUNNEL_PG_REPLAY from two traced runs of funnel, see pgtrace.py) and:

- connects as funnel did: `psycopg.connect(FUNNEL_DB, **CONNECT)` with the
  keyword arguments funnel passed (autocommit, connect_timeout,
  application_name, the lock_timeout option), and registers the same
  numeric loader funnelcli registers (store/pg.py: an int when whole, else
  a float), so the rows come back as funnel gets them;
- runs funnel's statements in funnel's order, SQL text and parameters as
  psycopg received them, each with `Connection.execute` (or `executemany`),
  inside a `Connection.pipeline()` where funnel had one, reading a
  pipelined result early where funnel did (`fetch`: a trip); it reads every
  row of every result (`fetchall`);
- changes only what must change for the replay to be the same work on the
  floor's own rows: a parameter that was a fresh uuid in funnel's runs gets
  a fresh `uuid4()`, one that was the deal argument gets DEAL (also inside
  text, e.g. the change's command line), one that was a value an earlier
  statement returned (the change's and a new deal's `RETURNING id`) gets
  the value this replay's statement returned;
- writes funnel's recorded stdout and stderr, and exits with funnel's status.

What it doesn't do: parse funnel's command line, look at what it read to
decide what to do next (the decisions are funnel's, recorded), format its
output (it's recorded text), or read config. Those are funnel's costs over
the floor; the statements and trips are the floor's too. The bare floor
is floor_pg_bare.py.
"""

import os
import sys
from typing import Any

import psycopg
import typer
from psycopg.adapt import Loader

app = typer.Typer(add_completion=False)


class NumericLoader(Loader):
    """numeric as funnelcli loads it (store/pg.py): int when whole, else float."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


@app.callback()
def root() -> None:
    """Floor for funnel on PostgreSQL."""


@app.command("replay")
def replay(name: str, deal: str = typer.Argument("")) -> None:
    sys.path.insert(0, os.environ["FUNNEL_PG_REPLAY"])
    rec = __import__(name)
    conn = psycopg.connect(os.environ["FUNNEL_DB"], **rec.CONNECT)
    conn.adapters.register_loader("numeric", NumericLoader)
    if rec.UUIDS:
        import uuid
    cursors: dict[int, Any] = {}
    rows: dict[int, list[Any]] = {}

    def result(step: int) -> list[Any]:
        if step not in rows:
            rows[step] = cursors[step].fetchall()
        return rows[step]

    def bind(params: Any, subs: tuple[Any, ...]) -> Any:
        if not subs:
            return params
        params = dict(params) if isinstance(params, dict) else list(params)
        for key, kind, *how in subs:
            if kind == "uuid":
                params[key] = str(uuid.uuid4())
            elif kind == "arg":
                params[key] = int(deal) if how[0] == "int" else deal
            elif kind == "text":
                params[key] = deal.join(how[0])
            else:  # "ref": what statement how[0] returned, row how[1], column how[2]
                params[key] = result(how[0])[how[1]][how[2]]
        return params

    pipeline = None
    pending: list[int] = []
    for i, (op, sql, params, kw, subs) in enumerate(rec.STEPS):
        if op == "execute":
            cur = conn.execute(sql, bind(params, subs), **kw)
            cursors[i] = cur
            if pipeline is None:
                if cur.description is not None:
                    rows[i] = cur.fetchall()
            else:
                pending.append(i)
        elif op == "executemany":
            cur = conn.cursor()
            cur.executemany(sql, [bind(p, s) for p, s in zip(params, subs, strict=True)], **kw)
        elif op == "fetch":
            result(params)
        elif op == "pipeline":
            pipeline = conn.pipeline()
            pipeline.__enter__()
        elif op == "end-pipeline":
            assert pipeline is not None
            pipeline.__exit__(None, None, None)
            pipeline = None
            for j in pending:
                if cursors[j].description is not None:
                    result(j)
            pending.clear()
    conn.close()
    sys.stdout.write(rec.STDOUT)
    sys.stderr.write(rec.STDERR)
    if rec.STATUS:
        raise SystemExit(rec.STATUS)


if __name__ == "__main__":
    app()
