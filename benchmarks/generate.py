"""Make a funnelcli database of N deals with realistic history, fast.

    python benchmarks/generate.py [--deals 100000] [--out PATH]
    python benchmarks/generate.py --deals 125000 --open-share 0.8 --touches 1000000 --due 200
    python benchmarks/generate.py --deals 1000000 --events-per-deal 5

The schema comes from funnelcli itself (`Store.open(..., for_write=True)`
migrates and seeds the default pipeline); the rows are then bulk-inserted
with plain sqlite3 `executemany`, in chunks, all in one transaction.
Everything is seeded (`--seed`), so the same arguments give the same
database. Without `--out` the file is cached under benchmarks/data/ with a
name made of the arguments, the schema version and GENERATOR_VERSION
(`cached()`), and reused when it exists.

Each deal gets 1-5 stage events (2.7 on average; `--events-per-deal F`:
1 to 2F-1, F on average), created in a stage, then moves forward,
sometimes skipping or going back, and for some a close as won or lost; the
`stage_stays` those events imply (with their length in days), and the deal
row consistent with its last event, its furthest stage and its last
activity. About 30 % have tags, 20 % custom fields, 20 % an external id.
Times are UTC text, all before `--now`.

By default about a third of the deals end closed, 10 % have 1-3 activities
and 60 % of open deals a follow-up from 10 days ago to 30 days ahead.
`--open-share`, `--touches` and `--due` make those exact, for `funnel due`:
`--open-share F` closes exactly round(N * (1 - F)) deals; `--touches T`
spreads exactly T activities over all deals at random; `--due K` gives
exactly K open deals a follow-up overdue (up to 30 days) or today,
`--unscheduled U` (50) open deals none, `--snoozed S` (20) open deals a
snooze into the future with their wake-up day as the follow-up (as `funnel
snooze` sets it since schema 7), and every other open deal a follow-up
30-90 days ahead: the due list then has K + U deals whatever N is. A deal's
last_activity_at is its last touch, an activity other than a note.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import sys
import time
import uuid
from array import array
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from floor_sql import DEAL_COLUMNS

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEFAULT_NOW = "2026-11-23T09:00:00"  # naive, read as UTC (run.py sets TZ=UTC)
# Bump when the rows a given set of options produces change: cached files
# carry it in their name, so an old file is not reused by mistake.
GENERATOR_VERSION = 3  # 3: no note is a touch, a snoozed deal due when it wakes (m007)
CHUNK = 25_000  # deals built and inserted at a time (bounds memory at 1M deals)

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
ACTIVITY_KINDS = ["note", "call", "email", "meeting"]  # note first: build() counts on it
FIELDS = {
    "segment": ["smb", "mid-market", "enterprise"],
    "region": ["emea", "na", "apac", "latam"],
    "industry": ["saas", "retail", "manufacturing", "finance", "health"],
}

SNOOZE_REASONS = ["budget opens in January", "waiting on legal", "champion on leave", "re-org"]


@dataclass(frozen=True)
class Spec:
    """What a generated database holds; its file name under data/ is `name()`."""

    deals: int = 100_000
    open_share: float | None = None  # None: about 2/3 open, at random
    touches: int | None = None  # None: 10 % of deals have 1-3
    due: int | None = None  # None: follow-ups spread over -10..+30 days
    unscheduled: int = 50  # with due: open deals with no follow-up
    snoozed: int = 20  # with due: overdue but snoozed into the future
    seed: int = 1
    now: str = DEFAULT_NOW
    events: float | None = None  # None: 1-5 stage events a deal, 2.7 on average

    def name(self) -> str:
        from funnelcli.schema import SCHEMA_VERSION

        parts = [f"d{self.deals}"]
        if self.open_share is not None:
            parts.append(f"open{self.open_share:g}")
        if self.touches is not None:
            parts.append(f"t{self.touches}")
        if self.due is not None:
            parts.append(f"due{self.due}u{self.unscheduled}z{self.snoozed}")
        if self.events is not None:
            parts.append(f"e{self.events:g}")
        if self.seed != 1:
            parts.append(f"seed{self.seed}")
        if self.now != DEFAULT_NOW:
            parts.append("now" + self.now.replace(":", "").replace("-", ""))
        parts.append(f"v{SCHEMA_VERSION}.{GENERATOR_VERSION}")
        return "-".join(parts) + ".db"

    def argv(self) -> list[str]:
        """generate.py's arguments for this spec."""
        out = ["--deals", str(self.deals), "--seed", str(self.seed), "--now", self.now]
        if self.open_share is not None:
            out += ["--open-share", repr(self.open_share)]
        if self.touches is not None:
            out += ["--touches", str(self.touches)]
        if self.due is not None:
            out += ["--due", str(self.due), "--unscheduled", str(self.unscheduled)]
            out += ["--snoozed", str(self.snoozed)]
        if self.events is not None:
            out += ["--events-per-deal", f"{self.events:g}"]
        return out

    def check(self) -> None:
        if self.deals < 1:
            raise ValueError("--deals must be at least 1")
        if self.open_share is not None and not 0 <= self.open_share <= 1:
            raise ValueError("--open-share is a fraction from 0 to 1")
        if self.events is not None and (self.events < 1 or (2 * self.events) % 1):
            raise ValueError("--events-per-deal is a whole or half number, at least 1")
        if self.touches is not None and self.touches < 0:
            raise ValueError("--touches can't be negative")
        if self.due is not None:
            if self.open_share is None:
                raise ValueError("--due needs --open-share (which deals are open is fixed first)")
            wanted = self.due + self.unscheduled + self.snoozed
            if min(self.due, self.unscheduled, self.snoozed) < 0:
                raise ValueError("--due, --unscheduled and --snoozed can't be negative")
            if wanted > round(self.deals * self.open_share):
                raise ValueError(f"{wanted} due/unscheduled/snoozed deals > the open deals")


