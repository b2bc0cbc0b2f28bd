"""The deal workflow through the CLI: add, list, show, edit, move, close, reopen,
delete; exact JSON, exit codes and the one-line messages.

FUNNEL_NOW is 2026-11-23T10:15:00 (a Monday), TZ=UTC, so local time = UTC.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from typing import Any

import pytest

from funnelcli.dates import FORMS
from helpers import NO_DATABASE_YET, add, fails, follow_up, ok_json, one_error, show, team_url

NOW_UTC = "2026-11-23T10:15:00Z"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

# CLI.md's deal object, plus `stage_entered_at` (an addition the contract allows).
DOCUMENTED_KEYS = [
    "id", "uuid", "external_id", "title", "org", "contact", "email", "phone", "value",
    "currency", "owner", "pipeline", "stage", "status", "probability", "tags", "source",
    "lost_reason", "expected_close", "next_follow_up", "created_at", "updated_at",
    "closed_at", "fields",
]  # fmt: skip
DEAL_KEYS = [
    *DOCUMENTED_KEYS[:-1],
    "stage_entered_at",
    "fields",
    "touches",
    "last_activity_at",
    "snoozed_until",
    "snooze_reason",
    "next_follow_up_at",
]


def ids(funnel: Any, *args: str) -> list[int]:
    return [d["id"] for d in ok_json(funnel, "list", *args)]


def history(funnel: Any, ref: str) -> list[tuple[Any, ...]]:
    return [
        (h["from_stage"], h["to_stage"], h["at"], h["note"]) for h in show(funnel, ref)["history"]
    ]


# -- add -----------------------------------------------------------------------


def test_add_with_every_option(funnel):
    deal = add(
        funnel, "Acme renewal", "--org", "Acme", "--contact", "Ann Lee",
        "--email", "ann@acme.test", "--phone", "+48 600 100 200", "--value", "€1.200,50",
        "--owner", "kasia", "--pipeline", "sales", "--stage", "demo", "--source", "webinar",
        "--tag", "priority", "--tag", "eu", "--expected-close", "eom", "--follow-up", "+3d",
        "--note", "met at the fair", "--probability", "35", "--external-id", "CRM-7",
        "--field", "segment=smb", "--field", "region=north", "--at", "2026-11-02",
    )  # fmt: skip
    assert UUID_RE.fullmatch(deal.pop("uuid"))
    assert deal == {
        "id": 1,
        "external_id": "CRM-7",
        "title": "Acme renewal",
        "org": "Acme",
        "contact": "Ann Lee",
        "email": "ann@acme.test",
        "phone": "+48 600 100 200",
        "value": 1200.5,
        "currency": "EUR",
        "owner": "kasia",
        "pipeline": "sales",
        "stage": "demo",
        "status": "open",
        "probability": 35,
        "tags": ["eu", "priority"],
        "source": "webinar",
        "lost_reason": None,
        "expected_close": "2026-11-30",
        "next_follow_up": "2026-11-26",
        "created_at": "2026-11-02T00:00:00Z",
        "updated_at": NOW_UTC,
        "closed_at": None,
        "stage_entered_at": "2026-11-02T00:00:00Z",
        "fields": {"region": "north", "segment": "smb"},
        "touches": 0,  # the --note is an activity, but internal: no touch
        "last_activity_at": None,
        "snoozed_until": None,
        "snooze_reason": None,
        "next_follow_up_at": None,  # +3d is a day, no time
        "handoff": None,  # the first stage has no owner
    }
    detail = show(funnel, "1")
    assert detail["history"] == [
        {
            "from_stage": None,
            "to_stage": "demo",
            "at": "2026-11-02T00:00:00Z",
            "note": None,
            "handoff": None,
        }
    ]
    assert detail["activities"] == [
        {"id": 1, "kind": "note", "note": "met at the fair", "at": "2026-11-02T00:00:00Z"}
    ]


def test_add_minimal_defaults(funnel):
    r = funnel("add", "Acme renewal")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "added #1 Acme renewal (lead)\n")
    deal = show(funnel, "1")
    assert {k: deal[k] for k in ("value", "currency", "owner", "pipeline", "stage", "status",
                                 "probability", "tags", "fields", "org", "next_follow_up",
                                 "created_at", "history", "activities")} == {
        "value": None, "currency": "USD", "owner": "me", "pipeline": "sales", "stage": "lead",
        "status": "open", "probability": 10, "tags": [], "fields": {}, "org": None,
        "next_follow_up": None, "created_at": NOW_UTC,
        "history": [
            {"from_stage": None, "to_stage": "lead", "at": NOW_UTC, "note": None, "handoff": None}
        ],
        "activities": [],
    }  # fmt: skip


def test_deal_json_keys_are_the_contract(funnel):
    """CLI.md's keys, in order, in every command that prints a deal."""
    add(funnel, "Acme", "--value", "10")
    # add, move and reopen also say what they handed over (docs/json.md#move)
    handing = [
        add(funnel, "Globex"),
        ok_json(funnel, "move", "1", "demo"),
    ]
    records = [
        ok_json(funnel, "list")[0],
        json.loads(funnel("list", "--format", "jsonl").stdout.splitlines()[0]),
        ok_json(funnel, "edit", "1", "--org", "Acme"),
        ok_json(funnel, "won", "1"),
    ]
    handing.append(ok_json(funnel, "reopen", "1"))
    records += [
        ok_json(funnel, "lost", "1", "--reason", "price"),
        ok_json(funnel, "delete", "2", "--yes"),
    ]
    for record in records:
        assert list(record) == DEAL_KEYS
        assert set(DOCUMENTED_KEYS) <= set(record)
    for record in handing:
        assert list(record) == [*DEAL_KEYS, "handoff"] and record["handoff"] is None
    detail = show(funnel, "1")
    assert list(detail) == [*DEAL_KEYS, "history", "activities", "score", "score_parts"]
    keys = ["from_stage", "to_stage", "at", "note", "handoff"]
    assert [list(h) for h in detail["history"]] == [keys] * 5
    ok_json(funnel, "edit", "1", "--note", "x")
    assert [list(a) for a in show(funnel, "1")["activities"]] == [["id", "kind", "note", "at"]]
    rows = list(csv.reader(io.StringIO(funnel("list", "--status", "all", "-f", "csv").stdout)))
    assert rows[0] == DEAL_KEYS
    assert isinstance(detail["id"], int) and isinstance(detail["value"], int)
    assert isinstance(detail["probability"], int) and isinstance(detail["tags"], list)
    assert isinstance(detail["fields"], dict)


