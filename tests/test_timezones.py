"""One team, one calendar (issue 14): the database's `timezone` setting decides
report windows, bare dates and today, whatever TZ the process runs under; and
days between two calendar dates are whole calendar days in any zone.

Hand-checked cases here; the real data set under several zones is in
tests/test_timezones_maven.py."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from helpers import add, connect, ok, ok_json, one_error, show, team_url

FIXTURES = Path(__file__).parent / "fixtures"


def in_tz(monkeypatch: pytest.MonkeyPatch, tz: str) -> None:
    """Run what follows as a process in zone `tz` would."""
    monkeypatch.setenv("TZ", tz)
    time.tzset()


def stays(db: Path) -> list[tuple[str, str, float]]:
    with connect(db) as conn:
        rows = conn.execute(
            "SELECT entered_at, left_at, days FROM stage_stays "
            "WHERE left_at IS NOT NULL ORDER BY id"
        ).fetchall()
    conn.close()
    return [(a, b, d) for a, b, d in rows]


def zone_in(db: Path) -> str:
    conn = connect(db)
    try:
        return str(conn.execute("SELECT value FROM settings WHERE key = 'timezone'").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Warsaw", "Pacific/Kiritimati"])
def test_a_stay_across_a_clock_change_is_whole_days(funnel, monkeypatch, isolated, tz):
    in_tz(monkeypatch, tz)  # a database made here takes the machine's zone
    if team_url(isolated / "funnel.db") is not None:  # a team database: team init's
        ok(funnel, "config", "set", "timezone", tz)
    add(funnel, "Across", "--at", "2026-03-01")
    ok(funnel, "move", "1", "demo", "--at", "2026-04-15")  # over both clock changes
    ok(funnel, "won", "1", "--at", "2026-11-20")  # and over the autumn ones
    assert zone_in(isolated / "funnel.db") == tz
    assert [d for *_, d in stays(isolated / "funnel.db")] == [45.0, 219.0]
    stages = {s["stage"]: s for s in ok_json(funnel, "report", "funnel")["stages"]}
    assert (stages["lead"]["avg_days_in_stage"], stages["demo"]["median_days_in_stage"]) == (
        45.0,
        219.0,
    )
    (metrics,) = ok_json(funnel, "report", "metrics")
    assert metrics["sales_cycle_days"] == 264.0
    # the same figures read from a process in another zone
    in_tz(monkeypatch, "Asia/Tokyo")
    assert ok_json(funnel, "report", "metrics") == [metrics]


def test_a_deal_won_late_on_the_quarters_last_day_counts_in_that_quarter(funnel, monkeypatch):
    monkeypatch.setenv("FUNNEL_NOW", "2026-04-02T12:00")
    ok(funnel, "config", "set", "timezone", "Europe/Warsaw")
    in_tz(monkeypatch, "America/New_York")  # 23:30 in Warsaw is 17:30 here
    add(funnel, "Late", "--at", "2026-03-02", "--value", "100")
    ok(funnel, "won", "1", "--at", "2026-03-31 23:30")
    assert show(funnel, "1")["closed_at"] == "2026-03-31T21:30:00Z"
    for tz in ("America/New_York", "UTC", "Pacific/Kiritimati", "Asia/Tokyo"):
        in_tz(monkeypatch, tz)
        (q1,) = ok_json(funnel, "report", "metrics", "--since", "2026-Q1", "--until", "2026-Q1")
        assert (q1["won"], q1["since"], q1["until"]) == (1, "2026-01-01T00:00", "2026-04-01T00:00")
        (q2,) = ok_json(funnel, "report", "metrics", "--since", "2026-Q2", "--until", "2026-Q2")
        assert q2["won"] == 0, tz
        (march,) = ok_json(funnel, "report", "metrics", "--since", "2026-03", "--until", "2026-03")
        assert march["won"] == 1, tz


def test_show_prints_times_in_the_databases_zone(funnel, monkeypatch):
    ok(funnel, "config", "set", "timezone", "Asia/Tokyo")
    in_tz(monkeypatch, "America/New_York")
    add(funnel, "Tokyo", "--at", "2026-11-20 09:30")
    assert show(funnel, "1")["created_at"] == "2026-11-20T00:30:00Z"
    for tz in ("UTC", "Europe/Warsaw"):
        in_tz(monkeypatch, tz)
        assert "created        2026-11-20 09:30" in ok(funnel, "show", "1").stdout


def test_today_is_the_databases_today(funnel, monkeypatch):
    """FUNNEL_NOW as an instant: 23:30 UTC is already tomorrow in Tokyo."""
    ok(funnel, "config", "set", "timezone", "Asia/Tokyo")
    add(funnel, "Tomorrow in UTC", "--follow-up", "2026-11-24")
    add(funnel, "Today in UTC", "--follow-up", "2026-11-23")
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T23:30:00Z")
    for tz in ("UTC", "America/New_York"):
        in_tz(monkeypatch, tz)
        due = ok_json(funnel, "due")
        assert {d["title"]: d["days_overdue"] for d in due if d["days_overdue"] is not None} == {
            "Today in UTC": 1,
            "Tomorrow in UTC": 0,
        }, tz


def test_stale_counts_days_in_the_databases_zone(funnel, monkeypatch):
    ok(funnel, "config", "set", "timezone", "Europe/Warsaw")
    in_tz(monkeypatch, "UTC")
    monkeypatch.setenv("FUNNEL_NOW", "2026-03-30T00:00")  # Warsaw's midnight
    ok(funnel, "stage", "set", "lead", "--rot-days", "6")
    add(funnel, "s1", "--at", "2026-03-23")  # 7 calendar days, 6 d 23 h of time
    assert [(d["title"], d["idle_days"]) for d in ok_json(funnel, "stale")] == [("s1", 7)]


@pytest.mark.sqlite_only  # no database file yet: the machine's zone; a first write makes it
def test_config_get_and_set_timezone(funnel, isolated, monkeypatch):
    db = isolated / "funnel.db"
    in_tz(monkeypatch, "America/New_York")
    # no database yet: the machine's zone, and nothing is created
    assert ok(funnel, "config", "get", "timezone").stdout == "America/New_York\n"
    assert not db.exists()
    r = funnel("config", "set", "timezone", "Europe/Warsw")
    one_error(r, 1, "unknown time zone 'Europe/Warsw': did you mean Europe/Warsaw?")
    assert not db.exists()  # a bad name changes nothing, makes nothing
    r = ok(funnel, "config", "set", "timezone", "europe/warsaw")  # any case
    assert r.stdout + r.stderr == f"timezone = Europe/Warsaw  (database {db})\n"
    assert zone_in(db) == "Europe/Warsaw"
    assert ok_json(funnel, "config", "get")["timezone"] == "Europe/Warsaw"
    assert "timezone  " in ok(funnel, "config", "get").stdout
    one_error(funnel("config", "set", "timezone", ""), 1, "unknown time zone ''")
    one_error(funnel("config", "set", "timezone", "../../etc/passwd"), 1, "unknown time zone")
    assert zone_in(db) == "Europe/Warsaw"
    assert (
        "timezone" not in (isolated / "config.toml").read_text()
        if (isolated / "config.toml").exists()
        else True
    )


def test_setting_the_zone_counts_stays_again_and_undo_puts_both_back(funnel, isolated):
    db = isolated / "funnel.db"
    add(funnel, "a", "--at", "2026-03-01")
    ok(funnel, "move", "1", "demo", "--at", "2026-04-01")
    assert [d for *_, d in stays(db)] == [31.0]  # UTC
    r = ok(funnel, "config", "set", "timezone", "America/New_York")
    assert "1 stage stays counted again" in r.stdout + r.stderr
    # stored instants stay: midnight UTC was 19:00 (EST) on 28 February in
    # New York and 20:00 (EDT) on 31 March
    assert [d for *_, d in stays(db)] == [pytest.approx(31 + 1 / 24)]
    assert ok(funnel, "doctor").exit_code == 0
    ok(funnel, "undo")
    assert zone_in(db) == "UTC"
    assert [d for *_, d in stays(db)] == [31.0]
    assert ok(funnel, "doctor").exit_code == 0


def test_an_older_database_gets_the_machines_zone_and_whole_days(isolated, monkeypatch, funnel):
    """m008 on a v7 file: the zone its bare dates were read in (the machine's),
    stays counted in that zone's calendar; the file as it was is kept beside."""
    db = isolated / "old.db"
    shutil.copyfile(FIXTURES / "schema-v7.sqlite", db)
    # one stay from midnight to midnight in New York over its clock change (1
    # Nov 2026), as a v7 funnelcli there stored it: 21 days and an hour of UTC
    with connect(db) as conn:
        conn.execute(
            "UPDATE stage_stays SET entered_at = '2026-10-20T04:00:00Z', "
            "left_at = '2026-11-10T05:00:00Z', days = 21 + 1 / 24.0 "
            "WHERE id = (SELECT min(id) FROM stage_stays WHERE left_at IS NOT NULL)"
        )
    conn.close()
    before = stays(db)
    in_tz(monkeypatch, "America/New_York")
    assert ok_json(funnel, "--db", str(db), "config", "get", "timezone") == {
        "timezone": "America/New_York"
    }
    assert zone_in(db) == "America/New_York"
    assert list(isolated.glob("old.db.before-migration-v7-*"))
    ny = ZoneInfo("America/New_York")

    def wall(text: str) -> datetime:
        return datetime.fromisoformat(text).astimezone(ny).replace(tzinfo=None)

    after = stays(db)
    assert [(a, b) for a, b, _ in after] == [(a, b) for a, b, _ in before]
    for a, b, days in after:
        assert days == pytest.approx((wall(b) - wall(a)).total_seconds() / 86400, abs=1e-9)
    # the stay over the clock change lost its hour; the others are as they were
    assert after[0][2] == 21.0
    changed = [abs(x[2] - y[2]) for x, y in zip(before, after, strict=True)]
    assert [round(d * 24, 6) for d in changed] == [1] + [0] * (len(after) - 1)


def test_funnel_now_with_an_offset_is_read_in_the_databases_zone(funnel, monkeypatch):
    ok(funnel, "config", "set", "timezone", "Asia/Tokyo")
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T10:15:00+00:00")
    add(funnel, "x")
    got: dict[str, Any] = show(funnel, "1")
    assert got["created_at"] == "2026-11-23T10:15:00Z"
    assert datetime(2026, 11, 23, 10, 15, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo")).hour == 19
    assert "created        2026-11-23 19:15" in ok(funnel, "show", "1").stdout


def test_a_zone_this_system_has_no_data_for_is_one_clear_error(funnel, isolated):
    add(funnel, "x")
    with connect(isolated / "funnel.db") as conn:
        conn.execute("UPDATE settings SET value = 'Mars/Olympus_Mons' WHERE key = 'timezone'")
    conn.close()
    one_error(funnel("list"), 1, "time zone 'Mars/Olympus_Mons' is unknown on this system")


def test_a_machine_zone_without_a_name_makes_a_utc_database(funnel, isolated, monkeypatch):
    """TZ as a POSIX rule names no IANA zone: the database is UTC, and its
    times are UTC's, not the rule's."""
    in_tz(monkeypatch, "ABC-2")
    add(funnel, "x", "--at", "2026-11-20 09:30")
    assert zone_in(isolated / "funnel.db") == "UTC"
    assert show(funnel, "1")["created_at"] == "2026-11-20T09:30:00Z"


def test_undo_dry_run_of_a_zone_change_leaves_the_zone(funnel, isolated):
    add(funnel, "a", "--at", "2026-03-01")
    ok(funnel, "move", "1", "demo", "--at", "2026-04-01")
    ok(funnel, "config", "set", "timezone", "America/New_York")
    before = stays(isolated / "funnel.db")
    r = ok(funnel, "undo", "--dry-run")
    assert "1 setting changed" in r.stdout + r.stderr
    assert zone_in(isolated / "funnel.db") == "America/New_York"
    assert stays(isolated / "funnel.db") == before
    assert "created        2026-02-28 19:00" in ok(funnel, "show", "1").stdout


UTC_DAYS = [
    "2026-11-23T10:15:00Z",
    "2026-11-23T23:59:59Z",
    "2026-11-23T00:00:00.123456Z",
    "2024-02-29T12:00:00Z",
    "2023-02-29T12:00:00Z",  # no such day: NULL, as the long way says
    "2026-13-01T00:00:00Z",
    "2026-11-23T25:00:00Z",
    "2026-W48-1T10:00:00Z",  # an ISO week date: its own day, not its first ten characters
    "2026-11-23T10:15:00+05:00",
    "2026-11-23T01:15:00-05:00",
    "2026-11-23",
    "2026-11-23T10:15",
    "",
    "Z",
    "not a dateTZ",
    None,
    42,
]


@pytest.mark.parametrize("value", UTC_DAYS)
def test_the_utc_calendar_shortcut_gives_the_long_ways_day(value):
    """In UTC, zone_date reads a stored instant's day from its text; on
    every input it is what parsing it and converting it to UTC gives."""
    from funnelcli.store.zone import _zone_date

    assert _zone_date(UTC, utc=True)(value) == _zone_date(UTC)(value)
