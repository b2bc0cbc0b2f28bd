"""`funnel report …`: the group and the commands in it."""

import typer

from funnelcli.cli.group import FunnelCommand
from funnelcli.cli.report_activity import activity_cmd
from funnelcli.cli.report_lost import lost_cmd
from funnelcli.cli.report_review import review_cmd
from funnelcli.cli.report_team import calibration_cmd, forecast_cmd, owners_cmd
from funnelcli.cli.reports import funnel_cmd, metrics_cmd

report_app = typer.Typer(
    help="Reports: the funnel and the numbers behind it.", no_args_is_help=True
)
report_app.command("metrics", cls=FunnelCommand)(metrics_cmd)
report_app.command("funnel", cls=FunnelCommand)(funnel_cmd)
report_app.command("owners", cls=FunnelCommand)(owners_cmd)
report_app.command("forecast", cls=FunnelCommand)(forecast_cmd)
report_app.command("calibration", cls=FunnelCommand)(calibration_cmd)
report_app.command("lost", cls=FunnelCommand)(lost_cmd)
report_app.command("activity", cls=FunnelCommand)(activity_cmd)
report_app.command("review", cls=FunnelCommand)(review_cmd)
