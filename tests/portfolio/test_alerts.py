"""alerts over a folder mixing good, unusual and unreadable case files: every case it can read is
shown, an unusual one (a judgment from before the 2012 CPL) is computed, and the files it cannot
read are listed with the reason, at the end."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import yaml

from legaldocs.portfolio.alerts import scan_alerts

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "case.yaml"
CLI = [sys.executable, "-m", "evidence.cli"]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    (folder / "demo.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    old = dict(data, case_id="OLD-2012")
    old["events"] = data["events"] + [{"date": dt.date(2025, 6, 1), "kind": "判决生效", "parties": ["P1"],
                                       "until": dt.date(2025, 6, 11)}]
    old["loans"] = [dict(data["loans"][0], signed_on=dt.date(2010, 3, 18),
                         draws=[dict(data["loans"][0]["draws"][0], date=dt.date(2010, 3, 20), maturity=dt.date(2011, 3, 19))])]
    old["guarantees"] = [dict(data["guarantees"][0], signed_on=dt.date(1993, 3, 18))]  # before the 担保法: no period
    old["collateral"] = [dict(data["collateral"][0], signed_on=dt.date(2010, 3, 18), registered_on=dt.date(2010, 3, 19))]
    old["repayments"] = []
    old["claim"] = dict(data["claim"], amounts="bank")
    (folder / "old.yaml").write_text(yaml.safe_dump(old, allow_unicode=True), encoding="utf-8")
    (folder / "not-a-case.json").write_text('{"hello": 1}', encoding="utf-8")
    (folder / "garbled.yaml").write_bytes(b"\xff\xfe not utf-8")
    return folder


def test_one_unusual_or_unreadable_case_never_hides_the_others(tmp_path):
    folder = _folder(tmp_path)
    report = scan_alerts([folder], dt.date(2025, 7, 1), 3650)
    assert report.cases == 2
    cases = {a.case_id for a in report.alerts}
    assert cases == {"DEMO-2025-001", "OLD-2012"}
    review = [a for a in report.alerts if a.severity == "review"]
    assert review and review[0].clock.kind == "guarantee_period" and review[0].clock.date is None
    unreadable = {u.path.name: u.reason for u in report.unreadable}
    assert set(unreadable) == {"not-a-case.json", "garbled.yaml"}
    assert "不是 UTF-8 编码的文本" in unreadable["garbled.yaml"] and "共7处问题" in unreadable["not-a-case.json"]


def test_cli_lists_every_case_then_the_unreadable_files(tmp_path):
    folder = _folder(tmp_path)
    run = subprocess.run([*CLI, "alerts", str(folder), "--as-of", "2025-07-01", "--within", "3650"],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "DEMO-2025-001" in run.stdout and "OLD-2012" in run.stdout and "待人工核定" in run.stdout
    assert "garbled.yaml：未能扫描" in run.stderr and "not-a-case.json：未能扫描" in run.stderr
    run = subprocess.run([*CLI, "alerts", str(folder), "--as-of", "2025-07-01", "--within", "3650", "--json"],
                         capture_output=True, text=True)
    body = json.loads(run.stdout)
    assert body["cases"] == 2 and len(body["unreadable"]) == 2
    assert {c["case"] for c in body["clocks"]} == {"DEMO-2025-001", "OLD-2012"}
