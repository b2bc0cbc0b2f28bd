"""The `funnel` command: parse -> call one service -> render."""

from funnelcli.cli.root import app

__all__ = ["app"]