@pytest.mark.parametrize(
    ("value", "extra", "expected", "currency"),
    [
        ("4800", [], 4800, "USD"),
        ("4800.50", [], 4800.5, "USD"),
        ("4,800.50", [], 4800.5, "USD"),
        ("4 800,50", [], 4800.5, "USD"),
        ("€1.200,50", [], 1200.5, "EUR"),
        ("1200", ["--currency", "eur"], 1200, "EUR"),
        ("€1.200,50", ["--currency", "EUR"], 1200.5, "EUR"),
        ("£99", [], 99, "GBP"),
        ("1500 PLN", [], 1500, "PLN"),
        ("¥5000", [], 5000, "JPY"),
        ("0", [], 0, "USD"),
    ],
)
def test_add_value_forms(funnel, value, extra, expected, currency):
    deal = add(funnel, "X", "--value", value, *extra)
    assert (deal["value"], deal["currency"]) == (expected, currency)
    assert type(deal["value"]) is type(expected)


def test_add_currency_without_value_and_config_currency(funnel):
    assert add(funnel, "A", "--currency", "pln")["currency"] == "PLN"
    assert funnel("config", "set", "currency", "EUR").exit_code == 0
    assert (add(funnel, "B", "--value", "10")["currency"]) == "EUR"
    assert (add(funnel, "C", "--value", "$10")["currency"]) == "USD"


def test_add_value_and_currency_disagree(funnel):
    fails(
        funnel,
        1,
        "--value €5 is in EUR but --currency says USD",
        "add",
        "X",
        "--value",
        "€5",
        "--currency",
        "USD",
    )
    fails(
        funnel,
        1,
        "'US' is not a currency code (use ISO codes like USD, EUR, PLN)",
        "add",
        "X",
        "--currency",
        "US",
    )
    assert ok_json(funnel, "list") == []


def test_add_unknown_currency_code_refused(funnel):
    r = funnel("add", "X", "--currency", "XYZ")
    assert r.exit_code == 1


def test_owner_default_from_config(funnel):
    assert add(funnel, "A")["owner"] == "me"
    r = funnel("config", "set", "owner", "alice")
    assert r.exit_code == 0, r.stderr
    assert add(funnel, "B")["owner"] == "alice"
    assert add(funnel, "C", "--owner", "bob")["owner"] == "bob"
    fails(funnel, 1, "--owner can't be empty", "add", "D", "--owner", " ")


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("today", "2026-11-23"),
        ("tomorrow", "2026-11-24"),
        ("+3d", "2026-11-26"),
        ("2w", "2026-12-07"),
        ("+1m", "2026-12-23"),
        ("fri", "2026-11-27"),
        ("mon", "2026-11-30"),
        ("eow", "2026-11-27"),
        ("eom", "2026-11-30"),
        ("2026-12-01", "2026-12-01"),
        ("fri 10:00", "2026-11-27T10:00"),
        ("2026-12-01T14:30", "2026-12-01T14:30"),
    ],
)
def test_follow_up_dates_from_funnel_now(funnel, when, expected):
    assert follow_up(add(funnel, "X", "--follow-up", when)) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("eom", "2026-11-30"),
        ("eoq", "2026-12-31"),
        ("2027-03-31", "2027-03-31"),
        ("2026-10-01", "2026-10-01"),
        ("fri 10:00", "2026-11-27"),
    ],
)
def test_expected_close_is_a_date(funnel, when, expected):
    assert add(funnel, "X", "--expected-close", when)["expected_close"] == expected


def test_follow_up_in_the_past_refused(funnel):
    fails(
        funnel,
        1,
        "--follow-up yesterday is in the past (2026-11-22)",
        "add",
        "X",
        "--follow-up",
        "yesterday",
    )
    fails(
        funnel,
        1,
        f"--follow-up: can't read 'someday' as a date ({FORMS})",
        "add",
        "X",
        "--follow-up",
        "someday",
    )
    assert ok_json(funnel, "list") == []


def test_add_probability_override_and_stage_probability(funnel):
    assert add(funnel, "A")["probability"] == 10
    assert add(funnel, "B", "--stage", "proposal")["probability"] == 65
    assert add(funnel, "C", "--stage", "proposal", "--probability", "0")["probability"] == 0
    assert add(funnel, "D", "--probability", "100")["probability"] == 100
    # The override stays when the deal moves; the stage's follows the stage.
    assert ok_json(funnel, "move", "3", "negotiation")["probability"] == 0
    assert ok_json(funnel, "move", "1", "demo")["probability"] == 50


