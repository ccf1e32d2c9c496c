"""Every case file in ../shared/cases/found/ as a test giving its expected value, with the court's
or the rule's source (first line of each file). Where the format lacked a field to say the fact,
the test adds the field the format now has."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from legaldocs.case.load import load_case
from legaldocs.deadlines.clocks import case_clocks
from legaldocs.filings.claimed import claim_totals
from legaldocs.filings.complaint import complaint_context
from legaldocs.filings.filing import build_filing
from legaldocs.errors import CaseValidationError
from legaldocs.money.schedule import schedule
from legaldocs.money.statement import case_statement
from legaldocs.portfolio.alerts import scan_alerts

from .conftest import expected_line

D = dt.date
CLI = [sys.executable, "-m", "evidence.cli"]


def _clock(clocks, kind):
    return next(c for c in clocks if c.kind == kind)


def test_a1_old_judgment_gives_every_clock(found):
    """a1: judgment in force 2012-12-20 (before the 2012 CPL took effect): clocks listed,
    limitation satisfied, enforcement application 2014-12-30, retrial under the 2007 CPL."""
    assert "2014-12-30" in expected_line("a1-old-judgment-crashes-deadlines.yaml")
    case = load_case(found("a1-old-judgment-crashes-deadlines.yaml"), check_files=False).case
    clocks = case_clocks(case, D(2013, 3, 1))
    assert _clock(clocks, "limitation").status == "satisfied"
    enforcement = _clock(clocks, "enforcement_application")
    assert enforcement.date == D(2014, 12, 30) and "2007年修正" in enforcement.chain[0].rule
    retrial = _clock(clocks, "retrial")
    # 2007 CPL art 184: two years, cut to 2013-06-30 (法释〔2012〕23号 art 6); 2013-06-30 is a Sunday
    assert retrial.date == D(2013, 6, 30) and retrial.alternative_date == D(2013, 7, 1)
    assert "第一百八十四条" in retrial.chain[0].rule and "法释〔2012〕23号第六条" in retrial.chain[0].rule


def test_a1_in_a_folder_never_hides_other_cases(found, tmp_path):
    found("a1-old-judgment-crashes-deadlines.yaml")
    found("a2-limitation-2017-transition.yaml")
    (tmp_path / "broken.yaml").write_text("case_id: [unclosed\n", encoding="utf-8")
    report = scan_alerts([tmp_path], D(2019, 5, 20), 30)
    assert {a.case_id for a in report.alerts} == {"FAIL-A1", "FAIL-A2"}  # a1's ended clocks, a2's limitation
    assert report.cases == 2 and [u.path.name for u in report.unreadable] == ["broken.yaml"]
    assert "YAML 格式错误" in report.unreadable[0].reason
    run = subprocess.run([*CLI, "alerts", str(tmp_path), "--as-of", "2019-05-20", "--json"], capture_output=True, text=True)
    assert run.returncode == 1  # something could not be read ...
    body = json.loads(run.stdout)
    assert any(c["case"] == "FAIL-A2" for c in body["clocks"])  # ... yet every other case is listed
    assert body["unreadable"][0]["file"].endswith("broken.yaml")
    assert "broken.yaml：未能扫描" in run.stderr
    assert any(c["case"] == "FAIL-A1" and c["kind"] == "enforcement_application" and c["date"] == "2014-12-30"
               and c["severity"] == "critical" for c in body["clocks"])
    assert not any(c["kind"] in ("appeal", "retrial") for c in body["clocks"])  # passed: nothing left to do


def test_a2_limitation_running_on_2017_10_01_takes_three_years(found):
    """a2: due 2016-06-01; the 2-year 民法通则 period was running on 2017-10-01, so 3 years apply
    (法释〔2018〕12号 art 2): 2019-06-01 is a Saturday -> 2019-06-03."""
    assert "2019-06-03" in expected_line("a2-limitation-2017-transition.yaml")
    case = load_case(found("a2-limitation-2017-transition.yaml"), check_files=False).case
    limitation = _clock(case_clocks(case, D(2017, 12, 1)), "limitation")
    assert limitation.date == D(2019, 6, 3) and limitation.status == "running"
    assert "民法总则" in limitation.chain[0].rule and "法释〔2018〕12号第二条" in limitation.chain[0].rule
    assert limitation.chain[0].rule_id == "period.limitation.gpcl"  # chosen by the start date, then extended


def test_a4_repricing_on_maturity_day_does_not_reach_the_penalty(found):
    """a4: 11 % = LPR 3.85 % + 715bp, x 1.5 = 16.5 % after maturity; the anniversary falling on
    the maturity day (2022-07-24, LPR 3.70 %) is shown but not applied."""
    assert "16.5 %" in expected_line("a4-lpr-reprice-on-maturity.yaml")
    case = load_case(found("a4-lpr-reprice-on-maturity.yaml"), check_files=False).case
    st = case_statement(case, case.claim.as_of)
    penalty = [line for line in st.lines if line.kind == "penalty_interest"]
    assert penalty and all(line.rate == Decimal("0.165") for line in penalty)
    first, on_maturity = st.repricings
    assert first.date == D(2021, 7, 24) and first.applied and first.lpr == Decimal("0.0385")
    assert first.lpr_published == D(2020, 4, 20) and first.rate == Decimal("0.11")
    assert on_maturity.date == D(2022, 7, 24) and not on_maturity.applied and on_maturity.lpr == Decimal("0.0370")
    assert "一年期LPR 3.85%（2020-04-20公布）+ 7.15% = 11%" in first.text


def test_a4_floating_basis_reprices_after_maturity(found):
    path = found("a4-lpr-reprice-on-maturity.yaml", lambda d: d["loans"][0].update(penalty_rate_basis="floating"))
    case = load_case(path, check_files=False).case
    st = case_statement(case, case.claim.as_of)
    assert all(r.applied for r in st.repricings)
    assert {line.rate for line in st.lines if line.kind == "penalty_interest"} == {Decimal("0.1085") * Decimal("1.5")}


def test_a6_fee_under_the_1989_schedule(found, tmp_path):
    """a6: filed 2003-03-03 on 10,570,000: 案件受理费 62,860 under 人民法院诉讼收费办法 (1989)."""
    assert "62,860" in expected_line("a6-pre2007-fee-refused.yaml")
    run = subprocess.run([*CLI, "fees", "--amount", "10570000", "--filed-on", "2003-03-03", "--json"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["fee"] == "62860.00"
    from evidence.packet import build_packet

    result = build_packet(found("a6-pre2007-fee-refused.yaml"), tmp_path / "out")
    assert result.fee.fee == Decimal("62860")
    assert "1989" in result.fee.steps[0].rule


def test_b1_penalty_counted_from_the_first_overdue_day(found):
    """b1: 40,000 x 14.85 % x 150/360 = 2,475.00, the court counting from 2024-02-09."""
    assert "2,475.00" in expected_line("b1-penalty-day-anchor.yaml")
    as_given = load_case(found("b1-penalty-day-anchor.yaml"), check_files=False).case
    st = case_statement(as_given, as_given.claim.as_of)
    assert st.penalty_interest == Decimal("2491.50")
    (difference,) = st.differences
    assert difference.bank == Decimal("2475.00") and "自逾期次日起算" in difference.cause
    path = found("b1-penalty-day-anchor.yaml", lambda d: d["loans"][0].update(overdue_anchor="first_overdue_day"))
    case = load_case(path, check_files=False).case
    st = case_statement(case, case.claim.as_of)
    assert st.penalty_interest == Decimal("2475.00") and not st.differences
    (line,) = [line for line in st.lines if line.kind == "penalty_interest"]
    assert (line.start, line.days) == (D(2024, 2, 9), 150)


def test_b2_payment_during_the_suit_is_recorded(found):
    """b2: 3,000 paid on 2025-01-16 during the suit: accepted; the figures as of 2024-07-08 keep
    principal 40,000; what remains after it is 37,000 (the court awarded 37,000)."""
    assert "37,000" in expected_line("b2-repayment-after-asof.yaml")
    case = load_case(found("b2-repayment-after-asof.yaml"), check_files=False).case
    st = case_statement(case, case.claim.as_of)
    assert st.principal == Decimal("40000.00")
    (later,) = st.later_payments
    assert later.date == D(2025, 1, 16) and later.principal_after == Decimal("37000.00")
    assert "37,000.00" in st.continuing[0]
    totals = claim_totals(case)  # the bank's figures, as the case says
    assert totals.principal == Decimal("40000.00") and "37,000.00" in totals.continuing
    context = complaint_context(build_filing(case, filing_date=D(2025, 2, 1)), evidence_no={"E1": 1})
    assert any("2025年1月16日" in f and "3,000.00元" in f for f in context["facts"])


def test_b3_withdrawn_suit_restarts_limitation_from_the_withdrawal(found):
    """b3: suit 2021-06-01 withdrawn 2021-09-01: limitation restarts from the end of the
    proceeding (民法典 art 195): 2024-09-01 is a Sunday -> expired after 2024-09-02."""
    assert "2024-09-02" in expected_line("b3-withdrawn-suit.yaml")
    as_given = load_case(found("b3-withdrawn-suit.yaml"), check_files=False).case
    notes = [n for c in case_clocks(as_given, D(2025, 1, 1)) for n in c.notes]
    assert any("撤回起诉" in n and "kind" in n for n in notes)  # recorded as 其他: said, not guessed

    def withdrawn(d):
        d["events"][1].update(kind="撤回起诉")
        d["events"][1].pop("note")

    path = found("b3-withdrawn-suit.yaml", withdrawn)
    case = load_case(path, check_files=False).case
    limitation = _clock(case_clocks(case, D(2025, 1, 1)), "limitation")
    assert limitation.date == D(2024, 9, 2) and limitation.status == "expired"
    assert any("《中华人民共和国民法典》第一百九十五条" in link.rule for link in limitation.chain)
    report = scan_alerts([path], D(2025, 1, 1), 30)
    assert [(a.clock.kind, a.severity) for a in report.alerts] == [("limitation", "critical")]


def test_b4_instalments_fall_due_on_the_20th(found):
    """b4: 等额本息 drawn 2021-06-28, repayment day the 20th (每月20日还款)."""
    case = load_case(found("b4-instalment-day.yaml"), check_files=False).case
    loan = case.loans[0]
    draw = loan.draws[0]
    dues = schedule(draw.amount, draw.date, draw.maturity, loan.repayment_method.value, loan.annual_rate,
                    interest_day=loan.interest_day)
    assert [d.date for d in dues[:3]] == [D(2021, 7, 20), D(2021, 8, 20), D(2021, 9, 20)]
    assert len(dues) == 120 and dues[-1].date == D(2031, 6, 28)
    assert dues[0].broken and dues[0].interest == Decimal("1485.00")  # 500,000 x 4.86 % x 22/360
    st = case_statement(case, case.claim.as_of)
    assert [line.end for line in st.lines if line.kind == "interest"][:3] == [D(2021, 7, 20), D(2021, 8, 20), D(2021, 9, 20)]


def test_b6_usd_loan_claimed_in_usd_with_a_yuan_fee_base(found):
    """b6: USD 3,493,000 claimed in USD; the fee base in 元 at a stated rate of a stated date
    (诉讼费用交纳办法 art 55). The rate here is an input of the test, not a published figure."""
    with pytest.raises(CaseValidationError) as refused:
        load_case(found("b6-usd-loan.yaml", lambda d: (d["loans"][0].update(currency="USD"),
                                                  d["claim"].update(currency="USD"))), check_files=False)
    assert any(path == "claim.exchange_rate" for path, _ in refused.value.problems)

    def usd(d):
        d["loans"][0]["currency"] = "USD"
        d["claim"].update(currency="USD", exchange_rate={"rate": "6.8338", "on": D(2008, 8, 1)})

    case = load_case(found("b6-usd-loan.yaml", usd), check_files=False).case
    totals = claim_totals(case)
    assert totals.currency == "USD" and totals.total == Decimal("3493000.00")
    assert totals.fee_base == Decimal("23870463.40")  # 3,493,000 x 6.8338
    context = complaint_context(build_filing(case, filing_date=D(2008, 8, 1)), evidence_no={"E1": 1})
    assert "3,493,000.00美元（大写：美元叁佰肆拾玖万叁仟元整）" in context["claims"][0]
    assert "折合人民币23,870,463.40元" in context["claims_summary"]
    from legaldocs.filings.claimed import acceptance_fee

    fee = acceptance_fee(totals, case, D(2008, 8, 1))
    assert fee.amount == Decimal("23870463.40") and "第五十五条" in fee.steps[0].rule


def test_stated_figures_compared_with_their_causes(found):
    """The record of what the court did: b1's penalty (2,475.00, days counted from 2024-02-09),
    a6's fee (62,860, the 1989 schedule) and b3's limitation (2024-09-02) as stated figures."""

    def b1(d):
        d["stated"] = [{"by": "court", "source": "判决", "penalty_interest": "2475.00"}]
    rows = __import__("legaldocs.filings.record", fromlist=["x"]).compare_stated(
        load_case(found("b1-penalty-day-anchor.yaml", b1), check_files=False).case)
    (row,) = [r for r in rows if r.by == "court"]
    assert [r.item for r in rows if r.by == "bank"] == ["penalty_interest"]  # the claim's figure, too
    assert not row.agree and row.engine == Decimal("2491.50") and "自逾期次日起算" in row.cause

    def a6(d):
        d["claim"]["filing_date"] = D(2008, 1, 2)  # a later filing date: the 2007 Measures
        d["stated"] = [{"by": "court", "acceptance_fee": "62860"}]
    run = subprocess.run([*CLI, "compare", str(found("a6-pre2007-fee-refused.yaml", a6)), "--json"], capture_output=True, text=True)
    (row,) = [r for r in json.loads(run.stdout) if r["by"] == "court"]
    assert row["engine"] == "85220" and "人民法院诉讼收费办法（1989）" in row["cause"]

    def b3(d):
        d["events"][1].update(kind="撤回起诉")
        d["events"][1].pop("note")
        d["stated"] = [{"by": "court", "dates": {"limitation": D(2024, 9, 2)}}]
    run = subprocess.run([*CLI, "compare", str(found("b3-withdrawn-suit.yaml", b3)), "--json"], capture_output=True, text=True)
    (row,) = [r for r in json.loads(run.stdout) if r["by"] == "court"]
    assert row["agree"] and row["engine"] == "2024-09-02"
