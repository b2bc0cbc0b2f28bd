"""The periods of a time series (`report metrics --per`, `report activity`):
which days, weeks, months or quarters a report's window covers, in the
database's zone, and the key store/report_series.py gives each of them.

Weeks are ISO weeks, Monday to Sunday (`2026-W48`). Without `--since` a
series is the last few periods up to the current one (which is still
running); `--since`/`--until` inside a period cut that period short, and it
says so with its own `since`/`until`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from funnelcli.clock import start_of_day, utc_text
from funnelcli.errors import Invalid, UsageError
from funnelcli.services import Context, Owners
from funnelcli.services.report_scope import DealScope
from funnelcli.services.reports import Bound, window
from funnelcli.store.report_series import PERS
from funnelcli.store.reports import Window

MAX_PERIODS = 1000  # a longer series is a mistake (`--per day` over years), not a report
_JDN_OF_ORDINAL = 1721425  # date(1, 1, 1).toordinal() is 1; its Julian day number 1721426


@dataclass
class Span:
    """One period of a series: its label, its key in the SQL rows, and the
    part of it the report covers, [since, until) (naive wall time)."""

    label: str
    key: object
    since: datetime
    until: datetime


def period_start(day: date, per: str) -> date:
    """The first day of the period of kind `per` that `day` is in."""
    if per == "week":
        return day - timedelta(days=day.weekday())
    if per == "month":
        return day.replace(day=1)
    if per == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return day


def next_start(start: date, per: str) -> date:
    """The first day of the period after the one starting on `start`."""
    if per == "day":
        return start + timedelta(days=1)
    if per == "week":
        return start + timedelta(weeks=1)
    months = 1 if per == "month" else 3
    after = start.month - 1 + months
    return date(start.year + after // 12, after % 12 + 1, 1)


def back(start: date, per: str, count: int) -> date:
    """The first day of the period `count` periods before the one starting on `start`."""
    if per == "day":
        return start - timedelta(days=count)
    if per == "week":
        return start - timedelta(weeks=count)
    months = start.year * 12 + start.month - 1 - count * (1 if per == "month" else 3)
    return date(months // 12, months % 12 + 1, 1)


def label_and_key(start: date, per: str) -> tuple[str, object]:
    """What a period is called, and the key its rows carry (report_series.period_key)."""
    if per == "day":
        return start.isoformat(), start.isoformat()
    if per == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}", (start.toordinal() + _JDN_OF_ORDINAL) // 7
    if per == "month":
        text = f"{start.year:04d}-{start.month:02d}"
        return text, text
    text = f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    return text, text


def check_per(per: str, allowed: tuple[str, ...] = PERS) -> None:
    if per not in allowed:
        raise UsageError(f"--per must be one of {', '.join(allowed)}, not '{per}'")


def spans(
    per: str, since: datetime | None, until: datetime | None, now: datetime, default: int
) -> list[Span]:
    """The periods from the one `since` is in to the one before `until` (both
    cut to the window), by default the last `default` periods up to now's."""
    end_day = (until - timedelta(microseconds=1)).date() if until is not None else now.date()
    last = period_start(end_day, per)
    first = period_start(since.date(), per) if since is not None else back(last, per, default - 1)
    if since is not None and since >= (until or start_of_day(next_start(last, per))):
        raise Invalid("--since must be before --until")
    found: list[Span] = []
    start = first
    while start <= last:
        if len(found) == MAX_PERIODS:
            raise Invalid(
                f"--per {per} over that window is more than {MAX_PERIODS} periods: "
                "a shorter window (--since/--until) or a longer --per"
            )
        after = next_start(start, per)
        label, key = label_and_key(start, per)
        lo, hi = start_of_day(start), start_of_day(after)
        found.append(
            Span(label, key, max(lo, since) if since else lo, min(hi, until) if until else hi)
        )
        start = after
    return found


def series_window(
    ctx: Context,
    per: str,
    since: Bound,
    until: Bound,
    pipeline_id: int | None,
    owner: Owners,
    default: int,
    scope: DealScope | None = None,
) -> tuple[Window, list[Span]]:
    """The periods the report covers and one window over all of them (call
    inside a read). An owner no deal has is refused, as every report does."""
    w, period = window(ctx, since, until, pipeline_id, owner, scope)
    found = spans(per, period.since, period.until, ctx.now, default)
    w.since, w.until = utc_text(found[0].since), utc_text(found[-1].until)
    return w, found


def year_before(moment: datetime) -> datetime:
    """The same wall time a year earlier; 29 February gives 28 February."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def twin(span: Span, per: str) -> Span:
    """A period's last-year twin: the same month or quarter a year before, the
    week 52 weeks before (same weekdays, the same ISO week number in most years)."""
    if per == "week":
        since, until = span.since - timedelta(weeks=52), span.until - timedelta(weeks=52)
    else:
        since, until = year_before(span.since), year_before(span.until)
    label, key = label_and_key(period_start(since.date(), per), per)
    return Span(label, key, since, until)
