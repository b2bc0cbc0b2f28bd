"""`funnel changes` and `funnel undo`: every write is one change, and any
change still in effect can be reverted as a unit (an import too).

`funnel undo` reverts the newest change in effect; run again, it goes one
further back. `funnel undo N` reverts change N, unless a later change still in
effect touched the same rows (undo that first). An undo is a change too:
undoing it (`funnel undo U`) redoes what it undid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from funnelcli.errors import Conflict, Invalid, NotFound
from funnelcli.services import Context
from funnelcli.store.changelog import Change, ChangeLogStore

if TYPE_CHECKING:
    from funnelcli.store import Store


@dataclass
class UndoResult:
    reverted: Change  # the change undone (or the undo undone: a redo)
    change: Change  # the new change this undo is
    redo: bool
    original: Change | None = None  # for a redo: the change put back in effect


def list_changes(ctx: Context, limit: int | None = 20) -> list[Change]:
    if limit is not None and not 1 <= limit <= 2**62:
        raise Invalid(f"--limit must be a whole number from 1, not {limit}")
    with ctx.store.read():
        return ChangeLogStore(ctx.store.conn).changes(limit) if _tracked(ctx) else []


@dataclass
class PruneResult:
    before: int  # the notes of changes before this one were dropped
    pruned: int  # changes pruned now
    freed: int  # bytes of notes dropped
    file_before: int
    file_after: int
    vacuum_error: str | None
    what: str = "file"  # what file_* measure: the SQLite file, or a team's "database"


def prune(ctx: Context, before: str) -> PruneResult:
    """Drop the undo notes of every change before BEFORE (a change number, or
    a date: changes made before it). They stay listed, but can't be undone.
    Refused while it would part an undo from what it undid (a redo needs the
    undo's notes, and undoing again the original's). Then the file is
    compacted (VACUUM), after the prune has committed."""
    store = ctx.store
    log = ChangeLogStore(store.conn)
    text = before.strip().removeprefix("#")
    with store.write():
        if not _tracked(ctx):
            raise NotFound("nothing to prune: this database keeps no change log")
        if text.isascii() and text.isdigit():
            cut = int(text)
            newest = log.changes(limit=1)
            # Up to the one after the newest (before it: all of them); past that
            # it is a typo, which would take every change's notes too.
            if cut > (newest[0].id if newest else 0) + 1:
                last = f"the newest is #{newest[0].id}" if newest else "there are none yet"
                raise Invalid(f"--prune: no change #{text} ({last}; `funnel changes` lists them)")
        else:
            from funnelcli.clock import start_of_day, utc_text
            from funnelcli.services import parse_date

            when = parse_date(ctx, before, "--prune", "past")
            moment = when if isinstance(when, datetime) else start_of_day(when)
            if moment > ctx.now:  # a cut after now would take what was just done too
                raise Invalid(
                    f"--prune {before} is in the future; it drops the notes of changes "
                    "made before a past date"
                )
            cut = log.change_at_or_after(utc_text(moment))
        across = log.undo_across(cut)
        if across is not None:
            undo, target = across
            raise Conflict(
                f"can't prune before #{cut}: change #{undo} undoes #{target}, and pruning "
                f"#{target} alone would leave #{undo} unable to redo it; prune before "
                f"#{target} or after #{undo}"
            )
        _, _, size_before = log.change_log_size()
        file_before = log.file_size()
        count = log.prune_notes(cut, ctx.now_utc)
        _, _, size_after = log.change_log_size()
    error = log.vacuum() if count else None
    what = "database" if ctx.store.team else "file"
    return PruneResult(
        cut, count, size_before - size_after, file_before, log.file_size(), error, what
    )


def _tracked(ctx: Context) -> bool:
    return ctx.store.changes.tracked()


def undo(ctx: Context, ref: str | None = None) -> UndoResult:
    store = ctx.store
    log = ChangeLogStore(store.conn)
    with store.write():
        return _revert(store, log, _find(log, ref, _mine(store)))


@dataclass
class UndoPreview:
    """What `funnel undo` would do now (`--dry-run`): nothing of it is written."""

    target: Change  # the change it would revert (for a redo: the undo it would undo)
    redo: bool
    original: Change | None  # for a redo: the change it would put back in effect
    age_seconds: int  # how long ago `target` was made
    deals: list[tuple[int, str]]  # (number, title) of each deal it touched
    refused: str | None  # why a real undo would refuse it (None: it would revert it)


def undo_preview(ctx: Context, ref: str | None = None) -> UndoPreview:
    """`funnel undo --dry-run`: the real undo, run to its end in a transaction
    that is always rolled back, so every refusal (conflicts found before
    and after the revert, pruned notes, a removed stage) is the real one."""
    from datetime import datetime

    store = ctx.store
    log = ChangeLogStore(store.conn)
    with store.trial():
        change = _find(log, ref, _mine(store))
        deals = log.deals_touched(change.id)
        original = log.changes(change_id=change.undoes) if change.undoes else []
        try:
            _revert(store, log, change)
            refused = None
        except Conflict as exc:
            refused = exc.message
    age = datetime.fromisoformat(ctx.now_utc) - datetime.fromisoformat(change.at)
    return UndoPreview(
        change,
        redo=change.undoes is not None,
        original=original[0] if original else None,
        age_seconds=int(age.total_seconds()),
        deals=deals,
        refused=refused,
    )


def _mine(store: Store) -> str | None:
    """Whose changes a bare `funnel undo` takes back: on a team database the
    person's own (a teammate's newest is theirs to undo), on a file any."""
    return store.who() if store.team else None


def _find(log: ChangeLogStore, ref: str | None, who: str | None = None) -> Change:
    """The change `funnel undo [REF]` names: REF, or the newest in effect
    (made by `who`, when given)."""
    if ref is None:
        target = log.latest_effective_change(who)
        if target is None and who is not None and log.latest_effective_change() is not None:
            raise NotFound(
                f"nothing of yours to undo ({who}): no change of yours is in effect; "
                "`funnel changes` lists everyone's, `funnel undo N` takes back one"
            )
        if target is None:
            raise NotFound("nothing to undo: no change is in effect")
    else:
        text = ref.strip().removeprefix("#")
        if not (text.isascii() and text.isdigit()):
            raise Invalid(f"'{ref}' is not a change number (see `funnel changes`)")
        target = int(text)
        if target >= 2**63:
            raise NotFound(f"no change #{target} (see `funnel changes`)")
    found = log.changes(change_id=target)
    if not found:
        raise NotFound(f"no change #{target} (see `funnel changes`)")
    return found[0]


def _revert(store: Store, log: ChangeLogStore, change: Change) -> UndoResult:
    """Revert `change` inside the open write, or raise Conflict saying why not."""
    from funnelcli.schema import UNDO_TABLES

    target = change.id
    if change.pruned:
        raise Conflict(
            f"change #{target} can't be undone: its notes were pruned (`funnel changes --prune`)"
        )
    if change.undone_by is not None:
        raise Conflict(
            f"change #{target} is already undone (by #{change.undone_by}); "
            f"`funnel undo {change.undone_by}` redoes it"
        )
    _refuse_conflict(log, target, target)
    current = store.changes.current()
    assert current is not None
    log.revert_rows(target, log.table_columns(list(UNDO_TABLES)))
    if log.foreign_keys_broken():
        raise Conflict(
            f"can't undo change #{target}: later changes rely on what it made "
            "(deals or history in it); undo those first"
        )
    log.refresh_after_revert(current)
    stranded = log.deal_in_removed_stage(current)
    if stranded is not None:
        deal, stage = stranded
        raise Conflict(
            f"can't undo change #{target}: deal #{deal} would be back in "
            f"stage {stage}, removed since; undo that removal first (see `funnel changes`)"
        )
    # what the revert really touched, rows deleted by cascade (and derived
    # columns kept true) included
    _refuse_conflict(log, target, current)
    log.link_undo(current, target)
    store.changes.end(current, keep=True)
    new = log.changes(change_id=current)
    original = log.changes(change_id=change.undoes) if change.undoes else []
    return UndoResult(
        change,
        new[0] if new else change,
        redo=change.undoes is not None,
        original=original[0] if original else None,
    )


def _refuse_conflict(log: ChangeLogStore, target: int, rows_of: int) -> None:
    """Refuse (roll back) when a later change in effect touched what reverting
    `target` touches: undoing it, or redoing what it undid, would break what
    that later change built on."""
    later = log.conflicting_change(target, rows_of)
    if later is None:
        return
    what = log.undoes_of(later)
    if what is None:
        raise Conflict(
            f"change #{later} since then changed the same deals; undo it first "
            f"(`funnel undo {later}`)"
        )
    raise Conflict(
        f"change #{later} (the undo of #{what}) since then changed the same deals; "
        f"redo #{what} first (`funnel undo {later}`)"
    )
