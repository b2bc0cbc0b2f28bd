"""`python -m funnelcli` and the `funnel` console script."""

from __future__ import annotations

import sys


def main() -> None:
    from funnelcli.cli.root import app

    try:
        app()
    except BrokenPipeError:
        from funnelcli.cli.group import quiet_broken_pipe
        from funnelcli.errors import ExitCode

        quiet_broken_pipe()
        sys.exit(ExitCode.OK)


if __name__ == "__main__":
    main()
