"""Clocks under the law of their dates: 民法通则, 担保法 and 担保法解释, and each revision of the
Civil Procedure Law, with the transitions the law provides. Each expected date is worked out in
the test's docstring or comment from the article it cites."""

from __future__ import annotations

import datetime as dt

import pytest

from legaldocs.case.model import Case
from legaldocs.deadlines.clocks import case_clocks, guarantee_clocks, released_guarantees
from tests_support import COMPANY, PERSON, make_case

D = dt.date


def make(signed: dt.date, maturity: dt.date, *, events=(), guarantees=(), collateral=(), borrower=PERSON, as_of=None) -> Case:
    return make_case(signed=signed, maturity=maturity, events=events, guarantees=list(guarantees),
                     collateral=collateral, borrower=borrower, as_of=as_of)


def clock(clocks, kind):
    return next(c for c in clocks if c.kind == kind)


def test_gpcl_period_ended_before_2017_stays_two_years():
    """Due 2015-06-01: two years end 2017-06-01 (Thursday), before 民法总则 took effect, so the
    period is not lengthened (法释〔2018〕12号 art 3)."""
    limitation = clock(case_clocks(make(D(2014, 6, 1), D(2015, 6, 1)), D(2018, 1, 1)), "limitation")
    assert limitation.date == D(2017, 6, 1) and limitation.status == "expired"
    assert "民法通则》第一百三十五条" in limitation.chain[0].rule
    assert any("法释〔2018〕12号第三条" in n for n in limitation.notes)


def test_interruption_cites_the_law_of_its_day():
    case = make(D(2014, 6, 1), D(2015, 6, 1), events=[
        {"date": D(2016, 3, 1), "kind": "催收通知书送达", "parties": ["P1"]},
        {"date": D(2019, 2, 1), "kind": "债务人确认债务", "parties": ["P1"]},
        {"date": D(2021, 9, 1), "kind": "催收通知书送达", "parties": ["P1"]},
    ])
    chain = clock(case_clocks(case, D(2022, 1, 1)), "limitation").chain
    assert "《民法通则》第一百四十条；诉讼时效规定（2008）第十条" in chain[1].rule
    # 2016-03-01 + 2 years was running on 2017-10-01: three years (法释〔2018〕12号 art 2)
    assert "法释〔2018〕12号第二条" in chain[1].rule
    assert "《民法总则》第一百九十五条第（二）项；诉讼时效规定（2008）第十六条" in chain[2].rule
    assert "《民法典》第一百九十五条第（一）项；诉讼时效规定第八条" in chain[3].rule


def test_suspension_under_the_gpcl_lets_the_rest_run_on():
    """Due 2014-01-10: two years end 2016-01-10 (a Sunday; nominal day kept for the count). An
    obstacle from 2015-10-01 to 2015-11-30 lies in the last six months: under 民法通则 art 139 the
    61 days suspended are added: 2016-01-10 + 61 days = 2016-03-11 (Friday)."""
    case = make(D(2013, 1, 10), D(2014, 1, 10), events=[
        {"date": D(2015, 10, 1), "kind": "诉讼时效中止事由", "until": D(2015, 11, 30), "note": "洪水"}])
    limitation = clock(case_clocks(case, D(2016, 1, 1)), "limitation")
    assert limitation.date == D(2016, 3, 11)
    assert "民法通则》第一百三十九条" in limitation.chain[-1].rule


def test_suspension_under_the_civil_code_ends_six_months_after_the_obstacle():
    """Due 2021-05-20: three years end 2024-05-20; obstacle 2024-02-01 to 2024-03-15 -> 2024-09-15
    (Sunday) -> 2024-09-18 (the Mid-Autumn rest run 2024-09-15 to 17)."""
    case = make(D(2020, 5, 20), D(2021, 5, 20), events=[
        {"date": D(2024, 2, 1), "kind": "诉讼时效中止事由", "until": D(2024, 3, 15)}])
    limitation = clock(case_clocks(case, D(2024, 4, 1)), "limitation")
    assert limitation.date == D(2024, 9, 18) and "民法典》第一百九十四条" in limitation.chain[-1].rule


