"""Realistic demo deals, made through the same services a seller uses.

Deterministic for a given `now`, so the demo reads the same every time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from funnelcli.clock import FIRST_DAY, LAST_DAY
from funnelcli.errors import Invalid
from funnelcli.services import Context
from funnelcli.services.deal_edit import add_deal
from funnelcli.services.deal_input import DealChanges
from funnelcli.services.deals import close_deal, move_deal
from funnelcli.services.touches import log_activity, set_follow_up

ORGS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Foods",
    "Kowalski i Syn",
    "Nowak Meble",
    "Petrenko Agro",
    "Shevchenko IT",
    "Hooli",
    "Vandelay Imports",
    "Soylent Bakery",
    "Cyberdyne Robotics",
    "Tyrell Optics",
    "Zielony Ogród",
    "Dnipro Steel",
    "Massive Dynamic",
    "Oceanic Air",
    "Wonka Sweets",
    "Bluth Homes",
    "Pied Piper",
    "Gringotts Finance",
    "Monarch Studio",
    "Lviv Coffee Roasters",
    "Krakow Print House",
]
PRODUCTS = [
    "renewal",
    "pilot",
    "expansion",
    "annual plan",
    "onboarding",
    "support upgrade",
    "new site",
    "integration",
]
OWNERS = ["me", "anna", "piotr"]
# The conveyor: a second seller owns a later stage, so deals moved into it are
# handed to her (`funnel inbox --owner anna`). Setting it draws nothing from
# the generators: the deals, their stages, values and dates are as before;
# only the owner of those that reached it changes.
HANDOFF_STAGE, HANDOFF_OWNER = "proposal", "anna"
SOURCES = ["website", "referral", "cold call", "event", "linkedin"]
REASONS = [
    "went with a competitor",
    "no budget this year",
    "no decision",
    "price too high",
    "timing: revisit next quarter",
]
NOTES = [
    "asked for a case study",
    "wants a discount for 2 years",
    "decision maker is the CFO",
    "intro from an existing customer",
    "compare with the current vendor",
]


# Dates the demo makes lie within this many days of now (created up to 128
# days back, expected closes up to 120 ahead, touches after them).
_SPAN_DAYS = 140


def build_demo(ctx: Context, deals: int = 48, seed: int = 7) -> int:
    """Add `deals` deals spread over the last 120 days, in one transaction
    (each use-case nests as a savepoint); returns how many."""
    span = timedelta(days=_SPAN_DAYS)
    if ctx.now.date() - FIRST_DAY < span or LAST_DAY - ctx.now.date() < span:
        raise Invalid(
            f"the demo's deals spread {_SPAN_DAYS} days either side of now "
            f"({ctx.now.date().isoformat()}), past the dates funnelcli keeps "
            f"({FIRST_DAY} to {LAST_DAY}): set FUNNEL_NOW nearer today"
        )
    with ctx.store.write():
        return _build(ctx, deals, seed)


def _build(ctx: Context, deals: int, seed: int) -> int:
    rng = random.Random(seed)
    # Touches along the way come from their own generator, so adding them left
    # the deals (and the README's examples of them) as they were.
    touches = random.Random(seed + 1)
    pipeline = ctx.store.pipelines.all()[0]
    stages = [s.name for s in pipeline.stages]
    for stage in pipeline.stages:
        if stage.name == HANDOFF_STAGE:
            ctx.store.pipelines.set_stage_owner(stage.id, HANDOFF_OWNER)
    now = ctx.now
    # The demo is one change, recorded as made by whoever runs it; inside it
    # each deal is moved by its owner, so a hand-off names them as who
    # handed it over (not the login name of the machine the demo ran on).
    runner = ctx.store.change_who
    try:
        _deals(ctx, deals, rng, touches, stages, now)
    finally:
        ctx.store.change_who = runner
    return deals


def _deals(
    ctx: Context,
    deals: int,
    rng: random.Random,
    touches: random.Random,
    stages: list[str],
    now: datetime,
) -> None:
    for i in range(deals):
        org = ORGS[i % len(ORGS)]
        created = now - timedelta(days=rng.randint(3, 120), hours=rng.randint(0, 8))
        value = rng.choice([900, 1500, 2400, 3100, 4800, 7200, 12000, 18500, 25000])
        follow = rng.choice(["today", "tomorrow", "+2d", "+3d", "fri", "+1w", "-"])
        ch = DealChanges(
            org=org,
            value=str(value),
            owner=rng.choice(OWNERS),
            source=rng.choice(SOURCES),
            contact=rng.choice(["Anna", "Oleh", "Marta", "John", "Iryna", "Tomasz"]),
            tags=rng.sample(["smb", "enterprise", "priority", "partner"], k=rng.randint(0, 2)),
            expected_close=(now + timedelta(days=rng.randint(5, 120))).date().isoformat(),
            note=rng.choice(NOTES) if rng.random() < 0.5 else None,
        )
        deal = add_deal(ctx, f"{org} {rng.choice(PRODUCTS)}", ch, created.isoformat())
        ctx.store.change_who = ch.owner
        # Walk it forward: each later stage reached with falling odds.
        moment = created
        depth = 0
        while depth + 1 < len(stages) and rng.random() < 0.68:
            step = timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 6))
            if moment + step >= now:
                break
            moment += step
            depth += 1
            if touches.random() < 0.75:  # the call or meeting that moved it on
                when = moment - timedelta(hours=touches.randint(1, 20))
                kind = touches.choice(["call", "meeting", "email", "demo"])
                note = touches.choice(NOTES)
                log_activity(ctx, str(deal.id), kind, note, at=when.isoformat(), no_next=True)
            move_deal(ctx, str(deal.id), stages[depth], moment.isoformat())
        fate = rng.random()
        close_at = moment + timedelta(days=rng.randint(1, 10))
        if close_at < now and fate < 0.22 + 0.08 * depth:
            if rng.random() < 0.2 + 0.13 * depth:
                close_deal(ctx, str(deal.id), "won", at=close_at.isoformat())
            else:
                close_deal(
                    ctx, str(deal.id), "lost", at=close_at.isoformat(), reason=rng.choice(REASONS)
                )
        elif rng.random() < 0.7:
            # A touch in the last week or so; the next follow-up comes from the
            # stage's cadence, so a few are overdue, as in life.
            recent = now - timedelta(days=rng.randint(0, 9), hours=rng.randint(1, 5))
            touch = max(recent, moment + timedelta(hours=1))
            if touch < now:
                kind = rng.choice(["call", "email", "meeting", "email", "call"])
                log_activity(ctx, str(deal.id), kind, rng.choice(NOTES), at=touch.isoformat())
        elif follow != "-":
            set_follow_up(ctx, str(deal.id), follow)
