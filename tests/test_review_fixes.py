"""Regressions for problems a review found: each was wrong before its fix."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _one_error(r, code: int, text: str) -> None:  # type: ignore[no-untyped-def]
    assert (r.exit_code, r.stdout) == (code, "")
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("funnel: error: "), r.stderr
    assert text in r.stderr


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["add", "x", "--bogus"], "No such option: --bogus"),
        (["move", "1"], "Missing argument 'stage'"),
        (["list", "--limit", "abc"], "'abc' is not a valid int"),
        (["nosuch"], "No such command 'nosuch'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(funnel, args, text):
    _one_error(funnel(*args), 2, text)


def test_no_command_prints_help_and_succeeds(funnel):
    r = funnel()
    assert r.exit_code == 0 and "Usage: funnel" in r.stdout


def test_arguments_that_are_not_utf8_are_refused(tmp_path):
    env = {**os.environ, "FUNNEL_DB": str(tmp_path / "f.db")}
    r = subprocess.run(
        [sys.executable, "-m", "funnelcli", "add", b"bad\xffbyte"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "funnel: error: arguments must be valid UTF-8 text\n"


def test_a_hand_edited_config_is_checked(funnel, isolated):
    (isolated / "config.toml").write_text('currency = "usd"\n')
    assert funnel("add", "a", "--format", "json").json()["currency"] == "USD"
    (isolated / "config.toml").write_text('currency = "[red]X"\n')
    _one_error(funnel("add", "b"), 1, "is not a currency code")
    (isolated / "config.toml").write_text('owner = ""\n')
    _one_error(funnel("add", "c"), 1, "owner can't be empty")


def test_config_that_cannot_be_written(funnel, isolated, monkeypatch):
    import funnelcli.config

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(funnelcli.config.os, "replace", full)
    _one_error(funnel("config", "set", "owner", "bob"), 1, "can't write config file")
    assert not list(isolated.glob("*.tmp"))


def test_edit_needs_something_to_change(funnel):
    funnel("add", "a")
    _one_error(funnel("edit", "1"), 1, "nothing to change")


def test_closed_deals_take_no_follow_up_through_edit(funnel):
    funnel("add", "a")
    funnel("won", "1")
    _one_error(funnel("edit", "1", "--follow-up", "tomorrow"), 1, "closed deal has no follow-ups")


def test_won_value_must_be_an_amount_in_the_deals_currency(funnel):
    funnel("add", "a", "--value", "100")
    _one_error(funnel("won", "1", "--value", ""), 1, "give the final amount")
    _one_error(funnel("won", "1", "--value", "100 EUR"), 1, "is in EUR but deal 1 is in USD")
    assert funnel("show", "1", "--format", "json").json()["status"] == "open"


def test_at_with_no_at_given_says_now(funnel, monkeypatch):
    funnel("add", "a", "--at", "2026-11-20")
    funnel("move", "1", "demo")  # at FUNNEL_NOW, 2026-11-23 10:15
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-21T09:00")
    _one_error(funnel("move", "1", "proposal"), 1, "now is before deal 1's last change")


def test_a_local_time_skipped_by_dst_is_refused(funnel, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Warsaw")
    monkeypatch.setenv("FUNNEL_NOW", "2026-03-29T12:00")
    time.tzset()
    assert funnel("add", "w", "--at", "2026-03-29T01:45").exit_code == 0
    _one_error(funnel("move", "1", "demo", "--at", "2026-03-29T02:30"), 1, "doesn't exist")
    assert funnel("move", "1", "demo", "--at", "2026-03-29T03:30").exit_code == 0


def test_a_stage_prefix_ambiguous_in_any_pipeline_is_refused(funnel):
    funnel("pipeline", "create", "shop", "--template", "simple")  # prospecting, pricing…
    _one_error(funnel("list", "--stage", "p"), 1, "matches several stages of shop")


def test_demo_is_one_transaction_and_quick(funnel, isolated: Path):
    r = funnel("--db", str(isolated / "demo.db"), "demo", "--deals", "300")
    assert r.exit_code == 0, r.stderr
    assert "Who to call" in r.stdout


def test_stale_counts_calendar_days_across_dst(funnel, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Warsaw")
    monkeypatch.setenv("FUNNEL_NOW", "2026-03-30T00:00")
    time.tzset()
    funnel("stage", "set", "lead", "--rot-days", "6")
    funnel("add", "s1", "--at", "2026-03-23")  # 7 calendar days, only 6 days 23 h of time
    r = funnel("stale", "--format", "json")
    assert [(d["title"], d["idle_days"]) for d in r.json()] == [("s1", 7)]


def test_closing_a_deal_ends_its_snooze(funnel):
    funnel("add", "a")
    funnel("snooze", "1", "+1w")
    funnel("lost", "1", "--reason", "x")
    funnel("reopen", "1")
    assert funnel("show", "1", "--format", "json").json()["snoozed_until"] is None
