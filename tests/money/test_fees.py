"""Court fees, data-driven from legal-rules.md §5.5 and §14 TC10-TC12, and the courts' figures."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legaldocs.errors import LegalDocsError, RuleNotFoundError
from legaldocs.money.fees import court_fee

FILED = dt.date(2025, 1, 1)

# (source, kind, amount, halved, expected fee at 0.01 元)
WORKED = [
    ("TC10", "acceptance", "123456.78", False, "2769.14"),
    ("TC10", "acceptance", "123456.78", True, "1384.57"),
    ("TC10", "acceptance", "1000000", False, "13800.00"),
    ("TC10", "acceptance", "1000000", True, "6900.00"),
    ("TC10", "acceptance", "25000000", False, "166800.00"),
    ("TC10", "acceptance", "25000000", True, "83400.00"),
    ("TC10 edge", "acceptance", "10000", False, "50.00"),
    ("TC10 edge", "acceptance", "10000.01", False, "50.00"),
    ("TC11", "preservation", "123456.78", False, "1137.28"),
    ("TC11", "preservation", "1000000", False, "5000.00"),
    ("TC11", "preservation", "25000000", False, "5000.00"),
    ("TC11", "preservation", "10000", False, "120.00"),
    ("TC11", "preservation", "896000", False, "5000.00"),
    ("TC11", "preservation", "800", False, "30.00"),
    ("TC12", "enforcement", "123456.78", False, "1751.85"),
    ("TC12", "enforcement", "1000000", False, "12400.00"),
    ("TC12", "enforcement", "25000000", False, "92400.00"),
    ("TC12", "payment_order", "1000000", False, "4600.00"),
    ("§5.5", "payment_order", "123456.78", False, "923.05"),
    ("§5.5", "payment_order", "25000000", False, "55600.00"),
    ("TC12", "bankruptcy", "25000000", False, "83400.00"),
    ("TC12", "bankruptcy", "200000000", False, "300000.00"),
]


@pytest.mark.parametrize("source,kind,amount,halved,expected", WORKED, ids=[f"{w[0]}-{w[1]}-{w[2]}-{w[3]}" for w in WORKED])
def test_worked_examples(source, kind, amount, halved, expected):
    result = court_fee(kind, Decimal(amount), filed_on=FILED, halved=halved)
    assert result.fee == Decimal(expected), source
    assert result.steps and all(s.rule for s in result.steps)


# real-cases.yaml `checks`: (case, base, full fee, half, court's fee rounded to 元)
COURTS = [
    ("RC01", "114142.70", "2582.85", "1291.43", "1291"),
    ("RC02", "80769.68", "1819.24", "909.62", "910"),
    ("RC04 expected", "52248.72", "1106.22", "553.11", None),
    ("RC06 expected", "177129.95", "3842.60", "1921.30", None),
    ("RC10 expected", "1333684.30", "16803.16", "8401.58", None),
]


@pytest.mark.parametrize("case,base,full,half,court", COURTS, ids=[c[0] for c in COURTS])
def test_real_case_fees(case, base, full, half, court):
    amount = Decimal(base)
    assert court_fee("acceptance", amount, filed_on=FILED).fee == Decimal(full)
    assert court_fee("acceptance", amount, filed_on=FILED, halved=True).fee == Decimal(half)
    if court:
        assert court_fee("acceptance", amount, filed_on=FILED, halved=True, rounding="yuan").fee == Decimal(court)


def test_halving_only_once_and_only_for_acceptance():
    # mediation and summary procedure together: one halving (民诉法解释 art 206)
    assert court_fee("acceptance", Decimal(1000000), filed_on=FILED, halved=True).fee == Decimal("6900.00")
    with pytest.raises(LegalDocsError):
        court_fee("preservation", Decimal(1000), filed_on=FILED, halved=True)


def test_fee_regime_is_chosen_by_filing_date():
    # the 2007 Measures for cases accepted from 2007-04-01, the 1989 schedule before (法发〔2007〕16号)
    amount = Decimal("10570000")
    assert court_fee("acceptance", amount, filed_on=dt.date(2007, 4, 1)).fee == Decimal("85220.00")
    assert court_fee("acceptance", amount, filed_on=dt.date(2007, 3, 31)).fee == Decimal("62860.00")
    with pytest.raises(RuleNotFoundError, match="1989-08-31"):
        court_fee("acceptance", Decimal(1), filed_on=dt.date(1989, 8, 31))


def test_1989_schedule_worked_figures():
    """人民法院诉讼收费办法 (1989) arts 5 and 8: property cases 50 under 1,000 then 4 %, 3 %, 2 %,
    1.5 %, 1 %, 0.5 %; enforcement 50 to 10,000 then 0.5 %, 0.1 %; preservation 30 under 1,000 then
    1 %, 0.5 % without a cap; bankruptcy half the property fee, at most 100,000."""
    on = dt.date(2003, 3, 3)
    assert court_fee("acceptance", Decimal(1000), filed_on=on).fee == Decimal("50.00")
    assert court_fee("acceptance", Decimal(50000), filed_on=on).fee == Decimal("2010.00")  # 50 + 49,000 x 4 %
    assert court_fee("enforcement", Decimal(1000000), filed_on=on).fee == Decimal("3000.00")  # 50 + 490,000 x 0.5 % + 500,000 x 0.1 %
    assert court_fee("preservation", Decimal(1000000), filed_on=on).fee == Decimal("5520.00")  # 30 + 990 + 4,500: above the 2007 cap of 5,000
    assert court_fee("bankruptcy", Decimal(100000000), filed_on=on).fee == Decimal("100000.00")  # half of 510,010 -> cap
    with pytest.raises(RuleNotFoundError, match="支付令"):
        court_fee("payment_order", Decimal(1000), filed_on=on)


def test_halving_follows_the_grounds_of_the_regime():
    # 1989: only withdrawal halves; 2007: mediation, withdrawal and summary procedure
    old = court_fee("acceptance", Decimal("10570000"), filed_on=dt.date(2003, 3, 3), halved=True, ground="simplified")
    assert old.fee == Decimal("62860.00") and not old.halved
    assert "不因此减半" in old.steps[-2].text
    withdrawn = court_fee("acceptance", Decimal("10570000"), filed_on=dt.date(2003, 3, 3), halved=True, ground="withdrawal")
    assert withdrawn.fee == Decimal("31430.00") and withdrawn.halved
    assert court_fee("acceptance", Decimal(1000000), filed_on=FILED, halved=True, ground="simplified").fee == Decimal("6900.00")


def test_bad_amount_and_kind():
    with pytest.raises(LegalDocsError, match="不小于零"):
        court_fee("acceptance", Decimal(-1), filed_on=FILED)
    with pytest.raises(LegalDocsError, match="费用种类"):
        court_fee("appeal", Decimal(1), filed_on=FILED)  # type: ignore[arg-type]


amounts = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(a=amounts, b=amounts, kind=st.sampled_from(["acceptance", "preservation", "enforcement", "payment_order", "bankruptcy"]))
def test_fee_never_decreases_as_amount_grows(a, b, kind):
    low, high = sorted((a, b))
    assert court_fee(kind, low, filed_on=FILED).exact <= court_fee(kind, high, filed_on=FILED).exact
