"""`funnel changes` and `funnel undo`: every write is one change, and any
change still in effect can be reverted as a unit (an import too).

`funnel undo` reverts the newest change in effect; run again, it goes one
further back. `funnel undo N` reverts change N, unless a later change still in
effect touched the same rows (undo that first). An undo is a change too:
undoing it (`funnel undo U`) redoes what it undid.
"""

from __future__ import annotations

from dataclasses import dataclass

from funnelcli.errors import Conflict, Invalid, NotFound
from funnelcli.services import Context
from funnelcli.store.changelog import Change


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
        return ctx.store.changes(limit) if _tracked(ctx) else []


def _tracked(ctx: Context) -> bool:
    return ctx.store.tracks_changes()


def undo(ctx: Context, ref: str | None = None) -> UndoResult:
    from funnelcli.migrations import UNDO_TABLES

    store = ctx.store
    with store.write():
        if ref is None:
            target = store.latest_effective_change()
            if target is None:
                raise NotFound("nothing to undo: no change is in effect")
        else:
            text = ref.strip().removeprefix("#")
            if not (text.isascii() and text.isdigit()):
                raise Invalid(f"'{ref}' is not a change number (see `funnel changes`)")
            target = int(text)
            if target >= 2**63:
                raise NotFound(f"no change #{target} (see `funnel changes`)")
        found = store.changes(change_id=target)
        if not found:
            raise NotFound(f"no change #{target} (see `funnel changes`)")
        change = found[0]
        if change.undone_by is not None:
            raise Conflict(
                f"change #{target} is already undone (by #{change.undone_by}); "
                f"`funnel undo {change.undone_by}` redoes it"
            )
        later = store.conflicting_change(target)
        if later is not None:
            raise Conflict(
                f"change #{later} since then changed the same deals; undo it first "
                f"(`funnel undo {later}`)"
            )
        current = store.current_change_id()
        assert current is not None
        store.revert_rows(target, store.table_columns(list(UNDO_TABLES)))
        broken = store.conn.execute("PRAGMA foreign_key_check").fetchone()
        if broken is not None:
            raise Conflict(
                f"can't undo change #{target}: later changes rely on what it made "
                "(deals or history in it); undo those first"
            )
        store.link_undo(current, target)
        store.end_change(current)
        new = store.changes(change_id=current)
        original = store.changes(change_id=change.undoes) if change.undoes else []
    return UndoResult(
        change,
        new[0] if new else change,
        redo=change.undoes is not None,
        original=original[0] if original else None,
    )
