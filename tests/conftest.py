"""Every test gets its own database, config and clock: nothing touches a real
home directory or the real time."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from funnelcli import clock
from funnelcli.cli import app

NOW = "2026-11-23T10:15:00"  # a Monday
# FUNNEL_TEST_ENGINE=postgres: every test's FUNNEL_DB is a fresh PostgreSQL team
# database (a copy of one `funnel team init` made), tests marked sqlite_only
# skip; default: a SQLite file in the test's own directory.
ENGINE = os.environ.get("FUNNEL_TEST_ENGINE", "sqlite")
REPO = Path(__file__).resolve().parent.parent
MAVEN = REPO.parent / "shared" / "data" / "maven-crm"

# The Maven data set read straight from its CSV, and the real-data report fixtures
# (rows, maven_db, report).
pytest_plugins = ["maven_csv"]


# The fixtures through which a test runs funnel on FUNNEL_DB (see `isolated`).
DB_FIXTURES = frozenset({"funnel", "history", "empty_db", "report"})
# FUNNEL_DB on PostgreSQL for a test that needs no database: a socket directory
# that isn't there, so a connection fails at once.
NO_DB = "postgresql:///none?host=/nonexistent/funnel-test-has-no-database"


@pytest.fixture(autouse=True)
def isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Path]:
    monkeypatch.delenv("FUNNEL_USER", raising=False)
    if ENGINE == "postgres" and "sqlite_only" not in request.keywords:
        # A fresh team database costs ~0.1 s of the server's (a copy of the
        # template, then a drop): only for a test that runs funnel. The others
        # (dates, money, the layers' rules …) get a URL no server answers, so
        # one that does reach for a database fails instead of quietly testing
        # nothing; mark such a test `db`.
        uses_db = "db" in request.keywords or not DB_FIXTURES.isdisjoint(request.fixturenames)
        monkeypatch.setenv("FUNNEL_DB", request.getfixturevalue("pg_team_db") if uses_db else NO_DB)
        # a team database's new deals are their user's: "me", as a file's are
        monkeypatch.setenv("FUNNEL_USER", "me")
    else:
        monkeypatch.setenv("FUNNEL_DB", str(tmp_path / "funnel.db"))
    monkeypatch.setenv("FUNNEL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("FUNNEL_NOW", NOW)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FUNNEL_DEBUG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    # what a command makes in the system's temporary directory (`funnel demo`
    # without --db) goes here too
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR afresh
    time.tzset()
    clock.use_zone(None)  # a database's zone is the run's once opened (in-process runs)
    yield tmp_path
    monkeypatch.undo()
    time.tzset()
    clock.use_zone(None)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the clock (FUNNEL_NOW) for the next commands: `at("2026-11-27T10:00")`."""

    def set_clock(when: str) -> None:
        monkeypatch.setenv("FUNNEL_NOW", when)

    return set_clock


@pytest.fixture
def empty_db(isolated: Path) -> Path:
    """An empty database at FUNNEL_DB (the schema and the seeded pipeline, no
    deals), for a test whose first command reads: a read of a database that
    isn't there, at a path the user gave (FUNNEL_DB here), is an error."""
    from helpers import make_db

    return make_db(isolated / "funnel.db")


@pytest.fixture
def fresh(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh install: no --db, FUNNEL_DB or config `db`, so the database is
    the default one, which isn't there yet (a read shows nothing and says so
    on stderr); returns its path."""
    monkeypatch.delenv("FUNNEL_DB")
    return isolated / "xdg-data" / "funnelcli" / "funnel.db"


@pytest.fixture
def umask0() -> Iterator[None]:
    """The most permissive umask: anything not 0600/0700 would be world-writable."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


