"""`funnel import` of exports as other CRMs write them (issue 14): bare stage
dates on a timestamped creation's day, errors that name the file's column and
value, CRM timestamps, Excel serial dates, true/false columns, --stage-map,
exact duplicate rows, --lenient, and a summary of many bad lines a person can
read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import ok

HEAD = "OPPORTUNITY_ID,NAME,STAGE_NAME,CREATED_DATE,DEMO_SET_DATE,CLOSE_DATE\n"
BASE = ("--map", "external_id=OPPORTUNITY_ID", "--stage-date", "demo=DEMO_SET_DATE")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def show(funnel: Any, ref: str) -> dict[str, Any]:
    return ok(funnel, "show", ref, "--format", "json").json()  # type: ignore[no-any-return]


def history(funnel: Any, ref: str) -> list[tuple[str | None, str, str]]:
    return [(h["from_stage"], h["to_stage"], h["at"]) for h in show(funnel, ref)["history"]]


def failed(funnel: Any, *args: str) -> tuple[dict[str, Any], str]:
    """An import that must fail: its JSON report and stderr; nothing written."""
    run = funnel("import", *args, "--report", "json")
    assert run.exit_code == 1, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert funnel("list", "--status", "all", "--format", "json").json() == []
    return json.loads(run.stdout), run.stderr


def errors(report: dict[str, Any]) -> list[tuple[int, str | None, str | None, str]]:
    return [(e["line"], e["column"], e["value"], e["message"]) for e in report["errors"]]


# -- 1. a bare stage date on the day of a timestamped creation ------------------


def test_a_bare_stage_date_on_the_creation_day_starts_at_the_creation(funnel, isolated):
    f = write(
        isolated / "sf.csv",
        HEAD
        + "A1,Acme,Closed Won,2024-07-10 09:48:13,2024-07-10,2024-07-10\n"
        + "A2,Globex,demo,2024-07-10 09:48:13,2024-07-11,\n",
    )
    run = ok(funnel, "import", str(f), *BASE)
    assert run.stderr == "imported 2 deals, updated 0, unchanged 0\n"
    # it happened that day: the stay in demo starts at the creation instant, and
    # the close on that day is not before it either
    assert history(funnel, "A1") == [
        (None, "demo", "2024-07-10T09:48:13Z"),
        ("demo", "won", "2024-07-10T09:48:13Z"),
    ]
    acme = show(funnel, "A1")
    assert (acme["created_at"], acme["closed_at"]) == ("2024-07-10T09:48:13Z", acme["created_at"])
    assert history(funnel, "A2") == [
        (None, "lead", "2024-07-10T09:48:13Z"),
        ("lead", "demo", "2024-07-11T00:00:00Z"),
    ]


def test_a_bare_close_on_the_creation_day_is_not_before_the_creation(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,Closed Lost,2024-07-10 09:48:13,,2024-07-10\n")
    ok(funnel, "import", str(f), *BASE)
    assert history(funnel, "A1") == [
        (None, "lead", "2024-07-10T09:48:13Z"),
        ("lead", "lost", "2024-07-10T09:48:13Z"),
    ]


def test_a_bare_close_on_the_day_of_its_last_stage_date_is_not_before_it(funnel, isolated):
    f = write(
        isolated / "sf.csv", HEAD + "A1,Acme,Closed Lost,2024-07-01,2024-07-10 15:30,2024-07-10\n"
    )
    ok(funnel, "import", str(f), *BASE)
    assert history(funnel, "A1")[-1] == ("demo", "lost", "2024-07-10T15:30:00Z")


# -- 2. errors name the file's column and its value ------------------------------


def test_a_stage_date_before_the_creation_names_its_column_and_value(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,demo,2024-07-10 09:48:13,2024-07-09,\n")
    report, stderr = failed(funnel, str(f), *BASE)
    assert errors(report) == [
        (
            2,
            "DEMO_SET_DATE",
            "2024-07-09",
            "before the deal was created (CREATED_DATE '2024-07-10 09:48:13')",
        )
    ]
    assert "created_at" not in stderr
    assert (
        "  line 2, column DEMO_SET_DATE ('2024-07-09'): before the deal was created "
        "(CREATED_DATE '2024-07-10 09:48:13')\n" in stderr
    )


def test_a_close_before_the_creation_or_a_stage_date_after_it_names_its_column(funnel, isolated):
    f = write(
        isolated / "sf.csv",
        HEAD
        + "A1,Acme,Closed Won,2024-07-10,,2024-07-01\n"
        + "A2,Globex,Closed Won,2024-07-01,2024-07-20,2024-07-10\n",
    )
    report, _ = failed(funnel, str(f), *BASE)
    assert errors(report) == [
        (2, "CLOSE_DATE", "2024-07-01",
         "closed before the deal was created (CREATED_DATE '2024-07-10')"),
        (3, "DEMO_SET_DATE", "2024-07-20", "after the deal closed (CLOSE_DATE '2024-07-10')"),
    ]  # fmt: skip


def test_an_unreadable_date_is_one_short_line_naming_its_column(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,demo,someday,,\n")
    report, stderr = failed(funnel, str(f), *BASE)
    assert errors(report) == [(2, "CREATED_DATE", "someday", "can't read 'someday' as a date")]
    assert "accepted:" not in stderr  # the options' list of forms, not on every line


# -- 3. timestamps as CRMs write them, Excel serial dates, true/false ------------

STAMPS = [
    ("2024-07-09 20:48:13.000", "2024-07-09T20:48:13Z"),
    ("2024-07-09T20:48:13.000Z", "2024-07-09T20:48:13Z"),
    ("2024-07-09T20:48:13+02:00", "2024-07-09T18:48:13Z"),
    ("2024-07-09T20:48:13.000+0000", "2024-07-09T20:48:13Z"),
    ("2024-07-09T20:48:13.1234567Z", "2024-07-09T20:48:13Z"),  # .NET's seven digits
    ("2024-07-09 20:48:13 UTC", "2024-07-09T20:48:13Z"),
    ("2024-07-09 20:48:13 GMT", "2024-07-09T20:48:13Z"),
]


@pytest.mark.parametrize(("given", "stored"), STAMPS, ids=[s[0] for s in STAMPS])
def test_timestamps_as_crms_write_them(funnel, isolated, given, stored):
    f = write(isolated / "sf.csv", HEAD + f"A1,Acme,demo,{given},,\n")
    ok(funnel, "import", str(f), *BASE)
    assert show(funnel, "A1")["created_at"] == stored


def test_excel_serial_dates_when_asked(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,Closed Won,45482.5,45483,45500\n")
    report, stderr = failed(funnel, str(f), *BASE)
    assert errors(report)[0][:3] == (2, "CREATED_DATE", "45482.5")
    assert "add --excel-dates" in stderr
    ok(funnel, "import", str(f), *BASE, "--excel-dates")
    deal = show(funnel, "A1")
    # 45482 is 2024-07-09 (Excel counts from 1899-12-30); .5 is noon
    assert (deal["created_at"], deal["closed_at"]) == (
        "2024-07-09T12:00:00Z",
        "2024-07-27T00:00:00Z",
    )
    assert history(funnel, "A1")[1] == ("lead", "demo", "2024-07-10T00:00:00Z")


def test_a_number_that_is_no_excel_date_is_an_error(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,demo,12,,\n")
    report, _ = failed(funnel, str(f), *BASE, "--excel-dates")
    assert errors(report)[0][:3] == (2, "CREATED_DATE", "12")
    assert "Excel serial date" in errors(report)[0][3]


def test_true_false_columns_close_a_deal(funnel, isolated):
    f = write(
        isolated / "sf.csv",
        "OPPORTUNITY_ID,NAME,STAGE_NAME,CLOSE_DATE,IS_WON,IS_CLOSED,VIP\n"
        "A1,Acme,Negotiation,2024-07-10,TRUE,TRUE,true\n"
        "A2,Globex,Negotiation,2024-07-10,false,true,false\n"
        "A3,Initech,Negotiation,2024-07-10,False,False,\n",
    )
    ok(funnel, "import", str(f), "--map", "external_id=OPPORTUNITY_ID")
    got = {ref: show(funnel, ref) for ref in ("A1", "A2", "A3")}
    assert [(d["status"], d["stage"]) for d in got.values()] == [
        ("won", "negotiation"),
        ("lost", "negotiation"),
        ("open", "negotiation"),
    ]
    assert got["A1"]["fields"] == {"VIP": "true"}  # anywhere else a flag is text as given
    assert got["A3"]["closed_at"] is None


def test_a_flag_that_contradicts_the_stage_or_is_no_flag_is_an_error(funnel, isolated):
    f = write(
        isolated / "sf.csv",
        "OPPORTUNITY_ID,NAME,STAGE_NAME,CLOSE_DATE,IS_WON\n"
        "A1,Acme,Closed Lost,2024-07-10,true\n"
        "A2,Globex,Negotiation,2024-07-10,maybe\n",
    )
    report, _ = failed(funnel, str(f), "--map", "external_id=OPPORTUNITY_ID")
    assert [e[:3] for e in errors(report)] == [(2, "IS_WON", "true"), (3, "IS_WON", "maybe")]
    assert errors(report)[1][3] == "not true or false"
    # closed, but neither won nor lost; won, but not closed
    f = write(
        isolated / "sf.csv",
        "OPPORTUNITY_ID,NAME,STAGE_NAME,CLOSE_DATE,IS_WON,IS_CLOSED\n"
        "A1,Acme,Negotiation,2024-07-10,,true\n"
        "A2,Globex,Negotiation,2024-07-10,true,false\n",
    )
    report, _ = failed(funnel, str(f), "--map", "external_id=OPPORTUNITY_ID")
    assert errors(report) == [
        (2, "IS_CLOSED", "true",
         "IS_CLOSED says closed, but nothing says won or lost (map is_won)"),
        (3, "IS_CLOSED", "false", "IS_CLOSED says open, but is_won says won"),
    ]  # fmt: skip


def test_json_true_in_a_custom_field_is_written_true(funnel, isolated):
    f = write(isolated / "d.json", json.dumps([{"title": "A", "vip": True, "churned": False}]))
    ok(funnel, "import", str(f))
    assert show(funnel, "1")["fields"] == {"vip": "true", "churned": "false"}


# -- 4. stage names mapped from the source ---------------------------------------


def test_stage_map_reads_the_files_stages_as_stages_or_outcomes(funnel, isolated):
    f = write(
        isolated / "sf.csv",
        HEAD
        + "A1,Acme,Closed Won,2024-07-01,,2024-08-01\n"
        + "A2,Globex,Closed Lost,2024-07-01,,2024-08-01\n"
        + "A3,Initech,Verbal Commitment,2024-07-01,,\n"
        + "A4,Hooli,verbal  commitment,2024-07-01,,\n",
    )
    maps = ["Closed Won=won", "Closed Lost=lost", "Verbal Commitment=negotiation"]
    args = [a for m in maps for a in ("--stage-map", m)]
    ok(funnel, "import", str(f), *BASE, *args)
    got = [(show(funnel, r)["status"], show(funnel, r)["stage"]) for r in ("A1", "A2", "A3", "A4")]
    assert got == [
        ("won", "lead"),
        ("lost", "lead"),
        ("open", "negotiation"),
        ("open", "negotiation"),
    ]


def test_unknown_stages_are_listed_once_each_with_counts(funnel, isolated):
    rows = [f"A{i},T{i},{'Pitch' if i % 3 else 'Discovery'},2024-07-01,,\n" for i in range(30)]
    f = write(isolated / "sf.csv", HEAD + "".join(rows))
    report, stderr = failed(funnel, str(f), *BASE)
    assert len(report["errors"]) == 30
    assert report["causes"] == [
        {"column": "STAGE_NAME", "cause": "no stage 'Pitch' in pipeline sales",
         "rows": 20, "first_line": 3},
        {"column": "STAGE_NAME", "cause": "no stage 'Discovery' in pipeline sales",
         "rows": 10, "first_line": 2},
    ]  # fmt: skip
    assert (
        "  column STAGE_NAME: no stage 'Pitch' in pipeline sales: 20 rows, first at line 3\n"
        in stderr
    )
    assert stderr.count("  column STAGE_NAME: no stage 'Discovery'") == 1
    assert '--stage-map "Pitch=STAGE"' in stderr


@pytest.mark.parametrize("bad", ["Closed Won", "=won", "Closed Won=", " = "])
def test_a_stage_map_without_both_names_is_a_usage_error(funnel, isolated, bad):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,demo,2024-07-01,,\n")
    run = funnel("import", str(f), *BASE, "--stage-map", bad)
    assert run.exit_code == 2
    assert run.stderr.startswith("funnel: error: --stage-map takes SOURCE=STAGE")


def test_a_stage_map_to_a_stage_the_pipeline_lacks_names_the_files_value(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,Verbal,2024-07-01,,\n")
    report, _ = failed(funnel, str(f), *BASE, "--stage-map", "Verbal=closing")
    assert errors(report)[0][:3] == (2, "STAGE_NAME", "Verbal")
    assert errors(report)[0][3].startswith("--stage-map reads 'Verbal' as 'closing', which")


# -- 5. exact duplicate rows ------------------------------------------------------


def test_exact_duplicate_rows_are_skipped_and_counted(funnel, isolated, monkeypatch):
    from funnelcli.services.imports.seen import Seen

    monkeypatch.setattr(Seen, "FLUSH", 2)  # the first copies in the table and in memory
    rows = [f"A{i},T{i},demo,2024-07-01,,\n" for i in range(5)]
    f = write(isolated / "sf.csv", HEAD + "".join(rows) + rows[0] + rows[4] + rows[0])
    run = ok(funnel, "import", str(f), *BASE, "--report", "json")
    assert json.loads(run.stdout)["duplicates"] == 3
    assert run.stderr == "imported 5 deals, updated 0, unchanged 0; skipped 3 duplicate rows\n"
    assert len(funnel("list", "--format", "json").json()) == 5


def test_the_same_id_with_other_cells_is_still_an_error(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,demo,2024-07-01,,\nA1,Acme,lead,2024-07-01,,\n")
    report, _ = failed(funnel, str(f), *BASE)
    assert errors(report) == [
        (3, "OPPORTUNITY_ID", "A1", "the same deal as line 2, with other cells")
    ]


def test_a_duplicate_of_a_bad_row_is_not_reported_twice(funnel, isolated):
    bad = "A1,Acme,demo,someday,,\n"
    report, _ = failed(funnel, str(write(isolated / "sf.csv", HEAD + bad + bad)), *BASE)
    assert [e[0] for e in errors(report)] == [2]
    assert report["duplicates"] == 1


# -- 6. --lenient -----------------------------------------------------------------

LENIENT = (
    "OPPORTUNITY_ID,NAME,STAGE_NAME,CREATED_DATE,DEMO_SET_DATE,PROPOSAL_DATE,CLOSE_DATE\n"
    "A1,Acme,Closed Won,2024-07-10 09:48,2024-07-01,2024-07-20,2024-08-01\n"
    "A2,Globex,Closed Lost,2024-07-01,2024-07-05,2024-08-15,2024-08-01\n"
    "A3,Initech,proposal,2024-07-01,2024-07-05,2024-07-06,\n"
)
LENIENT_ARGS = (
    "--map", "external_id=OPPORTUNITY_ID",
    "--stage-date", "demo=DEMO_SET_DATE", "--stage-date", "proposal=PROPOSAL_DATE",
)  # fmt: skip


def test_without_lenient_a_stage_date_out_of_order_fails_the_import(funnel, isolated):
    report, _ = failed(funnel, str(write(isolated / "sf.csv", LENIENT)), *LENIENT_ARGS)
    assert [e[:3] for e in errors(report)] == [
        (2, "DEMO_SET_DATE", "2024-07-01"),
        (3, "PROPOSAL_DATE", "2024-08-15"),
    ]


def test_lenient_drops_the_stage_date_never_the_deal_and_lists_each_drop(funnel, isolated):
    f = write(isolated / "sf.csv", LENIENT)
    run = ok(funnel, "import", str(f), *LENIENT_ARGS, "--lenient", "--report", "json")
    assert json.loads(run.stdout)["dropped"] == [
        {"line": 2, "column": "DEMO_SET_DATE", "value": "2024-07-01",
         "message": "before the deal was created (CREATED_DATE '2024-07-10 09:48')"},
        {"line": 3, "column": "PROPOSAL_DATE", "value": "2024-08-15",
         "message": "after the deal closed (CLOSE_DATE '2024-08-01')"},
    ]  # fmt: skip
    assert run.stderr.splitlines() == [
        "  line 2, column DEMO_SET_DATE ('2024-07-01'): before the deal was created "
        "(CREATED_DATE '2024-07-10 09:48')",
        "  line 3, column PROPOSAL_DATE ('2024-08-15'): after the deal closed "
        "(CLOSE_DATE '2024-08-01')",
        "imported 3 deals, updated 0, unchanged 0; dropped 2 stage dates (--lenient)",
    ]
    assert history(funnel, "A1") == [
        (None, "lead", "2024-07-10T09:48:00Z"),
        ("lead", "proposal", "2024-07-20T00:00:00Z"),
        ("proposal", "won", "2024-08-01T00:00:00Z"),
    ]
    assert history(funnel, "A2") == [
        (None, "lead", "2024-07-01T00:00:00Z"),
        ("lead", "demo", "2024-07-05T00:00:00Z"),
        ("demo", "lost", "2024-08-01T00:00:00Z"),
    ]
    assert len(history(funnel, "A3")) == 3  # nothing dropped


def test_lenient_lists_every_drop_however_many(funnel, isolated):
    rows = [f"A{i},T{i},demo,2024-07-10,2024-07-0{1 + i % 9},\n" for i in range(25)]
    run = ok(
        funnel, "import", str(write(isolated / "sf.csv", HEAD + "".join(rows))), *BASE, "--lenient"
    )
    lines = run.stderr.splitlines()
    assert [x for x in lines if x.startswith("  line ")] == [
        f"  line {i + 2}, column DEMO_SET_DATE ('2024-07-0{1 + i % 9}'): "
        "before the deal was created (CREATED_DATE '2024-07-10')"
        for i in range(25)
    ]
    assert lines[-3:] == [
        "dropped stage dates by cause:",
        "  column DEMO_SET_DATE: a stage date before the creation date: 25 rows, first at line 2",
        "imported 25 deals, updated 0, unchanged 0; dropped 25 stage dates (--lenient)",
    ]


def test_lenient_still_refuses_what_it_cannot_drop(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,demo,someday,,\n")
    failed(funnel, str(f), *BASE, "--lenient")


# -- 9. many bad lines: the first 20, the count of the rest, the causes -----------


def test_many_bad_lines_print_the_first_20_and_group_their_causes(funnel, isolated):
    rows = [f"A{i},T{i},Closed Won,2024-07-01,,2027-0{1 + i % 3}-01\n" for i in range(45)]
    rows.insert(7, "B1,Odd,demo,2024-07-01,2024-06-01,\n")
    f = write(isolated / "sf.csv", HEAD + "".join(rows))
    report, stderr = failed(funnel, str(f), *BASE)
    assert len(report["errors"]) == 46  # all of them in the report
    assert "  … and 26 more bad lines (the JSON report has every one)\n" in stderr
    run = funnel("import", str(f), *BASE)
    assert run.exit_code == 1
    lines = run.stderr.splitlines()
    listed = [x for x in lines if x.startswith("  line ")]
    assert len(listed) == 20
    assert "  … and 26 more bad lines (--report json lists every one)" in lines
    assert lines[-4:-1] == [
        "bad lines by cause:",
        "  column CLOSE_DATE: in the future; history records what already happened: "
        "45 rows, first at line 2",
        "  column DEMO_SET_DATE: a stage date before the creation date (--lenient drops it): "
        "1 row, line 9",
    ]
    assert lines[-1].endswith("(and 45 more bad lines)")
    assert report["causes"][0] == {
        "column": "CLOSE_DATE",
        "cause": "in the future; history records what already happened",
        "rows": 45,
        "first_line": 2,
    }


def test_a_few_different_bad_lines_are_listed_without_a_summary_of_causes(funnel, isolated):
    f = write(isolated / "sf.csv", HEAD + "A1,Acme,demo,someday,,\nA2,B,nowhere,2024-07-01,,\n")
    _, stderr = failed(funnel, str(f), *BASE)
    assert "by cause" not in stderr and "more bad line" in stderr.splitlines()[-1]


def test_an_exports_bad_time_names_its_own_column_not_history(funnel, isolated, monkeypatch):
    ok(funnel, "add", "A", "--at", "2026-11-02")
    path = isolated / "e.jsonl"
    ok(funnel, "export", "--output", str(path))
    header, deal = path.read_text().splitlines()
    path.write_text(header + "\n" + json.dumps({**json.loads(deal), "closed_at": "2099-01-01"}))
    monkeypatch.setenv("FUNNEL_DB", str(isolated / "new.db"))
    report, _ = failed(funnel, str(path))
    assert errors(report)[0][:3] == (2, "closed_at", "2099-01-01")
