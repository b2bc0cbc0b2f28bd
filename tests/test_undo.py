"""`funnel undo` and `funnel changes`: each kind of change, undone, leaves the
database exactly as before (everything `export` carries, plus pipelines and
stages), and undoing the undo puts the change back exactly."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import pytest

from helpers import ok

BASE: list[tuple[str, ...]] = [
    ("add", "Acme", "--value", "1200", "--org", "Acme Inc", "--tag", "smb", "--at", "2026-11-01"),
    ("add", "Globex", "--value", "800", "--field", "region=north", "--at", "2026-11-02"),
    ("move", "1", "demo", "--at", "2026-11-05"),
    ("log", "2", "call", "first call", "--at", "2026-11-06"),
]


def snapshot(funnel) -> dict[str, object]:  # type: ignore[no-untyped-def]
    # export carries deals, history, touches, pipelines and stage settings;
    # pipeline list adds stage positions and open counts
    return {
        "export": ok(funnel, "export").stdout,
        "pipelines": ok(funnel, "pipeline", "list", "--format", "json").json(),
    }


@pytest.fixture
def base(funnel):
    for args in BASE:
        ok(funnel, *args)
    return funnel


CHANGES: list[tuple[str, ...]] = [
    ("add", "Initech", "--value", "300", "--tag", "new", "--note", "from the form"),
    ("edit", "1", "--value", "1500", "--tag", "priority", "--untag", "smb", "--field", "a=b"),
    ("move", "2", "proposal"),
    ("won", "1", "--value", "1400"),
    ("lost", "2", "--reason", "budget"),
    ("log", "1", "meeting", "demo done", "--next", "2026-11-30"),
    ("follow-up", "2", "2026-12-01"),
    ("snooze", "1", "2026-12-15", "--reason", "holidays"),
    ("delete", "1", "--yes"),
    ("pipeline", "create", "renewals", "--stages", "ask,quote,signed"),
    ("stage", "add", "pilot", "--after", "demo"),
    ("stage", "rename", "demo", "showcase"),
    ("stage", "set", "lead", "--probability", "5"),
    ("stage", "remove", "contacted"),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: " ".join(c[:2]))
def test_undo_reverts_each_kind_of_change_and_undo_again_redoes_it(base, change):
    before = snapshot(base)
    ok(base, *change)
    after = snapshot(base)
    assert after != before
    run = ok(base, "undo")
    assert run.stderr.startswith("undid change #5 (funnel " + change[0])
    assert snapshot(base) == before
    # the undo is change #6; undoing it redoes #5
    run = ok(base, "undo", "6")
    assert run.stderr.startswith("redid change #5 (funnel " + change[0])
    assert snapshot(base) == after


def test_undo_a_reopen(base):
    ok(base, "won", "2")
    before = snapshot(base)
    ok(base, "reopen", "2")
    ok(base, "undo")
    assert snapshot(base) == before


@pytest.mark.slow
def test_undo_an_import_as_one_unit(base, isolated):
    before = snapshot(base)
    rows = "title,value,stage,created_at\n" + "".join(
        f"Lead {i},{i * 10},lead,2026-10-{i % 28 + 1:02d}\n" for i in range(1, 4001)
    )
    (isolated / "leads.csv").write_text(rows)
    ok(base, "import", str(isolated / "leads.csv"), "--create-stages")
    after = snapshot(base)
    assert len(ok(base, "list", "--format", "json").json()) == 4002
    run = ok(base, "undo")
    assert "undid change #5 (funnel import" in run.stderr
    assert snapshot(base) == before
    ok(base, "undo", "6")  # redo: every imported deal is back, as it was
    assert snapshot(base) == after


def test_undo_walks_back_one_change_at_a_time(base):
    states = [snapshot(base)]
    for args in (("move", "1", "proposal"), ("edit", "2", "--value", "900"), ("won", "1")):
        ok(base, *args)
        states.append(snapshot(base))
    for expected in reversed(states[:-1]):
        ok(base, "undo")
        assert snapshot(base) == expected
    # …down to the very first change; then there is nothing left
    for _ in BASE:
        ok(base, "undo")
    assert ok(base, "list", "--status", "all", "--format", "json").json() == []
    run = base("undo")
    assert run.exit_code == 1
    assert run.stderr == "funnel: error: nothing to undo: no change is in effect\n"


def test_an_older_change_with_later_changes_on_the_same_deal_is_refused(base):
    before = snapshot(base)
    run = base("undo", "3")  # the move of deal 1; nothing later touched deal 1 yet
    assert run.exit_code == 0
    ok(base, "undo", "5")  # redo it
    ok(base, "edit", "1", "--value", "99")  # change #7 touches deal 1
    run = base("undo", "3")
    assert run.exit_code == 1
    assert "change #7 since then changed the same deals; undo it first" in run.stderr
    assert "`funnel undo 7`" in run.stderr
    ok(base, "undo")  # #7
    ok(base, "undo", "3")
    assert snapshot(base) != before  # deal 1 is back in lead; the rest as before
    run = base("undo", "3")
    assert run.exit_code == 1
    assert "change #3 is already undone (by #9); `funnel undo 9` redoes it" in run.stderr


def test_a_change_later_ones_rely_on_is_refused(base):
    ok(base, "pipeline", "create", "renewals", "--stages", "ask,quote")  # 5
    ok(base, "add", "Hooli", "--pipeline", "renewals")  # 6: a deal in it
    # the add touched no row #5 made, but undoing #5 would orphan deal 3
    run = base("undo", "5")
    assert run.exit_code == 1
    assert run.stderr == (
        "funnel: error: can't undo change #5: later changes rely on what it made "
        "(deals or history in it); undo those first\n"
    )
    assert ok(base, "show", "3", "--format", "json").json()["pipeline"] == "renewals"


def test_bad_change_numbers(base):
    for ref, message in [
        ("99", "no change #99 (see `funnel changes`)"),
        ("abc", "'abc' is not a change number (see `funnel changes`)"),
    ]:
        run = base("undo", ref)
        assert run.exit_code == 1
        assert run.stderr == f"funnel: error: {message}\n"


def test_changes_lists_who_ran_what_and_when(base):
    ok(base, "undo")
    got = ok(base, "changes", "--format", "json").json()
    assert [c["id"] for c in got] == [5, 4, 3, 2, 1]
    assert got[0] == {
        "id": 5,
        "at": "2026-11-23T10:15:00Z",
        "who": os.environ.get("FUNNEL_USER") or getpass.getuser(),
        "command": "funnel undo",
        "undoes": 4,
        "redoes": None,
        "undone_by": None,
        "rows": {"activities": {"delete": 1}, "deals": {"update": 1}},
        "pruned": False,
    }
    assert got[1]["command"] == "funnel log 2 call 'first call' --at 2026-11-06"
    assert got[1]["undone_by"] == 5
    assert got[4]["rows"]["deals"] == {"insert": 1, "update": 1}
    assert len(ok(base, "changes", "-n", "2", "--format", "json").json()) == 2
    table = ok(base, "changes").stdout.splitlines()
    assert table[0].split() == ["#", "When", "Who", "Command", "Rows", "State"]
    assert "undo of #4" in table[1] and "undone by #5" in table[2]
    assert base("changes", "-n", "0").exit_code == 1


def test_reads_and_refused_writes_are_not_changes(base, isolated):
    ok(base, "list")
    ok(base, "report", "funnel")
    assert base("move", "1", "nowhere").exit_code == 1
    ids = [c["id"] for c in ok(base, "changes", "--format", "json").json()]
    assert ids == [4, 3, 2, 1]


def test_the_db_option_is_not_shown_in_changes(funnel, isolated):
    db = isolated / "other.db"
    ok(funnel, "--db", str(db), "add", "X")
    got = ok(funnel, "--db", str(db), "changes", "--format", "json").json()
    assert got[0]["command"] == "funnel add X"
    assert str(Path(db)) not in json.dumps(got)
