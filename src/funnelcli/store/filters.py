"""SQL for the deal filters `--owner`, `--tag` and `--source`: the condition a
list of values makes, and which values some deal has (asked only when a
filter names one, so a typo is an error instead of an empty list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from funnelcli.store.dialect import Connection

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
