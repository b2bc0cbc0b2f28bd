"""Hooks: the executables in the config directory's `hooks/` that funnel
starts after a change commits (`on-add`, `on-move`, `on-close`,
`on-handoff`), the way git and Taskwarrior do.

The services note each committed change as an Event on their Context
(`Context.happened`); once the command is done, RootGroup.invoke calls
run_hooks. Each event's hook, when it is an executable regular file, gets
the event as one JSON object on stdin (docs/json.md, "Hooks"). What it
writes goes to funnel's stderr (stdout is data); one that fails, can't
start or runs past `hook_timeout` is one warning line, and the change stands
whatever a hook does. Without a hooks directory, RootGroup doesn't import
this module (one stat); without a hook file, it costs a stat per event: the
runner (funnelcli.hooks) and the JSON encoder are imported only to run one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funnelcli.cli.group import say
from funnelcli.render.text import safe

if TYPE_CHECKING:
    from funnelcli.cli.state import AppState
    from funnelcli.models import Event


def warn(text: str) -> None:
    say(f"funnel: warning: {safe(text)}\n")


def run_hooks(run: AppState) -> None:
    """Run the hook of every event the run's services noted, in order. Never
    raises: whatever goes wrong is a warning, and the change stands."""
    events = [e for c in run.contexts for e in c.events]
    for c in run.contexts:
        c.events.clear()  # once
    try:
        if not events or not _enabled(run):
            return
        where = run.hooks_dir()
        timeout = float(run.config["hook_timeout"])
        for event in events:
            _run_one(run, where / f"on-{event.name}", event, timeout)
    except Exception as exc:  # a hook never turns a saved change into a failure
        if os.environ.get("FUNNEL_DEBUG"):
            raise
        warn(f"hooks not run: {type(exc).__name__}: {exc}")


def _enabled(run: AppState) -> bool:
    """--no-hooks > FUNNEL_HOOKS > config `hooks`."""
    if run.no_hooks:
        return False
    env = os.environ.get("FUNNEL_HOOKS", "").strip()
    if env:
        from funnelcli.config import read_switch
        from funnelcli.errors import Invalid

        try:
            return read_switch(env, "FUNNEL_HOOKS")
        except Invalid as exc:
            warn(f"{exc.message}; no hooks run")
            return False
    return bool(run.config["hooks"])


def _run_one(run: AppState, path: Path, event: Event, timeout: float) -> None:
    name = path.name
    try:
        st = path.stat()  # follows a symlink, as git does
    except FileNotFoundError:
        return  # no such hook: the usual case
    except OSError as exc:
        warn(f"hook {name} not run: {exc.strerror or exc}")
        return
    if not stat.S_ISREG(st.st_mode):
        warn(f"hook {name} not run: {path} is not a regular file")
        return
    if not os.access(path, os.X_OK):
        warn(f"hook {name} not run: {path} is not executable (chmod +x it)")
        return
    from funnelcli.hooks import run_hook
    from funnelcli.render.text import dumps

    env = hook_env(run, event)
    result = run_hook(path, dumps(payload(run, event)) + "\n", env, timeout)
    if result.output:
        say(safe_lines(result.output))
    if result.problem:
        warn(f"hook {name} {result.problem}")


def payload(run: AppState, event: Event) -> dict[str, Any]:
    """The JSON object a hook reads on stdin (docs/json.md)."""
    from funnelcli.render.records import deal_record

    return {
        "event": event.name,
        "change": event.change,
        "who": event.who,
        "at": event.at,
        "db": database(run),
        "deal": deal_record(event.deal),
        **event.extra,
    }


def hook_env(run: AppState, event: Event) -> dict[str, str]:
    """The hook's environment: funnel's, and what the event is. A funnel the
    hook runs runs no hooks (FUNNEL_HOOKS=false), so a hook can't start itself."""
    env = dict(os.environ)
    env.update(
        FUNNEL_EVENT=event.name,
        FUNNEL_DEAL=str(event.deal.id),
        FUNNEL_CHANGE="" if event.change is None else str(event.change),
        FUNNEL_DB=database(run),
        FUNNEL_HOOKS="false",
    )
    return env


def database(run: AppState) -> str:
    """The database the change went to: a file's absolute path, or a team
    database's URL without its password."""
    url = run.db_url()
    if url is not None:
        from funnelcli.dburl import without_password

        return without_password(url)
    return os.path.abspath(run.db_path())


def safe_lines(text: str) -> str:
    """A hook's output as funnel shows it on stderr: each line's controls
    escaped (a title the hook echoes stays inert), ending in a newline."""
    lines = text.splitlines()
    return "".join(safe(line) + "\n" for line in lines)
