"""Where errors cross into the terminal: once, for every command."""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

import typer
from typer._click.exceptions import (  # typer is pinned to 0.28.x
    ClickException,
    NoArgsIsHelpError,
    UsageError,
)
from typer.core import TyperGroup

from funnelcli.errors import FunnelError
from funnelcli.render.text import safe


def fail(message: str, code: int) -> typer.Exit:
    sys.stderr.write(f"funnel: error: {safe(message)}\n")
    sys.stderr.flush()
    return typer.Exit(code)


def quiet_broken_pipe() -> None:
    """The reader went away (`funnel list | head -1`): stop, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# The arguments being run; command_text() makes of them the line `funnel
# changes` shows (only a write needs it: shlex stays off the path of reads).
command_argv: list[str] = []


def command_text() -> str:
    import shlex

    words = []
    skip = False
    for arg in command_argv:
        if skip:  # the global --db PATH says where, not what
            skip = False
            continue
        if arg == "--db":
            skip = True
            continue
        if arg.startswith("--db="):
            continue
        words.append(shlex.quote(arg))
    text = " ".join(["funnel", *words])
    return text if len(text) <= 500 else text[:499] + "…"


class FunnelGroup(TyperGroup):
    """Turns funnelcli's exceptions into one line on stderr and an exit code."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Usage errors (bad flag, missing argument) as one line too, exit 2,
        instead of Typer's boxed panel."""
        global command_argv
        argv = kwargs.get("args", args[0] if args else None)
        command_argv = list(argv) if argv is not None else sys.argv[1:]
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as exc:  # `funnel` or `funnel stage` alone: the help
            sys.stdout.write(exc.format_message() + "\n")
            sys.exit(0)
        except UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "funnel"
            fail(f"{exc.format_message()} (see `{where} --help`)", exc.exit_code)
            sys.exit(exc.exit_code)
        except ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
            sys.exit(exc.exit_code)
        except typer.Abort:
            fail("aborted", 1)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except FunnelError as exc:
            raise fail(exc.message, exc.exit_code) from None
        except sqlite3.Error as exc:  # anything the store didn't translate
            raise fail(f"database error: {exc}", 1) from None
        except BrokenPipeError:
            quiet_broken_pipe()
            raise typer.Exit(0) from None
        except UnicodeEncodeError:
            # An argument with bytes that aren't UTF-8 (Python keeps them as
            # surrogates, which SQLite and the terminal can't take).
            raise fail("arguments must be valid UTF-8 text", 1) from None
        except (KeyboardInterrupt, typer.Exit, typer.Abort, ClickException):
            raise
        except Exception as exc:
            # A bug: still one line, unless a developer asks for the traceback.
            if os.environ.get("FUNNEL_DEBUG"):
                raise
            name = type(exc).__name__
            raise fail(
                f"internal error ({name}: {exc}); FUNNEL_DEBUG=1 shows the traceback", 70
            ) from None
