"""Issue 16's conveyor: stage owners, hand-offs with the move, `funnel inbox`.

Hand-computed on small pipelines (the default `sales`: lead, qualified,
contacted, demo, proposal, negotiation), on SQLite and on PostgreSQL
(FUNNEL_TEST_ENGINE=postgres).
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers import add, fails, ok, ok_json, show

T = "2026-11-23T10:15:00Z"  # conftest's FUNNEL_NOW, in UTC


@pytest.fixture
def conveyor(funnel: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """anna (the runner) owns qualified, bob owns demo; the rest nobody's.
    A deal added without --owner is "zed"'s, on a team database too."""
    monkeypatch.setenv("FUNNEL_USER", "anna")
    ok(funnel, "config", "set", "owner", "zed")
    ok(funnel, "stage", "set", "demo", "--owner", "bob")
    ok(funnel, "stage", "set", "qualified", "--owner", "anna")
    return funnel


def owners(funnel: Any) -> dict[str, str | None]:
    return {s["name"]: s["owner"] for s in ok_json(funnel, "stage", "list")}


def inbox(funnel: Any, *args: str) -> list[dict[str, Any]]:
    return ok_json(funnel, "inbox", *args, quiet=False)  # type: ignore[no-any-return]


def handed(entry: dict[str, Any]) -> tuple[Any, ...]:
    """A hand-off as (deal, from owner, to owner, from stage, to stage, by)."""
    return tuple(
        entry[k] for k in ("deal_id", "from_owner", "to_owner", "from_stage", "to_stage", "by")
    )


def test_stage_owner_set_listed_and_cleared(conveyor: Any) -> None:
    funnel = conveyor
    assert owners(funnel) == {
        "lead": None,
        "qualified": "anna",
        "contacted": None,
        "demo": "bob",
        "proposal": None,
        "negotiation": None,
    }
    table = ok(funnel, "stage", "list").stdout.splitlines()
    assert table[0].split()[-1] == "Owner" and table[4].split()[-1] == "bob"
    assert ok_json(funnel, "stage", "set", "demo", "--owner", "  carol ")["owner"] == "carol"
    assert ok_json(funnel, "stage", "set", "demo", "--owner", "")["owner"] is None
    assert ok_json(funnel, "stage", "set", "qualified", "--no-owner")["owner"] is None
    # no stage has an owner: the table is as it always was, without the column
    assert "Owner" not in ok(funnel, "stage", "list").stdout
    run = funnel("stage", "set", "demo", "--owner", "x", "--no-owner")
    assert (run.exit_code, run.stdout) == (2, "")
    assert "give --owner NAME or --no-owner, not both" in run.stderr
    assert owners(funnel)["demo"] is None  # nothing changed


def test_a_move_into_an_owned_stage_hands_the_deal_over(conveyor: Any) -> None:
    funnel = conveyor
    add(funnel, "Acme", "--value", "100", "--owner", "anna")
    run = funnel("move", "1", "demo")
    assert run.exit_code == 0
    assert run.stderr == "moved #1 Acme (demo, 100.00 USD)\nhanded #1 to bob (from anna)\n"
    deal = show(funnel, "1")
    assert deal["owner"] == "bob"
    assert deal["history"][-1]["handoff"] == {"from_owner": "anna", "to_owner": "bob", "by": "anna"}
    assert deal["history"][0]["handoff"] is None
    assert "lead → demo  handed anna → bob" in ok(funnel, "show", "1").stdout
    # the JSON of the move itself: what an on-handoff hook will read
    add(funnel, "Globex", "--owner", "anna")
    moved = ok_json(funnel, "move", "2", "demo")
    assert moved["owner"] == "bob"
    assert moved["handoff"] == {
        "deal_id": 2,
        "from_owner": "anna",
        "to_owner": "bob",
        "from_stage": "lead",
        "to_stage": "demo",
        "by": "anna",
        "at": T,
    }
    # to a stage nobody owns: nothing handed, the owner stays
    assert ok_json(funnel, "move", "2", "proposal")["handoff"] is None
    assert show(funnel, "2")["owner"] == "bob"


