"""Tax on a written-off loan (legaldocs.portfolio.tax): the tiers of 国家税务总局公告2015年第25号
for 涉农/SME loans (writeoff.md §8 check 7, legal-rules.md TC15(c)), the 2011 No. 25 art 40 rules
otherwise, and the general provision deduction of 2019 No. 86 (check 8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from legaldocs.case.model import Case
from legaldocs.errors import LegalDocsError
from legaldocs.portfolio.tax import general_provision_deduction, tax_pack
from legaldocs.portfolio.writeoff import residue

D = Decimal
DUE = dt.date(2025, 1, 20)
FOURTEEN_MONTHS = dt.date(2026, 3, 20)


def pursuit(party: str, channel: str, day: dt.date, *, cosigned=True, evidence="E2") -> dict:
    return {"date": day, "party": party, "channel": channel, "content": "催收", "outcome": "未还款", "handler": "王敏",
            "responsible": "李强", "cosigned": cosigned, "evidence": [evidence]}


PHONE_BOTH = [pursuit("P1", "电话追索", dt.date(2025, 3, 1)), pursuit("P2", "信函追索", dt.date(2025, 3, 2), evidence="E3")]


def make_case(principal: str, *, sme=True, pursuits=PHONE_BOTH, events=(), repayments=()) -> Case:
    """A bullet loan of ``principal`` 元 drawn 2024-01-20, due 2025-01-20 (overdue from then),
    to an SME (P1), guaranteed by P2; evidence E1-E5."""
    return Case.model_validate({
        "case_id": "TAX-1", "court": "示例人民法院",
        "creditor": {"name": "示例银行某支行", "uscc": "91110105MA01A2B3C4", "address": "示例路1号", "representative": "某"},
        "parties": {
            "P1": {"kind": "organization", "name": "甲公司", "uscc": "91350200MA2Y3X4R49", "address": "示例路2号",
                   "representative": "丙"},
            "P2": {"kind": "person", "name": "乙", "gender": "男", "ethnicity": "汉族", "birth_date": dt.date(1980, 1, 1),
                   "id_number": "110105198001010112", "address": "示例小区2号"},
        },
        "loans": [{"id": "L1", "number": "JK-1", "borrowers": ["P1"], "signed_on": dt.date(2024, 1, 20),
                   "principal": principal, "annual_rate": "0.05",
                   "draws": [{"date": dt.date(2024, 1, 20), "amount": principal, "maturity": DUE}],
                   "repayment_method": "到期一次性还本付息"}],
        "guarantees": [{"id": "G1", "number": "BZ-1", "guarantor": "P2", "secures": ["L1"], "kind": "连带责任保证",
                        "signed_on": dt.date(2024, 1, 20), "period": "主债务履行期限届满之日起三年"}],
        "events": list(events), "pursuits": list(pursuits), "repayments": list(repayments),
        "evidence": [{"id": f"E{i}", "title": f"证据{i}", "files": [f"E{i}.pdf"], "purpose": "证明"} for i in range(1, 6)],
        "claim": {"as_of": DUE},
        "risk": {"sme_or_agricultural": sme},
    })


def pack(case: Case, on: dt.date = FOURTEEN_MONTHS):
    return tax_pack(case, on, residue(case, on))


def test_worked_check_7_up_to_3m_any_one_record():
    """2.8 million, 14 months overdue: any one kind of co-signed original pursuit record toward the
    borrower and the guarantor is enough (phone for the borrower, a letter for the guarantor)."""
    p = pack(make_case("2800000"))
    assert p.regime == "2015_25" and p.tier_key == "any_one" and p.eligible and p.overdue_one_year
    assert p.balance == D("2800000") and p.overdue_since == DUE
    assert p.complete and p.missing == []
    assert {r.key for r in p.records} == {"category", "pursuit.P1", "pursuit.P2"}
    assert p.channels == {"电话追索": (1, 1), "信函追索": (1, 1)}
    assert p.rule["id"] == "tax.sme_agricultural_loss.2015_25" and p.rule["status"] == "secondary"


def test_worked_check_7_3m_to_10m_needs_a_judicial_record():
    """5 million: the same records are not enough; a judicial pursuit record is required."""
    p = pack(make_case("5000000"))
    assert p.tier_key == "judicial" and p.eligible and not p.complete
    assert any("司法追索" in m for m in p.missing)
    judicial = pursuit("P1", "司法追索", dt.date(2025, 4, 1), evidence="E4")
    with_suit = pack(make_case("5000000", pursuits=PHONE_BOTH + [judicial]))
    assert with_suit.complete
    assert next(r for r in with_suit.records if r.key == "pursuit.judicial").proof == ("E4",)


def test_exactly_3m_is_the_lower_tier():
    assert pack(make_case("3000000")).tier_key == "any_one"
    assert pack(make_case("3000000.01")).tier_key == "judicial"
    assert pack(make_case("10000000")).tier_key == "judicial"


def test_worked_check_7_over_10m_follows_the_2011_rules():
    p = pack(make_case("12000000"))
    assert p.regime == "2015_25" and p.tier_key == "general"
    assert any(r["id"] == "tax.loss_evidence.2011_25" for r in p.rules)
    assert any("2011年第25号" in n for n in p.notes)


@pytest.mark.parametrize("on, eligible", [
    (dt.date(2025, 12, 20), False),  # 11 months
    (dt.date(2026, 1, 19), False),   # one day short of a year
    (dt.date(2026, 1, 20), True),    # "逾期1年以上": a full year counts
])
def test_worked_check_7_overdue_less_than_a_year_is_not_eligible(on, eligible):
    p = pack(make_case("2800000"), on)
    assert p.eligible is eligible and p.overdue_one_year is eligible
    if not eligible:
        assert p.records == [] and "不满1年" in p.missing[0] and "2026-01-20" in p.missing[0]


def test_unsigned_records_do_not_count():
    p = pack(make_case("2800000", pursuits=[pursuit("P1", "电话追索", dt.date(2025, 3, 1), cosigned=False)]))
    missing = {r.key: r.missing for r in p.records if not r.met}
    assert "共同签章" in missing["pursuit.P1"] and "保证人乙" in missing["pursuit.P2"]


def test_not_sme_uses_2011_art_40_with_pursuit_records_for_small_claims():
    """Not an SME loan: 2011 No. 25 art 40(1). Licence revoked, no distribution proof, claim under 3
    million → the registry proof and the pursuit records stand in."""
    events = [{"date": dt.date(2025, 6, 1), "kind": "吊销营业执照", "parties": ["P1"], "evidence": ["E5"]}]
    p = pack(make_case("2800000", sme=False, events=events))
    assert p.regime == "2011_25" and p.tier is None and p.eligible
    keys = {r.key: r for r in p.records}
    assert keys["event_proof"].proof == ("E5",) and keys["pursuit.P1"].met and keys["pursuit.P2"].met
    assert any("不超过3,000,000元" in n for n in p.notes)
    big = pack(make_case("5000000", sme=False, events=events))
    assert not next(r for r in big.records if r.key == "distribution").met


def test_worked_check_8_general_provision_deduction():
    """100m × 1 % = 1.0m, less 0.8m deducted → 0.2m; 70m × 1 % − 0.8m = −0.1m → add 0.1m back."""
    d = general_provision_deduction(D("100000000"), D("800000"), year_end=dt.date(2025, 12, 31))
    assert (d.allowed, d.deductible, d.add_back) == (D("1000000"), D("200000"), D("0"))
    assert d.rule["id"] == "tax.general_provision.2019_86" and "2019年第86号" in d.steps[-1]
    neg = general_provision_deduction(D("70000000"), D("800000"))
    assert (neg.deductible, neg.add_back) == (D("0"), D("100000")) and "调增" in neg.steps[2]
    old = general_provision_deduction(D("1"), D("0"), year_end=dt.date(2016, 12, 31))
    assert old.rule["id"] == "tax.general_provision.2015_9"
    with pytest.raises(LegalDocsError, match="eligible_loans"):
        general_provision_deduction(D("-1"), D("0"))


def test_a_debt_recovered_in_full_has_no_loss_to_deduct_rather_than_a_short_overdue():
    paid = [{"date": dt.date(2025, 6, 1), "amount": "5000000.00", "loan": "L1", "source": "guarantor", "party": "P2"}]
    p = pack(make_case("2800000.00", repayments=paid))
    assert not p.eligible
    assert p.missing == ["截至该日已无剩余债权，没有可税前扣除的损失"]
    assert not any("逾期不满" in m for m in p.missing)
