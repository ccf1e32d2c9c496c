"""The command line with bad input: --json always prints JSON (an error object when it fails),
data never turns into markup, and files that cannot be read are reported, never skipped."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import yaml
from icalendar import Calendar

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
CLI = [sys.executable, "-m", "evidence.cli"]


def run(*args):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True)


def _demo(tmp_path: Path, change=None, name="case.yaml") -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    if change:
        change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_json_errors_are_json(tmp_path):
    bad = run("deadlines", tmp_path / "missing.yaml", "--as-of", "2025-01-01", "--json")
    assert bad.returncode == 2
    body = json.loads(bad.stdout)
    assert body["exit"] == 2 and body["problems"][0]["field"] == "<file>"
    bad = run("interest", DEMO, "--as-of", "2025-13-01", "--json")
    assert bad.returncode == 2 and "--as-of" in json.loads(bad.stdout)["error"]
    bad = run("fees", "--amount", "abc", "--json")
    assert bad.returncode == 2 and json.loads(bad.stdout)["exit"] == 2


def test_case_data_is_never_read_as_markup(tmp_path):
    case = _demo(tmp_path, lambda d: d.update(stated=[{"by": "court", "source": "判决书[/][bold]x", "acceptance_fee": "1"}]))
    out = run("compare", case)
    assert out.returncode == 0, out.stderr
    assert "判决书[/][bold]x" in out.stdout


def test_alerts_reports_a_broken_link_and_separates_two_seizures(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()

    def seizures(d):
        d["events"] += [{"date": dt.date(2025, 6, 20), "kind": "查封冻结", "asset": "deposit"},
                        {"date": dt.date(2025, 6, 20), "kind": "查封冻结", "asset": "real_property"}]
    _demo(folder, seizures)
    (folder / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    ics = tmp_path / "due.ics"
    out = run("alerts", folder, "--as-of", "2026-06-01", "--within", "800", "--ics", ics)
    assert out.returncode == 1 and "dangling.yaml：未能扫描" in out.stderr
    events = [c for c in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")]
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids)) and sum("续封" in str(e["summary"]) for e in events) == 2
    assert not any("expired" in str(e["description"]) for e in events)  # statuses in Chinese


def test_validate_refuses_amounts_the_engine_cannot_state(tmp_path):
    def negative(d):
        d["loans"][0].update(lpr={"term": "1y", "spread": "-0.038"})
    bad = run("validate", _demo(tmp_path, negative), "--no-files")
    assert bad.returncode == 2 and "claim.amounts: 无法计算数额" in bad.stderr


def test_alerts_warns_of_two_files_with_one_case_id(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    _demo(folder, name="a.yaml")
    _demo(folder, name="b.yaml")
    out = run("alerts", folder, "--as-of", "2028-04-20", "--within", "30", "--json")
    assert out.returncode == 0
    assert "case_id 相同" in json.loads(out.stdout)["warnings"][0]
