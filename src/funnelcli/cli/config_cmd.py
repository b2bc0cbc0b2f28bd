"""`funnel config get|set|path`."""

from typing import Annotated

import typer

from funnelcli.cli.group import FunnelCommand
from funnelcli.cli.options import Format
from funnelcli.cli.state import state
from funnelcli.config import DATABASE_KEYS, DEFAULTS, DESCRIPTIONS, save_setting
from funnelcli.errors import Invalid, NotFound, StorageError
from funnelcli.render.output import Column, Output
from funnelcli.render.text import safe

config_app = typer.Typer(
    help="Settings: default owner, currency, date order, pipeline, db; the database's timezone.",
    no_args_is_help=True,
)


def _shown(value: object) -> str:
    if isinstance(value, bool):  # as TOML writes it
        return "true" if value else "false"
    if value is None:  # not read (the timezone of a database that could not be opened)
        return ""
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


@config_app.command("get", cls=FunnelCommand)
def get(
    ctx: typer.Context,
    key: Annotated[
        str | None, typer.Argument(help="One setting (default: all).", metavar="KEY")
    ] = None,
    fmt: Format = "table",
) -> None:
    """Show settings in effect (timezone is the database's, the rest the config file's).

    Example: funnel config get currency
    """
    out = Output(fmt)
    st = state(ctx)
    config = st.config
    known = [*DEFAULTS, *DATABASE_KEYS]
    if key is not None and key not in known:
        raise NotFound(f"unknown config key '{key}' (known: {', '.join(known)})")
    keys = known if key is None else [key]
    values = {k: config[k] for k in keys if k in DEFAULTS}
    if values.get("db"):  # a password written into the file is never shown
        from funnelcli.dburl import shown_target

        values["db"] = shown_target(str(values["db"]))
    about = dict(DESCRIPTIONS)
    if "timezone" in keys:
        from funnelcli.services.settings import ABOUT, timezone

        about["timezone"] = ABOUT
        try:
            values["timezone"] = timezone(st.context(write=False, missing_ok=True))
        except (StorageError, Invalid) as exc:
            if key is not None:
                raise
            # the file's settings are still worth showing (and fixing `db`)
            values["timezone"] = None
            out.message(safe(f"timezone: not read: {exc}"))
    if key is not None:
        if out.fmt == "json":
            out.emit_object(lambda: {key: values[key]}, list)
        else:
            out.out.write(safe(_shown(values[key])) + "\n")
        return
    if out.fmt in ("json",):
        out.emit_object(lambda: dict(values), list)
        return
    out.emit_list(
        keys,
        lambda k: {"key": k, "value": values[k], "description": about[k]},
        [
            Column("Key", lambda k: k, style="bold"),
            Column("Value", lambda k: _shown(values[k])),
            Column("About", lambda k: about[k], style="dim", cut=True),
        ],
    )


@config_app.command("set", cls=FunnelCommand)
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Setting name.", metavar="KEY")],
    value: Annotated[str, typer.Argument(help="New value.", metavar="VALUE")],
) -> None:
    """Change a setting (validated, written to the TOML file; timezone to the database).

    Example: funnel config set currency EUR
    Example: funnel config set timezone Europe/Warsaw
    """
    st = state(ctx)
    if key in DATABASE_KEYS:
        from funnelcli.services.settings import check_zone, set_timezone

        zone = check_zone(value)  # before the database is opened (or made)
        c = st.context(write=True)
        stored, recounted = set_timezone(c, zone)
        again = f"; {recounted} stage stays counted again in it" if recounted else ""
        Output().message(safe(f"{key} = {stored}  (database {c.store.name}{again})"))
        return
    if key == "db":
        _check_db_setting(value)
    config = st.config
    stored = save_setting(config, key, value)
    Output().message(safe(f"{key} = {_shown(stored)}  ({config.path})"))


def _check_db_setting(value: str) -> None:
    """`config set db` takes what --db takes: no password (this command line
    is as readable as any other), no server address mistaken for a file."""
    from funnelcli.cli.state import NO_PASSWORD, check_db_target
    from funnelcli.dburl import has_password, is_url
    from funnelcli.errors import UsageError

    if is_url(value) and has_password(value):
        raise UsageError(NO_PASSWORD.format(where="config set db"))
    check_db_target(value, "config set db")


@config_app.command("path", cls=FunnelCommand)
def path(ctx: typer.Context) -> None:
    """Print where the config file is (FUNNEL_CONFIG overrides it).

    Example: funnel config path
    """
    st = state(ctx)
    typer.echo(str(st.config.path))
