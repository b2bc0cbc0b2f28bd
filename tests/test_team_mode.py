"""Team mode: a pipeline in a PostgreSQL database (`--db postgresql://…`).

`FUNNEL_TEST_ENGINE=postgres pytest` runs the rest of the suite on
PostgreSQL too; these are team mode's own: setting a database up, the URL
and its password, and writers taking turns."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from itertools import pairwise

import pytest

from funnelcli.dburl import has_password, is_url, shown
from funnelcli.store.pg_sql import translate

# -- the URL and the dialect (no server needed) -------------------------------


def test_a_url_is_told_from_a_path():
    assert is_url("postgresql://crm.example.com/sales")
    assert is_url("POSTGRES://h/db")
    assert not is_url("postgresql.db")
    assert not is_url("/srv/postgresql://odd")
    assert not is_url(None)


def test_a_password_never_shows():
    assert shown("postgresql://anna:s3cret@h:5432/db") == "postgresql://anna:***@h:5432/db"
    assert shown("postgresql://h/db?password=s3cret&sslmode=require") == (
        "postgresql://h/db?password=***&sslmode=require"
    )
    assert shown("postgresql://anna@h/db") == "postgresql://anna@h/db"
    # an unescaped @ in the password: up to the last @ before the path, as libpq reads it
    assert shown("postgresql://anna:p@ss@h:5/db") == "postgresql://anna:***@h:5/db"
    assert has_password("postgresql://anna:x@h/db")
    assert not has_password("postgresql://anna@h/db?sslmode=require")


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT * FROM deals WHERE id = :id", "SELECT * FROM deals WHERE id = %(id)s"),
        ("VALUES (?, ?)", "VALUES (%s, %s)"),
        (
            "SELECT '50%', ':x', '?' FROM t WHERE a = :a",
            "SELECT '50%%', ':x', '?' FROM t WHERE a = %(a)s",
        ),
        ("SELECT 'it''s :x' WHERE b = ?", "SELECT 'it''s :x' WHERE b = %s"),
        ("SELECT x::text", "SELECT x::text"),
        ("WHERE a IS NOT b AND c IS NOT NULL", "WHERE a IS DISTINCT FROM b AND c IS NOT NULL"),
        ("WHERE 'a IS NOT b' = x", "WHERE 'a IS NOT b' = x"),
    ],
)
def test_sqlite_sql_reads_as_postgresql(sqlite, postgres):
    assert translate(sqlite) == postgres


def test_a_password_on_the_command_line_is_refused(funnel):
    r = funnel("--db", "postgresql://anna:s3cret@127.0.0.1:1/x", "list")
    assert r.exit_code == 2
    assert "s3cret" not in r.stderr
    assert "~/.pgpass or PGPASSWORD" in r.stderr


def test_a_server_address_that_isnt_a_url_is_refused_not_made_a_file(funnel, tmp_path, monkeypatch):
    """libpq's key=value form, or a URL with a slash missing, named as the
    database: one line saying so (the password masked), and no SQLite file
    of that name made where the seller's deal would go unseen."""
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    conninfo = "host=127.0.0.1 port=5432 dbname=sales user=anna password=s3cret"
    r = funnel("--db", conninfo, "add", "oops")
    assert (r.exit_code, r.stdout) == (2, "")
    assert "s3cret" not in r.stderr and "password=***" in r.stderr
    assert "is libpq's key=value form, which funnel doesn't take" in r.stderr
    monkeypatch.setenv("FUNNEL_DB", "postgresql:/127.0.0.1/sales")
    r = funnel("add", "oops")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr.count("\n") == 1
    assert "FUNNEL_DB: postgresql:/127.0.0.1/sales is not a postgresql:// URL" in r.stderr
    r = funnel("config", "set", "db", "POSTGRES:db.example.com")
    assert r.exit_code == 2 and "is not a postgresql:// URL" in r.stderr
    assert sorted(os.listdir(tmp_path)) == before


