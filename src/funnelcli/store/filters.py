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
