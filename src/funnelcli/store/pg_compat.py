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
  Python's str.casefold; here lower() by Unicode's rules, through ICU, then
  what full case folding does beyond lowering: ß -> ss, ς -> σ, ﬁ -> fi …,
  Unicode 14's table as Python 3.11's casefold applies it, written out below).
- `max(a, b)` and `min(a, b)` of two values: NULL when either is NULL, as
  SQLite's scalar max and min (greatest and least skip NULLs).
"""

from __future__ import annotations

# Where str.casefold() differs from str.lower(): the lowered character and its
# folding, one character to one (_FOLD_FROM -> _FOLD_TO, for translate()) or
# to several (_FOLD_MORE, for replace()). No folding yields a character either
# maps, so the order doesn't matter.
_FOLD_FROM = (
    "\u00b5\u017f\u0345\u03c2\u03d0\u03d1\u03d5\u03d6\u03f0\u03f1\u03f5\u13f8"
    "\u13f9\u13fa\u13fb\u13fc\u13fd\u1c80\u1c81\u1c82\u1c83\u1c84\u1c85\u1c86"
    "\u1c87\u1c88\u1e9b\u1fbe\uab70\uab71\uab72\uab73\uab74\uab75\uab76\uab77"
    "\uab78\uab79\uab7a\uab7b\uab7c\uab7d\uab7e\uab7f\uab80\uab81\uab82\uab83"
    "\uab84\uab85\uab86\uab87\uab88\uab89\uab8a\uab8b\uab8c\uab8d\uab8e\uab8f"
    "\uab90\uab91\uab92\uab93\uab94\uab95\uab96\uab97\uab98\uab99\uab9a\uab9b"
    "\uab9c\uab9d\uab9e\uab9f\uaba0\uaba1\uaba2\uaba3\uaba4\uaba5\uaba6\uaba7"
    "\uaba8\uaba9\uabaa\uabab\uabac\uabad\uabae\uabaf\uabb0\uabb1\uabb2\uabb3"
    "\uabb4\uabb5\uabb6\uabb7\uabb8\uabb9\uabba\uabbb\uabbc\uabbd\uabbe\uabbf"
)
_FOLD_TO = (
    "\u03bcs\u03b9\u03c3\u03b2\u03b8\u03c6\u03c0\u03ba\u03c1\u03b5\u13f0"
    "\u13f1\u13f2\u13f3\u13f4\u13f5\u0432\u0434\u043e\u0441\u0442\u0442\u044a"
    "\u0463\ua64b\u1e61\u03b9\u13a0\u13a1\u13a2\u13a3\u13a4\u13a5\u13a6\u13a7"
    "\u13a8\u13a9\u13aa\u13ab\u13ac\u13ad\u13ae\u13af\u13b0\u13b1\u13b2\u13b3"
    "\u13b4\u13b5\u13b6\u13b7\u13b8\u13b9\u13ba\u13bb\u13bc\u13bd\u13be\u13bf"
    "\u13c0\u13c1\u13c2\u13c3\u13c4\u13c5\u13c6\u13c7\u13c8\u13c9\u13ca\u13cb"
    "\u13cc\u13cd\u13ce\u13cf\u13d0\u13d1\u13d2\u13d3\u13d4\u13d5\u13d6\u13d7"
    "\u13d8\u13d9\u13da\u13db\u13dc\u13dd\u13de\u13df\u13e0\u13e1\u13e2\u13e3"
    "\u13e4\u13e5\u13e6\u13e7\u13e8\u13e9\u13ea\u13eb\u13ec\u13ed\u13ee\u13ef"
)
_FOLD_MORE = (
    ("\u00df", "ss"),
    ("\u0149", "\u02bcn"),
    ("\u01f0", "j\u030c"),
    ("\u0390", "\u03b9\u0308\u0301"),
    ("\u03b0", "\u03c5\u0308\u0301"),
    ("\u0587", "\u0565\u0582"),
    ("\u1e96", "h\u0331"),
    ("\u1e97", "t\u0308"),
    ("\u1e98", "w\u030a"),
    ("\u1e99", "y\u030a"),
    ("\u1e9a", "a\u02be"),
    ("\u1f50", "\u03c5\u0313"),
    ("\u1f52", "\u03c5\u0313\u0300"),
    ("\u1f54", "\u03c5\u0313\u0301"),
    ("\u1f56", "\u03c5\u0313\u0342"),
    ("\u1f80", "\u1f00\u03b9"),
    ("\u1f81", "\u1f01\u03b9"),
    ("\u1f82", "\u1f02\u03b9"),
    ("\u1f83", "\u1f03\u03b9"),
    ("\u1f84", "\u1f04\u03b9"),
    ("\u1f85", "\u1f05\u03b9"),
    ("\u1f86", "\u1f06\u03b9"),
    ("\u1f87", "\u1f07\u03b9"),
    ("\u1f90", "\u1f20\u03b9"),
    ("\u1f91", "\u1f21\u03b9"),
    ("\u1f92", "\u1f22\u03b9"),
    ("\u1f93", "\u1f23\u03b9"),
    ("\u1f94", "\u1f24\u03b9"),
    ("\u1f95", "\u1f25\u03b9"),
    ("\u1f96", "\u1f26\u03b9"),
    ("\u1f97", "\u1f27\u03b9"),
    ("\u1fa0", "\u1f60\u03b9"),
    ("\u1fa1", "\u1f61\u03b9"),
    ("\u1fa2", "\u1f62\u03b9"),
    ("\u1fa3", "\u1f63\u03b9"),
    ("\u1fa4", "\u1f64\u03b9"),
    ("\u1fa5", "\u1f65\u03b9"),
    ("\u1fa6", "\u1f66\u03b9"),
    ("\u1fa7", "\u1f67\u03b9"),
    ("\u1fb2", "\u1f70\u03b9"),
    ("\u1fb3", "\u03b1\u03b9"),
    ("\u1fb4", "\u03ac\u03b9"),
    ("\u1fb6", "\u03b1\u0342"),
    ("\u1fb7", "\u03b1\u0342\u03b9"),
    ("\u1fc2", "\u1f74\u03b9"),
    ("\u1fc3", "\u03b7\u03b9"),
    ("\u1fc4", "\u03ae\u03b9"),
    ("\u1fc6", "\u03b7\u0342"),
    ("\u1fc7", "\u03b7\u0342\u03b9"),
    ("\u1fd2", "\u03b9\u0308\u0300"),
    ("\u1fd3", "\u03b9\u0308\u0301"),
    ("\u1fd6", "\u03b9\u0342"),
    ("\u1fd7", "\u03b9\u0308\u0342"),
    ("\u1fe2", "\u03c5\u0308\u0300"),
    ("\u1fe3", "\u03c5\u0308\u0301"),
    ("\u1fe4", "\u03c1\u0313"),
    ("\u1fe6", "\u03c5\u0342"),
    ("\u1fe7", "\u03c5\u0308\u0342"),
    ("\u1ff2", "\u1f7c\u03b9"),
    ("\u1ff3", "\u03c9\u03b9"),
    ("\u1ff4", "\u03ce\u03b9"),
    ("\u1ff6", "\u03c9\u0342"),
    ("\u1ff7", "\u03c9\u0342\u03b9"),
    ("\ufb00", "ff"),
    ("\ufb01", "fi"),
    ("\ufb02", "fl"),
    ("\ufb03", "ffi"),
    ("\ufb04", "ffl"),
    ("\ufb05", "st"),
    ("\ufb06", "st"),
    ("\ufb13", "\u0574\u0576"),
    ("\ufb14", "\u0574\u0565"),
    ("\ufb15", "\u0574\u056b"),
    ("\ufb16", "\u057e\u0576"),
    ("\ufb17", "\u0574\u056d"),
)


def _fold(text: str) -> str:
    """SQL: `text` case-folded as str.casefold() folds it."""
    sql = f"translate(lower({text} COLLATE \"und-x-icu\"), '{''.join(_FOLD_FROM)}', "
    sql += f"'{''.join(_FOLD_TO)}')"
    for lowered, folded in _FOLD_MORE:
        sql = f"replace({sql}, '{lowered}', '{folded}')"
    return sql


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
        $$ SELECT CASE WHEN $1 IS NULL THEN '' ELSE """
    + _fold("$1")
    + """ END $$""",
    """CREATE FUNCTION max(anycompatible, anycompatible) RETURNS anycompatible
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE greatest($1, $2) END $$""",
    """CREATE FUNCTION min(anycompatible, anycompatible) RETURNS anycompatible
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE least($1, $2) END $$""",
)
