"""`python -m funnelcli` and the `funnel` console script."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    # Importing Typer, Click and the root makes only objects that live until
    # exit: a cycle collection during it finds no garbage, only costs (~10 %
    # of a command's start-up). Collect after it, and never scan those again.
    gc.disable()
    from funnelcli.cli.root import app

    gc.freeze()
    gc.enable()

    try:
        app()
    except BrokenPipeError:
        from funnelcli.cli.group import quiet_broken_pipe
        from funnelcli.errors import ExitCode

        quiet_broken_pipe()
        sys.exit(ExitCode.OK)


if __name__ == "__main__":
    main()