@pytest.mark.parametrize("signed,expected,cite", [
    (D(2019, 3, 1), D(2022, 3, 1), "《中华人民共和国担保法》若干问题的解释第三十二条第二款"),  # two years from 2020-03-01
    (D(2021, 3, 1), D(2022, 9, 1), "有关担保制度的解释第三十二条"),  # six months from 2022-03-01
])
def test_until_fully_repaid_is_two_years_under_the_old_law(signed, expected, cite):
    maturity = D(signed.year + 1, 3, 1)
    g = {"id": "G1", "number": "G", "guarantor": "P2", "secures": ["L1"], "kind": "连带责任保证", "signed_on": signed,
         "period": "至主债务本息还清时为止"}
    case = make(signed, maturity, guarantees=[g])
    period = guarantee_clocks(case, case.guarantees[0], maturity)[0]
    assert period.date == expected and cite in period.chain[0].rule


@pytest.mark.parametrize("signed,mode,citation", [
    (D(2019, 3, 1), "连带责任保证", "担保法》第十九条"), (D(2021, 3, 1), "一般保证", "民法典》第六百八十六条第二款"),
])
def test_unstated_mode_follows_the_law_of_the_guarantee(signed, mode, citation):
    g = {"id": "G1", "number": "G", "guarantor": "P2", "secures": ["L1"], "kind": "未约定", "signed_on": signed}
    maturity = D(signed.year + 1, 3, 1)
    case = make(signed, maturity, guarantees=[g])
    period = guarantee_clocks(case, case.guarantees[0], maturity)[0]
    assert any(mode in n and citation in n for n in period.notes)


def test_guarantee_before_the_guarantee_law_is_undetermined_not_fatal():
    g = {"id": "G1", "number": "G", "guarantor": "P2", "secures": ["L1"], "kind": "连带责任保证", "signed_on": D(1993, 5, 1)}
    case = make(D(1993, 5, 1), D(1994, 5, 1), guarantees=[g])
    clocks = case_clocks(case, D(1995, 1, 1))
    period = clock(clocks, "guarantee_period")
    assert period.status == "undetermined" and period.date is None and "担保法施行前" in period.notes[0]
    assert clock(clocks, "limitation").date == D(1996, 5, 2)  # 民法通则: two years; 1 May a rest day
    assert "G1" not in released_guarantees(case, D(1997, 1, 1))


def test_maximum_guarantee_runs_from_the_day_claims_were_fixed():
    """担保制度解释 art 30: every secured debt due when the claims were fixed (2024-03-01 after
    maturity 2023-09-01): six months from 2024-03-01 = 2024-09-01."""
    g = {"id": "G1", "number": "G", "guarantor": "P2", "secures": ["L1"], "kind": "连带责任保证", "signed_on": D(2022, 9, 1),
         "maximum_amount": "200000", "claims_fixed_on": D(2024, 3, 1)}
    case = make(D(2022, 9, 1), D(2023, 9, 1), guarantees=[g])
    period = guarantee_clocks(case, case.guarantees[0], D(2024, 1, 1))[0]
    assert period.date == D(2024, 9, 1) and "担保制度的解释第三十条" in period.chain[0].event


def test_old_general_guarantor_limitation_runs_from_the_judgment():
    """担保法解释 art 34 ¶1: a general guarantor's limitation runs from the day the judgment against
    the debtor takes effect (2019-06-10 + 2 years, running on 2017-10-01 rules: 民法总则 3 years)."""
    g = {"id": "G1", "number": "G", "guarantor": "P2", "secures": ["L1"], "kind": "一般保证", "signed_on": D(2018, 1, 5)}
    case = make(D(2018, 1, 5), D(2019, 1, 5), guarantees=[g], events=[
        {"date": D(2019, 3, 1), "kind": "提起诉讼", "parties": ["P1"]},
        {"date": D(2019, 6, 10), "kind": "判决生效", "parties": ["P1"]}])
    clocks = guarantee_clocks(case, case.guarantees[0], D(2020, 1, 1))
    own = clock(clocks, "guarantor_limitation")
    assert own.date == D(2022, 6, 10) and "《中华人民共和国担保法》若干问题的解释第三十四条第一款" in own.chain[0].rule
    assert any("第三十六条" in n for n in own.notes)


def test_mortgage_given_in_1997_may_be_enforced_two_years_after_limitation():
    """担保法解释 art 12 ¶2 for security before 2007-10-01: the main limitation (due 1998-06-01,
    two years: 2000-06-01) is the safe date; two years after it (2002-06-01 Saturday ->
    2002-06-03) the arguable one."""
    m = {"id": "M1", "kind": "mortgage", "contract_number": "M", "signed_on": D(1997, 6, 1), "owner": "P1",
         "secures": ["L1"], "description": "房屋", "registered_on": D(1997, 6, 2)}
    collateral = clock(case_clocks(make(D(1997, 6, 1), D(1998, 6, 1), collateral=[m]), D(1999, 1, 1)), "collateral")
    assert collateral.date == D(2000, 6, 1) and collateral.alternative_date == D(2002, 6, 3)
    assert "《中华人民共和国担保法》若干问题的解释第十二条第二款" in collateral.chain[-1].rule
    assert "民法典" not in collateral.chain[-1].rule


