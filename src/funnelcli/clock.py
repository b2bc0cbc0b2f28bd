"""Instants: stored as UTC ISO-8601 text, shown and reasoned about in local time.

Core code receives `now` as a naive local datetime (the CLI reads the clock
or `FUNNEL_NOW`); these helpers convert at the storage boundary.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_text(local: datetime) -> str:
    """Naive local time -> '2026-11-23T09:15:00Z'."""
    aware = local.astimezone(UTC) if local.tzinfo else local.astimezone().astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_from_utc(text: str) -> datetime:
    """'2026-11-23T09:15:00Z' -> naive local time."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone().replace(tzinfo=None)


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
