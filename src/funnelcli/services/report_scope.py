"""The deal filters every report takes besides `--owner`: `--tag` (repeated:
all of them, exact, as `list --tag`) and `--field NAME=VALUE` (the same
name repeated: any of its values; different names: all of them; name and
value ASCII case ignored, as `--owner`). A tag, field or value no deal has
is refused, as an unknown owner is: an empty report must not hide a typo."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from funnelcli.errors import NotFound, UsageError
from funnelcli.services import Context
from funnelcli.store.filters import FieldFilter, fold


@dataclass(frozen=True)
class DealScope:
    """`--tag` and `--field` as typed."""

    tags: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # NAME=VALUE

    @classmethod
    def of(cls, tags: Sequence[str] | None, fields: Sequence[str] | None) -> DealScope:
        return cls(tuple(tags or ()), tuple(fields or ()))


def field_filters(pairs: Sequence[str]) -> tuple[FieldFilter, ...]:
    """`--field NAME=VALUE`… as (name, values) per name, in the order first
    named; a name repeated (case ignored) adds a value it may have."""
    named: dict[str, tuple[str, list[str]]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise UsageError(f"--field takes NAME=VALUE, not '{pair}'")
        named.setdefault(fold(name), (name, []))[1].append(value)
    return tuple((name, tuple(values)) for name, values in named.values())


def check_scope(ctx: Context, tags: Sequence[str], fields: Sequence[FieldFilter]) -> None:
    """Refuse a tag, custom field or field value no deal has, suggesting the
    closest known ones. Call inside a read transaction."""
    from funnelcli.store.filters import FieldValues, FilterValues
    from funnelcli.suggest import did_you_mean, listed

    if tags:
        found = FilterValues(ctx.store.conn)
        missing = found.missing("tag", tags)
        if missing:
            known = found.known("tag")
            raise NotFound(
                f"no deal has tag '{missing[0]}' ({did_you_mean(missing[0], known)}tags: "
                f"{listed(known)})"
            )
    values = FieldValues(ctx.store.conn)
    for name, wanted in fields:
        if not values.has_name(name):
            known = values.names()
            raise NotFound(
                f"no deal has a field '{name}' ({did_you_mean(name, known)}fields: {listed(known)})"
            )
        for value in wanted:
            if not values.has_value(name, value):
                known = values.values(name)
                raise NotFound(
                    f"no deal has {name} '{value}' ({did_you_mean(value, known)}{name} values: "
                    f"{listed(known)})"
                )