def test_add_at_backdates_creation(funnel):
    deal = add(funnel, "X", "--at", "2026-11-02T09:30", "--note", "first call")
    assert deal["created_at"] == deal["stage_entered_at"] == "2026-11-02T09:30:00Z"
    assert deal["updated_at"] == NOW_UTC
    assert show(funnel, "1")["activities"][0]["at"] == "2026-11-02T09:30:00Z"
    assert add(funnel, "Y", "--at", "-1w")["created_at"] == "2026-11-16T00:00:00Z"
    assert add(funnel, "Z", "--at", "today")["created_at"] == NOW_UTC
    fails(
        funnel,
        1,
        "--at tomorrow is in the future; history records what already happened",
        "add",
        "W",
        "--at",
        "tomorrow",
    )
    fails(
        funnel,
        1,
        "--at 2026-11-23T11:00 is in the future; history records what already happened",
        "add",
        "W",
        "--at",
        "2026-11-23T11:00",
    )


def test_add_external_id_and_fields(funnel):
    add(funnel, "A", "--external-id", "SF-001", "--field", "segment=smb", "--field", "a=b=c")
    assert show(funnel, "SF-001")["fields"] == {"a": "b=c", "segment": "smb"}
    fails(
        funnel, 1, "external id 'SF-001' is already deal 1", "add", "B", "--external-id", "SF-001"
    )
    fails(funnel, 1, "--field: 'segment' is not key=value", "add", "B", "--field", "segment")
    fails(funnel, 1, "--field: '=x' is not key=value", "add", "B", "--field", "=x")
    assert ids(funnel) == [1]


def test_add_bad_title_tags_email(funnel):
    fails(funnel, 1, "a deal needs a title", "add", "  ")
    fails(funnel, 1, "--tag: 'a,b' is not a tag (non-empty, no commas)", "add", "X", "--tag", "a,b")
    fails(funnel, 1, "--tag: '' is not a tag (non-empty, no commas)", "add", "X", "--tag", " ")
    fails(
        funnel,
        1,
        "--email: 'ann.acme.test' is not an e-mail address",
        "add",
        "X",
        "--email",
        "ann.acme.test",
    )
    fails(
        funnel,
        1,
        "--email: 'ann @acme.test' is not an e-mail address",
        "add",
        "X",
        "--email",
        "ann @acme.test",
    )
    assert ok_json(funnel, "list") == []


def test_add_in_other_pipeline(funnel):
    assert funnel("pipeline", "create", "renewals", "--stages", "due,quoted,signed").exit_code == 0
    deal = add(funnel, "A", "--pipeline", "renewals")
    assert (deal["pipeline"], deal["stage"], deal["probability"]) == ("renewals", "due", 25)
    deal = add(funnel, "B", "--pipeline", "REN", "--stage", "QUOT")
    assert (deal["pipeline"], deal["stage"]) == ("renewals", "quoted")
    fails(
        funnel,
        1,
        "no stage 'demo' in pipeline renewals (stages: due, quoted, signed)",
        "add",
        "C",
        "--pipeline",
        "renewals",
        "--stage",
        "demo",
    )
    fails(
        funnel,
        1,
        "'won' is an outcome, not a stage: use `funnel won DEAL`",
        "add",
        "C",
        "--stage",
        "won",
    )


# -- list ----------------------------------------------------------------------


@pytest.fixture
def deals(funnel):
    """Six deals in two pipelines, one won and one lost."""
    assert funnel("pipeline", "create", "renewals", "--stages", "due,quoted,signed").exit_code == 0
    add(
        funnel,
        "Acme renewal",
        "--org",
        "Acme",
        "--value",
        "4800",
        "--tag",
        "priority",
        "--follow-up",
        "tomorrow",
    )
    add(
        funnel,
        "Globex pilot",
        "--org",
        "Globex",
        "--value",
        "12,000",
        "--owner",
        "Bob",
        "--tag",
        "priority",
        "--tag",
        "eu",
        "--stage",
        "demo",
        "--at",
        "2026-11-20",
    )
    add(
        funnel,
        "Initech upgrade",
        "--org",
        "Initech",
        "--contact",
        "Peter Gibbons",
        "--value",
        "900",
        "--owner",
        "bob",
        "--stage",
        "proposal",
        "--at",
        "2026-11-21",
    )
    add(funnel, "Umbrella", "--value", "3000", "--at", "2026-11-01")
    ok_json(funnel, "won", "4", "--at", "2026-11-15")
    add(funnel, "Hooli", "--email", "gavin@hooli.test")
    ok_json(funnel, "lost", "5", "--reason", "no budget")
    add(
        funnel,
        "Acme 2027 renewal",
        "--org",
        "acme corp",
        "--value",
        "2000",
        "--pipeline",
        "renewals",
        "--stage",
        "quoted",
        "--tag",
        "eu",
    )
    return funnel


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], [1, 2, 3, 6]),
        (["--status", "open"], [1, 2, 3, 6]),
        (["--status", "won"], [4]),
        (["--status", "lost"], [5]),
        (["--status", "all"], [1, 2, 3, 4, 5, 6]),
        (["--stage", "demo"], [2]),
        (["-s", "QUOTED"], [6]),
        (["--stage", "pro"], [3]),
        (["--stage", "lead", "--status", "all"], [1, 4, 5]),
        (["--owner", "bob"], [2, 3]),
        (["--owner", "ME"], [1, 6]),
        (["--owner", "bob", "--owner", "ME"], [1, 2, 3, 6]),  # repeated: any of them
        (["--owner", "bob", "--pipeline", "renewals"], []),  # Bob's, but none there
        (["--pipeline", "renewals"], [6]),
        (["--pipeline", "sales"], [1, 2, 3]),
        (["--pipeline", "renewals", "--stage", "quoted"], [6]),
        (["--tag", "priority"], [1, 2]),
        (["--tag", "priority", "--tag", "eu"], [2]),
        (["-t", "eu"], [2, 6]),
        (["--search", "ACME"], [1, 6]),
        (["-q", "gibbons"], [3]),
        (["--search", "hooli", "--status", "all"], [5]),
        (["--sort", "value"], [3, 6, 1, 2]),
        (["--sort", "-value"], [2, 1, 6, 3]),
        (["--sort", "title"], [6, 1, 2, 3]),
        (["--sort", "-id"], [6, 3, 2, 1]),
        (["--sort", "stage"], [1, 2, 3, 6]),
        (["--sort", "created"], [2, 3, 1, 6]),
        (["--sort", "next"], [1, 2, 3, 6]),
        (["--sort", "closed", "--status", "all"], [4, 5, 1, 2, 3, 6]),
        (["--limit", "2"], [1, 2]),
        (["--limit", "0"], []),
        (["--limit", "99999999999999999999"], [1, 2, 3, 6]),
        (["--owner", "bob", "--stage", "demo"], [2]),
        (["--sort", "-value", "--limit", "1", "--tag", "eu"], [2]),
    ],
)
def test_list_filters_and_sorting(deals, args, expected):
    assert ids(deals, *args) == expected


