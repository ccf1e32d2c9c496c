"""The statement of a case: engine amounts in the complaint, the annex, the workbook, the CLI."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from legaldocs.case.load import load_case
from legaldocs.law.lpr import lpr
from legaldocs.money.statement import case_statement
from legaldocs.documents.xlsx import write_statement_xlsx

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"
CLI = [sys.executable, "-m", "evidence.cli"]


def test_demo_statement_agrees_with_the_banks_figures_to_the_cent():
    case = load_case(DEMO).case
    st = case_statement(case, case.claim.as_of)
    assert (st.principal, st.interest, st.penalty_interest, st.compound_interest) == (
        case.claim.principal, case.claim.interest, case.claim.penalty_interest, case.claim.compound_interest)
    assert st.total == sum(line.amount for line in st.lines if line.kind != "interest") + st.principal + st.interest
    assert not st.differences and not st.flags
    assert st.continuing == ["自2025年7月1日起，以逾期本金500,000.00元为基数按年利率6.525%计收罚息；"
                             "以欠付利息3,564.59元为基数按年利率6.525%计收复利，均计至实际清偿之日止"]


def test_differences_from_the_bank_are_reported(tmp_path):
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["claim"]["interest"] = "3504.17"
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    st = case_statement(load_case(path).case, load_case(path).case.claim.as_of)
    assert [(d.item, d.delta) for d in st.differences] == [("利息", Decimal("60.42"))]


def test_workbook_lines_add_up(tmp_path):
    case = load_case(DEMO).case
    st = case_statement(case, case.claim.as_of)
    out = write_statement_xlsx(st, tmp_path / "s.xlsx")
    wb = load_workbook(out)
    rows = list(wb["计息明细"].iter_rows(min_row=2, values_only=True))
    lines = [r for r in rows if isinstance(r[0], int)]
    assert len(lines) == len(st.lines)
    assert sum(Decimal(str(r[9])) for r in lines) == sum(l.amount for l in st.lines)
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert Decimal(str(summary["合计"])) == st.total


def test_lpr_data_and_provisional_flag():
    assert lpr("1y", __import__("datetime").date(2024, 10, 21)) == (Decimal("0.0310"), False)
    rate, provisional = lpr("5y", __import__("datetime").date(2026, 11, 1))
    assert provisional and rate == Decimal("0.0350")


def test_cli_interest_fees_and_delay_json(tmp_path):
    run = subprocess.run([*CLI, "interest", str(DEMO), "--as-of", "2025-06-30", "--json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {"as_of", "principal", "interest", "penalty_interest", "compound_interest", "total", "lines"} <= set(data)
    assert data["total"] == "512975.31" and data["lines"][-1]["amount"] == "30.45"
    run = subprocess.run([*CLI, "fees", "--amount", "114142.70", "--kind", "acceptance", "--halved",
                          "--filed-on", "2019-10-25", "--round", "yuan", "--json"], capture_output=True, text=True)
    data = json.loads(run.stdout)
    assert data["fee"] == "1291" and data["kind"] == "acceptance" and data["amount"] == "114142.70" and data["steps"]
    run = subprocess.run([*CLI, "delay-interest", "--debt", "1050000", "--due", "2024-03-11", "--until", "2024-12-31",
                          "--payment", "2024-06-30:300000", "--payment", "2024-12-31:750000", "--json"],
                         capture_output=True, text=True)
    data = json.loads(run.stdout)
    assert data["doubled_interest"] == "44546.25" and data["days"] == 295 and len(data["steps"]) == 2
    run = subprocess.run([*CLI, "delay-interest", "--debt", "1000", "--due", "2024-03-11", "--until", "2024-01-01"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "早于履行期间的最后一日" in run.stderr


@pytest.mark.parametrize("as_of,total", [("2025-06-30", "512975.31"), ("2025-12-31", "529769.20")])
def test_packet_carries_engine_amounts_and_the_statement(tmp_path, as_of, total):
    from evidence.packet import build_packet
    from pypdf import PdfReader

    result = build_packet(DEMO, tmp_path / "out", as_of=__import__("datetime").date.fromisoformat(as_of))
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["amounts"]["source"] == "engine"
    assert Decimal(manifest["amounts"]["total"]) == Decimal(total) + Decimal(manifest["amounts"]["costs"])
    text = "".join(p.extract_text() for p in PdfReader(str(result.folder / "民事起诉状.pdf")).pages).replace("\n", "").replace(" ", "")
    assert f"{Decimal(total):,.2f}" in text
    assert "欠款明细表" in text
    annex = "".join(p.extract_text() for p in PdfReader(str(result.folder / "欠款明细表.pdf")).pages).replace("\n", "").replace(" ", "")
    assert f"{Decimal(total):,.2f}" in annex and "计息明细" in annex
    assert (result.folder / "欠款明细表.xlsx").is_file()


def test_lpr_repricing_and_checks(tmp_path):
    import datetime as dt

    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in data["evidence"]:
        item["files"] = [str((DEMO.parent / f).resolve()) for f in item["files"]]
    loan = data["loans"][0]
    loan["annual_rate"] = "0.0395"  # 1y LPR on 2023-03-20 (3.65 %) + 0.30 %
    loan["lpr"] = {"term": "1y", "spread": "0.003", "repricing": "anniversary"}
    data["claim"]["court_caps_at_four_lpr"] = True
    data["claim"]["amounts"] = "engine"
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    case = load_case(path).case
    st = case_statement(case, dt.date(2025, 6, 30))
    rates = sorted({line.rate for line in st.lines if line.kind == "interest"})
    # reset on 2024-03-20 to the LPR then in force (3.45 %) + 0.30 % = 3.75 %
    assert rates == [Decimal("0.0375"), Decimal("0.0395")]
    assert not any("LPR的4倍" in f for f in st.flags)  # 5.625 % penalty is far below 4 x LPR
    loan["lpr"] = None
    loan["annual_rate"] = "0.13"
    loan["penalty_uplift"] = "1"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    st = case_statement(load_case(path).case, dt.date(2025, 6, 30))
    assert any("超过一年期LPR的4倍" in f for f in st.flags)
    assert any("高于年利率24%" in f for f in st.flags)


def test_claimed_penalty_rate_and_undue_principal(demo_variant):
    import datetime as dt

    def change(data):
        data["claim"]["penalty_rate"] = "0.05"
        second = dict(copy.deepcopy(data["loans"][0]), id="L2", number="SLB-2023-0099")
        second["draws"] = [{"date": "2025-01-10", "amount": "50000.00", "maturity": "2026-01-10"}]
        second["principal"] = "50000.00"
        third = dict(copy.deepcopy(second), id="L3", number="SLB-2025-0100")
        third["draws"] = [{"date": "2025-09-01", "amount": "10000.00", "maturity": "2026-09-01"}]
        third["principal"] = "10000.00"
        data["loans"] += [second, third]
        data["claim"]["principal"] = "560000.00"

    case = load_case(demo_variant(change)).case
    st = case_statement(case, dt.date(2025, 6, 30))
    assert st.principal == Decimal("500000.00") and st.principal_not_due == Decimal("50000.00")
    assert any("L2：本金50,000.00元尚未到期" in f for f in st.flags)
    assert any("L3：首笔放款日2025-09-01" in f for f in st.flags)
    assert "按年利率5%计收罚息" in st.continuing[0]
