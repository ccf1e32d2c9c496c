"""Periods other than the main limitation are interrupted as limitation is: the guarantor's own
limitation by later demands to the guarantor, the enforcement-application period by demands,
acknowledgments and payments after the judgment (民事诉讼法 art 250; 执行程序解释 art 20)."""

from __future__ import annotations

import datetime as dt

import pytest

from legaldocs.case.model import Case
from legaldocs.deadlines.clocks import agreed_end_date, agreed_months, case_clocks
from tests_support import make_case

D = dt.date


def clock(case: Case, as_of: dt.date, kind: str):
    return next(c for c in case_clocks(case, as_of) if c.kind == kind)


@pytest.mark.parametrize("text,months", [
    ("主债务履行期限届满之日起三年", 36), ("主债务履行期限届满之日起三十六个月", 36), ("二十四个月", 24),
    ("一年半", 18), ("两年零六个月", 30), ("半年", 6), ("6个月", 6), ("主债务履行期限届满之日（2022年3月1日）起三年", 36),
])
def test_agreed_periods_in_chinese_numerals(text, months):
    assert agreed_months(text) == months and agreed_end_date(text) is None


def test_an_end_date_is_read_only_where_the_text_says_it_ends():
    assert agreed_end_date("保证期间至2024年6月28日止") == D(2024, 6, 28)
    assert agreed_end_date("自2024年6月28日起至2026年6月28日止") == D(2026, 6, 28)


def test_guarantee_of_thirty_six_months_keeps_the_guarantor():
    """Due 2022-03-01, 三十六个月 agreed: ends 2025-03-01; a notice on 2024-01-10 keeps the guarantor."""
    case = make_case(guarantee={"period": "主债务履行期限届满之日起三十六个月"},
                     events=[{"date": D(2024, 1, 10), "kind": "履行保证责任通知书送达", "parties": ["P2"]}])
    period = clock(case, D(2024, 6, 1), "guarantee_period")
    assert period.date == D(2025, 3, 1) and period.alternative_date == D(2025, 3, 3)  # a Saturday: roll disputed
    assert period.status == "satisfied"


def test_guarantor_limitation_restarts_at_each_demand_to_the_guarantor():
    """Claimed within the period on 2022-06-01; demanded again 2024-06-03: three years from then."""
    case = make_case(events=[
        {"date": D(2022, 6, 1), "kind": "履行保证责任通知书送达", "parties": ["P2"]},
        {"date": D(2024, 6, 3), "kind": "履行保证责任通知书送达", "parties": ["P2"]}])
    own = clock(case, D(2025, 7, 1), "guarantor_limitation")
    assert own.date == D(2027, 6, 3) and own.status == "running"
    sued = make_case(events=[
        {"date": D(2022, 6, 1), "kind": "履行保证责任通知书送达", "parties": ["P2"]},
        {"date": D(2025, 3, 3), "kind": "提起诉讼", "parties": ["P1", "P2"]}])
    assert clock(sued, D(2025, 7, 1), "guarantor_limitation").status == "satisfied"


def test_enforcement_period_is_interrupted_after_the_judgment():
    """Last day of performance 2022-12-30; demand 2024-06-03, acknowledgment 2024-08-01, payment
    2024-09-02: two years from the payment = 2026-09-02."""
    case = make_case(events=[
        {"date": D(2022, 12, 20), "kind": "判决生效", "parties": ["P1"], "until": D(2022, 12, 30)},
        {"date": D(2024, 6, 3), "kind": "催收通知书送达", "parties": ["P1"]},
        {"date": D(2024, 8, 1), "kind": "债务人确认债务", "parties": ["P1"]}],
        repayments=[{"date": D(2024, 9, 2), "amount": "1000", "loan": "L1"}])
    enforcement = clock(case, D(2025, 7, 1), "enforcement_application")
    assert enforcement.date == D(2026, 9, 2) and enforcement.status == "running"


def test_enforcement_period_without_a_performance_period_runs_from_effect():
    case = make_case(events=[{"date": D(2023, 3, 17), "kind": "判决生效", "parties": ["P1"]}])
    enforcement = clock(case, D(2023, 4, 1), "enforcement_application")
    assert enforcement.date == D(2025, 3, 17) and "自生效之日起算" in enforcement.chain[0].event


def test_withdrawal_against_the_guarantor_alone_keeps_a_general_guarantee():
    case = make_case(guarantee={"kind": "一般保证"}, events=[
        {"date": D(2022, 5, 1), "kind": "提起诉讼", "parties": ["P1", "P2"]},
        {"date": D(2022, 6, 1), "kind": "撤回起诉", "parties": ["P2"]}])
    assert clock(case, D(2023, 1, 1), "guarantee_period").status == "satisfied"
    withdrawn = make_case(guarantee={"kind": "一般保证"}, events=[
        {"date": D(2022, 5, 1), "kind": "提起诉讼", "parties": ["P1", "P2"]},
        {"date": D(2022, 6, 1), "kind": "撤回起诉", "parties": ["P1", "P2"]}])
    assert clock(withdrawn, D(2023, 1, 1), "guarantee_period").status == "released"


def test_guarantee_period_from_an_acceleration_is_the_safe_date():
    """Accelerated 2021-12-01 (maturity 2022-03-01): six months from the acceleration, 2022-06-01, is
    the safe end; 2022-09-01 from maturity the arguable one."""
    case = make_case(events=[{"date": D(2021, 12, 1), "kind": "宣布提前到期", "parties": ["P1"]}])
    period = clock(case, D(2022, 1, 1), "guarantee_period")
    assert period.date == D(2022, 6, 1) and period.alternative_date == D(2022, 9, 1)


def test_seizure_without_its_asset_kind_is_shown_for_review():
    case = make_case(events=[{"date": D(2023, 5, 4), "kind": "查封冻结"}])
    seizure = clock(case, D(2023, 6, 1), "seizure_expiry")
    assert seizure.status == "undetermined" and "asset" in seizure.notes[0]


def test_an_end_date_in_chinese_numerals():
    assert agreed_end_date("至二〇二六年六月二十八日止") == D(2026, 6, 28)
    assert agreed_months("至二〇二六年六月二十八日止") is None  # not 24,312 months
    case = make_case(guarantee={"period": "保证期间至二〇二四年三月一日止"})
    assert clock(case, D(2023, 1, 1), "guarantee_period").date == D(2024, 3, 1)


def test_an_obstacle_not_yet_over_is_said_not_skipped():
    case = make_case(maturity=D(2022, 6, 1), events=[{"date": D(2025, 3, 1), "kind": "诉讼时效中止事由", "note": "疫情封控"}])
    limitation = clock(case, D(2025, 7, 1), "limitation")
    assert any("尚未消除" in link.event and "until" in link.event for link in limitation.chain)


def test_a_claim_on_the_guarantor_before_maturity_starts_nothing_before_it():
    """Notice served 2021-09-01, debt due 2022-03-01: the guarantor's limitation runs from 2022-03-01."""
    case = make_case(events=[{"date": D(2021, 9, 1), "kind": "履行保证责任通知书送达", "parties": ["P2"]}])
    own = clock(case, D(2024, 12, 1), "guarantor_limitation")
    assert own.date == D(2025, 3, 3) and own.status == "running"  # 2025-03-01 is a Saturday
    assert any("早于主债务履行期限届满" in n for n in own.notes)
