"""Team mode's dialect in text: the store's SQLite-style statements as
psycopg takes them (translate, numbered), and psycopg's errors as the sqlite3
module's DB-API classes in SQLite's words (error), so the store catches one
set of exceptions whichever engine it talks to. store/pg.py uses them."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|:[A-Za-z_]\w*|\?\d*|%"
    r"|\bIS NOT (?!NULL\b)|\bIS (?!NOT |NULL\b|DISTINCT\b|TRUE\b|FALSE\b)"
)


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite's parameters in psycopg's style: `:name` -> `%(name)s`, `?` and
    `?N` -> `%s` (`numbered` says which parameter each is), a literal `%` ->
    `%%`; SQLite's `a IS NOT b` and `a IS b` of two values, which are
    PostgreSQL's `a IS DISTINCT FROM b` and `a IS NOT DISTINCT FROM b`.
    Quoted text and `::` casts are left as they are."""

    def one(m: re.Match[str]) -> str:
        token = m.group()
        if token.startswith("?"):
            return "%s"
        if token == "%":
            return "%%"
        if token.startswith("IS NOT"):
            return "IS DISTINCT FROM "
        if token.startswith("IS "):
            return "IS NOT DISTINCT FROM "
        if token.startswith(":") and token != "::":
            return f"%({token[1:]})s"
        if token.startswith("'"):  # psycopg reads a % in quoted text too
            return token.replace("%", "%%")
        return token

    return _TOKEN.sub(one, sql)


@lru_cache(maxsize=1024)
def numbered(sql: str) -> tuple[int, ...] | None:
    """For a statement with SQLite's numbered parameters (`?1`, `?2`, …): the
    index of the parameter each `%s` of translate(sql) stands for, in order
    (a number may come twice); None for a statement without them."""
    marks = [m.group() for m in _TOKEN.finditer(sql) if m.group().startswith("?")]
    if not any(len(mark) > 1 for mark in marks):
        return None
    order: list[int] = []
    for mark in marks:
        order.append(int(mark[1:]) - 1 if len(mark) > 1 else (order[-1] + 1 if order else 0))
    return tuple(order)


def reorder(order: tuple[int, ...], params: Sequence[Any]) -> list[Any]:
    return [params[i] for i in order]


# The team schema's unique constraints and indexes (PostgreSQL's names) as
# SQLite names what they protect: "UNIQUE constraint failed: <this>", the text
# the store reads (store/changelog.py) on both engines.
_UNIQUE = {
    "pipelines_pkey": "pipelines.id",
    "pipelines_uuid_key": "pipelines.uuid",
    "pipelines_key_key": "pipelines.key",
    "stages_pkey": "stages.id",
    "stages_key": "stages.pipeline_id, stages.key",
    "deals_pkey": "deals.id",
    "deals_uuid_key": "deals.uuid",
    "deals_external_id_key": "deals.external_id",
    "deal_tags_pkey": "deal_tags.deal_id, deal_tags.tag",
    "deal_fields_pkey": "deal_fields.deal_id, deal_fields.key",
    "stage_events_pkey": "stage_events.id",
    "stage_stays_pkey": "stage_stays.id",
    "activities_pkey": "activities.id",
    "changes_pkey": "changes.id",
    "change_rows_pkey": "change_rows.id",
    "settings_pkey": "settings.key",
    "handoffs_pkey": "handoffs.id",
    "inbox_seen_pkey": "inbox_seen.owner",
}


def error(exc: Exception, sql: str = "") -> sqlite3.Error:
    """psycopg's error as the sqlite3 module's DB-API class, one line of text
    (FUNNEL_DEBUG=1 also prints the statement)."""
    import os

    import psycopg

    if sql and os.environ.get("FUNNEL_DEBUG"):
        import sys

        print(f"funnel: debug: PostgreSQL refused: {sql}", file=sys.stderr)
    diag = getattr(exc, "diag", None)
    text = (getattr(diag, "message_primary", None) or str(exc)).strip().splitlines()[0]
    state = getattr(exc, "sqlstate", None) or ""
    if isinstance(exc, psycopg.DataError) and "NUL" in text:
        return sqlite3.DataError(
            "text with a NUL character (\\x00) can't be stored in a team database "
            "(PostgreSQL's text can't hold one)"
        )
    if state in ("55P03", "57014"):  # lock_not_available, query_canceled (lock_timeout)
        return sqlite3.OperationalError(f"database is locked ({text})")
    if state == "23505":  # unique_violation: SQLite's words, its names
        named = _UNIQUE.get(getattr(diag, "constraint_name", None) or "")
        if named is not None:
            return sqlite3.IntegrityError(f"UNIQUE constraint failed: {named}")
    if isinstance(exc, psycopg.IntegrityError):
        return sqlite3.IntegrityError(text)
    if isinstance(exc, psycopg.OperationalError):
        return sqlite3.OperationalError(text)
    return sqlite3.DatabaseError(text)
