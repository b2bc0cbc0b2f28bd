"""Use-cases: rules and validation between the CLI and the store.

Services take `now` (a naive local datetime) through `Context`, raise the
exceptions in `funnelcli.errors`, return dataclasses and never print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime

from funnelcli.clock import start_of_day, utc_text
from funnelcli.config import Config
from funnelcli.errors import Invalid, NotFound
from funnelcli.models import Deal, Event, Handoff, Pipeline, Stage, stage_key
from funnelcli.store import Store

OUTCOMES = ("won", "lost")


class DealMatch:
    """A deal found by text in its title or org, not by number, external id
    or uuid: the CLI says which one it took."""

    def __init__(self, text: str, deal: Deal) -> None:
        self.text = text
        self.deal = deal


class Context:
    """What a service works with: the store, the run's clock (`now`, naive
    local time) and the config."""

    def __init__(
        self,
        store: Store,
        now: datetime,
        config: Config,
        on_text_match: Callable[[DealMatch], None] | None = None,
    ) -> None:
        self.store = store
        self.now = now
        self.config = config
        # told of each deal find_deal takes by text (services never print)
        self.on_text_match = on_text_match
        # what the person should know that is no error (a new owner that looks
        # like a typo): the CLI says each on stderr after the command's own line
        self.notes: list[str] = []
        # the changes that committed, for the hooks the CLI runs once the
        # command is done (cli/hooks.py): noted after the write, never inside it
        self.events: list[Event] = []

    def happened(self, name: str, deal: Deal, **extra: object) -> None:
        """Note that the last write committed event `name` about `deal` (the
        deal as it is now), with what the event adds (docs/json.md, hooks).
        A write nested in a larger one (the demo's) has committed nothing yet:
        not noted."""
        if self.store.conn.in_transaction:
            return
        saved = self.store.saved
        change = saved[-1] if saved else None
        self.events.append(Event(name, deal, change, self.store.who(), self.store.now_utc, extra))

    @property
    def now_utc(self) -> str:
        return utc_text(self.now)

    def reading(self) -> AbstractContextManager[None]:
        """One read snapshot, for a command that streams what it reads."""
        return self.store.read()


def parse_date(ctx: Context, text: str, option: str, direction: str = "future") -> date | datetime:
    """A date or time as typed for `option`. `direction` is where the option
    looks: "future" (a follow-up, snooze, expected close: `fri` is the next
    Friday) or "past" (`--at`, `--since`: `fri` is the last Friday, today
    included); see funnelcli.dates."""
    from funnelcli.dates import parse_when

    try:
        return parse_when(text, ctx.now, ctx.config.date_order, direction, ctx.config.workdays)
    except Invalid as exc:
        raise Invalid(f"{option}: {exc.message}") from None


def parse_past(ctx: Context, text: str | None, option: str = "--at") -> datetime:
    """When something happened: now, or a past moment. A bare date means the
    start of that day, except today, which means now."""
    if text is None:
        return ctx.now
    when = parse_date(ctx, text, option, "past")
    if isinstance(when, datetime):
        moment = when
    elif when == ctx.now.date():
        moment = ctx.now
    else:
        moment = start_of_day(when)
    if moment > ctx.now:
        raise Invalid(f"{option} {text} is in the future; history records what already happened")
    from funnelcli.clock import local_from_utc

    if local_from_utc(utc_text(moment)) != moment:
        raise Invalid(f"{option} {text}: that local time doesn't exist (clocks jumped forward)")
    return moment


def _match(items: list[tuple[str, object]], name: str) -> list[object]:
    """Exact match on the normalised name, else the items it is a prefix of."""
    key = stage_key(name)
    exact = [obj for k, obj in items if k == key]
    if exact or not key:
        return exact
    return [obj for k, obj in items if k.startswith(key)]


def resolve_pipeline(ctx: Context, name: str | None) -> Pipeline:
    wanted = name if name is not None else ctx.config.default_pipeline
    pipelines = ctx.store.pipelines.all()
    found = _match([(stage_key(p.name), p) for p in pipelines], wanted)
    if len(found) == 1:
        return found[0]  # type: ignore[return-value]
    names = ", ".join(p.name for p in pipelines) or "none"
    if not found:
        hint = (
            ""
            if name is not None
            else " (the default; change it with `funnel config set default_pipeline NAME`)"
        )
        from funnelcli.suggest import did_you_mean

        close = did_you_mean(wanted, (p.name for p in pipelines))
        raise NotFound(f"no pipeline '{wanted}'{hint}; {close}pipelines: {names}")
    raise Invalid(f"'{wanted}' matches several pipelines: {', '.join(p.name for p in found)}")  # type: ignore[attr-defined]


def resolve_stage(pipeline: Pipeline, name: str) -> Stage:
    # Before prefix matching: "won" must not pick a stage called "won over".
    if stage_key(name) in OUTCOMES:
        raise Invalid(f"'{name}' is an outcome, not a stage: use `funnel {stage_key(name)} DEAL`")
    found = _match([(stage_key(s.name), s) for s in pipeline.stages], name)
    if len(found) == 1:
        return found[0]  # type: ignore[return-value]
    if not found:
        from funnelcli.suggest import did_you_mean

        stages = ", ".join(s.name for s in pipeline.stages)
        close = did_you_mean(name, (s.name for s in pipeline.stages))
        raise NotFound(f"no stage '{name}' in pipeline {pipeline.name} ({close}stages: {stages})")
    raise Invalid(
        f"'{name}' matches several stages of {pipeline.name}: " + ", ".join(s.name for s in found)  # type: ignore[attr-defined]
    )


def find_deal(ctx: Context, ref: str, narrow: tuple[str, ...] = ()) -> Deal:
    """A deal by number (`12` or `#12`), external id or uuid; failing those,
    the one deal whose title or org holds `ref` (case-folded as `list
    --search` folds), which `ctx.on_text_match` is told of. A number never
    falls back to text: a mistyped number must not pick a deal by its title.
    Of several text matches, the one whose title or org is `ref` whole is
    that deal, else the one whose status is in `narrow` (what the command
    can act on: `won` narrows to open deals, `reopen` to closed ones)."""
    text = ref.strip()
    if text.startswith("#") and text[1:].isascii() and text[1:].isdigit():
        deal, _ = ctx.store.deals.by_ref(text[1:], number_only=True)
    else:
        by_number, by_other = ctx.store.deals.by_ref(text)
        if by_number is not None and by_other is not None and by_number.id != by_other.id:
            raise Invalid(
                f"'{text}' is deal #{by_number.id} and also the external id of deal "
                f"#{by_other.id}: write #{by_number.id} for the first, or the other's uuid"
            )
        deal = by_number if by_number is not None else by_other
    if deal is None and text and not text.removeprefix("#").isdigit():
        deal = _deal_by_text(ctx, text, narrow)
    if deal is None:
        raise NotFound(f"no deal '{ref}' (number, external id, uuid, or part of title/org)")
    return deal


SHOWN_MATCHES = 10  # an ambiguous text names this many of the deals it matches


def _deal_by_text(ctx: Context, text: str, narrow: tuple[str, ...]) -> Deal | None:
    """The one deal whose title or org holds `text` (or, of several, the one
    that is `text` whole, else the one `narrow` leaves); None when none does;
    Invalid, naming them, when several do."""
    hits, total = ctx.store.deals.by_text(text, SHOWN_MATCHES)
    if not hits:
        return None
    if total > 1:  # all of them, to look for the one meant
        every = hits if total <= len(hits) else ctx.store.deals.by_text(text, total)[0]
        q = text.casefold()
        whole = [h for h in every if q in (h[1].casefold(), (h[2] or "").casefold())]
        narrowed = [h for h in every if h[3] in narrow]
        one = whole if len(whole) == 1 else narrowed
        if len(one) == 1:
            hits, total = one, 1
    if total == 1:
        deal = ctx.store.deals.get(hits[0][0])
        if deal is not None and ctx.on_text_match is not None:
            ctx.on_text_match(DealMatch(text, deal))
        return deal
    named = ", ".join(_named(*hit) for hit in hits)
    more = f" and {total - len(hits)} more" if total > len(hits) else ""
    raise Invalid(f"'{text}' matches {total} deals: {named}{more}; give its number")


def _named(id_: int, title: str, org: str | None, status: str) -> str:
    """`#4 Acme pilot (Acme, lost)`: number, title, org, and a closed deal's status."""
    extra = [x for x in (org, None if status == "open" else status) if x]
    return f"#{id_} {title}" + (f" ({', '.join(extra)})" if extra else "")


Owners = str | Sequence[str] | None  # `--owner`, repeatable: any of them


def owner_names(owner: Owners) -> tuple[str, ...]:
    """`--owner` as given (repeatable: any of them); one name or none too."""
    if owner is None:
        return ()
    return (owner,) if isinstance(owner, str) else tuple(owner)


def check_filter(ctx: Context, field: str, values: Sequence[str]) -> None:
    """Refuse a filter naming an owner, tag or source no deal has (owner and
    source: case ignored; tag: exact), suggesting the closest known ones: an
    empty list must mean there are no such deals, never a typo, and a prefix
    is never taken for a longer name. Call inside a read transaction."""
    if not values:
        return
    from funnelcli.store.filters import FilterValues

    found = FilterValues(ctx.store.conn)
    missing = found.missing(field, values)
    if missing:
        from funnelcli.suggest import did_you_mean, listed

        known = found.known(field)
        raise NotFound(
            f"no deal has {field} '{missing[0]}' "
            f"({did_you_mean(missing[0], known)}{field}s: {listed(known)})"
        )


def note_handoff(ctx: Context, deal: Deal, handoff: Handoff) -> None:
    """The hand-off a committed move made, for the `on-handoff` hook: call it
    after the move's write, after the move's own event (on-move runs first)."""
    ctx.happened(
        "handoff",
        deal,
        from_owner=handoff.from_owner,
        to_owner=handoff.to_owner,
        from_stage=handoff.from_stage,
        to_stage=handoff.to_stage,
        by=handoff.by,
    )
