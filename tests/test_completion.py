"""Shell completion (issue 13): the shell asks `funnel` with `_FUNNEL_COMPLETE`
set, as the scripts of `--show-completion` do (Typer's: bash sends
COMP_WORDS/COMP_CWORD, zsh and fish `_TYPER_COMPLETE_ARGS`), and gets
commands, options and the database's names; `--install-completion` appends
its line to the rc file once. HOME and SHELL are always a temporary
directory's: no real home is touched."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelcli.cli import app
from funnelcli.cli.completion import VALUES
from funnelcli.cli.root import COMMANDS
from helpers import ERROR, add, ok

FUNNEL = Path(sys.executable).parent / "funnel"
STAGES = ["lead", "qualified", "contacted", "demo", "proposal", "negotiation"]
KINDS = ["call", "email", "meeting", "message", "demo", "note"]


@pytest.fixture(autouse=True)
def home(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = isolated / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SHELL", str(isolated / "no-such-shell"))
    return home


def ask(env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [], env=env)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def bash(line: str, code: int = 0) -> list[str]:
    """What bash gets for the command line typed so far (the cursor at its
    end); `code` 1: it failed, quietly."""
    words = line.split(" ")
    env = {"_FUNNEL_COMPLETE": "complete_bash", "COMP_WORDS": line}
    got, out, err = ask({**env, "COMP_CWORD": str(len(words) - 1)})
    assert (got, err) == (code, ""), err
    return out.splitlines()


@pytest.fixture
def deals(funnel):  # type: ignore[no-untyped-def]
    add(funnel, "Acme", "--owner", "jane", "--tag", "hot", "--source", "web")
    add(funnel, "Globex", "--owner", "Jane Doe", "--tag", "cold", "--source", "fair")
    ok(funnel, "pipeline", "create", "renewals", "--stages", "ask,quote,signed")
    add(funnel, "Initech", "--pipeline", "renewals")
    return funnel


def test_command_names():
    assert bash("funnel mo") == ["move"]
    assert bash("funnel st") == ["stale", "stage"]
    assert bash("funnel ") == list(COMMANDS)
    assert bash("funnel stage re") == ["rename", "remove"]
    assert bash("funnel report f") == ["funnel", "forecast"]


def test_option_names():
    assert bash("funnel list --st") == ["--stage", "--status"]
    assert bash("funnel --") == [
        "--db",
        "--no-hooks",
        "--version",
        "--install-completion",
        "--show-completion",
        "--help",
    ]
    assert bash("funnel log 1 call --n") == ["--next", "--no-next"]
    assert bash("funnel --version ") == list(COMMANDS)  # no version printed into the shell
    assert bash("funnel --install-completion ") == ["bash", "zsh", "fish"]
    assert bash("funnel --show-completion z") == ["zsh"]


@pytest.mark.usefixtures("deals")
def test_stage_names():
    assert bash("funnel move 1 ") == STAGES
    assert bash("funnel move 1 qu") == ["qualified"]
    # the deal's own pipeline
    assert bash("funnel move 3 ") == ["ask", "quote", "signed"]
    # the pipeline named, else the default one's first, then the others'
    assert bash("funnel list --pipeline renewals --stage ") == ["ask", "quote", "signed"]
    assert bash("funnel list --stage q") == ["qualified", "quote"]
    assert bash("funnel stage rename --pipeline ren ") == ["ask", "quote", "signed"]
    assert bash("funnel stage add X --after n") == ["negotiation"]
    assert bash("funnel reopen 1 --stage d") == ["demo"]
    # bash splits --stage=q at the "=" into three words
    assert bash("funnel list --stage = q") == ["qualified", "quote"]
    assert bash("funnel list --stage =") == [f"={s}" for s in [*STAGES, "ask", "quote", "signed"]]
    assert bash("funnel list --stage=q") == ["qualified", "quote"]


@pytest.mark.usefixtures("deals")
def test_pipeline_owner_tag_and_source_names():
    assert bash("funnel board --pipeline ") == ["sales", "renewals"]
    assert bash("funnel due --owner ") == ["jane", "'Jane Doe'", "me"]  # quoted: one word
    assert bash("funnel report metrics --owner J") == ["jane", "'Jane Doe'"]
    assert bash("funnel list --tag ") == ["cold", "hot"]
    assert bash("funnel edit 1 --untag h") == ["hot"]
    assert bash("funnel list --source ") == ["fair", "web"]


def test_kinds_are_the_known_ones(funnel):
    assert bash("funnel log 1 ") == KINDS
    assert bash("funnel log 1 m") == ["meeting", "message"]
    ok(funnel, "config", "set", "activity_kinds", "visit,webinar")
    assert bash("funnel log 1 ") == [*KINDS, "visit", "webinar"]


def test_setting_names():
    assert bash("funnel config set d") == ["date_order", "default_pipeline", "db"]


@pytest.mark.usefixtures("deals")
@pytest.mark.sqlite_only  # copies the SQLite file to another path
def test_db_option_is_followed(isolated: Path, monkeypatch: pytest.MonkeyPatch):
    other = isolated / "other.db"
    assert bash(f"funnel --db {other} list --owner ") == []
    assert not other.exists()  # never created
    conn = sqlite3.connect(isolated / "funnel.db")
    conn.execute(f"VACUUM INTO '{other}'")
    conn.close()
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "missing.db"))
    assert bash(f"funnel --db {other} list --owner j") == ["jane", "'Jane Doe'"]


def test_no_database_offers_nothing_and_creates_nothing(isolated: Path, fresh: Path):
    assert bash("funnel move 1 ") == []
    assert bash("funnel list --owner ") == []
    assert not fresh.exists() and not fresh.parent.exists()
    assert bash("funnel log 1 ") == KINDS  # no database needed


@pytest.mark.sqlite_only  # a broken file (test_team_mode: a server that isn't there)
def test_failures_offer_nothing_silently(isolated: Path):
    (isolated / "funnel.db").write_bytes(b"not a database at all, " * 100)
    assert bash("funnel move 1 ", code=1) == []
    (isolated / "config.toml").write_text("activity_kinds = [\n")  # broken TOML
    assert bash("funnel log 1 ", code=1) == []
    assert bash("funnel mo") == ["move"]


@pytest.mark.sqlite_only  # completion's reads of the SQLite file: never migrating it
@pytest.mark.usefixtures("deals")
def test_reads_leave_the_file_as_it_was(isolated: Path):
    db = isolated / "funnel.db"
    before = (db.stat().st_mtime_ns, sorted(os.listdir(isolated)))
    assert bash("funnel list --owner ja") == ["jane", "'Jane Doe'"]
    assert (db.stat().st_mtime_ns, sorted(os.listdir(isolated))) == before  # no -wal, -shm


@pytest.mark.sqlite_only  # completion's reads of the SQLite file: never migrating it
@pytest.mark.usefixtures("deals")
def test_an_older_schema_is_not_migrated(isolated: Path):
    db = isolated / "funnel.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 5")
    conn.close()
    assert bash("funnel list --owner ") == []
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
    conn.close()
    assert [p.name for p in isolated.iterdir() if "before-migration" in p.name] == []


@pytest.mark.usefixtures("deals")
def test_zsh_and_fish():
    code, out, err = ask({"_FUNNEL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "funnel mo"})
    assert (code, err) == (0, "")
    assert out == (
        '_arguments \'*: :(("move":"Move a deal to another stage\\\\: forward,..."))\'\n'
    )
    code, out, _ = ask(
        {"_FUNNEL_COMPLETE": "zsh_complete", "_TYPER_COMPLETE_ARGS": "funnel move 3 "}
    )
    assert out == '_arguments \'*: :(("ask"\n"quote"\n"signed"))\'\n'
    code, out, _ = ask(
        {"_FUNNEL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "funnel import "}
    )
    assert out == "_files\n"  # a file: zsh's own completion
    fish = {"_FUNNEL_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    code, out, _ = ask({**fish, "_TYPER_COMPLETE_ARGS": "funnel due --owner "})
    assert out.splitlines() == ["jane", "Jane Doe", "me"]
    code, out, _ = ask({**fish, "_TYPER_COMPLETE_ARGS": "funnel list --ow"})
    assert out == "--owner\tOnly this owner's deals (repeat it for several: any of them).\n"
    is_args = {**fish, "_TYPER_COMPLETE_FISH_ACTION": "is-args"}
    assert ask({**is_args, "_TYPER_COMPLETE_ARGS": "funnel move 1 "})[0] == 0  # names
    assert ask({**is_args, "_TYPER_COMPLETE_ARGS": "funnel import "})[0] == 1  # files


def test_an_unknown_instruction_prints_nothing():
    assert ask({"_FUNNEL_COMPLETE": "complete_tcsh"}) == (1, "", "")
    assert ask({"_FUNNEL_COMPLETE": "nonsense"}) == (1, "", "")


def test_every_completed_parameter_exists():
    """Each parameter name VALUES completes is some command's."""
    import typer
    from typer.core import TyperGroup

    root = typer.main.get_command(app)
    names: set[str] = set()

    def walk(command):  # type: ignore[no-untyped-def]
        if isinstance(command, TyperGroup):
            for name in command.list_commands(None):  # type: ignore[arg-type]
                walk(command.get_command(None, name))  # type: ignore[arg-type]
        names.update(p.name or "" for p in command.params)

    walk(root)
    assert set(VALUES) <= names


