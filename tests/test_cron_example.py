"""examples/cron: the morning-list script and the crontab line in its README run,
and send exactly the list `funnel due` gives, or nothing on an empty day."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CRON = REPO / "examples" / "cron"
SCRIPT = CRON / "morning-list.sh"

LIST = (
    "Due          When              ID  Title            Org     Stage            Value  Owner\n"
    "overdue 3d   2026-11-20         1  Acme renewal     Acme    demo      4,800.00 USD  me\n"
    "today        2026-11-23 14:00   2  Globex pilot     Globex  proposal                me\n"
    "unscheduled                     3  Initech upgrade          lead                    me\n"
)
SUBJECT = "Follow-ups: 3 deals, 1 overdue"

# A stand-in for mail(1): records its arguments and the message it was given.
FAKE_MAIL = """#!/bin/sh
printf '%s\\n' "$@" > "$MAIL_LOG.args"
cat > "$MAIL_LOG.body"
exit "${MAIL_EXIT:-0}"
"""


@pytest.fixture
def deals(funnel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Friday's deals, seen on Monday 2026-11-23 10:15: one overdue, one due at
    14:00 today, one with no next step, one scheduled for later."""
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-20T09:00")
    for args in (
        ["Acme renewal", "--org", "Acme", "--value", "4800", "--stage", "demo",
         "--follow-up", "today"],
        ["Globex pilot", "--org", "Globex", "--stage", "proposal",
         "--follow-up", "2026-11-23 14:00"],
        ["Initech upgrade"],
        ["Hooli expansion", "--follow-up", "2026-12-01"],
    ):  # fmt: skip
        r = funnel("add", *args)
        assert r.exit_code == 0, r.stderr
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T10:15:00")


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A directory for the fake `mail`, put first on PATH by `script`."""
    path = tmp_path / "bin"
    path.mkdir()
    return path


def install_fake_mail(bin_dir: Path, name: str = "mail") -> Path:
    mail = bin_dir / name
    mail.write_text(FAKE_MAIL)
    mail.chmod(0o755)
    return mail


def script(
    bin_dir: Path, tmp_path: Path, command: list[str] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the script (or a shell command) as cron would: the venv's `funnel` on
    PATH, FUNNEL_DB and FUNNEL_NOW from the test's environment."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("MORNING_")}
    full["PATH"] = os.pathsep.join(
        [str(bin_dir), str(Path(sys.executable).parent), "/usr/bin", "/bin"]
    )
    full["MAIL_LOG"] = str(tmp_path / "mail")
    full.update(env)
    return subprocess.run(
        command or ["sh", str(SCRIPT)],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def mailed(tmp_path: Path) -> tuple[list[str], str] | None:
    args = tmp_path / "mail.args"
    if not args.exists():
        return None
    return args.read_text().splitlines(), (tmp_path / "mail.body").read_text()


def test_to_stdout(deals, bin_dir, tmp_path):
    r = script(bin_dir, tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == f"{SUBJECT}\n{LIST}"


def test_mails_the_list(deals, bin_dir, tmp_path):
    install_fake_mail(bin_dir)
    r = script(bin_dir, tmp_path, MORNING_MAILTO="anna@example.com")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert mailed(tmp_path) == (["-s", SUBJECT, "anna@example.com"], LIST)


def test_writes_a_file(deals, bin_dir, tmp_path):
    out = tmp_path / "today.txt"
    r = script(bin_dir, tmp_path, MORNING_FILE=str(out))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert out.read_text() == f"{SUBJECT}\n{LIST}"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("today")) == ["today.txt"]


def test_the_subject_counts_the_deals_a_long_list_leaves_out(funnel, bin_dir, tmp_path):
    for n in range(25):  # no next step: the list shows 20 and counts the other 5
        assert funnel("add", f"Lead {n}").exit_code == 0
    r = script(bin_dir, tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Follow-ups: 25 deals, 0 overdue"
    assert lines[-1].startswith("5 more with no next step:")


def test_within_and_owner(deals, bin_dir, tmp_path, funnel):
    r = script(bin_dir, tmp_path, MORNING_WITHIN="8")
    lines = r.stdout.splitlines()
    assert lines[0] == "Follow-ups: 4 deals, 1 overdue"
    assert [line.split()[0] for line in lines[2:]] == [
        "overdue",
        "today",
        "upcoming",
        "unscheduled",
    ]
    assert funnel("edit", "2", "--owner", "ben").exit_code == 0
    r = script(bin_dir, tmp_path, MORNING_OWNER="ben")
    assert r.stdout == (
        "Follow-ups: 1 deal, 0 overdue\n"
        "Due    When              ID  Title         Org     Stage     Value  Owner\n"
        "today  2026-11-23 14:00   2  Globex pilot  Globex  proposal         ben\n"
    )


def test_no_mail_command_falls_back_to_stdout(deals, bin_dir, tmp_path):
    r = script(bin_dir, tmp_path, MORNING_MAILTO="anna@example.com", MORNING_MAIL="no-such-mailer")
    assert r.returncode == 0
    assert r.stderr == (
        "morning-list: no 'no-such-mailer' command; writing the list instead of mailing it\n"
    )
    assert r.stdout == f"{SUBJECT}\n{LIST}"


@pytest.mark.slow
def test_empty_list_sends_and_writes_nothing(funnel, bin_dir, tmp_path):
    install_fake_mail(bin_dir)
    out = tmp_path / "today.txt"
    out.write_text("yesterday's list\n")
    envs = ({}, {"MORNING_MAILTO": "anna@example.com"}, {"MORNING_FILE": str(out)})
    # No database at FUNNEL_DB (a typo in the crontab): cron hears of it, loudly,
    # and nothing is sent or written (issue 13: a read of a missing database at
    # a path the user gave is an error). (A team database is always there.)
    for env in envs if "://" not in os.environ["FUNNEL_DB"] else ():
        r = script(bin_dir, tmp_path, **env)
        assert (r.returncode, r.stdout) == (1, "")
        assert "no database at" in r.stderr
        assert r.stderr.endswith("morning-list: funnel due failed (exit 1)\n")
    assert mailed(tmp_path) is None
    assert out.read_text() == "yesterday's list\n"
    # Only deals scheduled for later: an empty list sends and writes nothing.
    assert funnel("add", "Hooli", "--follow-up", "tomorrow").exit_code == 0
    for env in envs:
        r = script(bin_dir, tmp_path, **env)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert mailed(tmp_path) is None
    assert not out.exists()


def test_only_overdue(funnel, deals, bin_dir, tmp_path, monkeypatch):
    install_fake_mail(bin_dir)
    env = {"MORNING_MAILTO": "anna@example.com", "MORNING_ONLY_OVERDUE": "1"}
    assert funnel("follow-up", "1", "today").exit_code == 0  # nothing overdue now
    r = script(bin_dir, tmp_path, **env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert mailed(tmp_path) is None
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-24T07:00")  # a day later: two overdue
    r = script(bin_dir, tmp_path, **env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    args, body = mailed(tmp_path)  # type: ignore[misc]
    assert args == ["-s", "Follow-ups: 3 deals, 2 overdue", "anna@example.com"]
    assert [line.split()[:2] for line in body.splitlines()[1:]] == [
        ["overdue", "1d"],
        ["overdue", "1d"],
        ["unscheduled", "3"],
    ]


def test_real_errors_exit_non_zero(deals, bin_dir, tmp_path):
    install_fake_mail(bin_dir)
    # The database is not SQLite: funnel's own one-line error, its exit code, no mail.
    bad = tmp_path / "notes.txt"
    bad.write_text("not a database\n" * 100)
    r = script(bin_dir, tmp_path, FUNNEL_DB=str(bad), MORNING_MAILTO="anna@example.com")
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[0].startswith("funnel: error: ")
    assert lines[1:] == ["morning-list: funnel due failed (exit 1)"]
    assert (r.stdout, mailed(tmp_path)) == ("", None)
    # The mail command fails: so does the script.
    r = script(bin_dir, tmp_path, MORNING_MAILTO="anna@example.com", MAIL_EXIT="75")
    assert r.returncode == 75
    # The file can't be written.
    r = script(bin_dir, tmp_path, MORNING_FILE=str(tmp_path / "no" / "such" / "dir" / "x.txt"))
    assert r.returncode == 1
    assert r.stdout == ""


def test_crontab_line_in_the_readme_runs(deals, bin_dir, tmp_path):
    """The README's crontab line: a valid schedule, and its command (with the
    checkout where $HOME/funnelcli is) mails the list."""
    text = (CRON / "README.md").read_text()
    block = re.search(r"```crontab\n(.*?)```", text, re.S)
    assert block
    entries = [line for line in block[1].splitlines() if line.strip() and not line.startswith("#")]
    assert entries[0].startswith("PATH=")
    fields = entries[1].split(None, 5)
    assert fields[:5] == ["0", "7", "*", "*", "1-5"]  # 07:00, Monday to Friday
    command = fields[5].replace("$HOME/funnelcli", str(REPO))
    assert shlex.split(command)[-1] == str(SCRIPT)
    install_fake_mail(bin_dir)
    r = script(bin_dir, tmp_path, ["sh", "-c", command])
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert mailed(tmp_path) == (["-s", SUBJECT, "me@example.com"], LIST)
    # Cron runs it directly: it must be executable, with a POSIX sh shebang.
    assert SCRIPT.stat().st_mode & stat.S_IXUSR
    assert SCRIPT.read_text().startswith("#!/bin/sh\n")


def test_readme_shows_what_funnel_due_prints(deals, funnel):
    text = (CRON / "README.md").read_text()
    block = re.search(r"```text\n(.*?)```", text, re.S)
    assert block
    assert block[1] == LIST == funnel("due").stdout
    assert f"`{SUBJECT}`" in text
