"""The exceptions core code raises; only the CLI turns them into messages.

Each carries the exit code CLI.md gives it, so the boundary needs no table.
"""

from __future__ import annotations


class FunnelError(Exception):
    """A request funnelcli could not carry out; the message is for the user."""

    exit_code = 1

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

    exit_code = 2