def cached(spec: Spec, data_dir: Path = DATA) -> Path:
    """The database for `spec` under `data_dir`, generated first if it isn't there."""
    path = data_dir / spec.name()
    if not path.exists():
        # In a child process: the generator holds ~1.5 GB at 1M deals, and on
        # Linux a process forked later starts with its parent's peak RSS, so
        # every peak RSS the caller measures afterwards would read ~1.5 GB.
        child = multiprocessing.get_context("fork").Process(target=_make, args=(path, spec))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"generating {path.name} failed (exit {child.exitcode})")
    return path


def _make(path: Path, spec: Spec) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")  # renamed when complete
    part.unlink(missing_ok=True)
    print(f"generating {path.name}…", file=sys.stderr)
    started = time.perf_counter()
    counts = generate(part, spec)
    report(part, counts, time.perf_counter() - started, path)
    part.rename(path)


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


def julianday(ts: int) -> float:
    """SQLite's julianday() of a whole-second time, bit for bit (it keeps the
    Julian day as integer milliseconds and divides by 86400000.0)."""
    return (ts * 1000 + 210866760000000) / 86400000.0


@dataclass
class Plan:
    """Decided before the rows are built, for the whole database."""

    pipelines: list[tuple[int, list[int]]]  # (pipeline id, stage ids by position)
    now_ts: int
    closed: frozenset[int] | None  # None: each deal decides at random
    due: frozenset[int]
    unscheduled: frozenset[int]
    snoozed: frozenset[int]
    touches: list[int] | None  # activities per deal id (index 0 unused)
    has_furthest: bool  # m003: deals.furthest_stage_id, stage_stays.days


def plan(spec: Spec, pipelines: list[tuple[int, list[int]]], has_furthest: bool) -> Plan:
    rng = random.Random(spec.seed)
    ids = range(1, spec.deals + 1)
    closed = due = unscheduled = snoozed = frozenset[int]()
    closed_or_none: frozenset[int] | None = None
    if spec.open_share is not None:
        n_open = round(spec.deals * spec.open_share)
        closed = closed_or_none = frozenset(rng.sample(ids, spec.deals - n_open))
    if spec.due is not None:
        open_ids = [i for i in ids if i not in closed]
        picks = rng.sample(open_ids, spec.due + spec.unscheduled + spec.snoozed)
        due = frozenset(picks[: spec.due])
        unscheduled = frozenset(picks[spec.due : spec.due + spec.unscheduled])
        snoozed = frozenset(picks[spec.due + spec.unscheduled :])
    counts: list[int] | None = None
    if spec.touches is not None:
        counts = [0] * (spec.deals + 1)
        left = spec.touches
        while left:  # in blocks of 1M: 10M touches would be a 10M list
            block = min(left, 1_000_000)
            raw = array("I")
            raw.frombytes(rng.randbytes(4 * block))  # modulo bias: < N / 2**32
            for deal_id, n in Counter([x % spec.deals + 1 for x in raw]).items():
                counts[deal_id] += n
            left -= block
    now_ts = int(datetime.fromisoformat(spec.now).replace(tzinfo=UTC).timestamp())
    return Plan(pipelines, now_ts, closed_or_none, due, unscheduled, snoozed, counts, has_furthest)


