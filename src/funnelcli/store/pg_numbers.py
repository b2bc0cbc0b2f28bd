"""Team schema migration 1's deal and change numbers, frozen SQL text (as
store/pg_m001.py): counted in `funnel_ids` by a BEFORE INSERT trigger, as
SQLite's AUTOINCREMENT counts them: one more than the highest ever given,
never again after a delete, and not used up by a transaction that rolls back
(a sequence's would be: a refused command or a failed import would leave
gaps in the numbers people type). Writers take turns (store/pg.py's write
lock), so the counter row is no queue. A row inserted with an id of its own
(an import, migrate-from) moves the counter past it.
"""

from __future__ import annotations

NUMBERS: tuple[str, ...] = (
    """CREATE TABLE funnel_ids (
        tbl TEXT COLLATE "C" PRIMARY KEY,
        last BIGINT NOT NULL
    )""",
    "INSERT INTO funnel_ids (tbl, last) VALUES ('deals', 0), ('changes', 0)",
    """CREATE FUNCTION funnel_next_id() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id IS NULL THEN
            UPDATE funnel_ids SET last = last + 1 WHERE tbl = TG_TABLE_NAME
                RETURNING last INTO NEW.id;
        ELSE
            UPDATE funnel_ids SET last = NEW.id WHERE tbl = TG_TABLE_NAME AND last < NEW.id;
        END IF;
        RETURN NEW;
    END
    $$""",
    "CREATE TRIGGER deals_next_id BEFORE INSERT ON deals FOR EACH ROW "
    "EXECUTE FUNCTION funnel_next_id()",
    "CREATE TRIGGER changes_next_id BEFORE INSERT ON changes FOR EACH ROW "
    "EXECUTE FUNCTION funnel_next_id()",
)
