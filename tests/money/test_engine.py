"""The money engine against worked examples (legal-rules.md §14 TC13, TC14) and the real cases'
recomputable figures (real-cases.yaml `checks`), plus properties that must hold for any loan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from legaldocs.money.accrual import DrawTerms, LoanTerms, Payment, loan_balance
from legaldocs.money.delay import delay_interest
from legaldocs.errors import LegalDocsError
from legaldocs.money.schedule import (
    BULLET,
    EQUAL_INSTALMENTS,
    EQUAL_PRINCIPAL,
    MONTHLY_INTEREST,
    QUARTERLY_INTEREST,
    Due,
    schedule,
)

D = Decimal
day = dt.date


def _single(amount, start, maturity, rate, method=BULLET, dues=None, **kw) -> LoanTerms:
    return LoanTerms("L1", (DrawTerms("D1", start, D(amount), maturity, dues=dues),), D(rate), method, **kw)


# --- legal-rules.md §14 TC14: penalty 32,806.25 and compound 356.77, 24 % check 6.60 % ---------
def test_tc14_penalty_and_compound_interest():
    terms = _single(1000000, day(2024, 10, 22), day(2025, 1, 20), "0.0435",
                    dues=(Due(day(2025, 1, 20), D(1000000), D("10875.00"), 1),))
    b = loan_balance(terms, [], day(2025, 7, 20))
    assert b.penalty_rate == D("0.06525")
    assert b.penalty_interest == D("32806.25")
    assert b.compound_interest == D("356.77")
    penalty = [l for l in b.lines if l.kind == "penalty_interest"]
    assert [(l.days, l.base) for l in penalty] == [(181, D(1000000))]
    annual = (b.penalty_interest + b.compound_interest) / b.principal * 360 / 181
    assert annual.quantize(D("0.0001")) == D("0.0660")


def test_tc14_quarterly_interest_amount():
    # "1,000,000 x 4.35% x 90 / 360 = 10,875.00": a 90-day interest period at the contract rate
    terms = _single(1000000, day(2024, 10, 22), day(2025, 1, 20), "0.0435")
    b = loan_balance(terms, [], day(2025, 1, 20))
    assert b.interest == D("10875.00") and b.penalty_interest == 0


# --- legal-rules.md §14 TC13: delayed-performance interest ---------------------------------------
@pytest.mark.parametrize(
    "payments,excluded,days,expected",
    [
        ([], [], 295, "54206.25"),  # (a) full payment 2024-12-31
        ([(day(2024, 6, 30), D(300000)), (day(2024, 12, 31), D(750000))], [], 295, "44546.25"),  # (b)
        ([], [(day(2024, 5, 1), day(2024, 5, 31))], 264, "48510.00"),  # (c) 31 days excluded
    ],
    ids=["TC13a", "TC13b", "TC13c"],
)
def test_tc13_delay_interest(payments, excluded, days, expected):
    result = delay_interest(D(1050000), day(2024, 3, 11), day(2024, 12, 31), payments=payments, excluded=excluded)
    assert result.days == days
    assert result.doubled_interest == D(expected)
    assert all("法释〔2014〕8号" in s.rule for s in result.steps)


def test_delay_before_2014_is_flagged_not_computed():
    result = delay_interest(D(1000), day(2014, 6, 30), day(2014, 8, 31))
    assert result.doubled_interest == D("5.43")  # 31 days of August only
    assert any("适用原规定" in f for f in result.flags)
    with pytest.raises(LegalDocsError):
        delay_interest(D(1000), day(2024, 1, 1), day(2023, 1, 1))


# --- real-cases.yaml checks ------------------------------------------------------------------------
def test_rc04_penalty_amount_with_the_inferred_start():
    # 50000 x 14.85% x 108 / 360 = 2227.50 (overdue from 2024-05-20, as the court evidently counted)
    terms = _single(50000, day(2023, 5, 18), day(2024, 5, 20), "0.099",
                    dues=(Due(day(2024, 5, 20), D(50000), D(0), 1),))
    b = loan_balance(terms, [], day(2024, 9, 5))
    assert b.penalty_rate == D("0.1485")
    assert b.penalty_interest == D("2227.50")


@pytest.mark.parametrize(
    "case,rate,uplift,expected",
    [("RC01", "0.0612", "0.5", "0.0918"), ("RC04", "0.099", "0.5", "0.1485"), ("RC06", "0.0615", "0.3", "0.07995"),
     ("RC12 monthly 10.17‰", "0.12204", "0.3", "0.158652")],
)
def test_real_case_penalty_rates(case, rate, uplift, expected):
    terms = _single(1000, day(2020, 1, 1), day(2021, 1, 1), rate, penalty_uplift=D(uplift))
    assert loan_balance(terms, [], day(2021, 6, 1)).penalty_rate == D(expected), case


# --- schedules ----------------------------------------------------------------------------------
def test_equal_instalments_schedule_adds_up():
    dues = schedule(D(120000), day(2024, 1, 31), day(2025, 1, 31), EQUAL_INSTALMENTS, D("0.06"))
    assert len(dues) == 12 and sum(d.principal for d in dues) == D(120000)
    assert [d.date for d in dues[:3]] == [day(2024, 2, 29), day(2024, 3, 31), day(2024, 4, 30)]
    payments = {d.principal + d.interest for d in dues[:-1]}
    assert payments == {D("10327.97")}  # 120000 x r(1+r)^12 / ((1+r)^12 - 1), r = 0.5 %


def test_equal_principal_and_periodic_schedules():
    dues = schedule(D(36000), day(2024, 1, 10), day(2027, 1, 10), EQUAL_PRINCIPAL, D("0.048"))
    assert len(dues) == 36 and {d.principal for d in dues} == {D(1000)}
    assert dues[0].interest == D("144.00") and dues[-1].interest == D("4.00")
    q = schedule(D(1000), day(2024, 1, 31), day(2025, 1, 20), QUARTERLY_INTEREST, D("0.06"))
    assert [d.date for d in q] == [day(2024, 3, 20), day(2024, 6, 20), day(2024, 9, 20), day(2024, 12, 20), day(2025, 1, 20)]
    with pytest.raises(LegalDocsError, match="其他"):
        schedule(D(1), day(2024, 1, 1), day(2025, 1, 1), "其他", D("0.05"))


def test_acceleration_makes_everything_due():
    terms = _single(120000, day(2024, 1, 15), day(2027, 1, 15), "0.06", method=EQUAL_PRINCIPAL)
    b = loan_balance(terms, [], day(2024, 6, 30), acceleration=day(2024, 5, 1))
    assert b.principal_not_due == 0 and b.overdue_since == day(2024, 2, 15)
    assert b.principal == D(120000)


def test_payment_allocation_follows_the_order():
    terms = _single(100000, day(2024, 1, 1), day(2024, 7, 1), "0.06", method=MONTHLY_INTEREST, interest_day=1)
    b = loan_balance(terms, [Payment(day(2024, 9, 1), D(1000))], day(2024, 9, 1))
    parts = dict(b.allocations[0].parts)
    assert "principal" not in parts  # interest first (民法典 art 561)
    b2 = loan_balance(terms, [Payment(day(2024, 9, 1), D(1000), "principal")], day(2024, 9, 1))
    assert dict(b2.allocations[0].parts) == {"principal": D(1000)}
    principal_first = LoanTerms(terms.id, terms.draws, terms.annual_rate, terms.method, interest_day=1,
                                allocation=("principal", "interest", "penalty_interest", "compound_interest"))
    b3 = loan_balance(principal_first, [Payment(day(2024, 9, 1), D(1000))], day(2024, 9, 1))
    assert dict(b3.allocations[0].parts) == {"principal": D(1000)}


def test_rate_change_applies_from_its_date():
    terms = _single(100000, day(2024, 1, 1), day(2025, 1, 1), "0.0360", method=BULLET,
                    rate_changes=((day(2024, 7, 1), D("0.0300")),))
    b = loan_balance(terms, [], day(2025, 1, 1))
    assert [(l.days, l.rate) for l in b.lines if l.kind == "interest"] == [(182, D("0.0360")), (184, D("0.0300"))]


# --- properties -----------------------------------------------------------------------------------
methods = st.sampled_from([EQUAL_INSTALMENTS, EQUAL_PRINCIPAL, MONTHLY_INTEREST, QUARTERLY_INTEREST, BULLET])
amounts = st.integers(min_value=1000, max_value=5_000_000).map(lambda n: D(n))
rates = st.integers(min_value=100, max_value=1800).map(lambda n: D(n) / 10000)
starts = st.dates(min_value=day(2015, 1, 1), max_value=day(2024, 1, 1))


@settings(max_examples=150, deadline=None)
@given(amount=amounts, rate=rates, start=starts, months=st.integers(3, 36), method=methods,
       extra=st.integers(0, 900), paid=st.integers(1, 200000), offset=st.integers(1, 1200))
def test_a_repayment_never_increases_what_is_owed(amount, rate, start, months, method, extra, paid, offset):
    from legaldocs.law.periods import add_months

    maturity = add_months(start, months)
    as_of = maturity + dt.timedelta(days=extra)
    pay_day = start + dt.timedelta(days=offset)
    assume(pay_day <= as_of)
    terms = _single(amount, start, maturity, rate, method=method)
    before = loan_balance(terms, [], as_of).total
    after = loan_balance(terms, [Payment(pay_day, D(paid) / 100)], as_of)
    assert after.total <= before


@settings(max_examples=150, deadline=None)
@given(amount=amounts, rate=rates, start=starts, days=st.integers(2, 2000), cut=st.integers(1, 1999), method=methods)
def test_splitting_an_accrual_period_changes_nothing_beyond_rounding(amount, rate, start, days, cut, method):
    """A payment of 0.01 on an intermediate day splits every running accrual there; apart from
    that cent, totals differ only by rounding (at most 0.01 a line from the split on)."""
    assume(cut < days)
    from legaldocs.law.periods import add_months

    maturity = add_months(start, 12)
    as_of = start + dt.timedelta(days=days)
    terms = _single(amount, start, maturity, rate, method=method)
    whole = loan_balance(terms, [], as_of)
    split = loan_balance(terms, [Payment(start + dt.timedelta(days=cut), D("0.01"))], as_of)
    cut_day = start + dt.timedelta(days=cut)
    # each line from the cut on may round one cent differently (its base moved by the cent paid)
    later_lines = sum(1 for line in split.lines if line.end > cut_day)
    difference = abs(whole.total - split.total - D("0.01"))
    assert difference <= D("0.01") * later_lines + D("0.01")


def test_rc10_guarantee_company_share():
    # (6500000 + 118421.5) x 0.8 = 5294737.2 paid; x 0.2 = 1323684.3 claimed (real-cases.yaml RC10 checks)
    owed = D(6500000) + D("118421.5")
    assert owed * D("0.8") == D("5294737.20") and owed * D("0.2") == D("1323684.30")


# --- findings of review, kept as regressions ------------------------------------------------------
def test_instalment_interest_follows_the_actual_balance_and_partial_months():
    terms = _single(120000, day(2024, 1, 31), day(2025, 1, 31), "0.06", method=EQUAL_INSTALMENTS)
    # accelerated mid-month with nothing paid: 15 days of interest on 120,000
    b = loan_balance(terms, [], day(2024, 3, 1), acceleration=day(2024, 2, 15))
    assert b.interest == D("300.00") and b.principal == D(120000)
    # a prepayment lowers the next instalment's interest (50,272.03 x 0.5 %)
    paid = [Payment(day(2024, 2, 29), D("10327.97")), Payment(day(2024, 3, 10), D(60000), "principal")]
    b = loan_balance(terms, paid, day(2024, 3, 31))
    assert b.interest == D("251.36")


def test_a_period_split_by_events_rounds_like_the_whole_period():
    terms = _single(500000, day(2024, 6, 20), day(2025, 6, 20), "0.0435", method=MONTHLY_INTEREST)
    b = loan_balance(terms, [Payment(day(2024, 7, 20), D("1812.50")), Payment(day(2024, 7, 22), D(100))], day(2024, 8, 20))
    assert b.interest == D("1772.92")  # 1,872.92 for 31 days, less 100 paid early
    period = [l.amount for l in b.lines if l.start >= day(2024, 7, 20)]
    assert sum(period) == D("1872.92")


def test_interest_paid_ahead_is_applied_when_it_falls_due():
    terms = _single(36000, day(2024, 1, 1), day(2024, 12, 20), "0.2", method=MONTHLY_INTEREST)
    b = loan_balance(terms, [Payment(day(2024, 1, 19), D(400), "interest")], day(2024, 2, 25))
    assert b.interest == D("700.00") and b.compound_interest == D("2.50") and b.credit == 0


def test_the_24_percent_check_uses_the_overdue_charges():
    from legaldocs.money.statement import effective_annual_rate

    terms = _single(100000, day(2021, 1, 10), day(2024, 1, 10), "0.159")
    b = loan_balance(terms, [], day(2025, 1, 10))
    assert b.penalty_interest == D("24247.50") and b.compound_interest == D("11726.70")
    assert effective_annual_rate(b).quantize(D("0.001")) == D("0.354")
