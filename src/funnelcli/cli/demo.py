"""`funnel demo`: a throwaway database with realistic deals, shown."""

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from funnelcli.cli.state import state
from funnelcli.errors import Conflict
from funnelcli.render.output import Output
from funnelcli.render.records import deal_record
from funnelcli.render.text import safe
from funnelcli.render.views import DEAL_COLUMNS


def demo(
    ctx: typer.Context,
    deals: Annotated[
        int, typer.Option("--deals", help="How many deals to make.", min=1, max=5000)
    ] = 48,
) -> None:
    """Make a throwaway demo database with realistic deals and show the pipeline.

    Your own database is not touched: the demo goes to a new temporary file,
    or to the one `funnel --db PATH demo` names, which must not exist yet
    (--db is an option of funnel, before the command).

    Example: funnel demo · funnel --db /tmp/try.db demo
    """
    from funnelcli.render.records import due_record
    from funnelcli.render.views import DUE_COLUMNS
    from funnelcli.services.deals import deal_filter, list_deals
    from funnelcli.services.demo import build_demo
    from funnelcli.services.followups import DUE_STATES, due_list

    st = state(ctx)
    if st.db_option is not None:
        path = st.db_where()[0]
        if path.exists():
            raise Conflict(f"{path} exists; the demo only writes a new file")
    else:
        path = Path(tempfile.mkdtemp(prefix="funnel-demo-")) / "demo.db"
        st.db_option = str(path)
    c = st.context(write=True)
    build_demo(c, deals)
    out = Output("table")
    out.message(safe(f"demo database: {path}"))
    out.message(
        f"try: funnel --db {safe(str(path))} show 1   (or export FUNNEL_DB={safe(str(path))})"
    )
    out.lines([[("Open deals, by stage", "bold")]])
    with c.reading():
        out.emit_list(list_deals(c, deal_filter(c, sort="stage")), deal_record, DEAL_COLUMNS)
    out.lines([[], [("Who to call (funnel due)", "bold")]])
    items = due_list(c).items
    out.emit_groups(
        [(name.capitalize(), "", [i for i in items if i.state == name]) for name in DUE_STATES],
        due_record,
        DUE_COLUMNS,
    )
    from funnelcli.cli.inbox import inbox
    from funnelcli.services.demo import HANDOFF_OWNER, HANDOFF_STAGE

    out.lines(
        [
            [],
            [(f"Handed to {HANDOFF_OWNER}, who owns {HANDOFF_STAGE} (funnel inbox)", "bold")],
        ]
    )
    inbox(ctx, owner=HANDOFF_OWNER, peek=True, everything=False, fmt="table")
    from funnelcli.cli.reports import funnel_cmd, metrics_cmd

    out.lines([[], [("The funnel (funnel report funnel)", "bold")]])
    funnel_cmd(ctx, pipeline=None, owner=None, since=None, until=None, fmt="table")
    out.lines([[], [("The numbers (funnel report metrics)", "bold")]])
    metrics_cmd(ctx, pipeline=None, owner=None, since=None, until=None, fmt="table")
