"""Hooks (issue 16): `<config dir>/hooks/on-EVENT` runs after the change
commits, with the event as one JSON object on stdin (docs/json.md, hooks);
a hook that fails, can't start or runs too long is one warning line and the
change stands; --no-hooks, FUNNEL_HOOKS and config `hooks` turn them off;
import runs them only with --hooks. The hooks here are small sh scripts
that append what they got to a file."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import ERROR, add, fails, ok, ok_json, one_error
from test_json_doc import emitted, sections

# Appends its stdin (one line of JSON) to $HOOK_LOG, and what its environment
# says to $HOOK_ENV.
RECORDER = """#!/bin/sh
cat >> "$HOOK_LOG"
printf '%s %s %s %s %s\\n' "$FUNNEL_EVENT" "$FUNNEL_DEAL" "$FUNNEL_CHANGE" "$FUNNEL_HOOKS" \\
    "$FUNNEL_DB" >> "$HOOK_ENV"
"""

WARNING = "funnel: warning: "


@pytest.fixture
def hooks(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The hooks directory (beside FUNNEL_CONFIG's file), HOOK_LOG and
    HOOK_ENV pointed into the test's directory."""
    where = isolated / "hooks"
    where.mkdir()
    monkeypatch.setenv("HOOK_LOG", str(isolated / "hook.log"))
    monkeypatch.setenv("HOOK_ENV", str(isolated / "hook.env"))
    monkeypatch.delenv("FUNNEL_HOOKS", raising=False)
    return where


def hook(where: Path, event: str, body: str = RECORDER, mode: int = 0o755) -> Path:
    path = where / f"on-{event}"
    path.write_text(body, encoding="utf-8")
    path.chmod(mode)
    return path


def received(where: Path) -> list[dict[str, Any]]:
    """The JSON objects the recorder hooks were given, in order."""
    log = where.parent / "hook.log"
    if not log.exists():
        return []
    text = log.read_text(encoding="utf-8")
    assert text.endswith("\n") and text.count("\n") == len(text.splitlines())
    return [json.loads(line) for line in text.splitlines()]


def environments(where: Path) -> list[list[str]]:
    env = where.parent / "hook.env"
    return [line.split(" ") for line in env.read_text(encoding="utf-8").splitlines()]


def recording(where: Path, *events: str) -> None:
    for event in events:
        hook(where, event)


