"""The complaint follows the law of each fact's date and the facts the case file now says:
担保法/物权法 citations for old security, no priority claimed on an unregistered mortgage, the
agreed or statutory order of recourse, a guarantor's limited share, older registration numbers."""

from __future__ import annotations

import datetime as dt

from legaldocs.case.load import load_case
from legaldocs.filings.complaint import complaint_context
from legaldocs.filings.filing import build_filing

D = dt.date


def _complaint(path):
    case = load_case(path, check_files=False).case
    return complaint_context(build_filing(case, filing_date=case.claim.as_of), evidence_no={e.id: i for i, e in enumerate(case.evidence, 1)})


def _dated(d, signed: dt.date):
    def day():  # a new object each time: the YAML writer would alias a shared one
        return dt.date.fromordinal(signed.toordinal())
    d["loans"][0]["signed_on"] = day()
    d["loans"][0]["draws"][0]["date"] = day()
    d["guarantees"][0]["signed_on"] = day()
    d["collateral"][0]["signed_on"] = day()
    d["collateral"][0]["registered_on"] = day()


def test_1997_security_cites_the_guarantee_law_not_the_civil_code(demo_variant):
    context = _complaint(demo_variant(lambda d: _dated(d, D(1997, 3, 18))))
    reasons = context["facts"][-1]
    assert "《中华人民共和国担保法》第六条、第十八条、第二十一条、第三十三条、第五十三条" in reasons
    assert "《中华人民共和国民法通则》第一百零六条" in reasons  # a loan before 合同法
    assert "民法典" not in reasons and "物权法" not in reasons


def test_unregistered_mortgage_claims_registration_not_priority(demo_variant):
    def unregistered(d):
        d["collateral"][0].update(registration_kind="未登记")
        d["collateral"][0].pop("registered_on")
        d["collateral"][0].pop("certificate_number")
    context = _complaint(demo_variant(unregistered))
    assert not any("优先受偿权" in c for c in context["claims"])
    assert any("协助原告办理" in c and "抵押登记手续" in c for c in context["claims"])
    assert any("但未办理抵押登记" in f for f in context["facts"])


def test_debtor_collateral_first_unless_agreed_otherwise(demo_variant):
    # 民法典 art 392: the borrower's own mortgage is realised before the guarantor answers
    context = _complaint(demo_variant(lambda d: None))
    guarantor = next(c for c in context["claims"] if "连带清偿责任" in c)
    assert "实现担保物权后仍未受偿的部分" in guarantor
    agreed = _complaint(demo_variant(lambda d: d.update(security_order=["G1", "M1"])))
    guarantor = next(c for c in agreed["claims"] if "连带清偿责任" in c)
    assert "实现担保物权后" not in guarantor


def test_guarantor_share_and_old_company_numbers(demo_variant):
    def change(d):
        d["guarantees"][0]["liability_cap"] = "200000"
        d["parties"]["C1"].pop("uscc")
        d["parties"]["C1"].update(registration_number="110105000000004", organization_code="D2143569-X")
    context = _complaint(demo_variant(change))
    guarantor = next(c for c in context["claims"] if "连带清偿责任" in c)
    assert "以200,000.00元为限" in guarantor
    assert any("注册号：110105000000004，组织机构代码：D2143569-X" in line for line in context["defendant_lines"])


def test_real_cases_fees_agree_with_the_courts():
    """rc01 and rc02 carry the acceptance fee each court charged (1,291 and 910 元)."""
    from pathlib import Path

    from legaldocs.filings.record import compare_stated

    root = Path(__file__).resolve().parents[2] / "examples"
    for name, fee in (("rc01", "1291"), ("rc02", "910")):
        (row,) = [r for r in compare_stated(load_case(root / name / "case.yaml", check_files=False).case) if r.by == "court"]
        assert row.item == "acceptance_fee" and row.agree and str(row.stated) == fee, row


def test_unregistered_mortgage_under_the_guarantee_law_claims_and_cites_nothing(demo_variant):
    """担保法 art 41: before 2007-10-01 the contract of an unregistered mortgage never took effect."""
    def old_unregistered(d):
        _dated(d, D(2006, 3, 18))
        d["collateral"][0].update(registration_kind="未登记")
        d["collateral"][0].pop("registered_on")
        d["collateral"][0].pop("certificate_number")
    context = _complaint(demo_variant(old_unregistered))
    assert not any("优先受偿" in c or "抵押登记手续" in c for c in context["claims"])
    reasons = context["facts"][-1]
    assert "优先受偿" not in reasons and "第三十三条" not in reasons