def test_list_bad_options(deals):
    fails(
        deals,
        1,
        "--sort: no field 'size' (fields: id, title, org, value, stage, owner, "
        "status, created, updated, closed, next, expected, score)",
        "list",
        "--sort",
        "size",
    )
    fails(
        deals,
        2,
        "--status must be one of open, won, lost, all, not 'closed'",
        "list",
        "--status",
        "closed",
    )
    fails(deals, 1, "--limit can't be negative", "list", "--limit", "-1")
    fails(deals, 1, "no stage 'zzz' in any pipeline", "list", "--stage", "zzz")
    fails(deals, 1, "no pipeline 'nope'; pipelines: sales, renewals", "list", "--pipeline", "nope")


def test_list_table_is_plain_when_not_a_tty(funnel):
    add(funnel, "Acme renewal", "--org", "Acme", "--value", "4800", "--follow-up", "tomorrow")
    add(funnel, "Globex", "--value", "12000.50", "--currency", "EUR", "--stage", "demo")
    add(funnel, "Won one", "--value", "1")
    ok_json(funnel, "won", "3")
    r = funnel("list")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.splitlines() == [
        "ID  Title         Org   Stage          Value  Owner  Next",
        " 1  Acme renewal  Acme  lead    4,800.00 USD  me     2026-11-24",
        " 2  Globex              demo   12,000.50 EUR  me",
    ]
    lines = funnel("list", "--status", "all").stdout.splitlines()
    assert len(lines) == 4
    assert lines[3].split() == ["3", "Won", "one", "won", "(lead)", "1.00", "USD", "me"]
    assert not re.search("[─━│┃┌┐└┘╭╮╰╯]", r.stdout)


def test_list_formats(deals):
    as_json = deals("list", "--format", "json")
    records = as_json.json()
    assert [d["id"] for d in records] == [1, 2, 3, 6]
    jsonl = deals("list", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in jsonl] == records
    rows = list(csv.DictReader(io.StringIO(deals("list", "-f", "csv").stdout)))
    assert [row["id"] for row in rows] == ["1", "2", "3", "6"]
    assert rows[1]["value"] == "12000" and rows[1]["tags"] == "eu,priority"
    assert rows[0]["fields"] == "{}" and rows[0]["closed_at"] == ""
    assert rows[0]["next_follow_up"] == "2026-11-24"


@pytest.mark.parametrize(
    ("fmt", "expected"), [("table", ""), ("json", "[]\n"), ("jsonl", ""), ("csv", "")]
)
def test_empty_list_prints_nothing_or_empty_json(funnel, fresh, fmt, expected):
    r = funnel("list", "--format", fmt)  # a first run: the note is on stderr
    assert (r.exit_code, r.stdout, r.stderr) == (0, expected, NO_DATABASE_YET.format(fresh))
    add(funnel, "A")
    r = funnel("list", "--status", "won", "--format", fmt)
    assert (r.exit_code, r.stdout, r.stderr) == (0, expected, "")


# -- show ----------------------------------------------------------------------


def test_show_history_through_the_whole_life(funnel):
    add(funnel, "Acme", "--at", "2026-11-02", "--value", "4800")
    ok_json(funnel, "move", "1", "qualified", "--at", "2026-11-05", "--note", "called")
    ok_json(funnel, "move", "1", "demo", "--at", "2026-11-10")  # skips contacted
    ok_json(funnel, "move", "1", "contacted", "--at", "2026-11-12T15:00")  # back
    won = ok_json(funnel, "won", "1", "--at", "2026-11-20")
    assert (won["status"], won["stage"], won["closed_at"]) == (
        "won",
        "contacted",
        "2026-11-20T00:00:00Z",
    )
    ok_json(funnel, "reopen", "1", "--stage", "proposal")
    lost = ok_json(funnel, "lost", "1", "--reason", "budget cut")
    assert (lost["status"], lost["stage"], lost["lost_reason"], lost["closed_at"]) == (
        "lost",
        "proposal",
        "budget cut",
        NOW_UTC,
    )
    ok_json(funnel, "reopen", "1")
    assert history(funnel, "1") == [
        (None, "lead", "2026-11-02T00:00:00Z", None),
        ("lead", "qualified", "2026-11-05T00:00:00Z", "called"),
        ("qualified", "demo", "2026-11-10T00:00:00Z", None),
        ("demo", "contacted", "2026-11-12T15:00:00Z", None),
        ("contacted", "won", "2026-11-20T00:00:00Z", None),
        ("won", "proposal", NOW_UTC, None),
        ("proposal", "lost", NOW_UTC, "budget cut"),
        ("lost", "proposal", NOW_UTC, None),
    ]
    r = funnel("show", "1")
    assert (r.exit_code, r.stderr) == (0, "")
    text = r.stdout.splitlines()
    assert text[0] == "#1 Acme"
    assert "  stage          proposal" in text
    assert "  value          4,800.00 USD" in text
    assert text[text.index("History") :] == [
        "History",
        "  2026-11-02       created in lead",
        "  2026-11-05       lead → qualified  called",
        "  2026-11-10       qualified → demo",
        "  2026-11-12 15:00 demo → contacted",
        "  2026-11-20       contacted → won",
        "  2026-11-23 10:15 won → proposal",
        "  2026-11-23 10:15 proposal → lost  budget cut",
        "  2026-11-23 10:15 lost → proposal",
    ]


