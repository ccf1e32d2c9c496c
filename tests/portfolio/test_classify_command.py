"""``legaldocs classify`` on the examples (a case file and the .xlsx ledger), read back from its
--json output and its --xlsx workbook; bad input (an invalid case file, a ledger with errors, an
unknown case to write off, an unknown method) is named, and never hides the other sources."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import yaml
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
LEDGER = ROOT / "examples" / "ledger" / "ledger.xlsx"
CLI = [sys.executable, "-m", "evidence.cli"]


def run(*args):
    return subprocess.run([*CLI, "classify", *map(str, args)], capture_output=True, text=True)


def test_json_and_workbook_of_the_examples(tmp_path):
    book = tmp_path / "分类.xlsx"
    out = run(DEMO, LEDGER, "--as-of", "2025-06-30", "--json", "--xlsx", book, "--write-off", "DEMO-2025-001")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["as_of"] == "2025-06-30" and body["method"] == "regulatory" and body["cases"] == 4
    loans = {lc["case"]: lc for lc in body["loans"]}
    assert set(loans) == {"DEMO-2025-001", "TZ-2025-001", "TZ-2025-002", "TZ-2025-003"}
    demo = loans["DEMO-2025-001"]
    assert (demo["overdue_since"], demo["days_past_due"], demo["category"]) == ("2025-01-20", 161, "次级")
    assert demo["principal"] == "500000.00" and demo["non_performing"] is True
    assert demo["provision"]["amount"] == "125000.00" and demo["provision"]["ratio"] == "0.25"
    decisive = [f for f in demo["floors"] if f["category"] == "次级"]
    assert decisive[0]["rule"] == "classification.overdue.substandard.2023" and decisive[0]["status"] == "secondary"
    tz1 = loans["TZ-2025-001"]
    assert tz1["booked"]["category"] == "次级" and tz1["below_floor"] is False
    assert any(f["rule"] == "classification.contagion.cross_bank.2023" for f in tz1["floors"]) is False  # retail
    assert loans["TZ-2025-003"]["category"] == "损失"
    # written off on 2025-06-30: classified from its facts, but off balance (账销案存), not in the portfolio
    assert loans["TZ-2025-003"]["write_off"] == "账销案存（2025年6月30日核销）"
    assert loans["TZ-2025-003"]["provision"] is None and loans["DEMO-2025-001"]["write_off"] is None
    assert loans["TZ-2025-003"]["write_off_status"] == {"state": "pursued", "written_off_on": "2025-06-30",
                                                        "ended_on": None, "reason": None}
    assert loans["DEMO-2025-001"]["write_off_status"] is None
    p = body["portfolio"]
    loans_total = sum(Decimal(lc["principal"]) for lc in body["loans"] if not lc["write_off"])
    assert any("TZ-2025-003/L1" in n and "账销案存" in n for n in p["notes"])
    assert Decimal(p["before"]["loans"]) == loans_total
    assert Decimal(p["after"]["loans"]) == loans_total - Decimal("500000.00")
    assert Decimal(p["before"]["allowance"]) - Decimal(p["after"]["allowance"]) == Decimal("500000.00")
    # ratios: at most 6 decimal places, half-up
    exact = Decimal(p["before"]["allowance"]) / Decimal(p["before"]["npl"])
    assert p["before"]["coverage"] == str(exact.quantize(Decimal("0.000001"), rounding="ROUND_HALF_UP"))
    assert all(len(p[side][k].partition(".")[2]) <= 6 for side in ("before", "after")
               for k in ("coverage", "provision_ratio", "npl_ratio") if p[side][k])
    assert p["general_reserve_after"]["rule"] == "provisioning.general_reserve.2012"
    assert Decimal(p["general_reserve_after"]["floor"]) == (Decimal(p["after"]["loans"]) * Decimal("0.015")).quantize(Decimal("0.01"))
    assert p["written_off"] == [{"case": "DEMO-2025-001", "principal": "500000.00", "npl": "500000.00"}]
    assert {r["rule"] for r in body["rules"]} >= {"classification.overdue.loss.2023", "classification.regime.2023",
                                                  "provisioning.specific.2002", "provisioning.baseline.2011",
                                                  "provisioning.band.2018", "provisioning.general_reserve.2012"}
    assert [r["rule"] for r in body["rules"]] == sorted(r["rule"] for r in body["rules"])
    assert {r["status"] for r in body["rules"]} <= {"verified", "secondary", "unverified"}
    assert body["unreadable"] == []

    wb = load_workbook(book)
    assert wb.sheetnames == ["分类", "组合", "规则"]
    rows = list(wb["分类"].iter_rows(values_only=True))
    assert "风险分类" in rows[0][0] or "risk" in rows[0][0]
    table = {r[0]: r for r in rows[2:]}
    assert table["DEMO-2025-001"][3] == 500000 and table["DEMO-2025-001"][4] == 161
    assert table["DEMO-2025-001"][5] == "次级" and table["DEMO-2025-001"][6] == "2025-01-20"
    assert "逾期161天" in table["DEMO-2025-001"][8]
    assert table["TZ-2025-003"][5] == "损失" and table["TZ-2025-003"][10] == "账销案存（2025年6月30日核销）"
    assert table["DEMO-2025-001"][10] in (None, "")
    figures = {r[0]: r[1:] for r in wb["组合"].iter_rows(min_row=2, values_only=True)}
    loans_row = next(v for k, v in figures.items() if "贷款" in k or "loans" in k)
    assert Decimal(str(loans_row[0])) == loans_total and Decimal(str(loans_row[1])) == loans_total - 500000
    reserve = next(v for k, v in figures.items() if k and "一般准备" in k)
    assert Decimal(str(reserve[1])) == Decimal(p["general_reserve_after"]["required"])  # filled after the write-off
    notes = [k for k in figures if k and "TZ-2025-003/L1" in k]
    assert len(notes) == 1 and "账销案存" in notes[0]  # the off-balance note is on the sheet too
    rules = {r[0]: r[2] for r in wb["规则"].iter_rows(min_row=2, values_only=True)}
    assert rules["classification.ecl.loss.2023"] == "未核实" and rules["classification.credit_impaired.2023"] == "已核实"
    assert rules["provisioning.baseline.2011"] == "已核实" and rules["provisioning.general_reserve.2012"] == "二手来源"


def test_a_case_written_off_earlier_is_refused_with_its_real_write_off_date():
    writeoff = ROOT / "examples" / "writeoff" / "case.yaml"
    out = run(LEDGER, DEMO, writeoff, "--as-of", "2025-09-30", "--write-off", "TZ-2025-003", "--json")
    assert out.returncode == 2
    error = json.loads(out.stdout)["error"]
    assert "'TZ-2025-003'" in error and "2025-06-30" in error and "2025-09-30" in error
    assert "于2025-09-30已核销" not in error


def test_table_on_screen_in_chinese():
    out = run(DEMO, "--as-of", "2025-06-30", "--method", "ecl")
    assert out.returncode == 0, out.stderr
    assert "DEMO-2025-001" in out.stdout and "次级" in out.stdout and "拨备覆盖率" in out.stdout
    assert "DEMO-2025-001/L1" in out.stderr  # no ECL allowance in the demo: said, not guessed


def test_bad_sources_are_listed_and_never_hide_the_others(tmp_path):
    bad_ledger = tmp_path / "ledger.xlsx"
    wb = load_workbook(LEDGER)
    wb["借款合同"]["H2"] = "八十万"
    wb.save(bad_ledger)
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["case_id"] = "BAD-LOAN"
    data["risk"] = {"history": [{"date": "2025-03-31", "category": "关注", "loan": "L9"}]}
    bad_case = tmp_path / "bad.yaml"
    bad_case.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = run(DEMO, bad_ledger, bad_case, "--as-of", "2025-06-30", "--json")
    assert out.returncode == 1
    body = json.loads(out.stdout)
    assert [lc["case"] for lc in body["loans"]] == ["DEMO-2025-001"]
    reasons = {Path(u["file"]).name: u["reason"] for u in body["unreadable"]}
    assert "借款合同!第2行" in reasons["ledger.xlsx"] and "H2" in reasons["ledger.xlsx"]
    assert "risk.history[0].loan" in reasons["bad.yaml"] and "L9" in reasons["bad.yaml"]
    assert "bad.yaml" in out.stderr


def test_unknown_write_off_case_method_and_date_are_refused(tmp_path):
    out = run(DEMO, "--as-of", "2025-06-30", "--write-off", "NOPE", "--json")
    assert out.returncode == 2
    body = json.loads(out.stdout)
    assert "--write-off" in body["error"] and "'NOPE'" in body["error"] and "DEMO-2025-001" in body["error"]
    out = run(DEMO, "--as-of", "2025-06-30", "--method", "ifrs9")
    assert out.returncode == 2 and "--method" in out.stderr
    out = run(DEMO, "--as-of", "2025-02-30")
    assert out.returncode == 2 and "--as-of" in out.stderr


def test_a_missing_source_is_listed_and_a_case_id_given_as_a_source_is_named(tmp_path):
    # `--write-off WO DEMO` takes DEMO as a source: it is listed, with the option to use instead
    writeoff = ROOT / "examples" / "writeoff" / "case.yaml"
    out = run("--write-off", "WO-2025-001", "DEMO-2025-001", DEMO, writeoff, tmp_path / "missing.yaml",
              "--as-of", "2025-09-30", "--json")
    assert out.returncode == 1, out.stderr
    body = json.loads(out.stdout)
    assert sorted(lc["case"] for lc in body["loans"]) == ["DEMO-2025-001", "WO-2025-001"]
    assert [w["case"] for w in body["portfolio"]["written_off"]] == ["WO-2025-001"]
    reasons = {Path(u["file"]).name: u["reason"] for u in body["unreadable"]}
    assert set(reasons) == {"DEMO-2025-001", "missing.yaml"}
    assert "--write-off DEMO-2025-001" in reasons["DEMO-2025-001"]
    assert "--write-off" not in reasons["missing.yaml"] and reasons["missing.yaml"]
    assert "missing.yaml" in out.stderr and "--write-off DEMO-2025-001" in out.stderr
    # only missing sources: nothing classified, each listed, exit 1 (not a usage error)
    out = run(tmp_path / "missing.yaml", "--as-of", "2025-06-30")
    assert out.returncode == 1 and "missing.yaml" in out.stderr


def test_a_copy_of_a_case_and_the_commands_own_json_are_not_counted(tmp_path):
    """A backup copy with the same case_id is counted once (its loans would inflate the portfolio),
    and the JSON files packets and dossiers write are never read as case files."""
    folder = tmp_path / "cases"
    folder.mkdir()
    text = DEMO.read_text(encoding="utf-8")
    (folder / "a.yaml").write_text(text, encoding="utf-8")
    (folder / "a-backup.yaml").write_text(text, encoding="utf-8")
    (folder / "核销检查结果.json").write_text('{"final": true}', encoding="utf-8")
    (folder / "审查意见.json").write_text("[]", encoding="utf-8")
    out = run(folder, "--as-of", "2025-06-30", "--json")
    body = json.loads(out.stdout)
    assert body["cases"] == 1 and len(body["loans"]) == 1 and body["unreadable"] == []
    assert Decimal(body["portfolio"]["before"]["loans"]) == Decimal("500000.00")
    assert any("DEMO-2025-001" in w and "a-backup.yaml" in w for w in body["warnings"])


def test_the_result_never_replaces_a_ledger_being_classified(tmp_path):
    book = tmp_path / "台账.xlsx"
    book.write_bytes(LEDGER.read_bytes())
    out = run(book, "--as-of", "2025-09-30", "--xlsx", book)
    assert out.returncode == 2 and "--xlsx" in out.stderr
    assert book.read_bytes() == LEDGER.read_bytes()
