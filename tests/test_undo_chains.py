"""Undo and redo never break a chain other changes rely on (issue 11, items
1–5): a redo is refused while what it builds on is undone, an import's rows
take part in the conflict check, ids of rows undo may bring back are never
reused, values come back exactly, and the change log can be pruned."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import connect, dump, ok, open_store, refused, team_url


def history(funnel, deal: str) -> list[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    shown = ok(funnel, "show", deal, "--format", "json").json()
    return [(h["from_stage"], h["to_stage"]) for h in shown["history"]]


def doctor_clean(funnel) -> None:  # type: ignore[no-untyped-def]
    run = funnel("doctor")
    assert run.exit_code == 0, run.stdout + run.stderr


def export(funnel) -> str:  # type: ignore[no-untyped-def]
    return str(ok(funnel, "export").stdout)


# -- 1. a redo is refused while what it builds on is undone ----------------


def test_redo_of_a_move_whose_earlier_move_is_undone_is_refused(funnel):
    ok(funnel, "add", "D1", "--external-id", "d1")  # 1
    ok(funnel, "move", "d1", "demo")  # 2
    ok(funnel, "move", "d1", "proposal")  # 3
    ok(funnel, "undo")  # 4 undoes 3
    ok(funnel, "undo")  # 5 undoes 2
    before = export(funnel)
    message = refused(funnel, "undo", "4")  # would redo 3 on top of lead
    assert "change #5" in message and "`funnel undo 5`" in message
    assert export(funnel) == before
    assert history(funnel, "d1") == [(None, "lead")]
    doctor_clean(funnel)
    # in order, both redos work and the chain is whole
    ok(funnel, "undo", "5")  # redo 2
    ok(funnel, "undo", "4")  # redo 3
    assert history(funnel, "d1") == [(None, "lead"), ("lead", "demo"), ("demo", "proposal")]
    doctor_clean(funnel)


def test_redo_of_a_reopen_whose_win_is_undone_is_refused(funnel):
    ok(funnel, "add", "D1")  # 1
    ok(funnel, "won", "1")  # 2
    ok(funnel, "reopen", "1")  # 3
    ok(funnel, "undo")  # 4 undoes the reopen
    ok(funnel, "undo")  # 5 undoes the win
    before = export(funnel)
    assert "change #5" in refused(funnel, "undo", "4")
    assert export(funnel) == before
    assert ok(funnel, "show", "1", "--format", "json").json()["status"] == "open"
    doctor_clean(funnel)


def test_walking_back_and_forward_again_still_works(funnel):
    ok(funnel, "add", "D1")  # 1
    ok(funnel, "move", "1", "demo")  # 2
    ok(funnel, "move", "1", "proposal")  # 3
    full = export(funnel)
    ok(funnel, "undo")  # 4 undoes 3
    ok(funnel, "undo")  # 5 undoes 2
    ok(funnel, "undo")  # 6 undoes 1: the walk back is not blocked by its own undos
    assert ok(funnel, "list", "--status", "all", "--format", "json").json() == []
    ok(funnel, "undo", "6")  # 7 redoes 1
    ok(funnel, "undo", "5")  # 8 redoes 2
    ok(funnel, "undo", "4")  # 9 redoes 3
    assert export(funnel) == full
    doctor_clean(funnel)


def test_redo_is_refused_while_a_later_change_touched_the_same_deal(funnel):
    ok(funnel, "add", "D1")  # 1
    ok(funnel, "move", "1", "demo")  # 2
    ok(funnel, "undo")  # 3 undoes 2
    ok(funnel, "move", "1", "proposal")  # 4: lead -> proposal
    assert "change #4" in refused(funnel, "undo", "3")
    assert history(funnel, "1") == [(None, "lead"), ("lead", "proposal")]
    doctor_clean(funnel)


# -- 2. an import's rows take part in the conflict check -------------------


def test_undo_of_an_import_is_refused_while_later_changes_touched_its_deals(funnel, tmp_path):
    ok(funnel, "add", "Before")  # 1
    (tmp_path / "in.csv").write_text("title,external_id\nA,a\nB,b\nC,c\n")
    ok(funnel, "import", str(tmp_path / "in.csv"))  # 2
    ok(funnel, "move", "a", "demo")  # 3
    ok(funnel, "log", "b", "call", "hello")  # 4
    before = export(funnel)
    message = refused(funnel, "undo", "2")
    assert "change #3" in message
    assert export(funnel) == before
    ok(funnel, "undo")  # 4
    assert "change #3" in refused(funnel, "undo", "2")
    ok(funnel, "undo")  # 3
    ok(funnel, "undo", "2")  # now nothing relies on the import
    titles = [d["title"] for d in ok(funnel, "list", "--format", "json").json()]
    assert titles == ["Before"]
    ok(funnel, "undo")  # plain undo still works afterwards: undoes the add
    assert ok(funnel, "list", "--format", "json").json() == []
    doctor_clean(funnel)


def test_a_tag_or_field_on_an_imported_deal_blocks_its_undo(funnel, tmp_path):
    (tmp_path / "in.csv").write_text("title,external_id\nA,a\nB,b\n")
    ok(funnel, "import", str(tmp_path / "in.csv"))  # 1
    ok(funnel, "edit", "b", "--tag", "hot", "--field", "x=y")  # 2
    assert "change #2" in refused(funnel, "undo", "1")


def test_an_undo_that_finds_nothing_to_revert_keeps_the_log_consistent(funnel, isolated):
    ok(funnel, "add", "A")  # 1
    ok(funnel, "edit", "1", "--org", "X")  # 2
    # what an older funnelcli could leave behind: the notes of change 2 lost
    with connect(isolated / "funnel.db") as conn:
        conn.execute("DELETE FROM change_rows WHERE change_id = 2")
    ok(funnel, "undo", "2")  # 3: nothing to revert, but recorded
    ok(funnel, "undo")  # the next plain undo still works (the add)
    assert ok(funnel, "list", "--format", "json").json() == []
    if team_url(isolated / "funnel.db") is None:  # (PostgreSQL checks every reference)
        with connect(isolated / "funnel.db") as conn:
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_rows_an_undo_would_delete_by_cascade_count_as_touched(funnel, isolated):
    from datetime import datetime

    ok(funnel, "add", "A")  # 1
    # a later change that adds a touch to deal 1 without touching the deal's row
    store = open_store(isolated / "funnel.db", for_write=True, now=datetime(2026, 11, 23))
    with store.write():
        store.conn.execute(
            "INSERT INTO activities (deal_id, kind, at, recorded_at) "
            "VALUES (1, 'call', '2026-11-23T10:00:00Z', '2026-11-23T10:00:00Z')"
        )
    store.close()
    assert "change #2" in refused(funnel, "undo", "1")
    assert len(ok(funnel, "show", "1", "--format", "json").json()["activities"]) == 1


# -- 3. ids of rows undo may bring back are never reused -------------------


def test_ids_of_deleted_rows_are_not_reused(funnel):
    for n in range(1, 6):
        ok(funnel, "add", f"D{n}", "--note", f"note {n}")  # 1-5
    ok(funnel, "move", "5", "demo")  # 6
    ok(funnel, "delete", "5", "--yes")  # 7
    ok(funnel, "add", "new deal", "--note", "fresh")  # 8
    ok(funnel, "move", "6", "demo")  # 9
    ok(funnel, "undo", "7")  # 10: the delete is undone although #8, #9 came since
    titles = sorted(d["title"] for d in ok(funnel, "list", "--format", "json").json())
    assert titles == ["D1", "D2", "D3", "D4", "D5", "new deal"]
    assert history(funnel, "5") == [(None, "lead"), ("lead", "demo")]
    assert history(funnel, "6") == [(None, "lead"), ("lead", "demo")]
    ok(funnel, "undo", "10")  # and redone
    doctor_clean(funnel)


def test_a_pipeline_undone_and_made_again_can_be_redone(funnel):
    ok(funnel, "pipeline", "create", "one", "--stages", "a,b")  # 1
    ok(funnel, "undo")  # 2
    ok(funnel, "pipeline", "create", "two", "--stages", "c,d")  # 3
    ok(funnel, "undo", "2")  # redo 1: its pipeline and stages keep their ids
    names = [p["name"] for p in ok(funnel, "pipeline", "list", "--format", "json").json()]
    assert {"one", "two"} <= set(names)
    doctor_clean(funnel)


# -- 4. values come back exactly --------------------------------------------


def test_undo_and_redo_keep_a_stays_length_exactly(funnel, isolated):
    ok(funnel, "add", "D", "--at", "2026-11-01T09:17:01")
    ok(funnel, "move", "1", "demo", "--at", "2026-11-03T17:43:29")
    db = isolated / "funnel.db"

    def stays() -> list[tuple[object, ...]]:
        with connect(db) as conn:
            return conn.execute("SELECT id, days, left_at FROM stage_stays ORDER BY id").fetchall()

    before = stays()
    assert len(repr(before[0][1])) > 16  # a length with all 17 digits
    ok(funnel, "move", "1", "proposal", "--at", "2026-11-05T08:00:00")
    after = stays()
    ok(funnel, "undo")
    assert stays() == before
    ok(funnel, "undo", "4")
    assert stays() == after


# -- 5. the change log: counts, size, prune ----------------------------------


def test_changes_counts_each_row(funnel):
    ok(funnel, "add", "D", "--field", "a=1", "--field", "b=2", "--tag", "x", "--tag", "y")
    got = ok(funnel, "changes", "--format", "json").json()[0]
    assert got["rows"]["deal_fields"] == {"insert": 2}
    assert got["rows"]["deal_tags"] == {"insert": 2}
    table = ok(funnel, "changes").stdout
    assert "2 fields added" in table and "2 tags added" in table


def test_changes_counts_the_deals_an_import_added(funnel, tmp_path):
    (tmp_path / "in.csv").write_text("title,external_id\nA,a\nB,b\nC,c\n")
    ok(funnel, "import", str(tmp_path / "in.csv"))
    assert ok(funnel, "changes", "--format", "json").json()[0]["rows"] == {
        "deals": {"insert_range": 3}
    }
    assert "3 deals imported" in ok(funnel, "changes").stdout


def test_prune_drops_old_notes_and_keeps_the_rest_undoable(funnel, isolated):
    for n in range(1, 5):
        ok(funnel, "add", f"D{n}")  # 1-4
    run = ok(funnel, "changes", "--prune", "3")
    assert "pruned the notes of 2 changes" in run.stderr
    # the size of what holds them: the file, or a team's database
    assert ("the database is" if team_url() else "the file is") in run.stderr
    listed = {c["id"]: c for c in ok(funnel, "changes", "--format", "json").json()}
    assert listed[1]["pruned"] and listed[2]["pruned"]
    assert not listed[3]["pruned"] and not listed[4]["pruned"]
    assert "pruned" in ok(funnel, "changes").stdout
    with connect(isolated / "funnel.db") as conn:
        assert conn.execute("SELECT count(*) FROM change_rows WHERE change_id < 3").fetchone() == (
            0,
        )
    ok(funnel, "undo")  # 4
    ok(funnel, "undo")  # 3
    message = refused(funnel, "undo")
    assert "pruned" in message
    assert "pruned" in refused(funnel, "undo", "2")
    assert [d["title"] for d in ok(funnel, "list", "--format", "json").json()] == ["D1", "D2"]
    # pruning again is harmless; JSON says what was done
    got = ok(funnel, "changes", "--prune", "3", "--format", "json").json()
    assert got["before"] == 3 and got["pruned"] == 0 and got["freed_bytes"] == 0
    # the counts of a pruned change are kept
    assert listed[1]["rows"]["deals"] == {"insert": 1, "update": 1}


def test_prune_refuses_to_split_an_undo_from_what_it_undid(funnel):
    ok(funnel, "add", "D1")  # 1
    ok(funnel, "add", "D2")  # 2
    ok(funnel, "undo")  # 3 undoes 2
    message = refused(funnel, "changes", "--prune", "3")
    assert "#3" in message and "#2" in message
    ok(funnel, "changes", "--prune", "2")
    ok(funnel, "changes", "--prune", "4")


def test_prune_by_date(funnel, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FUNNEL_NOW", "2026-10-01T10:00")
    ok(funnel, "add", "Old")  # 1
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-20T10:00")
    ok(funnel, "add", "New")  # 2
    run = ok(funnel, "changes", "--prune", "2026-11-01")
    assert "pruned the notes of 1 change " in run.stderr
    listed = {c["id"]: c["pruned"] for c in ok(funnel, "changes", "--format", "json").json()}
    assert listed == {1: True, 2: False}


def test_prune_bad_input(funnel):
    ok(funnel, "add", "D")
    assert "prune" in refused(funnel, "changes", "--prune", "not a date")


@pytest.mark.parametrize("when", ["next week", "in 3 days", "2026-12-31", "tomorrow"])
def test_prune_refuses_a_future_date(funnel, isolated, monkeypatch: pytest.MonkeyPatch, when):
    # issue 13: a cut after now took the undo of what was just done too
    monkeypatch.setenv("FUNNEL_NOW", "2026-12-07T09:00")
    ok(funnel, "add", "Just added")
    ok(funnel, "move", "1", "demo")
    before = dump(isolated / "funnel.db")
    message = refused(funnel, "changes", "--prune", when)
    assert f"--prune {when} is in the future" in message
    assert dump(isolated / "funnel.db") == before
    ok(funnel, "undo")  # the move's notes are still there


@pytest.mark.parametrize("number", ["4", "#100", "99999999999999999999"])
def test_prune_refuses_a_change_number_past_the_newest(funnel, isolated, number):
    # a typo (100 for 10) took the notes of every change
    ok(funnel, "add", "Just added")
    ok(funnel, "move", "1", "demo")
    before = dump(isolated / "funnel.db")
    message = refused(funnel, "changes", "--prune", number)
    assert f"no change #{number.lstrip('#')} (the newest is #2" in message
    assert dump(isolated / "funnel.db") == before
    ok(funnel, "undo")
    ok(funnel, "changes", "--prune", "4")  # the one after the newest (the undo, #3): all


def test_doctor_reports_the_change_log_size(funnel):
    ok(funnel, "add", "D")
    run = ok(funnel, "doctor", "--format", "json")
    log = run.json()["change_log"]
    assert log["changes"] == 1 and log["notes"] == 4 and log["bytes"] > 100
    text = ok(funnel, "doctor").stderr
    assert "change log: 1 change, 4 undo notes (" in text


@pytest.mark.sqlite_only  # an upgraded SQLite file (schema v5 fixture)
def test_an_upgraded_database_never_reuses_an_id_the_change_log_holds(funnel, isolated):
    # the v5 fixture's newest touch (#7 on deal 7) was logged and undone: the row
    # is gone, its id is only in the change log
    fixture = Path(__file__).parent / "fixtures" / "schema-v5.sqlite"
    (isolated / "funnel.db").write_bytes(fixture.read_bytes())
    ok(funnel, "log", "7", "call", "after the upgrade")
    ids = [a["id"] for a in ok(funnel, "show", "7", "--format", "json").json()["activities"]]
    assert max(ids) == 8 and 7 not in ids
    ok(funnel, "undo")  # the new touch
    ok(funnel, "undo", "37")  # redo the old one: it comes back under its own id
    ids = [a["id"] for a in ok(funnel, "show", "7", "--format", "json").json()["activities"]]
    assert 7 in ids and 8 not in ids
    with connect(isolated / "funnel.db") as conn:
        for table in ("pipelines", "stages", "stage_events", "stage_stays", "activities"):
            sql = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()[0]
            assert "AUTOINCREMENT" in sql, table


@pytest.mark.slow
@pytest.mark.sqlite_only  # the file shrinks (VACUUM); PostgreSQL's autovacuum reuses space
def test_prune_gives_the_space_of_an_undone_import_back(funnel, isolated):
    rows = "".join(f"Lead {i} {'x' * 200},e{i}\n" for i in range(3000))
    (isolated / "in.csv").write_text("title,external_id\n" + rows)
    ok(funnel, "import", str(isolated / "in.csv"))  # 1
    ok(funnel, "undo")  # 2: its notes hold every deal it removed
    ok(funnel, "add", "Kept")  # 3
    db = isolated / "funnel.db"
    size = db.stat().st_size
    got = ok(funnel, "changes", "--prune", "3", "--format", "json").json()
    assert got["pruned"] == 2 and got["freed_bytes"] > 600_000
    assert got["file_bytes"] < got["file_bytes_before"] / 2
    assert db.stat().st_size < size / 2
    assert [d["title"] for d in ok(funnel, "list", "--format", "json").json()] == ["Kept"]


# -- any sequence of writes, undos and redos keeps every chain whole ---------

_STEP = st.one_of(
    st.tuples(st.just("add")),
    st.tuples(st.just("move"), st.integers(1, 3), st.sampled_from(["demo", "proposal", "lead"])),
    st.tuples(st.just("won"), st.integers(1, 3)),
    st.tuples(st.just("lost"), st.integers(1, 3)),
    st.tuples(st.just("reopen"), st.integers(1, 3)),
    st.tuples(st.just("edit"), st.integers(1, 3), st.integers(1, 9)),
    st.tuples(st.just("log"), st.integers(1, 3)),
    st.tuples(st.just("delete"), st.integers(1, 3)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("undo"), st.integers(0, 5)),  # the change this many back
    st.tuples(st.just("stage-move"), st.sampled_from(["demo", "proposal"]), st.integers(1, 4)),
    st.tuples(st.just("stage-remove"), st.sampled_from(["demo", "contacted", "qualified"])),
    st.tuples(st.just("stage-add"), st.sampled_from(["demo", "pilot"])),
)


def _args(step: tuple[object, ...]) -> list[str]:
    match step:
        case ("add",):
            return ["add", "D"]
        case ("lost", deal):
            return ["lost", str(deal), "--reason", "r"]
        case ("edit", deal, value):
            return ["edit", str(deal), "--value", str(value), "--tag", f"t{value}"]
        case ("log", deal):
            return ["log", str(deal), "call"]
        case ("delete", deal):
            return ["delete", str(deal), "--yes"]
        case ("stage-move", stage, position):
            return ["stage", "move", str(stage), "--position", str(position)]
        case ("stage-remove", stage):
            return ["stage", "remove", str(stage)]
        case ("stage-add", stage):
            return ["stage", "add", str(stage)]
        case _:
            return [str(part) for part in step]


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(_STEP, min_size=4, max_size=24))
@example(steps=[("move", 1, "demo"), ("move", 1, "proposal"), ("undo",), ("undo",), ("undo", 1)])
@example(steps=[("won", 2), ("reopen", 2), ("undo",), ("undo",), ("undo", 1)])
@example(steps=[("move", 1, "demo"), ("delete", 1), ("stage-remove", "demo"), ("undo", 1)])
@example(steps=[("stage-move", "demo", 1), ("move", 1, "demo"), ("move", 1, "lead"), ("undo", 2)])
def test_undo_and_redo_never_break_a_chain(funnel, tmp_path_factory, monkeypatch, steps):
    monkeypatch.setenv("FUNNEL_DB", str(tmp_path_factory.mktemp("chain") / "funnel.db"))
    for n in range(3):
        ok(funnel, "add", f"Deal {n}")
    for step in steps:
        args = _args(step)
        if step[0] == "undo" and len(step) == 2:
            last = ok(funnel, "changes", "-n", "1", "--format", "json").json()[0]["id"]
            args = ["undo", str(max(1, last - int(step[1])))]  # type: ignore[call-overload]
        run = funnel(*args)
        assert run.exit_code in (0, 1), (step, run.stderr)
        assert "FOREIGN KEY" not in run.stderr and "UNIQUE" not in run.stderr, (step, run.stderr)
        check = funnel("doctor")
        assert check.exit_code == 0, (steps, step, check.stdout)
    # and everything still in effect can be walked back, one undo at a time
    while (run := funnel("undo")).exit_code == 0:
        assert funnel("doctor").exit_code == 0, steps
    assert "nothing to undo" in run.stderr, (steps, run.stderr)
    assert ok(funnel, "list", "--status", "all", "--format", "json").json() == []


# -- undo after the pipeline's stages changed --------------------------------


@pytest.mark.parametrize(
    "steps",
    [
        # a deal deleted from demo, then demo removed: undoing the delete
        [("add", "A", "--stage", "demo"), ("delete", "1", "--yes"), ("stage", "remove", "demo")],
        # the same, the deal having passed proposal on its way
        [
            ("add", "A"),
            ("move", "1", "proposal"),
            ("move", "1", "demo"),
            ("delete", "1", "--yes"),
            ("stage", "remove", "demo"),
        ],
    ],
    ids=["delete", "delete after moves"],
)
def test_a_deal_is_never_brought_back_into_a_removed_stage(funnel, steps):
    for step in steps:
        ok(funnel, *step)
    delete = len(steps) - 1  # the change number of the delete
    before = export(funnel)
    message = refused(funnel, "undo", str(delete))
    assert "stage demo, removed since" in message
    assert export(funnel) == before
    doctor_clean(funnel)


def test_a_redo_of_an_import_into_a_removed_stage_is_refused(funnel, tmp_path):
    (tmp_path / "i.csv").write_text("title,stage\nX,demo\nY,proposal\n")
    ok(funnel, "import", str(tmp_path / "i.csv"))  # 1
    ok(funnel, "undo")  # 2
    ok(funnel, "stage", "remove", "demo")  # 3
    assert "removed since" in refused(funnel, "undo", "2")
    doctor_clean(funnel)


def test_undoing_a_delete_after_the_stages_moved_keeps_the_furthest_stage_true(funnel):
    ok(funnel, "add", "A")  # 1
    ok(funnel, "move", "1", "demo")  # 2
    ok(funnel, "move", "1", "lead")  # 3
    ok(funnel, "delete", "1", "--yes")  # 4
    ok(funnel, "stage", "move", "demo", "--position", "1")  # 5
    ok(funnel, "undo", "4")  # 6
    doctor_clean(funnel)
    ok(funnel, "undo", "6")  # 7: the delete again
    ok(funnel, "undo", "7")  # and back
    doctor_clean(funnel)
    # the reorder can't be undone under the deal it now decides the furthest stage of
    assert "change #6" in refused(funnel, "undo", "5")


def test_undoing_a_stage_reorder_later_moves_relied_on(funnel):
    ok(funnel, "stage", "move", "demo", "--position", "1")  # 1
    ok(funnel, "add", "A")  # 2: in demo, now the first stage
    ok(funnel, "move", "1", "lead")  # 3
    run = funnel("undo", "1")
    if run.exit_code == 0:  # undone: the furthest stage follows the old order
        shown = ok(funnel, "report", "funnel", "--format", "json").json()
        reached = {s["stage"]: s["reached"] for s in shown["stages"]}
        assert reached["demo"] == 1
    else:
        assert run.exit_code == 1 and "change #" in run.stderr
    doctor_clean(funnel)


@pytest.mark.parametrize(
    ("steps", "undo", "what"),
    [
        (
            [
                ("add", "A", "--external-id", "x"),
                ("delete", "x", "--yes"),
                ("add", "B", "--external-id", "x"),
            ],
            "2",
            "an external id",
        ),
        (
            [
                ("pipeline", "create", "P", "--stages", "a,b"),
                ("undo",),
                ("pipeline", "create", "P", "--stages", "c,d"),
            ],
            "2",
            "a pipeline name",
        ),
        (
            [("stage", "rename", "proposal", "offer"), ("stage", "rename", "demo", "proposal")],
            "1",
            "a stage name",
        ),
    ],
    ids=["external id", "pipeline name", "stage name"],
)
def test_a_value_another_row_took_since_is_a_clear_conflict(funnel, steps, undo, what):
    for step in steps:
        ok(funnel, *step)
    before = export(funnel)
    message = refused(funnel, "undo", undo)
    assert f"{what} it would bring back is another's since then" in message
    assert "UNIQUE" not in message
    assert export(funnel) == before


def test_an_import_into_an_emptied_database_gives_no_deal_an_old_number(funnel, tmp_path):
    other = str(tmp_path / "other.db")
    ok(funnel, "--db", other, "add", "Other 1")
    ok(funnel, "--db", other, "add", "Other 2")
    ok(funnel, "--db", other, "log", "2", "call", "theirs")
    ok(funnel, "--db", other, "export", "-o", str(tmp_path / "e.jsonl"))
    ok(funnel, "add", "Mine 1")  # 1
    ok(funnel, "add", "Mine 2")  # 2
    ok(funnel, "log", "2", "call", "mine")  # 3
    ok(funnel, "delete", "1", "--yes")  # 4
    ok(funnel, "delete", "2", "--yes")  # 5
    ok(funnel, "import", str(tmp_path / "e.jsonl"))  # 6: into a database with no deals
    ids = sorted(d["id"] for d in ok(funnel, "list", "--format", "json").json())
    assert ids == [3, 4]  # not the file's 1 and 2, which undo may bring back
    ok(funnel, "undo", "5")  # deal 2 and its touch come back under their own numbers
    ok(funnel, "undo", "4")
    shown = ok(funnel, "show", "2", "--format", "json").json()
    assert [a["note"] for a in shown["activities"]] == ["mine"]
    assert ok(funnel, "show", "4", "--format", "json").json()["title"] == "Other 2"
    doctor_clean(funnel)


def test_doctor_names_a_deal_in_a_removed_stage(funnel, isolated):
    ok(funnel, "add", "A")
    ok(funnel, "stage", "remove", "demo")
    with connect(isolated / "funnel.db") as conn:
        conn.execute("UPDATE deals SET stage_id = (SELECT id FROM stages WHERE key = 'demo')")
    run = funnel("doctor")
    assert run.exit_code == 1
    assert "deal 1: stage: its stage demo (stage 4) was removed" in run.stdout