# -- the scripts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "hook"),
    [
        ("bash", "complete -o default -F _funnel_completion funnel"),
        ("zsh", "compdef _funnel_completion funnel"),
        ("fish", "complete --command funnel --no-files"),
    ],
)
def test_show_completion(funnel, shell, hook):
    run = ok(funnel, "--show-completion", shell)
    assert hook in run.stdout and "_FUNNEL_COMPLETE=complete_" in run.stdout
    assert run.stderr == ""


def test_an_unknown_or_undetected_shell_is_one_line(funnel, monkeypatch):
    for option in ("--show-completion", "--install-completion"):
        run = funnel(option, "tcsh")
        assert (run.exit_code, run.stdout) == (2, "")
        assert run.stderr == (
            f"{ERROR}no completion for the shell 'tcsh': name one of bash, zsh, fish\n"
        )
    import typer._completion_shared

    monkeypatch.setattr(typer._completion_shared, "_get_shell_name", lambda: None)
    monkeypatch.delenv("SHELL")
    run = funnel("--install-completion")
    assert (run.exit_code, run.stdout) == (2, "")
    assert run.stderr == (
        f"{ERROR}can't tell which shell this is: name it, e.g. "
        "`funnel --install-completion bash` (bash, zsh, fish)\n"
    )


def test_the_shell_is_detected(funnel, monkeypatch):
    import typer._completion_shared

    monkeypatch.setattr(typer._completion_shared, "_get_shell_name", lambda: "zsh")
    assert "compdef _funnel_completion funnel" in ok(funnel, "--show-completion").stdout
    monkeypatch.setattr(typer._completion_shared, "_get_shell_name", lambda: None)
    monkeypatch.setenv("SHELL", "/usr/local/bin/fish")
    assert "complete --command funnel" in ok(funnel, "--show-completion", "--db", "x").stdout


