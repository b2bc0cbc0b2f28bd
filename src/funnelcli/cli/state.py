"""Per-invocation state: where the database is, the config, and the clock.

Resolved lazily, once, so `funnel --version` and `--help` touch nothing.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from funnelcli.config import Config, expand_home, load_config
from funnelcli.dburl import (
    broken_url,
    has_password,
    is_url,
    mistaken_server,
    shown,
    shown_target,
)
from funnelcli.errors import NotFound
from funnelcli.services import Context, DealMatch

if TYPE_CHECKING:
    from funnelcli.store import Store


class AppState:
    """One run's state, kept in the root context: the command line, --db, and
    the config, clock and stores, each made on first use. (A plain class: a
    dataclass costs about a millisecond of start-up to make, see
    docs/architecture.md.)"""

    def __init__(self, argv: list[str] | None = None) -> None:
        self.argv = argv or []  # the command line, after `funnel`
        self.db_option: str | None = None  # --db: a file or a postgresql:// URL
        # What this run has done for good besides database changes (a restore, a
        # file renamed into place), in words: if printing then fails, the error says so.
        self.done: list[str] = []
        self._config: Config | None = None
        self._now: datetime | None = None
        self._now_zone = ""  # the zone `now` was read in
        self._stores: list[Store] = []
        self.contexts: list[Context] = []  # what services noted (events for the hooks)
        self.no_hooks = False  # --no-hooks
        self._told: set[tuple[str, int]] = set()
        self._told_empty = False

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config()
        return self._config

    @property
    def now(self) -> datetime:
        """The clock (or FUNNEL_NOW), as wall time in the run's zone: the
        database's once a store is open (funnelcli.clock)."""
        if self._now is None:
            from funnelcli.clock import zone_name
            from funnelcli.dates import parse_now

            self._now = parse_now(os.environ.get("FUNNEL_NOW"))
            self._now_zone = zone_name()
        return self._now

    def db_path(self) -> Path:
        """--db > FUNNEL_DB > config `db` > the platform's data directory.

        A relative `db` in the config file is beside that file (wherever the
        command runs); --db and FUNNEL_DB are relative to the current directory."""
        return self.db_where()[0]

    def set_db_option(self, value: str | None) -> None:
        """--db as given; a PostgreSQL URL with a password in it is refused
        (anyone on the machine can read a command line)."""
        if value is not None:
            _check_db_option(value)
        self.db_option = value

    def db_target(self) -> tuple[str | None, str | None]:
        """The database as named and who named it: "--db", "FUNNEL_DB", the
        config file's `db`, or (None, None) for the default location."""
        if self.db_option is not None:
            return self.db_option, "--db"
        env = os.environ.get("FUNNEL_DB")
        if env:
            return env, "FUNNEL_DB"
        configured = self.config["db"]
        if configured:
            return str(configured), f"`db` in {self.config.path}"
        return None, None

    def db_url(self) -> str | None:
        """The team database's postgresql:// URL, None for a SQLite file."""
        target, named_by = self.db_target()
        if not is_url(target):
            return None
        if (broken := broken_url(str(target))) is not None:
            from funnelcli.errors import Invalid

            raise Invalid(f"{named_by}: {shown(str(target))} {broken}")
        return target

    def db_where(self) -> tuple[Path, str | None]:
        """The database file's path and who named it (see db_target). A
        PostgreSQL database has no file: one clear error for the commands
        that work on the file itself."""
        target, named_by = self.db_target()
        if is_url(target):
            from funnelcli.errors import Invalid

            raise Invalid(
                f"{shown(str(target))} is a PostgreSQL database, and this command works on a "
                "SQLite file: use pg_dump for a copy of it, `funnel export` for its data"
            )
        if target is None:
            from funnelcli.dirs import data_dir

            return data_dir() / "funnel.db", None
        if (mistaken := mistaken_server(target)) is not None:
            from funnelcli.errors import Invalid

            # never a SQLite file named after a mistyped server (the deal
            # would go to a file nobody on the team sees)
            raise Invalid(f"{named_by}: {shown_target(target)} {mistaken}, e.g. {_EXAMPLE}")
        if named_by in ("--db", "FUNNEL_DB"):
            return expand_home(Path(target)), named_by
        # a relative `db` in the config file is relative to that file
        return self.config.path.parent / expand_home(Path(target)), named_by

    def context(self, *, write: bool, missing_ok: bool = False) -> Context:
        """The run's Store and clock. A read of a database that isn't there
        never creates it: at a path the user gave (--db, FUNNEL_DB, config
        `db`) that is an error, since a typo must not read as "nothing due";
        at the default location it reads as empty, with a note on stderr.
        `missing_ok`: the command says itself what a missing file means
        (backup)."""
        from funnelcli.store import Store

        now = self.now
        config = self.config
        url = self.db_url()
        if url is not None:
            store = Store.open_team(url, for_write=write, now=now)
        else:
            path, named_by = self.db_where()
            if not write and not missing_ok:
                self._check_exists(path, named_by)
            store = Store.open(path, for_write=write, now=now)
        if store.zone is not None and store.zone != self._now_zone:
            # read the clock again in the database's zone (FUNNEL_NOW's wall time
            # is kept, and now means it there)
            from funnelcli.clock import utc_text

            self._now = None
            now = self.now
            store.now_utc = utc_text(now)
        if write:
            store.change_command = self.command_text()
        if write or store.team:  # a team's undo --dry-run looks for the person's own
            store.change_who = config.user
        self._stores.append(store)
        context = Context(store, now, config, on_text_match=self.took)
        self.contexts.append(context)
        return context

    def hooks_dir(self) -> Path:
        """`hooks/` beside the config file (~/.config/funnelcli/hooks, or
        beside the file FUNNEL_CONFIG names): where the hooks are."""
        return self.config.path.parent / "hooks"

    def has_events(self) -> bool:
        """Did a service note a committed change for the hooks?"""
        return any(c.events for c in self.contexts)

    def _check_exists(self, path: Path, named_by: str | None) -> None:
        from funnelcli.store.connection import database_exists

        if database_exists(path):
            return
        if named_by is not None:
            raise NotFound(
                f"no database at {path} (given by {named_by}): nothing is there yet; "
                "check the path (a first write such as `funnel add` creates it)"
            )
        if not self._told_empty:
            self._told_empty = True
            from funnelcli.cli.group import say
            from funnelcli.render.text import safe

            say(
                safe(f"no database yet at {path}: nothing to show")
                + " (`funnel add` or `funnel import` starts one)\n"
            )

    def took(self, match: DealMatch) -> None:
        """Say on stderr which deal a text ref took (once per run: `delete`
        looks the deal up to ask, then again to delete it)."""
        key = (match.text, match.deal.id)
        if key in self._told:
            return
        self._told.add(key)
        from funnelcli.cli.group import say
        from funnelcli.render.text import safe

        say(safe(f"taking #{match.deal.id} {match.deal.title} (matched '{match.text}')") + "\n")

    def command_text(self) -> str:
        """The line `funnel changes` shows (only a write needs it: shlex stays
        off the path of reads)."""
        import shlex

        words = []
        skip = False
        for arg in self.argv:
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

    def close(self) -> None:
        for store in self._stores:
            store.close()
        self._stores.clear()


