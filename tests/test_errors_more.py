"""Clear errors and safe files (issue 11, items 13 and 14): input that used to
end in "internal error" (exit 70) is one line naming the file, path or value
and exit 1; the config file is as private as the data, and a relative `db` in
it means a path beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import fails, mode, ok_json, one_error_line, without_root_powers

# -- 13. errors that were exit 70 ------------------------------------------------


@pytest.mark.parametrize("opening", ["[", "{a = "], ids=["arrays", "inline tables"])
@pytest.mark.parametrize("depth", [400, 5000])
def test_a_deeply_nested_config_file_is_one_error(funnel, isolated, empty_db, opening, depth):
    """tomllib recurses per level (RecursionError past ~450), and tomli-w
    recurses deeper still (a file tomllib reads can't be written back)."""
    config = isolated / "config.toml"
    closing = "]" if opening == "[" else "}"
    config.write_text("owner = 'me'\nx = " + opening * depth + "1" + closing * depth + "\n")
    for args in (["list"], ["add", "X"], ["config", "set", "currency", "EUR"]):
        r = funnel(*args)
        if r.exit_code == 0 and depth < 450 and args[0] != "config":
            continue  # read fine, and nothing is written back
        assert (r.exit_code, r.stdout) == (1, ""), (args, r.stderr)
        message = one_error_line(r.stderr)
        assert message.startswith(f"config file {config}"), message
        assert "nested too deeply" in message, message


def test_a_clock_at_the_end_of_the_calendar_is_one_error(funnel, isolated, monkeypatch):
    """The touch is at 9999-12-29; the stage's 3-day cadence would schedule the
    next one in year 10000."""
    assert funnel("add", "Acme", "--stage", "contacted").exit_code == 0
    monkeypatch.setenv("FUNNEL_NOW", "9999-12-29T12:00")
    r = funnel("log", "1", "call")
    assert (r.exit_code, r.stdout) == (1, "")
    message = one_error_line(r.stderr)
    assert "9999-12-29" in message and "--next" in message, message
    r = funnel("log", "1", "call", "--no-next")
    assert r.exit_code == 0, r.stderr
    r = funnel("show", "1", "--format", "json")
    assert r.json()["touches"] == 1


@pytest.mark.parametrize("now", ["9999-12-20T12:00", "0001-03-01T12:00"])
def test_a_demo_at_either_end_of_the_calendar_is_one_error(funnel, isolated, monkeypatch, now):
    monkeypatch.setenv("FUNNEL_NOW", now)
    r = funnel("--db", str(isolated / "demo.db"), "demo")
    assert (r.exit_code, r.stdout) == (1, "")
    message = one_error_line(r.stderr)
    assert now[:10] in message and "FUNNEL_NOW" in message, message


@pytest.mark.parametrize("report", ["metrics", "funnel"])
@pytest.mark.parametrize("since", ["0001-01-03", "0100-01-01"])
def test_compare_previous_before_the_year_1_is_one_error(funnel, report, since):
    assert funnel("add", "A").exit_code == 0
    r = funnel("report", report, "--since", since, "--compare", "previous")
    assert (r.exit_code, r.stdout) == (1, "")
    assert "before the year 1" in one_error_line(r.stderr)


def too_long_paths(base: Path) -> list[Path]:
    """A name longer than a file system allows (255 bytes) and a path longer
    than the kernel takes (4096): ENAMETOOLONG, which stops root too."""
    return [base / ("n" * 300) / "funnel.db", base / ("d/" * 2100) / "funnel.db"]


READS_AND_WRITES = [["list"], ["add", "X"], ["doctor"], ["show", "1"]]


@pytest.mark.parametrize("which", ["long name", "long path"])
def test_a_database_path_too_long_is_one_error(funnel, isolated, monkeypatch, which):
    path = too_long_paths(isolated)[0 if which == "long name" else 1]
    monkeypatch.setenv("FUNNEL_DB", str(path))
    for args in READS_AND_WRITES:
        r = funnel(*args)
        assert (r.exit_code, r.stdout) == (1, ""), (args, r.stderr[:300])
        assert one_error_line(r.stderr) == f"can't open database {path}: File name too long"
    r = funnel("--db", str(path), "list")
    assert one_error_line(r.stderr) == f"can't open database {path}: File name too long"


def run_cli(prefix: list[str], *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "funnelcli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.slow
def test_a_database_in_a_directory_it_may_not_enter(funnel, isolated):
    prefix = without_root_powers()
    locked = isolated / "locked"
    locked.mkdir()
    db = locked / "funnel.db"
    env = {**os.environ, "FUNNEL_DB": str(db)}
    assert run_cli(prefix, "add", "First", env=env).returncode == 0
    locked.chmod(0)
    try:
        for args in READS_AND_WRITES:
            r = run_cli(prefix, *args, env=env)
            assert (r.returncode, r.stdout) == (1, ""), (args, r.stderr)
            assert one_error_line(r.stderr) == f"can't open database {db}: Permission denied"
    finally:
        locked.chmod(0o700)
    assert run_cli(prefix, "list", env=env).stdout.count("First") == 1


# -- 14. the config file is private; a relative db is beside it ------------------


def test_config_set_makes_a_private_config_directory_and_file(funnel, isolated, monkeypatch,
                                                              umask0):  # fmt: skip
    config = isolated / "cfg" / "funnelcli" / "config.toml"
    monkeypatch.setenv("FUNNEL_CONFIG", str(config))
    r = funnel("config", "set", "currency", "EUR")
    assert r.exit_code == 0, r.stderr
    assert (mode(isolated / "cfg"), mode(config.parent), mode(config)) == (0o700, 0o700, 0o600)
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.toml"]  # no temp file
    config.chmod(0o666)  # a file someone made world-writable is private once rewritten
    assert funnel("config", "set", "owner", "anna").exit_code == 0
    assert mode(config) == 0o600
    assert funnel("config", "get", "currency").stdout == "EUR\n"


def test_config_set_leaves_an_existing_directory_as_it_is(funnel, isolated, monkeypatch, umask0):
    shared = isolated / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv("FUNNEL_CONFIG", str(shared / "config.toml"))
    assert funnel("config", "set", "currency", "EUR").exit_code == 0
    assert (mode(shared), mode(shared / "config.toml")) == (0o755, 0o600)


def test_config_set_does_not_write_through_a_planted_temporary_file(funnel, isolated):
    """The temporary file is created exclusively, never a predictable name
    that is opened and truncated (a symlink there would redirect the write)."""
    victim = isolated / "victim.txt"
    victim.write_text("keep me\n")
    (isolated / "config.toml.tmp").symlink_to(victim)
    assert funnel("config", "set", "currency", "EUR").exit_code == 0
    assert victim.read_text() == "keep me\n"
    assert funnel("config", "get", "currency").stdout == "EUR\n"


def test_a_relative_db_in_the_config_is_beside_the_config_file(funnel, isolated, monkeypatch):
    home = isolated / "conf"
    home.mkdir()
    (home / "config.toml").write_text('db = "data/funnel.db"\n')
    elsewhere = isolated / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("FUNNEL_CONFIG", str(home / "config.toml"))
    monkeypatch.delenv("FUNNEL_DB")
    monkeypatch.chdir(elsewhere)
    assert funnel("add", "First").exit_code == 0
    assert (home / "data" / "funnel.db").is_file()
    assert list(elsewhere.iterdir()) == []
    monkeypatch.chdir(isolated)  # from anywhere, the same database
    assert [d["title"] for d in funnel("list", "--format", "json").json()] == ["First"]


def test_db_from_the_command_line_or_the_environment_is_relative_to_here(
    funnel: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = isolated / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("FUNNEL_DB", "env.db")
    assert funnel("add", "A").exit_code == 0
    assert funnel("--db", "opt.db", "add", "B").exit_code == 0
    assert sorted(p.name for p in here.iterdir()) == ["env.db", "opt.db"]


# A bad value of an option that takes one of a few words is a usage error,
# exit 2 with one line, on every report (and list, import) alike.
BY = "--by takes owner, pipeline, source, tag, org, stage or field:NAME, not 'colour'"
COMPARE = "--compare takes 'previous' or 'last-year', not 'ly'"
BAD_CHOICES = [
    (("report", "metrics", "--per", "day"), "--per must be one of week, month, quarter, not 'day'"),
    (("report", "metrics", "--by", "colour"), BY),
    (("report", "metrics", "--compare", "ly"), COMPARE),
    (("report", "funnel", "--by", "colour"), BY),
    (("report", "funnel", "--compare", "ly"), COMPARE),
    (
        ("report", "activity", "--per", "quarter"),
        "--per must be one of day, week, month, not 'quarter'",
    ),
    (("report", "activity", "--by", "stage"), "--by must be owner, not 'stage'"),
    (("report", "lost", "--by", "month"), "--by must be one of reason, stage, owner, not 'month'"),
    (("report", "forecast", "--by", "week"), "--by must be month or quarter, not 'week'"),
    (
        ("report", "owners", "--format", "xml"),
        "--format must be one of table, json, jsonl, csv, not 'xml'",
    ),
    (("list", "--status", "closed"), "--status must be one of open, won, lost, all, not 'closed'"),
]


@pytest.mark.parametrize(("args", "message"), BAD_CHOICES, ids=lambda a: " ".join(a)[:30])
def test_a_bad_choice_is_a_usage_error(funnel, empty_db, args, message):
    fails(funnel, 2, message, *args)


def test_a_bad_import_format_is_a_usage_error(funnel, empty_db, tmp_path):
    data = tmp_path / "deals.csv"
    data.write_text("title\nA\n")
    fails(funnel, 2, "--format must be csv, json or jsonl, not 'xls'", "import", str(data),
          "--format", "xls")  # fmt: skip
    assert ok_json(funnel, "list") == []  # nothing imported
