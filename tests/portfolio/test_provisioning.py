"""Provisions and ratios against the reference: legal-rules.md TC15(b) (2002 ratios and band,
the 2011 baseline, the 2018 band, the 2012 general reserve) and writeoff.md §8 worked check 9
(coverage and provision ratio before and after a write-off); then the same figures from case
records classified by the engine, under both methods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from legaldocs.case.model import RiskCategory, WriteOff
from legaldocs.errors import LegalDocsError
from legaldocs.portfolio.classification import classify_cases, percent
from legaldocs.portfolio.provisioning import (
    PortfolioFigures,
    general_reserve,
    portfolio_provisions,
    ratio_text,
    regulatory_provision,
    requirements,
)
from tests.portfolio.test_classification import case, loan
from tests.tests_support import PERSON

D = dt.date
M = lambda n: Decimal(n) * 1_000_000  # noqa: E731
ON = D(2025, 12, 31)
TC15B = {RiskCategory.normal: M(90), RiskCategory.special_mention: M(5), RiskCategory.substandard: M(3),
         RiskCategory.doubtful: M("1.5"), RiskCategory.loss: M("0.5")}


def test_tc15b_2002_ratios_band_and_ratios():
    items = {c: regulatory_provision("TC15", c.value, c, amount, ON) for c, amount in TC15B.items()}
    assert [items[c].amount for c in TC15B] == [0, 100_000, 750_000, 750_000, 500_000]
    specific = sum(p.amount for p in items.values())
    assert specific == 2_100_000
    sub, dou = items[RiskCategory.substandard], items[RiskCategory.doubtful]
    assert (sub.low * sub.principal, sub.high * sub.principal) == (600_000, 900_000)
    assert (dou.low * dou.principal, dou.high * dou.principal) == (600_000, 900_000)
    assert sub.rule.id == "provisioning.specific.2002" and sub.rule.status == "secondary"
    figures = PortfolioFigures(M(100), M(5), specific + M(1))  # general 1 % of loans
    assert figures.allowance == 3_100_000 and figures.npl_ratio == Decimal("0.05")
    assert percent(figures.coverage) == "62.00%" and percent(figures.provision_ratio) == "3.10%"


def test_tc15b_requirements_and_general_reserve():
    figures = PortfolioFigures(M(100), M(5), M("3.1"))
    baseline, band = requirements(figures, ON)
    assert baseline.required == 7_500_000 and baseline.shortfall == 4_400_000
    assert baseline.rule.id == "provisioning.baseline.2011" and baseline.rule.status == "verified"
    assert band.required == 6_000_000 and band.rule.status == "secondary"
    g = general_reserve(TC15B, figures.allowance, M(100), ON)
    assert (g.potential_risk, g.gap, g.floor, g.required) == (3_800_000, 700_000, 1_500_000, 1_500_000)


def test_requirements_follow_the_date():
    figures = PortfolioFigures(M(100), M(5), M("3.1"))
    assert requirements(figures, D(2011, 12, 31)) == []
    assert [r.rule.id for r in requirements(figures, D(2017, 6, 30))] == ["provisioning.baseline.2011"]
    assert general_reserve(TC15B, M(3), M(100), D(2010, 6, 30)).floor == 1_000_000  # 财金〔2005〕49号: 1 %


def test_worked_check_9_coverage_after_write_off():
    before = PortfolioFigures(M(100), M(5), M("7.5"))
    assert percent(before.coverage) == "150.00%" and percent(before.provision_ratio) == "7.50%"
    after = before.after_write_off(M(1))
    assert (after.loans, after.npl, after.allowance) == (M(99), M(4), M("6.5"))
    assert after.coverage == Decimal("1.625") and percent(after.coverage) == "162.50%"
    assert percent(after.provision_ratio) == "6.57%"
    with pytest.raises(LegalDocsError):
        before.after_write_off(M(6))


def _portfolio():
    current = (D(2025, 1, 1), D(2027, 1, 1))
    overdue = (D(2024, 1, 1), D(2024, 12, 1))  # 395 days overdue on 2025-12-31: 损失
    return [
        ("a", case("A", [loan("L1", "900000", *current)],
                   risk={"provisions": [{"date": D(2025, 12, 31), "allowance": "9000", "stage": 1, "carrying_amount": "900000"}]})),
        ("b", case("B", [loan("L1", "100000", *overdue)], borrower=PERSON)),
    ]


def test_portfolio_from_cases_regulatory_with_write_off():
    result = classify_cases(_portfolio(), ON)
    assert [lc.category.value for lc in result.loans] == ["正常", "损失"]
    p = portfolio_provisions(result, write_off=["B"])
    assert p.specific == 100_000 and p.general == 10_000
    assert (p.before.loans, p.before.npl, p.before.allowance) == (1_000_000, 100_000, 110_000)
    assert percent(p.before.coverage) == "110.00%"
    assert p.written_off == [("B", Decimal("100000"), Decimal("100000"))]
    assert (p.after.loans, p.after.npl, p.after.allowance) == (900_000, 0, 10_000)
    assert p.after.coverage is None and percent(p.after.provision_ratio) == "1.11%"
    assert p.requirements_after[0].required == Decimal("22500.00")
    # the general reserve on both sides: before 900k × 1.5 % + 100k × 100 % = 113,500 potential, less
    # the allowance 110,000 = 3,500, floor 1.5 % of 1m = 15,000; after 13,500 − 10,000 = 3,500, floor 13,500
    g, later = p.general_reserve, p.general_reserve_after
    assert (g.potential_risk, g.gap, g.floor, g.required) == (113_500, 3_500, 15_000, 15_000)
    assert (later.potential_risk, later.gap, later.floor, later.required) == (13_500, 3_500, 13_500, 13_500)
    assert p.as_dict()["general_reserve_after"]["required"] == "13500.00"
    # every rule the figures rest on
    assert [r.id for r in p.rules_used()] == ["provisioning.band.2018", "provisioning.baseline.2011",
                                              "provisioning.general_reserve.2012", "provisioning.specific.2002"]
    assert portfolio_provisions(result).general_reserve_after is None


def test_ratios_in_json_have_at_most_six_places_half_up():
    assert ratio_text(Decimal("1.625")) == "1.625" and ratio_text(Decimal("0.25")) == "0.25" and ratio_text(None) is None
    assert ratio_text(Decimal("2890426.80") / Decimal("3827155.25")) == "0.755242"
    assert ratio_text(Decimal(2) / 3) == "0.666667" and ratio_text(Decimal("0.0000005")) == "0.000001"
    figures = PortfolioFigures(Decimal("3827155.25"), Decimal("3827155.25"), Decimal("2890426.80")).as_dict()
    assert (figures["coverage"], figures["provision_ratio"], figures["npl_ratio"]) == ("0.755242", "0.755242", "1")
    assert figures["coverage_shown"] == "75.52%"


def test_a_case_already_written_off_is_refused_naming_its_write_off_date():
    a, b = _portfolio()
    done = ("b", b[1].model_copy(update={"write_off": WriteOff(written_off_on=D(2025, 6, 30))}))
    result = classify_cases([a, done], ON)
    assert result.loans[1].write_off_status.written_off_on == D(2025, 6, 30)
    assert result.loans[1].as_dict()["write_off_status"] == {
        "state": "pursued", "written_off_on": "2025-06-30", "ended_on": None, "reason": None}
    assert result.loans[0].as_dict()["write_off_status"] is None
    with pytest.raises(LegalDocsError) as caught:
        portfolio_provisions(result, write_off=["B"])
    text = str(caught.value)
    assert "'B'" in text and "2025-06-30" in text and "--write-off" in text


def test_ecl_method_lists_loans_without_an_allowance():
    result = classify_cases(_portfolio(), ON)
    p = portfolio_provisions(result, method="ecl")
    assert p.missing == ["B/L1"] and p.before.allowance == 9000 and p.loans[0].stage == 1
    assert "B/L1" in p.notes[0]


def test_bad_method_and_unknown_write_off_case():
    result = classify_cases(_portfolio(), ON)
    with pytest.raises(LegalDocsError, match="'NOPE'"):
        portfolio_provisions(result, write_off=["NOPE"])
    with pytest.raises(LegalDocsError, match="method"):
        portfolio_provisions(result, method="ifrs")
