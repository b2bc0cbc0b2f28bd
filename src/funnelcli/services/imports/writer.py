"""The writing side of `funnel import`: checked rows (Drafts) become deals with
their history, stays, tags, fields and touches in bulk, or update the deal a
row names again. All of it inside the import's one write transaction
(services/imports/__init__.py).

A big import is a bulk load (issue 14): once it has written at least
BULK_MIN new deals and at least as many as the database held before, the
triggers and secondary indexes of the tables it fills are dropped for the
rest of the load and built again at its end, by one sort each, from their
own SQL text (TransferStore.drop_for_load/load_done), all in the one
transaction: an error or a crash leaves the schema as it was. Rebuilding an
index reads every row, old ones too, so a few rows into a big database keep
the row-by-row path. The new deals are noted as id ranges either way, so
`funnel undo` of the import removes exactly them. A row that updates a deal
the database had puts everything back first (it needs the per-row undo
notes and the indexes), and the rest of the import stays row by row.
Either way a new deal's furthest stage is written with it, from the stays
it is written with (furthest()), not set by an UPDATE afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

from funnelcli.services import Context
from funnelcli.services.imports.model import Draft, Event
from funnelcli.store.transfer import INSERT_COLUMNS, LoadRows, TransferStore

BULK_MIN = 2000  # new deals written before an import drops and rebuilds (one batch)


class Writer:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.transfer = TransferStore(ctx.store.conn)
        # Rows that repeat one another are caught in _run; only deals that were
        # there before the import can be updated, so an empty database needs no lookup.
        self.deals_before = self.transfer.deal_count()
        self.had_deals = self.deals_before > 0
        self.inserted = 0
        self.dropped: list[tuple[str, str]] | None = None  # while a bulk load runs
        self.bulk_over = False  # put back for an update: row by row from then on

    def existing(self, draft: Draft) -> int | None:
        if not self.had_deals:
            return None
        found: int | None = self.transfer.existing_deal_id(
            draft.uuid, draft.values.get("external_id")
        )
        return found

    def insert(self, drafts: list[Draft]) -> None:
        next_id = self.transfer.next_deal_id()
        taken = [d.id for d in drafts if d.id is not None]
        # A file's own numbers are kept only past every number ever given (an
        # undo may bring back a deleted deal or touch under its number).
        if taken and (min(taken) < next_id or self.transfer.ids_taken(taken)):
            for d in drafts:
                d.id = None
            taken = []
        kept = [a[0] for d in drafts for a in d.activities if a[0] is not None]
        if kept and min(kept) < self.transfer.next_row_id("activities"):
            for d in drafts:
                d.activities = [(None, *a[1:]) for a in d.activities]
        used = set(taken)
        for d in drafts:
            if d.id is None:
                while next_id in used:
                    next_id += 1
                d.id = next_id
                next_id += 1
        ids = [d.id for d in drafts if d.id is not None]
        self.inserted += len(ids)
        self._bulk()
        columns = INSERT_COLUMNS[2:-1]
        held = [list(stays(d.events)) for d in drafts]
        places = self.transfer.stage_places()
        rows = LoadRows(
            deals=(
                [d.id, d.uuid, *map(d.values.get, columns), furthest(d, kept, places)]
                for d, kept in zip(drafts, held, strict=True)
            ),
            events=(
                (d.id, *(frm or (None, None)), *to, at, note, rec)
                for d in drafts
                for frm, to, at, note, rec in d.events
            ),
            stays=((d.id, *stay) for d, kept in zip(drafts, held, strict=True) for stay in kept),
            tags=((d.id, t) for d in drafts for t in d.tags),
            fields=((d.id, k, v) for d in drafts for k, v in d.fields.items()),
            activities=((a[0], d.id, *a[1:]) for d in drafts for a in d.activities),
        )
        self.transfer.bulk_insert(rows, id_range=(min(ids), max(ids)))

    def _bulk(self) -> None:
        """Start a bulk load once it pays (see the module's docstring)."""
        pays = self.inserted >= max(BULK_MIN, self.deals_before)
        if self.dropped is None and not self.bulk_over and pays:
            self.dropped = self.transfer.drop_for_load()

    def finish(self) -> None:
        """End a bulk load: the triggers and indexes back."""
        if self.dropped is not None:
            self.transfer.load_done(self.dropped)
            self.dropped = None

    def update(self, deal_id: int, draft: Draft) -> bool:
        """A deal the file names again: changed fields, new tags and fields, and the
        history that comes after what the deal already has. True if anything changed."""
        if self.dropped is not None:
            self.finish()
            self.bulk_over = True
        store = self.ctx.store
        deal = store.deals.get(deal_id)
        assert deal is not None
        changed = False
        keep = ("title", "org", "contact", "email", "phone", "value", "currency", "owner",
                "probability", "source", "lost_reason", "expected_close", "next_follow_up",
                "external_id", "snoozed_until", "snooze_reason")  # fmt: skip
        before = {
            "title": deal.title, "org": deal.org, "contact": deal.contact, "email": deal.email,
            "phone": deal.phone, "value": deal.value, "currency": deal.currency,
            "owner": deal.owner, "probability": deal.probability_override,
            "source": deal.source, "lost_reason": deal.lost_reason,
            "expected_close": deal.expected_close, "next_follow_up": deal.next_follow_up,
            "external_id": deal.external_id, "snoozed_until": deal.snoozed_until,
            "snooze_reason": deal.snooze_reason,
        }  # fmt: skip
        updates = {
            k: draft.values[k]
            for k in keep
            if draft.values.get(k) is not None and draft.values[k] != before[k]
        }
        new_tags = [t for t in draft.tags if t not in deal.tags]
        new_fields = {k: v for k, v in draft.fields.items() if deal.fields.get(k) != v}
        last = store.deals.last_event_at(deal_id) or ""
        state = (deal.stage_id, deal.status)
        final = (draft.values["stage_id"], draft.values["status"])
        appended = []
        for _frm, to, at, note, _rec in draft.events:
            if at > last and to != state:
                appended.append((state, to, at, note))
                state = to
        if state != final:
            at = max(self.ctx.now_utc, last)
            appended.append((state, final, at, "by import"))
        if updates or new_tags or new_fields or appended:
            changed = True
            for frm, to, at, note in appended:
                store.deals.append_event(
                    deal_id, from_stage=frm, to_stage=to, at=at, note=note,
                    recorded_at=self.ctx.now_utc,
                )  # fmt: skip
                moved = to[0] != frm[0]
                updates["stage_id"], updates["status"] = to
                updates["pipeline_id"] = self.transfer.stage_pipeline_id(to[0])
                if moved or (frm[1] != "open" and to[1] == "open"):
                    updates["stage_entered_at"] = at
                updates["closed_at"] = at if to[1] != "open" else None
            updates["updated_at"] = self.ctx.now_utc
            store.deals.update(deal_id, updates)
            store.deals.add_tags(deal_id, new_tags)
            store.deals.set_fields(deal_id, new_fields)
        for _id, kind, note, at, rec in draft.activities:
            if not self.transfer.activity_exists(deal_id, kind, at, note):
                store.deals.insert_activity(deal_id, kind, note, at, rec)
                changed = True
        return changed


def furthest(
    draft: Draft, held: list[tuple[int, str, str | None]], places: dict[int, tuple[int, int]]
) -> int | None:
    """schema.FURTHEST_STAGE of a new deal, from the stays it is written with:
    the live stage of its pipeline it stayed in with the highest (position, id)."""
    pipeline = draft.values["pipeline_id"]
    best: tuple[int, int] | None = None
    for stage, _entered, _left in held:
        place = places.get(stage)
        if (
            place is not None
            and place[0] == pipeline
            and (best is None or (place[1], stage) > best)
        ):
            best = (place[1], stage)
    return None if best is None else best[1]


def stays(events: list[Event]) -> Iterator[tuple[int, str, str | None]]:
    """(stage, entered, left) per stay, as DealStore.append_event keeps them."""
    open_stay: tuple[int, str] | None = None
    for frm, to, at, _note, _rec in events:
        was_open = frm is not None and frm[1] == "open"
        same_stage = frm is not None and frm[0] == to[0]
        now_open = to[1] == "open"
        if was_open and (not now_open or not same_stage) and open_stay is not None:
            yield open_stay[0], open_stay[1], at
            open_stay = None
        if now_open and not (was_open and same_stage):
            open_stay = (to[0], at)
    if open_stay is not None:
        yield open_stay[0], open_stay[1], None