def test_show_activities(funnel):
    add(funnel, "Acme", "--note", "met at the fair", "--at", "2026-11-02")
    ok_json(funnel, "edit", "1", "--note", "sent the deck")
    assert show(funnel, "1")["activities"] == [
        {"id": 1, "kind": "note", "note": "met at the fair", "at": "2026-11-02T00:00:00Z"},
        {"id": 2, "kind": "note", "note": "sent the deck", "at": NOW_UTC},
    ]
    lines = funnel("show", "1").stdout.splitlines()
    assert lines[lines.index("Activities") :] == [
        "Activities",
        "  2026-11-02       note     met at the fair",
        "  2026-11-23 10:15 note     sent the deck",
    ]


# -- deal references -------------------------------------------------------------


def test_deal_by_number_external_id_and_uuid(funnel):
    first = add(funnel, "Acme", "--external-id", "SF-9")
    add(funnel, "Globex", "--external-id", "1")
    # "1" names two deals: refused, naming both; #1 is always the deal number.
    fails(
        funnel, 1,
        "'1' is deal #1 and also the external id of deal #2: write #1 for the first, "
        "or the other's uuid",
        "show", "1",
    )  # fmt: skip
    assert show(funnel, "#1")["title"] == "Acme"
    assert show(funnel, "2")["title"] == "Globex"
    assert show(funnel, " 2 ")["title"] == "Globex"
    assert show(funnel, "SF-9")["id"] == 1
    assert show(funnel, first["uuid"])["id"] == 1
    assert ok_json(funnel, "move", "SF-9", "demo")["stage"] == "demo"
    assert ok_json(funnel, "edit", first["uuid"], "--org", "Acme")["org"] == "Acme"
    fails(
        funnel,
        1,
        "no deal 'sf-9' (number, external id, uuid, or part of title/org)",
        "show",
        "sf-9",
    )
    fails(funnel, 1, "no deal '3' (number, external id, uuid, or part of title/org)", "show", "3")
    fails(funnel, 1, "no deal '0' (number, external id, uuid, or part of title/org)", "show", "0")


@pytest.mark.parametrize("ref", ["99999999999999999999", "²", "١"])
def test_odd_numbers_name_no_deal(funnel, ref):
    add(funnel, "Acme")
    fails(
        funnel, 1, f"no deal '{ref}' (number, external id, uuid, or part of title/org)", "show", ref
    )


# -- edit ----------------------------------------------------------------------


def test_edit_each_field(funnel):
    add(funnel, "Acme")
    deal = ok_json(
        funnel, "edit", "1", "--title", "Acme renewal", "--org", "Acme", "--contact", "Ann",
        "--email", "ann@acme.test", "--phone", "555", "--value", "4,800.50", "--owner", "bob",
        "--source", "referral", "--tag", "priority", "--tag", "eu",
        "--expected-close", "2026-12-15", "--follow-up", "fri", "--probability", "40",
        "--external-id", "SF-1", "--field", "segment=smb",
    )  # fmt: skip
    assert {k: deal[k] for k in deal if k not in ("uuid",)} == {
        "id": 1, "external_id": "SF-1", "title": "Acme renewal", "org": "Acme",
        "contact": "Ann", "email": "ann@acme.test", "phone": "555", "value": 4800.5,
        "currency": "USD", "owner": "bob", "pipeline": "sales", "stage": "lead",
        "status": "open", "probability": 40, "tags": ["eu", "priority"], "source": "referral",
        "lost_reason": None, "expected_close": "2026-12-15", "next_follow_up": "2026-11-27",
        "created_at": NOW_UTC, "updated_at": NOW_UTC, "closed_at": None,
        "stage_entered_at": NOW_UTC, "fields": {"segment": "smb"}, "touches": 0,
        "last_activity_at": None, "snoozed_until": None, "snooze_reason": None,
        "next_follow_up_at": None,
    }  # fmt: skip
    assert funnel("edit", "1", "--org", "Acme Ltd").stderr == (
        "updated #1 Acme renewal (lead, 4,800.50 USD)\n"
    )
    # Only what is given changes.
    assert ok_json(funnel, "edit", "1", "--phone", "556") == {
        **deal,
        "org": "Acme Ltd",
        "phone": "556",
    }


