"""`funnel inbox`: the deals handed to someone (a move into a stage they
own) since they last looked; and the mark `funnel due` puts on those deals.

"Since they last looked": `inbox` marks what it lists as seen (the newest
hand-off id shown, per receiver, in `inbox_seen`), unless `--peek`; `--all`
lists every hand-off to them, seen or not. Marking is a change like any
write (`funnel undo` brings the hand-offs back as new), and it touches no
deal, so it never stands in the way of undoing the move that handed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from funnelcli.errors import Invalid, NotFound
from funnelcli.services import Context
from funnelcli.store.filters import fold
from funnelcli.store.handoffs import HandoffStore


@dataclass
class InboxItem:
    """A hand-off with its deal as it is now."""

    id: int  # the hand-off's own number, in the order they were made
    deal_id: int
    title: str
    org: str | None
    value: int | None  # minor units
    currency: str
    pipeline: str
    from_stage: str | None  # None: handed over as it was added
    to_stage: str
    from_owner: str
    to_owner: str
    by: str
    at: str  # when it entered the stage (UTC text)
    seen: bool  # listed by an earlier `inbox` (only with --all)
    stage: str  # where the deal is now
    status: str
    owner: str  # whose it is now


def _item(row: Sequence[Any]) -> InboxItem:
    (hid, deal, title, org, value, currency, pipeline, from_stage, to_stage, *rest) = row
    from_owner, to_owner, by, at, seen, stage, status, owner = rest
    return InboxItem(
        int(hid), int(deal), title, org, value, currency, pipeline, from_stage, to_stage,
        from_owner, to_owner, by, at, bool(seen), stage, status, owner,
    )  # fmt: skip


def receiver(ctx: Context, owner: str | None) -> str:
    """Whose inbox: --owner, else the person running it (config `user`,
    FUNNEL_USER, else the login name)."""
    name = (owner if owner is not None else ctx.config.user).strip(" \t")
    if not name:
        raise Invalid("--owner can't be empty")
    return name


def inbox(
    ctx: Context, owner: str | None = None, *, peek: bool = False, everything: bool = False
) -> list[InboxItem]:
    """The hand-offs to `owner` not yet looked at (all of them with
    `everything`), oldest first; marked as seen unless `peek`."""
    name = receiver(ctx, owner)
    store = HandoffStore(ctx.store.conn)
    with ctx.store.read() if peek else ctx.store.write():
        items = [_item(row) for row in store.inbox(name, everything=everything)]
        if items and not peek:
            store.mark_seen(name, max(i.id for i in items))
        if not items and owner is not None:
            _known(store, name)
    return items


def _known(store: HandoffStore, name: str) -> None:
    """An empty inbox for --owner: refused when nobody of that name owns a
    stage or was ever handed a deal (a typo, most likely); a stage owner with
    nothing yet has an empty inbox, as a cron job for them expects."""
    known = store.receivers()
    if fold(name) in (fold(k) for k in known):
        return
    from funnelcli.suggest import did_you_mean, listed

    if not known:
        raise NotFound(
            f"no stage is owned by '{name}' (no stage has an owner: "
            "funnel stage set STAGE --owner NAME)"
        )
    raise NotFound(
        f"no stage is owned by '{name}' ({did_you_mean(name, known)}owners: {listed(known)})"
    )
