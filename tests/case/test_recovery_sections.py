"""The case format's recovery sections (pursuits, risk, write_off, recovery sources): old case
files stay valid, a complete entry loads with its values, and wrong references or dates are
refused at the field that holds them."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from legaldocs.case.load import load_case
from legaldocs.case.model import EventKind, PursuitChannel, RiskCategory
from legaldocs.errors import CaseValidationError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "case.yaml"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _demo() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def _with_recovery(data: dict) -> dict:
    guarantor = data["guarantees"][0]["guarantor"]
    loan = data["loans"][0]["id"]
    evidence = data["evidence"][0]["id"]
    data["repayments"].append({"date": "2025-09-30", "amount": "1000.00", "loan": loan, "source": "guarantor",
                               "party": guarantor})
    data["events"].append({"date": "2025-10-20", "kind": "终结本次执行程序", "parties": ["P1"],
                           "case_number": "（2025）沪0115执1234号", "evidence": [evidence]})
    data["pursuits"] = [{"date": "2025-06-01", "party": guarantor, "channel": "电话追索", "content": "电话催收保证人",
                         "outcome": "承诺筹款", "handler": "王敏", "responsible": "李强", "cosigned": True,
                         "evidence": [evidence]}]
    data["risk"] = {"segment": "non_retail",
                    "history": [{"date": "2025-06-30", "category": "次级", "loan": loan, "basis": "逾期超过90天"}],
                    "provisions": [{"date": "2025-06-30", "allowance": "25000", "stage": 3, "carrying_amount": "100000"}],
                    "exposures": [{"date": "2025-06-30", "scope": "all_banks", "total": "5000000", "overdue_90": "1200000"}],
                    "restructurings": [{"loan": loan, "changed_on": "2025-03-15", "first_repayment": "2025-04-20",
                                        "missed": ["2025-09-20"]}],
                    "sme_or_agricultural": True}
    data["write_off"] = {"criterion": "7", "proposed_on": "2025-11-01", "written_off_on": "2025-12-15",
                         "staff": [{"role": "经办人", "name": "王敏"}],
                         "asset_searches": [{"date": "2025-08-01", "party": "P1", "by": "法院网络查控", "result": "未发现可供执行财产"}],
                         "confirmations": [{"rule": "writeoff.small_amount.corporate.bank", "by": "李强", "date": "2025-11-20"}],
                         "ended": {"date": "2026-03-01", "reason": "transferred"}}
    return data


def test_an_old_case_file_is_valid_and_gets_empty_sections():
    case = load_case(DEMO, check_files=False).case
    assert case.pursuits == [] and case.write_off is None
    assert case.risk.history == [] and case.risk.segment is None
    assert all(r.source == "borrower" and r.party is None for r in case.repayments)


def test_the_sections_load_with_their_values(tmp_path):
    case = load_case(_write(tmp_path, _with_recovery(_demo())), check_files=False).case
    assert case.repayments[-1].source == "guarantor" and case.repayments[-1].party == case.guarantees[0].guarantor
    assert case.events[-1].kind is EventKind.enforcement_ended_this_round
    assert case.pursuits[0].channel is PursuitChannel.phone and case.pursuits[0].cosigned
    assert case.risk.history[0].category is RiskCategory.substandard
    assert case.risk.provisions[0].allowance == Decimal("25000") and case.risk.provisions[0].stage == 3
    assert case.risk.exposures[0].overdue_90 == Decimal("1200000")
    assert case.risk.restructurings[0].missed == [dt.date(2025, 9, 20)]
    assert case.write_off.written_off_on == dt.date(2025, 12, 15) and case.write_off.ended.reason == "transferred"


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d["pursuits"][0].update(party="P9"), "pursuits[0].party", "P9"),
    (lambda d: d["pursuits"][0].update(evidence=["E99"]), "pursuits[0].evidence[0]", "E99"),
    (lambda d: d["pursuits"][0].update(channel="微信"), "pursuits[0].channel", "电话追索"),
    (lambda d: d["repayments"][-1].update(party="P9"), f"repayments[{{last}}].party", "P9"),
    (lambda d: d["repayments"][-1].update(source="lottery"), f"repayments[{{last}}].source", "guarantor"),
    (lambda d: d["repayments"][-1].pop("party"), "repayments[{last}].party", "保证人"),
    (lambda d: d["repayments"][-1].update(party="P1"), "repayments[{last}].party", "P1"),
    (lambda d: d["risk"]["history"][0].update(loan="L9"), "risk.history[0].loan", "L9"),
    (lambda d: d["risk"]["history"][0].update(category="很差"), "risk.history[0].category", "次级"),
    (lambda d: d["risk"]["restructurings"][0].update(first_repayment="2025-03-01"),
     "risk.restructurings[0].first_repayment", "2025-03-15"),
    (lambda d: d["risk"]["restructurings"][0].update(period_months=13), "risk.restructurings[0].period_months", "12"),
    (lambda d: d["write_off"]["asset_searches"][0].update(party="P9"), "write_off.asset_searches[0].party", "P9"),
    (lambda d: d["write_off"].update(written_off_on="2025-10-01"), "write_off.written_off_on", "2025-11-01"),
    (lambda d: d["write_off"]["ended"].update(date="2025-12-01"), "write_off.ended.date", "2025-12-15"),
    (lambda d: d["write_off"].pop("written_off_on"), "write_off.ended", "written_off_on"),
    (lambda d: d["write_off"]["ended"].update(reason="forgiven"), "write_off.ended.reason", "transferred"),
])
def test_a_wrong_reference_or_date_is_refused_at_its_field(tmp_path, change, path, words):
    data = _with_recovery(_demo())
    change(data)
    with pytest.raises(CaseValidationError) as info:
        load_case(_write(tmp_path, data), check_files=False)
    problems = dict(info.value.problems)
    path = path.replace("{last}", str(len(data["repayments"]) - 1))
    assert path in problems, problems
    assert words in problems[path], problems[path]


def test_a_ledger_given_where_a_case_file_is_expected_is_named_as_such():
    with pytest.raises(CaseValidationError) as info:
        load_case(ROOT / "examples" / "ledger" / "ledger.xlsx", check_files=False)
    [(where, message)] = info.value.problems
    assert where == "<file>" and "classify" in message and "UTF-8" not in message