@dataclass
class Rows:
    deals: list[tuple]
    stage_events: list[tuple]
    stage_stays: list[tuple]
    deal_tags: list[tuple]
    deal_fields: list[tuple]
    touch_plan: list[tuple]  # (deal id, touches, created, span, first name): see TOUCHES


# Activities are the bulk of a big database (10M rows for 1M deals), so SQL
# makes them from one `touch_plan` row per deal (about 5 µs a row, half of
# building and inserting them from Python): touch i of n falls at a
# pseudo-random second of the i-th n-th of the deal's span (from creation to
# a minute before now, or to the close), so ids follow time, and the last
# one, which build() needs for last_activity_at, is known without making the
# rows. touch_hash() and _hash_sql() are the same integer arithmetic (< 2**63).
def touch_hash(deal_id: int, i: int, seed: int) -> int:
    x = (deal_id * 40503 + i * 97 + seed * 7919) % 2147483647
    h = x * 48271 % 2147483647
    return (h * h + x) % 2147483647


def _hash_sql(deal_id: str, i: str) -> str:
    x = f"(({deal_id} * 40503 + {i} * 97 + :seed * 7919) % 2147483647)"
    h = f"({x} * 48271 % 2147483647)"
    return f"(({h} * {h} + {x}) % 2147483647)"


def _case(expr: str, values: list[str]) -> str:
    return f"CASE {expr} " + " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values)) + " END"


_H = _hash_sql("tp.deal_id", "k.i")
TOUCHES = f"""
INSERT INTO activities (deal_id, kind, note, at, recorded_at)
SELECT deal_id, {_case("(deal_id + i) % 4", ACTIVITY_KINDS)},
       'talked to ' || first || ' about '
       || {_case(f"(deal_id + 7 * i) % {len(PRODUCTS)}", PRODUCTS)},
       at, at
FROM (SELECT tp.deal_id, k.i, tp.first,
             replace(datetime(tp.created + (k.i * tp.span + {_H} % tp.span) / tp.n, 'unixepoch'),
                     ' ', 'T') || 'Z' AS at
      FROM touch_plan tp JOIN touch_numbers k ON k.i < tp.n
      ORDER BY tp.deal_id, k.i)
"""


