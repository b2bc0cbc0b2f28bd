"""`funnel doctor`: is the database whole, and does every deal agree with itself?

SQLite's integrity and foreign-key checks, then funnelcli's invariants: each
deal's history is one unbroken chain that ends where the deal is, the stays
and summary columns kept on write say what the history says, and no row
belongs to a deal or pipeline that is gone. Reads one snapshot; never writes.
The checks are in services/doctor_checks.py, the history replay in
services/doctor_history.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from funnelcli.errors import NotFound, StorageError
from funnelcli.schema import SCHEMA_VERSION
from funnelcli.services import Context
from funnelcli.services import doctor_checks as checks
from funnelcli.services.doctor_checks import Problem, Violation
from funnelcli.services.doctor_history import replay
from funnelcli.store.changelog import ChangeLogStore
from funnelcli.store.connection import database_exists, is_wal
from funnelcli.store.doctor import CHECK_ERRORS, ENGINE_VERSION, DoctorStore, open_checked

T = TypeVar("T")


@dataclass
class Diagnosis:
    deals: int
    events: int
    problems: list[Problem] = field(default_factory=list)
    sqlite_version: str = ENGINE_VERSION  # the SQLite library linked in
    journal_mode: str = ""  # the file's: "wal", or "delete" (the rollback journal)
    # the change log: (changes, undo notes, bytes the notes hold)
    change_log: tuple[int, int, int] = (0, 0, 0)
    server_version: str = ""  # a team database's PostgreSQL (empty for a file)

    @property
    def ok(self) -> bool:
        return not self.problems


def diagnose(path: Path, *, quick: bool = False) -> Diagnosis:
    """Check the database at `path` (which must exist) in one read transaction;
    `quick` runs SQLite's quick_check instead of the full integrity_check."""
    if not database_exists(path):
        raise NotFound(f"there is no database at {path} yet: nothing to check")
    if path.is_dir():
        raise StorageError(f"{path} is a directory, not a database")
    name = str(path)
    store = open_checked(path)
    try:
        with store.read():
            doctor = DoctorStore(store.file_conn)
            _check_schema(doctor, name)
            found = _diagnose(doctor, quick)
    finally:
        store.close()
    found.journal_mode = "wal" if is_wal(path) else "delete"
    return found


def diagnose_team(ctx: Context) -> Diagnosis:
    """Check a team database (PostgreSQL) in one read snapshot: funnelcli's
    own checks. The engine's own (integrity, references) are PostgreSQL's
    business: it keeps its pages checked and every reference enforced."""
    with ctx.store.read():
        doctor = DoctorStore(ctx.store.conn)
        found = _diagnose(doctor, quick=True, engine_checks=False)
        found.server_version = doctor.server_version()
    found.journal_mode = ""
    return found


def _check_schema(store: DoctorStore, name: str) -> None:
    version, tables = store.schema_version()
    if version == 0:
        what = "a SQLite database, but not a funnelcli one" if tables else "an empty file"
        raise StorageError(f"{name} is {what}")
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{name} was written by a newer funnelcli (schema {version}; this one knows "
            f"{SCHEMA_VERSION}): upgrade funnelcli"
        )
    if version < SCHEMA_VERSION:
        raise StorageError(
            f"{name} has schema {version}; this funnelcli checks schema {SCHEMA_VERSION}: "
            "run any funnel command (e.g. `funnel list`) to upgrade it, then check again"
        )


def _diagnose(store: DoctorStore, quick: bool, *, engine_checks: bool = True) -> Diagnosis:
    problems: list[Problem] = []

    def run(check: str, fn: Callable[[], Iterable[Problem]]) -> None:
        # A damaged file can fail one query and not another: report, go on.
        try:
            problems.extend(fn())
        except CHECK_ERRORS as exc:
            problems.append(Problem(None, check, f"the check could not run: {exc}"))

    def read(fn: Callable[[], T], default: T) -> T:
        try:
            return fn()
        except CHECK_ERRORS:
            return default  # the integrity check says why

    deals, events = read(store.doctor_counts, (0, 0))
    names: dict[int, str] = read(store.stage_labels, {})
    violations: list[Violation] = []
    if engine_checks:
        run("integrity", lambda: checks.integrity(store, quick))
        try:
            violations = store.foreign_key_violations()
        except CHECK_ERRORS as exc:
            problems.append(Problem(None, "foreign_key", f"the check could not run: {exc}"))
    orphans: set[int] = set()  # deals that are gone; the orphan check names their rows
    run("foreign_key", lambda: checks.foreign_keys(violations))
    run("orphan", lambda: checks.orphans(store, violations, names, orphans))
    run("stage", lambda: checks.stages(store, names))
    run("history", lambda: checks.no_history(store))
    run("history", lambda: replay(store, names, orphans))
    run("current", lambda: checks.current(store, names))
    run("stays", lambda: checks.open_stays(store, orphans))
    run("furthest", lambda: checks.furthest(store, names))
    run("last_activity", lambda: checks.last_activity(store))
    run("closed_at", lambda: checks.closed_at(store))
    change_log = read(ChangeLogStore(store.conn).change_log_size, (0, 0, 0))
    return Diagnosis(deals, events, problems, change_log=change_log)