def test_install_bash_appends_its_line_once(funnel, home: Path):
    rc = home / ".bashrc"
    rc.write_text("export EDITOR=vi")  # no newline at the end
    run = ok(funnel, "--install-completion", "bash")
    script = home / ".bash_completions" / "funnel.sh"
    assert run.stdout == ""
    assert run.stderr == (
        "bash completion installed: ~/.bash_completions/funnel.sh; ~/.bashrc loads it "
        "(one line added at its end); it works in a new shell\n"
    )
    assert rc.read_text() == (
        "export EDITOR=vi\n"
        "# funnel shell completion (added by funnel --install-completion)\n"
        f"source {script}\n"
    )
    assert "_FUNNEL_COMPLETE=complete_bash" in script.read_text()
    assert oct(script.stat().st_mode & 0o777) == "0o644"
    before = (rc.read_bytes(), rc.stat().st_mtime_ns, script.stat().st_mtime_ns)
    run = ok(funnel, "--install-completion", "bash")
    assert run.stderr == (
        "bash completion is already installed: ~/.bash_completions/funnel.sh; "
        "~/.bashrc loads it; nothing changed\n"
    )
    assert (rc.read_bytes(), rc.stat().st_mtime_ns, script.stat().st_mtime_ns) == before


def test_a_line_typer_wrote_counts(funnel, home: Path):
    script = home / ".bash_completions" / "funnel.sh"
    rc = home / ".bashrc"
    rc.write_text(f"\nsource '{script}'\n")
    ok(funnel, "--install-completion", "bash")
    assert rc.read_text() == f"\nsource '{script}'\n"


@pytest.mark.parametrize(
    "written",
    [
        "source ~/.bash_completions/funnel.sh",  # the README's own line
        "  source ~/.bash_completions/funnel.sh  # completion",
        "source $HOME/.bash_completions/funnel.sh",
        'source "$HOME/.bash_completions/funnel.sh"',
        "source ${HOME}/.bash_completions/funnel.sh",
        ". ~/.bash_completions/funnel.sh",
        "source {script}",
        "source '{script}'",
        "source ~/.bash_completions/../.bash_completions/funnel.sh",
    ],
)
def test_a_line_that_sources_the_script_counts_however_written(funnel, home: Path, written: str):
    # issue 13: the README's `source ~/.bash_completions/funnel.sh` got a
    # second line beside it, with the absolute path
    script = home / ".bash_completions" / "funnel.sh"
    rc = home / ".bashrc"
    text = f"export EDITOR=vi\n{written.replace('{script}', str(script))}\n"
    rc.write_text(text)
    run = ok(funnel, "--install-completion", "bash")
    assert rc.read_text() == text
    assert "one line added" not in run.stderr and "~/.bashrc loads it" in run.stderr


@pytest.mark.parametrize(
    "other",
    [
        "source ~/.bash_completions/other.sh",
        "# source ~/.bash_completions/funnel.sh",
        "echo source ~/.bash_completions/funnel.sh",
        "source ~/elsewhere/funnel.sh",
    ],
)
def test_a_line_that_does_not_source_it_is_no_reason_to_skip(funnel, home: Path, other: str):
    rc = home / ".bashrc"
    rc.write_text(other + "\n")
    ok(funnel, "--install-completion", "bash")
    assert rc.read_text().endswith(f"source {home / '.bash_completions' / 'funnel.sh'}\n")


