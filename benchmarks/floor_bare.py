"""The bare floor (issue 12): what any Typer + sqlite3 command costs before it
does any work. A Typer app with a root callback and one command, which
connects to FUNNEL_DB as the other floors do (timeout 30, autocommit), runs
one trivial query (`PRAGMA user_version`: it opens the file and reads its
header, where `SELECT 1` wouldn't touch the file at all) and exits. No
funnelcli code, no output.

run.py times it beside every command: funnel's median over this one is the
"bare" ratio, which counts the SQL a command runs (its number of statements
and what each costs) where the same-SQL floors don't.
"""

import os
import sqlite3

import typer

app = typer.Typer(add_completion=False)


@app.callback()
def root() -> None:
    """Bare floor."""


@app.command("bare")
def bare() -> None:
    conn = sqlite3.connect(os.environ["FUNNEL_DB"], timeout=30.0, isolation_level=None)
    conn.execute("PRAGMA user_version").fetchone()
    conn.close()


if __name__ == "__main__":
    app()
