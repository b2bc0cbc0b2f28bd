"""Run funnel or a floor with every SQL statement it sends to SQLite recorded.

    python -c "import sqltrace; sqltrace.main()" OUT funnel ARGS...
    python -c "import sqltrace; sqltrace.main()" OUT floor_due ARGS...

`sqlite3.connect` is wrapped so that each connection gets a trace callback
(SQLite's expanded SQL: bound values written in); the statements are written
to OUT, one JSON string a line, when the process exits. run.py's floor check
compares funnel's list with the floor's after `normalize()`, so a floor whose
SQL text fell behind funnelcli's shows up as "SQL differs".

SQLite also calls the trace callback at the start of each trigger subprogram,
and Python's sqlite3 then reports the statement that fired it once more (the
expanded SQL of the running statement): an `INSERT INTO activities` that
fires m004's undo trigger shows up three times in a row. `sent()` collapses
such repeats, so its count is the statements the program sent to SQLite;
the raw list (trigger runs included) is what the floor check compares.
Statements SQLite runs inside another one are traced with a `-- ` in front
(`SELECT * FROM pragma_user_version, pragma_journal_mode` is followed by
`-- PRAGMA journal_mode` and `-- PRAGMA user_version`): `sent()` leaves
them out too, the program didn't send them.
"""

from __future__ import annotations

import atexit
import json
import re
import sqlite3
import sys
from pathlib import Path


def main() -> None:
    out, program, *args = sys.argv[1:]
    statements: list[str] = []
    real_connect = sqlite3.connect

    def connect(*a: object, **kw: object) -> sqlite3.Connection:
        conn = real_connect(*a, **kw)  # type: ignore[call-overload]
        conn.set_trace_callback(statements.append)
        return conn

    sqlite3.connect = connect  # type: ignore[assignment]

    def save() -> None:
        Path(out).write_text("".join(json.dumps(s) + "\n" for s in statements))

    atexit.register(save)
    if program == "funnel":
        from funnelcli.__main__ import main as funnel_main

        sys.argv = ["funnel", *args]
        funnel_main()
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        module = __import__(program)
        sys.argv = [program, *args]
        module.app()


_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")


def normalize(sql: str) -> str:
    """Whitespace collapsed and literal values replaced by `?`: two programs
    running the same statement text on different deals, clocks or uuids give
    the same string."""
    sql = _STRING.sub("?", sql)
    sql = _NUMBER.sub("?", sql)
    return " ".join(sql.split())


def load(path: Path) -> list[str]:
    return [normalize(json.loads(line)) for line in path.read_text().splitlines()]


def sent(path: Path) -> list[str]:
    """The statements the program sent, normalized: the trace with each run of
    identical lines (one statement and its trigger subprograms; compared before
    normalizing, with its bound values written in) counted once, and the
    statements SQLite ran inside another (`-- ` in front) left out. A statement
    really sent twice in a row with the same values would count once too."""
    out: list[str] = []
    last = None
    for line in path.read_text().splitlines():
        raw = json.loads(line)
        if raw != last and not raw.startswith("-- "):
            out.append(normalize(raw))
        last = raw
    return out