def test_each_event_runs_its_hook_once_with_the_documented_json(
    funnel: Any, hooks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUNNEL_USER", "ann")
    recording(hooks, "add", "move", "close", "handoff")
    added = add(funnel, "Acme", "--value", "100")
    moved = ok_json(funnel, "move", "1", "demo")
    edited = ok_json(funnel, "edit", "1", "--stage", "proposal")
    won = ok_json(funnel, "won", "1")
    add(funnel, "Globex")
    lost = ok_json(funnel, "lost", "2", "--reason", "budget")
    ok(funnel, "reopen", "2")  # no close: nothing runs
    ok(funnel, "log", "2", "call")  # no hook for a touch
    got = received(hooks)
    assert [(e["event"], e["deal"]["id"]) for e in got] == [
        ("add", 1),
        ("move", 1),
        ("move", 1),
        ("close", 1),
        ("add", 2),
        ("close", 2),
    ]
    # each is the deal as the command printed it (without the hand-off that
    # add, move and reopen print beside it: on-handoff carries that), and
    # what the event adds
    for printed in (added, moved):
        assert printed.pop("handoff") is None
    assert [e["deal"] for e in got] == [
        added,
        moved,
        edited,
        won,
        got[4]["deal"],
        lost,
    ]
    assert got[4]["deal"]["title"] == "Globex"
    extra = [{k: v for k, v in e.items() if k not in COMMON} for e in got]
    assert extra == [
        {"imported": False},
        {"from_stage": "lead", "to_stage": "demo"},
        {"from_stage": "demo", "to_stage": "proposal"},
        {"outcome": "won"},
        {"imported": False},
        {"outcome": "lost"},
    ]
    changes = {c["id"]: c for c in ok_json(funnel, "changes")}
    commands = [changes[e["change"]]["command"].split()[1] for e in got]
    assert commands == ["add", "move", "edit", "won", "add", "lost"]
    assert all(e["at"] == changes[e["change"]]["at"] for e in got)
    assert {e["who"] for e in got} == {"ann"}
    documented = sections()["hooks"]
    for e in got:
        assert emitted(e, documented) <= documented
    env = environments(hooks)
    assert [line[:4] for line in env[:2]] == [
        ["add", "1", str(got[0]["change"]), "false"],
        ["move", "1", str(got[1]["change"]), "false"],
    ]
    assert {line[4] for line in env} == {got[0]["db"]}


COMMON = ("event", "change", "who", "at", "db", "deal")


def test_the_db_a_hook_is_told(funnel: Any, hooks: Path, isolated: Path) -> None:
    recording(hooks, "add")
    add(funnel, "Acme")
    (event,) = received(hooks)
    db = os.environ["FUNNEL_DB"]
    if db.startswith("postgresql://"):
        assert event["db"] == db  # the test server's URL has no password
    else:
        assert event["db"] == str(isolated / "funnel.db")


@pytest.mark.sqlite_only  # no database involved
def test_without_password() -> None:
    from funnelcli.dburl import without_password

    assert without_password("postgresql://bob:s3cret@db.example/crm") == (
        "postgresql://bob@db.example/crm"
    )
    assert without_password("postgres://bob:p@ss@h:5432/crm?sslmode=require") == (
        "postgres://bob@h:5432/crm?sslmode=require"
    )
    assert without_password("postgresql://h/crm?password=x&sslmode=require") == (
        "postgresql://h/crm?sslmode=require"
    )
    assert without_password("postgresql://h/crm?sslmode=require&PASSWORD=x") == (
        "postgresql://h/crm?sslmode=require"
    )
    assert without_password("postgresql://h:5432/crm") == "postgresql://h:5432/crm"


def test_a_failing_hook_is_one_warning_and_the_change_stands(funnel: Any, hooks: Path) -> None:
    add(funnel, "Acme")
    hook(hooks, "move", "#!/bin/sh\necho 'no mail server' >&2\nexit 3\n")
    run = funnel("move", "1", "demo", "--format", "json")
    assert run.exit_code == 0
    assert json.loads(run.stdout)["stage"] == "demo"
    assert run.stderr == f"no mail server\n{WARNING}hook on-move exited 3\n"
    assert ok_json(funnel, "show", "1")["stage"] == "demo"
    hook(hooks, "move", "#!/bin/sh\nkill -TERM $$\n")
    run = ok(funnel, "move", "1", "lead")
    assert run.stderr == f"moved #1 Acme (lead)\n{WARNING}hook on-move was killed by SIGTERM\n"


def test_a_hook_that_cannot_start_or_is_no_program(funnel: Any, hooks: Path) -> None:
    add(funnel, "Acme")
    hook(hooks, "move", "#!/no/such/interpreter\n")
    run = ok(funnel, "move", "1", "demo")
    assert run.stderr.endswith(
        f"{WARNING}hook on-move could not start: No such file or directory\n"
    )
    hook(hooks, "move", RECORDER, mode=0o644)
    run = ok(funnel, "move", "1", "lead")
    assert run.stderr.endswith(
        f"{WARNING}hook on-move not run: {hooks / 'on-move'} is not executable (chmod +x it)\n"
    )
    (hooks / "on-move").unlink()
    (hooks / "on-move").mkdir()
    run = ok(funnel, "move", "1", "demo")
    assert run.stderr.endswith(
        f"{WARNING}hook on-move not run: {hooks / 'on-move'} is not a regular file\n"
    )
    assert received(hooks) == []
    assert ok_json(funnel, "show", "1")["stage"] == "demo"


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to see the child is gone")
def test_a_slow_hook_is_stopped_with_its_children(funnel: Any, hooks: Path, isolated: Path) -> None:
    ok(funnel, "config", "set", "hook_timeout", "0.2")
    add(funnel, "Acme")
    pids = isolated / "pids"
    hook(hooks, "move", f"#!/bin/sh\necho started\nsleep 30 &\necho $! > {pids}\nwait\n")
    start = time.monotonic()
    run = funnel("move", "1", "demo", "--format", "json")
    took = time.monotonic() - start
    assert run.exit_code == 0 and json.loads(run.stdout)["stage"] == "demo"
    assert run.stderr == (
        f"started\n{WARNING}hook on-move ran past its 0.2 s limit (hook_timeout) and was stopped\n"
    )
    assert took < 2.5
    child = int(pids.read_text())
    deadline = time.monotonic() + 2
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(child)


def test_hook_output_goes_to_stderr_inert(funnel: Any, hooks: Path) -> None:
    hook(hooks, "add", "#!/bin/sh\nprintf 'to stdout: %s\\n' \"$(cat)\"\n")
    run = funnel("add", "Evil \x1b[31m\u202e title", "--format", "json")
    assert run.exit_code == 0
    assert json.loads(run.stdout)["title"] == "Evil \x1b[31m\u202e title"  # data only
    (line,) = run.stderr.splitlines()
    assert line.startswith("to stdout: {")
    assert "\x1b" not in run.stderr and "\u202e" not in run.stderr
    assert "Evil \\u001b[31m\\u202e title" in line  # the JSON's escapes, shown as they are


def test_hooks_turned_off(funnel: Any, hooks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recording(hooks, "add", "move")
    add(funnel, "Acme")
    assert len(received(hooks)) == 1
    run = ok(funnel, "--no-hooks", "move", "1", "demo")
    assert run.stderr == "moved #1 Acme (demo)\n"
    monkeypatch.setenv("FUNNEL_HOOKS", "false")
    ok(funnel, "move", "1", "lead")
    monkeypatch.setenv("FUNNEL_HOOKS", "maybe")
    run = ok(funnel, "move", "1", "demo")
    assert run.stderr.endswith(
        f"{WARNING}FUNNEL_HOOKS must be true or false, not 'maybe'; no hooks run\n"
    )
    monkeypatch.delenv("FUNNEL_HOOKS")
    ok(funnel, "config", "set", "hooks", "false")
    assert ok(funnel, "config", "get", "hooks").stdout == "false\n"
    ok(funnel, "move", "1", "lead")
    monkeypatch.setenv("FUNNEL_HOOKS", "true")  # the variable over the config
    ok(funnel, "move", "1", "demo")
    assert [e["event"] for e in received(hooks)] == ["add", "move"]
    assert received(hooks)[1]["to_stage"] == "demo"


@pytest.mark.sqlite_only  # no database involved
def test_the_hook_settings_are_checked(funnel: Any, isolated: Path) -> None:
    fails(funnel, 1, "hooks must be true or false, not 'maybe'", "config", "set", "hooks", "maybe")
    message = "hook_timeout must be seconds above 0 and at most 600, not '{}'"
    for bad in ("0", "nan", "soon", "601"):
        fails(funnel, 1, message.format(bad), "config", "set", "hook_timeout", bad)
    (isolated / "config.toml").write_text("hooks = false\nhook_timeout = 2\n")
    got = ok_json(funnel, "config", "get")
    assert (got["hooks"], got["hook_timeout"]) == (False, 2.0)
    (isolated / "config.toml").write_text('hooks = "sometimes"\n')
    run = funnel("config", "get", "hooks")
    assert run.exit_code == 1
    assert run.stderr.endswith("hooks must be true or false, not 'sometimes'\n")


def test_no_hook_when_nothing_committed(funnel: Any, hooks: Path) -> None:
    recording(hooks, "add", "move", "close")
    add(funnel, "Acme")
    one_error(funnel("move", "1", "nowhere"), 1, "no stage 'nowhere'")
    one_error(funnel("move", "1", "lead"), 1, "deal 1 is already in lead")
    one_error(funnel("lost", "1", "--reason", " "), 1, "a lost deal needs --reason")
    one_error(funnel("won", "9"), 1, "no deal '9'")
    assert [e["event"] for e in received(hooks)] == ["add"]


def test_import_runs_hooks_only_when_asked(funnel: Any, hooks: Path, isolated: Path) -> None:
    recording(hooks, "add")
    csv = isolated / "deals.csv"
    csv.write_text("title,value,external_id\nA,1,a\nB,2,b\n", encoding="utf-8")
    ok(funnel, "import", str(csv))
    assert received(hooks) == []
    ok(funnel, "import", str(csv), "--hooks", "--dry-run")
    assert received(hooks) == []
    csv.write_text("title,value,external_id\nA2,1,a\nC,3,c\nD,4,d\n", encoding="utf-8")
    ok(funnel, "import", str(csv), "--hooks")  # a updated: no hook; c and d new
    got = received(hooks)
    assert [(e["event"], e["deal"]["title"], e["imported"]) for e in got] == [
        ("add", "C", True),
        ("add", "D", True),
    ]
    last = ok_json(funnel, "changes")[0]
    assert {e["change"] for e in got} == {last["id"]}
    assert got[0]["deal"] == ok_json(funnel, "list", "--search", "C")[0]


def test_a_handoff_runs_on_handoff_after_the_move(
    funnel: Any, hooks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A move into a stage with an owner hands the deal over: on-move, then
    on-handoff, for the same change; a move into a stage nobody owns, none."""
    monkeypatch.setenv("FUNNEL_USER", "ann")
    recording(hooks, "move", "handoff")
    ok(funnel, "stage", "set", "demo", "--owner", "bob")
    add(funnel, "Acme", "--owner", "me")
    ok(funnel, "move", "1", "qualified")
    ok(funnel, "move", "1", "demo")
    got = received(hooks)
    assert [e["event"] for e in got] == ["move", "move", "handoff"]
    move, handoff = got[1], got[2]
    assert handoff["change"] == move["change"] is not None
    assert handoff["deal"]["owner"] == "bob"
    assert {k: v for k, v in handoff.items() if k not in COMMON} == {
        "from_owner": "me",
        "to_owner": "bob",
        "from_stage": "qualified",
        "to_stage": "demo",
        "by": "ann",
    }
    assert handoff["deal"] == move["deal"]
    assert emitted(handoff, sections()["hooks"]) <= sections()["hooks"]


def test_a_funnel_a_hook_runs_runs_no_hooks(funnel: Any, hooks: Path) -> None:
    """FUNNEL_HOOKS=false in a hook's environment: a hook that moves the deal
    it was told of doesn't start itself again."""
    import shutil
    import sys

    exe = shutil.which("funnel", path=str(Path(sys.executable).parent))
    assert exe is not None
    hook(hooks, "move", f'#!/bin/sh\n"{exe}" move "$FUNNEL_DEAL" lead\ncat >> "$HOOK_LOG"\n')
    add(funnel, "Acme")
    run = ok(funnel, "move", "1", "demo")
    assert run.stderr == "moved #1 Acme (demo)\nmoved #1 Acme (lead)\n"
    assert [e["to_stage"] for e in received(hooks)] == ["demo"]
    assert ok_json(funnel, "show", "1")["stage"] == "lead"


def test_error_lines_stay_one(funnel: Any, hooks: Path) -> None:
    """A command that fails says its one error line; hooks add nothing."""
    recording(hooks, "move")
    run = funnel("move", "7", "demo")
    assert run.exit_code == 1 and run.stderr.startswith(ERROR) and run.stderr.count("\n") == 1


@pytest.mark.sqlite_only  # the demo makes a SQLite file of its own
def test_the_demo_runs_no_hooks(funnel: Any, hooks: Path) -> None:
    """Its deals are written in one transaction of nested writes: a sample,
    not changes anyone made."""
    recording(hooks, "add", "move", "close")
    ok(funnel, "demo", "--deals", "6")
    assert received(hooks) == []
