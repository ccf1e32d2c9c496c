"""A claim's balance by component (legaldocs.money.components): 本金, 表内利息 and 表外利息 split at
the day the loan passes 90 days overdue, fees, and the recoveries by source and by component,
before and after the write-off date, on a small case whose figures are computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from legaldocs.case.model import Case
from legaldocs.money.components import balance_components, off_balance_from, split_line

D = Decimal


def make_case(repayments=()) -> Case:
    """100,000 元 drawn 2024-01-01, due in one sum with its interest on 2024-07-01, at 7.2 % a
    year (day basis 360), penalty +50 % (10.8 %), compound interest at the penalty rate;
    guaranteed by P2; a lawyer's fee of 5,000 元 claimed."""
    return Case.model_validate({
        "case_id": "C-1", "court": "示例人民法院",
        "creditor": {"name": "示例银行某支行", "uscc": "91110105MA01A2B3C4", "address": "示例路1号", "representative": "某"},
        "parties": {
            "P1": {"kind": "organization", "name": "甲公司", "uscc": "91350200MA2Y3X4R49", "address": "示例路2号",
                   "representative": "丙"},
            "P2": {"kind": "person", "name": "乙", "gender": "男", "ethnicity": "汉族", "birth_date": dt.date(1980, 1, 1),
                   "id_number": "110105198001010112", "address": "示例小区2号"},
        },
        "loans": [{"id": "L1", "number": "JK-9", "borrowers": ["P1"], "signed_on": dt.date(2024, 1, 1),
                   "principal": "100000",
                   "draws": [{"date": dt.date(2024, 1, 1), "amount": "100000", "maturity": dt.date(2024, 7, 1)}],
                   "annual_rate": "0.072", "repayment_method": "到期一次性还本付息"}],
        "guarantees": [{"id": "G1", "number": "BZ-9", "guarantor": "P2", "secures": ["L1"], "kind": "连带责任保证",
                        "signed_on": dt.date(2024, 1, 1)}],
        "repayments": list(repayments),
        "evidence": [{"id": "E1", "title": "代偿回单", "files": ["E1.pdf"], "purpose": "证明保证人代偿"}],
        "claim": {"as_of": dt.date(2024, 12, 1), "costs": [{"name": "律师费", "amount": "5000", "evidence": ["E1"]}]},
    })


def test_components_without_payments():
    """As of 2024-12-01, nothing paid:

    - 利息 in term: 100,000 × 7.2 % × 182 / 360 (2024-01-01 to 2024-07-01) = 3,640.00, accrued
      before the loan was overdue: all 表内;
    - 罚息: 100,000 × 10.8 % × 153 / 360 (2024-07-01 to 2024-12-01) = 4,590.00. Overdue since
      2024-07-01 (day 0); "超过90天" starts on day 91 = 2024-09-30, so of the 153 days the last 63
      (2024-09-30 to 2024-12-01) are 表外: 4,590.00 × 63 / 153 = 1,890.00 表外, 2,700.00 表内;
    - 复利 on the unpaid 3,640.00: 3,640 × 10.8 % × 153 / 360 = 167.076 → 167.08;
      表外 167.08 × 63 / 153 = 68.797 → 68.80, 表内 98.28;
    - 表内 3,640.00 + 2,700.00 + 98.28 = 6,438.28; 表外 1,890.00 + 68.80 = 1,958.80;
    - total 100,000 + 6,438.28 + 1,958.80 + fee 5,000 = 113,397.08.
    """
    c = balance_components(make_case(), dt.date(2024, 12, 1))
    (loan,) = c.loans
    assert loan.label == "合同JK-9" and loan.overdue_since == dt.date(2024, 7, 1)
    assert loan.off_balance_from == dt.date(2024, 9, 30)
    assert loan.by_kind == {"interest": (D("3640.00"), D("0")), "penalty_interest": (D("2700.00"), D("1890.00")),
                            "compound_interest": (D("98.28"), D("68.80"))}
    assert (c.principal, c.interest_on_balance, c.interest_off_balance, c.fees) == (
        D("100000"), D("6438.28"), D("1958.80"), D("5000"))
    assert c.total == D("113397.08")
    # the parts add up to the engine's figures exactly
    st = c.statement
    assert c.interest_on_balance + c.interest_off_balance == st.interest + st.penalty_interest + st.compound_interest
    assert c.rule["id"] == "writeoff.off_balance_interest" and c.rule["status"] == "unverified"
    assert c.fees_items == [("律师费", D("5000"), ("E1",))] and c.recoveries == []


