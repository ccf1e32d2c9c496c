"""Risk classification (五级分类) against the reference's worked checks: the counting words
(writeoff.md §8 item 1, legal-rules.md TC15(a)), own-bank and cross-bank contagion at exactly 10 %
and 20 % (items 3, 4), the restructuring observation period and its restarts (item 5), the earliest
upgrade of an NPL (item 6); and the other floors and judgment items on real case records run
through the money engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from legaldocs.case.model import Case, Restructuring, RiskCategory
from legaldocs.portfolio.classification import (
    classify_cases,
    cross_bank_contagion,
    observation_period,
    overdue_floors,
    own_bank_contagion,
    upgrade_window,
)
from tests.tests_support import COMPANY, PERSON

D = dt.date
CREDITOR = {"name": "示例银行某支行", "uscc": "91110105MA01A2B3C4", "address": "示例路1号", "representative": "某"}


def loan(id_: str, principal: str, signed: dt.date, maturity: dt.date, **extra) -> dict:
    return {"id": id_, "number": f"HT-{id_}", "borrowers": ["P1"], "signed_on": signed, "principal": principal,
            "draws": [{"date": signed, "amount": principal, "maturity": maturity}], "annual_rate": "0.06",
            "repayment_method": "到期一次性还本付息"} | extra


def case(case_id: str, loans: list[dict], *, borrower=COMPANY, risk=None, events=(), repayments=(), guarantor=False) -> Case:
    parties = {"P1": borrower}
    guarantees = []
    if guarantor:
        parties["P2"] = PERSON | {"name": "保证人乙", "address": "示例小区2号"}
        guarantees = [{"id": "G1", "number": "G-1", "guarantor": "P2", "secures": [loans[0]["id"]], "kind": "连带责任保证",
                       "signed_on": loans[0]["signed_on"]}]
    return Case.model_validate({
        "case_id": case_id, "court": "示例人民法院", "creditor": CREDITOR, "parties": parties, "loans": loans,
        "guarantees": guarantees, "events": list(events), "repayments": list(repayments), "risk": risk or {},
        "claim": {"as_of": loans[0]["draws"][0]["maturity"], "amounts": "bank", "principal": loans[0]["principal"]},
    })


def one(c: Case, as_of: dt.date):
    result = classify_cases([("mem", c)], as_of)
    assert not result.unreadable
    return result.loans[0]


# -- counting words: TC15(a) and worked check 1 ------------------------------------------------------

TC15A = [(D(2025, 4, 20), 90, "关注"), (D(2025, 4, 21), 91, "次级"), (D(2025, 10, 17), 270, "次级"),
         (D(2025, 10, 18), 271, "可疑"), (D(2026, 1, 15), 360, "可疑"), (D(2026, 1, 16), 361, "损失")]


@pytest.mark.parametrize("as_of,days,category", TC15A, ids=[str(t[0]) for t in TC15A])
def test_tc15a_overdue_floors_count_exceeds_strictly(as_of, days, category):
    # oldest unpaid due date 2025-01-20 (the maturity of a bullet loan, nothing repaid): day 0
    lc = one(case("TC15", [loan("L1", "100000", D(2024, 1, 20), D(2025, 1, 20))]), as_of)
    assert lc.overdue_since == D(2025, 1, 20) and lc.days_past_due == days
    assert lc.category.value == category
    top = lc.decisive[0]
    assert top.rule.status == "secondary" and "商业银行金融资产风险分类办法" in top.rule.citation
    assert f"逾期{days}天" in top.text


def test_the_due_date_itself_is_day_zero_and_the_next_day_is_special_mention():
    c = case("D0", [loan("L1", "100000", D(2024, 1, 20), D(2025, 1, 20))])
    assert one(c, D(2025, 1, 20)).category is RiskCategory.normal
    lc = one(c, D(2025, 1, 21))
    assert lc.days_past_due == 1 and lc.category is RiskCategory.special_mention


def test_the_oldest_unpaid_interest_counts_before_later_principal(demo_variant):
    from legaldocs.case.load import load_case

    demo = load_case(demo_variant(lambda d: None), check_files=False).case
    lc = one(demo, D(2025, 6, 30))
    # the 2025-01-20 interest was paid short; the principal fell due only on 2025-03-19
    assert lc.overdue_since == D(2025, 1, 20) and lc.days_past_due == 161
    assert lc.category is RiskCategory.substandard and lc.principal == Decimal("500000.00")


def test_technical_delay_waiver_is_capped_by_the_unverified_rule():
    c = case("TD", [loan("L1", "100000", D(2024, 1, 20), D(2025, 1, 20))], risk={"technical_delay_days": 7})
    lc = one(c, D(2025, 1, 25))
    assert lc.category is RiskCategory.normal
    assert lc.judgment[0].rule.id == "classification.technical_delay.2023" and lc.judgment[0].rule.status == "unverified"
    assert one(c, D(2025, 1, 28)).category is RiskCategory.special_mention
    floors, notes = overdue_floors(5, D(2025, 1, 25), technical_delay_days=10)
    assert not floors and "超过规则允许的7天" in notes[0].text


def test_before_2023_the_2007_guideline_sets_no_hard_floors():
    c = case("OLD", [loan("L1", "100000", D(2021, 1, 20), D(2022, 1, 20))],
             risk={"history": [{"date": D(2022, 6, 30), "category": "次级"}]})
    lc = one(c, D(2022, 12, 31))
    assert lc.days_past_due == 345 and lc.floors == [] and lc.category is RiskCategory.normal
    assert lc.regime.id == "classification.regime.2007"
    texts = " ".join(j.text for j in lc.judgment)
    assert "没有硬性的逾期天数下限" in texts and "账上分类为次级类" in texts


# -- contagion: worked checks 3 and 4 ----------------------------------------------------------------

def test_worked_check_3_own_bank_share_exactly_10_percent_does_not_trigger():
    on = D(2025, 12, 31)
    floor = own_bank_contagion(Decimal("20000000"), Decimal("3000000"), on)
    assert floor is not None and floor.category is RiskCategory.substandard and "15.00%" in floor.text
    assert floor.rule.id == "classification.contagion.own_bank.2023" and floor.rule.status == "verified"
    assert own_bank_contagion(Decimal("20000000"), Decimal("2000000"), on) is None


def _four_claims(npl_amount: str) -> list[tuple[str, Case]]:
    current = (D(2025, 1, 1), D(2027, 1, 1))
    overdue = (D(2024, 6, 1), D(2025, 6, 1))  # more than 90 days overdue on 2025-12-31
    amounts = ["10000000", "5000000", "3000000", "2000000"]
    return [(f"file{i}", case(f"C{i}", [loan("L1", a, *(overdue if a == npl_amount else current))]))
            for i, a in enumerate(amounts)]


def test_worked_check_3_one_debtor_across_case_files():
    result = classify_cases(_four_claims("3000000"), D(2025, 12, 31))
    assert [lc.category.value for lc in result.loans] == ["次级"] * 4
    assert all(any(f.rule.id == "classification.contagion.own_bank.2023" for f in lc.floors)
               for lc in result.loans if lc.principal != Decimal("3000000"))
    result = classify_cases(_four_claims("2000000"), D(2025, 12, 31))
    # 10 % is not more than 10 %: the others stay performing (关注 only by the unverified 'NPL elsewhere' rule)
    assert [lc.category.value for lc in result.loans] == ["关注", "关注", "关注", "次级"]
    assert all(lc.decisive[0].rule.id == "classification.npl_elsewhere.2023" and lc.decisive[0].rule.status == "unverified"
               for lc in result.loans[:3])


def test_own_bank_exposure_outside_the_files_counts():
    # one current 1m claim in the files; the bank reports 10m in all with 2m NPL elsewhere: 20 % > 10 %
    c = case("X", [loan("L1", "1000000", D(2025, 1, 1), D(2027, 1, 1))],
             risk={"exposures": [{"date": D(2025, 12, 1), "scope": "this_bank", "total": "10000000",
                                  "non_performing": "2000000"}]})
    lc = one(c, D(2025, 12, 31))
    assert lc.category is RiskCategory.substandard and "20.00%" in lc.decisive[0].text


@pytest.mark.parametrize("overdue,triggers", [("20000000", False), ("20010000", True)])
def test_worked_check_4_cross_bank_share_exactly_20_percent_does_not_trigger(overdue, triggers):
    on = D(2025, 12, 31)
    floor = cross_bank_contagion(Decimal("100000000"), Decimal(overdue), on)
    assert (floor is not None) is triggers
    c = case("Y", [loan("L1", "1000000", D(2025, 1, 1), D(2027, 1, 1))],
             risk={"exposures": [{"date": D(2025, 12, 1), "scope": "all_banks", "total": "100000000",
                                  "overdue_90": overdue}]})
    lc = one(c, on)
    if triggers:
        assert lc.category is RiskCategory.substandard and lc.decisive[0].rule.id == "classification.contagion.cross_bank.2023"
    else:  # the NPL elsewhere still makes it 关注, by an unverified rule
        assert lc.category is RiskCategory.special_mention and lc.decisive[0].rule.status == "unverified"


def test_contagion_is_for_non_retail_only_and_missing_credit_report_is_a_judgment_item():
    person = PERSON | {"name": "甲"}
    cases = [(f"f{i}", case(f"P{i}", [loan("L1", a, *dates)], borrower=person)) for i, (a, dates) in enumerate(
        [("1000000", (D(2025, 1, 1), D(2027, 1, 1))), ("1000000", (D(2024, 6, 1), D(2025, 6, 1)))])]
    result = classify_cases(cases, D(2025, 12, 31))
    current = result.loans[0]
    assert current.category is RiskCategory.normal and current.segment == "retail"
    assert any("须确认零售或非零售" in j.text for j in current.judgment)
    company = one(case("Q", [loan("L1", "1000000", D(2025, 1, 1), D(2027, 1, 1))]), D(2025, 12, 31))
    assert any(j.rule and j.rule.id == "classification.contagion.cross_bank.2023" for j in company.judgment)


# -- restructuring: worked check 5 ----------------------------------------------------------------

def _restructuring(**extra) -> Restructuring:
    return Restructuring(loan="L1", changed_on=D(2026, 3, 15), first_repayment=D(2026, 4, 20), period_months=1, **extra)


def test_worked_check_5_observation_period_and_its_restarts():
    on = D(2028, 12, 31)
    plain = observation_period(_restructuring(), on)
    assert plain.end == D(2027, 4, 20) and plain.rule.status == "verified"
    missed = observation_period(_restructuring(missed=[D(2026, 9, 20)]), on)
    assert (missed.start, missed.end) == (D(2026, 9, 20), D(2027, 9, 20))
    unresolved = observation_period(_restructuring(unresolved_on=[D(2027, 4, 20)]), on)
    assert (unresolved.start, unresolved.end) == (D(2027, 4, 20), D(2028, 4, 20))
    # quarterly: two periods are shorter than a year, so the year decides; annual: two years
    assert observation_period(_restructuring().model_copy(update={"period_months": 3}), on).end == D(2027, 4, 20)
    assert observation_period(_restructuring().model_copy(update={"period_months": 12}), on).end == D(2028, 4, 20)


def test_restructured_loans_floors_in_observation():
    base = {"loan": "L1", "changed_on": D(2026, 3, 15), "first_repayment": D(2026, 4, 20), "period_months": 1}
    signed = (D(2026, 3, 15), D(2029, 3, 15))
    performing = one(case("R1", [loan("L1", "1000000", *signed)],
                          risk={"restructurings": [base | {"category_before": "正常"}]}), D(2026, 6, 30))
    assert performing.category is RiskCategory.special_mention
    assert performing.decisive[0].rule.id == "classification.restructured.performing.2023"
    assert performing.observations[0].end == D(2027, 4, 20)
    missed = one(case("R2", [loan("L1", "1000000", *signed)],
                      risk={"restructurings": [base | {"category_before": "关注", "missed": [D(2026, 9, 20)]}]}), D(2026, 10, 1))
    assert missed.category is RiskCategory.substandard and missed.observations[0].end == D(2027, 9, 20)
    npl = one(case("R3", [loan("L1", "1000000", *signed)], risk={"restructurings": [base | {"category_before": "可疑"}]}),
              D(2026, 6, 30))
    assert npl.category is RiskCategory.doubtful
    unknown = one(case("R4", [loan("L1", "1000000", *signed)], risk={"restructurings": [base]}), D(2027, 6, 1))
    assert any("财务困难是否已解除未记载" in j.text for j in unknown.judgment)


# -- upgrade: worked check 6 ---------------------------------------------------------------------------

def test_worked_check_6_earliest_upgrade_quarterly():
    until, earliest = upgrade_window(D(2026, 5, 31), 3, D(2026, 12, 31))
    assert until == D(2026, 11, 30) and earliest == D(2026, 12, 1)
    assert upgrade_window(D(2026, 5, 31), 12, D(2026, 12, 31))[0] == D(2028, 5, 31)  # two annual periods are longer


def test_upgrade_guard_holds_the_booked_class_until_the_window_has_run():
    # monthly interest (20th); interest of February to May unpaid, arrears paid off on 2025-06-10, then paid monthly
    monthly = loan("L1", "500000", D(2025, 1, 20), D(2027, 1, 20), repayment_method="按月计息、到期一次性还本",
                   interest_day=20)
    paid = [{"date": D(2025, 6, 10), "amount": "20000", "loan": "L1"}]
    paid += [{"date": D(2025, m, 20), "amount": "5000", "loan": "L1", "applied_to": "interest"} for m in range(6, 13)]
    c = case("U", [monthly], risk={"history": [{"date": D(2025, 6, 1), "category": "次级"}]}, repayments=paid)
    held = one(c, D(2025, 12, 10))
    assert held.days_past_due == 0 and held.category is RiskCategory.substandard and held.below_floor is False
    assert held.upgrade.cleared_on == D(2025, 6, 10) and held.upgrade.normal_until == D(2025, 12, 10)
    assert held.decisive[0].rule.id == "classification.upgrade.2023"
    free = one(c, D(2025, 12, 11))
    assert free.category is RiskCategory.normal and free.upgrade.earliest == D(2025, 12, 11)
    assert any("持续履约" in j.text for j in free.judgment)


# -- impairment, events, booked class ------------------------------------------------------------------

@pytest.mark.parametrize("allowance,category,status", [("40", "次级", "verified"), ("50", "可疑", "secondary"),
                                                        ("90", "损失", "unverified")])
def test_ecl_share_floors(allowance, category, status):
    c = case("E", [loan("L1", "100", D(2025, 1, 1), D(2027, 1, 1))],
             risk={"provisions": [{"date": D(2025, 6, 30), "allowance": allowance, "carrying_amount": "100",
                                   "stage": 3, "credit_impaired": True}]})
    lc = one(c, D(2025, 6, 30))
    assert lc.category.value == category and lc.decisive[-1].rule.status == status


def test_bankruptcy_evasion_and_enforcement_end():
    signed = (D(2025, 1, 1), D(2027, 1, 1))
    bankrupt = one(case("B", [loan("L1", "100000", *signed)],
                        events=[{"date": D(2025, 5, 1), "kind": "宣告破产", "parties": ["P1"], "case_number": "（2025）破1号"}]),
                   D(2025, 6, 30))
    assert bankrupt.category is RiskCategory.loss and bankrupt.decisive[0].rule.status == "unverified"
    assert "（2025）破1号" in bankrupt.decisive[0].text
    evading = one(case("V", [loan("L1", "100000", *signed)], events=[{"date": D(2025, 5, 1), "kind": "逃废债", "parties": ["P1"]}]),
                  D(2025, 6, 30))
    assert evading.category is RiskCategory.doubtful
    ended = one(case("Z", [loan("L1", "100000", *signed)], guarantor=True, events=[
        {"date": D(2025, 5, 1), "kind": "终结本次执行程序", "parties": ["P1", "P2"], "case_number": "（2025）执9号"}]),
        D(2025, 6, 30))
    assert ended.category is RiskCategory.normal  # no floor: it calls for judgment
    texts = [j.text for j in ended.judgment]
    assert any("终结本次执行程序" in t and "须人工判断" in t for t in texts)
    assert any(t.startswith("保证人保证人乙") for t in texts)


def test_booked_class_below_the_floor_is_flagged():
    c = case("K", [loan("L1", "100000", D(2024, 1, 20), D(2025, 1, 20))],
             risk={"history": [{"date": D(2025, 3, 31), "category": "关注", "basis": "季度分类"},
                               {"date": D(2025, 9, 30), "category": "可疑"}]})
    lc = one(c, D(2025, 6, 30))
    assert lc.booked.category is RiskCategory.special_mention and lc.category is RiskCategory.substandard
    assert lc.below_floor is True
    assert one(c, D(2025, 10, 1)).below_floor is False
