"""What `add` and `edit` were asked to set, checked and turned into column values.

The verbs themselves are in services/deal_edit.py; `--value`/`--currency`
are read by services.deals.money_values, which `won --value` shares.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from funnelcli.errors import Conflict, Invalid
from funnelcli.models import Record
from funnelcli.services import Context, parse_date

# What add and edit trim off the ends of a value (spaces and tabs, not line breaks).
BLANKS = " \t"
# Text columns a user sets directly; "" clears them on edit.
TEXT_FIELDS = ("org", "contact", "email", "phone", "source")


class DealChanges(Record):
    """What `add` or `edit` was asked to set; None means "not given". (A plain
    class, as funnelcli.models explains: `add` makes it on every run.)"""

    __slots__ = (  # noqa: RUF023 (in option order, as repr lists them)
        "title",
        "org",
        "contact",
        "email",
        "phone",
        "value",
        "currency",
        "owner",
        "pipeline",
        "stage",
        "source",
        "expected_close",
        "follow_up",
        "probability",
        "external_id",
        "note",
        "tags",
        "untags",
        "fields",
    )

    def __init__(
        self,
        *,
        title: str | None = None,
        org: str | None = None,
        contact: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        value: str | None = None,
        currency: str | None = None,
        owner: str | None = None,
        pipeline: str | None = None,
        stage: str | None = None,
        source: str | None = None,
        expected_close: str | None = None,
        follow_up: str | None = None,
        probability: int | None = None,
        external_id: str | None = None,
        note: str | None = None,
        tags: list[str] | None = None,
        untags: list[str] | None = None,
        fields: list[str] | None = None,
    ) -> None:
        self.title = title
        self.org = org
        self.contact = contact
        self.email = email
        self.phone = phone
        self.value = value
        self.currency = currency
        self.owner = owner
        self.pipeline = pipeline
        self.stage = stage
        self.source = source
        self.expected_close = expected_close
        self.follow_up = follow_up
        self.probability = probability
        self.external_id = external_id
        self.note = note
        self.tags = [] if tags is None else tags
        self.untags = [] if untags is None else untags
        self.fields = [] if fields is None else fields


def _title(text: str) -> str:
    if not text.strip():
        raise Invalid("a deal needs a title")
    return text


def _email(text: str) -> str:
    local, _, domain = text.partition("@")
    if not local or not domain or any(c.isspace() for c in text):
        raise Invalid(f"--email: '{text}' is not an e-mail address")
    return text


def _tags(tags: list[str]) -> list[str]:
    out = []
    for tag in tags:
        tag = tag.strip()
        if not tag or "," in tag:
            raise Invalid(f"--tag: '{tag}' is not a tag (non-empty, no commas)")
        out.append(tag)
    return out


def field_values(pairs: list[str], *, allow_remove: bool) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    removed: list[str] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise Invalid(f"--field: '{pair}' is not key=value")
        if value == "" and allow_remove:
            removed.append(key)
        else:
            values[key] = value
    return values, removed


def _probability(value: int) -> int:
    if not 0 <= value <= 100:
        raise Invalid(f"--probability must be between 0 and 100, not {value}")
    return value


def _follow_up(ctx: Context, text: str) -> str:
    from funnelcli.dates import to_iso

    when = parse_date(ctx, text, "--follow-up")
    day = when.date() if isinstance(when, datetime) else when
    if day < ctx.now.date():
        raise Invalid(f"--follow-up {text} is in the past ({day.isoformat()})")
    return to_iso(when)


def _expected_close(ctx: Context, text: str) -> str:
    """A day, looking ahead (`mar 31` is the next 31 March); a period
    (`2026-Q4`, `next month`) means by its last day."""
    from funnelcli.dates import parse_span

    if (span := parse_span(text, ctx.now)) is not None:
        end = span[1]  # the day after the last, or date.max for a period ending in 9999
        return (end if end == date.max else end - timedelta(days=1)).isoformat()
    when = parse_date(ctx, text, "--expected-close")
    return (when.date() if isinstance(when, datetime) else when).isoformat()


def note_new_names(ctx: Context, ch: DealChanges) -> None:
    """A note for each owner, source or tag `ch` sets that no deal has yet and
    that is close to one some deal has (`--owner ana` where anna exists): it is
    kept as given (a new name is allowed), but the person hears of it. Asks
    nothing when none of them is given. Call inside the write."""
    given = (
        ("owner", [ch.owner.strip(BLANKS)] if ch.owner and ch.owner.strip() else []),
        ("source", [ch.source.strip(BLANKS)] if ch.source and ch.source.strip() else []),
        ("tag", [t.strip() for t in ch.tags if t.strip()]),
    )
    if not any(values for _, values in given):
        return
    import difflib

    from funnelcli.store.filters import FilterValues

    found = FilterValues(ctx.store.conn)
    for field, values in given:
        for name in found.missing(field, values) if values else []:
            # A slip of a letter (ana/anna, webiste/website: ratio 0.86), not a
            # name that shares a part (Jane Doe and jane 0.67, meena and meera 0.8).
            known = {k.casefold(): k for k in found.known(field)}
            close = difflib.get_close_matches(name.casefold(), list(known), n=1, cutoff=0.85)
            if close:
                ctx.notes.append(f"new {field} '{name}' (did you mean {known[close[0]]}?)")


def common_values(ctx: Context, ch: DealChanges, deal_id: int | None) -> dict[str, Any]:
    """Columns from the options add and edit share (not money, stage or pipeline)."""
    values: dict[str, Any] = {}
    if ch.title is not None:
        values["title"] = _title(ch.title).strip(BLANKS)
    # Spaces around a value are a slip of the keyboard: `--owner "anna "` is anna
    # (as import and --tag already read them), and only spaces clears it on edit.
    # Line breaks are data (a CSV cell may end in one) and are kept.
    for name in TEXT_FIELDS:
        text = getattr(ch, name)
        if text is not None:
            text = text.strip(BLANKS)
            values[name] = None if text == "" else (_email(text) if name == "email" else text)
    if ch.owner is not None:
        if not ch.owner.strip():
            raise Invalid("--owner can't be empty")
        values["owner"] = ch.owner.strip(BLANKS)
    if ch.expected_close is not None:
        values["expected_close"] = (
            _expected_close(ctx, ch.expected_close) if ch.expected_close else None
        )
    if ch.follow_up is not None:
        values["next_follow_up"] = _follow_up(ctx, ch.follow_up) if ch.follow_up else None
    if ch.probability is not None:
        values["probability"] = _probability(ch.probability)
    if ch.external_id is not None:
        external = ch.external_id.strip() or None  # refs are looked up stripped
        values["external_id"] = external
        other = ctx.store.deals.id_by_external_id(external) if external else None
        if other is not None and other != deal_id:
            raise Conflict(f"external id '{external}' is already deal {other}")
    return values


def apply_tags_fields(ctx: Context, deal_id: int, ch: DealChanges, *, allow_remove: bool) -> None:
    if ch.tags:
        ctx.store.deals.add_tags(deal_id, _tags(ch.tags))
    if ch.untags:
        ctx.store.deals.remove_tags(deal_id, _tags(ch.untags))
    values, removed = field_values(ch.fields, allow_remove=allow_remove)
    if values:
        ctx.store.deals.set_fields(deal_id, values)
    if removed:
        ctx.store.deals.remove_fields(deal_id, removed)


def rescale(minor: int, old: str, new: str) -> int:
    """Keep the amount when only the currency label changes (USD 12.50 -> EUR 12.50)."""
    from funnelcli.money import minor_exponent

    shift = minor_exponent(new) - minor_exponent(old)
    if shift >= 0:
        return minor * int(10**shift)
    if minor % 10**-shift:
        raise Invalid(f"the value has more decimals than {new} allows; give --value too")
    return minor // int(10**-shift)
