"""Make a funnelcli database of N deals with realistic history, fast.

    python benchmarks/generate.py [--deals 100000] [--out benchmarks/data/bench.db]

The schema comes from funnelcli itself (`Store.open(..., for_write=True)`
migrates and seeds the default pipeline); the rows are then bulk-inserted
with plain sqlite3 `executemany` in one transaction. Everything is seeded
(`--seed`), so the same arguments give the same database.

Each deal gets 1-5 stage events (created in a stage, then moves forward,
sometimes skipping or going back, and for about a third a close as won or
lost), the `stage_stays` those events imply, and the deal row consistent
with its last event. About 30 % have tags, 20 % custom fields, 10 % a few
activities, 20 % an external id. Times are UTC text, all before `--now`.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data" / "bench.db"
DEFAULT_NOW = "2026-11-23T09:00:00"  # naive, read as UTC (run.py sets TZ=UTC)

ORGS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Vandelay",
    "Pied Piper",
    "Aperture",
    "Massive Dynamic",
    "Oscorp",
    "Gringotts",
    "Monsters Inc",
    "Dunder Mifflin",
    "Prestige Worldwide",
    "Nakatomi",
    "Virtucon",
    "Bluth Co",
    "Sterling Cooper",
    "Los Pollos",
    "Krusty Krab",
]
PRODUCTS = [
    "renewal",
    "expansion",
    "pilot",
    "onboarding",
    "license",
    "support plan",
    "migration",
    "training",
    "upgrade",
    "new seats",
]
FIRST = [
    "Ana",
    "Ben",
    "Chloé",
    "Dmitri",
    "Eva",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kasia",
    "Liam",
    "Maya",
    "Noor",
    "Olek",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tomás",
]
LAST = [
    "Kowalski",
    "Smith",
    "Nguyen",
    "Garcia",
    "Müller",
    "Rossi",
    "Silva",
    "Kim",
    "Novak",
    "Haddad",
    "Okafor",
    "Larsen",
    "Dubois",
    "Ito",
    "Costa",
]
OWNERS = ["me", "ana", "ben", "kasia", "liam"]
SOURCES = ["web", "referral", "event", "cold call", "partner", "inbound email"]
TAGS = ["priority", "smb", "enterprise", "inbound", "outbound", "renewal", "q4", "partner"]
LOST_REASONS = [
    "price",
    "went with a competitor",
    "no budget",
    "no decision",
    "timing",
    "missing feature",
]
MOVE_NOTES = [
    "demo booked",
    "call went well",
    "sent the deck",
    "waiting on legal",
    "champion changed",
    "asked for a discount",
]
ACTIVITY_KINDS = ["note", "call", "email", "meeting"]
FIELDS = {
    "segment": ["smb", "mid-market", "enterprise"],
    "region": ["emea", "na", "apac", "latam"],
    "industry": ["saas", "retail", "manufacturing", "finance", "health"],
}

DEAL_COLS = [
    "id",
    "uuid",
    "external_id",
    "title",
    "org",
    "contact",
    "email",
    "phone",
    "value",
    "currency",
    "owner",
    "pipeline_id",
    "stage_id",
    "status",
    "probability",
    "source",
    "lost_reason",
    "expected_close",
    "next_follow_up",
    "stage_entered_at",
    "created_at",
    "updated_at",
    "closed_at",
]


_DAYS: dict[int, str] = {}


def day(ts: int) -> str:
    """Seconds since the epoch -> 'YYYY-MM-DD' (UTC), cached: strftime is slow."""
    n = ts // 86400
    text = _DAYS.get(n)
    if text is None:
        text = _DAYS[n] = time.strftime("%Y-%m-%d", time.gmtime(n * 86400))
    return text


def utc(ts: int) -> str:
    """Seconds since the epoch -> 'YYYY-MM-DDTHH:MM:SSZ'."""
    h, rest = divmod(ts % 86400, 3600)
    return f"{day(ts)}T{h:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def generate(path: Path, deals: int, now_text: str, seed: int) -> dict[str, int]:
    # Imported here so `--help` works without the venv's funnelcli.
    from funnelcli.store import Store

    rng = random.Random(seed)
    now = datetime.fromisoformat(now_text)
    now_ts = int(now.replace(tzinfo=UTC).timestamp())

    store = Store.open(path, for_write=True, now=now)  # migrates, seeds "sales"
    with store.write():
        from funnelcli.templates import TEMPLATES

        store.create_pipeline("renewals", TEMPLATES["simple"][1], now)
    conn = store.conn
    pipelines = []  # (pipeline id, [(stage id)], weight)
    for p in store.pipelines():
        pipelines.append((p.id, [s.id for s in p.stages]))
    existing = conn.execute("SELECT count(*) FROM deals").fetchone()[0]
    if existing:
        raise SystemExit(f"{path} already has {existing} deals; give a new --out")

    deal_rows: list[tuple] = []
    event_rows: list[tuple] = []
    stay_rows: list[tuple] = []
    tag_rows: list[tuple] = []
    field_rows: list[tuple] = []
    activity_rows: list[tuple] = []

    started = time.perf_counter()
    rand = rng.random
    randint = rng.randint
    choice = rng.choice
    two_years = 730 * 86400
    for deal_id in range(1, deals + 1):
        pipeline_id, stages = pipelines[0] if rand() < 0.92 else pipelines[1]
        last = len(stages) - 1
        created = now_ts - randint(3600, two_years)
        n_events = choice((1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5))
        closes = n_events >= 2 and rand() < 0.4
        outcome = ("won" if rand() < 0.4 else "lost") if closes else None
        # Event times: sorted points between creation and a minute before now.
        span = now_ts - 60 - created
        times = sorted(created + randint(1, span) for _ in range(n_events - 1))
        times.insert(0, created)

        stamps = [utc(t) for t in times]
        pos = 0 if rand() < 0.8 else randint(0, min(2, last))
        event_rows.append((deal_id, None, None, stages[pos], "open", stamps[0], None, stamps[0]))
        entered = stamps[0]
        moves = n_events - 1 - (1 if closes else 0)
        for i in range(1, 1 + moves):
            r = rand()
            step = 1 if r < 0.75 else (2 if r < 0.85 else -1)
            new = min(max(pos + step, 0), last)
            if new == pos:
                new = pos - 1 if pos > 0 else pos + 1
            at = stamps[i]
            stay_rows.append((deal_id, stages[pos], entered, at))
            note = choice(MOVE_NOTES) if rand() < 0.15 else None
            event_rows.append((deal_id, stages[pos], "open", stages[new], "open", at, note, at))
            pos, entered = new, at
        closed_at = lost_reason = None
        status = "open"
        if closes:
            at = stamps[-1]
            stay_rows.append((deal_id, stages[pos], entered, at))
            lost_reason = choice(LOST_REASONS) if outcome == "lost" else None
            event_rows.append(
                (deal_id, stages[pos], "open", stages[pos], outcome, at, lost_reason, at)
            )
            closed_at, status = at, outcome
        else:
            stay_rows.append((deal_id, stages[pos], entered, None))

        org = choice(ORGS)
        first, surname = choice(FIRST), choice(LAST)
        value = None
        if rand() < 0.85:
            value = randint(5, 2000) * 10000 if rand() < 0.7 else randint(50000, 50000000)
        currency = "USD" if (r := rand()) < 0.8 else ("EUR" if r < 0.95 else "GBP")
        next_follow_up = None
        if status == "open" and rand() < 0.6:
            due = now_ts + randint(-10, 30) * 86400
            next_follow_up = day(due) if rand() < 0.8 else day(due) + f"T{randint(8, 17):02d}:00"
        deal_rows.append(
            (
                deal_id,
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                f"CRM-{deal_id:07d}" if rand() < 0.2 else None,
                f"{org} {choice(PRODUCTS)}",
                org,
                f"{first} {surname}" if rand() < 0.8 else None,
                f"{first.lower()}@{org.lower().replace(' ', '')}.example" if rand() < 0.6 else None,
                f"+1 555 {randint(0, 9999):04d}" if rand() < 0.3 else None,
                value,
                currency,
                choice(OWNERS),
                pipeline_id,
                stages[pos],
                status,
                randint(0, 100) if rand() < 0.05 else None,
                choice(SOURCES) if rand() < 0.5 else None,
                lost_reason,
                day(now_ts + randint(-60, 120) * 86400) if rand() < 0.4 else None,
                next_follow_up,
                entered,
                stamps[0],
                stamps[-1],
                closed_at,
            )
        )
        if rand() < 0.3:
            for tag in rng.sample(TAGS, randint(1, 3)):
                tag_rows.append((deal_id, tag))
        if rand() < 0.2:
            for key in rng.sample(sorted(FIELDS), randint(1, 2)):
                field_rows.append((deal_id, key, choice(FIELDS[key])))
        if rand() < 0.1:
            for _ in range(randint(1, 3)):
                at = utc(randint(created, now_ts - 60))
                activity_rows.append(
                    (
                        deal_id,
                        choice(ACTIVITY_KINDS),
                        f"talked to {first} about {choice(PRODUCTS)}",
                        at,
                        at,
                    )
                )

    # A bulk load of rows consistent by construction: no per-row foreign-key
    # lookups, no fsync, and a page cache big enough for the random uuid index.
    built = time.perf_counter()
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("BEGIN IMMEDIATE")
    try:
        marks = ", ".join("?" * len(DEAL_COLS))
        conn.executemany(f"INSERT INTO deals ({', '.join(DEAL_COLS)}) VALUES ({marks})", deal_rows)
        conn.executemany(
            "INSERT INTO stage_events (deal_id, from_stage_id, from_status, to_stage_id, "
            "to_status, at, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            event_rows,
        )
        conn.executemany(
            "INSERT INTO stage_stays (deal_id, stage_id, entered_at, left_at) VALUES (?, ?, ?, ?)",
            stay_rows,
        )
        conn.executemany("INSERT INTO deal_tags (deal_id, tag) VALUES (?, ?)", tag_rows)
        conn.executemany(
            "INSERT INTO deal_fields (deal_id, key, value) VALUES (?, ?, ?)", field_rows
        )
        conn.executemany(
            "INSERT INTO activities (deal_id, kind, note, at, recorded_at) VALUES (?, ?, ?, ?, ?)",
            activity_rows,
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    store.close()
    print(
        f"rows built in {built - started:.1f} s, inserted in {time.perf_counter() - built:.1f} s",
        file=sys.stderr,
    )
    return {
        "deals": len(deal_rows),
        "stage_events": len(event_rows),
        "stage_stays": len(stay_rows),
        "deal_tags": len(tag_rows),
        "deal_fields": len(field_rows),
        "activities": len(activity_rows),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deals", type=int, default=100_000, help="how many deals (100000)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"database file ({DEFAULT_OUT})")
    ap.add_argument("--now", default=DEFAULT_NOW, help=f"the clock, naive ISO ({DEFAULT_NOW})")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = ap.parse_args(argv)
    if args.out.exists():
        if not args.force:
            print(f"{args.out} exists (use --force to replace it)", file=sys.stderr)
            return 1
        args.out.unlink()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TZ", "UTC")
    time.tzset()
    started = time.perf_counter()
    counts = generate(args.out, args.deals, args.now, args.seed)
    took = time.perf_counter() - started
    size = args.out.stat().st_size / 1e6
    print(
        f"{args.out}: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f"; {size:.0f} MB in {took:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
