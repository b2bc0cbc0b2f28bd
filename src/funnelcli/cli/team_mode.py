"""`funnel team …`: a pipeline a small team shares on PostgreSQL."""

from pathlib import Path
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


@team_app.command("migrate-from", cls=FunnelCommand)
def migrate_from(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The solo funnelcli database (a SQLite file) to copy; read, never changed.",
            show_default=False,
        ),
    ],
) -> None:
    """Copy a solo funnelcli database into an empty team database.

    The target is named by --db, FUNNEL_DB or config `db`, as a postgresql://
    URL. It must have no funnelcli schema yet (an empty database: it gets the
    schema) or be just as `funnel team init` left it (no deals, no changes;
    its default pipeline and time zone are replaced by the file's); anything
    else is refused. Everything is copied, numbers and history as they are:
    pipelines (removed stages too), deals, tags, fields, stage history,
    activities, the time zone, and the change log, so `funnel changes` and
    `funnel undo` go on from where the file was. A deleted deal's number is
    not given again. All or nothing: one transaction.

    FILE must be of this funnelcli's schema: open an older one once with
    this funnelcli first (any command, e.g. `funnel --db FILE list`), which
    upgrades it and keeps a copy beside it.

    Example: funnel --db postgresql://crm.example.com/sales team migrate-from ~/funnel.db
    """
    from funnelcli.services.team_mode import migrate_from as copy_file

    url = _team_url(ctx, "team migrate-from")
    name, counts = copy_file(url, file)
    Output().message(safe(f"copied {_summary(counts)} from {file} into {name}"))


def _team_url(ctx: typer.Context, command: str) -> str:
    """The team database's URL; one clear error when --db names a file."""
    url = state(ctx).db_url()
    if url is None:
        raise Invalid(
            f"`{command}` needs a PostgreSQL database: name it with "
            "--db postgresql://HOST/DATABASE (or FUNNEL_DB, or config `db`)"
        )
    return url


def _summary(counts: dict[str, int]) -> str:
    """'8,800 deals (1 pipeline, 2 stages, …)': what a copy brought."""

    def n(table: str, one: str, many: str) -> str:
        k = counts.get(table, 0)
        return f"{k:,} {one if k == 1 else many}"

    return (
        f"{n('deals', 'deal', 'deals')} ({n('pipelines', 'pipeline', 'pipelines')}, "
        f"{n('stages', 'stage', 'stages')}, {n('stage_events', 'stage event', 'stage events')}, "
        f"{n('activities', 'activity', 'activities')}, {n('changes', 'change', 'changes')})"
    )
