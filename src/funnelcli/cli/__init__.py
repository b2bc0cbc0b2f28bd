"""The `funnel` command: parse -> call one service -> render."""

from funnelcli.cli.app import app

__all__ = ["app"]
