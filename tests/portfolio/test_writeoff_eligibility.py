"""Write-off eligibility under 财金〔2017〕90号 Annex 1 (legaldocs.portfolio.writeoff): the worked
checks of the reference (writeoff.md §8: 180 days "以上" counted inclusively, bankruptcy declared
+ 180 days), a 终本 against the borrower and the guarantor (met, final once the unverified item
is confirmed), the same without the guarantor's pursuit (not met, the guarantor named), a released
guarantor, the may-not-be-written-off checks, and the small-amount route: a draft until its
unverified threshold is confirmed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from legaldocs.case.model import Case
from legaldocs.errors import LegalDocsError
from legaldocs.law.rules import load_rules
from legaldocs.portfolio.writeoff import check_eligibility, criteria, criterion_row, residue

COMPANY = {"kind": "organization", "name": "示例贸易有限公司", "uscc": "91350200MA2Y3X4R49", "address": "示例路2号",
           "representative": "丙"}
PERSON = {"kind": "person", "name": "乙", "gender": "男", "ethnicity": "汉族", "birth_date": dt.date(1980, 1, 1),
          "id_number": "110105198001010112", "address": "示例小区2号"}


def evidence(*ids: str) -> list[dict]:
    return [{"id": i, "title": f"证据{i}", "files": [f"{i}.pdf"], "purpose": "证明追索及裁判情况"} for i in ids]


def make_case(*, principal="1000000", events=(), pursuits=(), write_off=None, guarantee_period="主债务履行期限届满之日起三年",
              repayments=(), signed=dt.date(2022, 1, 10), maturity=dt.date(2023, 1, 10), sme=False,
              borrower=COMPANY, costs=()) -> Case:
    """A bullet loan of ``principal`` 元 at 6 % to P1 (a company), guaranteed jointly by P2 for the
    agreed period ``guarantee_period``; evidence E1-E9 exist."""
    guarantee = {"id": "G1", "number": "BZ-1", "guarantor": "P2", "secures": ["L1"], "kind": "连带责任保证",
                 "signed_on": signed}
    if guarantee_period:
        guarantee["period"] = guarantee_period
    return Case.model_validate({
        "case_id": "WO-1", "court": "示例人民法院",
        "creditor": {"name": "示例银行某支行", "uscc": "91110105MA01A2B3C4", "address": "示例路1号", "representative": "某"},
        "parties": {"P1": borrower, "P2": PERSON},
        "loans": [{"id": "L1", "number": "JK-1", "borrowers": ["P1"], "signed_on": signed, "principal": principal,
                   "draws": [{"date": signed, "amount": principal, "maturity": maturity}], "annual_rate": "0.06",
                   "repayment_method": "到期一次性还本付息"}],
        "guarantees": [guarantee],
        "events": list(events), "pursuits": list(pursuits), "repayments": list(repayments),
        "evidence": evidence(*(f"E{i}" for i in range(1, 10))),
        "claim": {"as_of": maturity, "costs": list(costs)},
        "risk": {"sme_or_agricultural": sme},
        "write_off": write_off,
    })


# a suit against both, a judgment, enforcement and a 终本 against each; co-signed letters to both
BOTH_SUED = [
    {"date": dt.date(2023, 3, 1), "kind": "提起诉讼", "parties": ["P1", "P2"], "evidence": ["E1"]},
    {"date": dt.date(2023, 10, 10), "kind": "申请强制执行", "parties": ["P1", "P2"], "evidence": ["E2"]},
    {"date": dt.date(2024, 4, 15), "kind": "终结本次执行程序", "parties": ["P1"], "case_number": "（2023）闽0203执100号",
     "evidence": ["E3"]},
    {"date": dt.date(2024, 4, 15), "kind": "终结本次执行程序", "parties": ["P2"], "case_number": "（2023）闽0203执101号",
     "evidence": ["E4"]},
]
LETTERS = [
    {"date": dt.date(2023, 2, 1), "party": "P1", "channel": "信函追索", "content": "寄送催收函", "outcome": "未还款",
     "handler": "王敏", "responsible": "李强", "cosigned": True, "evidence": ["E5"]},
    {"date": dt.date(2023, 2, 1), "party": "P2", "channel": "信函追索", "content": "寄送履行保证责任通知书",
     "outcome": "未履行", "handler": "王敏", "responsible": "李强", "cosigned": True, "evidence": ["E6"]},
]
SEARCH = {"asset_searches": [{"date": dt.date(2024, 3, 1), "party": "P1", "by": "法院网络查控",
                              "result": "未发现可供执行财产", "evidence": ["E7"]}]}
CONFIRM_7 = {"confirmations": [{"rule": "writeoff.annex1.7", "by": "李强", "date": dt.date(2024, 5, 20)}]}
AS_OF = dt.date(2024, 6, 1)


def test_the_annex_items_in_force_and_none_before_2017():
    items = [r["item"] for r in criteria(dt.date(2024, 1, 1))]
    assert items[:3] == ["1a", "1b", "2"] and "7" in items and "13" in items and "14" in items
    assert criteria(dt.date(2017, 9, 30)) == []
    # every item row carries its tag and source; the unhandled ones say so
    for row in criteria(dt.date(2024, 1, 1)):
        assert row["status"] in ("verified", "secondary", "unverified") and row["source"]
    assert {r["item"] for r in criteria(dt.date(2024, 1, 1)) if not r["handled"]} == {"11", "12", "15", "16"}


def test_every_writeoff_and_tax_row_is_tagged():
    for table in ("writeoff", "tax"):
        for row in load_rules(table):
            assert row.get("status") in ("verified", "secondary", "unverified"), row["id"]
            assert row.get("source"), row["id"]
    # the small-amount thresholds are unverified, as the reference says
    small = [r for r in load_rules("writeoff") if r["kind"].startswith("small_amount.") and r.get("in_force", True)]
    assert len(small) == 6 and all(r["status"] == "unverified" and r["min_pursuit_days"] == 180 for r in small)


def test_an_unknown_criterion_names_the_valid_ones():
    with pytest.raises(LegalDocsError) as exc:
        criterion_row("99", dt.date(2024, 1, 1))
    assert "'99'" in str(exc.value) and "1a" in str(exc.value) and "7" in str(exc.value) and "14" in str(exc.value)


def test_item_7_with_zhongben_against_borrower_and_guarantor_is_met():
    case = make_case(events=BOTH_SUED, pursuits=LETTERS, write_off={"criterion": "7"} | SEARCH | CONFIRM_7)
    e = check_eligibility(case, "7", AS_OF)
    assert e.met and e.final and e.draft_reasons == []
    by_key = {r.key: r for r in e.requirements}
    assert by_key["fact.rulings.P1"].proof == ("E3",) and by_key["fact.rulings.P2"].proof == ("E4",)
    assert by_key["document.rulings"].proof == ("E3", "E4") and by_key["document.search"].proof == ("E7",)
    assert by_key["pursuit.P2"].met and set(by_key["pursuit.P2"].proof) == {"E6", "E1", "E2", "E4"}
    guarantor = next(o for o in e.obligors if o.party == "P2")
    assert guarantor.role == "保证人" and guarantor.count == 1 and guarantor.first == dt.date(2023, 2, 1)
    assert [r.kind.value for r in guarantor.rulings] == ["提起诉讼", "申请强制执行", "终结本次执行程序"]
    assert guarantor.days == 1  # one record: first and last pursuit on 2023-02-01, both days counted
    assert by_key["fact.rulings.P2"].text == "保证人乙：已被裁定终结本次执行程序，案号（2023）闽0203执101号"
    assert by_key["fact.rulings.P2"].condition.startswith("对借款人和每一担保人")


def test_pursuit_days_run_from_the_first_to_the_last_record_both_counted():
    """历时: 2023-02-01 to 2023-08-20, both days counted = 201, whatever the as-of date."""
    later = LETTERS + [dict(LETTERS[1], date=dt.date(2023, 8, 20))]
    case = make_case(events=BOTH_SUED, pursuits=later, write_off={"criterion": "7"} | SEARCH | CONFIRM_7)
    guarantor = next(o for o in check_eligibility(case, "7", AS_OF).obligors if o.party == "P2")
    assert (guarantor.first, guarantor.last, guarantor.count, guarantor.days) == (
        dt.date(2023, 2, 1), dt.date(2023, 8, 20), 2, 201)


def test_a_confirmation_dated_after_the_as_of_date_is_named_in_the_draft_reason():
    late = {"confirmations": [{"rule": "writeoff.annex1.7", "by": "李强", "date": dt.date(2024, 6, 2)}]}
    case = make_case(events=BOTH_SUED, pursuits=LETTERS, write_off={"criterion": "7"} | SEARCH | late)
    e = check_eligibility(case, "7", AS_OF)
    assert e.met and not e.final
    reason = next(r for r in e.draft_reasons if "writeoff.annex1.7" in r)
    assert "李强于2024年6月2日" in reason and "晚于基准日2024年6月1日" in reason


def test_a_guarantors_bankruptcy_ruling_is_no_declaration_of_the_borrower():
    """Item 1b: the 宣告破产裁定书 must be the borrower's; a guarantor's declaration (E7) proves nothing."""
    events = [{"date": dt.date(2025, 6, 1), "kind": "宣告破产", "parties": ["P2"], "case_number": "（2025）闽02破9号",
               "evidence": ["E7"]},
              {"date": dt.date(2025, 3, 1), "kind": "提起诉讼", "parties": ["P1", "P2"], "evidence": ["E1"]}]
    case = make_case(events=events, pursuits=LETTERS, signed=dt.date(2024, 1, 10), maturity=dt.date(2025, 1, 10),
                     write_off={"criterion": "1b"})
    e = check_eligibility(case, "1b", dt.date(2026, 6, 1))
    by_key = {r.key: r for r in e.requirements}
    assert not by_key["fact.declared"].met
    document = by_key["document.declaration"]
    assert not document.met and document.proof == () and document.missing == "缺少：宣告破产裁定书"
    own = make_case(events=[dict(events[0], parties=["P1"])] + events[1:], pursuits=LETTERS,
                    signed=dt.date(2024, 1, 10), maturity=dt.date(2025, 1, 10), write_off={"criterion": "1b"})
    assert {r.key: r for r in check_eligibility(own, "1b", dt.date(2026, 6, 1)).requirements}[
        "document.declaration"].proof == ("E7",)


def test_the_negative_checks_say_what_shows_them():
    case = make_case(events=BOTH_SUED, pursuits=LETTERS, write_off={"criterion": "7"} | SEARCH | CONFIRM_7)
    by_key = {r.key: r for r in check_eligibility(case, "7", AS_OF).requirements}
    assert by_key["not_eligible.never_pursued"].proof == ("据追索记录2条、诉讼执行等事件4项",)
    assert by_key["not_eligible.evasion"].proof == ("案件未记载逃废债事件",)


def test_the_criteria_list_gives_item_and_short_title():
    from legaldocs.portfolio.writeoff import criteria_lines

    lines = criteria_lines()
    assert len(lines) == 17 and lines[0].startswith("1a") and lines[-1].startswith("16")
    assert "7   诉诸法律后经强制执行仍不能收回（终结执行、终本或中止执行）" in lines


def test_item_7_relies_on_an_unverified_row_and_is_a_draft_until_confirmed():
    case = make_case(events=BOTH_SUED, pursuits=LETTERS, write_off={"criterion": "7"} | SEARCH)
    e = check_eligibility(case, "7", AS_OF)
    assert e.met and not e.final
    assert [r["id"] for r in e.unverified] == ["writeoff.annex1.7"] and e.confirmed == []
    assert any("writeoff.annex1.7" in reason and "人工确认" in reason for reason in e.draft_reasons)


def test_without_the_guarantors_pursuit_item_7_is_not_met_and_names_the_guarantor():
    events = [
        {"date": dt.date(2023, 3, 1), "kind": "提起诉讼", "parties": ["P1"], "evidence": ["E1"]},
        {"date": dt.date(2023, 10, 10), "kind": "申请强制执行", "parties": ["P1"], "evidence": ["E2"]},
        BOTH_SUED[2],
    ]
    case = make_case(events=events, pursuits=LETTERS[:1], write_off={"criterion": "7"} | SEARCH | CONFIRM_7)
    e = check_eligibility(case, "7", AS_OF)
    assert not e.met and not e.final
    missing = {r.key: r.missing for r in e.requirements if not r.met}
    assert set(missing) == {"fact.rulings.P2", "pursuit.P2"}
    assert "保证人乙" in missing["pursuit.P2"] and "追索记录" in missing["pursuit.P2"]
    assert "保证人乙" in missing["fact.rulings.P2"]
    assert any("保证人乙" in reason for reason in e.draft_reasons)
    guarantor = next(o for o in e.obligors if o.party == "P2")
    assert not guarantor.satisfied and guarantor.count == 0 and guarantor.rulings == ()


def test_a_ruling_without_evidence_is_missing_evidence():
    events = [dict(ev) for ev in BOTH_SUED]
    events[3] = events[3] | {"evidence": []}
    case = make_case(events=events, pursuits=LETTERS, write_off={"criterion": "7"} | SEARCH | CONFIRM_7)
    e = check_eligibility(case, "7", AS_OF)
    r = next(r for r in e.requirements if r.key == "fact.rulings.P2")
    assert not r.met and "未附证据" in r.missing and "终结本次执行程序" in r.missing and not e.final


def test_a_released_guarantor_is_satisfied_with_a_note_for_the_responsibility_finding():
    events = [
        {"date": dt.date(2023, 9, 1), "kind": "提起诉讼", "parties": ["P1"], "evidence": ["E1"]},
        {"date": dt.date(2024, 1, 10), "kind": "申请强制执行", "parties": ["P1"], "evidence": ["E2"]},
        BOTH_SUED[2],
    ]
    # no agreed period: six months from maturity (2023-01-10), never claimed against the guarantor
    case = make_case(events=events, pursuits=LETTERS[:1], guarantee_period=None,
                     write_off={"criterion": "7"} | SEARCH | CONFIRM_7)
    e = check_eligibility(case, "7", AS_OF)
    guarantor = next(o for o in e.obligors if o.party == "P2")
    assert guarantor.released and guarantor.satisfied and "保证期间届满" in guarantor.note and "责任认定" in guarantor.note
    assert e.met and e.final


def test_never_pursued_cannot_be_written_off():
    case = make_case(events=[{"date": dt.date(2024, 2, 1), "kind": "吊销营业执照", "parties": ["P1"], "evidence": ["E8"]}],
                     write_off={"criterion": "4"})
    e = check_eligibility(case, "4", AS_OF)
    r = next(r for r in e.requirements if r.key == "not_eligible.never_pursued")
    # the licence revocation is a fact about the borrower, not a pursuit of the guarantor
    assert not e.met and next(r for r in e.requirements if r.key == "fact.licence").met
    assert not next(r for r in e.requirements if r.key == "pursuit.P2").met
    assert r.met  # the registry's revocation names the borrower, so not everyone is unpursued
    bare = make_case(write_off={"criterion": "4"})
    r = next(r for r in check_eligibility(bare, "4", AS_OF).requirements if r.key == "not_eligible.never_pursued")
    assert not r.met and "不得核销" in r.missing


def test_evasion_recorded_is_a_bar():
    events = BOTH_SUED + [{"date": dt.date(2024, 5, 1), "kind": "逃废债", "parties": ["P1"], "note": "转移资产"}]
    case = make_case(events=events, pursuits=LETTERS, write_off={"criterion": "7"} | SEARCH | CONFIRM_7)
    e = check_eligibility(case, "7", AS_OF)
    r = next(r for r in e.requirements if r.key == "not_eligible.evasion")
    assert not r.met and "逃废债" in r.missing and not e.met


@pytest.mark.parametrize("as_of, met", [(dt.date(2026, 7, 8), False), (dt.date(2026, 7, 9), True)])
def test_worked_check_2_bankruptcy_declared_180_days_inclusive(as_of, met):
    """writeoff.md §8 check 2: declared 2026-01-10 → item 1b available from 2026-07-09."""
    events = [{"date": dt.date(2026, 1, 10), "kind": "宣告破产", "parties": ["P1"], "case_number": "（2025）闽02破1号",
               "evidence": ["E3"]},
              {"date": dt.date(2026, 2, 1), "kind": "提起诉讼", "parties": ["P2"], "evidence": ["E1"]}]
    pursuits = LETTERS + [{"date": dt.date(2026, 3, 1), "party": "P1", "channel": "司法追索", "content": "申报破产债权",
                           "outcome": "已确认债权", "cosigned": True, "evidence": ["E9"]}]
    case = make_case(events=events, pursuits=pursuits, signed=dt.date(2024, 1, 10), maturity=dt.date(2025, 1, 10),
                     write_off={"criterion": "1b"})
    e = check_eligibility(case, "1b", as_of)
    r = next(r for r in e.requirements if r.key == "computation.bankruptcy_open")
    assert r.met is met and r.rule_id == "writeoff.bankruptcy_open.2017"
    assert "2026-07-09" in r.proof[0]
    if not met:
        assert "2026-07-09" in r.missing
    assert e.met is met and e.final is met  # items 1a/1b and the 180-day row are secondary: no confirmation needed


def test_bankruptcy_shortcut_by_version():
    from legaldocs.law.rules import rule_row
    assert rule_row("writeoff", "bankruptcy_open", dt.date(2012, 6, 1))["years"] == 3
    assert rule_row("writeoff", "bankruptcy_open", dt.date(2016, 6, 1))["years"] == 2
    row = rule_row("writeoff", "bankruptcy_open", dt.date(2017, 10, 1))
    assert row["days"] == 180 and row["inclusive"] is True


CONSUMER = PERSON | {"name": "甲", "gender": "女", "birth_date": dt.date(1985, 5, 5),
                     "id_number": "11010519850505002X"}
SMALL_PURSUITS = [
    {"date": dt.date(2026, 1, 10), "party": "P1", "channel": "电话追索", "content": "电话催收", "outcome": "无力还款",
     "handler": "王敏", "responsible": "李强", "cosigned": True, "evidence": ["E5"]},
    {"date": dt.date(2026, 1, 12), "party": "P2", "channel": "上门追索", "content": "上门催收保证人", "outcome": "拒绝",
     "handler": "王敏", "responsible": "李强", "cosigned": True, "evidence": ["E6"]},
]


def small_case(confirmations=()) -> Case:
    return make_case(principal="200000", borrower=CONSUMER,
                     signed=dt.date(2024, 6, 1), maturity=dt.date(2025, 6, 1), pursuits=SMALL_PURSUITS,
                     write_off={"criterion": "14", "loan_type": "personal_consumer",
                                "confirmations": list(confirmations)})


@pytest.mark.parametrize("as_of, met", [(dt.date(2026, 7, 8), False), (dt.date(2026, 7, 9), True)])
def test_worked_check_1_pursued_180_days_inclusive(as_of, met):
    """writeoff.md §8 check 1: "经追索180天以上", pursuit from 2026-01-10 → eligible on 2026-07-09."""
    e = check_eligibility(small_case(), "14", as_of)
    r = next(r for r in e.requirements if r.key == "computation.pursuit_days")
    assert r.met is met and r.rule_id == "writeoff.small_amount.personal_consumer.bank"
    assert "2026-07-09" in r.proof[0]
    balance = next(r for r in e.requirements if r.key == "computation.balance")
    assert balance.met and "200,000.00" in balance.proof[0]
    assert e.met is met


def confirm(*rules: str, on=dt.date(2026, 7, 1)) -> list[dict]:
    return [{"rule": rule, "by": "李强", "date": on} for rule in rules]


def test_small_amount_is_a_draft_until_its_unverified_rows_are_confirmed():
    on = dt.date(2026, 7, 9)
    threshold, item = "writeoff.small_amount.personal_consumer.bank", "writeoff.annex1.14"
    e = check_eligibility(small_case(), "14", on)
    assert e.met and not e.final
    assert {r["id"] for r in e.unverified} == {item, threshold}
    assert sum("须经人工确认" in reason for reason in e.draft_reasons) == 2
    one = check_eligibility(small_case(confirm(threshold)), "14", on)
    assert not one.final and [c.rule for c in one.confirmed] == [threshold]
    both = check_eligibility(small_case(confirm(threshold, item)), "14", on)
    assert both.final and both.draft_reasons == []
    # a confirmation recorded after the check's date does not count
    later = check_eligibility(small_case(confirm(threshold, item, on=dt.date(2026, 8, 1))), "14", on)
    assert not later.final


def test_small_amount_over_the_threshold_or_not_cosigned_is_not_met():
    case = make_case(principal="3500000", borrower=CONSUMER,
                     signed=dt.date(2024, 6, 1), maturity=dt.date(2025, 6, 1),
                     pursuits=[p | {"cosigned": False} for p in SMALL_PURSUITS],
                     write_off={"criterion": "14", "loan_type": "personal_consumer"})
    e = check_eligibility(case, "14", dt.date(2026, 7, 9))
    missing = {r.key: r.missing for r in e.requirements if not r.met}
    assert "3,500,000.00" in missing["computation.balance"] and "3,000,000.00" in missing["computation.balance"]
    assert "共同签章" in missing["document.pursuit"]
    # a corporate loan may not take the personal route
    wrong = make_case(write_off={"criterion": "14", "loan_type": "corporate"}, pursuits=LETTERS)
    r = next(r for r in check_eligibility(wrong, "14", AS_OF).requirements if r.key == "computation.loan_type")
    assert not r.met and "personal_business" in r.missing


def test_residue_keeps_the_recoveries_by_source():
    """Guarantor pays 100,000 on 2023-06-30 and a distribution of 50,000 comes on 2024-01-31:
    both are in the residue's recoveries with their sources, and the residue plus what was
    recovered is the claim."""
    repayments = [
        {"date": dt.date(2023, 6, 30), "amount": "100000", "loan": "L1", "source": "guarantor", "party": "P2",
         "evidence": ["E8"]},
        {"date": dt.date(2024, 1, 31), "amount": "50000", "loan": "L1", "source": "distribution", "evidence": ["E9"]},
    ]
    case = make_case(events=BOTH_SUED, pursuits=LETTERS, repayments=repayments, write_off={"criterion": "7"})
    res = residue(case, AS_OF)
    assert [(r.date, r.source_name, r.party) for r in res.recoveries] == [
        (dt.date(2023, 6, 30), "保证人代偿", "P2"), (dt.date(2024, 1, 31), "破产财产分配", None)]
    assert res.recovered_by_source == {"guarantor": Decimal("100000"), "distribution": Decimal("50000")}
    assert sum(res.recovered_by_component.values()) == Decimal("150000")
    assert res.total == res.principal + res.interest_on_balance + res.interest_off_balance + res.fees
    # 民法典 art 561: interest before principal; both payments went to charges, the principal is whole
    assert "principal" not in res.recovered_by_component and res.principal == Decimal("1000000")
    assert res.interest_off_balance > 0
