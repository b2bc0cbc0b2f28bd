"""Floor for `funnel --version`: a Typer app with a root callback holding an
eager --version option and one command; prints the version. No database."""

from typing import Annotated

import typer

app = typer.Typer(add_completion=False)


def _version(value: bool) -> None:
    if value:
        typer.echo("funnel 0.1.0")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    """Floor for --version."""


@app.command("noop")
def noop() -> None:
    """The one command."""


if __name__ == "__main__":
    app()