@pytest.mark.parametrize("borrower,expected,alternative", [
    # one year (a natural person) from 2007-06-10: 2008-06-10, still running on 2008-04-01 when the
    # two-year period took effect, which gives the arguable 2009-06-10 (no transitional provision)
    (PERSON, D(2008, 6, 10), D(2009, 6, 10)),
    (COMPANY, D(2007, 12, 10), None),  # six months between organisations: ended before 2008-04-01
])
def test_enforcement_application_under_the_1991_law(borrower, expected, alternative):
    case = make(D(2005, 1, 1), D(2006, 1, 1), borrower=borrower, events=[
        {"date": D(2007, 5, 31), "kind": "判决生效", "parties": ["P1"], "until": D(2007, 6, 10)}])
    enforcement = clock(case_clocks(case, D(2007, 7, 1)), "enforcement_application")
    assert enforcement.date == expected and enforcement.alternative_date == alternative
    assert "（1991年）第二百一十九条" in enforcement.chain[0].rule


def test_withdrawn_enforcement_application_restarts_the_period():
    """Applied 2023-05-01 within the period, withdrawn 2023-08-01: two years from the withdrawal
    (民法典 art 195) = 2025-08-01 (Friday)."""
    case = make(D(2020, 1, 1), D(2021, 1, 1), events=[
        {"date": D(2022, 12, 1), "kind": "判决生效", "parties": ["P1"], "until": D(2022, 12, 11)},
        {"date": D(2023, 5, 1), "kind": "申请强制执行", "parties": ["P1"]},
        {"date": D(2023, 8, 1), "kind": "撤回执行申请", "parties": ["P1"]}])
    enforcement = clock(case_clocks(case, D(2024, 1, 1)), "enforcement_application")
    assert enforcement.date == D(2025, 8, 1) and enforcement.status == "running"


@pytest.mark.parametrize("served,article", [(D(2010, 3, 1), "（2007年修正）第一百四十七条"),
                                            (D(2015, 3, 2), "（2012年、2017年修正）第一百六十四条"),
                                            (D(2024, 3, 1), "（2023年修正）第一百七十一条第一款")])
def test_appeal_cites_the_revision_in_force_when_served(served, article):
    case = make(D(2008, 1, 1), D(2009, 1, 1), events=[{"date": served, "kind": "判决书送达", "parties": ["P1"]}])
    assert article in clock(case_clocks(case, served), "appeal").chain[0].rule


def test_pre_suit_preservation_before_2013_gives_fifteen_days_from_execution():
    """Ruling 2012-12-20 (1991/2007 CPL art 93: 15 days), carried out 2012-12-24: 2013-01-08."""
    case = make(D(2011, 1, 1), D(2012, 1, 1), events=[
        {"date": D(2012, 12, 20), "kind": "财产保全裁定", "executed_on": D(2012, 12, 24)}])
    clock_ = clock(case_clocks(case, D(2012, 12, 30)), "suit_after_preservation")
    assert clock_.date == D(2013, 1, 8) and "第九十三条第三款" in clock_.chain[0].rule


def test_seizure_terms_by_the_date_carried_out():
    """Real property seized 2010-05-04 (法释〔2004〕15号 art 29: two years), counting that day: to
    2012-05-03 (arguably 2012-05-04); renewal before expiry (no lead days then): 2012-05-02."""
    case = make(D(2008, 1, 1), D(2009, 1, 1), events=[
        {"date": D(2010, 4, 28), "kind": "查封冻结", "asset": "real_property", "executed_on": D(2010, 5, 4)}])
    clocks = case_clocks(case, D(2011, 1, 1))
    expiry, renewal = clock(clocks, "seizure_expiry"), clock(clocks, "seizure_renewal")
    assert (expiry.date, expiry.alternative_date) == (D(2012, 5, 3), D(2012, 5, 4))
    assert "法释〔2004〕15号）第二十九条" in expiry.chain[0].rule
    assert renewal.date == D(2012, 5, 2)
