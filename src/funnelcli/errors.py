"""The exceptions core code raises; only the CLI turns them into messages.

Each carries the exit code CLI.md gives it, so the boundary needs no table.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every status `funnel` exits with; no other number is used."""

    OK = 0
    FAILED = 1  # a request that could not be carried out (FunnelError)
    USAGE = 2  # wrong use of the command line, as for a bad flag (Click's own 2)
    OVERDUE = 3  # `due --check`: something is overdue (for cron)
    # Did what it was asked (a change saved, a database restored, a file
    # written) but could not print its output or its note: FAILED would say it
    # failed, and a script that retries would do it twice.
    SAVED_BUT_OUTPUT_FAILED = 4
    INTERNAL = 70  # a bug (sysexits' EX_SOFTWARE): `internal error …`


class FunnelError(Exception):
    """A request funnelcli could not carry out; the message is for the user."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(FunnelError):
    """An unknown deal, stage, pipeline, field or file."""


class Invalid(FunnelError):
    """A value that cannot be read or is not allowed (date, amount, option)."""


class Conflict(FunnelError):
    """A request that clashes with the current state (closed deal, used stage)."""


class StorageError(FunnelError):
    """The database cannot be used: not SQLite, locked, newer, unwritable."""


class UsageError(FunnelError):
    """Wrong use of the command line itself (exit code 2, as for a bad flag)."""

    exit_code = ExitCode.USAGE
