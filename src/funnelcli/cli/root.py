"""The root command: global options, and the command groups joined together."""

from pathlib import Path
from typing import Annotated

import typer

from funnelcli import __version__
from funnelcli.cli.group import FunnelGroup

app = typer.Typer(
    name="funnel",
    cls=FunnelGroup,
    help="A sales pipeline in your terminal: deals, stages, follow-ups and the funnel.",
    epilog="Docs and examples: README.md. Dates: 2026-12-01, tomorrow, +3d, fri, eom.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"funnel {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Database file (else FUNNEL_DB, config `db`, data dir).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """A sales pipeline in your terminal: deals, stages, follow-ups and the funnel."""
    from funnelcli.cli.state import AppState

    ctx.obj = AppState(db_option=db)
    ctx.call_on_close(ctx.obj.close)


DEAL_VERBS = ("add", "list", "show", "edit", "move", "won", "lost", "reopen", "delete")
FOLLOW_UP_VERBS = ("log", "follow-up", "snooze", "due", "stale")
DATA_VERBS = ("import", "export", "backup", "restore")
CHANGE_VERBS = ("changes", "undo")
_registered = False


def register(command: str | None = None) -> None:
    """Register the commands a command line can reach: Typer builds the parameters
    of every registered command on every start. "" = none (--version), None = all."""
    global _registered
    if _registered:
        return
    _registered = True
    if command == "":
        return
    if command in DEAL_VERBS:
        from funnelcli.cli import deals

        deals.register(app, only=command)
        return
    if command in FOLLOW_UP_VERBS:
        from funnelcli.cli import followups

        followups.register(app, only=command)
        return
    if command in CHANGE_VERBS:
        from funnelcli.cli import changes

        changes.register(app, only=command)
        return
    if command == "doctor":
        from funnelcli.cli import doctor

        doctor.register(app)
        return
    if command in DATA_VERBS:
        from funnelcli.cli import data

        data.register(app, only=command)
        return
    from funnelcli.cli import (
        board,
        changes,
        config_cmd,
        data,
        deals,
        demo,
        doctor,
        followups,
        pipelines,
        report_team,
        reports,
    )

    deals.register(app)
    followups.register(app)
    data.register(app)
    changes.register(app)
    app.add_typer(pipelines.pipeline_app, name="pipeline")
    app.add_typer(pipelines.stage_app, name="stage")
    app.add_typer(config_cmd.config_app, name="config")
    app.add_typer(reports.report_app, name="report")
    demo.register(app)
    board.register(app)
    doctor.register(app)
    del report_team  # its commands joined report_app on import


def command_name(args: list[str]) -> str | None:
    """The command named on a command line: "" when none is needed (--version),
    None when all may be (no command, --help, anything unusual)."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--db":
            i += 2
        elif arg.startswith("--db="):
            i += 1
        elif arg == "--version":
            return ""
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None
