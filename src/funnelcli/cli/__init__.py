"""The `funnel` command: parse -> call one service -> render."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`funnelcli.cli.app`: the app with every command registered (tests, docs)."""
    if name == "app":
        from funnelcli.cli.root import app, register

        register()
        return app
    raise AttributeError(name)