def build(spec: Spec, p: Plan, first_id: int, last_id: int) -> Rows:
    """The rows of deals first_id..last_id. Each chunk has its own seeded
    generator, so a chunk's rows don't depend on how the others were built."""
    rng = random.Random(f"{spec.seed}:{first_id}")
    rand = rng.random
    randint = rng.randint
    choice = rng.choice
    now_ts = p.now_ts
    two_years = 730 * 86400
    out = Rows([], [], [], [], [], [])
    events, stays = out.stage_events, out.stage_stays
    for deal_id in range(first_id, last_id + 1):
        pipeline_id, stages = p.pipelines[0] if rand() < 0.92 else p.pipelines[1]
        last = len(stages) - 1
        created = now_ts - randint(3600, two_years)
        if spec.events is None:
            n_events = choice((1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5))
        else:
            n_events = randint(1, int(2 * spec.events) - 1)
        if p.closed is None:
            closes = n_events >= 2 and rand() < 0.4
        else:
            closes = deal_id in p.closed
            if closes and n_events < 2:
                n_events = 2  # created, then closed
        outcome = ("won" if rand() < 0.4 else "lost") if closes else None
        # Event times: sorted points between creation and a minute before now.
        span = now_ts - 60 - created
        times = sorted(created + randint(1, span) for _ in range(n_events - 1))
        times.insert(0, created)

        stamps = [utc(t) for t in times]
        pos = 0 if rand() < 0.8 else randint(0, min(2, last))
        furthest = pos
        events.append((deal_id, None, None, stages[pos], "open", stamps[0], None, stamps[0]))
        entered, entered_ts = stamps[0], times[0]
        moves = n_events - 1 - (1 if closes else 0)
        for i in range(1, 1 + moves):
            r = rand()
            step = 1 if r < 0.75 else (2 if r < 0.85 else -1)
            new = min(max(pos + step, 0), last)
            if new == pos:
                new = pos - 1 if pos > 0 else pos + 1
            at = stamps[i]
            days = julianday(times[i]) - julianday(entered_ts)
            stays.append((deal_id, stages[pos], entered, at, days))
            note = choice(MOVE_NOTES) if rand() < 0.15 else None
            events.append((deal_id, stages[pos], "open", stages[new], "open", at, note, at))
            pos, entered, entered_ts = new, at, times[i]
            furthest = max(furthest, pos)
        closed_at = lost_reason = None
        status = "open"
        if closes:
            at = stamps[-1]
            days = julianday(times[-1]) - julianday(entered_ts)
            stays.append((deal_id, stages[pos], entered, at, days))
            lost_reason = choice(LOST_REASONS) if outcome == "lost" else None
            events.append((deal_id, stages[pos], "open", stages[pos], outcome, at, lost_reason, at))
            closed_at, status = at, outcome
        else:
            stays.append((deal_id, stages[pos], entered, None, None))

        org = choice(ORGS)
        first, surname = choice(FIRST), choice(LAST)
        value = None
        if rand() < 0.85:
            value = randint(5, 2000) * 10000 if rand() < 0.7 else randint(50000, 50000000)
        currency = "USD" if (r := rand()) < 0.8 else ("EUR" if r < 0.95 else "GBP")

        next_follow_up = snoozed_until = snooze_reason = None
        if spec.due is None:
            if status == "open" and rand() < 0.6:
                due = now_ts + randint(-10, 30) * 86400
                next_follow_up = (
                    day(due) if rand() < 0.8 else day(due) + f"T{randint(8, 17):02d}:00"
                )
        elif status == "open" and deal_id not in p.unscheduled:
            if deal_id in p.due or deal_id in p.snoozed:
                due = now_ts - randint(0, 30) * 86400  # 0: today
            else:
                due = now_ts + randint(30, 90) * 86400
            next_follow_up = day(due) if rand() < 0.8 else day(due) + f"T{randint(8, 17):02d}:00"
            if deal_id in p.snoozed:
                snoozed_until = day(now_ts + randint(1, 60) * 86400)
                snooze_reason = choice(SNOOZE_REASONS)
                # due on its wake-up day, as `funnel snooze` sets it (m007)
                next_follow_up = max(next_follow_up, snoozed_until)

        if p.touches is not None:
            n_touches = p.touches[deal_id]
        else:
            n_touches = randint(1, 3) if rand() < 0.1 else 0
        last_activity_at = None
        if n_touches:  # the rows themselves are made by SQL (TOUCHES), up to 10M of them
            span = (times[-1] if closes else now_ts - 60) - created + 1
            out.touch_plan.append((deal_id, n_touches, created, span, first))
            # the last touch: a note (kind ACTIVITY_KINDS[(deal_id + i) % 4]) is none
            last = n_touches - 1
            if (deal_id + last) % len(ACTIVITY_KINDS) == 0:
                last -= 1
            if last >= 0:
                h = touch_hash(deal_id, last, spec.seed)
                last_activity_at = utc(created + (last * span + h % span) // n_touches)

        row = (
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
            snoozed_until,
            snooze_reason,
            last_activity_at,
        )
        out.deals.append((*row, stages[furthest]) if p.has_furthest else row)
        if rand() < 0.3:
            for tag in rng.sample(TAGS, randint(1, 3)):
                out.deal_tags.append((deal_id, tag))
        if rand() < 0.2:
            for key in rng.sample(sorted(FIELDS), randint(1, 2)):
                out.deal_fields.append((deal_id, key, choice(FIELDS[key])))
    if not p.has_furthest:
        out.stage_stays[:] = [s[:4] for s in stays]
    return out


def generate(path: Path, spec: Spec) -> dict[str, int]:
    """Create `path` (which must not hold deals) as `spec` says; rows per table."""
    spec.check()
    # Imported here so `--help` works without the venv's funnelcli.
    from funnelcli.store import Store
    from funnelcli.templates import TEMPLATES

    now = datetime.fromisoformat(spec.now)
    store = Store.open(path, for_write=True, now=now)  # migrates, seeds "sales"
    conn = store.conn
    existing = conn.execute("SELECT count(*) FROM deals").fetchone()[0]
    if existing:
        raise SystemExit(f"{path} already has {existing} deals; give a new --out")
    with store.write():
        store.pipelines.create("renewals", TEMPLATES["simple"][1], now)
    pipelines = [(p.id, [s.id for s in p.stages]) for p in store.pipelines.all()]
    deal_cols = [r[1] for r in conn.execute("PRAGMA table_info(deals)")]
    has_furthest = "furthest_stage_id" in deal_cols
    cols = DEAL_COLUMNS + (["furthest_stage_id"] if has_furthest else [])
    stay_cols = ["deal_id", "stage_id", "entered_at", "left_at"] + (
        ["days"] if has_furthest else []
    )
    inserts = {
        "deals": f"INSERT INTO deals ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        "stage_events": "INSERT INTO stage_events (deal_id, from_stage_id, from_status, "
        "to_stage_id, to_status, at, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "stage_stays": f"INSERT INTO stage_stays ({', '.join(stay_cols)}) "
        f"VALUES ({', '.join('?' * len(stay_cols))})",
        "deal_tags": "INSERT INTO deal_tags (deal_id, tag) VALUES (?, ?)",
        "deal_fields": "INSERT INTO deal_fields (deal_id, key, value) VALUES (?, ?, ?)",
        "touch_plan": "INSERT INTO touch_plan (deal_id, n, created, span, first) "
        "VALUES (?, ?, ?, ?, ?)",
    }

    started = time.perf_counter()
    p = plan(spec, pipelines, has_furthest)
    planned = time.perf_counter()
    # A bulk load of rows consistent by construction: no per-row foreign-key
    # lookups or CHECKs (a CHECK with IN costs ~5 µs a row here), no fsync,
    # and a page cache big enough for the random uuid index.
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(
        "CREATE TEMP TABLE touch_plan (deal_id INTEGER PRIMARY KEY, n INTEGER, "
        "created INTEGER, span INTEGER, first TEXT)"
    )
    conn.execute("CREATE TEMP TABLE touch_numbers (i INTEGER PRIMARY KEY)")
    most = max(p.touches) if p.touches else 3
    conn.executemany("INSERT INTO touch_numbers (i) VALUES (?)", ((i,) for i in range(most)))
    counts = dict.fromkeys([*inserts, "activities"], 0)
    del counts["touch_plan"]
    build_s = insert_s = touch_s = index_s = 0.0
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Secondary indexes are built after the load, from the very statements
        # the migrations created them with (sqlite_master.sql): sorting once
        # is faster than inserting 5M keys one by one. UNIQUE and PRIMARY KEY
        # indexes (sql IS NULL) stay. The triggers (m004's undo notes, which
        # check for an open change on every row) are put back the same way.
        indexes = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND sql IS NOT NULL AND tbl_name IN ('deals', 'stage_events', 'stage_stays', "
            "'deal_tags', 'deal_fields', 'activities') ORDER BY rowid"
        ).fetchall()
        for kind, name, _sql in indexes:
            conn.execute(f'DROP {kind.upper()} "{name}"')
        for first_id in range(1, spec.deals + 1, CHUNK):
            t0 = time.perf_counter()
            rows = build(spec, p, first_id, min(first_id + CHUNK - 1, spec.deals))
            t1 = time.perf_counter()
            build_s += t1 - t0
            for table, sql in inserts.items():
                batch = getattr(rows, table)
                conn.executemany(sql, batch)
                if table in counts:
                    counts[table] += len(batch)
            t2 = time.perf_counter()
            counts["activities"] += conn.execute(TOUCHES, {"seed": spec.seed}).rowcount
            conn.execute("DELETE FROM touch_plan")
            t3 = time.perf_counter()
            insert_s += t2 - t1
            touch_s += t3 - t2
            done = counts["deals"]
            if spec.deals >= 200_000 and done % 200_000 < CHUNK:
                print(f"  {done:,} deals…", file=sys.stderr)
        t4 = time.perf_counter()
        for _kind, _name, sql in indexes:
            conn.execute(sql)
        t5 = time.perf_counter()
        index_s = t5 - t4
        conn.execute("COMMIT")
        insert_s += time.perf_counter() - t5
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    store.close()
    print(
        f"planned in {planned - started:.1f} s, rows built in {build_s:.1f} s, "
        f"inserted in {insert_s:.1f} s, activities made in {touch_s:.1f} s, "
        f"indexes and triggers made in {index_s:.1f} s",
        file=sys.stderr,
    )
    return counts


# What funnelcli keeps on write, recomputed from the rows it derives from
# (the SQL of schema.FURTHEST_STAGE and store/deals.py): each must count 0.
CONSISTENCY = {
    "deals whose furthest_stage_id isn't FURTHEST_STAGE": """
        SELECT count(*) FROM deals WHERE furthest_stage_id IS NOT
            (SELECT s.id FROM stage_stays st JOIN stages s ON s.id = st.stage_id
             WHERE st.deal_id = deals.id AND s.pipeline_id = deals.pipeline_id
             AND s.removed_at IS NULL ORDER BY s.position DESC, s.id DESC LIMIT 1)""",
    "ended stays whose days isn't julianday(left_at) - julianday(entered_at)": """
        SELECT count(*) FROM stage_stays
        WHERE days IS NOT (julianday(left_at) - julianday(entered_at))""",
    "deals whose last_activity_at isn't their last touch (activity but a note)": """
        SELECT count(*) FROM deals WHERE last_activity_at IS NOT
            (SELECT max(at) FROM activities a WHERE a.deal_id = deals.id AND a.kind <> 'note')""",
    "snoozed open deals with a follow-up before their wake-up day (or none)": """
        SELECT count(*) FROM deals WHERE status = 'open' AND snoozed_until IS NOT NULL
        AND (next_follow_up IS NULL OR substr(next_follow_up, 1, 10) < snoozed_until)""",
    "deals whose stage and status aren't their last event's": """
        SELECT count(*) FROM deals d WHERE (d.stage_id, d.status) IS NOT
            (SELECT to_stage_id, to_status FROM stage_events e WHERE e.deal_id = d.id
             ORDER BY e.at DESC, e.id DESC LIMIT 1)""",
    "deals without exactly one open stay when open (none when closed)": """
        SELECT count(*) FROM deals d WHERE (d.status = 'open') IS NOT
            (SELECT count(*) FROM stage_stays st WHERE st.deal_id = d.id AND st.left_at IS NULL)""",
    "foreign keys that point nowhere": "SELECT count(*) FROM pragma_foreign_key_check",
}


def verify(path: Path) -> int:
    """Print each CONSISTENCY count; how many are not 0."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    bad = 0
    for what, sql in CONSISTENCY.items():
        n = conn.execute(sql).fetchone()[0]
        bad += n != 0
        print(f"  {n:>9,} {what}", file=sys.stderr)
    conn.close()
    return bad


def report(path: Path, counts: dict[str, int], took: float, shown: Path | None = None) -> None:
    size = path.stat().st_size / 1e6
    print(
        f"{shown or path}: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + f"; {size:.0f} MB in {took:.0f} s",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deals", type=int, default=100_000, help="how many deals (100000)")
    ap.add_argument("--open-share", type=float, help="exact share of open deals (about 2/3)")
    ap.add_argument("--touches", type=int, help="exact number of activities (about N/5)")
    ap.add_argument("--due", type=int, help="exactly K open deals overdue or due today")
    ap.add_argument("--unscheduled", type=int, default=50, help="with --due: no follow-up (50)")
    ap.add_argument("--snoozed", type=int, default=20, help="with --due: snoozed, overdue (20)")
    ap.add_argument(
        "--events-per-deal",
        type=float,
        metavar="F",
        help="stage events a deal on average: 1 to 2F-1 each (default 1-5, 2.7)",
    )
    ap.add_argument("--now", default=DEFAULT_NOW, help=f"the clock, naive ISO ({DEFAULT_NOW})")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    ap.add_argument("--out", type=Path, help="database file (default: cached under data/)")
    ap.add_argument("--force", action="store_true", help="replace the file if it exists")
    ap.add_argument(
        "--verify",
        action="store_true",
        help="check the derived columns against the rows they come from (after generating, "
        "or of an existing --out); ~1 min at 1M deals",
    )
    args = ap.parse_args(argv)
    spec = Spec(
        args.deals,
        args.open_share,
        args.touches,
        args.due,
        args.unscheduled,
        args.snoozed,
        args.seed,
        args.now,
        args.events_per_deal,
    )
    try:
        spec.check()
    except ValueError as exc:
        ap.error(str(exc))
    os.environ["TZ"] = "UTC"  # the seeded pipelines' times: --now is read as UTC
    time.tzset()
    if args.out is None:
        target = DATA / spec.name()
        if args.force:
            target.unlink(missing_ok=True)
        if target.exists():
            print(f"{target} (cached)", file=sys.stderr)
        else:
            cached(spec)
        print(target)
        return 1 if args.verify and verify(target) else 0
    if args.out.exists():
        if args.verify and not args.force:  # check the file that is there
            return 1 if verify(args.out) else 0
        if not args.force:
            print(f"{args.out} exists (use --force to replace it)", file=sys.stderr)
            return 1
        args.out.unlink()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    counts = generate(args.out, spec)
    report(args.out, counts, time.perf_counter() - started)
    return 1 if args.verify and verify(args.out) else 0


if __name__ == "__main__":
    raise SystemExit(main())
