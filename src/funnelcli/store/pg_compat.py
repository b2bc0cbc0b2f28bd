"""SQLite's functions that the shared SQL calls, made for PostgreSQL by team
schema migration 1 (frozen text, as store/pg_m001.py): the same names and
the same answers, so that the store's SQL is one text for both engines.

- `json_group_array(text)`, `json_group_object(text, text)`: a JSON array or
  object as text, `[]` / `{}` over no rows (the deal row's tags and fields).
- `json_array(text, text, numeric)` and `json_group_array(json)`: the change
  log's counts, `[["deals","insert",1],…]`.
- `json_object(text, bigint, text, bigint)`: an import's id range as the
  change log notes it, `{"lo":1,"hi":5}` (compact, as SQLite writes it).
- `json_extract(text, '$.a.b')`: the value at that path, as text (the store
  casts ids: `CAST(json_extract(key, '$.id') AS BIGINT)`).
- `instr(text, text)`: strpos.
- `funnel_fold(text)`: the case-folded text of `list --search` (SQLite gets
  Python's str.casefold; here lower() by Unicode's rules, through ICU).
- `max(a, b)` and `min(a, b)` of two values: NULL when either is NULL, as
  SQLite's scalar max and min (greatest and least skip NULLs).
"""

from __future__ import annotations

COMPAT: tuple[str, ...] = (
    """CREATE FUNCTION funnel_text_array_json(text[]) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$ SELECT array_to_json($1)::text $$""",
    """CREATE AGGREGATE json_group_array(text) (
        SFUNC = array_append, STYPE = text[], INITCOND = '{}',
        FINALFUNC = funnel_text_array_json)""",
    """CREATE FUNCTION funnel_pairs_add(text[], text, text) RETURNS text[]
        LANGUAGE sql IMMUTABLE AS $$ SELECT $1 || ARRAY[$2, $3] $$""",
    """CREATE FUNCTION funnel_pairs_json(text[]) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$ SELECT json_object($1)::text $$""",
    """CREATE AGGREGATE json_group_object(text, text) (
        SFUNC = funnel_pairs_add, STYPE = text[], INITCOND = '{}',
        FINALFUNC = funnel_pairs_json)""",
    """CREATE FUNCTION json_array(text, text, numeric) RETURNS json
        LANGUAGE sql IMMUTABLE AS $$ SELECT json_build_array($1, $2, $3) $$""",
    """CREATE FUNCTION funnel_json_array_add(json[], json) RETURNS json[]
        LANGUAGE sql IMMUTABLE AS $$ SELECT $1 || $2 $$""",
    """CREATE FUNCTION funnel_json_array_text(json[]) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$ SELECT array_to_json($1)::text $$""",
    """CREATE AGGREGATE json_group_array(json) (
        SFUNC = funnel_json_array_add, STYPE = json[], INITCOND = '{}',
        FINALFUNC = funnel_json_array_text)""",
    """CREATE FUNCTION json_object(text, bigint, text, bigint) RETURNS text
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT '{' || to_json($1)::text || ':' || $2 || ',' || to_json($3)::text || ':'
                  || $4 || '}' $$""",
    """CREATE FUNCTION json_extract(text, text) RETURNS text
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT $1::jsonb #>> string_to_array(substr($2, 3), '.') $$""",
    """CREATE FUNCTION instr(text, text) RETURNS integer
        LANGUAGE sql IMMUTABLE AS $$ SELECT strpos($1, $2) $$""",
    """CREATE FUNCTION funnel_fold(text) RETURNS text
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN $1 IS NULL THEN '' ELSE lower($1 COLLATE "und-x-icu") END $$""",
    """CREATE FUNCTION max(anycompatible, anycompatible) RETURNS anycompatible
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE greatest($1, $2) END $$""",
    """CREATE FUNCTION min(anycompatible, anycompatible) RETURNS anycompatible
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE least($1, $2) END $$""",
)
