"""The PostgreSQL test infrastructure itself: `pg_url` (a fresh empty database
per test, dropped afterwards), `pg_server` and tests/pgserver.py."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

import pgserver
from conftest import NO_PG

pytestmark = pytest.mark.postgres
TESTS = Path(__file__).resolve().parent


def tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


def current_database(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


def existing(admin_url: str, names: list[str]) -> list[str]:
    with psycopg.connect(admin_url) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = ANY(%s) ORDER BY 1", (names,)
        ).fetchall()
    return [r[0] for r in rows]


def test_pg_url_is_an_empty_database_of_its_own(pg_url: str, pg_server: str) -> None:
    name = current_database(pg_url)
    assert name.startswith("funnel_t_") and pg_url.endswith("/" + name)
    assert tables(pg_url) == []
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE deals (id serial PRIMARY KEY, title text NOT NULL)")
        conn.execute("INSERT INTO deals (title) VALUES ('Acme'), ('Blåbär')")
    with psycopg.connect(pg_url) as conn:  # committed: another connection sees it
        assert conn.execute("SELECT id, title FROM deals ORDER BY id").fetchall() == [
            (1, "Acme"),
            (2, "Blåbär"),
        ]
    assert tables(pg_url) == ["deals"]
    assert existing(pg_server, [name]) == [name]


def test_two_databases_are_apart(pg_url: str, pg_server: str) -> None:
    with pgserver.scratch_database(pg_server) as other:
        assert current_database(other) != current_database(pg_url)
        with psycopg.connect(pg_url) as conn:
            conn.execute("CREATE TABLE only_here (x int)")
        assert tables(pg_url) == ["only_here"]
        assert tables(other) == []


def test_scratch_database_is_dropped_even_with_a_connection_open(pg_server: str) -> None:
    with pgserver.scratch_database(pg_server) as url:
        name = current_database(url)
        held = psycopg.connect(url)  # DROP … WITH (FORCE) ends it
        held.execute("CREATE TABLE t (x int)")
        assert existing(pg_server, [name]) == [name]
    assert existing(pg_server, [name]) == []
    assert held.closed or held.broken or _is_dead(held)
    held.close()


def _is_dead(conn: psycopg.Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False


def test_a_dozen_clients_at_once(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE hits (client int PRIMARY KEY, backend int NOT NULL)")
    clients = 12
    all_in = threading.Barrier(clients)
    errors: list[BaseException] = []

    def client(i: int) -> None:
        try:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute("INSERT INTO hits VALUES (%s, pg_backend_pid())", (i,))
                all_in.wait(timeout=30)  # every connection open at the same time
                row = conn.execute("SELECT count(*) FROM hits").fetchone()
                assert row == (clients,)
                all_in.wait(timeout=30)
        except BaseException as e:
            errors.append(e)
            all_in.abort()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT client, backend FROM hits ORDER BY client").fetchall()
    assert [r[0] for r in rows] == list(range(clients))
    assert len({r[1] for r in rows}) == clients  # twelve server processes, not one reused


# The fixtures end to end, in a pytest run of their own (conftest.py as a plugin):
# what they do at teardown can only be seen from outside the test that used them.
INNER = """
import os

import psycopg

held = []


def record(url):
    with psycopg.connect(url) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
    with open(os.environ["INNER_OUT"], "a") as out:
        out.write(name + "\\n")


def test_one(pg_url):
    record(pg_url)
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE t (x int)")


def test_two(pg_url):
    record(pg_url)
    held.append(psycopg.connect(pg_url))  # still open at teardown
"""


def run_inner(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_inner.py").write_text(INNER)
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "FUNNEL_TEST_PG", "FUNNEL_REQUIRE_PG", "FUNNEL_PG_BIN"))
    }
    environ.update(env, INNER_OUT=str(tmp_path / "names"))
    environ["PYTHONPATH"] = os.pathsep.join(
        [str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    pytest_args = ["-p", "conftest", "-p", "no:cacheprovider", "-n", "0", "-rs", "test_inner.py"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_fixture_gives_each_test_a_database_and_drops_it(pg_server: str, tmp_path: Path) -> None:
    run = run_inner(tmp_path, FUNNEL_TEST_PG=pg_server)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    names = (tmp_path / "names").read_text().split()
    assert len(names) == 2 and names[0] != names[1]
    assert all(n.startswith("funnel_t_") for n in names)
    assert existing(pg_server, names) == []  # both dropped, the one held open too


@pytest.mark.slow
def test_without_postgresql_the_tests_skip_saying_why(tmp_path: Path) -> None:
    run = run_inner(tmp_path, FUNNEL_PG_BIN=str(tmp_path / "nowhere"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 skipped" in run.stdout
    assert NO_PG in run.stdout and "FUNNEL_PG_BIN" in run.stdout
    assert not (tmp_path / "names").exists()


@pytest.mark.slow
def test_ci_fails_rather_than_skip(tmp_path: Path) -> None:
    run = run_inner(tmp_path, FUNNEL_PG_BIN=str(tmp_path / "nowhere"), FUNNEL_REQUIRE_PG="1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 errors" in run.stdout and "skipped" not in run.stdout
    assert NO_PG in run.stdout and "FUNNEL_REQUIRE_PG=1" in run.stdout


def running(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, not yet reaped by init, doesn't)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
def test_server_stops_and_leaves_nothing_behind() -> None:
    with pgserver.Server() as server:
        assert server.dir is not None
        where, data = server.dir, server.data
        pid = int((data / "postmaster.pid").read_text().split()[0])
        assert server.url.startswith("postgresql://postgres@127.0.0.1:")
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
            assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
            assert conn.execute("SELECT inet_server_addr()::text").fetchone() == ("127.0.0.1/32",)
        assert (where / f".s.PGSQL.{server.port}").is_socket()
    assert not where.exists()
    assert not running(pid)
    server.stop()  # again: nothing to do


@pytest.mark.slow
def test_a_server_that_cannot_start_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(pgserver.SETTINGS, "no_such_setting", "1")
    server = pgserver.Server()
    with pytest.raises(pgserver.StartError) as e:
        server.start()
    assert "pg_ctl start failed" in str(e.value)
    assert 'unrecognized configuration parameter "no_such_setting"' in str(e.value)
    assert server.dir is None and server.port is None
