"""The root command: global options, and the table of the commands under it.

Typer builds every parameter of every command it knows about on each start,
so the root knows its commands only by name: `COMMANDS` maps each to where it
lives, and the root group imports and builds just the one a command line
names (Click's documented pattern for lazily loaded subcommands). `--help`
and a mistyped name build them all.
"""

import importlib
import os
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Annotated, Any

import typer
from typer._click import Command, Context  # typer is pinned to 0.28.x

from funnelcli import __version__
from funnelcli.cli.group import FunnelCommand, FunnelGroup

# name -> "module:attr": a function (one command) or a Typer app (a group of
# them). In the order `funnel --help` lists them.
COMMANDS: dict[str, str] = {
    "add": "funnelcli.cli.deal_edit:add",
    "list": "funnelcli.cli.deals:list_cmd",
    "show": "funnelcli.cli.deals:show",
    "edit": "funnelcli.cli.deal_edit:edit",
    "move": "funnelcli.cli.deals:move",
    "won": "funnelcli.cli.deals:won",
    "lost": "funnelcli.cli.deals:lost",
    "reopen": "funnelcli.cli.deals:reopen",
    "delete": "funnelcli.cli.deals:delete",
    "log": "funnelcli.cli.touches:log",
    "follow-up": "funnelcli.cli.touches:follow_up",
    "snooze": "funnelcli.cli.touches:snooze",
    "due": "funnelcli.cli.followups:due",
    "stale": "funnelcli.cli.followups:stale",
    "inbox": "funnelcli.cli.inbox:inbox",
    "import": "funnelcli.cli.data:import_cmd",
    "export": "funnelcli.cli.data:export_cmd",
    "backup": "funnelcli.cli.data:backup_cmd",
    "restore": "funnelcli.cli.data:restore_cmd",
    "changes": "funnelcli.cli.changes:changes_cmd",
    "undo": "funnelcli.cli.changes:undo_cmd",
    "demo": "funnelcli.cli.demo:demo",
    "board": "funnelcli.cli.board:board",
    "doctor": "funnelcli.cli.doctor:doctor",
    "pipeline": "funnelcli.cli.pipelines:pipeline_app",
    "stage": "funnelcli.cli.pipelines:stage_app",
    "config": "funnelcli.cli.config_cmd:config_app",
    "team": "funnelcli.cli.team_mode:team_app",
    "report": "funnelcli.cli.report_group:report_app",
}


# ctx.meta key: the root's own command line, as given
ROOT_ARGS = "funnelcli.root_args"


def _in(*modules: str) -> tuple[str, ...]:
    return tuple(n for n, where in COMMANDS.items() if where.partition(":")[0] in modules)


DEAL_VERBS = _in("funnelcli.cli.deals", "funnelcli.cli.deal_edit")
FOLLOW_UP_VERBS = _in("funnelcli.cli.touches", "funnelcli.cli.followups")
DATA_VERBS = _in("funnelcli.cli.data")


def build(name: str, where: str) -> Command:
    """The click command for COMMANDS[name], its module imported now."""
    module, _, attr = where.partition(":")
    target = getattr(importlib.import_module(module), attr)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer(add_completion=False)
    single.command(name, cls=FunnelCommand)(target)
    return typer.main.get_command(single)


