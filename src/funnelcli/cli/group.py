"""Where errors cross into the terminal: once, for every command; and how a
command's usage line names its arguments."""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, TextIO

import typer
from typer._click import Context  # typer is pinned to 0.28.x
from typer._click.exceptions import (
    ClickException,
    NoArgsIsHelpError,
    UsageError,
)
from typer.core import TyperArgument, TyperCommand, TyperGroup

from funnelcli.errors import ExitCode, FunnelError
from funnelcli.render.text import safe

# Errors of a write to stdout or stderr that the person can cause and fix: a
# full disk or quota, a file size limit, a device gone. One line, exit 1 (or
# SAVED_BUT_OUTPUT_FAILED), never "internal error".
OUTPUT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.ENXIO}
)


def fail(message: str, code: int) -> typer.Exit:
    say(f"funnel: error: {safe(message)}\n")
    return typer.Exit(code)


def say(line: str) -> bool:
    """Write a line to stderr; False when stderr can't take it (a full disk).
    Then what is left in its buffer goes nowhere, so exiting is no second
    failure (Python would exit 120, or print a traceback)."""
    try:
        sys.stderr.write(line)
        sys.stderr.flush()
    except (OSError, ValueError):
        discard(sys.stderr)
        return False
    return True


def discard(stream: TextIO) -> None:
    """Point the stream's descriptor at /dev/null: what is still buffered for
    it, and whatever comes, is dropped."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def quiet_broken_pipe() -> None:
    """The reader went away (`funnel list | head -1`): stop, quietly."""
    discard(sys.stdout)


def flush_stdout(code: int) -> int:
    """Flush stdout before exit, where Python's own flush fails with exit 120:
    output that can't be written is an error (unless one was already given)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_broken_pipe()
    except OSError as exc:
        discard(sys.stdout)
        if code == 0:
            say(f"funnel: error: can't write output: {exc.strerror or exc}\n")
            return ExitCode.FAILED
    except ValueError:  # closed
        pass
    return code


def _saved(ctx: Context) -> list[str]:
    """What this run committed, in words (the change log numbers changes)."""
    what = list(getattr(ctx.find_root().obj, "done", ()))
    ids: list[str] = []
    for store in getattr(ctx.find_root().obj, "_stores", ()):
        for change in getattr(store, "saved", ()):
            if change is None:  # a database without a change log
                ids.append("")
                continue
            ids.append(f"#{change}")
    if ids:
        numbers = ", ".join(i for i in ids if i)
        plural = "s" if "," in numbers else ""
        what.insert(
            0,
            f"the change was saved: change{plural} {numbers}"
            if numbers
            else "the change was saved",
        )
    return what


