def test_add_move_show(funnel):
    r = funnel("add", "Acme renewal", "--org", "Acme", "--value", "4800", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["id"] == 1
    r = funnel("move", "1", "demo", "--format", "json")
    assert r.json()["stage"] == "demo"
    r = funnel("show", "1", "--format", "json")
    h = r.json()["history"]
    assert [(e["from_stage"], e["to_stage"]) for e in h] == [(None, "lead"), ("lead", "demo")]
