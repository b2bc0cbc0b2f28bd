"""`funnel import` of funnelcli's own export recreates its pipelines: stage
names, order, settings and removed stages, in a new database (whose seeded
`sales` pipeline nobody used yet) exactly; into a pipeline that already holds
deals it adds what is missing in the export's order and keeps what is there."""

from __future__ import annotations

import json

import pytest

from helpers import make_db, ok

EDITS: dict[str, list[list[str]]] = {
    "removed": [["stage", "remove", "negotiation"]],
    "renamed": [
        ["stage", "rename", "qualified", "discovery"],
        ["move", "1", "discovery"],
        ["move", "1", "contacted"],
    ],
    "reordered": [["stage", "move", "demo", "--position", "2"]],
    "settings": [["stage", "set", "demo", "--probability", "55", "--rot-days", "30"]],
    "removed-and-added-again": [
        ["stage", "remove", "negotiation"],
        ["stage", "add", "negotiation", "--after", "demo", "--probability", "70"],
        ["stage", "remove", "qualified"],
    ],
    "all-at-once": [
        ["stage", "rename", "qualified", "discovery"],
        ["stage", "move", "demo", "--position", "2"],
        ["stage", "remove", "negotiation"],
        ["stage", "add", "pilot", "--after", "lead", "--cadence", "2"],
        ["move", "1", "discovery"],
        ["pipeline", "create", "renewals", "--stages", "due,talking,signed"],
        ["add", "B", "--pipeline", "renewals"],
        ["stage", "remove", "talking", "--pipeline", "renewals"],
        ["pipeline", "create", "empty", "--stages", "a,b,c"],
        ["stage", "remove", "b", "--pipeline", "empty"],
    ],
}


