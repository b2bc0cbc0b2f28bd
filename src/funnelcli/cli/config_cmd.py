"""`funnel config get|set|path`."""

from typing import Annotated

import typer

from funnelcli.cli.group import FunnelCommand
from funnelcli.cli.options import Format
from funnelcli.cli.state import state
from funnelcli.config import DEFAULTS, DESCRIPTIONS, save_setting
from funnelcli.errors import NotFound
from funnelcli.render.output import Column, Output
from funnelcli.render.text import safe

config_app = typer.Typer(
    help="Settings: default owner, currency, date order, pipeline, db.", no_args_is_help=True
)


def _shown(value: object) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


@config_app.command("get", cls=FunnelCommand)
def get(
    ctx: typer.Context,
    key: Annotated[
        str | None, typer.Argument(help="One setting (default: all).", metavar="KEY")
    ] = None,
    fmt: Format = "table",
) -> None:
    """Show settings in effect.

    Example: funnel config get currency
    """
    out = Output(fmt)
    config = state(ctx).config
    if key is not None:
        if key not in DEFAULTS:
            raise NotFound(f"unknown config key '{key}' (known: {', '.join(DEFAULTS)})")
        if out.fmt == "json":
            out.emit_object(lambda: {key: config[key]}, list)
        else:
            out.out.write(safe(_shown(config[key])) + "\n")
        return
    keys = list(DEFAULTS)
    if out.fmt in ("json",):
        out.emit_object(lambda: {k: config[k] for k in keys}, list)
        return
    out.emit_list(
        keys,
        lambda k: {"key": k, "value": config[k], "description": DESCRIPTIONS[k]},
        [
            Column("Key", lambda k: k, style="bold"),
            Column("Value", lambda k: _shown(config[k])),
            Column("About", lambda k: DESCRIPTIONS[k], style="dim", cut=True),
        ],
    )


@config_app.command("set", cls=FunnelCommand)
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Setting name.", metavar="KEY")],
    value: Annotated[str, typer.Argument(help="New value.", metavar="VALUE")],
) -> None:
    """Change a setting (validated, written to the TOML file).

    Example: funnel config set currency EUR
    """
    config = state(ctx).config
    stored = save_setting(config, key, value)
    Output().message(safe(f"{key} = {_shown(stored)}  ({config.path})"))


@config_app.command("path", cls=FunnelCommand)
def path(ctx: typer.Context) -> None:
    """Print where the config file is (FUNNEL_CONFIG overrides it).

    Example: funnel config path
    """
    st = state(ctx)
    typer.echo(str(st.config.path))