def test_edit_empty_clears(funnel):
    add(
        funnel,
        "Acme",
        "--org",
        "Acme",
        "--contact",
        "Ann",
        "--email",
        "a@b.c",
        "--phone",
        "5",
        "--source",
        "web",
        "--value",
        "10",
        "--expected-close",
        "eom",
        "--follow-up",
        "fri",
        "--external-id",
        "SF-1",
    )
    deal = ok_json(
        funnel,
        "edit",
        "1",
        "--org",
        "",
        "--contact",
        "",
        "--email",
        "",
        "--phone",
        "",
        "--source",
        "",
        "--value",
        "",
        "--expected-close",
        "",
        "--follow-up",
        "",
        "--external-id",
        "",
    )
    for key in (
        "org",
        "contact",
        "email",
        "phone",
        "source",
        "value",
        "expected_close",
        "next_follow_up",
        "external_id",
    ):
        assert deal[key] is None, key
    assert deal["currency"] == "USD"
    fails(funnel, 1, "a deal needs a title", "edit", "1", "--title", "")
    fails(funnel, 1, "--owner can't be empty", "edit", "1", "--owner", "")
    assert show(funnel, "1")["title"] == "Acme"


def test_edit_tags_and_fields(funnel):
    add(funnel, "Acme", "--tag", "a", "--tag", "b", "--field", "x=1", "--field", "y=2")
    deal = ok_json(
        funnel, "edit", "1", "--untag", "a", "--tag", "c", "--field", "x=", "--field", "z=3"
    )
    assert (deal["tags"], deal["fields"]) == (["b", "c"], {"y": "2", "z": "3"})
    assert ok_json(funnel, "edit", "1", "--untag", "nope")["tags"] == ["b", "c"]
    assert ok_json(funnel, "edit", "1", "--field", "y=new")["fields"] == {"y": "new", "z": "3"}
    before = show(funnel, "1")
    fails(
        funnel,
        1,
        "deal 1 has no field 'nope'",
        "edit",
        "1",
        "--field",
        "nope=",
        "--org",
        "Changed",
        "--tag",
        "d",
    )
    assert show(funnel, "1") == before


def test_edit_value_and_currency(funnel):
    add(funnel, "A", "--value", "4800")
    assert ok_json(funnel, "edit", "1", "--currency", "eur")["value"] == 4800
    deal = ok_json(funnel, "edit", "1", "--value", "£12.50")
    assert (deal["value"], deal["currency"]) == (12.5, "GBP")
    fails(
        funnel,
        1,
        "the value has more decimals than JPY allows; give --value too",
        "edit",
        "1",
        "--currency",
        "JPY",
    )
    deal = ok_json(funnel, "edit", "1", "--value", "1300", "--currency", "JPY")
    assert (deal["value"], deal["currency"]) == (1300, "JPY")
    assert ok_json(funnel, "edit", "1", "--currency", "USD")["value"] == 1300
    fails(funnel, 1, "amounts can't be negative: '-1'", "edit", "1", "--value", "-1")
    fails(
        funnel,
        1,
        "--probability must be between 0 and 100, not 101",
        "edit",
        "1",
        "--probability",
        "101",
    )
    fails(
        funnel,
        1,
        "--probability must be between 0 and 100, not -1",
        "edit",
        "1",
        "--probability",
        "-1",
    )


def test_edit_stage_and_pipeline_record_history(funnel):
    add(funnel, "Acme", "--at", "2026-11-02")
    assert ok_json(funnel, "edit", "1", "--stage", "demo")["stage"] == "demo"
    assert ok_json(funnel, "edit", "1", "--stage", "demo")["stage"] == "demo"  # no new event
    assert funnel("pipeline", "create", "renewals", "--stages", "due,quoted").exit_code == 0
    deal = ok_json(funnel, "edit", "1", "--pipeline", "renewals")
    assert (deal["pipeline"], deal["stage"], deal["probability"]) == ("renewals", "due", 33)
    assert history(funnel, "1") == [
        (None, "lead", "2026-11-02T00:00:00Z", None),
        ("lead", "demo", NOW_UTC, None),
        ("demo", "due", NOW_UTC, None),
    ]
    ok_json(funnel, "won", "1")
    fails(
        funnel,
        1,
        "deal 1 is won; reopen it before changing its stage",
        "edit",
        "1",
        "--stage",
        "quoted",
    )
    fails(
        funnel,
        1,
        "no deal '7' (number, external id, uuid, or part of title/org)",
        "edit",
        "7",
        "--org",
        "x",
    )


def test_edit_external_id_clash(funnel):
    add(funnel, "A", "--external-id", "SF-1")
    add(funnel, "B")
    fails(funnel, 1, "external id 'SF-1' is already deal 1", "edit", "2", "--external-id", "SF-1")
    assert ok_json(funnel, "edit", "1", "--external-id", "SF-1")["external_id"] == "SF-1"


# -- move ----------------------------------------------------------------------


def test_move_forward_back_and_skipping(funnel):
    add(funnel, "Acme", "--value", "4800", "--at", "2026-11-02")
    r = funnel("move", "1", "demo", "--at", "2026-11-05")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "moved #1 Acme (demo, 4,800.00 USD)\n")
    deal = ok_json(funnel, "move", "1", "qualified", "--note", "needs another call")
    assert (deal["stage"], deal["probability"], deal["stage_entered_at"]) == (
        "qualified",
        20,
        NOW_UTC,
    )
    assert history(funnel, "1") == [
        (None, "lead", "2026-11-02T00:00:00Z", None),
        ("lead", "demo", "2026-11-05T00:00:00Z", None),
        ("demo", "qualified", NOW_UTC, "needs another call"),
    ]


