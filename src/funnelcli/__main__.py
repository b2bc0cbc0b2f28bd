"""`python -m funnelcli` and the `funnel` console script."""

from __future__ import annotations

import sys


def main() -> None:
    from funnelcli.cli.root import app, command_name, register

    register(command_name(sys.argv[1:]))

    try:
        app()
    except BrokenPipeError:
        from funnelcli.cli.group import quiet_broken_pipe

        quiet_broken_pipe()
        sys.exit(0)


if __name__ == "__main__":
    main()
