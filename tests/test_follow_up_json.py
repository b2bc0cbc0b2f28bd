"""`next_follow_up` is one type in JSON (issue 13): always a day, `YYYY-MM-DD`
(or null); a follow-up set with a time also has `next_follow_up_at`, a full
local timestamp with its offset. Export writes both, import reads the time back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from helpers import add, ok, ok_json, show, team_url

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("tz", ["UTC", "Europe/Warsaw", "America/New_York"])
def test_next_follow_up_is_a_day_and_the_time_a_timestamp(
    funnel: Any, monkeypatch: pytest.MonkeyPatch, tz: str
) -> None:
    import time

    monkeypatch.setenv("TZ", tz)
    time.tzset()
    offset = {"UTC": "+00:00", "Europe/Warsaw": "+01:00", "America/New_York": "-05:00"}[tz]
    if team_url() is not None:  # a team database's zone is team init's, not the machine's
        ok(funnel, "config", "set", "timezone", tz)
    add(funnel, "Timed", "--follow-up", "fri 10:00")
    add(funnel, "Day", "--follow-up", "fri")
    add(funnel, "None")
    got = {d["title"]: d for d in ok_json(funnel, "list")}
    for deal in [*got.values(), show(funnel, "1"), *ok_json(funnel, "due", "--within", "7")]:
        assert deal["next_follow_up"] is None or DAY.fullmatch(deal["next_follow_up"]), deal
    assert (got["Timed"]["next_follow_up"], got["Timed"]["next_follow_up_at"]) == (
        "2026-11-27",
        f"2026-11-27T10:00:00{offset}",
    )
    assert (got["Day"]["next_follow_up"], got["Day"]["next_follow_up_at"]) == ("2026-11-27", None)
    assert (got["None"]["next_follow_up"], got["None"]["next_follow_up_at"]) == (None, None)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_export_and_import_keep_the_time(funnel: Any, isolated: Path, fmt: str) -> None:
    add(funnel, "Timed", "--follow-up", "fri 10:00")
    add(funnel, "Day", "--follow-up", "fri")
    path = isolated / f"deals.{fmt}"
    ok(funnel, "export", "--format", fmt, "--output", str(path))
    new = ("--db", str(isolated / "new.db"))
    ok(funnel, *new, "import", str(path))
    for ref in ("1", "2"):
        before, after = show(funnel, ref), ok_json(funnel, *new, "show", ref)
        assert (after["next_follow_up"], after["next_follow_up_at"]) == (
            before["next_follow_up"],
            before["next_follow_up_at"],
        )
        assert after["fields"] == {}  # not kept as a custom field
