"""`funnel team …`: a pipeline a small team shares on PostgreSQL."""

from typing import Annotated

import typer

from funnelcli.cli.group import FunnelCommand
from funnelcli.cli.state import state
from funnelcli.errors import Invalid
from funnelcli.render.output import Output
from funnelcli.render.text import safe

team_app = typer.Typer(
    help="Team mode: one pipeline for a small team, in a PostgreSQL database.",
    no_args_is_help=True,
)


@team_app.command("init", cls=FunnelCommand)
def init(
    ctx: typer.Context,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            help="The team's time zone (IANA name; default: this machine's).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Set up an empty PostgreSQL database as the team's pipeline.

    The database is named by --db, FUNNEL_DB or config `db`, as a
    postgresql:// URL; the password comes from ~/.pgpass or PGPASSWORD, never
    the command line. It gets the schema, the default pipeline and the team's
    time zone, which decides report windows and "today" for everyone.

    Example: funnel --db postgresql://crm.example.com/sales team init --timezone Europe/Warsaw
    """
    from funnelcli.services.team_mode import init_team

    st = state(ctx)
    url = st.db_url()
    if url is None:
        raise Invalid(
            "`team init` sets up a PostgreSQL database: name it with "
            "--db postgresql://HOST/DATABASE (or FUNNEL_DB, or config `db`)"
        )
    name, zone = init_team(url, timezone, st.now)
    Output().message(safe(f"team database ready: {name} (time zone {zone})"))