def stages(funnel, *db: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    names = [p["name"] for p in ok(funnel, *db, "pipeline", "list", "--format", "json").json()]
    return {
        p: ok(funnel, *db, "stage", "list", "--pipeline", p, "--format", "json").json()
        for p in names
    }


def without_header(text: str) -> list[str]:
    """An export less its first line (exported_at differs between runs)."""
    return text.splitlines()[1:]


def doctor_clean(funnel, *db: str) -> None:  # type: ignore[no-untyped-def]
    run = funnel(*db, "doctor", "--format", "json")
    assert run.exit_code == 0 and run.json()["problems"] == [], run.stdout


def edited(funnel, edits: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    ok(funnel, "add", "A")
    for args in edits:
        ok(funnel, *args)


@pytest.mark.slow
@pytest.mark.parametrize("flags", [[], ["--create-stages"]], ids=["plain", "create-stages"])
@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
@pytest.mark.parametrize("case", list(EDITS))
def test_an_export_of_edited_stages_reads_back_into_a_new_database(
    funnel, isolated, case, fmt, flags
):
    edited(funnel, EDITS[case])
    path = isolated / f"e.{fmt}"
    ok(funnel, "export", "--output", str(path))
    new = ("--db", str(isolated / "new.db"))
    run = funnel(*new, "import", str(path), *flags)
    assert run.exit_code == 0, run.stderr
    assert stages(funnel, *new) == stages(funnel)
    report = ("report", "funnel", "--format", "json")
    assert ok(funnel, *new, *report).json() == ok(funnel, *report).json()
    doctor_clean(funnel, *new)
    # removed stages stay removed, in the same order: the same export again
    again = isolated / f"again.{fmt}"
    ok(funnel, *new, "export", "--output", str(again))
    if fmt == "json":
        first, second = json.loads(path.read_text()), json.loads(again.read_text())
        assert first.pop("exported_at") and second.pop("exported_at")
        assert second == first
    elif fmt == "jsonl":
        assert without_header(again.read_text()) == without_header(path.read_text())
        header = json.loads(again.read_text().splitlines()[0])
        assert header["pipelines"] == json.loads(path.read_text().splitlines()[0])["pipelines"]
    else:
        assert again.read_text() == path.read_text()
    # reading it back into either database changes nothing, and notes no change
    for db in (new, ()):
        changes = ok(funnel, *db, "changes", "--format", "json").json()
        run = ok(funnel, *db, "import", str(path), *flags)
        assert ok(funnel, *db, "changes", "--format", "json").json() == changes
        count = run.stderr.split("unchanged ")[-1]
        assert run.stderr.startswith("imported 0 deals, updated 0, unchanged "), run.stderr
        assert count.strip().isdigit()
    assert stages(funnel, *new) == stages(funnel)


def test_a_renamed_stage_keeps_its_place_and_the_funnel_its_reach(funnel, isolated):
    edited(funnel, EDITS["renamed"])
    path = isolated / "e.jsonl"
    ok(funnel, "export", "--output", str(path))
    new = ("--db", str(isolated / "new.db"))
    ok(funnel, *new, "import", str(path))
    got = ok(funnel, *new, "stage", "list", "--format", "json").json()
    assert [s["name"] for s in got] == [
        "lead", "discovery", "contacted", "demo", "proposal", "negotiation"
    ]  # fmt: skip
    history = ok(funnel, *new, "show", "1", "--format", "json").json()["history"]
    assert [h["to_stage"] for h in history] == ["lead", "discovery", "contacted"]


def test_a_seeded_pipeline_nobody_used_is_recreated_beside_one_in_use(funnel, isolated):
    """The target already holds deals, but none in `sales`: sales is rebuilt."""
    edited(funnel, EDITS["all-at-once"])
    path = isolated / "e.jsonl"
    ok(funnel, "export", "--output", str(path), "--pipeline", "sales")
    new = ("--db", str(isolated / "new.db"))
    ok(funnel, *new, "pipeline", "create", "other", "--stages", "x,y")
    ok(funnel, *new, "add", "Z", "--pipeline", "other")
    ok(funnel, *new, "import", str(path))
    assert stages(funnel, *new)["sales"] == stages(funnel)["sales"]
    doctor_clean(funnel, *new)


def test_into_a_pipeline_with_deals_missing_stages_are_added_in_order(funnel, isolated):
    """Stages the target has keep their settings and order; the export's new
    ones go after the stage that precedes them in the export; a stage the
    export marks removed but the target still uses is not duplicated."""
    edited(funnel, EDITS["all-at-once"])
    path = isolated / "e.jsonl"
    ok(funnel, "export", "--output", str(path))
    new = ("--db", str(isolated / "new.db"))
    ok(funnel, *new, "add", "Target")
    ok(funnel, *new, "move", "1", "negotiation")
    ok(funnel, *new, "stage", "set", "demo", "--probability", "45")
    run = ok(funnel, *new, "import", str(path))
    assert "imported 2 deals" in run.stderr
    got = stages(funnel, *new)["sales"]
    assert [(s["name"], s["probability"]) for s in got] == [
        ("lead", 10), ("pilot", 30), ("qualified", 20), ("contacted", 30), ("demo", 45),
        ("discovery", 20), ("proposal", 65), ("negotiation", 80),
    ]  # fmt: skip
    assert stages(funnel, *new)["renewals"] == stages(funnel)["renewals"]
    doctor_clean(funnel, *new)
    shown = ok(funnel, *new, "show", "2", "--format", "json").json()
    assert (shown["title"], shown["stage"]) == ("A", "discovery")
    # and once more: nothing changes, no stage is added twice
    run = ok(funnel, *new, "import", str(path))
    assert run.stderr == "imported 0 deals, updated 0, unchanged 2\n"
    assert stages(funnel, *new)["sales"] == got


def test_undoing_the_import_brings_back_the_seeded_pipeline(funnel, isolated):
    edited(funnel, EDITS["all-at-once"])
    path = isolated / "e.jsonl"
    ok(funnel, "export", "--output", str(path))
    new = ("--db", str(make_db(isolated / "new.db")))
    ok(funnel, *new, "pipeline", "list")  # the seeded pipeline, before the import
    seeded = stages(funnel, *new)
    ok(funnel, *new, "import", str(path))
    undone = ok(funnel, *new, "undo").stderr
    assert stages(funnel, *new) == seeded
    doctor_clean(funnel, *new)
    ok(funnel, *new, "undo", undone.split("recorded as change #")[1].strip())  # redo
    assert stages(funnel, *new) == stages(funnel)


@pytest.mark.parametrize(
    "pipelines",
    [
        {"name": "sales"},
        [{"name": "sales", "stages": [{"name": "lead"}]}],
        [{"name": "sales", "stages": [{"name": "lead", "probability": "ten", "rot_days": 1,
                                       "cadence_days": 1}]}],
        [{"stages": []}],
        ["sales"],
    ],
)  # fmt: skip
def test_a_header_export_never_writes_is_one_error_and_nothing_imported(
    funnel, isolated, pipelines
):
    ok(funnel, "add", "A")
    path = isolated / "e.jsonl"
    ok(funnel, "export", "--output", str(path))
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    header["pipelines"] = pipelines
    path.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    new = ("--db", str(isolated / "new.db"))
    run = funnel(*new, "import", str(path))
    assert run.exit_code == 1
    last = run.stderr.splitlines()[-1]
    assert last.startswith(f"funnel: error: {path}: nothing imported: line 1: the pipelines in")
    assert ok(funnel, *new, "list", "--format", "json").json() == []


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_an_export_read_back_keeps_when_each_deal_was_last_updated(
    funnel, isolated, monkeypatch, fmt
):
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-02T09:00:00")
    ok(funnel, "add", "A")
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-10T09:00:00")
    ok(funnel, "edit", "1", "--org", "Acme")
    before = ok(funnel, "show", "1", "--format", "json").json()
    path = isolated / f"e.{fmt}"
    ok(funnel, "export", "--output", str(path))
    monkeypatch.setenv("FUNNEL_NOW", "2026-11-23T10:15:00")
    new = ("--db", str(isolated / "new.db"))
    ok(funnel, *new, "import", str(path))
    after = ok(funnel, *new, "show", "1", "--format", "json").json()
    assert after["updated_at"] == before["updated_at"] == "2026-11-10T09:00:00Z"
    assert after["created_at"] == before["created_at"]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("2026-11-10T09:00:00Z", "2026-11-10T09:00:00Z"),
        ("2026-11-10 09:00", "2026-11-10T09:00:00Z"),
        ("2026-12-01T00:00:00Z", "2026-11-23T10:15:00Z"),  # still to come: now
        ("2026-13-01T00:00:00Z", "2026-11-23T10:15:00Z"),  # no such day
        ("2020-01-01T00:00:00Z", "2026-11-23T10:15:00Z"),  # before the deal
        ("soon", "2026-11-23T10:15:00Z"),
    ],
)
def test_an_updated_at_that_cannot_be_is_the_import_time(funnel, isolated, given, kept):
    ok(funnel, "add", "A", "--at", "2026-11-02")
    path = isolated / "e.jsonl"
    ok(funnel, "export", "--output", str(path))
    header, deal = path.read_text().splitlines()
    path.write_text(header + "\n" + json.dumps({**json.loads(deal), "updated_at": given}) + "\n")
    new = ("--db", str(isolated / "new.db"))
    ok(funnel, *new, "import", str(path))
    assert ok(funnel, *new, "show", "1", "--format", "json").json()["updated_at"] == kept