def test_inbox_lists_what_came_since_the_last_look(conveyor: Any) -> None:
    funnel = conveyor
    add(funnel, "Acme", "--value", "100", "--owner", "anna", "--org", "Acme Inc")
    add(funnel, "Globex", "--owner", "anna")
    ok(funnel, "move", "1", "demo")
    ok(funnel, "move", "2", "contacted")
    ok(funnel, "move", "2", "demo")
    assert inbox(funnel) == []  # anna's: nothing was handed to her
    peeked = inbox(funnel, "--owner", "BOB", "--peek")  # names match as --owner does
    assert [handed(i) for i in peeked] == [
        (1, "anna", "bob", "lead", "demo", "anna"),
        (2, "anna", "bob", "contacted", "demo", "anna"),
    ]
    assert peeked[0] == {
        "id": 1,
        "deal_id": 1,
        "title": "Acme",
        "org": "Acme Inc",
        "value": 100,
        "currency": "USD",
        "pipeline": "sales",
        "from_stage": "lead",
        "to_stage": "demo",
        "from_owner": "anna",
        "to_owner": "bob",
        "by": "anna",
        "at": T,
        "seen": False,
        "stage": "demo",
        "status": "open",
        "owner": "bob",
    }
    # --peek marked nothing; a look marks both; the next look finds nothing new
    run = funnel("inbox", "--owner", "bob")
    assert run.stderr == "2 new hand-off(s) marked as seen; `funnel inbox --all` lists them\n"
    assert [line.split()[3] for line in run.stdout.splitlines()[1:]] == ["Acme", "Globex"]
    assert ok(funnel, "inbox", "--owner", "bob").stdout == ""
    assert inbox(funnel, "--owner", "bob") == []
    # a third, after the look: only it is new (anna takes it back into her
    # stage, which hands nothing over, then moves it on to bob's)
    ok(funnel, "move", "2", "lead")
    assert ok_json(funnel, "move", "2", "qualified")["handoff"] is None
    ok(funnel, "move", "2", "demo")
    assert [i["id"] for i in inbox(funnel, "--owner", "bob", "--peek")] == [3]
    everything = inbox(funnel, "--owner", "bob", "--all", "--peek")
    assert [(i["id"], i["seen"]) for i in everything] == [(1, True), (2, True), (3, False)]
    # later moves and closes show where the deal is now
    ok(funnel, "won", "1")
    now = {i["id"]: (i["stage"], i["status"]) for i in inbox(funnel, "--owner", "bob", "--all")}
    assert now == {1: ("demo", "won"), 2: ("demo", "open"), 3: ("demo", "open")}
    csv_lines = ok(funnel, "inbox", "--owner", "bob", "--all", "-f", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("id,deal_id,title,") and len(csv_lines) == 4
    jsonl = ok(funnel, "inbox", "--owner", "bob", "--all", "-f", "jsonl").stdout.splitlines()
    assert len(jsonl) == 3


def test_who_counts_as_a_hand_off(conveyor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    funnel = conveyor
    add(funnel, "Acme", "--owner", "anna")
    add(funnel, "Globex", "--owner", "bob")
    add(funnel, "Initech", "--owner", "anna")
    # the stage's owner moves a deal in: it is theirs, nobody is told
    monkeypatch.setenv("FUNNEL_USER", "Bob")
    assert ok_json(funnel, "move", "1", "demo")["handoff"] is None
    assert show(funnel, "1")["owner"] == "bob"
    # a deal already the stage owner's: nothing to hand over
    assert ok_json(funnel, "move", "2", "demo")["handoff"] is None
    assert show(funnel, "2")["history"][-1]["handoff"] is None
    assert inbox(funnel, "--owner", "bob", "--all") == []
    # backwards into an owned stage is entering it too: bob hands it back to anna
    moved = ok_json(funnel, "move", "1", "qualified")
    assert handed(moved["handoff"]) == (1, "bob", "anna", "demo", "qualified", "Bob")
    # closing is no entering: no hand-off, the owner stays
    monkeypatch.setenv("FUNNEL_USER", "carol")
    assert "handoff" not in ok_json(funnel, "won", "3")
    assert show(funnel, "3")["owner"] == "anna"
    # reopening into an owned stage hands it over, as a move does
    reopened = ok_json(funnel, "reopen", "3", "--stage", "demo")
    assert handed(reopened["handoff"]) == (3, "anna", "bob", "lead", "demo", "carol")
    assert [i["deal_id"] for i in inbox(funnel, "--owner", "bob")] == [3]
    assert [i["deal_id"] for i in inbox(funnel, "--owner", "anna")] == [1]


def test_add_and_edit_into_an_owned_stage(conveyor: Any) -> None:
    funnel = conveyor
    ok(funnel, "stage", "set", "lead", "--owner", "bob")
    added = add(funnel, "Acme")  # no --owner: the first stage's owner takes it
    assert added["owner"] == "bob"
    assert handed(added["handoff"]) == (1, "zed", "bob", None, "lead", "anna")
    assert add(funnel, "Globex", "--owner", "carol")["handoff"] is None  # --owner names it
    assert add(funnel, "Initech", "--stage", "proposal")["owner"] == "zed"
    ok(funnel, "edit", "3", "--stage", "demo")  # a move: handed over
    assert show(funnel, "3")["owner"] == "bob"
    ok(funnel, "edit", "2", "--stage", "demo", "--owner", "dave")  # --owner wins
    assert show(funnel, "2")["owner"] == "dave"
    looked = inbox(funnel, "--owner", "bob")
    assert [(i["deal_id"], i["from_stage"]) for i in looked] == [(1, None), (3, "proposal")]
    table = ok(funnel, "inbox", "--owner", "bob", "--all").stdout.splitlines()
    assert [line.split()[5] for line in table[1:]] == ["new", "proposal"]  # From


def test_undo_takes_back_the_move_and_its_hand_off_and_redo_both(conveyor: Any) -> None:
    funnel = conveyor
    add(funnel, "Acme", "--owner", "anna")
    ok(funnel, "move", "1", "demo")
    # bob looks before the mover undoes: the look is no obstacle
    assert len(inbox(funnel, "--owner", "bob", "--peek")) == 1
    ok(funnel, "inbox", "--owner", "bob")
    run = ok(funnel, "undo", "4")  # 1, 2 set the owners, 3 added, 4 moved
    assert "1 hand-off added" in run.stderr
    deal = show(funnel, "1")
    assert (deal["stage"], deal["owner"], len(deal["history"])) == ("lead", "anna", 1)
    assert inbox(funnel, "--owner", "bob", "--all") == []
    assert "recorded as change #6" in run.stderr
    ok(funnel, "undo", "6")  # the undo undone: the move and its hand-off are back
    deal = show(funnel, "1")
    assert (deal["stage"], deal["owner"]) == ("demo", "bob")
    assert deal["history"][-1]["handoff"] == {"from_owner": "anna", "to_owner": "bob", "by": "anna"}
    assert [(i["deal_id"], i["seen"]) for i in inbox(funnel, "--owner", "bob", "--all")] == [
        (1, True)
    ]
    # the look itself is a change: undone, the hand-off is new again
    changes = ok_json(funnel, "changes")
    look = next(c for c in changes if c["command"] == "funnel inbox --owner bob")
    assert look["rows"] == {"inbox_seen": {"insert": 1}}
    ok(funnel, "undo", str(look["id"]))
    assert [i["deal_id"] for i in inbox(funnel, "--owner", "bob", "--peek")] == [1]


def test_delete_takes_the_hand_offs_and_undo_brings_them_back(conveyor: Any) -> None:
    funnel = conveyor
    add(funnel, "Acme", "--owner", "anna")
    ok(funnel, "move", "1", "demo")
    ok(funnel, "delete", "1", "--yes")
    assert inbox(funnel, "--owner", "bob", "--all") == []
    ok(funnel, "undo")
    assert [handed(i) for i in inbox(funnel, "--owner", "bob", "--peek")] == [
        (1, "anna", "bob", "lead", "demo", "anna")
    ]


def test_due_marks_a_deal_handed_over_until_its_owner_looks(conveyor: Any) -> None:
    funnel = conveyor
    add(funnel, "Acme", "--owner", "anna", "--follow-up", "today")
    add(funnel, "Globex", "--owner", "bob", "--follow-up", "today")
    ok(funnel, "move", "1", "demo")
    due = {d["id"]: d["handoff"] for d in ok_json(funnel, "due", "--owner", "bob")}
    assert due[2] is None
    assert handed(due[1]) == (1, "anna", "bob", "lead", "demo", "anna")
    rows = ok(funnel, "due", "--owner", "bob").stdout.splitlines()
    assert rows[1].endswith("bob ← anna") and rows[2].endswith("bob")
    ok(funnel, "inbox", "--owner", "bob")
    assert [d["handoff"] for d in ok_json(funnel, "due")] == [None, None]


def test_due_marks_a_handed_deal_with_no_next_step_too(conveyor: Any) -> None:
    """The deals with no next step (ranked by the store as a table, read in
    full for JSON) carry the hand-off the same way as the scheduled ones."""
    funnel = conveyor
    add(funnel, "Acme", "--owner", "anna", "--value", "100")
    add(funnel, "Globex", "--owner", "bob")
    add(funnel, "Initech", "--owner", "anna", "--follow-up", "today")
    ok(funnel, "move", "1", "demo")
    ok(funnel, "move", "3", "demo")
    rows = ok(funnel, "due", "--owner", "bob").stdout.splitlines()
    assert [r.split()[0] for r in rows[1:]] == ["today", "unscheduled", "unscheduled"]
    assert rows[1].endswith("bob ← anna") and rows[2].endswith("bob ← anna")
    assert rows[3].endswith(" bob")
    due = {d["id"]: d["handoff"] for d in ok_json(funnel, "due", "--owner", "bob")}
    assert handed(due[1]) == (1, "anna", "bob", "lead", "demo", "anna")
    assert handed(due[3]) == (3, "anna", "bob", "lead", "demo", "anna")
    assert due[2] is None
    ok(funnel, "inbox", "--owner", "bob")  # looked: the marks go, in both parts
    assert "←" not in ok(funnel, "due", "--owner", "bob").stdout


def test_inbox_of_a_name_nobody_has_is_refused(conveyor: Any) -> None:
    """--owner naming no stage owner and no receiver of a hand-off: one line,
    exit 1, nothing marked; a stage owner with nothing yet: empty, exit 0."""
    funnel = conveyor
    fails(funnel, 1, "no stage is owned by 'bobb' (did you mean bob? owners: anna, bob)",
          "inbox", "--owner", "bobb")  # fmt: skip
    fails(funnel, 1, "no stage is owned by 'zed' (owners: anna, bob)",
          "inbox", "--owner", "zed", "--peek")  # fmt: skip
    for name in ("bob", "BOB"):  # configured, nothing handed yet
        run = ok(funnel, "inbox", "--owner", name)
        assert (run.stdout, run.stderr) == ("", "")
    assert inbox(funnel) == []  # you (anna), without --owner: never refused
    # a receiver stays known after their stage changes hands
    add(funnel, "Acme", "--owner", "anna")
    ok(funnel, "move", "1", "demo")
    ok(funnel, "stage", "set", "demo", "--owner", "carol")
    assert [i["deal_id"] for i in inbox(funnel, "--owner", "bob")] == [1]
    assert inbox(funnel, "--owner", "bob") == []
    ok(funnel, "stage", "set", "demo", "--no-owner")
    ok(funnel, "stage", "set", "qualified", "--no-owner")
    assert inbox(funnel, "--owner", "bob") == []
    fails(funnel, 1, "no stage is owned by 'carol' (owners: bob)",
          "inbox", "--owner", "carol")  # fmt: skip


def test_inbox_owner_with_no_owned_stage_at_all(funnel: Any) -> None:
    fails(funnel, 1, "no stage is owned by 'bob' (no stage has an owner: funnel stage set "
          "STAGE --owner NAME)", "inbox", "--owner", "bob")  # fmt: skip


def test_import_hands_nothing_over(conveyor: Any, isolated: Any) -> None:
    funnel = conveyor
    sheet = isolated / "in.csv"
    sheet.write_text("title,owner,stage\nAcme,anna,demo\nGlobex,,demo\n", encoding="utf-8")
    ok(funnel, "import", str(sheet))
    assert [(d["stage"], d["owner"]) for d in ok_json(funnel, "list")] == [
        ("demo", "anna"),
        ("demo", "zed"),
    ]
    assert inbox(funnel, "--owner", "bob", "--all") == []


def test_pipeline_create_with_owners(funnel: Any) -> None:
    made = ok_json(
        funnel, "pipeline", "create", "team", "--template", "simple", "--owner", "pricing=bob"
    )
    assert [(s["name"], s["owner"]) for s in made["stages"]] == [
        ("prospecting", None),
        ("pricing", "bob"),
        ("negotiation", None),
        ("closing", None),
    ]
    run = funnel("pipeline", "create", "other", "--stages", "a,b", "--owner", "bob")
    assert (run.exit_code, run.stdout) == (2, "")
    assert "--owner bob: give STAGE=NAME, e.g. --owner demo=bob" in run.stderr
    fails(
        funnel,
        1,
        "no stage 'c' in pipeline other (stages: a, b)",
        "pipeline",
        "create",
        "other",
        "--stages",
        "a,b",
        "--owner",
        "c=bob",
    )
    assert [p["name"] for p in ok_json(funnel, "pipeline", "list")] == ["sales", "team"]


def test_inbox_is_yours_unless_told(funnel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNNEL_USER", "bob")
    ok(funnel, "stage", "set", "demo", "--owner", "bob")
    monkeypatch.setenv("FUNNEL_USER", "anna")
    add(funnel, "Acme")
    ok(funnel, "move", "1", "demo")
    assert inbox(funnel) == []
    monkeypatch.setenv("FUNNEL_USER", "bob")
    assert [i["title"] for i in inbox(funnel)] == ["Acme"]
    monkeypatch.setenv("FUNNEL_USER", "  ")
    fails(funnel, 1, "--owner can't be empty", "inbox", "--owner", " ")


def test_the_demo_hands_deals_to_its_second_seller(
    funnel: Any, isolated: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """anna owns proposal in the demo: every deal that entered it is hers, and
    her inbox holds hand-offs of such deals only, each from where it came,
    each handed over by the deal's owner before (the seller who moved it),
    not by whoever ran the demo: the same hand-offs for every runner."""
    monkeypatch.setenv("FUNNEL_USER", "anna")  # anna moving a deal hands her nothing
    db = str(isolated / "demo.db")
    ok(funnel, "--db", db, "demo", "--deals", "16")
    stages = ok_json(funnel, "--db", db, "stage", "list")
    assert [(s["name"], s["owner"]) for s in stages if s["owner"]] == [("proposal", "anna")]
    entered: dict[int, str] = {}  # deal -> the stage it came into proposal from
    for deal in ok_json(funnel, "--db", db, "export", "--format", "json")["deals"]:
        into = [h for h in deal["history"] if h["to_stage"] == "proposal"]
        if into:
            assert deal["owner"] == "anna", deal["id"]
            entered[deal["id"]] = into[0]["from_stage"]
    run = funnel("--db", db, "inbox", "--owner", "anna", "--peek", "--format", "json")
    handed = {i["deal_id"]: i["from_stage"] for i in run.json()}
    assert len(handed) >= 3, "the demo should show a few hand-offs"
    assert handed.items() <= entered.items()
    assert {(i["by"], i["from_owner"]) for i in run.json()} <= {("me", "me"), ("piotr", "piotr")}
    # the demo itself is one change, recorded as made by its runner
    assert [c["who"] for c in ok_json(funnel, "--db", db, "changes")] == ["anna"]


def test_export_and_import_keep_the_stage_owners(conveyor: Any, isolated: Any) -> None:
    """What export writes import reads back: the owners too, and the hand-offs
    stay the first database's (import hands nothing over)."""
    funnel = conveyor
    add(funnel, "Acme", "--owner", "anna")
    ok(funnel, "move", "1", "demo")
    out = isolated / "all.jsonl"
    ok(funnel, "export", "--output", str(out))
    ok(funnel, "--db", str(isolated / "other.db"), "import", str(out))
    other = ok_json(funnel, "--db", str(isolated / "other.db"), "stage", "list")
    assert [(s["name"], s["owner"]) for s in other] == [
        (s["name"], s["owner"]) for s in ok_json(funnel, "stage", "list")
    ]
    assert [s["owner"] for s in other][1:4] == ["anna", None, "bob"]
    run = funnel("--db", str(isolated / "other.db"), "inbox", "--owner", "bob", "--all")
    assert (run.exit_code, run.stdout) == (0, "")