def test_install_zsh_and_fish(funnel, home: Path, isolated: Path):
    ok(funnel, "--install-completion", "zsh")
    assert (
        (home / ".zshrc")
        .read_text()
        .endswith("\nfpath+=~/.zfunc; autoload -Uz compinit; compinit\n")
    )
    assert "#compdef funnel" in (home / ".zfunc" / "_funnel").read_text()
    run = ok(funnel, "--install-completion", "fish")
    fish = isolated / "xdg-config" / "fish" / "completions" / "funnel.fish"
    assert "complete --command funnel" in fish.read_text()
    assert "fish loads it by itself" in run.stderr
    assert "already installed" in ok(funnel, "--install-completion", "fish").stderr
    assert not (home / ".config").exists()  # XDG_CONFIG_HOME is followed


def test_a_planted_symlink_is_replaced_not_followed(funnel, home: Path, isolated: Path):
    victim = isolated / "victim.txt"
    victim.write_text("precious")
    (home / ".bash_completions").mkdir()
    (home / ".bash_completions" / "funnel.sh").symlink_to(victim)
    ok(funnel, "--install-completion", "bash")
    assert victim.read_text() == "precious"
    assert not (home / ".bash_completions" / "funnel.sh").is_symlink()
    assert [p.name for p in (home / ".bash_completions").iterdir()] == ["funnel.sh"]


def test_an_rc_that_is_no_file_fails_in_one_line(funnel, home: Path):
    (home / ".bashrc").mkdir()
    run = funnel("--install-completion", "bash")
    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.startswith(f"{ERROR}can't install bash completion: ")
    assert run.stderr.count("\n") == 1


# -- end to end ---------------------------------------------------------------


@pytest.mark.usefixtures("deals")
def test_real_bash_completes_through_the_installed_script(home: Path):
    """The production `funnel` in a real bash, through the script as installed."""
    env = {**os.environ, "PATH": f"{FUNNEL.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([FUNNEL, "--install-completion", "bash"], env=env, check=True)
    probe = """
source ~/.bashrc
show() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _funnel_completion funnel
         printf '%s|' "${COMPREPLY[@]}"; echo; }
show funnel mo
show funnel move 3 ""
show funnel list --owner J
"""
    out = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stderr == ""
    assert out.stdout.splitlines() == ["move|", "ask|quote|signed|", "jane|'Jane Doe'|"]


def _with_funnel() -> dict[str, str]:
    return {**os.environ, "PATH": f"{FUNNEL.parent}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
@pytest.mark.usefixtures("deals")
def test_real_fish_completes_through_the_installed_script():
    env = _with_funnel()
    subprocess.run([FUNNEL, "--install-completion", "fish"], env=env, check=True)
    where = Path(env["XDG_CONFIG_HOME"]) / "fish" / "completions"
    probe = "; ".join(
        f'complete -C "{line}"' for line in ("funnel mo", "funnel move 3 ", "funnel due --owner J")
    )
    out = subprocess.run(
        ["fish", "--no-config", "-c", f"set fish_complete_path {where}; {probe}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.splitlines() == [
        "move\tMove a deal to another stage: forward,...",
        "ask",
        "quote",
        "signed",
        "Jane Doe",  # fish matches the case
    ]


def _type_into_zsh(env: dict[str, str], keys: list[tuple[str, str]]) -> None:
    """An interactive zsh on a pseudo-terminal: type each text, then wait (at
    most 15 s) until the terminal shows what must follow it."""
    import pty
    import select
    import signal
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: zsh reading ~/.zshrc
        os.execve(shutil.which("zsh") or "zsh", ["zsh", "-i"], env)
    try:
        for typed, expect in keys:
            os.write(fd, typed.encode())
            seen = b""
            deadline = time.monotonic() + 15
            while expect.encode() not in seen:
                assert time.monotonic() < deadline, (typed, expect, seen[-500:])
                if select.select([fd], [], [], 0.2)[0]:
                    seen += os.read(fd, 4096)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
@pytest.mark.usefixtures("deals")
def test_real_zsh_completes_from_the_first_tab():
    """Typer's zsh script rang the bell at a new shell's first TAB."""
    env = _with_funnel()
    subprocess.run([FUNNEL, "--install-completion", "zsh"], env=env, check=True)
    _type_into_zsh(
        env,
        [
            ("funnel mo\t", "funnel move"),
            ("\x15funnel move 3 \t", "signed"),
            ("\x15funnel due --owner J\t", "Jane\\ Doe"),  # zsh quotes it
        ],
    )