_EXAMPLE = "postgresql://anna@db.example.com:5432/sales"
NO_PASSWORD = (
    "{where}: never put a password on the command line (others can read it); "
    "keep it in ~/.pgpass or PGPASSWORD"
)


def check_db_target(value: str, where: str) -> None:
    """One usage error (exit 2) for a value given as a database that was
    surely meant as a server's address but isn't a postgresql:// URL."""
    from funnelcli.errors import UsageError

    if (mistaken := mistaken_server(value)) is not None:
        raise UsageError(f"{where}: {shown_target(value)} {mistaken}, e.g. {_EXAMPLE}")
    if is_url(value) and (broken := broken_url(value)) is not None:
        raise UsageError(f"{where}: {shown(value)} {broken}")


def _check_db_option(value: str) -> None:
    """--db names a file or a postgresql:// URL without a password (anyone on
    the machine can read a command line); else one usage error (exit 2)."""
    from funnelcli.errors import UsageError

    if is_url(value) and has_password(value):
        raise UsageError(NO_PASSWORD.format(where="--db"))
    check_db_target(value, "--db")
    if not value.strip():
        raise UsageError("--db: give a database file's path or a postgresql:// URL")
    elif os.path.isdir(os.path.expanduser(value)):
        raise UsageError(f"--db: {value} is a directory, not a database file")


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    if not isinstance(obj, AppState):
        obj = AppState()
        ctx.find_root().obj = obj
        ctx.find_root().call_on_close(obj.close)
    return obj