def test_config_db_takes_no_password_and_shows_none(funnel, isolated, monkeypatch):
    r = funnel("config", "set", "db", "postgresql://anna:s3cret@db.example.com/sales")
    assert r.exit_code == 2
    assert "s3cret" not in r.stderr + r.stdout and "~/.pgpass or PGPASSWORD" in r.stderr
    # one written into the file by hand is never shown
    (isolated / "config.toml").write_text('db = "postgresql://anna:p@ss@db.example.com/sales"\n')
    r = funnel("config", "get", "db")
    assert r.stdout == "postgresql://anna:***@db.example.com/sales\n"
    assert "p@ss" not in funnel("config", "get", "db", "--format", "json").stdout
    # every setting but the database's zone is the file's: shown even when the
    # database can't be opened (here: a URL libpq would misread), with a note
    monkeypatch.delenv("FUNNEL_DB")  # the config's `db` names the database
    every = funnel("config", "get")
    assert every.exit_code == 0 and "p@ss" not in every.stdout + every.stderr
    assert "currency" in every.stdout
    assert every.stderr.startswith("timezone: not read: `db` in ")
    assert "has an @ in its user or password: write it as %40" in every.stderr
    assert funnel("list").exit_code == 1  # a command that needs the database


def test_without_psycopg_one_line_says_what_to_install(funnel, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setenv("FUNNEL_DB", "postgresql://anna:s3cret@127.0.0.1:1/sales")
    r = funnel("list")
    assert r.exit_code == 1
    assert r.stderr == (
        "funnel: error: postgresql://anna:***@127.0.0.1:1/sales is a PostgreSQL database: "
        "team mode needs psycopg 3, pip install 'psycopg[binary]' (funnelcli's `postgres` extra)\n"
    )


def test_a_server_that_isnt_there_is_one_line(funnel, monkeypatch):
    monkeypatch.setenv("FUNNEL_DB", "postgresql://anna:s3cret@127.0.0.1:1/sales")
    r = funnel("list")
    assert r.exit_code == 1
    assert r.stderr.startswith("funnel: error: can't connect to postgresql://anna:***@127.0.0.1:1/")
    assert r.stderr.count("\n") == 1
    assert "s3cret" not in r.stderr


# -- on a server ---------------------------------------------------------------

pg = pytest.mark.postgres


@pytest.fixture
def team(pg_url, monkeypatch):
    """FUNNEL_DB naming a fresh, empty PostgreSQL database."""
    monkeypatch.setenv("FUNNEL_DB", pg_url)
    return pg_url


@pg
def test_init_sets_up_an_empty_database_once(funnel, team):
    r = funnel("team", "init", "--timezone", "Europe/Warsaw")
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr == f"team database ready: {team} (time zone Europe/Warsaw)\n"
    assert funnel("config", "get", "timezone").stdout == "Europe/Warsaw\n"
    stages = funnel("stage", "list", "--format", "json").json()
    assert [s["name"] for s in stages][:3] == ["lead", "qualified", "contacted"]
    again = funnel("team", "init")
    assert again.exit_code != 0
    assert "already a funnelcli team database" in again.stderr


@pg
def test_a_database_not_set_up_says_how(funnel, team):
    r = funnel("list")
    assert r.exit_code == 1
    assert "has no funnelcli pipeline yet" in r.stderr
    assert "funnel team init" in r.stderr


@pg
def test_a_foreign_database_is_left_alone(funnel, team):
    import psycopg

    with psycopg.connect(team, autocommit=True) as c:
        c.execute("CREATE TABLE invoices (id int)")
    r = funnel("team", "init")
    assert r.exit_code == 1
    assert "not a funnelcli one" in r.stderr
    with psycopg.connect(team) as c:
        tables = c.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [t for (t,) in tables] == ["invoices"]


@pg
def test_init_wants_a_postgresql_database(funnel, tmp_path, monkeypatch):
    monkeypatch.setenv("FUNNEL_DB", str(tmp_path / "funnel.db"))
    r = funnel("team", "init")
    assert r.exit_code != 0
    assert "--db postgresql://" in r.stderr


@pg
def test_a_deal_lives_its_life_on_postgresql(funnel, team):
    assert funnel("team", "init", "--timezone", "UTC").exit_code == 0
    assert funnel("add", "Acme renewal", "--value", "4800", "--tag", "hot").exit_code == 0
    assert funnel("move", "1", "demo").exit_code == 0
    assert funnel("log", "1", "call", "intro").exit_code == 0
    deal = funnel("show", "1", "--format", "json").json()
    assert (deal["stage"], deal["value"], deal["tags"], deal["touches"]) == (
        "demo",
        4800,
        ["hot"],
        1,
    )
    assert [h["to_stage"] for h in deal["history"]] == ["lead", "demo"]
    changes = funnel("changes", "--format", "json").json()
    assert [c["command"] for c in changes][:2] == ["funnel log 1 call intro", "funnel move 1 demo"]
    assert funnel("undo").exit_code == 0
    assert funnel("show", "1", "--format", "json").json()["touches"] == 0


@pg
def test_file_commands_point_at_the_right_tool(funnel, team, tmp_path):
    assert funnel("team", "init").exit_code == 0
    r = funnel("backup", str(tmp_path / "copy.db"))
    assert r.exit_code != 0
    assert "pg_dump" in r.stderr and "funnel export" in r.stderr
    assert r.stderr.count("\n") == 1
    assert not (tmp_path / "copy.db").exists()


def _funnel(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FUNNEL_DB": url}
    return subprocess.run(
        [sys.executable, "-m", "funnelcli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pg
@pytest.mark.slow
def test_writers_take_turns_and_the_history_stays_one_chain(funnel, team):
    """Eight sellers at one deal at once, four moving it, four logging calls:
    every write succeeds, in some order, each move starting where the one
    before ended; change numbers follow commit order (the write lock is
    taken first, as SQLite's BEGIN IMMEDIATE)."""
    assert funnel("team", "init").exit_code == 0
    assert funnel("add", "Contested").exit_code == 0
    stages = ["qualified", "contacted", "demo", "proposal"]
    writes = [("move", "1", s) for s in stages] + [("log", "1", "call", f"n{i}") for i in range(4)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        runs = list(pool.map(lambda w: _funnel(team, *w), writes))
    assert [r.returncode for r in runs] == [0] * 8, [r.stderr for r in runs]
    deal = funnel("show", "1", "--format", "json").json()
    assert deal["touches"] == 4
    history = deal["history"]
    assert len(history) == 5
    for before, after in pairwise(history):
        assert after["from_stage"] == before["to_stage"]
    changes = funnel("changes", "--format", "json").json()
    moves = sorted(
        (c for c in changes if c["command"].startswith("funnel move")), key=lambda c: c["id"]
    )
    assert len(moves) == 4
    # change numbers in the order the moves committed: the history's order
    assert [c["command"].split()[-1] for c in moves] == [h["to_stage"] for h in history[1:]]
    # undo takes back the newest change, whoever made it
    newest = max(changes, key=lambda c: c["id"])
    assert funnel("undo").exit_code == 0
    after = funnel("show", "1", "--format", "json").json()
    if newest["command"].startswith("funnel move"):
        assert after["stage"] == history[-2]["to_stage"]
        assert json.dumps(after["history"]) == json.dumps(history[:-1])
    else:
        assert (after["stage"], after["touches"]) == (history[-1]["to_stage"], 3)


def test_a_write_that_waited_keeps_the_history_in_order(funnel, at):
    """A writer reads the clock, then waits for another's write (or a
    teammate's clock runs a little ahead): its change takes the last one's
    time, up to a minute; beyond that, "now" is refused as before."""
    at("2026-11-23T10:00:30")
    assert funnel("add", "Acme").exit_code == 0
    assert funnel("move", "1", "demo").exit_code == 0
    at("2026-11-23T10:00:00")  # 30 s behind the last change
    assert funnel("move", "1", "proposal").exit_code == 0
    history = funnel("show", "1", "--format", "json").json()["history"]
    assert [(h["to_stage"], h["at"]) for h in history[1:]] == [
        ("demo", "2026-11-23T10:00:30Z"),
        ("proposal", "2026-11-23T10:00:30Z"),
    ]
    at("2026-11-23T09:58:00")  # 2.5 min behind: a clock that is wrong
    r = funnel("move", "1", "negotiation")
    assert r.exit_code == 1
    assert "history must stay in order" in r.stderr


def test_a_touch_just_after_a_teammates_add_keeps_it_in_order(funnel, at):
    """Anna adds a deal with her clock 30 s ahead of Ben's; Ben logs a call on
    it at once: the touch is recorded at the deal's creation, as a move is.
    Two and a half minutes behind is a wrong clock: refused in one line that
    says "now", not an --at nobody gave."""
    at("2026-11-23T12:00:30")
    assert funnel("add", "Skewed").exit_code == 0
    at("2026-11-23T12:00:00")
    assert funnel("log", "1", "call", "hi").exit_code == 0
    shown = funnel("show", "1", "--format", "json").json()
    assert [a["at"] for a in shown["activities"]] == ["2026-11-23T12:00:30Z"]
    at("2026-11-23T11:58:00")
    assert funnel("add", "Later").exit_code == 0  # created 11:58: fine
    at("2026-11-23T11:57:30")
    r = funnel("log", "1", "call", "again")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr.endswith(
        "now (this machine's clock) is before deal 1 was created (2026-11-23 12:00)\n"
    )


@pg
def test_team_init_output_is_inert(funnel, pg_url, monkeypatch):
    """The database's name as given (here with an escape and a bidi override
    in its options) is shown escaped, on success and on failure."""
    hostile = pg_url + "?application_name=%1B%5B31mred%E2%80%AE"
    monkeypatch.setenv("FUNNEL_DB", hostile)
    r = funnel("team", "init")
    assert r.exit_code == 0, r.stderr
    monkeypatch.setenv("FUNNEL_DB", "postgresql://\x1b[31mred\u202e@127.0.0.1:1/x")
    r = funnel("list")
    assert r.exit_code == 1
    assert "\x1b" not in r.stderr and "\u202e" not in r.stderr
    assert "\\x1b[31mred\\u202e" in r.stderr


# -- people -------------------------------------------------------------------


def test_config_user_names_who_made_each_change(funnel, tmp_path, monkeypatch):
    monkeypatch.setenv("FUNNEL_DB", str(tmp_path / "funnel.db"))
    monkeypatch.delenv("FUNNEL_USER", raising=False)
    assert funnel("config", "set", "user", "anna").exit_code == 0
    assert funnel("add", "Acme").exit_code == 0
    change = funnel("changes", "--format", "json").json()[0]
    assert (change["command"], change["who"]) == ("funnel add Acme", "anna")
    # on a file the default owner stays config `owner`
    assert funnel("show", "1", "--format", "json").json()["owner"] == "me"


@pg
def test_on_a_team_database_what_you_add_is_yours(funnel, team, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "bob")
    monkeypatch.delenv("FUNNEL_USER", raising=False)
    assert funnel("team", "init").exit_code == 0
    assert funnel("add", "Bob deal").exit_code == 0
    assert funnel("config", "set", "user", "anna").exit_code == 0
    assert funnel("add", "Anna deal").exit_code == 0
    deals = funnel("list", "--format", "json").json()
    assert [(d["title"], d["owner"]) for d in deals] == [
        ("Bob deal", "bob"),
        ("Anna deal", "anna"),
    ]
    changes = funnel("changes", "--format", "json").json()
    assert [(c["command"], c["who"]) for c in changes] == [
        ("funnel add 'Anna deal'", "anna"),
        ("funnel add 'Bob deal'", "bob"),
    ]
    # an owner set in the config still wins
    assert funnel("config", "set", "owner", "sales-team").exit_code == 0
    assert funnel("add", "Shared").exit_code == 0
    assert funnel("show", "3", "--format", "json").json()["owner"] == "sales-team"


@pg
def test_undo_takes_back_your_own_newest_change(funnel, team, monkeypatch):
    """Several people, one change log: a bare `funnel undo` takes back what
    you did last, never a teammate's newer change; `funnel undo N` names any."""

    def as_(who: str, *args: str):
        monkeypatch.setenv("FUNNEL_USER", who)
        return funnel(*args)

    assert as_("anna", "team", "init").exit_code == 0
    assert as_("anna", "add", "Anna deal").exit_code == 0  # change 2 (init is 1)
    assert as_("ben", "add", "Ben deal").exit_code == 0
    assert as_("anna", "move", "1", "qualified").exit_code == 0
    assert as_("ben", "log", "2", "call").exit_code == 0
    preview = as_("anna", "undo", "--dry-run", "--format", "json")
    assert preview.exit_code == 0, preview.stderr
    undone = as_("anna", "undo")
    assert undone.exit_code == 0, undone.stderr
    deals = {d["title"]: d for d in funnel("list", "--format", "json").json()}
    assert deals["Anna deal"]["stage"] == "lead"  # anna's move taken back
    assert deals["Ben deal"]["last_activity_at"] is not None  # ben's newer touch stays
    assert preview.json()["target"]["who"] == "anna"
    assert as_("anna", "undo").exit_code == 0  # then anna's add
    assert [d["title"] for d in funnel("list", "--format", "json").json()] == ["Ben deal"]
    nothing = as_("anna", "undo")
    assert nothing.exit_code != 0
    assert nothing.stderr == (
        "funnel: error: nothing of yours to undo (anna): no change of yours is in effect; "
        "`funnel changes` lists everyone's, `funnel undo N` takes back one\n"
    )
    # ben's newest is his touch; anna may still take back a change of his by number
    ben_add = next(
        c["id"]
        for c in funnel("changes", "--format", "json").json()
        if c["who"] == "ben" and c["command"].startswith("funnel add")
    )
    refused = as_("anna", "undo", str(ben_add))
    assert refused.exit_code != 0 and "changed the same deals" in refused.stderr
    assert as_("ben", "undo").exit_code == 0
    assert as_("anna", "undo", str(ben_add)).exit_code == 0
    assert funnel("list", "--format", "json").json() == []
    # a teammate's later touch on the same deal holds your move until it is undone
    assert as_("anna", "add", "Carol deal").exit_code == 0
    assert as_("anna", "move", "3", "qualified").exit_code == 0
    assert as_("ben", "log", "3", "call").exit_code == 0
    held = as_("anna", "undo")
    assert held.exit_code != 0
    assert "since then changed the same deals; undo it first" in held.stderr
    assert funnel("show", "3", "--format", "json").json()["stage"] == "qualified"


@pg
def test_a_database_sorting_text_its_own_way_gives_the_same_answers(funnel, pg_server, monkeypatch):
    """funnelcli's text columns compare bytewise (COLLATE "C") whatever the
    database's default: one made with ICU's en-US order, where 'a' < 'B',
    prints what one made in C does, byte for byte."""
    import psycopg

    from pgserver import scratch_database

    icu = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
    uuids = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    steps = [
        ("team", "init", "--timezone", "Europe/Warsaw"),
        ("add", "zeta", "--owner", "Émile", "--tag", "b", "--tag", "A", "--source", "Web"),
        ("add", "Alpha", "--owner", "émile", "--tag", "a", "--source", "web", "--value", "10"),
        ("add", "beta", "--owner", "Zoë", "--org", "acme", "--value", "20"),
        ("add", "Beta", "--owner", "anna", "--org", "Acme", "--value", "30"),
        ("move", "1", "qualified"),
        ("won", "2"),
        ("lost", "3", "--reason", "Budget"),
    ]
    reads = [
        ("list", "--sort", "title", "--status", "all"),
        ("list", "--sort", "owner", "--status", "all", "--format", "json"),
        ("list", "--owner", "ÉMILE"),
        ("list", "--tag", "a", "--format", "json"),
        ("list", "--search", "ACME"),
        ("report", "owners"),
        ("report", "funnel", "--format", "json"),
        ("report", "metrics", "--format", "json"),
        ("due",),
        ("changes", "--format", "json"),
    ]
    seen = []
    for options in ("", icu):
        try:
            database = scratch_database(pg_server, options=options)
            url = database.__enter__()
        except psycopg.Error as exc:
            pytest.skip(f"this PostgreSQL can't make an ICU database: {exc}")
        try:
            monkeypatch.setenv("FUNNEL_DB", url)
            for args in steps:
                assert funnel(*args).exit_code == 0, args
            seen.append([uuids.sub("UUID", funnel(*args).stdout) for args in reads])
        finally:
            database.__exit__(None, None, None)
    assert seen[0] == seen[1]
    assert [line.split()[1] for line in seen[0][0].splitlines()[1:5]] == [
        "Alpha", "Beta", "beta", "zeta"
    ]  # fmt: skip


# -- writers, readers and a killed client --------------------------------------

WRITERS, READERS, DEALS_EACH = 8, 2, 6
WRITER = """
import sys
from datetime import datetime
from pathlib import Path
from funnelcli.config import Config
from funnelcli.services import Context
from funnelcli.services.deal_edit import add_deal
from funnelcli.services.deal_input import DealChanges
from funnelcli.services.deals import close_deal, move_deal
from funnelcli.store import Store

url, worker, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
now = datetime(2026, 11, 23, 10, 15)
ctx = Context(Store.open_team(url, for_write=True, now=now), now, Config(Path("none.toml")))
for i in range(count):
    deal = add_deal(ctx, f"w{worker}-{i}", DealChanges(value="100"))
    for stage in ("qualified", "contacted", "demo"):
        move_deal(ctx, str(deal.id), stage)
    if i % 2:
        close_deal(ctx, str(deal.id), "won")
"""


@pg
@pytest.mark.slow
def test_parallel_writers_and_readers_lose_nothing(funnel, team):
    assert funnel("team", "init").exit_code == 0
    env = {**os.environ, "FUNNEL_DB": team}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, team, str(w), str(DEALS_EACH)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    reads = 0
    while any(w.poll() is None for w in writers):
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            runs = list(pool.map(lambda _: _funnel(team, "list", "--format", "json"), range(2)))
        assert [r.returncode for r in runs] == [0] * READERS, [r.stderr for r in runs]
        reads += READERS
    assert [w.wait() for w in writers] == [0] * WRITERS, [w.stderr.read() for w in writers]
    assert reads >= READERS
    deals = funnel("list", "--status", "all", "--format", "json").json()
    assert len(deals) == WRITERS * DEALS_EACH
    for deal in deals:
        history = funnel("show", str(deal["id"]), "--format", "json").json()["history"]
        closed = int(deal["title"].split("-")[1]) % 2
        assert len(history) == 1 + 3 + closed, deal["title"]
        assert history[0]["from_stage"] is None
        for before, after in pairwise(history):
            assert after["from_stage"] == before["to_stage"], deal["title"]
        assert history[-1]["to_stage"] == ("won" if closed else "demo")


@pg
def test_readers_never_wait_and_a_writer_waits_then_says_so(funnel, team, monkeypatch):
    from funnelcli.store import connection

    assert funnel("team", "init").exit_code == 0
    assert funnel("add", "Acme").exit_code == 0
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_S", 1.0)
    import psycopg

    from funnelcli.store.pg import WRITE_LOCK

    with psycopg.connect(team) as other:
        other.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        other.execute("UPDATE deals SET title = 'Held' WHERE id = 1")
        started = time.monotonic()
        r = funnel("list", "--format", "json")
        assert r.exit_code == 0
        assert [d["title"] for d in r.json()] == ["Acme"]  # the snapshot before the writer's
        r = funnel("add", "Globex")
        waited = time.monotonic() - started
        assert r.exit_code == 1
        assert r.stderr.count("\n") == 1
        assert "is locked by another process (waited 1 s)" in r.stderr
        assert 1.0 <= waited < 10
        other.rollback()
    assert funnel("add", "Globex").exit_code == 0


KILLED = """
import os, signal, sys
from datetime import datetime
from funnelcli.store import Store

store = Store.open_team(sys.argv[1], for_write=True, now=datetime(2026, 11, 23, 10, 15))
with store.write():
    store.conn.executemany(
        "INSERT INTO activities (deal_id, kind, at, recorded_at) VALUES (1, 'call', ?, ?)",
        [(f"2026-01-01T00:00:{i % 60:02d}Z", "x") for i in range(5000)],
    )
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pg
def test_a_client_killed_mid_write_leaves_nothing_and_no_lock(funnel, team):
    assert funnel("team", "init").exit_code == 0
    assert funnel("add", "Acme").exit_code == 0
    before = funnel("changes", "--format", "json").json()
    r = subprocess.run([sys.executable, "-c", KILLED, team], capture_output=True, check=False)
    assert r.returncode == -9
    started = time.monotonic()
    assert funnel("log", "1", "call", "after").exit_code == 0  # the lock is free again
    assert time.monotonic() - started < 10
    deal = funnel("show", "1", "--format", "json").json()
    assert [a["note"] for a in deal["activities"]] == ["after"]
    after = funnel("changes", "--format", "json").json()
    assert [c["command"] for c in after] == ["funnel log 1 call after"] + [
        c["command"] for c in before
    ]


@pg
def test_the_team_sets_its_time_zone(funnel, team):
    assert funnel("team", "init", "--timezone", "UTC").exit_code == 0
    r = funnel("config", "set", "timezone", "Asia/Tokyo")
    assert (r.exit_code, r.stderr) == (0, f"timezone = Asia/Tokyo  (database {team})\n")
    assert funnel("config", "get", "timezone").stdout == "Asia/Tokyo\n"
    assert funnel("undo").exit_code == 0
    assert funnel("config", "get", "timezone").stdout == "UTC\n"


@pg
def test_doctor_checks_a_team_database(funnel, team):
    import psycopg

    assert funnel("team", "init").exit_code == 0
    assert funnel("add", "Acme").exit_code == 0
    assert funnel("move", "1", "demo").exit_code == 0
    r = funnel("doctor", "--format", "json")
    assert r.exit_code == 0, r.stderr
    report = r.json()
    assert (report["ok"], report["deals"], report["events"]) == (True, 1, 2)
    with psycopg.connect(team) as c:
        server = str(c.execute("SHOW server_version").fetchone()[0]).split()[0]
    assert report["postgresql_version"] == server
    # a summary column that no longer says what the history says is named
    with psycopg.connect(team, autocommit=True) as c:
        c.execute("UPDATE deals SET stage_id = (SELECT id FROM stages WHERE key = 'lead')")
    r = funnel("doctor")
    assert r.exit_code == 1
    assert "deal 1: current:" in r.stdout
    assert f"PostgreSQL {server}" in r.stderr


@pg
def test_big_reads_stream_from_the_server(funnel, team):
    """export and doctor read through a server-side cursor: rows arrive as
    they are iterated, never the whole result in memory at once."""
    import psycopg

    from funnelcli.store import Store
    from funnelcli.store.dialect import stream

    assert funnel("team", "init").exit_code == 0
    store = Store.open_team(team, for_write=False, now=datetime(2026, 11, 23, 10, 15))
    try:
        with store.read():
            cur = stream(store.conn, "SELECT n FROM generate_series(1, :n) AS n", {"n": 5000})
            assert isinstance(cur, psycopg.ServerCursor)
            assert sum(row[0] for row in cur) == 5000 * 5001 // 2
    finally:
        store.close()


def test_funnel_user_overrides_config_user(funnel, monkeypatch):
    """A cron job or a shared account says who it is without a config file."""
    assert funnel("config", "set", "user", "anna").exit_code == 0
    monkeypatch.setenv("FUNNEL_USER", "nightly-import")
    assert funnel("add", "Acme").exit_code == 0
    assert funnel("changes", "--format", "json").json()[0]["who"] == "nightly-import"


@pg
def test_completion_offers_a_team_databases_names(funnel, team, monkeypatch):
    from funnelcli.cli.root import app

    assert funnel("team", "init").exit_code == 0
    assert funnel("add", "Acme", "--owner", "jane").exit_code == 0

    def complete(line: str) -> list[str]:
        monkeypatch.setenv("_FUNNEL_COMPLETE", "complete_bash")
        monkeypatch.setenv("COMP_WORDS", line)
        monkeypatch.setenv("COMP_CWORD", str(len(line.split()) - (0 if line.endswith(" ") else 1)))
        from typer.testing import CliRunner

        r = CliRunner().invoke(app, [])
        monkeypatch.delenv("_FUNNEL_COMPLETE")
        return r.stdout.split()

    assert complete("funnel list --owner ") == ["jane"]
    assert complete("funnel move 1 ")[:3] == ["lead", "qualified", "contacted"]
    # a server that isn't there: nothing offered, quietly, within the 2 s limit
    monkeypatch.setenv("FUNNEL_DB", "postgresql://postgres@127.0.0.1:1/none")
    assert complete("funnel list --owner ") == []


@pg
def test_a_nul_character_is_refused_in_one_line(funnel, team):
    """PostgreSQL's text can't hold NUL (a file keeps it): the write is
    refused, saying why, and nothing is written."""
    assert funnel("team", "init").exit_code == 0
    r = funnel("add", "Acme\x00corp")
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1
    assert "NUL character (\\x00) can't be stored in a team database" in r.stderr
    assert funnel("list", "--format", "json").json() == []
    assert funnel("changes", "--format", "json").json() == []


@pg
def test_numbers_people_type_are_not_used_up_by_what_rolls_back(funnel, team):
    """Deal and change numbers as on a file: one more than the highest ever
    given, whatever rolled back in between (a sequence would leave gaps)."""
    import psycopg

    assert funnel("team", "init").exit_code == 0
    assert funnel("add", "Acme").exit_code == 0
    assert funnel("undo", "--dry-run").exit_code == 0  # a trial: rolled back
    with psycopg.connect(team) as c:  # a write that fails half-way
        c.execute(
            "INSERT INTO deals (uuid, title, currency, owner, pipeline_id, stage_id, "
            "stage_entered_at, created_at, updated_at) SELECT 'u-x', 'X', 'USD', 'me', "
            "pipeline_id, id, 'a', 'a', 'a' FROM stages LIMIT 1"
        )
        c.rollback()
    assert funnel("add", "Globex").exit_code == 0
    assert funnel("delete", "2", "--yes").exit_code == 0
    assert funnel("add", "Initech").exit_code == 0
    assert [d["id"] for d in funnel("list", "--format", "json").json()] == [1, 3]
    assert [c["id"] for c in funnel("changes", "--format", "json").json()] == [4, 3, 2, 1]


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "give a database file's path or a postgresql:// URL"), (".", ". is a directory")],
)
def test_db_that_names_no_file_is_a_usage_error(funnel, tmp_path, value, message):
    r = funnel("--db", value, "add", "Acme")
    assert r.exit_code == 2
    assert message in r.stderr and r.stderr.count("\n") == 1
    assert r.stdout == "" and not (tmp_path / "funnel.db").exists()
