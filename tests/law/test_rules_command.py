"""``legaldocs rules``: every row with its status tag (已核实 / 二手来源 / 未核实, "—" for rows without
one) on screen and in --json, and ``--status`` to list the rows that need a recorded confirmation."""

from __future__ import annotations

import json
import subprocess
import sys

from legaldocs.law.rules import load_rules

CLI = [sys.executable, "-m", "evidence.cli"]


def run(*args):
    return subprocess.run([*CLI, "rules", *args], capture_output=True, text=True)


def test_json_rows_carry_the_status_of_the_data():
    out = run("provisioning", "--on", "2025-09-30", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["id"]: r for r in json.loads(out.stdout)}
    assert set(rows) == {"provisioning.specific.2002", "provisioning.baseline.2011", "provisioning.band.2018",
                         "provisioning.general_reserve.2012"}
    assert (rows["provisioning.baseline.2011"]["status"], rows["provisioning.baseline.2011"]["status_name"]) == ("verified", "已核实")
    assert (rows["provisioning.band.2018"]["status"], rows["provisioning.band.2018"]["status_name"]) == ("secondary", "二手来源")
    assert rows["provisioning.specific.2002"]["source"]  # where the reference takes it from
    # rows of tables that carry no status: null, shown as —
    fees = json.loads(run("court_fees", "acceptance", "--on", "2025-01-01", "--json").stdout)
    assert fees and all(r["status"] is None and r["status_name"] == "—" for r in fees)


def test_status_filter_lists_exactly_the_unverified_rows():
    out = run("writeoff", "--status", "unverified", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    expected = {r["id"] for r in load_rules("writeoff") if r.get("status") == "unverified"}
    assert expected and {r["id"] for r in rows} == expected
    assert {r["status_name"] for r in rows} == {"未核实"}
    none = json.loads(run("court_fees", "--status", "none", "--json").stdout)
    assert len(none) == len(load_rules("court_fees"))
    assert json.loads(run("court_fees", "--status", "verified", "--json").stdout) == []


def test_table_on_screen_shows_the_status_column():
    out = run("classification", "overdue_loss", "--on", "2025-09-30")
    assert out.returncode == 0, out.stderr
    assert "状态" in out.stdout and "二手来源" in out.stdout
    out = run("court_fees", "acceptance", "--on", "2025-01-01")
    assert "—" in out.stdout
    out = run("classification", "ecl_loss", "--on", "2025-09-30", "--status", "verified")
    assert out.returncode == 0 and "verified" in out.stdout and "classification" not in out.stdout


def test_unknown_status_is_refused():
    out = run("--status", "confirmed", "--json")
    assert out.returncode == 2
    body = json.loads(out.stdout)
    assert "--status" in body["error"] and "'confirmed'" in body["error"] and "unverified" in body["error"]
