"""Shell completion: what `funnel <TAB>` offers, and how the shell asks.

Imported only when the shell asks (`_FUNNEL_COMPLETE` set, RootGroup) or
`--show-completion`/`--install-completion` is given: an ordinary command
loads none of this.

The shell scripts and the way each shell passes the command line are
Typer's (`typer/_completion_shared.py`: bash sends COMP_WORDS/COMP_CWORD,
zsh and fish send `_TYPER_COMPLETE_ARGS`), but for one fix to zsh's script
(ZSH_SCRIPT); the instruction may be written
either way round (`complete_bash`, Typer's scripts, or `bash_complete`,
Click's). Commands and option names come from Click; the values of the
parameters in `VALUES` come from the database and the config, read-only
(services/names.py). Anything that goes wrong offers nothing, silently: a
completion never prints an error into the shell (FUNNEL_DEBUG=1 raises it).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from typer._click import Command, Context, Parameter  # typer is pinned to 0.28.x
from typer._click.shell_completion import (
    CompletionItem,
    ShellComplete,
    _resolve_context,
    _resolve_incomplete,
)
from typer._completion_classes import BashComplete, FishComplete, ZshComplete

PROG = "funnel"
COMPLETE_VAR = "_FUNNEL_COMPLETE"
SHELLS = ("bash", "zsh", "fish")

# A parameter's name -> the names it takes (from the database, the config).
VALUES = {
    "stage": "stage",
    "after": "stage",  # stage add/move --after/--before
    "before": "stage",
    "pipeline": "pipeline",
    "owner": "owner",
    "tag": "tag",
    "untag": "tag",
    "source": "source",
    "kind": "kind",
    "key": "setting",  # config get/set
}


def complete(cli: Command, ctx_args: MutableMapping[str, Any], instruction: str) -> int:
    """Answer the shell's `_FUNNEL_COMPLETE=<instruction>`: `complete_bash`
    (or `bash_complete`) prints the completions, `source_bash` the script."""
    first, _, second = instruction.partition("_")
    shell, action = (first, second) if first in SHELLS else (second, first)
    if shell not in SHELLS or action not in ("complete", "source"):
        return 1
    comp = SHELL_CLASSES[shell](cli, ctx_args, PROG, COMPLETE_VAR)
    if action == "source":
        print(script(shell))
        return 0
    try:
        out = comp.complete()
    except Exception:
        if os.environ.get("FUNNEL_DEBUG"):
            raise
        return 1
    if out:
        print(out)
    return 0


# Typer's zsh script, autoloaded from fpath as `_funnel`, only defines the
# function and binds it on the first TAB, which then completes nothing (a
# real zsh rang the bell); this one also completes when it is autoloaded,
# and binds itself when it is sourced instead.
ZSH_SCRIPT = """\
#compdef funnel

_funnel_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _FUNNEL_COMPLETE=complete_zsh funnel)
}

if [[ "${funcstack[1]}" == _funnel ]]; then
  _funnel_completion "$@"
else
  compdef _funnel_completion funnel
fi"""


def script(shell: str) -> str:
    """The script that hooks `funnel` into `shell` (Typer's, but for zsh)."""
    if shell == "zsh":
        return ZSH_SCRIPT
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell)


class _Funnel(ShellComplete):
    """Completions as Click finds them, with the database's names for the
    parameters in VALUES. A file or directory is left to the shell's own
    completion (offering nothing lets the script fall back to it)."""

    with_help = True

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        if args[-1:] in (["--install-completion"], ["--show-completion"]):
            return [CompletionItem(s) for s in SHELLS if s.startswith(incomplete)]
        ctx = _resolve_context(self.cli, self.ctx_args, self.prog_name, args)
        obj, incomplete = _resolve_incomplete(ctx, args, incomplete)
        if isinstance(obj, Parameter):
            what = VALUES.get(obj.name or "")
            if what is not None and not hasattr(obj.type, "choices"):
                return [CompletionItem(v) for v in values(what, ctx, incomplete)]
        elif not self.with_help and ctx.parent is None and not incomplete.startswith("-"):
            # the root's commands by name, none of them imported for a help text
            return [CompletionItem(n) for n in obj.list_commands(ctx) if n.startswith(incomplete)]  # type: ignore[attr-defined]
        items = obj.shell_complete(ctx, incomplete)
        return [i for i in items if i.type not in ("file", "dir")]


class Bash(_Funnel, BashComplete):
    with_help = False  # bash shows none
    _before = ""  # what each reply starts with: "=" when that is the word being completed

    def get_completion_args(self) -> tuple[list[str], str]:
        """Bash splits `--stage=q` at the `=` (COMP_WORDBREAKS) into `--stage`,
        `=`, `q`: put the option and its value back together."""
        args, incomplete = super().get_completion_args()
        if args[-2:-1] and args[-2].startswith("--") and args[-1] == "=":
            args = args[:-1]
        elif args[-1:] and args[-1].startswith("--") and incomplete == "=":
            self._before, incomplete = "=", ""  # the word bash replaces is the "="
        return args, incomplete

    def format_completion(self, item: CompletionItem) -> str:
        # quoted, so a name with a space stays one word
        return self._before + shlex.quote(str(item.value))


class Zsh(_Funnel, ZshComplete):
    def format_completion(self, item: CompletionItem) -> str:
        # Typer's, without rendering the help through rich (ours is plain text)
        def escape(s: str) -> str:
            return (
                s.replace('"', '""')
                .replace("'", "''")
                .replace("$", "\\$")
                .replace("`", "\\`")
                .replace(":", r"\\:")
            )

        if item.help:
            return f'"{escape(str(item.value))}":"{escape(" ".join(item.help.split()))}"'
        return f'"{escape(str(item.value))}"'


class Fish(_Funnel, FishComplete):
    def format_completion(self, item: CompletionItem) -> str:
        if item.help:
            return f"{item.value}\t{' '.join(item.help.split())}"
        return f"{item.value}"


SHELL_CLASSES: dict[str, type[ShellComplete]] = {"bash": Bash, "zsh": Zsh, "fish": Fish}


def values(what: str, ctx: Context, incomplete: str) -> list[str]:
    """The names of `what` that start with `incomplete` (case ignored)."""
    found = [v for v in _names(what, ctx) if v.casefold().startswith(incomplete.casefold())]
    return found


def _names(what: str, ctx: Context) -> list[str]:
    from funnelcli.cli.state import AppState

    obj = ctx.find_root().obj  # RootGroup made it (made afresh when run otherwise)
    st = obj if isinstance(obj, AppState) else AppState()
    if what == "kind":
        return st.config.activity_kinds
    if what == "setting":
        from funnelcli.config import DATABASE_KEYS, DEFAULTS

        return [*(k for k in DEFAULTS if k != "config_version"), *DATABASE_KEYS]
    from funnelcli.services.names import known_names

    db = ctx.find_root().params.get("db")
    if isinstance(db, (str, Path)) and str(db):
        st.db_option = str(db)  # the root's callback, which sets it, is not run
    deal = ctx.params.get("deal")
    pipeline = ctx.params.get("pipeline")
    return known_names(
        st.db_url() or st.db_path(),
        what,
        pipeline=pipeline if isinstance(pipeline, str) else None,
        deal=deal if isinstance(deal, str) else None,
        default_pipeline=st.config.default_pipeline,
    )
