"""examples/hooks: on-handoff mails the new owner with sendmail, on-close posts
to a chat webhook with curl. Each runs as funnel runs it (from the hooks
directory), with a fake `sendmail` or `curl` first on PATH that records its
arguments and stdin; hostile titles arrive as they were typed and run
nothing."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import add, ok

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "hooks"

# Records its arguments (one a line) and its stdin beside $FAKE_LOG.
FAKE = """#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_LOG.args"
cat > "$FAKE_LOG.stdin"
exit "${FAKE_EXIT:-0}"
"""

HOSTILE = "Acme \"big\" 'deal' $(touch pwned) `touch pwned2` ;rm -rf x\nSubject: spam \\n \x1b[31m"

pytestmark = [
    pytest.mark.skipif(shutil.which("python3") is None, reason="the examples need python3"),
    # what a hook is given is the same JSON on either engine (tests/test_hooks.py
    # checks that on both): the examples run once
    pytest.mark.sqlite_only,
]


@pytest.fixture
def installed(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Both examples in the hooks directory, fake sendmail and curl first on
    PATH, the working directory the test's own (a command that ran would
    leave its file there)."""
    hooks = isolated / "hooks"
    hooks.mkdir()
    for name in ("on-handoff", "on-close"):
        shutil.copy2(EXAMPLES / name, hooks / name)
    fakes = isolated / "bin"
    fakes.mkdir()
    for name in ("sendmail", "curl"):
        (fakes / name).write_text(FAKE, encoding="utf-8")
        (fakes / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{fakes}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(isolated / "fake"))
    monkeypatch.delenv("FUNNEL_HOOKS", raising=False)
    monkeypatch.delenv("HANDOFF_SENDMAIL", raising=False)
    monkeypatch.delenv("HANDOFF_OWNERS", raising=False)
    monkeypatch.chdir(isolated)
    return isolated


def recorded(where: Path) -> tuple[list[str], bytes]:
    args = (where / "fake.args").read_text(encoding="utf-8").splitlines()
    return args, (where / "fake.stdin").read_bytes()


def nothing_ran(where: Path) -> None:
    assert not list(where.rglob("pwned*"))


def hand_over(funnel: Any, to_owner: str) -> str:
    """Move deal 1 to demo with a hand-off to `to_owner` (note_handoff, as the
    conveyor's move will), the hooks run as the CLI runs them; their stderr."""
    from funnelcli.cli.hooks import run_hooks
    from funnelcli.cli.state import AppState
    from funnelcli.services import note_handoff
    from funnelcli.services.deals import move_deal

    class HandOff:
        deal_id = 1
        from_owner = "me"
        from_stage = "lead"
        to_stage = "demo"
        by = "ann"

    handoff = HandOff()
    handoff.to_owner = to_owner  # type: ignore[attr-defined]
    run = AppState(argv=["move", "1", "demo"])
    try:
        c = run.context(write=True)
        note_handoff(c, move_deal(c, "1", "demo"), handoff)  # type: ignore[arg-type]
        import io
        import sys

        err, sys.stderr = sys.stderr, io.StringIO()
        try:
            run_hooks(run)
            said = sys.stderr.getvalue()
        finally:
            sys.stderr = err
    finally:
        run.close()
    return said


def test_on_handoff_mails_the_new_owner(funnel: Any, installed: Path) -> None:
    (installed / "hooks" / "owners.toml").write_text('bob = "bob@example.com"\n')
    add(funnel, HOSTILE, "--value", "4800", "--org", "Acme")
    said = hand_over(funnel, "bob")
    assert said == "on-handoff: mailed bob about deal #1\n"
    args, message = recorded(installed)
    assert args == ["-i", "--", "bob@example.com"]
    mail = email.message_from_bytes(message, policy=email.policy.default)
    assert mail["To"] == "bob@example.com"
    subject = mail["Subject"]
    assert subject.startswith("Deal #1 Acme \"big\" 'deal' $(touch pwned) `touch pwned2`")
    assert subject.endswith("is yours (demo)")
    assert "\n" not in subject and "\x1b" not in subject
    assert mail.get_all("Subject") == [subject]  # the title's "Subject:" line stayed body text
    body = mail.get_content()
    assert body.startswith("Hello bob,\n\nann moved deal #1 to demo, which is yours:\n\n")
    assert f"\n{HOSTILE}\nAcme\n4800 USD\n(from lead; me had it)\n" in body
    nothing_ran(installed)


def test_on_handoff_without_an_address_is_a_warning(funnel: Any, installed: Path) -> None:
    (installed / "hooks" / "owners.toml").write_text('bob = "-oQ/tmp/x@example.com"\n')
    add(funnel, "Acme")
    said = hand_over(funnel, "bob")
    assert said == (
        "on-handoff: no address for owner 'bob' in owners.toml\n"
        "funnel: warning: hook on-handoff exited 1\n"
    )
    assert not (installed / "fake.args").exists()
    assert ok(funnel, "show", "1", "--format", "json").json()["stage"] == "demo"


def test_on_close_posts_to_the_webhook(
    funnel: Any, installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://chat.example/hooks/T0/B0?x=1&y=$(touch pwned)"
    monkeypatch.setenv("FUNNEL_WEBHOOK_URL", url)
    add(funnel, HOSTILE, "--value", "4800", "--owner", "bob")
    run = ok(funnel, "won", "1")
    assert run.stderr.startswith("won #1 ") and run.stderr.count("\n") == 1  # its line only
    args, body = recorded(installed)
    assert args[args.index("--url") + 1] == url
    assert args[args.index("--data-binary") + 1] == "@-"
    assert json.loads(body) == {"text": f"Deal #1 {HOSTILE} won, 4800 USD (owner bob)"}
    add(funnel, "Globex")
    ok(funnel, "lost", "2", "--reason", "went quiet; $(touch pwned)")
    _, body = recorded(installed)
    assert json.loads(body) == {
        "text": "Deal #2 Globex lost (owner me): went quiet; $(touch pwned)"
    }
    nothing_ran(installed)


def test_on_close_without_a_url_or_when_curl_fails(
    funnel: Any, installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FUNNEL_WEBHOOK_URL", raising=False)
    add(funnel, "Acme")
    add(funnel, "Globex")
    run = ok(funnel, "won", "1")
    assert run.stderr.endswith(
        "on-close: FUNNEL_WEBHOOK_URL is not set; nothing posted\n"
        "funnel: warning: hook on-close exited 1\n"
    )
    monkeypatch.setenv("FUNNEL_WEBHOOK_URL", "https://chat.example/x")
    monkeypatch.setenv("FAKE_EXIT", "22")
    run = ok(funnel, "won", "2")
    assert run.stderr.endswith(
        "on-close: curl exited 22\nfunnel: warning: hook on-close exited 1\n"
    )
