"""Reading a row's cells as the columns say: text, dates and moments, amounts,
probabilities, tags, custom fields, ids and an export's touches. A bad cell is
a RowError naming its column."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from funnelcli.clock import start_of_day, utc_text
from funnelcli.errors import Invalid
from funnelcli.services import Context
from funnelcli.services.imports.columns import Columns
from funnelcli.services.imports.model import Activity, RowError
from funnelcli.services.imports.sources import UnreadableJSON, parse_json
from funnelcli.services.imports.stamps import crm_stamp, excel_serial, flag, is_number
from funnelcli.store.transfer import TransferStore

# Between tags in a cell: "," in funnelcli's own CSV export (a tag may hold ";"),
# "," or ";" in anyone else's.
TAG_SEPARATOR = {True: ",", False: "[,;]"}
CACHED = 100_000  # dates and moments remembered by their text (most files repeat them)
# An instant as stored, and for a bare date the start of the day after it (the
# day's instant is its start, but it may have happened at any time that day).
Moment = tuple[str, str | None]
NO_MOMENT: tuple[None, None] = (None, None)


class Cells:
    def __init__(
        self,
        ctx: Context,
        columns: Columns,
        own: bool,
        unguard: bool,
        order: str,
        excel: bool = False,
    ) -> None:
        self.ctx = ctx
        self.columns = columns
        self.mapping = columns.mapping
        self.own = own
        # Export guards a CSV cell a spreadsheet would run (a leading '); only
        # its own CSV has the guard to undo: JSON carries text as it is.
        self.unguard = unguard
        self.order = order
        self.excel = excel  # a number in a date column is an Excel serial date
        self.recorded = ctx.now_utc
        self.fresh = TransferStore(ctx.store.conn).deal_count() == 0
        self._dates: dict[tuple[str, str], datetime | date] = {}
        self._instants: dict[str, Moment] = {}
        self._currencies: dict[str, str] = {}
        self._scales: dict[str, int] = {}

    # - plain cells -

    def cell(self, row: dict[str, Any], name: str) -> Any:
        """The field's value in this row: from its column, or the first of its
        columns that has one; None for an empty cell."""
        cols = self.mapping.get(name)
        if cols is None:
            return None
        for col in cols:
            value = row.get(col)
            if isinstance(value, str):
                # a spreadsheet's stray spaces go; funnelcli's own export is kept
                # exactly (add and edit store text as given), its CSV guard undone
                if not self.own:
                    value = value.strip()
                elif self.unguard:
                    value = unescape_cell(value)
                if value.strip() == "":
                    continue
            if value is not None:
                return value
        return None

    def text(self, row: dict[str, Any], name: str) -> str | None:
        cols = self.mapping.get(name)
        if cols is None:
            return None
        if not self.own:  # cell()'s work inline while every cell is text (a CSV's are)
            for col in cols:
                value = row.get(col)
                if type(value) is not str:
                    break  # not text: the general way below
                value = value.strip()
                if value:
                    return value
            else:
                return None
        value = self.cell(row, name)
        if value is None or type(value) is str:
            return value
        if isinstance(value, dict | list):
            raise RowError(f"{name} must be text", self.mapping[name][0], json.dumps(value))
        return str(value)

    def when(self, text: str, column: str | None, direction: str = "future") -> datetime | date:
        """A cell's date; `direction` picks the year a yearless one falls in
        (and the Friday `fri` is), as for the options (funnelcli.dates)."""
        hit = self._dates.get((text, direction))
        if hit is not None:
            return hit
        when = self._read_when(text, column, direction)
        if len(self._dates) < CACHED:
            self._dates[(text, direction)] = when
        return when

    def _read_when(self, text: str, column: str | None, direction: str) -> datetime | date:
        from funnelcli.dates import parse_when

        if self.excel and is_number(text):
            serial = excel_serial(text)
            if serial is None:
                raise RowError(
                    "not an Excel serial date (61 is 1 March 1900, 2958465 31 December 9999)",
                    column,
                    text,
                    cause="not an Excel serial date",
                )
            return serial
        try:
            return parse_when(
                crm_stamp(text), self.ctx.now, self.order, direction, self.ctx.config.workdays
            )
        except Invalid as exc:
            # the options' list of every accepted form is too long for each line
            message = exc.message.split(" (accepted:")[0]
            cause = "can't read as a date"
            if "ambiguous" in message:
                message += " (or give --date-order)"
                cause = "ambiguous day and month (give --date-order)"
            elif is_number(text):
                message += " (an Excel serial date? add --excel-dates)"
                cause = "a number, not a date (an Excel serial date? add --excel-dates)"
            raise RowError(message, column, text, cause) from None

    def instant(self, text: str | None, column: str | None) -> str | None:
        """A moment in the past, as stored UTC text; a date is the start of its day."""
        return self.moment(text, column)[0]

    def moment(self, text: str | None, column: str | None) -> Moment | tuple[None, None]:
        """instant(), and for a bare date the start of the next day (the
        moment could be any time before it)."""
        if text is None:
            return NO_MOMENT
        hit = self._instants.get(text)
        if hit is not None:
            return hit
        when = self.when(text, column, "past")
        end = None
        if isinstance(when, datetime):
            moment = when
        else:
            moment = start_of_day(when)
            try:
                end = utc_text(start_of_day(when + timedelta(days=1)))
            except (Invalid, OverflowError):
                end = None
        if moment > self.ctx.now:
            raise RowError(
                "is in the future; history records what already happened",
                column,
                text,
                cause="in the future; history records what already happened",
            )
        try:
            stamp = utc_text(moment)
        except Invalid as exc:
            raise RowError(
                exc.message, column, text, cause="outside the times funnelcli keeps"
            ) from None
        got = (stamp, end)
        if len(self._instants) < CACHED:
            self._instants[text] = got
        return got

    def flag(self, row: dict[str, Any], name: str) -> bool | None:
        """A true/false cell (IsWon, IsClosed); None when empty."""
        value = self.cell(row, name)
        if value is None:
            return None
        got = flag(value)
        if got is None:
            raise RowError("not true or false", self.mapping[name][0], value, "not true or false")
        return got

    # - deal fields -

    def updated(self, row: dict[str, Any], created: str) -> str:
        """When the deal last changed: an export's own, when it is a time that
        can be (not before the deal, not to come); else now."""
        text = row.get("updated_at") if self.own else None
        if not isinstance(text, str) or not text.strip():
            return self.recorded
        if len(text) == 20 and text[10] == "T" and text[19] == "Z":  # as stored: no parse
            try:
                datetime.fromisoformat(text[:19])
            except ValueError:
                return self.recorded
            return text if created <= text <= self.recorded else self.recorded
        try:
            at = self.instant(text, "updated_at")
        except RowError:
            return self.recorded
        return at if at is not None and at >= created else self.recorded

    def email(self, row: dict[str, Any]) -> str | None:
        text = self.text(row, "email")
        if text is None:
            return None
        local, _, domain = text.partition("@")
        if not local or not domain or any(c.isspace() for c in text):
            raise RowError("not an e-mail address", self.mapping["email"][0], text)
        return text

    def money(self, row: dict[str, Any]) -> tuple[int | None, str]:
        currency = self.text(row, "currency")
        default = self.ctx.config.currency if currency is None else self._currency(currency)
        value = self.cell(row, "value")
        if value is None:
            return None, default
        if type(value) is str and value.isascii() and value.isdigit() and len(value) < 16:
            return int(value) * self._scale(default), default  # whole units: most amounts
        from funnelcli.money import parse_amount

        col = self.mapping["value"][0]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise RowError("not an amount", col, value)
        try:
            minor, cur = parse_amount(str(value), default)
        except Invalid as exc:
            raise RowError(exc.message, col, value) from None
        if currency is not None and cur != default:
            raise RowError(f"the amount is in {cur} but the currency column says {default}", col)
        return minor, cur

    def _currency(self, text: str) -> str:
        code = self._currencies.get(text)
        if not code:
            from funnelcli.money import normalize_currency

            try:
                code = self._currencies[text] = normalize_currency(text)
            except Invalid as exc:
                raise RowError(exc.message, self.mapping["currency"][0], text) from None
        return code

    def _scale(self, currency: str) -> int:
        scale = self._scales.get(currency)
        if scale is None:
            from funnelcli.money import minor_exponent

            scale = self._scales[currency] = 10 ** minor_exponent(currency)
        return scale

    def probability(self, row: dict[str, Any]) -> int | None:
        name = (
            "probability_override" if self.own and "probability_override" in self.mapping else None
        )
        if self.own and name is None:
            return None  # an export's `probability` is the effective one, not an override
        value = self.cell(row, name or "probability")
        if value is None:
            return None
        col = self.mapping[name or "probability"][0]
        text = str(value).strip().removesuffix("%").strip()
        try:
            number = float(text)
        except ValueError:
            raise RowError("not a probability (0-100)", col, value) from None
        if not 0 <= number <= 100 or number != int(number):
            raise RowError("a probability is a whole number from 0 to 100", col, value)
        return int(number)

    def day(self, row: dict[str, Any], name: str) -> str | None:
        text = self.text(row, name)
        if text is None:
            return None
        when = self.when(text, self.mapping[name][0])
        return (when.date() if isinstance(when, datetime) else when).isoformat()

    def follow_up(self, row: dict[str, Any]) -> str | None:
        """The next follow-up: a day, or from an export the time it was set
        for (next_follow_up_at, a timestamp with its offset) when it has one."""
        name = "next_follow_up_at" if self.text(row, "next_follow_up_at") else "next_follow_up"
        text = self.text(row, name)
        if text is None:
            return None
        from funnelcli.dates import to_iso

        return to_iso(self.when(text, self.mapping[name][0]))

    def tags(self, row: dict[str, Any]) -> list[str]:
        value = self.cell(row, "tags")
        if value is None:
            return []
        if isinstance(value, list):  # a tag holds no comma (as --tag says): split there too
            parts = [part for v in value for part in str(v).split(",")]
        else:
            parts = re.split(TAG_SEPARATOR[self.own], str(value))
        return sorted({str(t).strip() for t in parts if str(t).strip()})

    def fields(self, row: dict[str, Any]) -> dict[str, str]:
        out: dict[str, str] = {}
        given = self.cell(row, "fields")
        if given is not None:
            if isinstance(given, str):
                given = json_cell(given, "not a JSON object", self.mapping["fields"][0])
            if not isinstance(given, dict):
                raise RowError("not a JSON object", self.mapping["fields"][0], given)
            out.update({str(k): str(v) for k, v in given.items() if v is not None})
        columns = self.columns
        custom = columns.custom
        if columns.dynamic:
            custom = [c for c in row if c not in columns.used and c not in columns.skip]
        for c in custom:
            value = row.get(c)
            if value is None:
                continue
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, bool):  # JSON's true, not Python's True
                value = "true" if value else "false"
            text = unescape_cell(str(value)) if self.unguard else str(value)
            if text.strip():
                out[c] = text
        return out

    def ids(self, row: dict[str, Any]) -> tuple[str, int | None]:
        deal_uuid = self.text(row, "uuid") if self.own else None
        if deal_uuid is not None:
            try:
                deal_uuid = str(uuid.UUID(deal_uuid))
            except ValueError:
                raise RowError("not a uuid", self.mapping["uuid"][0], deal_uuid) from None
        deal_id = None
        raw = self.cell(row, "id") if self.own and self.fresh else None
        if raw is not None:
            try:
                deal_id = int(raw)
            except (TypeError, ValueError):
                raise RowError("not a deal number", self.mapping["id"][0], raw) from None
        return deal_uuid or str(uuid.uuid4()), deal_id

    def activities(self, row: dict[str, Any]) -> list[Activity]:
        given = self.cell(row, "activities") if self.own else None
        if given is None:
            return []
        col = self.mapping["activities"][0]
        if isinstance(given, str):
            given = json_cell(given, "not a JSON list", col)
        if not isinstance(given, list):
            raise RowError("not a JSON list", col, given)
        out = []
        for a in given:
            if not isinstance(a, dict) or not a.get("kind") or not a.get("at"):
                raise RowError("each activity needs a kind and an at", col)
            at = self.instant(str(a["at"]), col)
            assert at is not None
            keep = a.get("id") if self.fresh and isinstance(a.get("id"), int) else None
            note = note_text(a.get("note"), col)
            out.append((keep, str(a["kind"]), note, at, str(a.get("recorded_at") or at)))
        return out


def note_text(value: object, column: str) -> str | None:
    """A history or activity note: text or nothing (SQLite would refuse a list
    later, far from its line)."""
    if value is None or isinstance(value, str):
        return value
    raise RowError("a note is text", column)


def json_cell(text: str, what: str, column: str) -> Any:
    """A cell holding JSON (fields, history, activities in a CSV), parsed."""
    try:
        return parse_json(text)
    except UnreadableJSON as exc:  # the message says what; the cell may be huge
        raise RowError(exc.msg, column) from None
    except json.JSONDecodeError:
        raise RowError(what, column, text) from None


def unescape_cell(text: str) -> str:
    """Undo the formula guard of funnelcli's own CSV: a leading ' before = + - @
    tab CR or another ' (render.text.guard_formula)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r'":
        return text[1:]
    return text
