"""Names from the database that shell completion offers: pipelines, the
stages a command line can mean, owners, tags and sources. Nothing is ever
written or created: no file, no names (store/names.py)."""

from __future__ import annotations

from pathlib import Path

from funnelcli.models import stage_key
from funnelcli.store.names import Names

# what -> the deals' field FilterValues knows it by
DEAL_FIELDS = {"owner": "owner", "tag": "tag", "source": "source"}
WHAT = ("pipeline", "stage", *DEAL_FIELDS)


def known_names(
    path: Path | str,
    what: str,
    *,
    pipeline: str | None = None,
    deal: str | None = None,
    default_pipeline: str = "",
) -> list[str]:
    """The names of `what` (one of WHAT) in the database at `path` (a team
    database's URL too). Stages:
    of the pipeline named (a unique prefix will do), else of the deal's
    (a deal number), else the default pipeline's first, then the others'."""
    names = Names.open(path)
    if names is None:
        return []
    try:
        if what == "pipeline":
            return names.pipelines()
        if what == "stage":
            return names.stages(_pipelines_meant(names, pipeline, deal, default_pipeline))
        return names.values(DEAL_FIELDS[what])
    finally:
        names.close()


def _pipelines_meant(
    names: Names, pipeline: str | None, deal: str | None, default: str
) -> list[int]:
    """The ids of the pipelines whose stages a command line can mean, the likeliest first."""
    keys = names.pipeline_keys()
    if pipeline is not None:
        key = stage_key(pipeline)
        exact = [i for i, k in keys if k == key]
        return exact or [i for i, k in keys if k.startswith(key)]
    if deal is not None and deal.isdigit():
        found = names.deal_pipeline(int(deal))
        if found is not None:
            return [found]
    first = [i for i, k in keys if k == stage_key(default)]
    return first + [i for i, _ in keys if i not in first]