def test_move_stage_names_prefix_and_case(funnel):
    add(funnel, "Acme")
    assert ok_json(funnel, "move", "1", "NEG")["stage"] == "negotiation"
    assert ok_json(funnel, "move", "1", "Qual")["stage"] == "qualified"
    assert ok_json(funnel, "move", "1", " demo ")["stage"] == "demo"


def test_move_refusals(funnel):
    add(funnel, "Acme", "--at", "2026-11-02")
    ok_json(funnel, "move", "1", "demo", "--at", "2026-11-05T12:00")
    before = show(funnel, "1")
    fails(
        funnel,
        1,
        "--at tomorrow is in the future; history records what already happened",
        "move",
        "1",
        "proposal",
        "--at",
        "tomorrow",
    )
    fails(
        funnel,
        1,
        "--at 2026-11-04 is before deal 1's last change (2026-11-05 12:00); "
        "history must stay in order",
        "move",
        "1",
        "proposal",
        "--at",
        "2026-11-04",
    )
    fails(funnel, 1, "deal 1 is already in demo", "move", "1", "demo")
    fails(funnel, 1, "deal 1 is already in demo", "move", "1", "DEM")
    fails(funnel, 1, "'won' is an outcome, not a stage: use `funnel won DEAL`", "move", "1", "won")
    fails(
        funnel,
        1,
        "no stage 'trial' in pipeline sales (stages: lead, qualified, contacted, "
        "demo, proposal, negotiation)",
        "move",
        "1",
        "trial",
    )
    fails(
        funnel,
        1,
        f"--at: can't read 'whenever' as a date ({FORMS})",
        "move",
        "1",
        "proposal",
        "--at",
        "whenever",
    )
    assert show(funnel, "1") == before
    # The same moment as the last change is in order.
    assert (
        ok_json(funnel, "move", "1", "proposal", "--at", "2026-11-05T12:00")["stage"] == "proposal"
    )


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_move_closed_deal_refused(funnel, outcome):
    add(funnel, "Acme")
    ok_json(funnel, outcome, "1", *(["--reason", "price"] if outcome == "lost" else []))
    before = show(funnel, "1")
    fails(funnel, 1, f"deal 1 is {outcome}; `funnel reopen 1` first", "move", "1", "demo")
    assert show(funnel, "1") == before


# -- won, lost, reopen ------------------------------------------------------------


def test_won_with_value(funnel):
    add(funnel, "Acme", "--value", "4800", "--follow-up", "fri", "--stage", "proposal")
    r = funnel("won", "1", "--value", "5,100")
    assert (r.exit_code, r.stdout, r.stderr) == (
        0,
        "",
        "won #1 Acme (won in proposal, 5,100.00 USD)\n",
    )
    deal = show(funnel, "1")
    assert (
        deal["status"],
        deal["stage"],
        deal["value"],
        deal["closed_at"],
        deal["next_follow_up"],
    ) == ("won", "proposal", 5100, NOW_UTC, None)
    assert deal["history"][-1] == {
        "from_stage": "proposal",
        "to_stage": "won",
        "at": NOW_UTC,
        "note": None,
        "handoff": None,
    }
    fails(funnel, 1, "deal 1 is already won", "won", "1")
    fails(funnel, 1, "deal 1 is already won", "lost", "1", "--reason", "x")


def test_won_refusals_change_nothing(funnel):
    add(funnel, "Acme", "--value", "10", "--at", "2026-11-10")
    before = show(funnel, "1")
    fails(funnel, 1, "amounts can't be negative: '-5'", "won", "1", "--value", "-5")
    fails(
        funnel,
        1,
        "--at tomorrow is in the future; history records what already happened",
        "won",
        "1",
        "--at",
        "tomorrow",
    )
    fails(
        funnel,
        1,
        "--at 2026-11-09 is before deal 1's last change (2026-11-10 00:00); "
        "history must stay in order",
        "won",
        "1",
        "--at",
        "2026-11-09",
    )
    assert show(funnel, "1") == before


def test_lost_needs_a_reason(funnel):
    add(funnel, "Acme", "--at", "2026-11-20")
    before = show(funnel, "1")
    r = funnel("lost", "1")
    assert (r.exit_code, r.stdout) == (2, "")
    assert "--reason" in r.stderr
    fails(funnel, 1, "a lost deal needs --reason", "lost", "1", "--reason", "")
    fails(funnel, 1, "a lost deal needs --reason", "lost", "1", "--reason", "   ")
    assert show(funnel, "1") == before
    deal = ok_json(funnel, "lost", "1", "-r", "went with a competitor", "--at", "2026-11-23T09:00")
    assert (deal["status"], deal["lost_reason"], deal["closed_at"]) == (
        "lost",
        "went with a competitor",
        "2026-11-23T09:00:00Z",
    )
    assert show(funnel, "1")["history"][-1] == {
        "from_stage": "lead",
        "to_stage": "lost",
        "at": "2026-11-23T09:00:00Z",
        "note": "went with a competitor",
        "handoff": None,
    }


def test_reopen(funnel):
    add(funnel, "Acme", "--stage", "demo", "--at", "2026-11-02")
    ok_json(funnel, "lost", "1", "--reason", "price", "--at", "2026-11-10")
    fails(
        funnel,
        1,
        "--at 2026-11-09 is before deal 1's last change (2026-11-10 00:00); "
        "history must stay in order",
        "reopen",
        "1",
        "--at",
        "2026-11-09",
    )
    deal = ok_json(funnel, "reopen", "1")
    assert (
        deal["status"],
        deal["stage"],
        deal["closed_at"],
        deal["lost_reason"],
        deal["stage_entered_at"],
    ) == ("open", "demo", None, None, NOW_UTC)
    fails(funnel, 1, "deal 1 is already open", "reopen", "1")
    ok_json(funnel, "won", "1")
    r = funnel("reopen", "1", "--stage", "negotiation")
    assert (r.exit_code, r.stderr) == (0, "reopened #1 Acme (negotiation)\n")
    assert [(h[0], h[1]) for h in history(funnel, "1")] == [
        (None, "demo"),
        ("demo", "lost"),
        ("lost", "demo"),
        ("demo", "won"),
        ("won", "negotiation"),
    ]
    ok_json(funnel, "won", "1")
    fails(
        funnel,
        1,
        "'lost' is an outcome, not a stage: use `funnel lost DEAL`",
        "reopen",
        "1",
        "--stage",
        "lost",
    )
    assert show(funnel, "1")["status"] == "won"


