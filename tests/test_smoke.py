from pathlib import Path


def test_add_move_show(funnel):
    r = funnel("add", "Acme renewal", "--org", "Acme", "--value", "4800", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["id"] == 1
    r = funnel("move", "1", "demo", "--format", "json")
    assert r.json()["stage"] == "demo"
    r = funnel("show", "1", "--format", "json")
    h = r.json()["history"]
    assert [(e["from_stage"], e["to_stage"]) for e in h] == [(None, "lead"), ("lead", "demo")]


def test_no_command_prints_help_and_succeeds(funnel):
    r = funnel()
    assert r.exit_code == 0 and "Usage: funnel" in r.stdout


def test_demo_is_one_transaction_and_quick(funnel, isolated: Path):
    r = funnel("--db", str(isolated / "demo.db"), "demo", "--deals", "300")
    assert r.exit_code == 0, r.stderr
    assert "Who to call" in r.stdout