# A writer that dies mid-write, after SQLite spilled its uncommitted changes
# out of its cache (into the write-ahead log): `python -c DIE_MID_WRITE DB`.
DIE_MID_WRITE = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 1")
conn.execute("BEGIN IMMEDIATE")
conn.executemany(
    "INSERT INTO activities (deal_id, kind, at, recorded_at) VALUES (1, 'call', ?, ?)",
    ((f"2026-01-01T00:00:{i % 60:02d}Z", "x") for i in range(20000)),
)
os.kill(os.getpid(), signal.SIGKILL)
"""


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)


@pytest.fixture
def funnel() -> object:
    """Run `funnel ARGS…` in-process, through the very app `funnel` runs;
    returns exit code, stdout and stderr."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Run:
        result = runner.invoke(app, list(args), input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert "Traceback" not in result.stderr
        assert "internal error" not in result.stderr, result.stderr
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `maven` need ../shared; skip them, with the reason, when
    absent. On PostgreSQL, tests of the SQLite file itself skip, saying so."""
    if ENGINE == "postgres":
        file_only = pytest.mark.skip(reason="about the SQLite file itself (sqlite_only)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(file_only)
    if MAVEN.exists():
        return
    skip = pytest.mark.skip(reason=f"real data set not found at {MAVEN} (a fresh clone)")
    for item in items:
        if "maven" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def history(funnel):  # type: ignore[no-untyped-def]
    """`funnel` on a database holding helpers.HISTORY, the report tests' deals."""
    from helpers import HISTORY

    for args in HISTORY:
        run = funnel(*args)
        assert run.exit_code == 0, (args, run.stderr)
    return funnel


# PostgreSQL (team mode). `pg_server` is the URL of a server's admin database:
# FUNNEL_TEST_PG's (an existing server whose user may CREATE DATABASE) or that of
# a throwaway server (tests/pgserver.py) started the first time a test asks, one
# per test process, stopped at the end of the session. `pg_url`: a fresh, empty
# database on it for one test, dropped afterwards. Without PostgreSQL they skip,
# saying why, unless FUNNEL_REQUIRE_PG=1 (CI): then they fail.
NO_PG = "no PostgreSQL server: apt-get install postgresql, or set FUNNEL_TEST_PG"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    import pgserver

    external = os.environ.get("FUNNEL_TEST_PG")
    if external:
        yield external
        return
    try:
        server = pgserver.Server().start()
    except pgserver.Unavailable as e:
        reason = f"{NO_PG} ({e})"
        if os.environ.get("FUNNEL_REQUIRE_PG") == "1":
            pytest.fail(f"{reason}; FUNNEL_REQUIRE_PG=1", pytrace=False)
        pytest.skip(reason)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database of this test's own."""
    from pgserver import scratch_database

    with scratch_database(pg_server) as url:
        yield url


@pytest.fixture(scope="session")
def pg_team_template(pg_server: str) -> Iterator[str]:
    """The name of a database `funnel team init --timezone UTC` set up, which
    pg_team_db copies for each test (CREATE DATABASE … TEMPLATE)."""
    from datetime import datetime

    from funnelcli.services.team_mode import init_team
    from pgserver import scratch_database

    with scratch_database(pg_server, prefix="funnel_template_") as url:
        init_team(url, "UTC", datetime.fromisoformat(NOW))
        yield url.rsplit("/", 1)[1].split("?", 1)[0]


@pytest.fixture(scope="session")
def pg_team_copies(pg_server: str, pg_team_template: str) -> Iterator[Any]:
    """Copies of the template, made ahead and dropped behind by a thread
    (pgserver.Copies), so a test waits for neither."""
    from pgserver import Copies

    copies = Copies(pg_server, pg_team_template)
    try:
        yield copies
    finally:
        copies.close()


@pytest.fixture
def pg_team_db(pg_team_copies: Any) -> Iterator[str]:
    """The URL of a fresh team database of this test's own, as `team init` leaves it."""
    url = pg_team_copies.take()
    try:
        yield url
    finally:
        pg_team_copies.give_back(url)
