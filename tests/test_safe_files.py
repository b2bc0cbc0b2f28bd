"""The files funnelcli writes beside yours, and the output it prints, when
something gets in the way: a kept copy is never overwritten (two restores in
one second keep two copies), a temporary file is never opened by a name
someone could have planted a symlink at, two exports to one file both finish
whole, and output that can't be written (a full disk) is one error line, never
a silent success; a change that was saved says so by its exit code (4) even
when nothing can be printed."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from helpers import ok, one_error_line, open_store, team_url

STAMP = "20261123T101500"  # FUNNEL_NOW of every test, as a restore names its copy


def titles(db: Path) -> list[str]:
    """The deals' titles in the file `db` (or the team database it stands for)."""
    if team_url(db) is not None:
        store = open_store(db, for_write=False, now=datetime(2026, 11, 23))
        try:
            return [r[0] for r in store.conn.execute("SELECT title FROM deals ORDER BY id")]
        finally:
            store.close()
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT title FROM deals ORDER BY id")]
    finally:
        conn.close()


def cli(
    *args: str, stdout: Any = subprocess.PIPE, stderr: Any = subprocess.PIPE, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """`python -m funnelcli ARGS…` as a real process (real file descriptors)."""
    return subprocess.run(
        [sys.executable, "-m", "funnelcli", *args],
        stdout=stdout,
        stderr=stderr,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


@pytest.fixture
def victim(isolated: Path) -> Path:
    """A file of someone else's that a planted symlink points at."""
    path = isolated / "victim.txt"
    path.write_text("precious\n")
    path.chmod(0o644)
    return path


def untouched(victim: Path) -> None:
    assert victim.read_text() == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


# -- 6: a kept copy is never overwritten ---------------------------------------------


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_two_restores_in_the_same_second_keep_both_copies(funnel, isolated):
    ok(funnel, "add", "Original")
    backup = isolated / "backup.db"
    ok(funnel, "backup", str(backup))
    ok(funnel, "add", "Later")
    first = ok(funnel, "restore", str(backup))
    second = ok(funnel, "restore", str(backup))  # the same FUNNEL_NOW: the same second
    kept1 = isolated / f"funnel.db.before-restore-{STAMP}"
    kept2 = isolated / f"funnel.db.before-restore-{STAMP}-2"
    assert first.stderr.endswith(f"kept at {kept1}\n")
    assert second.stderr.endswith(f"kept at {kept2}\n")
    assert titles(kept1) == ["Original", "Later"]  # the only copy of "Later"
    assert titles(kept2) == ["Original"]
    assert stat.S_IMODE(kept2.stat().st_mode) == 0o600
    ok(funnel, "restore", str(backup))
    assert (isolated / f"funnel.db.before-restore-{STAMP}-3").is_file()
    assert titles(kept1) == ["Original", "Later"]


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_a_kept_copy_is_never_written_through_a_planted_symlink(funnel, isolated, victim):
    ok(funnel, "add", "Original")
    backup = isolated / "backup.db"
    ok(funnel, "backup", str(backup))
    planted = isolated / f"funnel.db.before-restore-{STAMP}"
    planted.symlink_to(victim)
    run = ok(funnel, "restore", str(backup))
    untouched(victim)
    assert planted.is_symlink()
    kept = isolated / f"funnel.db.before-restore-{STAMP}-2"
    assert run.stderr.endswith(f"kept at {kept}\n")
    assert titles(kept) == ["Original"]


# -- 7: temporary files are created exclusively, never by a predictable name -----------


def test_export_never_writes_through_a_symlink_at_its_temporary_name(funnel, isolated, victim):
    ok(funnel, "add", "A")
    target = isolated / "deals.csv"
    planted = isolated / ".deals.csv.part"
    planted.symlink_to(victim)
    old = os.umask(0)
    try:
        ok(funnel, "export", "--output", str(target))
    finally:
        os.umask(old)
    untouched(victim)
    assert planted.is_symlink() and planted.resolve() == victim
    assert not target.is_symlink() and target.is_file()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("id,uuid,")
    assert leftovers(isolated) == [".deals.csv.part"]  # only the planted one


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_backup_never_writes_through_a_symlink_planted_in_a_race(
    funnel, isolated, victim, monkeypatch
):
    """The attacker wins every race: whenever the predictable temporary name
    is removed, a symlink to the victim is back at it at once."""
    ok(funnel, "add", "A")
    target = isolated / "b.db"
    planted = isolated / ".b.db.part"
    planted.symlink_to(victim)
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        real_unlink(self, missing_ok=missing_ok)
        if self.name == planted.name and not self.is_symlink():
            self.symlink_to(victim)

    monkeypatch.setattr(Path, "unlink", unlink)
    ok(funnel, "backup", str(target))
    untouched(victim)
    assert not target.is_symlink()
    assert titles(target) == ["A"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert leftovers(isolated) == [".b.db.part"]


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_a_copy_is_one_self_contained_file_whatever_the_journal_mode(funnel, isolated):
    """A backup, and the copy a restore keeps, of a WAL database: in the
    rollback-journal mode, so reading it leaves no -wal or -shm beside it."""
    ok(funnel, "add", "A")
    conn = sqlite3.connect(isolated / "funnel.db")
    assert conn.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    conn.close()
    backup = isolated / "copies" / "b.db"
    ok(funnel, "backup", str(backup))
    ok(funnel, "restore", str(backup))
    kept = isolated / f"funnel.db.before-restore-{STAMP}"
    for copy in (backup, kept):
        conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",), copy
        conn.close()
    assert sorted(p.name for p in backup.parent.iterdir()) == ["b.db"]
    assert not any(p.name.startswith(kept.name + "-") for p in isolated.iterdir())


# -- 8: two exports to one file --------------------------------------------------------


def test_an_export_that_another_overtakes_still_finishes_whole(funnel, isolated, monkeypatch):
    """Run B exports to the same file while run A is half-way through: each
    has its own temporary file, both finish, the last rename wins."""
    import funnelcli.render.export as exports

    for title in ("A", "B", "C"):
        ok(funnel, "add", title)
    target = isolated / "out.jsonl"
    real = exports.write_jsonl
    other: list[subprocess.CompletedProcess[str]] = []

    def racing(out: Any, header: dict[str, Any], deals: Iterator[dict[str, Any]]) -> int:
        def overtaken() -> Iterator[dict[str, Any]]:
            for i, deal in enumerate(deals):
                if i == 1:  # A has written its header and a deal: B runs whole
                    out.flush()
                    other.append(cli("export", "--output", str(target), cwd=isolated))
                yield deal

        return real(out, header, overtaken())

    monkeypatch.setattr(exports, "write_jsonl", racing)
    run = ok(funnel, "export", "--output", str(target))
    assert other[0].returncode == 0, other[0].stderr
    assert run.stderr == f"exported 3 deals to {target}\n"
    text = target.read_text()
    assert "\x00" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [d["title"] for d in lines[1:]] == ["A", "B", "C"]
    assert leftovers(isolated) == []


def test_concurrent_exports_to_one_file(funnel, isolated):
    for i in range(40):
        ok(funnel, "add", f"Deal {i}", "--value", str(1000 + i))
    target = isolated / "out.jsonl"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "funnelcli", "export", "--output", str(target)],
            cwd=isolated,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.wait(60), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert [code for code, _ in results] == [0] * 4, results
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(lines) == 41
    assert leftovers(isolated) == []


# -- 9: output that can't be written ---------------------------------------------------


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")


@needs_dev_full
def test_export_to_a_full_device_is_an_error(funnel, isolated):
    ok(funnel, "add", "A")
    r = cli("export", "--output", "/dev/full", cwd=isolated)
    assert r.returncode == 1
    assert one_error_line(r.stderr) == "can't write /dev/full: No space left on device"


@pytest.mark.slow
@needs_dev_full
def test_a_list_into_a_full_device_is_one_error_line(funnel, isolated):
    ok(funnel, "add", "A")
    cases = [["list"], ["list", "--format", "json"], ["export"], ["show", "1"]]
    for args in [*cases, ["--version"], ["--help"], []]:  # (these printed a traceback)
        with open("/dev/full", "w") as full:
            r = cli(*args, stdout=full, cwd=isolated)
        assert r.returncode == 1, (args, r.stderr)
        assert one_error_line(r.stderr) == "can't write output: No space left on device"


def test_export_to_a_file_that_cannot_grow(funnel, isolated):
    """A disk that fills up half-way (here: a file size limit, above what
    SQLite's own files need): one line, exit 1, no file, no temporary left."""
    rows = isolated / "rows.csv"
    rows.write_text("title,org\n" + "".join(f"Deal {i},Org {i}\n" for i in range(400)))
    ok(funnel, "import", str(rows))
    target = isolated / "out.jsonl"

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    r = cli("export", "--output", str(target), cwd=isolated, preexec_fn=small_files)
    assert r.returncode == 1
    assert one_error_line(r.stderr) == f"can't write {target}: File too large"
    assert not target.exists()
    assert leftovers(isolated) == []
    assert len(cli("export", cwd=isolated).stdout) > 150_000  # (it would not fit)


@needs_dev_full
def test_a_saved_change_whose_output_fails_says_it_was_saved(funnel, isolated):
    ok(funnel, "add", "A")
    with open("/dev/full", "w") as full:
        r = cli("add", "B", "--format", "json", stdout=full, cwd=isolated)
    assert r.returncode == 4
    assert one_error_line(r.stderr) == (
        "can't write output: No space left on device (the change was saved: change #2)"
    )
    assert titles(isolated / "funnel.db") == ["A", "B"]


@pytest.mark.slow
@pytest.mark.db
@needs_dev_full
def test_a_saved_change_says_so_by_its_exit_code_when_nothing_can_be_printed(isolated):
    with open("/dev/full", "w") as full:
        r = cli("add", "A", stdout=subprocess.DEVNULL, stderr=full, cwd=isolated)
        assert r.returncode == 4
        r = cli("add", "B", "--format", "json", stdout=full, stderr=full, cwd=isolated)
        assert r.returncode == 4
        # nothing was saved: an error is exit 1, printed or not
        r = cli("show", "99", stdout=subprocess.DEVNULL, stderr=full, cwd=isolated)
        assert r.returncode == 1
        r = cli("move", "99", "demo", stdout=full, stderr=full, cwd=isolated)
        assert r.returncode == 1
    assert titles(isolated / "funnel.db") == ["A", "B"]


@pytest.mark.slow
def test_a_closed_pipe_is_still_quiet(funnel, isolated):
    for i in range(300):
        ok(funnel, "add", f"Deal {i}")
    script = '"$@" list 2>"$ERR" | head -1; echo "status ${PIPESTATUS[*]}"'
    err = isolated / "stderr.txt"
    r = subprocess.run(
        ["bash", "-c", script, "bash", sys.executable, "-m", "funnelcli"],
        env={**os.environ, "ERR": str(err)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.stdout.splitlines()[1] == "status 0 0"
    assert err.read_text() == ""


# -- 13: a backup where it can't be written --------------------------------------------


def obeying_file_modes(args: list[str]) -> list[str]:
    """Run `args` so that file modes bind: root drops the capabilities that
    override them (skips where that can't be done)."""
    if os.geteuid() != 0:
        return args
    setpriv = shutil.which("setpriv")
    drop = [setpriv or "setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]
    if setpriv is None or subprocess.run([*drop, "true"], check=False).returncode != 0:
        pytest.skip("running as root, and setpriv can't drop the capabilities over file modes")
    return [*drop, *args]


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
@pytest.mark.parametrize("mode", [0o555, 0o000])
def test_a_backup_into_an_unwritable_directory_is_one_line(funnel, isolated, mode):
    ok(funnel, "add", "A")
    directory = isolated / "locked"
    directory.mkdir()
    directory.chmod(mode)
    argv = [sys.executable, "-m", "funnelcli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            obeying_file_modes([*argv, *args]),
            cwd=isolated,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    try:
        r = run("backup", "locked/b.db")
        restored = run("restore", "locked/b.db")
    finally:
        directory.chmod(0o700)
    assert r.returncode == 1
    assert one_error_line(r.stderr) == "can't write backup locked/b.db: Permission denied"
    assert list(directory.iterdir()) == []
    assert restored.returncode == 1
    expected = "no file locked/b.db" if mode else "can't read locked/b.db: Permission denied"
    assert one_error_line(restored.stderr) == expected


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_a_backup_path_too_long_is_one_line(funnel, isolated):
    ok(funnel, "add", "A")
    run = funnel("backup", str(isolated / ("x" * 300 + ".db")))
    assert run.exit_code == 1
    assert one_error_line(run.stderr).endswith(": File name too long")


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_of_a_database_path_too_long_are_one_line(funnel, tmp_path, command):
    assert funnel("add", "X").exit_code == 0
    assert funnel("backup", str(tmp_path / "b.db")).exit_code == 0
    db = tmp_path / ("a" * 300) / "funnel.db"
    run = funnel(
        "--db", str(db), command, str(tmp_path / ("b.db" if command == "restore" else "c.db"))
    )
    assert run.exit_code == 1
    assert run.stderr.startswith("funnel: error: can't open database ")
    assert run.stderr.endswith("File name too long\n")


@pytest.mark.parametrize(
    "command", ["export", pytest.param("backup", marks=pytest.mark.sqlite_only)]
)
def test_a_target_name_of_any_legal_length_can_be_written(funnel, tmp_path, command):
    """The temporary file beside the target must fit in 255 bytes too."""
    assert funnel("add", "X").exit_code == 0
    target = tmp_path / ("c" * 250 + ".db")
    run = (
        funnel(command, "-o", str(target)) if command == "export" else funnel(command, str(target))
    )
    assert run.exit_code == 0, run.stderr
    assert target.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.sqlite_only  # backup and restore of the SQLite file
def test_a_backup_of_another_page_size_is_refused_before_anything_is_kept(funnel, isolated):
    import sqlite3

    assert funnel("add", "A").exit_code == 0
    backup = isolated / "b.db"
    assert funnel("backup", str(backup)).exit_code == 0
    conn = sqlite3.connect(backup)
    conn.execute("PRAGMA page_size = 8192")
    conn.execute("VACUUM")
    conn.close()
    assert funnel("add", "B").exit_code == 0
    run = funnel("restore", str(backup))
    assert run.exit_code == 1
    assert "its pages are 8192 bytes, the database's 4096" in run.stderr
    assert [p.name for p in isolated.iterdir() if "before-restore" in p.name] == []
    assert len(funnel("list", "--format", "json").json()) == 2
