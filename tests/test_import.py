"""`funnel import` on small files written by hand: mapping, amounts, dates,
history from stage dates, closing, updates, and all-or-nothing errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import connect, ok


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def deals(funnel) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return ok(funnel, "list", "--status", "all", "--format", "json").json()  # type: ignore[no-any-return]


def history(funnel, ref: str) -> list[tuple[str | None, str, str]]:  # type: ignore[no-untyped-def]
    got = ok(funnel, "show", ref, "--format", "json").json()
    return [(h["from_stage"], h["to_stage"], h["at"]) for h in got["history"]]


SHEET = (
    "\ufeffDeal Name;Company;Amount;Stage;Owner;Created;Demo date;Closed;Region\n"
    "Acme pilot;Acme;$4,800.50;demo;anna;2026-10-01;2026-10-10;;north\n"
    "Globex;Globex;4 800,50 zł;Won;ben;2026-09-01;2026-09-15;2026-10-20;south\n"
    'Initech;"Initech; Inc";3,100;lead;anna;2026-11-01;;;\n'
    "Hooli;;;Lost;me;2026-08-01;;2026-08-30;west\n"
)


def test_a_spreadsheet_with_a_bom_semicolons_and_odd_amounts(funnel, isolated):
    f = write(isolated / "sheet.csv", SHEET)
    run = ok(
        funnel, "import", str(f), "--stage-date", "demo=Demo date", "--map", "closed_at=Closed"
    )
    assert run.stdout == ""
    assert run.stderr == "imported 4 deals, updated 0, unchanged 0\n"
    got = {d["title"]: d for d in deals(funnel)}
    acme, globex, initech, hooli = (got[t] for t in ("Acme pilot", "Globex", "Initech", "Hooli"))
    # headers map themselves (Deal Name → title, Company → org, Amount → value)
    assert (acme["org"], acme["value"], acme["currency"], acme["owner"]) == (
        "Acme",
        4800.5,
        "USD",
        "anna",
    )
    assert (globex["value"], globex["currency"]) == (4800.5, "PLN")
    assert (initech["org"], initech["value"]) == ("Initech; Inc", 3100)  # 3,100 is thousands
    assert hooli["value"] is None and hooli["org"] is None
    # the column nothing maps to becomes a custom field; an empty cell, none
    assert acme["fields"] == {"Region": "north"}
    assert initech["fields"] == {}
    # status and stage: a won/lost value closes the deal at the close date
    assert (acme["status"], acme["stage"]) == ("open", "demo")
    assert (globex["status"], globex["stage"], globex["closed_at"]) == (
        "won",
        "demo",  # the last stage it entered
        "2026-10-20T00:00:00Z",
    )
    assert (hooli["status"], hooli["stage"], hooli["closed_at"]) == (
        "lost",
        "lead",
        "2026-08-30T00:00:00Z",
    )
    # history: created in the first stage, then the stage dates, then the close
    assert history(funnel, str(acme["id"])) == [
        (None, "lead", "2026-10-01T00:00:00Z"),
        ("lead", "demo", "2026-10-10T00:00:00Z"),
    ]
    assert history(funnel, str(globex["id"])) == [
        (None, "lead", "2026-09-01T00:00:00Z"),
        ("lead", "demo", "2026-09-15T00:00:00Z"),
        ("demo", "won", "2026-10-20T00:00:00Z"),
    ]
    assert history(funnel, str(initech["id"])) == [(None, "lead", "2026-11-01T00:00:00Z")]
    # reports see the history: demo reached by Acme and Globex (won)
    f = ok(funnel, "report", "funnel", "--format", "json").json()
    reached = {s["stage"]: s["reached"] for s in f["stages"]}
    assert reached["lead"] == 4 and reached["demo"] == 2
    demo = next(s for s in f["stages"] if s["stage"] == "demo")
    assert demo["avg_days_in_stage"] == 35.0  # Globex: 09-15 → 10-20
    m = ok(funnel, "report", "metrics", "--format", "json").json()
    pln = next(r for r in m if r["currency"] == "PLN")
    assert (pln["won"], pln["sales_cycle_days"]) == (1, 49.0)  # 09-01 → 10-20


def test_one_column_can_feed_several_fields(funnel, isolated):
    f = write(isolated / "ids.csv", "ID,Stage\nOPP-1,lead\nOPP-2,lead\n")
    ok(funnel, "import", str(f), "--map", "external_id=ID", "--map", "title=ID")
    got = deals(funnel)
    assert [(d["external_id"], d["title"]) for d in got] == [("OPP-1", "OPP-1"), ("OPP-2", "OPP-2")]
    assert ok(funnel, "show", "OPP-2", "--format", "json").json()["id"] == 2


def test_no_creation_date_the_earliest_date_stands_for_it(funnel, isolated):
    f = write(
        isolated / "d.csv",
        "title,stage,qualified,demo,closed_at\nA,won,2026-10-05,2026-10-09,2026-10-20\nB,lead,,,\n",
    )
    ok(funnel, "import", str(f), "--stage-date", "qualified=qualified", "--stage-date", "demo=demo")
    a, b = deals(funnel)
    assert a["created_at"] == "2026-10-05T00:00:00Z"
    assert history(funnel, "1") == [
        (None, "qualified", "2026-10-05T00:00:00Z"),
        ("qualified", "demo", "2026-10-09T00:00:00Z"),
        ("demo", "won", "2026-10-20T00:00:00Z"),
    ]
    # no date at all: created when imported
    assert b["created_at"] == "2026-11-23T10:15:00Z"


def test_json_array_and_jsonl(funnel, isolated):
    rows = [
        {"title": "A", "value": 1200, "currency": "EUR", "tags": ["x", "y"], "stage": "demo"},
        {"title": "B", "value": "300", "Notes": {"k": 1}},
    ]
    write(isolated / "d.json", json.dumps(rows))
    ok(funnel, "import", str(isolated / "d.json"))
    write(
        isolated / "d.jsonl", "\n".join(json.dumps(r | {"title": r["title"] + "2"}) for r in rows)
    )
    ok(funnel, "import", str(isolated / "d.jsonl"))
    got = deals(funnel)
    assert [(d["title"], d["value"], d["currency"], d["tags"], d["stage"]) for d in got] == [
        ("A", 1200, "EUR", ["x", "y"], "demo"),
        ("B", 300, "USD", [], "lead"),
        ("A2", 1200, "EUR", ["x", "y"], "demo"),
        ("B2", 300, "USD", [], "lead"),
    ]
    assert got[1]["fields"] == {"Notes": '{"k": 1}'}


def test_ambiguous_dates_need_a_date_order(funnel, isolated):
    f = write(isolated / "d.csv", "title,created_at\nA,03/04/2026\n")
    run = funnel("import", str(f))
    assert run.exit_code == 1
    assert "ambiguous" in run.stderr and "--date-order" in run.stderr
    ok(funnel, "import", str(f), "--date-order", "dmy")
    assert deals(funnel)[0]["created_at"] == "2026-04-03T00:00:00Z"


# -- all or nothing --------------------------------------------------------------


BAD = (
    "title,value,stage,created_at,email\n"
    "Good,100,lead,2026-10-01,a@b.co\n"
    "Bad amount,12abc,lead,2026-10-01,\n"
    "Bad date,100,lead,2026-13-45,\n"
    "Bad stage,100,pitch,2026-10-01,\n"
    "Future,100,lead,2027-01-01,\n"
    "Bad mail,100,lead,2026-10-01,nope\n"
    "Won no date,100,won,2026-10-01,\n"
    ",100,lead,2026-10-01,\n"
    "Too,many,cells,here,x,y\n"
)


def test_any_bad_line_imports_nothing_and_every_bad_line_is_named(funnel, isolated):
    ok(funnel, "add", "Existing")
    f = write(isolated / "bad.csv", BAD)
    run = funnel("import", str(f), "--report", "json")
    assert run.exit_code == 1
    report = json.loads(run.stdout)
    assert (report["imported"], report["updated"]) == (0, 0)
    got = [(e["line"], e["column"], e["value"]) for e in report["errors"]]
    assert got == [
        (3, "value", "12abc"),
        (4, "created_at", "2026-13-45"),
        (5, "stage", "pitch"),
        (6, "created_at", "2027-01-01"),
        (7, "email", "nope"),
        (8, "stage", None),  # no close date column: the stage column closed it
        (9, "title", None),
        (10, None, None),
    ]
    messages = [e["message"] for e in report["errors"]]
    assert "no stage 'pitch' in pipeline sales" in messages[2]
    assert "future" in messages[3]
    assert "won deal needs a close date" in messages[5]
    assert messages[7] == "6 cells, but the header has 5 columns"
    # one error line first, then each bad line on stderr
    lines = run.stderr.splitlines()
    assert lines[-1].startswith("funnel: error: ") or lines[0].startswith("  line 3")
    assert sum(line.startswith("  line ") for line in lines) == 8
    assert any(line.startswith("funnel: error: ") and "nothing imported" in line for line in lines)
    # nothing changed: the one deal there was is all there is
    assert [d["title"] for d in deals(funnel)] == ["Existing"]


def test_unknown_stages_can_be_created(funnel, isolated):
    f = write(isolated / "s.csv", "title,stage\nA,pitch\nB,lead\n")
    assert funnel("import", str(f)).exit_code == 1
    run = ok(funnel, "import", str(f), "--create-stages")
    assert "created stage sales/pitch" in run.stderr
    stages = ok(funnel, "stage", "list", "--format", "json").json()
    assert [s["name"] for s in stages][-1] == "pitch"


def test_text_that_is_not_utf8_names_the_line(funnel, isolated):
    f = write(isolated / "latin.csv", "title,org\nA,Acme\nB,Café\n", encoding="latin-1")
    run = funnel("import", str(f))
    assert run.exit_code == 1
    assert len(run.stderr.splitlines()) == 2  # the bad line, then the error
    assert "line 3: not UTF-8 text (byte 0xE9" in run.stderr
    assert deals(funnel) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('title,org\nA,"unclosed\n', "broken CSV"),
        ("", "no header row"),
        ("title,title\nA,B\n", "two columns are called 'title'"),
    ],
)
def test_broken_csv(funnel, isolated, text, message):
    f = write(isolated / "b.csv", text)
    run = funnel("import", str(f))
    assert run.exit_code == 1
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_broken_json(funnel, isolated):
    write(isolated / "b.json", '[{"title": "A"}, ')
    run = funnel("import", str(isolated / "b.json"))
    assert run.exit_code == 1 and "not JSON" in run.stderr
    write(isolated / "b.jsonl", '{"title": "A"}\n[1]\n{"title": \n')
    run = funnel("import", str(isolated / "b.jsonl"))
    assert run.exit_code == 1 and "line 2: each line must be a JSON object" in run.stderr
    assert deals(funnel) == []


def test_usage_errors(funnel, isolated):
    f = write(isolated / "a.csv", "title\nA\n")
    for args, message in [
        (("--map", "nonsense=title"), "'nonsense' is not a deal field"),
        (("--map", "org=Company"), "the file has no column 'Company'"),
        (("--map", "org"), "--map takes FIELD=COLUMN"),
        (("--stage-date", "demo=When"), "the file has no column 'When'"),
        (("--date-order", "ydm"), "--date-order must be ymd, dmy or mdy"),
        (("--report", "xml"), "--report must be table or json"),
    ]:
        run = funnel("import", str(f), *args)
        assert run.exit_code == 2, args
        assert message in run.stderr, (args, run.stderr)
    run = funnel("import", str(isolated / "missing.csv"))
    assert run.exit_code == 1 and "no file" in run.stderr


def test_dry_run_checks_and_writes_nothing(funnel, isolated):
    f = write(isolated / "a.csv", "title,stage\nA,pitch\nB,lead\n")
    run = ok(funnel, "import", str(f), "--create-stages", "--dry-run", "--report", "json")
    assert json.loads(run.stdout)["imported"] == 2
    assert json.loads(run.stdout)["dry_run"] is True
    assert "would import 2 deals" in run.stderr
    assert deals(funnel) == []
    stages = ok(funnel, "stage", "list", "--format", "json").json()
    assert "pitch" not in [s["name"] for s in stages]


# -- importing again -------------------------------------------------------------


def test_a_known_external_id_updates_the_deal_and_appends_history(funnel, isolated):
    first = write(
        isolated / "1.csv", "id,title,value,stage,created_at,demo\nX1,Acme,100,lead,2026-10-01,\n"
    )
    ok(funnel, "import", str(first), "--map", "external_id=id", "--stage-date", "demo=demo")
    second = write(
        isolated / "2.csv",
        "id,title,value,stage,created_at,demo\nX1,Acme,250,demo,2026-10-01,2026-11-02\n"
        "X2,Globex,50,lead,2026-11-01,\n",
    )
    run = ok(
        funnel,
        "import",
        str(second),
        "--map",
        "external_id=id",
        "--stage-date",
        "demo=demo",
        "--report",
        "json",
    )
    assert {k: json.loads(run.stdout)[k] for k in ("imported", "updated", "skipped")} == {
        "imported": 1,
        "updated": 1,
        "skipped": 0,
    }
    acme = ok(funnel, "show", "X1", "--format", "json").json()
    assert (acme["value"], acme["stage"]) == (250, "demo")
    assert history(funnel, "X1") == [
        (None, "lead", "2026-10-01T00:00:00Z"),
        ("lead", "demo", "2026-11-02T00:00:00Z"),
    ]
    # the same file again: nothing new
    run = ok(funnel, "import", str(second), "--map", "external_id=id", "--stage-date", "demo=demo")
    assert run.stderr == "imported 0 deals, updated 0, unchanged 2\n"
    assert len(history(funnel, "X1")) == 2


def test_the_same_deal_twice_in_one_file_is_an_error(funnel, isolated):
    f = write(isolated / "d.csv", "external_id,title\nA,One\nA,Two\n")
    run = funnel("import", str(f))
    assert run.exit_code == 1
    assert "line 3, column external_id ('A'): the same deal as line 2, with other cells" in (
        run.stderr
    )


def test_repeats_are_found_across_batches_of_seen_keys(funnel, isolated, monkeypatch):
    """The keys read so far go to a temporary table a few at a time (here 3);
    a repeat is found wherever its first is: still in memory, or in the
    table. Every new key not in memory is looked up there and not found: no
    false repeat."""
    from funnelcli.services.imports.seen import Seen

    monkeypatch.setattr(Seen, "FLUSH", 3)
    rows = [f"K{i},Deal {i}" for i in range(10)] + ["K1,again", "K9,again", "K0,again"]
    f = write(isolated / "d.csv", "external_id,title\n" + "\n".join(rows) + "\n")
    run = funnel("import", str(f), "--report", "json")
    assert run.exit_code == 1
    errors = [(e["line"], e["message"]) for e in json.loads(run.stdout)["errors"]]
    # K1 was line 3 (flushed to the table), K9 line 11 (still in memory), K0 line 2
    assert errors == [
        (12, "the same deal as line 3, with other cells"),
        (13, "the same deal as line 11, with other cells"),
        (14, "the same deal as line 2, with other cells"),
    ]
    assert funnel("list", "--format", "json").json() == []
    fine = write(isolated / "fine.csv", "external_id,title\n" + "\n".join(rows[:10]) + "\n")
    assert ok(funnel, "import", str(fine)).stderr.startswith("imported 10 deals")
    # the temporary table went with the import's connection
    assert funnel("list", "--format", "json").json()[0]["external_id"] == "K0"


# -- the formula guard is undone only in funnelcli's own CSV ---------------------

GUARDED = ["'=1+1", "'+x", "''quoted", "'@y", "=raw", "'plain"]


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_text_that_looks_guarded_survives_a_round_trip(funnel, isolated, monkeypatch, fmt):
    """Export guards a CSV cell (a leading '); import takes it off again only
    in its own CSV. JSON has no guard, so a title that starts with ' stays as
    it is, and importing the export again changes nothing."""
    for i, text in enumerate(GUARDED, 1):
        ok(funnel, "add", text, "--org", text, "--field", f"k{i}={text}", "--note", text)
        ok(funnel, "move", str(i), "demo", "--note", text)
    before = [ok(funnel, "show", str(i), "--format", "json").json() for i in range(1, 7)]
    path = isolated / f"all.{fmt}"
    ok(funnel, "export", "--format", fmt, "--output", str(path))
    again = ok(funnel, "import", str(path))
    assert again.stderr.startswith("imported 0 deals, updated 0, unchanged 6"), again.stderr
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "fresh.db"))
    ok(funnel, "import", str(path))
    after = [ok(funnel, "show", str(i), "--format", "json").json() for i in range(1, 7)]
    assert after == before
    assert [d["title"] for d in after] == GUARDED


def test_someone_elses_json_keeps_a_leading_quote(funnel, isolated):
    rows = [{"title": "'=1+1", "org": "'@x", "region": "'-3"}]
    f = write(isolated / "deals.json", json.dumps(rows))
    ok(funnel, "import", str(f))
    deal = ok(funnel, "show", "1", "--format", "json").json()
    assert (deal["title"], deal["org"], deal["fields"]) == ("'=1+1", "'@x", {"region": "'-3"})


# -- JSON that no parser could hold, and text that is not text -------------------

DEEP = "[" * 100_000


UNREADABLE = [
        ("deep json", DEEP, 1),
        ("deep json, third line", '[{"title": "a"},\n{"title": "b"},\n' + DEEP, 3),
        ("deep json object", '[{"title": "a",\n "fields": ' + '{"k": ' * 100_000, 2),
        ("deep jsonl", '{"title": "a"}\n{"title": ' + DEEP + "}\n", 2),
        ("deep csv cell", f"title,fields\nA,{{}}\nB,{DEEP}\n", 3),
        ("deep own csv history", f"title,uuid,history\nB,,{DEEP}\n", 2),
        ("lone surrogate json", '[{"title": "a"},\n\n{"title": "x\\ud800y"}]', 3),
        ("lone low surrogate json", '[{"title": "a", "org": "\\udc00"}]', 1),
        ("lone surrogate jsonl", '{"title": "a"}\n{"title": "x\\uD83D"}\n', 2),
        ("lone surrogate key jsonl", '{"title": "a"}\n{"title": "b", "k\\udfff": "v"}\n', 2),
        ("lone surrogate csv cell", 'title,fields\nA,"{""k"": ""\\ud800""}"\n', 2),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "line"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_json_too_deep_or_not_text_is_one_error_with_its_line(funnel, isolated, name, text, line):
    """RecursionError (exit 70) and a surrogate that reached SQLite ("arguments
    must be valid UTF-8") before: now one error naming the line, exit 1."""
    suffix = "jsonl" if "jsonl" in name else "csv" if "csv" in name else "json"
    f = write(isolated / f"in.{suffix}", text)
    run = funnel("import", str(f))
    assert run.exit_code == 1, run.stderr
    errors = [x for x in run.stderr.splitlines() if x.startswith("funnel: error: ")]
    assert len(errors) == 1, run.stderr
    assert f"nothing imported: line {line}" in errors[0], run.stderr
    assert "deep" in errors[0] if "deep" in name else "surrogate" in errors[0], run.stderr
    assert len(run.stderr) < 1000  # not the file's text back
    assert funnel("list", "--status", "all", "--format", "json").json() == []


def test_surrogate_pairs_and_escaped_backslashes_are_text(funnel, isolated):
    rows = '{"title": "\\ud83d\\ude00 smile", "org": "\\\\ud800 literal", "k": "\\uD83D\\uDE00"}\n'
    ok(funnel, "import", str(write(isolated / "ok.jsonl", rows)))
    deal = ok(funnel, "show", "1", "--format", "json").json()
    assert (deal["title"], deal["org"], deal["fields"]) == (
        "😀 smile",
        "\\ud800 literal",
        {"k": "😀"},
    )


@pytest.mark.parametrize("where", ["history", "activities"])
def test_a_note_that_is_not_text_is_a_bad_line(funnel, isolated, where):
    """A JSON list or object as a note reached SQLite ("Error binding parameter",
    no line); it is a bad line like any other."""
    deal = {
        "uuid": "5d0c4c1e-8a43-4a4e-9a0e-0d6f7a1b2c3d",
        "title": "t",
        "history": [{"from_stage": None, "to_stage": "lead", "to_status": "open",
                     "at": "2026-11-01T09:00:00Z", "note": "fine"}],
        "activities": [{"kind": "call", "at": "2026-11-03T09:00:00Z", "note": "fine"}],
    }  # fmt: skip
    deal[where][0]["note"] = {"not": ["text"]}
    f = write(isolated / "own.jsonl", json.dumps(deal) + '\n{"title": "second"}\n')
    run = funnel("import", str(f))
    assert run.exit_code == 1
    assert run.stderr.splitlines()[-1].endswith(f"line 1, column {where}: a note is text")


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_an_export_read_back_keeps_spaces_around_text(funnel, isolated, fmt):
    """Import of funnelcli's own export keeps text as stored (a re-import
    'updated' the deal, trimming title, org, contact and source). add trims
    now; a database an older funnelcli wrote may still hold such spaces."""
    assert funnel("add", "padded title").exit_code == 0
    with connect(isolated / "funnel.db") as conn:
        conn.execute(
            "UPDATE deals SET title = '  padded title  ', org = ' org', "
            "contact = 'contact ', source = ' src ' WHERE id = 1"
        )
    conn.close()
    path = isolated / f"e.{fmt}"
    assert funnel("export", "-o", str(path)).exit_code == 0
    run = funnel("import", str(path), "--report", "json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["updated"] == 0
    shown = funnel("show", "1", "--format", "json").json()
    assert (shown["title"], shown["org"], shown["contact"], shown["source"]) == (
        "  padded title  ",
        " org",
        "contact ",
        " src ",
    )
