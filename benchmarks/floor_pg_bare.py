"""The bare floor on PostgreSQL (issue 15): what any Typer + psycopg command
costs before it does any work. A Typer app with a root callback and one
command, which connects to FUNNEL_DB as funnelcli does, runs one trivial
query (`SELECT 1`: one round trip) and exits. No funnelcli code, no output.

"As funnelcli does": the keyword arguments funnel passed to
`psycopg.connect` in its latest traced run, which pg_startup.py writes to
`pg_connect.py` in $FUNNEL_PG_REPLAY (so a change to store/pg.py's options
is followed, as the replay floor follows funnel's statements); without it,
CONNECT below, store/pg.py's as of 2026-12-03.
"""

import os
from typing import Any

import psycopg
import typer

# store/pg.py's psycopg.connect keywords (BUSY_TIMEOUT_S = 30 s), 2026-12-03.
CONNECT: dict[str, Any] = {
    "autocommit": True,
    "connect_timeout": 10,
    "application_name": "funnelcli",
    "options": "-c lock_timeout=30000 -c jit=off",
}

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Bare floor on PostgreSQL."""


@app.command("bare")
def bare() -> None:
    connect = CONNECT
    if "FUNNEL_PG_REPLAY" in os.environ:
        import sys

        sys.path.insert(0, os.environ["FUNNEL_PG_REPLAY"])
        from pg_connect import CONNECT as connect  # type: ignore[import-not-found,no-redef]
    conn = psycopg.connect(os.environ["FUNNEL_DB"], **connect)
    conn.execute("SELECT 1").fetchall()
    conn.close()


if __name__ == "__main__":
    app()
