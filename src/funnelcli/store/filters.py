"""SQL for the deal filters `--owner`, `--tag` and `--source`: the condition a
list of values makes, and which values some deal has (asked only when a
filter names one, so a typo is an error instead of an empty list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from funnelcli.store.dialect import Connection, sqlite_function

if TYPE_CHECKING:
    from funnelcli.store.deals import DealFilter

# field -> (a deal has the value: SQL, or None for the case-insensitive one
# alone; a deal has it, case ignored, or None when case counts; every value
# some deal has, one per value as the filter matches it)
_VALUES: dict[str, tuple[str | None, str | None, str]] = {
    # exact first: the deals_owner index answers at once; ignoring case scans
    "owner": (
        "SELECT 1 FROM deals WHERE owner = :v LIMIT 1",
        "SELECT 1 FROM deals WHERE lower(owner) = :folded LIMIT 1",
        "SELECT min(owner) FROM deals GROUP BY lower(owner) ORDER BY lower(min(owner)), 1",
    ),
    "tag": (
        "SELECT 1 FROM deal_tags WHERE tag = :v LIMIT 1",
        None,
        "SELECT tag FROM deal_tags GROUP BY tag ORDER BY lower(tag), tag",
    ),
    "source": (
        None,
        "SELECT 1 FROM deals WHERE lower(source) = :folded LIMIT 1",
        "SELECT min(source) FROM deals WHERE source IS NOT NULL "
        "GROUP BY lower(source) ORDER BY lower(min(source)), 1",
    ),
}


# SQLite's lower(): A-Z only. A value is folded here, not by lower() in the
# SQL: PostgreSQL's lower() of a parameter would follow the database's default
# collation (Unicode's rules), not the "C" of the columns.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(value: str) -> str:
    """`value` as lower() folds a column: ASCII letters only."""
    return value.translate(_ASCII_LOWER)


def one_of(column: str, values: Sequence[str], params: dict[str, Any], name: str) -> str:
    """SQL: `column` is one of `values`, ASCII case ignored (`lower()` folds
    A-Z only, in SQLite and in PostgreSQL's "C" collation alike: the same
    rule as SQLite's NOCASE); `params` gets the values, folded, as :{name}0,
    :{name}1, …"""
    keys = [f"{name}{i}" for i in range(len(values))]
    params.update(zip(keys, map(fold, values), strict=True))
    listed = ", ".join(f":{k}" for k in keys) or "NULL"
    return f"lower({column}) IN ({listed})"


class FilterValues:
    """Which owners, tags and sources the deals have."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def missing(self, field: str, values: Sequence[str]) -> list[str]:
        """Those of `values` no deal has as its `field` (owner, source: case
        ignored; tag: exact)."""
        exact, folded, _ = _VALUES[field]
        return [
            v
            for v in values
            if not any(
                sql is not None and self.conn.execute(sql, {"v": v, "folded": fold(v)}).fetchone()
                for sql in (exact, folded)
            )
        ]

    def known(self, field: str) -> list[str]:
        return [str(row[0]) for row in self.conn.execute(_VALUES[field][2])]


FieldFilter = tuple[str, tuple[str, ...]]  # a custom field's name and the values it may have


def all_tags(tags: Sequence[str], params: dict[str, Any]) -> str:
    """SQL: the deal `d` has every one of `tags` (exact, as `list --tag`);
    `params` gets them as :tag0, :tag1, …"""
    parts = []
    for i, tag in enumerate(tags):
        params[f"tag{i}"] = tag
        parts.append(
            f"EXISTS (SELECT 1 FROM deal_tags t WHERE t.deal_id = d.id AND t.tag = :tag{i})"
        )
    return " AND ".join(parts) or "1 = 1"


def all_fields(fields: Sequence[FieldFilter], params: dict[str, Any]) -> str:
    """SQL: for each (name, values), the deal `d` has the custom field `name`
    with one of `values` (name and value ASCII case ignored, as `--owner`);
    `params` gets them, folded, as :fk0, :fv0_0, :fv0_1, …"""
    parts = []
    for i, (name, values) in enumerate(fields):
        params[f"fk{i}"] = fold(name)
        listed = one_of("f.value", values, params, f"fv{i}_")
        parts.append(
            "EXISTS (SELECT 1 FROM deal_fields f WHERE f.deal_id = d.id "
            f"AND lower(f.key) = :fk{i} AND {listed})"
        )
    return " AND ".join(parts) or "1 = 1"


class FieldValues:
    """Which custom fields the deals have, and which values (case ignored)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def has_name(self, name: str) -> bool:
        sql = "SELECT 1 FROM deal_fields WHERE lower(key) = :k LIMIT 1"
        return self.conn.execute(sql, {"k": fold(name)}).fetchone() is not None

    def has_value(self, name: str, value: str) -> bool:
        sql = "SELECT 1 FROM deal_fields WHERE lower(key) = :k AND lower(value) = :v LIMIT 1"
        return self.conn.execute(sql, {"k": fold(name), "v": fold(value)}).fetchone() is not None

    def names(self) -> list[str]:
        sql = "SELECT min(key) FROM deal_fields GROUP BY lower(key) ORDER BY lower(min(key)), 1"
        return [str(row[0]) for row in self.conn.execute(sql)]

    def values(self, name: str) -> list[str]:
        sql = (
            "SELECT min(value) FROM deal_fields WHERE lower(key) = :k "
            "GROUP BY lower(value) ORDER BY lower(min(value)), 1"
        )
        return [str(row[0]) for row in self.conn.execute(sql, {"k": fold(name)})]


# `list --search`: the text, case-folded, in the deal's own text (title, org,
# contact, e-mail, external id), a custom field's value, or a note someone
# typed: an activity's (any kind) or a stage event's (`move --note`, a lost
# reason). Each table of notes is scanned once for the deals it matches (an
# IN list SQLite builds once): at 100,000 deals with 600,000 notes, 0.5 s,
# where a lookup of each deal's notes through its index took 0.9 s.
SEARCH = """(instr(funnel_fold(coalesce(d.title, '') || ' ' || coalesce(d.org, '') || ' ' ||
    coalesce(d.contact, '') || ' ' || coalesce(d.email, '') || ' ' ||
    coalesce(d.external_id, '')), :search) > 0
  OR d.id IN (SELECT f.deal_id FROM deal_fields f WHERE instr(funnel_fold(f.value), :search) > 0)
  OR d.id IN (SELECT a.deal_id FROM activities a WHERE instr(funnel_fold(a.note), :search) > 0)
  OR d.id IN (SELECT e.deal_id FROM stage_events e
              WHERE instr(funnel_fold(e.note), :search) > 0))"""


def deal_where(conn: Connection, flt: DealFilter, params: dict[str, Any]) -> list[str]:
    """The conditions of `flt` on deals `d` (with their parameters put in `params`)."""
    where: list[str] = []
    if flt.status:
        # Sorted by number, the rows are read in rowid order and a LIMIT
        # stops early; `|| ''` (SQLite's `+` in a form PostgreSQL reads too)
        # keeps SQLite off the status index, which would fetch every open
        # deal (with its tags, fields and touches) and sort them all: 48 ms
        # instead of 0.4 ms for 20 of 67,543 open deals.
        where.append("d.status" + (" || ''" if flt.sort == "id" else "") + " = :status")
        params["status"] = flt.status
    if flt.stage_ids is not None:
        names = [f":stage{i}" for i in range(len(flt.stage_ids))]
        where.append(f"d.stage_id IN ({', '.join(names) or 'NULL'})")
        params.update({n[1:]: sid for n, sid in zip(names, flt.stage_ids, strict=True)})
    if flt.pipeline_id is not None:
        where.append("d.pipeline_id = :pipeline")
        params["pipeline"] = flt.pipeline_id
    if flt.owners:
        where.append(one_of("d.owner", flt.owners, params, "owner"))
    if flt.sources:
        where.append(one_of("d.source", flt.sources, params, "source"))
    for i, tag in enumerate(flt.tags):
        where.append(
            f"EXISTS (SELECT 1 FROM deal_tags t WHERE t.deal_id = d.id AND t.tag = :tag{i})"
        )
        params[f"tag{i}"] = tag
    if flt.search:
        sqlite_function(conn, "funnel_fold", 1, casefold_text)
        where.append(SEARCH)
        params["search"] = flt.search.casefold()
    return where


def casefold_text(text: str | None) -> str:
    """`list --search`'s folding (SQL's funnel_fold)."""
    return text.casefold() if text else ""