@pytest.mark.parametrize("as_of, penalty, compound", [
    # day 90: "超过90天" not yet: everything on balance
    (dt.date(2024, 9, 29), (D("2700.00"), D("0")), (D("98.28"), D("0"))),
    # day 91: one day off balance: 2,730.00 × 1/91 = 30.00; 复利 99.37 × 1/91 = 1.092 → 1.09
    (dt.date(2024, 9, 30), (D("2700.00"), D("30.00")), (D("98.28"), D("1.09"))),
])
def test_the_boundary_day_counts_more_than_90_days(as_of, penalty, compound):
    (loan,) = balance_components(make_case(), as_of).loans
    assert loan.by_kind["penalty_interest"] == penalty and loan.by_kind["compound_interest"] == compound
    assert loan.off_balance_from == (None if as_of.day == 29 else dt.date(2024, 9, 30))


def test_a_guarantor_payment_by_component_and_after_the_write_off_date():
    """The guarantor pays 10,000 on 2024-10-31 (122 days overdue); written off 2024-10-15.

    On 2024-10-31: 复利 3,640 × 10.8 % × 122 / 360 = 133.224 → 133.22; 罚息 100,000 × 10.8 % ×
    122 / 360 = 3,660.00; 利息 3,640.00. Applied 复利, 罚息, 利息, then principal (民法典 art 561):
    133.22 + 3,660.00 + 3,640.00 = 7,433.22, principal 2,566.78 → principal left 97,433.22.
    Then to 2024-12-01 (31 days) 罚息 97,433.22 × 10.8 % × 31 / 360 = 906.129 → 906.13; no unpaid
    interest, no more 复利. What is unpaid is the newest accrual, after day 91: 906.13 表外, 0 表内.
    Residue 97,433.22 + 906.13 + 5,000 = 103,339.35; with the 10,000 recovered: 113,339.35.
    """
    c = balance_components(make_case([{"date": dt.date(2024, 10, 31), "amount": "10000", "loan": "L1",
                                       "source": "guarantor", "party": "P2", "evidence": ["E1"]}]),
                           dt.date(2024, 12, 1), split_on=dt.date(2024, 10, 15))
    assert (c.principal, c.interest_on_balance, c.interest_off_balance) == (D("97433.22"), D("0.00"), D("906.13"))
    assert c.total == D("103339.35") and c.total + c.recovered() == D("113339.35")
    (r,) = c.recoveries
    assert (r.source, r.source_name, r.party, r.evidence, r.after) == ("guarantor", "保证人代偿", "P2", ("E1",), True)
    assert r.parts == (("compound_interest", D("133.22")), ("penalty_interest", D("3660.00")),
                       ("interest", D("3640.00")), ("principal", D("2566.78")))
    assert (r.principal, r.interest) == (D("2566.78"), D("7433.22"))
    assert c.recovered(after=True) == D("10000") and c.recovered(after=False) == 0
    assert c.recovered_by_source() == {"guarantor": D("10000")}
    assert c.recovered_by_component(after=True)["principal"] == D("2566.78")
    # the write-off date defaults to the case's; before it, the payment is "before"
    early = balance_components(make_case([{"date": dt.date(2024, 10, 31), "amount": "10000", "loan": "L1",
                                           "source": "guarantor", "party": "P2"}]),
                               dt.date(2024, 12, 1), split_on=dt.date(2024, 11, 30))
    assert early.recoveries[0].after is False and early.recovered(after=False) == D("10000")


def test_split_line_adds_up_exactly():
    assert split_line(D("100.00"), 3, 1) == (D("66.67"), D("33.33"))
    assert split_line(D("0.01"), 2, 1) == (D("0.00"), D("0.01"))
    assert split_line(D("4590.00"), 153, 0) == (D("4590.00"), D("0"))
    assert split_line(D("4590.00"), 153, 153) == (D("0"), D("4590.00"))
    for days in range(1, 40):
        for off in range(days + 1):
            on, o = split_line(D("1234.57"), days, off)
            assert on + o == D("1234.57") and o >= 0 and on >= 0
    with pytest.raises(ValueError):
        split_line(D("1"), 3, 4)


def test_the_boundary_rule_by_date():
    day, row = off_balance_from(dt.date(2024, 7, 1), dt.date(2024, 12, 1))
    assert day == dt.date(2024, 9, 30) and row["overdue_days"] == 90 and row["inclusive"] is False
    day, row = off_balance_from(dt.date(2001, 1, 1), dt.date(2001, 6, 1))
    assert day is None and row["in_force"] is False  # before 2002 no split is loaded
    assert off_balance_from(None, dt.date(2024, 12, 1))[0] is None
