"""Options shared by several commands, so each is spelled the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

Format = Annotated[
    str,
    typer.Option(
        "--format", "-f", help="table, json, jsonl or csv (jsonl/csv for lists).", metavar="FORMAT"
    ),
]
PipelineOpt = Annotated[
    str | None, typer.Option("--pipeline", "-p", help="Pipeline name (default: from config).")
]
DealArg = Annotated[
    str,
    typer.Argument(
        help="Deal number, external id, uuid, or part of its title or org.",
        metavar="DEAL",
        show_default=False,
    ),
]
At = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happened, for backfilling: 2026-11-02, yesterday, -3d. Never in the future.",
    ),
]
OwnerFilter = Annotated[
    list[str] | None,
    typer.Option("--owner", help="Only this owner's deals (repeat it for several: any of them)."),
]
TagFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", "-t", help="Only deals with this tag (repeat it for several: all of them)."
    ),
]
FieldFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        help="Only deals whose custom field NAME is VALUE (case ignored; the same NAME "
        "again: any of its values; other NAMEs: all of them).",
        metavar="NAME=VALUE",
    ),
]