def output_failed(ctx: Context, exc: OSError) -> typer.Exit:
    """Writing to stdout or stderr failed: one line (if stderr takes it); exit
    1, or 4 (SAVED_BUT_OUTPUT_FAILED) when something was already done for good."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        discard(sys.stdout)  # it is the one failing: drop what it holds
    saved = _saved(ctx)
    message = f"can't write output: {exc.strerror or exc}"
    if saved:
        message += f" ({'; '.join(saved)})"
    return fail(message, ExitCode.SAVED_BUT_OUTPUT_FAILED if saved else ExitCode.FAILED)


class FunnelGroup(TyperGroup):
    """Turns funnelcli's exceptions into one line on stderr and an exit code."""

    # Any: Click's own signature (Command.main: **extra typed Any, and it returns
    # whatever the command does)
    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Usage errors (bad flag, missing argument) as one line too, exit 2,
        instead of Typer's boxed panel."""
        if not standalone_mode:
            # Click's `main` takes standalone_mode by keyword; `args` never holds it
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
        sys.exit(flush_stdout(self._run(*args, **kwargs)))

    # Any: forwarded as they are to Click's main (see main)
    def _run(self, *args: Any, **kwargs: Any) -> int:
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
        except NoArgsIsHelpError as exc:  # `funnel` or `funnel stage` alone: the help
            sys.stdout.write(exc.format_message() + "\n")
            return ExitCode.OK
        except UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "funnel"
            fail(f"{exc.format_message()} (see `{where} --help`)", exc.exit_code)
            return exc.exit_code
        except ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
            return exc.exit_code
        except typer.Abort:
            fail("aborted", ExitCode.FAILED)
            return ExitCode.FAILED
        except BrokenPipeError:  # --help or --version into a closed pipe
            quiet_broken_pipe()
            return ExitCode.OK
        except OSError as exc:  # --help or --version into a full disk
            if exc.errno not in OUTPUT_ERRNOS:
                raise
            discard(sys.stdout)
            fail(f"can't write output: {exc.strerror or exc}", ExitCode.FAILED)
            return ExitCode.FAILED
        return rv if isinstance(rv, int) else ExitCode.OK

    # Any: Click's own return type (a command returns whatever its callback does)
    def invoke(self, ctx: Context) -> Any:
        try:
            try:
                rv = super().invoke(ctx)
            except typer.Exit:
                sys.stdout.flush()
                raise
            # Now, while the failure can still be told apart from success (at
            # exit Python would only print a traceback and exit 120).
            sys.stdout.flush()
            return rv
        except FunnelError as exc:
            raise fail(exc.message, exc.exit_code) from None
        except BrokenPipeError:
            quiet_broken_pipe()
            raise typer.Exit(ExitCode.OK) from None
        except UnicodeEncodeError:
            # An argument with bytes that aren't UTF-8 (Python keeps them as
            # surrogates, which SQLite and the terminal can't take).
            raise fail("arguments must be valid UTF-8 text", ExitCode.FAILED) from None
        except (KeyboardInterrupt, typer.Exit, typer.Abort, ClickException):
            raise
        except OSError as exc:
            # A write to stdout or stderr (they name no file) that failed.
            if exc.errno in OUTPUT_ERRNOS and exc.filename is None:
                raise output_failed(ctx, exc) from None
            raise internal_error(exc) from None
        except Exception as exc:
            raise unexpected(exc) from None


class FunnelCommand(TyperCommand):
    """A command whose usage line names each argument as Click does: its
    metavar, else its name in upper case, in brackets when it may be left out
    (`funnel log [OPTIONS] DEAL KIND [NOTE]`). Typer 0.28 writes a required
    argument in braces and the name as it is in the code (`{DEAL} {kind}`)."""

    # Any: Click's own signature (Command(**attrs), typed Any there)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = unwrapped(self.help)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(usage_name(param))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


def unwrapped(text: str | None) -> str | None:
    """A command's help with each paragraph on one line, for the terminal to
    wrap at its width: Typer 0.28 keeps the docstring's own line breaks after
    the first paragraph, which at 60 columns leaves every other line a few
    words long. A paragraph whose later lines are indented, start a list
    item (`-`, `*`, `$`) or are examples keeps its lines."""
    if not text:
        return text
    import inspect

    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines = paragraph.split("\n")
        if paragraph.startswith("\b") or any(
            line.startswith((" ", "-", "*", "$", "Example", "funnel ")) for line in lines[1:]
        ):
            paragraphs.append(paragraph)
        else:
            paragraphs.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)


def usage_name(argument: TyperArgument) -> str:
    """How a usage line names the argument: `DEAL`, `[NOTE]`, `FILE...`."""
    name = argument.metavar or (argument.name or "").upper()
    if not argument.required:
        name = f"[{name}]"
    if argument.nargs != 1:
        name += "..."
    return name


def unexpected(exc: Exception) -> typer.Exit:
    """An error no layer translated: the database's own (one line, exit 1), or a bug."""
    from funnelcli.store.connection import is_engine_error  # only on this path

    if is_engine_error(exc):
        return fail(f"database error: {exc}", ExitCode.FAILED)
    return internal_error(exc)


def internal_error(exc: Exception) -> typer.Exit:
    """A bug: still one line, unless a developer asks for the traceback."""
    if os.environ.get("FUNNEL_DEBUG"):
        raise exc
    name = type(exc).__name__
    return fail(
        f"internal error ({name}: {exc}); FUNNEL_DEBUG=1 shows the traceback", ExitCode.INTERNAL
    )
