"""The bare floor on PostgreSQL (issue 15): what any Typer + psycopg command
costs before it does any work. A Typer app with a root callback and one
command, which connects to FUNNEL_DB as funnelcli does (store/pg.py's
`connect`: the keyword arguments in CONNECT, which pg_startup.py checks
against the ones funnel passed), runs one trivial query (`SELECT 1`: one
round trip) and exits. No funnelcli code, no output.
"""

import os
from typing import Any

import psycopg
import typer

# funnelcli's psycopg.connect keywords (store/pg.py; BUSY_TIMEOUT_S = 30 s).
CONNECT: dict[str, Any] = {
    "autocommit": True,
    "connect_timeout": 10,
    "application_name": "funnelcli",
    "options": "-c lock_timeout=30000",
}

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Bare floor on PostgreSQL."""


@app.command("bare")
def bare() -> None:
    conn = psycopg.connect(os.environ["FUNNEL_DB"], **CONNECT)
    conn.execute("SELECT 1").fetchall()
    conn.close()


if __name__ == "__main__":
    app()
