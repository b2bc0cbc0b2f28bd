"""Running one hook: an executable started with the event on its stdin,
stopped (with everything it started) when it runs past its time.

Imported only when a hook file is there (cli/hooks.py decides whether one
runs): subprocess is no cost on the path of a command without hooks.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

# After a hook is stopped, how long its output may take to end: a process
# it started that left its group (setsid) and keeps the pipe open is not
# waited for.
DRAIN_S = 1.0


class HookResult:
    """What a hook wrote (stdout and stderr, as one text) and, when it went
    wrong, what happened, in words (`exited 3`); problem is "" when it
    exited 0."""

    __slots__ = ("output", "problem")

    def __init__(self, output: str, problem: str) -> None:
        self.output = output
        self.problem = problem


def run_hook(path: Path, stdin: str, env: dict[str, str], timeout: float) -> HookResult:
    """Run the executable at `path` with `stdin`, in a process group of its
    own (a new session: a Ctrl-C at the terminal is funnel's to handle), for
    at most `timeout` seconds; its stdout and stderr together."""
    try:
        proc = subprocess.Popen(
            [str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:  # not a program the system can run (no #! line, ENOEXEC …)
        return HookResult("", f"could not start: {exc.strerror or exc}")
    try:
        out, _ = proc.communicate(stdin.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        return HookResult(
            _drain(proc), f"ran past its {timeout:g} s limit (hook_timeout) and was stopped"
        )
    except BaseException:  # Ctrl-C while it runs: stop it too, then go on stopping
        _stop(proc)
        proc.wait()
        raise
    return HookResult(_text(out), _how_it_ended(proc.returncode))


def _how_it_ended(code: int) -> str:
    if code == 0:
        return ""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited {code}"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the hook and every process in its group."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def _drain(proc: subprocess.Popen[bytes]) -> str:
    """What a stopped hook wrote before it was stopped."""
    try:
        out, _ = proc.communicate(timeout=DRAIN_S)
    except subprocess.TimeoutExpired:  # a process outside its group holds the pipe
        if proc.stdout is not None:
            proc.stdout.close()
        proc.wait()
        return ""
    return _text(out)


def _text(out: bytes | None) -> str:
    return (out or b"").decode("utf-8", errors="replace")