# -- delete --------------------------------------------------------------------


def test_delete_with_yes(funnel):
    add(funnel, "Acme", "--value", "10", "--note", "n", "--tag", "t", "--field", "k=v")
    add(funnel, "Globex")
    ok_json(funnel, "move", "1", "demo")
    r = funnel("delete", "1", "--yes")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "deleted #1 Acme (demo, 10.00 USD)\n")
    fails(funnel, 1, "no deal '1' (number, external id, uuid, or part of title/org)", "show", "1")
    assert ids(funnel, "--status", "all") == [2]
    assert ok_json(funnel, "delete", "2", "-y")["title"] == "Globex"
    fails(
        funnel,
        1,
        "no deal '2' (number, external id, uuid, or part of title/org)",
        "delete",
        "2",
        "--yes",
    )


def test_delete_without_yes_refused_when_stdin_is_not_a_terminal(funnel):
    add(funnel, "Acme")
    fails(
        funnel, 1, "not deleting without --yes (stdin is not a terminal to ask on)", "delete", "1"
    )
    r = funnel("delete", "1", input="y\n")
    assert (r.exit_code, r.stdout) == (1, "")
    assert ids(funnel) == [1]


def test_deleted_deal_number_is_not_reused(funnel):
    add(funnel, "A")
    add(funnel, "B")
    ok_json(funnel, "delete", "2", "--yes")
    assert add(funnel, "C")["id"] == 3


def test_edit_needs_something_to_change(funnel):
    funnel("add", "a")
    one_error(funnel("edit", "1"), 1, "nothing to change")


def test_closed_deals_take_no_follow_up_through_edit(funnel):
    funnel("add", "a")
    funnel("won", "1")
    one_error(funnel("edit", "1", "--follow-up", "tomorrow"), 1, "closed deal has no follow-ups")


def test_won_value_must_be_an_amount_in_the_deals_currency(funnel):
    funnel("add", "a", "--value", "100")
    one_error(funnel("won", "1", "--value", ""), 1, "give the final amount")
    one_error(funnel("won", "1", "--value", "100 EUR"), 1, "is in EUR but deal 1 is in USD")
    assert funnel("show", "1", "--format", "json").json()["status"] == "open"


def test_at_with_no_at_given_says_now(funnel, monkeypatch):
    funnel("add", "a", "--at", "2026-11-20")
    funnel("move", "1", "demo")  # at FUNNEL_NOW, 2026-11-23 10:15
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-21T09:00")
    one_error(funnel("move", "1", "proposal"), 1, "now is before deal 1's last change")


def test_a_local_time_skipped_by_dst_is_refused(funnel, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Warsaw")
    monkeypatch.setenv("FUNNEL_NOW", "2026-03-29T12:00")
    time.tzset()
    if team_url() is not None:  # a team database's zone is team init's, not the machine's
        assert funnel("config", "set", "timezone", "Europe/Warsaw").exit_code == 0
    assert funnel("add", "w", "--at", "2026-03-29T01:45").exit_code == 0
    one_error(funnel("move", "1", "demo", "--at", "2026-03-29T02:30"), 1, "doesn't exist")
    assert funnel("move", "1", "demo", "--at", "2026-03-29T03:30").exit_code == 0


def test_spaces_around_what_add_and_edit_set_are_dropped(funnel):
    r = funnel("add", "  Acme renewal ", "--owner", "anna ", "--source", " web", "--org", " Acme ")
    assert r.exit_code == 0, r.stderr
    deal = show(funnel, "1")
    assert (deal["title"], deal["owner"], deal["source"], deal["org"]) == (
        "Acme renewal",
        "anna",
        "web",
        "Acme",
    )
    assert [d["id"] for d in ok_json(funnel, "list", "--owner", "anna")] == [1]
    r = funnel("edit", "1", "--org", "  ", "--owner", " ben")
    assert r.exit_code == 0, r.stderr
    deal = show(funnel, "1")
    assert (deal["org"], deal["owner"]) == (None, "ben")


def test_show_puts_each_line_of_a_note_on_its_own_line(funnel):
    assert funnel("add", "Acme").exit_code == 0
    assert funnel("log", "1", "meeting", "agenda:\n- pricing\r\n- timeline").exit_code == 0
    assert funnel("move", "1", "demo", "--note", "booked\nfor Thursday").exit_code == 0
    lines = funnel("show", "1").stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.endswith("meeting  agenda:"))
    column = lines[at].index("agenda:")
    assert [line[column:] for line in lines[at + 1 : at + 3]] == ["- pricing", "- timeline"]
    assert lines[at + 1][:column].strip() == "" and "\\x0a" not in "\n".join(lines)
    moved = next(i for i, line in enumerate(lines) if line.endswith("  booked"))
    assert lines[moved + 1].strip() == "for Thursday"
    assert lines[moved + 1].index("for") == lines[moved].index("booked")