class RootGroup(FunnelGroup):
    """The root group: its subcommands are the COMMANDS table, each built on
    first lookup; its context holds the run's state."""

    # Any: forwarded to Click's Group(**attrs), typed Any there
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._built: dict[str, Command] = {}
        # Click's `commands` (Typer's did-you-mean reads its names, the docs
        # and tests walk it): the same table, built on lookup.
        self.commands = _Commands(self)  # type: ignore[assignment]

    # Any: Click's own signature (**extra: context settings, typed Any there)
    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        """The context, and in it the run's state, which keeps the command line
        (the change log records it). Made once the options are parsed, so
        --version and --help load none of it."""
        argv = list(args)  # parsing consumes the list
        ctx = super().make_context(info_name, args, parent, **extra)
        from funnelcli.cli.state import AppState

        ctx.obj = AppState(argv=argv)
        ctx.call_on_close(ctx.obj.close)
        return ctx

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        ctx.meta[ROOT_ARGS] = list(args)  # for --install-completion SHELL
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    # Any: Click's own signature (the context settings, typed Any there)
    def _main_shell_completion(
        self, ctx_args: MutableMapping[str, Any], prog_name: str, complete_var: str | None = None
    ) -> None:
        """The shell asks for completions (`_FUNNEL_COMPLETE`, whatever the
        program's name): answer and exit. Otherwise one look at the
        environment, and nothing of completion is imported."""
        instruction = os.environ.get("_FUNNEL_COMPLETE")
        if not instruction:
            return
        try:
            from funnelcli.cli.completion import complete

            code = complete(self, ctx_args, instruction)
        except Exception:  # never a traceback into the shell
            if os.environ.get("FUNNEL_DEBUG"):
                raise
            code = 1
        sys.exit(code)

    # Any: Click's own return type (a command returns whatever its callback does)
    def invoke(self, ctx: Context) -> Any:
        """The command, then the hooks of what it committed (cli/hooks.py),
        whatever became of its output (a change that committed stands); not
        after a Ctrl-C."""
        try:
            rv = super().invoke(ctx)
        except KeyboardInterrupt:
            raise
        except BaseException:
            _run_hooks(ctx)
            raise
        _run_hooks(ctx)
        return rv

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        return self.load(cmd_name)

    def load(self, name: str) -> Command | None:
        if name not in COMMANDS:
            return None
        if name not in self._built:
            self._built[name] = build(name, COMMANDS[name])
        return self._built[name]


def _run_hooks(ctx: Context) -> None:
    """The hooks of what the command committed; with no hooks directory (the
    usual case) one stat, and nothing of the hooks imported."""
    obj = ctx.obj
    if obj is not None and obj.has_events() and os.path.isdir(obj.hooks_dir()):
        from funnelcli.cli.hooks import run_hooks

        run_hooks(obj)


class _Commands(Mapping[str, Command]):
    """A RootGroup's commands as a read-only mapping."""

    def __init__(self, group: RootGroup) -> None:
        self._group = group

    def __getitem__(self, name: str) -> Command:
        command = self._group.load(name)
        if command is None:
            raise KeyError(name)
        return command

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


app = typer.Typer(
    name="funnel",
    cls=RootGroup,
    help="A sales pipeline in your terminal: deals, stages, follow-ups and the funnel.",
    epilog="Docs and examples: README.md. Dates: 2026-12-01, tomorrow, +3d, fri, eom.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:  # not while the shell asks for completions
        typer.echo(f"funnel {__version__}")
        raise typer.Exit()


def _completion(ctx: typer.Context, param: typer.CallbackParam, value: bool) -> None:
    """--show-completion/--install-completion [SHELL]: do it and exit (the
    completion modules are imported only then). Typer's Click parses no
    option with an optional value, so the word after the flag, when it is no
    option, names the shell (`funnel --install-completion zsh`)."""
    if not value or ctx.resilient_parsing:
        return
    from funnelcli.cli import completion_install

    flag = param.opts[0]
    words: list[str] = ctx.meta.get(ROOT_ARGS, [])
    after = words[words.index(flag) + 1 :][:1] if flag in words else []
    shell = after[0] if after and not after[0].startswith("-") else ""
    if flag == "--show-completion":
        completion_install.show(shell)
    else:
        completion_install.install(shell)
    raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database file or postgresql:// URL (else FUNNEL_DB, config `db`, data dir).",
            show_default=False,
        ),
    ] = None,
    no_hooks: Annotated[
        bool,
        typer.Option(
            "--no-hooks",
            help="Run no hooks after this command's change (else FUNNEL_HOOKS, config `hooks`).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    install_completion: Annotated[
        bool,
        typer.Option(
            "--install-completion",
            callback=_completion,
            is_eager=True,
            help="Install TAB completion: bash, zsh or fish may follow (default: this shell).",
        ),
    ] = False,
    show_completion: Annotated[
        bool,
        typer.Option(
            "--show-completion",
            callback=_completion,
            is_eager=True,
            help="Print the completion script: bash, zsh or fish may follow (default: this shell).",
        ),
    ] = False,
) -> None:
    """A sales pipeline in your terminal: deals, stages, follow-ups and the funnel."""
    from funnelcli.cli.state import state

    run = state(ctx)
    run.set_db_option(db)
    run.no_hooks = no_hooks
