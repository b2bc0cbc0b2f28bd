"""Team mode over a network: the round trips each everyday command makes.

At a 30 ms round trip a command's time is its round trips (a `move` of 17
statements sent one by one cost half a second). A round trip is one wait
for the server: in libpq's own trace of the conversation, each time the
server's messages follow the client's (a statement, or a pipeline of
several; a result read inside a pipeline costs one more). Connecting
(TCP, TLS, start-up) is libpq's and not counted here. benchmarks/README.md
has the statements and round trips of each command; these pin the budget
(issue 15: at most 8 for an everyday write)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 23, 10, 15)


@pytest.fixture
def team(pg_url, monkeypatch, funnel):
    monkeypatch.setenv("FUNNEL_DB", pg_url)
    assert funnel("team", "init", "--timezone", "Europe/Warsaw").exit_code == 0
    for title in ("Acme", "Globex", "Initech"):
        assert funnel("add", title, "--value", "100").exit_code == 0
    return pg_url


@pytest.fixture
def trips(monkeypatch, tmp_path):
    """Every psycopg connection from here on traced by libpq: trips() is the
    number of round trips (and statements) the traced connections made."""
    import psycopg
    from psycopg import pq

    traces: list[Path] = []
    real_connect = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]

    def connect(cls, *args, **kwargs):
        conn = real_connect(cls, *args, **kwargs)
        path = tmp_path / f"libpq-{len(traces)}.trace"
        traces.append(path)
        f = open(path, "w")  # noqa: SIM115 (closed with the connection)
        conn.pgconn.trace(f.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        real_close = conn.close

        def close() -> None:
            conn.pgconn.untrace()  # flushes libpq's buffer
            f.close()
            real_close()

        conn.close = close  # type: ignore[method-assign]
        return conn

    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(connect))
    monkeypatch.setattr(psycopg, "connect", psycopg.Connection.connect)

    def count() -> tuple[int, int]:
        round_trips = statements = 0
        for path in traces:
            last = None
            for line in path.read_text().splitlines():
                parts = [p.strip() for p in line.split("\t")]
                if len(parts) < 3 or parts[0] not in ("F", "B"):
                    continue
                # the server answers what the client sent: one wait
                round_trips += parts[0] == "B" and last == "F"
                last = parts[0]
                statements += parts[0] == "F" and parts[2] in ("Parse", "Query")
        traces.clear()
        return round_trips, statements

    return count


@pytest.mark.parametrize(
    ("args", "budget"),
    [
        (("add", "Benchmark deal", "--org", "Acme", "--value", "4800"), 7),
        (("move", "1", "demo"), 8),
        (("log", "2", "call", "Benchmark touch"), 7),
        (("won", "3"), 7),
        (("show", "1"), 4),
        (("list", "--limit", "20", "--format", "json"), 2),
        (("due", "--check"), 3),
    ],
)
def test_everyday_commands_keep_to_their_round_trips(funnel, team, trips, args, budget):
    r = funnel(*args)
    assert r.exit_code in (0, 3), r.stderr
    round_trips, statements = trips()
    assert round_trips <= budget, (round_trips, statements)
    assert statements > round_trips  # several statements go in one trip somewhere


def test_a_write_that_does_nothing_sends_nothing_for_its_transaction(team, trips):
    """A transaction begun and ended with nothing in it costs no round trip."""
    from funnelcli.store import Store

    store = Store.open_team(team, for_write=True, now=NOW)
    try:
        trips()
        with store.read():
            pass
        assert store.conn.in_transaction is False
        assert trips() == (0, 0)
    finally:
        store.close()


def test_an_error_in_a_batch_rolls_the_whole_write_back(funnel, team):
    """Statements sent together fail together: the error comes by the end of
    the batch, as sqlite3's class, and nothing of the write stays."""
    from funnelcli.errors import StorageError
    from funnelcli.store import Store

    changes = len(funnel("changes", "--format", "json").json())
    store = Store.open_team(team, for_write=True, now=NOW)
    try:
        unique = "UNIQUE constraint failed: deal_tags"
        with pytest.raises(StorageError, match=unique), store.write(), store.batch():
            store.deals.add_tags(1, ["vip"])
            store.deals.update(1, {"title": "Renamed"})
            store.conn.execute("INSERT INTO deal_tags (deal_id, tag) VALUES (1, 'vip')")
        with pytest.raises(sqlite3.IntegrityError), store.batch():
            store.conn.execute("INSERT INTO deal_tags (deal_id, tag) VALUES (1, 'x')")
            store.conn.execute("INSERT INTO deal_tags (deal_id, tag) VALUES (1, 'x')")
    finally:
        store.close()
    shown = funnel("show", "1", "--format", "json").json()
    assert (shown["title"], shown["tags"]) == ("Acme", [])
    assert len(funnel("changes", "--format", "json").json()) == changes


def test_a_read_ends_before_the_next_write_begins(funnel, team):
    """A read's COMMIT waits to go with the next statement: the next write
    still sees everything committed since (it reads afresh, not the read's
    snapshot)."""
    from funnelcli.store import Store

    store = Store.open_team(team, for_write=True, now=NOW)
    try:
        with store.read():
            assert store.deals.get(1).title == "Acme"
        assert funnel("edit", "1", "--title", "Acme Corp").exit_code == 0
        with store.write():
            assert store.deals.get(1).title == "Acme Corp"
            store.deals.update(1, {"org": "Acme Holdings"})
    finally:
        store.close()
    assert funnel("show", "1", "--format", "json").json()["org"] == "Acme Holdings"


def test_a_newer_team_schema_is_refused(funnel, team):
    import psycopg

    with psycopg.connect(team, autocommit=True) as c:
        c.execute("UPDATE funnel_schema SET version = 99")
    r = funnel("list")
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1
    assert f"{team} has team schema version 99, newer than" in r.stderr
